"""Isomap (Tenenbaum, de Silva & Langford, 2000): classical scaling of geodesic distances.

Geodesic distances are shortest paths in the neighbour graph (k nearest neighbours or a radius);
the embedding is kernel PCA of the double-centred kernel -D^2 / 2. A disconnected graph is
completed, with a warning, by the shortest edge between each pair of components, as
scikit-learn does.
"""

from __future__ import annotations

import warnings

import numba
import numpy as np

from homeml.learn._param_validation import Integral, Interval, Real, StrOptions
from homeml.learn.base import BaseEstimator, TransformerMixin, check_is_fitted
from homeml.learn.manifold._utils import check_precomputed
from homeml.learn.neighbors import NearestNeighbors, _brute
from homeml.learn.neighbors._base import METRICS


def _to_csr(rows, cols, weights, n):
    """Undirected CSR graph (indptr, indices, data); a pair given twice keeps its lighter edge."""
    r = np.concatenate([rows, cols])
    c = np.concatenate([cols, rows])
    w = np.concatenate([weights, weights])
    order = np.lexsort((w, c, r))  # by row, column, then weight: keep the first of each pair
    r, c, w = r[order], c[order], w[order]
    first = np.ones(len(r), dtype=bool)  # (no edges at all with a small radius)
    first[1:] = (r[1:] != r[:-1]) | (c[1:] != c[:-1])
    r, c, w = r[first], c[first], w[first]
    return np.searchsorted(r, np.arange(n + 1)), c.astype(np.int64), w.astype(np.float64)


@numba.njit(cache=True)
def _component_labels(indptr, indices, n):
    """Connected-component label of every node (breadth-first search)."""
    labels = np.full(n, -1, dtype=np.int64)
    queue = np.empty(n, dtype=np.int64)
    n_components = 0
    for s in range(n):
        if labels[s] >= 0:
            continue
        labels[s] = n_components
        head, tail = 0, 1
        queue[0] = s
        while head < tail:
            u = queue[head]
            head += 1
            for t in range(indptr[u], indptr[u + 1]):
                v = indices[t]
                if labels[v] < 0:
                    labels[v] = n_components
                    queue[tail] = v
                    tail += 1
        n_components += 1
    return labels


