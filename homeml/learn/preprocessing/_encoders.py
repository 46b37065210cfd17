"""Categorical encoders: OneHotEncoder, OrdinalEncoder (columns of X) and LabelEncoder (y).

Each column is encoded on its own, keeping its dtype (a DataFrame may mix string and number
columns). Categories are sorted (``numpy.unique`` order) unless given; a missing value (NaN or
None) is a category of its own, placed last, as in scikit-learn.
"""

from __future__ import annotations

import numbers

import numpy as np

from homeml.learn._param_validation import StrOptions
from homeml.learn.base import (
    BaseEstimator,
    TransformerMixin,
    check_array,
    check_is_fitted,
    column_or_1d,
)
from homeml.learn.preprocessing._common import input_feature_names


def _is_missing(column: np.ndarray) -> np.ndarray:
    if column.dtype.kind == "f":
        return np.isnan(column)
    if column.dtype.kind == "O":
        return np.array([v is None or (isinstance(v, float) and v != v) for v in column], bool)
    return np.zeros(len(column), dtype=bool)


def _unique(column: np.ndarray) -> np.ndarray:
    """Sorted distinct values, the missing marker (if any) last."""
    missing = _is_missing(column)
    present = column[~missing]
    try:
        values = np.unique(present)
    except TypeError:
        kinds = sorted({type(v).__name__ for v in present})
        raise TypeError(
            "Encoders require their input argument must be uniformly strings or "
            f"numbers. Got {kinds}"
        ) from None
    if missing.any():
        values = np.append(values, column[missing][:1]).astype(column.dtype)
    return values


def _codes(column: np.ndarray, categories: np.ndarray):
    """Index of each value in ``categories`` and a mask of the values found there."""
    missing = _is_missing(column)
    cat_missing = _is_missing(categories)
    known = categories[~cat_missing]
    order = np.argsort(known, kind="stable")
    codes = np.zeros(len(column), dtype=np.int64)
    found = np.zeros(len(column), dtype=bool)
    present = column[~missing]
    if len(known) and len(present):
        try:
            pos = np.clip(np.searchsorted(known[order], present), 0, len(known) - 1)
            hit = known[order][pos] == present
        except TypeError:  # strings against numbers: nothing matches
            pos, hit = np.zeros(len(present), np.int64), np.zeros(len(present), bool)
        codes[~missing] = np.flatnonzero(~cat_missing)[order[pos]]
        found[~missing] = hit
    if cat_missing.any():
        codes[missing] = np.flatnonzero(cat_missing)[0]
        found[missing] = True
    return codes, found


class _BaseEncoder(TransformerMixin, BaseEstimator):
    """Column handling and category learning shared by the one-hot and ordinal encoders."""

    def _homeml_tags(self) -> dict:
        return {**super()._homeml_tags(), "allow_nan": True, "categorical": True, "string": True}

    def _columns(self, X, reset: bool) -> list[np.ndarray]:
        """Check X and split it into 1-D columns, each keeping its own dtype."""
        self._check_feature_names(X, reset=reset)
        if hasattr(X, "iloc") and hasattr(X, "dtypes"):  # DataFrame: column by column
            columns = [np.asarray(X.iloc[:, j].to_numpy()) for j in range(X.shape[1])]
            check_array(np.empty((X.shape[0], X.shape[1]), dtype=np.int8), estimator=self)
            for j, column in enumerate(columns):
                if column.dtype.kind == "O" and all(isinstance(v, numbers.Number) for v in column):
                    columns[j] = column.astype(np.float64)
                if columns[j].dtype.kind == "f" and np.isinf(columns[j]).any():
                    raise ValueError("Input X contains infinity or a value too large.")
            n_features = X.shape[1]
        else:
            array = check_array(X, dtype=None, allow_nan=True, estimator=self)
            columns = [array[:, j] for j in range(array.shape[1])]
            n_features = array.shape[1]
        self._check_n_features(np.empty((0, n_features)), reset=reset)
        return columns

    def _fit_categories(self, columns, handle_unknown: str):
        if isinstance(self.categories, str):
            if self.categories != "auto":
                raise ValueError(
                    f"categories must be 'auto' or a list of arrays; got {self.categories!r}."
                )
            self.categories_ = [_unique(c) for c in columns]
            return
        if len(self.categories) != len(columns):
            raise ValueError(
                f"Shape mismatch: if categories is an array, it has to be of shape "
                f"(n_features,) = ({len(columns)},); got {len(self.categories)}."
            )
        self.categories_ = []
        for j, (column, given) in enumerate(zip(columns, self.categories)):
            cats = np.asarray(given, dtype=column.dtype if column.dtype.kind in "biuf" else object)
            if cats.dtype.kind in "biuf":
                present = cats[~_is_missing(cats)]
                if np.any(present[1:] < present[:-1]):
                    raise ValueError(
                        f"Unsorted categories are not supported for numerical "
                        f"categories (column {j})."
                    )
            if handle_unknown == "error":
                _, found = _codes(column, cats)
                if not found.all():
                    raise ValueError(
                        f"Found unknown categories {_unique(column[~found]).tolist()} "
                        f"in column {j} during fit"
                    )
            self.categories_.append(cats)

    def _encode(self, X, handle_unknown: str):
        """Codes ``(n_samples, n_features)`` and the mask of known values."""
        columns = self._columns(X, reset=False)
        codes = np.empty((len(columns[0]) if columns else 0, len(columns)), dtype=np.int64)
        known = np.ones(codes.shape, dtype=bool)
        for j, (column, cats) in enumerate(zip(columns, self.categories_)):
            codes[:, j], known[:, j] = _codes(column, cats)
            if handle_unknown == "error" and not known[:, j].all():
                unknown = _unique(column[~known[:, j]]).tolist()
                raise ValueError(
                    f"Found unknown categories {unknown} in column {j} during transform"
                )
        return codes, known

    def _check_unsupported(self):
        if (
            getattr(self, "min_frequency", None) is not None
            or getattr(self, "max_categories", None) is not None
        ):
            raise ValueError(
                "min_frequency and max_categories (infrequent categories) are not "
                "supported by homeml; leave them as None."
            )


