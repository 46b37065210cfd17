"""What fit receives, checked and prepared: hyperparameters, labels, weights, sample order.

Shared by the trees and the forests (which prepare the data once for all their trees).
"""

from __future__ import annotations

import numbers

import numpy as np

from homeml.learn import base
from homeml.learn.tree import _builder

MAX_INT = np.iinfo(np.int32).max  # seeds are drawn below this, as scikit-learn draws them
EMPTY_Y = np.zeros((0, 1))  # the regression targets of a classifier (unused)
EMPTY_CODES = np.zeros((0, 1), dtype=np.int32)  # the class codes of a regressor (unused)


def column_if_single(y):
    """Ravel a column-vector ``y`` (with scikit-learn's warning); keep real multi-output ``y``."""
    if y.ndim == 2 and y.shape[1] == 1:
        return base.column_or_1d(y, warn=True)
    return y


def checked_weights(sample_weight, X) -> np.ndarray:
    """Per-sample weights (ones when None) that must not all be zero."""
    weights = base.check_sample_weight(sample_weight, X)
    if not weights.sum() > 0:
        raise ValueError("Sample weights must contain at least one non-zero number.")
    return weights


def transposed(X) -> np.ndarray:
    return np.ascontiguousarray(X.T)


def splitter_kind(splitter: str, max_features: int, n_features: int) -> int:
    """Which scan the builder uses (see ``_builder.PRESORTED``): presort when all features are
    candidates at every split, sort each node's drawn features otherwise."""
    if splitter == "random":
        return _builder.RANDOM
    return _builder.PRESORTED if max_features >= n_features else _builder.SORT_PER_NODE


def sample_order(Xt, sample_weight, splitter: int, presorted=None) -> np.ndarray:
    """The builder's ``order``: the samples of non-zero weight, sorted per feature if presorted.

    ``presorted`` (``argsort`` of every row of ``Xt``) saves forests from sorting per tree.
    """
    used = sample_weight != 0
    if splitter != _builder.PRESORTED:
        return np.flatnonzero(used).astype(np.int32)[None, :]
    if presorted is None:
        presorted = np.argsort(Xt, axis=1, kind="stable").astype(np.int32)
    if used.all():
        return presorted.copy()
    return presorted[used[presorted]].reshape(Xt.shape[0], -1)


def resolve_max_features(max_features, n_features: int) -> int:
    """Number of candidate features per split, from scikit-learn's ``max_features`` values."""
    if max_features is None:
        return n_features
    if max_features == "sqrt":
        return max(1, int(np.sqrt(n_features)))
    if max_features == "log2":
        return max(1, int(np.log2(n_features)))
    if isinstance(max_features, numbers.Integral) and not isinstance(max_features, bool):
        if not 1 <= max_features <= n_features:
            raise ValueError(
                f"max_features must be in [1, n_features={n_features}]; got {max_features}."
            )
        return int(max_features)
    if isinstance(max_features, numbers.Real) and not isinstance(max_features, bool):
        if not 0.0 < max_features <= 1.0:
            raise ValueError(
                f"The 'max_features' parameter as a float must be in (0, 1]; got {max_features}."
            )
        return max(1, int(max_features * n_features))
    raise ValueError(
        "The 'max_features' parameter must be an int, a float in (0, 1], 'sqrt', 'log2' or "
        f"None; got {max_features!r}."
    )


def encode_outputs(y, estimator):
    """Per-output classes and int32 codes ``(n_samples, n_outputs)`` of classification labels."""
    columns = y.reshape(len(y), -1)
    classes, codes = [], np.empty(columns.shape, dtype=np.int32)
    for o in range(columns.shape[1]):
        classes_o, codes[:, o] = base.encode_classes(columns[:, o], estimator)
        classes.append(classes_o)
    if y.ndim == 1:
        base.require_two_classes(classes[0], estimator)
    return classes, codes


def class_weight_factors(class_weight, classes, codes) -> np.ndarray:
    """Per-sample factor from ``class_weight`` ("balanced", a dict or a list of dicts)."""
    factors = np.ones(len(codes))
    if class_weight is None:
        return factors
    per_output = class_weight if isinstance(class_weight, list) else [class_weight] * len(classes)
    if len(per_output) != len(classes):
        raise ValueError(
            f"class_weight must have one dict per output ({len(classes)}); got {len(per_output)}."
        )
    for o, (weights, classes_o) in enumerate(zip(per_output, classes)):
        if weights == "balanced":
            counts = np.bincount(codes[:, o], minlength=len(classes_o))
            table = len(codes) / (len(classes_o) * np.maximum(counts, 1))
        elif isinstance(weights, dict):
            table = np.array([float(weights.get(c, 1.0)) for c in classes_o])
        else:
            raise ValueError(
                "class_weight must be None, 'balanced', a dict or a list of dicts; got "
                f"{weights!r}."
            )
        factors *= table[codes[:, o]]
    return factors


def probabilities(values, n_classes, n_outputs):
    def normalise(p):
        total = p.sum(axis=1, keepdims=True)
        total[total == 0] = 1.0
        return p / total

    if n_outputs == 1:
        return normalise(values[:, 0, :n_classes])
    return [normalise(values[:, o, :k]) for o, k in enumerate(n_classes)]
