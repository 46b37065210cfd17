"""Recursive feature elimination: RFE (to a given count), RFECV (the count by cross-validation)."""

from __future__ import annotations

import warnings
from numbers import Integral
from typing import Any

import numpy as np

from homeml.learn.base import (
    BaseEstimator,
    MetaEstimatorMixin,
    available_if,
    check_is_fitted,
    clone,
)
from homeml.learn.feature_selection._base import SelectorMixin, feature_importances


def _estimator_has(name):
    def check(self):
        return hasattr(getattr(self, "estimator_", self.estimator), name)

    return check


class RFE(SelectorMixin, MetaEstimatorMixin, BaseEstimator):
    """Fit, drop the ``step`` least important features, repeat until ``n_features_to_select``.

    Parameters
    ----------
    estimator : estimator
        Has ``coef_`` or ``feature_importances_`` after fit (or see ``importance_getter``).
    n_features_to_select : int, float or None
        How many to keep (a float: that fraction; None: half).
    step : int or float
        How many features to drop per round (a float in (0, 1): that fraction).
    verbose : int
    importance_getter : "auto", str or callable
        Where the importances are read (an attribute path or a function of the estimator).

    Attributes
    ----------
    estimator_ : estimator
        Fitted on the selected features.
    n_features_ : int
        The number of selected features.
    support_ : ndarray of bool
        The selected features.
    ranking_ : ndarray of int
        1 for the selected features; higher for those removed earlier.
    """

    def __init__(
        self, estimator, *, n_features_to_select=None, step=1, verbose=0, importance_getter="auto"
    ):
        self.estimator = estimator
        self.n_features_to_select = n_features_to_select
        self.step = step
        self.verbose = verbose
        self.importance_getter = importance_getter

    def _homeml_tags(self) -> dict:
        inner = self.estimator._homeml_tags() if hasattr(self.estimator, "_homeml_tags") else {}
        tags = {**super()._homeml_tags(), "requires_y": True}
        for key in ("estimator_type", "sparse", "allow_nan", "multi_output", "multi_class"):
            if key in inner:
                tags[key] = inner[key]
        tags["poor_score"] = True
        return tags

    @property
    def classes_(self):
        """The classes of the fitted estimator."""
        return self.estimator_.classes_

    def fit(self, X, y, **fit_params):
        """Eliminate features recursively, then fit the estimator on those left."""
        return self._fit(X, y, **fit_params)

    def _check_steps(self):
        step = self.step
        positive_int = isinstance(step, Integral) and int(step) > 0
        fraction = isinstance(step, float) and 0 < step < 1
        if isinstance(step, bool) or not (positive_int or fraction):
            raise ValueError(
                f"The 'step' parameter of {type(self).__name__} must be an int in the range "
                f"(0, inf) or a float in the range (0, 1). Got {step!r} instead."
            )

    def _fit(self, X, y, step_score=None, **fit_params):
        self._check_steps()
        X, y = self._validate_data(
            X, y, accept_sparse="csc", ensure_min_features=2, allow_nan=True, multi_output=True
        )
        n_features = X.shape[1]
        wanted = self.n_features_to_select
        if wanted is None:
            n_select = n_features // 2
        elif isinstance(wanted, Integral):
            n_select = wanted
            if n_select > n_features:
                warnings.warn(
                    f"Found n_features_to_select={n_select!r} > n_features={n_features!r}. There "
                    "will be no feature selection and all features will be kept.",
                    UserWarning,
                    stacklevel=3,
                )
        else:
            n_select = int(n_features * wanted)
        step = int(max(1, self.step * n_features)) if 0.0 < self.step < 1.0 else int(self.step)
        support = np.ones(n_features, dtype=bool)
        ranking = np.ones(n_features, dtype=int)
        if step_score:
            self.step_n_features_: list[Any] = []
            self.step_scores_: list[Any] = []
            self.step_support_: list[Any] = []
            self.step_ranking_: list[Any] = []
        while np.sum(support) > n_select:
            features = np.arange(n_features)[support]
            estimator = clone(self.estimator)
            if self.verbose > 0:
                print(f"Fitting estimator with {np.sum(support)} features.")
            estimator.fit(X[:, features], y, **fit_params)
            if step_score:
                self.step_n_features_.append(len(features))
                self.step_scores_.append(step_score(estimator, features))
                self.step_support_.append(list(support))
                self.step_ranking_.append(list(ranking))
            importances = feature_importances(estimator, self.importance_getter, "square")
            order = np.ravel(np.argsort(importances, kind="stable"))
            drop = min(step, np.sum(support) - n_select)
            support[features[order][:drop]] = False
            ranking[np.logical_not(support)] += 1
        features = np.arange(n_features)[support]
        self.estimator_ = clone(self.estimator)
        self.estimator_.fit(X[:, features], y, **fit_params)
        if step_score:
            self.step_n_features_.append(len(features))
            self.step_scores_.append(step_score(self.estimator_, features))
            self.step_support_.append(support)
            self.step_ranking_.append(ranking)
        self.n_features_ = int(support.sum())
        self.support_ = support
        self.ranking_ = ranking
        return self

    def _get_support_mask(self) -> np.ndarray:
        check_is_fitted(self)
        return self.support_

    @available_if(_estimator_has("predict"))
    def predict(self, X):
        """The estimator's predictions on the selected features."""
        check_is_fitted(self)
        return self.estimator_.predict(self.transform(X))

    @available_if(_estimator_has("score"))
    def score(self, X, y, **score_params):
        """The estimator's score on the selected features."""
        check_is_fitted(self)
        return self.estimator_.score(self.transform(X), y, **score_params)

    @available_if(_estimator_has("decision_function"))
    def decision_function(self, X):
        """The estimator's decision function on the selected features."""
        check_is_fitted(self)
        return self.estimator_.decision_function(self.transform(X))

    @available_if(_estimator_has("predict_proba"))
    def predict_proba(self, X):
        """The estimator's class probabilities on the selected features."""
        check_is_fitted(self)
        return self.estimator_.predict_proba(self.transform(X))

    @available_if(_estimator_has("predict_log_proba"))
    def predict_log_proba(self, X):
        """The estimator's log class probabilities on the selected features."""
        check_is_fitted(self)
        return self.estimator_.predict_log_proba(self.transform(X))


