"""Incremental PCA: principal components updated one batch at a time (Ross et al., 2008).

Each batch is centred on its own mean and stacked under the current components scaled by their
singular values, plus one row that corrects for the shift between the old and the new mean; the
SVD of that small stack gives the components of all the data seen so far. Memory is
O(batch_size x n_features), whatever the number of samples.
"""

from __future__ import annotations

import math

import numpy as np

from homeml.learn._param_validation import Integral, Interval
from homeml.learn.base import check_is_fitted
from homeml.learn.decomposition._pca import _BasePCA
from homeml.learn.decomposition._svd import batch_slices, flip_by_rows

__all__ = ["IncrementalPCA"]


class IncrementalPCA(_BasePCA):
    """Incremental principal component analysis, for data that come (or fit) in batches.

    Parameters
    ----------
    n_components : int or None
        Components to keep; None keeps ``min(n_features, first batch size)``.
    whiten : bool
        Scale the projections to unit variance.
    copy : bool
        When False, batches may be centred in place.
    batch_size : int or None
        Rows per batch in ``fit``; None means ``5 * n_features``.

    Attributes
    ----------
    components_ : ndarray (n_components_, n_features)
    explained_variance_, explained_variance_ratio_, singular_values_ : ndarray (n_components_,)
    mean_, var_ : ndarray (n_features,)
        Running per-feature mean and variance.
    noise_variance_ : float
    n_components_, n_samples_seen_, batch_size_ : int
    n_features_in_ : int
    """

    _homeml_constraints = {
        "n_components": [Interval(Integral, 1, None, closed="left"), None],
        "whiten": ["boolean"],
        "copy": ["boolean"],
        "batch_size": [Interval(Integral, 1, None, closed="left"), None],
    }

    def __init__(self, n_components=None, *, whiten=False, copy=True, batch_size=None):
        self.n_components = n_components
        self.whiten = whiten
        self.copy = copy
        self.batch_size = batch_size

    def fit(self, X, y=None):
        """Fit on ``X`` in batches of ``batch_size_`` rows (starting afresh)."""
        self._validate_params()
        for name in ("components_", "n_samples_seen_", "mean_", "var_"):
            self.__dict__.pop(name, None)
        X = self._validate_data(X, dtype=[np.float64, np.float32])
        self.batch_size_ = 5 * X.shape[1] if self.batch_size is None else self.batch_size
        for rows in batch_slices(X.shape[0], self.batch_size_, self.n_components or 0):
            self._update(X[rows].copy() if self.copy else X[rows])
        return self

    def partial_fit(self, X, y=None, check_input=True):
        """Update the model with one more batch ``X``."""
        self._validate_params()
        first = not hasattr(self, "components_")
        if check_input:
            X = self._validate_data(X, reset=first, dtype=[np.float64, np.float32])
        if not hasattr(self, "batch_size_"):
            self.batch_size_ = 5 * X.shape[1] if self.batch_size is None else self.batch_size
        self._update(X.copy() if self.copy else X)
        return self

    def _update(self, X):
        n_samples, n_features = X.shape
        first = not hasattr(self, "components_")
        if self.n_components is None:
            n_components = min(n_samples, n_features) if first else self.components_.shape[0]
        elif self.n_components > n_features:
            raise ValueError(
                f"n_components={self.n_components} invalid for n_features={n_features}, need "
                "more rows than columns for IncrementalPCA processing"
            )
        elif first and self.n_components > n_samples:
            raise ValueError(
                f"n_components={self.n_components} must be less or equal to the batch number "
                f"of samples {n_samples} for the first partial_fit call."
            )
        else:
            n_components = self.n_components
        if not first and self.components_.shape[0] != n_components:
            raise ValueError(
                f"Number of components changed from {self.components_.shape[0]} to "
                f"{n_components} between calls to partial_fit! Set n_components to a fixed value."
            )
        seen = 0 if first else self.n_samples_seen_
        total = seen + n_samples
        batch_mean = X.mean(axis=0)
        batch_var = X.var(axis=0)
        if first:
            mean, var = batch_mean, batch_var
            X -= batch_mean
            stacked = X
        else:  # Chan, Golub & LeVeque pooled mean and variance
            delta = batch_mean - self.mean_
            mean = self.mean_ + delta * (n_samples / total)
            var = (
                self.var_ * seen + batch_var * n_samples + delta**2 * seen * n_samples / total
            ) / total
            X -= batch_mean
            shift = math.sqrt(seen * n_samples / total) * (self.mean_ - batch_mean)
            stacked = np.vstack((self.singular_values_[:, None] * self.components_, X, shift))
        U, S, Vt = np.linalg.svd(stacked, full_matrices=False)
        _, Vt = flip_by_rows(None, Vt)
        variance = S**2 / (total - 1)
        ratio = S**2 / np.sum(var * total)
        self.n_samples_seen_, self.n_components_ = total, n_components
        self.components_ = Vt[:n_components]
        self.singular_values_ = S[:n_components]
        self.mean_, self.var_ = mean, var
        self.explained_variance_ = variance[:n_components]
        self.explained_variance_ratio_ = ratio[:n_components]
        if n_components not in (n_samples, n_features):
            self.noise_variance_ = float(variance[n_components:].mean())
        else:
            self.noise_variance_ = 0.0

    def transform(self, X):
        """Project ``X`` on the components (see :meth:`PCA.transform`)."""
        check_is_fitted(self)
        return super().transform(X)
