"""Reductions along dimensions (sum, mean, max, var, logsumexp, ...) and softmax.

``dim`` is an int, a tuple of ints or None (all dimensions); ``keepdim`` keeps reduced dimensions
with size 1. Backward passes broadcast the output gradient back over the reduced dimensions.
"""

from __future__ import annotations

import builtins
from typing import NamedTuple

import numpy as np

from homeml.dtypes import as_dtype
from homeml.ops.elementwise import Maximum, Minimum
from homeml.tensor import Function, Tensor


def normalize_dims(dim, ndim):
    """``dim`` as a sorted tuple of non-negative axes (None means every axis)."""
    if dim is None:
        return tuple(range(ndim))
    dims = (dim,) if isinstance(dim, (int, np.integer)) else tuple(dim)
    rank = builtins.max(ndim, 1)  # PyTorch lets a 0-d tensor be reduced along dim 0 or -1
    out = []
    for d in dims:
        if not -rank <= d < rank:
            raise IndexError(
                f"dimension out of range (expected to be in [{-rank}, {rank - 1}], got {d})"
            )
        out.append(int(d) % rank)
    return tuple(sorted(set(out))) if ndim else ()


def _reduce_dims(dim, ndim):
    """Axes for a reduction: like ``normalize_dims``, but ``dim=()`` (or ``[]``) reduces every
    dimension, as in PyTorch (elsewhere, e.g. ``flip``, an empty tuple means no dimension)."""
    if isinstance(dim, (tuple, list)) and not dim:
        dim = None
    return normalize_dims(dim, ndim)


def _expand_to_input(grad, axes, keepdim, shape):
    """Broadcast a reduced gradient back to the input's shape (a read-only view)."""
    if not keepdim and axes:
        grad = np.expand_dims(grad, axes)
    return np.broadcast_to(grad, shape)


class Sum(Function):
    def forward(self, a, axes, keepdim, dtype=None):
        self.shape, self.axes, self.keepdim = a.shape, axes, keepdim
        if dtype is None and a.dtype.kind in "biu":
            dtype = np.int64  # PyTorch sums bool and every integer type (uint8 too) in int64
        return a.sum(axis=axes, keepdims=keepdim, dtype=dtype)

    def backward(self, grad):
        return _expand_to_input(grad, self.axes, self.keepdim, self.shape)


class Mean(Function):
    def forward(self, a, axes, keepdim):
        self.shape, self.axes, self.keepdim = a.shape, axes, keepdim
        self.count = int(np.prod([a.shape[i] for i in axes]))
        return a.mean(axis=axes, keepdims=keepdim)

    def backward(self, grad):
        return _expand_to_input(grad / self.count, self.axes, self.keepdim, self.shape)


class Extreme(Function):
    """Max (or min) over several dimensions; ties share the gradient equally (as PyTorch).

    A nan is the extreme (NumPy and PyTorch propagate it). With ``nan_hits`` (``max()``/``min()``
    without ``dim``) the gradient goes to the nan elements, as PyTorch's ``max()`` does; otherwise
    no element equals nan and the gradient is nan, as PyTorch's ``amax``/``amin``.
    """

    def forward(self, a, axes, keepdim, largest, nan_hits=False):
        if a.size == 0:
            raise ValueError("max/min of an empty tensor has no identity")
        self.a, self.axes, self.keepdim, self.nan_hits = a, axes, keepdim, nan_hits
        self.extreme = (
            a.max(axis=axes, keepdims=True) if largest else a.min(axis=axes, keepdims=True)
        )
        return self.extreme if keepdim else np.squeeze(self.extreme, axis=axes)

    def backward(self, grad):
        hit = self.a == self.extreme
        if self.nan_hits:
            hit |= np.isnan(self.a) & np.isnan(self.extreme)
        count = hit.sum(axis=self.axes, keepdims=True)
        if not self.keepdim:
            grad = np.expand_dims(grad, self.axes)
        with np.errstate(divide="ignore", invalid="ignore"):  # count 0: nan, as PyTorch's amax
            return hit * (grad / count)


class TakeAlongDim(Function):
    """Values at given indices along one dimension (max/min along ``dim``); the gradient goes
    back to those indices."""

    def forward(self, a, index, dim, keepdim):
        self.shape, self.index, self.dim, self.keepdim = a.shape, index, dim, keepdim
        values = np.take_along_axis(a, index, axis=dim)
        return values if keepdim else np.squeeze(values, axis=dim)

    def backward(self, grad):
        if not self.keepdim:
            grad = np.expand_dims(grad, self.dim)
        g = np.zeros(self.shape, dtype=grad.dtype)
        np.put_along_axis(g, self.index, grad, axis=self.dim)
        return g