class RFECV(RFE):
    """RFE with the number of features chosen by the mean cross-validated score.

    Parameters
    ----------
    estimator, step, verbose, importance_getter
        As :class:`RFE`.
    min_features_to_select : int
        The smallest number of features tried.
    cv : int, splitter, iterable or None
        The folds (None: 5; stratified for classifiers).
    scoring : str, callable or None
        The score (None: accuracy for classifiers, R² otherwise).
    n_jobs : ignored
        The folds run one after the other.

    Attributes
    ----------
    cv_results_ : dict
        ``mean_test_score``, ``std_test_score``, ``split{i}_test_score`` ... and ``n_features``,
        from the fewest features to the most.
    """

    def __init__(
        self,
        estimator,
        *,
        step=1,
        min_features_to_select=1,
        cv=None,
        scoring=None,
        verbose=0,
        n_jobs=None,
        importance_getter="auto",
    ):
        self.estimator = estimator
        self.step = step
        self.importance_getter = importance_getter
        self.cv = cv
        self.scoring = scoring
        self.verbose = verbose
        self.n_jobs = n_jobs
        self.min_features_to_select = min_features_to_select

    def _get_scorer(self):
        from homeml.learn._scorer import get_scorer
        from homeml.learn.model_selection._validation import is_classifier

        scoring = self.scoring
        if scoring is None:
            scoring = "accuracy" if is_classifier(self.estimator) else "r2"
        return get_scorer(scoring)

    def fit(self, X, y, groups=None, **fit_params):
        """Score every number of features by cross-validation, then run RFE to the best."""
        from homeml.learn.model_selection._validation import check_cv, is_classifier

        self._check_steps()
        X, y = self._validate_data(
            X, y, accept_sparse="csr", ensure_min_features=2, allow_nan=True, multi_output=True
        )
        cv = check_cv(self.cv, y, classifier=is_classifier(self.estimator))
        scorer = self._get_scorer()
        n_features = X.shape[1]
        if self.min_features_to_select > n_features:
            warnings.warn(
                f"Found min_features_to_select={self.min_features_to_select} > "
                f"n_features={n_features!r}. There will be no feature selection and all "
                "features will be kept.",
                UserWarning,
                stacklevel=2,
            )
        results = []
        for train, test in cv.split(X, y, groups):
            rfe = RFE(
                self.estimator,
                n_features_to_select=min(self.min_features_to_select, n_features),
                importance_getter=self.importance_getter,
                step=self.step,
                verbose=self.verbose,
            )
            X_test, y_test = X[test], y[test]
            rfe._fit(
                X[train], y[train],
                lambda est, features, X_test=X_test, y_test=y_test: scorer(
                    est, X_test[:, features], y_test
                ),
            )  # fmt: skip
            results.append(
                (rfe.step_scores_, rfe.step_support_, rfe.step_ranking_, rfe.step_n_features_)
            )
        scores, supports, rankings, step_n_features = zip(*results, strict=True)
        n_features_rev = np.array(step_n_features[0])[::-1]
        scores = np.array(scores)
        rankings = np.array(rankings)
        supports = np.array(supports)
        best = n_features_rev[np.argmax(np.sum(scores, axis=0)[::-1])]
        rfe = RFE(
            self.estimator,
            n_features_to_select=best,
            step=self.step,
            importance_getter=self.importance_getter,
            verbose=self.verbose,
        ).fit(X, y, **fit_params)
        self.support_ = rfe.support_
        self.n_features_ = rfe.n_features_
        self.ranking_ = rfe.ranking_
        self.estimator_ = clone(self.estimator)
        self.estimator_.fit(self._transform(X), y, **fit_params)
        scores_rev = scores[:, ::-1]
        supports_rev, rankings_rev = supports[:, ::-1], rankings[:, ::-1]
        self.cv_results_ = {
            "mean_test_score": np.mean(scores_rev, axis=0),
            "std_test_score": np.std(scores_rev, axis=0),
            **{f"split{i}_test_score": scores_rev[i] for i in range(scores.shape[0])},
            **{f"split{i}_ranking": rankings_rev[i] for i in range(rankings.shape[0])},
            **{f"split{i}_support": supports_rev[i] for i in range(supports.shape[0])},
            "n_features": n_features_rev,
        }
        return self

    def score(self, X, y, **score_params):
        """The scorer (``scoring``) of this selector on ``X``, ``y``."""
        return self._get_scorer()(self, X, y, **score_params)