@numba.njit(cache=True, parallel=True)
def _dijkstra_all(indptr, indices, data, n):
    """All-pairs shortest path lengths, one Dijkstra (binary heap, lazy deletion) per source."""
    out = np.full((n, n), np.inf)
    for s in numba.prange(n):
        dist = out[s]
        heap_d = np.empty(len(indices) + 1)
        heap_v = np.empty(len(indices) + 1, dtype=np.int64)
        dist[s] = 0.0
        heap_d[0], heap_v[0], size = 0.0, s, 1
        done = np.zeros(n, dtype=np.bool_)
        while size > 0:
            d, u = heap_d[0], heap_v[0]
            size -= 1  # pop: move the last item to the root and sift it down
            heap_d[0], heap_v[0] = heap_d[size], heap_v[size]
            i = 0
            while True:
                child = 2 * i + 1
                if child >= size:
                    break
                if child + 1 < size and heap_d[child + 1] < heap_d[child]:
                    child += 1
                if heap_d[child] >= heap_d[i]:
                    break
                heap_d[i], heap_d[child] = heap_d[child], heap_d[i]
                heap_v[i], heap_v[child] = heap_v[child], heap_v[i]
                i = child
            if done[u]:
                continue
            done[u] = True
            for t in range(indptr[u], indptr[u + 1]):
                v, nd = indices[t], d + data[t]
                if nd < dist[v]:
                    dist[v] = nd
                    i = size  # push and sift up
                    heap_d[i], heap_v[i] = nd, v
                    size += 1
                    while i > 0 and heap_d[(i - 1) // 2] > heap_d[i]:
                        parent = (i - 1) // 2
                        heap_d[i], heap_d[parent] = heap_d[parent], heap_d[i]
                        heap_v[i], heap_v[parent] = heap_v[parent], heap_v[i]
                        i = parent
    return out


def _floyd_warshall(indptr, indices, data, n):
    """All-pairs shortest paths by Floyd-Warshall, one vectorised relaxation per pivot."""
    D = np.full((n, n), np.inf)
    rows = np.repeat(np.arange(n), np.diff(indptr))
    D[rows, indices] = data
    np.fill_diagonal(D, 0.0)
    for k in range(n):
        np.minimum(D, D[:, k, None] + D[None, k, :], out=D)
    return D


class _PrecomputedNeighbors:
    """Neighbour queries on distance matrices: the ``nbrs_`` of an Isomap fitted with
    ``metric="precomputed"`` (rows of a query matrix are distances to the fitted points)."""

    def __init__(self, D):
        self._fit_X = D
        self.n_samples_fit_ = D.shape[0]

    def _rows(self, X):
        if X is not None:
            return X
        D = self._fit_X.copy()
        np.fill_diagonal(D, np.inf)  # a fitted point is not its own neighbour
        return D

    def kneighbors(self, X=None, n_neighbors=5):
        D = self._rows(X)
        ind = np.argsort(D, axis=1, kind="stable")[:, :n_neighbors]
        return np.take_along_axis(D, ind, axis=1), ind

    def radius_neighbors(self, X=None, radius=1.0):
        D = self._rows(X)
        ind = [np.flatnonzero(row <= radius) for row in D]
        return [row[i] for row, i in zip(D, ind, strict=True)], ind


class _CenteredKernelPCA:
    """Kernel PCA of a precomputed kernel: the ``kernel_pca_`` attribute of :class:`Isomap`.

    The kernel is centred in feature space; eigenvectors (each signed so that its
    largest-magnitude entry is positive) are scaled by the square roots of their eigenvalues.
    """

    def __init__(self, n_components):
        self.n_components = n_components

    def fit_transform(self, K):
        self.K_fit_rows_ = K.mean(axis=0)
        self.K_fit_all_ = self.K_fit_rows_.mean()
        Kc = K - self.K_fit_rows_[None, :] - self.K_fit_rows_[:, None] + self.K_fit_all_
        values, vectors = np.linalg.eigh(Kc)
        top = np.argsort(values)[::-1][: min(self.n_components, len(values))]
        values, vectors = np.maximum(values[top], 0.0), vectors[:, top]
        signs = np.sign(vectors[np.argmax(np.abs(vectors), axis=0), np.arange(len(top))])
        self.eigenvalues_ = values
        self.eigenvectors_ = vectors * np.where(signs == 0, 1.0, signs)
        return self.eigenvectors_ * np.sqrt(self.eigenvalues_)

    def transform(self, K):
        """Project new kernel rows ``K`` (n_queries, n_fit) onto the components."""
        Kc = K - self.K_fit_rows_[None, :] - K.mean(axis=1)[:, None] + self.K_fit_all_
        scale = np.zeros_like(self.eigenvalues_)
        nonzero = self.eigenvalues_ > 0
        scale[nonzero] = 1.0 / np.sqrt(self.eigenvalues_[nonzero])
        return Kc @ (self.eigenvectors_ * scale)


class Isomap(TransformerMixin, BaseEstimator):
    """Isometric mapping: an embedding that keeps geodesic distances along the data.

    Parameters
    ----------
    n_neighbors : int or None, default=5
        Neighbours per point in the graph (set None to use ``radius``).
    radius : float or None, default=None
        Neighbourhood radius (only with ``n_neighbors=None``).
    n_components : int, default=2
    eigen_solver : {"auto", "arpack", "dense"}, default="auto"
        All are served by a dense symmetric eigensolver (the same eigenpairs).
    tol, max_iter : accepted for compatibility (used by scikit-learn's ARPACK solver only).
    path_method : {"auto", "FW", "D"}, default="auto"
        Floyd-Warshall (O(n^3), NumPy) or Dijkstra (Numba); "auto" picks Dijkstra, which suits
        sparse neighbour graphs.
    neighbors_algorithm : {"auto", "brute", "kd_tree", "ball_tree"}, default="auto"
    n_jobs : int, default=None
        Accepted for compatibility.
    metric : str, default="minkowski"
        Any metric of :class:`~homeml.learn.neighbors.NearestNeighbors`, or "precomputed": X
        is then a square distance matrix in ``fit`` and (n_queries, n_samples_fit) distances
        to the fitted points in ``transform``.
    p : float, default=2
        Minkowski power.
    metric_params : dict, default=None

    Attributes
    ----------
    embedding_ : ndarray of shape (n_samples, n_components)
    kernel_pca_ : object
        The fitted kernel PCA (``eigenvalues_``, ``eigenvectors_``, ``transform``).
    nbrs_ : NearestNeighbors
    dist_matrix_ : ndarray of shape (n_samples, n_samples)
        Geodesic distances.
    n_features_in_ : int
    """

    _homeml_constraints = {
        "n_neighbors": [Interval(Integral, 1, None, closed="left"), None],
        "radius": [Interval(Real, 0, None, closed="left"), None],
        "n_components": [Interval(Integral, 1, None, closed="left")],
        "eigen_solver": [StrOptions({"auto", "arpack", "dense"})],
        "tol": [Interval(Real, 0, None, closed="left")],
        "max_iter": [Interval(Integral, 1, None, closed="left"), None],
        "path_method": [StrOptions({"auto", "FW", "D"})],
        "neighbors_algorithm": [StrOptions({"auto", "brute", "kd_tree", "ball_tree"})],
        "metric": [StrOptions({*METRICS, "precomputed"})],
        "metric_params": [dict, None],
    }

    def __init__(
        self,
        *,
        n_neighbors=5,
        radius=None,
        n_components=2,
        eigen_solver="auto",
        tol=0,
        max_iter=None,
        path_method="auto",
        neighbors_algorithm="auto",
        n_jobs=None,
        metric="minkowski",
        p=2,
        metric_params=None,
    ):
        self.n_neighbors = n_neighbors
        self.radius = radius
        self.n_components = n_components
        self.eigen_solver = eigen_solver
        self.tol = tol
        self.max_iter = max_iter
        self.path_method = path_method
        self.neighbors_algorithm = neighbors_algorithm
        self.n_jobs = n_jobs
        self.metric = metric
        self.p = p
        self.metric_params = metric_params

    def _homeml_tags(self) -> dict:
        return {**super()._homeml_tags(), "pairwise": self.metric == "precomputed"}

    def fit(self, X, y=None):
        """Compute the embedding of ``X``; ``y`` is ignored."""
        self.fit_transform(X)
        return self

    def fit_transform(self, X, y=None):
        """Compute and return the embedding of ``X``, shape (n_samples, n_components)."""
        self._validate_params()
        X = self._validate_data(X).astype(np.float64, copy=False)
        if self.metric == "precomputed":
            self.nbrs_ = _PrecomputedNeighbors(check_precomputed(X))
        else:
            self.nbrs_ = NearestNeighbors(
                n_neighbors=self.n_neighbors or 5,
                radius=self.radius or 1.0,
                algorithm=self.neighbors_algorithm,
                metric=self.metric,
                p=self.p,
                metric_params=self.metric_params,
                n_jobs=self.n_jobs,
            ).fit(X)
        n = X.shape[0]
        if self.n_neighbors is not None:
            dist, ind = self.nbrs_.kneighbors(X=None, n_neighbors=self.n_neighbors)
            rows, cols, weights = np.repeat(np.arange(n), ind.shape[1]), ind.ravel(), dist.ravel()
        else:
            dist, ind = self.nbrs_.radius_neighbors(X=None, radius=self.radius)
            rows = np.repeat(np.arange(n), [len(i) for i in ind])
            cols = np.concatenate([*ind, np.empty(0, np.int64)]).astype(np.int64)
            weights = np.concatenate([*dist, np.empty(0)])
        graph = _to_csr(rows, cols, weights, n)
        labels = _component_labels(graph[0], graph[1], n)
        n_parts = labels.max() + 1
        if n_parts > 1:
            warnings.warn(
                f"The number of connected components of the neighbors graph is {n_parts} > 1. "
                "Completing the graph to fit Isomap might be slow. Increase the number of "
                "neighbors to avoid this issue.",
                UserWarning,
                stacklevel=2,
            )
            extra = self._bridges(X, labels, n_parts)
            graph = _to_csr(
                np.r_[rows, extra[0]], np.r_[cols, extra[1]], np.r_[weights, extra[2]], n
            )
        use_fw = self.path_method == "FW"
        self.dist_matrix_ = (_floyd_warshall if use_fw else _dijkstra_all)(*graph, n)
        self.kernel_pca_ = _CenteredKernelPCA(self.n_components)
        self.embedding_ = self.kernel_pca_.fit_transform(-0.5 * self.dist_matrix_**2)
        return self.embedding_

    def _check_param_combinations(self) -> None:
        """The rules that tie parameters together (the table checks each one alone)."""
        if self.n_neighbors is not None and self.radius is not None:
            raise ValueError(
                "Both n_neighbors and radius are provided. Use "
                f"Isomap(radius={self.radius}, n_neighbors=None) if intended to use "
                "radius-based neighbors"
            )
        if self.n_neighbors is None and self.radius is None:
            raise ValueError("One of n_neighbors or radius must be set; both are None.")

    def _bridges(self, X, labels, n_parts):
        """For every pair of components, the shortest edge between them (rows, cols, dist)."""
        rows, cols, dists = [], [], []
        members = [np.flatnonzero(labels == c) for c in range(n_parts)]
        for a in range(n_parts):
            for b in range(a + 1, n_parts):
                if self.metric == "precomputed":
                    R = X[np.ix_(members[a], members[b])]
                else:
                    metric, p = self.nbrs_._metric, self.nbrs_._p
                    Y, Y_sq = _brute.prepare(X[members[b]], metric)
                    R = _brute.rdist_block(X[members[a]], Y, metric, p, Y_sq)
                i, j = np.unravel_index(np.argmin(R), R.shape)
                rows.append(members[a][i])
                cols.append(members[b][j])
                dists.append(
                    float(
                        R[i, j]
                        if self.metric == "precomputed"
                        else _brute.rdist_to_dist(R[i, j], metric, p)
                    )
                )
        return np.array(rows), np.array(cols), np.array(dists)

    def reconstruction_error(self):
        """Frobenius norm of the centred kernel minus its rank-``n_components`` part, over n.

        ``E = ||K(D) - K(D_fit)||_F / n_samples`` with ``K(D) = -0.5 J D^2 J``.
        """
        check_is_fitted(self)
        G = -0.5 * self.dist_matrix_**2
        G = G - G.mean(axis=0) - G.mean(axis=1, keepdims=True) + G.mean()
        residual = np.sum(G**2) - np.sum(self.kernel_pca_.eigenvalues_**2)
        return float(np.sqrt(max(residual, 0.0)) / G.shape[0])

    def transform(self, X):
        """Embed new points: link each to the graph through its neighbours among the fitted
        points, take geodesic distances to every fitted point, project the kernel rows."""
        check_is_fitted(self)
        X = self._validate_data(X, reset=False).astype(np.float64, copy=False)
        if self.metric == "precomputed":
            check_precomputed(X, square=False)
        if self.n_neighbors is not None:
            dist, ind = self.nbrs_.kneighbors(X, n_neighbors=self.n_neighbors)
            dist, ind = list(dist), list(ind)
        else:
            dist, ind = self.nbrs_.radius_neighbors(X, radius=self.radius)
        G = np.empty((X.shape[0], self.dist_matrix_.shape[0]))
        for i in range(X.shape[0]):
            if len(ind[i]) == 0:
                raise ValueError(
                    f"Sample {i} of X has no fitted point within radius "
                    f"{self.radius}; it cannot be linked to the graph."
                )
            G[i] = np.min(self.dist_matrix_[ind[i]] + dist[i][:, None], axis=0)
        return self.kernel_pca_.transform(-0.5 * G**2)

    def get_feature_names_out(self, input_features=None):
        """Output feature names ``isomap0, isomap1, ...``."""
        check_is_fitted(self)
        k = self.embedding_.shape[1]
        return np.asarray([f"isomap{i}" for i in range(k)], dtype=object)
