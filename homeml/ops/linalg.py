"""Matrix products and norms."""

from __future__ import annotations

import math

import numpy as np

from homeml.ops.reduce import _reduce_dims, normalize_dims
from homeml.tensor import Function


def _matmul(a, b):
    """``a @ b``; a stack (..., n, k) times a matrix (k, m) as one (N, k) @ (k, m) product.

    NumPy would call BLAS once per matrix of the stack (slower still when ``b`` is a transposed
    view, as a Linear layer's ``weight.T``); one flat product is one call. A stack whose
    leading axes do not merge into a view is copied once by the reshape.
    """
    if a.ndim > 2 and b.ndim == 2:
        return (a.reshape(-1, a.shape[-1]) @ b).reshape(*a.shape[:-1], b.shape[-1])
    return np.matmul(a, b)


class MatMul(Function):
    """``a @ b`` with NumPy's (and PyTorch's) rules: 1-D operands are promoted to a row (left)
    or a column (right) and the added dimension is dropped; leading dimensions broadcast."""

    _saved_for = {"a": 1, "b": 0}

    def forward(self, a, b):
        a, b = np.asarray(a), np.asarray(b)
        if a.ndim == 0 or b.ndim == 0:
            raise ValueError("both arguments to matmul need at least 1 dimension")
        self.a, self.b = a, b
        return _matmul(a, b)

    def backward(self, grad):
        a, b = self.a, self.b
        # Promote 1-D operands (and the gradient) to matrices, then undo it for each gradient.
        a2 = a[None, :] if a.ndim == 1 else a
        b2 = b[:, None] if b.ndim == 1 else b
        # A broadcast view (e.g. from sum's backward) would push BLAS onto a slow path.
        g = np.ascontiguousarray(grad) if 0 in grad.strides else grad
        if b.ndim == 1:
            g = g[..., None]
        if a.ndim == 1:
            g = g[..., None, :]
        ga = gb = None
        if self.needs_input_grad[0]:
            ga = _matmul(g, np.swapaxes(b2, -1, -2))
            if a.ndim == 1:
                ga = ga.reshape(-1, a.shape[0]).sum(axis=0)
        if self.needs_input_grad[1]:
            if a2.ndim > 2 and b2.ndim == 2:
                # (..., n, k) @ (k, m): sum over the stack inside one (k, N) @ (N, m) product
                # rather than building a (..., k, m) stack of products to be summed afterwards.
                gb = a2.reshape(-1, a2.shape[-1]).T @ g.reshape(-1, g.shape[-1])
            else:
                gb = np.swapaxes(a2, -1, -2) @ g
            if b.ndim == 1:
                gb = gb.reshape(-1, b.shape[0]).sum(axis=0)
        return ga, gb


class Linear(Function):
    """``x @ weight.T + bias`` as one node (``F.linear``): the products of ``x @ weight.T``
    (MatMul's, on the same transposed view, so the same numbers), the bias added in place, and
    no separate transpose and addition nodes in the graph."""

    _saved_for = {"x": 1, "weight": 0}

    def forward(self, x, weight, bias=None):
        x, weight = np.asarray(x), np.asarray(weight)
        if x.ndim == 0:
            raise ValueError("both arguments to matmul need at least 1 dimension")
        self.x, self.weight = x, weight
        out = _matmul(x, weight.T)
        if bias is not None:
            bias = np.asarray(bias)
            if bias.dtype == out.dtype and np.broadcast_shapes(out.shape, bias.shape) == out.shape:
                out += bias  # the same sums as out + bias, without a second output array
            else:
                out = out + bias
        return out

    def backward(self, grad):
        x, weight = self.x, self.weight
        needs = self.needs_input_grad
        g = np.ascontiguousarray(grad) if 0 in grad.strides else grad
        if x.ndim == 1:
            g = g[..., None, :]
        gx = gw = None
        if needs[0]:
            gx = _matmul(g, weight)
            if x.ndim == 1:
                gx = gx.reshape(-1, x.shape[0]).sum(axis=0)
        if needs[1]:
            x2 = x[None, :] if x.ndim == 1 else x
            if x2.ndim > 2:  # the (k, m) product MatMul forms for weight.T, then transposed
                gw = (x2.reshape(-1, x2.shape[-1]).T @ g.reshape(-1, g.shape[-1])).T
            else:
                gw = (np.swapaxes(x2, -1, -2) @ g).T
        gb = grad if len(needs) > 2 and needs[2] else None  # the engine sums it to bias' shape
        return gx, gw, gb


