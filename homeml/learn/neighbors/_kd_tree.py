"""A KD-tree for exact nearest-neighbour and radius queries under Minkowski distances.

Layout (as in scikit-learn's KDTree): a complete binary tree stored in arrays, node ``i`` with
children ``2i + 1`` and ``2i + 2``. Each node owns a contiguous slice ``[start, end)`` of the
points, reordered at build time, and the bounding box of those points. A node is split at the
median of its widest dimension, so the tree is balanced and its depth is fixed by ``leaf_size``.
A query walks the tree depth-first, nearer child first, and skips every node whose box is
farther than the current k-th best (or than the radius). Distances are compared "reduced"
(``sum |d|^p``, no root) and only converted at the end.
"""

from __future__ import annotations

import math

import numba
import numpy as np

from homeml.learn.base import check_array

# metric name -> Minkowski power
MINKOWSKI_P = {
    "euclidean": 2.0,
    "l2": 2.0,
    "manhattan": 1.0,
    "cityblock": 1.0,
    "l1": 1.0,
    "chebyshev": np.inf,
    "infinity": np.inf,
}


@numba.njit(cache=True, inline="always")
def _add_power(acc, diff, p):
    if p == 2.0:
        return acc + diff * diff
    if p == 1.0:
        return acc + diff
    if p == np.inf:
        return max(acc, diff)
    return acc + diff**p


@numba.njit(cache=True, inline="always")
def _box_rdist(q, lo, hi, p):
    """Reduced distance from the point ``q`` to the box [lo, hi] (0 inside it)."""
    acc = 0.0
    for t in range(q.shape[0]):
        diff = max(lo[t] - q[t], q[t] - hi[t])
        if diff > 0.0:
            acc = _add_power(acc, diff, p)
    return acc


@numba.njit(cache=True, inline="always")
def _point_rdist(q, x, p, bound):
    """Reduced distance from ``q`` to ``x``; stops early once it exceeds ``bound``."""
    acc = 0.0
    for t in range(q.shape[0]):
        acc = _add_power(acc, abs(q[t] - x[t]), p)
        if acc > bound:
            return acc
    return acc


