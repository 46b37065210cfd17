"""Histogram gradient boosting: ``HistGradientBoostingClassifier`` and ``...Regressor``.

Features are binned once into at most 255 quantile bins (plus a bin for NaN). Each iteration
computes the loss gradients and hessians of the current raw predictions and grows one tree per
output (one per class for multiclass) on gradient/hessian histograms (see ``_hist_grower``).
Early stopping watches the loss (or a scorer) on a held-out validation split.
"""

from __future__ import annotations

import numbers

import numpy as np

from homeml.learn._param_validation import Integral, Interval, Real, RealNotInt, StrOptions
from homeml.learn.base import (
    BaseEstimator,
    ClassifierMixin,
    RegressorMixin,
    check_is_fitted,
    check_random_state,
    check_sample_weight,
    encode_classes,
    require_two_classes,
)
from homeml.learn.ensemble import _losses
from homeml.learn.ensemble._hist_grower import Binner, TreeParams, grow_tree
from homeml.learn.ensemble._raw_scores import RawScoreClassifierMixin, RawScoreRegressorMixin


def _check_unsupported(est):
    """Parameters homeml accepts only at their scikit-learn defaults, with the reason."""
    if est.categorical_features not in ("from_dtype", None):
        raise ValueError(
            "categorical_features must be 'from_dtype' or None (homeml bins "
            f"every feature as numeric); got {est.categorical_features!r}."
        )
    for name in ("monotonic_cst", "interaction_cst"):
        if getattr(est, name) is not None:
            raise ValueError(
                f"{name} must be None (constraints are not supported by homeml); "
                f"got {getattr(est, name)!r}."
            )


