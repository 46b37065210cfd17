"""Box operations with torchvision.ops' names and definitions.

Boxes are ``(N, 4)`` arrays in ``xyxy`` form (``x1, y1, x2, y2`` with ``x1 <= x2``, ``y1 <= y2``)
unless a function says otherwise. The measures (``box_area``, ``box_iou``,
``generalized_box_iou``, ``distance_box_iou``) and the losses take NumPy arrays or homeml
Tensors; on Tensors they are built from differentiable tensor ops, so gradients flow to the boxes
(and to the logits of ``sigmoid_focal_loss``); ``roi_align`` pools box regions of feature maps
(gradient to the maps). The selections (``nms``, ``batched_nms``,
``remove_small_boxes``) return int64 NumPy indices.

>>> import numpy as np
>>> from homeml.vision.ops import box_iou, nms
>>> boxes = np.array([[0, 0, 10, 10], [1, 1, 10, 10], [20, 20, 30, 30]], float)
>>> box_iou(boxes, boxes).round(2)[0]
array([1.  , 0.81, 0.  ])
>>> nms(boxes, np.array([0.9, 0.8, 0.7]), iou_threshold=0.5)
array([0, 2])
"""

from __future__ import annotations

from typing import Any

import numpy as np

from homeml.creation import tensor
from homeml.tensor import Tensor
from homeml.vision._roi_align import RoIAlign, roi_align

__all__ = [
    "RoIAlign",
    "batched_nms",
    "box_area",
    "box_convert",
    "box_iou",
    "clip_boxes_to_image",
    "complete_box_iou",
    "distance_box_iou",
    "generalized_box_iou",
    "generalized_box_iou_loss",
    "nms",
    "remove_small_boxes",
    "roi_align",
    "sigmoid_focal_loss",
]

Boxes = Any  # numpy.ndarray or homeml.Tensor, shape (..., 4)
_FORMATS = ("xyxy", "xywh", "cxcywh")


def _maximum(a, b):
    return a.maximum(b) if isinstance(a, Tensor) else np.maximum(a, b)


def _minimum(a, b):
    return a.minimum(b) if isinstance(a, Tensor) else np.minimum(a, b)


def _clamp0(a):
    return a.clamp(min=0) if isinstance(a, Tensor) else np.clip(a, 0, None)


def _stack(parts, like):
    if isinstance(like, Tensor):
        from homeml.ops.movement import stack

        return stack(parts, dim=-1)
    return np.stack(parts, axis=-1)


def _as_boxes(name: str, boxes) -> Boxes:
    if not isinstance(boxes, Tensor):
        boxes = np.asarray(boxes)
        if boxes.dtype.kind not in "fiu":
            raise TypeError(f"{name}: expected numeric boxes, got dtype {boxes.dtype}")
        if boxes.dtype.kind != "f":
            boxes = boxes.astype(np.float64)
    if boxes.ndim < 1 or boxes.shape[-1] != 4:
        raise ValueError(f"{name}: expected boxes of shape (..., 4), got {tuple(boxes.shape)}")
    return boxes


def _pair(name: str, boxes1, boxes2):
    boxes1, boxes2 = _as_boxes(name, boxes1), _as_boxes(name, boxes2)
    if boxes1.ndim != 2 or boxes2.ndim != 2:
        raise ValueError(
            f"{name}: expected (N, 4) and (M, 4) boxes, got {tuple(boxes1.shape)} and "
            f"{tuple(boxes2.shape)}"
        )
    return boxes1, boxes2


def box_area(boxes: Boxes) -> Boxes:
    """Areas ``(x2 - x1) * (y2 - y1)`` of ``(N, 4)`` xyxy boxes, shape (N,)."""
    boxes = _as_boxes("box_area", boxes)
    return (boxes[..., 2] - boxes[..., 0]) * (boxes[..., 3] - boxes[..., 1])


def _inter_union(boxes1, boxes2):
    area1, area2 = box_area(boxes1), box_area(boxes2)
    lt = _maximum(boxes1[:, None, :2], boxes2[None, :, :2])  # (N, M, 2)
    rb = _minimum(boxes1[:, None, 2:], boxes2[None, :, 2:])
    wh = _clamp0(rb - lt)
    inter = wh[..., 0] * wh[..., 1]  # (N, M)
    return inter, area1[:, None] + area2[None, :] - inter


