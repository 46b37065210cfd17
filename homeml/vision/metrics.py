"""Detection and segmentation metrics.

:func:`mean_average_precision` is COCO's box evaluation (``pycocotools.cocoeval.COCOeval`` with
``iouType="bbox"``) written again on NumPy: the same greedy matching, 101-point interpolated
precision, maxDets 1/10/100 and area ranges, so its numbers are pycocotools' numbers.
Area ranges use box areas (what COCOeval uses for detections, and for ground truth whose
``area`` is the box area, as in :func:`homeml.datasets.to_coco`); crowd annotations are not
supported (every target counts).

The segmentation metrics take integer class maps (``0`` = background in homeml's scenes) of shape
(N, H, W) or (H, W):

- :func:`per_class_iou` / :func:`mean_iou`: ``|P & T| / |P | T|`` per class, either over the whole
  data set (``aggregation="global"``, the confusion-matrix mIoU of VOC and Cityscapes) or per
  image and then averaged over the images where the class appears in the prediction or the
  target (``aggregation="samplewise"``, torchmetrics' ``MeanIoU``);
- :func:`dice_score`: ``2 |P & T| / (|P| + |T|)``, the same two aggregations;
- :func:`pixel_accuracy`: the fraction of pixels whose class is right.

A class absent from both prediction and target has no score (NaN) and is left out of the means.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

# COCOeval's parameters, computed as it computes them
IOU_THRESHOLDS = np.linspace(0.5, 0.95, int(np.round((0.95 - 0.5) / 0.05)) + 1, endpoint=True)
RECALL_THRESHOLDS = np.linspace(0.0, 1.00, int(np.round((1.00 - 0.0) / 0.01)) + 1, endpoint=True)
AREA_RANGES = {
    "all": (0.0, 1e5**2),
    "small": (0.0, 32.0**2),
    "medium": (32.0**2, 96.0**2),
    "large": (96.0**2, 1e5**2),
}
MAX_DETECTIONS = (1, 10, 100)


def _boxes(entry: Mapping, key: str, scene: int) -> np.ndarray:
    boxes = np.asarray(entry.get("boxes", np.zeros((0, 4))), dtype=np.float64).reshape(-1, 4)
    labels = np.asarray(entry.get("labels", np.zeros(0)), dtype=np.int64).reshape(-1)
    if len(boxes) != len(labels):
        raise ValueError(
            f"{key}[{scene}]: {len(boxes)} boxes but {len(labels)} labels; they must agree"
        )
    return boxes


def _xywh(boxes: np.ndarray) -> np.ndarray:
    return np.stack(
        [boxes[:, 0], boxes[:, 1], boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1]], 1
    )


def _coco_iou(dt: np.ndarray, gt: np.ndarray) -> np.ndarray:
    """IoU of xywh boxes as pycocotools' maskUtils.iou computes it (no crowd)."""
    w = np.minimum(dt[:, None, 0] + dt[:, None, 2], gt[None, :, 0] + gt[None, :, 2])
    w = w - np.maximum(dt[:, None, 0], gt[None, :, 0])
    h = np.minimum(dt[:, None, 1] + dt[:, None, 3], gt[None, :, 1] + gt[None, :, 3])
    h = h - np.maximum(dt[:, None, 1], gt[None, :, 1])
    inter = np.where((w > 0) & (h > 0), w * h, 0.0)
    union = (dt[:, 2] * dt[:, 3])[:, None] + (gt[:, 2] * gt[:, 3])[None, :] - inter
    return inter / union


