"""Agglomerative (bottom-up hierarchical) clustering: ward, complete, average and single linkage.

Every point starts as its own cluster and the two closest clusters merge until one is left; the
merge tree (``children_``, ``distances_``) is cut to give ``n_clusters`` clusters, or cut where
merges grow longer than ``distance_threshold``.

- ward, complete, average: the nearest-neighbour chain on the condensed distance matrix
  (O(n^2) memory and time). Follow nearest neighbours until two clusters are each other's
  nearest; merging them is safe for these "reducible" linkages, and the chain stays valid. The
  distances to a merged cluster follow the Lance-Williams updates.
- single: a minimum spanning tree by Prim's algorithm (distances made on the fly for Euclidean
  and Manhattan, O(n) memory), whose edges sorted by length are the merges.

Merges are then sorted by distance and renumbered with a union-find (leaves 0..n-1, the i-th
merge makes cluster n + i), which gives scikit-learn's ``children_`` (as SciPy numbers them).
Only ``connectivity=None`` is supported (no structured, graph-constrained clustering).
"""

from __future__ import annotations

import heapq

import numba
import numpy as np

from homeml.learn._param_validation import Integral, Interval, Real, StrOptions
from homeml.learn.base import BaseEstimator, ClusterMixin

_LINKAGES = ("ward", "complete", "average", "single")
_POINT_METRICS = {"euclidean": 0, "l2": 0, "manhattan": 1, "cityblock": 1, "l1": 1, "cosine": 2}
_WARD, _COMPLETE, _AVERAGE = 0, 1, 2


@numba.njit(cache=True, inline="always")
def _cond(n, i, j):
    """Position of the pair (i, j), i != j, in the condensed (upper-triangle) distance vector."""
    lo, hi = min(i, j), max(i, j)
    return n * lo - (lo * (lo + 1)) // 2 + (hi - lo - 1)


@numba.njit(cache=True, inline="always")
def _distance(a, b, metric):
    if metric == 2:  # cosine, clipped to [0, 2] against rounding
        dot, na, nb = 0.0, 0.0, 0.0
        for t in range(a.shape[0]):
            dot += a[t] * b[t]
            na += a[t] * a[t]
            nb += b[t] * b[t]
        cos = dot / (np.sqrt(na) * np.sqrt(nb))
        return 1.0 - min(1.0, max(-1.0, cos))
    acc = 0.0
    for t in range(a.shape[0]):
        diff = a[t] - b[t]
        acc += diff * diff if metric == 0 else abs(diff)
    return np.sqrt(acc) if metric == 0 else acc


