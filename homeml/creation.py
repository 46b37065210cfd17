"""Making tensors: from data, filled, ranges, and random (one seeded generator, like PyTorch's)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import DTypeLike

from homeml.device import CPU, DeviceLike, check_device
from homeml.device import device as _device
from homeml.dtypes import FLOAT32, as_dtype, default_dtype_for
from homeml.tensor import Tensor, _sizes


def _new(array, requires_grad, device=None):
    check_device(device)
    t = Tensor._make(array)
    return t.requires_grad_(True) if requires_grad else t


def _float_dtype(dtype):
    return FLOAT32 if dtype is None else as_dtype(dtype)


def tensor(
    data: Any,
    dtype: DTypeLike | None = None,
    device: DeviceLike = None,
    requires_grad: bool = False,
) -> Tensor:
    """A new tensor holding a copy of ``data`` (nested lists, scalars, arrays or tensors).

    Python floats give float32 and Python ints int64; NumPy arrays keep their dtype.
    """
    check_device(device)
    return Tensor(data, requires_grad=requires_grad, dtype=dtype)


def as_tensor(data: Any, dtype: DTypeLike | None = None, device: DeviceLike = None) -> Tensor:
    """Like :func:`tensor`, but shares memory with a NumPy array or tensor when possible."""
    check_device(device)
    if isinstance(data, Tensor) and (dtype is None or as_dtype(dtype) == data.dtype):
        return data
    if isinstance(data, np.ndarray) and (dtype is None or as_dtype(dtype) == data.dtype):
        return Tensor._make(data)
    return tensor(data, dtype=dtype)


def from_numpy(array: np.ndarray) -> Tensor:
    """A tensor sharing memory with ``array``."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"from_numpy expects a numpy.ndarray, got {type(array).__name__}")
    return Tensor._make(array)


def zeros(
    *size: int | Sequence[int],
    dtype: DTypeLike | None = None,
    device: DeviceLike = None,
    requires_grad: bool = False,
) -> Tensor:
    """A tensor of the given size filled with 0 (float32 unless ``dtype`` says otherwise)."""
    return _new(np.zeros(_sizes(size), dtype=_float_dtype(dtype)), requires_grad, device)


def ones(
    *size: int | Sequence[int],
    dtype: DTypeLike | None = None,
    device: DeviceLike = None,
    requires_grad: bool = False,
) -> Tensor:
    """A tensor of the given size filled with 1 (float32 unless ``dtype`` says otherwise)."""
    return _new(np.ones(_sizes(size), dtype=_float_dtype(dtype)), requires_grad, device)


def empty(
    *size: int | Sequence[int],
    dtype: DTypeLike | None = None,
    device: DeviceLike = None,
    requires_grad: bool = False,
) -> Tensor:
    """An uninitialised tensor of the given size, as ``torch.empty``."""
    return _new(np.empty(_sizes(size), dtype=_float_dtype(dtype)), requires_grad, device)


def full(
    size: int | Sequence[int],
    fill_value: Any,
    dtype: DTypeLike | None = None,
    device: DeviceLike = None,
    requires_grad: bool = False,
) -> Tensor:
    """A tensor of shape ``size`` filled with ``fill_value`` (its dtype unless ``dtype``)."""
    dtype = as_dtype(dtype) if dtype is not None else default_dtype_for(fill_value)
    return _new(np.full(_sizes((size,)), fill_value, dtype=dtype), requires_grad, device)


def zeros_like(
    input: Tensor,
    dtype: DTypeLike | None = None,
    device: DeviceLike = None,
    requires_grad: bool = False,
) -> Tensor:
    """Zeros with the shape (and, unless ``dtype``, the dtype) of ``input``."""
    return _new(np.zeros(input.shape, dtype=dtype or input.dtype), requires_grad, device)


def ones_like(
    input: Tensor,
    dtype: DTypeLike | None = None,
    device: DeviceLike = None,
    requires_grad: bool = False,
) -> Tensor:
    """Ones with the shape (and, unless ``dtype``, the dtype) of ``input``."""
    return _new(np.ones(input.shape, dtype=dtype or input.dtype), requires_grad, device)


def full_like(
    input: Tensor,
    fill_value: Any,
    dtype: DTypeLike | None = None,
    device: DeviceLike = None,
    requires_grad: bool = False,
) -> Tensor:
    """``fill_value`` with the shape (and, unless ``dtype``, the dtype) of ``input``."""
    array = np.full(input.shape, fill_value, dtype=dtype or input.dtype)
    return _new(array, requires_grad, device)