def matmul(input, other):
    return MatMul.apply(input, other)


def mm(input, mat2):
    """The product of two matrices (both 2-D, no broadcasting), as ``torch.mm``."""
    for name, t in (("input", input), ("mat2", mat2)):
        if np.ndim(t) != 2:
            raise RuntimeError(f"mm: {name} must be a matrix (2-D), got shape {np.shape(t)}")
    if input.shape[1] != mat2.shape[0]:
        raise RuntimeError(
            f"mm: mat1 and mat2 shapes cannot be multiplied ({input.shape[0]}x{input.shape[1]} "
            f"and {mat2.shape[0]}x{mat2.shape[1]})"
        )
    return MatMul.apply(input, mat2)


def bmm(input, mat2):
    """Batched matrix product of (b, n, m) and (b, m, p) tensors, as ``torch.bmm``."""
    if np.ndim(input) != 3 or np.ndim(mat2) != 3:
        raise RuntimeError(
            f"bmm: both arguments must be 3-D, got shapes {np.shape(input)} and {np.shape(mat2)}"
        )
    if input.shape[0] != mat2.shape[0] or input.shape[2] != mat2.shape[1]:
        raise RuntimeError(
            f"bmm: shapes {tuple(input.shape)} and {tuple(mat2.shape)} cannot be multiplied "
            "(equal batch sizes and inner dimensions needed)"
        )
    return MatMul.apply(input, mat2)


def addmm(input, mat1, mat2, *, beta=1, alpha=1):
    """``beta * input + alpha * (mat1 @ mat2)``, ``input`` broadcast to the product's shape."""
    product = mm(mat1, mat2)
    if alpha != 1:
        product = product * alpha
    if beta == 0:  # as in PyTorch, input is ignored (its NaNs do not propagate)
        return product
    return product + (input if beta == 1 else input * beta)


# ----------------------------------------------------------------------------- norms


class VectorNorm(Function):
    """``(sum |a| ** ord) ** (1 / ord)`` over ``axes``; ``ord`` inf / -inf is the largest /
    smallest ``|a|``, 0 the count of non-zeros. At a zero norm the gradient is 0 (as PyTorch),
    and ties of the largest ``|a|`` share the gradient."""

    def forward(self, a, ord, axes, keepdim):
        self.a, self.ord, self.axes, self.keepdim = a, ord, axes, keepdim
        magnitude = np.abs(a)
        if ord == math.inf:
            out = magnitude.max(axis=axes, keepdims=True)
        elif ord == -math.inf:
            out = magnitude.min(axis=axes, keepdims=True)
        elif ord == 0:
            out = (a != 0).sum(axis=axes, keepdims=True).astype(a.dtype)
        elif ord == 1:
            out = magnitude.sum(axis=axes, keepdims=True)
        elif ord == 2:
            out = np.sqrt((a * a).sum(axis=axes, keepdims=True))
        else:
            out = (magnitude**ord).sum(axis=axes, keepdims=True) ** (1 / ord)
        self.out = out  # (keepdim shape, for backward)
        return out if keepdim else np.squeeze(out, axis=axes)

    def backward(self, grad):
        a, ord, out = self.a, self.ord, self.out
        if not self.keepdim:
            grad = np.expand_dims(grad, self.axes)
        if ord == 0:
            return np.zeros_like(a)
        if ord == 1:
            return grad * np.sign(a)
        if math.isinf(ord):
            hit = np.abs(a) == out
            return grad * np.sign(a) * hit / hit.sum(axis=self.axes, keepdims=True)
        with np.errstate(divide="ignore", invalid="ignore"):
            if ord == 2:
                scale = a / out
            else:
                scale = np.sign(a) * (np.abs(a) / out) ** (ord - 1)
        return grad * np.where(out == 0, 0, scale).astype(a.dtype)


