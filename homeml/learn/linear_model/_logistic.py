"""``LogisticRegression``: binary (sigmoid) and multinomial (softmax) log-loss with an L2 penalty,
minimised by the L-BFGS written in ``_lbfgs.py``.

With per-sample weights ``s_i`` (sample_weight times class_weight) and ``S = sum(s_i)``, the
objective is scikit-learn's

    (1 / S) sum_i s_i log_loss_i + 1 / (2 C S) ||W||^2       (the intercept is not penalised).
"""

from __future__ import annotations

import warnings

import numpy as np

from homeml.learn._math import log_softmax
from homeml.learn._param_validation import Integral, Interval, Options, Real, StrOptions
from homeml.learn.base import (
    BaseEstimator,
    ClassifierMixin,
    ConvergenceWarning,
    check_is_fitted,
    encode_classes,
    require_two_classes,
)
from homeml.learn.linear_model._base import (
    LinearClassifierMixin,
    class_weight_per_sample,
    sample_weights,
)
from homeml.learn.linear_model._lbfgs import minimize_lbfgs


def _binary_loss(X, y01, weights, l2, fit_intercept):
    """Objective and gradient for params ``[w, b]`` of the sigmoid model (``y01`` in {0, 1})."""
    n_features = X.shape[1]

    def fun(params):
        w, b = params[:n_features], (params[n_features] if fit_intercept else 0.0)
        z = X @ w + b
        loss = weights @ (np.logaddexp(0.0, z) - y01 * z) + 0.5 * l2 * (w @ w)
        residual = weights * (0.5 * (1.0 + np.tanh(0.5 * z)) - y01)  # sigmoid(z) - y
        gradient = np.empty_like(params)
        gradient[:n_features] = X.T @ residual + l2 * w
        if fit_intercept:
            gradient[n_features] = residual.sum()
        return loss, gradient

    return fun


def _multinomial_loss(X, codes, weights, l2, fit_intercept, n_classes):
    """Objective and gradient for params ``[W | b]`` (n_classes, n_features + 1), raveled."""
    n_samples, n_features = X.shape
    onehot = np.zeros((n_samples, n_classes))
    onehot[np.arange(n_samples), codes] = 1.0
    width = n_features + int(fit_intercept)

    def fun(params):
        P = params.reshape(n_classes, width)
        W = P[:, :n_features]
        Z = X @ W.T + (P[:, n_features] if fit_intercept else 0.0)
        log_p = log_softmax(Z, axis=1)
        loss = -(weights @ (log_p * onehot).sum(axis=1)) + 0.5 * l2 * np.sum(W * W)
        residual = weights[:, None] * (np.exp(log_p) - onehot)  # (n_samples, n_classes)
        gradient = np.empty_like(P)
        gradient[:, :n_features] = residual.T @ X + l2 * W
        if fit_intercept:
            gradient[:, n_features] = residual.sum(axis=0)
        return loss, gradient.ravel()

    return fun