def arange(
    start: float,
    end: float | None = None,
    step: float = 1,
    dtype: DTypeLike | None = None,
    device: DeviceLike = None,
    requires_grad: bool = False,
) -> Tensor:
    """Values from ``start`` (default 0) up to but excluding ``end``, ``step`` apart."""
    if end is None:
        start, end = 0, start
    if step == 0:
        raise ValueError("arange: step must be non-zero")
    if dtype is None:
        is_int = all(isinstance(v, (int, np.integer)) for v in (start, end, step))
        dtype = np.int64 if is_int else FLOAT32
    return _new(np.arange(start, end, step).astype(as_dtype(dtype)), requires_grad, device)


def linspace(
    start: float,
    end: float,
    steps: int,
    dtype: DTypeLike | None = None,
    device: DeviceLike = None,
    requires_grad: bool = False,
) -> Tensor:
    """``steps`` evenly spaced values from ``start`` to ``end``, both included."""
    array = np.linspace(start, end, steps).astype(_float_dtype(dtype))
    return _new(array, requires_grad, device)


def eye(
    n: int,
    m: int | None = None,
    dtype: DTypeLike | None = None,
    device: DeviceLike = None,
    requires_grad: bool = False,
) -> Tensor:
    """An ``n`` x ``m`` (default square) matrix with ones on the diagonal."""
    return _new(np.eye(n, m, dtype=_float_dtype(dtype)), requires_grad, device)


# ----------------------------------------------------------------------------- randomness


class Generator:
    """A source of random numbers (NumPy's PCG64), seedable like ``torch.Generator``."""

    def __init__(self, seed: int | None = None, device: DeviceLike = None):
        check_device(device)
        self.manual_seed(seed)

    def manual_seed(self, seed: int | None) -> Generator:
        self._seed = seed
        self.rng = np.random.default_rng(seed)
        return self

    @property
    def device(self) -> _device:
        return CPU

    def initial_seed(self) -> int | None:
        return self._seed


default_generator = Generator()


def manual_seed(seed: int) -> Generator:
    """Seed the default generator so that random tensors are reproducible."""
    return default_generator.manual_seed(int(seed))


def _rng(generator):
    return (generator or default_generator).rng


def rand(
    *size: int | Sequence[int],
    dtype: DTypeLike | None = None,
    device: DeviceLike = None,
    requires_grad: bool = False,
    generator: Generator | None = None,
) -> Tensor:
    """Uniform samples on [0, 1)."""
    check_device(device)
    dtype = _float_dtype(dtype)
    return _new(_rng(generator).random(_sizes(size), dtype=np.float64).astype(dtype), requires_grad)


def randn(
    *size: int | Sequence[int],
    dtype: DTypeLike | None = None,
    device: DeviceLike = None,
    requires_grad: bool = False,
    generator: Generator | None = None,
) -> Tensor:
    """Standard normal samples."""
    check_device(device)
    dtype = _float_dtype(dtype)
    return _new(_rng(generator).standard_normal(_sizes(size)).astype(dtype), requires_grad)


def randint(
    low: int,
    high: Any = None,
    size: int | Sequence[int] = (),
    dtype: DTypeLike | None = None,
    generator: Generator | None = None,
    device: DeviceLike = None,
) -> Tensor:
    """Integers uniform on [low, high) (``randint(high, size)`` starts at 0)."""
    check_device(device)
    if isinstance(high, (tuple, list)):  # randint(high, size), PyTorch's two-argument form
        low, high, size = 0, low, high
    elif high is None:
        low, high = 0, low
    if high <= low:
        raise ValueError(f"randint: high must be greater than low, got low={low}, high={high}")
    sizes = _sizes((size,))
    values = _rng(generator).integers(low, high, size=sizes)
    return Tensor._make(values.astype(as_dtype(dtype) if dtype is not None else np.int64))


def randperm(
    n: int,
    dtype: DTypeLike | None = None,
    generator: Generator | None = None,
    device: DeviceLike = None,
) -> Tensor:
    """A random permutation of ``0 .. n-1`` (int64 unless ``dtype``)."""
    check_device(device)
    values = _rng(generator).permutation(n)
    return Tensor._make(values.astype(as_dtype(dtype) if dtype is not None else np.int64))


def rand_like(
    input: Tensor,
    dtype: DTypeLike | None = None,
    device: DeviceLike = None,
    requires_grad: bool = False,
) -> Tensor:
    """Uniform values in [0, 1) with the shape (and, unless ``dtype``, dtype) of ``input``."""
    return rand(input.shape, dtype=dtype or input.dtype, device=device, requires_grad=requires_grad)


def randn_like(
    input: Tensor,
    dtype: DTypeLike | None = None,
    device: DeviceLike = None,
    requires_grad: bool = False,
) -> Tensor:
    """Standard normal values with the shape (and, unless ``dtype``, dtype) of ``input``."""
    return randn(
        input.shape, dtype=dtype or input.dtype, device=device, requires_grad=requires_grad
    )
