"""Growing a CART tree: the Numba-compiled split search and node loop.

One compiled function, :func:`grow_tree`, grows a whole tree. The samples that reach a node
occupy a contiguous slice ``[start, end)`` of ``order``:

- best splitter, every feature a candidate (``PRESORTED``): ``order`` has one row per feature,
  each holding the node's samples sorted by that feature (sorted once at the root). A split
  scans a row left to right with cumulative sums, then stably partitions every other row, so
  no node is ever sorted again.
- best splitter with ``max_features`` below the feature count (``SORT_PER_NODE``, forests):
  ``order`` has one row; each drawn feature is sorted within the node, then scanned.
- random splitter (``RANDOM``, Extra-Trees): one row; each drawn feature gets one threshold
  drawn uniformly between the node's min and max, evaluated in one pass.

Classification statistics are weighted class counts ``(n_outputs, n_classes)``; regression
statistics are ``[sum w*y, sum w*y**2]`` per output. Splits follow scikit-learn's rules: values
closer than ``FEATURE_THRESHOLD`` count as equal, the threshold is the midpoint of the two
neighbouring values, ``x <= threshold`` goes left, and ties between candidates keep the first
feature visited, features being drawn in scikit-learn's random order (see ``_common``). The
absolute-error criterion lives in ``_absolute_error``.
"""

from __future__ import annotations

import numpy as np

from homeml.learn.tree._absolute_error import (
    mae_impurity,
    mae_prepare,
    scan_sorted_mae,
    try_random_mae,
)
from homeml.learn.tree._common import (
    EPSILON,
    FEATURE_THRESHOLD,
    jit,
    midpoint_threshold,
    rand_int,
    random_threshold,
)

GINI, ENTROPY, SQUARED_ERROR, ABSOLUTE_ERROR = 0, 1, 2, 4
# how candidate features are scanned: rows presorted once per feature (every feature is tried),
# one random threshold per feature (Extra-Trees), or the node sorted per drawn feature (when
# max_features < n_features, where partitioning every presorted row would cost more)
PRESORTED, RANDOM, SORT_PER_NODE = 0, 1, 2
# "friedman_mse" ranks splits exactly like "squared_error" (scikit-learn 1.9 maps it so too)
CRITERIA = {
    "gini": GINI,
    "entropy": ENTROPY,
    "log_loss": ENTROPY,
    "squared_error": SQUARED_ERROR,
    "friedman_mse": SQUARED_ERROR,
    "absolute_error": ABSOLUTE_ERROR,
}

LOG_2 = np.log(2.0)


@jit
def _node_stats(rows, start, end, codes, Y, w, criterion, stats):
    """Fill ``stats`` with the node's statistics; return its weighted sample count."""
    stats[:] = 0.0
    total = 0.0
    n_outputs = stats.shape[0]
    for p in range(start, end):
        i = rows[p]
        wi = w[i]
        total += wi
        for o in range(n_outputs):
            if criterion <= ENTROPY:
                stats[o, codes[i, o]] += wi
            else:
                yi = Y[i, o]
                stats[o, 0] += wi * yi
                stats[o, 1] += wi * yi * yi
    return total


@jit
def _impurity(stats, weight, criterion):
    """Impurity of one side (or node) from its statistics, averaged over outputs."""
    n_outputs, n_stats = stats.shape
    value = 0.0
    for o in range(n_outputs):
        if criterion == GINI:
            sq = 0.0
            for k in range(n_stats):
                sq += stats[o, k] * stats[o, k]
            value += 1.0 - sq / (weight * weight)
        elif criterion == ENTROPY:
            for k in range(n_stats):
                if stats[o, k] > 0.0:
                    frac = stats[o, k] / weight
                    value -= frac * (np.log(frac) / LOG_2)
        else:
            mean = stats[o, 0] / weight
            value += stats[o, 1] / weight - mean * mean
    return value / n_outputs


