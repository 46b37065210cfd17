"""Matrix products."""

from __future__ import annotations

import numpy as np

from homeml.tensor import Function


class MatMul(Function):
    """``a @ b`` with NumPy's (and PyTorch's) rules: 1-D operands are promoted to a row (left)
    or a column (right) and the added dimension is dropped; leading dimensions broadcast."""

    _saved_for = {"a": 1, "b": 0}

    def forward(self, a, b):
        a, b = np.asarray(a), np.asarray(b)
        if a.ndim == 0 or b.ndim == 0:
            raise ValueError("both arguments to matmul need at least 1 dimension")
        self.a, self.b = a, b
        return np.matmul(a, b)

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
            ga = g @ np.swapaxes(b2, -1, -2)
            if a.ndim == 1:
                ga = ga.reshape(-1, a.shape[0]).sum(axis=0)
        if self.needs_input_grad[1]:
            gb = np.swapaxes(a2, -1, -2) @ g
            if b.ndim == 1:
                gb = gb.reshape(-1, b.shape[0]).sum(axis=0)
        return ga, gb


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
