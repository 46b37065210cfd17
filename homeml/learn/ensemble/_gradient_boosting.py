"""Classic gradient boosting: ``GradientBoostingClassifier`` and ``GradientBoostingRegressor``.

Each stage fits one CART regression tree (``DecisionTreeRegressor(criterion="friedman_mse")``,
one per class for multiclass) to the negative gradient of the loss, then replaces each leaf's
value by the loss's optimal step on that leaf (a Newton step for the log losses, a median for
absolute error and Huber) and adds ``learning_rate`` times it to the raw predictions.
"""

from __future__ import annotations

import numpy as np

from homeml.learn._param_validation import HasMethods, Integral, Interval, Real, StrOptions
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
from homeml.learn.ensemble._raw_scores import RawScoreClassifierMixin, RawScoreRegressorMixin
from homeml.learn.tree import DecisionTreeRegressor
from homeml.learn.tree._classes import TREE_CONSTRAINTS


class _BaseGradientBoosting(BaseEstimator):
    """The stage loop shared by the classifier and the regressor."""

    # the trees' parameters, and the stage loop's (the subclasses add their losses)
    _homeml_constraints = {
        **TREE_CONSTRAINTS,
        "learning_rate": [Interval(Real, 0.0, None, closed="left")],
        "n_estimators": [Interval(Integral, 1, None, closed="left")],
        "subsample": [Interval(Real, 0.0, 1.0, closed="right")],
        "init": [StrOptions({"zero"}), None, HasMethods(["fit"])],
        "verbose": ["verbose"],
        "warm_start": ["boolean"],
        "validation_fraction": [Interval(Real, 0.0, 1.0, closed="neither")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left"), None],
        "tol": [Interval(Real, 0.0, None, closed="left")],
    }

    def _make_tree(self, random_state):
        return DecisionTreeRegressor(
            criterion="friedman_mse",
            max_depth=self.max_depth,
            min_samples_split=self.min_samples_split,
            min_samples_leaf=self.min_samples_leaf,
            min_weight_fraction_leaf=self.min_weight_fraction_leaf,
            min_impurity_decrease=self.min_impurity_decrease,
            max_features=self.max_features,
            max_leaf_nodes=self.max_leaf_nodes,
            ccp_alpha=self.ccp_alpha,
            random_state=random_state,
        )

    def fit(self, X, y, sample_weight=None, monitor=None):
        """Fit the stages on ``X`` (n_samples, n_features) and ``y``; returns self.

        ``monitor(i, self, locals())`` is called after each stage; returning True stops.
        """
        self._validate_params()
        X, y = self._validate_data(
            X, y, dtype=[np.float32], y_numeric=not isinstance(self, ClassifierMixin)
        )
        weights = check_sample_weight(sample_weight, X)
        if not weights.sum() > 0:
            raise ValueError("Sample weights must contain at least one non-zero number.")
        y = self._encode_y(y)
        rng = check_random_state(self.random_state)
        loss = self._make_loss()
        X_val = None
        if self.n_iter_no_change is not None:
            train, val = self._validation_split(y, rng)
            X, X_val, y, y_val = X[train], X[val], y[train], y[val]
            weights, w_val = weights[train], weights[val]
        warm = self.warm_start and hasattr(self, "estimators_")
        if warm:
            if self.n_estimators < len(self.estimators_):
                raise ValueError(
                    f"n_estimators={self.n_estimators} must be larger or equal to "
                    f"estimators_.shape[0]={len(self.estimators_)} when "
                    "warm_start==True"
                )
            raw = self._raw_predict(X, check=False)
            stages, train_scores = list(self.estimators_), list(self.train_score_)
            oob_scores = list(getattr(self, "oob_scores_", []))
            oob_improvement = list(getattr(self, "oob_improvement_", []))
        else:
            self._loss = loss
            self._fit_init(X, y, weights)
            raw = self._init_raw(X)
            stages, train_scores, oob_scores, oob_improvement = [], [], [], []
        self._loss = loss
        self.n_trees_per_iteration_ = loss.n_outputs
        # the factor 2 reports deviance for these half losses, like scikit-learn
        factor = 2.0 if isinstance(loss, (_losses.SquaredError, _losses.BinomialLogLoss)) else 1
        val_raw = None if X_val is None else self._raw_predict(X_val, check=False)
        history = np.full(self.n_iter_no_change or 1, np.inf)
        n_samples = len(y)
        for i in range(len(stages), self.n_estimators):
            in_bag = np.ones(n_samples, bool)
            if self.subsample < 1.0:
                in_bag[:] = False
                in_bag[
                    rng.choice(n_samples, max(1, int(self.subsample * n_samples)), replace=False)
                ] = True
            oob = ~in_bag if self.subsample < 1.0 and not in_bag.all() else None
            if oob is not None:
                oob_before = factor * loss.loss(y[oob], raw[:, oob], weights[oob])
            stage = self._fit_stage(X, y, weights * in_bag, raw, loss, rng)
            stages.append(stage)
            train_scores.append(factor * loss.loss(y[in_bag], raw[:, in_bag], weights[in_bag]))
            if oob is not None:
                oob_scores.append(factor * loss.loss(y[oob], raw[:, oob], weights[oob]))
                oob_improvement.append(oob_before - oob_scores[-1])
            self.estimators_ = np.asarray(stages, dtype=object).reshape(len(stages), -1)
            if monitor is not None and monitor(i, self, locals()):
                break
            if val_raw is not None:
                self._add_stage(stage, X_val, val_raw)
                val_loss = factor * loss.loss(y_val, val_raw, w_val)
                if np.any(val_loss + self.tol < history):
                    history[i % len(history)] = val_loss
                else:
                    break
        self.estimators_ = np.asarray(stages, dtype=object).reshape(len(stages), -1)
        self.n_estimators_ = len(stages)
        self.train_score_ = np.asarray(train_scores)
        if self.subsample < 1.0:
            self.oob_scores_ = np.asarray(oob_scores)
            self.oob_improvement_ = np.asarray(oob_improvement)
            self.oob_score_ = self.oob_scores_[-1] if len(oob_scores) else np.nan
        self.max_features_ = self.estimators_[0, 0].max_features_
        return self

    def _fit_stage(self, X, y, weights, raw, loss, rng):
        """Fit one tree per output on the negative gradient; update ``raw`` in place."""
        if isinstance(loss, _losses.Huber):  # its transition point follows the residuals
            loss.delta = _losses.weighted_quantile(np.abs(y - raw[0]), weights, loss.alpha)
        gradients, hessians = loss.gradient_hessian(y, raw, None)
        trees = []
        for k in range(loss.n_outputs):
            # the shared generator itself, as scikit-learn does: each tree draws its seed in turn
            tree = self._make_tree(rng)
            tree.fit(X, -gradients[k], sample_weight=weights)
            leaves = tree.apply(X)
            values = tree.tree_.value[:, 0, 0]
            if not isinstance(loss, _losses.SquaredError):  # the loss's own step per leaf
                used = weights > 0
                for leaf in np.unique(leaves[used]):
                    mask = used & (leaves == leaf)
                    values[leaf] = self._leaf_step(
                        loss,
                        y[mask],
                        raw[k, mask],
                        -gradients[k, mask],
                        hessians[k, mask],
                        weights[mask],
                    )
            raw[k] += self.learning_rate * values[leaves]
            trees.append(tree)
        return trees

    @staticmethod
    def _leaf_step(loss, y, raw_row, residual, hessian, w):
        if isinstance(loss, (_losses.BinomialLogLoss, _losses.MultinomialLogLoss)):
            numerator = np.average(residual, weights=w)
            if isinstance(loss, _losses.MultinomialLogLoss):  # Friedman's (K - 1) / K factor
                numerator *= (loss.n_outputs - 1) / loss.n_outputs
            denominator = np.average(hessian, weights=w)
            return numerator / denominator if abs(denominator) >= 1e-150 else 0.0
        return loss.leaf_value(y, raw_row, w)

    def _validation_split(self, y, rng):
        n = len(y)
        n_val = int(np.ceil(self.validation_fraction * n))
        order = rng.permutation(n)
        if isinstance(self, ClassifierMixin):  # stratified: spread classes evenly
            order = order[np.argsort(y[order], kind="stable")]
            val = order[np.unique(np.floor(np.arange(n_val) * n / n_val).astype(np.intp))]
        else:
            val = order[:n_val]
        return np.setdiff1d(np.arange(n), val), np.sort(val)

    # -- the initial estimator -------------------------------------------------------------------

    def _fit_init(self, X, y, weights):
        if self.init is None or self.init == "zero":
            self.init_ = self.init if self.init == "zero" else "prior"
            baseline = self._loss.baseline(y, weights)
            self._baseline = np.zeros_like(baseline) if self.init == "zero" else baseline
            return
        from homeml.learn.base import clone

        self.init_ = clone(self.init)
        target = self.classes_[y.astype(np.intp)] if hasattr(self, "classes_") else y
        try:
            self.init_.fit(X, target, sample_weight=weights)
        except TypeError as error:
            if not np.all(weights == 1):
                raise ValueError(
                    "The initial estimator does not support sample weights."
                ) from error
            self.init_.fit(X, target)

    def _init_raw(self, X):
        if not hasattr(self.init_, "fit"):
            return np.repeat(self._baseline[:, None], X.shape[0], axis=1)
        if not self._loss.is_classification:
            return self.init_.predict(X).astype(np.float64)[None]
        proba = np.clip(self.init_.predict_proba(X), 1e-15, 1 - 1e-15)
        if proba.shape[1] == 2:
            return np.log(proba[:, 1] / proba[:, 0])[None]
        return np.log(proba).T

    # -- prediction ------------------------------------------------------------------------------

    def _checked(self, X):
        check_is_fitted(self)
        return self._validate_data(X, reset=False, dtype=[np.float32])

    def _raw_predict(self, X, check=True):
        X = self._checked(X) if check else X
        raw = self._init_raw(X)
        for stage in getattr(self, "estimators_", []):
            self._add_stage(stage, X, raw)
        return raw

    def _staged_raw(self, X):
        X = self._checked(X)
        raw = self._init_raw(X)
        for stage in self.estimators_:
            self._add_stage(stage, X, raw)
            yield raw

    def _add_stage(self, stage, X, raw):
        for k, tree in enumerate(stage):
            raw[k] += self.learning_rate * tree.predict(X)

    def apply(self, X):
        """Leaf index of each sample in each tree: shape (n_samples, n_estimators, n_outputs)."""
        X = self._checked(X)
        return np.stack(
            [np.column_stack([t.apply(X) for t in stage]) for stage in self.estimators_], axis=1
        )

    @property
    def feature_importances_(self):
        """Impurity-based importances averaged over the (non-stump) trees, summing to 1."""
        check_is_fitted(self)
        relevant = [
            t.tree_.compute_feature_importances(normalize=False)
            for stage in self.estimators_
            for t in stage
            if t.tree_.node_count > 1
        ]
        if not relevant:
            return np.zeros(self.n_features_in_)
        total = np.mean(relevant, axis=0)
        return total / total.sum() if total.sum() > 0 else total

    def __sklearn_is_fitted__(self):
        return hasattr(self, "estimators_")


_SHARED_PARAMS_DOC = """
    learning_rate : float, default=0.1
        Shrinkage of each tree's contribution.
    n_estimators : int, default=100
        Boosting stages.
    subsample : float, default=1.0
        Fraction of samples (drawn without replacement) each stage is fitted on; below 1 this
        is stochastic gradient boosting and sets ``oob_scores_``/``oob_improvement_``.
    criterion : 'deprecated'
        Accepted for compatibility; the trees use 'friedman_mse'.
    min_samples_split, min_samples_leaf, min_weight_fraction_leaf, max_depth,
    min_impurity_decrease, max_features, max_leaf_nodes, ccp_alpha :
        Passed to each ``DecisionTreeRegressor`` (``max_depth=3`` by default).
    init : estimator, 'zero' or None, default=None
        What gives the starting predictions: None the loss's constant optimum ("prior"),
        'zero' zeros, or an estimator fitted on the data first.
    random_state : int, RandomState or None
        Seeds the subsampling, the trees' feature draws and the validation split.
    verbose : int, default=0
        Ignored.
    warm_start : bool, default=False
        Keep the fitted stages and add more up to ``n_estimators``.
    validation_fraction : float, default=0.1
        Held-out share for early stopping (with ``n_iter_no_change``).
    n_iter_no_change : int or None, default=None
        Stop when the validation loss has not improved by ``tol`` for this many stages.
    tol : float, default=1e-4
"""


class GradientBoostingRegressor(RawScoreRegressorMixin, RegressorMixin, _BaseGradientBoosting):
    __doc__ = (
        """Gradient boosting of regression trees for regression.

    Parameters
    ----------
    loss : {'squared_error', 'absolute_error', 'huber'}, default='squared_error'"""
        + _SHARED_PARAMS_DOC
        + """    alpha : float, default=0.9
        Quantile of the absolute residuals where the Huber loss turns linear.

    Attributes
    ----------
    estimators_ : ndarray of DecisionTreeRegressor, shape (n_estimators_, 1)
    train_score_ : loss after each stage (on the in-bag samples)
    init_, n_estimators_, feature_importances_, max_features_, n_features_in_
    """
    )

    _homeml_constraints = {
        **_BaseGradientBoosting._homeml_constraints,
        "loss": [StrOptions({"squared_error", "absolute_error", "huber"})],
        "alpha": [Interval(Real, 0.0, 1.0, closed="neither")],
    }

    def __init__(
        self,
        *,
        loss="squared_error",
        learning_rate=0.1,
        n_estimators=100,
        subsample=1.0,
        criterion="deprecated",
        min_samples_split=2,
        min_samples_leaf=1,
        min_weight_fraction_leaf=0.0,
        max_depth=3,
        min_impurity_decrease=0.0,
        init=None,
        random_state=None,
        max_features=None,
        alpha=0.9,
        verbose=0,
        max_leaf_nodes=None,
        warm_start=False,
        validation_fraction=0.1,
        n_iter_no_change=None,
        tol=1e-4,
        ccp_alpha=0.0,
    ):
        self.loss, self.learning_rate, self.n_estimators = loss, learning_rate, n_estimators
        self.subsample, self.criterion = subsample, criterion
        self.min_samples_split, self.min_samples_leaf = min_samples_split, min_samples_leaf
        self.min_weight_fraction_leaf, self.max_depth = min_weight_fraction_leaf, max_depth
        self.min_impurity_decrease, self.init = min_impurity_decrease, init
        self.random_state, self.max_features, self.alpha = random_state, max_features, alpha
        self.verbose, self.max_leaf_nodes, self.warm_start = verbose, max_leaf_nodes, warm_start
        self.validation_fraction, self.n_iter_no_change = validation_fraction, n_iter_no_change
        self.tol, self.ccp_alpha = tol, ccp_alpha

    def _encode_y(self, y):
        return y.astype(np.float64)

    def _make_loss(self):
        if self.loss == "huber":
            return _losses.Huber(self.alpha)
        return _losses.SquaredError() if self.loss == "squared_error" else _losses.AbsoluteError()


class GradientBoostingClassifier(RawScoreClassifierMixin, ClassifierMixin, _BaseGradientBoosting):
    __doc__ = (
        """Gradient boosting of regression trees for classification (log loss).

    Parameters
    ----------
    loss : {'log_loss'}, default='log_loss'
        Binary log loss (one tree per stage) or multinomial (one tree per class)."""
        + _SHARED_PARAMS_DOC
        + """
    Attributes
    ----------
    classes_, n_classes_ : the class labels and their count
    estimators_ : ndarray of DecisionTreeRegressor, shape (n_estimators_, 1 or n_classes)
    train_score_, init_, n_estimators_, feature_importances_, n_features_in_
    """
    )

    _homeml_constraints = {
        **_BaseGradientBoosting._homeml_constraints,
        "loss": [StrOptions({"log_loss"})],
    }

    def __init__(
        self,
        *,
        loss="log_loss",
        learning_rate=0.1,
        n_estimators=100,
        subsample=1.0,
        criterion="deprecated",
        min_samples_split=2,
        min_samples_leaf=1,
        min_weight_fraction_leaf=0.0,
        max_depth=3,
        min_impurity_decrease=0.0,
        init=None,
        random_state=None,
        max_features=None,
        verbose=0,
        max_leaf_nodes=None,
        warm_start=False,
        validation_fraction=0.1,
        n_iter_no_change=None,
        tol=1e-4,
        ccp_alpha=0.0,
    ):
        self.loss, self.learning_rate, self.n_estimators = loss, learning_rate, n_estimators
        self.subsample, self.criterion = subsample, criterion
        self.min_samples_split, self.min_samples_leaf = min_samples_split, min_samples_leaf
        self.min_weight_fraction_leaf, self.max_depth = min_weight_fraction_leaf, max_depth
        self.min_impurity_decrease, self.init = min_impurity_decrease, init
        self.random_state, self.max_features = random_state, max_features
        self.verbose, self.max_leaf_nodes, self.warm_start = verbose, max_leaf_nodes, warm_start
        self.validation_fraction, self.n_iter_no_change = validation_fraction, n_iter_no_change
        self.tol, self.ccp_alpha = tol, ccp_alpha

    def _encode_y(self, y):
        classes, codes = encode_classes(y, self)
        require_two_classes(classes, self)
        self.classes_, self.n_classes_ = classes, len(classes)
        return codes.astype(np.float64)

    def _make_loss(self):
        n = len(self.classes_)
        return _losses.BinomialLogLoss() if n == 2 else _losses.MultinomialLogLoss(n)

    def predict_log_proba(self, X):
        """Logarithm of ``predict_proba``."""
        with np.errstate(divide="ignore"):
            return np.log(self.predict_proba(X))
