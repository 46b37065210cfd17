"""SimpleImputer: replace missing values by a per-column statistic or a constant."""

from __future__ import annotations

import numbers
import warnings

import numpy as np

from homeml.learn._param_validation import StrOptions
from homeml.learn.base import BaseEstimator, TransformerMixin, check_array, check_is_fitted
from homeml.learn.preprocessing._common import input_feature_names

_STRATEGIES = ("mean", "median", "most_frequent", "constant")


def _missing_mask(X: np.ndarray, missing_values) -> np.ndarray:
    if isinstance(missing_values, float) and np.isnan(missing_values):
        if X.dtype.kind == "f":
            return np.isnan(X)
        if X.dtype.kind == "O":
            return (
                np.vectorize(
                    lambda v: v is None or (isinstance(v, float) and v != v), otypes=[bool]
                )(X)
                if X.size
                else np.zeros(X.shape, bool)
            )
        return np.zeros(X.shape, dtype=bool)
    if missing_values is None:
        return np.equal(X, None) if X.dtype.kind == "O" else np.zeros(X.shape, bool)
    return X == missing_values


def _most_frequent(values: np.ndarray):
    """The most frequent value; among ties, the smallest."""
    distinct, counts = np.unique(values, return_counts=True)
    return distinct[np.argmax(counts)]  # np.unique sorts, argmax takes the first maximum