def box_iou(boxes1: Boxes, boxes2: Boxes) -> Boxes:
    """Intersection over union of every pair: (N, 4) and (M, 4) xyxy boxes -> (N, M)."""
    boxes1, boxes2 = _pair("box_iou", boxes1, boxes2)
    inter, union = _inter_union(boxes1, boxes2)
    return inter / union


def _enclosing_wh(boxes1, boxes2):
    lt = _minimum(boxes1[:, None, :2], boxes2[None, :, :2])
    rb = _maximum(boxes1[:, None, 2:], boxes2[None, :, 2:])
    return _clamp0(rb - lt)  # (N, M, 2)


def generalized_box_iou(boxes1: Boxes, boxes2: Boxes) -> Boxes:
    """Generalized IoU (Rezatofighi et al., 2019) of every pair: ``IoU - (C - U) / C`` with ``C``
    the area of the smallest box enclosing both and ``U`` their union; (N, M), in [-1, 1].
    """
    boxes1, boxes2 = _pair("generalized_box_iou", boxes1, boxes2)
    inter, union = _inter_union(boxes1, boxes2)
    wh = _enclosing_wh(boxes1, boxes2)
    enclosing = wh[..., 0] * wh[..., 1]
    return inter / union - (enclosing - union) / enclosing


def _diou_terms(boxes1, boxes2, eps):
    inter, union = _inter_union(boxes1, boxes2)
    iou = inter / union
    wh = _enclosing_wh(boxes1, boxes2)
    diagonal = wh[..., 0] ** 2 + wh[..., 1] ** 2 + eps
    cx1 = (boxes1[:, 0] + boxes1[:, 2]) / 2
    cy1 = (boxes1[:, 1] + boxes1[:, 3]) / 2
    cx2 = (boxes2[:, 0] + boxes2[:, 2]) / 2
    cy2 = (boxes2[:, 1] + boxes2[:, 3]) / 2
    distance = (cx1[:, None] - cx2[None, :]) ** 2 + (cy1[:, None] - cy2[None, :]) ** 2
    return iou, distance / diagonal


def distance_box_iou(boxes1: Boxes, boxes2: Boxes, eps: float = 1e-7) -> Boxes:
    """Distance IoU (Zheng et al., 2020) of every pair: ``IoU - d^2 / c^2`` with ``d`` the
    distance between the centres and ``c`` the diagonal of the enclosing box; (N, M).
    """
    boxes1, boxes2 = _pair("distance_box_iou", boxes1, boxes2)
    iou, penalty = _diou_terms(boxes1, boxes2, eps)
    return iou - penalty


def complete_box_iou(boxes1, boxes2, eps: float = 1e-7) -> np.ndarray:
    """Complete IoU (Zheng et al., 2020) of every pair, NumPy arrays only: distance IoU minus
    ``alpha * v`` with ``v = 4 / pi^2 * (atan(w2 / h2) - atan(w1 / h1))^2`` and
    ``alpha = v / (1 - IoU + v + eps)``; (N, M).
    """
    if isinstance(boxes1, Tensor) or isinstance(boxes2, Tensor):
        raise TypeError("complete_box_iou: takes NumPy arrays (homeml has no atan op yet)")
    boxes1, boxes2 = _pair("complete_box_iou", boxes1, boxes2)
    iou, penalty = _diou_terms(boxes1, boxes2, eps)
    w1, h1 = boxes1[:, 2] - boxes1[:, 0], boxes1[:, 3] - boxes1[:, 1]
    w2, h2 = boxes2[:, 2] - boxes2[:, 0], boxes2[:, 3] - boxes2[:, 1]
    v = (4 / np.pi**2) * (np.arctan(w1 / h1)[:, None] - np.arctan(w2 / h2)[None, :]) ** 2
    alpha = v / (1 - iou + v + eps)
    return iou - penalty - alpha * v


