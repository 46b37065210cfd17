"""Classification scores: accuracy, confusion matrix, precision/recall/F-beta, report, log loss."""

from __future__ import annotations

import warnings

import numpy as np

from homeml.learn.base import check_consistent_length, column_or_1d, type_of_target
from homeml.learn.metrics._common import UndefinedMetricWarning, _weights


def _labels_1d(y_true, y_pred):
    """Both label arrays as 1-D NumPy arrays of the same length, and their target type."""
    y_true, y_pred = column_or_1d(y_true), column_or_1d(y_pred)
    check_consistent_length(y_true, y_pred)
    kinds = {type_of_target(y_true), type_of_target(y_pred)}
    if "continuous" in kinds:
        raise ValueError(
            "Classification metrics can't handle a mix of continuous and discrete targets; "
            f"got target types {sorted(kinds)}."
        )
    present = np.union1d(y_true, y_pred)
    return y_true, y_pred, ("binary" if len(present) <= 2 else "multiclass"), present


def accuracy_score(y_true, y_pred, *, normalize: bool = True, sample_weight=None) -> float:
    """Fraction (or, with ``normalize=False``, weighted count) of exactly right predictions."""
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    check_consistent_length(y_true, y_pred, sample_weight)
    right = y_true == y_pred
    if right.ndim > 1:  # multilabel / multioutput: a sample counts when every label is right
        right = right.all(axis=1)
    w = _weights(sample_weight, len(right))
    return float(np.average(right, weights=w) if normalize else np.dot(right, w))


def confusion_matrix(y_true, y_pred, *, labels=None, sample_weight=None, normalize=None):
    """Matrix ``C[i, j]``: (weighted) count of samples of true class ``i`` predicted as ``j``.

    Parameters
    ----------
    labels : array-like or None
        Row/column order; default: the sorted union of the labels in ``y_true`` and ``y_pred``.
    normalize : {"true", "pred", "all"} or None
        Divide by the row sums, the column sums or the total.
    """
    y_true, y_pred, _, present = _labels_1d(y_true, y_pred)
    labels = present if labels is None else np.asarray(labels)
    if labels.size == 0:
        raise ValueError("'labels' should contain at least one label.")
    if len(y_true) and not np.isin(labels, y_true).any():
        raise ValueError("At least one label specified must be in y_true")
    if normalize not in ("true", "pred", "all", None):
        raise ValueError(
            f"normalize must be one of {{'true', 'pred', 'all', None}}; got {normalize!r}."
        )
    n = len(labels)
    order = np.argsort(labels, kind="stable")
    sorted_labels = labels[order]

    def codes(y):
        pos = np.clip(np.searchsorted(sorted_labels, y), 0, n - 1)
        found = sorted_labels[pos] == y
        return order[pos], found

    true_codes, true_ok = codes(y_true)
    pred_codes, pred_ok = codes(y_pred)
    keep = true_ok & pred_ok
    integral = sample_weight is None or np.asarray(sample_weight).dtype.kind in "biu"
    w = _weights(sample_weight, len(y_true))
    matrix = np.bincount(
        true_codes[keep] * n + pred_codes[keep], weights=w[keep], minlength=n * n
    ).reshape(n, n)
    if normalize is None:
        return matrix.astype(np.int64) if integral else matrix
    with np.errstate(divide="ignore", invalid="ignore"):
        total = {
            "true": matrix.sum(axis=1, keepdims=True),
            "pred": matrix.sum(axis=0, keepdims=True),
            "all": matrix.sum(),
        }[normalize]
        return np.nan_to_num(matrix / total)


# -- precision, recall, F ------------------------------------------------------------------------

_AVERAGES = (None, "binary", "micro", "macro", "weighted")


