"""Regression scores: MSE, RMSE, MAE and R^2, per output or averaged."""

from __future__ import annotations

import numpy as np

from homeml.learn.base import check_consistent_length
from homeml.learn.metrics._common import _weights


def _regression_errors(y_true, y_pred, sample_weight, multioutput, error):
    y_true = np.asarray(y_true, dtype=np.float64)
    y_pred = np.asarray(y_pred, dtype=np.float64)
    check_consistent_length(y_true, y_pred, sample_weight)
    if y_true.ndim == 1:
        y_true = y_true[:, None]
    y_pred = y_pred.reshape(len(y_pred), -1)
    if y_true.shape[1] != y_pred.shape[1]:
        raise ValueError(
            f"y_true and y_pred have different number of output ({y_true.shape[1]}"
            f"!={y_pred.shape[1]})"
        )
    per_output = np.average(
        error(y_true - y_pred),
        axis=0,
        weights=None if sample_weight is None else _weights(sample_weight, len(y_true)),
    )
    return per_output


def _combine_outputs(per_output, multioutput):
    if isinstance(multioutput, str):
        if multioutput == "raw_values":
            return per_output
        if multioutput != "uniform_average":
            raise ValueError(
                f"multioutput must be 'raw_values', 'uniform_average' or an array "
                f"of weights; got {multioutput!r}."
            )
        return float(np.mean(per_output))
    return float(np.average(per_output, weights=multioutput))


def mean_squared_error(y_true, y_pred, *, sample_weight=None, multioutput="uniform_average"):
    """Mean of the squared errors (averaged over outputs)."""
    errors = _regression_errors(y_true, y_pred, sample_weight, multioutput, np.square)
    return _combine_outputs(errors, multioutput)


def root_mean_squared_error(y_true, y_pred, *, sample_weight=None, multioutput="uniform_average"):
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
        scores = np.where(
            total > 0,
            1.0 - residual / np.where(total > 0, total, 1.0),
            np.where(residual > 0, 0.0, 1.0),
        )
    if multioutput == "raw_values":
        return scores
    if multioutput == "variance_weighted":
        return float(np.average(scores, weights=total)) if total.sum() else float(scores.mean())
    return float(scores.mean())
