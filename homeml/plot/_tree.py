"""Drawing a fitted decision tree (:func:`plot_tree`); its text form is
:func:`homeml.learn.tree.export_text`.
"""

from __future__ import annotations

import numpy as np

from homeml.plot._training import _pyplot


def _check_fitted(decision_tree):
    from homeml.learn.validation import check_is_fitted  # on use: keeps `homeml.plot` light

    check_is_fitted(decision_tree, "tree_")


def _feature_name(tree, node, feature_names):
    f = tree.feature[node]
    return feature_names[f] if feature_names is not None else f"feature_{f}"


def plot_tree(
    decision_tree,
    *,
    max_depth=None,
    feature_names=None,
    class_names=None,
    label="all",
    filled=False,
    impurity=True,
    node_ids=False,
    proportion=False,
    rounded=False,
    precision=3,
    ax=None,
    fontsize=None,
):
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
    _check_fitted(decision_tree)
    tree = decision_tree.tree_
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
        text = _node_text(
            decision_tree,
            node,
            feature_names,
            class_names,
            label,
            impurity,
            node_ids,
            proportion,
            precision,
        )
        box = {"boxstyle": "round" if rounded else "square", "fc": "white", "ec": "black"}
        if filled:
            box["fc"] = _fill(tree, node, decision_tree, colors, span)
        xy = ((x + 0.5) / width, 1.0 - (depth + 0.5) / height)
        parent = positions.get(_parent(tree, node))
        if parent is None:
            note = ax.annotate(
                text,
                xy,
                xycoords="axes fraction",
                ha="center",
                va="center",
                bbox=box,
                fontsize=fontsize,
            )
        else:
            px, pd = parent
            parent_xy = ((px + 0.5) / width, 1.0 - (pd + 0.5) / height)
            note = ax.annotate(
                text,
                parent_xy,
                xytext=xy,
                xycoords="axes fraction",
                textcoords="axes fraction",
                ha="center",
                va="center",
                bbox=box,
                fontsize=fontsize,
                arrowprops={"arrowstyle": "<-"},
            )
        annotations.append(note)
    return annotations


def _layout(tree, limit):
    """Each node's (x slot, depth): leaves left to right, parents centred over their children."""
    positions, next_slot = {}, [0]

    def place(node, depth):
        is_leaf = tree.children_left[node] == -1 or depth >= limit
        if is_leaf:
            positions[node] = (next_slot[0], depth)
            next_slot[0] += 1
            return positions[node][0]
        x = (
            place(tree.children_left[node], depth + 1) + place(tree.children_right[node], depth + 1)
        ) / 2
        positions[node] = (x, depth)
        return x

    place(0, 0)
    return positions


def _parent(tree, node):
    hits = np.flatnonzero((tree.children_left == node) | (tree.children_right == node))
    return int(hits[0]) if len(hits) else None


def _node_text(
    decision_tree,
    node,
    feature_names,
    class_names,
    label,
    impurity,
    node_ids,
    proportion,
    precision,
):
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
