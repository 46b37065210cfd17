"""Threshold curves besides the ROC: precision-recall, average precision, detection error
tradeoff (scikit-learn's definitions, thresholds and point order)."""

from __future__ import annotations

import warnings

import numpy as np

from homeml.learn.base import column_or_1d, type_of_target
from homeml.learn.metrics._ranking import _binary_clf_curve


def _drop_flat_recall(fps, tps, thresholds):
    """Keep the ends and the points where the true-positive count changes on either side."""
    if len(fps) > 2:
        keep = np.r_[True, np.logical_or(np.diff(tps[:-1]), np.diff(tps[1:])), True]
        fps, tps, thresholds = fps[keep], tps[keep], thresholds[keep]
    return fps, tps, thresholds


def precision_recall_curve(
    y_true, y_score, *, pos_label=None, sample_weight=None, drop_intermediate=False
):
    """Precision and recall at every distinct score taken as a threshold.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        Binary labels ({0, 1}, {-1, 1}, or any two labels with ``pos_label``).
    y_score : array-like of shape (n_samples,)
        Scores of the positive class (probabilities or decision values).
    pos_label : int, str or None, default=None
        The positive class (1 when None).
    sample_weight : array-like of shape (n_samples,), default=None
    drop_intermediate : bool, default=False
        Drop thresholds where recall does not change (the curve's shape is kept).

    Returns
    -------
    precision : ndarray of shape (n_thresholds + 1,)
        Precision at each threshold, increasing thresholds, then 1.
    recall : ndarray of shape (n_thresholds + 1,)
        Recall at each threshold (decreasing), then 0.
    thresholds : ndarray of shape (n_thresholds,)
        The distinct scores, increasing.
    """
    fps, tps, thresholds = _binary_clf_curve(y_true, y_score, pos_label, sample_weight)
    if drop_intermediate:
        fps, tps, thresholds = _drop_flat_recall(fps, tps, thresholds)
    predicted = tps + fps
    with np.errstate(divide="ignore", invalid="ignore"):
        precision = np.where(predicted != 0, tps / predicted, 0.0)
    if tps[-1] == 0:
        warnings.warn(
            "No positive class found in y_true, recall is set to one for all thresholds.",
            UserWarning,
            stacklevel=2,
        )
        recall = np.ones_like(tps)
    else:
        recall = tps / tps[-1]
    return np.r_[precision[::-1], 1.0], np.r_[recall[::-1], 0.0], thresholds[::-1]


def _binary_average_precision(y_true, y_score, pos_label, sample_weight) -> float:
    precision, recall, _ = precision_recall_curve(
        y_true, y_score, pos_label=pos_label, sample_weight=sample_weight
    )
    return float(max(0.0, -np.sum(np.diff(recall) * precision[:-1])))


def average_precision_score(y_true, y_score, *, average="macro", pos_label=1, sample_weight=None):
    """Average precision: the precision at each threshold weighted by the recall gained there.

    No interpolation (scikit-learn's definition): ``AP = sum_n (R_n - R_{n-1}) P_n``.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,) or (n_samples, n_classes)
        Binary labels, multiclass labels (with scores per class) or a label indicator matrix.
    y_score : array-like of shape (n_samples,) or (n_samples, n_classes)
        Scores of the positive class, or of each class.
    average : {"macro", "weighted", "micro", "samples"} or None, default="macro"
        How per-class scores are combined (ignored for a binary target); None returns them.
    pos_label : int or str, default=1
        The positive class of a binary target.
    sample_weight : array-like of shape (n_samples,), default=None

    Returns
    -------
    float or ndarray of shape (n_classes,)
    """
    y_score = np.asarray(y_score)
    kind = type_of_target(y_true)
    present = np.unique(np.asarray(y_true))
    if kind == "binary":
        y_true = column_or_1d(y_true)
        if len(present) == 2 and pos_label not in present.tolist():
            raise ValueError(
                f"pos_label={pos_label} is not a valid label. It should be one of {present}"
            )
        return _binary_average_precision(
            y_true, y_score.ravel(), pos_label, sample_weight
        )  # (average is ignored)
    if kind in ("multiclass", "multilabel-indicator") and pos_label != 1:
        raise ValueError(
            f"Parameter pos_label is fixed to 1 for {kind} y_true. Do not set pos_label or "
            "set pos_label to 1."
        )
    if kind == "multiclass":
        y_true = (column_or_1d(y_true)[:, None] == present[None, :]).astype(int)
        if y_score.shape != y_true.shape:
            raise ValueError(
                "`y_score` needs to be of shape `(n_samples, n_classes)`, since `y_true` "
                f"contains multiple classes. Got `y_score.shape={y_score.shape}`."
            )
    elif kind != "multilabel-indicator":
        raise ValueError(f"{kind} format is not supported")
    return _average_columns(np.asarray(y_true), y_score, average, sample_weight)