class Var(Function):
    """Variance (or with ``root`` its square root, the standard deviation).

    Two passes (mean, then squared deviations), accumulated in float64 and rounded once at the
    end, as PyTorch does on the CPU: float32 results then match PyTorch's to the last bit.
    """

    def forward(self, a, axes, correction, keepdim, root):
        self.axes, self.keepdim, self.root = axes, keepdim, root
        wide = a.astype(np.float64)
        diff = wide - wide.mean(axis=axes, keepdims=True)
        self.diff = diff.astype(a.dtype) if a.dtype.kind == "f" else diff
        count = int(np.prod([a.shape[i] for i in axes]))
        self.dof = builtins.max(count - correction, 0)
        with np.errstate(divide="ignore", invalid="ignore"):
            out = (diff * diff).sum(axis=axes, keepdims=True) / self.dof
        if root:
            out = np.sqrt(out)
        self.out = out.astype(self.diff.dtype)  # (keepdim shape, for backward)
        return self.out if keepdim else np.squeeze(self.out, axis=axes)

    def backward(self, grad):
        if not self.keepdim:
            grad = np.expand_dims(grad, self.axes)
        with np.errstate(divide="ignore", invalid="ignore"):
            if self.root:
                # d std = d var / (2 std); PyTorch defines it as 0 where std is 0 (no nan)
                grad = np.where(self.out == 0, 0, grad / (2 * self.out)).astype(self.diff.dtype)
            return grad * (2 * self.diff) / self.dof


class LogSumExp(Function):
    def forward(self, a, axes, keepdim):
        self.a, self.axes, self.keepdim = a, axes, keepdim
        peak = a.max(axis=axes, keepdims=True)
        peak = np.where(np.isfinite(peak), peak, 0)  # all -inf stays -inf; avoids inf - inf
        with np.errstate(divide="ignore"):
            self.out = out = np.log(np.exp(a - peak).sum(axis=axes, keepdims=True)) + peak
        return out if keepdim else np.squeeze(out, axis=axes)

    def backward(self, grad):
        if not self.keepdim:
            grad = np.expand_dims(grad, self.axes)
        return grad * np.exp(self.a - self.out)


class Softmax(Function):
    def forward(self, a, dim):
        self.dim = dim
        e = np.exp(a - a.max(axis=dim, keepdims=True))
        self.out = out = e / e.sum(axis=dim, keepdims=True)
        return out

    def backward(self, grad):
        out = self.out
        return out * (grad - (grad * out).sum(axis=self.dim, keepdims=True))


class LogSoftmax(Function):
    def forward(self, a, dim):
        self.dim = dim
        shifted = a - a.max(axis=dim, keepdims=True)
        self.out = out = shifted - np.log(np.exp(shifted).sum(axis=dim, keepdims=True))
        return out

    def backward(self, grad):
        return grad - np.exp(self.out) * grad.sum(axis=self.dim, keepdims=True)


# ----------------------------------------------------------------------------- functions


class MaxResult(NamedTuple):
    """``(values, indices)`` of ``max``/``min`` along one dimension, as PyTorch returns them."""

    values: Tensor
    indices: Tensor


def sum(input, dim=None, keepdim=False, *, dtype=None):
    """Sum over ``dim``; ``dtype`` is the type to accumulate in and return (as PyTorch)."""
    dtype = None if dtype is None else as_dtype(dtype)
    return Sum.apply(input, axes=_reduce_dims(dim, input.ndim), keepdim=keepdim, dtype=dtype)


def mean(input, dim=None, keepdim=False, *, dtype=None):
    if dtype is not None:
        input = input.to(dtype)  # PyTorch casts first, then averages
    return Mean.apply(input, axes=_reduce_dims(dim, input.ndim), keepdim=keepdim)


def _extreme(input, dim, keepdim, largest):
    if isinstance(dim, Tensor):  # max(a, b) is the elementwise maximum, as in PyTorch
        return (Maximum if largest else Minimum).apply(input, dim)
    if isinstance(dim, (int, np.integer)):
        if input.ndim == 0:
            normalize_dims(dim, 0)
            return MaxResult(input, Tensor._make(np.zeros((), dtype=np.int64)))
        (axis,) = normalize_dims(dim, input.ndim)
        pick = np.argmax if largest else np.argmin
        index = pick(input._data, axis=axis, keepdims=True)
        values = TakeAlongDim.apply(input, index=index, dim=axis, keepdim=keepdim)
        indices = index if keepdim else np.squeeze(index, axis=axis)
        return MaxResult(values, Tensor._make(indices.astype(np.int64, copy=False)))
    axes = _reduce_dims(dim, input.ndim)
    # without dim, PyTorch's max()/min() send the gradient to a nan result's nan elements
    return Extreme.apply(input, axes=axes, keepdim=keepdim, largest=largest, nan_hits=dim is None)


