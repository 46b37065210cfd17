"""A fitted tree as indented text (:func:`export_text`).

The drawing with matplotlib is :func:`homeml.plot.plot_tree`: algorithms never import the figures.
"""

from __future__ import annotations

import numpy as np

from homeml.learn.base import check_is_fitted


def _tree_of(decision_tree):
    check_is_fitted(decision_tree, "tree_")
    return decision_tree.tree_


def _feature_name(tree, node, feature_names):
    f = tree.feature[node]
    return feature_names[f] if feature_names is not None else f"feature_{f}"


def _leaf_label(decision_tree, node, class_names, decimals, show_weights):
    tree = decision_tree.tree_
    value = tree.value[node]
    if hasattr(decision_tree, "classes_") and tree.n_outputs == 1:
        names = class_names if class_names is not None else decision_tree.classes_
        fractions = value[0, : tree.n_classes[0]]
        text = f"class: {names[int(np.argmax(fractions))]}"
        if show_weights:
            weights = fractions * tree.weighted_n_node_samples[node]
            text = f"weights: [{', '.join(f'{v:.{decimals}f}' for v in weights)}] {text}"
        return text
    shown = np.round(value[:, 0] if tree.n_outputs > 1 else value[0], decimals)
    return f"value: [{', '.join(f'{v:.{decimals}f}' for v in np.ravel(shown))}]"


def export_text(
    decision_tree,
    *,
    feature_names=None,
    class_names=None,
    max_depth=10,
    spacing=3,
    decimals=2,
    show_weights=False,
) -> str:
    """The rules of a fitted tree as indented text, one line per branch.

    Parameters
    ----------
    decision_tree : DecisionTreeClassifier or DecisionTreeRegressor
    feature_names : list of str, optional
        Names of the features (default ``feature_0``, ``feature_1``, ...).
    class_names : list of str, optional
        Names of the classes, in the order of ``classes_``.
    max_depth : int, default=10
        Deeper branches are shown as "truncated branch of depth d".
    spacing : int, default=3
        Width of each indentation step.
    decimals : int, default=2
        Decimals of thresholds and values.
    show_weights : bool, default=False
        Show the weighted class counts at each leaf (classifiers).

    Returns
    -------
    str
    """
    tree = _tree_of(decision_tree)
    if feature_names is not None and len(feature_names) != tree.n_features:
        raise ValueError(
            f"feature_names must contain {tree.n_features} elements, got {len(feature_names)}"
        )
    if max_depth < 0:
        raise ValueError(f"max_depth must be >= 0, given {max_depth}")
    if spacing <= 0:
        raise ValueError(f"spacing must be > 0, given {spacing}")
    step = "|" + " " * spacing
    lines = []
    stack = [("node", 0, 0)]  # explicit stack: deep trees must not hit the recursion limit
    while stack:
        kind, node, depth = stack.pop()
        indent = step * depth + "|" + "-" * spacing + " "
        if kind == "right":
            name = _feature_name(tree, node, feature_names)
            lines.append(f"{indent}{name} >  {tree.threshold[node]:.{decimals}f}")
            stack.append(("node", tree.children_right[node], depth + 1))
        elif tree.children_left[node] == -1:
            label = _leaf_label(decision_tree, node, class_names, decimals, show_weights)
            lines.append(indent + label)
        elif depth > max_depth:
            lines.append(indent + f"truncated branch of depth {_subtree_depth(tree, node) + 1}")
        else:
            name = _feature_name(tree, node, feature_names)
            lines.append(f"{indent}{name} <= {tree.threshold[node]:.{decimals}f}")
            stack.append(("right", node, depth))
            stack.append(("node", tree.children_left[node], depth + 1))
    return "\n".join(lines) + "\n"


def _subtree_depth(tree, node) -> int:
    depth, frontier = 0, [node]
    while frontier:
        frontier = [
            c
            for n in frontier
            if tree.children_left[n] != -1
            for c in (tree.children_left[n], tree.children_right[n])
        ]
        depth += 1 if frontier else 0
    return depth