@jit
def _proxy(left, right, w_left, w_right, criterion):
    """A quantity that orders candidate splits like their impurity decrease (larger: better)."""
    n_outputs = left.shape[0]
    if criterion == SQUARED_ERROR:
        a = 0.0
        b = 0.0
        for o in range(n_outputs):
            a += left[o, 0] * left[o, 0]
            b += right[o, 0] * right[o, 0]
        return a / w_left + b / w_right
    return -w_right * _impurity(right, w_right, criterion) - w_left * _impurity(
        left, w_left, criterion
    )


@jit
def _improvement(left, right, w_node, w_left, w_right, w_root, impurity, criterion):
    """Weighted impurity decrease of a split (what ``min_impurity_decrease`` compares to)."""
    imp_left = _impurity(left, w_left, criterion)
    imp_right = _impurity(right, w_right, criterion)
    return (w_node / w_root) * (
        impurity - w_right / w_node * imp_right - w_left / w_node * imp_left
    )


@jit
def _difference(total, left, right):
    """``right = total - left`` without allocating (this runs at every candidate threshold)."""
    for o in range(total.shape[0]):
        for k in range(total.shape[1]):
            right[o, k] = total[o, k] - left[o, k]


@jit
def _add_sample(stats, i, wi, sign, codes, Y, criterion):
    for o in range(stats.shape[0]):
        if criterion <= ENTROPY:
            stats[o, codes[i, o]] += sign * wi
        else:
            yi = Y[i, o]
            stats[o, 0] += sign * wi * yi
            stats[o, 1] += sign * wi * yi * yi


@jit
def _scan_sorted(
    Xt,
    f,
    row,
    start,
    end,
    codes,
    Y,
    w,
    criterion,
    node_stats,
    w_node,
    min_leaf,
    min_weight_leaf,
    left,
    right,
    best,
):
    """Best threshold of feature ``f`` over the sorted ``row``; updates ``best`` in place.

    ``best`` = [proxy, feature, position, threshold]; returns True when ``f`` improved it.
    """
    left[:] = 0.0
    w_left = 0.0
    improved = False
    n_node = end - start
    single_label = criterion <= ENTROPY and codes.shape[1] == 1
    single_target = criterion > ENTROPY and Y.shape[1] == 1
    for p in range(start, end - 1):
        i = row[p]
        wi = w[i]
        # the common single-output cases spelled out: the compiler does not inline the call
        if single_label:
            left[0, codes[i, 0]] += wi
        elif single_target:
            yi = Y[i, 0]
            left[0, 0] += wi * yi
            left[0, 1] += wi * yi * yi
        else:
            _add_sample(left, i, wi, 1.0, codes, Y, criterion)
        w_left += wi
        x_here = Xt[f, i]
        x_next = Xt[f, row[p + 1]]
        if x_next <= x_here + FEATURE_THRESHOLD:
            continue
        n_left = p + 1 - start
        if n_left < min_leaf:
            continue
        if n_node - n_left < min_leaf:
            break
        w_right = w_node - w_left
        if w_left < min_weight_leaf or w_right < min_weight_leaf:
            continue
        _difference(node_stats, left, right)
        proxy = _proxy(left, right, w_left, w_right, criterion)
        if proxy > best[0]:
            threshold = midpoint_threshold(x_here, x_next)
            best[0], best[1], best[2], best[3] = proxy, f, p + 1, threshold
            improved = True
    return improved


