"""Random forests and Extra-Trees: many CART trees on resampled data, averaged.

Each tree gets its own seed drawn from ``random_state``; its bootstrap sample (as per-sample
counts used as weights, like scikit-learn) and its split draws come from that seed only, so the
forest is the same whatever ``n_jobs`` is. The best splitter's per-feature sort is done once for
the whole forest. Trees are grown in chunks by ``joblib.Parallel`` when ``n_jobs`` (or a joblib
``parallel_backend``, a Dask cluster included) asks for more than one job.
"""

from __future__ import annotations

import numbers
import types
import warnings

import numpy as np

from homeml.learn import base
from homeml.learn._parallel import parallel_map, split_rows
from homeml.learn._param_validation import Integral, Interval, RealNotInt, StrOptions
from homeml.learn.base import BaseEstimator, ClassifierMixin, RegressorMixin, check_is_fitted
from homeml.learn.metrics import accuracy_score, r2_score
from homeml.learn.tree import DecisionTreeClassifier, DecisionTreeRegressor
from homeml.learn.tree._builder import PRESORTED, sum_forest_values
from homeml.learn.tree._classes import (
    CLASSIFIER_CRITERIA,
    REGRESSOR_CRITERIA,
    TREE_CONSTRAINTS,
)
from homeml.learn.tree._inputs import (
    EMPTY_CODES,
    EMPTY_Y,
    MAX_INT,
    checked_weights,
    class_weight_factors,
    column_if_single,
    encode_outputs,
    resolve_max_features,
    sample_order,
    splitter_kind,
)

_TREE_PARAMS = (
    "criterion",
    "max_depth",
    "min_samples_split",
    "min_samples_leaf",
    "min_weight_fraction_leaf",
    "max_features",
    "max_leaf_nodes",
    "min_impurity_decrease",
    "ccp_alpha",
    "monotonic_cst",
)


def _bootstrap_counts(seed: int, n_samples: int, n_draws: int) -> np.ndarray:
    """How often each sample is drawn in the bootstrap of the tree seeded with ``seed``."""
    draws = np.random.RandomState(seed).randint(0, n_samples, n_draws)
    return np.bincount(draws, minlength=n_samples)


def _grow_trees(trees, seeds, job):
    """Fit ``trees`` (unfitted estimators) with their ``seeds``; runs in a worker or in-process.

    As in scikit-learn, a tree's seed gives both its bootstrap sample and, through a fresh
    generator, its own split seed, so the forest matches scikit-learn's for the same
    ``random_state``.
    """
    Xt, codes, Y, weight, presorted, kind, n_stats, n_classes, n_draws, balanced_subsample = job
    n_samples = Xt.shape[1]
    for tree, seed in zip(trees, seeds):
        tree_weight = weight
        if n_draws:  # bootstrap: drawn counts become weights; undrawn samples get weight 0
            counts = _bootstrap_counts(seed, n_samples, n_draws)
            tree_weight = weight * counts
            if balanced_subsample:
                tree_weight *= _balanced_on_sample(codes, counts, n_classes)
        growth_seed = np.random.RandomState(seed).randint(MAX_INT)
        order = sample_order(Xt, tree_weight, kind, presorted)
        tree._grow(Xt, codes, Y, tree_weight, n_stats, n_classes, growth_seed, order)
    return trees


def _balanced_on_sample(codes, counts, n_classes):
    factors = np.ones(len(codes))
    for o, k in enumerate(n_classes):
        per_class = np.bincount(codes[:, o], weights=counts, minlength=k)
        factors *= counts.sum() / (k * np.maximum(per_class, 1e-300))[codes[:, o]]
    return factors


