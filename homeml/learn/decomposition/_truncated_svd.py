"""Truncated SVD (latent semantic analysis): the top singular vectors of ``X``, not centred.

Works on CSR input (TF-IDF features) without densifying it: the randomized algorithm only
multiplies by ``X``, and "arpack" runs SciPy's ARPACK ``svds`` on the sparse matrix.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from scipy.sparse.linalg import svds

from homeml.learn._param_validation import Integral, Interval, Real, StrOptions
from homeml.learn.base import (
    BaseEstimator,
    TransformerMixin,
    check_array,
    check_is_fitted,
    check_random_state,
)
from homeml.learn.decomposition._svd import (
    ClassNamePrefixFeaturesOutMixin,
    flip_by_rows,
    randomized_svd,
)

__all__ = ["TruncatedSVD"]


class TruncatedSVD(ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseEstimator):
    """Dimensionality reduction by a truncated SVD of ``X`` itself (no centring).

    Parameters
    ----------
    n_components : int
        Number of singular vectors to keep (< n_features).
    algorithm : {"randomized", "arpack"}
        "randomized": Halko et al.'s randomized SVD. "arpack": for dense ``X`` the exact SVD
        truncated to ``n_components`` (what ARPACK approximates to ``tol``); for CSR ``X``
        ARPACK itself (``scipy.sparse.linalg.svds``, started from scikit-learn's ``v0``).
    n_iter : int
        Power iterations of the randomized algorithm.
    n_oversamples : int
        Extra random directions of the randomized algorithm.
    power_iteration_normalizer : {"auto", "QR", "LU", "none"}
        Normalisation between power iterations ("LU" is computed by QR).
    random_state : int, RandomState or None
    tol : float
        Tolerance of "arpack" on CSR input (0: machine precision).

    Attributes
    ----------
    components_ : ndarray (n_components, n_features)
        Right singular vectors, largest entry of each positive.
    explained_variance_, explained_variance_ratio_ : ndarray (n_components,)
        Variance of each projection, and its share of the total variance of ``X``.
    singular_values_ : ndarray (n_components,)
    n_features_in_ : int
    """

    _homeml_constraints = {
        "n_components": [Interval(Integral, 1, None, closed="left")],
        "algorithm": [StrOptions({"randomized", "arpack"})],
        "n_iter": [Interval(Integral, 0, None, closed="left")],
        "n_oversamples": [Interval(Integral, 1, None, closed="left")],
        "power_iteration_normalizer": [StrOptions({"auto", "QR", "LU", "none"})],
        "random_state": ["random_state"],
        "tol": [Interval(Real, 0, None, closed="left")],
    }

    def __init__(
        self,
        n_components=2,
        *,
        algorithm="randomized",
        n_iter=5,
        n_oversamples=10,
        power_iteration_normalizer="auto",
        random_state=None,
        tol=0.0,
    ):
        self.n_components = n_components
        self.algorithm = algorithm
        self.n_iter = n_iter
        self.n_oversamples = n_oversamples
        self.power_iteration_normalizer = power_iteration_normalizer
        self.random_state = random_state
        self.tol = tol

    def _homeml_tags(self) -> dict:
        return {**super()._homeml_tags(), "preserves_dtype": ["float64", "float32"], "sparse": True}

    def fit(self, X, y=None):
        """Fit the model on ``X``."""
        self.fit_transform(X)
        return self

    def fit_transform(self, X, y=None):
        """Fit the model on ``X`` and return ``X`` projected on the components."""
        self._validate_params()
        X = self._validate_data(
            X, dtype=[np.float64, np.float32], ensure_min_features=2, accept_sparse="csr"
        )
        k = self.n_components
        sparse = sp.issparse(X)
        if self.algorithm == "arpack":
            if k >= min(X.shape):
                raise ValueError(
                    f"n_components={k} must be strictly less than min(n_samples, n_features)="
                    f"{min(X.shape)} with algorithm='arpack'"
                )
            if sparse:
                # scikit-learn's start vector: uniform on [-1, 1], of the smaller side's length
                v0 = check_random_state(self.random_state).uniform(-1, 1, min(X.shape))
                U, S, Vt = svds(X, k=k, tol=self.tol, v0=v0)
                U, S, Vt = U[:, ::-1].copy(), S[::-1].copy(), Vt[::-1].copy()  # largest first
            else:
                U, S, Vt = np.linalg.svd(X, full_matrices=False)
                U, S, Vt = U[:, :k], S[:k], Vt[:k]
        else:
            if k > X.shape[1]:
                raise ValueError(f"n_components({k}) must be <= n_features({X.shape[1]}).")
            U, S, Vt = randomized_svd(
                X,
                k,
                n_oversamples=self.n_oversamples,
                n_iter=self.n_iter,
                power_iteration_normalizer=self.power_iteration_normalizer,
                random_state=check_random_state(self.random_state),
            )
        U, Vt = flip_by_rows(U, Vt)
        self.components_ = Vt
        exact = self.algorithm == "arpack" and not (sparse and self.tol > 0)
        projected = U * S if exact else np.asarray(X @ Vt.T)
        self.explained_variance_ = projected.var(axis=0)
        self.explained_variance_ratio_ = self.explained_variance_ / _total_variance(X)
        self.singular_values_ = S
        return projected

    def transform(self, X):
        """Project ``X`` on the components: ``X @ components_.T``."""
        check_is_fitted(self)
        X = self._validate_data(X, reset=False, dtype=[np.float64, np.float32], accept_sparse="csr")
        return np.asarray(X @ self.components_.T)

    def inverse_transform(self, X):
        """Map projections back to the input space: ``X @ components_``."""
        check_is_fitted(self)
        X = check_array(X, dtype=[np.float64, np.float32], estimator=self)
        return X @ self.components_


def _total_variance(X) -> float:
    """Sum of the column variances of ``X`` (dense or sparse, never densified)."""
    if not sp.issparse(X):
        return float(X.var(axis=0).sum())
    mean = np.asarray(X.mean(axis=0)).ravel()
    mean_of_squares = np.asarray(X.multiply(X).mean(axis=0)).ravel()
    return float((mean_of_squares - mean**2).sum())