def _divide(numerator, denominator, zero_division, what: str, warn: bool):
    """``numerator / denominator`` with ``zero_division`` (0 with a warning for "warn")."""
    numerator = np.asarray(numerator, dtype=np.float64)
    mask = np.asarray(denominator) == 0
    result = numerator / np.where(mask, 1.0, denominator)
    if mask.any():
        result[mask] = 0.0 if zero_division == "warn" else float(zero_division)
        if zero_division == "warn" and warn:
            warnings.warn(
                f"{what} is ill-defined and being set to 0.0 in labels with no "
                "samples. Use `zero_division` parameter to control this behavior.",
                UndefinedMetricWarning,
                stacklevel=4,
            )
    return result


def _nan_average(values, weights=None) -> float:
    keep = ~np.isnan(values)
    if not keep.any():
        return float("nan")
    if weights is None or not np.any(np.asarray(weights)[keep]):
        return float(values[keep].mean())
    return float(np.average(values[keep], weights=np.asarray(weights)[keep]))


def precision_recall_fscore_support(
    y_true,
    y_pred,
    *,
    beta=1.0,
    labels=None,
    pos_label=1,
    average=None,
    warn_for=("precision", "recall", "f-score"),
    sample_weight=None,
    zero_division="warn",
):
    """Precision, recall, F-beta and support, per label or averaged.

    Parameters
    ----------
    beta : float
        Weight of recall against precision in the F-score.
    labels : array-like or None
        Labels to score (and their order); default: all labels present.
    pos_label : label
        The positive class when ``average="binary"``.
    average : {"binary", "micro", "macro", "weighted"} or None
        None returns one value per label; "micro" pools the counts; "macro" is the unweighted
        mean over labels; "weighted" weighs each label by its support.
    zero_division : "warn", 0.0, 1.0 or np.nan
        Value when a ratio divides by zero ("warn": 0 and an ``UndefinedMetricWarning``).

    Returns
    -------
    precision, recall, fbeta_score, support
        Floats when averaged (support is then None), arrays otherwise.
    """
    if average not in _AVERAGES:
        raise ValueError(f"average has to be one of {_AVERAGES}; got {average!r}.")
    if beta < 0:
        raise ValueError(f"beta should be >= 0; got {beta}.")
    ok_zero = zero_division == "warn" or (
        isinstance(zero_division, (int, float))
        and (zero_division in (0, 1) or np.isnan(zero_division))
    )
    if not ok_zero:
        raise ValueError(
            f"zero_division must be 'warn', 0.0, 1.0 or np.nan; got {zero_division!r}."
        )
    y_true, y_pred, y_type, present = _labels_1d(y_true, y_pred)
    if average == "binary":
        if y_type != "binary":
            raise ValueError(
                f"Target is multiclass but average='binary'. Please choose another "
                f"average setting, one of {[None, 'micro', 'macro', 'weighted']}."
            )
        if pos_label not in present and len(present) >= 2:
            raise ValueError(
                f"pos_label={pos_label!r} is not a valid label. It should be one of {present}"
            )
        labels = [pos_label]
    elif pos_label not in (None, 1):
        warnings.warn(
            f"Note that pos_label (set to {pos_label!r}) is ignored when average != "
            f"'binary' (got {average!r}). You may use labels=[pos_label] to specify "
            "a single positive class.",
            UserWarning,
            stacklevel=2,
        )
    labels = present if labels is None else np.asarray(labels)
    w = _weights(sample_weight, len(y_true))
    tp = np.array([w[(y_true == c) & (y_pred == c)].sum() for c in labels])
    pred_sum = np.array([w[y_pred == c].sum() for c in labels])
    true_sum = np.array([w[y_true == c].sum() for c in labels])
    if average == "micro":
        tp, pred_sum, true_sum = (
            tp.sum(keepdims=True),
            pred_sum.sum(keepdims=True),
            true_sum.sum(keepdims=True),
        )
    precision = _divide(tp, pred_sum, zero_division, "Precision", "precision" in warn_for)
    recall = _divide(tp, true_sum, zero_division, "Recall", "recall" in warn_for)
    if np.isposinf(beta):
        f_score = recall
    elif beta == 0:
        f_score = precision
    else:
        b2 = beta**2
        f_score = _divide(
            (1 + b2) * tp, b2 * true_sum + pred_sum, zero_division, "F-score", "f-score" in warn_for
        )
    if average is None:
        support = true_sum.astype(np.int64) if sample_weight is None else true_sum
        return precision, recall, f_score, support
    weights = true_sum if average == "weighted" else None
    return (
        _nan_average(precision, weights),
        _nan_average(recall, weights),
        _nan_average(f_score, weights),
        None,
    )


