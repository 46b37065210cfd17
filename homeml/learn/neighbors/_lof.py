"""LocalOutlierFactor: outliers are samples much less dense than their neighbours.

With ``k_dist(o)`` the distance from ``o`` to its k-th neighbour, the reachability distance of
``p`` from a neighbour ``o`` is ``max(d(p, o), k_dist(o))`` (it smooths distances inside dense
clusters), the local reachability density ``lrd(p)`` is the inverse of the mean reachability
distance of ``p`` from its k neighbours, and the local outlier factor of ``p`` is the mean of
``lrd(o) / lrd(p)`` over its neighbours: about 1 inside a cluster, large for an outlier.
scikit-learn's sign convention is kept: ``negative_outlier_factor_`` is minus that factor.
"""

from __future__ import annotations

import warnings

import numpy as np

from homeml.learn._param_validation import Interval, Real, StrOptions
from homeml.learn.base import OutlierMixin, available_if, check_is_fitted
from homeml.learn.neighbors._base import NeighborsBase

__all__ = ["LocalOutlierFactor"]


def _local_reachability_density(dist, ind, k_distance):
    """``1 / mean(max(d(p, o), k_dist(o)))`` over each row's neighbours ``o``.

    The small constant keeps the density finite when a point has k duplicates (all distances 0).
    """
    reach = np.maximum(dist, k_distance[ind])
    return 1.0 / (np.mean(reach, axis=1) + 1e-10)


def _novelty_only(name):
    def check(self):
        if not self.novelty:
            raise AttributeError(
                f"{name} is not available when novelty=False, use fit_predict if you want to "
                "predict on training data. Use novelty=True if you want to use LOF for novelty "
                "detection and predict on new unseen data."
            )
        return True

    return check


def _outlier_detection_only(self):
    if self.novelty:
        raise AttributeError(
            "fit_predict is not available when novelty=True. Use novelty=False if you want to "
            "predict on the training set."
        )
    return True


class LocalOutlierFactor(OutlierMixin, NeighborsBase):
    """Unsupervised outlier detection by the Local Outlier Factor (Breunig et al., 2000).

    Parameters
    ----------
    n_neighbors : int, default=20
        Neighbours that define each sample's local density (at most ``n_samples - 1`` are used).
    algorithm : {"auto", "brute", "kd_tree", "ball_tree"}, default="auto"
        Neighbour search, as in :class:`NearestNeighbors`.
    leaf_size : int, default=30
    metric : str, default="minkowski"
    p : float, default=2
        Minkowski power.
    metric_params : dict, default=None
    contamination : "auto" or float in (0, 0.5], default="auto"
        Share of outliers expected in the training data: the threshold ``offset_`` is that
        quantile of the training scores; "auto" uses -1.5 (a local outlier factor of 1.5).
    novelty : bool, default=False
        False: outlier detection, ``fit_predict`` labels the training data. True: novelty
        detection, ``predict`` / ``decision_function`` / ``score_samples`` score new data.
    n_jobs : int, default=None
        Accepted for compatibility.

    Attributes
    ----------
    negative_outlier_factor_ : ndarray of shape (n_samples,)
        Minus the local outlier factor of each training sample (lower: more abnormal).
    n_neighbors_ : int
        The number of neighbours actually used.
    offset_ : float
        Threshold: ``decision_function = score_samples - offset_``.
    effective_metric_, effective_metric_params_, n_features_in_, n_samples_fit_
    """

    _homeml_constraints = {
        **NeighborsBase._homeml_constraints,
        "contamination": [StrOptions({"auto"}), Interval(Real, 0, 0.5, closed="right")],
        "novelty": ["boolean"],
    }

    def __init__(
        self,
        n_neighbors=20,
        *,
        algorithm="auto",
        leaf_size=30,
        metric="minkowski",
        p=2,
        metric_params=None,
        contamination="auto",
        novelty=False,
        n_jobs=None,
    ):
        self.n_neighbors = n_neighbors
        self.algorithm = algorithm
        self.leaf_size = leaf_size
        self.metric = metric
        self.p = p
        self.metric_params = metric_params
        self.contamination = contamination
        self.novelty = novelty
        self.n_jobs = n_jobs

    def fit(self, X, y=None):
        """Find each training sample's neighbours and its local outlier factor."""
        self._validate_params()
        c = self.contamination
        X = self._validate_data(X)
        self._fit_index(X)
        n = self.n_samples_fit_
        if self.n_neighbors > n:
            warnings.warn(
                f"n_neighbors ({self.n_neighbors}) is greater than the total number of samples "
                f"({n}). n_neighbors will be set to (n_samples - 1) for estimation.",
                stacklevel=2,
            )
        self.n_neighbors_ = max(1, min(self.n_neighbors, n - 1))
        dist, ind = self.kneighbors(n_neighbors=self.n_neighbors_)
        self._k_distance = dist[:, -1]
        self._lrd = _local_reachability_density(dist, ind, self._k_distance)
        self.negative_outlier_factor_ = -np.mean(self._lrd[ind] / self._lrd[:, None], axis=1)
        if c == "auto":
            self.offset_ = -1.5
        else:
            self.offset_ = float(np.percentile(self.negative_outlier_factor_, 100.0 * c))
        if np.min(self.negative_outlier_factor_) < -1e7 and not self.novelty:
            warnings.warn(
                "Duplicate values are leading to incorrect results. Increase the number of "
                "neighbors for more accurate results.",
                stacklevel=2,
            )
        return self

    @available_if(_outlier_detection_only)
    def fit_predict(self, X, y=None):
        """Fit, then label each training sample +1 (inlier) or -1 (outlier)."""
        self.fit(X)
        return np.where(self.negative_outlier_factor_ < self.offset_, -1, 1)

    @available_if(_novelty_only("score_samples"))
    def score_samples(self, X):
        """Minus the local outlier factor of new samples against the training data (lower:
        more abnormal). Only with ``novelty=True``."""
        check_is_fitted(self)
        dist, ind = self.kneighbors(X, n_neighbors=self.n_neighbors_)
        lrd = _local_reachability_density(dist, ind, self._k_distance)
        return -np.mean(self._lrd[ind] / lrd[:, None], axis=1)

    @available_if(_novelty_only("decision_function"))
    def decision_function(self, X):
        """``score_samples(X) - offset_``: negative for outliers. Only with ``novelty=True``."""
        return self.score_samples(X) - self.offset_

    @available_if(_novelty_only("predict"))
    def predict(self, X):
        """+1 for inliers, -1 for outliers among new samples. Only with ``novelty=True``."""
        return np.where(self.decision_function(X) < 0, -1, 1)
