"""Numerically stable exponentials shared by the estimators (scipy.special's names)."""

from __future__ import annotations

import numpy as np


def logsumexp(a: np.ndarray, axis: int | None = None) -> np.ndarray:
    """``log(sum(exp(a)))`` along ``axis`` without overflow (the maximum is factored out).

    Rows of ``-inf`` give ``-inf`` (not NaN).
    """
    top = np.max(a, axis=axis, keepdims=True)
    top = np.where(np.isfinite(top), top, 0.0)
    with np.errstate(divide="ignore"):
        return np.log(np.sum(np.exp(a - top), axis=axis)) + np.squeeze(top, axis=axis)


def softmax(x: np.ndarray, axis: int | None = None) -> np.ndarray:
    """``exp(x) / sum(exp(x))`` along ``axis``, shifted by the maximum against overflow."""
    e = np.exp(x - np.max(x, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


def log_softmax(x: np.ndarray, axis: int | None = None) -> np.ndarray:
    """``log(softmax(x))`` along ``axis``, computed without forming ``softmax``."""
    shifted = x - np.max(x, axis=axis, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))


def expit(x) -> np.ndarray:
    """The logistic sigmoid ``1 / (1 + exp(-x))`` (large negative ``x`` gives 0, no warning)."""
    with np.errstate(over="ignore"):  # exp overflow gives 1 / inf = 0, the right limit
        return 1.0 / (1.0 + np.exp(-x))
