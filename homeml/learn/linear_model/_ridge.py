"""``Ridge``: least squares with an L2 penalty, by a direct solve (normal equations or SVD) or,
for CSR input, by conjugate gradients / LSQR on the sparse matrix (``_ridge_iterative.py``).

:func:`fit_ridge` is the one solve that ``Ridge`` and ``RidgeClassifier`` share.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from homeml.learn._param_validation import Integral, Interval, Real, StrOptions
from homeml.learn.base import BaseEstimator, RegressorMixin
from homeml.learn.linear_model._base import (
    LinearRegressorMixin,
    center_data,
    rescale_by_weights,
    sample_weights,
)
from homeml.learn.linear_model._least_squares import _split_coef, nnls
from homeml.learn.linear_model._ridge_iterative import (
    centred_operator,
    ridge_conjugate_gradient,
    ridge_lsqr,
)

RIDGE_CONSTRAINTS = {
    "alpha": [Interval(Real, 0, None, closed="left"), "array-like"],
    "fit_intercept": ["boolean"],
    "copy_X": ["boolean"],
    "max_iter": [Interval(Integral, 1, None, closed="left"), None],
    "tol": [Interval(Real, 0, None, closed="left")],
    "solver": [StrOptions({"auto", "cholesky", "svd", "sparse_cg", "lsqr"})],
    "positive": ["boolean"],
    "random_state": ["random_state"],
}


def ridge_accepts_sparse(solver: str, fit_intercept: bool) -> bool:
    """Whether the solver works on CSR input (as scikit-learn decides it)."""
    return solver != "svd" and (solver != "cholesky" or not fit_intercept)


def _resolve_solver(est, sparse: bool) -> str:
    if not sparse:
        return "cholesky" if est.solver == "auto" else est.solver
    if est.positive:
        return "cholesky"  # NNLS on the densified matrix (see fit_ridge)
    if not ridge_accepts_sparse(est.solver, est.fit_intercept):
        raise ValueError(
            f"solver={est.solver!r} of {type(est).__name__} does not take sparse input"
            + (" when fitting the intercept" if est.solver == "cholesky" else "")
            + "; use solver='auto', 'sparse_cg' or 'lsqr', or pass a dense array."
        )
    return "sparse_cg" if est.solver == "auto" else est.solver


def ridge_alphas(est, n_targets: int) -> np.ndarray:
    """``alpha`` as one penalty per target, checked."""
    alphas = np.asarray(est.alpha, dtype=np.float64).reshape(-1)
    if not np.all(np.isfinite(alphas)) or np.any(alphas < 0):
        raise ValueError(
            f"The 'alpha' parameter of {type(est).__name__} must be >= 0; got {est.alpha!r}."
        )
    if alphas.size == 1:
        return np.repeat(alphas, n_targets)
    if alphas.size != n_targets:
        raise ValueError(
            f"Number of targets and number of penalties do not correspond: {n_targets} != "
            f"{alphas.size} (alpha must be a float or one value per target)."
        )
    return alphas


def fit_ridge(est, X, Y, weights, weighted: bool):
    """Solve ``min sum_i s_i ||y_i - x_i w - b||^2 + alpha ||w||^2`` for each column of ``Y``.

    ``est`` carries the hyperparameters (alpha, fit_intercept, solver, tol, max_iter,
    positive); ``weights`` are the per-sample weights and ``weighted`` says whether they differ
    from ones. Sets ``est.solver_`` and ``est.n_iter_``; returns ``(coef, X_offset, y_offset)``
    with coef of shape (n_targets, n_features).
    """
    alphas = ridge_alphas(est, Y.shape[1])
    sparse = sp.issparse(X)
    est.solver_ = solver = _resolve_solver(est, sparse)
    if sparse and est.positive:
        X, sparse = X.toarray(), False
    est.n_iter_ = 1  # a direct solve (scikit-learn's direct solvers report None)
    if not sparse:
        Xc, Yc, X_offset, y_offset = center_data(X, Y, weights, est.fit_intercept)
        if weighted:
            Xc, Yc = rescale_by_weights(Xc, Yc, weights)
        if est.positive:
            return _ridge_positive(Xc, Yc, alphas), X_offset, y_offset
        if solver == "svd":
            return _ridge_svd(Xc, Yc, alphas), X_offset, y_offset
        if solver == "cholesky":
            return _ridge_normal_equations(Xc, Yc, alphas), X_offset, y_offset
        operator = centred_operator(Xc)
    else:
        # CSR: centre only y; the column means are subtracted inside the operator's products
        X_offset, y_offset = np.zeros(X.shape[1]), np.zeros(Y.shape[1])
        if est.fit_intercept:
            share = weights / weights.sum()
            X_offset, y_offset = X.T @ share, share @ Y
        Yc = Y - y_offset
        root = np.sqrt(weights)
        if weighted:
            X, Yc = sp.diags(root) @ X, Yc * root[:, None]
        if solver == "cholesky":  # no intercept here (refused above)
            return _ridge_normal_equations(X, Yc, alphas), X_offset, y_offset
        operator = centred_operator(X, X_offset if est.fit_intercept else None, root)
    solve = ridge_lsqr if solver == "lsqr" else ridge_conjugate_gradient
    coef, est.n_iter_ = solve(operator, Yc, alphas, tol=est.tol, max_iter=est.max_iter)
    return coef, X_offset, y_offset


class Ridge(LinearRegressorMixin, RegressorMixin, BaseEstimator):
    """Least squares with an L2 penalty: minimise ``||y - X w - b||^2 + alpha ||w||^2``.

    Dense input is solved in closed form: the normal equations ``(X'X + alpha I) w = X'y`` (or,
    with more features than samples, their kernel form ``w = X'(XX' + alpha I)^-1 y``), or the
    SVD of ``X``. CSR input (text features) is solved by conjugate gradients or LSQR, which only
    multiply by the sparse matrix.

    Parameters
    ----------
    alpha : float or array-like of shape (n_targets,), default=1.0
        Penalty strength (one per target if an array); must be >= 0.
    fit_intercept : bool, default=True
        Learn an unpenalised intercept (by centring ``X`` and ``y``; implicitly for CSR).
    copy_X : bool, default=True
        Kept for scikit-learn compatibility; ``X`` is never modified.
    max_iter : int or None, default=None
        Most iterations of ``"sparse_cg"`` / ``"lsqr"`` (None: SciPy's default).
    tol : float, default=1e-4
        Relative tolerance of ``"sparse_cg"`` (residual) and ``"lsqr"`` (atol and btol).
    solver : {"auto", "cholesky", "svd", "sparse_cg", "lsqr"}, default="auto"
        ``"auto"`` is ``"cholesky"`` for dense input and ``"sparse_cg"`` for CSR, as in
        scikit-learn. ``"cholesky"``: the normal equations; ``"svd"``: slower, stable when ``X``
        is singular and ``alpha`` is 0; ``"sparse_cg"``: conjugate gradients; ``"lsqr"``: LSQR.
    positive : bool, default=False
        Constrain the coefficients to be non-negative (NNLS on the augmented system; CSR input
        is densified).
    random_state :
        Kept for scikit-learn compatibility; no solver here is random.

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,) or (n_targets, n_features)
    intercept_ : float or ndarray of shape (n_targets,)
    n_iter_ : int or ndarray of shape (n_targets,)
        1 for the direct solvers; the iterations per target of ``"sparse_cg"`` / ``"lsqr"``.
    solver_ : str
        The solver actually used.
    """

    _homeml_constraints = RIDGE_CONSTRAINTS

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
        sparse = ridge_accepts_sparse(self.solver, self.fit_intercept)
        return {**super()._homeml_tags(), "multi_output": True, "sparse": sparse}

    def fit(self, X, y, sample_weight=None):
        """Fit the ridge regression (a direct solve, or CG/LSQR on CSR input).

        Parameters
        ----------
        X : array-like or CSR matrix of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
        sample_weight : float or array-like of shape (n_samples,), default=None

        Returns
        -------
        self
        """
        self._validate_params()
        X, y = self._validate_data(X, y, multi_output=True, y_numeric=True, accept_sparse="csr")
        X, y = X.astype(np.float64, copy=False), y.astype(np.float64, copy=False)
        Y = y.reshape(len(y), -1)
        weights = sample_weights(sample_weight, X)
        coef, X_offset, y_offset = fit_ridge(self, X, Y, weights, sample_weight is not None)
        self.coef_, self.intercept_ = _split_coef(
            coef, X_offset, y_offset, y.ndim, self.fit_intercept
        )
        return self


def _ridge_positive(X, Y, alphas):
    """NNLS on ``[X; sqrt(alpha) I] w = [y; 0]`` per target."""
    n_features = X.shape[1]
    rows = []
    for k, alpha in enumerate(alphas):
        A = np.vstack([X, np.sqrt(alpha) * np.eye(n_features)])
        rows.append(nnls(A, np.concatenate([Y[:, k], np.zeros(n_features)])))
    return np.stack(rows)


def _dense(a):
    return a.toarray() if sp.issparse(a) else a


def _ridge_normal_equations(X, Y, alphas):
    """Solve ``(X'X + alpha I) w = X'y`` per target (or the kernel form when n_features > n)."""
    n_samples, n_features = X.shape
    primal = n_features <= n_samples
    gram = _dense(X.T @ X if primal else X @ X.T)
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
            coef[targets] = _ridge_svd(_dense(X), Y[:, targets], alphas[targets])
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