@jit
def _try_random(
    Xt,
    f,
    row,
    start,
    end,
    codes,
    Y,
    w,
    criterion,
    node_stats,
    w_node,
    min_leaf,
    min_weight_leaf,
    left,
    right,
    best,
    rng,
    values,
):
    """One uniformly drawn threshold of feature ``f``; returns -1 if constant, 1 if it won."""
    lo = np.inf
    hi = -np.inf
    for p in range(start, end):
        x = Xt[f, row[p]]
        values[p - start] = x  # gathered once, read again below
        lo = min(lo, x)
        hi = max(hi, x)
    if hi <= lo + FEATURE_THRESHOLD:
        return -1
    threshold = random_threshold(lo, hi, rng)
    left[:] = 0.0
    w_left = 0.0
    n_left = 0
    single_label = criterion <= ENTROPY and codes.shape[1] == 1
    for p in range(start, end):
        if values[p - start] <= threshold:
            i = row[p]
            if single_label:  # the common case spelled out: the compiler does not inline
                left[0, codes[i, 0]] += w[i]
            else:
                _add_sample(left, i, w[i], 1.0, codes, Y, criterion)
            w_left += w[i]
            n_left += 1
    w_right = w_node - w_left
    if n_left < min_leaf or end - start - n_left < min_leaf:
        return 0
    if w_left < min_weight_leaf or w_right < min_weight_leaf:
        return 0
    _difference(node_stats, left, right)
    proxy = _proxy(left, right, w_left, w_right, criterion)
    if proxy > best[0]:
        best[0], best[1], best[2], best[3] = proxy, f, start + n_left, threshold
        return 1
    return 0


@jit
def _sort_node(Xt, f, row0, start, end, sorted_row, values):
    """Write the node's samples sorted by feature ``f`` into ``sorted_row[start:end]``.

    Returns True (and sorts nothing) when the feature is constant in the node.
    """
    lo = np.inf
    hi = -np.inf
    m = end - start
    for q in range(m):
        x = Xt[f, row0[start + q]]
        values[q] = x
        lo = min(lo, x)
        hi = max(hi, x)
    if hi <= lo + FEATURE_THRESHOLD:
        return True
    idx = np.argsort(values[:m])
    for q in range(m):
        sorted_row[start + q] = row0[start + idx[q]]
    return False


@jit
def _partition(order, Xt, feature, threshold, start, end, goes_left, buffer, presorted):
    """Move the samples with ``x <= threshold`` first in every row of ``order``.

    Presorted rows must stay sorted, so they are partitioned stably (marks, then a buffer); a
    single row is partitioned in place by swapping from both ends.
    """
    if not presorted:
        row = order[0]
        lo = start
        hi = end - 1
        while lo <= hi:
            if Xt[feature, row[lo]] <= threshold:
                lo += 1
            else:
                row[lo], row[hi] = row[hi], row[lo]
                hi -= 1
        return
    for p in range(start, end):
        i = order[0, p]
        goes_left[i] = Xt[feature, i] <= threshold
    for r in range(order.shape[0]):
        if r == feature:  # already in order: its left part is the first samples
            continue
        n_left = start
        n_right = 0
        for p in range(start, end):
            i = order[r, p]
            if goes_left[i]:
                order[r, n_left] = i
                n_left += 1
            else:
                buffer[n_right] = i
                n_right += 1
        for q in range(n_right):
            order[r, n_left + q] = buffer[q]


# -- one node: statistics, best split, partition -----------------------------------------------


