"""``RidgeClassifierCV``: ``RidgeClassifier`` with its penalty chosen by efficient
leave-one-out cross-validation (or by ``GridSearchCV`` when ``cv`` is given).

Leave-one-out needs no refits: with ``G = K + alpha I``, ``K`` the (centred, weighted) Gram
matrix ``X X'`` and ``c = G^-1 y``, the error on sample i when it is left out is
``c_i / (G^-1)_ii`` (Golub, Heath & Wahba's identity; with an unpenalised intercept the
diagonal loses ``(G^-1 s)_i s_i / s's``, ``s`` the square roots of the sample weights). One
eigendecomposition ``K = Q diag(e) Q'`` serves every alpha:
``G^-1 = Q diag(1 / (e + alpha)) Q' + (I - Q Q') / alpha``, taken from the n x n Gram matrix
or, with more samples than features, from the p x p ``X'X`` (scikit-learn's "gram" and "cov"
modes). The winning ``c`` gives the coefficients ``w = X'c``. On CSR input the centring is
folded into the products without densifying ``X``.
"""

from __future__ import annotations

import numbers

import numpy as np
import scipy.sparse as sp

from homeml.learn.base import BaseEstimator, ClassifierMixin, encode_classes, require_two_classes
from homeml.learn.linear_model._base import (
    LinearClassifierMixin,
    class_weight_per_sample,
    sample_weights,
)

__all__ = ["RidgeClassifierCV"]


def _centred_gram(X, X_mean, root):
    """``(X - root X_mean')(X - root X_mean')'`` for CSR ``X`` (never centred in memory)."""
    gram = np.asarray((X @ X.T).toarray())
    X_Xm = np.asarray(X @ X_mean).ravel()
    gram -= X_Xm[:, None] * root[None, :] + root[:, None] * X_Xm[None, :]
    gram += (X_mean @ X_mean) * root[:, None] * root[None, :]
    return gram


def _gram_eigenvectors(Xw, offset, root):
    """Eigenvalues ``e > 0`` and eigenvectors ``Q`` of ``K = A A'``, ``A = Xw - root offset'``
    (``offset`` None: ``A = Xw``), from whichever of ``A A'`` (n x n) and ``A'A`` (p x p) is
    smaller; with ``A'A = V diag(e) V'`` the vectors are ``Q = A V / sqrt(e)``."""
    n_samples, n_features = Xw.shape
    if n_samples <= n_features:
        if sp.issparse(Xw):
            gram = _centred_gram(Xw, offset, root) if offset is not None else (Xw @ Xw.T).toarray()
        else:
            gram = Xw @ Xw.T
        eigvals, Q = np.linalg.eigh(gram)
    else:
        covariance = Xw.T @ Xw
        covariance = np.asarray(covariance.toarray() if sp.issparse(covariance) else covariance)
        if offset is not None:  # A'A = X'X - m r'X - X'r m' + (r'r) m m'
            Xt_root = np.asarray(Xw.T @ root).ravel()
            covariance -= np.outer(offset, Xt_root) + np.outer(Xt_root, offset)
            covariance += (root @ root) * np.outer(offset, offset)
        eigvals, V = np.linalg.eigh(covariance)
        AV = np.asarray(Xw @ V)
        if offset is not None:
            AV -= np.outer(root, offset @ V)
        keep = eigvals > eigvals.max(initial=0.0) * n_features * np.finfo(float).eps
        eigvals, Q = eigvals[keep], AV[:, keep] / np.sqrt(eigvals[keep])
        return eigvals, Q
    keep = eigvals > eigvals.max(initial=0.0) * n_samples * np.finfo(float).eps
    return eigvals[keep], Q[:, keep]


def leave_one_out(X, Y, weights, alphas, fit_intercept):
    """For each alpha, the mean squared leave-one-out error of the ridge fits of the columns
    of ``Y``; returns ``(errors, coef, intercept)``, the latter two for the best alpha."""
    root = np.sqrt(weights)
    share = weights / weights.sum()
    sparse = sp.issparse(X)
    if fit_intercept:
        X_mean = np.asarray(X.T @ share).ravel()
        y_mean = share @ Y
    else:
        X_mean, y_mean = np.zeros(X.shape[1]), np.zeros(Y.shape[1])
    Yc = (Y - y_mean) * root[:, None]
    if sparse:
        Xw = sp.csr_matrix(sp.diags(root) @ X)
    else:
        Xw = (X - X_mean) * root[:, None]
    offset = X_mean if sparse and fit_intercept else None
    # G^-1 = Q diag(1 / (e + alpha) - 1 / alpha) Q' + I / alpha: Q holds the eigenvectors of
    # K with nonzero eigenvalues e; K's null space (most of the space when n_samples >
    # n_features) is only scaled by 1 / alpha
    eigvals, Q = _gram_eigenvectors(Xw, offset, root)
    QT_y, QT_root = Q.T @ Yc, Q.T @ root
    errors, best = [], None
    for alpha in alphas:
        inverse = -eigvals / (alpha * (eigvals + alpha))  # 1 / (e + alpha) - 1 / alpha
        c = Q @ (inverse[:, None] * QT_y) + Yc / alpha
        diagonal = (inverse * Q**2).sum(axis=1) + 1.0 / alpha  # diag(G^-1)
        if fit_intercept:
            G_inv_root = Q @ (inverse * QT_root) + root / alpha
            diagonal -= G_inv_root * root / (root @ root)
        error = float(np.mean((c / diagonal[:, None]) ** 2))
        errors.append(error)
        if best is None or error < best[0]:  # the first of equal errors wins
            best = (error, c)
    c = best[1]
    coef = np.asarray(Xw.T @ c).T  # (n_targets, n_features)
    if sparse and fit_intercept:
        coef -= (root @ c)[:, None] * X_mean[None, :]
    intercept = y_mean - coef @ X_mean if fit_intercept else np.zeros(Y.shape[1])
    return np.array(errors), coef, intercept