class BaseForest(BaseEstimator):
    """Fitting, parallelism, OOB bookkeeping and importances shared by the four forests."""

    _tree_class: type = DecisionTreeClassifier
    _splitter = "best"

    def _homeml_tags(self) -> dict:
        return {**super()._homeml_tags(), "multi_output": True}

    _homeml_constraints = {
        **TREE_CONSTRAINTS,
        "n_estimators": [Interval(Integral, 1, None, closed="left")],
        "bootstrap": ["boolean"],
        "oob_score": ["boolean", callable],
        "verbose": ["verbose"],
        "warm_start": ["boolean"],
        "max_samples": [
            None,
            Interval(RealNotInt, 0.0, 1.0, closed="right"),
            Interval(Integral, 1, None, closed="left"),
        ],
    }

    def _bootstrap_size(self, n_samples: int) -> int:
        """The number of draws per tree (0: no bootstrap), from the parameters that go together."""
        if self.oob_score and not self.bootstrap:
            raise ValueError("Out of bag estimation only available if bootstrap=True.")
        if not self.bootstrap:
            if self.max_samples is not None:
                raise ValueError(
                    "`max_samples` cannot be set if `bootstrap=False`. Either switch to "
                    "`bootstrap=True` or set `max_samples=None`."
                )
            return 0
        m = self.max_samples
        if m is None:
            return n_samples
        if isinstance(m, numbers.Integral):
            if m > n_samples:
                raise ValueError(f"max_samples ({m}) must be <= n_samples ({n_samples}).")
            return int(m)
        return max(round(n_samples * m), 1)

    def _new_tree(self, seed: int):
        params = {p: getattr(self, p) for p in _TREE_PARAMS}
        return self._tree_class(splitter=self._splitter, random_state=int(seed), **params)

    def fit(self, X, y, sample_weight=None):
        """Grow ``n_estimators`` trees on ``X`` (n_samples, n_features) and ``y``; returns self."""
        self._validate_params()
        classifier = self._tree_class is DecisionTreeClassifier
        X, y = self._validate_data(
            X, y, dtype=np.float32, multi_output=True, y_numeric=not classifier
        )
        y, weight = column_if_single(y), checked_weights(sample_weight, X)
        n_draws = self._bootstrap_size(len(X))
        balanced_subsample = False
        if classifier:
            classes, codes = encode_outputs(y, self)
            n_classes = [len(c) for c in classes]
            balanced_subsample = self.class_weight == "balanced_subsample"
            if not balanced_subsample:
                weight = weight * class_weight_factors(self.class_weight, classes, codes)
            elif not self.bootstrap:
                weight = weight * class_weight_factors("balanced", classes, codes)
            Y, n_stats = EMPTY_Y, max(n_classes)
            self.classes_ = classes[0] if y.ndim == 1 else classes
            self.n_classes_ = n_classes[0] if y.ndim == 1 else n_classes
        else:
            codes, Y = EMPTY_CODES, np.ascontiguousarray(y.reshape(len(y), -1), np.float64)
            n_classes, n_stats = [1] * Y.shape[1], 2
        self.n_outputs_ = codes.shape[1] if classifier else Y.shape[1]
        # the trees' own parameter checks run before any work is sent out
        self._new_tree(0)._resolved_params(len(X), X.shape[1], float(weight.sum()))

        rng = base.check_random_state(self.random_state)
        old = list(getattr(self, "estimators_", [])) if self.warm_start else []
        if len(old) > self.n_estimators:
            raise ValueError(
                f"n_estimators={self.n_estimators} must be larger or equal to "
                f"len(estimators_)={len(old)} when warm_start==True."
            )
        if self.warm_start and old:
            rng.randint(MAX_INT, size=len(old))  # skip the seeds the existing trees used
        seeds = rng.randint(MAX_INT, size=self.n_estimators - len(old))
        trees = [self._new_tree(s) for s in seeds]
        Xt = np.ascontiguousarray(X.T)
        max_features = resolve_max_features(self.max_features, X.shape[1])
        kind = splitter_kind(self._splitter, max_features, X.shape[1])
        presorted = (
            None if kind != PRESORTED else np.argsort(Xt, axis=1, kind="stable").astype(np.int32)
        )
        job = (
            Xt,
            codes,
            Y,
            weight,
            presorted,
            kind,
            n_stats,
            n_classes,
            n_draws,
            balanced_subsample and bool(self.bootstrap),
        )
        self.estimators_ = old + self._grow_all(trees, seeds, job)
        self._stack_trees()
        for tree in self.estimators_[len(old) :]:
            tree.n_features_in_ = X.shape[1]
            if classifier:
                tree.classes_, tree.n_classes_ = self.classes_, self.n_classes_
        self.estimator_ = self._new_tree(0)
        if self.oob_score:
            self._set_oob(X, y, codes, n_draws)
        return self

    def _grow_all(self, trees, seeds, job):
        chunks = split_rows(len(trees), self.n_jobs)
        tasks = [([trees[i] for i in c], seeds[c], job) for c in chunks]
        return [tree for grown in parallel_map(_grow_trees, tasks, self.n_jobs) for tree in grown]

    def _set_oob(self, X, y, codes, n_draws):
        n_samples = len(X)
        summed = None
        n_predictions = np.zeros(n_samples)
        for tree in self.estimators_:
            counts = _bootstrap_counts(tree.random_state, n_samples, n_draws)
            unsampled = np.flatnonzero(counts == 0)
            values = tree.tree_.predict(X[unsampled])
            if summed is None:
                summed = np.zeros((n_samples,) + values.shape[1:])
            summed[unsampled] += values
            n_predictions[unsampled] += 1
        if np.any(n_predictions == 0):
            warnings.warn(
                "Some inputs do not have OOB scores. This probably means too few trees were used "
                "to compute any reliable OOB estimates.",
                UserWarning,
                stacklevel=3,
            )
        oob = summed / np.maximum(n_predictions, 1)[:, None, None]
        self._store_oob(oob, y)

    def _stack_trees(self) -> None:
        """All trees in one set of arrays, walked by one compiled loop at predict (built in fit)."""
        sizes = [t.tree_.node_count for t in self.estimators_]
        roots = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
        parts = [t.tree_.packed_nodes(r) for t, r in zip(self.estimators_, roots)]
        children, feature, threshold = (np.concatenate(p) for p in zip(*parts))
        values = np.concatenate([t.tree_.value for t in self.estimators_])
        self._stacked_trees = (children, feature, threshold, values, roots)

    def _mean_values(self, X):
        """Mean over trees of the leaf values, ``(n_samples, n_outputs, max_n_classes)``."""
        check_is_fitted(self)
        X = self._validate_data(X, reset=False, dtype=np.float32)
        return sum_forest_values(X, *self._stacked_trees) / len(self.estimators_)

    def apply(self, X) -> np.ndarray:
        """Leaf index of each sample in each tree, shaped (n_samples, n_estimators)."""
        check_is_fitted(self)
        X = self._validate_data(X, reset=False, dtype=np.float32)
        return np.stack([tree.tree_.apply(X) for tree in self.estimators_], axis=1)

    @property
    def feature_importances_(self) -> np.ndarray:
        """Mean of the trees' normalised impurity decreases, normalised to sum to 1."""
        check_is_fitted(self)
        grown = [
            t.tree_.compute_feature_importances()
            for t in self.estimators_
            if t.tree_.node_count > 1
        ]
        if not grown:
            return np.zeros(self.n_features_in_)
        importances = np.mean(grown, axis=0)
        return importances / importances.sum()

    def _oob_metric(self):
        return self.oob_score if callable(self.oob_score) else None


