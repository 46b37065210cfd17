"""``LinearSVC``: a linear SVM, one-vs-rest for several classes.

The solver is Algorithm 1 of Hsieh, Chang, Lin, Keerthi & Sundararajan (2008), *A dual coordinate
descent method for large-scale linear SVM* (ICML): for the hinge loss (``U = C_i``, ``D_ii = 0``)
or the squared hinge (``U = inf``, ``D_ii = 1 / (2 C_i)``) it minimises, one dual variable at a
time in random order,

    1/2 a^T (Q + D) a - e^T a,  0 <= a_i <= U,   Q_ij = y_i y_j x_i^T x_j,

keeping ``w = sum_i y_i a_i x_i`` up to date, with shrinking of variables stuck at a bound. It
stops when the projected gradient spread ``max PG - min PG`` falls below ``tol``. The intercept is
learned as the weight of an extra constant feature ``intercept_scaling`` (so it is regularised).
With ``dual="auto"`` and more samples than features the squared-hinge primal is solved instead by
Newton's method (:func:`primal_newton`), like scikit-learn's choice of liblinear's primal solver.
"""

from __future__ import annotations

import warnings

import numba
import numpy as np
import scipy.sparse as sp

from homeml.learn._param_validation import Integral, Interval, Real, StrOptions
from homeml.learn.base import (
    BaseEstimator,
    ClassifierMixin,
    ConvergenceWarning,
    check_is_fitted,
    check_random_state,
    check_sample_weight,
    encode_classes,
    require_two_classes,
)
from homeml.learn.svm._base import _check_some_weight_positive, _class_weights


@numba.njit(cache=True)
def dual_cd(X, y, C, squared_hinge, bias, tol, max_iter, seed):
    """Return ``(w, w_bias, n_iter)`` for labels ``y = +-1`` and per-sample bounds ``C``.

    ``bias`` is the value of the constant extra feature (0 for no intercept).
    """
    np.random.seed(seed)
    n, d = X.shape
    w = np.zeros(d)
    w_bias = 0.0
    alpha = np.zeros(n)
    diag = np.empty(n)  # D_ii
    upper = np.empty(n)  # U_i
    QD = np.empty(n)  # Q_ii + D_ii
    for i in range(n):
        diag[i] = 0.5 / C[i] if squared_hinge else 0.0
        upper[i] = np.inf if squared_hinge else C[i]
        sq = bias * bias
        for f in range(d):
            sq += X[i, f] * X[i, f]
        QD[i] = sq + diag[i]
    index = np.arange(n)
    active = n
    pg_max_old, pg_min_old = np.inf, -np.inf
    n_iter = 0
    while n_iter < max_iter:
        for s in range(active):  # random order over the active set
            r = s + np.random.randint(active - s)
            index[s], index[r] = index[r], index[s]
        pg_max, pg_min = -np.inf, np.inf
        s = 0
        while s < active:
            i = index[s]
            dot = w_bias * bias
            for f in range(d):
                dot += w[f] * X[i, f]
            G = y[i] * dot - 1.0 + diag[i] * alpha[i]
            PG = 0.0
            if alpha[i] == 0.0:
                if G > pg_max_old:  # stuck at the lower bound: shrink
                    active -= 1
                    index[s], index[active] = index[active], index[s]
                    continue
                if G < 0:
                    PG = G
            elif alpha[i] == upper[i]:
                if G < pg_min_old:  # stuck at the upper bound: shrink
                    active -= 1
                    index[s], index[active] = index[active], index[s]
                    continue
                if G > 0:
                    PG = G
            else:
                PG = G
            pg_max = max(pg_max, PG)
            pg_min = min(pg_min, PG)
            if abs(PG) > 1e-12:
                old = alpha[i]
                alpha[i] = min(max(old - G / QD[i], 0.0), upper[i])
                step = (alpha[i] - old) * y[i]
                for f in range(d):
                    w[f] += step * X[i, f]
                w_bias += step * bias
            s += 1
        n_iter += 1
        if pg_max - pg_min <= tol:
            if active == n:
                break
            active = n  # converged on the shrunk set: check all variables once more
            pg_max_old, pg_min_old = np.inf, -np.inf
            continue
        pg_max_old = pg_max if pg_max > 0 else np.inf
        pg_min_old = pg_min if pg_min < 0 else -np.inf
    return w, w_bias, n_iter


