"""Linear and quadratic discriminant analysis: Gaussian classes, shared or per-class covariance.

Both models fit one Gaussian per class and classify by Bayes' rule. LDA shares one covariance
matrix between the classes, so its decision boundaries are linear (and it doubles as a supervised
dimensionality reduction, ``transform``); QDA gives each class its own covariance.
"""

from __future__ import annotations

import numbers
import warnings

import numpy as np

from homeml.learn._math import log_softmax
from homeml.learn._param_validation import HasMethods, Integral, Interval, Real, StrOptions
from homeml.learn.base import (
    BaseEstimator,
    ClassifierMixin,
    TransformerMixin,
    check_is_fitted,
    encode_classes,
    require_two_classes,
)

__all__ = ["LinearDiscriminantAnalysis", "QuadraticDiscriminantAnalysis"]


# -- covariance estimates ------------------------------------------------------------------------


def _empirical_covariance(X: np.ndarray) -> np.ndarray:
    """Maximum-likelihood covariance (divides by n, not n - 1)."""
    Xc = X - X.mean(axis=0)
    return Xc.T @ Xc / X.shape[0]


def _ledoit_wolf_covariance(X: np.ndarray) -> np.ndarray:
    """Ledoit-Wolf shrunk covariance, estimated on standardised features then scaled back.

    The shrinkage towards ``mu * I`` (``mu`` the mean variance) minimises the expected squared
    error of the estimate (Ledoit & Wolf, 2004, "A well-conditioned estimator for large
    covariance matrices").
    """
    scale = X.std(axis=0)
    scale[scale == 0] = 1.0
    Z = (X - X.mean(axis=0)) / scale
    n, p = Z.shape
    cov = Z.T @ Z / n
    if p == 1:
        return cov * scale[:, None] * scale[None, :]
    Z2 = Z**2
    trace = Z2.sum(axis=0) / n  # diagonal of cov
    mu = trace.sum() / p
    beta_sum = np.sum(Z2.T @ Z2)
    delta_sum = np.sum((Z.T @ Z) ** 2) / n**2
    beta = (beta_sum / n - delta_sum) / (p * n)
    delta = (delta_sum - 2.0 * mu * trace.sum() + p * mu**2) / p
    beta = min(beta, delta)
    shrinkage = 0.0 if beta == 0 else beta / delta
    shrunk = (1.0 - shrinkage) * cov
    shrunk.flat[:: p + 1] += shrinkage * mu
    return shrunk * scale[:, None] * scale[None, :]


def _covariance(X, shrinkage=None, covariance_estimator=None) -> np.ndarray:
    """The covariance of ``X``: empirical, Ledoit-Wolf (``"auto"``), fixed shrinkage, or given."""
    if covariance_estimator is not None:
        if shrinkage is not None and shrinkage != 0:
            raise ValueError(
                "covariance_estimator and shrinkage parameters are not None. Only one of the two "
                "can be set."
            )
        covariance_estimator.fit(X)
        if not hasattr(covariance_estimator, "covariance_"):
            raise ValueError(
                f"{type(covariance_estimator).__name__} does not have a covariance_ attribute"
            )
        return np.atleast_2d(covariance_estimator.covariance_)
    if shrinkage is None or shrinkage == "empirical":
        return _empirical_covariance(X)
    if shrinkage == "auto":
        return _ledoit_wolf_covariance(X)
    if (
        isinstance(shrinkage, numbers.Real)
        and not isinstance(shrinkage, bool)
        and 0 <= shrinkage <= 1
    ):
        cov = _empirical_covariance(X)
        mu = np.trace(cov) / cov.shape[0]
        shrunk = (1.0 - shrinkage) * cov
        shrunk.flat[:: cov.shape[0] + 1] += shrinkage * mu
        return shrunk
    raise ValueError(f"shrinkage must be None, 'auto' or a float in [0, 1]; got {shrinkage!r}.")