def _prf_one(index, y_true, y_pred, **kwargs):
    kwargs.setdefault("average", "binary")
    return precision_recall_fscore_support(y_true, y_pred, **kwargs)[index]


def precision_score(
    y_true,
    y_pred,
    *,
    labels=None,
    pos_label=1,
    average="binary",
    sample_weight=None,
    zero_division="warn",
):
    """Precision ``tp / (tp + fp)``; see :func:`precision_recall_fscore_support`."""
    return _prf_one(
        0,
        y_true,
        y_pred,
        labels=labels,
        pos_label=pos_label,
        average=average,
        warn_for=("precision",),
        sample_weight=sample_weight,
        zero_division=zero_division,
    )


def recall_score(
    y_true,
    y_pred,
    *,
    labels=None,
    pos_label=1,
    average="binary",
    sample_weight=None,
    zero_division="warn",
):
    """Recall ``tp / (tp + fn)``; see :func:`precision_recall_fscore_support`."""
    return _prf_one(
        1,
        y_true,
        y_pred,
        labels=labels,
        pos_label=pos_label,
        average=average,
        warn_for=("recall",),
        sample_weight=sample_weight,
        zero_division=zero_division,
    )


def fbeta_score(
    y_true,
    y_pred,
    *,
    beta,
    labels=None,
    pos_label=1,
    average="binary",
    sample_weight=None,
    zero_division="warn",
):
    """F-beta ``(1 + b^2) tp / ((1 + b^2) tp + b^2 fn + fp)``."""
    return _prf_one(
        2,
        y_true,
        y_pred,
        beta=beta,
        labels=labels,
        pos_label=pos_label,
        average=average,
        warn_for=("f-score",),
        sample_weight=sample_weight,
        zero_division=zero_division,
    )


def f1_score(
    y_true,
    y_pred,
    *,
    labels=None,
    pos_label=1,
    average="binary",
    sample_weight=None,
    zero_division="warn",
):
    """F1, the harmonic mean of precision and recall (F-beta with beta = 1)."""
    return fbeta_score(
        y_true,
        y_pred,
        beta=1.0,
        labels=labels,
        pos_label=pos_label,
        average=average,
        sample_weight=sample_weight,
        zero_division=zero_division,
    )


