"""``Lasso`` and ``ElasticNet``: cyclic coordinate descent stopped by the duality gap.

The objective (scikit-learn's) is, with ``n`` samples,

    1 / (2 n) ||y - X w - b||^2 + alpha * l1_ratio ||w||_1 + alpha * (1 - l1_ratio) / 2 ||w||^2.

Multiplied by ``n`` it reads ``0.5 ||R||^2 + l1 ||w||_1 + l2 / 2 ||w||^2`` with the residual
``R = y - X w``; coordinate ``j`` then has the closed-form update
``w_j = soft_threshold(X_j' (R + X_j w_j), l1) / (||X_j||^2 + l2)``. A sweep updates every
coordinate once, keeping ``R`` current; when the largest change of a sweep is small relative to the
largest weight, the duality gap is computed and the loop stops once it is below ``tol * ||y||^2``.
"""

from __future__ import annotations

import warnings

import numba
import numpy as np

from homeml.learn._param_validation import Integral, Interval, Real, StrOptions
from homeml.learn.base import (
    BaseEstimator,
    ConvergenceWarning,
    RegressorMixin,
    check_random_state,
)
from homeml.learn.linear_model._base import (
    LinearRegressorMixin,
    center_data,
    rescale_by_weights,
    sample_weights,
)


@numba.njit(cache=True)
def _duality_gap(XtR, R_norm2, Ry, w, l1, l2, positive):
    """Gap between the primal objective at ``w`` and the dual at the (scaled) residual ``R``.

    Takes ``X'R``, ``||R||^2`` and ``R'y``, which both forms below compute their own way.
    """
    w_norm2 = np.dot(w, w)
    if l1 == 0.0:  # ridge (or plain least squares): no L1 term in the dual
        if l2 == 0.0:
            return np.dot(XtR, XtR)
        return R_norm2 + 0.5 * l2 * w_norm2 - Ry + np.dot(XtR, XtR) / (2.0 * l2)
    dual_norm = 0.0
    for j in range(len(w)):
        v = XtR[j] - l2 * w[j]
        dual_norm = max(dual_norm, v if positive else abs(v))
    if dual_norm > l1:  # scale R into the dual feasible set
        const = l1 / dual_norm
        gap = 0.5 * R_norm2 * (1.0 + const * const)
    else:
        const = 1.0
        gap = R_norm2
    return gap + l1 * np.abs(w).sum() - const * Ry + 0.5 * l2 * (1.0 + const * const) * w_norm2


@numba.njit(cache=True)
def _coordinate_update(rho, norm2, l1, l2, positive):
    """Minimiser in ``w_j`` given ``rho = X_j'(R + X_j w_j)`` and ``norm2 = ||X_j||^2``."""
    if positive and rho < 0.0:
        return 0.0
    return np.sign(rho) * max(abs(rho) - l1, 0.0) / (norm2 + l2)


@numba.njit(cache=True)
def enet_coordinate_descent(w, X, y, l1, l2, max_iter, tol, positive, random, seed):
    """Minimise ``0.5 ||y - X w||^2 + l1 ||w||_1 + l2/2 ||w||^2`` in place of ``w``.

    Residual form: keeps ``R = y - X w`` (``X`` Fortran-ordered, columns contiguous). Returns
    ``(gap, scaled_tol, n_iter)``; ``gap > scaled_tol`` means it did not converge.
    """
    n_samples, n_features = X.shape
    if random:
        np.random.seed(seed)
    col_norm2 = np.empty(n_features)
    for j in range(n_features):
        col_norm2[j] = np.dot(X[:, j], X[:, j])
    R = y - X @ w
    scaled_tol = tol * np.dot(y, y)
    gap = scaled_tol + 1.0
    for n_iter in range(max_iter):
        w_max = 0.0
        d_w_max = 0.0
        for jj in range(n_features):
            j = np.random.randint(n_features) if random else jj
            if col_norm2[j] == 0.0:
                continue
            w_old = w[j]
            column = X[:, j]
            rho = np.dot(column, R) + w_old * col_norm2[j]
            w_new = _coordinate_update(rho, col_norm2[j], l1, l2, positive)
            if w_new != w_old:
                delta = w_old - w_new
                for i in range(n_samples):
                    R[i] += delta * column[i]
            w[j] = w_new
            d_w_max = max(d_w_max, abs(w_new - w_old))
            w_max = max(w_max, abs(w_new))
        if w_max == 0.0 or d_w_max / w_max <= tol or n_iter == max_iter - 1:
            XtR = np.empty(n_features)
            for j in range(n_features):
                XtR[j] = np.dot(X[:, j], R)
            gap = _duality_gap(XtR, np.dot(R, R), np.dot(R, y), w, l1, l2, positive)
            if gap <= scaled_tol:
                return gap, scaled_tol, n_iter + 1
    return gap, scaled_tol, max_iter