def _average_columns(y_true, y_score, average, sample_weight):
    """A binary score per column (or per row for "samples"), then averaged."""
    if average not in (None, "micro", "macro", "weighted", "samples"):
        raise ValueError(
            f"average has to be one of (None, 'micro', 'macro', 'weighted', "
            f"'samples'); got {average!r}"
        )
    weight, average_weight, axis = sample_weight, None, 1
    if average == "micro":
        if weight is not None:
            weight = np.repeat(weight, y_true.shape[1])
        y_true, y_score = y_true.reshape(-1, 1), y_score.reshape(-1, 1)
    elif average == "weighted":
        column = np.ones(len(y_true)) if weight is None else np.asarray(weight, float)
        average_weight = np.sum(y_true * column[:, None], axis=0)
        if np.isclose(average_weight.sum(), 0.0):
            return 0
    elif average == "samples":
        average_weight, weight, axis = weight, None, 0
    n = y_score.shape[axis]
    scores = np.array(
        [
            _binary_average_precision(
                y_true.take([c], axis=axis).ravel(), y_score.take([c], axis=axis).ravel(), 1, weight
            )
            for c in range(n)
        ]
    )
    if average is None:
        return scores
    if average_weight is not None:
        average_weight = np.asarray(average_weight)
        scores[average_weight == 0] = 0
    return float(np.average(scores, weights=average_weight))


def det_curve(y_true, y_score, pos_label=None, sample_weight=None, drop_intermediate=False):
    """Detection error tradeoff: false positive and false negative rates at each threshold.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        Binary labels.
    y_score : array-like of shape (n_samples,)
        Scores of the positive class.
    pos_label : int, str or None, default=None
        The positive class (1 when None).
    sample_weight : array-like of shape (n_samples,), default=None
    drop_intermediate : bool, default=False
        Drop thresholds that change neither rate's corner.

    Returns
    -------
    fpr, fnr : ndarray of shape (n_thresholds,)
        False positive rate (decreasing... from the lowest threshold kept) and false negative
        rate, in order of increasing threshold.
    thresholds : ndarray of shape (n_thresholds,)
        Increasing; the last may be ``inf`` (nothing predicted positive).
    """
    fps, tps, thresholds = _binary_clf_curve(y_true, y_score, pos_label, sample_weight)
    fps, tps = np.r_[0.0, fps], np.r_[0.0, tps]
    thresholds = np.r_[np.inf, thresholds.astype(np.float64)]
    if drop_intermediate:
        fps, tps, thresholds = _drop_flat_recall(fps, tps, thresholds)
    if len(np.unique(np.asarray(y_true))) != 2:
        raise ValueError(
            "Only one class is present in y_true. Detection error tradeoff curve is not "
            "defined in that case."
        )
    fns = tps[-1] - tps
    first = np.searchsorted(fps, fps[0], side="right") - 1
    last = np.searchsorted(tps, tps[-1]) + 1
    part = slice(first if first > 0 else None, last)
    return fps[part][::-1] / fps[-1], fns[part][::-1] / tps[-1], thresholds[part][::-1]
