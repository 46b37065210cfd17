"""Scores for classifiers and regressors, with scikit-learn's names and conventions.

Classification: accuracy, precision/recall/F-beta (binary, micro, macro, weighted, per class),
the confusion matrix and the classification report. Ranking: the ROC curve and its area (binary,
one-vs-rest, one-vs-one), ``auc``, ``log_loss``. Regression: MSE, RMSE, MAE, R^2. Scorers
(``get_scorer("f1_macro")``) turn a metric into ``scorer(estimator, X, y)`` for model selection.
"""

from __future__ import annotations

import warnings

import numpy as np

from homeml.learn.base import check_consistent_length, column_or_1d, type_of_target


class UndefinedMetricWarning(UserWarning):
    """Warns that a metric is ill-defined (e.g. precision with no predicted samples)."""


def _weights(sample_weight, n: int) -> np.ndarray:
    return np.ones(n) if sample_weight is None else column_or_1d(sample_weight).astype(np.float64)


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
        raise ValueError(f"normalize must be one of {{'true', 'pred', 'all', None}}; got "
                         f"{normalize!r}.")
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
    matrix = np.bincount(true_codes[keep] * n + pred_codes[keep], weights=w[keep],
                         minlength=n * n).reshape(n, n)
    if normalize is None:
        return matrix.astype(np.int64) if integral else matrix
    with np.errstate(divide="ignore", invalid="ignore"):
        total = {"true": matrix.sum(axis=1, keepdims=True),
                 "pred": matrix.sum(axis=0, keepdims=True), "all": matrix.sum()}[normalize]
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
            warnings.warn(f"{what} is ill-defined and being set to 0.0 in labels with no "
                          "samples. Use `zero_division` parameter to control this behavior.",
                          UndefinedMetricWarning, stacklevel=4)
    return result


def _nan_average(values, weights=None) -> float:
    keep = ~np.isnan(values)
    if not keep.any():
        return float("nan")
    if weights is None or not np.any(np.asarray(weights)[keep]):
        return float(values[keep].mean())
    return float(np.average(values[keep], weights=np.asarray(weights)[keep]))


def precision_recall_fscore_support(
    y_true, y_pred, *, beta=1.0, labels=None, pos_label=1, average=None,
    warn_for=("precision", "recall", "f-score"), sample_weight=None, zero_division="warn",
):  # fmt: skip
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
    ok_zero = zero_division == "warn" or (isinstance(zero_division, (int, float))
                                          and (zero_division in (0, 1) or np.isnan(zero_division)))
    if not ok_zero:
        raise ValueError(f"zero_division must be 'warn', 0.0, 1.0 or np.nan; got "
                         f"{zero_division!r}.")
    y_true, y_pred, y_type, present = _labels_1d(y_true, y_pred)
    if average == "binary":
        if y_type != "binary":
            raise ValueError(f"Target is multiclass but average='binary'. Please choose another "
                             f"average setting, one of {[None, 'micro', 'macro', 'weighted']}.")
        if pos_label not in present and len(present) >= 2:
            raise ValueError(f"pos_label={pos_label!r} is not a valid label. It should be one "
                             f"of {present}")
        labels = [pos_label]
    elif pos_label not in (None, 1):
        warnings.warn(f"Note that pos_label (set to {pos_label!r}) is ignored when average != "
                      f"'binary' (got {average!r}). You may use labels=[pos_label] to specify "
                      "a single positive class.", UserWarning, stacklevel=2)
    labels = present if labels is None else np.asarray(labels)
    w = _weights(sample_weight, len(y_true))
    tp = np.array([w[(y_true == c) & (y_pred == c)].sum() for c in labels])
    pred_sum = np.array([w[y_pred == c].sum() for c in labels])
    true_sum = np.array([w[y_true == c].sum() for c in labels])
    if average == "micro":
        tp, pred_sum, true_sum = tp.sum(keepdims=True), pred_sum.sum(keepdims=True), \
            true_sum.sum(keepdims=True)
    precision = _divide(tp, pred_sum, zero_division, "Precision", "precision" in warn_for)
    recall = _divide(tp, true_sum, zero_division, "Recall", "recall" in warn_for)
    if np.isposinf(beta):
        f_score = recall
    elif beta == 0:
        f_score = precision
    else:
        b2 = beta**2
        f_score = _divide((1 + b2) * tp, b2 * true_sum + pred_sum, zero_division, "F-score",
                          "f-score" in warn_for)
    if average is None:
        support = true_sum.astype(np.int64) if sample_weight is None else true_sum
        return precision, recall, f_score, support
    weights = true_sum if average == "weighted" else None
    return (_nan_average(precision, weights), _nan_average(recall, weights),
            _nan_average(f_score, weights), None)


