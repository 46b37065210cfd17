"""Convert fitted ``homeml.learn`` estimators (and Pipelines of them) to ONNX graphs.

Outputs follow skl2onnx's conventions, so onnxruntime users find what they expect:
classifiers give ``"label"`` (int64, the predicted entry of ``classes_``) and ``"probabilities"``
(float32, (N, n_classes)); regressors and transformers give ``"output"``; KMeans gives
``"label"`` (int64 cluster index) and ``"distances"`` (float32, (N, n_clusters)).
"""

from __future__ import annotations

import numpy as np

from homeml.onnx._graph import INPUT_NAME, OUTPUT_NAME, GraphBuilder
from homeml.onnx._trees import ML_OPSET

LABEL, PROBA, DISTANCES = "label", "probabilities", "distances"


def _linear(g, x, coef, intercept, hint):
    """``x @ coef.T + intercept`` as one Gemm; ``coef`` is (n_out, n_in)."""
    w = g.constant(hint + "_coef", np.asarray(coef, dtype=np.float64).T)
    b = g.constant(hint + "_intercept", intercept)
    return g.node("Gemm", [x, w, b], hint)


def _squeeze_1(g, x, hint):
    axes = g.constant(hint + "_axes", [1], dtype=np.int64)
    return g.node("Squeeze", [x, axes], hint)


def _check_classes(est):
    classes = np.asarray(est.classes_)
    if classes.dtype.kind in "iub":
        return classes.astype(np.int64)
    if classes.dtype.kind == "f" and np.all(classes == np.round(classes)):
        return classes.astype(np.int64)
    raise NotImplementedError(
        f"cannot export {type(est).__name__} with classes_ of dtype {classes.dtype} to ONNX: "
        "only integer class labels are supported (encode the labels as 0..n_classes-1, e.g. "
        "with LabelEncoder, before fitting)"
    )


def _label_from_proba(g, classes, scores, hint):
    """The "label" output: ``classes[argmax(scores)]``; return both outputs' descriptions."""
    index = g.node("ArgMax", [scores], hint, axis=1, keepdims=0)
    label = g.node("Gather", [g.constant(hint + "_classes", classes, np.int64), index], hint)
    g.node("Identity", [label], hint, output=LABEL)
    return [(LABEL, np.int64, (None,)), (PROBA, np.float32, (None, len(classes)))]


def _classifier_outputs(g, est, scores, hint):
    """Softmax of per-class ``scores`` (N, n_classes) → label and probabilities outputs."""
    classes = _check_classes(est)
    g.node("Softmax", [scores], hint, axis=1, output=PROBA)
    return _label_from_proba(g, classes, scores, hint)


# -- final steps: each returns the graph outputs -------------------------------------------------


def _linear_regressor(g, est, x, n_features):
    coef = np.asarray(est.coef_, dtype=np.float64)
    single = coef.ndim == 1
    coef2 = coef.reshape(1, -1) if single else coef
    intercept = np.broadcast_to(np.asarray(est.intercept_, dtype=np.float64), coef2.shape[:1])
    y = _linear(g, x, coef2, intercept, "linear")
    if single:
        y = _squeeze_1(g, y, "linear")
    g.node("Identity", [y], "linear", output=OUTPUT_NAME)
    return [(OUTPUT_NAME, np.float32, (None,) if single else (None, coef2.shape[0]))]


def _logistic(g, est, x, n_features):
    coef, intercept = np.asarray(est.coef_), np.asarray(est.intercept_)
    if coef.shape[0] == 1:  # two classes: homeml's probabilities are the softmax of (0, z)
        coef = np.vstack([np.zeros_like(coef), coef])
        intercept = np.concatenate([[0.0], intercept])
    scores = _linear(g, x, coef, intercept, "logistic")
    return _classifier_outputs(g, est, scores, "logistic")


