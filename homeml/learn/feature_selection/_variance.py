"""VarianceThreshold: drop the features whose variance is at most a threshold."""

from __future__ import annotations

from numbers import Real

import numpy as np
import scipy.sparse as sp

from homeml.learn._param_validation import Interval
from homeml.learn.base import BaseEstimator, check_is_fitted
from homeml.learn.feature_selection._base import SelectorMixin


class VarianceThreshold(SelectorMixin, BaseEstimator):
    """Keep the features whose (population) variance is above ``threshold``.

    Parameters
    ----------
    threshold : float
        Features with a variance at most this are removed (0: only constant features).

    Attributes
    ----------
    variances_ : ndarray of shape (n_features,)
        The variance of each feature (NaN ignored).
    """

    _homeml_constraints = {"threshold": [Interval(Real, 0, None, closed="left")]}

    def __init__(self, threshold=0.0):
        self.threshold = threshold

    def _homeml_tags(self) -> dict:
        return {**super()._homeml_tags(), "allow_nan": True, "sparse": True}

    def fit(self, X, y=None):
        """Compute the variance of each feature."""
        self._validate_params()
        X = self._validate_data(X, accept_sparse=("csr", "csc"), dtype=np.float64, allow_nan=True)
        if sp.issparse(X):
            self.variances_ = _sparse_variances(X.tocsc())
            if self.threshold == 0:
                spread = (X.max(axis=0) - X.min(axis=0)).toarray().ravel()
        else:
            self.variances_ = np.nanvar(X, axis=0)
            if self.threshold == 0:
                spread = np.ptp(X, axis=0)
        if self.threshold == 0:
            self.variances_ = np.nanmin(np.array([self.variances_, spread]), axis=0)
        if np.all(~np.isfinite(self.variances_) | (self.variances_ <= self.threshold)):
            message = f"No feature in X meets the variance threshold {self.threshold:.5f}"
            if X.shape[0] == 1:
                message += " (X contains only one sample)"
            raise ValueError(message)
        return self

    def _get_support_mask(self) -> np.ndarray:
        check_is_fitted(self)
        return self.variances_ > self.threshold


def _sparse_variances(X) -> np.ndarray:
    """Column variances of a CSC matrix in two passes (mean, then squared deviations)."""
    n = X.shape[0]
    mean = np.asarray(X.sum(axis=0)).ravel() / n
    counts = np.diff(X.indptr)
    deviations = (X.data - np.repeat(mean, counts)) ** 2
    columns = np.repeat(np.arange(len(mean)), counts)
    squares = np.bincount(columns, weights=deviations, minlength=len(mean))
    return (squares + (n - counts) * mean**2) / n