class SimpleImputer(TransformerMixin, BaseEstimator):
    """Fill missing values with the column's mean, median, most frequent value or a constant.

    Parameters
    ----------
    missing_values : float, int, str or None
        The placeholder of a missing value (default NaN).
    strategy : {"mean", "median", "most_frequent", "constant"}
        "mean" and "median" need numbers; the other two also work on strings.
    fill_value : scalar or None
        The constant of "constant" (default 0 for numbers, "missing_value" for strings).
    copy : bool
    add_indicator : bool
        Append one 0/1 column per feature that had missing values in fit.
    keep_empty_features : bool
        Keep columns that were entirely missing in fit (filled with 0, or ``fill_value`` with
        "constant"); otherwise they are dropped from the output with a warning, whatever the
        strategy, as in scikit-learn 1.9.

    Attributes
    ----------
    statistics_ : ndarray of shape (n_features,)
        The fill value of each feature (NaN for an all-missing column that transform drops).
    """

    _homeml_constraints = {"strategy": [StrOptions(set(_STRATEGIES))], "copy": ["boolean"]}

    def __init__(
        self,
        *,
        missing_values=np.nan,
        strategy="mean",
        fill_value=None,
        copy=True,
        add_indicator=False,
        keep_empty_features=False,
    ):
        self.missing_values = missing_values
        self.strategy = strategy
        self.fill_value = fill_value
        self.copy = copy
        self.add_indicator = add_indicator
        self.keep_empty_features = keep_empty_features

    def _homeml_tags(self) -> dict:
        nan = isinstance(self.missing_values, float) and bool(np.isnan(self.missing_values))
        return {
            **super()._homeml_tags(),
            "allow_nan": nan,
            "preserves_dtype": ["float64", "float32"],
        }

    def _check_X(self, X, reset: bool):
        numeric = self.strategy in ("mean", "median")
        allow_nan = isinstance(self.missing_values, float) and np.isnan(self.missing_values)
        if numeric:
            try:
                return self._validate_data(
                    X,
                    reset=reset,
                    dtype=[np.float64, np.float32],
                    allow_nan=allow_nan,
                    copy=self.copy,
                )
            except ValueError as error:
                if "NaN" in str(error) or "infinity" in str(error):
                    raise
                raise ValueError(
                    f"Cannot use {self.strategy} strategy with non-numeric data: {error}"
                ) from None
        self._check_feature_names(X, reset=reset)
        X = check_array(X, dtype=None, allow_nan=allow_nan, copy=self.copy, estimator=self)
        if X.dtype.kind in "iub":
            X = X.astype(np.float64)
        self._check_n_features(X, reset=reset)
        return X

    def fit(self, X, y=None):
        """Compute the fill value of each feature."""
        self._validate_params()
        X = self._check_X(X, reset=True)
        missing = _missing_mask(X, self.missing_values)
        fill = self.fill_value
        if fill is None:
            fill = 0 if X.dtype.kind in "biuf" else "missing_value"
        if (
            self.strategy == "constant"
            and X.dtype.kind in "biuf"
            and not isinstance(fill, numbers.Number)
        ):
            raise ValueError(
                f"fill_value={fill!r} is invalid. Expected a numerical value when "
                f"imputing numerical data"
            )
        stats = []
        for j in range(X.shape[1]):
            values = X[~missing[:, j], j]
            if len(values) == 0 and not self.keep_empty_features:
                stats.append(np.nan)  # an all-missing column: dropped by transform
            elif self.strategy == "constant":
                stats.append(fill)
            elif len(values) == 0:
                stats.append(0)
            elif self.strategy == "mean":
                stats.append(values.mean(dtype=np.float64))
            elif self.strategy == "median":
                stats.append(np.median(values))
            else:
                stats.append(_most_frequent(values))
        dtype = X.dtype if X.dtype.kind in "fO" else object
        if X.dtype.kind in "US":
            dtype = object
        self.statistics_ = np.array(stats, dtype=dtype) if stats else np.empty(0, dtype)
        self._indicator_features = np.flatnonzero(missing.any(axis=0))
        return self

    def _kept(self) -> np.ndarray:
        # as in scikit-learn >= 1.6, columns with no observed value in fit are dropped (their
        # statistic is NaN) for every strategy, "constant" too, unless keep_empty_features
        if self.keep_empty_features:
            return np.ones(len(self.statistics_), dtype=bool)
        stats = self.statistics_
        return ~np.array([v is None or (isinstance(v, float) and v != v) for v in stats], bool)

    def transform(self, X):
        """Fill the missing values; append the indicator columns with ``add_indicator``."""
        check_is_fitted(self)
        X = self._check_X(X, reset=False)
        missing = _missing_mask(X, self.missing_values)
        kept = self._kept()
        if not kept.all():
            names = getattr(self, "feature_names_in_", None)
            skipped = np.flatnonzero(~kept) if names is None else names[~kept]
            warnings.warn(
                f"Skipping features without any observed values: "
                f"{skipped}. At least one non-missing value is needed "
                f"for imputation with strategy='{self.strategy}'.",
                stacklevel=2,
            )
        if X.dtype.kind in "US" or (X.dtype.kind != "O" and self.statistics_.dtype.kind == "O"):
            X = X.astype(object)
        rows, cols = np.nonzero(missing)
        X[rows, cols] = self.statistics_[cols]
        out = X[:, kept]
        if self.add_indicator:
            indicator = missing[:, self._indicator_features].astype(out.dtype)
            out = np.hstack([out, indicator])
        return out

    @property
    def inverse_transform(self):
        """Put ``missing_values`` back where the indicator columns mark them.

        Exists only with ``add_indicator=True`` (``hasattr`` says so): without the indicator
        columns, which values were missing is lost.
        """
        if not self.add_indicator:
            raise AttributeError(
                "'inverse_transform' works only when 'SimpleImputer' is "
                f"instantiated with 'add_indicator=True'. Got 'add_indicator="
                f"{self.add_indicator}' instead."
            )
        return self._inverse_transform

    def _inverse_transform(self, X):
        check_is_fitted(self)
        X = check_array(X, dtype=None, allow_nan=True, estimator=self)
        kept = np.flatnonzero(self._kept())
        n_indicator = len(self._indicator_features)
        imputed, indicator = X[:, : -n_indicator or None], X[:, X.shape[1] - n_indicator :]
        out = np.full(
            (X.shape[0], len(self.statistics_)),
            self.missing_values,
            dtype=X.dtype if X.dtype.kind in "fO" else object,
        )
        out[:, kept] = imputed
        for k, j in enumerate(self._indicator_features):
            out[indicator[:, k].astype(bool), j] = self.missing_values
        return out

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        """Kept input names, then ``missingindicator_<name>`` for each indicator column."""
        names = input_feature_names(self, input_features)
        out = list(names[self._kept()])
        if self.add_indicator:
            out += [f"missingindicator_{names[j]}" for j in self._indicator_features]
        return np.asarray(out, dtype=object)
