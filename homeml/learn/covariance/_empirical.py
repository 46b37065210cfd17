"""EmpiricalCovariance: the maximum-likelihood (biased) covariance, and what every covariance
estimator shares: the precision matrix, squared Mahalanobis distances, the Gaussian log-likelihood
of test data and the distance between two covariance matrices."""

from __future__ import annotations

import warnings

import numpy as np

from homeml.learn.base import BaseEstimator, check_array, check_is_fitted

__all__ = ["EmpiricalCovariance", "empirical_covariance"]


def empirical_covariance(X, *, assume_centered=False):
    """Maximum-likelihood covariance ``X_c.T @ X_c / n`` (``X_c``: ``X`` minus its mean, unless
    ``assume_centered``)."""
    X = np.asarray(X, dtype=np.float64)
    if X.ndim == 1:
        X = X.reshape(1, -1)
    if X.shape[0] == 1:
        warnings.warn(
            "Only one sample available. You may want to reshape your data array", stacklevel=2
        )
    centred = X if assume_centered else X - X.mean(axis=0)
    return np.atleast_2d(centred.T @ centred / X.shape[0])


def pseudo_inverse_symmetric(matrix):
    """Pseudo-inverse of a symmetric matrix from its eigen-decomposition; eigenvalues below
    ``d * eps * max|eigenvalue|`` count as zero (so a singular covariance still gets one)."""
    values, vectors = np.linalg.eigh(matrix)
    cutoff = matrix.shape[0] * np.finfo(np.float64).eps * np.max(np.abs(values), initial=0.0)
    keep = np.abs(values) > cutoff
    return (vectors[:, keep] / values[keep]) @ vectors[:, keep].T


def gaussian_log_likelihood(covariance, precision):
    """Average Gaussian log-likelihood of centred data whose empirical covariance is
    ``covariance``, under the model ``precision``."""
    d = precision.shape[0]
    sign, log_det = np.linalg.slogdet(precision)
    log_det = log_det if sign > 0 else -np.inf
    return float(-np.sum(covariance * precision) + log_det - d * np.log(2 * np.pi)) / 2.0


class EmpiricalCovariance(BaseEstimator):
    """Maximum-likelihood covariance estimator.

    Parameters
    ----------
    store_precision : bool, default=True
        Store the precision (pseudo-inverse of the covariance) in ``precision_``.
    assume_centered : bool, default=False
        Treat the data as centred: the location is 0 and the data are not centred.

    Attributes
    ----------
    location_ : ndarray of shape (n_features,)
        Estimated mean.
    covariance_ : ndarray of shape (n_features, n_features)
    precision_ : ndarray of shape (n_features, n_features) or None
    n_features_in_ : int
    """

    def __init__(self, *, store_precision=True, assume_centered=False):
        self.store_precision = store_precision
        self.assume_centered = assume_centered

    def fit(self, X, y=None):
        """Fit the mean and the maximum-likelihood covariance of ``X``."""
        X = self._validate_data(X).astype(np.float64, copy=False)
        self.location_ = np.zeros(X.shape[1]) if self.assume_centered else X.mean(axis=0)
        self._set_covariance(empirical_covariance(X, assume_centered=self.assume_centered))
        return self

    def _set_covariance(self, covariance):
        self.covariance_ = check_array(covariance, name="covariance")
        self.precision_ = (
            pseudo_inverse_symmetric(self.covariance_) if self.store_precision else None
        )

    def get_precision(self):
        """The precision matrix (pseudo-inverse of ``covariance_``)."""
        check_is_fitted(self)
        if self.store_precision:
            return self.precision_
        return pseudo_inverse_symmetric(self.covariance_)

    def mahalanobis(self, X):
        """Squared Mahalanobis distance of each sample to ``location_``, shape (n_samples,)."""
        check_is_fitted(self)
        X = self._validate_data(X, reset=False).astype(np.float64, copy=False)
        centred = X - self.location_
        return np.einsum("ij,ij->i", centred @ self.get_precision(), centred)

    def score(self, X_test, y=None):
        """Average Gaussian log-likelihood of ``X_test`` under the fitted location and
        covariance."""
        check_is_fitted(self)
        X_test = self._validate_data(X_test, reset=False).astype(np.float64, copy=False)
        test_covariance = empirical_covariance(X_test - self.location_, assume_centered=True)
        return gaussian_log_likelihood(test_covariance, self.get_precision())

    def error_norm(self, comp_cov, norm="frobenius", scaling=True, squared=True):
        """Norm of ``comp_cov - covariance_``: ``"frobenius"`` or ``"spectral"``; ``scaling``
        divides the squared Frobenius norm by the number of features; ``squared=False`` takes
        the square root."""
        check_is_fitted(self)
        error = np.asarray(comp_cov, dtype=np.float64) - self.covariance_
        if norm == "frobenius":
            value = np.sum(error**2)
        elif norm == "spectral":
            value = np.max(np.linalg.svd(error.T @ error, compute_uv=False))
        else:
            raise ValueError(f"norm must be 'frobenius' or 'spectral'; got {norm!r}.")
        if scaling:
            value = value / error.shape[0]
        return value if squared else np.sqrt(value)