@jit
def _split_node(
    Xt,
    codes,
    Y,
    w,
    order,
    start,
    end,
    depth,
    criterion,
    splitter,
    max_depth,
    min_samples_split,
    min_leaf,
    min_weight_leaf,
    max_features,
    min_impurity_decrease,
    w_root,
    features,
    constant_features,
    n_known,
    n_constants,
    rng,
    ws,
    out_value,
):
    """Evaluate one node and, when it splits, partition its samples.

    ``ws`` is a tuple of work arrays. Writes the node's value into ``out_value`` and returns
    ``(is_leaf, feature, threshold, split position, improvement, impurity, weighted count)``.
    ``n_known`` features are known constant (from the parent); ``n_constants[0]`` receives the
    count for the children.
    """
    n_constants[0] = n_known
    (
        node_stats,
        left,
        right,
        best,
        goes_left,
        buffer,
        sorted_y,
        rank,
        mae_work,
        sorted_row,
        values,
    ) = ws
    row0 = order[0]
    w_node = _node_stats(row0, start, end, codes, Y, w, criterion, node_stats)
    n_outputs = out_value.shape[0]
    if criterion == ABSOLUTE_ERROR:
        impurity = mae_impurity(row0, start, end, Y, w, w_node, out_value[:, 0])
    else:
        impurity = _impurity(node_stats, w_node, criterion)
        for o in range(n_outputs):
            if criterion <= ENTROPY:
                for k in range(node_stats.shape[1]):  # a loop: no temporary array per node
                    out_value[o, k] = node_stats[o, k] / w_node
            else:
                out_value[o, 0] = node_stats[o, 0] / w_node
    n_node = end - start
    if (
        depth >= max_depth
        or n_node < min_samples_split
        or n_node < 2 * min_leaf
        or w_node < 2 * min_weight_leaf
        or impurity <= EPSILON
    ):
        return True, -2, -2.0, end, 0.0, impurity, w_node
    random_splitter = splitter == RANDOM
    if criterion == ABSOLUTE_ERROR and not random_splitter:
        mae_prepare(row0, start, end, Y, sorted_y, rank)
    best[0] = -np.inf
    best[1] = -1.0
    # Fisher-Yates draw of candidate features in scikit-learn's order (same generator, same
    # bookkeeping of features already known to be constant), so that ties between features
    # are broken as scikit-learn breaks them. features[:n_known] are the parent's constants.
    n_features = features.shape[0]
    f_i = n_features
    visited = 0
    n_found = 0
    n_drawn = 0
    n_total = n_known
    while f_i > n_total and (visited < max_features or visited <= n_found + n_drawn):
        visited += 1
        f_j = rand_int(n_drawn, f_i - n_found, rng)
        if f_j < n_known:
            features[n_drawn], features[f_j] = features[f_j], features[n_drawn]
            n_drawn += 1
            continue
        f_j += n_found
        f = features[f_j]
        if random_splitter:
            if criterion == ABSOLUTE_ERROR:
                found = try_random_mae(
                    Xt, f, row0, start, end, w, Y, w_node, min_leaf, min_weight_leaf, best, rng
                )
            else:
                found = _try_random(
                    Xt,
                    f,
                    row0,
                    start,
                    end,
                    codes,
                    Y,
                    w,
                    criterion,
                    node_stats,
                    w_node,
                    min_leaf,
                    min_weight_leaf,
                    left,
                    right,
                    best,
                    rng,
                    values,
                )
            constant = found < 0
        elif splitter == PRESORTED:
            row = order[f]
            constant = Xt[f, row[end - 1]] <= Xt[f, row[start]] + FEATURE_THRESHOLD
        else:
            row = sorted_row
            constant = _sort_node(Xt, f, row0, start, end, row, values)
        if constant:
            features[f_j], features[n_total] = features[n_total], features[f_j]
            n_found += 1
            n_total += 1
            continue
        f_i -= 1
        features[f_i], features[f_j] = features[f_j], features[f_i]
        if random_splitter:
            continue
        if criterion == ABSOLUTE_ERROR:
            scan_sorted_mae(
                Xt,
                f,
                row,
                start,
                end,
                w,
                Y,
                sorted_y,
                rank,
                w_node,
                min_leaf,
                min_weight_leaf,
                mae_work,
                best,
            )
        else:
            _scan_sorted(
                Xt,
                f,
                row,
                start,
                end,
                codes,
                Y,
                w,
                criterion,
                node_stats,
                w_node,
                min_leaf,
                min_weight_leaf,
                left,
                right,
                best,
            )
    # remember the constants: known ones first, then those found here (for the children)
    features[:n_known] = constant_features[:n_known]
    constant_features[n_known:n_total] = features[n_known:n_total]
    n_constants[0] = n_total
    if best[1] < 0:
        return True, -2, -2.0, end, 0.0, impurity, w_node
    feature = int(best[1])
    pos = int(best[2])
    threshold = best[3]
    _partition(order, Xt, feature, threshold, start, end, goes_left, buffer, splitter == PRESORTED)
    w_left = _node_stats(row0, start, pos, codes, Y, w, criterion, left)
    w_right = w_node - w_left
    if criterion == ABSOLUTE_ERROR:
        medians = np.empty(n_outputs)
        imp_left = mae_impurity(row0, start, pos, Y, w, w_left, medians)
        imp_right = mae_impurity(row0, pos, end, Y, w, w_right, medians)
        improvement = (w_node / w_root) * (
            impurity - w_right / w_node * imp_right - w_left / w_node * imp_left
        )
    else:
        _difference(node_stats, left, right)
        improvement = _improvement(
            left, right, w_node, w_left, w_right, w_root, impurity, criterion
        )
    if improvement + EPSILON < min_impurity_decrease:
        return True, -2, -2.0, end, 0.0, impurity, w_node
    return False, feature, threshold, pos, improvement, impurity, w_node


