"""Losses of gradient boosting: the starting prediction, gradients, hessians and loss values.

Raw predictions (before the inverse link) have shape ``(n_trees_per_iteration, n_samples)``: one
row for regression and binary classification, one per class for multiclass. Like scikit-learn,
squared error and the log losses are "half" losses (gradient ``raw - y`` and ``p - y``).
"""

from __future__ import annotations

import numpy as np

from homeml.learn._math import expit, logsumexp, softmax


def weighted_quantile(values, weights, q):
    """The ``q``-quantile of ``values``: interpolated when the weights are all equal, else the
    smallest value whose cumulative weight reaches ``q`` of the total."""
    if weights is None or np.all(weights == weights[0]):  # unweighted: numpy's (interpolated)
        return float(np.percentile(values, 100 * q))
    order = np.argsort(values, kind="stable")
    cumulative = np.cumsum(weights[order])
    return float(values[order][np.searchsorted(cumulative, q * cumulative[-1])])


class SquaredError:
    """Half squared error ``(y - raw)^2 / 2``; the hessian is constant."""

    n_outputs, constant_hessian, is_classification = 1, True, False

    def baseline(self, y, w):
        return np.array([np.average(y, weights=w)])

    def gradient_hessian(self, y, raw, w):
        gradient = (raw[0] - y)[None]
        if w is None:
            return gradient, np.ones_like(gradient)
        return gradient * w, np.broadcast_to(w, gradient.shape).copy()

    def loss(self, y, raw, w):
        return float(np.average(0.5 * (y - raw[0]) ** 2, weights=w))

    def leaf_value(self, y, raw_row, w):
        """Optimal constant step on a leaf's samples (classic gradient boosting)."""
        return np.average(y - raw_row, weights=w)


class AbsoluteError:
    """Absolute error ``|y - raw|``; leaf values are reset to the median residual."""

    n_outputs, constant_hessian, is_classification = 1, True, False

    def baseline(self, y, w):
        return np.array([weighted_quantile(y, w, 0.5)])

    def gradient_hessian(self, y, raw, w):
        gradient = np.sign(raw[0] - y)[None]
        if w is None:
            return gradient, np.ones_like(gradient)
        return gradient * w, np.broadcast_to(w, gradient.shape).copy()

    def loss(self, y, raw, w):
        return float(np.average(np.abs(y - raw[0]), weights=w))

    def leaf_value(self, y, raw_row, w):
        return weighted_quantile(y - raw_row, w, 0.5)


class Huber:
    """Huber loss: squared near zero, absolute beyond the ``alpha``-quantile of the residuals."""

    n_outputs, constant_hessian, is_classification = 1, True, False

    def __init__(self, alpha=0.9):
        self.alpha = alpha
        self.delta = None

    def baseline(self, y, w):
        return np.array([weighted_quantile(y, w, 0.5)])

    def gradient_hessian(self, y, raw, w):
        residual = y - raw[0]
        if self.delta is None:
            self.delta = weighted_quantile(np.abs(residual), w, self.alpha)
        negative = np.where(
            np.abs(residual) <= self.delta, residual, self.delta * np.sign(residual)
        )
        return -negative[None], np.ones((1, len(y)))

    def loss(self, y, raw, w):
        residual = np.abs(y - raw[0])
        delta = weighted_quantile(residual, w, self.alpha) if self.delta is None else self.delta
        per_sample = np.where(
            residual <= delta, 0.5 * residual**2, delta * (residual - 0.5 * delta)
        )
        return float(np.average(per_sample, weights=w))

    def leaf_value(self, y, raw_row, w):
        residual = y - raw_row
        median = weighted_quantile(residual, w, 0.5)
        shift = residual - median
        clipped = np.sign(shift) * np.minimum(self.delta, np.abs(shift))
        return median + np.average(clipped, weights=w)


class BinomialLogLoss:
    """Binary log loss on the log-odds ``raw`` of class 1."""

    n_outputs, constant_hessian, is_classification = 1, False, True

    def baseline(self, y, w):
        p = np.clip(np.average(y, weights=w), 1e-15, 1 - 1e-15)
        return np.array([np.log(p / (1 - p))])

    def gradient_hessian(self, y, raw, w):
        p = expit(raw[0])
        gradient, hessian = (p - y)[None], (p * (1 - p))[None]
        if w is not None:
            gradient, hessian = gradient * w, hessian * w
        return gradient, hessian

    def loss(self, y, raw, w):
        return float(np.average(np.logaddexp(0.0, raw[0]) - y * raw[0], weights=w))

    def proba(self, raw):
        p = expit(raw[0])
        return np.column_stack([1 - p, p])


class MultinomialLogLoss:
    """Multiclass log loss on one raw score per class (softmax link)."""

    constant_hessian, is_classification = False, True

    def __init__(self, n_classes):
        self.n_outputs = n_classes

    def baseline(self, y, w):
        counts = np.bincount(y.astype(np.intp), weights=w, minlength=self.n_outputs)
        log_p = np.log(np.clip(counts / counts.sum(), 1e-15, 1.0))
        return log_p - log_p.mean()

    def gradient_hessian(self, y, raw, w):
        p = softmax(raw, axis=0)  # raw: (n_classes, n_samples)
        onehot = np.arange(self.n_outputs)[:, None] == y[None, :]
        gradient, hessian = p - onehot, p * (1 - p)
        if w is not None:
            gradient, hessian = gradient * w, hessian * w
        return gradient, hessian

    def loss(self, y, raw, w):
        log_sum = logsumexp(raw, axis=0)
        return float(np.average(log_sum - raw[y.astype(np.intp), np.arange(len(y))], weights=w))

    def proba(self, raw):
        return softmax(raw, axis=0).T