def box_convert(boxes: Boxes, in_fmt: str, out_fmt: str) -> Boxes:
    """Convert ``(..., 4)`` boxes between ``"xyxy"``, ``"xywh"`` (corner, width, height) and
    ``"cxcywh"`` (centre, width, height).
    """
    for fmt in (in_fmt, out_fmt):
        if fmt not in _FORMATS:
            raise ValueError(f"box_convert: formats are {_FORMATS}, got {fmt!r}")
    boxes = _as_boxes("box_convert", boxes)
    if in_fmt == out_fmt:
        return boxes
    a, b, c, d = (boxes[..., i] for i in range(4))
    if in_fmt == "xywh":
        a, b, c, d = a, b, a + c, b + d
    elif in_fmt == "cxcywh":
        a, b, c, d = a - c / 2, b - d / 2, a + c / 2, b + d / 2
    # now xyxy
    if out_fmt == "xywh":
        a, b, c, d = a, b, c - a, d - b
    elif out_fmt == "cxcywh":
        a, b, c, d = (a + c) / 2, (b + d) / 2, c - a, d - b
    return _stack([a, b, c, d], boxes)


def clip_boxes_to_image(boxes: Boxes, size: tuple[int, int]) -> Boxes:
    """Clip ``(..., 4)`` xyxy boxes to an image of ``size = (height, width)``."""
    boxes = _as_boxes("clip_boxes_to_image", boxes)
    height, width = size
    xs = [boxes[..., 0], boxes[..., 2]]
    ys = [boxes[..., 1], boxes[..., 3]]
    if isinstance(boxes, Tensor):
        xs = [x.clamp(0, width) for x in xs]
        ys = [y.clamp(0, height) for y in ys]
    else:
        xs = [np.clip(x, 0, width) for x in xs]
        ys = [np.clip(y, 0, height) for y in ys]
    return _stack([xs[0], ys[0], xs[1], ys[1]], boxes)


def _numpy(name: str, boxes) -> np.ndarray:
    boxes = _as_boxes(name, boxes)
    return boxes.numpy() if isinstance(boxes, Tensor) else boxes


def remove_small_boxes(boxes: Boxes, min_size: float) -> np.ndarray:
    """Indices of the ``(N, 4)`` xyxy boxes whose width and height are both >= ``min_size``."""
    boxes = _numpy("remove_small_boxes", boxes)
    wh = boxes[:, 2:] - boxes[:, :2]
    return np.flatnonzero((wh >= min_size).all(axis=1)).astype(np.int64)


def nms(boxes: Boxes, scores, iou_threshold: float) -> np.ndarray:
    """Non-maximum suppression: indices of the kept boxes, by decreasing score.

    Visits the boxes from the highest score down and drops every later box whose IoU with a kept
    one is greater than ``iou_threshold``. Equal scores keep their input order (a stable sort;
    torchvision leaves the order of ties unspecified).
    """
    boxes = _numpy("nms", boxes)
    scores = scores.numpy() if isinstance(scores, Tensor) else np.asarray(scores)
    if boxes.ndim != 2 or scores.shape != (len(boxes),):
        raise ValueError(
            f"nms: expected (N, 4) boxes and (N,) scores, got {boxes.shape} and {scores.shape}"
        )
    order = np.argsort(-scores, kind="stable")
    sorted_boxes = boxes[order].astype(np.float64)
    iou = box_iou(sorted_boxes, sorted_boxes)  # (N, N)
    removed = np.zeros(len(order), bool)
    keep = []
    for i in range(len(order)):
        if removed[i]:
            continue
        keep.append(i)
        removed[i + 1 :] |= iou[i, i + 1 :] > iou_threshold
    return order[np.array(keep, np.int64)].astype(np.int64)