def _prf_one(index, y_true, y_pred, **kwargs):
    kwargs.setdefault("average", "binary")
    return precision_recall_fscore_support(y_true, y_pred, **kwargs)[index]


def precision_score(y_true, y_pred, *, labels=None, pos_label=1, average="binary",
                    sample_weight=None, zero_division="warn"):
    """Precision ``tp / (tp + fp)``; see :func:`precision_recall_fscore_support`."""
    return _prf_one(0, y_true, y_pred, labels=labels, pos_label=pos_label, average=average,
                    warn_for=("precision",), sample_weight=sample_weight,
                    zero_division=zero_division)


def recall_score(y_true, y_pred, *, labels=None, pos_label=1, average="binary",
                 sample_weight=None, zero_division="warn"):
    """Recall ``tp / (tp + fn)``; see :func:`precision_recall_fscore_support`."""
    return _prf_one(1, y_true, y_pred, labels=labels, pos_label=pos_label, average=average,
                    warn_for=("recall",), sample_weight=sample_weight,
                    zero_division=zero_division)


def fbeta_score(y_true, y_pred, *, beta, labels=None, pos_label=1, average="binary",
                sample_weight=None, zero_division="warn"):
    """F-beta ``(1 + b^2) tp / ((1 + b^2) tp + b^2 fn + fp)``."""
    return _prf_one(2, y_true, y_pred, beta=beta, labels=labels, pos_label=pos_label,
                    average=average, warn_for=("f-score",), sample_weight=sample_weight,
                    zero_division=zero_division)


def f1_score(y_true, y_pred, *, labels=None, pos_label=1, average="binary", sample_weight=None,
             zero_division="warn"):
    """F1, the harmonic mean of precision and recall (F-beta with beta = 1)."""
    return fbeta_score(y_true, y_pred, beta=1.0, labels=labels, pos_label=pos_label,
                       average=average, sample_weight=sample_weight, zero_division=zero_division)


