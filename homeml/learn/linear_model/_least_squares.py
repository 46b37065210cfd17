"""Closed-form least squares: ``LinearRegression`` (plus the non-negative least squares of
``positive=True``, shared with ``Ridge``)."""

from __future__ import annotations

import numpy as np

from homeml.learn._param_validation import Interval, Real
from homeml.learn.base import BaseEstimator, RegressorMixin
from homeml.learn.linear_model._base import (
    LinearRegressorMixin,
    center_data,
    rescale_by_weights,
    sample_weights,
)


def nnls(A, b, max_iter=None):
    """Solve ``min ||A x - b||`` subject to ``x >= 0`` (Lawson & Hanson's active-set method).

    Works on the normal equations ``A.T A``, which is enough for the well-posed problems of
    ``positive=True`` and keeps each step a small dense solve.
    """
    n = A.shape[1]
    gram, target = A.T @ A, A.T @ b
    tol = 10 * np.finfo(float).eps * np.abs(gram).sum(axis=0).max() * max(A.shape)
    x = np.zeros(n)
    passive = np.zeros(n, dtype=bool)
    for _ in range(max_iter or 3 * n):
        gradient = target - gram @ x  # minus the gradient of 0.5 ||Ax - b||^2
        if passive.all() or np.all(gradient[~passive] <= tol):
            break
        passive[np.argmax(np.where(passive, -np.inf, gradient))] = True
        while True:  # solve on the passive set; step back while a coefficient turns negative
            s = np.zeros(n)
            idx = np.flatnonzero(passive)
            s[idx] = np.linalg.lstsq(gram[np.ix_(idx, idx)], target[idx], rcond=None)[0]
            if s[idx].min() > tol:
                break
            leaving = passive & (s <= tol)
            step = np.min(x[leaving] / (x[leaving] - s[leaving]))
            x = x + step * (s - x)
            passive &= x > tol
        x = s
    return x


def _split_coef(coef, X_offset, y_offset, y_ndim, fit_intercept):
    """``coef`` is (n_targets, n_features); return scikit-learn's shapes and the intercept."""
    intercept = y_offset - coef @ X_offset if fit_intercept else np.zeros(coef.shape[0])
    if y_ndim == 1:
        return coef[0], float(intercept[0])
    return coef, intercept


class LinearRegression(LinearRegressorMixin, RegressorMixin, BaseEstimator):
    """Ordinary least squares: minimise ``||y - X w - b||^2`` (weighted by ``sample_weight``).

    Parameters
    ----------
    fit_intercept : bool, default=True
        Learn the intercept ``b`` (by centring ``X`` and ``y``).
    copy_X : bool, default=True
        Kept for scikit-learn compatibility; ``X`` is never modified.
    tol : float, default=1e-6
        Kept for scikit-learn compatibility (the NNLS solver of ``positive=True`` is exact).
    n_jobs : int or None
        Kept for scikit-learn compatibility; the solve runs in NumPy's BLAS threads.
    positive : bool, default=False
        Constrain the coefficients to be non-negative (Lawson-Hanson NNLS).

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,) or (n_targets, n_features)
    intercept_ : float or ndarray of shape (n_targets,)
    rank_ : int
        Rank of the (centred) ``X``; not set with ``positive=True``.
    singular_ : ndarray of shape (min(n_samples, n_features),)
    """

    _homeml_constraints = {
        "fit_intercept": ["boolean"],
        "copy_X": ["boolean"],
        "tol": [Interval(Real, 0, None, closed="left")],
        "positive": ["boolean"],
    }

    def __init__(self, *, fit_intercept=True, copy_X=True, tol=1e-6, n_jobs=None, positive=False):
        self.fit_intercept = fit_intercept
        self.copy_X = copy_X
        self.tol = tol
        self.n_jobs = n_jobs
        self.positive = positive

    def _homeml_tags(self):
        return {**super()._homeml_tags(), "multi_output": True}

    def fit(self, X, y, sample_weight=None):
        """Fit by least squares (``numpy.linalg.lstsq``, or NNLS when ``positive``).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        self
        """
        self._validate_params()
        X, y = self._validate_data(X, y, multi_output=True, y_numeric=True)
        X, y = X.astype(np.float64, copy=False), y.astype(np.float64, copy=False)
        weights = sample_weights(sample_weight, X)
        Xc, yc, X_offset, y_offset = center_data(X, y, weights, self.fit_intercept)
        if sample_weight is not None:
            Xc, yc = rescale_by_weights(Xc, yc, weights)
        Y = yc.reshape(len(yc), -1)
        if self.positive:
            coef = np.stack([nnls(Xc, Y[:, k]) for k in range(Y.shape[1])])
        else:
            solution, _, self.rank_, self.singular_ = np.linalg.lstsq(Xc, Y, rcond=None)
            coef = solution.T
        self.coef_, self.intercept_ = _split_coef(
            coef, X_offset, np.atleast_1d(y_offset), y.ndim, self.fit_intercept
        )
        return self
