"""DecisionTreeClassifier and DecisionTreeRegressor: CART with scikit-learn's parameters.

The tree is grown by the compiled code in :mod:`homeml.learn.tree._builder`; this module checks
parameters and data, turns labels into codes and weights, and wraps the result in a ``Tree``
(``_tree``) with scikit-learn's array names (``tree_.children_left``, ``tree_.value``, ...).
"""

from __future__ import annotations

import numbers

import numpy as np

from homeml.learn import base
from homeml.learn._param_validation import Integral, Interval, Real, RealNotInt, StrOptions
from homeml.learn.base import BaseEstimator, ClassifierMixin, RegressorMixin, check_is_fitted
from homeml.learn.tree import _builder
from homeml.learn.tree._inputs import (
    EMPTY_CODES,
    EMPTY_Y,
    MAX_INT,
    checked_weights,
    class_weight_factors,
    column_if_single,
    encode_outputs,
    probabilities,
    resolve_max_features,
    sample_order,
    splitter_kind,
    transposed,
)
from homeml.learn.tree._prune import prune_tree
from homeml.learn.tree._tree import Tree

# the parameters trees and forests share (the criteria and class weights differ by kind)
TREE_CONSTRAINTS = {
    "max_depth": [Interval(Integral, 1, None, closed="left"), None],
    "min_samples_split": [
        Interval(Integral, 2, None, closed="left"),
        Interval(RealNotInt, 0.0, 1.0, closed="right"),
    ],
    "min_samples_leaf": [
        Interval(Integral, 1, None, closed="left"),
        Interval(RealNotInt, 0.0, 1.0, closed="neither"),
    ],
    "min_weight_fraction_leaf": [Interval(Real, 0.0, 0.5, closed="both")],
    "max_features": [
        Interval(Integral, 1, None, closed="left"),
        Interval(RealNotInt, 0.0, 1.0, closed="right"),
        StrOptions({"sqrt", "log2"}),
        None,
    ],
    "random_state": ["random_state"],
    "max_leaf_nodes": [Interval(Integral, 2, None, closed="left"), None],
    "min_impurity_decrease": [Interval(Real, 0.0, None, closed="left")],
    "ccp_alpha": [Interval(Real, 0.0, None, closed="left")],
}
CLASSIFIER_CRITERIA = ("gini", "entropy", "log_loss")
REGRESSOR_CRITERIA = ("squared_error", "friedman_mse", "absolute_error")


class BaseDecisionTree(BaseEstimator):
    """What both trees share: parameter checks, growing, apply, depth and importances."""

    _criteria: tuple = ()

    def _homeml_tags(self) -> dict:
        return {**super()._homeml_tags(), "multi_output": True}

    # -- parameters --------------------------------------------------------------------------

    def _resolved_params(self, n_samples: int, n_features: int, total_weight: float) -> dict:
        """Turn fractions into counts, as scikit-learn does (``fit`` has checked the table)."""
        if self.monotonic_cst is not None:
            raise ValueError("monotonic_cst is not supported by homeml trees; pass None.")
        leaf = self.min_samples_leaf
        min_leaf = leaf if isinstance(leaf, numbers.Integral) else int(np.ceil(leaf * n_samples))
        split = self.min_samples_split
        if isinstance(split, numbers.Integral):
            min_split = split
        else:
            min_split = max(2, int(np.ceil(split * n_samples)))
        return {
            "max_depth": MAX_INT if self.max_depth is None else int(self.max_depth),
            "min_samples_split": max(min_split, 2 * min_leaf),
            "min_leaf": max(1, min_leaf),
            "min_weight_leaf": self.min_weight_fraction_leaf * total_weight,
            "max_features": resolve_max_features(self.max_features, n_features),
            "max_leaf_nodes": -1 if self.max_leaf_nodes is None else int(self.max_leaf_nodes),
            "min_impurity_decrease": float(self.min_impurity_decrease),
        }

    # -- fitting -----------------------------------------------------------------------------

    def _grow(self, Xt, codes, Y, sample_weight, n_stats, n_classes, seed, order=None):
        """Grow ``tree_`` on validated float32 ``Xt`` (n_features, n_samples), X transposed.

        ``order`` may hold the samples already sorted per feature (forests presort once).
        """
        n_features, n_samples = Xt.shape
        params = self._resolved_params(n_samples, n_features, float(sample_weight.sum()))
        splitter = splitter_kind(self.splitter, params["max_features"], n_features)
        if order is None:
            order = sample_order(Xt, sample_weight, splitter)
        nodes, values = _builder.grow_tree(
            Xt,
            codes,
            Y,
            sample_weight,
            order,
            n_stats,
            _builder.CRITERIA[self.criterion],
            splitter,
            params["max_depth"],
            params["min_samples_split"],
            params["min_leaf"],
            params["min_weight_leaf"],
            params["max_features"],
            params["max_leaf_nodes"],
            params["min_impurity_decrease"],
            seed,
        )
        if self.ccp_alpha > 0:
            nodes, values = prune_tree(nodes, values, float(self.ccp_alpha))
        self.max_features_ = params["max_features"]
        self.n_outputs_ = codes.shape[1] if self._is_classifier else Y.shape[1]
        self.tree_ = Tree(n_features, n_classes, self.n_outputs_, nodes, values)
        return self

    def _prepare_X(self, X, y, sample_weight):
        X, y = self._validate_data(
            X, y, dtype=np.float32, multi_output=True, y_numeric=not self._is_classifier
        )
        return X, column_if_single(y), checked_weights(sample_weight, X)

    def _checked_X(self, X) -> np.ndarray:
        check_is_fitted(self)
        return self._validate_data(X, reset=False, dtype=np.float32)

    # -- inspection --------------------------------------------------------------------------

    def apply(self, X) -> np.ndarray:
        """Index of the leaf that each sample ends in."""
        X = self._checked_X(X)
        return self.tree_.apply(X)

    def decision_path(self, X) -> np.ndarray:
        """Dense indicator ``(n_samples, n_nodes)`` of the nodes each sample passes through.

        scikit-learn returns a sparse CSR matrix; homeml takes dense arrays only.
        """
        X = self._checked_X(X)
        return self.tree_.decision_path(X)

    def get_depth(self) -> int:
        """Depth of the tree: the longest path from the root to a leaf."""
        check_is_fitted(self)
        return self.tree_.max_depth

    def get_n_leaves(self) -> int:
        """Number of leaves of the tree."""
        check_is_fitted(self)
        return self.tree_.n_leaves

    @property
    def feature_importances_(self) -> np.ndarray:
        """Normalised total impurity decrease brought by each feature (sums to 1)."""
        check_is_fitted(self)
        return self.tree_.compute_feature_importances()


