"""Ordering along one dimension: ``sort``, ``argsort``, ``topk``; and the running sum ``cumsum``.

The values of ``sort`` and ``topk`` are gathered from the input at the sorted indices, so their
gradient goes back to those positions (``TakeAlongDim``, shared with ``max(dim=)``). Indices are
int64 tensors outside the graph. NaN sorts as the largest value, as in PyTorch.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from homeml.dtypes import as_dtype
from homeml.ops.reduce import TakeAlongDim, normalize_dims
from homeml.tensor import Function, Tensor


class SortResult(NamedTuple):
    """``(values, indices)`` of ``sort`` and ``topk``, as PyTorch returns them."""

    values: Tensor
    indices: Tensor


def _axis(input, dim):
    return normalize_dims(dim, input.ndim)[0] if input.ndim else 0


def _order(data, axis, descending):
    """Stable sorting indices along ``axis``; equal values keep their order either way."""
    if data.ndim == 0:
        return np.zeros((), dtype=np.int64)
    if not descending:
        return np.argsort(data, axis=axis, kind="stable")
    # stable descending: sort the reversed array ascending, reverse the result, map indices back
    # (negating would break ties in reverse and does not work for unsigned or bool)
    n = data.shape[axis]
    reversed_order = np.argsort(np.flip(data, axis), axis=axis, kind="stable")
    return (n - 1) - np.flip(reversed_order, axis)


def _gather(input, index, axis):
    """Values of ``input`` at ``index`` along ``axis`` (differentiable through TakeAlongDim)."""
    if input.ndim == 0:
        return input * 1 if input.requires_grad else Tensor._make(input.numpy().copy())
    return TakeAlongDim.apply(input, index, dim=axis, keepdim=True)


def sort(
    input: Tensor, dim: int = -1, descending: bool = False, stable: bool = False
) -> SortResult:
    """Sort along ``dim``; returns ``(values, indices)``. Always stable (``stable`` is accepted
    for PyTorch's signature): ties keep their input order, ascending or descending."""
    axis = _axis(input, dim)
    index = _order(input.numpy(), axis, descending).astype(np.int64, copy=False)
    return SortResult(_gather(input, index, axis), Tensor._make(index))


def argsort(input: Tensor, dim: int = -1, descending: bool = False, stable: bool = False) -> Tensor:
    """The indices that sort ``input`` along ``dim`` (int64; stable, as ``sort``)."""
    axis = _axis(input, dim)
    return Tensor._make(_order(input.numpy(), axis, descending).astype(np.int64, copy=False))


def topk(
    input: Tensor, k: int, dim: int = -1, largest: bool = True, sorted: bool = True
) -> SortResult:
    """The ``k`` largest (or smallest) values along ``dim`` and their indices.

    The result is always in sorted order (PyTorch leaves the order unspecified for
    ``sorted=False``); among equal values the first in the input comes first. One full stable
    sort per slice: simple, and fast enough for the vocabulary sizes sampling meets.
    """
    axis = _axis(input, dim)
    size = input.shape[axis] if input.ndim else 1
    if not 0 <= k <= size:
        raise RuntimeError(
            f"topk: k must be in [0, {size}] (the size of dimension {dim}), got k={k}"
        )
    data = input.numpy()
    order = _order(data, axis, largest)
    index = np.take(order, np.arange(k), axis=axis) if data.ndim else order
    index = index.astype(np.int64, copy=False)
    return SortResult(_gather(input, index, axis), Tensor._make(index))


class CumSum(Function):
    """Running sum along ``axis``; the gradient is the running sum of ``grad`` from the end."""

    def forward(self, a, axis, dtype):
        self.axis = axis
        return np.cumsum(a, axis=axis, dtype=dtype)

    def backward(self, grad):
        axis = self.axis
        return np.flip(np.cumsum(np.flip(grad, axis), axis=axis), axis)


def cumsum(input: Tensor, dim: int, *, dtype=None) -> Tensor:
    """Cumulative sum along ``dim``; bool and integer input gives int64 unless ``dtype`` says
    otherwise (as PyTorch)."""
    if dtype is not None and as_dtype(dtype) != input.dtype:
        input = input.to(dtype)  # cast first so the gradient flows through the cast
    wanted = np.dtype(np.int64) if input.dtype.kind in "biu" else None
    if input.ndim == 0:
        normalize_dims(dim, 0)  # checks dim is 0 or -1
        return CumSum.apply(input.reshape(1), axis=0, dtype=wanted).reshape(())
    return CumSum.apply(input, axis=_axis(input, dim), dtype=wanted)
