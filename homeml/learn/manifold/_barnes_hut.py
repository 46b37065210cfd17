"""The Barnes-Hut t-SNE gradient: a space-partitioning tree over the embedding (Numba).

The attractive forces run over the sparse neighbour probabilities P (CSR arrays). The repulsive
forces, which involve every pair of points, are approximated with a tree that splits each cell
into 2^d equal sub-cells (a quadtree in 2-D, an octree in 3-D, a binary tree in 1-D): a cell
whose width is small next to its distance from the point (``width / distance < angle``) acts as
one point of its total mass at its centre of mass. That makes one gradient O(n log n).

The tree is built top-down into flat arrays, rebuilt at every iteration (the points move).
"""

from __future__ import annotations

import numba
import numpy as np

MAX_DEPTH = 48  # below this, coincident points share one leaf instead of splitting forever
FLOAT_TINY = np.finfo(np.float32).tiny  # guards log(0) in the KL divergence
CHUNK = 64  # points per parallel task (one traversal stack each)


@numba.njit(cache=True)
def _build_tree(Y, capacity):
    """Flat 2^d-tree over the rows of ``Y``; returns ``n_nodes = -1`` when ``capacity`` is
    too small (the caller retries with more).

    Leaves hold one point (or several coincident ones at MAX_DEPTH); ``order[start:end]`` are
    the points under a node.
    """
    n, d = Y.shape
    n_children = 2**d
    children = np.full((capacity, n_children), -1, dtype=np.int64)
    center = np.empty((capacity, d))
    com = np.zeros((capacity, d))
    width = np.empty(capacity)
    count = np.zeros(capacity, dtype=np.int64)
    start = np.empty(capacity, dtype=np.int64)
    end = np.empty(capacity, dtype=np.int64)
    depth = np.empty(capacity, dtype=np.int64)
    order = np.arange(n)
    buffer = np.empty(n, dtype=np.int64)
    codes = np.empty(n, dtype=np.int64)
    lo, hi = Y[0].copy(), Y[0].copy()
    for i in range(n):
        for k in range(d):
            lo[k] = min(lo[k], Y[i, k])
            hi[k] = max(hi[k], Y[i, k])
    side = max((hi - lo).max(), 1e-12) * (1.0 + 1e-6)
    center[0] = (lo + hi) / 2
    width[0], start[0], end[0], depth[0] = side, 0, n, 0
    n_nodes = 1
    stack = np.empty(MAX_DEPTH * n_children + 1, dtype=np.int64)
    stack[0], top = 0, 1
    while top > 0:
        top -= 1
        node = stack[top]
        s, e = start[node], end[node]
        count[node] = e - s
        for t in range(s, e):
            com[node] += Y[order[t]]
        com[node] /= e - s
        if e - s == 1 or depth[node] >= MAX_DEPTH:
            continue  # a leaf
        # counting sort of the node's points by sub-cell code (one bit per dimension)
        sizes = np.zeros(n_children, dtype=np.int64)
        for t in range(s, e):
            code = 0
            for k in range(d):
                if Y[order[t], k] > center[node, k]:
                    code |= 1 << k
            codes[t] = code
            sizes[code] += 1
        offsets = np.empty(n_children, dtype=np.int64)
        acc = s
        for c in range(n_children):
            offsets[c] = acc
            acc += sizes[c]
        fill = offsets.copy()
        for t in range(s, e):
            buffer[fill[codes[t]]] = order[t]
            fill[codes[t]] += 1
        order[s:e] = buffer[s:e]
        for c in range(n_children):
            if sizes[c] == 0:
                continue
            if n_nodes >= capacity:
                return children, center, com, width, count, start, end, order, -1
            child = n_nodes
            n_nodes += 1
            children[node, c] = child
            width[child] = width[node] / 2
            for k in range(d):
                sign = 1.0 if (c >> k) & 1 else -1.0
                center[child, k] = center[node, k] + sign * width[node] / 4
            start[child], end[child] = offsets[c], offsets[c] + sizes[c]
            depth[child] = depth[node] + 1
            stack[top] = child
            top += 1
    return children, center, com, width, count, start, end, order, n_nodes


@numba.njit(cache=True, inline="always", fastmath=True)
def _difference(Y, i, Z, j, diff):
    """Write ``Y[i] - Z[j]`` into ``diff`` and return its squared length."""
    d2 = 0.0
    for k in range(diff.shape[0]):
        diff[k] = Y[i, k] - Z[j, k]
        d2 += diff[k] * diff[k]
    return d2


@numba.njit(cache=True, inline="always", fastmath=True)
def _student_t(d2, dof, exponent):
    """The unnormalised similarity ``(dof / (dof + d2)) ** ((dof + 1) / 2)``."""
    q = dof / (dof + d2)
    if dof != 1.0:
        q = q**exponent
    return q


