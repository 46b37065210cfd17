"""EllipticEnvelope: outliers are the samples far from a robust Gaussian fit (MinCovDet)."""

from __future__ import annotations

import numbers

import numpy as np

from homeml.learn.base import OutlierMixin, check_is_fitted
from homeml.learn.covariance._robust import MinCovDet

__all__ = ["EllipticEnvelope"]


class EllipticEnvelope(OutlierMixin, MinCovDet):
    """Outlier detector for Gaussian-shaped data: the score of a sample is minus its squared
    Mahalanobis distance under the robust (MinCovDet) location and covariance.

    Parameters
    ----------
    store_precision, assume_centered, support_fraction, random_state
        As in :class:`MinCovDet`.
    contamination : float in (0, 0.5], default=0.1
        Expected share of outliers in the training data; sets the threshold ``offset_``.

    Attributes
    ----------
    location_, covariance_, precision_, support_, dist_, raw_location_, raw_covariance_,
    raw_support_ : as in :class:`MinCovDet`
    offset_ : float
        ``decision_function = score_samples - offset_``: the ``contamination`` quantile of the
        training scores.
    n_features_in_ : int
    """

    def __init__(
        self,
        *,
        store_precision=True,
        assume_centered=False,
        support_fraction=None,
        contamination=0.1,
        random_state=None,
    ):
        self.store_precision = store_precision
        self.assume_centered = assume_centered
        self.support_fraction = support_fraction
        self.contamination = contamination
        self.random_state = random_state

    def fit(self, X, y=None):
        """Fit the robust Gaussian and the threshold ``offset_``."""
        c = self.contamination
        if not isinstance(c, numbers.Real) or isinstance(c, bool) or not 0 < c <= 0.5:
            raise ValueError(f"contamination must be a float in (0, 0.5]; got {c!r}.")
        super().fit(X)
        self.offset_ = float(np.percentile(-self.dist_, 100.0 * c))
        return self

    def score_samples(self, X):
        """Minus the squared Mahalanobis distance of each sample (higher: more normal)."""
        check_is_fitted(self)
        return -self.mahalanobis(X)

    def decision_function(self, X):
        """``score_samples(X) - offset_``: negative for outliers."""
        return self.score_samples(X) - self.offset_

    def predict(self, X):
        """+1 for inliers, -1 for outliers."""
        return np.where(self.decision_function(X) >= 0, 1, -1)

    def score(self, X, y, sample_weight=None):
        """Mean accuracy of ``predict(X)`` against the +1/-1 labels ``y``."""
        from homeml.learn.metrics import accuracy_score

        return accuracy_score(y, self.predict(X), sample_weight=sample_weight)
