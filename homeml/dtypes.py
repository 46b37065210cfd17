"""Data types: PyTorch's names for NumPy dtypes, and the rules for choosing one."""

from __future__ import annotations

import builtins

import numpy as np
from numpy.typing import DTypeLike

float16 = half = np.dtype(np.float16)
# NumPy has no bfloat16: the name exists so that scripts choosing a dtype by name run, and
# tensors asked for it compute in float32 (its range; more precision than bfloat16 keeps).
bfloat16 = np.dtype(np.float32)
float32 = float = np.dtype(np.float32)
float64 = double = np.dtype(np.float64)
int8 = np.dtype(np.int8)
uint8 = np.dtype(np.uint8)
int16 = short = np.dtype(np.int16)
int32 = int = np.dtype(np.int32)
int64 = long = np.dtype(np.int64)
bool = np.dtype(np.bool_)  # noqa: A001 - PyTorch's name

FLOAT32 = float32
FLOAT64 = float64


def as_dtype(dtype: DTypeLike) -> np.dtype:
    """Normalise a dtype given as a NumPy dtype, a type (``float``, ``np.float32``) or a name."""
    try:
        return np.dtype(dtype)
    except TypeError:
        raise TypeError(f"expected a dtype such as homeml.float32, got {dtype!r}") from None


def is_floating(dtype: DTypeLike) -> builtins.bool:
    """Whether ``dtype`` is a floating-point dtype."""
    return np.dtype(dtype).kind == "f"


def default_dtype_for(data: object) -> np.dtype:
    """The dtype PyTorch gives ``tensor(data)``: float32 for Python floats, else NumPy's own."""
    if isinstance(data, np.ndarray):
        return data.dtype
    if isinstance(data, np.generic):
        return data.dtype
    inferred = np.asarray(data).dtype
    if inferred.kind == "f":
        return FLOAT32
    if inferred.kind in "iu":
        return int64
    return inferred