@numba.njit(cache=True)
def enet_coordinate_descent_gram(w, gram, Xty, yty, l1, l2, max_iter, tol, positive, random, seed):
    """The same descent in covariance form: only ``X'X``, ``X'y`` and ``y'y`` are needed.

    Keeps ``H = X'X w`` instead of the residual, so a sweep costs ``n_features^2`` instead of
    ``n_samples * n_features`` (glmnet's "covariance updates"); it pays when samples outnumber
    features. Same iterates, same stopping rule, same return values.
    """
    n_features = gram.shape[0]
    if random:
        np.random.seed(seed)
    H = gram @ w
    scaled_tol = tol * yty
    gap = scaled_tol + 1.0
    for n_iter in range(max_iter):
        w_max = 0.0
        d_w_max = 0.0
        for jj in range(n_features):
            j = np.random.randint(n_features) if random else jj
            if gram[j, j] == 0.0:
                continue
            w_old = w[j]
            rho = Xty[j] - H[j] + w_old * gram[j, j]
            w_new = _coordinate_update(rho, gram[j, j], l1, l2, positive)
            if w_new != w_old:
                delta = w_new - w_old
                for i in range(n_features):
                    H[i] += delta * gram[i, j]
            w[j] = w_new
            d_w_max = max(d_w_max, abs(w_new - w_old))
            w_max = max(w_max, abs(w_new))
        if w_max == 0.0 or d_w_max / w_max <= tol or n_iter == max_iter - 1:
            wq = np.dot(w, Xty)
            R_norm2 = yty - 2.0 * wq + np.dot(w, H)  # ||y - Xw||^2 expanded
            gap = _duality_gap(Xty - H, R_norm2, yty - wq, w, l1, l2, positive)
            if gap <= scaled_tol:
                return gap, scaled_tol, n_iter + 1
    return gap, scaled_tol, max_iter


def centred_gram(X, Y, X_offset, y_offset, weights, chunk=4096):
    """``X'X``, ``X'Y`` and ``diag(Y'Y)`` of the centred, sqrt(weight)-scaled data, by row blocks.

    Centring each block before multiplying avoids both a full centred copy of ``X`` and the
    cancellation of ``X'X - n mean mean'``.
    """
    n_features = X.shape[1]
    gram, XtY = np.zeros((n_features, n_features)), np.zeros((n_features, Y.shape[1]))
    YtY = np.zeros(Y.shape[1])
    for start in range(0, X.shape[0], chunk):
        rows = slice(start, start + chunk)
        Xb, Yb = X[rows] - X_offset, Y[rows] - y_offset
        if weights is not None:
            root = np.sqrt(weights[rows])[:, None]
            Xb *= root
            Yb *= root
        gram += Xb.T @ Xb
        XtY += Xb.T @ Yb
        YtY += np.einsum("ij,ij->j", Yb, Yb)
    return gram, XtY, YtY