# -- the whole tree ------------------------------------------------------------------------------


@jit
def _grow_arrays(arrays, values, capacity):
    new_arrays = np.empty((arrays.shape[0], capacity))
    new_arrays[:, : arrays.shape[1]] = arrays
    new_values = np.zeros((capacity,) + values.shape[1:])
    new_values[: values.shape[0]] = values
    return new_arrays, new_values


@jit
def grow_tree(
    Xt,
    codes,
    Y,
    w,
    order,
    n_stats,
    criterion,
    splitter,
    max_depth,
    min_samples_split,
    min_leaf,
    min_weight_leaf,
    max_features,
    max_leaf_nodes,
    min_impurity_decrease,
    seed,
):
    """Grow a tree depth-first, or best-first when ``max_leaf_nodes > 0``.

    Returns ``(nodes, values)``: ``nodes`` rows are left child, right child, feature, threshold,
    impurity, n_node_samples, weighted_n_node_samples, improvement, depth (one column per node, in
    scikit-learn's numbering); ``values`` is ``(node_count, n_outputs, n_values)``.
    """
    rng = np.array([seed], dtype=np.uint64)
    n_features, n_samples = Xt.shape
    n_used = order.shape[1]
    classification = criterion <= ENTROPY
    n_outputs = codes.shape[1] if classification else Y.shape[1]
    n_values = n_stats if classification else 1
    mae = criterion == ABSOLUTE_ERROR
    ws = (
        np.zeros((n_outputs, n_stats)),
        np.zeros((n_outputs, n_stats)),
        np.zeros((n_outputs, n_stats)),
        np.zeros(4),
        np.zeros(n_samples, dtype=np.bool_),
        np.empty(n_used, dtype=order.dtype),
        np.empty((n_outputs, n_used if mae else 1)),
        np.empty((n_outputs, n_samples if mae else 1), dtype=np.int64),
        np.empty((5, n_used + 1 if mae else 1)),
        np.empty(n_used if splitter == SORT_PER_NODE else 1, dtype=order.dtype),
        np.empty(n_used if splitter != PRESORTED else 1, dtype=Xt.dtype),
    )
    features = np.arange(n_features)
    constant_features = np.arange(n_features)
    n_constants = np.zeros(1, dtype=np.int64)
    w_root = 0.0
    for p in range(n_used):
        w_root += w[order[0, p]]
    capacity = 64
    nodes = np.empty((9, capacity))
    values = np.zeros((capacity, n_outputs, n_values))
    # frontier: start, end, depth, parent, is_left (+ for best-first: node id, split info)
    stack = np.empty((n_used + 2, 6), dtype=np.int64)
    stack[0] = (0, n_used, 0, -1, 0, 0)
    top = 1
    count = 0
    best_first = max_leaf_nodes > 0
    # best-first frontier of evaluated nodes: node id, start, pos, end, depth
    frontier = np.empty((2 * max_leaf_nodes + 2 if best_first else 1, 5), dtype=np.int64)
    gains = np.empty(frontier.shape[0])
    n_frontier = 0
    splits_left = max_leaf_nodes - 1
    while top > 0 or n_frontier > 0:
        if best_first and top == 0:
            # expand the frontier node with the largest improvement
            k = 0
            for q in range(1, n_frontier):
                if gains[q] > gains[k]:
                    k = q
            node, start, pos, end, depth = frontier[k]
            frontier[k] = frontier[n_frontier - 1]
            gains[k] = gains[n_frontier - 1]
            n_frontier -= 1
            if nodes[0, node] == -2:  # evaluated as a split, still open
                if splits_left <= 0:
                    nodes[0, node] = -1.0
                    nodes[1, node] = -1.0
                    nodes[2, node] = -2.0
                    nodes[3, node] = -2.0
                else:
                    splits_left -= 1
                    stack[top] = (pos, end, depth + 1, node, 0, 0)
                    stack[top + 1] = (start, pos, depth + 1, node, 1, 0)
                    top += 2
            continue
        top -= 1
        start, end, depth, parent, is_left, n_known = stack[top]
        if count == capacity:
            capacity *= 2
            nodes, values = _grow_arrays(nodes, values, capacity)
        is_leaf, feature, threshold, pos, gain, impurity, w_node = _split_node(
            Xt,
            codes,
            Y,
            w,
            order,
            start,
            end,
            depth,
            criterion,
            splitter,
            max_depth,
            min_samples_split,
            min_leaf,
            min_weight_leaf,
            max_features,
            min_impurity_decrease,
            w_root,
            features,
            constant_features,
            n_known,
            n_constants,
            rng,
            ws,
            values[count],
        )
        node = count
        count += 1
        if parent >= 0:
            nodes[0 if is_left else 1, parent] = node
        nodes[0, node] = -1.0
        nodes[1, node] = -1.0
        nodes[2, node] = feature
        nodes[3, node] = threshold
        nodes[4, node] = impurity
        nodes[5, node] = end - start
        nodes[6, node] = w_node
        nodes[7, node] = gain
        nodes[8, node] = depth
        if is_leaf:
            continue
        if best_first:
            nodes[0, node] = -2.0  # open: children not created yet
            frontier[n_frontier] = (node, start, pos, end, depth)
            gains[n_frontier] = gain
            n_frontier += 1
        else:
            stack[top] = (pos, end, depth + 1, node, 0, n_constants[0])
            stack[top + 1] = (start, pos, depth + 1, node, 1, n_constants[0])
            top += 2
    return nodes[:, :count], values[:count]


