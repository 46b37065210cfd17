"""What every neighbours estimator shares: parameters, fitting the index, and the queries."""

from __future__ import annotations

import numbers
import warnings

import numpy as np
import scipy.sparse as sp

from homeml.learn._parallel import parallel_map, split_rows
from homeml.learn._param_validation import Integral, Interval, StrOptions
from homeml.learn.base import BaseEstimator, check_is_fitted
from homeml.learn.neighbors import _brute, _sparse_brute
from homeml.learn.neighbors._kd_tree import MINKOWSKI_P, KDTree

# metric name -> Minkowski power (cosine is the one non-Minkowski metric)
_METRIC_P = {**MINKOWSKI_P, "minkowski": None, "cosine": None}
METRICS = tuple(_METRIC_P)  # the metric names every neighbours estimator accepts
_ALGORITHMS = ("auto", "brute", "kd_tree", "ball_tree")
_P_NAMES = {2.0: "euclidean", 1.0: "manhattan", np.inf: "chebyshev"}


def _object_array(parts) -> np.ndarray:
    out = np.empty(len(parts), dtype=object)
    out[:] = parts
    return out


class NeighborsBase(BaseEstimator):
    """Fits the search index (brute force or KD-tree) and answers k-nearest and radius queries.

    ``algorithm="ball_tree"`` is served by the KD-tree: both are exact for Minkowski distances,
    so only the speed would differ.
    """

    # the parameters every neighbours estimator has (the subclasses add theirs); p is checked in
    # _fit_index, where metric_params may override it
    _homeml_constraints = {
        "n_neighbors": [Interval(Integral, 1, None, closed="left")],
        "algorithm": [StrOptions(set(_ALGORITHMS))],
        "leaf_size": [Interval(Integral, 1, None, closed="left")],
        "metric": [StrOptions(set(METRICS))],
        "metric_params": [dict, None],
    }

    def _sparse_ok(self) -> bool:
        """Whether the metric works on CSR input (Euclidean or cosine)."""
        p = (self.metric_params or {}).get("p", getattr(self, "p", 2))
        return self.metric == "cosine" or (_METRIC_P.get(self.metric) or p) == 2

    def _fit_index(self, X):
        """Build the search index on the validated ``X`` (``fit`` has checked the table)."""
        params = dict(self.metric_params or {})
        p = params.pop("p", self.p)
        if params:
            raise ValueError(
                f"metric_params may only hold 'p' for the supported metrics; got {sorted(params)}."
            )
        p = _METRIC_P[self.metric] or p
        if self.metric != "cosine" and (not isinstance(p, numbers.Real) or not p >= 1):
            raise ValueError(f"p must be a number >= 1 (Minkowski power); got {p!r}.")
        self._p = float(p)
        self._metric = "cosine" if self.metric == "cosine" else "minkowski"
        if self._metric == "cosine":
            self.effective_metric_, self.effective_metric_params_ = "cosine", {}
        elif self._p in _P_NAMES:
            self.effective_metric_, self.effective_metric_params_ = _P_NAMES[self._p], {}
        else:
            self.effective_metric_, self.effective_metric_params_ = "minkowski", {"p": self._p}

        self.n_samples_fit_ = X.shape[0]
        if sp.issparse(X):
            return self._fit_sparse_index(X)
        self._fit_X = np.ascontiguousarray(X, dtype=np.float64)
        method = self.algorithm
        if method == "auto":  # scikit-learn's rule: trees pay in few dimensions, for small k
            k = self.n_neighbors
            few_neighbors = k is None or k < self.n_samples_fit_ // 2
            tree_ok = self._metric != "cosine" and X.shape[1] <= 15 and few_neighbors
            method = "kd_tree" if tree_ok else "brute"
        if method in ("kd_tree", "ball_tree"):
            if self._metric == "cosine":
                raise ValueError(
                    f"metric='cosine' is not valid for algorithm={method!r}; use 'brute'."
                )
            self._tree = KDTree(self._fit_X, leaf_size=self.leaf_size, p=self._p)
            self._fit_method = "kd_tree"
        else:
            self._tree = None
            self._fit_method = "brute"
            self._brute_Y, self._brute_Y_sq = _brute.prepare(self._fit_X, self._metric)
        return self

    def _fit_sparse_index(self, X):
        """CSR input: brute force (no tree), Euclidean or cosine distances."""
        if self._metric != "cosine" and self._p != 2.0:
            raise ValueError(
                f"metric={self.effective_metric_!r} is not supported on sparse input; use "
                "'euclidean' (or minkowski with p=2) or 'cosine', or pass X.toarray()."
            )
        if self.algorithm in ("kd_tree", "ball_tree"):
            warnings.warn("cannot use tree with sparse input: using brute force", stacklevel=3)
        self._fit_X = sp.csr_matrix(X, dtype=np.float64)
        self._tree, self._fit_method = None, "brute"
        self._brute_Y, self._brute_Y_sq = _sparse_brute.prepare(self._fit_X, self._metric)
        return self

    @staticmethod
    def _check_k(k):
        if not isinstance(k, numbers.Integral) or isinstance(k, bool):
            raise TypeError(
                f"n_neighbors does not take {type(k).__name__} value, enter integer "
                f"value (got {k!r})."
            )
        if k <= 0:
            raise ValueError(f"Expected n_neighbors > 0. Got {k}")

    def _query_X(self, X):
        check_is_fitted(self)
        if X is None:
            return None
        X = self._validate_data(X, reset=False, accept_sparse="csr")
        if sp.issparse(self._fit_X):  # a sparse index takes sparse queries
            return sp.csr_matrix(X, dtype=np.float64)
        if sp.issparse(X):
            X = X.toarray()
        return np.ascontiguousarray(X, dtype=np.float64)

    def kneighbors(self, X=None, n_neighbors=None, return_distance=True):
        """The ``n_neighbors`` nearest fitted points of each query.

        Parameters
        ----------
        X : array-like of shape (n_queries, n_features), default=None
            Queries. None means the fitted points, each excluded from its own neighbours.
        n_neighbors : int, default=None
            Defaults to the estimator's ``n_neighbors``.
        return_distance : bool, default=True

        Returns
        -------
        neigh_dist : ndarray of shape (n_queries, n_neighbors)
            Only with ``return_distance``; nearest first.
        neigh_ind : ndarray of shape (n_queries, n_neighbors)
        """
        Q = self._query_X(X)
        k = self.n_neighbors if n_neighbors is None else n_neighbors
        self._check_k(k)
        self_query = Q is None
        if self_query:
            Q, k = self._fit_X, k + 1  # one more: the point itself is found and dropped
        if k > self.n_samples_fit_:
            raise ValueError(
                f"Expected n_neighbors <= n_samples_fit, but n_neighbors = {k}, n_samples_fit "
                f"= {self.n_samples_fit_}, n_samples = {Q.shape[0]}"
            )
        n_jobs = getattr(self, "n_jobs", None)
        tasks = [(self, Q[rows], k) for rows in split_rows(Q.shape[0], n_jobs)]
        parts = parallel_map(_kneighbors_rows, tasks, n_jobs)
        dist, ind = (np.concatenate(p) for p in zip(*parts))
        if self_query:
            dist, ind = _drop_self(dist, ind)
        return (dist, ind) if return_distance else ind

    def kneighbors_graph(self, X=None, n_neighbors=None, mode="connectivity"):
        """Dense (n_queries, n_samples_fit) matrix: 1 (or the distance, ``mode="distance"``)
        where a fitted point is among a query's neighbours, else 0.

        scikit-learn returns a SciPy CSR matrix; homeml returns a dense ndarray (same values).
        """
        if mode not in ("connectivity", "distance"):
            raise ValueError(
                f'Unsupported mode, must be one of "connectivity", or "distance" but got '
                f'"{mode}" instead'
            )
        dist, ind = self.kneighbors(X, n_neighbors, return_distance=True)
        graph = np.zeros((ind.shape[0], self.n_samples_fit_))
        rows = np.arange(ind.shape[0])[:, None]
        graph[rows, ind] = 1.0 if mode == "connectivity" else dist
        return graph

    def _radius_neighbors(self, X, radius, return_distance, sort_results):
        Q = self._query_X(X)
        radius = self.radius if radius is None else radius
        self_query = Q is None
        if self_query:
            Q = self._fit_X
        r = np.broadcast_to(np.asarray(radius, dtype=np.float64), (Q.shape[0],))
        n_jobs = getattr(self, "n_jobs", None)
        tasks = [(self, Q[rows], r[rows]) for rows in split_rows(Q.shape[0], n_jobs)]
        parts = parallel_map(_radius_rows, tasks, n_jobs)
        ind = _object_array([i for p in parts for i in p[0]])
        dist = _object_array([d for p in parts for d in p[1]])
        for i in range(len(ind)):
            keep = ind[i] != i if self_query else slice(None)
            order = np.argsort(dist[i][keep], kind="stable") if sort_results else slice(None)
            ind[i], dist[i] = ind[i][keep][order], dist[i][keep][order]
        return (dist, ind) if return_distance else ind


