"""``AdaBoostClassifier``: the SAMME algorithm (multi-class AdaBoost, Zhu et al. 2009).

Each round fits the base classifier on the current sample weights, gives it the vote
``learning_rate * (log((1 - err) / err) + log(K - 1))`` from its weighted error ``err``, and
multiplies the weights of the samples it got wrong by ``exp(vote)``.
"""

from __future__ import annotations

from collections import deque

import numpy as np

from homeml.learn._math import softmax
from homeml.learn._param_validation import HasMethods, Integral, Interval, Real
from homeml.learn.base import (
    BaseEstimator,
    ClassifierMixin,
    MetaEstimatorMixin,
    check_is_fitted,
    check_random_state,
    check_sample_weight,
    clone,
    encode_classes,
    require_two_classes,
)

_MAX_SEED = np.iinfo(np.int32).max


class AdaBoostClassifier(ClassifierMixin, MetaEstimatorMixin, BaseEstimator):
    """An AdaBoost (SAMME) classifier.

    Parameters
    ----------
    estimator : classifier or None, default=None
        The base classifier; it must accept ``sample_weight`` in ``fit``. None means
        ``DecisionTreeClassifier(max_depth=1)`` (a stump).
    n_estimators : int, default=50
        Most rounds of boosting (fewer when a classifier fits the data perfectly).
    learning_rate : float, default=1.0
        Multiplies each classifier's vote.
    random_state : int, RandomState or None
        Seeds the ``random_state`` of each base classifier.

    Attributes
    ----------
    estimator_ : the unfitted base classifier
    estimators_ : list of fitted classifiers
    estimator_weights_ : ndarray of shape (n_estimators,), each classifier's vote
    estimator_errors_ : ndarray of shape (n_estimators,), each classifier's weighted error
    classes_, n_classes_, feature_importances_, n_features_in_
    """

    _homeml_constraints = {
        "estimator": [HasMethods(["fit", "predict"]), None],
        "n_estimators": [Interval(Integral, 1, None, closed="left")],
        "learning_rate": [Interval(Real, 0, None, closed="neither")],
        "random_state": ["random_state"],
    }

    def __init__(self, estimator=None, *, n_estimators=50, learning_rate=1.0, random_state=None):
        self.estimator = estimator
        self.n_estimators = n_estimators
        self.learning_rate = learning_rate
        self.random_state = random_state

    def _homeml_tags(self):
        inner = self.estimator._homeml_tags() if hasattr(self.estimator, "_homeml_tags") else {}
        return {**super()._homeml_tags(), "allow_nan": inner.get("allow_nan", False)}

    def fit(self, X, y, sample_weight=None):
        """Boost the base classifier on ``X`` and class labels ``y``; returns self."""
        self._validate_params()
        X, y = self._validate_data(X, y)
        self.classes_, codes = encode_classes(y, self)
        require_two_classes(self.classes_, self)
        self.n_classes_ = n_classes = len(self.classes_)
        weights = check_sample_weight(sample_weight, X)
        if not weights.sum() > 0:
            raise ValueError("Sample weights must contain at least one non-zero number.")
        weights = weights / weights.sum()
        if self.estimator is None:
            from homeml.learn.tree import DecisionTreeClassifier

            self.estimator_ = DecisionTreeClassifier(max_depth=1)
        else:
            self.estimator_ = self.estimator
        rng = check_random_state(self.random_state)
        self.estimators_ = []
        self.estimator_weights_ = np.zeros(self.n_estimators)
        self.estimator_errors_ = np.ones(self.n_estimators)
        for i in range(self.n_estimators):
            est = clone(self.estimator_)
            if "random_state" in est.get_params(deep=False):
                est.set_params(random_state=rng.randint(_MAX_SEED))
            est.fit(X, codes, sample_weight=weights)
            wrong = est.predict(X) != codes
            error = np.average(wrong, weights=weights)
            if error <= 0:  # a perfect classifier: it alone decides
                self.estimators_.append(est)
                self.estimator_weights_[i], self.estimator_errors_[i] = 1.0, 0.0
                break
            if error >= 1.0 - 1.0 / n_classes:  # no better than chance: stop without it
                if not self.estimators_:
                    raise ValueError(
                        "BaseClassifier in AdaBoostClassifier ensemble is worse "
                        "than random, ensemble can not be fit."
                    )
                break
            vote = self.learning_rate * (np.log((1 - error) / error) + np.log(n_classes - 1))
            self.estimators_.append(est)
            self.estimator_weights_[i], self.estimator_errors_[i] = vote, error
            if i == self.n_estimators - 1:
                break
            weights = weights * np.exp(vote * wrong * (weights > 0))
            total = weights.sum()
            if not np.isfinite(total) or total <= 0:
                break
            weights /= total
        return self

    def __sklearn_is_fitted__(self):
        return hasattr(self, "estimators_")

    # -- votes -----------------------------------------------------------------------------------

    def _staged_votes(self, X):
        """Weighted votes per class (n_samples, n_classes) after each classifier, unnormalised."""
        check_is_fitted(self)
        X = self._validate_data(X, reset=False)
        votes = np.zeros((X.shape[0], self.n_classes_))
        for est, w in zip(self.estimators_, self.estimator_weights_):
            votes[np.arange(X.shape[0]), est.predict(X).astype(np.intp)] += w
            yield votes

    def _decision(self, votes, total):
        # symmetric coding: a vote is +w for the predicted class, -w / (K - 1) for the others
        k = self.n_classes_
        decision = (votes - (total - votes) / (k - 1)) / total
        if k == 2:
            return decision[:, 1] - decision[:, 0]
        return decision

    def staged_decision_function(self, X):
        """Yield ``decision_function`` after each boosting round."""
        total = 0.0
        for votes, w in zip(self._staged_votes(X), self.estimator_weights_):
            total += w
            yield self._decision(votes, total)

    def decision_function(self, X):
        """Weighted vote per class (+w for the predicted class, -w / (n_classes - 1) for the
        others), divided by the total vote weight.

        Shape (n_samples,) for two classes (positive favours ``classes_[1]``), else
        (n_samples, n_classes).
        """
        votes = deque(self._staged_votes(X), maxlen=1)[0]  # the votes of all classifiers
        return self._decision(votes, self.estimator_weights_[: len(self.estimators_)].sum())

    def _proba(self, decision):
        if self.n_classes_ == 2:
            decision = np.column_stack([-decision, decision]) / 2
        else:
            decision = decision / (self.n_classes_ - 1)
        return softmax(decision, axis=1)

    def predict_proba(self, X):
        """Softmax of the decision function (scaled by 1 / (n_classes - 1)); rows sum to 1."""
        return self._proba(self.decision_function(X))

    def staged_predict_proba(self, X):
        """Yield ``predict_proba`` after each boosting round."""
        for decision in self.staged_decision_function(X):
            yield self._proba(decision)

    def predict_log_proba(self, X):
        """Logarithm of ``predict_proba``."""
        return np.log(self.predict_proba(X))

    def _classes_of(self, decision):
        if self.n_classes_ == 2:
            return self.classes_[(decision > 0).astype(np.intp)]
        return self.classes_[np.argmax(decision, axis=1)]

    def predict(self, X):
        """Class with the largest weighted vote."""
        return self._classes_of(self.decision_function(X))

    def staged_predict(self, X):
        """Yield ``predict`` after each boosting round."""
        for decision in self.staged_decision_function(X):
            yield self._classes_of(decision)

    def staged_score(self, X, y, sample_weight=None):
        """Yield the accuracy on ``(X, y)`` after each boosting round."""
        from homeml.learn.metrics import accuracy_score

        for prediction in self.staged_predict(X):
            yield accuracy_score(y, prediction, sample_weight=sample_weight)

    @property
    def feature_importances_(self):
        """Base classifiers' ``feature_importances_`` averaged with their vote weights."""
        check_is_fitted(self)
        weights = self.estimator_weights_[: len(self.estimators_)]
        try:
            stacked = np.array([est.feature_importances_ for est in self.estimators_])
        except AttributeError:
            raise AttributeError(
                "Unable to compute feature importances since the base "
                "estimator has no feature_importances_ attribute"
            ) from None
        return weights @ stacked / weights.sum()
