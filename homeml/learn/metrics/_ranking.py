"""Ranking scores: the ROC curve, the area under a curve, ROC AUC (binary, OvR, OvO)."""

from __future__ import annotations

import warnings

import numpy as np

from homeml.learn.base import check_consistent_length, column_or_1d
from homeml.learn.metrics._common import UndefinedMetricWarning, _weights


def _binary_truth(y_true, pos_label):
    """``y_true == pos_label`` as floats; pos_label defaults to 1 for {0,1} / {-1,1} labels."""
    y_true = column_or_1d(y_true)
    classes = np.unique(y_true)
    if pos_label is None:
        numeric = y_true.dtype.kind in "biuf"
        if not numeric or not (set(classes.tolist()) <= {0, 1} or set(classes.tolist()) <= {-1, 1}):
            raise ValueError(
                f"y_true takes value in {set(classes.tolist())} and pos_label is not "
                "specified: either make y_true take value in {0, 1} or {-1, 1} or "
                "pass pos_label explicitly."
            )
        pos_label = 1
    return (y_true == pos_label).astype(np.float64)


def _binary_clf_curve(y_true, y_score, pos_label=None, sample_weight=None):
    """False and true positive (weighted) counts at each distinct score, highest first."""
    y_score = column_or_1d(y_score).astype(np.float64)
    check_consistent_length(y_true, y_score, sample_weight)
    truth = _binary_truth(y_true, pos_label)
    w = _weights(sample_weight, len(truth))
    order = np.argsort(y_score, kind="mergesort")[::-1]
    y_score, truth, w = y_score[order], truth[order], w[order]
    # the last index of each run of equal scores is where a threshold sits
    ends = np.r_[np.flatnonzero(np.diff(y_score)), len(y_score) - 1]
    tps = np.cumsum(truth * w)[ends]
    fps = np.cumsum((1 - truth) * w)[ends]
    return fps, tps, y_score[ends]


def roc_curve(y_true, y_score, *, pos_label=None, sample_weight=None, drop_intermediate=True):
    """Receiver operating characteristic: ``fpr, tpr, thresholds`` (thresholds decreasing).

    The first threshold is ``inf`` (nothing predicted positive). With ``drop_intermediate``,
    points on a straight segment of the curve are dropped (the area is unchanged).
    """
    fps, tps, thresholds = _binary_clf_curve(y_true, y_score, pos_label, sample_weight)
    if drop_intermediate and len(fps) > 2:
        corner = np.r_[True, np.logical_or(np.diff(fps, 2), np.diff(tps, 2)), True]
        fps, tps, thresholds = fps[corner], tps[corner], thresholds[corner]
    fps, tps, thresholds = np.r_[0, fps], np.r_[0, tps], np.r_[np.inf, thresholds]
    with np.errstate(divide="ignore", invalid="ignore"):
        if fps[-1] <= 0:
            warnings.warn(
                "No negative samples in y_true, false positive value should be meaningless",
                UndefinedMetricWarning,
                stacklevel=2,
            )
        if tps[-1] <= 0:
            warnings.warn(
                "No positive samples in y_true, true positive value should be meaningless",
                UndefinedMetricWarning,
                stacklevel=2,
            )
        fpr = fps / fps[-1] if fps[-1] > 0 else np.full(fps.shape, np.nan)
        tpr = tps / tps[-1] if tps[-1] > 0 else np.full(tps.shape, np.nan)
    return fpr, tpr, thresholds


def auc(x, y) -> float:
    """Area under a curve by the trapezoidal rule; ``x`` must be monotonic."""
    x, y = column_or_1d(x).astype(np.float64), column_or_1d(y).astype(np.float64)
    check_consistent_length(x, y)
    if len(x) < 2:
        raise ValueError(
            f"At least 2 points are needed to compute area under curve, but x.shape = {len(x)}"
        )
    dx = np.diff(x)
    direction = 1.0
    if np.any(dx < 0):
        if not np.all(dx <= 0):
            raise ValueError(f"x is neither increasing nor decreasing : {x}.")
        direction = -1.0
    return float(direction * np.sum(dx * (y[1:] + y[:-1]) / 2.0))