class OneHotEncoder(_BaseEncoder):
    """Encode each categorical feature as one 0/1 column per category (dense output).

    Parameters
    ----------
    categories : "auto" or list of array-like
        Categories of each feature; "auto" takes the sorted values seen in fit.
    drop : None, "first", "if_binary" or array-like
        Drop one category per feature (all features, only two-category features, or the given
        category of each feature) so that the columns are not collinear.
    sparse_output : bool, default False
        homeml only produces dense arrays, so the default is False (scikit-learn's is True);
        True raises ``ValueError``.
    dtype : number type
        dtype of the output.
    handle_unknown : {"error", "ignore", "infrequent_if_exist"}
        What an unseen category becomes in transform: an error, or all zeros ("ignore"; with no
        infrequent categories, "infrequent_if_exist" does the same).
    min_frequency, max_categories : None
        Infrequent-category grouping is not supported; must stay None.
    feature_name_combiner : "concat" or callable
        ``callable(feature_name, category) -> str`` names the output columns.

    Attributes
    ----------
    categories_ : list of ndarray
    drop_idx_ : ndarray of object or None
        Index of the dropped category of each feature (None: nothing dropped there).
    """

    _homeml_constraints = {
        "handle_unknown": [StrOptions({"error", "ignore", "infrequent_if_exist"})],
    }

    def __init__(
        self,
        *,
        categories="auto",
        drop=None,
        sparse_output=False,
        dtype=np.float64,
        handle_unknown="error",
        min_frequency=None,
        max_categories=None,
        feature_name_combiner="concat",
    ):
        self.categories = categories
        self.drop = drop
        self.sparse_output = sparse_output
        self.dtype = dtype
        self.handle_unknown = handle_unknown
        self.min_frequency = min_frequency
        self.max_categories = max_categories
        self.feature_name_combiner = feature_name_combiner

    def fit(self, X, y=None):
        """Learn the categories of each feature."""
        self._validate_params()
        if self.sparse_output:
            raise ValueError(
                "sparse_output=True is not supported: homeml's OneHotEncoder "
                "returns dense arrays; pass sparse_output=False."
            )
        self._check_unsupported()
        columns = self._columns(X, reset=True)
        self._fit_categories(columns, self.handle_unknown)
        self.drop_idx_ = self._drop_indices()
        return self

    def _drop_indices(self):
        if self.drop is None:
            return None
        if isinstance(self.drop, str):
            if self.drop == "first":
                return np.zeros(len(self.categories_), dtype=object)
            if self.drop == "if_binary":
                return np.array(
                    [0 if len(c) == 2 else None for c in self.categories_], dtype=object
                )
            raise ValueError(
                f"drop must be None, 'first', 'if_binary' or an array of one "
                f"category per feature; got {self.drop!r}."
            )
        drop = np.asarray(self.drop, dtype=object)
        if drop.shape != (len(self.categories_),):
            raise ValueError(
                f"drop should have length {len(self.categories_)} (one category "
                f"per feature); got {len(drop)}."
            )
        indices = []
        for j, (value, cats) in enumerate(zip(drop, self.categories_)):
            if value is None:
                indices.append(None)
                continue
            code, found = _codes(np.array([value], dtype=cats.dtype), cats)
            if not found[0]:
                raise ValueError(
                    f"The following categories were supposed to be dropped, but "
                    f"were not found in the training data.\nCategory: {value}, "
                    f"Feature: {j}"
                )
            indices.append(int(code[0]))
        return np.array(indices, dtype=object)

    def _kept(self) -> list[np.ndarray]:
        """Per feature, the category indices that get an output column."""
        kept = []
        for j, cats in enumerate(self.categories_):
            index = np.arange(len(cats))
            if self.drop_idx_ is not None and self.drop_idx_[j] is not None:
                index = np.delete(index, self.drop_idx_[j])
            kept.append(index)
        return kept

    def transform(self, X):
        """One 0/1 column per kept category of each feature, shape (n_samples, n_outputs)."""
        check_is_fitted(self)
        codes, known = self._encode(X, self.handle_unknown)
        kept = self._kept()
        widths = [len(k) for k in kept]
        out = np.zeros((codes.shape[0], sum(widths)), dtype=self.dtype)
        offset = 0
        rows = np.arange(codes.shape[0])
        for j, index in enumerate(kept):
            column_of = np.full(len(self.categories_[j]), -1)
            column_of[index] = np.arange(len(index))
            target = column_of[codes[:, j]]
            hit = known[:, j] & (target >= 0)
            out[rows[hit], offset + target[hit]] = 1
            offset += widths[j]
        return out

    def inverse_transform(self, X):
        """Back to categories; an all-zero block is the dropped category (or None if unknown)."""
        check_is_fitted(self)
        X = check_array(X, estimator=self)
        kept = self._kept()
        if X.shape[1] != sum(len(k) for k in kept):
            raise ValueError(
                f"Shape of the passed X data is not correct. Expected "
                f"{sum(len(k) for k in kept)} columns, got {X.shape[1]}."
            )
        dtypes = {c.dtype for c in self.categories_}
        out = np.empty((X.shape[0], len(kept)), dtype=dtypes.pop() if len(dtypes) == 1 else object)
        offset = 0
        for j, index in enumerate(kept):
            block = X[:, offset : offset + len(index)]
            offset += len(index)
            values = (
                self.categories_[j][index[block.argmax(axis=1)]]
                if len(index)
                else np.empty(len(X), dtype=object)
            )
            zero = block.sum(axis=1) == 0 if len(index) else np.ones(len(X), bool)
            if zero.any():
                dropped = None if self.drop_idx_ is None else self.drop_idx_[j]
                if dropped is None:
                    out = out.astype(object)
                    values = values.astype(object)
                    values[zero] = None
                else:
                    values[zero] = self.categories_[j][dropped]
            out[:, j] = values
        return out

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        """``feature_category`` for every output column."""
        names = input_feature_names(self, input_features)
        combine = self.feature_name_combiner
        if combine == "concat":

            def combine(feature, category):
                return f"{feature}_{category}"

        out = []
        for name, cats, index in zip(names, self.categories_, self._kept()):
            for category in cats[index]:
                label = combine(name, category)
                if not isinstance(label, str):
                    raise TypeError(
                        "When `feature_name_combiner` is a callable, it should "
                        f"return a Python string; got {type(label).__name__}."
                    )
                out.append(label)
        return np.asarray(out, dtype=object)