def max(input, dim=None, keepdim=False):
    """The largest value; along an int ``dim`` returns ``(values, indices)``; with a tensor,
    the elementwise maximum."""
    return _extreme(input, dim, keepdim, largest=True)


def min(input, dim=None, keepdim=False):
    """The smallest value; along an int ``dim`` returns ``(values, indices)``."""
    return _extreme(input, dim, keepdim, largest=False)


def amax(input, dim=None, keepdim=False):
    return Extreme.apply(input, axes=_reduce_dims(dim, input.ndim), keepdim=keepdim, largest=True)


def amin(input, dim=None, keepdim=False):
    return Extreme.apply(input, axes=_reduce_dims(dim, input.ndim), keepdim=keepdim, largest=False)


def _correction(unbiased, correction):
    if correction is not None:
        return correction
    return 1 if unbiased is None or unbiased else 0


def var(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """Variance with Bessel's correction by default (``correction=1``), as PyTorch."""
    axes = _reduce_dims(dim, input.ndim)
    return Var.apply(
        input, axes=axes, correction=_correction(unbiased, correction), keepdim=keepdim, root=False
    )


def std(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """Standard deviation: the square root of ``var`` (one op, so float32 rounds only once)."""
    axes = _reduce_dims(dim, input.ndim)
    return Var.apply(
        input, axes=axes, correction=_correction(unbiased, correction), keepdim=keepdim, root=True
    )


def logsumexp(input, dim, keepdim=False):
    """log(sum(exp(input))) along ``dim``, computed without overflow."""
    return LogSumExp.apply(input, axes=normalize_dims(dim, input.ndim), keepdim=keepdim)


def _arg_extreme(input, dim, keepdim, pick):
    data = input._data
    if dim is None:
        index = pick(data)
        if keepdim:
            index = np.reshape(index, (1,) * data.ndim)
    else:
        (axis,) = normalize_dims(dim, data.ndim) or (None,)
        index = pick(data, axis=axis, keepdims=keepdim) if axis is not None else pick(data)
    return Tensor._make(np.asarray(index, dtype=np.int64))


def argmax(input, dim=None, keepdim=False):
    """Index of the largest value (of the flattened tensor when ``dim`` is None)."""
    return _arg_extreme(input, dim, keepdim, np.argmax)


def argmin(input, dim=None, keepdim=False):
    return _arg_extreme(input, dim, keepdim, np.argmin)


def softmax(input, dim):
    return Softmax.apply(input, dim=dim)


def log_softmax(input, dim):
    return LogSoftmax.apply(input, dim=dim)


class Prod(Function):
    """Product along one axis. The gradient of each element is the product of the others, from
    exclusive running products from both ends: exact with zeros in the input (dividing the
    product by the element is not)."""

    def forward(self, a, axis, keepdim, dtype=None):
        self.a, self.axis, self.keepdim = a, axis, keepdim
        return a.prod(axis=axis, keepdims=keepdim, dtype=dtype)

    def backward(self, grad):
        a, axis = self.a, self.axis
        if not self.keepdim:
            grad = np.expand_dims(grad, axis)
        ones = np.ones_like(np.take(a, [0], axis=axis))
        # before[i] = a[0] * ... * a[i-1], after[i] = a[i+1] * ... * a[n-1]
        before = np.cumprod(np.concatenate([ones, np.delete(a, -1, axis=axis)], axis), axis)
        flipped = np.flip(a, axis)
        after = np.cumprod(np.concatenate([ones, np.delete(flipped, -1, axis=axis)], axis), axis)
        return grad * before * np.flip(after, axis)


def prod(input, dim=None, keepdim=False, *, dtype=None):
    """Product of all elements, or along the int ``dim``; bool and integers give int64 unless
    ``dtype`` says otherwise (as PyTorch)."""
    dtype = None if dtype is None else as_dtype(dtype)
    if dtype is None and input.dtype.kind in "biu":
        dtype = np.dtype(np.int64)
    if dim is None:
        if keepdim:
            raise TypeError("prod: keepdim needs a dim (PyTorch's prod(input) takes neither)")
        input, axis = input.reshape(-1), 0
    elif isinstance(dim, (int, np.integer)):
        (axis,) = normalize_dims(dim, input.ndim) or (0,)
        if input.ndim == 0:
            return input.to(dtype) if dtype is not None else input * 1
    else:
        raise TypeError(f"prod: dim must be an int or None, got {type(dim).__name__} {dim!r}")
    if dtype is not None and dtype != input.dtype:
        input = input.to(dtype)  # cast first so the gradient flows through the cast
    return Prod.apply(input, axis=axis, keepdim=keepdim)
