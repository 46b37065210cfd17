"""Brute-force neighbour search on SciPy CSR input (TF-IDF rows, say), Euclidean or cosine.

The dot products of a block of queries with every fitted row come from one sparse product,
densified block by block (sized near ``CHUNK_BYTES``); the k best per query are picked by the
same Numba kernel as the dense search, and their distances are then recomputed exactly from
the sparse rows (``|q - y|`` itself rather than ``|q|^2 + |y|^2 - 2 q.y``).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from homeml.learn.neighbors._brute import chunk_rows, k_smallest


def unit_rows(X):
    """Rows of the CSR matrix ``X`` scaled to unit Euclidean norm (zero rows stay zero)."""
    norms = np.sqrt(np.asarray(X.multiply(X).sum(axis=1)).ravel())
    norms[norms == 0.0] = 1.0
    return sp.csr_matrix(sp.diags(1.0 / norms) @ X)


def squared_norms(X) -> np.ndarray:
    return np.asarray(X.multiply(X).sum(axis=1)).ravel()


def prepare(Y, metric):
    """What the search needs from the fitted CSR rows, computed once at fit time."""
    if metric == "cosine":
        return unit_rows(Y), None
    return Y, squared_norms(Y)


def _dots(Q, Y):
    """Dense (len(Q), len(Y)) block of dot products of the CSR rows."""
    return np.ascontiguousarray((Q @ Y.T).toarray(), dtype=np.float64)


def _pair_distances(Q, Y, rows, cols, metric):
    """Exact distances between query ``rows`` and fitted ``cols`` (equal-length index arrays)."""
    if metric == "cosine":  # both hold unit rows
        dots = np.asarray(Q[rows].multiply(Y[cols]).sum(axis=1)).ravel()
        return np.clip(1.0 - dots, 0.0, 2.0)
    diff = Q[rows] - Y[cols]
    return np.sqrt(np.asarray(diff.multiply(diff).sum(axis=1)).ravel())


def kneighbors(Q, Y, Y_sq, k, metric):
    """Distances and indices (each (m, k), nearest first) of the k nearest rows of ``Y``."""
    if metric == "cosine":  # Y holds unit rows: distance = 1 - q.y
        Q, shift, scale = unit_rows(Q), np.ones(Y.shape[0]), -1.0
    else:  # |q - y|^2 = |q|^2 + (|y|^2 - 2 q.y); |q|^2 does not change the ranking
        shift, scale = Y_sq, -2.0
    m = Q.shape[0]
    ind = np.empty((m, k), dtype=np.int64)
    step = chunk_rows(Y.shape[0])
    for s in range(0, m, step):
        G = _dots(Q[s : s + step], Y)
        if k <= 64:
            ind[s : s + step] = k_smallest(G, shift, scale, k)[1]
        else:
            ind[s : s + step] = np.argpartition(shift + scale * G, k - 1, axis=1)[:, :k]
    rows = np.repeat(np.arange(m), k)
    dist = _pair_distances(Q, Y, rows, ind.ravel(), metric).reshape(m, k)
    # exact distances may reorder near-ties of the ranking
    order = np.argsort(dist, axis=1, kind="stable")
    return np.take_along_axis(dist, order, axis=1), np.take_along_axis(ind, order, axis=1)


def radius_neighbors(Q, Y, Y_sq, radius, metric):
    """Per query, the indices and distances of the rows of ``Y`` within ``radius`` (inclusive)."""
    if metric == "cosine":
        Q = unit_rows(Q)
    Q_sq = None if metric == "cosine" else squared_norms(Q)
    ind_out, dist_out = [], []
    step = chunk_rows(Y.shape[0])
    for s in range(0, Q.shape[0], step):
        G = _dots(Q[s : s + step], Y)
        if metric == "cosine":
            dist = np.clip(1.0 - G, 0.0, 2.0)
        else:
            dist = np.sqrt(np.maximum(Q_sq[s : s + step, None] + Y_sq[None, :] - 2.0 * G, 0.0))
        for i in range(G.shape[0]):
            # candidates by the fast form (with room for its rounding), kept by the exact one
            cols = np.flatnonzero(dist[i] <= radius[s + i] + 1e-7)
            exact = _pair_distances(Q, Y, np.full(len(cols), s + i), cols, metric)
            keep = exact <= radius[s + i]
            ind_out.append(cols[keep])
            dist_out.append(exact[keep])
    return ind_out, dist_out
