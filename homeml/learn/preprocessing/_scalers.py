"""Feature scaling: StandardScaler, MinMaxScaler, RobustScaler (per column) and Normalizer (rows).

The column scalers ignore NaN when they fit (a NaN contributes nothing to the statistics) and
keep NaN where it was when they transform, as scikit-learn does, so they can run before an
imputer.
"""

from __future__ import annotations

import contextlib
import warnings
from statistics import NormalDist

import numpy as np
import scipy.sparse as sp

from homeml.learn._param_validation import StrOptions
from homeml.learn.base import BaseEstimator, TransformerMixin, check_is_fitted, check_sample_weight
from homeml.learn.preprocessing._common import OneToOneFeatureNamesMixin, safe_scale
from homeml.learn.preprocessing._sparse_scaling import (
    normalize_sparse_rows,
    scale_sparse_columns,
    sparse_moments,
)

_FLOATS = [np.float64, np.float32]
_SPARSE = ["csr", "csc"]  # the sparse formats the scalers keep (others become CSR)


class _ColumnScaler(OneToOneFeatureNamesMixin, TransformerMixin, BaseEstimator):
    """Shared tags and input checks of the per-column scalers."""

    def _homeml_tags(self) -> dict:
        return {
            **super()._homeml_tags(),
            "allow_nan": True,
            "preserves_dtype": ["float64", "float32"],
        }

    def _check_X(self, X, reset: bool, copy=None, accept_sparse=False):
        copy = self.copy if copy is None else copy
        return self._validate_data(
            X, reset=reset, dtype=_FLOATS, copy=copy, accept_sparse=accept_sparse
        )


def _weighted_moments(X, w):
    """Per column: (weight of the non-NaN entries, mean, sum of squared deviations).

    Two passes (mean, then squared deviations from it) with the usual correction term, which
    keeps the variance accurate when the mean is large compared with the spread.
    """
    sums = w @ X if w is not None else X.sum(axis=0, dtype=np.float64)
    if np.all(np.isfinite(sums)):  # no NaN: the fast path
        count = np.full(X.shape[1], float(len(X)) if w is None else w.sum())
        mean = sums / count
        deviation = X - mean
        weighted = deviation if w is None else deviation * w[:, None]
        correction = weighted.sum(axis=0)
        squares = np.einsum("ij,ij->j", weighted, deviation)
    else:
        present = ~np.isnan(X)
        weights = present.astype(np.float64) if w is None else present * w[:, None]
        count = weights.sum(axis=0)
        filled = np.where(present, X, 0.0)
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = (weights * filled).sum(axis=0) / count
        deviation = np.where(present, X - mean, 0.0)
        correction = (weights * deviation).sum(axis=0)
        squares = (weights * deviation**2).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        squares = squares - correction**2 / count
    return count, mean, squares