class RidgeClassifierCV(LinearClassifierMixin, ClassifierMixin, BaseEstimator):
    """Ridge classifier choosing ``alpha`` by cross-validation (leave-one-out by default).

    Parameters
    ----------
    alphas : array-like of shape (n_alphas,), default=(0.1, 1.0, 10.0)
        Penalties to try (> 0 for leave-one-out).
    fit_intercept : bool, default=True
    scoring : str or callable or None, default=None
        With ``cv``: the search's scoring. Leave-one-out ranks by the squared error of the
        ``{-1, 1}`` targets (``scoring`` must then be None).
    cv : int, cross-validation generator or None, default=None
        None: efficient leave-one-out; otherwise a ``GridSearchCV`` over ``RidgeClassifier``.
    class_weight : dict, "balanced" or None, default=None
    store_cv_results : bool, default=False
        Keep the leave-one-out errors in ``cv_results_`` (only with ``cv=None``).

    Attributes
    ----------
    alpha_ : float
    best_score_ : float
        Minus the mean squared leave-one-out error of the best alpha (or the search's score).
    classes_, coef_, intercept_ :
        As in :class:`RidgeClassifier`.
    cv_results_ : ndarray of shape (n_alphas,)
        Mean squared leave-one-out error of each alpha (with ``store_cv_results``).
    """

    def __init__(
        self,
        alphas=(0.1, 1.0, 10.0),
        *,
        fit_intercept=True,
        scoring=None,
        cv=None,
        class_weight=None,
        store_cv_results=False,
    ):
        self.alphas = alphas
        self.fit_intercept = fit_intercept
        self.scoring = scoring
        self.cv = cv
        self.class_weight = class_weight
        self.store_cv_results = store_cv_results

    def _homeml_tags(self) -> dict:
        return {**super()._homeml_tags(), "sparse": True}

    def fit(self, X, y, sample_weight=None):
        """Choose ``alpha`` and fit the classifier with it.

        Parameters
        ----------
        X : array-like or CSR matrix of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        sample_weight : float or array-like of shape (n_samples,), default=None

        Returns
        -------
        self
        """
        alphas = np.atleast_1d(np.asarray(self.alphas, dtype=np.float64))
        lowest = 0.0 if self.cv is not None else np.nextafter(0.0, 1.0)
        if alphas.ndim != 1 or not np.all(np.isfinite(alphas)) or np.any(alphas < lowest):
            raise ValueError(
                "alphas of RidgeClassifierCV must be a list of numbers > 0 (>= 0 with cv); got "
                f"{self.alphas!r}."
            )
        if self.cv is not None:
            return self._fit_search(X, y, sample_weight, alphas)
        if self.scoring is not None:
            raise ValueError("RidgeClassifierCV takes a scoring only with cv (not leave-one-out).")
        X, y = self._validate_data(X, y, accept_sparse="csr")
        X = X.astype(np.float64, copy=False)
        self.classes_, codes = encode_classes(y)
        require_two_classes(self.classes_, self)
        Y = np.where(codes[:, None] == np.arange(len(self.classes_)), 1.0, -1.0)
        if len(self.classes_) == 2:
            Y = Y[:, 1:]
        weights = sample_weights(sample_weight, X) * class_weight_per_sample(
            self.class_weight, self.classes_, codes, self
        )
        errors, coef, intercept = leave_one_out(X, Y, weights, alphas, self.fit_intercept)
        best = int(np.argmin(errors))
        self.alpha_, self.best_score_ = float(alphas[best]), -float(errors[best])
        if self.store_cv_results:
            self.cv_results_ = errors
        self.coef_ = coef[0] if len(coef) == 1 else coef
        self.intercept_ = intercept
        return self

    def _fit_search(self, X, y, sample_weight, alphas):
        from homeml.learn.linear_model._ridge_classifier import RidgeClassifier
        from homeml.learn.model_selection import GridSearchCV

        if self.store_cv_results:
            raise ValueError("cv!=None and store_cv_results=True are incompatible")
        model = RidgeClassifier(fit_intercept=self.fit_intercept, class_weight=self.class_weight)
        search = GridSearchCV(model, {"alpha": alphas}, cv=self.cv, scoring=self.scoring)
        fit_params = {} if sample_weight is None else {"sample_weight": sample_weight}
        best = search.fit(X, y, **fit_params).best_estimator_
        self.alpha_ = float(best.alpha) if isinstance(best.alpha, numbers.Real) else best.alpha
        self.best_score_ = search.best_score_
        self.classes_, self.coef_, self.intercept_ = best.classes_, best.coef_, best.intercept_
        self.n_features_in_ = best.n_features_in_
        if hasattr(best, "feature_names_in_"):
            self.feature_names_in_ = best.feature_names_in_
        return self
