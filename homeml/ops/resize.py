"""Resampling matrices for ``F.interpolate``: each spatial axis is resized by one matrix product.

Nearest and (bi)linear interpolation are separable and linear in the input, so resizing an axis
of size ``n`` to ``m`` is ``W @ x`` with a fixed (m, n) matrix ``W`` whose rows hold the source
weights of each output position. The gradient is then ``W.T @ grad``, which the matrix product
already gives: no resize-specific backward is needed.
"""

from __future__ import annotations

import numpy as np


def _source_scale(size, out, scale_factor, align_corners):
    """PyTorch's step between source positions of neighbouring outputs."""
    if align_corners:
        return (size - 1) / (out - 1) if out > 1 else 0.0
    if scale_factor is not None and scale_factor > 0:
        return 1.0 / scale_factor  # torch uses the given factor, not size / out
    return size / out


def nearest_matrix(size, out, scale_factor=None, dtype=np.float32):
    """(out, size) 0/1 matrix: output ``o`` copies source ``floor(o * scale)``, as torch's
    ``mode="nearest"``."""
    scale = np.float32(_source_scale(size, out, scale_factor, False))
    # torch computes the index in float32: the same rounding picks the same source pixel
    source = np.minimum(
        np.floor(np.arange(out, dtype=np.float32) * scale).astype(np.int64), size - 1
    )
    matrix = np.zeros((out, size), dtype=dtype)
    matrix[np.arange(out), source] = 1
    return matrix


def linear_matrix(size, out, scale_factor=None, align_corners=False, dtype=np.float32):
    """(out, size) matrix of linear interpolation weights (two per row), as torch's
    ``mode="linear"``/``"bilinear"`` along one axis."""
    scale = _source_scale(size, out, scale_factor, align_corners)
    position = np.arange(out, dtype=np.float64)
    if align_corners:
        source = position * scale
    else:  # pixel centres: output o sits at (o + 0.5) * scale - 0.5 in the source, clamped at 0
        source = np.maximum((position + 0.5) * scale - 0.5, 0.0)
    left = np.minimum(np.floor(source).astype(np.int64), size - 1)
    right = np.minimum(left + 1, size - 1)
    frac = source - left
    matrix = np.zeros((out, size), dtype=np.float64)
    rows = np.arange(out)
    np.add.at(matrix, (rows, left), 1.0 - frac)
    np.add.at(matrix, (rows, right), frac)
    return matrix.astype(dtype)