class _BaseHistGradientBoosting(BaseEstimator):
    """Shared fit loop; subclasses pick the loss and turn raw predictions into outputs."""

    # the losses are in the subclasses' tables
    _homeml_constraints = {
        "learning_rate": [Interval(Real, 0, None, closed="neither")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "max_leaf_nodes": [Interval(Integral, 2, None, closed="left"), None],
        "max_depth": [Interval(Integral, 1, None, closed="left"), None],
        "min_samples_leaf": [Interval(Integral, 1, None, closed="left")],
        "l2_regularization": [Interval(Real, 0, None, closed="left")],
        "max_features": [Interval(Real, 0, 1, closed="right")],
        "max_bins": [Interval(Integral, 2, 255, closed="both")],
        "warm_start": ["boolean"],
        "early_stopping": [StrOptions({"auto"}), "boolean"],
        "validation_fraction": [
            Interval(RealNotInt, 0, 1, closed="neither"),
            Interval(Integral, 1, None, closed="left"),
            None,
        ],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "verbose": ["verbose"],
        "random_state": ["random_state"],
    }

    def _homeml_tags(self):
        return {**super()._homeml_tags(), "allow_nan": True}

    def fit(self, X, y, sample_weight=None):
        """Fit the gradient boosting model.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data; NaN marks a missing value.
        y : array-like of shape (n_samples,)
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        self
        """
        self._validate_params()
        _check_unsupported(self)
        warm = self.warm_start and hasattr(self, "_trees")
        X, y = self._validate_data(
            X,
            y,
            reset=not warm,
            dtype=[np.float64, np.float32],
            y_numeric=not isinstance(self, ClassifierMixin),
        )
        X = np.asarray(X, np.float64)
        y, sample_weight = self._encode_y(y, sample_weight)
        weights = None if sample_weight is None else check_sample_weight(sample_weight, X)
        if weights is not None and not np.any(weights > 0):
            raise ValueError("Sample weights must contain at least one non-zero number.")
        if warm and self.max_iter < self.n_iter_:
            raise ValueError(
                f"max_iter={self.max_iter} must be larger than or equal to "
                f"n_iter_={self.n_iter_} when warm_start==True."
            )
        if not warm:
            self._seed = check_random_state(self.random_state).randint(np.iinfo(np.int32).max)
        rng = np.random.RandomState(self._seed)  # the same split and bins on a warm restart

        n_samples = X.shape[0]
        early = self.early_stopping == "auto" and n_samples > 10_000 or self.early_stopping is True
        train, val = np.arange(n_samples), None
        if early and self.validation_fraction is not None:
            train, val = self._validation_split(y, rng)
        w_train = None if weights is None else weights[train]
        w_val = None if weights is None or val is None else weights[val]
        if not warm:
            self._binner = Binner(self.max_bins, rng=rng).fit(X[train])
        X_binned = self._binner.transform(X[train])
        loss = self._make_loss()
        self._loss = loss
        constant_hessian = loss.constant_hessian and w_train is None

        if warm:
            raw = self._raw_binned(X_binned)
            val_raw = None if val is None else self._raw_binned(self._binner.transform(X[val]))
        else:
            self._baseline = loss.baseline(y[train], w_train)
            self._trees, self.n_iter_ = [], 0
            raw = np.repeat(self._baseline[:, None], len(train), axis=1)
            val_raw = None if val is None else np.repeat(self._baseline[:, None], len(val), 1)
            self.train_score_, self.validation_score_ = [], []
        X_val_binned = None if val is None else self._binner.transform(X[val])
        self.do_early_stopping_ = early
        self.n_trees_per_iteration_ = loss.n_outputs
        self.is_categorical_ = None
        scorer = self._early_stopping_scorer() if early else None
        train_scores, val_scores = list(self.train_score_), list(self.validation_score_)
        if early and not warm:
            self._record_scores(
                scorer,
                loss,
                X,
                y,
                train,
                val,
                raw,
                val_raw,
                w_train,
                w_val,
                train_scores,
                val_scores,
                rng,
            )

        params = TreeParams(
            self.max_leaf_nodes,
            self.max_depth,
            self.min_samples_leaf,
            float(self.l2_regularization),
            float(self.learning_rate),
            float(self.max_features),
        )
        y_train = y[train]
        for _ in range(self.n_iter_, self.max_iter):
            gradients, hessians = loss.gradient_hessian(y_train, raw, w_train)
            trees = []
            for k in range(loss.n_outputs):
                tree, leaves = grow_tree(
                    X_binned, gradients[k], hessians[k], constant_hessian, self._binner, params, rng
                )
                for node, samples in leaves:
                    if isinstance(loss, _losses.AbsoluteError):  # median residual per leaf
                        tree.value[node] = self.learning_rate * loss.leaf_value(
                            y_train[samples],
                            raw[k, samples],
                            None if w_train is None else w_train[samples],
                        )
                    raw[k, samples] += tree.value[node]
                if val_raw is not None:
                    tree.add_binned(X_val_binned, self._binner.missing_bin_, val_raw[k])
                trees.append(tree)
            self._trees.append(trees)
            self.n_iter_ += 1
            if early:
                self._record_scores(
                    scorer,
                    loss,
                    X,
                    y,
                    train,
                    val,
                    raw,
                    val_raw,
                    w_train,
                    w_val,
                    train_scores,
                    val_scores,
                    rng,
                )
                if self._should_stop(val_scores if val is not None else train_scores):
                    break
        self.train_score_ = np.asarray(train_scores)
        self.validation_score_ = np.asarray(val_scores)
        return self

    def _validation_split(self, y, rng):
        n = len(y)
        vf = self.validation_fraction
        n_val = vf if isinstance(vf, numbers.Integral) else int(np.ceil(vf * n))
        if not 0 < n_val < n:
            raise ValueError(
                f"validation_fraction={vf!r} leaves no training or validation samples out of {n}."
            )
        order = rng.permutation(n)
        if isinstance(self, ClassifierMixin):  # stratified: every class in proportion
            order = order[np.argsort(y[order], kind="stable")]
            # take every (n / n_val)-th sample of the class-sorted order
            picks = np.unique(np.floor(np.arange(n_val) * n / n_val).astype(np.intp))
            val = np.sort(order[picks])
        else:
            val = np.sort(order[:n_val])
        train = np.setdiff1d(np.arange(n), val)
        return train, val

    def _early_stopping_scorer(self):
        if self.scoring == "loss":
            return None
        from homeml.learn._scorer import check_scoring

        return check_scoring(self, self.scoring)

    def _record_scores(
        self,
        scorer,
        loss,
        X,
        y,
        train,
        val,
        raw,
        val_raw,
        w_train,
        w_val,
        train_scores,
        val_scores,
        rng,
    ):
        if scorer is None:
            train_scores.append(-loss.loss(y[train], raw, w_train))
            if val is not None:
                val_scores.append(-loss.loss(y[val], val_raw, w_val))
            return
        subset = (
            train
            if len(train) <= 10_000
            else np.sort(np.random.RandomState(self._seed).choice(train, 10_000, replace=False))
        )
        y_out = self.classes_[y.astype(np.intp)] if hasattr(self, "classes_") else y
        train_scores.append(scorer(self, X[subset], y_out[subset]))
        if val is not None:
            val_scores.append(scorer(self, X[val], y_out[val]))

    def _should_stop(self, scores):
        """Stop when none of the last ``n_iter_no_change`` scores beat the one before by tol."""
        if len(scores) <= self.n_iter_no_change:
            return False
        reference = scores[-self.n_iter_no_change - 1] + self.tol
        return not any(s > reference for s in scores[-self.n_iter_no_change :])

    def _raw_binned(self, X_binned):
        raw = np.repeat(self._baseline[:, None], X_binned.shape[1], axis=1)
        for trees in self._trees:
            for k, tree in enumerate(trees):
                tree.add_binned(X_binned, self._binner.missing_bin_, raw[k])
        return raw

    def _start_raw(self, X):
        """Validated float64 ``X`` and the baseline raw predictions for it."""
        check_is_fitted(self)
        X = np.asarray(
            self._validate_data(X, reset=False, dtype=[np.float64, np.float32]), np.float64
        )
        return X, np.repeat(self._baseline[:, None], X.shape[0], axis=1)

    def _staged_raw(self, X):
        """Raw predictions ``(n_trees_per_iteration, n_samples)`` after each iteration."""
        X, raw = self._start_raw(X)
        for trees in self._trees:
            for k, tree in enumerate(trees):
                tree.add_raw(X, raw[k])
            yield raw

    def _raw_predict(self, X):
        X, raw = self._start_raw(X)
        for trees in self._trees:
            for k, tree in enumerate(trees):
                tree.add_raw(X, raw[k])
        return raw

    def __sklearn_is_fitted__(self):
        return hasattr(self, "_trees")


_COMMON_DOC = """
    learning_rate : float, default=0.1
        Shrinkage of each tree's leaf values.
    max_iter : int, default=100
        Boosting iterations (trees per output).
    max_leaf_nodes : int or None, default=31
        Leaves per tree; the node with the largest gain is split first.
    max_depth : int or None, default=None
        Edges from root to the deepest leaf.
    min_samples_leaf : int, default=20
    l2_regularization : float, default=0.0
        Added to the hessian sum in leaf values and gains.
    max_features : float, default=1.0
        Fraction of features (drawn at random) searched at each split.
    max_bins : int, default=255
        Bins for non-missing values (NaN gets its own bin).
    categorical_features : 'from_dtype' or None
        Accepted for compatibility; every feature is binned as numeric.
    monotonic_cst, interaction_cst : None
        Not supported (must be None).
    warm_start : bool, default=False
        Keep the fitted trees and add iterations up to ``max_iter``.
    early_stopping : 'auto' or bool, default='auto'
        'auto' enables it when there are more than 10,000 samples.
    scoring : 'loss', str, callable or None, default='loss'
        What early stopping watches.
    validation_fraction : float, int or None, default=0.1
        Held-out share (or count) for early stopping; None: watch the training score.
    n_iter_no_change : int, default=10
    tol : float, default=1e-7
    verbose : int, default=0
        Ignored.
    random_state : int, RandomState or None
        Draws the validation split, the binning subsample and the feature subsets.
"""


class HistGradientBoostingRegressor(
    RawScoreRegressorMixin, RegressorMixin, _BaseHistGradientBoosting
):
    __doc__ = (
        """Histogram-based gradient boosting for regression.

    Parameters
    ----------
    loss : {'squared_error', 'absolute_error'}, default='squared_error'
    quantile : None
        Accepted for compatibility (there is no quantile loss)."""
        + _COMMON_DOC
        + """
    Attributes
    ----------
    n_iter_, n_trees_per_iteration_, train_score_, validation_score_, do_early_stopping_,
    n_features_in_
    """
    )

    _homeml_constraints = {
        **_BaseHistGradientBoosting._homeml_constraints,
        "loss": [StrOptions({"squared_error", "absolute_error"})],
    }

    def __init__(
        self,
        loss="squared_error",
        *,
        quantile=None,
        learning_rate=0.1,
        max_iter=100,
        max_leaf_nodes=31,
        max_depth=None,
        min_samples_leaf=20,
        l2_regularization=0.0,
        max_features=1.0,
        max_bins=255,
        categorical_features="from_dtype",
        monotonic_cst=None,
        interaction_cst=None,
        warm_start=False,
        early_stopping="auto",
        scoring="loss",
        validation_fraction=0.1,
        n_iter_no_change=10,
        tol=1e-7,
        verbose=0,
        random_state=None,
    ):
        self.loss, self.quantile, self.learning_rate, self.max_iter = (
            loss,
            quantile,
            learning_rate,
            max_iter,
        )
        self.max_leaf_nodes, self.max_depth, self.min_samples_leaf = (
            max_leaf_nodes,
            max_depth,
            min_samples_leaf,
        )
        self.l2_regularization, self.max_features, self.max_bins = (
            l2_regularization,
            max_features,
            max_bins,
        )
        self.categorical_features, self.monotonic_cst, self.interaction_cst = (
            categorical_features,
            monotonic_cst,
            interaction_cst,
        )
        self.warm_start, self.early_stopping, self.scoring = warm_start, early_stopping, scoring
        self.validation_fraction, self.n_iter_no_change, self.tol = (
            validation_fraction,
            n_iter_no_change,
            tol,
        )
        self.verbose, self.random_state = verbose, random_state

    def _encode_y(self, y, sample_weight):
        return y.astype(np.float64), sample_weight

    def _make_loss(self):
        return _losses.SquaredError() if self.loss == "squared_error" else _losses.AbsoluteError()


class HistGradientBoostingClassifier(
    RawScoreClassifierMixin, ClassifierMixin, _BaseHistGradientBoosting
):
    __doc__ = (
        """Histogram-based gradient boosting for classification (binary and multiclass).

    Parameters
    ----------
    loss : {'log_loss'}, default='log_loss'
        Binary log loss for two classes, multinomial (one tree per class) beyond."""
        + _COMMON_DOC
        + """    class_weight : dict, 'balanced' or None
        Multiplies each sample's weight by its class's weight.

    Attributes
    ----------
    classes_, n_iter_, n_trees_per_iteration_, train_score_, validation_score_,
    do_early_stopping_, n_features_in_
    """
    )

    _homeml_constraints = {
        **_BaseHistGradientBoosting._homeml_constraints,
        "loss": [StrOptions({"log_loss"})],
    }

    def __init__(
        self,
        loss="log_loss",
        *,
        learning_rate=0.1,
        max_iter=100,
        max_leaf_nodes=31,
        max_depth=None,
        min_samples_leaf=20,
        l2_regularization=0.0,
        max_features=1.0,
        max_bins=255,
        categorical_features="from_dtype",
        monotonic_cst=None,
        interaction_cst=None,
        warm_start=False,
        early_stopping="auto",
        scoring="loss",
        validation_fraction=0.1,
        n_iter_no_change=10,
        tol=1e-7,
        verbose=0,
        random_state=None,
        class_weight=None,
    ):
        self.loss, self.learning_rate, self.max_iter = loss, learning_rate, max_iter
        self.max_leaf_nodes, self.max_depth, self.min_samples_leaf = (
            max_leaf_nodes,
            max_depth,
            min_samples_leaf,
        )
        self.l2_regularization, self.max_features, self.max_bins = (
            l2_regularization,
            max_features,
            max_bins,
        )
        self.categorical_features, self.monotonic_cst, self.interaction_cst = (
            categorical_features,
            monotonic_cst,
            interaction_cst,
        )
        self.warm_start, self.early_stopping, self.scoring = warm_start, early_stopping, scoring
        self.validation_fraction, self.n_iter_no_change, self.tol = (
            validation_fraction,
            n_iter_no_change,
            tol,
        )
        self.verbose, self.random_state, self.class_weight = verbose, random_state, class_weight

    def _encode_y(self, y, sample_weight):
        classes, codes = encode_classes(y, self)
        require_two_classes(classes, self)
        if (
            hasattr(self, "classes_")
            and self.warm_start
            and hasattr(self, "_trees")
            and (len(classes) != len(self.classes_) or np.any(classes != self.classes_))
        ):
            raise ValueError("warm_start needs the same classes as the first fit.")
        self.classes_ = classes
        if self.class_weight is not None:
            if self.class_weight == "balanced":
                per_class = len(codes) / (len(classes) * np.bincount(codes))
            elif isinstance(self.class_weight, dict):
                per_class = np.array([self.class_weight.get(c, 1.0) for c in classes], float)
            else:
                raise ValueError(
                    f"class_weight must be 'balanced', a dict or None; got {self.class_weight!r}."
                )
            base = np.ones(len(codes)) if sample_weight is None else np.asarray(sample_weight)
            sample_weight = base * per_class[codes]
        return codes.astype(np.float64), sample_weight

    def _make_loss(self):
        n = len(self.classes_)
        return _losses.BinomialLogLoss() if n == 2 else _losses.MultinomialLogLoss(n)
