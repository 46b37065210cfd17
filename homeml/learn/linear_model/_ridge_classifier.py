"""``RidgeClassifier``: ridge regression on one-vs-all targets in ``{-1, 1}``.

Each class gets a column of ``Y`` that is ``1`` for its samples and ``-1`` for the others (two
classes: a single column, for ``classes_[1]``); one ridge solve fits every column, and the class
with the largest decision value wins. Dense and CSR input share :func:`fit_ridge`.
"""

from __future__ import annotations

import numpy as np

from homeml.learn.base import BaseEstimator, ClassifierMixin, encode_classes, require_two_classes
from homeml.learn.linear_model._base import (
    LinearClassifierMixin,
    class_weight_per_sample,
    sample_weights,
)
from homeml.learn.linear_model._ridge import RIDGE_CONSTRAINTS, fit_ridge, ridge_accepts_sparse


class RidgeClassifier(LinearClassifierMixin, ClassifierMixin, BaseEstimator):
    """Classifier that fits a ridge regression to ``{-1, 1}`` one-vs-all targets.

    Parameters
    ----------
    alpha : float or array-like of shape (n_classes,), default=1.0
        Penalty strength (>= 0); an array gives one per one-vs-all column.
    fit_intercept : bool, default=True
        Learn an unpenalised intercept per column.
    copy_X : bool, default=True
        Kept for scikit-learn compatibility; ``X`` is never modified.
    max_iter : int or None, default=None
        Most iterations of ``"sparse_cg"`` / ``"lsqr"``.
    tol : float, default=1e-4
        Tolerance of ``"sparse_cg"`` / ``"lsqr"``.
    class_weight : dict, "balanced" or None, default=None
        Multiplies each sample's weight by its class's weight; ``"balanced"`` uses
        ``n_samples / (n_classes * count_k)``.
    solver : {"auto", "cholesky", "svd", "sparse_cg", "lsqr"}, default="auto"
        As in :class:`Ridge`: ``"cholesky"`` for dense input, ``"sparse_cg"`` for CSR.
    positive : bool, default=False
        Constrain the coefficients to be non-negative.
    random_state :
        Kept for scikit-learn compatibility.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    coef_ : ndarray of shape (n_features,) for two classes, else (n_classes, n_features)
    intercept_ : ndarray of shape (1,) or (n_classes,)
    n_iter_ : int or ndarray
        1 for the direct solvers; the iterations per column of ``"sparse_cg"`` / ``"lsqr"``.
    solver_ : str
        The solver actually used.
    """

    _homeml_constraints = RIDGE_CONSTRAINTS  # class_weight is checked where it is used

    def __init__(
        self,
        alpha=1.0,
        *,
        fit_intercept=True,
        copy_X=True,
        max_iter=None,
        tol=1e-4,
        class_weight=None,
        solver="auto",
        positive=False,
        random_state=None,
    ):
        self.alpha = alpha
        self.fit_intercept = fit_intercept
        self.copy_X = copy_X
        self.max_iter = max_iter
        self.tol = tol
        self.class_weight = class_weight
        self.solver = solver
        self.positive = positive
        self.random_state = random_state

    def _homeml_tags(self) -> dict:
        sparse = ridge_accepts_sparse(self.solver, self.fit_intercept)
        return {**super()._homeml_tags(), "sparse": sparse}

    def fit(self, X, y, sample_weight=None):
        """Fit one ridge regression per class on ``{-1, 1}`` targets.

        Parameters
        ----------
        X : array-like or CSR matrix of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
            Class labels (numbers or strings).
        sample_weight : float or array-like of shape (n_samples,), default=None

        Returns
        -------
        self
        """
        self._validate_params()
        X, y = self._validate_data(X, y, accept_sparse="csr")
        X = X.astype(np.float64, copy=False)
        self.classes_, codes = encode_classes(y)
        require_two_classes(self.classes_, self)
        # one column per class, +1 for its samples and -1 elsewhere (two classes: classes_[1])
        Y = np.where(codes[:, None] == np.arange(len(self.classes_)), 1.0, -1.0)
        if len(self.classes_) == 2:
            Y = Y[:, 1:]
        # class weights from unweighted counts, as scikit-learn's compute_sample_weight
        weights = sample_weights(sample_weight, X) * class_weight_per_sample(
            self.class_weight, self.classes_, codes, self
        )
        weighted = sample_weight is not None or self.class_weight is not None
        coef, X_offset, y_offset = fit_ridge(self, X, Y, weights, weighted)
        self.intercept_ = y_offset - coef @ X_offset if self.fit_intercept else np.zeros(len(coef))
        self.coef_ = coef[0] if len(coef) == 1 else coef  # one column: 1-D, as scikit-learn 1.9
        return self