def classification_report(y_true, y_pred, *, labels=None, target_names=None, sample_weight=None,
                          digits=2, output_dict=False, zero_division="warn"):
    """Per-class precision, recall, F1 and support with their averages, as text or a dict.

    The text layout is scikit-learn's, so reports can be compared character for character.
    """
    y_true, y_pred, y_type, present = _labels_1d(y_true, y_pred)
    labels_given = labels is not None
    labels = present if labels is None else np.asarray(labels)
    micro_is_accuracy = not labels_given or set(labels.tolist()) >= set(present.tolist())
    if target_names is not None and len(labels) != len(target_names):
        if not labels_given:
            raise ValueError(f"Number of classes, {len(labels)}, does not match size of "
                             f"target_names, {len(target_names)}. Try specifying the labels "
                             "parameter")
        warnings.warn(f"labels size, {len(labels)}, does not match size of target_names, "
                      f"{len(target_names)}", stacklevel=2)
    if target_names is None:
        target_names = [f"{label}" for label in labels]
    headers = ["precision", "recall", "f1-score", "support"]
    common = dict(labels=labels, sample_weight=sample_weight, zero_division=zero_division)
    p, r, f, s = precision_recall_fscore_support(y_true, y_pred, average=None, **common)
    rows = list(zip(target_names, p, r, f, s))
    averages = {}
    for average in ("micro", "macro", "weighted"):
        heading = "accuracy" if average == "micro" and micro_is_accuracy else f"{average} avg"
        avg_p, avg_r, avg_f, _ = precision_recall_fscore_support(y_true, y_pred,
                                                                 average=average, **common)
        averages[heading] = [avg_p, avg_r, avg_f, np.sum(s)]
    if output_dict:
        report = {str(row[0]) if not isinstance(row[0], str) else row[0]:
                  dict(zip(headers, [float(v) for v in row[1:]])) for row in rows}
        for heading, values in averages.items():
            report[heading] = dict(zip(headers, [float(v) for v in values]))
        if "accuracy" in report:
            report["accuracy"] = report["accuracy"]["precision"]
        return report
    width = max(max(len(name) for name in target_names), len("weighted avg"), digits)
    text = f"{'':>{width}s} " + "".join(f" {h:>9}" for h in headers) + "\n\n"
    for name, *values, support in rows:
        text += f"{name:>{width}s} " + "".join(f" {v:>9.{digits}f}" for v in values) \
            + f" {support:>9}\n"
    text += "\n"
    for heading, (avg_p, avg_r, avg_f, support) in averages.items():
        if heading == "accuracy":
            text += f"{heading:>{width}s} " + f" {'':>9.{digits}}" * 2 \
                + f" {avg_f:>9.{digits}f} {support:>9}\n"
        else:
            text += f"{heading:>{width}s} " + "".join(
                f" {v:>9.{digits}f}" for v in (avg_p, avg_r, avg_f)) + f" {support:>9}\n"
    return text


# -- ranking: ROC ----------------------------------------------------------------------------------


def _binary_truth(y_true, pos_label):
    """``y_true == pos_label`` as floats; pos_label defaults to 1 for {0,1} / {-1,1} labels."""
    y_true = column_or_1d(y_true)
    classes = np.unique(y_true)
    if pos_label is None:
        numeric = y_true.dtype.kind in "biuf"
        if not numeric or not (set(classes.tolist()) <= {0, 1} or set(classes.tolist()) <= {-1, 1}):
            raise ValueError(f"y_true takes value in {set(classes.tolist())} and pos_label is not "
                             "specified: either make y_true take value in {0, 1} or {-1, 1} or "
                             "pass pos_label explicitly.")
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
            warnings.warn("No negative samples in y_true, false positive value should be "
                          "meaningless", UndefinedMetricWarning, stacklevel=2)
        if tps[-1] <= 0:
            warnings.warn("No positive samples in y_true, true positive value should be "
                          "meaningless", UndefinedMetricWarning, stacklevel=2)
        fpr = fps / fps[-1] if fps[-1] > 0 else np.full(fps.shape, np.nan)
        tpr = tps / tps[-1] if tps[-1] > 0 else np.full(tps.shape, np.nan)
    return fpr, tpr, thresholds


def auc(x, y) -> float:
    """Area under a curve by the trapezoidal rule; ``x`` must be monotonic."""
    x, y = column_or_1d(x).astype(np.float64), column_or_1d(y).astype(np.float64)
    check_consistent_length(x, y)
    if len(x) < 2:
        raise ValueError(f"At least 2 points are needed to compute area under curve, but "
                         f"x.shape = {len(x)}")
    dx = np.diff(x)
    direction = 1.0
    if np.any(dx < 0):
        if not np.all(dx <= 0):
            raise ValueError(f"x is neither increasing nor decreasing : {x}.")
        direction = -1.0
    return float(direction * np.sum(dx * (y[1:] + y[:-1]) / 2.0))


