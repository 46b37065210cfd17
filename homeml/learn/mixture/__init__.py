"""Mixture models: :class:`GaussianMixture`, fitted by expectation-maximisation.

- ``_gaussian_params.py``: M-step statistics, precision Cholesky factors and log-densities for
  the four covariance shapes
- ``_gaussian_mixture.py``: the estimator (initialisation, the EM loop, scoring, sampling)
"""

from homeml.learn.mixture._gaussian_mixture import GaussianMixture

__all__ = ["GaussianMixture"]
