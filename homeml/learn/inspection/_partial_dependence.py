"""Partial dependence: the model's average (and per-sample) response as features sweep a grid.

homeml computes it by brute force for every estimator: each grid point is written into every row
of ``X`` and the predictions are averaged. scikit-learn's ``method="auto"`` uses the trees'
"recursion" for its gradient boosting, decision tree and random forest regressors, which gives
other numbers; compare with scikit-learn's ``method="brute"`` there.
"""

from __future__ import annotations

import itertools
import numbers

import numpy as np

from homeml.learn import _plotting
from homeml.learn.base import Bunch


def mquantiles(values, prob) -> np.ndarray:
    """Quantiles with plotting positions ``(i - 0.4) / (n + 0.2)`` (SciPy's mquantiles defaults,
    which scikit-learn uses for the grid ends and the deciles)."""
    x = np.sort(np.asarray(values, dtype=np.float64))
    n, p = len(x), np.asarray(prob, dtype=np.float64)
    m = 0.4 + p * (1.0 - 0.4 - 0.4)
    aleph = n * p + m
    k = np.floor(np.clip(aleph, 1, n - 1)).astype(int)
    gamma = np.clip(aleph - k, 0.0, 1.0)
    return (1.0 - gamma) * x[k - 1] + gamma * x[k]


def feature_names_of(X, feature_names=None) -> list:
    """The names of ``X``'s columns: given, a DataFrame's, else ``x0, x1, ...``."""
    if feature_names is None:
        if hasattr(X, "columns"):
            return [str(c) for c in X.columns]
        return [f"x{i}" for i in range(X.shape[1])]
    feature_names = list(feature_names)
    if len(set(feature_names)) != len(feature_names):
        raise ValueError("feature_names should not contain duplicates.")
    return feature_names


def feature_index(feature, feature_names) -> int:
    """A column's position from its index or name."""
    if isinstance(feature, str):
        if feature not in feature_names:
            raise ValueError(f"Feature {feature!r} not in feature_names")
        return feature_names.index(feature)
    if not isinstance(feature, numbers.Integral):
        raise TypeError(f"a feature is an int or a str; got {feature!r}")
    return int(feature)


def categorical_mask(categorical_features, columns, feature_names, n_features) -> list[bool]:
    """Whether each of ``columns`` is categorical, from a boolean mask or indices/names."""
    if categorical_features is None:
        return [False] * len(columns)
    categorical = np.asarray(categorical_features)
    if categorical.size == 0:
        raise ValueError(
            "Passing an empty list (`[]`) to `categorical_features` is not supported. Use "
            "`None` instead to indicate that there are no categorical features."
        )
    if categorical.dtype.kind == "b":
        if categorical.size != n_features:
            raise ValueError(
                "When `categorical_features` is a boolean array-like, the array should be of "
                f"shape (n_features,). Got {categorical.size} elements while `X` contains "
                f"{n_features} features."
            )
        return [bool(categorical[j]) for j in columns]
    if categorical.dtype.kind in ("i", "O", "U"):
        chosen = {feature_index(c.item() if hasattr(c, "item") else c, feature_names)
                  for c in categorical}  # fmt: skip
        return [j in chosen for j in columns]
    raise ValueError(
        "Expected `categorical_features` to be an array-like of boolean, integer, or string. "
        f"Got {categorical.dtype} instead."
    )


def _column(X, j):
    return np.asarray(X.iloc[:, j] if hasattr(X, "iloc") else X[:, j])


def _grid(X, features, is_categorical, percentiles, grid_resolution, custom_values):
    if len(percentiles) != 2:
        raise ValueError("'percentiles' must be a sequence of 2 elements.")
    if not all(0 <= p <= 1 for p in percentiles):
        raise ValueError("'percentiles' values must be in [0, 1].")
    if percentiles[0] >= percentiles[1]:
        raise ValueError("percentiles[0] must be strictly less than percentiles[1].")
    if grid_resolution <= 1:
        raise ValueError("'grid_resolution' must be strictly greater than 1.")
    values = []
    for (name, j), categorical in zip(features, is_categorical):
        if name in custom_values:
            axis = np.asarray(custom_values[name])
            if axis.ndim != 1:
                raise ValueError(f"The custom grid of feature {name!r} is not one-dimensional.")
        else:
            column = _column(X, j)
            uniques = np.unique(column)
            if categorical or len(uniques) < grid_resolution:
                axis = uniques
            else:
                low, high = mquantiles(column, percentiles)
                if np.allclose(low, high):
                    raise ValueError(
                        "percentiles are too close to each other, unable to build the grid. "
                        "Please choose percentiles that are further apart."
                    )
                axis = np.linspace(low, high, num=grid_resolution, endpoint=True)
        values.append(axis)
    return np.array(list(itertools.product(*values))), values


