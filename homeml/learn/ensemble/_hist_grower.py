"""Binning of features and best-first growth of one histogram tree (histogram gradient boosting).

:class:`Binner` maps each feature to at most ``max_bins`` quantile bins plus one bin for missing
values. :func:`grow_tree` grows one regression tree on gradients and hessians: the node with the
largest gain is split first (up to ``max_leaf_nodes`` leaves); a child's histogram is built from
its samples only for the smaller child, the larger one's is the parent's minus the smaller's.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass

import numpy as np

from homeml.learn.ensemble import _hist_kernels as kernels


class Binner:
    """Quantile bin edges per feature, learned on (a subsample of) the training data.

    Parameters
    ----------
    max_bins : int
        Bins for non-missing values (at most 255); bin ``max_bins`` holds missing values.
    subsample : int
        Rows used to compute the quantiles.
    rng : numpy.random.RandomState
    """

    def __init__(self, max_bins=255, subsample=200_000, rng=None):
        self.max_bins, self.subsample, self.rng = max_bins, subsample, rng

    def fit(self, X):
        if X.shape[0] > self.subsample:
            X = X[self.rng.choice(X.shape[0], self.subsample, replace=False)]
        n_features = X.shape[1]
        self.thresholds_ = np.full((n_features, max(self.max_bins - 1, 1)), np.inf)
        self.n_thresholds_ = np.zeros(n_features, np.int64)
        for f in range(n_features):
            column = X[:, f][~np.isnan(X[:, f])]
            distinct = np.unique(column)
            if len(distinct) <= self.max_bins:  # one bin per value: edges halfway between them
                edges = (distinct[:-1] + distinct[1:]) / 2
            else:
                quantiles = np.linspace(0, 100, self.max_bins + 1)[1:-1]
                edges = np.unique(np.percentile(column, quantiles, method="averaged_inverted_cdf"))
            self.thresholds_[f, : len(edges)] = edges
            self.n_thresholds_[f] = len(edges)
        self.n_bins_non_missing_ = self.n_thresholds_ + 1
        self.missing_bin_ = self.max_bins
        return self

    def transform(self, X):
        """Feature-major uint8 bins, shape ``(n_features, n_samples)``."""
        out = np.empty((X.shape[1], X.shape[0]), np.uint8)
        kernels.bin_columns(
            np.asarray(X, np.float64), self.thresholds_, self.n_thresholds_, self.missing_bin_, out
        )
        return out


@dataclass
class TreeParams:
    """What limits the growth of one tree."""

    max_leaf_nodes: int | None
    max_depth: int | None
    min_samples_leaf: int
    l2_regularization: float
    learning_rate: float
    max_features: float
    min_hessian: float = 1e-3


@dataclass
class Tree:
    """A fitted histogram tree as flat arrays; ``left[node] == -1`` marks a leaf."""

    feature: np.ndarray
    threshold: np.ndarray  # real-valued: x <= threshold goes left
    bin_threshold: np.ndarray  # the same split on binned data
    missing_left: np.ndarray
    left: np.ndarray
    right: np.ndarray
    value: np.ndarray

    def add_raw(self, X, out):
        kernels.add_tree_raw(
            X,
            self.feature,
            self.threshold,
            self.missing_left,
            self.left,
            self.right,
            self.value,
            out,
        )

    def add_binned(self, X_binned, missing_bin, out):
        kernels.add_tree_binned(
            X_binned,
            self.feature,
            self.bin_threshold,
            self.missing_left,
            self.left,
            self.right,
            self.value,
            missing_bin,
            out,
        )


class _Node:
    __slots__ = ("id", "start", "stop", "depth", "sum_g", "sum_h", "count", "hist", "split")

    def __init__(self, id, start, stop, depth, sum_g, sum_h, count):
        self.id, self.start, self.stop, self.depth = id, start, stop, depth
        self.sum_g, self.sum_h, self.count = sum_g, sum_h, count
        self.hist = self.split = None


def grow_tree(
    X_binned, gradients, hessians, constant_hessian, binner, params, rng, sample_indices=None
):
    """Grow one tree best-first; returns ``(tree, leaves)``.

    ``leaves`` lists ``(node_id, samples)`` with the training samples of each leaf, so the caller
    updates its raw predictions without walking the tree (and may replace a leaf's value).
    """
    n_features, n_samples = X_binned.shape
    n_bins = binner.max_bins + 1
    if sample_indices is None:
        sample_indices = np.arange(n_samples, dtype=np.intp)
    buffer = np.empty_like(sample_indices)
    columns = {k: [] for k in ("feature", "bin", "missing_left", "left", "right", "value")}

    def new_node(start, stop, depth, sum_g, sum_h, count):
        node = _Node(len(columns["value"]), start, stop, depth, sum_g, sum_h, count)
        for key in columns:
            columns[key].append(-1 if key in ("left", "right") else 0)
        return node

    def can_split(node):
        return node.count >= 2 * params.min_samples_leaf and (
            params.max_depth is None or node.depth < params.max_depth
        )

    def find_split(node):
        mask = np.ones(n_features, np.bool_)
        if params.max_features < 1.0:  # a random subset of features at each node
            k = max(1, int(params.max_features * n_features))
            mask[:] = False
            mask[rng.choice(n_features, k, replace=False)] = True
        split = kernels.find_best_split(
            node.hist,
            binner.n_bins_non_missing_,
            has_missing,
            mask,
            node.sum_g,
            node.sum_h,
            node.count,
            params.l2_regularization,
            params.min_samples_leaf,
            params.min_hessian,
            binner.missing_bin_,
        )
        if split[0] <= 1e-12:
            node.split = None
            return
        if not has_missing[split[1]]:  # unseen NaN at predict time follow the larger child
            split = (*split[:3], split[6] >= node.count - split[6], *split[4:])
        node.split = split

    def histogram(node):
        hist = np.zeros((n_features, n_bins, 3))
        kernels.build_histograms(
            X_binned,
            sample_indices[node.start : node.stop],
            gradients,
            hessians,
            constant_hessian,
            hist,
        )
        return hist

    leaves = []

    def make_leaf(node):
        value = -params.learning_rate * node.sum_g / (node.sum_h + params.l2_regularization)
        columns["value"][node.id] = value
        leaves.append((node.id, sample_indices[node.start : node.stop]))

    # a feature "has missing values" when its missing bin is not empty (seen at the root)
    root_g = gradients[sample_indices].sum()
    root_h = (
        hessians[0] * len(sample_indices) if constant_hessian else hessians[sample_indices].sum()
    )
    root = new_node(0, len(sample_indices), 0, root_g, root_h, float(len(sample_indices)))
    root.hist = histogram(root)
    has_missing = root.hist[:, binner.missing_bin_, kernels.COUNT] > 0
    heap, n_leaves = [], 1
    if can_split(root):
        find_split(root)
    if root.split is None:
        make_leaf(root)
    else:
        heapq.heappush(heap, (-root.split[0], root.id, root))

    max_leaves = params.max_leaf_nodes or np.inf
    while heap:
        _, _, node = heapq.heappop(heap)
        gain, feature, bin_, missing_left, g_left, h_left, count_left = node.split
        mid = node.start + kernels.partition(
            sample_indices[node.start : node.stop],
            X_binned[feature],
            bin_,
            missing_left,
            binner.missing_bin_,
            buffer,
        )
        left = new_node(node.start, mid, node.depth + 1, g_left, h_left, count_left)
        right = new_node(
            mid,
            node.stop,
            node.depth + 1,
            node.sum_g - g_left,
            node.sum_h - h_left,
            node.count - count_left,
        )
        columns["feature"][node.id] = feature
        columns["bin"][node.id] = bin_
        columns["missing_left"][node.id] = missing_left
        columns["left"][node.id], columns["right"][node.id] = left.id, right.id
        n_leaves += 1
        children = (left, right)
        splittable = [c for c in children if can_split(c)] if n_leaves < max_leaves else []
        if splittable:
            small, large = (left, right) if left.count <= right.count else (right, left)
            small.hist = histogram(small)
            large.hist = node.hist - small.hist  # the subtraction trick
        node.hist = None
        for child in children:
            if child in splittable:
                find_split(child)
            if child.split is None:
                make_leaf(child)
            else:
                heapq.heappush(heap, (-child.split[0], child.id, child))
            child.hist = None if child.split is None else child.hist
        if n_leaves >= max_leaves:
            for _, _, rest in heap:
                make_leaf(rest)
            break
    return _to_tree(columns, binner), leaves


def _to_tree(columns, binner):
    feature = np.asarray(columns["feature"], np.intp)
    bins = np.asarray(columns["bin"], np.intp)
    left = np.asarray(columns["left"], np.intp)
    # bins <= b go left, i.e. x <= edge b (edge past the last one: every non-missing value)
    threshold = np.where(
        bins < binner.n_thresholds_[feature],
        binner.thresholds_[feature, np.minimum(bins, binner.thresholds_.shape[1] - 1)],
        np.inf,
    )
    threshold[left < 0] = np.nan
    return Tree(
        feature,
        threshold,
        bins.astype(np.uint8),
        np.asarray(columns["missing_left"], np.bool_),
        left,
        np.asarray(columns["right"], np.intp),
        np.asarray(columns["value"], np.float64),
    )