class StandardScaler(_ColumnScaler):
    """Standardise features: subtract the mean and divide by the standard deviation.

    CSR/CSC input (with ``with_mean=False``: centring would fill in every zero) is scaled
    entry by entry and stays sparse, as in scikit-learn.

    Parameters
    ----------
    copy : bool
        Transform a copy (True) or, when possible, the input array itself.
    with_mean, with_std : bool
        Whether to centre and whether to scale to unit variance.

    Attributes
    ----------
    mean_, var_, scale_ : ndarray of shape (n_features,) or None
        Per-feature mean, (population) variance and the divisor ``sqrt(var_)``, where zero
        variance gives a divisor of 1. None when not used (``with_mean``/``with_std`` off).
    n_samples_seen_ : int, float or ndarray
        Samples seen per feature (an int when no NaN was seen; a float with sample weights).
    """

    def __init__(self, *, copy=True, with_mean=True, with_std=True):
        self.copy = copy
        self.with_mean = with_mean
        self.with_std = with_std

    def _homeml_tags(self) -> dict:
        return {**super()._homeml_tags(), "sparse": not self.with_mean}

    def fit(self, X, y=None, sample_weight=None):
        """Compute the mean and standard deviation of each feature (NaN ignored)."""
        for name in ("mean_", "var_", "scale_", "n_samples_seen_"):
            self.__dict__.pop(name, None)
        return self.partial_fit(X, y, sample_weight)

    def partial_fit(self, X, y=None, sample_weight=None):
        """Update the statistics with one more batch (Chan et al.'s parallel variance)."""
        first = not hasattr(self, "n_samples_seen_")
        X = self._check_X(X, reset=first, copy=False, accept_sparse=_SPARSE)
        self._refuse_centring_sparse(X)
        w = None if sample_weight is None else check_sample_weight(sample_weight, X)
        if w is not None and not w.any():
            raise ValueError("Sample weights must contain at least one non-zero number.")
        count, mean, squares = (sparse_moments if sp.issparse(X) else _weighted_moments)(X, w)
        if w is None:
            count = count.astype(np.int64)
        if first:
            total, new_mean, new_squares = count, mean, squares
        else:
            last_n = np.broadcast_to(self.n_samples_seen_, count.shape)
            last_mean = np.broadcast_to(self._mean, count.shape)
            last_squares = np.broadcast_to(self._squares, count.shape)
            total = last_n + count
            with np.errstate(invalid="ignore", divide="ignore"):
                delta = mean - last_mean
                new_mean = np.where(count > 0, last_mean + delta * count / total, last_mean)
                new_squares = np.where(
                    count > 0,
                    last_squares + squares + delta**2 * last_n * count / total,
                    last_squares,
                )
            new_mean = np.where(last_n > 0, new_mean, mean)
            new_squares = np.where(last_n > 0, new_squares, squares)
        self._mean, self._squares = new_mean, new_squares
        self.n_samples_seen_ = total[0] if np.ptp(total) == 0 else total
        if np.ndim(self.n_samples_seen_) == 0:
            self.n_samples_seen_ = (int if w is None else float)(self.n_samples_seen_)
        with np.errstate(invalid="ignore", divide="ignore"):
            var = new_squares / total
        self.mean_ = new_mean if (self.with_mean or self.with_std) else None
        self.var_ = var if self.with_std else None
        if self.with_std:
            # a feature that is constant up to rounding error must not be blown up
            eps = np.finfo(np.float64).eps
            constant = var <= total * eps * var + (total * new_mean * eps) ** 2
            self.scale_ = safe_scale(np.sqrt(var), constant)
        else:
            self.scale_ = None
        return self

    def transform(self, X, copy=None):
        """Standardise ``X`` with the fitted statistics (NaN stays NaN)."""
        check_is_fitted(self)
        # (fit reads CSR or CSC; transform returns CSR, as scikit-learn's)
        X = self._check_X(X, reset=False, copy=copy, accept_sparse="csr")
        self._refuse_centring_sparse(X)
        if sp.issparse(X):
            return scale_sparse_columns(X, 1.0 / self.scale_) if self.with_std else X
        if self.with_mean:
            X -= self.mean_.astype(X.dtype)
        if self.with_std:
            X /= self.scale_.astype(X.dtype)
        return X

    def _refuse_centring_sparse(self, X):
        if self.with_mean and sp.issparse(X):
            raise ValueError(
                "Cannot center sparse matrices: pass `with_mean=False` instead (centring would "
                "make every zero entry nonzero)."
            )

    def inverse_transform(self, X, copy=None):
        """Undo :meth:`transform`: multiply by ``scale_`` and add ``mean_``."""
        check_is_fitted(self)
        X = self._validate_data(
            X,
            reset=False,
            dtype=_FLOATS,
            copy=self.copy if copy is None else copy,
            accept_sparse="csr",
        )
        if sp.issparse(X):
            self._refuse_centring_sparse(X)
            return scale_sparse_columns(X, self.scale_) if self.with_std else X
        if self.with_std:
            X *= self.scale_.astype(X.dtype)
        if self.with_mean:
            X += self.mean_.astype(X.dtype)
        return X


class MinMaxScaler(_ColumnScaler):
    """Scale each feature linearly so that its range seen in fit maps onto ``feature_range``.

    Parameters
    ----------
    feature_range : tuple (min, max)
    copy : bool
    clip : bool
        Clip transformed values of new data to ``feature_range``.

    Attributes
    ----------
    data_min_, data_max_, data_range_ : ndarray of shape (n_features,)
    scale_, min_ : ndarray of shape (n_features,)
        ``transform(X) = X * scale_ + min_``.
    n_samples_seen_ : int
    """

    def __init__(self, feature_range=(0, 1), *, copy=True, clip=False):
        self.feature_range = feature_range
        self.copy = copy
        self.clip = clip

    def fit(self, X, y=None):
        """Find each feature's minimum and maximum (NaN ignored)."""
        for name in ("data_min_", "data_max_", "n_samples_seen_"):
            self.__dict__.pop(name, None)
        return self.partial_fit(X, y)

    def partial_fit(self, X, y=None):
        """Update the running minimum and maximum with one more batch."""
        low, high = self.feature_range
        if low >= high:
            raise ValueError(
                "Minimum of desired feature range must be smaller than maximum. "
                f"Got {self.feature_range}."
            )
        first = not hasattr(self, "data_min_")
        X = self._check_X(X, reset=first, copy=False)
        with np.errstate(invalid="ignore"), _no_all_nan_warning():
            data_min, data_max = np.nanmin(X, axis=0), np.nanmax(X, axis=0)
        if not first:
            data_min = np.fmin(self.data_min_, data_min)
            data_max = np.fmax(self.data_max_, data_max)
            self.n_samples_seen_ += X.shape[0]
        else:
            self.n_samples_seen_ = X.shape[0]
        self.data_min_, self.data_max_ = data_min, data_max
        self.data_range_ = data_max - data_min
        self.scale_ = (high - low) / safe_scale(self.data_range_)
        self.min_ = low - data_min * self.scale_
        return self

    def transform(self, X):
        """Map each feature onto ``feature_range`` (clipped when ``clip``)."""
        check_is_fitted(self)
        X = self._check_X(X, reset=False)
        X *= self.scale_.astype(X.dtype)
        X += self.min_.astype(X.dtype)
        if self.clip:
            np.clip(X, self.feature_range[0], self.feature_range[1], out=X)
        return X

    def inverse_transform(self, X):
        """Map back from ``feature_range`` to the original units."""
        check_is_fitted(self)
        X = self._check_X(X, reset=False)
        X -= self.min_.astype(X.dtype)
        X /= self.scale_.astype(X.dtype)
        return X


