"""Activations (applied in place), their derivatives and the losses of the multi-layer perceptron.

A derivative is written in terms of the activation's *output* ``Z`` (what the forward pass kept)
and multiplies the back-propagated signal ``delta`` in place.
"""

from __future__ import annotations

import numpy as np


def _identity(X):
    return X


def _exp(X):
    return np.exp(X, out=X)


def _logistic(X):
    # 1 / (1 + exp(-x)); exp(-x) = inf for very negative x gives 0, as it should
    with np.errstate(over="ignore"):
        np.negative(X, out=X)
        np.exp(X, out=X)
    X += 1
    return np.reciprocal(X, out=X)


def _tanh(X):
    return np.tanh(X, out=X)


def _relu(X):
    return np.maximum(X, 0, out=X)


def _softmax(X):
    shifted = X - X.max(axis=1)[:, np.newaxis]
    np.exp(shifted, out=X)
    X /= X.sum(axis=1)[:, np.newaxis]
    return X


ACTIVATIONS = {
    "identity": _identity,
    "exp": _exp,
    "logistic": _logistic,
    "tanh": _tanh,
    "relu": _relu,
    "softmax": _softmax,
}


def _identity_derivative(Z, delta):
    pass


def _logistic_derivative(Z, delta):
    delta *= Z
    delta *= 1 - Z


def _tanh_derivative(Z, delta):
    delta *= 1 - Z**2


def _relu_derivative(Z, delta):
    delta[Z == 0] = 0


DERIVATIVES = {
    "identity": _identity_derivative,
    "logistic": _logistic_derivative,
    "tanh": _tanh_derivative,
    "relu": _relu_derivative,
}


def _xlogy(x, y):
    """``x * log(y)``, and 0 where ``x`` is 0 (whatever ``y``)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(x == 0, 0.0, x * np.log(y))


def squared_loss(y_true, y_pred, sample_weight=None):
    """Half the mean squared error, averaged over outputs."""
    return 0.5 * np.average((y_true - y_pred) ** 2, weights=sample_weight, axis=0).mean()


def poisson_loss(y_true, y_pred, sample_weight=None):
    """Half the Poisson deviance, summed over outputs."""
    terms = _xlogy(y_true, y_true / y_pred) - y_true + y_pred
    return np.average(terms, weights=sample_weight, axis=0).sum()


def log_loss(y_true, y_prob, sample_weight=None):
    """Cross-entropy of one-hot ``y_true`` against the predicted class probabilities."""
    eps = np.finfo(y_prob.dtype).eps
    y_prob = np.clip(y_prob, eps, 1 - eps)
    if y_prob.shape[1] == 1:
        y_prob = np.append(1 - y_prob, y_prob, axis=1)
    if y_true.shape[1] == 1:
        y_true = np.append(1 - y_true, y_true, axis=1)
    return -np.average(_xlogy(y_true, y_prob), weights=sample_weight, axis=0).sum()


def binary_log_loss(y_true, y_prob, sample_weight=None):
    """Cross-entropy of independent 0/1 outputs (binary and multi-label targets)."""
    eps = np.finfo(y_prob.dtype).eps
    y_prob = np.clip(y_prob, eps, 1 - eps)
    terms = _xlogy(y_true, y_prob) + _xlogy(1 - y_true, 1 - y_prob)
    return -np.average(terms, weights=sample_weight, axis=0).sum()


LOSS_FUNCTIONS = {
    "squared_error": squared_loss,
    "poisson": poisson_loss,
    "log_loss": log_loss,
    "binary_log_loss": binary_log_loss,
}
