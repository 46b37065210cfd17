"""``MaxAbsScaler``: divide each feature by its largest absolute value, so that it lies in
[-1, 1]. Nothing is shifted, so zeros stay zeros and sparse input stays sparse."""

from __future__ import annotations

import warnings

import numpy as np
import scipy.sparse as sp

from homeml.learn.base import check_is_fitted
from homeml.learn.preprocessing._common import safe_scale
from homeml.learn.preprocessing._scalers import _SPARSE, _ColumnScaler
from homeml.learn.preprocessing._sparse_scaling import scale_sparse_columns, sparse_max_abs

__all__ = ["MaxAbsScaler"]


class MaxAbsScaler(_ColumnScaler):
    """Scale each feature by its maximum absolute value (NaN ignored, and kept).

    Parameters
    ----------
    copy : bool, default=True
        Transform a copy (True) or, when possible, the input itself.
    clip : bool, default=False
        Clip transformed values of new data to [-1, 1].

    Attributes
    ----------
    max_abs_ : ndarray of shape (n_features,)
        Largest absolute value of each feature.
    scale_ : ndarray of shape (n_features,)
        The divisor: ``max_abs_`` with zeros replaced by 1.
    n_samples_seen_ : int
        Samples seen (over all ``partial_fit`` calls).
    """

    def __init__(self, *, copy=True, clip=False):
        self.copy = copy
        self.clip = clip

    def _homeml_tags(self) -> dict:
        return {**super()._homeml_tags(), "sparse": True}

    def fit(self, X, y=None):
        """Compute the maximum absolute value of each feature.

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_features)
        y : ignored

        Returns
        -------
        self
        """
        for name in ("max_abs_", "scale_", "n_samples_seen_"):
            self.__dict__.pop(name, None)
        return self.partial_fit(X, y)

    def partial_fit(self, X, y=None):
        """Update the maxima with one more batch.

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_features)
        y : ignored

        Returns
        -------
        self
        """
        first = not hasattr(self, "n_samples_seen_")
        X = self._check_X(X, reset=first, copy=False, accept_sparse=_SPARSE)
        if sp.issparse(X):
            max_abs = sparse_max_abs(X)
        else:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)  # an all-NaN column
                max_abs = np.nanmax(np.abs(X), axis=0).astype(np.float64)
            max_abs = np.where(np.isnan(max_abs), 0.0, max_abs)  # an all-NaN column
        if not first:
            max_abs = np.maximum(self.max_abs_, max_abs)
            self.n_samples_seen_ += X.shape[0]
        else:
            self.n_samples_seen_ = X.shape[0]
        self.max_abs_ = max_abs
        self.scale_ = safe_scale(max_abs)
        return self

    def transform(self, X):
        """Divide each feature by ``scale_`` (sparse input stays sparse).

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_features)

        Returns
        -------
        ndarray or sparse matrix of shape (n_samples, n_features)
        """
        check_is_fitted(self)
        X = self._check_X(X, reset=False, accept_sparse=_SPARSE)
        if sp.issparse(X):
            X = scale_sparse_columns(X, 1.0 / self.scale_)
            if self.clip:
                np.clip(X.data, -1.0, 1.0, out=X.data)
            return X
        X /= self.scale_.astype(X.dtype)
        if self.clip:
            np.clip(X, -1.0, 1.0, out=X)
        return X

    def inverse_transform(self, X):
        """Multiply each feature by ``scale_``.

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_features)

        Returns
        -------
        ndarray or sparse matrix of shape (n_samples, n_features)
        """
        check_is_fitted(self)
        X = self._check_X(X, reset=False, accept_sparse=_SPARSE)
        if sp.issparse(X):
            return scale_sparse_columns(X, self.scale_)
        X *= self.scale_.astype(X.dtype)
        return X
