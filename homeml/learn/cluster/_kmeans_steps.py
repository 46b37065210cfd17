"""The k-means iterations: Numba kernels for one step, and the Lloyd / Elkan loop driving them.

A step assigns every sample to its nearest centre and sums the samples of each cluster for the
next centres (Lloyd), or does the same skipping distances with Elkan's bounds. The samples are
cut into at most ``MAX_CHUNKS`` contiguous chunks, processed in parallel; each chunk sums into
its own slot and the slots are added at the end. The number of chunks depends on the data size
only, never on the number of threads, so results are the same on every machine.
"""

from __future__ import annotations

import contextlib

import numba
import numpy as np

from homeml.learn.metrics.pairwise import _euclidean_distances

CHUNK_ROWS = 256
MAX_CHUNKS = 64
BLOCK_ROWS = 64  # rows whose distances are computed together (vector width of the loops)
PARALLEL_MIN_WORK = 1 << 20  # multiply-adds per pass (n * k * d) worth a thread pool


@contextlib.contextmanager
def threads_for(work: int):
    """Run the kernels on one thread when a pass is small: waking the pool costs more than it
    saves, and on a busy machine a parallel region waits for its slowest, descheduled thread
    (small fits were seen to take 100x longer)."""
    if work >= PARALLEL_MIN_WORK:
        yield
        return
    previous = numba.get_num_threads()
    numba.set_num_threads(1)
    try:
        yield
    finally:
        numba.set_num_threads(previous)