@numba.njit(cache=True)
def dual_cd_sparse(data, indices, indptr, d, y, C, squared_hinge, bias, tol, max_iter, seed):
    """:func:`dual_cd` for a CSR matrix ``(data, indices, indptr)`` of ``d`` columns: the same
    steps, each row's products over its stored entries only (in the same order, so the
    weights equal those of the dense copy)."""
    np.random.seed(seed)
    n = len(indptr) - 1
    w = np.zeros(d)
    w_bias = 0.0
    alpha = np.zeros(n)
    diag = np.empty(n)  # D_ii
    upper = np.empty(n)  # U_i
    QD = np.empty(n)  # Q_ii + D_ii
    for i in range(n):
        diag[i] = 0.5 / C[i] if squared_hinge else 0.0
        upper[i] = np.inf if squared_hinge else C[i]
        sq = bias * bias
        for k in range(indptr[i], indptr[i + 1]):
            sq += data[k] * data[k]
        QD[i] = sq + diag[i]
    index = np.arange(n)
    active = n
    pg_max_old, pg_min_old = np.inf, -np.inf
    n_iter = 0
    while n_iter < max_iter:
        for s in range(active):  # random order over the active set
            r = s + np.random.randint(active - s)
            index[s], index[r] = index[r], index[s]
        pg_max, pg_min = -np.inf, np.inf
        s = 0
        while s < active:
            i = index[s]
            dot = w_bias * bias
            for k in range(indptr[i], indptr[i + 1]):
                dot += w[indices[k]] * data[k]
            G = y[i] * dot - 1.0 + diag[i] * alpha[i]
            PG = 0.0
            if alpha[i] == 0.0:
                if G > pg_max_old:  # stuck at the lower bound: shrink
                    active -= 1
                    index[s], index[active] = index[active], index[s]
                    continue
                if G < 0:
                    PG = G
            elif alpha[i] == upper[i]:
                if G < pg_min_old:  # stuck at the upper bound: shrink
                    active -= 1
                    index[s], index[active] = index[active], index[s]
                    continue
                if G > 0:
                    PG = G
            else:
                PG = G
            pg_max = max(pg_max, PG)
            pg_min = min(pg_min, PG)
            if abs(PG) > 1e-12:
                old = alpha[i]
                alpha[i] = min(max(old - G / QD[i], 0.0), upper[i])
                step = (alpha[i] - old) * y[i]
                for k in range(indptr[i], indptr[i + 1]):
                    w[indices[k]] += step * data[k]
                w_bias += step * bias
            s += 1
        n_iter += 1
        if pg_max - pg_min <= tol:
            if active == n:
                break
            active = n  # converged on the shrunk set: check all variables once more
            pg_max_old, pg_min_old = np.inf, -np.inf
            continue
        pg_max_old = pg_max if pg_max > 0 else np.inf
        pg_min_old = pg_min if pg_min < 0 else -np.inf
    return w, w_bias, n_iter