def _binary_roc_auc(y_true, y_score, sample_weight=None, max_fpr=None) -> float:
    if len(np.unique(y_true)) != 2:
        warnings.warn("Only one class is present in y_true. ROC AUC score is not defined in "
                      "that case.", UndefinedMetricWarning, stacklevel=3)
        return float("nan")
    fpr, tpr, _ = roc_curve(y_true, y_score, sample_weight=sample_weight)
    if max_fpr is None or max_fpr == 1:
        return auc(fpr, tpr)
    if not 0 < max_fpr <= 1:
        raise ValueError(f"Expected max_fpr in range (0, 1], got: {max_fpr!r}")
    # partial area up to max_fpr, then McClish's standardisation to [0.5, 1]
    stop = np.searchsorted(fpr, max_fpr, "right")
    tpr = np.append(tpr[:stop], np.interp(max_fpr, fpr[stop - 1:stop + 1], tpr[stop - 1:stop + 1]))
    fpr = np.append(fpr[:stop], max_fpr)
    min_area, max_area = 0.5 * max_fpr**2, max_fpr
    return 0.5 * (1 + (auc(fpr, tpr) - min_area) / (max_area - min_area))


def roc_auc_score(y_true, y_score, *, average="macro", sample_weight=None, max_fpr=None,
                  multi_class="raise", labels=None) -> float:
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
        raise ValueError("multi_class must be in ('ovo', 'ovr'); got 'raise' for a multiclass "
                         "target.")
    if multi_class not in ("ovr", "ovo"):
        raise ValueError(f"multi_class='{multi_class}' is not supported for multiclass ROC AUC; "
                         "multi_class must be in ('ovo', 'ovr')")
    if max_fpr is not None and max_fpr != 1:
        raise ValueError("Partial AUC computation not available in multiclass setting, "
                         f"'max_fpr' must be set to `None`, received `max_fpr={max_fpr}` instead")
    if y_score.ndim != 2 or y_score.shape[1] != len(classes):
        raise ValueError(f"Number of classes in y_true ({len(classes)}) not equal to the number "
                         f"of columns in 'y_score' ({y_score.shape[-1]})")
    if not np.allclose(1, y_score.sum(axis=1)):
        raise ValueError("Target scores need to be probabilities for multiclass roc_auc, i.e. "
                         "they should sum up to 1.0 over classes")
    if multi_class == "ovo":
        if sample_weight is not None:
            raise ValueError("sample_weight is not supported for multiclass one-vs-one ROC AUC.")
        if average not in ("macro", "weighted"):
            raise ValueError(f"average must be one of ('macro', 'weighted') for multiclass "
                             f"one-vs-one; got {average!r}.")
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
        w = None if sample_weight is None else np.repeat(_weights(sample_weight, len(y_true)),
                                                         len(classes))
        return _binary_roc_auc(truth.ravel(), y_score.ravel(), w)
    per_class = np.array([_binary_roc_auc(truth[:, k], y_score[:, k], sample_weight)
                          for k in range(len(classes))])
    if average is None:
        return per_class
    if average not in ("macro", "weighted"):
        raise ValueError(f"average must be one of (None, 'micro', 'macro', 'weighted') for "
                         f"one-vs-rest; got {average!r}.")
    support = (truth * _weights(sample_weight, len(y_true))[:, None]).sum(axis=0)
    return float(np.average(per_class, weights=support if average == "weighted" else None))


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
        raise ValueError(f"y_true contains only one label ({classes[0]!r}). Please provide the "
                         "list of all expected class labels explicitly through the labels "
                         "argument.")
    if not np.isin(y_true, classes).all():
        raise ValueError(f"y_true contains values not belonging to the passed labels {classes}.")
    if y_proba.ndim == 1:
        y_proba = y_proba[:, None]
    if y_proba.shape[1] == 1:
        y_proba = np.hstack([1 - y_proba, y_proba])
    if y_proba.shape[1] != len(classes):
        raise ValueError(f"y_true and y_proba contain different number of classes "
                         f"{len(classes)}, {y_proba.shape[1]}. Classes found in y_true: "
                         f"{classes}")
    eps = np.finfo(y_proba.dtype).eps
    if not np.allclose(y_proba.sum(axis=1), 1, rtol=np.sqrt(eps), atol=0):
        warnings.warn("The y_prob values do not sum to one. Make sure to pass probabilities.",
                      UserWarning, stacklevel=2)
    y_proba = np.clip(y_proba, eps, 1 - eps)
    picked = y_proba[np.arange(len(y_true)), np.searchsorted(classes, y_true)]
    loss = -np.log(picked.astype(np.float64))
    if not normalize:
        return float(np.dot(loss, _weights(sample_weight, len(loss))))
    return float(np.average(loss, weights=_weights(sample_weight, len(loss))))


