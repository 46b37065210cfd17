"""SelectorMixin: transform, inverse_transform and feature names of a feature mask."""

from __future__ import annotations

import warnings
from operator import attrgetter
from typing import Any

import numpy as np
import scipy.sparse as sp

from homeml.learn.base import TransformerMixin, check_is_fitted
from homeml.learn.preprocessing._common import input_feature_names
from homeml.learn.validation import check_array


class SelectorMixin(TransformerMixin):
    """A transformer that keeps a subset of the columns (``_get_support_mask``)."""

    def _get_support_mask(self) -> np.ndarray:  # pragma: no cover - every selector defines it
        raise NotImplementedError

    def get_support(self, indices: bool = False) -> np.ndarray:
        """The mask of the kept features (``indices=True``: their positions)."""
        mask = self._get_support_mask()
        return np.flatnonzero(mask) if indices else mask

    def transform(self, X):
        """The kept columns of ``X``."""
        estimator: Any = self  # (a BaseEstimator: the mixin comes before it)
        X = estimator._validate_data(
            X, reset=False, dtype=None, accept_sparse="csr",
            allow_nan=estimator._homeml_tags()["allow_nan"],
        )  # fmt: skip
        return self._transform(X)

    def _transform(self, X):
        mask = self.get_support()
        if not mask.any():
            warnings.warn(
                "No features were selected: either the data is too noisy or the selection test "
                "too strict.",
                UserWarning,
                stacklevel=3,
            )
            return np.empty(0, dtype=X.dtype).reshape((X.shape[0], 0))
        return X[:, np.flatnonzero(mask)] if sp.issparse(X) else X[:, mask]

    def inverse_transform(self, X):
        """Put the kept columns back in place, with zeros in the removed ones."""
        support = self.get_support()
        if sp.issparse(X):
            X = X.tocsc()
            counts = self.inverse_transform(np.diff(X.indptr).reshape(1, -1)).ravel()
            indptr = np.concatenate([[0], np.cumsum(counts)])
            return sp.csc_matrix(
                (X.data, X.indices, indptr), shape=(X.shape[0], len(indptr) - 1), dtype=X.dtype
            )
        X = check_array(X, dtype=None)
        if support.sum() != X.shape[1]:
            raise ValueError("X has a different shape than during fitting.")
        if X.ndim == 1:
            X = X[None, :]
        Xt = np.zeros((X.shape[0], support.size), dtype=X.dtype)
        Xt[:, support] = X
        return Xt

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        """The names of the kept features."""
        check_is_fitted(self)
        return input_feature_names(self, input_features)[self.get_support()]


def feature_importances(estimator, getter, transform_func=None, norm_order=1) -> np.ndarray:
    """``coef_`` or ``feature_importances_`` (or ``getter``), reduced to one value per feature:
    ``"norm"`` (the ``norm_order`` norm over outputs) or ``"square"`` (summed squares)."""
    if isinstance(getter, str):
        if getter == "auto":
            if hasattr(estimator, "coef_"):
                getter = attrgetter("coef_")
            elif hasattr(estimator, "feature_importances_"):
                getter = attrgetter("feature_importances_")
            else:
                raise ValueError(
                    "when `importance_getter=='auto'`, the underlying estimator "
                    f"{type(estimator).__name__} should have `coef_` or `feature_importances_` "
                    "attribute. Either pass a fitted estimator to feature selector or call fit "
                    "before calling transform."
                )
        else:
            getter = attrgetter(getter)
    elif not callable(getter):
        raise ValueError("`importance_getter` has to be a string or `callable`")
    importances = getter(estimator)
    if sp.issparse(importances):
        importances = importances.toarray()
    importances = np.asarray(importances)
    if transform_func is None:
        return importances
    if transform_func == "norm":
        if importances.ndim == 1:
            return np.abs(importances)
        return np.linalg.norm(importances, axis=0, ord=norm_order)
    if importances.ndim == 1:
        return importances**2
    return (importances**2).sum(axis=0)