def primal_newton(X, y, C, bias, tol, max_iter):
    """Squared-hinge primal by Newton's method on the generalised Hessian (few features).

    Minimises ``1/2 |w|^2 + sum_i C_i max(0, 1 - y_i w^T x_i)^2`` with ``x_i`` extended by the
    constant ``bias``; stops when ``|grad| <= tol * max(min(n_pos, n_neg), 1) / n * |grad_0|``
    (liblinear's primal criterion). Returns ``(w, w_bias, n_iter)``.
    """
    n = X.shape[0]
    sparse = hasattr(X, "indptr")
    if sparse:
        Xb = sp.hstack([X, np.full((n, 1), bias)], format="csr") if bias else X
    else:
        Xb = np.hstack([X, np.full((n, 1), bias)]) if bias else X
    w = np.zeros(Xb.shape[1])

    def loss_and_margin(w):
        slack = np.maximum(1.0 - y * (Xb @ w), 0.0)
        return 0.5 * w @ w + np.sum(C * slack * slack), slack

    loss, slack = loss_and_margin(w)
    n_pos = np.sum(y > 0)
    eps = tol * max(min(n_pos, n - n_pos), 1) / n
    grad_0 = None
    n_iter = 0
    while n_iter < max_iter:
        active = slack > 0
        grad = w - 2.0 * Xb[active].T @ (C[active] * y[active] * slack[active])
        norm = np.linalg.norm(grad)
        grad_0 = norm if grad_0 is None else grad_0
        if norm <= eps * grad_0:
            break
        Xa = Xb[active]
        if sparse:
            hessian = 2.0 * (Xa.T @ Xa.multiply(C[active][:, None]).tocsr()).toarray()
        else:
            hessian = 2.0 * (Xa.T * C[active]) @ Xa
        hessian[np.diag_indices_from(hessian)] += 1.0
        step = -np.linalg.solve(hessian, grad)
        size, slope = 1.0, grad @ step
        while size > 1e-10:  # backtracking line search (the objective is piecewise quadratic)
            new_loss, new_slack = loss_and_margin(w + size * step)
            if new_loss <= loss + 1e-4 * size * slope:
                break
            size /= 2
        w, loss, slack = w + size * step, new_loss, new_slack
        n_iter += 1
    return (w[:-1], w[-1], n_iter) if bias else (w, 0.0, n_iter)