@jit
def apply_tree(X, children, feature, threshold):
    """Leaf index reached by each row of ``X`` (``x <= threshold`` goes left).

    ``children`` is ``(n_nodes, 2)``: both children of a node share a cache line, which matters
    for deep trees that do not fit in cache.
    """
    leaves = np.empty(X.shape[0], dtype=np.int64)
    for i in range(X.shape[0]):
        node = 0
        while children[node, 0] != -1:
            node = (
                children[node, 0] if X[i, feature[node]] <= threshold[node] else children[node, 1]
            )
        leaves[i] = node
    return leaves


@jit
def sum_forest_values(X, children, feature, threshold, values, roots):
    """Sum over trees of the leaf ``values`` each row of ``X`` reaches.

    The trees are stacked (tree ``t`` starts at row ``roots[t]``, child indices are global);
    one tree is walked for every sample before the next, to keep it in cache.
    """
    out = np.zeros((X.shape[0], values.shape[1], values.shape[2]))
    for t in range(roots.shape[0]):
        for i in range(X.shape[0]):
            node = roots[t]
            while children[node, 0] != -1:
                node = (
                    children[node, 0]
                    if X[i, feature[node]] <= threshold[node]
                    else children[node, 1]
                )
            for o in range(values.shape[1]):  # loops, not out[i] += ...: no temporaries
                for k in range(values.shape[2]):
                    out[i, o, k] += values[node, o, k]
    return out