class OrdinalEncoder(_BaseEncoder):
    """Encode each categorical feature as integer codes 0..n_categories-1 (in one column).

    Parameters
    ----------
    categories : "auto" or list of array-like
    dtype : number type
    handle_unknown : {"error", "use_encoded_value"}
        With "use_encoded_value", unseen categories become ``unknown_value``.
    unknown_value : int, np.nan or None
        Required with "use_encoded_value"; must not be one of the codes of seen categories.
    encoded_missing_value : int or np.nan
        Code of a missing value (NaN/None).
    min_frequency, max_categories : None
        Not supported; must stay None.
    """

    _homeml_constraints = {"handle_unknown": [StrOptions({"error", "use_encoded_value"})]}

    def __init__(
        self,
        *,
        categories="auto",
        dtype=np.float64,
        handle_unknown="error",
        unknown_value=None,
        encoded_missing_value=np.nan,
        min_frequency=None,
        max_categories=None,
    ):
        self.categories = categories
        self.dtype = dtype
        self.handle_unknown = handle_unknown
        self.unknown_value = unknown_value
        self.encoded_missing_value = encoded_missing_value
        self.min_frequency = min_frequency
        self.max_categories = max_categories

    def fit(self, X, y=None):
        """Learn the categories of each feature."""
        self._validate_params()
        unknown = self.unknown_value
        if self.handle_unknown == "use_encoded_value":
            is_nan = isinstance(unknown, float) and np.isnan(unknown)
            if not (
                is_nan or (isinstance(unknown, numbers.Integral) and not isinstance(unknown, bool))
            ):
                raise TypeError(
                    "unknown_value should be an integer or np.nan when "
                    f"handle_unknown is 'use_encoded_value', got {unknown!r}."
                )
            if is_nan and np.dtype(self.dtype).kind != "f":
                raise ValueError(
                    "When unknown_value is np.nan, the dtype parameter should be "
                    f"a float dtype. Got {self.dtype}."
                )
        elif unknown is not None:
            raise TypeError(
                "unknown_value should only be set when handle_unknown is "
                f"'use_encoded_value', got {unknown!r}."
            )
        self._check_unsupported()
        columns = self._columns(X, reset=True)
        self._fit_categories(columns, self.handle_unknown)
        n_seen = [len(c) - _is_missing(c).sum() for c in self.categories_]
        if (
            self.handle_unknown == "use_encoded_value"
            and isinstance(unknown, numbers.Integral)
            and any(0 <= unknown < n for n in n_seen)
        ):
            raise ValueError(
                f"The used value for unknown_value {unknown} is one of the values "
                "already used for encoding the seen categories."
            )
        return self

    def transform(self, X):
        """Integer codes of each feature's categories, shape (n_samples, n_features)."""
        check_is_fitted(self)
        codes, known = self._encode(X, self.handle_unknown)
        out = codes.astype(self.dtype)
        for j, cats in enumerate(self.categories_):
            missing_code = np.flatnonzero(_is_missing(cats))
            if len(missing_code):
                out[codes[:, j] == missing_code[0], j] = self.encoded_missing_value
        if not known.all():
            out[~known] = self.unknown_value
        return out

    def inverse_transform(self, X):
        """Back to categories; ``unknown_value`` becomes None, the missing code NaN."""
        check_is_fitted(self)
        X = check_array(X, allow_nan=True, estimator=self)
        if X.shape[1] != len(self.categories_):
            raise ValueError(
                f"Shape of the passed X data is not correct. Expected "
                f"{len(self.categories_)} columns, got {X.shape[1]}."
            )
        dtypes = {c.dtype for c in self.categories_}
        out = np.empty(X.shape, dtype=dtypes.pop() if len(dtypes) == 1 else object)
        for j, cats in enumerate(self.categories_):
            column = X[:, j]
            missing_idx = np.flatnonzero(_is_missing(cats))
            is_missing = (
                (
                    np.isnan(column)
                    if np.isnan(self.encoded_missing_value)
                    else column == self.encoded_missing_value
                )
                if len(missing_idx)
                else np.zeros(len(column), bool)
            )
            unknown = ~is_missing & (
                (np.isnan(column) | (column < 0) | (column >= len(cats)))
                if self.handle_unknown == "use_encoded_value"
                else np.zeros(len(column), bool)
            )
            safe = np.where(is_missing | unknown | np.isnan(column), 0, column).astype(np.int64)
            values = cats[safe]
            if is_missing.any():
                values[is_missing] = cats[missing_idx[0]]
            if unknown.any():
                out, values = out.astype(object), values.astype(object)
                values[unknown] = None
            out[:, j] = values
        return out

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        """The input feature names (one output column per input column)."""
        return input_feature_names(self, input_features)