class LinearSVC(ClassifierMixin, BaseEstimator):
    """Linear support vector classification (L2 penalty, hinge or squared hinge loss).

    Parameters
    ----------
    penalty : {"l2"}, default="l2"
    loss : {"squared_hinge", "hinge"}, default="squared_hinge"
    dual : "auto", True or False, default="auto"
        True: dual coordinate descent. False (squared hinge only): Newton's method on the
        primal, which forms a (n_features + 1)^2 Hessian. "auto": the primal when
        ``n_samples >= n_features`` and the loss is the squared hinge, as scikit-learn does.
    tol : float, default=1e-4
        Stop when the projected-gradient spread is below ``tol``.
    C : float, default=1.0
        Inverse regularisation strength, > 0.
    multi_class : {"ovr"}, default="ovr"
        One binary problem per class against the rest.
    fit_intercept : bool, default=True
    intercept_scaling : float, default=1
        Value of the constant feature whose weight (times it) is the intercept.
    class_weight : dict or "balanced", default=None
    verbose : int, default=0
        Unused (kept for compatibility).
    random_state : int, RandomState or None, default=None
        Seeds the order of coordinate updates.
    max_iter : int, default=1000
        Passes over the data per binary problem.

    Attributes
    ----------
    classes_, coef_ (1 or n_classes, n_features), intercept_, n_iter_, n_features_in_
    """

    def __init__(
        self,
        penalty="l2",
        loss="squared_hinge",
        *,
        dual="auto",
        tol=1e-4,
        C=1.0,
        multi_class="ovr",
        fit_intercept=True,
        intercept_scaling=1,
        class_weight=None,
        verbose=0,
        random_state=None,
        max_iter=1000,
    ):
        self.penalty = penalty
        self.loss = loss
        self.dual = dual
        self.tol = tol
        self.C = C
        self.multi_class = multi_class
        self.fit_intercept = fit_intercept
        self.intercept_scaling = intercept_scaling
        self.class_weight = class_weight
        self.verbose = verbose
        self.random_state = random_state
        self.max_iter = max_iter

    _homeml_constraints = {
        "penalty": [StrOptions({"l2"})],
        "loss": [StrOptions({"squared_hinge", "hinge"})],
        "dual": [StrOptions({"auto"}), "boolean"],
        "tol": [Interval(Real, 0, None, closed="neither")],
        "C": [Interval(Real, 0, None, closed="neither")],
        "multi_class": [StrOptions({"ovr"})],
        "fit_intercept": ["boolean"],
        "intercept_scaling": [Interval(Real, 0, None, closed="neither")],
        "class_weight": [StrOptions({"balanced"}), dict, None],
        "verbose": ["verbose"],
        "random_state": ["random_state"],
        "max_iter": [Interval(Integral, 0, None, closed="left")],
    }

    def _check_param_combinations(self) -> None:
        """The rules that tie parameters together (the table checks each one alone)."""
        if self.dual is False and self.loss == "hinge":
            raise ValueError(
                "Unsupported set of arguments: loss='hinge' is not supported with dual=False "
                "(penalty='l2'); use dual=True."
            )

    def _homeml_tags(self) -> dict:
        return {**super()._homeml_tags(), "sparse": True}  # fit and predict take CSR input

    def fit(self, X, y, sample_weight=None):
        """Fit one dual coordinate descent problem (two classes) or one per class (more).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        sample_weight : array-like of shape (n_samples,), optional
            Multiplies ``C`` per sample.

        Returns
        -------
        self
        """
        self._validate_params()
        X, y = self._validate_data(X, y, accept_sparse="csr")
        if sp.issparse(X):
            X = X.astype(np.float64)  # a copy: sorting its indices leaves the user's alone
            X.sort_indices()
        else:
            X = np.ascontiguousarray(X, dtype=np.float64)
        self.classes_, codes = encode_classes(y)
        require_two_classes(self.classes_, self)
        weights = check_sample_weight(sample_weight, X)
        _check_some_weight_positive(weights)
        class_weight = _class_weights(self.class_weight, self.classes_, codes)
        rows = np.flatnonzero(weights > 0)
        X, codes, weights = X[rows], codes[rows], weights[rows]
        bias = float(self.intercept_scaling) if self.fit_intercept else 0.0
        rng = check_random_state(self.random_state)
        n_classes = len(self.classes_)
        use_dual = (
            self.dual is True
            or self.loss == "hinge"
            or (self.dual == "auto" and X.shape[0] < X.shape[1])
        )
        targets = [1] if n_classes == 2 else range(n_classes)
        coefs, intercepts, n_iters = [], [], []
        for k in targets:
            y_k = np.where(codes == k, 1.0, -1.0)
            if n_classes == 2:  # both classes carry their class weight
                C = self.C * weights * class_weight[codes]
            else:  # liblinear's one-vs-rest weighs only the positive class
                C = self.C * weights * np.where(codes == k, class_weight[k], 1.0)
            seed = int(rng.randint(np.iinfo(np.int32).max))
            if use_dual:
                solver, rows_of = (
                    (dual_cd_sparse, (X.data, X.indices, X.indptr, X.shape[1]))
                    if sp.issparse(X)
                    else (dual_cd, (X,))
                )
                w, w_bias, n_iter = solver(
                    *rows_of,
                    y_k,
                    C,
                    self.loss == "squared_hinge",
                    bias,
                    float(self.tol),
                    int(self.max_iter),
                    seed,
                )
            else:
                w, w_bias, n_iter = primal_newton(
                    X, y_k, C, bias, float(self.tol), int(self.max_iter)
                )
            coefs.append(w)
            intercepts.append(w_bias * bias)
            n_iters.append(n_iter)
        self.coef_ = np.array(coefs)
        self.intercept_ = np.array(intercepts) if self.fit_intercept else np.zeros(len(coefs))
        self.n_iter_ = int(max(n_iters))
        if self.n_iter_ >= self.max_iter:
            warnings.warn(
                "Liblinear-style dual coordinate descent failed to converge, increase the "
                "number of iterations.",
                ConvergenceWarning,
                stacklevel=2,
            )
        return self

    def decision_function(self, X) -> np.ndarray:
        """``X @ coef_.T + intercept_``: (n_samples,) for 2 classes, else (n_samples, n_classes)."""
        check_is_fitted(self)
        X = self._validate_data(X, reset=False, accept_sparse="csr")
        scores = X @ self.coef_.T + self.intercept_
        return scores[:, 0] if len(self.classes_) == 2 else scores

    def predict(self, X) -> np.ndarray:
        """Class with the highest decision value."""
        scores = self.decision_function(X)
        if scores.ndim == 1:
            return self.classes_[(scores > 0).astype(int)]
        return self.classes_[np.argmax(scores, axis=1)]
