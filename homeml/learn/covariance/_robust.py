"""MinCovDet: the Minimum Covariance Determinant estimator, found with FastMCD.

MCD looks for the ``h`` samples (about half) whose covariance has the smallest determinant; their
mean and covariance ignore up to ``n - h`` outliers, however far away those are. FastMCD
(Rousseeuw and Van Driessen, 1999) finds a good such subset:

1. start from random (d+1)-point subsets, each grown to ``h`` points by Mahalanobis distance;
2. improve each with "C-steps": refit the mean and covariance on the ``h`` samples closest to the
   current fit. A C-step never increases the determinant, so a few of them sort good starts from
   bad ones, and iterating them converges;
3. with many samples, do 1-2 on a few disjoint subsets of ~300 samples, then on their union,
   and only the best candidates on the full data.

The raw distances are then scaled to be consistent for Gaussian data (``consistency_factor``) and
the estimate is reweighted: the final one is the mean and covariance of the samples within the
97.5% chi2(d) quantile, scaled by the same kind of factor.
"""

from __future__ import annotations

import numbers
import warnings

import numpy as np

from homeml.learn.base import check_random_state
from homeml.learn.covariance._chi2 import chi2_cdf, chi2_quantile
from homeml.learn.covariance._empirical import (
    EmpiricalCovariance,
    empirical_covariance,
    pseudo_inverse_symmetric,
)

__all__ = ["MinCovDet", "fast_mcd"]

_N_STARTS = 30  # random starts (per subset, with many samples)
_N_BEST = 10  # candidates kept between stages
_SUBSET_SIZE = 300
_MAX_SUBSETS = 5


def _fit_on(X, index):
    """Mean, covariance and log-determinant of the rows ``index`` of ``X``."""
    rows = X[index]
    location = rows.mean(axis=0)
    covariance = empirical_covariance(rows - location, assume_centered=True)
    sign, log_det = np.linalg.slogdet(covariance)
    return location, covariance, (log_det if sign > 0 else -np.inf)


def _squared_distances(X, location, covariance):
    centred = X - location
    return np.einsum("ij,ij->i", centred @ pseudo_inverse_symmetric(covariance), centred)


def _closest(X, location, covariance, h):
    """Indices of the ``h`` samples nearest to the fit, in Mahalanobis distance."""
    dist = _squared_distances(X, location, covariance)
    return np.sort(np.argpartition(dist, h - 1)[:h])


def _c_steps(X, h, location, covariance, max_steps):
    """Concentration steps from a fit; returns (log_det, location, covariance, support index).

    Stops when the determinant stops decreasing, or at an exact fit (a singular covariance:
    ``h`` samples on a hyperplane, the smallest possible determinant)."""
    index = _closest(X, location, covariance, h)
    location, covariance, log_det = _fit_on(X, index)
    for _ in range(max_steps):
        if log_det == -np.inf:
            break
        new_index = _closest(X, location, covariance, h)
        if np.array_equal(new_index, index):
            break
        new_location, new_covariance, new_log_det = _fit_on(X, new_index)
        if new_log_det > log_det:  # only rounding can do this: keep the better fit
            break
        index, location, covariance, log_det = new_index, new_location, new_covariance, new_log_det
    return log_det, location, covariance, index


def _random_start(X, h, rng):
    """A fit from a random (d+1)-subset, enlarged with random samples until non-singular."""
    n, d = X.shape
    order = rng.permutation(n)
    size = min(d + 1, n)
    location, covariance, log_det = _fit_on(X, order[:size])
    while log_det == -np.inf and size < h:
        size += 1
        location, covariance, log_det = _fit_on(X, order[:size])
    return location, covariance


def consistency_factor(d, alpha):
    """Factor that makes the covariance of the ``alpha`` share of Gaussian samples nearest the
    centre unbiased: ``alpha / P(chi2(d + 2) <= q)``, ``q`` the ``alpha`` quantile of chi2(d)
    (Croux and Haesbroeck, 1999)."""
    if alpha >= 1.0:
        return 1.0
    return alpha / chi2_cdf(chi2_quantile(alpha, d), d + 2)


def _best(candidates, k):
    return sorted(candidates, key=lambda c: c[0])[:k]


def _univariate_mcd(x, h):
    """Exact MCD in one dimension: the window of ``h`` consecutive sorted values with the
    smallest variance (running sums give every window's variance at once)."""
    order = np.argsort(x)
    values = x[order] - np.median(x)  # centred against cancellation in the running sums
    s1 = np.concatenate([[0.0], np.cumsum(values)])
    s2 = np.concatenate([[0.0], np.cumsum(values**2)])
    window_sum, window_sq = s1[h:] - s1[:-h], s2[h:] - s2[:-h]
    variances = window_sq / h - (window_sum / h) ** 2
    start = int(np.argmin(variances))
    return np.sort(order[start : start + h])


