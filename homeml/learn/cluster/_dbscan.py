"""DBSCAN: density-based clustering of the points that have enough neighbours within ``eps``.

A point is a *core* point when the (weighted) count of points within ``eps`` of it, itself
included, reaches ``min_samples``. Clusters are the groups of core points linked through each
other's neighbourhoods, plus the non-core points in a core point's neighbourhood (border
points); everything else is noise (label -1).

The neighbourhoods come from :class:`~homeml.learn.neighbors.NearestNeighbors` (KD-tree or brute
force), flattened into CSR arrays; the cluster expansion is one depth-first pass in Numba over
those arrays, linear in the number of neighbour pairs. Seeds are visited in index order and a
border point joins the first cluster that reaches it, so labels are numbered as scikit-learn's.
"""

from __future__ import annotations

import numba
import numpy as np

from homeml.learn._param_validation import Integral, Interval, Real, StrOptions
from homeml.learn.base import BaseEstimator, ClusterMixin, check_sample_weight
from homeml.learn.neighbors import NearestNeighbors

_METRICS = (
    "euclidean",
    "l2",
    "minkowski",
    "manhattan",
    "cityblock",
    "l1",
    "chebyshev",
    "cosine",
    "precomputed",
)
_ALGORITHMS = ("auto", "ball_tree", "kd_tree", "brute")


@numba.njit(cache=True)
def _expand_clusters(is_core, indptr, indices):
    """Label every point reachable from a core point; -1 for the rest (noise).

    Depth-first from each unlabelled core point in index order: a point gets the current label
    when first reached, and only core points pass the search on to their neighbours.
    """
    n = is_core.shape[0]
    labels = np.full(n, -1, dtype=np.int64)
    stack = np.empty(indices.shape[0] + 1, dtype=np.int64)  # a point is pushed once per edge
    label = 0
    for seed in range(n):
        if labels[seed] != -1 or not is_core[seed]:
            continue
        top = 0
        stack[0] = seed
        while top >= 0:
            i = stack[top]
            top -= 1
            if labels[i] != -1:
                continue
            labels[i] = label
            if is_core[i]:
                for e in range(indptr[i], indptr[i + 1]):
                    j = indices[e]
                    if labels[j] == -1:
                        top += 1
                        stack[top] = j
        label += 1
    return labels


def _signed_sample_weight(sample_weight, X):
    """Checked weights; unlike most estimators DBSCAN accepts negative ones."""
    weights = check_sample_weight(sample_weight, X, allow_negative=True)
    if not weights.any():
        raise ValueError("Sample weights must contain at least one non-zero number.")
    return weights


