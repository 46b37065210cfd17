"""The Gaussian pieces of the mixture, one function per step, for the four covariance shapes.

Shapes of the covariance parameter (k components, d features):

- ``"full"``: (k, d, d), one matrix per component
- ``"tied"``: (d, d), one matrix shared by all components
- ``"diag"``: (k, d), one variance per component and feature
- ``"spherical"``: (k,), one variance per component

Densities are evaluated through a Cholesky factor ``P`` of each precision matrix (``P @ P.T`` is
the precision): ``||(x - mu) @ P||^2`` is the squared Mahalanobis distance and
``sum(log(diag(P)))`` is half the log-determinant of the precision. This never inverts a matrix
and stays accurate when a covariance is close to singular.
"""

from __future__ import annotations

import numpy as np

from homeml.learn.metrics.pairwise import euclidean_distances

COVARIANCE_TYPES = ("full", "tied", "diag", "spherical")

_ILL_DEFINED = (
    "Fitting the mixture model failed because some components have ill-defined empirical "
    "covariance (for instance caused by singleton or collapsed samples). Try to decrease the "
    "number of components, increase reg_covar, or scale the input data."
)


def estimate_gaussian_parameters(X, resp, reg_covar, covariance_type):
    """M-step statistics: component weights (unnormalised), means and covariances.

    ``resp`` (n, k) holds each sample's responsibility for each component. ``reg_covar`` is added
    to every variance so that no covariance is exactly singular.
    """
    # a tiny floor keeps an empty component from dividing by zero
    nk = resp.sum(axis=0) + 10 * np.finfo(resp.dtype).eps  # (k,)
    means = (resp.T @ X) / nk[:, None]  # (k, d)
    if covariance_type == "full":
        d = X.shape[1]
        covariances = np.empty((len(nk), d, d))
        for k in range(len(nk)):
            centred = X - means[k]
            covariances[k] = (resp[:, k, None] * centred).T @ centred / nk[k]
            covariances[k].flat[:: d + 1] += reg_covar
    elif covariance_type == "tied":
        # pooled within-component scatter: sum_k sum_i r_ik x_i x_i^T - n_k mu_k mu_k^T
        covariances = (X.T @ X - (nk[:, None] * means).T @ means) / nk.sum()
        covariances.flat[:: X.shape[1] + 1] += reg_covar
    else:
        # E[x^2] - mu^2 per component and feature
        second_moment = (resp.T @ (X * X)) / nk[:, None]
        covariances = second_moment - means**2 + reg_covar
        if covariance_type == "spherical":
            covariances = covariances.mean(axis=1)
    return nk, means, covariances


def precision_cholesky_from_covariance(covariances, covariance_type):
    """Cholesky factor of the precision from the covariance (``L^-T`` where ``cov = L L^T``)."""
    if covariance_type in ("full", "tied"):
        try:
            lower = np.linalg.cholesky(covariances)
        except np.linalg.LinAlgError:
            raise ValueError(_ILL_DEFINED) from None
        eye = np.broadcast_to(np.eye(covariances.shape[-1]), covariances.shape)
        return np.swapaxes(np.linalg.solve(lower, eye), -1, -2)
    if np.any(covariances <= 0.0):
        raise ValueError(_ILL_DEFINED)
    return 1.0 / np.sqrt(covariances)


def precision_cholesky_from_precision(precisions, covariance_type):
    """Cholesky factor of given precision matrices (``precisions_init``)."""
    if covariance_type in ("full", "tied"):
        return np.linalg.cholesky(precisions)
    return np.sqrt(precisions)


def precision_from_cholesky(precisions_cholesky, covariance_type):
    """``P @ P.T`` (or ``P**2`` for diagonal shapes)."""
    if covariance_type in ("full", "tied"):
        return precisions_cholesky @ np.swapaxes(precisions_cholesky, -1, -2)
    return precisions_cholesky**2


def log_gaussian_density(X, means, precisions_cholesky, covariance_type):
    """``log N(x | mu_k, Sigma_k)`` for every sample and component, shape (n, k)."""
    n, d = X.shape
    k = means.shape[0]
    P = precisions_cholesky
    if covariance_type == "full":
        half_log_det = np.log(np.diagonal(P, axis1=1, axis2=2)).sum(axis=1)  # (k,)
        sq_dist = np.empty((n, k))
        for j in range(k):
            y = X @ P[j] - means[j] @ P[j]
            sq_dist[:, j] = np.einsum("ij,ij->i", y, y)
    elif covariance_type == "tied":
        half_log_det = np.log(np.diag(P)).sum()
        Xp, Mp = X @ P, means @ P
        sq_dist = euclidean_distances(Xp, Mp, squared=True)
    elif covariance_type == "diag":
        half_log_det = np.log(P).sum(axis=1)
        # sum_f (x_f - mu_f)^2 p_f^2 expanded into three matrix products
        P2 = P**2
        sq_dist = np.sum(means**2 * P2, axis=1) - 2.0 * X @ (means * P2).T + (X**2) @ P2.T
    else:  # spherical
        half_log_det = d * np.log(P)
        sq_dist = euclidean_distances(X, means, squared=True) * P**2
    return -0.5 * (d * np.log(2 * np.pi) + sq_dist) + half_log_det


def n_free_parameters(n_components, n_features, covariance_type):
    """Number of free parameters of the mixture, for BIC and AIC."""
    d = n_features
    covariance_params = {
        "full": n_components * d * (d + 1) / 2.0,
        "tied": d * (d + 1) / 2.0,
        "diag": n_components * d,
        "spherical": n_components,
    }[covariance_type]
    return int(covariance_params + n_components * d + n_components - 1)