class LogisticRegression(LinearClassifierMixin, ClassifierMixin, BaseEstimator):
    """Logistic regression (binary sigmoid or multinomial softmax) with an L2 penalty.

    Parameters
    ----------
    penalty : {"l2", None} or "deprecated", default="deprecated"
        As in scikit-learn 1.9 the penalty follows ``C`` (``C=np.inf`` for none); ``"l2"`` and
        the default are the L2 penalty, ``None`` means no penalty.
    C : float, default=1.0
        Inverse regularisation strength (> 0; ``np.inf`` for no penalty).
    l1_ratio : float, default=0.0
        Only 0 (pure L2) is supported by the L-BFGS solver.
    dual : bool, default=False
        Only the primal problem is solved.
    tol : float, default=1e-4
        Stop when every gradient component of the (sample-averaged) objective is below ``tol``.
    fit_intercept : bool, default=True
    intercept_scaling : float, default=1
        Kept for scikit-learn compatibility (only liblinear uses it).
    class_weight : dict, "balanced" or None
        Weights per class multiplying ``sample_weight``.
    random_state : int, RandomState or None
        Unused (the solver is deterministic); kept for scikit-learn compatibility.
    solver : {"lbfgs"}, default="lbfgs"
    max_iter : int, default=100
        Most L-BFGS iterations.
    verbose : int, default=0
    warm_start : bool, default=False
        Start from the previous solution.
    n_jobs : int or None
        Kept for scikit-learn compatibility.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    coef_ : ndarray of shape (1, n_features) for two classes, else (n_classes, n_features)
    intercept_ : ndarray of shape (1,) or (n_classes,)
    n_iter_ : ndarray of shape (1,)
    """

    _homeml_constraints = {
        "penalty": [StrOptions({"deprecated", "l2"}), None],
        "C": [Interval(Real, 0, None, closed="neither")],
        "dual": [Options(bool, {False})],
        "tol": [Interval(Real, 0, None, closed="left")],
        "fit_intercept": ["boolean"],
        "solver": [StrOptions({"lbfgs"})],
        "max_iter": [Interval(Integral, 0, None, closed="left")],
        "verbose": ["verbose"],
        "warm_start": ["boolean"],
    }

    def __init__(
        self,
        penalty="deprecated",
        *,
        C=1.0,
        l1_ratio=0.0,
        dual=False,
        tol=1e-4,
        fit_intercept=True,
        intercept_scaling=1,
        class_weight=None,
        random_state=None,
        solver="lbfgs",
        max_iter=100,
        verbose=0,
        warm_start=False,
        n_jobs=None,
    ):
        self.penalty = penalty
        self.C = C
        self.l1_ratio = l1_ratio
        self.dual = dual
        self.tol = tol
        self.fit_intercept = fit_intercept
        self.intercept_scaling = intercept_scaling
        self.class_weight = class_weight
        self.random_state = random_state
        self.solver = solver
        self.max_iter = max_iter
        self.verbose = verbose
        self.warm_start = warm_start
        self.n_jobs = n_jobs

    def _homeml_tags(self) -> dict:
        return {**super()._homeml_tags(), "sparse": True}  # fit and predict take CSR input

    def _check_param_combinations(self) -> None:
        """The rules that tie parameters together (the table checks each one alone)."""
        if self.l1_ratio not in (0, 0.0, None):
            raise ValueError(
                "The 'l1_ratio' parameter of LogisticRegression must be 0 with solver='lbfgs' "
                f"(only the L2 penalty is supported); got {self.l1_ratio!r}."
            )

    def fit(self, X, y, sample_weight=None):
        """Fit the model by minimising the penalised log-loss with L-BFGS.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
            Class labels (numbers or strings).
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        self
        """
        self._validate_params()
        X, y = self._validate_data(X, y, accept_sparse="csr")
        X = X.astype(np.float64, copy=False)
        classes, codes = encode_classes(y)
        require_two_classes(classes, self)
        weights = sample_weights(sample_weight, X)
        weights = weights * class_weight_per_sample(
            self.class_weight, classes, codes, self, weights
        )
        total = weights.sum()
        weights = weights / total  # objective averaged over the weights, like scikit-learn
        unpenalised = self.penalty is None or np.isinf(self.C)
        l2 = 0.0 if unpenalised else 1.0 / (self.C * total)
        n_features, n_classes = X.shape[1], len(classes)
        rows = 1 if n_classes == 2 else n_classes
        width = n_features + int(self.fit_intercept)
        if n_classes == 2:
            fun = _binary_loss(X, codes.astype(np.float64), weights, l2, self.fit_intercept)
        else:
            fun = _multinomial_loss(X, codes, weights, l2, self.fit_intercept, n_classes)
        start = self._warm_params(rows, width, n_features)
        params, n_iter, converged = minimize_lbfgs(
            fun, start, max_iter=self.max_iter, gtol=self.tol
        )
        if not converged:
            warnings.warn(
                f"lbfgs failed to converge after {n_iter} iteration(s) (max_iter="
                f"{self.max_iter}). Increase the number of iterations or scale the data "
                "(e.g. with StandardScaler).",
                ConvergenceWarning,
                stacklevel=2,
            )
        params = params.reshape(rows, width)
        self.classes_ = classes
        self.coef_ = params[:, :n_features].copy()
        self.intercept_ = params[:, n_features].copy() if self.fit_intercept else np.zeros(rows)
        self.n_iter_ = np.array([n_iter])
        return self

    def _warm_params(self, rows, width, n_features):
        if (
            self.warm_start
            and getattr(self, "coef_", None) is not None
            and self.coef_.shape == (rows, n_features)
        ):
            start = np.zeros((rows, width))
            start[:, :n_features] = self.coef_
            if width > n_features:
                start[:, n_features] = self.intercept_
            return start.ravel()
        return np.zeros(rows * width)

    def predict_proba(self, X):
        """Probability of each class (columns ordered as ``classes_``).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples, n_classes)
        """
        return np.exp(self.predict_log_proba(X))

    def predict_log_proba(self, X):
        """Natural log of :meth:`predict_proba`, computed stably.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples, n_classes)
        """
        check_is_fitted(self)
        scores = self._decision_function(X)
        if scores.ndim == 1:  # two classes: softmax over (0, z) is the sigmoid
            scores = np.column_stack([np.zeros_like(scores), scores])
        return log_softmax(scores, axis=1)