def _gaussian_nb(g, est, x, n_features):
    # log prior + log N(x | theta_k, var_k), computed per class as homeml does (no expansion
    # of the square, which would cancel badly in float32)
    with np.errstate(divide="ignore"):
        log_prior = np.log(est.class_prior_)
    log_norm = -0.5 * np.sum(np.log(2.0 * np.pi * est.var_), axis=1)
    axes = g.constant("nb_axes", [1], dtype=np.int64)
    x3 = g.node("Unsqueeze", [x, axes], "nb")  # (N, 1, F)
    diff = g.node("Sub", [x3, g.constant("nb_theta", est.theta_)], "nb")  # (N, K, F)
    sq = g.node("Mul", [diff, diff], "nb")
    scaled = g.node("Mul", [sq, g.constant("nb_half_inv_var", -0.5 / est.var_)], "nb")
    axis2 = g.constant("nb_sum_axes", [2], dtype=np.int64)
    total = g.node("ReduceSum", [scaled, axis2], "nb", keepdims=0)  # (N, K)
    jll = g.node("Add", [total, g.constant("nb_offset", log_prior + log_norm)], "nb")
    return _classifier_outputs(g, est, jll, "nb")


def _squared_distances(g, x, centres, hint):
    """(N, K) squared distances, from the differences (exact where a point is near a centre)."""
    axes = g.constant(hint + "_axes", [1], dtype=np.int64)
    x3 = g.node("Unsqueeze", [x, axes], hint)
    diff = g.node("Sub", [x3, g.constant(hint + "_centres", centres)], hint)
    sq = g.node("Mul", [diff, diff], hint)
    axis2 = g.constant(hint + "_sum_axes", [2], dtype=np.int64)
    return g.node("ReduceSum", [sq, axis2], hint, keepdims=0)


def _kmeans_final(g, est, x, n_features):
    d2 = _squared_distances(g, x, est.cluster_centers_, "kmeans")
    label = g.node("ArgMin", [d2], "kmeans", axis=1, keepdims=0)
    g.node("Identity", [label], "kmeans", output=LABEL)
    g.node("Sqrt", [d2], "kmeans", output=DISTANCES)
    k = len(est.cluster_centers_)
    return [(LABEL, np.int64, (None,)), (DISTANCES, np.float32, (None, k))]


# -- transformers: each returns (value name, number of columns) ----------------------------------


def _standard_scaler(g, est, x, n_features):
    if est.mean_ is not None and est.with_mean:
        x = g.node("Sub", [x, g.constant("scaler_mean", est.mean_)], "scaler")
    if est.scale_ is not None and est.with_std:
        x = g.node("Div", [x, g.constant("scaler_scale", est.scale_)], "scaler")
    return x, n_features


def _min_max_scaler(g, est, x, n_features):
    x = g.node("Mul", [x, g.constant("minmax_scale", est.scale_)], "minmax")
    x = g.node("Add", [x, g.constant("minmax_min", est.min_)], "minmax")
    if est.clip:
        low, high = est.feature_range
        x = g.node(
            "Clip", [x, g.constant("minmax_low", low), g.constant("minmax_high", high)], "minmax"
        )
    return x, n_features


def _pca(g, est, x, n_features):
    components = np.asarray(est.components_, dtype=np.float64)
    offset = -np.asarray(est.mean_, dtype=np.float64) @ components.T
    if est.whiten:
        scale = np.sqrt(np.asarray(est.explained_variance_, dtype=np.float64))
        scale = np.maximum(scale, np.finfo(scale.dtype).eps)
        components, offset = components / scale[:, None], offset / scale
    return _linear(g, x, components, offset, "pca"), components.shape[0]


def _kmeans_transform(g, est, x, n_features):
    d2 = _squared_distances(g, x, est.cluster_centers_, "kmeans")
    return g.node("Sqrt", [d2], "kmeans"), len(est.cluster_centers_)


def _finals():
    from homeml.learn.cluster import KMeans
    from homeml.learn.ensemble import (
        ExtraTreesClassifier,
        ExtraTreesRegressor,
        RandomForestClassifier,
        RandomForestRegressor,
    )
    from homeml.learn.linear_model import (
        ElasticNet,
        Lasso,
        LinearRegression,
        LogisticRegression,
        Ridge,
    )
    from homeml.learn.naive_bayes import GaussianNB
    from homeml.learn.tree import DecisionTreeClassifier, DecisionTreeRegressor
    from homeml.onnx._trees import tree_classifier, tree_regressor

    trees = {
        cls: tree_classifier
        for cls in (DecisionTreeClassifier, RandomForestClassifier, ExtraTreesClassifier)
    }
    trees.update(
        {
            cls: tree_regressor
            for cls in (DecisionTreeRegressor, RandomForestRegressor, ExtraTreesRegressor)
        }
    )
    return trees | {
        LinearRegression: _linear_regressor,
        Ridge: _linear_regressor,
        Lasso: _linear_regressor,
        ElasticNet: _linear_regressor,
        LogisticRegression: _logistic,
        GaussianNB: _gaussian_nb,
        KMeans: _kmeans_final,
    }


