"""KBinsDiscretizer: bin each continuous feature (uniform, quantile or 1-D k-means edges)."""

from __future__ import annotations

import warnings
from numbers import Integral

import numpy as np
import scipy.sparse as sp

from homeml.learn._param_validation import Interval, Options, StrOptions
from homeml.learn.base import (
    BaseEstimator,
    TransformerMixin,
    check_is_fitted,
    check_sample_weight,
)
from homeml.learn.preprocessing._common import input_feature_names
from homeml.learn.preprocessing._encoders import OneHotEncoder
from homeml.learn.validation import check_array, check_random_state

_FLOATS = [np.float64, np.float32]


def weighted_percentile(values, weights, percentiles, average: bool) -> np.ndarray:
    """Percentiles of 1-D ``values`` under ``weights`` (scikit-learn's ``_weighted_percentile``).

    The inverted CDF of the weights; with ``average`` ("averaged_inverted_cdf"), a level that
    falls exactly on a step of the CDF takes the mean of the two values around the step.
    """
    order = np.argsort(values, kind="quicksort")
    cdf = np.cumsum(weights[order])
    last = len(values) - 1
    out = np.empty(len(percentiles))
    eps = np.finfo(np.float64).eps
    for k, level in enumerate(percentiles):
        rank = level / 100 * cdf[-1]
        if rank == 0:
            rank = np.nextafter(rank, rank + 1)
        i = min(int(np.searchsorted(cdf, rank)), last)
        value = values[order[i]]
        if average and not cdf[i] - rank > eps:
            j = min(i + 1, last)
            if weights[order[j]] == 0:  # skip to the next sample with weight
                j = int(np.searchsorted(cdf, cdf[i], side="right"))
                j = i if j > last else j
            value = (value + values[order[j]]) / 2
        out[k] = value
    return out