@contextlib.contextmanager
def _no_all_nan_warning():
    """Silence NumPy's "All-NaN slice" warning: an all-NaN column simply has a NaN statistic."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="All-NaN slice", category=RuntimeWarning)
        yield


class RobustScaler(_ColumnScaler):
    """Centre on the median and scale by an inter-quantile range (robust to outliers).

    Parameters
    ----------
    with_centering, with_scaling : bool
    quantile_range : tuple (q_min, q_max), 0 <= q_min < q_max <= 100
        Percentiles whose difference is the scale (default: the interquartile range).
    copy : bool
    unit_variance : bool
        Rescale so that normally distributed data ends up with variance 1.

    Attributes
    ----------
    center_, scale_ : ndarray of shape (n_features,) or None
    """

    def __init__(
        self,
        *,
        with_centering=True,
        with_scaling=True,
        quantile_range=(25.0, 75.0),
        copy=True,
        unit_variance=False,
    ):
        self.with_centering = with_centering
        self.with_scaling = with_scaling
        self.quantile_range = quantile_range
        self.copy = copy
        self.unit_variance = unit_variance

    def fit(self, X, y=None):
        """Compute the median and the quantile range of each feature (NaN ignored)."""
        q_min, q_max = self.quantile_range
        if not 0 <= q_min <= q_max <= 100:
            raise ValueError(
                f"Invalid quantile range: {self.quantile_range}; expected "
                "0 <= q_min <= q_max <= 100."
            )
        X = self._check_X(X, reset=True, copy=False)
        with _no_all_nan_warning():
            self.center_ = np.nanmedian(X, axis=0) if self.with_centering else None
            if self.with_scaling:
                low, high = np.nanpercentile(X, [q_min, q_max], axis=0)
                scale = high - low
                if self.unit_variance:
                    normal = NormalDist()
                    scale = scale / (normal.inv_cdf(q_max / 100) - normal.inv_cdf(q_min / 100))
                self.scale_ = safe_scale(scale)
            else:
                self.scale_ = None
        return self

    def transform(self, X):
        """Centre and scale ``X``."""
        check_is_fitted(self)
        X = self._check_X(X, reset=False)
        if self.with_centering:
            X -= self.center_.astype(X.dtype)
        if self.with_scaling:
            X /= self.scale_.astype(X.dtype)
        return X

    def inverse_transform(self, X):
        """Undo :meth:`transform`."""
        check_is_fitted(self)
        X = self._check_X(X, reset=False)
        if self.with_scaling:
            X *= self.scale_.astype(X.dtype)
        if self.with_centering:
            X += self.center_.astype(X.dtype)
        return X


class Normalizer(OneToOneFeatureNamesMixin, TransformerMixin, BaseEstimator):
    """Scale each sample (row) to unit norm; rows of zeros are left as they are.

    CSR input (TF-IDF rows, say) stays CSR: only the stored entries are divided.

    Parameters
    ----------
    norm : {"l1", "l2", "max"}
    copy : bool
    """

    _homeml_constraints = {"norm": [StrOptions({"l1", "l2", "max"})], "copy": ["boolean", None]}

    def __init__(self, norm="l2", *, copy=True):
        self.norm = norm
        self.copy = copy

    def _homeml_tags(self) -> dict:
        return {
            **super()._homeml_tags(),
            "requires_fit": False,
            "preserves_dtype": ["float64", "float32"],
            "sparse": True,
        }

    def fit(self, X, y=None):
        """Only checks ``X`` (the transformation is stateless)."""
        self._validate_params()
        self._validate_data(X, reset=True, dtype=_FLOATS, accept_sparse="csr")
        return self

    def transform(self, X, copy=None):
        """Divide each row by its norm."""
        self._validate_params()
        X = self._validate_data(
            X,
            reset=False,
            dtype=_FLOATS,
            copy=self.copy if copy is None else copy,
            accept_sparse="csr",
        )
        if sp.issparse(X):
            return normalize_sparse_rows(X, self.norm)
        if self.norm == "l1":
            norms = np.abs(X).sum(axis=1)
        elif self.norm == "l2":
            norms = np.sqrt(np.einsum("ij,ij->i", X, X))
        else:
            norms = np.abs(X).max(axis=1)
        X /= safe_scale(norms).astype(X.dtype)[:, None]
        return X