def _transformers():
    from homeml.learn.cluster import KMeans
    from homeml.learn.decomposition import PCA
    from homeml.learn.preprocessing import MinMaxScaler, StandardScaler

    return {
        StandardScaler: _standard_scaler,
        MinMaxScaler: _min_max_scaler,
        PCA: _pca,
        KMeans: _kmeans_transform,
    }


def _lookup(table, est):
    # exact class only: a subclass may change the computation the converter reproduces
    return table.get(type(est))


def supported_names():
    """Names of the estimator classes that can be exported (for messages and docs)."""
    names = {c.__name__ for c in _finals()} | {c.__name__ for c in _transformers()}
    return sorted(names | {"Pipeline"})


def _unsupported(est):
    return NotImplementedError(
        f"cannot export {type(est).__name__} to ONNX: it is not a supported estimator; supported: "
        + ", ".join(supported_names())
    )


def _steps(est):
    """The estimators to chain, first to last (a Pipeline's skipped steps removed)."""
    from homeml.learn.pipeline import Pipeline
    from homeml.learn.pipeline._composition import is_skipped

    if type(est) is Pipeline:
        steps = [s for _, s in est.steps if not is_skipped(s)]
        if not steps:
            raise NotImplementedError("cannot export a Pipeline whose steps are all skipped")
        return steps
    return [est]


def _example_features(est, example_input):
    try:
        array = np.asarray(example_input, dtype=np.float32)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"example_input must be a float array: {exc}") from exc
    if array.ndim != 2 or array.shape[0] < 1:
        raise ValueError(
            "example_input must be a 2-D array (n_samples, n_features) with at least one sample; "
            f"got shape {array.shape}"
        )
    expected = getattr(est, "n_features_in_", None)
    if expected is not None and array.shape[1] != expected:
        raise ValueError(
            f"example_input has {array.shape[1]} features, but {type(est).__name__} was fitted "
            f"with {expected} (n_features_in_)"
        )
    return array.shape[1]


def convert_estimator(est, example_input):
    """Build the ONNX ``ModelProto`` of a fitted estimator (see ``homeml.onnx.export``)."""
    from homeml.learn.validation import check_is_fitted

    steps = _steps(est)
    finals, transformers = _finals(), _transformers()
    for i, step in enumerate(steps):
        last = i == len(steps) - 1
        if _lookup(transformers, step) is None and not (last and _lookup(finals, step)):
            raise _unsupported(step)
    check_is_fitted(est)
    for step in steps:
        check_is_fitted(step)
    n_features = _example_features(steps[0], example_input)
    if steps[0] is not est:
        _example_features(est, example_input)

    g = GraphBuilder()
    g._names.update({INPUT_NAME, OUTPUT_NAME, LABEL, PROBA, DISTANCES})
    x, width = INPUT_NAME, n_features
    for step in steps[:-1]:
        x, width = _lookup(transformers, step)(g, step, x, width)
    final = steps[-1]
    if _lookup(finals, final) is not None:
        outputs = _lookup(finals, final)(g, final, x, width)
    else:
        x, width = _lookup(transformers, final)(g, final, x, width)
        g.node("Identity", [x], "output", output=OUTPUT_NAME)
        outputs = [(OUTPUT_NAME, np.float32, (None, width))]
    doc = f"homeml {type(est).__name__}: " + " -> ".join(type(s).__name__ for s in steps)
    uses_ml = any(node.domain == "ai.onnx.ml" for node in g.nodes)
    return g.build((None, n_features), outputs, doc, ml_opset=ML_OPSET if uses_ml else None)