def _match(ious, gt_ignore, dt_area, area_range, thresholds):
    """COCOeval.evaluateImg for one image, class and area range (detections sorted by score)."""
    n_t, n_d, n_g = len(thresholds), ious.shape[0], ious.shape[1]
    dt_matched = np.zeros((n_t, n_d), bool)
    dt_ignore = np.zeros((n_t, n_d), bool)
    gt_matched = np.zeros((n_t, n_g), bool)
    for t, threshold in enumerate(thresholds):
        for d in range(n_d):
            best, m = min(threshold, 1 - 1e-10), -1
            for g in range(n_g):
                if gt_matched[t, g]:
                    continue
                if m > -1 and not gt_ignore[m] and gt_ignore[g]:
                    break  # ground truth is sorted: the ignored ones come last
                if ious[d, g] < best:
                    continue
                best, m = ious[d, g], g
            if m == -1:
                continue
            dt_ignore[t, d] = gt_ignore[m]
            dt_matched[t, d] = True
            gt_matched[t, m] = True
    outside = (dt_area < area_range[0]) | (dt_area > area_range[1])
    dt_ignore |= ~dt_matched & outside[None, :]
    return dt_matched, dt_ignore


def mean_average_precision(
    preds: Sequence[Mapping],
    targets: Sequence[Mapping],
    *,
    iou_thresholds: Sequence[float] | None = None,
    max_detections: Sequence[int] = MAX_DETECTIONS,
) -> dict:
    """COCO mean average precision and recall of box detections, as pycocotools computes them.

    Parameters
    ----------
    preds : sequence of mappings
        One per image: ``boxes`` (k, 4) xyxy, ``scores`` (k,), ``labels`` (k,).
    targets : sequence of mappings
        One per image, in the same order: ``boxes`` (g, 4) xyxy and ``labels`` (g,).
    iou_thresholds : sequence of float, optional
        Default COCO's ``0.50:0.05:0.95``.
    max_detections : sequence of int
        Detections per image kept (highest scores first); default ``(1, 10, 100)``.

    Returns
    -------
    dict
        ``map`` (AP over the IoU thresholds, all areas, the last ``max_detections``), ``map_50``,
        ``map_75`` (if those thresholds are evaluated), ``map_small``, ``map_medium``,
        ``map_large``, ``mar_{m}`` for each ``m`` of ``max_detections``, ``mar_small``,
        ``mar_medium``, ``mar_large``, ``classes`` (the labels seen) and ``map_per_class``
        (aligned with ``classes``). Summaries are pycocotools' ``COCOeval.stats`` in order; a
        value with nothing to average (no ground truth of that kind) is ``-1``.
    """
    if len(preds) != len(targets):
        raise ValueError(f"{len(preds)} predictions for {len(targets)} targets; one per image")
    thresholds = IOU_THRESHOLDS if iou_thresholds is None else np.asarray(iou_thresholds, float)
    max_dets = [int(m) for m in max_detections]
    areas = list(AREA_RANGES.values())
    classes = sorted(
        {int(c) for e in targets for c in np.asarray(e.get("labels", []), np.int64).ravel()}
        | {int(c) for e in preds for c in np.asarray(e.get("labels", []), np.int64).ravel()}
    )
    n_t, n_r, n_k, n_a, n_m = (
        len(thresholds),
        len(RECALL_THRESHOLDS),
        len(classes),
        4,
        len(max_dets),
    )
    precision = -np.ones((n_t, n_r, n_k, n_a, n_m))
    recall = -np.ones((n_t, n_k, n_a, n_m))
    # per (class, area): the per-image results of COCOeval.evaluateImg, in image order
    per_image: dict[tuple[int, int], list] = {(k, a): [] for k in range(n_k) for a in range(n_a)}
    for i, (pred, target) in enumerate(zip(preds, targets)):
        dt_all = _xywh(_boxes(pred, "preds", i))
        scores_all = np.asarray(pred.get("scores", np.zeros(0)), np.float64).reshape(-1)
        dt_labels = np.asarray(pred.get("labels", np.zeros(0)), np.int64).reshape(-1)
        if len(scores_all) != len(dt_all):
            raise ValueError(f"preds[{i}]: {len(dt_all)} boxes but {len(scores_all)} scores")
        gt_all = _xywh(_boxes(target, "targets", i))
        gt_labels = np.asarray(target.get("labels", np.zeros(0)), np.int64).reshape(-1)
        for k, c in enumerate(classes):
            gt, dt = gt_all[gt_labels == c], dt_all[dt_labels == c]
            if len(gt) == 0 and len(dt) == 0:
                continue
            order = np.argsort(-scores_all[dt_labels == c], kind="mergesort")[: max_dets[-1]]
            dt, scores = dt[order], scores_all[dt_labels == c][order]
            gt_area, dt_area = gt[:, 2] * gt[:, 3], dt[:, 2] * dt[:, 3]
            for a, (lo, hi) in enumerate(areas):
                gt_ignore = (gt_area < lo) | (gt_area > hi)
                gt_order = np.argsort(gt_ignore, kind="mergesort")
                ious = _coco_iou(dt, gt[gt_order])
                matched, ignored = _match(ious, gt_ignore[gt_order], dt_area, (lo, hi), thresholds)
                per_image[k, a].append((scores, matched, ignored, gt_ignore))
    for (k, a), results in per_image.items():
        if not results:
            continue
        n_pos = sum(int(np.count_nonzero(~r[3])) for r in results)
        if n_pos == 0:
            continue
        for m, max_det in enumerate(max_dets):
            scores = np.concatenate([r[0][:max_det] for r in results])
            order = np.argsort(-scores, kind="mergesort")
            matched = np.concatenate([r[1][:, :max_det] for r in results], axis=1)[:, order]
            ignored = np.concatenate([r[2][:, :max_det] for r in results], axis=1)[:, order]
            tp = np.cumsum(matched & ~ignored, axis=1).astype(np.float64)
            fp = np.cumsum(~matched & ~ignored, axis=1).astype(np.float64)
            for t in range(n_t):
                rc = tp[t] / n_pos
                pr = tp[t] / (fp[t] + tp[t] + np.spacing(1))
                recall[t, k, a, m] = rc[-1] if len(rc) else 0.0
                pr = np.maximum.accumulate(pr[::-1])[::-1]  # precision envelope
                inds = np.searchsorted(rc, RECALL_THRESHOLDS, side="left")
                q = np.zeros(n_r)
                valid = inds < len(pr)
                q[valid] = pr[inds[valid]]
                precision[t, :, k, a, m] = q
    return _summarize(precision, recall, thresholds, max_dets, classes)


