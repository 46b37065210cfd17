"""Scores for classifiers and regressors, with scikit-learn's names and conventions."""

from __future__ import annotations

import numpy as np

from homeml.learn.base import check_consistent_length, column_or_1d


def _weights(sample_weight, n: int) -> np.ndarray:
    return np.ones(n) if sample_weight is None else column_or_1d(sample_weight).astype(np.float64)


def accuracy_score(y_true, y_pred, *, normalize: bool = True, sample_weight=None) -> float:
    """Fraction (or, with ``normalize=False``, weighted count) of exactly right predictions."""
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    check_consistent_length(y_true, y_pred, sample_weight)
    right = y_true == y_pred
    if right.ndim > 1:  # multilabel / multioutput: a sample counts when every label is right
        right = right.all(axis=1)
    w = _weights(sample_weight, len(right))
    return float(np.average(right, weights=w) if normalize else np.dot(right, w))


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