class DecisionTreeClassifier(ClassifierMixin, BaseDecisionTree):
    """A CART classification tree.

    Parameters
    ----------
    criterion : {"gini", "entropy", "log_loss"}, default="gini"
        Impurity to minimise; "entropy" and "log_loss" are the same (Shannon entropy).
    splitter : {"best", "random"}, default="best"
        "best" tries every threshold of each candidate feature; "random" draws one threshold
        per candidate feature uniformly between the node's min and max (Extra-Trees).
    max_depth : int or None, default=None
        Longest root-to-leaf path; None grows until leaves are pure or too small.
    min_samples_split : int or float, default=2
        Fewest samples a node needs to be split (a float is a fraction of the samples).
    min_samples_leaf : int or float, default=1
        Fewest samples each child must keep (a float is a fraction of the samples).
    min_weight_fraction_leaf : float, default=0.0
        Fewest total sample weight, as a fraction of the whole, each child must keep.
    max_features : int, float, "sqrt", "log2" or None, default=None
        Features drawn at random as candidates at each split (None: all of them).
    random_state : int, RandomState or None, default=None
        Seeds the feature draws (and thresholds for ``splitter="random"``).
    max_leaf_nodes : int or None, default=None
        Grow best-first (largest impurity decrease first) up to this many leaves.
    min_impurity_decrease : float, default=0.0
        Split only when the weighted impurity decrease is at least this.
    class_weight : dict, list of dicts, "balanced" or None, default=None
        Weights multiplying ``sample_weight`` per class.
    ccp_alpha : float, default=0.0
        Minimal cost-complexity pruning strength (0: no pruning).
    monotonic_cst : None
        Not supported (kept for scikit-learn's signature); must be None.

    Attributes
    ----------
    tree_ : Tree
    classes_ : ndarray or list of ndarray
    n_classes_ : int or list of int
    n_outputs_, n_features_in_, max_features_ : int
    feature_importances_ : ndarray of shape (n_features,)
    """

    _criteria = CLASSIFIER_CRITERIA
    _homeml_constraints = {
        **TREE_CONSTRAINTS,
        "criterion": [StrOptions(set(CLASSIFIER_CRITERIA))],
        "splitter": [StrOptions({"best", "random"})],
        "class_weight": [dict, list, StrOptions({"balanced"}), None],
    }
    _is_classifier = True

    def __init__(
        self,
        *,
        criterion="gini",
        splitter="best",
        max_depth=None,
        min_samples_split=2,
        min_samples_leaf=1,
        min_weight_fraction_leaf=0.0,
        max_features=None,
        random_state=None,
        max_leaf_nodes=None,
        min_impurity_decrease=0.0,
        class_weight=None,
        ccp_alpha=0.0,
        monotonic_cst=None,
    ):
        self.criterion = criterion
        self.splitter = splitter
        self.max_depth = max_depth
        self.min_samples_split = min_samples_split
        self.min_samples_leaf = min_samples_leaf
        self.min_weight_fraction_leaf = min_weight_fraction_leaf
        self.max_features = max_features
        self.random_state = random_state
        self.max_leaf_nodes = max_leaf_nodes
        self.min_impurity_decrease = min_impurity_decrease
        self.class_weight = class_weight
        self.ccp_alpha = ccp_alpha
        self.monotonic_cst = monotonic_cst

    def fit(self, X, y, sample_weight=None):
        """Grow the tree on ``X`` (n_samples, n_features) and labels ``y``; returns self."""
        self._validate_params()
        X, y, sample_weight = self._prepare_X(X, y, sample_weight)
        classes, codes = encode_outputs(y, self)
        sample_weight = sample_weight * class_weight_factors(self.class_weight, classes, codes)
        seed = base.check_random_state(self.random_state).randint(MAX_INT)
        n_classes = [len(c) for c in classes]
        self._set_classes(classes, y.ndim == 1)
        return self._grow(
            transposed(X), codes, EMPTY_Y, sample_weight, max(n_classes), n_classes, seed
        )

    def _set_classes(self, classes, single_output):
        self.classes_ = classes[0] if single_output else classes
        self.n_classes_ = len(classes[0]) if single_output else [len(c) for c in classes]

    def predict_proba(self, X):
        """Class probabilities (the leaf's weighted class fractions), one row per sample.

        Multi-output trees return a list with one array per output.
        """
        X = self._checked_X(X)
        values = self.tree_.predict(X)
        return probabilities(values, self.n_classes_, self.n_outputs_)

    def predict_log_proba(self, X):
        """Natural log of :meth:`predict_proba`."""
        proba = self.predict_proba(X)
        with np.errstate(divide="ignore"):
            if isinstance(proba, list):
                return [np.log(p) for p in proba]
            return np.log(proba)

    def predict(self, X):
        """The most probable class of each sample."""
        X = self._checked_X(X)
        values = self.tree_.predict(X)
        if self.n_outputs_ == 1:
            return self.classes_.take(np.argmax(values[:, 0, : self.n_classes_], axis=1))
        return np.stack(
            [
                c.take(np.argmax(values[:, o, : len(c)], axis=1))
                for o, c in enumerate(self.classes_)
            ],
            axis=1,
        )


