"""Helpers shared by the transformers: output feature names and safe division by a scale."""

from __future__ import annotations

import numpy as np

from homeml.learn.base import check_is_fitted


def input_feature_names(estimator, input_features=None) -> np.ndarray:
    """The names of the features ``estimator`` was fitted on, as an object array.

    ``input_features`` (if given) must match ``feature_names_in_`` when that exists, and have
    ``n_features_in_`` entries; the default is the fitted names or ``x0, x1, ...``.
    """
    check_is_fitted(estimator, "n_features_in_")
    fitted = getattr(estimator, "feature_names_in_", None)
    if input_features is None:
        if fitted is not None:
            return np.asarray(fitted, dtype=object)
        return np.asarray([f"x{i}" for i in range(estimator.n_features_in_)], dtype=object)
    input_features = np.asarray(input_features, dtype=object)
    if fitted is not None and not np.array_equal(fitted, input_features):
        raise ValueError("input_features is not equal to feature_names_in_")
    if len(input_features) != estimator.n_features_in_:
        raise ValueError(
            f"input_features should have length equal to number of features "
            f"({estimator.n_features_in_}), got {len(input_features)}"
        )
    return input_features


class OneToOneFeatureNamesMixin:
    """``get_feature_names_out`` for transformers whose output column i comes from input i."""

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        """Output feature names: the input names (``x0, x1, ...`` without a DataFrame)."""
        return input_feature_names(self, input_features)


def safe_scale(scale: np.ndarray, constant=None) -> np.ndarray:
    """``scale`` with zeros (and near-zeros, and flagged constant features) replaced by 1.

    Dividing by it then leaves a constant feature unchanged instead of producing inf or NaN.
    """
    scale = np.array(scale, dtype=np.float64, copy=True)
    tiny = scale < 10 * np.finfo(scale.dtype).eps
    if constant is not None:
        tiny |= constant
    scale[tiny] = 1.0
    return scale
