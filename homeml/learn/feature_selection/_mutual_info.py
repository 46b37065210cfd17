"""Mutual information of each feature with the target: the k-nearest-neighbour estimators of
Kraskov et al. (continuous-continuous) and Ross (continuous-discrete), as scikit-learn's.

Distances are computed by brute force in row blocks (exact comparisons, as a KD-tree makes
them), so the cost is quadratic in the number of samples.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from scipy.special import digamma

from homeml.learn.preprocessing._common import safe_scale
from homeml.learn.validation import (
    check_array,
    check_classification_targets,
    check_consistent_length,
    check_random_state,
    column_or_1d,
)

_BLOCK = 1 << 20  # distance-matrix entries per block of rows


def _blocks(n: int):
    step = max(1, _BLOCK // max(n, 1))
    for start in range(0, n, step):
        yield slice(start, min(n, start + step))


def _kth_neighbour_distance(points: np.ndarray, k: int) -> np.ndarray:
    """Chebyshev distance of each row of ``points`` (n, d) to its k-th nearest other row."""
    out = np.empty(len(points))
    for rows in _blocks(len(points)):
        d = np.abs(points[rows, None, :] - points[None, :, :]).max(axis=2)
        d[np.arange(d.shape[0]), np.arange(rows.start, rows.stop)] = np.inf  # not itself
        out[rows] = np.partition(d, k - 1, axis=1)[:, k - 1]
    return out


def _kth_neighbour_distance_1d(values: np.ndarray, k: int) -> np.ndarray:
    """Euclidean distance of each value to its k-th nearest other value, computed as
    scikit-learn's NearestNeighbors() computes it: ``sqrt((a - b)**2)`` on its KD-tree, the
    ``|a|² - 2ab + |b|²`` expansion when it searches by brute force (k >= n // 2)."""
    if k < len(values) // 2:
        return np.sqrt(_kth_neighbour_distance(values[:, None], k) ** 2)
    out = np.empty(len(values))
    squares = values**2
    for rows in _blocks(len(values)):
        d = -2 * np.outer(values[rows], values)
        d += squares[rows, None]
        d += squares[None, :]
        np.maximum(d, 0, out=d)
        d[np.arange(d.shape[0]), np.arange(rows.start, rows.stop)] = np.inf  # not itself
        out[rows] = np.sqrt(np.partition(d, k - 1, axis=1)[:, k - 1])
    return out


def _count_within(values: np.ndarray, radius: np.ndarray, squared: bool = False) -> np.ndarray:
    """For each value, how many values (itself included) lie within its ``radius``
    (``squared``: compared as squares, as a Euclidean KD-tree compares them)."""
    out = np.empty(len(values), dtype=np.int64)
    for rows in _blocks(len(values)):
        gap = np.abs(values[rows, None] - values[None, :])
        if squared:
            close = gap**2 <= radius[rows, None] ** 2
        else:
            close = gap <= radius[rows, None]
        out[rows] = close.sum(axis=1)
    return out


def _mi_continuous(x, y, n_neighbors: int) -> float:
    n = x.size
    radius = np.nextafter(_kth_neighbour_distance(np.c_[x, y], n_neighbors), 0)
    nx = _count_within(x, radius) - 1.0
    ny = _count_within(y, radius) - 1.0
    mi = digamma(n) + digamma(n_neighbors) - np.mean(digamma(nx + 1)) - np.mean(digamma(ny + 1))
    return max(0.0, float(mi))


def _mi_mixed(c, d, n_neighbors: int) -> float:
    n = c.shape[0]
    radius = np.empty(n)
    label_counts = np.empty(n)
    k_all = np.empty(n)
    for label in np.unique(d):
        mask = d == label
        count = int(np.sum(mask))
        if count > 1:
            k = min(n_neighbors, count - 1)
            radius[mask] = np.nextafter(_kth_neighbour_distance_1d(c[mask], k), 0)
            k_all[mask] = k
        label_counts[mask] = count
    keep = label_counts > 1
    m_all = _count_within(c[keep], radius[keep], squared=True)
    mi = (
        digamma(int(np.sum(keep)))
        + np.mean(digamma(k_all[keep]))
        - np.mean(digamma(label_counts[keep]))
        - np.mean(digamma(m_all))
    )
    return max(0.0, float(mi))


def _mi(x, y, x_discrete: bool, y_discrete: bool, n_neighbors: int) -> float:
    if x_discrete and y_discrete:
        from homeml.learn.metrics import mutual_info_score

        return mutual_info_score(x, y)
    if x_discrete:
        return _mi_mixed(y, x, n_neighbors)
    if y_discrete:
        return _mi_mixed(x, y, n_neighbors)
    return _mi_continuous(x, y, n_neighbors)


def _columns(X):
    for j in range(X.shape[1]):
        if sp.issparse(X):
            column = np.zeros(X.shape[0])
            start, end = X.indptr[j], X.indptr[j + 1]
            column[X.indices[start:end]] = X.data[start:end]
            yield column
        else:
            yield X[:, j]


def _scale_columns(X):
    return X / safe_scale(np.std(X, axis=0))


def _estimate_mi(X, y, discrete_features, discrete_target, n_neighbors, copy, random_state):
    if (
        isinstance(n_neighbors, bool)
        or not isinstance(n_neighbors, (int, np.integer))
        or (n_neighbors < 1)
    ):
        raise ValueError(f"n_neighbors must be an int >= 1; got {n_neighbors!r}.")
    X = check_array(X, accept_sparse="csc")
    y = column_or_1d(y, warn=True)
    check_consistent_length(X, y)
    if not discrete_target:
        y = check_array(y, ensure_2d=False, dtype=np.float64, name="y")
    n_samples, n_features = X.shape
    if isinstance(discrete_features, (str, bool)):
        if isinstance(discrete_features, str):
            if discrete_features != "auto":
                raise ValueError("Invalid string value for discrete_features.")
            discrete_features = sp.issparse(X)
        discrete_mask = np.full(n_features, bool(discrete_features))
    else:
        given = check_array(discrete_features, ensure_2d=False, dtype=None)
        if given.dtype != bool:
            discrete_mask = np.zeros(n_features, dtype=bool)
            discrete_mask[given] = True
        else:
            discrete_mask = given
    continuous = ~discrete_mask
    if np.any(continuous) and sp.issparse(X):
        raise ValueError("Sparse matrix `X` can't have continuous features.")
    rng = check_random_state(random_state)
    if np.any(continuous):
        X = X.astype(np.float64, copy=copy)
        X[:, continuous] = _scale_columns(X[:, continuous])
        means = np.maximum(1, np.mean(np.abs(X[:, continuous]), axis=0))
        X[:, continuous] += (
            1e-10 * means * rng.standard_normal(size=(n_samples, int(np.sum(continuous))))
        )
    if not discrete_target:
        y = _scale_columns(y[:, None])[:, 0]
        y = y + 1e-10 * np.maximum(1, np.mean(np.abs(y))) * rng.standard_normal(size=n_samples)
    return np.array(
        [
            _mi(x, y, bool(discrete), discrete_target, int(n_neighbors))
            for x, discrete in zip(_columns(X), discrete_mask, strict=True)
        ]
    )


def mutual_info_regression(
    X, y, *, discrete_features="auto", n_neighbors=3, copy=True, random_state=None, n_jobs=None
) -> np.ndarray:
    """Estimated mutual information (nats) of each feature with a continuous target.

    Parameters
    ----------
    X : array-like or sparse matrix of shape (n_samples, n_features)
    y : array-like of shape (n_samples,)
    discrete_features : "auto", bool or array-like
        Which features are discrete ("auto": all for sparse ``X``, none for dense).
    n_neighbors : int
        The k of the k-nearest-neighbour estimators.
    copy : bool
        Work on a copy of ``X``.
    random_state : int, RandomState or None
        Seeds the tiny noise that breaks ties (the same draws as scikit-learn's).
    n_jobs : ignored
        The features are estimated one after the other.

    Returns
    -------
    mi : ndarray of shape (n_features,)
    """
    return _estimate_mi(X, y, discrete_features, False, n_neighbors, copy, random_state)


def mutual_info_classif(
    X, y, *, discrete_features="auto", n_neighbors=3, copy=True, random_state=None, n_jobs=None
) -> np.ndarray:
    """Estimated mutual information (nats) of each feature with class labels ``y``.

    The parameters are those of :func:`mutual_info_regression`.
    """
    check_classification_targets(y)
    return _estimate_mi(X, y, discrete_features, True, n_neighbors, copy, random_state)
