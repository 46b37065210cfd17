"""SelectFromModel: keep the features whose importance in a fitted model reaches a threshold."""

from __future__ import annotations

import copy
from collections.abc import Callable
from numbers import Integral
from typing import Any

import numpy as np

from homeml.learn.base import (
    BaseEstimator,
    MetaEstimatorMixin,
    NotFittedError,
    available_if,
    check_is_fitted,
    clone,
)
from homeml.learn.feature_selection._base import SelectorMixin, feature_importances


def _threshold_value(estimator, importances, threshold) -> float:
    if threshold is None:
        name = type(estimator).__name__
        l1 = (
            getattr(estimator, "penalty", None) == "l1"
            or "Lasso" in name
            or (name == "ElasticNet" and np.isclose(getattr(estimator, "l1_ratio", 0.0), 1.0))
            or (
                name == "LogisticRegression"
                and np.isclose(getattr(estimator, "l1_ratio", 0.0) or 0.0, 1.0)
            )
        )
        threshold = 1e-5 if l1 else "mean"
    if isinstance(threshold, str):
        references: dict[str, Callable[..., Any]] = {"median": np.median, "mean": np.mean}
        if "*" in threshold:
            scale, reference = (part.strip() for part in threshold.split("*"))
            if reference not in references:
                raise ValueError("Unknown reference: " + reference)
            return float(scale) * references[reference](importances)
        if threshold not in references:
            raise ValueError(f"Expected threshold='mean' or threshold='median' got {threshold}")
        return references[threshold](importances)
    return float(threshold)


def _check_prefit(estimator):
    try:
        check_is_fitted(estimator)
    except NotFittedError as error:
        raise NotFittedError(
            "When `prefit=True`, `estimator` is expected to be a fitted estimator."
        ) from error


class SelectFromModel(MetaEstimatorMixin, SelectorMixin, BaseEstimator):
    """Keep the features whose importance (``coef_`` norm or ``feature_importances_``) is at
    least ``threshold``, at most ``max_features`` of them.

    Parameters
    ----------
    estimator : estimator
        Fitted here (cloned) unless ``prefit``.
    threshold : float, str or None
        A number, "mean", "median" or "1.5*mean"-style; None: 1e-5 for L1-penalised models,
        else "mean".
    prefit : bool
        ``estimator`` is already fitted (it is copied, not refitted).
    norm_order : int or float
        The norm over outputs of a 2-D ``coef_``.
    max_features : int, callable or None
        Keep at most this many (a callable of ``X``).
    importance_getter : "auto", str or callable
        Where the importances are read.

    Attributes
    ----------
    estimator_ : estimator
        The fitted estimator.
    threshold_ : float
        The threshold used.
    max_features_ : int
        The resolved ``max_features``.
    """

    def __init__(
        self,
        estimator,
        *,
        threshold=None,
        prefit=False,
        norm_order=1,
        max_features=None,
        importance_getter="auto",
    ):
        self.estimator = estimator
        self.threshold = threshold
        self.prefit = prefit
        self.norm_order = norm_order
        self.max_features = max_features
        self.importance_getter = importance_getter

    def _homeml_tags(self) -> dict:
        inner = self.estimator._homeml_tags() if hasattr(self.estimator, "_homeml_tags") else {}
        return {
            **super()._homeml_tags(),
            "sparse": inner.get("sparse", False),
            "allow_nan": inner.get("allow_nan", False),
        }

    def _importances(self, estimator):
        return feature_importances(estimator, self.importance_getter, "norm", self.norm_order)

    def _get_support_mask(self) -> np.ndarray:
        estimator = getattr(self, "estimator_", self.estimator)
        max_features = getattr(self, "max_features_", self.max_features)
        if self.prefit:
            _check_prefit(self.estimator)
        if callable(max_features):
            raise NotFittedError(
                "When `prefit=True` and `max_features` is a callable, call `fit` before calling "
                "`transform`."
            )
        if max_features is not None and not isinstance(max_features, Integral):
            raise ValueError(
                f"`max_features` must be an integer. Got `max_features={max_features}` instead."
            )
        scores = self._importances(estimator)
        threshold = _threshold_value(estimator, scores, self.threshold)
        if self.max_features is not None:
            mask = np.zeros_like(scores, dtype=bool)
            mask[np.argsort(-scores, kind="mergesort")[:max_features]] = True
        else:
            mask = np.ones_like(scores, dtype=bool)
        mask[scores < threshold] = False
        return mask

    def _check_max_features(self, X):
        if self.max_features is None:
            return
        value = self.max_features(X) if callable(self.max_features) else self.max_features
        if isinstance(value, bool) or not isinstance(value, Integral):
            raise TypeError(f"max_features must be an instance of int, not {type(value).__name__}.")
        if value < 0:
            raise ValueError(f"max_features == {value}, must be >= 0.")
        self.max_features_ = value

    def fit(self, X, y=None, **fit_params):
        """Fit the estimator (or copy the prefitted one)."""
        self._check_max_features(X)
        if self.prefit:
            _check_prefit(self.estimator)
            self.estimator_ = copy.deepcopy(self.estimator)
        else:
            self.estimator_ = clone(self.estimator)
            self.estimator_.fit(X, y, **fit_params)
        self._record_names(X, reset=True)
        return self

    def _record_names(self, X, reset: bool):
        if hasattr(self.estimator_, "feature_names_in_"):
            self.feature_names_in_ = self.estimator_.feature_names_in_
        else:
            self._check_feature_names(X, reset=reset)

    @property
    def threshold_(self) -> float:
        """The threshold the importances are compared with."""
        return _threshold_value(self.estimator, self._importances(self.estimator_), self.threshold)

    @available_if(lambda self: hasattr(self.estimator, "partial_fit"))
    def partial_fit(self, X, y=None, **partial_fit_params):
        """Update the estimator with one more batch."""
        first = not hasattr(self, "estimator_")
        if first:
            self._check_max_features(X)
        if self.prefit:
            if first:
                _check_prefit(self.estimator)
                self.estimator_ = copy.deepcopy(self.estimator)
            return self
        if first:
            self.estimator_ = clone(self.estimator)
        self.estimator_.partial_fit(X, y, **partial_fit_params)
        self._record_names(X, reset=first)
        return self

    @property
    def n_features_in_(self) -> int:  # type: ignore[override]
        """The number of features the estimator saw."""
        try:
            check_is_fitted(self)
        except NotFittedError as error:
            raise AttributeError(
                f"{type(self).__name__} object has no n_features_in_ attribute."
            ) from error
        return self.estimator_.n_features_in_

    def __sklearn_is_fitted__(self) -> bool:
        return hasattr(self, "estimator_")
