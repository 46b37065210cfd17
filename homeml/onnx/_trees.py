"""Decision trees and forests as ``ai.onnx.ml`` TreeEnsembleClassifier/Regressor (ml opset 3).

homeml sends ``x <= threshold`` left (mode ``BRANCH_LEQ``). It compares the float32 input with
a float64 threshold; the threshold is stored as the largest float32 not above it, for which
``x <= t32`` holds exactly when ``x <= t64`` for every float32 ``x``.
"""

from __future__ import annotations

import numpy as np

ML_OPSET = 3


def _float32_floor(threshold):
    t32 = np.asarray(threshold, dtype=np.float32)
    above = t32.astype(np.float64) > threshold
    return np.where(above, np.nextafter(t32, np.float32(-np.inf)), t32)


def _single_output(est):
    if est.n_outputs_ != 1:
        raise NotImplementedError(
            f"cannot export {type(est).__name__} with {est.n_outputs_} outputs to ONNX: only "
            "single-output trees are supported"
        )


def _node_attrs(trees):
    """The ``nodes_*`` attributes of the ensemble, and (tree id, node id) of every leaf."""
    attrs: dict[str, list] = {
        k: []
        for k in (
            "nodes_treeids",
            "nodes_nodeids",
            "nodes_featureids",
            "nodes_values",
            "nodes_modes",
            "nodes_truenodeids",
            "nodes_falsenodeids",
        )
    }
    leaves = []
    for t, tree in enumerate(trees):
        n = tree.node_count
        leaf = tree.children_left == -1
        attrs["nodes_treeids"] += [t] * n
        attrs["nodes_nodeids"] += list(range(n))
        attrs["nodes_featureids"] += np.where(leaf, 0, tree.feature).tolist()
        attrs["nodes_values"] += np.where(leaf, 0.0, _float32_floor(tree.threshold)).tolist()
        attrs["nodes_modes"] += ["LEAF" if f else "BRANCH_LEQ" for f in leaf]
        attrs["nodes_truenodeids"] += np.where(leaf, 0, tree.children_left).tolist()
        attrs["nodes_falsenodeids"] += np.where(leaf, 0, tree.children_right).tolist()
        leaves += [(t, int(i)) for i in np.flatnonzero(leaf)]
    return attrs, leaves


def _trees_of(est):
    """(fitted Tree arrays, whether each tree's values are normalised as predict_proba does)."""
    if hasattr(est, "estimators_"):  # forests average the raw leaf values
        return [e.tree_ for e in est.estimators_], False
    return [est.tree_], True


def tree_classifier(g, est, x, n_features):
    from homeml.onnx._learn import PROBA, _check_classes, _label_from_proba

    _single_output(est)
    classes = _check_classes(est)
    trees, normalise = _trees_of(est)
    attrs, leaves = _node_attrs(trees)
    k = len(classes)
    ids, nodes, tree_ids, weights = [], [], [], []
    for t, i in leaves:
        value = trees[t].value[i, 0, :k].astype(np.float64)
        if normalise:
            total = value.sum()
            value = value / (total if total != 0 else 1.0)
        for c in range(k):
            tree_ids.append(t)
            nodes.append(i)
            ids.append(c)
            weights.append(value[c] / len(trees))
    label_ignored, proba = g.name("trees_label"), g.name("trees_proba")
    g.nodes.append(
        g.onnx.helper.make_node(
            "TreeEnsembleClassifier",
            [x],
            [label_ignored, proba],
            name=g.name("trees/Ensemble"),
            domain="ai.onnx.ml",
            classlabels_int64s=list(range(k)),
            class_ids=ids,
            class_nodeids=nodes,
            class_treeids=tree_ids,
            class_weights=weights,
            post_transform="NONE",
            **attrs,
        )
    )
    # the label is taken from the probabilities like homeml's argmax (first of ties)
    outputs = _label_from_proba(g, classes, proba, "trees")
    g.node("Identity", [proba], "trees", output=PROBA)
    return outputs


def tree_regressor(g, est, x, n_features):
    from homeml.onnx._graph import OUTPUT_NAME
    from homeml.onnx._learn import _squeeze_1

    _single_output(est)
    trees, _ = _trees_of(est)
    attrs, leaves = _node_attrs(trees)
    weights = [trees[t].value[i, 0, 0] / len(trees) for t, i in leaves]
    y = g.name("trees_output")
    g.nodes.append(
        g.onnx.helper.make_node(
            "TreeEnsembleRegressor",
            [x],
            [y],
            name=g.name("trees/Ensemble"),
            domain="ai.onnx.ml",
            n_targets=1,
            target_ids=[0] * len(leaves),
            target_nodeids=[i for _, i in leaves],
            target_treeids=[t for t, _ in leaves],
            target_weights=weights,
            aggregate_function="SUM",
            post_transform="NONE",
            **attrs,
        )
    )
    g.node("Identity", [_squeeze_1(g, y, "trees")], "trees", output=OUTPUT_NAME)
    return [(OUTPUT_NAME, np.float32, (None,))]
