"""Render a fitted tree: as indented text (:func:`export_text`) or as a matplotlib drawing."""

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


def export_text(decision_tree, *, feature_names=None, class_names=None, max_depth=10, spacing=3,
                decimals=2, show_weights=False) -> str:
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
        frontier = [c for n in frontier if tree.children_left[n] != -1
                    for c in (tree.children_left[n], tree.children_right[n])]
        depth += 1 if frontier else 0
    return depth


def plot_tree(decision_tree, *, max_depth=None, feature_names=None, class_names=None,
              label="all", filled=False, impurity=True, node_ids=False, proportion=False,
              rounded=False, precision=3, ax=None, fontsize=None):
    """Draw a fitted tree with matplotlib: one box per node, arrows from parent to children.

    Parameters
    ----------
    decision_tree : DecisionTreeClassifier or DecisionTreeRegressor
    max_depth : int, optional
        Draw only this many levels below the root.
    feature_names, class_names : list of str, optional
        Names shown in the split and class lines.
    label : {"all", "root", "none"}, default="all"
        Which boxes show the "samples = ..." style labels.
    filled : bool, default=False
        Colour boxes by majority class (classifiers) or by value (regressors).
    impurity, node_ids, proportion : bool
        Show the impurity, the node index, or sample shares instead of counts.
    rounded : bool, default=False
        Rounded box corners.
    precision : int, default=3
        Digits of thresholds, impurities and values.
    ax : matplotlib Axes, optional
        Where to draw (default: the current axes).
    fontsize : float, optional

    Returns
    -------
    list of matplotlib.text.Annotation
        One per drawn node.
    """
    tree = _tree_of(decision_tree)
    from homeml.plot import _pyplot

    plt = _pyplot()
    ax = ax if ax is not None else plt.gca()
    ax.set_axis_off()
    limit = np.inf if max_depth is None else max_depth
    positions = _layout(tree, limit)
    width = max(x for x, _ in positions.values()) + 1
    height = max(d for _, d in positions.values()) + 1
    colors = plt.get_cmap("tab10")
    values = tree.value[:, 0, 0]
    span = (values.min(), values.max())
    annotations = []
    for node in sorted(positions):  # annotations in node order, the root first
        x, depth = positions[node]
        text = _node_text(decision_tree, node, feature_names, class_names, label, impurity,
                          node_ids, proportion, precision)
        box = {"boxstyle": "round" if rounded else "square", "fc": "white", "ec": "black"}
        if filled:
            box["fc"] = _fill(tree, node, decision_tree, colors, span)
        xy = ((x + 0.5) / width, 1.0 - (depth + 0.5) / height)
        parent = positions.get(_parent(tree, node))
        if parent is None:
            note = ax.annotate(text, xy, xycoords="axes fraction", ha="center", va="center",
                               bbox=box, fontsize=fontsize)
        else:
            px, pd = parent
            parent_xy = ((px + 0.5) / width, 1.0 - (pd + 0.5) / height)
            note = ax.annotate(text, parent_xy, xytext=xy, xycoords="axes fraction",
                               textcoords="axes fraction", ha="center", va="center", bbox=box,
                               fontsize=fontsize, arrowprops={"arrowstyle": "<-"})
        annotations.append(note)
    return annotations


def _layout(tree, limit):
    """node -> (x slot, depth): leaves left to right, parents centred over their children."""
    positions, next_slot = {}, [0]

    def place(node, depth):
        is_leaf = tree.children_left[node] == -1 or depth >= limit
        if is_leaf:
            positions[node] = (next_slot[0], depth)
            next_slot[0] += 1
            return positions[node][0]
        x = (place(tree.children_left[node], depth + 1)
             + place(tree.children_right[node], depth + 1)) / 2
        positions[node] = (x, depth)
        return x

    place(0, 0)
    return positions


def _parent(tree, node):
    hits = np.flatnonzero((tree.children_left == node) | (tree.children_right == node))
    return int(hits[0]) if len(hits) else None


def _node_text(decision_tree, node, feature_names, class_names, label, impurity, node_ids,
               proportion, precision):
    tree = decision_tree.tree_
    show = label == "all" or (label == "root" and node == 0)
    lines = [f"node #{node}"] if node_ids else []
    if tree.children_left[node] != -1:
        name = _feature_name(tree, node, feature_names)
        lines.append(f"{name} <= {round(tree.threshold[node], precision)}")
    if impurity:
        criterion = getattr(decision_tree, "criterion", "impurity")
        lines.append(f"{criterion + ' = ' if show else ''}{round(tree.impurity[node], precision)}")
    samples = tree.n_node_samples[node]
    if proportion:
        share = round(100.0 * samples / tree.n_node_samples[0], 1)
        lines.append(f"{'samples = ' if show else ''}{share}%")
    else:
        lines.append(f"{'samples = ' if show else ''}{samples}")
    if hasattr(decision_tree, "classes_") and tree.n_outputs == 1:
        value = tree.value[node, 0, : tree.n_classes[0]]
        shown = value if proportion else value * tree.weighted_n_node_samples[node]
        lines.append(f"{'value = ' if show else ''}{np.round(shown, precision).tolist()}")
        names = class_names if class_names is not None else decision_tree.classes_
        lines.append(f"{'class = ' if show else ''}{names[int(np.argmax(value))]}")
    else:
        shown = np.round(tree.value[node, :, 0], precision)
        shown = shown[0] if len(shown) == 1 else shown.tolist()
        lines.append(f"{'value = ' if show else ''}{shown}")
    return "\n".join(lines)


def _fill(tree, node, decision_tree, colors, span):
    if hasattr(decision_tree, "classes_") and tree.n_outputs == 1:
        fractions = tree.value[node, 0]
        best = int(np.argmax(fractions))
        r, g, b, _ = colors(best % 10)
        alpha = float(np.clip((fractions[best] - 1 / len(fractions)) * 2, 0.1, 1.0))
        return (r, g, b, alpha)
    low, high = span
    share = 0.0 if high == low else float((tree.value[node, 0, 0] - low) / (high - low))
    return (0.9, 0.5, 0.2, 0.1 + 0.9 * share)
