"""Pairwise distances for the manifold estimators, and the trustworthiness score."""

from __future__ import annotations

import numbers

import numpy as np

from homeml.learn.base import check_array
from homeml.learn.metrics.pairwise import pairwise_distances as _pairwise_distances
from homeml.learn.neighbors import NearestNeighbors

# the metrics of homeml.learn.metrics.pairwise the manifold estimators accept ("minkowski" takes
# its power p from metric_params)
_METRIC_NAMES = (
    "euclidean",
    "l2",
    "manhattan",
    "cityblock",
    "l1",
    "chebyshev",
    "infinity",
    "minkowski",
    "cosine",
    "sqeuclidean",
)
METRICS = (*_METRIC_NAMES, "precomputed")


def check_metric(metric, metric_params=None, *, allow_precomputed=True) -> None:
    """Raise ValueError unless ``metric`` is one of the supported names."""
    allowed = METRICS if allow_precomputed else _METRIC_NAMES
    if not isinstance(metric, str) or metric not in allowed:
        raise ValueError(f"metric must be one of {sorted(allowed)}; got {metric!r}.")
    extra = set(metric_params or {}) - {"p"}
    if extra:
        raise ValueError(f"metric_params may only hold 'p'; got {sorted(extra)}.")


def pairwise_distances(X, metric="euclidean", metric_params=None) -> np.ndarray:
    """Dense (n, n) matrix of distances between the rows of ``X`` (zero diagonal).

    ``"sqeuclidean"`` gives squared Euclidean distances; ``"minkowski"`` takes ``p`` from
    ``metric_params`` (default 2).
    """
    check_metric(metric, metric_params, allow_precomputed=False)
    params = {"p": (metric_params or {}).get("p", 2.0)} if metric == "minkowski" else {}
    D = _pairwise_distances(X, metric=metric, **params)
    np.fill_diagonal(D, 0.0)
    return (D + D.T) / 2  # exactly symmetric despite rounding


def check_precomputed(D, name="X", *, square=True) -> np.ndarray:
    """A (square unless ``square=False``) non-negative distance matrix, or a ValueError that
    says what is wrong."""
    if D.ndim != 2 or (square and D.shape[0] != D.shape[1]):
        raise ValueError(f"{name} should be a square distance matrix; got shape {D.shape}.")
    if np.any(D < 0):
        raise ValueError(f"{name} holds negative values: precomputed distances must be >= 0.")
    return D


def trustworthiness(X, X_embedded, *, n_neighbors=5, metric="euclidean"):
    r"""How well an embedding keeps local structure, in [0, 1] (1: nothing intrudes).

    .. math::

        T(k) = 1 - \frac{2}{nk (2n - 3k - 1)} \sum_{i=1}^n \sum_{j \in N_i^k} \max(0, r(i, j) - k)

    where :math:`N_i^k` are the k nearest neighbours of sample i in the embedding and
    :math:`r(i, j)` is the rank of j among the neighbours of i in the input space.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features) or (n_samples, n_samples)
        Input data, or a distance matrix with ``metric="precomputed"``.
    X_embedded : array-like of shape (n_samples, n_components)
        The embedding of ``X``.
    n_neighbors : int, default=5
        Must be below ``n_samples / 2``.
    metric : str, default="euclidean"
        Metric of the input space (one of the names of :func:`pairwise_distances`, or
        "precomputed"). The embedding always uses Euclidean distances.

    Returns
    -------
    trustworthiness : float
    """
    X = check_array(X)
    X_embedded = check_array(X_embedded)
    n = X.shape[0]
    if X_embedded.shape[0] != n:
        raise ValueError(
            f"X and X_embedded must have the same number of samples; got {n} and "
            f"{X_embedded.shape[0]}."
        )
    if not isinstance(n_neighbors, numbers.Integral) or n_neighbors < 1:
        raise ValueError(f"n_neighbors must be an integer >= 1; got {n_neighbors!r}.")
    if n_neighbors >= n / 2:
        raise ValueError(f"n_neighbors ({n_neighbors}) should be less than n_samples / 2 ({n / 2})")
    check_metric(metric)
    if metric == "precomputed":
        dist_X = check_precomputed(X).astype(np.float64, copy=True)
    else:
        dist_X = pairwise_distances(X, metric)
    np.fill_diagonal(dist_X, np.inf)  # a point is not its own neighbour
    order_X = np.argsort(dist_X, axis=1, kind="stable")
    # rank[i, j]: position of j among the input-space neighbours of i (1 = nearest)
    rank = np.empty((n, n), dtype=np.int64)
    rank[np.arange(n)[:, None], order_X] = np.arange(1, n + 1)
    nearest_embedded = (
        NearestNeighbors(n_neighbors=n_neighbors).fit(X_embedded).kneighbors(return_distance=False)
    )
    excess = rank[np.arange(n)[:, None], nearest_embedded] - n_neighbors
    penalty = np.maximum(excess, 0).sum()
    k = n_neighbors
    return float(1.0 - penalty * (2.0 / (n * k * (2.0 * n - 3.0 * k - 1.0))))
