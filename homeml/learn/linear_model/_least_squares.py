"""Closed-form least squares: ``LinearRegression`` and ``Ridge`` (plus non-negative least squares
for ``positive=True``)."""

from __future__ import annotations

import numpy as np

from homeml.learn._param_validation import Integral, Interval, Real, StrOptions
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


class Ridge(LinearRegressorMixin, RegressorMixin, BaseEstimator):
    """Least squares with an L2 penalty: minimise ``||y - X w - b||^2 + alpha ||w||^2``.

    Solved in closed form: the normal equations ``(X'X + alpha I) w = X'y`` (or, with more
    features than samples, their kernel form ``w = X'(XX' + alpha I)^-1 y``), or the SVD of ``X``.

    Parameters
    ----------
    alpha : float or array-like of shape (n_targets,), default=1.0
        Penalty strength (one per target if an array); must be >= 0.
    fit_intercept : bool, default=True
        Learn an unpenalised intercept (by centring ``X`` and ``y``).
    copy_X : bool, default=True
        Kept for scikit-learn compatibility; ``X`` is never modified.
    max_iter, tol, random_state :
        Kept for scikit-learn compatibility; the solvers here are direct.
    solver : {"auto", "cholesky", "svd"}, default="auto"
        ``"cholesky"``: the normal equations (``"auto"`` picks this); ``"svd"``: slower, stable
        when ``X`` is singular and ``alpha`` is 0.
    positive : bool, default=False
        Constrain the coefficients to be non-negative (NNLS on the augmented system).

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,) or (n_targets, n_features)
    intercept_ : float or ndarray of shape (n_targets,)
    n_iter_ : int
        Always 1: the solve is direct.
    solver_ : str
        The solver actually used.
    """

    _homeml_constraints = {
        "alpha": [Interval(Real, 0, None, closed="left"), "array-like"],
        "fit_intercept": ["boolean"],
        "copy_X": ["boolean"],
        "max_iter": [Interval(Integral, 1, None, closed="left"), None],
        "tol": [Interval(Real, 0, None, closed="left")],
        "solver": [StrOptions({"auto", "cholesky", "svd"})],
        "positive": ["boolean"],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        alpha=1.0,
        *,
        fit_intercept=True,
        copy_X=True,
        max_iter=None,
        tol=1e-4,
        solver="auto",
        positive=False,
        random_state=None,
    ):
        self.alpha = alpha
        self.fit_intercept = fit_intercept
        self.copy_X = copy_X
        self.max_iter = max_iter
        self.tol = tol
        self.solver = solver
        self.positive = positive
        self.random_state = random_state

    def _homeml_tags(self):
        return {**super()._homeml_tags(), "multi_output": True}

    def fit(self, X, y, sample_weight=None):
        """Fit the ridge regression in closed form.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
        sample_weight : float or array-like of shape (n_samples,), default=None

        Returns
        -------
        self
        """
        self._validate_params()
        X, y = self._validate_data(X, y, multi_output=True, y_numeric=True)
        X, y = X.astype(np.float64, copy=False), y.astype(np.float64, copy=False)
        Y = y.reshape(len(y), -1)
        alphas = self._alphas(Y.shape[1])
        weights = sample_weights(sample_weight, X)
        Xc, Yc, X_offset, y_offset = center_data(X, Y, weights, self.fit_intercept)
        if sample_weight is not None:
            Xc, Yc = rescale_by_weights(Xc, Yc, weights)
        self.solver_ = "cholesky" if self.solver == "auto" else self.solver
        if self.positive:
            coef = self._solve_positive(Xc, Yc, alphas)
        elif self.solver_ == "svd":
            coef = _ridge_svd(Xc, Yc, alphas)
        else:
            coef = _ridge_normal_equations(Xc, Yc, alphas)
        self.coef_, self.intercept_ = _split_coef(
            coef, X_offset, y_offset, y.ndim, self.fit_intercept
        )
        self.n_iter_ = 1  # one direct solve (scikit-learn's direct solvers report None)
        return self

    def _alphas(self, n_targets):
        alphas = np.asarray(self.alpha, dtype=np.float64).reshape(-1)
        if not np.all(np.isfinite(alphas)) or np.any(alphas < 0):
            raise ValueError(f"The 'alpha' parameter of Ridge must be >= 0; got {self.alpha!r}.")
        if alphas.size == 1:
            return np.repeat(alphas, n_targets)
        if alphas.size != n_targets:
            raise ValueError(
                f"Number of targets and number of penalties do not correspond: {n_targets} != "
                f"{alphas.size} (alpha must be a float or one value per target)."
            )
        return alphas

    @staticmethod
    def _solve_positive(X, Y, alphas):
        n_features = X.shape[1]
        rows = []
        for k, alpha in enumerate(alphas):
            A = np.vstack([X, np.sqrt(alpha) * np.eye(n_features)])
            rows.append(nnls(A, np.concatenate([Y[:, k], np.zeros(n_features)])))
        return np.stack(rows)


def _ridge_normal_equations(X, Y, alphas):
    """Solve ``(X'X + alpha I) w = X'y`` per target (or the kernel form when n_features > n)."""
    n_samples, n_features = X.shape
    primal = n_features <= n_samples
    gram = X.T @ X if primal else X @ X.T
    rhs = X.T @ Y if primal else Y
    diagonal = np.arange(gram.shape[0])
    coef = np.empty((Y.shape[1], n_features))
    same_alpha = np.all(alphas == alphas[0])
    groups = [np.arange(len(alphas))] if same_alpha else [[k] for k in range(len(alphas))]
    for targets in groups:
        system = gram.copy()
        system[diagonal, diagonal] += alphas[targets[0]]
        try:
            solution = np.linalg.solve(system, rhs[:, targets])
        except np.linalg.LinAlgError:  # singular (alpha = 0 and rank-deficient X): use the SVD
            coef[targets] = _ridge_svd(X, Y[:, targets], alphas[targets])
            continue
        coef[targets] = (solution if primal else X.T @ solution).T
    return coef


def _ridge_svd(X, Y, alphas):
    """``w = V diag(s / (s^2 + alpha)) U'y`` from the thin SVD of ``X``."""
    U, s, Vt = np.linalg.svd(X, full_matrices=False)
    UtY = U.T @ Y  # (k, n_targets)
    keep = s > s.max(initial=0.0) * 1e-15
    with np.errstate(divide="ignore", invalid="ignore"):
        shrink = np.where(keep[:, None], s[:, None] / (s[:, None] ** 2 + alphas[None, :]), 0.0)
    return (Vt.T @ (shrink * UtY)).T
