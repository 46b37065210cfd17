"""Image transforms for whole batches, on NumPy arrays or homeml tensors.

Images are shaped ``(H, W)`` (one image), ``(N, H, W)`` (a batch of one-channel images) or
``(N, C, H, W)``; the last two axes are always height and width, and whenever there are three or
more axes the first one is the sample axis: random transforms draw one set of parameters per
sample (pass a single multi-channel image as ``(1, C, H, W)``). Each transform returns the kind
of object it was given (array or tensor) with the same shape. Transforms are data preparation:
they record no autograd graph.

Typical use, once per batch in the training loop::

    augment = Compose([RandomAffine(10, translate=(0.1, 0.1), generator=gen),
                       ToFloat(), Normalize(0.1307, 0.3081)])
    for x, y in loader:
        x = augment(x)  # (N, 28, 28) uint8 -> float32, every image moved its own way

The functional forms :func:`shift`, :func:`rotate` and :func:`affine` take the per-sample
parameters explicitly; each random transform's ``get_params(n)`` draws them.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from homeml.data._rng import resolve_rng
from homeml.tensor import Tensor

if TYPE_CHECKING:
    from typing import TypeAlias

    from numpy.typing import DTypeLike

    from homeml.creation import Generator

    Images: TypeAlias = "Tensor | np.ndarray"  # a transform gives back the kind it was given


def _unwrap(images, owner):
    if isinstance(images, Tensor):
        return images.numpy(), True
    if isinstance(images, np.ndarray):
        return images, False
    raise TypeError(
        f"{owner}: expected images as a numpy.ndarray or homeml Tensor, got {type(images).__name__}"
    )


def _wrap(array, as_tensor):
    return Tensor._make(array) if as_tensor else array


def _as_nchw(x, owner):
    """A view of ``x`` shaped (N, C, H, W)."""
    if x.ndim == 2:
        return x[None, None]
    if x.ndim == 3:
        return x[:, None]
    if x.ndim == 4:
        return x
    raise ValueError(
        f"{owner}: expected images shaped (H, W), (N, H, W) or (N, C, H, W), got shape {x.shape}"
    )


def _per_sample(values, n, width, owner, name):
    """``values`` as an array shaped (n,) or (n, width), checking it has one row per sample."""
    values = np.asarray(values, dtype=np.float64)
    shape = (n,) if width is None else (n, width)
    if values.shape != shape and not (n == 1 and values.shape == shape[1:]):
        raise ValueError(
            f"{owner}: expected {name} shaped {shape} (one per image), got shape {values.shape}"
        )
    return values.reshape(shape)


def _check_range(values, owner: str, name: str) -> tuple[float, float]:
    if isinstance(values, numbers.Real):
        if float(values) < 0:
            raise ValueError(
                f"{owner}: {name} must be non-negative when a single number, got {values}"
            )
        return (-float(values), float(values))
    pair = tuple(float(v) for v in values)
    if len(pair) != 2 or pair[0] > pair[1]:
        raise ValueError(f"{owner}: {name} must be a number or a (min, max) pair, got {pair}")
    return pair[0], pair[1]


class Compose:
    """Apply transforms one after another."""

    def __init__(self, transforms: Iterable[Callable[[Any], Any]]):
        self.transforms = list(transforms)

    def __call__(self, images: Any) -> Any:
        for t in self.transforms:
            images = t(images)
        return images

    def __repr__(self) -> str:
        inner = "".join(f"\n    {t!r}," for t in self.transforms)
        return f"Compose([{inner}\n])"


class ToFloat:
    """Convert images to floating point: integers are scaled to [0, 1] by their dtype's maximum.

    uint8 becomes ``x / 255`` in float32, like ``torchvision``'s ``ToTensor`` scaling; floating
    inputs are only cast.

    Parameters
    ----------
    dtype : dtype-like, default float32
    """

    def __init__(self, dtype: DTypeLike = np.float32):
        self.dtype = np.dtype(dtype)
        if self.dtype.kind != "f":
            raise ValueError(f"ToFloat: dtype must be floating point, got {self.dtype}")

    def __call__(self, images: Images) -> Images:
        x, as_tensor = _unwrap(images, "ToFloat")
        if x.dtype.kind in "iu":
            out = np.true_divide(x, np.iinfo(x.dtype).max, dtype=self.dtype)
        elif x.dtype.kind in "fb":
            out = x.astype(self.dtype)
        else:
            raise TypeError(f"ToFloat: expected integer, bool or float images, got {x.dtype}")
        return _wrap(out, as_tensor)

    def __repr__(self) -> str:
        return f"ToFloat(dtype={self.dtype})"


class Normalize:
    """``(x - mean) / std``, per channel when ``mean`` and ``std`` are sequences.

    Parameters
    ----------
    mean, std : float or sequence of float
        One value for all pixels, or one per channel (axis ``-3`` of ``(C, H, W)`` or
        ``(N, C, H, W)`` images).
    """

    def __init__(self, mean: float | Sequence[float], std: float | Sequence[float]):
        self.mean = np.atleast_1d(np.asarray(mean, dtype=np.float64))
        self.std = np.atleast_1d(np.asarray(std, dtype=np.float64))
        if self.mean.ndim != 1 or self.std.ndim != 1:
            raise ValueError("Normalize: mean and std must be numbers or flat sequences")
        if np.any(self.std == 0):
            raise ValueError(f"Normalize: std must be non-zero, got {self.std.tolist()}")

    def __call__(self, images: Images) -> Images:
        x, as_tensor = _unwrap(images, "Normalize")
        if x.dtype.kind != "f":
            raise TypeError(
                f"Normalize: expected floating-point images (apply ToFloat first), "
                f"got dtype {x.dtype}"
            )
        channels = max(len(self.mean), len(self.std))
        if channels > 1 and (x.ndim < 3 or x.shape[-3] != channels):
            raise ValueError(
                f"Normalize: {channels} channel values need images shaped (C, H, W) or "
                f"(N, C, H, W) with C={channels}, got shape {x.shape}"
            )
        mean = self.mean.astype(x.dtype)
        std = self.std.astype(x.dtype)
        if channels > 1:
            mean, std = mean.reshape(-1, 1, 1), std.reshape(-1, 1, 1)
        else:
            mean, std = mean[0], std[0]
        return _wrap((x - mean) / std, as_tensor)

    def __repr__(self) -> str:
        return f"Normalize(mean={self.mean.tolist()}, std={self.std.tolist()})"


# ----------------------------------------------------------------------------- functional


def shift(images: Images, shifts: np.ndarray, fill: float = 0) -> Images:
    """Translate each image by whole pixels, filling the uncovered border with ``fill``.

    Parameters
    ----------
    images : ndarray or Tensor, (H, W), (N, H, W) or (N, C, H, W)
    shifts : array_like of int, (N, 2)
        ``(dy, dx)`` per image: ``dy > 0`` moves the content down, ``dx > 0`` to the right;
        ``out[y, x] = in[y - dy, x - dx]``. A single ``(dy, dx)`` pair is accepted for one image.
    fill : number, default 0
    """
    x, as_tensor = _unwrap(images, "shift")
    batch = _as_nchw(x, "shift")
    n, _, h, w = batch.shape
    offsets = _per_sample(shifts, n, 2, "shift", "shifts")
    if not np.array_equal(offsets, np.round(offsets)):
        raise ValueError("shift: shifts must be whole numbers of pixels")
    offsets = offsets.astype(np.int64)
    m = int(np.abs(offsets).max()) if n else 0
    padded = np.pad(batch, ((0, 0), (0, 0), (m, m), (m, m)), constant_values=fill)
    windows = sliding_window_view(padded, (h, w), axis=(2, 3))  # (N, C, 2m+1, 2m+1, H, W)
    rows, cols = m - offsets[:, 0], m - offsets[:, 1]
    out = windows[np.arange(n), :, rows, cols]  # (N, C, H, W): a copy
    return _wrap(out.reshape(x.shape), as_tensor)


def affine(
    images: Images, angles: np.ndarray, shifts: np.ndarray | None = None, fill: float = 0
) -> Images:
    """Rotate each image about its centre, then translate it, with bilinear interpolation.

    Parameters
    ----------
    images : ndarray or Tensor, (H, W), (N, H, W) or (N, C, H, W)
    angles : array_like, (N,)
        Degrees, counter-clockwise as displayed (row 0 at the top), like ``np.rot90`` and
        torchvision; the centre is ``((H - 1) / 2, (W - 1) / 2)`` in pixel coordinates.
    shifts : array_like, (N, 2), optional
        ``(dy, dx)`` translation in pixels (may be fractional), applied after the rotation.
    fill : number, default 0
        Value of the pixels that come from outside the image.

    Notes
    -----
    Each output pixel is mapped back to a source position by the inverse transform, and the four
    pixels around that position are blended (pixels outside the image count as ``fill``).
    Integer images are rounded back to their dtype; floating ones keep theirs.
    """
    x, as_tensor = _unwrap(images, "affine")
    batch = _as_nchw(x, "affine")
    n, _, h, w = batch.shape
    theta = np.deg2rad(_per_sample(angles, n, None, "affine", "angles"))[:, None, None]
    move = np.zeros((n, 2)) if shifts is None else _per_sample(shifts, n, 2, "affine", "shifts")
    cy, cx = (h - 1) / 2, (w - 1) / 2
    # offsets of each output pixel from the centre, with the translation undone: (N, H, W)
    dy = (np.arange(h) - cy)[None, :, None] - move[:, 0, None, None]
    dx = (np.arange(w) - cx)[None, None, :] - move[:, 1, None, None]
    cos, sin = np.cos(theta), np.sin(theta)
    src_x = cx + cos * dx - sin * dy
    src_y = cy + sin * dx + cos * dy
    work = x.dtype if x.dtype.kind == "f" else np.dtype(np.float32)
    values = batch.astype(work) - work.type(fill)
    out = _bilinear(values, src_y, src_x) + work.type(fill)
    if x.dtype.kind in "iub":
        info = np.iinfo(x.dtype) if x.dtype.kind != "b" else None
        low, high = (0, 1) if info is None else (info.min, info.max)
        out = np.clip(np.rint(out), low, high)
    return _wrap(out.astype(x.dtype, copy=False).reshape(x.shape), as_tensor)


def rotate(images: Images, angles: np.ndarray, fill: float = 0) -> Images:
    """Rotate each image about its centre by ``angles`` degrees (see :func:`affine`)."""
    return affine(images, angles, None, fill)


def _bilinear(values, src_y, src_x):
    """Sample ``values`` (N, C, H, W) at positions (N, H, W); outside the image counts as 0."""
    n, c, h, w = values.shape
    flat = values.reshape(n, c, h * w)
    y0, x0 = np.floor(src_y), np.floor(src_x)
    wy, wx = (src_y - y0).reshape(n, 1, -1), (src_x - x0).reshape(n, 1, -1)
    y0, x0 = y0.astype(np.int64).reshape(n, 1, -1), x0.astype(np.int64).reshape(n, 1, -1)
    out = np.zeros_like(flat)
    for oy, ox, weight in (
        (0, 0, (1 - wy) * (1 - wx)),
        (0, 1, (1 - wy) * wx),
        (1, 0, wy * (1 - wx)),
        (1, 1, wy * wx),
    ):
        yy, xx = y0 + oy, x0 + ox
        inside = (yy >= 0) & (yy < h) & (xx >= 0) & (xx < w)
        index = np.where(inside, yy * w + xx, 0)  # (N, 1, H*W), broadcast over channels
        weight = np.where(inside, weight, 0).astype(values.dtype)
        out += np.take_along_axis(flat, index, axis=2) * weight
    return out.reshape(values.shape)


# ----------------------------------------------------------------------------- random


class RandomShift:
    """Translate each image by a random whole number of pixels, filling with ``fill``.

    Parameters
    ----------
    max_shift : int
        ``dy`` and ``dx`` are drawn independently and uniformly from ``-max_shift .. max_shift``.
    generator : homeml.Generator, optional
        Default: homeml's default generator.
    fill : number, default 0
    """

    def __init__(self, max_shift: int, generator: Generator | None = None, fill: float = 0):
        if isinstance(max_shift, bool) or not isinstance(max_shift, numbers.Integral):
            raise TypeError(f"RandomShift: max_shift must be an int, got {max_shift!r}")
        if max_shift < 0:
            raise ValueError(f"RandomShift: max_shift must be non-negative, got {max_shift}")
        resolve_rng(generator, "RandomShift")
        self.max_shift: int = int(max_shift)
        self.generator: Generator | None = generator
        self.fill: float = fill

    def get_params(self, n: int) -> np.ndarray:
        """Draw ``(dy, dx)`` for ``n`` images: an int64 array shaped (n, 2)."""
        rng = resolve_rng(self.generator, "RandomShift")
        return rng.integers(-self.max_shift, self.max_shift + 1, size=(n, 2), dtype=np.int64)

    def __call__(self, images: Images) -> Images:
        x, _ = _unwrap(images, "RandomShift")
        n = _as_nchw(x, "RandomShift").shape[0]
        return shift(images, self.get_params(n), self.fill)

    def __repr__(self) -> str:
        return f"RandomShift(max_shift={self.max_shift})"


class RandomRotation:
    """Rotate each image about its centre by a random angle (bilinear, see :func:`affine`).

    Parameters
    ----------
    degrees : float or (float, float)
        Angles are drawn uniformly from ``(-degrees, degrees)`` or from ``(min, max)``.
    generator : homeml.Generator, optional
    fill : number, default 0
    """

    def __init__(
        self,
        degrees: float | Sequence[float],
        generator: Generator | None = None,
        fill: float = 0,
    ):
        self.degrees = _check_range(degrees, "RandomRotation", "degrees")
        resolve_rng(generator, "RandomRotation")
        self.generator, self.fill = generator, fill

    def get_params(self, n: int) -> np.ndarray:
        """Draw ``n`` angles in degrees."""
        return resolve_rng(self.generator, "RandomRotation").uniform(*self.degrees, size=n)

    def __call__(self, images: Images) -> Images:
        x, _ = _unwrap(images, "RandomRotation")
        n = _as_nchw(x, "RandomRotation").shape[0]
        return affine(images, self.get_params(n), None, self.fill)

    def __repr__(self) -> str:
        return f"RandomRotation(degrees={self.degrees})"


class RandomAffine:
    """A random rotation and a random whole-pixel translation in one resampling.

    Parameters
    ----------
    degrees : float or (float, float)
        As in :class:`RandomRotation`.
    translate : (float, float), optional
        Largest horizontal and vertical shift as fractions of the width and height, as in
        torchvision: ``dx`` is drawn from ``(-a * W, a * W)`` and rounded, likewise ``dy``.
    generator : homeml.Generator, optional
    fill : number, default 0
    """

    def __init__(
        self,
        degrees: float | Sequence[float],
        translate: Sequence[float] | None = None,
        generator: Generator | None = None,
        fill: float = 0,
    ):
        self.degrees = _check_range(degrees, "RandomAffine", "degrees")
        if translate is not None:
            translate = tuple(float(t) for t in translate)
            if len(translate) != 2 or not all(0 <= t <= 1 for t in translate):
                raise ValueError(
                    f"RandomAffine: translate must be two fractions in [0, 1], got {translate}"
                )
        resolve_rng(generator, "RandomAffine")
        self.translate, self.generator, self.fill = translate, generator, fill

    def get_params(self, n: int, height: int, width: int) -> tuple[np.ndarray, np.ndarray]:
        """Draw ``n`` angles (degrees) and shifts ``(dy, dx)`` (whole pixels, shaped (n, 2))."""
        rng = resolve_rng(self.generator, "RandomAffine")
        angles = rng.uniform(*self.degrees, size=n)
        shifts = np.zeros((n, 2))
        if self.translate is not None:
            limits = np.array([self.translate[1] * height, self.translate[0] * width])
            shifts = np.round(rng.uniform(-limits, limits, size=(n, 2)))
        return angles, shifts

    def __call__(self, images: Images) -> Images:
        x, _ = _unwrap(images, "RandomAffine")
        n, _, h, w = _as_nchw(x, "RandomAffine").shape
        angles, shifts = self.get_params(n, h, w)
        return affine(images, angles, shifts, self.fill)

    def __repr__(self) -> str:
        return f"RandomAffine(degrees={self.degrees}, translate={self.translate})"