class LabelEncoder(TransformerMixin, BaseEstimator):
    """Encode target labels as 0..n_classes-1 (1-D ``y`` only).

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The sorted distinct labels.
    """

    def _homeml_tags(self) -> dict:
        return {**super()._homeml_tags(), "one_d_labels": True, "preserves_dtype": []}

    def fit(self, y):
        """Learn the sorted distinct labels of ``y``."""
        self.classes_ = _unique(column_or_1d(y, warn=True))
        return self

    def fit_transform(self, y):
        """Learn the labels and return the codes of ``y``."""
        return self.fit(y).transform(y)

    def transform(self, y):
        """Codes of the labels in ``y``; unseen labels raise ``ValueError``."""
        check_is_fitted(self)
        y = column_or_1d(y, warn=True)
        if len(y) == 0:
            return np.array([], dtype=np.int64)
        codes, found = _codes(y, self.classes_)
        if not found.all():
            raise ValueError(f"y contains previously unseen labels: {_unique(y[~found]).tolist()}")
        return codes

    def inverse_transform(self, y):
        """Labels of the codes in ``y``."""
        check_is_fitted(self)
        y = column_or_1d(y, warn=True)
        if len(y) == 0:
            return np.array([], dtype=self.classes_.dtype)
        bad = np.setdiff1d(y, np.arange(len(self.classes_)))
        if len(bad):
            raise ValueError(f"y contains previously unseen labels: {list(bad)}")
        return self.classes_[np.asarray(y, dtype=np.int64)]
