"""Gradient clipping: ``clip_grad_norm_``."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from homeml.tensor import Tensor


def clip_grad_norm_(
    parameters: Tensor | Iterable[Tensor],
    max_norm: float,
    norm_type: float = 2.0,
    error_if_nonfinite: bool = False,
    foreach: bool | None = None,
) -> Tensor:
    """Scale gradients in place so that their joint norm is at most ``max_norm``.

    Returns the total norm before clipping, as PyTorch does. ``foreach`` (torch's choice of
    kernel) is accepted for compatibility and changes nothing.
    """
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    grads = [p.grad._data for p in parameters if p.grad is not None]
    if not grads:
        return Tensor(0.0)
    norm_type = float(norm_type)
    # Like torch: each gradient's norm in its own dtype, then the norm of those norms, so the
    # result (and the clip coefficient) is float32 for float32 gradients, float64 for float64.
    dtype = np.result_type(*grads)
    norms = np.array([_vector_norm(g, norm_type) for g in grads], dtype=dtype)
    total = _vector_norm(norms, norm_type)
    if error_if_nonfinite and not np.isfinite(total):
        raise RuntimeError(
            f"the total gradient norm of order {norm_type} is {total}; cannot clip "
            "(pass error_if_nonfinite=False to scale by it anyway)"
        )
    scale = np.minimum(dtype.type(max_norm) / (total + dtype.type(1e-6)), dtype.type(1.0))
    if scale < 1.0:  # multiplying by exactly 1 would change nothing
        for g in grads:
            g *= scale.astype(g.dtype)
    return Tensor(total)


def _vector_norm(x: np.ndarray, norm_type: float) -> np.generic:
    """torch.linalg.vector_norm of the flattened array, in the array's dtype."""
    x = np.abs(x.ravel())
    if x.size == 0:
        return x.dtype.type(0)
    if norm_type == np.inf:
        return x.max()
    if norm_type == -np.inf:
        return x.min()
    if norm_type == 0:
        return x.dtype.type(np.count_nonzero(x))
    if norm_type == 1:
        return x.sum()
    if norm_type == 2:
        return np.sqrt(np.dot(x, x))
    return (x**norm_type).sum() ** (1.0 / norm_type)
