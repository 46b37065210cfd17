"""Tests that give booleans: isnan, isinf, isfinite, any, all, and allclose. None of them has
a gradient (their results are bool tensors or a Python bool, as in PyTorch)."""

from __future__ import annotations

import numpy as np

from homeml.ops.reduce import _reduce_dims
from homeml.tensor import Tensor


def _array(x, name: str) -> np.ndarray:
    if isinstance(x, Tensor):
        return x._data
    if isinstance(x, (bool, int, float, np.ndarray, np.generic)):
        return np.asarray(x)
    raise TypeError(f"{name}: expected a Tensor, got {type(x).__name__}")


def isnan(input) -> Tensor:
    return Tensor._make(np.isnan(_array(input, "isnan")))


def isinf(input) -> Tensor:
    return Tensor._make(np.isinf(_array(input, "isinf")))


def isfinite(input) -> Tensor:
    return Tensor._make(np.isfinite(_array(input, "isfinite")))


def any(input, dim=None, keepdim=False) -> Tensor:
    """Whether any element (along ``dim``) is non-zero; a bool tensor."""
    data = _array(input, "any")
    return Tensor._make(np.any(data, axis=_reduce_dims(dim, data.ndim), keepdims=keepdim))


def all(input, dim=None, keepdim=False) -> Tensor:
    """Whether every element (along ``dim``) is non-zero; a bool tensor."""
    data = _array(input, "all")
    return Tensor._make(np.all(data, axis=_reduce_dims(dim, data.ndim), keepdims=keepdim))


def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False) -> bool:
    """``|input - other| <= atol + rtol * |other|`` everywhere (broadcasting), as PyTorch."""
    a, b = _array(input, "allclose"), _array(other, "allclose")
    try:
        np.broadcast_shapes(a.shape, b.shape)
    except ValueError:
        raise ValueError(
            f"allclose: shapes {a.shape} and {b.shape} do not broadcast to a common shape"
        ) from None
    return bool(np.allclose(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan))
