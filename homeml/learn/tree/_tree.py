"""The fitted tree's arrays (scikit-learn's ``Tree``): structure, apply, importances."""

from __future__ import annotations

import numpy as np

from homeml.learn.tree._builder import apply_tree

TREE_LEAF = -1
TREE_UNDEFINED = -2


class Tree:
    """The arrays of a fitted tree, named as in scikit-learn's ``Tree``.

    Node ``i`` splits on ``feature[i]`` at ``threshold[i]`` (``x <= threshold`` goes to
    ``children_left[i]``); leaves have ``children_left == children_right == -1`` and
    ``feature == threshold == -2``. ``value[i]`` is ``(n_outputs, max_n_classes)``: class
    fractions for classifiers, the mean (or median) for regressors.
    """

    def __init__(self, n_features, n_classes, n_outputs, nodes, values):
        self.n_features = n_features
        self.n_classes = np.asarray(n_classes, dtype=np.intp)
        self.n_outputs = n_outputs
        self.max_n_classes = int(self.n_classes.max())
        self.children_left = nodes[0].astype(np.intp)
        self.children_right = nodes[1].astype(np.intp)
        self.feature = nodes[2].astype(np.intp)
        self.threshold = nodes[3].copy()
        self.impurity = nodes[4].copy()
        self.n_node_samples = nodes[5].astype(np.intp)
        self.weighted_n_node_samples = nodes[6].copy()
        self._depths = nodes[8].astype(np.intp)
        self.value = values

    @property
    def node_count(self) -> int:
        return len(self.children_left)

    @property
    def capacity(self) -> int:
        return self.node_count

    @property
    def max_depth(self) -> int:
        return int(self._depths.max())

    @property
    def n_leaves(self) -> int:
        return int(np.sum(self.children_left == TREE_LEAF))

    def packed_nodes(self, offset: int = 0):
        """``(children (n_nodes, 2), feature, threshold)`` for the compiled walk; child indices
        are shifted by ``offset`` (forests stack their trees)."""
        shift = np.where(self.children_left == TREE_LEAF, 0, offset)
        children = np.stack([self.children_left + shift, self.children_right + shift], axis=1)
        return children.astype(np.int64), self.feature.astype(np.int64), self.threshold

    def apply(self, X) -> np.ndarray:
        """Index of the leaf each row of float32 ``X`` ends in."""
        packed = getattr(self, "_packed", None)
        if packed is None:  # built on first use
            packed = self._packed = self.packed_nodes()
        return apply_tree(X, *packed)

    def predict(self, X) -> np.ndarray:
        """``value`` of the leaf each row ends in: ``(n_samples, n_outputs, max_n_classes)``."""
        return self.value[self.apply(X)]

    def decision_path(self, X) -> np.ndarray:
        """Dense 0/1 indicator ``(n_samples, node_count)`` of the nodes each row goes through."""
        leaves = self.apply(X)
        parent = np.full(self.node_count, -1)
        internal = self.children_left != TREE_LEAF
        parent[self.children_left[internal]] = np.flatnonzero(internal)
        parent[self.children_right[internal]] = np.flatnonzero(internal)
        path = np.zeros((len(leaves), self.node_count), dtype=np.int64)
        nodes = leaves.copy()
        rows = np.arange(len(leaves))
        while np.any(nodes >= 0):
            alive = nodes >= 0
            path[rows[alive], nodes[alive]] = 1
            nodes[alive] = parent[nodes[alive]]
        return path

    def compute_feature_importances(self, normalize: bool = True) -> np.ndarray:
        """Total weighted impurity decrease brought by each feature (mean decrease in impurity)."""
        internal = np.flatnonzero(self.children_left != TREE_LEAF)
        weighted = self.weighted_n_node_samples * self.impurity
        decrease = (
            weighted[internal]
            - weighted[self.children_left[internal]]
            - weighted[self.children_right[internal]]
        )
        importances = (
            np.bincount(self.feature[internal], weights=decrease, minlength=self.n_features)
            / self.weighted_n_node_samples[0]
        )
        if normalize and importances.sum() > 0:
            importances /= importances.sum()
        return importances
