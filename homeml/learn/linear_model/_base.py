"""What every linear model shares: centring the data, predicting ``X @ coef_ + intercept_``,
turning decision values into classes, and checking hyperparameters."""

from __future__ import annotations

import numpy as np

from homeml.learn.base import check_is_fitted, check_sample_weight


def center_data(X, y, sample_weight, fit_intercept: bool, order="C"):
    """Subtract the (weighted) column means of ``X`` and ``y`` when fitting an intercept.

    Fitting on centred data and recovering ``intercept_ = y_offset - X_offset @ coef`` afterwards
    solves the same problem as appending a column of ones, without penalising the intercept.
    ``order`` ("C" or "F") is the memory layout of the returned ``X``. Returns
    ``(X_centred, y_centred, X_offset, y_offset)``; the offsets are zeros without intercept.
    """
    if not fit_intercept:
        y_offset = np.zeros(y.shape[1:], dtype=X.dtype)
        return np.asarray(X, order=order), y, np.zeros(X.shape[1], dtype=X.dtype), y_offset
    share = sample_weight / sample_weight.sum()
    X_offset, y_offset = share @ X, share @ y  # weighted means, on BLAS
    X_centred = np.empty(X.shape, dtype=X.dtype, order=order)
    np.subtract(X, X_offset, out=X_centred)  # one pass, written in the layout the solver wants
    return X_centred, y - y_offset, X_offset, y_offset


def sample_weights(sample_weight, X) -> np.ndarray:
    """``check_sample_weight`` that also refuses weights that are all zero."""
    weights = check_sample_weight(sample_weight, X)
    if not np.any(weights > 0):
        raise ValueError("Sample weights must contain at least one non-zero number.")
    return weights


def rescale_by_weights(X, y, sample_weight):
    """Multiply rows by ``sqrt(sample_weight)``: weighted least squares becomes ordinary."""
    root = np.sqrt(sample_weight)
    return X * root[:, None], y * (root if y.ndim == 1 else root[:, None])


class LinearPredictorMixin:
    """``decision_function``/``predict`` of models whose output is ``X @ coef_.T + intercept_``."""

    def _decision_function(self, X):
        check_is_fitted(self)
        X = self._validate_data(X, reset=False, accept_sparse="csr")
        scores = X @ self.coef_.T + self.intercept_
        return scores.ravel() if scores.ndim == 2 and scores.shape[1] == 1 else scores


class LinearRegressorMixin(LinearPredictorMixin):
    """``predict`` of a linear regressor."""

    def predict(self, X):
        """Predict targets: ``X @ coef_.T + intercept_``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples,) or (n_samples, n_targets)
        """
        check_is_fitted(self)
        X = self._validate_data(X, reset=False, accept_sparse="csr")
        return X @ self.coef_.T + self.intercept_


class LinearClassifierMixin(LinearPredictorMixin):
    """``decision_function``/``predict`` of a linear classifier with ``classes_``.

    Two classes use one score per sample (positive means ``classes_[1]``); more classes use one
    score per class and predict the largest.
    """

    def decision_function(self, X):
        """Signed distance to the separating hyperplane(s).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples,) for two classes, else (n_samples, n_classes)
        """
        return self._decision_function(X)

    def predict(self, X):
        """Predict the class of each sample (labels from ``classes_``).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples,)
        """
        scores = self._decision_function(X)
        index = (scores > 0).astype(int) if scores.ndim == 1 else scores.argmax(axis=1)
        return self.classes_[index]


def class_weight_per_sample(class_weight, classes, codes, estimator, sample_weight=None):
    """Per-sample weights from ``class_weight`` (None, ``"balanced"`` or a dict label -> weight).

    ``"balanced"`` gives class ``k`` the weight ``total / (n_classes * total_k)``, where the
    totals count samples weighted by ``sample_weight``, as scikit-learn does.
    """
    if class_weight is None:
        return np.ones(len(codes))
    if isinstance(class_weight, str):
        if class_weight != "balanced":
            raise ValueError(
                f"class_weight of {type(estimator).__name__} must be None, 'balanced' or a dict; "
                f"got {class_weight!r}."
            )
        counts = np.bincount(codes, weights=sample_weight, minlength=len(classes))
        per_class = counts.sum() / (len(classes) * np.where(counts > 0, counts, 1.0))
        return per_class[codes]
    if not isinstance(class_weight, dict):
        raise ValueError(
            f"class_weight of {type(estimator).__name__} must be None, 'balanced' or a dict; "
            f"got {type(class_weight).__name__}."
        )
    per_class = np.ones(len(classes))
    for label, weight in class_weight.items():
        matches = np.flatnonzero(classes == label)
        if len(matches) == 0:
            raise ValueError(f"class_weight names the label {label!r}, which is not in {classes}.")
        per_class[matches[0]] = weight
    return per_class[codes]