class ForestClassifier(ClassifierMixin, BaseForest):
    _homeml_constraints = {
        **BaseForest._homeml_constraints,
        "criterion": [StrOptions(set(CLASSIFIER_CRITERIA))],
        "class_weight": [StrOptions({"balanced_subsample", "balanced"}), dict, list, None],
    }
    """Class probabilities averaged over trees; OOB decision function and accuracy."""

    def predict_proba(self, X):
        """Mean of the trees' class probabilities (a list of arrays for multi-output)."""
        values = self._mean_values(X)
        if self.n_outputs_ == 1:
            return values[:, 0, : self.n_classes_]
        return [values[:, o, :k] for o, k in enumerate(self.n_classes_)]

    def predict_log_proba(self, X):
        """Natural log of :meth:`predict_proba`."""
        proba = self.predict_proba(X)
        with np.errstate(divide="ignore"):
            return [np.log(p) for p in proba] if isinstance(proba, list) else np.log(proba)

    def predict(self, X):
        """The class with the highest mean probability."""
        proba = self.predict_proba(X)
        if self.n_outputs_ == 1:
            return self.classes_.take(np.argmax(proba, axis=1))
        return np.stack([c.take(np.argmax(p, axis=1)) for c, p in zip(self.classes_, proba)], 1)

    def _store_oob(self, oob, y):
        if self.n_outputs_ == 1:
            self.oob_decision_function_ = oob[:, 0, : self.n_classes_]
            predicted = self.classes_.take(np.argmax(self.oob_decision_function_, axis=1))
        else:
            self.oob_decision_function_ = (
                np.stack([oob[:, o, :k] for o, k in enumerate(self.n_classes_)], axis=-1)
                if len(set(self.n_classes_)) == 1
                else [oob[:, o, :k] for o, k in enumerate(self.n_classes_)]
            )
            predicted = np.stack(
                [
                    c.take(np.argmax(oob[:, o, : len(c)], axis=1))
                    for o, c in enumerate(self.classes_)
                ],
                axis=1,
            )
        metric = self._oob_metric()
        if metric is not None:
            self.oob_score_ = metric(y, predicted)
        elif self.n_outputs_ == 1:
            self.oob_score_ = accuracy_score(y, predicted)
        else:
            self.oob_score_ = float(
                np.mean([np.mean(y[:, o] == predicted[:, o]) for o in range(self.n_outputs_)])
            )