@numba.njit(cache=True, parallel=True, fastmath=True)
def _forces(
    Y, children, com, width, count, start, end, order, angle, dof, P_data, P_indices, P_indptr
):
    """Per point, in one parallel pass: the attractive force sum_j p_ij q_ij (y_i - y_j) over
    the stored p_ij, the unnormalised repulsive force sum_j q_ij^2 (y_i - y_j) (q_ij the
    unnormalised Student-t kernel; summaries replace far cells) and sum_j q_ij.

    Each task accumulates in its own small buffers and writes a point's rows once (points in
    tree order are scattered over the output rows).
    """
    n, d = Y.shape
    exponent = (dof + 1.0) / 2.0
    angle2 = angle * angle
    attractive = np.empty((n, d))
    repulsive = np.empty((n, d))
    sum_q = np.empty(n)
    n_children = children.shape[1]
    # explicit loops: an array expression here (``children[node].max()``) would become a
    # parallel region of its own for every node, thousands per call
    is_leaf = np.empty(children.shape[0], dtype=np.bool_)
    for node in range(children.shape[0]):
        is_leaf[node] = True
        for c in range(n_children):
            if children[node, c] >= 0:
                is_leaf[node] = False
    n_chunks = (n + CHUNK - 1) // CHUNK
    for chunk in numba.prange(n_chunks):
        stack = np.empty(MAX_DEPTH * n_children + 1, dtype=np.int64)
        diff = np.empty(d)
        neg = np.empty(d)
        pos = np.empty(d)
        # points in tree order: neighbours in space walk the same nodes, which stay in cache
        for t_point in range(chunk * CHUNK, min(n, (chunk + 1) * CHUNK)):
            i = order[t_point]
            for k in range(d):
                neg[k] = 0.0
            total = 0.0
            stack[0], top = 0, 1
            while top > 0:
                top -= 1
                node = stack[top]
                if is_leaf[node]:  # exact interactions with the (one or few) points of the leaf
                    for t in range(start[node], end[node]):
                        j = order[t]
                        if j == i:
                            continue
                        q = _student_t(_difference(Y, i, Y, j, diff), dof, exponent)
                        total += q
                        for k in range(d):
                            neg[k] += q * q * diff[k]
                    continue
                d2 = _difference(Y, i, com, node, diff)
                if width[node] * width[node] < angle2 * d2:  # far enough: one summary point
                    q = _student_t(d2, dof, exponent)
                    total += count[node] * q
                    for k in range(d):
                        neg[k] += count[node] * q * q * diff[k]
                else:
                    for c in range(n_children):
                        if children[node, c] >= 0:
                            stack[top] = children[node, c]
                            top += 1
            for k in range(d):
                pos[k] = 0.0
            for t in range(P_indptr[i], P_indptr[i + 1]):
                q = _student_t(_difference(Y, i, Y, P_indices[t], diff), dof, exponent)
                for k in range(d):
                    pos[k] += P_data[t] * q * diff[k]
            for k in range(d):
                attractive[i, k] = pos[k]
                repulsive[i, k] = neg[k]
            sum_q[i] = total
    return attractive, repulsive, sum_q


@numba.njit(cache=True, parallel=True, fastmath=True)
def _kl_divergence(Y, P_data, P_indices, P_indptr, dof, sum_q):
    """sum over the stored p_ij of p_ij log(p_ij / q_ij), q_ij normalised by ``sum_q``."""
    n, d = Y.shape
    exponent = (dof + 1.0) / 2.0
    errors = np.zeros(n)
    for i in numba.prange(n):
        err = 0.0
        for t in range(P_indptr[i], P_indptr[i + 1]):
            j = P_indices[t]
            d2 = 0.0
            for k in range(d):
                diff = Y[i, k] - Y[j, k]
                d2 += diff * diff
            q = _student_t(d2, dof, exponent)
            p = P_data[t]
            err += p * np.log(max(p, FLOAT_TINY) / max(q / sum_q, FLOAT_TINY))
        errors[i] = err
    return errors.sum()


def kl_gradient_barnes_hut(Y, P, dof, angle, compute_error=True):
    """KL divergence (NaN unless ``compute_error``) and its gradient, shape (n, d), with the
    Barnes-Hut approximation.

    ``P`` is the (indptr, indices, data) CSR triple of the symmetric joint probabilities.
    """
    Y = np.ascontiguousarray(Y, dtype=np.float64)
    capacity = 4 * Y.shape[0] + 16
    while True:
        children, _, com, width, count, start, end, order, n_nodes = _build_tree(Y, capacity)
        if n_nodes >= 0:
            break
        capacity *= 2
    indptr, indices, data = P
    attractive, repulsive, sum_q = _forces(
        Y,
        children[:n_nodes],
        com[:n_nodes],
        width[:n_nodes],
        count[:n_nodes],
        start[:n_nodes],
        end[:n_nodes],
        order,
        float(angle),
        float(dof),
        data,
        indices,
        indptr,
    )
    total_q = max(sum_q.sum(), np.finfo(np.float64).eps)
    grad = attractive - repulsive / total_q
    grad *= 2.0 * (dof + 1.0) / dof
    if not compute_error:
        return np.nan, grad
    return _kl_divergence(Y, data, indices, indptr, float(dof), total_q), grad