class KBinsDiscretizer(TransformerMixin, BaseEstimator):
    """Bin continuous features into intervals, encoded as one-hot columns or bin indices.

    Parameters
    ----------
    n_bins : int or array-like of shape (n_features,)
        The number of bins of each feature (at least 2).
    encode : {"onehot", "onehot-dense", "ordinal"}
        Sparse one-hot, dense one-hot, or the bin index as a float.
    strategy : {"uniform", "quantile", "kmeans"}
        Equal widths, equal counts, or edges halfway between 1-D k-means centres.
    quantile_method : str
        NumPy's percentile method for ``strategy="quantile"`` (with sample weights, only
        "inverted_cdf" or "averaged_inverted_cdf").
    dtype : {np.float64, np.float32} or None
        The output dtype (None: the input's).
    subsample : int or None
        Fit on this many rows drawn with replacement (None: all rows).
    random_state : int, RandomState or None
        Seeds the subsample.

    Attributes
    ----------
    bin_edges_ : ndarray of ndarray
        The edges of each feature's bins.
    n_bins_ : ndarray of shape (n_features,)
        The number of bins of each feature (fewer where tiny bins were removed).
    """

    _homeml_constraints = {
        "n_bins": [Interval(Integral, 2, None, closed="left"), "array-like"],
        "encode": [StrOptions({"onehot", "onehot-dense", "ordinal"})],
        "strategy": [StrOptions({"uniform", "quantile", "kmeans"})],
        "quantile_method": [
            StrOptions(
                {
                    "warn",
                    "inverted_cdf",
                    "averaged_inverted_cdf",
                    "closest_observation",
                    "interpolated_inverted_cdf",
                    "hazen",
                    "weibull",
                    "linear",
                    "median_unbiased",
                    "normal_unbiased",
                }
            )
        ],
        "dtype": [Options(type, {np.float64, np.float32}), None],
        "subsample": [Interval(Integral, 1, None, closed="left"), None],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        n_bins=5,
        *,
        encode="onehot",
        strategy="quantile",
        quantile_method="averaged_inverted_cdf",
        dtype=None,
        subsample=200_000,
        random_state=None,
    ):
        self.n_bins = n_bins
        self.encode = encode
        self.strategy = strategy
        self.quantile_method = quantile_method
        self.dtype = dtype
        self.subsample = subsample
        self.random_state = random_state

    def _homeml_tags(self) -> dict:
        return {**super()._homeml_tags(), "preserves_dtype": ["float64", "float32"]}

    def _n_bins(self, n_features: int) -> np.ndarray:
        if isinstance(self.n_bins, Integral):
            return np.full(n_features, self.n_bins, dtype=int)
        n_bins = check_array(self.n_bins, dtype=int, ensure_2d=False, name="n_bins")
        if n_bins.ndim > 1 or n_bins.shape[0] != n_features:
            raise ValueError("n_bins must be a scalar or array of shape (n_features,).")
        bad = (n_bins < 2) | (n_bins != np.asarray(self.n_bins))
        if bad.any():
            raise ValueError(
                f"KBinsDiscretizer received an invalid number of bins at indices "
                f"{', '.join(str(i) for i in np.where(bad)[0])}. Number of bins must be at "
                "least 2, and must be an int."
            )
        return n_bins

    def fit(self, X, y=None, sample_weight=None):
        """Compute each feature's bin edges."""
        self._validate_params()
        X = self._validate_data(X, dtype="numeric")
        out_dtype = self.dtype if self.dtype in (np.float64, np.float32) else X.dtype
        n_samples = X.shape[0]
        if sample_weight is not None:
            sample_weight = check_sample_weight(sample_weight, X, dtype=X.dtype)
            if not sample_weight.any():
                raise ValueError("Sample weights must contain at least one non-zero number.")
        if self.subsample is not None and n_samples > self.subsample:
            rng = check_random_state(self.random_state)
            p = None if sample_weight is None else sample_weight / sample_weight.sum()
            X = X[rng.choice(n_samples, size=self.subsample, p=p, replace=True)]
            sample_weight = None
        n_bins = self._n_bins(X.shape[1])
        method = self.quantile_method
        if (
            self.strategy == "quantile"
            and method not in ("inverted_cdf", "averaged_inverted_cdf")
            and sample_weight is not None
        ):
            raise ValueError(
                "When fitting with strategy='quantile' and sample weights, quantile_method "
                "should either be set to 'averaged_inverted_cdf' or 'inverted_cdf', got "
                f"quantile_method='{method}' instead."
            )
        used = slice(None)
        if self.strategy != "quantile" and sample_weight is not None:
            used = sample_weight != 0
        edges = np.zeros(X.shape[1], dtype=object)
        for j in range(X.shape[1]):
            column = X[:, j]
            lo, hi = column[used].min(), column[used].max()
            if lo == hi:
                warnings.warn(f"Feature {j} is constant and will be replaced with 0.", stacklevel=2)
                n_bins[j] = 1
                edges[j] = np.array([-np.inf, np.inf])
                continue
            if self.strategy == "uniform":
                edges[j] = np.linspace(lo, hi, n_bins[j] + 1)
            elif self.strategy == "quantile":
                levels = np.linspace(0, 100, n_bins[j] + 1)
                if sample_weight is None:
                    kwargs = {} if method in ("linear", "warn") else {"method": method}
                    edges[j] = np.asarray(np.percentile(column, levels, **kwargs), np.float64)
                else:
                    edges[j] = weighted_percentile(
                        column, sample_weight, levels, average=method == "averaged_inverted_cdf"
                    )
            else:
                edges[j] = _kmeans_edges(column, n_bins[j], lo, hi, sample_weight)
            if self.strategy in ("quantile", "kmeans"):
                keep = np.ediff1d(edges[j], to_begin=np.inf) > 1e-8
                edges[j] = edges[j][keep]
                if len(edges[j]) - 1 != n_bins[j]:
                    warnings.warn(
                        f"Bins whose width are too small (i.e., <= 1e-8) in feature {j} are "
                        "removed. Consider decreasing the number of bins.",
                        stacklevel=2,
                    )
                    n_bins[j] = len(edges[j]) - 1
        self.bin_edges_ = edges
        self.n_bins_ = n_bins
        if "onehot" in self.encode:
            self._encoder = OneHotEncoder(
                categories=[np.arange(k) for k in n_bins],
                sparse_output=False,  # (made CSR in transform for encode="onehot")
                dtype=out_dtype,
            ).fit(np.zeros((1, len(n_bins))))
        return self

    def transform(self, X):
        """The bin of each value: one-hot columns or the bin index."""
        check_is_fitted(self)
        dtype = _FLOATS if self.dtype is None else self.dtype
        Xt = self._validate_data(X, reset=False, dtype=dtype, copy=True)
        for j in range(Xt.shape[1]):
            Xt[:, j] = np.searchsorted(self.bin_edges_[j][1:-1], Xt[:, j], side="right")
        if self.encode == "ordinal":
            return Xt
        fitted_dtype = self._encoder.dtype
        self._encoder.dtype = Xt.dtype
        try:
            encoded = self._encoder.transform(Xt)
        finally:
            self._encoder.dtype = fitted_dtype
        return sp.csr_matrix(encoded) if self.encode == "onehot" else encoded

    def inverse_transform(self, X):
        """The centre of each bin (the values themselves are lost in the binning)."""
        check_is_fitted(self)
        if "onehot" in self.encode:
            X = self._encoder.inverse_transform(X.toarray() if sp.issparse(X) else X)
        Xinv = check_array(X, copy=True, dtype=_FLOATS)
        n_features = self.n_bins_.shape[0]
        if Xinv.shape[1] != n_features:
            raise ValueError(
                f"Incorrect number of features. Expecting {n_features}, received {Xinv.shape[1]}."
            )
        for j in range(n_features):
            centres = (self.bin_edges_[j][1:] + self.bin_edges_[j][:-1]) * 0.5
            Xinv[:, j] = centres[Xinv[:, j].astype(np.int64)]
        return Xinv

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        """One name per output column (``x0_0, x0_1, ...`` one-hot; the input names ordinal)."""
        names = input_feature_names(self, input_features)
        if hasattr(self, "_encoder"):
            return self._encoder.get_feature_names_out(names)
        return names


def _kmeans_edges(column, n_bins, lo, hi, sample_weight):
    from homeml.learn.cluster import KMeans  # (loaded only for this strategy)

    uniform = np.linspace(lo, hi, n_bins + 1)
    init = (uniform[1:] + uniform[:-1])[:, None] * 0.5
    km = KMeans(n_clusters=n_bins, init=init, n_init=1)
    centres = np.sort(km.fit(column[:, None], sample_weight=sample_weight).cluster_centers_[:, 0])
    return np.r_[lo, (centres[1:] + centres[:-1]) * 0.5, hi]