# the parameters LDA and QDA share (each adds its solvers and its own knob)
_SHARED_CONSTRAINTS = {
    "shrinkage": [StrOptions({"auto"}), Interval(Real, 0, 1, closed="both"), None],
    "priors": ["array-like", None],
    "store_covariance": ["boolean"],
    "tol": [Interval(Real, 0, None, closed="left")],
    "covariance_estimator": [HasMethods("fit"), None],
}


class _DiscriminantBase(ClassifierMixin, BaseEstimator):
    """Classes, priors and the probability methods shared by LDA and QDA."""

    def _fit_classes(self, X, y):
        X, y = self._validate_data(X, y, ensure_min_samples=2)
        X = X.astype(np.float64, copy=False)
        self.classes_, codes = encode_classes(y, self)
        require_two_classes(self.classes_, self)
        counts = np.bincount(codes, minlength=len(self.classes_))
        if self.priors is None:
            priors = counts / X.shape[0]
        else:
            priors = np.asarray(self.priors, dtype=np.float64)
            if priors.shape != self.classes_.shape:
                raise ValueError(
                    f"priors must have one value per class ({len(self.classes_)}); got shape "
                    f"{priors.shape}."
                )
            if np.any(priors < 0):
                raise ValueError("priors must be non-negative")
            if abs(priors.sum() - 1.0) > 1e-5:
                warnings.warn("The priors do not sum to 1. Renormalizing", stacklevel=3)
                priors = priors / priors.sum()
        self.priors_ = priors
        return X, codes

    def _scores(self, X) -> np.ndarray:  # (n_samples, n_classes) log-posterior up to a constant
        raise NotImplementedError

    def decision_function(self, X) -> np.ndarray:
        """Per-class scores; for two classes, the log-odds of the second class, shape (n,)."""
        scores = self._scores(X)
        return scores[:, 1] - scores[:, 0] if len(self.classes_) == 2 else scores

    def predict(self, X) -> np.ndarray:
        """The most probable class of each sample."""
        scores = self._scores(X)
        return self.classes_[np.argmax(scores, axis=1)]

    def predict_log_proba(self, X) -> np.ndarray:
        """Log posterior class probabilities, shape (n_samples, n_classes)."""
        return log_softmax(self._scores(X), axis=1)

    def predict_proba(self, X) -> np.ndarray:
        """Posterior class probabilities (rows sum to 1), shape (n_samples, n_classes)."""
        return np.exp(self.predict_log_proba(X))