class DBSCAN(ClusterMixin, BaseEstimator):
    """Density-Based Spatial Clustering of Applications with Noise.

    Parameters
    ----------
    eps : float, default=0.5
        Radius of a neighbourhood (inclusive).
    min_samples : int, default=5
        (Weighted) number of points within ``eps`` of a point, the point included, that makes
        it a core point.
    metric : {"euclidean", "minkowski", "manhattan", "chebyshev", "cosine", "precomputed"}, \
default="euclidean"
        Distance between points (also "l2", "l1", "cityblock"). With ``"precomputed"``, ``X``
        is a square matrix of distances.
    metric_params : dict, default=None
        May hold ``"p"``.
    algorithm : {"auto", "ball_tree", "kd_tree", "brute"}, default="auto"
        Neighbour search of :class:`NearestNeighbors` (``"ball_tree"`` is served by the
        KD-tree).
    leaf_size : int, default=30
        Leaf size of the KD-tree.
    p : float, default=None
        Minkowski power (None: 2).
    n_jobs : int, default=None
        Blocks of neighbour queries run at once, through ``joblib.Parallel`` (None: 1 unless a
        joblib ``parallel_backend`` says otherwise).

    Attributes
    ----------
    core_sample_indices_ : ndarray of shape (n_core_samples,)
        Indices of the core points.
    components_ : ndarray of shape (n_core_samples, n_features)
        The core points themselves.
    labels_ : ndarray of shape (n_samples,)
        Cluster of each point, -1 for noise.
    n_features_in_ : int
    """

    _homeml_constraints = {
        "eps": [Interval(Real, 0.0, None, closed="neither")],
        "min_samples": [Interval(Integral, 1, None, closed="left")],
        "metric": [StrOptions(set(_METRICS))],
        "metric_params": [dict, None],
        "algorithm": [StrOptions(set(_ALGORITHMS))],
        "leaf_size": [Interval(Integral, 1, None, closed="left")],
        "p": [Interval(Real, 1, None, closed="left"), None],
    }

    def __init__(
        self,
        eps=0.5,
        *,
        min_samples=5,
        metric="euclidean",
        metric_params=None,
        algorithm="auto",
        leaf_size=30,
        p=None,
        n_jobs=None,
    ):
        self.eps = eps
        self.min_samples = min_samples
        self.metric = metric
        self.metric_params = metric_params
        self.algorithm = algorithm
        self.leaf_size = leaf_size
        self.p = p
        self.n_jobs = n_jobs

    def _homeml_tags(self) -> dict:
        return {**super()._homeml_tags(), "pairwise": self.metric == "precomputed"}

    def _neighborhoods(self, X):
        """CSR arrays (indptr, indices) of each point's neighbours within eps, itself included."""
        if self.metric == "precomputed":
            if X.shape[0] != X.shape[1]:
                raise ValueError(
                    f"Precomputed matrix must be square. Input is a {X.shape[0]}x{X.shape[1]} "
                    "matrix."
                )
            rows, indices = np.nonzero(X <= self.eps)  # row-major: already grouped by row
            counts = np.bincount(rows, minlength=X.shape[0])
        else:
            index = NearestNeighbors(
                radius=self.eps,
                algorithm=self.algorithm,
                leaf_size=self.leaf_size,
                metric=self.metric,
                p=2 if self.p is None else self.p,
                metric_params=self.metric_params,
                n_jobs=self.n_jobs,
            ).fit(X)
            parts = index.radius_neighbors(X, return_distance=False)
            counts = np.fromiter(map(len, parts), dtype=np.int64, count=len(parts))
            indices = np.concatenate(parts) if len(parts) else np.empty(0, dtype=np.int64)
        indptr = np.zeros(X.shape[0] + 1, dtype=np.int64)
        np.cumsum(counts, out=indptr[1:])
        return indptr, np.ascontiguousarray(indices, dtype=np.int64)

    def fit(self, X, y=None, sample_weight=None):
        """Cluster ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features), or (n_samples, n_samples)
            Points, or their distances when ``metric="precomputed"``.
        y : ignored
        sample_weight : array-like of shape (n_samples,), default=None
            Weight of each point in the neighbour counts: a point weighing at least
            ``min_samples`` is a core point on its own; a negative weight may keep its
            neighbours from being core.

        Returns
        -------
        self : DBSCAN
        """
        self._validate_params()
        X = self._validate_data(X)
        indptr, indices = self._neighborhoods(X)
        if sample_weight is None:
            weight_within = np.diff(indptr).astype(np.float64)
        else:
            sample_weight = _signed_sample_weight(sample_weight, X)
            # sum of each point's neighbours' weights, row by row of the CSR arrays
            rows = np.repeat(np.arange(X.shape[0]), np.diff(indptr))
            weight_within = np.bincount(rows, sample_weight[indices], minlength=X.shape[0])
        is_core = weight_within >= self.min_samples
        self.labels_ = _expand_clusters(is_core, indptr, indices)
        self.core_sample_indices_ = np.flatnonzero(is_core)
        self.components_ = X[self.core_sample_indices_].copy()
        return self

    def fit_predict(self, X, y=None, sample_weight=None):
        """Cluster ``X`` and return the labels (-1 for noise); see :meth:`fit`."""
        return self.fit(X, sample_weight=sample_weight).labels_