def _mean(values: np.ndarray) -> float:
    values = values[values > -1]
    return float(values.mean()) if values.size else -1.0


def _summarize(precision, recall, thresholds, max_dets, classes) -> dict:
    last = len(max_dets) - 1
    out: dict = {"map": _mean(precision[:, :, :, 0, last])}
    for name, value in (("map_50", 0.5), ("map_75", 0.75)):
        hit = np.flatnonzero(np.isclose(thresholds, value, rtol=0, atol=1e-12))
        if hit.size:
            out[name] = _mean(precision[hit, :, :, 0, last])
    for a, name in enumerate(AREA_RANGES):
        if a:
            out[f"map_{name}"] = _mean(precision[:, :, :, a, last])
    for m, max_det in enumerate(max_dets):
        out[f"mar_{max_det}"] = _mean(recall[:, :, 0, m])
    for a, name in enumerate(AREA_RANGES):
        if a:
            out[f"mar_{name}"] = _mean(recall[:, :, a, last])
    out["classes"] = np.array(classes, np.int64)
    out["map_per_class"] = np.array(
        [_mean(precision[:, :, k, 0, last]) for k in range(len(classes))], np.float64
    )
    return out


# -- segmentation --------------------------------------------------------------------------------


def _class_maps(preds, targets, num_classes: int) -> tuple[np.ndarray, np.ndarray]:
    preds, targets = np.asarray(preds), np.asarray(targets)
    if preds.shape != targets.shape:
        raise ValueError(f"preds of shape {preds.shape} and targets of shape {targets.shape}")
    if preds.dtype.kind not in "iu" or targets.dtype.kind not in "iu":
        raise TypeError(f"expected integer class maps, got {preds.dtype} and {targets.dtype}")
    for name, x in (("preds", preds), ("targets", targets)):
        if x.size and (x.min() < 0 or x.max() >= num_classes):
            raise ValueError(f"{name}: classes must be in 0..{num_classes - 1}")
    if preds.ndim == 2:
        preds, targets = preds[None], targets[None]
    return preds.reshape(len(preds), -1), targets.reshape(len(targets), -1)


