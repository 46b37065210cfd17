"""``SVR``: epsilon-support vector regression with a kernel, solved by SMO."""

from __future__ import annotations

import numpy as np

from homeml.learn._param_validation import Interval, Real
from homeml.learn.base import RegressorMixin, check_sample_weight
from homeml.learn.svm._base import _BaseKernelSVM, _check_some_weight_positive


class SVR(RegressorMixin, _BaseKernelSVM):
    """Epsilon-support vector regression with a kernel.

    Parameters
    ----------
    kernel, degree, gamma, coef0, tol, C, shrinking, cache_size, verbose, max_iter
        As in :class:`SVC`.
    epsilon : float, default=0.1
        Half-width of the tube in which errors are not penalised, >= 0.

    Attributes
    ----------
    support_, support_vectors_, n_support_, dual_coef_ (alpha - alpha*), intercept_,
    coef_ (linear kernel), fit_status_, n_iter_, shape_fit_, n_features_in_
    """

    _homeml_constraints = {
        **_BaseKernelSVM._homeml_constraints,
        "epsilon": [Interval(Real, 0, None, closed="left")],
    }

    def __init__(
        self,
        *,
        kernel="rbf",
        degree=3,
        gamma="scale",
        coef0=0.0,
        tol=1e-3,
        C=1.0,
        epsilon=0.1,
        shrinking=True,
        cache_size=200,
        verbose=False,
        max_iter=-1,
    ):
        self.kernel = kernel
        self.degree = degree
        self.gamma = gamma
        self.coef0 = coef0
        self.tol = tol
        self.C = C
        self.epsilon = epsilon
        self.shrinking = shrinking
        self.cache_size = cache_size
        self.verbose = verbose
        self.max_iter = max_iter

    def fit(self, X, y, sample_weight=None):
        """Fit the epsilon-SVR dual (two variables alpha_i, alpha*_i per sample).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features), or (n_samples, n_samples) Gram matrix
        y : array-like of shape (n_samples,)
        sample_weight : array-like of shape (n_samples,), optional
            Multiplies ``C`` per sample; samples of weight 0 are left out.

        Returns
        -------
        self
        """
        self._validate_params()
        X, y = self._validate_data(X, y, y_numeric=True)
        y = np.asarray(y, dtype=np.float64)
        weights = check_sample_weight(sample_weight, X)
        _check_some_weight_positive(weights)
        X_features, X = X, self._prepare_training_kernel(X)
        rows = np.flatnonzero(weights > 0)
        n = len(rows)
        C = np.tile(self.C * weights[rows], 2)
        sign = np.concatenate([np.ones(n), -np.ones(n)])
        p = np.concatenate([self.epsilon - y[rows], self.epsilon + y[rows]])
        sample_of = np.tile(np.arange(n), 2)
        alpha, rho, n_iter = self._solve(X, rows, sign, p, C, sample_of)
        coef = alpha[:n] - alpha[n:]
        used = coef != 0
        self._store_support(X_features, rows[used])
        self.dual_coef_ = coef[used][None, :]
        self.n_support_ = np.array([used.sum()], dtype=np.int32)
        self.intercept_ = np.array([-rho])
        self.n_iter_ = int(n_iter)
        self.fit_status_ = 0
        return self

    def predict(self, X) -> np.ndarray:
        """Predicted values ``K(X, SV) @ dual_coef_ + intercept_``, shape (n_samples,)."""
        X = self._validate_for_predict(X)
        return self._kernel_to_support(X) @ self.dual_coef_[0] + self.intercept_[0]
