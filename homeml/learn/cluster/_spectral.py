"""Spectral clustering: k-means (or a discretisation) of the spectral embedding of a graph.

The samples are the nodes of a weighted graph (an RBF kernel, a symmetrised k-nearest-neighbour
graph, or a given affinity matrix). The eigenvectors of the graph's normalised Laplacian with the
smallest eigenvalues map each sample to a point where clusters that are connected in the graph
but not convex in the input space become compact, and are then labelled.
"""

from __future__ import annotations

import warnings

import numpy as np

from homeml.learn._param_validation import Integral, Interval, Real, StrOptions
from homeml.learn.base import BaseEstimator, ClusterMixin, check_random_state
from homeml.learn.cluster._kmeans import KMeans
from homeml.learn.metrics.pairwise import pairwise_kernels

__all__ = ["SpectralClustering"]

_KERNELS = ("rbf", "laplacian", "linear", "poly", "polynomial", "sigmoid", "cosine")
_AFFINITIES = ("nearest_neighbors", "precomputed", "precomputed_nearest_neighbors", *_KERNELS)


def _knn_connectivity(X, n_neighbors, precomputed, n_jobs=None):
    """0/1 matrix: row i marks the ``n_neighbors`` nearest samples of i, i itself included."""
    n = X.shape[0]
    if precomputed:  # X holds distances
        nearest = np.argsort(X, axis=1, kind="stable")[:, :n_neighbors]
        graph = np.zeros((n, n))
        graph[np.arange(n)[:, None], nearest] = 1.0
        return graph
    from homeml.learn.neighbors import NearestNeighbors

    return NearestNeighbors(n_neighbors=n_neighbors, n_jobs=n_jobs).fit(X).kneighbors_graph(X)


def _is_connected(A) -> bool:
    """Whether every node can be reached from node 0 along non-zero edges (breadth first)."""
    seen = np.zeros(A.shape[0], dtype=bool)
    seen[0] = True
    frontier = seen.copy()
    while frontier.any():
        reached = (A[frontier] != 0).any(axis=0)
        frontier = reached & ~seen
        seen |= reached
    return bool(seen.all())


def spectral_embedding(affinity, n_components, *, check_symmetric=True):
    """(n_samples, n_components) embedding from the normalised Laplacian of a dense affinity.

    ``L = I - D^-1/2 A D^-1/2`` (self-loops ignored, degree 1 for isolated nodes); its
    eigenvectors of smallest eigenvalue, scaled back by ``D^-1/2``, each signed so that its
    largest-magnitude entry is positive (a deterministic sign, as scikit-learn's).
    ``check_symmetric``: average a non-symmetric ``affinity`` with its transpose, with
    scikit-learn's warning (the affinities built here are symmetric by construction).
    """
    A = np.array(affinity, dtype=np.float64)
    if check_symmetric and not np.allclose(A, A.T, atol=1e-10):
        warnings.warn(
            "Array is not symmetric, and will be converted to symmetric by average "
            "with its transpose.",
            stacklevel=3,
        )
        A = 0.5 * (A + A.T)
    np.fill_diagonal(A, 0.0)
    degree = A.sum(axis=0)
    sqrt_degree = np.where(degree == 0, 1.0, np.sqrt(np.abs(degree)))
    laplacian = A  # in place: A is this function's own copy
    laplacian /= sqrt_degree[:, None]
    laplacian /= sqrt_degree[None, :]
    np.negative(laplacian, out=laplacian)
    np.fill_diagonal(laplacian, 1.0)
    vectors = _smallest_eigenvectors(laplacian, n_components, sqrt_degree)
    embedding = vectors / sqrt_degree[:, None]
    peaks = embedding[np.argmax(np.abs(embedding), axis=0), np.arange(n_components)]
    return embedding * np.where(peaks < 0, -1.0, 1.0)


DENSE_MAX = 500  # up to this many samples a full eigendecomposition is as quick
SHIFT = 1e-5  # L + SHIFT * I is positive definite when L is positive semi-definite


def _smallest_eigenvectors(L, k, start, tol=1e-10, max_steps=20):
    """Eigenvectors of the ``k`` smallest eigenvalues of the symmetric ``L``, ascending.

    Large graphs use shift-invert block Krylov iteration, as scikit-learn's ARPACK call does:
    the Krylov space of ``(L + SHIFT I)^-1`` (one Cholesky factorisation, then triangular
    solves) from a block of ``k + 8`` vectors, the first one ``start``; a Rayleigh-Ritz step
    extracts the vectors, accepted when every residual ``|L u - lambda u|`` is below ``tol``.
    The inverse spreads the small eigenvalues far apart, so a few steps do, where the full
    ``eigh`` costs O(n^3) with a large constant. Small graphs, a Laplacian that is not positive
    semi-definite (negative affinities) or no convergence: the full ``eigh``.
    """
    n = L.shape[0]
    if n > DENSE_MAX:
        shifted = L.copy()
        shifted[np.diag_indices(n)] += SHIFT
        try:
            chol = np.linalg.cholesky(shifted)
        except np.linalg.LinAlgError:
            chol = None
        if chol is not None:
            vectors = _shift_invert_krylov(L, chol, k, start, tol, max_steps)
            if vectors is not None:
                return vectors
    return np.linalg.eigh(L)[1][:, :k]