@numba.njit(cache=True, parallel=True)
def _condensed_distances(X, metric):
    """Distances of all pairs i < j, row after row (exact differences, no Gram trick)."""
    n = X.shape[0]
    D = np.empty(n * (n - 1) // 2)
    for row in numba.prange(n - 1):
        i = np.int64(row)
        start = n * i - (i * (i + 1)) // 2
        for j in range(i + 1, n):
            D[start + j - i - 1] = _distance(X[i], X[j], metric)
    return D


@numba.njit(cache=True)
def _nn_chain(D, n, method):
    """Merges (slot a < slot b, distance) of ward/complete/average linkage, in the order found.

    ``D`` (condensed) is overwritten. The merged cluster takes slot b; slot a is emptied.
    """
    size = np.ones(n, dtype=np.int64)
    chain = np.empty(n, dtype=np.int64)
    merges = np.empty((n - 1, 3))
    length = 0
    for k in range(n - 1):
        if length == 0:  # start a new chain at the first live cluster
            for i in range(n):
                if size[i] > 0:
                    chain[0] = i
                    break
            length = 1
        while True:  # extend the chain until its last two are mutual nearest neighbours
            x = chain[length - 1]
            y = chain[length - 2] if length > 1 else -1
            best = D[_cond(n, x, y)] if length > 1 else np.inf
            for i in range(n):
                if size[i] > 0 and i != x:
                    d = D[_cond(n, x, i)]
                    if d < best:
                        best, y = d, i
            if length > 1 and y == chain[length - 2]:
                break
            chain[length] = y
            length += 1
        length -= 2
        a, b = min(x, y), max(x, y)
        na, nb = size[a], size[b]
        merges[k, 0], merges[k, 1], merges[k, 2] = a, b, best
        size[a], size[b] = 0, na + nb
        for i in range(n):  # Lance-Williams: distance of every cluster i to the merged one
            ni = size[i]
            if ni == 0 or i == b:
                continue
            d_ai, d_bi = D[_cond(n, a, i)], D[_cond(n, b, i)]
            if method == _WARD:
                t = 1.0 / (na + nb + ni)
                new = np.sqrt(
                    (ni + na) * t * d_ai * d_ai + (ni + nb) * t * d_bi * d_bi - ni * t * best * best
                )
            elif method == _COMPLETE:
                new = max(d_ai, d_bi)
            else:
                new = (na * d_ai + nb * d_bi) / (na + nb)
            D[_cond(n, b, i)] = new
    return merges


@numba.njit(cache=True)
def _prim(X, D, metric):
    """Prim's minimum spanning tree from point 0: rows (last point added, next point, distance).

    Distances come from the points ``X`` (``metric`` >= 0) or the condensed matrix ``D``
    (``metric`` == -1). Ties go to the lowest index.
    """
    n = X.shape[0] if metric >= 0 else int((1 + np.sqrt(1 + 8 * D.shape[0])) / 2)
    in_tree = np.zeros(n, dtype=np.bool_)
    nearest = np.full(n, np.inf)  # distance of each outside point to the tree
    edges = np.empty((n - 1, 3))
    current = 0
    for k in range(n - 1):
        in_tree[current] = True
        best, best_j = np.inf, 0
        for j in range(n):
            if in_tree[j]:
                continue
            d = _distance(X[current], X[j], metric) if metric >= 0 else D[_cond(n, current, j)]
            if d < nearest[j]:
                nearest[j] = d
            if nearest[j] < best:
                best, best_j = nearest[j], j
        edges[k, 0], edges[k, 1], edges[k, 2] = current, best_j, best
        current = best_j
    return edges


@numba.njit(cache=True)
def _number_merges(merges, n, ordered):
    """Children (n - 1, 2) of the sorted merges as cluster ids (leaves, then n + i for merge i).

    ``merges`` names each side by any leaf it contains; a union-find finds that leaf's current
    cluster. ``ordered`` puts the smaller id first (SciPy's convention).
    """
    parent = np.arange(2 * n - 1)
    children = np.empty((n - 1, 2), dtype=np.int64)
    for k in range(n - 1):
        roots = np.empty(2, dtype=np.int64)
        for side in range(2):
            r = int(merges[k, side])
            while parent[r] != r:
                r = parent[r]
            node = int(merges[k, side])  # path compression
            while parent[node] != r:
                parent[node], node = r, parent[node]
            roots[side] = r
        if ordered and roots[0] > roots[1]:
            roots[0], roots[1] = roots[1], roots[0]
        children[k, 0], children[k, 1] = roots[0], roots[1]
        parent[roots[0]] = parent[roots[1]] = n + k
    return children


@numba.njit(cache=True)
def _leaf_labels(children, n, cut_nodes):
    """Label of each leaf: the position in ``cut_nodes`` of its ancestor in the cut."""
    label = np.full(2 * n - 1, -1, dtype=np.int64)
    for pos in range(cut_nodes.shape[0]):
        label[cut_nodes[pos]] = pos
    for node in range(2 * n - 2, n - 1, -1):  # parents before children
        if label[node] >= 0:
            label[children[node - n, 0]] = label[children[node - n, 1]] = label[node]
    return label[:n]


def _cut_tree(children, n, n_clusters):
    """Leaf labels for ``n_clusters`` clusters, numbered as scikit-learn numbers them.

    The cut starts at the root and repeatedly replaces its most recent cluster (largest id) by
    that cluster's two children; a max-heap of ids holds the cut, and a cluster's label is its
    position in the heap's array at the end.
    """
    heap = [-(2 * n - 2)]
    for _ in range(n_clusters - 1):
        left, right = children[-heap[0] - n]
        heapq.heappush(heap, -left)
        heapq.heappushpop(heap, -right)
    return _leaf_labels(children, n, -np.asarray(heap, dtype=np.int64))


def linkage_tree(X, linkage, metric):
    """children (n - 1, 2) and distances (n - 1,) of the full merge tree of ``X``."""
    n = X.shape[0]
    if metric == "precomputed" or callable(metric):
        square = np.asarray(metric(X) if callable(metric) else X, dtype=np.float64)
        D = np.ascontiguousarray(square[np.triu_indices(n, k=1)])
    elif linkage != "single" or metric == "cosine":
        D = _condensed_distances(X, _POINT_METRICS[metric])
    if linkage == "single":
        on_points = metric in _POINT_METRICS and metric != "cosine"
        if on_points:  # scikit-learn's own MST: children keep the edge's orientation
            merges = _prim(X, np.empty(0), _POINT_METRICS[metric])
        else:  # SciPy's: children as (smaller id, larger id)
            merges = _prim(np.empty((0, 1)), D, -1)
        ordered = not on_points
    else:
        merges = _nn_chain(
            D, n, {"ward": _WARD, "complete": _COMPLETE, "average": _AVERAGE}[linkage]
        )
        ordered = True
    merges = merges[np.argsort(merges[:, 2], kind="stable")]
    return _number_merges(merges, n, ordered), merges[:, 2].copy()


class AgglomerativeClustering(ClusterMixin, BaseEstimator):
    """Bottom-up hierarchical clustering with ward, complete, average or single linkage.

    Parameters
    ----------
    n_clusters : int or None, default=2
        Number of clusters to cut the tree into; None when ``distance_threshold`` is set.
    metric : {"euclidean", "l2", "manhattan", "l1", "cityblock", "cosine", "precomputed"} or \
callable, default="euclidean"
        Distance between points; ward needs "euclidean". A callable maps ``X`` to its square
        distance matrix; "precomputed" means ``X`` is that matrix.
    memory : None, str or object, default=None
        Accepted for compatibility; the tree is not cached.
    connectivity : None, default=None
        Only None is supported: homeml has no connectivity-constrained clustering.
    compute_full_tree : "auto" or bool, default="auto"
        Accepted for compatibility: without connectivity the full tree is always built.
    linkage : {"ward", "complete", "average", "single"}, default="ward"
        Distance between clusters: increase of within-cluster variance, largest pairwise
        distance, average pairwise distance, smallest pairwise distance.
    distance_threshold : float, default=None
        Cut where merges are at least this long (``n_clusters`` must then be None).
    compute_distances : bool, default=False
        Store ``distances_`` even when ``distance_threshold`` is None.

    Attributes
    ----------
    n_clusters_ : int
    labels_ : ndarray of shape (n_samples,)
    n_leaves_ : int
    n_connected_components_ : int
        Always 1 (no connectivity graph).
    children_ : ndarray of shape (n_samples - 1, 2)
        Row i merges the two clusters named there into cluster ``n_samples + i``; ids below
        ``n_samples`` are points.
    distances_ : ndarray of shape (n_samples - 1,)
        Length of each merge (only with ``distance_threshold`` or ``compute_distances``).
    n_features_in_ : int
    """

    _homeml_constraints = {
        "n_clusters": [Interval(Integral, 1, None, closed="left"), None],
        "metric": [StrOptions({*_POINT_METRICS, "precomputed"}), callable],
        "compute_full_tree": [StrOptions({"auto"}), "boolean"],
        "linkage": [StrOptions(set(_LINKAGES))],
        "distance_threshold": [Interval(Real, 0, None, closed="left"), None],
        "compute_distances": ["boolean"],
    }

    def __init__(
        self,
        n_clusters=2,
        *,
        metric="euclidean",
        memory=None,
        connectivity=None,
        compute_full_tree="auto",
        linkage="ward",
        distance_threshold=None,
        compute_distances=False,
    ):
        self.n_clusters = n_clusters
        self.metric = metric
        self.memory = memory
        self.connectivity = connectivity
        self.compute_full_tree = compute_full_tree
        self.linkage = linkage
        self.distance_threshold = distance_threshold
        self.compute_distances = compute_distances

    def _homeml_tags(self) -> dict:
        return {**super()._homeml_tags(), "pairwise": self.metric == "precomputed"}

    def _check_param_combinations(self) -> None:
        """The rules that tie parameters together (the table checks each one alone)."""
        k = self.n_clusters
        if (k is None) == (self.distance_threshold is None):
            raise ValueError(
                "Exactly one of n_clusters and distance_threshold has to be set, and the other "
                "needs to be None."
            )
        t = self.distance_threshold
        if self.linkage == "ward" and self.metric not in ("euclidean", "l2"):
            raise ValueError(
                f"{self.metric} was provided as metric. Ward can only work with euclidean "
                "distances (i.e. 'euclidean' and 'l2')."
            )
        if t is not None and self.compute_full_tree is False:
            raise ValueError("compute_full_tree must be True if distance_threshold is set.")
        if self.connectivity is not None:
            raise ValueError(
                "connectivity must be None: homeml's AgglomerativeClustering has no "
                f"connectivity-constrained clustering; got {type(self.connectivity).__name__}."
            )

    def fit(self, X, y=None):
        """Build the merge tree of ``X`` and cut it.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features), or (n_samples, n_samples)
            Points, or their distances when ``metric="precomputed"``.
        y : ignored

        Returns
        -------
        self : AgglomerativeClustering
        """
        self._validate_params()
        X = self._validate_data(X, ensure_min_samples=2)
        n = X.shape[0]
        if self.metric == "precomputed" and X.shape[1] != n:
            raise ValueError(f"Precomputed distances must be a square matrix; got {X.shape}.")
        if self.n_clusters is not None and self.n_clusters > n:
            raise ValueError(
                f"Cannot extract more clusters than samples: {self.n_clusters} clusters were "
                f"given for a tree with {n} leaves."
            )
        if self.metric == "cosine" and np.any(~np.any(X, axis=1)):
            raise ValueError("Cosine affinity cannot be used when X contains zero vectors")
        X = np.ascontiguousarray(X, dtype=np.float64)
        self.children_, distances = linkage_tree(X, self.linkage, self.metric)
        self.n_connected_components_, self.n_leaves_ = 1, n
        if self.distance_threshold is not None or self.compute_distances:
            self.distances_ = distances
        elif hasattr(self, "distances_"):
            del self.distances_
        if self.distance_threshold is not None:
            self.n_clusters_ = int(np.count_nonzero(distances >= self.distance_threshold)) + 1
        else:
            self.n_clusters_ = self.n_clusters
        self.labels_ = _cut_tree(self.children_, n, self.n_clusters_)
        return self

    def fit_predict(self, X, y=None):
        """Fit and return the cluster label of each sample."""
        return self.fit(X).labels_