def _binary_roc_auc(y_true, y_score, sample_weight=None, max_fpr=None) -> float:
    if len(np.unique(y_true)) != 2:
        warnings.warn(
            "Only one class is present in y_true. ROC AUC score is not defined in that case.",
            UndefinedMetricWarning,
            stacklevel=3,
        )
        return float("nan")
    fpr, tpr, _ = roc_curve(y_true, y_score, sample_weight=sample_weight)
    if max_fpr is None or max_fpr == 1:
        return auc(fpr, tpr)
    if not 0 < max_fpr <= 1:
        raise ValueError(f"Expected max_fpr in range (0, 1], got: {max_fpr!r}")
    # partial area up to max_fpr, then McClish's standardisation to [0.5, 1]
    stop = np.searchsorted(fpr, max_fpr, "right")
    tpr = np.append(
        tpr[:stop], np.interp(max_fpr, fpr[stop - 1 : stop + 1], tpr[stop - 1 : stop + 1])
    )
    fpr = np.append(fpr[:stop], max_fpr)
    min_area, max_area = 0.5 * max_fpr**2, max_fpr
    return 0.5 * (1 + (auc(fpr, tpr) - min_area) / (max_area - min_area))


def roc_auc_score(
    y_true,
    y_score,
    *,
    average="macro",
    sample_weight=None,
    max_fpr=None,
    multi_class="raise",
    labels=None,
) -> float:
    """Area under the ROC curve.

    Binary ``y_true`` takes the score of the greater label (1-D ``y_score``, or the second
    column of a 2-column probability array). Multiclass needs probabilities of shape
    ``(n_samples, n_classes)`` and ``multi_class="ovr"`` (one class against the rest, averaged
    "macro", "weighted" by prevalence or "micro") or ``"ovo"`` (Hand & Till: every pair of
    classes, "macro" or "weighted").
    """
    y_true = column_or_1d(y_true)
    y_score = np.asarray(y_score, dtype=np.float64)
    check_consistent_length(y_true, y_score, sample_weight)
    classes = np.unique(y_true) if labels is None else np.asarray(labels)
    if len(classes) <= 2 and (y_score.ndim == 1 or y_score.shape[1] <= 2):
        if y_score.ndim == 2:
            y_score = y_score[:, -1]
        truth = (y_true == classes[-1]).astype(np.float64)
        return _binary_roc_auc(truth, y_score, sample_weight, max_fpr)
    if multi_class == "raise":
        raise ValueError(
            "multi_class must be in ('ovo', 'ovr'); got 'raise' for a multiclass target."
        )
    if multi_class not in ("ovr", "ovo"):
        raise ValueError(
            f"multi_class='{multi_class}' is not supported for multiclass ROC AUC; "
            "multi_class must be in ('ovo', 'ovr')"
        )
    if max_fpr is not None and max_fpr != 1:
        raise ValueError(
            "Partial AUC computation not available in multiclass setting, "
            f"'max_fpr' must be set to `None`, received `max_fpr={max_fpr}` instead"
        )
    if y_score.ndim != 2 or y_score.shape[1] != len(classes):
        raise ValueError(
            f"Number of classes in y_true ({len(classes)}) not equal to the number "
            f"of columns in 'y_score' ({y_score.shape[-1]})"
        )
    if not np.allclose(1, y_score.sum(axis=1)):
        raise ValueError(
            "Target scores need to be probabilities for multiclass roc_auc, i.e. "
            "they should sum up to 1.0 over classes"
        )
    if multi_class == "ovo":
        if sample_weight is not None:
            raise ValueError("sample_weight is not supported for multiclass one-vs-one ROC AUC.")
        if average not in ("macro", "weighted"):
            raise ValueError(
                f"average must be one of ('macro', 'weighted') for multiclass "
                f"one-vs-one; got {average!r}."
            )
        scores, prevalence = [], []
        for a in range(len(classes)):
            for b in range(a + 1, len(classes)):
                pair = (y_true == classes[a]) | (y_true == classes[b])
                a_true = (y_true[pair] == classes[a]).astype(float)
                score_a = _binary_roc_auc(a_true, y_score[pair, a])
                score_b = _binary_roc_auc(1 - a_true, y_score[pair, b])
                scores.append((score_a + score_b) / 2)
                prevalence.append(pair.mean())
        return float(np.average(scores, weights=prevalence if average == "weighted" else None))
    truth = (y_true[:, None] == classes[None, :]).astype(np.float64)  # one-vs-rest columns
    if average == "micro":
        w = (
            None
            if sample_weight is None
            else np.repeat(_weights(sample_weight, len(y_true)), len(classes))
        )
        return _binary_roc_auc(truth.ravel(), y_score.ravel(), w)
    per_class = np.array(
        [_binary_roc_auc(truth[:, k], y_score[:, k], sample_weight) for k in range(len(classes))]
    )
    if average is None:
        return per_class
    if average not in ("macro", "weighted"):
        raise ValueError(
            f"average must be one of (None, 'micro', 'macro', 'weighted') for "
            f"one-vs-rest; got {average!r}."
        )
    support = (truth * _weights(sample_weight, len(y_true))[:, None]).sum(axis=0)
    return float(np.average(per_class, weights=support if average == "weighted" else None))