class ForestRegressor(RegressorMixin, BaseForest):
    _homeml_constraints = {
        **BaseForest._homeml_constraints,
        "criterion": [StrOptions(set(REGRESSOR_CRITERIA))],
    }
    """Predictions averaged over trees; OOB predictions and R^2."""

    _tree_class = DecisionTreeRegressor

    def predict(self, X):
        """Mean of the trees' predictions."""
        values = self._mean_values(X)[:, :, 0]
        return values[:, 0] if self.n_outputs_ == 1 else values

    def _store_oob(self, oob, y):
        prediction = oob[:, :, 0]
        self.oob_prediction_ = prediction[:, 0] if self.n_outputs_ == 1 else prediction
        metric = self._oob_metric() or r2_score
        self.oob_score_ = metric(y, self.oob_prediction_)


_CLASSIFIER_DOC = """{title}

    Parameters
    ----------
    n_estimators : int, default=100
        Number of trees.
    criterion, max_depth, min_samples_split, min_samples_leaf, min_weight_fraction_leaf, \
max_leaf_nodes, min_impurity_decrease, ccp_alpha, monotonic_cst
        Passed to each tree (see :class:`homeml.learn.tree.DecisionTreeClassifier`).
    max_features : int, float, "sqrt", "log2" or None, default="sqrt"
        Candidate features drawn afresh at every split.
    bootstrap : bool, default={bootstrap}
        Grow each tree on a bootstrap sample (drawn with replacement) instead of all samples.
    oob_score : bool or callable, default=False
        Score the forest on the samples each tree did not see (``oob_score_``); a callable
        ``metric(y_true, y_pred)`` replaces accuracy.
    n_jobs : int or None, default=None
        Worker processes (None or 1: in this process; -1: one per core).
    random_state : int, RandomState or None, default=None
        Seeds the per-tree seeds; the result does not depend on ``n_jobs``.
    verbose : int, default=0
        Accepted for scikit-learn's signature; homeml prints nothing.
    warm_start : bool, default=False
        Keep the fitted trees and only add new ones up to ``n_estimators``.
    class_weight : dict, list of dicts, "balanced", "balanced_subsample" or None
        Class weights ("balanced_subsample" recomputes them on each bootstrap sample).
    max_samples : int, float or None, default=None
        Bootstrap sample size (a float is a fraction of the samples).

    Attributes
    ----------
    estimators_ : list of DecisionTreeClassifier
    classes_, n_classes_, n_outputs_, n_features_in_, feature_importances_
    oob_score_, oob_decision_function_ : present when ``oob_score`` is set
    """