def n_chunks(n_samples: int, n_clusters: int, n_features: int) -> int:
    """Chunks for ``n_samples`` rows; the per-chunk partial sums stay under ~32 MB."""
    by_rows = -(-n_samples // CHUNK_ROWS)
    by_memory = 2**22 // max(n_clusters * n_features, 1)
    return int(max(1, min(by_rows, MAX_CHUNKS, by_memory)))


@numba.njit(cache=True, parallel=True)
def lloyd_assign(X, weights, centers, labels, chunks, accumulate):
    """Nearest centre of each row of X into ``labels``; with ``accumulate``, also return the
    weighted sum of the rows of each cluster (k, d) and the cluster weights (k,).

    Distances are ranked by ``|c|^2 - 2 x.c`` (``|x|^2`` is the same for every centre); ties go
    to the lowest centre index. The rows go by blocks of ``BLOCK_ROWS``, transposed so that the
    innermost loop runs over the rows of the block: it vectorises whatever k and d are, and
    needs no BLAS (whose own threads would compete with these).
    """
    n, d = X.shape
    k = centers.shape[0]
    R = BLOCK_ROWS
    c_sq = np.zeros(k)
    for j in range(k):
        for t in range(d):
            c_sq[j] += centers[j, t] * centers[j, t]
    sums = np.zeros((chunks, k, d))
    cluster_w = np.zeros((chunks, k))
    for ch in numba.prange(chunks):
        block_t = np.zeros((d, R))  # the block's rows as columns
        dots = np.empty(R)
        best = np.empty(R)
        best_j = np.empty(R, dtype=np.int64)
        chunk_sums = sums[ch]  # (k, d) view: this chunk's slot
        stop = (ch + 1) * n // chunks
        for start in range(ch * n // chunks, stop, R):
            m = min(R, stop - start)
            for r in range(m):
                for t in range(d):
                    block_t[t, r] = X[start + r, t]
            best[:] = np.inf
            best_j[:] = 0
            for j in range(k):
                dots[:] = 0.0
                for t in range(d):
                    c = centers[j, t]
                    column = block_t[t]
                    for r in range(R):
                        dots[r] += c * column[r]
                for r in range(R):
                    dist = c_sq[j] - 2.0 * dots[r]
                    if dist < best[r]:
                        best[r] = dist
                        best_j[r] = j
            for r in range(m):
                i, label = start + r, best_j[r]
                labels[i] = label
                if accumulate:
                    w = weights[i]
                    cluster_w[ch, label] += w
                    row = chunk_sums[label]
                    for t in range(d):
                        row[t] += w * X[i, t]
    return _reduce(sums, cluster_w)


@numba.njit(cache=True)
def _reduce(sums, cluster_w):
    total = sums[0].copy()
    total_w = cluster_w[0].copy()
    for ch in range(1, sums.shape[0]):
        total += sums[ch]
        total_w += cluster_w[ch]
    return total, total_w


@numba.njit(cache=True, inline="always")
def _distance(X, i, centers, j):
    s = 0.0
    for t in range(X.shape[1]):
        diff = X[i, t] - centers[j, t]
        s += diff * diff
    return np.sqrt(s)


@numba.njit(cache=True, parallel=True)
def elkan_init_bounds(X, centers, half_dist, labels, upper, lower, chunks):
    """First assignment for Elkan: skip centre j when the current best is within half the
    distance between the two centres (then j cannot be closer); ``lower[i, j]`` holds the
    distances that were computed, ``upper[i]`` the distance to the chosen centre."""
    n = X.shape[0]
    k = centers.shape[0]
    for ch in numba.prange(chunks):
        for i in range(ch * n // chunks, (ch + 1) * n // chunks):
            best_j = 0
            best = _distance(X, i, centers, 0)
            lower[i, 0] = best
            for j in range(1, k):
                if best > half_dist[best_j, j]:
                    dist = _distance(X, i, centers, j)
                    lower[i, j] = dist
                    if dist < best:
                        best, best_j = dist, j
            labels[i] = best_j
            upper[i] = best


@numba.njit(cache=True, parallel=True)
def elkan_assign(
    X, weights, centers, half_dist, half_next, labels, upper, lower, chunks, accumulate
):
    """One Elkan assignment (Elkan 2003, "Using the triangle inequality to accelerate
    k-means"): a sample keeps its label when its upper bound is below half the distance from its
    centre to the nearest other centre; otherwise only the centres that neither the lower bound
    nor the centre-centre distance rule out are measured. Returns the sums as
    :func:`lloyd_assign`. Bounds must already be shifted by the last centre moves."""
    n, d = X.shape
    k = centers.shape[0]
    sums = np.zeros((chunks, k, d))
    cluster_w = np.zeros((chunks, k))
    for ch in numba.prange(chunks):
        for i in range(ch * n // chunks, (ch + 1) * n // chunks):
            label = labels[i]
            bound = upper[i]
            if half_next[label] < bound:
                tight = False
                for j in range(k):
                    if j == label or bound <= lower[i, j] or bound <= half_dist[label, j]:
                        continue
                    if not tight:  # the upper bound may be loose: measure it once
                        bound = _distance(X, i, centers, label)
                        lower[i, label] = bound
                        tight = True
                        if bound <= lower[i, j] or bound <= half_dist[label, j]:
                            continue
                    dist = _distance(X, i, centers, j)
                    lower[i, j] = dist
                    if dist < bound:
                        label, bound = j, dist
                labels[i] = label
                upper[i] = bound
            if accumulate:
                w = weights[i]
                cluster_w[ch, label] += w
                for t in range(d):
                    sums[ch, label, t] += w * X[i, t]
    return _reduce(sums, cluster_w)


@numba.njit(cache=True, parallel=True)
def inertia(X, weights, centers, labels, chunks):
    """Weighted sum of squared distances of the samples to their assigned centres."""
    n, d = X.shape
    partial = np.zeros(chunks)
    for ch in numba.prange(chunks):
        s = 0.0
        for i in range(ch * n // chunks, (ch + 1) * n // chunks):
            c = labels[i]
            row = 0.0
            for t in range(d):
                diff = X[i, t] - centers[c, t]
                row += diff * diff
            s += weights[i] * row
        partial[ch] = s
    return partial.sum()


def tolerance(X, tol, x_sq=None):
    """``tol`` relative to the data: times the mean of the feature variances. ``x_sq``: the
    squared row norms of ``X`` when ``X`` is already centred (then no pass over X is needed)."""
    if tol == 0:
        return 0.0
    if x_sq is not None:
        return float(x_sq.sum() / X.size * tol)
    return float(np.mean(np.var(X, axis=0)) * tol)


# ----------------------------------------------------------------------------------------------
# the Lloyd and Elkan loops (Python drives the kernels above)
# ----------------------------------------------------------------------------------------------


def new_centers(X, w, old, labels, sums, cluster_w):
    """Means of the clusters. An empty cluster takes the sample farthest from its own centre
    (the farthest ones when several are empty), which leaves that sample's cluster."""
    empty = np.flatnonzero(cluster_w == 0)
    if empty.size:
        sums, cluster_w = sums.copy(), cluster_w.copy()
        far_dist = ((X - old[labels]) ** 2).sum(axis=1)
        farthest = np.argsort(-far_dist, kind="stable")[: empty.size]
        for cluster, i in zip(empty, farthest):
            sums[labels[i]] -= w[i] * X[i]
            cluster_w[labels[i]] -= w[i]
            sums[cluster] = w[i] * X[i]
            cluster_w[cluster] = w[i]
    new = old.copy()
    filled = cluster_w > 0
    new[filled] = sums[filled] / cluster_w[filled, None]
    return new


def half_center_distances(centers):
    return 0.5 * _euclidean_distances(centers, centers)


def run_kmeans(X, w, centers, *, algorithm, max_iter, tol, verbose):
    """Iterate from ``centers`` until the labels stop changing, the total squared centre shift
    is at most ``tol``, or ``max_iter``. Returns labels, inertia, centers, iterations run."""
    with threads_for(X.size * centers.shape[0]):
        return _run_kmeans(X, w, centers, algorithm, max_iter, tol, verbose)


def _run_kmeans(X, w, centers, algorithm, max_iter, tol, verbose):
    n, k = X.shape[0], centers.shape[0]
    chunks = n_chunks(n, k, X.shape[1])
    labels = np.full(n, -1, dtype=np.int32)
    labels_old = labels.copy()
    elkan = algorithm == "elkan"
    if elkan:
        upper, lower = np.zeros(n), np.zeros((n, k))
        elkan_init_bounds(X, centers, half_center_distances(centers), labels, upper, lower, chunks)

    def assign(centers, accumulate):
        if not elkan:
            return lloyd_assign(X, w, centers, labels, chunks, accumulate)
        half = half_center_distances(centers)
        half_next = np.partition(half, 1, axis=0)[1]  # half distance to the nearest other centre
        return elkan_assign(
            X, w, centers, half, half_next, labels, upper, lower, chunks, accumulate
        )

    strict = False
    for iteration in range(max_iter):
        sums, cluster_w = assign(centers, True)
        new = new_centers(X, w, centers, labels, sums, cluster_w)
        shift = np.sqrt(((new - centers) ** 2).sum(axis=1))
        if verbose:
            print(f"Iteration {iteration}, inertia {inertia(X, w, centers, labels, chunks)}.")
        if elkan:  # keep the bounds valid for the moved centres
            upper += shift[labels]
            lower -= shift
            np.maximum(lower, 0.0, out=lower)
        centers = new
        if np.array_equal(labels, labels_old):
            strict = True
            if verbose:
                print(f"Converged at iteration {iteration}: strict convergence.")
            break
        if (shift**2).sum() <= tol:
            if verbose:
                print(
                    f"Converged at iteration {iteration}: center shift {(shift**2).sum()} "
                    f"within tolerance {tol}."
                )
            break
        labels_old[:] = labels
    if not strict:  # the last centres moved: label the samples once more to match them
        assign(centers, False)
    return labels, inertia(X, w, centers, labels, chunks), centers, iteration + 1


def labels_inertia(X, w, centers, *, with_inertia=True):
    """Label of the nearest centre of each row of ``X``, and the weighted inertia (or None)."""
    X = np.ascontiguousarray(X, dtype=np.float64)
    centers = np.ascontiguousarray(centers, dtype=np.float64)
    chunks = n_chunks(X.shape[0], centers.shape[0], X.shape[1])
    labels = np.empty(X.shape[0], dtype=np.int32)
    with threads_for(X.size * centers.shape[0]):
        lloyd_assign(X, w, centers, labels, chunks, False)
        return labels, inertia(X, w, centers, labels, chunks) if with_inertia else None


def same_clustering(a, b, k):
    """Whether two labelings are the same partition up to renaming the clusters."""
    mapping = np.full(k, -1)
    mapping[a] = b  # the last write wins; check that it holds everywhere
    return bool(
        np.array_equal(mapping[a], b) and np.unique(mapping[mapping >= 0]).size == np.unique(a).size
    )
