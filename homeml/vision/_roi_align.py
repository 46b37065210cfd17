"""RoI Align (He et al., Mask R-CNN, 2017) as torchvision.ops.roi_align computes it.

Each output cell of a region averages ``grid_h x grid_w`` bilinear samples of the feature map.
The sample rows depend only on the cell's row and the columns only on its column, and bilinear
sampling is a product of a row weight and a column weight, so one region's output is
``Wy @ x[n] @ Wx.T`` with an (out_h, H) matrix ``Wy`` and an (out_w, W) matrix ``Wx`` (the
sampling weights summed per cell, divided by the grid size). The gradient for the feature map is
``Wy.T @ grad @ Wx``; as in torchvision, none flows to the boxes.
"""

from __future__ import annotations

import math

import numpy as np

from homeml.nn.module import Module
from homeml.tensor import Function, Tensor


def _axis_weights(start: float, length: float, pooled: int, grid: int, size: int) -> np.ndarray:
    """(pooled, size) weights of one axis: torchvision's sample positions and bilinear clamps."""
    matrix = np.zeros((pooled, size))
    if grid <= 0:
        return matrix
    bin_size = length / pooled
    cells = np.repeat(np.arange(pooled), grid)
    steps = np.tile(np.arange(grid) + 0.5, pooled)
    s = start + cells * bin_size + steps * bin_size / grid
    valid = (s >= -1.0) & (s <= size)  # outside: the sample is 0
    s = np.maximum(s, 0.0)
    low = np.floor(s).astype(np.int64)
    at_edge = low >= size - 1
    low = np.where(at_edge, size - 1, low)
    high = np.where(at_edge, size - 1, low + 1)
    s = np.where(at_edge, low.astype(np.float64), s)
    frac = s - low
    np.add.at(matrix, (cells[valid], low[valid]), (1.0 - frac)[valid])
    np.add.at(matrix, (cells[valid], high[valid]), frac[valid])
    return matrix / grid


class RoIAlignFunction(Function):
    """Forward and backward of :func:`roi_align` on arrays: (N, C, H, W), (K, 5) -> (K, C, h, w)."""

    def forward(self, x, rois, output_size, spatial_scale, sampling_ratio, aligned):
        n_images, channels, height, width = x.shape
        out_h, out_w = output_size
        offset = 0.5 if aligned else 0.0
        self.shape, self.dtype, self.plan = x.shape, x.dtype, []
        out = np.zeros((len(rois), channels, out_h, out_w), dtype=x.dtype)
        for k, (index, x1, y1, x2, y2) in enumerate(np.asarray(rois, np.float64)):
            n = int(index)
            if not 0 <= n < n_images:
                raise ValueError(f"roi {k} names image {n}; the batch holds {n_images}")
            start_w, start_h = x1 * spatial_scale - offset, y1 * spatial_scale - offset
            roi_w, roi_h = (
                x2 * spatial_scale - offset - start_w,
                y2 * spatial_scale - offset - start_h,
            )
            if not aligned:
                roi_w, roi_h = max(roi_w, 1.0), max(roi_h, 1.0)
            grid_h = sampling_ratio if sampling_ratio > 0 else math.ceil(roi_h / out_h)
            grid_w = sampling_ratio if sampling_ratio > 0 else math.ceil(roi_w / out_w)
            wy = _axis_weights(start_h, roi_h, out_h, grid_h, height).astype(x.dtype)
            wx = _axis_weights(start_w, roi_w, out_w, grid_w, width).astype(x.dtype)
            out[k] = wy @ x[n] @ wx.T  # (out_h, H) @ (C, H, W) @ (W, out_w)
            self.plan.append((n, wy, wx))
        return out

    def backward(self, grad):
        grad_x = np.zeros(self.shape, dtype=self.dtype)
        for k, (n, wy, wx) in enumerate(self.plan):
            grad_x[n] += wy.T @ grad[k] @ wx
        return grad_x, None


def _rois(boxes) -> np.ndarray:
    """(K, 5) ``[image index, x1, y1, x2, y2]`` from that array or a list of (L, 4) per image."""
    if isinstance(boxes, (list, tuple)):
        parts = []
        for i, b in enumerate(boxes):
            b = b.numpy() if isinstance(b, Tensor) else np.asarray(b, np.float64)
            if b.ndim != 2 or b.shape[1] != 4:
                raise ValueError(f"roi_align: boxes[{i}] must have shape (L, 4), got {b.shape}")
            parts.append(np.concatenate([np.full((len(b), 1), float(i)), b], axis=1))
        return np.concatenate(parts) if parts else np.zeros((0, 5))
    rois = boxes.numpy() if isinstance(boxes, Tensor) else np.asarray(boxes, np.float64)
    if rois.ndim != 2 or rois.shape[1] != 5:
        raise ValueError(
            f"roi_align: boxes must be (K, 5) [index, x1, y1, x2, y2] or a list of (L, 4), got "
            f"{rois.shape}"
        )
    return rois


def roi_align(
    input,
    boxes,
    output_size,
    spatial_scale: float = 1.0,
    sampling_ratio: int = -1,
    aligned: bool = False,
) -> Tensor:
    """Pool each box of a feature map to ``output_size`` by averaged bilinear samples.

    Parameters
    ----------
    input : Tensor or numpy.ndarray
        Feature maps, shape (N, C, H, W).
    boxes : Tensor, numpy.ndarray or list
        (K, 5) rows ``[image index, x1, y1, x2, y2]``, or a list of N (L_i, 4) xyxy arrays.
    output_size : int or (int, int)
        Height and width of each pooled region.
    spatial_scale : float
        Factor from box coordinates to feature-map coordinates (1 / stride).
    sampling_ratio : int
        Samples per cell along each axis; ``<= 0`` uses ``ceil(box side / output side)``.
    aligned : bool
        Shift the boxes by half a pixel (pixel centres at ``i + 0.5``), as Detectron2 does.

    Returns
    -------
    Tensor
        (K, C, out_h, out_w); the gradient flows to ``input`` only, as in torchvision.
    """
    if isinstance(output_size, int):
        output_size = (output_size, output_size)
    output_size = tuple(int(s) for s in output_size)
    shape = tuple(input.shape) if isinstance(input, Tensor) else np.shape(input)
    if len(shape) != 4:
        raise ValueError(f"roi_align: input must be (N, C, H, W), got {shape}")
    return RoIAlignFunction.apply(
        input, _rois(boxes), output_size, float(spatial_scale), int(sampling_ratio), bool(aligned)
    )


class RoIAlign(Module):
    """:func:`roi_align` as a module, torchvision.ops.RoIAlign's signature."""

    def __init__(
        self, output_size, spatial_scale: float, sampling_ratio: int, aligned: bool = False
    ) -> None:
        super().__init__()
        self.output_size = output_size
        self.spatial_scale = spatial_scale
        self.sampling_ratio = sampling_ratio
        self.aligned = aligned

    def forward(self, input, rois) -> Tensor:
        return roi_align(
            input, rois, self.output_size, self.spatial_scale, self.sampling_ratio, self.aligned
        )

    def extra_repr(self) -> str:
        return (
            f"output_size={self.output_size}, spatial_scale={self.spatial_scale}, "
            f"sampling_ratio={self.sampling_ratio}, aligned={self.aligned}"
        )
