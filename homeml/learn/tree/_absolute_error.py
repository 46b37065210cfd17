"""The absolute-error criterion: weighted medians and absolute deviations for split search.

For a feature's sorted samples, the deviation from the median of every prefix (and, scanning
backwards, every suffix) comes from Fenwick trees over the node's target ranks, so a feature
costs O(n log n) per node instead of O(n^2).
"""

from __future__ import annotations

import numpy as np

from homeml.learn.tree._common import (
    FEATURE_THRESHOLD,
    jit,
    midpoint_threshold,
    random_threshold,
)


@jit
def _median_and_deviation(row, start, end, Y, w, o):
    """Weighted median of output ``o`` over the node and the sum of ``w * |y - median|``."""
    m = end - start
    values = np.empty(m)
    weights = np.empty(m)
    for q in range(m):
        values[q] = Y[row[start + q], o]
        weights[q] = w[row[start + q]]
    idx = np.argsort(values, kind="mergesort")
    half = weights.sum() / 2.0
    cumulative = 0.0
    median = values[idx[m - 1]]
    for q in range(m):
        cumulative += weights[idx[q]]
        if cumulative >= half:
            median = values[idx[q]]
            if cumulative == half and q + 1 < m:  # exactly half below: average the middle pair
                median = (median + values[idx[q + 1]]) / 2.0
            break
    deviation = 0.0
    for q in range(m):
        deviation += weights[q] * abs(values[q] - median)
    return median, deviation


@jit
def _prefix_deviations(row, start, end, w, sorted_y, rank, out, fw, fs, point, reverse):
    """Add to ``out[q]`` the weighted absolute deviation from the median of the first
    (``reverse``: last) ``q + 1`` samples of ``row[start:end]``, for one output."""
    m = end - start
    fw[: m + 1] = 0.0
    fs[: m + 1] = 0.0
    point[: m + 1] = 0.0
    top = 1
    while top * 2 <= m:
        top *= 2
    total_w = 0.0
    total_s = 0.0
    for q in range(m):
        i = row[end - 1 - q] if reverse else row[start + q]
        r = rank[i] + 1
        wi = w[i]
        yi = sorted_y[r - 1]
        point[r] = wi
        total_w += wi
        total_s += wi * yi
        k = r
        while k <= m:
            fw[k] += wi
            fs[k] += wi * yi
            k += k & (-k)
        # descend to the largest rank whose cumulative weight stays below half
        pos = 0
        acc_w = 0.0
        acc_s = 0.0
        step = top
        half = total_w / 2.0
        while step > 0:
            nxt = pos + step
            if nxt <= m and acc_w + fw[nxt] < half:
                pos = nxt
                acc_w += fw[nxt]
                acc_s += fs[nxt]
            step //= 2
        while pos < m - 1 and point[pos + 1] == 0.0:  # skip ranks not inserted yet
            pos += 1
        median = sorted_y[pos]
        below_w = acc_w + point[pos + 1]
        below_s = acc_s + point[pos + 1] * median
        out[q] += median * below_w - below_s + (total_s - below_s) - median * (total_w - below_w)


@jit
def scan_sorted_mae(
    Xt, f, row, start, end, w, Y, sorted_y, rank, w_node, min_leaf, min_weight_leaf, work, best
):
    """Like :func:`_scan_sorted` for the absolute error (impurity: deviation from the median)."""
    m = end - start
    n_outputs = Y.shape[1]
    dev_left = work[0]
    dev_right = work[1]
    dev_left[:m] = 0.0
    dev_right[:m] = 0.0
    for o in range(n_outputs):
        _prefix_deviations(
            row, start, end, w, sorted_y[o], rank[o], dev_left, work[2], work[3], work[4], False
        )
        _prefix_deviations(
            row, start, end, w, sorted_y[o], rank[o], dev_right, work[2], work[3], work[4], True
        )
    improved = False
    w_left = 0.0
    for p in range(start, end - 1):
        i = row[p]
        w_left += w[i]
        x_here = Xt[f, i]
        x_next = Xt[f, row[p + 1]]
        if x_next <= x_here + FEATURE_THRESHOLD:
            continue
        n_left = p + 1 - start
        if n_left < min_leaf:
            continue
        if m - n_left < min_leaf:
            break
        if w_left < min_weight_leaf or w_node - w_left < min_weight_leaf:
            continue
        proxy = -(dev_left[n_left - 1] + dev_right[m - n_left - 1]) / n_outputs
        if proxy > best[0]:
            threshold = midpoint_threshold(x_here, x_next)
            best[0], best[1], best[2], best[3] = proxy, f, p + 1, threshold
            improved = True
    return improved


@jit
def mae_impurity(row, start, end, Y, w, w_total, medians):
    deviation = 0.0
    for o in range(Y.shape[1]):
        medians[o], dev = _median_and_deviation(row, start, end, Y, w, o)
        deviation += dev
    return deviation / (w_total * Y.shape[1])


@jit
def mae_prepare(row, start, end, Y, sorted_y, rank):
    """Rank the node's targets once per node (shared by every feature's scan)."""
    m = end - start
    values = np.empty(m)
    for o in range(Y.shape[1]):
        for q in range(m):
            values[q] = Y[row[start + q], o]
        idx = np.argsort(values, kind="mergesort")
        for q in range(m):
            sorted_y[o, q] = values[idx[q]]
            rank[o, row[start + idx[q]]] = q


@jit
def try_random_mae(Xt, f, row, start, end, w, Y, w_node, min_leaf, min_weight_leaf, best, rng):
    """Random threshold of feature ``f`` scored by the children's absolute deviations."""
    lo = np.inf
    hi = -np.inf
    for p in range(start, end):
        x = Xt[f, row[p]]
        lo = min(lo, x)
        hi = max(hi, x)
    if hi <= lo + FEATURE_THRESHOLD:
        return -1
    threshold = random_threshold(lo, hi, rng)
    m = end - start
    left_rows = np.empty(m, dtype=row.dtype)
    n_left = 0
    n_right = m - 1
    w_left = 0.0
    for p in range(start, end):
        i = row[p]
        if Xt[f, i] <= threshold:
            left_rows[n_left] = i
            n_left += 1
            w_left += w[i]
        else:
            left_rows[n_right] = i
            n_right -= 1
    if n_left < min_leaf or m - n_left < min_leaf:
        return 0
    if w_left < min_weight_leaf or w_node - w_left < min_weight_leaf:
        return 0
    medians = np.empty(Y.shape[1])
    proxy = -(
        mae_impurity(left_rows, 0, n_left, Y, w, w_left, medians) * w_left
        + mae_impurity(left_rows, n_left, m, Y, w, w_node - w_left, medians) * (w_node - w_left)
    )
    if proxy > best[0]:
        best[0], best[1], best[2], best[3] = proxy, f, start + n_left, threshold
        return 1
    return 0
