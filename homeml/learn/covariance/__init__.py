"""Covariance estimation: maximum likelihood, robust (MCD) and the elliptic outlier detector.

- ``_empirical.py``: :class:`EmpiricalCovariance` and the shared precision / Mahalanobis /
  log-likelihood helpers
- ``_robust.py``: :class:`MinCovDet` and the FastMCD search
- ``_elliptic.py``: :class:`EllipticEnvelope`
- ``_chi2.py``: chi-squared quantiles for MCD's consistency correction and reweighting
"""

from homeml.learn.covariance._elliptic import EllipticEnvelope
from homeml.learn.covariance._empirical import EmpiricalCovariance, empirical_covariance
from homeml.learn.covariance._robust import MinCovDet, fast_mcd

__all__ = [
    "EllipticEnvelope",
    "EmpiricalCovariance",
    "MinCovDet",
    "empirical_covariance",
    "fast_mcd",
]
