"""Brute-force neighbour search: distances of every query to every fitted point.

k-nearest search with Euclidean and cosine distances runs in one fused Numba kernel (dot
products tile by tile, the k best kept on the fly: no distance matrix in memory); the selected
neighbours' distances are then recomputed exactly (the ``|q|^2 + |y|^2 - 2 q.y`` form loses
digits for nearby points). Other Minkowski distances and radius queries work on distance blocks
of query chunks, sized near ``CHUNK_BYTES`` whatever the data size.
"""

from __future__ import annotations

import numba
import numpy as np

from homeml.learn.metrics.pairwise import _euclidean_distances
from homeml.learn.metrics.pairwise import _unit_rows as unit_rows

CHUNK_BYTES = 64 * 2**20  # size of one (queries x fitted points) distance block


def chunk_rows(n_fit: int) -> int:
    """How many query rows to process at once so the distance block stays near CHUNK_BYTES."""
    return max(1, CHUNK_BYTES // (8 * max(n_fit, 1)))


@numba.njit(cache=True, parallel=True)
def k_smallest(G, shift, scale, k):
    """Per row of ``D = shift + scale * G`` (G: (m, n), shift: (n,)): the k smallest values,
    sorted, and their columns (earliest first among equal values).

    ``D`` is formed on the fly, which saves a pass over the block (for Euclidean distances
    ``G = Q @ Y.T``, ``shift = |y|^2`` and ``scale = -2``).
    """
    m, n = G.shape
    values = np.full((m, k), np.inf)
    columns = np.full((m, k), -1, dtype=np.int64)
    for i in numba.prange(m):
        v, c, row = values[i], columns[i], G[i]
        worst = np.inf
        for j in range(n):
            d = shift[j] + scale * row[j]
            if d < worst or c[k - 1] < 0:
                pos = k - 1  # insertion into the sorted short list
                while pos > 0 and (c[pos - 1] < 0 or v[pos - 1] > d):
                    v[pos] = v[pos - 1]
                    c[pos] = c[pos - 1]
                    pos -= 1
                v[pos] = d
                c[pos] = j
                worst = v[k - 1]
    return values, columns


@numba.njit(cache=True, parallel=True, fastmath=True)
def dot_k_smallest(Q, Y, shift, scale, k):
    """Like :func:`k_smallest` with ``G = Q @ Y.T``, computed here tile by tile, never stored.

    Each thread takes 64 queries (transposed, so the innermost loop runs over queries and
    vectorises) and streams the fitted rows past them, keeping every query's k best on the fly:
    the distance block stays in cache instead of a (m, n) matrix going through memory.
    ``fastmath`` reorders the sums; callers recompute the final distances exactly.
    """
    m, d = Q.shape
    n = Y.shape[0]
    B = 64
    values = np.full((m, k), np.inf)
    columns = np.full((m, k), -1, dtype=np.int64)
    for block in numba.prange((m + B - 1) // B):
        s = block * B
        nb = min(B, m - s)
        QT = np.zeros((d, B))
        for q in range(nb):
            for t in range(d):
                QT[t, q] = Q[s + q, t]
        acc = np.empty(B)
        worst = np.full(B, np.inf)
        for j in range(n):
            acc[:] = 0.0
            for t in range(d):
                yt = Y[j, t]
                for q in range(B):
                    acc[q] += yt * QT[t, q]
            for q in range(nb):
                dist = shift[j] + scale * acc[q]
                if dist < worst[q]:
                    v, c = values[s + q], columns[s + q]
                    pos = k - 1
                    while pos > 0 and v[pos - 1] > dist:
                        v[pos] = v[pos - 1]
                        c[pos] = c[pos - 1]
                        pos -= 1
                    v[pos] = dist
                    c[pos] = j
                    worst[q] = v[k - 1]
    return values, columns


@numba.njit(cache=True, parallel=True)
def minkowski_rdist(Q, Y, p):
    """Reduced Minkowski distances (m, n): sum |q - y|^p, or max |q - y| when p is infinite."""
    m, n, d = Q.shape[0], Y.shape[0], Q.shape[1]
    out = np.empty((m, n))
    for i in numba.prange(m):
        for j in range(n):
            s = 0.0
            for t in range(d):
                diff = abs(Q[i, t] - Y[j, t])
                if p == 1.0:
                    s += diff
                elif p == np.inf:
                    s = max(s, diff)
                else:
                    s += diff**p
            out[i, j] = s
    return out


def rdist_block(Q, Y, metric, p, Y_sq=None):
    """Reduced distances of the query block ``Q`` to all of ``Y``, shape (len(Q), len(Y)).

    Reduced means monotone in the true distance and cheaper: squared for Euclidean, the p-th
    power for Minkowski.
    """
    if metric == "cosine":  # Y is already unit_rows(Y)
        D = unit_rows(Q) @ Y.T
        np.subtract(1.0, D, out=D)
        return np.clip(D, 0.0, 2.0, out=D)
    if p == 2.0:
        return _euclidean_distances(Q, Y, Y_norm_squared=Y_sq, squared=True)
    return minkowski_rdist(Q, Y, float(p))


def rdist_to_dist(r, metric, p):
    if metric == "cosine" or p in (1.0, np.inf):
        return r
    return np.sqrt(r) if p == 2.0 else r ** (1.0 / p)


def prepare(Y, metric):
    """What the brute search needs from the fitted data, computed once at fit time."""
    if metric == "cosine":
        return unit_rows(Y), None
    return Y, np.einsum("ij,ij->i", Y, Y)


def kneighbors(Q, Y, Y_sq, k, metric, p):
    """Distances and indices (each (m, k), nearest first) of the k nearest rows of ``Y``."""
    if metric == "cosine" or p == 2.0:
        if metric == "cosine":  # Y holds unit rows: distance = 1 - q.y
            Q, shift, scale = unit_rows(Q), np.ones(Y.shape[0]), -1.0
        else:  # |q - y|^2 = |q|^2 + (|y|^2 - 2 q.y), and |q|^2 does not change the ranking
            shift, scale = Y_sq, -2.0
        if k <= 64:
            _, ind = dot_k_smallest(Q, Y, shift, scale, k)
        else:  # long lists: a partial sort beats insertion
            ind = _argpartition_blocks(Q, Y, shift, scale, k)
        diff = Q[:, None, :] - Y[ind] if metric != "cosine" else None
        dist = (
            np.sqrt(np.einsum("ijk,ijk->ij", diff, diff))
            if metric != "cosine"
            else np.clip(1.0 - np.einsum("ik,ijk->ij", Q, Y[ind]), 0.0, 2.0)
        )
    else:
        dist = np.empty((Q.shape[0], k))
        ind = np.empty((Q.shape[0], k), dtype=np.int64)
        zeros, step = np.zeros(Y.shape[0]), chunk_rows(Y.shape[0])
        for s in range(0, Q.shape[0], step):
            D = minkowski_rdist(Q[s : s + step], Y, float(p))
            cols = (
                k_smallest(D, zeros, 1.0, k)[1]
                if k <= 64
                else np.argpartition(D, k - 1, axis=1)[:, :k]
            )
            ind[s : s + step] = cols
            dist[s : s + step] = rdist_to_dist(np.take_along_axis(D, cols, axis=1), metric, p)
    # exact distances may reorder near-ties of the approximate ranking
    order = np.argsort(dist, axis=1, kind="stable")
    return np.take_along_axis(dist, order, axis=1), np.take_along_axis(ind, order, axis=1)


def _argpartition_blocks(Q, Y, shift, scale, k):
    ind = np.empty((Q.shape[0], k), dtype=np.int64)
    step = chunk_rows(Y.shape[0])
    for s in range(0, Q.shape[0], step):
        D = shift + scale * (Q[s : s + step] @ Y.T)
        ind[s : s + step] = np.argpartition(D, k - 1, axis=1)[:, :k]
    return ind


def radius_neighbors(Q, Y, Y_sq, radius, metric, p):
    """Per query, the indices and distances of the rows of ``Y`` within ``radius`` (inclusive)."""
    ind_out, dist_out = [], []
    step = chunk_rows(Y.shape[0])
    for s in range(0, Q.shape[0], step):
        block = Q[s : s + step]
        dist = rdist_to_dist(rdist_block(block, Y, metric, p, Y_sq), metric, p)
        r = radius[s : s + step]
        for i in range(len(block)):
            cols = np.flatnonzero(dist[i] <= r[i])
            ind_out.append(cols)
            dist_out.append(dist[i, cols])
    return ind_out, dist_out
