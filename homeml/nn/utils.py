"""Gradient utilities."""

from __future__ import annotations

import numpy as np

from homeml.tensor import Tensor


def clip_grad_norm_(
    parameters, max_norm: float, norm_type: float = 2.0, error_if_nonfinite: bool = False
) -> Tensor:
    """Scale gradients in place so that their joint norm is at most ``max_norm``.

    Returns the total norm before clipping, as PyTorch does.
    """
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    grads = [p.grad._data for p in parameters if p.grad is not None]
    if not grads:
        return Tensor(0.0)
    norm_type = float(norm_type)
    if norm_type == np.inf:
        total = max(float(np.abs(g).max()) for g in grads)
    else:
        total = sum(float((np.abs(g) ** norm_type).sum()) for g in grads) ** (1.0 / norm_type)
    if error_if_nonfinite and not np.isfinite(total):
        raise RuntimeError(f"the total gradient norm is {total}; cannot clip")
    scale = max_norm / (total + 1e-6)
    if scale < 1.0:
        for g in grads:
            g *= scale
    return Tensor(total)