def _shift_invert_krylov(L, chol, k, start, tol, max_steps):
    n = L.shape[0]
    b = min(k + 8, n)

    def apply_inverse(B):  # (L + SHIFT I)^-1 B = C^-T C^-1 B
        return _triangular_solve(chol, _triangular_solve(chol, B, lower=True), lower=False)

    block = np.random.RandomState(0).standard_normal((n, b))  # fixed: same result every time
    block[:, 0] = start
    Q = np.linalg.qr(block)[0]  # (n, m) orthonormal basis of the Krylov space
    OQ = apply_inverse(Q)
    T = Q.T @ OQ  # (m, m) projection of the inverse
    for _ in range(max_steps):
        Y = np.linalg.eigh(0.5 * (T + T.T))[1][:, ::-1][:, :k]  # largest of the inverse
        U = Q @ Y
        LU = L @ U
        lam = np.einsum("ij,ij->j", U, LU)
        R = LU - U * lam
        if np.sqrt(np.einsum("ij,ij->j", R, R)).max() <= tol:
            return U[:, np.argsort(lam, kind="stable")]
        W = OQ[:, -b:]  # next block: the inverse applied to the last one, orthogonalised twice
        W = W - Q @ (Q.T @ W)
        W -= Q @ (Q.T @ W)
        W = np.linalg.qr(W)[0]
        OW = apply_inverse(W)
        QtOW = Q.T @ OW
        T = np.block([[T, QtOW], [QtOW.T, W.T @ OW]])
        Q, OQ = np.hstack([Q, W]), np.hstack([OQ, OW])
    return None