@numba.njit(cache=True)
def _select(X, order, lo, hi, nth, dim):
    """Reorder ``order[lo:hi]`` so that position ``nth`` holds its median-rank point along
    ``dim``, smaller before, larger after (quickselect, three-way so repeated values are cheap)."""
    hi -= 1
    while lo < hi:
        pivot = X[order[(lo + hi) // 2], dim]
        lt, i, gt = lo, lo, hi
        while i <= gt:
            v = X[order[i], dim]
            if v < pivot:
                order[lt], order[i] = order[i], order[lt]
                lt += 1
                i += 1
            elif v > pivot:
                order[gt], order[i] = order[i], order[gt]
                gt -= 1
            else:
                i += 1
        if nth < lt:
            hi = lt - 1
        elif nth > gt:
            lo = gt + 1
        else:
            return


@numba.njit(cache=True)
def _build(X, n_nodes):
    n, d = X.shape
    order = np.arange(n)
    start = np.empty(n_nodes, dtype=np.int64)
    end = np.empty(n_nodes, dtype=np.int64)
    lower = np.empty((n_nodes, d))
    upper = np.empty((n_nodes, d))
    start[0], end[0] = 0, n
    for node in range(n_nodes):  # parents come before their children
        s, e = start[node], end[node]
        for t in range(d):
            lo, hi = np.inf, -np.inf
            for i in range(s, e):
                v = X[order[i], t]
                lo = min(lo, v)
                hi = max(hi, v)
            lower[node, t], upper[node, t] = lo, hi
        if 2 * node + 1 < n_nodes:
            dim = np.argmax(upper[node] - lower[node])
            mid = s + (e - s) // 2
            _select(X, order, s, e, mid, dim)
            start[2 * node + 1], end[2 * node + 1] = s, mid
            start[2 * node + 2], end[2 * node + 2] = mid, e
    return order, start, end, lower, upper


@numba.njit(cache=True, parallel=True)
def _query(data, order, start, end, lower, upper, Q, k, p, max_depth):
    m = Q.shape[0]
    n_nodes = start.shape[0]
    best_r = np.full((m, k), np.inf)
    best_i = np.full((m, k), -1, dtype=np.int64)
    for qi in numba.prange(m):
        q, r, ind = Q[qi], best_r[qi], best_i[qi]
        stack = np.empty(2 * max_depth + 2, dtype=np.int64)
        bounds = np.empty(2 * max_depth + 2)
        stack[0], bounds[0], top = 0, _box_rdist(q, lower[0], upper[0], p), 1
        while top > 0:
            top -= 1
            node, bound = stack[top], bounds[top]
            if bound > r[k - 1]:
                continue
            left = 2 * node + 1
            if left >= n_nodes:  # leaf: scan its points
                for t in range(start[node], end[node]):
                    dist = _point_rdist(q, data[t], p, r[k - 1])
                    if dist < r[k - 1] or ind[k - 1] < 0:
                        pos = k - 1
                        while pos > 0 and (ind[pos - 1] < 0 or r[pos - 1] > dist):
                            r[pos], ind[pos] = r[pos - 1], ind[pos - 1]
                            pos -= 1
                        r[pos], ind[pos] = dist, order[t]
                continue
            b_left = _box_rdist(q, lower[left], upper[left], p)
            b_right = _box_rdist(q, lower[left + 1], upper[left + 1], p)
            near, far, b_near, b_far = left, left + 1, b_left, b_right
            if b_right < b_left:
                near, far, b_near, b_far = left + 1, left, b_right, b_left
            stack[top], bounds[top] = far, b_far  # pushed first, visited last
            stack[top + 1], bounds[top + 1] = near, b_near
            top += 2
    return best_r, best_i


@numba.njit(cache=True)
def _query_radius(data, order, start, end, lower, upper, Q, r_reduced, p, max_depth):
    """All points within each query's reduced radius: flat (indices, reduced distances, counts)."""
    m = Q.shape[0]
    n_nodes = start.shape[0]
    counts = np.zeros(m, dtype=np.int64)
    found_i = np.empty(max(16, 4 * m), dtype=np.int64)
    found_r = np.empty(found_i.shape[0])
    total = 0
    stack = np.empty(2 * max_depth + 2, dtype=np.int64)
    for qi in range(m):
        q, radius = Q[qi], r_reduced[qi]
        stack[0], top = 0, 1
        while top > 0:
            top -= 1
            node = stack[top]
            if _box_rdist(q, lower[node], upper[node], p) > radius:
                continue
            if 2 * node + 1 < n_nodes:
                stack[top], stack[top + 1] = 2 * node + 2, 2 * node + 1
                top += 2
                continue
            for t in range(start[node], end[node]):
                dist = _point_rdist(q, data[t], p, radius)
                if dist <= radius:
                    if total == found_i.shape[0]:  # grow the output buffers
                        found_i = np.concatenate((found_i, np.empty_like(found_i)))
                        found_r = np.concatenate((found_r, np.empty_like(found_r)))
                    found_i[total], found_r[total] = order[t], dist
                    total += 1
                    counts[qi] += 1
    return found_i[:total], found_r[:total], counts


class KDTree:
    """KD-tree for fast nearest-neighbour queries, with scikit-learn's ``KDTree`` interface.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        The points to index.
    leaf_size : int, default=40
        Leaves hold between ``leaf_size`` and ``2 * leaf_size`` points (fewer only when
        ``n_samples < leaf_size``); smaller leaves mean a deeper tree.
    metric : {"minkowski", "euclidean", "manhattan", "chebyshev"}, default="minkowski"
        The distance; cosine is not a Minkowski distance and is served by brute force only.
    p : float >= 1, default=2
        Power of the Minkowski metric (2: Euclidean, 1: Manhattan, inf: Chebyshev).

    Attributes
    ----------
    data : ndarray of shape (n_samples, n_features)
        The indexed points, in their original order.
    """

    def __init__(self, X, leaf_size=40, metric="minkowski", p=2):
        if metric not in ("minkowski", *MINKOWSKI_P):
            raise ValueError(
                f"metric {metric!r} is not supported by KDTree; use one of "
                f"{['minkowski', *MINKOWSKI_P]}."
            )
        p = float(MINKOWSKI_P.get(metric, p))
        if not p >= 1:
            raise ValueError(f"p must be >= 1 for a Minkowski distance; got {p}.")
        if not isinstance(leaf_size, (int, np.integer)) or leaf_size < 1:
            raise ValueError(f"leaf_size must be an integer >= 1; got {leaf_size!r}.")
        self.data = np.ascontiguousarray(check_array(X), dtype=np.float64)
        self.leaf_size, self.metric, self.p = int(leaf_size), metric, p
        n = self.data.shape[0]
        self._depth = int(math.log2(max(1.0, (n - 1) / self.leaf_size))) + 1
        n_nodes = 2**self._depth - 1
        self._order, self._start, self._end, self._lower, self._upper = _build(self.data, n_nodes)
        self._sorted = self.data[self._order]  # leaf scans read contiguous memory

    def _arrays(self):
        return self._sorted, self._order, self._start, self._end, self._lower, self._upper

    def _check_query(self, X) -> np.ndarray:
        X = np.ascontiguousarray(check_array(X, name="X"), dtype=np.float64)
        if X.shape[1] != self.data.shape[1]:
            raise ValueError(
                f"query data dimension must match training data dimension: X has {X.shape[1]} "
                f"features, the tree {self.data.shape[1]}."
            )
        return X

    def _to_distance(self, reduced):
        if self.p in (1.0, np.inf):
            return reduced
        return np.sqrt(reduced) if self.p == 2.0 else reduced ** (1.0 / self.p)

    def query(self, X, k=1, return_distance=True, sort_results=True):
        """The ``k`` nearest indexed points of each row of ``X``.

        Parameters
        ----------
        X : array-like of shape (n_queries, n_features)
        k : int, default=1
        return_distance : bool, default=True
        sort_results : bool, default=True
            Accepted for compatibility: results always come sorted, nearest first.

        Returns
        -------
        dist : ndarray of shape (n_queries, k)
            Only with ``return_distance``; sorted nearest first.
        ind : ndarray of shape (n_queries, k)
        """
        X = self._check_query(X)
        if not isinstance(k, (int, np.integer)) or k < 1:
            raise ValueError(f"k must be a positive integer; got {k!r}.")
        if k > self.data.shape[0]:
            raise ValueError(
                f"k must be less than or equal to the number of training points: k={k}, "
                f"{self.data.shape[0]} points."
            )
        reduced, ind = _query(*self._arrays(), X, int(k), self.p, self._depth)
        return (self._to_distance(reduced), ind) if return_distance else ind

    def query_radius(self, X, r, return_distance=False, count_only=False, sort_results=False):
        """The indexed points within distance ``r`` (inclusive) of each row of ``X``.

        Parameters
        ----------
        X : array-like of shape (n_queries, n_features)
        r : float or array-like of shape (n_queries,)
            The radius, or one radius per query.
        return_distance : bool, default=False
            Also return the distances.
        count_only : bool, default=False
            Return only the number of neighbours of each query.
        sort_results : bool, default=False
            Sort each query's neighbours by distance (needs ``return_distance``).

        Returns
        -------
        counts : ndarray of shape (n_queries,)  (with ``count_only``)
        ind : object ndarray of shape (n_queries,), each an int array of indices
        dist : object ndarray of shape (n_queries,)  (with ``return_distance``)
        """
        X = self._check_query(X)
        if count_only and return_distance:
            raise ValueError("count_only and return_distance cannot both be true")
        if sort_results and not return_distance:
            raise ValueError("return_distance must be True if sort_results is True")
        r = np.broadcast_to(np.asarray(r, dtype=np.float64), (X.shape[0],))
        with np.errstate(invalid="ignore"):
            r_reduced = np.where(r < 0, -1.0, r if self.p in (1.0, np.inf) else r**self.p)
        found_i, found_r, counts = _query_radius(
            *self._arrays(), X, np.ascontiguousarray(r_reduced), self.p, self._depth
        )
        if count_only:
            return counts
        splits = np.cumsum(counts)[:-1]
        ind = _object_array(np.split(found_i, splits))
        if not return_distance:
            return ind
        dist = _object_array(np.split(self._to_distance(found_r), splits))
        if sort_results:
            for i in range(len(ind)):
                order = np.argsort(dist[i], kind="stable")
                ind[i], dist[i] = ind[i][order], dist[i][order]
        return ind, dist


def _object_array(parts) -> np.ndarray:
    out = np.empty(len(parts), dtype=object)
    out[:] = parts
    return out