def classification_report(
    y_true,
    y_pred,
    *,
    labels=None,
    target_names=None,
    sample_weight=None,
    digits=2,
    output_dict=False,
    zero_division="warn",
):
    """Per-class precision, recall, F1 and support with their averages, as text or a dict.

    The text layout is scikit-learn's, so reports can be compared character for character.
    """
    y_true, y_pred, y_type, present = _labels_1d(y_true, y_pred)
    labels_given = labels is not None
    labels = present if labels is None else np.asarray(labels)
    micro_is_accuracy = not labels_given or set(labels.tolist()) >= set(present.tolist())
    if target_names is not None and len(labels) != len(target_names):
        if not labels_given:
            raise ValueError(
                f"Number of classes, {len(labels)}, does not match size of "
                f"target_names, {len(target_names)}. Try specifying the labels "
                "parameter"
            )
        warnings.warn(
            f"labels size, {len(labels)}, does not match size of target_names, {len(target_names)}",
            stacklevel=2,
        )
    if target_names is None:
        target_names = [f"{label}" for label in labels]
    headers = ["precision", "recall", "f1-score", "support"]
    common = dict(labels=labels, sample_weight=sample_weight, zero_division=zero_division)
    p, r, f, s = precision_recall_fscore_support(y_true, y_pred, average=None, **common)
    rows = list(zip(target_names, p, r, f, s))
    averages = {}
    for average in ("micro", "macro", "weighted"):
        heading = "accuracy" if average == "micro" and micro_is_accuracy else f"{average} avg"
        avg_p, avg_r, avg_f, _ = precision_recall_fscore_support(
            y_true, y_pred, average=average, **common
        )
        averages[heading] = [avg_p, avg_r, avg_f, np.sum(s)]
    if output_dict:
        report = {
            str(row[0]) if not isinstance(row[0], str) else row[0]: dict(
                zip(headers, [float(v) for v in row[1:]])
            )
            for row in rows
        }
        for heading, values in averages.items():
            report[heading] = dict(zip(headers, [float(v) for v in values]))
        if "accuracy" in report:
            report["accuracy"] = report["accuracy"]["precision"]
        return report
    width = max(max(len(name) for name in target_names), len("weighted avg"), digits)
    text = f"{'':>{width}s} " + "".join(f" {h:>9}" for h in headers) + "\n\n"
    for name, *values, support in rows:
        text += (
            f"{name:>{width}s} "
            + "".join(f" {v:>9.{digits}f}" for v in values)
            + f" {support:>9}\n"
        )
    text += "\n"
    for heading, (avg_p, avg_r, avg_f, support) in averages.items():
        if heading == "accuracy":
            text += (
                f"{heading:>{width}s} "
                + f" {'':>9.{digits}}" * 2
                + f" {avg_f:>9.{digits}f} {support:>9}\n"
            )
        else:
            text += (
                f"{heading:>{width}s} "
                + "".join(f" {v:>9.{digits}f}" for v in (avg_p, avg_r, avg_f))
                + f" {support:>9}\n"
            )
    return text


# -- ranking: ROC ----------------------------------------------------------------------------------


def log_loss(y_true, y_proba, *, normalize=True, sample_weight=None, labels=None) -> float:
    """Cross-entropy of the true labels under predicted probabilities (clipped to [eps, 1-eps]).

    ``y_proba`` is ``(n_samples, n_classes)`` with columns in sorted label order, or 1-D
    probabilities of the greater of two labels.
    """
    y_true = column_or_1d(y_true)
    y_proba = np.asarray(y_proba)
    y_proba = y_proba.astype(np.float64) if y_proba.dtype != np.float32 else y_proba
    check_consistent_length(y_true, y_proba, sample_weight)
    classes = np.unique(y_true) if labels is None else np.unique(labels)
    if len(classes) == 1:
        raise ValueError(
            f"y_true contains only one label ({classes[0]!r}). Please provide the "
            "list of all expected class labels explicitly through the labels "
            "argument."
        )
    if not np.isin(y_true, classes).all():
        raise ValueError(f"y_true contains values not belonging to the passed labels {classes}.")
    if y_proba.ndim == 1:
        y_proba = y_proba[:, None]
    if y_proba.shape[1] == 1:
        y_proba = np.hstack([1 - y_proba, y_proba])
    if y_proba.shape[1] != len(classes):
        raise ValueError(
            f"y_true and y_proba contain different number of classes "
            f"{len(classes)}, {y_proba.shape[1]}. Classes found in y_true: "
            f"{classes}"
        )
    eps = np.finfo(y_proba.dtype).eps
    if not np.allclose(y_proba.sum(axis=1), 1, rtol=np.sqrt(eps), atol=0):
        warnings.warn(
            "The y_prob values do not sum to one. Make sure to pass probabilities.",
            UserWarning,
            stacklevel=2,
        )
    y_proba = np.clip(y_proba, eps, 1 - eps)
    picked = y_proba[np.arange(len(y_true)), np.searchsorted(classes, y_true)]
    loss = -np.log(picked.astype(np.float64))
    if not normalize:
        return float(np.dot(loss, _weights(sample_weight, len(loss))))
    return float(np.average(loss, weights=_weights(sample_weight, len(loss))))


# -- regression ----------------------------------------------------------------------------------