def batched_nms(boxes: Boxes, scores, idxs, iou_threshold: float) -> np.ndarray:
    """NMS within each category ``idxs`` (boxes of different categories never suppress each
    other); indices of the kept boxes by decreasing score.
    """
    boxes = _numpy("batched_nms", boxes)
    scores = scores.numpy() if isinstance(scores, Tensor) else np.asarray(scores)
    idxs = idxs.numpy() if isinstance(idxs, Tensor) else np.asarray(idxs)
    if idxs.shape != scores.shape:
        raise ValueError(f"batched_nms: idxs of shape {idxs.shape}, expected {scores.shape}")
    kept = [
        np.flatnonzero(idxs == c)[nms(boxes[idxs == c], scores[idxs == c], iou_threshold)]
        for c in np.unique(idxs)
    ]
    keep = np.concatenate(kept) if kept else np.zeros(0, np.int64)
    return keep[np.argsort(-scores[keep], kind="stable")].astype(np.int64)


def _reduce(loss, reduction: str):
    if reduction == "none":
        return loss
    if reduction == "mean":
        count = loss.numel() if isinstance(loss, Tensor) else loss.size
        return loss.mean() if count else 0.0 * loss.sum()
    if reduction == "sum":
        return loss.sum()
    raise ValueError(f"reduction must be 'none', 'mean' or 'sum', got {reduction!r}")


def generalized_box_iou_loss(
    boxes1: Boxes, boxes2: Boxes, reduction: str = "none", eps: float = 1e-7
) -> Boxes:
    """``1 - GIoU`` of matching boxes (same shape ``(..., 4)``, xyxy), torchvision's loss with its
    ``eps`` in the denominators; ``reduction`` is ``"none"``, ``"mean"`` or ``"sum"``.
    """
    boxes1 = _as_boxes("generalized_box_iou_loss", boxes1)
    boxes2 = _as_boxes("generalized_box_iou_loss", boxes2)
    if tuple(boxes1.shape) != tuple(boxes2.shape):
        raise ValueError(
            f"generalized_box_iou_loss: boxes of shapes {tuple(boxes1.shape)} and "
            f"{tuple(boxes2.shape)}, expected the same"
        )
    x1, y1, x2, y2 = (boxes1[..., i] for i in range(4))
    x1g, y1g, x2g, y2g = (boxes2[..., i] for i in range(4))
    w = _clamp0(_minimum(x2, x2g) - _maximum(x1, x1g))
    h = _clamp0(_minimum(y2, y2g) - _maximum(y1, y1g))
    inter = w * h
    union = (x2 - x1) * (y2 - y1) + (x2g - x1g) * (y2g - y1g) - inter
    iou = inter / (union + eps)
    enclosing = (_maximum(x2, x2g) - _minimum(x1, x1g)) * (_maximum(y2, y2g) - _minimum(y1, y1g))
    loss = 1 - (iou - (enclosing - union) / (enclosing + eps))
    return _reduce(loss, reduction)


def sigmoid_focal_loss(
    inputs, targets, alpha: float = 0.25, gamma: float = 2.0, reduction: str = "none"
):
    """Focal loss (Lin et al., 2017) on logits, torchvision's definition:
    ``alpha_t * (1 - p_t) ** gamma * BCE(inputs, targets)`` with ``p = sigmoid(inputs)``,
    ``p_t = p * t + (1 - p) * (1 - t)`` and ``alpha_t = alpha * t + (1 - alpha) * (1 - t)``
    (no weighting when ``alpha < 0``).
    """
    if isinstance(inputs, Tensor):
        from homeml.nn.functional import binary_cross_entropy_with_logits

        if not isinstance(targets, Tensor):
            targets = tensor(np.asarray(targets, dtype=inputs.dtype))
        p = inputs.sigmoid()
        ce = binary_cross_entropy_with_logits(inputs, targets, reduction="none")
    else:
        inputs, targets = np.asarray(inputs), np.asarray(targets)
        p = 1 / (1 + np.exp(-inputs))
        ce = np.logaddexp(0, inputs) - inputs * targets
    if tuple(inputs.shape) != tuple(targets.shape):
        raise ValueError(
            f"sigmoid_focal_loss: inputs {tuple(inputs.shape)} and targets "
            f"{tuple(targets.shape)}, expected the same shape"
        )
    p_t = p * targets + (1 - p) * (1 - targets)
    loss = ce * (1 - p_t) ** gamma
    if alpha >= 0:
        loss = (alpha * targets + (1 - alpha) * (1 - targets)) * loss
    return _reduce(loss, reduction)