def _triangular_solve(C, B, *, lower, block=128):
    """``C Y = B`` (``lower``) or ``C.T Y = B`` for lower-triangular ``C``, by blocks of rows: a
    small dense solve per diagonal block, matrix products for the rest (NumPy has no
    triangular solver)."""
    n = C.shape[0]
    Y = np.empty_like(B)
    starts = range(0, n, block) if lower else range((n - 1) // block * block, -1, -block)
    for s in starts:
        e = min(s + block, n)
        if lower:
            Y[s:e] = np.linalg.solve(C[s:e, s:e], B[s:e] - C[s:e, :s] @ Y[:s])
        else:
            Y[s:e] = np.linalg.solve(C[s:e, s:e].T, B[s:e] - C[e:, s:e].T @ Y[e:])
    return Y


def discretize(vectors, *, random_state=None, max_restarts=30, max_iter=20):
    """Labels from an embedding by the best rotation to a 0/1 cluster-indicator matrix (Yu and
    Shi 2003, "Multiclass spectral clustering"), alternating the indicator and the rotation."""
    rng = check_random_state(random_state)
    n, k = vectors.shape
    vectors = vectors / np.linalg.norm(vectors, axis=0) * np.sqrt(n)
    first = vectors[0]
    vectors = vectors * np.where(first != 0, -np.sign(first), 1.0)
    vectors = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    for _ in range(max_restarts):
        # start from k nearly orthogonal rows: a random one, then each least aligned so far
        rotation = np.zeros((k, k))
        rotation[:, 0] = vectors[rng.randint(n)]
        alignment = np.zeros(n)
        for j in range(1, k):
            alignment += np.abs(vectors @ rotation[:, j - 1])
            rotation[:, j] = vectors[np.argmin(alignment)]
        last_ncut = 0.0
        for n_iter in range(1, max_iter + 2):
            labels = np.argmax(vectors @ rotation, axis=1)
            indicator = np.zeros((n, k))
            indicator[np.arange(n), labels] = 1.0
            try:
                U, S, Vt = np.linalg.svd(indicator.T @ vectors)
            except np.linalg.LinAlgError:
                break  # restart from another random row
            ncut = 2.0 * (n - S.sum())
            if abs(ncut - last_ncut) < np.finfo(float).eps or n_iter > max_iter:
                return labels
            last_ncut = ncut
            rotation = Vt.T @ U.T
    raise np.linalg.LinAlgError("SVD did not converge in discretize")


def cluster_qr(vectors):
    """Labels from an embedding by column-pivoted QR (Damle, Minden and Ying 2019): the k most
    independent samples define an orthogonal basis; each sample joins its largest coordinate."""
    n, k = vectors.shape
    residual = vectors.T.copy()  # (k, n): pick the columns (samples) greedily, as pivoted QR
    pivots = []
    for _ in range(k):
        norms = np.einsum("ij,ij->j", residual, residual)
        norms[pivots] = -1.0
        j = int(np.argmax(norms))
        pivots.append(j)
        q = residual[:, j] / np.sqrt(norms[j]) if norms[j] > 0 else residual[:, j]
        residual -= np.outer(q, q @ residual)
    U, _, Vt = np.linalg.svd(vectors[pivots].T)
    return np.argmax(np.abs(vectors @ (U @ Vt)), axis=1)


class SpectralClustering(ClusterMixin, BaseEstimator):
    """Clustering of the spectral embedding of an affinity graph of the samples.

    The graph is a dense (n_samples, n_samples) matrix; its embedding comes from a full
    ``numpy.linalg.eigh`` up to ``DENSE_MAX`` samples, then from shift-invert Krylov iteration on
    a Cholesky factorisation (as scikit-learn's ARPACK, but dense): O(n_samples^2) memory and
    O(n_samples^3 / 3) time, fine up to several thousand samples (scikit-learn keeps
    nearest-neighbour graphs sparse).

    Parameters
    ----------
    n_clusters : int, default=8
    eigen_solver : {None, "arpack", "lobpcg", "amg"}, default=None
        Accepted for compatibility (one solver serves all); it only decides which random
        numbers are drawn for the solver's start, as scikit-learn's, so that the same
        ``random_state`` seeds the label assignment the same way.
    n_components : int, default=None
        Eigenvectors in the embedding; default ``n_clusters``.
    random_state : int, RandomState instance or None, default=None
        Seeds the k-means of ``assign_labels="kmeans"`` and the restarts of ``"discretize"``.
    n_init : int, default=10
        k-means runs on the embedding (the best is kept).
    gamma : float, default=1.0
        Kernel coefficient of ``rbf``, ``poly``, ``sigmoid`` and ``laplacian``.
    affinity : str or callable, default="rbf"
        ``"rbf"``: ``exp(-gamma |x - y|^2)``; ``"nearest_neighbors"``: the k-nearest-neighbour
        connectivity graph (self included) made symmetric, ``(G + G.T) / 2``; ``"precomputed"``:
        ``X`` is the affinity matrix; ``"precomputed_nearest_neighbors"``: ``X`` is a distance
        matrix, made a neighbour graph; ``"laplacian"``, ``"linear"``, ``"poly"``,
        ``"sigmoid"``, ``"cosine"`` kernels; or ``callable(x, y, **kernel_params) -> float``
        called on every pair of samples (slow: one Python call per pair).
    n_neighbors : int, default=10
        Neighbours per sample in the nearest-neighbour graphs.
    eigen_tol : float or "auto", default="auto"
        Accepted for compatibility (the solver converges to ~1e-10).
    assign_labels : {"kmeans", "discretize", "cluster_qr"}, default="kmeans"
        How the embedding becomes labels: k-means, the rotation to indicator vectors of Yu and
        Shi, or the column-pivoted QR of Damle et al. (no randomness, no iterations).
    degree, coef0 : float, default=3, 1
        Parameters of the ``poly`` and ``sigmoid`` kernels.
    kernel_params : dict, default=None
        Keyword arguments of a callable ``affinity``.
    n_jobs : int, default=None
        Jobs of the nearest-neighbour queries of ``affinity="nearest_neighbors"`` (through
        joblib); the result does not depend on it.
    verbose : bool, default=False
        Verbosity of the k-means.

    Attributes
    ----------
    affinity_matrix_ : ndarray of shape (n_samples, n_samples)
        The graph used (dense; scikit-learn keeps nearest-neighbour graphs sparse).
    labels_ : ndarray of shape (n_samples,)
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (n_features_in_,)
    """

    _homeml_constraints = {
        "n_clusters": [Interval(Integral, 1, None, closed="left")],
        "eigen_solver": [StrOptions({"arpack", "lobpcg", "amg"}), None],
        "n_components": [Interval(Integral, 1, None, closed="left"), None],
        "random_state": ["random_state"],
        "n_init": [Interval(Integral, 1, None, closed="left")],
        "gamma": [Interval(Real, 0, None, closed="left")],
        "affinity": [callable, StrOptions(set(_AFFINITIES))],
        "n_neighbors": [Interval(Integral, 1, None, closed="left")],
        "assign_labels": [StrOptions({"kmeans", "discretize", "cluster_qr"})],
        "degree": [Interval(Real, 0, None, closed="left")],
        "coef0": [Interval(Real, None, None, closed="neither")],
        "kernel_params": [dict, None],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        n_clusters=8,
        *,
        eigen_solver=None,
        n_components=None,
        random_state=None,
        n_init=10,
        gamma=1.0,
        affinity="rbf",
        n_neighbors=10,
        eigen_tol="auto",
        assign_labels="kmeans",
        degree=3,
        coef0=1,
        kernel_params=None,
        n_jobs=None,
        verbose=False,
    ):
        self.n_clusters = n_clusters
        self.eigen_solver = eigen_solver
        self.n_components = n_components
        self.random_state = random_state
        self.n_init = n_init
        self.gamma = gamma
        self.affinity = affinity
        self.n_neighbors = n_neighbors
        self.eigen_tol = eigen_tol
        self.assign_labels = assign_labels
        self.degree = degree
        self.coef0 = coef0
        self.kernel_params = kernel_params
        self.n_jobs = n_jobs
        self.verbose = verbose

    def _homeml_tags(self) -> dict:
        precomputed = self.affinity in ("precomputed", "precomputed_nearest_neighbors")
        return {**super()._homeml_tags(), "pairwise": precomputed}

    def _affinity(self, X):
        affinity = self.affinity
        if affinity == "precomputed":
            return np.array(X, dtype=np.float64)
        if affinity in ("nearest_neighbors", "precomputed_nearest_neighbors"):
            graph = _knn_connectivity(
                X, self.n_neighbors, affinity != "nearest_neighbors", self.n_jobs
            )
            return 0.5 * (graph + graph.T)
        if callable(affinity):
            return pairwise_kernels(X, metric=affinity, **(self.kernel_params or {}))
        return pairwise_kernels(
            X,
            metric=affinity,
            filter_params=True,
            gamma=self.gamma,
            degree=self.degree,
            coef0=self.coef0,
        )

    def _draw_solver_start(self, rng, n_samples, n_components):
        """Draw what scikit-learn's iterative eigensolver draws for its start (the dense solver
        needs none), so that the k-means or discretisation seeding that follows uses the same
        random numbers as scikit-learn's for the same ``random_state``."""
        if self.eigen_solver == "lobpcg":
            if n_samples >= 5 * n_components + 1:
                rng.standard_normal(size=(n_samples, n_components + 1))
        else:  # ARPACK (also scikit-learn's fallback for "amg" on small or dense graphs)
            rng.uniform(-1, 1, n_samples)

    def fit(self, X, y=None):
        """Build the affinity graph of ``X``, embed it and label the samples."""
        self._validate_params()
        X = self._validate_data(X, dtype=np.float64, ensure_min_samples=2)
        pairwise = self.affinity in ("precomputed", "precomputed_nearest_neighbors")
        if pairwise and X.shape[0] != X.shape[1]:
            raise ValueError(
                f"affinity={self.affinity!r} needs a square (n_samples, n_samples) "
                f"matrix X; got shape {X.shape}."
            )
        if (
            not pairwise
            and X.shape[0] == X.shape[1]
            and np.allclose(X, X.T)
            and self.affinity in ("rbf", "nearest_neighbors")
        ):
            warnings.warn(
                "The spectral clustering API has changed. ``fit`` now constructs an "
                "affinity matrix from data. To use a custom affinity matrix, set "
                "``affinity=precomputed``.",
                stacklevel=2,
            )
        if self.affinity in ("nearest_neighbors", "precomputed_nearest_neighbors"):
            if self.n_neighbors > X.shape[0]:
                raise ValueError(
                    f"n_neighbors={self.n_neighbors} must be <= n_samples={X.shape[0]}."
                )
        rng = check_random_state(self.random_state)
        self.affinity_matrix_ = self._affinity(X)
        if not _is_connected(self.affinity_matrix_):
            warnings.warn(
                "Graph is not fully connected, spectral embedding may not work as expected.",
                stacklevel=2,
            )
        n_components = self.n_clusters if self.n_components is None else self.n_components
        n_components = min(n_components, X.shape[0])
        self._draw_solver_start(rng, X.shape[0], n_components)
        maps = spectral_embedding(
            self.affinity_matrix_,
            n_components,
            check_symmetric=(callable(self.affinity) or self.affinity == "precomputed"),
        )
        if self.assign_labels == "kmeans":
            kmeans = KMeans(
                self.n_clusters, n_init=self.n_init, random_state=rng, verbose=self.verbose
            )
            self.labels_ = kmeans.fit(maps).labels_
        elif self.assign_labels == "discretize":
            self.labels_ = discretize(maps, random_state=rng)
        else:
            self.labels_ = cluster_qr(maps)
        return self