def _classifier_init(
    self,
    n_estimators=100,
    *,
    criterion="gini",
    max_depth=None,
    min_samples_split=2,
    min_samples_leaf=1,
    min_weight_fraction_leaf=0.0,
    max_features="sqrt",
    max_leaf_nodes=None,
    min_impurity_decrease=0.0,
    bootstrap=True,
    oob_score=False,
    n_jobs=None,
    random_state=None,
    verbose=0,
    warm_start=False,
    class_weight=None,
    ccp_alpha=0.0,
    max_samples=None,
    monotonic_cst=None,
):
    _store(self, locals())


def _regressor_init(
    self,
    n_estimators=100,
    *,
    criterion="squared_error",
    max_depth=None,
    min_samples_split=2,
    min_samples_leaf=1,
    min_weight_fraction_leaf=0.0,
    max_features=1.0,
    max_leaf_nodes=None,
    min_impurity_decrease=0.0,
    bootstrap=True,
    oob_score=False,
    n_jobs=None,
    random_state=None,
    verbose=0,
    warm_start=False,
    ccp_alpha=0.0,
    max_samples=None,
    monotonic_cst=None,
):
    _store(self, locals())


def _store(self, params: dict) -> None:
    for name, value in params.items():
        if name != "self":
            setattr(self, name, value)


def _with_bootstrap_default(init, bootstrap: bool):
    """A copy of ``init`` whose ``bootstrap`` defaults to ``bootstrap`` (Extra-Trees: False)."""
    copy = types.FunctionType(init.__code__, init.__globals__, "__init__", init.__defaults__)
    copy.__kwdefaults__ = {**init.__kwdefaults__, "bootstrap": bootstrap}
    return copy


class RandomForestClassifier(ForestClassifier):
    __doc__ = _CLASSIFIER_DOC.format(
        title="A random forest classifier: bootstrapped CART trees with random feature subsets.",
        bootstrap=True,
    )
    __init__ = _classifier_init


class ExtraTreesClassifier(ForestClassifier):
    __doc__ = _CLASSIFIER_DOC.format(
        title="Extremely randomised trees: random thresholds, all samples (no bootstrap).",
        bootstrap=False,
    )
    _splitter = "random"
    __init__ = _with_bootstrap_default(_classifier_init, False)


def _regressor_doc(title: str, bootstrap: bool) -> str:
    """The classifier's parameter list, reworded for regressors (no classes, R^2 for OOB)."""
    doc = _CLASSIFIER_DOC.format(title=title, bootstrap=bootstrap)
    doc = doc.replace('default="sqrt"', "default=1.0").replace("accuracy", "R^2")
    doc = doc.replace("DecisionTreeClassifier", "DecisionTreeRegressor")
    doc = doc.replace("classes_, n_classes_, ", "").replace(
        "oob_decision_function_", "oob_prediction_"
    )
    start = doc.index("    class_weight :")
    return doc[:start] + doc[doc.index("    max_samples :") :]


class RandomForestRegressor(ForestRegressor):
    __doc__ = _regressor_doc(
        "A random forest regressor: bootstrapped CART trees with random feature subsets.", True
    )
    __init__ = _regressor_init


class ExtraTreesRegressor(ForestRegressor):
    __doc__ = _regressor_doc(
        "Extremely randomised regression trees: random thresholds, all samples.", False
    )
    _splitter = "random"
    __init__ = _with_bootstrap_default(_regressor_init, False)