# -- regression ----------------------------------------------------------------------------------


def _regression_errors(y_true, y_pred, sample_weight, multioutput, error):
    y_true = np.asarray(y_true, dtype=np.float64)
    y_pred = np.asarray(y_pred, dtype=np.float64)
    check_consistent_length(y_true, y_pred, sample_weight)
    if y_true.ndim == 1:
        y_true = y_true[:, None]
    y_pred = y_pred.reshape(len(y_pred), -1)
    if y_true.shape[1] != y_pred.shape[1]:
        raise ValueError(f"y_true and y_pred have different number of output ({y_true.shape[1]}"
                         f"!={y_pred.shape[1]})")
    per_output = np.average(error(y_true - y_pred), axis=0, weights=None if sample_weight is
                            None else _weights(sample_weight, len(y_true)))
    return per_output


def _combine_outputs(per_output, multioutput):
    if isinstance(multioutput, str):
        if multioutput == "raw_values":
            return per_output
        if multioutput != "uniform_average":
            raise ValueError(f"multioutput must be 'raw_values', 'uniform_average' or an array "
                             f"of weights; got {multioutput!r}.")
        return float(np.mean(per_output))
    return float(np.average(per_output, weights=multioutput))


def mean_squared_error(y_true, y_pred, *, sample_weight=None, multioutput="uniform_average"):
    """Mean of the squared errors (averaged over outputs)."""
    errors = _regression_errors(y_true, y_pred, sample_weight, multioutput, np.square)
    return _combine_outputs(errors, multioutput)


def root_mean_squared_error(y_true, y_pred, *, sample_weight=None,
                            multioutput="uniform_average"):
    """Square root of the mean squared error (per output, then averaged over outputs)."""
    errors = _regression_errors(y_true, y_pred, sample_weight, multioutput, np.square)
    return _combine_outputs(np.sqrt(errors), multioutput)


def mean_absolute_error(y_true, y_pred, *, sample_weight=None, multioutput="uniform_average"):
    """Mean of the absolute errors (averaged over outputs)."""
    errors = _regression_errors(y_true, y_pred, sample_weight, multioutput, np.abs)
    return _combine_outputs(errors, multioutput)


def r2_score(y_true, y_pred, *, sample_weight=None, multioutput="uniform_average") -> float:
    """Coefficient of determination ``1 - SS_res / SS_tot`` (averaged over outputs)."""
    y_true = np.asarray(y_true, dtype=np.float64)
    y_pred = np.asarray(y_pred, dtype=np.float64)
    check_consistent_length(y_true, y_pred, sample_weight)
    if y_true.ndim == 1:
        y_true, y_pred = y_true[:, None], y_pred.reshape(len(y_pred), -1)
    w = _weights(sample_weight, len(y_true))[:, None]
    residual = (w * (y_true - y_pred) ** 2).sum(axis=0)
    total = (w * (y_true - np.average(y_true, axis=0, weights=w[:, 0])) ** 2).sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        scores = np.where(total > 0, 1.0 - residual / np.where(total > 0, total, 1.0),
                          np.where(residual > 0, 0.0, 1.0))
    if multioutput == "raw_values":
        return scores
    if multioutput == "variance_weighted":
        return float(np.average(scores, weights=total)) if total.sum() else float(scores.mean())
    return float(scores.mean())


from homeml.learn._scorer import check_scoring, get_scorer, get_scorer_names  # noqa: E402,F401
