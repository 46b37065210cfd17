"""Predictions from raw scores, shared by both gradient boostings.

A fitted booster keeps one row of raw scores per tree of a stage (one for regression and binary
classification, one per class beyond): ``_raw_predict(X)`` gives the final ones, shape
``(1 or n_classes, n_samples)``, and ``_staged_raw(X)`` yields them after each stage. The mixins
turn them into scikit-learn's outputs; the classifier's also needs ``classes_`` and the fitted
loss ``_loss`` (its ``proba`` maps raw scores to class probabilities).
"""

from __future__ import annotations

import numpy as np


class RawScoreRegressorMixin:
    """``predict`` and ``staged_predict`` of a gradient-boosting regressor."""

    def predict(self, X):
        """Predicted values, shape (n_samples,)."""
        return self._raw_predict(X)[0].copy()

    def staged_predict(self, X):
        """Yield the predictions after each stage."""
        for raw in self._staged_raw(X):
            yield raw[0].copy()


class RawScoreClassifierMixin:
    """Scores, probabilities and classes (final and staged) of a gradient-boosting classifier."""

    def decision_function(self, X):
        """Raw scores: shape (n_samples,) for two classes, (n_samples, n_classes) beyond."""
        return self._scores_of(self._raw_predict(X))

    def staged_decision_function(self, X):
        """Yield the raw scores after each stage."""
        for raw in self._staged_raw(X):
            yield self._scores_of(raw)

    def predict_proba(self, X):
        """Class probabilities, shape (n_samples, n_classes); rows sum to 1."""
        raw = self._raw_predict(X)  # checks first that the model is fitted
        return self._loss.proba(raw)

    def staged_predict_proba(self, X):
        """Yield the class probabilities after each stage."""
        for raw in self._staged_raw(X):
            yield self._loss.proba(raw)

    def predict(self, X):
        """Most probable class of each sample."""
        return self._classes_of(self._raw_predict(X))

    def staged_predict(self, X):
        """Yield the predicted classes after each stage."""
        for raw in self._staged_raw(X):
            yield self._classes_of(raw)

    @staticmethod
    def _scores_of(raw):
        return raw[0].copy() if raw.shape[0] == 1 else raw.T.copy()

    def _classes_of(self, raw):
        # from raw scores, so that predict agrees with the sign of decision_function
        return self.classes_[
            (raw[0] > 0).astype(np.intp) if raw.shape[0] == 1 else np.argmax(raw, axis=0)
        ]