class LinearDiscriminantAnalysis(TransformerMixin, _DiscriminantBase):
    """Gaussian classes with a shared covariance: linear boundaries and a discriminant projection.

    Parameters
    ----------
    solver : {"svd", "lsqr", "eigen"}, default="svd"
        ``"svd"`` never forms the covariance matrix (good for many features) and cannot shrink;
        ``"lsqr"`` solves for the coefficients only (no ``transform``); ``"eigen"`` solves the
        generalised eigenproblem of between- and within-class scatter.
    shrinkage : None, "auto" or float in [0, 1], default=None
        Covariance shrinkage for ``"lsqr"``/``"eigen"``; ``"auto"`` uses Ledoit-Wolf.
    priors : array-like of shape (n_classes,), default=None
        Class priors; the class frequencies by default.
    n_components : int, default=None
        Dimensions kept by ``transform`` (at most ``min(n_classes - 1, n_features)``).
    store_covariance : bool, default=False
        Also store ``covariance_`` with the ``"svd"`` solver.
    tol : float, default=1e-4
        Singular values below this (relative, for the second SVD) count as zero.
    covariance_estimator : estimator with ``fit`` and ``covariance_``, default=None
        Replaces the empirical covariance (``"lsqr"``/``"eigen"`` only).

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,) or (n_classes, n_features)
    intercept_ : ndarray of shape (1,) or (n_classes,)
    covariance_ : ndarray of shape (n_features, n_features)
        Prior-weighted within-class covariance.
    explained_variance_ratio_ : ndarray of shape (n_components,)
    means_ : ndarray of shape (n_classes, n_features)
    priors_ : ndarray of shape (n_classes,)
    scalings_ : ndarray of shape (n_features, rank)
        The discriminant directions (``transform`` projects on them).
    xbar_ : ndarray of shape (n_features,)
        Prior-weighted mean of the class means.
    classes_ : ndarray of shape (n_classes,)
    """

    _homeml_constraints = {
        **_SHARED_CONSTRAINTS,
        "solver": [StrOptions({"svd", "lsqr", "eigen"})],
        "n_components": [Interval(Integral, 1, None, closed="left"), None],
    }

    def __init__(
        self,
        solver="svd",
        shrinkage=None,
        priors=None,
        n_components=None,
        store_covariance=False,
        tol=1e-4,
        covariance_estimator=None,
    ):
        self.solver = solver
        self.shrinkage = shrinkage
        self.priors = priors
        self.n_components = n_components
        self.store_covariance = store_covariance
        self.tol = tol
        self.covariance_estimator = covariance_estimator

    def fit(self, X, y):
        """Fit class means, the shared covariance and the linear decision rule."""
        self._validate_params()
        X, codes = self._fit_classes(X, y)
        n_samples, n_features = X.shape
        n_classes = len(self.classes_)
        if n_samples == n_classes:
            raise ValueError("The number of samples must be more than the number of classes.")
        max_components = min(n_classes - 1, n_features)
        if self.n_components is not None and not 0 <= self.n_components <= max_components:
            raise ValueError(
                "n_components cannot be larger than min(n_features, n_classes - 1) = "
                f"{max_components}; got {self.n_components}."
            )
        self._max_components = max_components if self.n_components is None else self.n_components
        self.means_ = np.stack([X[codes == k].mean(axis=0) for k in range(n_classes)])
        if self.solver == "svd":
            if self.shrinkage is not None:
                raise NotImplementedError("shrinkage not supported with 'svd' solver.")
            if self.covariance_estimator is not None:
                raise ValueError(
                    "covariance estimator is not supported with svd solver. Try another solver"
                )
            self._solve_svd(X, codes)
        else:
            self.covariance_ = self._within_class_covariance(
                X, codes, self.shrinkage, self.covariance_estimator
            )
            if self.solver == "lsqr":
                self.coef_ = np.linalg.lstsq(self.covariance_, self.means_.T, rcond=None)[0].T
            else:
                self._solve_eigen(X)
            self.intercept_ = -0.5 * np.sum(self.means_ * self.coef_, axis=1) + np.log(self.priors_)
        if n_classes == 2:  # one score: the log-odds of the second class
            self.coef_ = (self.coef_[1] - self.coef_[0])[None, :]
            self.intercept_ = np.array([self.intercept_[1] - self.intercept_[0]])
        return self

    def _within_class_covariance(self, X, codes, shrinkage, estimator):
        """Prior-weighted sum of the class covariances."""
        return sum(
            prior * _covariance(X[codes == k], shrinkage, estimator)
            for k, prior in enumerate(self.priors_)
        )

    def _solve_eigen(self, X):
        within = self.covariance_
        between = _covariance(X, self.shrinkage, self.covariance_estimator) - within
        # generalised symmetric eigenproblem between v = w within v, via within = L L^T
        L = np.linalg.cholesky(within)
        L_inv = np.linalg.inv(L)
        evals, u = np.linalg.eigh(L_inv @ between @ L_inv.T)
        evecs = L_inv.T @ u
        order = np.argsort(evals)[::-1]
        self.explained_variance_ratio_ = (evals / evals.sum())[order][: self._max_components]
        self.scalings_ = evecs[:, order]
        self.coef_ = self.means_ @ self.scalings_ @ self.scalings_.T

    def _solve_svd(self, X, codes):
        n_samples, n_classes = X.shape[0], len(self.classes_)
        if self.store_covariance:
            self.covariance_ = self._within_class_covariance(X, codes, None, None)
        self.xbar_ = self.priors_ @ self.means_
        # 1) whiten the within-class scatter: SVD of the centred, scaled data
        Xc = X - self.means_[codes]
        std = Xc.std(axis=0)
        std[std == 0] = 1.0
        _, S, Vt = np.linalg.svd(Xc / std / np.sqrt(n_samples), full_matrices=False)
        rank = int(np.sum(S > self.tol))
        whitening = (Vt[:rank] / std).T / S[:rank]
        # 2) directions of largest between-class spread in the whitened space
        fac = 1.0 / (n_classes - 1)
        centres = np.sqrt(n_samples * self.priors_ * fac)[:, None] * (self.means_ - self.xbar_)
        _, S, Vt = np.linalg.svd(centres @ whitening, full_matrices=False)
        self.explained_variance_ratio_ = (S**2 / np.sum(S**2))[: self._max_components]
        rank = int(np.sum(S > self.tol * S[0]))
        self.scalings_ = whitening @ Vt.T[:, :rank]
        coef = (self.means_ - self.xbar_) @ self.scalings_
        self.intercept_ = -0.5 * np.sum(coef**2, axis=1) + np.log(self.priors_)
        self.coef_ = coef @ self.scalings_.T
        self.intercept_ -= self.xbar_ @ self.coef_.T

    def _scores(self, X):
        check_is_fitted(self)
        X = self._validate_data(X, reset=False)
        scores = X @ self.coef_.T + self.intercept_
        return np.hstack([np.zeros_like(scores), scores]) if len(self.classes_) == 2 else scores

    def decision_function(self, X) -> np.ndarray:
        """``X @ coef_.T + intercept_``: shape (n,) for two classes, else (n, n_classes)."""
        return super().decision_function(X)

    def transform(self, X) -> np.ndarray:
        """Project ``X`` on the discriminant directions, shape (n_samples, n_components)."""
        if self.solver == "lsqr":
            raise NotImplementedError(
                "transform not implemented for 'lsqr' solver (use 'svd' or 'eigen')."
            )
        check_is_fitted(self)
        X = self._validate_data(X, reset=False)
        X_new = (X - self.xbar_) @ self.scalings_ if self.solver == "svd" else X @ self.scalings_
        return X_new[:, : self._max_components]

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        """Output names ``lineardiscriminantanalysis0``, ``...1``, ... of ``transform``."""
        check_is_fitted(self)
        return np.array(
            [f"lineardiscriminantanalysis{i}" for i in range(self._max_components)], dtype=object
        )