class ElasticNet(LinearRegressorMixin, RegressorMixin, BaseEstimator):
    """Linear regression with combined L1 and L2 penalties, fitted by coordinate descent.

    Minimises ``1/(2n) ||y - Xw - b||^2 + alpha l1_ratio ||w||_1
    + alpha (1 - l1_ratio)/2 ||w||^2``.

    Parameters
    ----------
    alpha : float, default=1.0
        Overall penalty strength (>= 0).
    l1_ratio : float, default=0.5
        Share of the L1 penalty, in [0, 1] (1 is the lasso).
    fit_intercept : bool, default=True
    precompute : bool or "auto", default=False
        True always runs the descent in covariance form (on ``X'X``); otherwise that form is
        chosen when samples outnumber features twice, else the residual form. Both give the
        same iterates; only the cost differs.
    max_iter : int, default=1000
        Most sweeps over the coordinates.
    copy_X : bool, default=True
        Kept for scikit-learn compatibility; ``X`` is never modified.
    tol : float, default=1e-4
        Stop when the duality gap is below ``tol * ||y||^2`` (checked once the largest
        coefficient change of a sweep is below ``tol`` times the largest coefficient).
    warm_start : bool, default=False
        Start from the previous ``coef_`` instead of zeros.
    positive : bool, default=False
        Constrain the coefficients to be non-negative.
    random_state : int, RandomState or None
        Seeds the coordinate order when ``selection="random"``.
    selection : {"cyclic", "random"}, default="cyclic"

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,) or (n_targets, n_features)
    intercept_ : float or ndarray of shape (n_targets,)
    n_iter_ : int or list of int
        Sweeps run (one per target for 2-D ``y``).
    dual_gap_ : float or ndarray of shape (n_targets,)
        Final duality gap, divided by ``n_samples`` like the objective.
    """

    _homeml_constraints = {
        "alpha": [Interval(Real, 0, None, closed="left")],
        "l1_ratio": [Interval(Real, 0, 1, closed="both")],
        "fit_intercept": ["boolean"],
        "precompute": ["boolean", StrOptions({"auto"})],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "warm_start": ["boolean"],
        "positive": ["boolean"],
        "random_state": ["random_state"],
        "selection": [StrOptions({"cyclic", "random"})],
    }

    def __init__(
        self,
        alpha=1.0,
        *,
        l1_ratio=0.5,
        fit_intercept=True,
        precompute=False,
        max_iter=1000,
        copy_X=True,
        tol=1e-4,
        warm_start=False,
        positive=False,
        random_state=None,
        selection="cyclic",
    ):
        self.alpha = alpha
        self.l1_ratio = l1_ratio
        self.fit_intercept = fit_intercept
        self.precompute = precompute
        self.max_iter = max_iter
        self.copy_X = copy_X
        self.tol = tol
        self.warm_start = warm_start
        self.positive = positive
        self.random_state = random_state
        self.selection = selection

    def _homeml_tags(self):
        return {**super()._homeml_tags(), "multi_output": True}

    def fit(self, X, y, sample_weight=None, check_input=True):
        """Fit the model by coordinate descent.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
        sample_weight : float or array-like of shape (n_samples,), default=None
        check_input : bool, default=True
            Kept for scikit-learn compatibility; input is always checked.

        Returns
        -------
        self
        """
        self._validate_params()
        if self.alpha == 0:
            warnings.warn(
                "With alpha=0, this algorithm does not converge well. You are advised to use "
                "the LinearRegression estimator.",
                UserWarning,
                stacklevel=2,
            )
        X, y = self._validate_data(X, y, multi_output=True, y_numeric=True)
        X, y = X.astype(np.float64, copy=False), y.astype(np.float64, copy=False)
        n_samples = X.shape[0]
        Y = y.reshape(n_samples, -1)
        weights = sample_weights(sample_weight, X)
        if sample_weight is not None:  # weights summing to n keep alpha's meaning
            weights = weights * (n_samples / weights.sum())
        l1 = self.alpha * self.l1_ratio * n_samples
        l2 = self.alpha * (1.0 - self.l1_ratio) * n_samples
        coef = self._initial_coef(Y.shape[1], X.shape[1])
        seed = check_random_state(self.random_state).randint(np.iinfo(np.int32).max)
        options = (self.max_iter, self.tol, self.positive, self.selection == "random", seed)
        if self.precompute is True or n_samples > 2 * X.shape[1]:  # covariance form
            share = weights / weights.sum()
            X_offset = share @ X if self.fit_intercept else np.zeros(X.shape[1])
            y_offset = share @ Y if self.fit_intercept else np.zeros(Y.shape[1])
            gram, XtY, YtY = centred_gram(
                X, Y, X_offset, y_offset, None if sample_weight is None else weights
            )

            def solve(k):
                return enet_coordinate_descent_gram(
                    coef[k], gram, np.ascontiguousarray(XtY[:, k]), YtY[k], l1, l2, *options
                )
        else:  # residual form
            Xc, Yc, X_offset, y_offset = center_data(X, Y, weights, self.fit_intercept, order="F")
            if sample_weight is not None:
                Xc, Yc = rescale_by_weights(Xc, Yc, weights)
                Xc = np.asfortranarray(Xc)

            def solve(k):
                return enet_coordinate_descent(
                    coef[k], Xc, np.ascontiguousarray(Yc[:, k]), l1, l2, *options
                )

        gaps, n_iters = np.empty(Y.shape[1]), []
        for k in range(Y.shape[1]):
            gap, scaled_tol, n_iter = solve(k)
            if gap > scaled_tol:
                warnings.warn(
                    f"Objective did not converge. You might want to increase the number of "
                    f"iterations (max_iter={self.max_iter}). Duality gap: {gap:.3e}, tolerance: "
                    f"{scaled_tol:.3e}. Fitting data with very small alpha may cause precision "
                    "problems.",
                    ConvergenceWarning,
                    stacklevel=2,
                )
            gaps[k], n_iters = gap / n_samples, [*n_iters, n_iter]
        intercept = y_offset - coef @ X_offset if self.fit_intercept else np.zeros(Y.shape[1])
        single = y.ndim == 1
        self.coef_ = coef[0] if single else coef
        self.intercept_ = float(intercept[0]) if single else intercept
        self.n_iter_ = n_iters[0] if single else n_iters
        self.dual_gap_ = float(gaps[0]) if single else gaps
        return self

    def _initial_coef(self, n_targets, n_features):
        previous = getattr(self, "coef_", None)
        if self.warm_start and previous is not None:
            previous = (
                np.asarray(previous, dtype=np.float64).reshape(-1, n_features)
                if np.size(previous) == n_targets * n_features
                else None
            )
            if previous is not None:
                return previous.copy()
        return np.zeros((n_targets, n_features))


class Lasso(ElasticNet):
    """Linear regression with an L1 penalty (``ElasticNet`` with ``l1_ratio=1``).

    Minimises ``1/(2n) ||y - Xw - b||^2 + alpha ||w||_1`` by coordinate descent; see
    :class:`ElasticNet` for the parameters and attributes.
    """

    l1_ratio = 1.0  # a class constant, not a parameter of Lasso

    def __init__(
        self,
        alpha=1.0,
        *,
        fit_intercept=True,
        precompute=False,
        copy_X=True,
        max_iter=1000,
        tol=1e-4,
        warm_start=False,
        positive=False,
        random_state=None,
        selection="cyclic",
    ):
        self.alpha = alpha
        self.fit_intercept = fit_intercept
        self.precompute = precompute
        self.copy_X = copy_X
        self.max_iter = max_iter
        self.tol = tol
        self.warm_start = warm_start
        self.positive = positive
        self.random_state = random_state
        self.selection = selection
