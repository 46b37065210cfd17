"""QuantileTransformer: map each feature through its empirical CDF onto uniform or normal.

NaN are ignored in fit and kept in transform; non-negative CSC/CSR input is transformed entry by
entry (its zeros count as values unless ``ignore_implicit_zeros``), as in scikit-learn.
"""

from __future__ import annotations

import warnings
from numbers import Integral

import numpy as np
import scipy.sparse as sp
from scipy.special import ndtr, ndtri

from homeml.learn._param_validation import Interval, StrOptions
from homeml.learn.base import BaseEstimator, TransformerMixin, check_is_fitted
from homeml.learn.preprocessing._common import OneToOneFeatureNamesMixin
from homeml.learn.validation import check_array, check_random_state

_FLOATS = [np.float64, np.float32]
_BOUNDS_THRESHOLD = 1e-7


class QuantileTransformer(OneToOneFeatureNamesMixin, TransformerMixin, BaseEstimator):
    """Transform each feature to follow a uniform or a normal distribution (rank-based).

    Parameters
    ----------
    n_quantiles : int
        How many quantiles to estimate (at most the number of samples).
    output_distribution : {"uniform", "normal"}
        The distribution of the transformed data.
    ignore_implicit_zeros : bool
        Sparse input: estimate the quantiles from the stored entries only (dense input: warns).
    subsample : int or None
        Estimate the quantiles on this many rows drawn without replacement (None: all).
    random_state : int, RandomState or None
        Seeds the subsample.
    copy : bool
        Transform a copy of ``X``.

    Attributes
    ----------
    n_quantiles_ : int
        The number of quantiles used.
    quantiles_ : ndarray of shape (n_quantiles_, n_features)
        The quantile of each reference level, per feature.
    references_ : ndarray of shape (n_quantiles_,)
        The levels, evenly spaced in [0, 1].
    """

    _homeml_constraints = {
        "n_quantiles": [Interval(Integral, 1, None, closed="left")],
        "output_distribution": [StrOptions({"uniform", "normal"})],
        "ignore_implicit_zeros": ["boolean"],
        "subsample": [Interval(Integral, 1, None, closed="left"), None],
        "random_state": ["random_state"],
        "copy": ["boolean"],
    }

    def __init__(
        self,
        *,
        n_quantiles=1000,
        output_distribution="uniform",
        ignore_implicit_zeros=False,
        subsample=10_000,
        random_state=None,
        copy=True,
    ):
        self.n_quantiles = n_quantiles
        self.output_distribution = output_distribution
        self.ignore_implicit_zeros = ignore_implicit_zeros
        self.subsample = subsample
        self.random_state = random_state
        self.copy = copy

    def _homeml_tags(self) -> dict:
        return {
            **super()._homeml_tags(),
            "allow_nan": True,
            "sparse": True,
            "preserves_dtype": ["float64"],
        }

    def _check_inputs(self, X, reset: bool, accept_negative=False, copy=False):
        X = self._validate_data(
            X, reset=reset, dtype=_FLOATS, copy=copy, allow_nan=True, accept_sparse="csc"
        )
        if sp.issparse(X) and not X.format == "csc":
            X = X.tocsc()
        with np.errstate(invalid="ignore"):
            if (
                not accept_negative
                and not self.ignore_implicit_zeros
                and sp.issparse(X)
                and np.any(X.data < 0)
            ):
                raise ValueError("QuantileTransformer only accepts non-negative sparse matrices.")
        return X

    def fit(self, X, y=None):
        """Estimate the quantiles of each feature."""
        self._validate_params()
        if self.subsample is not None and self.n_quantiles > self.subsample:
            raise ValueError(
                f"The number of quantiles cannot be greater than the number of samples used. "
                f"Got {self.n_quantiles} quantiles and {self.subsample} samples."
            )
        X = self._check_inputs(X, reset=True)
        n_samples = X.shape[0]
        if self.n_quantiles > n_samples:
            warnings.warn(
                f"n_quantiles ({self.n_quantiles}) is greater than the total number of samples "
                f"({n_samples}). n_quantiles is set to n_samples.",
                stacklevel=2,
            )
        self.n_quantiles_ = max(1, min(self.n_quantiles, n_samples))
        rng = check_random_state(self.random_state)
        self.references_ = np.linspace(0, 1, self.n_quantiles_, endpoint=True)
        if sp.issparse(X):
            self._sparse_fit(X, rng)
            return self
        if self.ignore_implicit_zeros:
            warnings.warn(
                "'ignore_implicit_zeros' takes effect only with sparse matrix. This parameter "
                "has no effect.",
                stacklevel=2,
            )
        if self.subsample is not None and self.subsample < n_samples:
            rows = np.arange(n_samples)
            rng.shuffle(rows)
            X = X[rows[: self.subsample]]
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", "All-NaN slice encountered", RuntimeWarning)
            self.quantiles_ = np.nanpercentile(X, self.references_ * 100, axis=0)
        return self

    def _sparse_fit(self, X, rng):
        n_samples = X.shape[0]
        levels = self.references_ * 100
        quantiles = []
        for j in range(X.shape[1]):
            stored = X.data[X.indptr[j] : X.indptr[j + 1]]
            if self.subsample is not None and len(stored) > self.subsample:
                column = np.zeros(self.subsample, dtype=X.dtype)
                drawn = (
                    self.subsample
                    if self.ignore_implicit_zeros
                    else self.subsample * len(stored) // n_samples
                )
                column[:drawn] = rng.choice(stored, size=drawn, replace=False)
            else:
                size = len(stored) if self.ignore_implicit_zeros else n_samples
                column = np.zeros(size, dtype=X.dtype)
                column[: len(stored)] = stored
            if not column.size:
                quantiles.append([0] * len(levels))
            else:
                with warnings.catch_warnings():
                    warnings.filterwarnings("ignore", "All-NaN slice", RuntimeWarning)
                    quantiles.append(np.nanpercentile(column, levels))
        self.quantiles_ = np.transpose(quantiles)

    def _transform_column(self, column, quantiles, inverse: bool):
        normal = self.output_distribution == "normal"
        if not inverse:
            lower_x, upper_x, lower_y, upper_y = quantiles[0], quantiles[-1], 0, 1
        else:
            lower_x, upper_x, lower_y, upper_y = 0, 1, quantiles[0], quantiles[-1]
            if normal:
                column = ndtr(column)
        with np.errstate(invalid="ignore"):
            if normal:
                lower = column - _BOUNDS_THRESHOLD < lower_x
                upper = column + _BOUNDS_THRESHOLD > upper_x
            else:
                lower = column == lower_x
                upper = column == upper_x
        finite = ~np.isnan(column)
        values = column[finite]
        if not inverse:
            # the mean of the interpolations from both ends: ties map to the middle of their run
            column[finite] = 0.5 * (
                np.interp(values, quantiles, self.references_)
                - np.interp(-values, -quantiles[::-1], -self.references_[::-1])
            )
        else:
            column[finite] = np.interp(values, self.references_, quantiles)
        column[upper] = upper_y
        column[lower] = lower_y
        if not inverse and normal:
            with np.errstate(invalid="ignore"):
                column = ndtri(column)
                bound = _BOUNDS_THRESHOLD - np.spacing(1)
                column = np.clip(column, ndtri(bound), ndtri(1 - bound))
        return column

    def _transform(self, X, inverse: bool):
        if sp.issparse(X):
            for j in range(X.shape[1]):
                entries = slice(X.indptr[j], X.indptr[j + 1])
                X.data[entries] = self._transform_column(
                    X.data[entries], self.quantiles_[:, j], inverse
                )
            return X
        for j in range(X.shape[1]):
            X[:, j] = self._transform_column(X[:, j], self.quantiles_[:, j], inverse)
        return X

    def transform(self, X):
        """Map each feature onto the output distribution."""
        check_is_fitted(self)
        X = self._check_inputs(X, reset=False, copy=self.copy)
        return self._transform(X, inverse=False)

    def inverse_transform(self, X):
        """Map back from the output distribution to the original feature values."""
        check_is_fitted(self)
        X = check_array(
            X, dtype=_FLOATS, copy=self.copy, allow_nan=True, estimator=self, accept_sparse="csc"
        )
        if sp.issparse(X) and X.format != "csc":
            X = X.tocsc()
        if X.shape[1] != self.n_features_in_:
            raise ValueError(
                f"X has {X.shape[1]} features, but QuantileTransformer is expecting "
                f"{self.n_features_in_} features as input."
            )
        return self._transform(X, inverse=True)
