"""``SelfTrainingClassifier``: a supervised classifier that labels its own unlabelled data.

Each round fits the inner classifier on the samples labelled so far, predicts the unlabelled
ones, and adopts the predictions it is most sure of (probability above ``threshold``, or the
``k_best`` most confident) as new labels, until nothing is left, nothing new is sure enough, or
``max_iter`` rounds have run. The final model is the inner classifier fitted on every sample
labelled by then.
"""

from __future__ import annotations

import warnings

import numpy as np

from homeml.learn._param_validation import HasMethods, Integral, Interval, Real, StrOptions
from homeml.learn.base import (
    BaseEstimator,
    ClassifierMixin,
    MetaEstimatorMixin,
    available_if,
    check_is_fitted,
    clone,
)


def _estimator_has(method: str):
    """The method exists when the fitted inner estimator (or, before fit, the given one) has it."""

    def check(self):
        inner = self.estimator_ if hasattr(self, "estimator_") else self.estimator
        if not hasattr(inner, method):
            raise AttributeError(
                f"This {type(self).__name__} has no attribute {method!r}: its estimator "
                f"{type(inner).__name__} does not have it."
            )
        return True

    return check


class SelfTrainingClassifier(ClassifierMixin, MetaEstimatorMixin, BaseEstimator):
    """Self-training: let a probabilistic classifier pseudo-label the unlabelled samples (-1).

    Parameters
    ----------
    estimator : classifier with ``fit`` and ``predict_proba``
        Cloned into ``estimator_`` at fit time.
    threshold : float in [0, 1), default=0.75
        With ``criterion="threshold"``, a prediction whose probability exceeds it becomes a label.
    criterion : {"threshold", "k_best"}, default="threshold"
        Adopt every prediction above ``threshold``, or the ``k_best`` most confident ones.
    k_best : int, default=10
        Labels adopted per round with ``criterion="k_best"``.
    max_iter : int >= 0 or None, default=10
        Most rounds; None: until every sample is labelled or no prediction qualifies.
    verbose : bool, default=False
        Print how many labels each round added.

    Attributes
    ----------
    estimator_ : classifier
        The inner classifier fitted on all labelled and pseudo-labelled samples.
    classes_ : ndarray of shape (n_classes,)
    transduction_ : ndarray of shape (n_samples,)
        The labels the final fit used; -1 for samples never labelled.
    labeled_iter_ : ndarray of shape (n_samples,)
        The round in which each sample got its label: 0 for the given labels, -1 for never.
    n_iter_ : int
        Rounds of self-training run (the final fit is not counted).
    termination_condition_ : {"max_iter", "no_change", "all_labeled"}
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        Only when fitted on a DataFrame with string column names.
    """

    _homeml_constraints = {
        "estimator": [HasMethods(["fit"])],
        "threshold": [Interval(Real, 0.0, 1.0, closed="left")],
        "criterion": [StrOptions({"threshold", "k_best"})],
        "k_best": [Interval(Integral, 1, None, closed="left")],
        "max_iter": [Interval(Integral, 0, None, closed="left"), None],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        estimator=None,
        threshold=0.75,
        criterion="threshold",
        k_best=10,
        max_iter=10,
        verbose=False,
    ):
        self.estimator = estimator
        self.threshold = threshold
        self.criterion = criterion
        self.k_best = k_best
        self.max_iter = max_iter
        self.verbose = verbose

    def _homeml_tags(self) -> dict:
        inner = self.estimator._homeml_tags() if hasattr(self.estimator, "_homeml_tags") else {}
        return {**super()._homeml_tags(), "allow_nan": inner.get("allow_nan", False)}

    def fit(self, X, y):
        """Self-train on ``X`` and ``y`` (-1 marks an unlabelled sample).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
            Labels, -1 where unknown. String labels need an object array (so that it can hold
            -1 as well).

        Returns
        -------
        self
        """
        self._validate_params()
        self.estimator_ = clone(self.estimator)
        X, y = self._validate_data(X, y, allow_nan=self._homeml_tags()["allow_nan"])
        if y.dtype.kind in "US":
            raise ValueError(
                "y has dtype string. If you wish to predict on string targets, use dtype "
                "object, and use -1 as the label for unlabeled samples."
            )
        has_label = y != -1
        if has_label.all():
            warnings.warn("y contains no unlabeled samples", UserWarning, stacklevel=2)
        n_unlabeled = int(np.sum(~has_label))
        if self.criterion == "k_best" and self.k_best > n_unlabeled:
            warnings.warn(
                "k_best is larger than the amount of unlabeled samples. All unlabeled samples "
                "will be labeled in the first iteration",
                UserWarning,
                stacklevel=2,
            )
        self.transduction_ = np.copy(y)
        self.labeled_iter_ = np.where(has_label, 0, -1)
        self.n_iter_ = 0
        while not has_label.all() and (self.max_iter is None or self.n_iter_ < self.max_iter):
            self.n_iter_ += 1
            self.estimator_.fit(X[has_label], self.transduction_[has_label])
            if not hasattr(self.estimator_, "predict_proba"):
                raise ValueError(
                    f"{type(self).__name__} needs an estimator with predict_proba; "
                    f"{type(self.estimator_).__name__} has none."
                )
            proba = self.estimator_.predict_proba(X[~has_label])
            predicted = self.estimator_.classes_[np.argmax(proba, axis=1)]
            confidence = proba.max(axis=1)
            selected = self._select(confidence)
            newly_labeled = np.flatnonzero(~has_label)[selected]
            self.transduction_[newly_labeled] = predicted[selected]
            has_label[newly_labeled] = True
            self.labeled_iter_[newly_labeled] = self.n_iter_
            if len(newly_labeled) == 0:
                self.termination_condition_ = "no_change"
                break
            if self.verbose:
                print(f"End of iteration {self.n_iter_}, added {len(newly_labeled)} new labels.")
        if self.n_iter_ == self.max_iter:
            self.termination_condition_ = "max_iter"
        if has_label.all():
            self.termination_condition_ = "all_labeled"
        self.estimator_.fit(X[has_label], self.transduction_[has_label])
        self.classes_ = self.estimator_.classes_
        return self

    def _select(self, confidence):
        """Positions (among the unlabelled samples) of the predictions to adopt this round."""
        if self.criterion == "threshold":
            return np.flatnonzero(confidence > self.threshold)
        n_select = min(self.k_best, confidence.shape[0])
        if n_select == confidence.shape[0]:
            return np.arange(n_select)
        return np.argpartition(-confidence, n_select)[:n_select]

    def _checked_X(self, X):
        check_is_fitted(self)
        return self._validate_data(X, reset=False, allow_nan=self._homeml_tags()["allow_nan"])

    @available_if(_estimator_has("predict"))
    def predict(self, X):
        """Classes predicted by the fitted inner estimator."""
        X = self._checked_X(X)  # checks first that the model is fitted
        return self.estimator_.predict(X)

    @available_if(_estimator_has("predict_proba"))
    def predict_proba(self, X):
        """Class probabilities from the fitted inner estimator, shape (n_samples, n_classes)."""
        X = self._checked_X(X)  # checks first that the model is fitted
        return self.estimator_.predict_proba(X)

    @available_if(_estimator_has("predict_log_proba"))
    def predict_log_proba(self, X):
        """Log class probabilities from the fitted inner estimator."""
        X = self._checked_X(X)  # checks first that the model is fitted
        return self.estimator_.predict_log_proba(X)

    @available_if(_estimator_has("decision_function"))
    def decision_function(self, X):
        """Decision values of the fitted inner estimator."""
        X = self._checked_X(X)  # checks first that the model is fitted
        return self.estimator_.decision_function(X)

    @available_if(_estimator_has("score"))
    def score(self, X, y, sample_weight=None):
        """The fitted inner estimator's score on ``X`` and ``y`` (mean accuracy for classifiers).

        ``sample_weight`` is passed on when given.
        """
        X = self._checked_X(X)
        if sample_weight is None:
            return self.estimator_.score(X, y)
        return self.estimator_.score(X, y, sample_weight=sample_weight)
