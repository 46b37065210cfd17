"""Minimal cost-complexity pruning (``ccp_alpha``) of a grown tree.

The weakest link is the internal node ``t`` with the smallest
``g(t) = (R(t) - R(T_t)) / (|leaves(T_t)| - 1)``, where ``R`` is the weighted impurity
``n_t / n * impurity_t`` and ``T_t`` the subtree under ``t``. Weakest links are collapsed into
leaves while ``g <= ccp_alpha``; the remaining nodes keep their relative order.
"""

from __future__ import annotations

import numba
import numpy as np


@numba.njit(cache=True)
def _prune_masks(left, right, risk, alpha):
    n = left.shape[0]
    is_leaf = left == -1
    removed = np.zeros(n, dtype=np.bool_)
    subtree_risk = np.empty(n)
    leaves = np.empty(n)
    stack = np.empty(n, dtype=np.int64)
    while True:
        for i in range(n - 1, -1, -1):  # children come after their parent
            if removed[i]:
                continue
            if is_leaf[i]:
                subtree_risk[i] = risk[i]
                leaves[i] = 1.0
            else:
                subtree_risk[i] = subtree_risk[left[i]] + subtree_risk[right[i]]
                leaves[i] = leaves[left[i]] + leaves[right[i]]
        weakest = -1
        smallest = np.inf
        for i in range(n):
            if not removed[i] and not is_leaf[i]:
                g = (risk[i] - subtree_risk[i]) / (leaves[i] - 1.0)
                if g < smallest:
                    smallest = g
                    weakest = i
        if weakest < 0 or smallest > alpha:
            return is_leaf, removed
        is_leaf[weakest] = True
        top = 0
        stack[top] = left[weakest]
        stack[top + 1] = right[weakest]
        top = 2
        while top > 0:
            top -= 1
            node = stack[top]
            removed[node] = True
            if not is_leaf[node]:
                stack[top] = left[node]
                stack[top + 1] = right[node]
                top += 2


def prune_tree(nodes: np.ndarray, values: np.ndarray, alpha: float):
    """Return ``(nodes, values)`` (the builder's layout) pruned with strength ``alpha``."""
    left = nodes[0].astype(np.int64)
    right = nodes[1].astype(np.int64)
    risk = nodes[6] * nodes[4] / nodes[6, 0]
    is_leaf, removed = _prune_masks(left, right, risk, alpha)
    keep = ~removed
    new_id = np.cumsum(keep) - 1
    nodes = nodes[:, keep].copy()
    leaf = is_leaf[keep]
    nodes[0] = np.where(leaf, -1, new_id[np.maximum(left[keep], 0)])
    nodes[1] = np.where(leaf, -1, new_id[np.maximum(right[keep], 0)])
    nodes[2] = np.where(leaf, -2, nodes[2])
    nodes[3] = np.where(leaf, -2.0, nodes[3])
    return nodes, values[keep]
