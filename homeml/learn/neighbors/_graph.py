"""Neighbour graphs of a data set: :func:`kneighbors_graph` and :func:`radius_neighbors_graph`.

Both build (or reuse) a :class:`NearestNeighbors` index and return its graph over the fitted
points. scikit-learn returns a SciPy CSR matrix; homeml returns a dense ndarray with the same
values (0 where there is no edge), like ``NearestNeighbors.kneighbors_graph`` here.
"""

from __future__ import annotations

from homeml.learn.neighbors._estimators import NearestNeighbors

_MODES = ("connectivity", "distance")


def _index(X, metric, p, metric_params, n_jobs, **params) -> NearestNeighbors:
    """A fitted index: ``X`` itself when it already is one (its parameters must agree)."""
    if isinstance(X, NearestNeighbors):
        fitted = X.get_params()
        for name, value in (("metric", metric), ("p", p), ("metric_params", metric_params)):
            if value != fitted[name]:
                raise ValueError(
                    f"Got {value} for {name}, while the estimator has {fitted[name]} for the "
                    "same parameter."
                )
        return X
    return NearestNeighbors(
        metric=metric, p=p, metric_params=metric_params, n_jobs=n_jobs, **params
    ).fit(X)


def _query(index: NearestNeighbors, mode: str, include_self):
    """None (each point without itself) or the fitted points (each its own neighbour)."""
    if mode not in _MODES:
        raise ValueError(f"mode must be one of {_MODES}; got {mode!r}.")
    if include_self == "auto":
        include_self = mode == "connectivity"
    return index._fit_X if include_self else None


def kneighbors_graph(
    X,
    n_neighbors,
    *,
    mode="connectivity",
    metric="minkowski",
    p=2,
    metric_params=None,
    include_self=False,
    n_jobs=None,
):
    """Graph of the ``n_neighbors`` nearest neighbours of every point of ``X``.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features) or a fitted NearestNeighbors
        The points (or an index already fitted on them).
    n_neighbors : int
        Number of neighbours of each point.
    mode : {"connectivity", "distance"}, default="connectivity"
        Edge values: 1, or the distance between the two points.
    metric : str, default="minkowski"
        Any metric :class:`NearestNeighbors` accepts.
    p : float, default=2
        Minkowski power.
    metric_params : dict, default=None
    include_self : bool or "auto", default=False
        Count each point as its own first neighbour (``"auto"``: only with ``"connectivity"``).
    n_jobs : int, default=None
        Accepted for compatibility.

    Returns
    -------
    A : ndarray of shape (n_samples, n_samples)
        ``A[i, j]`` is the edge value when ``j`` is a neighbour of ``i``, else 0. Dense, whereas
        scikit-learn returns a CSR sparse matrix.
    """
    index = _index(X, metric, p, metric_params, n_jobs, n_neighbors=n_neighbors)
    query = _query(index, mode, include_self)
    return index.kneighbors_graph(query, n_neighbors=n_neighbors, mode=mode)


def radius_neighbors_graph(
    X,
    radius,
    *,
    mode="connectivity",
    metric="minkowski",
    p=2,
    metric_params=None,
    include_self=False,
    n_jobs=None,
):
    """Graph linking every point of ``X`` to the points within ``radius`` (inclusive) of it.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features) or a fitted NearestNeighbors
        The points (or an index already fitted on them).
    radius : float
        Neighbourhood radius.
    mode : {"connectivity", "distance"}, default="connectivity"
        Edge values: 1, or the distance between the two points.
    metric : str, default="minkowski"
    p : float, default=2
    metric_params : dict, default=None
    include_self : bool or "auto", default=False
        Keep each point's edge to itself (``"auto"``: only with ``"connectivity"``).
    n_jobs : int, default=None
        Accepted for compatibility.

    Returns
    -------
    A : ndarray of shape (n_samples, n_samples)
        Dense; scikit-learn returns a CSR sparse matrix with the same non-zero pattern (a
        distance-mode edge of length 0 is stored there but reads as 0 here).
    """
    index = _index(X, metric, p, metric_params, n_jobs, radius=radius)
    query = _query(index, mode, include_self)
    return index.radius_neighbors_graph(query, radius=radius, mode=mode)