def _check_float(input, name):
    if input.dtype.kind not in "fc":
        raise TypeError(f"{name}: expected a floating-point tensor, got {input.dtype}")


def vector_norm(input, ord=2, dim=None, keepdim=False):
    """The vector ``ord``-norm over ``dim`` (every element when None), as
    ``torch.linalg.vector_norm``: ``ord`` 2 (default), 1, inf, -inf, 0 or any number >= 1."""
    _check_float(input, "vector_norm")
    if not isinstance(ord, (int, float)) or not (ord >= 1 or ord == 0 or ord == -math.inf):
        raise ValueError(f"vector_norm: ord must be 0, a number >= 1, inf or -inf; got {ord!r}")
    return VectorNorm.apply(input, ord=ord, axes=_reduce_dims(dim, input.ndim), keepdim=keepdim)


def matrix_norm(input, ord="fro", dim=(-2, -1), keepdim=False):
    """A matrix norm over the two dimensions ``dim``, as ``torch.linalg.matrix_norm``:
    ``"fro"``, 1 / -1 (largest / smallest column sum of ``|a|``) or inf / -inf (row sum)."""
    _check_float(input, "matrix_norm")
    pair = isinstance(dim, (tuple, list)) and len(dim) == 2 and input.ndim >= 2
    dims = tuple(normalize_dims(d, input.ndim)[0] for d in dim) if pair else ()
    if len(set(dims)) != 2:
        raise ValueError(
            f"matrix_norm: expected two distinct dimensions of a tensor with at least 2, got "
            f"dim={dim} for shape {input.shape}"
        )
    if ord == "fro":
        return VectorNorm.apply(input, ord=2, axes=tuple(sorted(dims)), keepdim=keepdim)
    if ord in (1, -1, math.inf, -math.inf):
        row, col = dims  # (in the order given, as PyTorch: the first indexes rows)
        summed, other = (row, col) if ord in (1, -1) else (col, row)
        sums = input.abs().sum(dim=summed, keepdim=True)
        picked = sums.amax(dim=other, keepdim=True) if ord > 0 else sums.amin(other, True)
        return picked if keepdim else picked.squeeze(max(dims)).squeeze(min(dims))
    raise ValueError(
        f"matrix_norm: ord must be 'fro', 1, -1, inf or -inf, got {ord!r} (the spectral and "
        "nuclear norms, ord 2, -2 and 'nuc', need singular values, which homeml does not have)"
    )


def norm(input, ord=None, dim=None, keepdim=False):
    """``torch.linalg.norm``: with ``ord=None`` the 2-norm of the flattened tensor (or along
    ``dim``); a matrix norm for a 2-D input without ``dim``, or for a pair of dims."""
    pair = isinstance(dim, (tuple, list)) and len(dim) == 2
    if ord is None:
        return vector_norm(input, 2, dim, keepdim)
    if pair or (dim is None and input.ndim == 2):
        return matrix_norm(input, ord, (-2, -1) if dim is None else dim, keepdim)
    if dim is None and input.ndim != 1:
        raise ValueError(
            f"norm: ord={ord!r} without dim needs a 1-D or 2-D input, got shape {input.shape}; "
            "pass dim, or use vector_norm"
        )
    if ord == "fro":
        raise ValueError("norm: ord='fro' is a matrix norm; it needs two dimensions")
    return vector_norm(input, ord, dim, keepdim)


def tensor_norm(input, p="fro", dim=None, keepdim=False):
    """``Tensor.norm`` / ``torch.norm``: the vector ``p``-norm over ``dim`` (every element when
    None); ``"fro"`` is the 2-norm."""
    return vector_norm(input, 2 if p == "fro" else p, dim, keepdim)