class QuadraticDiscriminantAnalysis(_DiscriminantBase):
    """Gaussian classes, each with its own covariance: quadratic decision boundaries.

    Parameters
    ----------
    solver : {"svd", "eigen"}, default="svd"
        ``"svd"`` decomposes each class's centred data; ``"eigen"`` its covariance matrix (and
        supports ``shrinkage`` and ``covariance_estimator``).
    shrinkage : None, "auto" or float in [0, 1], default=None
        Covariance shrinkage, ``"eigen"`` only.
    priors : array-like of shape (n_classes,), default=None
        Class priors; the class frequencies by default.
    reg_param : float in [0, 1], default=0.0
        With ``"svd"``, each class's variances become ``(1 - reg_param) * s + reg_param``.
    store_covariance : bool, default=False
        Store each class's covariance in ``covariance_``.
    tol : float, default=1e-4
        Variances below this make the class covariance rank deficient (an error).
    covariance_estimator : estimator with ``fit`` and ``covariance_``, default=None
        Replaces the empirical covariance (``"eigen"`` only).

    Attributes
    ----------
    means_ : ndarray of shape (n_classes, n_features)
    priors_ : ndarray of shape (n_classes,)
    rotations_ : list of ndarray of shape (n_features, n_features)
        Per class, the principal axes of its Gaussian.
    scalings_ : list of ndarray of shape (n_features,)
        Per class, the variances along those axes.
    covariance_ : list of ndarray of shape (n_features, n_features)
    classes_ : ndarray of shape (n_classes,)
    """

    _homeml_constraints = {
        **_SHARED_CONSTRAINTS,
        "solver": [StrOptions({"svd", "eigen"})],
        "reg_param": [Interval(Real, 0, 1, closed="both")],
    }

    def __init__(
        self,
        *,
        solver="svd",
        shrinkage=None,
        priors=None,
        reg_param=0.0,
        store_covariance=False,
        tol=1e-4,
        covariance_estimator=None,
    ):
        self.solver = solver
        self.shrinkage = shrinkage
        self.priors = priors
        self.reg_param = reg_param
        self.store_covariance = store_covariance
        self.tol = tol
        self.covariance_estimator = covariance_estimator

    def fit(self, X, y):
        """Fit one Gaussian (mean and covariance) per class."""
        self._validate_params()
        if self.solver == "svd" and self.shrinkage is not None:
            raise NotImplementedError("shrinkage not supported with 'svd' solver.")
        if self.solver == "svd" and self.covariance_estimator is not None:
            raise ValueError(
                "covariance_estimator is not supported with solver='svd'. Try solver='eigen' "
                "instead."
            )
        X, codes = self._fit_classes(X, y)
        n_features = X.shape[1]
        means, scalings, rotations, covariances = [], [], [], []
        for k, label in enumerate(self.classes_):
            X_class = X[codes == k]
            if len(X_class) == 1:
                raise ValueError(
                    f"y has only 1 sample in class {label}, covariance is ill defined."
                )
            means.append(X_class.mean(axis=0))
            scaling, rotation, cov = self._class_gaussian(X_class)
            if np.sum(scaling > self.tol) < n_features:
                if self.solver == "svd" and len(X_class) <= n_features:
                    raise np.linalg.LinAlgError(
                        f"The covariance matrix of class {label} is not full rank. When using "
                        "`solver='svd'` the number of samples in each class should be more "
                        f"than the number of features, but class {label} has {len(X_class)} "
                        f"samples and {n_features} features. Try using `solver='eigen'` and "
                        "setting the parameter `shrinkage` for regularization."
                    )
                knob = "shrinkage" if self.solver == "eigen" else "reg_param"
                raise np.linalg.LinAlgError(
                    f"The covariance matrix of class {label} is not full rank. Increase the "
                    f"value of `{knob}` to reduce the collinearity."
                )
            scalings.append(scaling)
            rotations.append(rotation)
            covariances.append(cov)
        if self.store_covariance:
            self.covariance_ = covariances
        self.means_ = np.asarray(means)
        self.scalings_ = scalings
        self.rotations_ = rotations
        return self

    def _class_gaussian(self, X_class):
        """(variances along the principal axes, the axes as columns, covariance) of one class."""
        if self.solver == "svd":
            Xc = X_class - X_class.mean(axis=0)
            _, S, Vt = np.linalg.svd(Xc, full_matrices=False)
            scaling = (1.0 - self.reg_param) * S**2 / X_class.shape[0] + self.reg_param
            cov = (scaling * Vt.T) @ Vt if self.store_covariance else None
            return scaling, Vt.T, cov
        cov = _covariance(X_class, self.shrinkage, self.covariance_estimator)
        scaling, rotation = np.linalg.eigh(cov)
        order = np.argsort(scaling)[::-1]
        return scaling[order], rotation[:, order], cov

    def _scores(self, X):
        check_is_fitted(self)
        X = self._validate_data(X, reset=False)
        scores = np.empty((X.shape[0], len(self.classes_)))
        for k, (R, S) in enumerate(zip(self.rotations_, self.scalings_)):
            # squared Mahalanobis distance in the class's principal axes
            Z = (X - self.means_[k]) @ (R * S**-0.5)
            scores[:, k] = -0.5 * (np.sum(Z**2, axis=1) + np.sum(np.log(S)))
        with np.errstate(divide="ignore"):
            return scores + np.log(self.priors_)