def _brute(estimator, grid, columns, X, response_method, sample_weight):
    if response_method == "auto":
        response_method = (
            "predict"
            if not _plotting.is_classifier(estimator)
            else ["predict_proba", "decision_function"]
        )
    X_eval = X.copy()
    predictions, averaged = [], []
    for point in grid:
        for value, j in zip(point, columns):
            if hasattr(X_eval, "iloc"):
                X_eval.iloc[:, j] = value
            else:
                X_eval[:, j] = value
        pred, _ = _plotting.response_values(estimator, X_eval, response_method)
        predictions.append(pred)
        averaged.append(np.average(pred, axis=0, weights=sample_weight))
    n_samples = X.shape[0]
    predictions = np.array(predictions).T
    if not _plotting.is_classifier(estimator) and predictions.ndim == 2:
        predictions = predictions.reshape(n_samples, -1)
    elif _plotting.is_classifier(estimator) and predictions.shape[0] == 2:
        predictions = predictions[1].reshape(n_samples, -1)
    averaged = np.array(averaged).T
    return (averaged.reshape(1, -1) if averaged.ndim == 1 else averaged), predictions


def partial_dependence(
    estimator,
    X,
    features,
    *,
    sample_weight=None,
    categorical_features=None,
    feature_names=None,
    response_method="auto",
    percentiles=(0.05, 0.95),
    grid_resolution=100,
    custom_values=None,
    method="auto",
    kind="average",
):
    """Partial dependence of the response on one feature or a pair of features.

    Parameters
    ----------
    estimator : fitted classifier or regressor
    X : ndarray or DataFrame of shape (n_samples, n_features)
        Rows over which the response is averaged; also where the grid comes from.
    features : int, str, or a sequence of one or two of them
        The feature(s) to sweep.
    sample_weight : array-like of shape (n_samples,), default=None
        Weights of the average.
    categorical_features : array-like of bool, int or str, or None, default=None
        Which features are categorical (a mask over all features, or indices / names): their
        grid is their distinct values.
    feature_names : list of str or None, default=None
    response_method : {"auto", "predict_proba", "decision_function"}, default="auto"
        For classifiers; "auto" tries ``predict_proba`` first.
    percentiles : tuple of two floats, default=(0.05, 0.95)
        Grid ends, as quantiles of each feature.
    grid_resolution : int, default=100
        Points per feature (a feature with fewer distinct values uses them all).
    custom_values : dict or None, default=None
        ``{feature: grid}`` for features whose grid is given.
    method : {"auto", "brute"}, default="auto"
        homeml always averages predictions ("brute").
    kind : {"average", "individual", "both"}, default="average"

    Returns
    -------
    Bunch
        ``grid_values`` (one array per feature), ``average`` of shape
        (n_outputs, len(grid_0), ...) and/or ``individual`` of shape
        (n_outputs, n_samples, len(grid_0), ...).
    """
    from homeml.learn.validation import check_is_fitted

    check_is_fitted(estimator)
    if not hasattr(estimator, "predict"):
        raise ValueError("'estimator' must be a fitted regressor or classifier.")
    if not _plotting.is_classifier(estimator) and response_method != "auto":
        raise ValueError(
            "The response_method parameter is ignored for regressors and must be 'auto'."
        )
    if method not in ("auto", "brute"):
        raise ValueError(
            f"homeml computes partial dependence by brute force only; got method={method!r}."
        )
    if kind not in ("average", "individual", "both"):
        raise ValueError(f"kind must be 'average', 'individual' or 'both'; got {kind!r}.")
    if not hasattr(X, "iloc"):
        X = np.asarray(X)
    names = feature_names_of(X, feature_names)
    chosen = [features] if isinstance(features, (str, numbers.Integral)) else list(features)
    columns = [feature_index(f, names) for f in chosen]
    if any(j < 0 or j >= X.shape[1] for j in columns):
        raise ValueError(f"all features must be in [0, {X.shape[1] - 1}]")
    is_categorical = categorical_mask(categorical_features, columns, names, X.shape[1])
    for f, j, categorical in zip(chosen, columns, is_categorical):
        if not categorical and _column(X, j).dtype.kind in "iu":
            raise ValueError(
                f"The column {f!r} contains integer data. Partial dependence plots are not "
                "supported for integer data: this can lead to implicit rounding with NumPy "
                "arrays or even errors with newer pandas versions. Please convert numerical "
                "features to floating point dtypes ahead of time to avoid problems."
            )
    grid, values = _grid(
        X,
        list(zip(chosen, columns)),
        is_categorical,
        percentiles,
        grid_resolution,
        custom_values or {},
    )
    averaged, predictions = _brute(estimator, grid, columns, X, response_method, sample_weight)
    shape = [len(v) for v in values]
    results = Bunch(grid_values=values)
    if kind in ("average", "both"):
        results["average"] = averaged.reshape(-1, *shape)
    if kind in ("individual", "both"):
        results["individual"] = predictions.reshape(-1, X.shape[0], *shape)
    return results
