"""Principal component analysis: exact SVD, covariance eigendecomposition or randomized SVD.

The components are the right singular vectors of the centred data (equivalently the eigenvectors
of its covariance), flipped to scikit-learn's sign convention (largest entry of each component
positive) so that results can be compared component by component.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from homeml.learn._param_validation import (
    Integral,
    Interval,
    Real,
    RealNotInt,
    StrOptions,
)
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

__all__ = ["PCA"]


class _BasePCA(ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseEstimator):
    """Projection, reconstruction and the probabilistic-PCA covariance, shared with
    IncrementalPCA. Needs ``components_``, ``explained_variance_``, ``mean_``,
    ``noise_variance_`` and ``whiten``."""

    def _homeml_tags(self) -> dict:
        return {**super()._homeml_tags(), "preserves_dtype": ["float64", "float32"]}

    def transform(self, X):
        """Project ``X`` on the components: ``(X - mean_) @ components_.T`` (then whitened)."""
        check_is_fitted(self)
        X = self._validate_data(X, reset=False, dtype=[np.float64, np.float32])
        return self._project(X, centred=False)

    def _project(self, X, centred: bool):
        projected = X @ self.components_.T
        if not centred:
            projected -= self.mean_ @ self.components_.T
        if self.whiten:
            scale = np.sqrt(self.explained_variance_)
            projected /= np.maximum(scale, np.finfo(scale.dtype).eps)
        return projected

    def inverse_transform(self, X):
        """Map projected data back to the input space (exact when no component was dropped)."""
        check_is_fitted(self)
        X = check_array(X, dtype=[np.float64, np.float32], estimator=self)
        components = self.components_
        if self.whiten:
            components = np.sqrt(self.explained_variance_)[:, None] * components
        return X @ components + self.mean_

    def _scaled_components(self):
        """Components and the variance each adds above the noise floor (probabilistic PCA)."""
        components = self.components_
        if self.whiten:  # scikit-learn's convention for the whitened model's covariance
            components = components * np.sqrt(self.explained_variance_)[:, None]
        excess = np.maximum(self.explained_variance_ - self.noise_variance_, 0.0)
        return components, excess

    def get_covariance(self):
        """Data covariance of the fitted probabilistic PCA model:
        ``components_.T @ diag(explained_variance_ - noise) @ components_ + noise * I``."""
        check_is_fitted(self)
        components, excess = self._scaled_components()
        cov = (components.T * excess) @ components
        cov.flat[:: cov.shape[0] + 1] += self.noise_variance_
        return cov

    def get_precision(self):
        """Inverse of :meth:`get_covariance`, through the matrix inversion lemma (only a
        ``n_components x n_components`` matrix is inverted when the noise variance is > 0)."""
        check_is_fitted(self)
        n_features = self.components_.shape[1]
        noise = self.noise_variance_
        if self.n_components_ == 0:
            return np.eye(n_features) / noise
        if noise == 0.0:
            return np.linalg.inv(self.get_covariance())
        components, excess = self._scaled_components()
        # (noise I + C^T D C)^-1 = I/noise - C^T (D^-1 + C C^T / noise)^-1 C / noise^2
        with np.errstate(divide="ignore"):
            inner = components @ components.T / noise + np.diag(1.0 / excess)
        precision = components.T @ np.linalg.inv(inner) @ components
        precision /= -(noise**2)
        precision.flat[:: n_features + 1] += 1.0 / noise
        return precision


_SOLVERS = ("auto", "full", "covariance_eigh", "arpack", "randomized")


class PCA(_BasePCA):
    """Principal component analysis (linear dimensionality reduction by SVD of centred data).

    Parameters
    ----------
    n_components : int, float, "mle" or None
        Components to keep: an int; a float in (0, 1) keeps the fewest components whose
        explained variance ratio sums above it; "mle" picks the dimension by Minka's MLE;
        None keeps ``min(n_samples, n_features)``.
    copy : bool
        When False, ``fit`` may centre ``X`` in place.
    whiten : bool
        Scale the projections to unit variance.
    svd_solver : {"auto", "full", "covariance_eigh", "arpack", "randomized"}
        "auto" follows scikit-learn's policy: "covariance_eigh" when ``n_features <= 1000`` and
        ``n_samples >= 10 * n_features``; else "full" when the data are small (max dimension
        <= 500) or ``n_components="mle"``; else "randomized" when ``1 <= n_components < 0.8 *
        min(n_samples, n_features)``; else "full". "arpack" (an iterative truncated SVD in
        scikit-learn) is computed here by the exact SVD truncated to ``n_components``, with
        ARPACK's constraint ``n_components < min(n_samples, n_features)``: the same answer
        that ARPACK approximates to ``tol``.
    tol : float
        Tolerance for "arpack" (unused: the exact SVD is used).
    iterated_power : int or "auto"
        Power iterations of the randomized solver.
    n_oversamples : int
        Extra random directions of the randomized solver.
    power_iteration_normalizer : {"auto", "QR", "LU", "none"}
        Normalisation between power iterations ("LU" is computed by QR, see
        ``randomized_svd``).
    random_state : int, RandomState or None
        Seeds the randomized solver.

    Attributes
    ----------
    components_ : ndarray (n_components_, n_features)
    explained_variance_, explained_variance_ratio_, singular_values_ : ndarray (n_components_,)
    mean_ : ndarray (n_features,)
    n_components_, n_samples_ : int
    noise_variance_ : float
        Mean variance of the discarded directions (probabilistic PCA noise).
    n_features_in_ : int
    """

    _homeml_constraints = {
        "n_components": [
            Interval(Integral, 0, None, closed="left"),
            Interval(RealNotInt, 0, 1, closed="neither"),
            StrOptions({"mle"}),
            None,
        ],
        "copy": ["boolean"],
        "whiten": ["boolean"],
        "svd_solver": [StrOptions(set(_SOLVERS))],
        "tol": [Interval(Real, 0, None, closed="left")],
        "iterated_power": [StrOptions({"auto"}), Interval(Integral, 0, None, closed="left")],
        "n_oversamples": [Interval(Integral, 1, None, closed="left")],
        "power_iteration_normalizer": [StrOptions({"auto", "QR", "LU", "none"})],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        n_components=None,
        *,
        copy=True,
        whiten=False,
        svd_solver="auto",
        tol=0.0,
        iterated_power="auto",
        n_oversamples=10,
        power_iteration_normalizer="auto",
        random_state=None,
    ):
        self.n_components = n_components
        self.copy = copy
        self.whiten = whiten
        self.svd_solver = svd_solver
        self.tol = tol
        self.iterated_power = iterated_power
        self.n_oversamples = n_oversamples
        self.power_iteration_normalizer = power_iteration_normalizer
        self.random_state = random_state

    def fit(self, X, y=None):
        """Fit the model on ``X`` of shape (n_samples, n_features)."""
        self._fit(X)
        return self

    def fit_transform(self, X, y=None):
        """Fit and return the projections of ``X`` (from the SVD itself when it was computed)."""
        U, S, X, centred = self._fit(X)
        if U is None:
            return self._project(X, centred=centred)
        U = U[:, : self.n_components_]
        if self.whiten:
            U *= math.sqrt(X.shape[0] - 1)
        else:
            U *= S[: self.n_components_]
        return U

    def _fit(self, X):
        self._validate_params()
        X = self._validate_data(X, dtype=[np.float64, np.float32])
        n_samples, n_features = X.shape
        if n_samples < 2:
            raise ValueError(
                f"PCA needs at least 2 samples to estimate variances; got {n_samples} sample."
            )
        n = self.n_components
        if n is None:
            n = min(X.shape) - (1 if self.svd_solver == "arpack" else 0)
        solver = self.svd_solver
        if solver == "auto":
            if n_features <= 1_000 and n_samples >= 10 * n_features:
                solver = "covariance_eigh"
            elif max(X.shape) <= 500 or n == "mle":
                solver = "full"
            elif 1 <= n < 0.8 * min(X.shape):
                solver = "randomized"
            else:
                solver = "full"
        self._fit_svd_solver = solver
        if solver in ("full", "covariance_eigh"):
            return self._fit_full(X, n, solver)
        return self._fit_truncated(X, n, solver)

    def _fit_full(self, X, n, solver):
        n_samples, n_features = X.shape
        if n == "mle":
            if n_samples < n_features:
                raise ValueError("n_components='mle' is only supported if n_samples >= n_features")
        elif not 0 <= n <= min(X.shape):
            raise ValueError(
                f"n_components={n} must be between 0 and min(n_samples, n_features)="
                f"{min(X.shape)} with svd_solver={solver!r}"
            )
        self.mean_ = X.mean(axis=0)
        U, centred = None, False
        if solver == "full":
            Xc = X - self.mean_ if self.copy else _centre_in_place(X, self.mean_)
            centred = not self.copy
            U, S, Vt = np.linalg.svd(Xc, full_matrices=False)
            variance = S**2 / (n_samples - 1)
        else:  # eigenvectors of the covariance: one pass over X, cheap when n_features is small
            C = X.T @ X
            C -= n_samples * np.outer(self.mean_, self.mean_)
            C /= n_samples - 1
            eigenvalues, eigenvectors = np.linalg.eigh(C)
            variance = np.maximum(eigenvalues[::-1], 0.0)  # largest first; round-off below 0
            Vt = np.ascontiguousarray(eigenvectors[:, ::-1].T)
            S = np.sqrt(variance * (n_samples - 1))
        U, Vt = flip_by_rows(U, Vt)
        ratio = variance / variance.sum()
        if n == "mle":
            n = _minka_mle_dimension(variance, n_samples)
        elif 0 < n < 1.0 and not isinstance(n, numbers.Integral):
            n = int(np.searchsorted(np.cumsum(ratio), n, side="right") + 1)
            n = min(n, len(variance))
        n = int(n)
        self.noise_variance_ = float(variance[n:].mean()) if n < min(X.shape) else 0.0
        self.n_samples_, self.n_components_ = n_samples, n
        self.components_ = Vt[:n].copy()
        self.explained_variance_ = variance[:n].copy()
        self.explained_variance_ratio_ = ratio[:n].copy()
        self.singular_values_ = S[:n].copy()
        return U, S, X, centred

    def _fit_truncated(self, X, n, solver):
        n_samples, n_features = X.shape
        if isinstance(n, str):
            raise ValueError(f"n_components={n!r} cannot be a string with svd_solver={solver!r}")
        if not isinstance(n, numbers.Integral) or not 1 <= n <= min(X.shape):
            raise ValueError(
                f"n_components={n!r} must be between 1 and min(n_samples, n_features)="
                f"{min(X.shape)} with svd_solver={solver!r}"
            )
        if solver == "arpack" and n == min(X.shape):
            raise ValueError(
                f"n_components={n} must be strictly less than min(n_samples, n_features)="
                f"{min(X.shape)} with svd_solver='arpack'"
            )
        self.mean_ = X.mean(axis=0)
        Xc = X - self.mean_ if self.copy else _centre_in_place(X, self.mean_)
        if solver == "arpack":  # exact SVD, truncated (see the class docstring)
            U, S, Vt = np.linalg.svd(Xc, full_matrices=False)
            U, S, Vt = U[:, :n], S[:n], Vt[:n]
        else:
            U, S, Vt = randomized_svd(
                Xc,
                n,
                n_oversamples=self.n_oversamples,
                n_iter=self.iterated_power,
                power_iteration_normalizer=self.power_iteration_normalizer,
                random_state=check_random_state(self.random_state),
            )
        U, Vt = flip_by_rows(U, Vt)
        self.n_samples_, self.n_components_ = n_samples, int(n)
        self.components_ = Vt
        self.explained_variance_ = S**2 / (n_samples - 1)
        total_variance = np.einsum("ij,ij->", Xc, Xc) / (n_samples - 1)
        self.explained_variance_ratio_ = self.explained_variance_ / total_variance
        self.singular_values_ = S.copy()
        if n < min(X.shape):
            self.noise_variance_ = float(
                (total_variance - self.explained_variance_.sum()) / (min(X.shape) - n)
            )
        else:
            self.noise_variance_ = 0.0
        return U, S, Xc, True

    def score_samples(self, X):
        """Log-likelihood of each sample under the fitted probabilistic PCA model (Gaussian
        with covariance :meth:`get_covariance`)."""
        check_is_fitted(self)
        X = self._validate_data(X, reset=False, dtype=[np.float64, np.float32])
        centred = X - self.mean_
        precision = self.get_precision()
        sign, logdet = np.linalg.slogdet(precision)
        logdet = logdet if sign > 0 else -np.inf
        log_like = -0.5 * np.einsum("ij,ij->i", centred, centred @ precision)
        log_like -= 0.5 * (X.shape[1] * math.log(2.0 * math.pi) - logdet)
        return log_like

    def score(self, X, y=None) -> float:
        """Average log-likelihood of the samples (see :meth:`score_samples`)."""
        return float(np.mean(self.score_samples(X)))


def _centre_in_place(X, mean):
    X -= mean
    return X


def _minka_mle_dimension(spectrum: np.ndarray, n_samples: int) -> int:
    """The rank with the highest Laplace-approximated evidence (Minka, "Automatic choice of
    dimensionality for PCA", NIPS 2000); rank 0 is never chosen."""
    n_features = len(spectrum)
    best_rank, best = 0, -np.inf
    for rank in range(1, n_features):
        value = _rank_log_evidence(spectrum, rank, n_samples)
        if value > best:
            best_rank, best = rank, value
    return best_rank


def _rank_log_evidence(spectrum, rank, n_samples):
    eps = 1e-15
    d = len(spectrum)
    if spectrum[rank - 1] < eps:
        return -np.inf
    # log of the uniform prior's normaliser over the Stiefel manifold
    i = np.arange(1, rank + 1)
    log_prior = -rank * math.log(2.0) + sum(
        math.lgamma((d - k + 1) / 2.0) - math.log(math.pi) * (d - k + 1) / 2.0 for k in i
    )
    log_lik_top = -np.sum(np.log(spectrum[:rank])) * n_samples / 2.0
    noise = max(eps, float(np.sum(spectrum[rank:])) / (d - rank))
    log_lik_noise = -math.log(noise) * n_samples * (d - rank) / 2.0
    m = d * rank - rank * (rank + 1.0) / 2.0
    log_volume = math.log(2.0 * math.pi) * (m + rank) / 2.0
    # log-determinant of the Hessian: pairs (top i, any later j), noise values set to `noise`
    filled = spectrum.astype(np.float64, copy=True)
    filled[rank:] = noise
    log_hessian = 0.0
    for a in range(rank):
        gaps = (spectrum[a] - spectrum[a + 1 :]) * (1.0 / filled[a + 1 :] - 1.0 / filled[a])
        log_hessian += float(np.sum(np.log(gaps))) + (d - a - 1) * math.log(n_samples)
    return (
        log_prior
        + log_lik_top
        + log_lik_noise
        + log_volume
        - log_hessian / 2.0
        - rank * math.log(n_samples) / 2.0
    )