def _kneighbors_rows(index, Q, k):
    """``(dist, ind)`` of the ``k`` nearest fitted points of the queries ``Q`` (one task)."""
    if index._fit_method == "kd_tree":
        return index._tree.query(Q, k=k)
    if sp.issparse(index._fit_X):
        return _sparse_brute.kneighbors(Q, index._brute_Y, index._brute_Y_sq, k, index._metric)
    return _brute.kneighbors(Q, index._brute_Y, index._brute_Y_sq, k, index._metric, index._p)


def _radius_rows(index, Q, r):
    """``(ind, dist)`` of the fitted points within ``r`` of each query in ``Q`` (one task)."""
    if index._fit_method == "kd_tree":
        return index._tree.query_radius(Q, r, return_distance=True)
    if sp.issparse(index._fit_X):
        return _sparse_brute.radius_neighbors(
            Q, index._brute_Y, index._brute_Y_sq, r, index._metric
        )
    return _brute.radius_neighbors(Q, index._brute_Y, index._brute_Y_sq, r, index._metric, index._p)


def _drop_self(dist, ind):
    """Remove each query's own index from its k + 1 neighbours; when it is absent (duplicates of
    the point fill the list) drop the first one instead, a duplicate at distance 0, as
    scikit-learn does."""
    n, k1 = ind.shape
    is_self = ind == np.arange(n)[:, None]
    is_self[~is_self.any(axis=1), 0] = True
    keep = ~is_self
    return dist[keep].reshape(n, k1 - 1), ind[keep].reshape(n, k1 - 1)


def neighbor_weights(dist, weights):
    """Weights of the neighbours from their distances: None (uniform), 1/d, or ``weights(d)``.

    With ``"distance"``, a query that coincides with some neighbours (d = 0) gets weight 1 on
    those and 0 on the rest, as the limit of 1/d would.
    """
    if weights in (None, "uniform"):
        return None
    if weights == "distance":
        with np.errstate(divide="ignore"):
            w = 1.0 / dist
        exact = np.isinf(w)
        rows = exact.any(axis=1)
        w[rows] = exact[rows]
        return w
    if callable(weights):
        return weights(dist)
    raise ValueError(f"weights must be 'uniform', 'distance' or a callable; got {weights!r}.")


WEIGHTS_CONSTRAINT = [StrOptions({"uniform", "distance"}), callable, None]