def _counts(maps: tuple[np.ndarray, np.ndarray], num_classes: int):
    """Per image and class: |P & T|, |P|, |T| as (N, C) arrays."""
    preds, targets = maps
    n = len(preds)
    rows = np.broadcast_to(np.arange(n)[:, None] * num_classes, preds.shape)
    same = preds == targets

    def count(x):
        return np.bincount(x.ravel(), minlength=n * num_classes).reshape(n, num_classes)

    return count(rows[same] + preds[same]), count(rows + preds), count(rows + targets)


def _check(aggregation: str, average: str) -> None:
    if aggregation not in ("global", "samplewise"):
        raise ValueError(f"aggregation must be 'global' or 'samplewise', got {aggregation!r}")
    if average not in ("macro", "none"):
        raise ValueError(f"average must be 'macro' or 'none', got {average!r}")


def _scores(num, den, aggregation: str):
    """Per class (global: (C,)) or per image and class (samplewise: (N, C)); NaN where absent."""
    if aggregation == "global":
        num, den = num.sum(0), den.sum(0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1), np.nan)


def _nanmean(x, axis=None):
    with np.errstate(invalid="ignore"):
        valid = ~np.isnan(x)
        return np.where(valid, x, 0).sum(axis) / valid.sum(axis)


def per_class_iou(preds, targets, num_classes: int, aggregation: str = "global") -> np.ndarray:
    """IoU of each class, shape (num_classes,); NaN for a class that never appears.

    ``"global"`` counts pixels over the whole data set; ``"samplewise"`` averages the IoU of
    the images where the class appears (in the prediction or the target), as torchmetrics'
    ``MeanIoU(per_class=True)``.
    """
    _check(aggregation, "none")
    inter, p, t = _counts(_class_maps(preds, targets, num_classes), num_classes)
    scores = _scores(inter, p + t - inter, aggregation)
    return scores if aggregation == "global" else _nanmean(scores, 0)


def mean_iou(
    preds, targets, num_classes: int, aggregation: str = "global", include_background: bool = True
) -> float:
    """Mean IoU. ``"global"``: the mean over the classes present of the data set's per-class
    IoU (VOC's and Cityscapes' mIoU). ``"samplewise"``: the mean over every (image, class) pair
    where the class appears, as torchmetrics' ``MeanIoU``. Class 0 is left out if
    ``include_background`` is False.
    """
    _check(aggregation, "none")
    inter, p, t = _counts(_class_maps(preds, targets, num_classes), num_classes)
    scores = _scores(inter, p + t - inter, aggregation)
    first = 0 if include_background else 1
    return float(_nanmean(scores[..., first:].ravel()))


def dice_score(
    preds,
    targets,
    num_classes: int,
    aggregation: str = "global",
    average: str = "macro",
    include_background: bool = True,
):
    """Dice ``2 |P & T| / (|P| + |T|)``, as torchmetrics' ``DiceScore`` (``input_format="index"``).

    ``average="none"``: per class (global counts, or the mean over the images where the class
    appears); ``"macro"``: the mean over the classes present (``"samplewise"``: per image, then
    over the images). Class 0 is left out if ``include_background`` is False.
    """
    _check(aggregation, average)
    inter, p, t = _counts(_class_maps(preds, targets, num_classes), num_classes)
    first = 0 if include_background else 1
    scores = _scores(2 * inter, p + t, aggregation)[..., first:]
    if average == "none":
        return scores if aggregation == "global" else _nanmean(scores, 0)
    if aggregation == "global":
        return float(_nanmean(scores))
    return float(_nanmean(_nanmean(scores, 1)))


def pixel_accuracy(preds, targets, num_classes: int) -> float:
    """Fraction of pixels whose predicted class equals the target class."""
    p, t = _class_maps(preds, targets, num_classes)
    return float(np.mean(p == t)) if p.size else float("nan")
