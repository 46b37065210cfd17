"""Univariate scores (chi2, f_classif, f_regression, r_regression) and the filters that keep
the best features by them (SelectKBest, SelectPercentile)."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from numbers import Integral, Real

import numpy as np
import scipy.sparse as sp
from scipy.special import chdtrc, fdtrc

from homeml.learn._param_validation import Interval, StrOptions
from homeml.learn.base import BaseEstimator, check_is_fitted
from homeml.learn.feature_selection._base import SelectorMixin
from homeml.learn.validation import check_array, check_consistent_length, column_or_1d


def _check_X_y(X, y, dtype="numeric"):
    X = check_array(X, accept_sparse=["csr", "csc", "coo"], dtype=dtype)
    y = column_or_1d(y, warn=True)
    check_consistent_length(X, y)
    return X, y


def _column_sums(X, squared=False):
    if sp.issparse(X):
        X = X.multiply(X) if squared else X
        return np.asarray(X.sum(axis=0)).ravel()
    return (X * X if squared else X).sum(axis=0)


def f_oneway(*groups):
    """One-way ANOVA F statistic and p-value of each feature across the sample ``groups``."""
    groups = tuple(g.astype(np.float64) if g.dtype.kind != "f" else g for g in groups)
    n_classes = len(groups)
    counts = np.array([g.shape[0] for g in groups])
    n_samples = counts.sum()
    ss_all = sum(_column_sums(g, squared=True) for g in groups)
    sums = [_column_sums(g) for g in groups]
    square_of_sums_all = sum(sums) ** 2
    sstot = ss_all - square_of_sums_all / float(n_samples)
    ssbn = 0.0
    for k in range(n_classes):
        ssbn += sums[k] ** 2 / counts[k]
    ssbn -= square_of_sums_all / float(n_samples)
    sswn = sstot - ssbn
    dfbn, dfwn = n_classes - 1, n_samples - n_classes
    msb, msw = ssbn / float(dfbn), sswn / float(dfwn)
    constant = np.where(msw == 0.0)[0]
    if np.nonzero(msb)[0].size != msb.size and constant.size:
        warnings.warn(f"Features {constant} are constant.", UserWarning, stacklevel=3)
    with np.errstate(divide="ignore", invalid="ignore"):
        f = np.asarray(msb / msw).ravel()
    return f, fdtrc(dfbn, dfwn, f)


def f_classif(X, y):
    """ANOVA F statistic (and p-value) of each feature against the class labels ``y``."""
    X, y = _check_X_y(X, y)
    if sp.issparse(X):
        X = X.tocsr()
    return f_oneway(*[X[np.flatnonzero(y == k)] for k in np.unique(y)])


def chi2(X, y):
    """Chi-squared statistic (and p-value) of each non-negative feature against the classes."""
    X = check_array(X, accept_sparse="csr", dtype=[np.float64, np.float32])
    if np.any((X.data if sp.issparse(X) else X) < 0):
        raise ValueError("Input X must be non-negative.")
    y = column_or_1d(y, warn=True)
    classes = np.unique(y)
    Y = (y[:, None] == classes[None, :]).astype(np.float64)
    if Y.shape[1] == 1:  # one class: LabelBinarizer's all-negative column and its complement
        Y = np.c_[Y, np.zeros_like(Y)]
    observed = np.asarray(Y.T @ X if not sp.issparse(X) else (X.T @ Y).T, dtype=np.float64)
    feature_count = np.asarray(X.sum(axis=0)).reshape(1, -1)
    class_prob = Y.mean(axis=0).reshape(1, -1)
    expected = class_prob.T @ feature_count
    k = len(observed)
    chisq = (observed - expected) ** 2
    with np.errstate(invalid="ignore", divide="ignore"):
        chisq /= expected
    chisq = chisq.sum(axis=0)
    return chisq, chdtrc(k - 1, chisq)


def r_regression(X, y, *, center=True, force_finite=True):
    """Pearson's correlation of each feature with the target ``y``."""
    X, y = _check_X_y(X, y, dtype=np.float64)
    n_samples = X.shape[0]
    if center:
        y = y - np.mean(y)
        means = np.asarray(X.mean(axis=0)).ravel()
        norms = np.sqrt(_column_sums(X, squared=True) - n_samples * means**2)
    else:
        norms = np.sqrt(_column_sums(X, squared=True))
    corr = np.asarray(X.T @ y).ravel().astype(np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        corr /= norms
        corr /= np.linalg.norm(y)
    if force_finite and not np.isfinite(corr).all():
        corr[np.isnan(corr)] = 0.0
    return corr


def f_regression(X, y, *, center=True, force_finite=True):
    """F statistic (and p-value) of each feature's univariate linear regression on ``y``."""
    corr = r_regression(X, y, center=center, force_finite=force_finite)
    dof = np.asarray(y).size - (2 if center else 1)
    squared = corr**2
    with np.errstate(divide="ignore", invalid="ignore"):
        f = squared / (1 - squared) * dof
        p = fdtrc(1, dof, f)
    if force_finite and not np.isfinite(f).all():
        f[np.isinf(f)] = np.finfo(f.dtype).max
        nan = np.isnan(f)
        f[nan] = 0.0
        p[nan] = 1.0
    return f, p


def _clean_nans(scores):
    scores = np.array(scores, dtype=np.float64, copy=True)
    scores[np.isnan(scores)] = np.finfo(scores.dtype).min
    return scores


class _BaseFilter(SelectorMixin, BaseEstimator):
    """Score every feature with ``score_func(X, y)``; subclasses choose which to keep."""

    score_func: Callable

    def _homeml_tags(self) -> dict:
        return {**super()._homeml_tags(), "sparse": True}

    def fit(self, X, y=None):
        """Score the features."""
        self._validate_params()
        if y is None:
            X = self._validate_data(X, accept_sparse=["csr", "csc"])
        else:
            X, y = self._validate_data(X, y, accept_sparse=["csr", "csc"], multi_output=True)
        self._check_params(X, y)
        scores = self.score_func(X, y)
        if isinstance(scores, (list, tuple)):
            self.scores_, self.pvalues_ = scores
            self.pvalues_ = np.asarray(self.pvalues_)
        else:
            self.scores_, self.pvalues_ = scores, None
        self.scores_ = np.asarray(self.scores_)
        return self

    def _check_params(self, X, y):
        pass


class SelectPercentile(_BaseFilter):
    """Keep the ``percentile`` percent of features with the highest scores.

    Parameters
    ----------
    score_func : callable
        ``(X, y) -> scores`` or ``(scores, pvalues)``.
    percentile : float
        The percentage of features to keep.

    Attributes
    ----------
    scores_, pvalues_ : ndarray of shape (n_features,)
        The scores (and p-values, None if the function gives none).
    """

    _homeml_constraints = {
        "score_func": [callable],
        "percentile": [Interval(Real, 0, 100, closed="both")],
    }

    def __init__(self, score_func=f_classif, *, percentile=10):
        self.score_func = score_func
        self.percentile = percentile

    def _get_support_mask(self) -> np.ndarray:
        check_is_fitted(self)
        if self.percentile == 100:
            return np.ones(len(self.scores_), dtype=bool)
        if self.percentile == 0:
            return np.zeros(len(self.scores_), dtype=bool)
        scores = _clean_nans(self.scores_)
        threshold = np.percentile(scores, 100 - self.percentile)
        mask = scores > threshold
        ties = np.where(scores == threshold)[0]
        if len(ties):
            kept = int(len(scores) * self.percentile / 100)
            mask[ties[: kept - mask.sum()]] = True
        return mask


class SelectKBest(_BaseFilter):
    """Keep the ``k`` features with the highest scores.

    Parameters
    ----------
    score_func : callable
        ``(X, y) -> scores`` or ``(scores, pvalues)``.
    k : int or "all"
        How many features to keep.

    Attributes
    ----------
    scores_, pvalues_ : ndarray of shape (n_features,)
        The scores (and p-values, None if the function gives none).
    """

    _homeml_constraints = {
        "score_func": [callable],
        "k": [StrOptions({"all"}), Interval(Integral, 0, None, closed="left")],
    }

    def __init__(self, score_func=f_classif, *, k=10):
        self.score_func = score_func
        self.k = k

    def _check_params(self, X, y):
        if not isinstance(self.k, str) and self.k > X.shape[1]:
            warnings.warn(
                f"k={self.k} is greater than n_features={X.shape[1]}. All the features will be "
                "returned.",
                stacklevel=3,
            )

    def _get_support_mask(self) -> np.ndarray:
        check_is_fitted(self)
        if self.k == "all":
            return np.ones(self.scores_.shape, dtype=bool)
        if self.k == 0:
            return np.zeros(self.scores_.shape, dtype=bool)
        scores = _clean_nans(self.scores_)
        mask = np.zeros(scores.shape, dtype=bool)
        mask[np.argsort(scores, kind="mergesort")[-self.k :]] = True
        return mask