def fast_mcd(X, support_fraction=None, random_state=None):
    """Raw MCD estimate of ``X`` (n, d).

    Returns
    -------
    location : ndarray of shape (d,)
    covariance : ndarray of shape (d, d)
    support : bool ndarray of shape (n,)
        The ``h`` samples the estimate is computed from.
    dist : ndarray of shape (n,)
        Squared Mahalanobis distances of all samples under the raw estimate.
    """
    rng = check_random_state(random_state)
    X = np.asarray(X, dtype=np.float64)
    n, d = X.shape
    if support_fraction is None:
        h = int(np.ceil(0.5 * (n + d + 1)))
    else:
        h = int(support_fraction * n)
    h = min(max(h, 1), n)

    if d == 1:
        index = _univariate_mcd(X[:, 0], h)
        location, covariance, _ = _fit_on(X, index)
    elif h == n:
        index = np.arange(n)
        location, covariance, _ = _fit_on(X, index)
    else:
        pool = np.arange(n)
        if n > 2 * _SUBSET_SIZE:
            # stage 1: starts on disjoint subsets; stage 2: the survivors on their union
            n_subsets = min(n // _SUBSET_SIZE, _MAX_SUBSETS)
            pool = rng.permutation(n)[: n_subsets * _SUBSET_SIZE]
            candidates = []
            for subset in pool.reshape(n_subsets, _SUBSET_SIZE):
                Xs = X[subset]
                hs = int(np.ceil(len(subset) * h / n))
                starts = [
                    _c_steps(Xs, hs, *_random_start(Xs, hs, rng), 2) for _ in range(_N_STARTS)
                ]
                candidates += _best(starts, _N_BEST)
            Xp, hp = X[pool], int(np.ceil(len(pool) * h / n))
            candidates = [_c_steps(Xp, hp, c[1], c[2], 2) for c in candidates]
        else:
            candidates = [_c_steps(X, h, *_random_start(X, h, rng), 2) for _ in range(_N_STARTS)]
        # final stage: the best candidates iterated to convergence on all samples
        final = [_c_steps(X, h, c[1], c[2], 100) for c in _best(candidates, _N_BEST)]
        log_det, location, covariance, index = _best(final, 1)[0]
        if log_det == -np.inf:
            warnings.warn(
                "The covariance matrix of the support data is singular: at least h samples lie "
                "on a hyperplane (an exact fit). Distances to it are computed with a "
                "pseudo-inverse.",
                RuntimeWarning,
                stacklevel=2,
            )
    support = np.zeros(n, dtype=bool)
    support[index] = True
    return location, covariance, support, _squared_distances(X, location, covariance)


class MinCovDet(EmpiricalCovariance):
    """Robust location and covariance: Minimum Covariance Determinant (FastMCD), consistency
    corrected and reweighted.

    Parameters
    ----------
    store_precision : bool, default=True
        Store the precision matrix in ``precision_``.
    assume_centered : bool, default=False
        Treat the data as centred: the robust location is 0.
    support_fraction : float in (0, 1], default=None
        Share of samples in the raw MCD support; None means ``(n + d + 1) / 2`` samples.
    random_state : int, RandomState instance or None, default=None
        Seeds FastMCD's random starts.

    Attributes
    ----------
    raw_location_, raw_covariance_ : ndarray
        The MCD estimate before consistency correction and reweighting.
    raw_support_ : bool ndarray of shape (n_samples,)
        The samples the raw estimate is computed from.
    location_, covariance_, precision_ : ndarray
        The reweighted estimate.
    support_ : bool ndarray of shape (n_samples,)
        The samples the reweighted estimate is computed from.
    dist_ : ndarray of shape (n_samples,)
        Squared Mahalanobis distances of the training samples under the final estimate.
    n_features_in_ : int
    """

    def __init__(
        self,
        *,
        store_precision=True,
        assume_centered=False,
        support_fraction=None,
        random_state=None,
    ):
        self.store_precision = store_precision
        self.assume_centered = assume_centered
        self.support_fraction = support_fraction
        self.random_state = random_state

    def fit(self, X, y=None):
        """Fit the robust location and covariance of ``X``."""
        X = self._validate_data(X, ensure_min_samples=2).astype(np.float64, copy=False)
        fraction = self.support_fraction
        if fraction is not None and (
            not isinstance(fraction, numbers.Real)
            or isinstance(fraction, bool)
            or not 0 < fraction <= 1
        ):
            raise ValueError(
                f"support_fraction must be None or a float in (0, 1]; got {fraction!r}."
            )
        n, d = X.shape
        if np.linalg.matrix_rank(X.T @ X) < d:
            warnings.warn(
                "The covariance matrix associated to your dataset is not full rank", stacklevel=2
            )
        location, covariance, support, dist = fast_mcd(X, fraction, self.random_state)
        if self.assume_centered:  # the support stays; the location is forced to 0
            location = np.zeros(d)
            covariance = empirical_covariance(X[support], assume_centered=True)
            dist = _squared_distances(X, location, covariance)
        if support.sum() < n and np.allclose(covariance, 0):
            raise ValueError(
                "The covariance matrix of the support data is equal to 0, try to increase "
                "support_fraction"
            )
        # consistency: scale so that the covariance is unbiased for Gaussian data
        self.raw_location_, self.raw_covariance_, self.raw_support_ = location, covariance, support
        dist = dist / consistency_factor(d, support.sum() / n)
        # reweighting: the plain estimate over the samples inside the 97.5% quantile, corrected
        inside = dist < chi2_quantile(0.975, d)
        self.location_ = np.zeros(d) if self.assume_centered else X[inside].mean(axis=0)
        reweighted = empirical_covariance(X[inside] - self.location_, assume_centered=True)
        self._set_covariance(reweighted * consistency_factor(d, 0.975))
        self.support_ = inside
        centred = X - self.location_
        self.dist_ = np.einsum("ij,ij->i", centred @ self.get_precision(), centred)
        return self