class DecisionTreeRegressor(RegressorMixin, BaseDecisionTree):
    """A CART regression tree.

    Parameters
    ----------
    criterion : {"squared_error", "friedman_mse", "absolute_error"}, default="squared_error"
        Split quality: variance reduction, Friedman's improvement score, or the sum of absolute
        deviations from the median (leaves then predict the weighted median).
    splitter, max_depth, min_samples_split, min_samples_leaf, min_weight_fraction_leaf, \
max_features, random_state, max_leaf_nodes, min_impurity_decrease, ccp_alpha, monotonic_cst
        As in :class:`DecisionTreeClassifier`.

    Attributes
    ----------
    tree_ : Tree
    n_outputs_, n_features_in_, max_features_ : int
    feature_importances_ : ndarray of shape (n_features,)
    """

    _criteria = REGRESSOR_CRITERIA
    _homeml_constraints = {
        **TREE_CONSTRAINTS,
        "criterion": [StrOptions(set(REGRESSOR_CRITERIA))],
        "splitter": [StrOptions({"best", "random"})],
    }
    _is_classifier = False

    def __init__(
        self,
        *,
        criterion="squared_error",
        splitter="best",
        max_depth=None,
        min_samples_split=2,
        min_samples_leaf=1,
        min_weight_fraction_leaf=0.0,
        max_features=None,
        random_state=None,
        max_leaf_nodes=None,
        min_impurity_decrease=0.0,
        ccp_alpha=0.0,
        monotonic_cst=None,
    ):
        self.criterion = criterion
        self.splitter = splitter
        self.max_depth = max_depth
        self.min_samples_split = min_samples_split
        self.min_samples_leaf = min_samples_leaf
        self.min_weight_fraction_leaf = min_weight_fraction_leaf
        self.max_features = max_features
        self.random_state = random_state
        self.max_leaf_nodes = max_leaf_nodes
        self.min_impurity_decrease = min_impurity_decrease
        self.ccp_alpha = ccp_alpha
        self.monotonic_cst = monotonic_cst

    def fit(self, X, y, sample_weight=None):
        """Grow the tree on ``X`` (n_samples, n_features) and targets ``y``; returns self."""
        self._validate_params()
        X, y, sample_weight = self._prepare_X(X, y, sample_weight)
        Y = np.ascontiguousarray(y.reshape(len(y), -1), dtype=np.float64)
        seed = base.check_random_state(self.random_state).randint(MAX_INT)
        self._single_output = y.ndim == 1
        return self._grow(transposed(X), EMPTY_CODES, Y, sample_weight, 2, [1] * Y.shape[1], seed)

    def predict(self, X):
        """The leaf mean (or median for ``absolute_error``) of each sample."""
        X = self._checked_X(X)
        values = self.tree_.predict(X)[:, :, 0]
        return values[:, 0] if self.n_outputs_ == 1 else values
