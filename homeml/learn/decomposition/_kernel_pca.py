"""Kernel PCA: PCA in the feature space of a kernel, by eigendecomposition of the centred Gram
matrix, with an optional learned pre-image map (kernel ridge regression) for inverse_transform."""

from __future__ import annotations

import numpy as np

from homeml.learn._param_validation import Integral, Interval, Real, StrOptions
from homeml.learn.base import (
    BaseEstimator,
    NotFittedError,
    TransformerMixin,
    check_array,
    check_is_fitted,
    check_random_state,
)
from homeml.learn.decomposition._svd import (
    ClassNamePrefixFeaturesOutMixin,
    flip_by_columns,
    randomized_svd,
)
from homeml.learn.metrics.pairwise import pairwise_kernels

__all__ = ["KernelPCA"]

_KERNELS = ("linear", "poly", "rbf", "sigmoid", "cosine", "precomputed")


class KernelPCA(ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseEstimator):
    """Kernel principal component analysis.

    Parameters
    ----------
    n_components : int or None
        Components to keep; None keeps every component with a positive eigenvalue.
    kernel : {"linear", "poly", "rbf", "sigmoid", "cosine", "precomputed"} or callable
    gamma : float or None
        Coefficient of rbf, poly and sigmoid kernels; None means ``1 / n_features``.
    degree : float
        Degree of the poly kernel.
    coef0 : float
        Independent term of poly and sigmoid kernels.
    kernel_params : dict or None
        Keyword arguments of a callable kernel.
    alpha : float
        Ridge penalty of the pre-image map (``fit_inverse_transform=True``).
    fit_inverse_transform : bool
        Learn a map from projections back to inputs (kernel ridge regression, Bakir et al.).
    eigen_solver : {"auto", "dense", "arpack", "randomized"}
        "dense": full eigendecomposition. "randomized": randomized SVD of the Gram matrix (the
        eigenvalues take the sign that the singular vectors agree on). "arpack" and "auto" are
        computed by the dense solver here: the exact answer that ARPACK approximates.
    tol, max_iter : float, int or None
        ARPACK settings (unused: dense solver).
    iterated_power : int or "auto"
        Power iterations of the randomized solver.
    remove_zero_eig : bool
        Drop components with zero eigenvalue (always done when ``n_components`` is None).
    random_state : int, RandomState or None
        Seeds the randomized solver.
    copy_X : bool
        Store a copy of the training data (``X_fit_``) rather than a reference.
    n_jobs : None
        Accepted for compatibility; computations use NumPy's BLAS threads.

    Attributes
    ----------
    eigenvalues_ : ndarray (n_components,)
        Eigenvalues of the centred Gram matrix, in decreasing order.
    eigenvectors_ : ndarray (n_samples, n_components)
        Their eigenvectors, each flipped so that its largest entry is positive.
    dual_coef_, X_transformed_fit_ : ndarray
        The pre-image regression (with ``fit_inverse_transform``).
    X_fit_ : ndarray (n_samples, n_features)
    gamma_ : float
    n_features_in_ : int
    """

    _homeml_constraints = {
        "n_components": [Interval(Integral, 1, None, closed="left"), None],
        "kernel": [StrOptions(set(_KERNELS)), callable],
        "gamma": [Interval(Real, 0, None, closed="left"), None],
        "degree": [Interval(Real, 0, None, closed="left")],
        "coef0": [Interval(Real, None, None, closed="neither")],
        "kernel_params": [dict, None],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "fit_inverse_transform": ["boolean"],
        "eigen_solver": [StrOptions({"auto", "dense", "arpack", "randomized"})],
        "tol": [Interval(Real, 0, None, closed="left")],
        "max_iter": [Interval(Integral, 1, None, closed="left"), None],
        "iterated_power": [Interval(Integral, 0, None, closed="left"), StrOptions({"auto"})],
        "remove_zero_eig": ["boolean"],
        "random_state": ["random_state"],
        "copy_X": ["boolean"],
    }

    def __init__(
        self,
        n_components=None,
        *,
        kernel="linear",
        gamma=None,
        degree=3,
        coef0=1,
        kernel_params=None,
        alpha=1.0,
        fit_inverse_transform=False,
        eigen_solver="auto",
        tol=0,
        max_iter=None,
        iterated_power="auto",
        remove_zero_eig=False,
        random_state=None,
        copy_X=True,
        n_jobs=None,
    ):
        self.n_components = n_components
        self.kernel = kernel
        self.gamma = gamma
        self.degree = degree
        self.coef0 = coef0
        self.kernel_params = kernel_params
        self.alpha = alpha
        self.fit_inverse_transform = fit_inverse_transform
        self.eigen_solver = eigen_solver
        self.tol = tol
        self.max_iter = max_iter
        self.iterated_power = iterated_power
        self.remove_zero_eig = remove_zero_eig
        self.random_state = random_state
        self.copy_X = copy_X
        self.n_jobs = n_jobs

    @property
    def _n_features_out(self) -> int:
        return self.eigenvalues_.shape[0]

    def _homeml_tags(self) -> dict:
        return {**super()._homeml_tags(), "pairwise": self.kernel == "precomputed"}

    def _kernel(self, A, B=None):
        if self.kernel == "precomputed":
            return np.array(A, dtype=np.float64, copy=True)  # fit centres it in place
        if callable(self.kernel):
            params = self.kernel_params or {}
        else:
            params = {"gamma": self.gamma_, "degree": self.degree, "coef0": self.coef0}
        return pairwise_kernels(A, B, metric=self.kernel, filter_params=True, **params)

    def _check_param_combinations(self) -> None:
        """The rules that tie parameters together (the table checks each one alone)."""
        if self.fit_inverse_transform and self.kernel == "precomputed":
            raise ValueError("Cannot fit_inverse_transform with a precomputed kernel.")

    def fit(self, X, y=None):
        """Fit the model on ``X`` (or on a Gram matrix with ``kernel="precomputed"``)."""
        self._validate_params()
        X = self._validate_data(X)
        if self.kernel == "precomputed" and X.shape[0] != X.shape[1]:
            raise ValueError(f"A precomputed kernel must be square; got shape {X.shape}.")
        self.gamma_ = 1.0 / X.shape[1] if self.gamma is None else float(self.gamma)
        K = self._kernel(X)
        # centring in feature space: K - row means - column means + overall mean
        self._train_column_means = K.mean(axis=0)
        self._train_mean = self._train_column_means.mean()
        K -= self._train_column_means[None, :]
        K -= K.mean(axis=1)[:, None]
        self._eigendecompose(K)
        if self.fit_inverse_transform:
            self._fit_pre_image(self.eigenvectors_ * np.sqrt(self.eigenvalues_), X)
        self.X_fit_ = X.copy() if self.copy_X else X
        return self

    def _eigendecompose(self, K):
        n = K.shape[0]
        k = n if self.n_components is None else min(n, self.n_components)
        if self.eigen_solver == "randomized":
            U, s, Vt = randomized_svd(
                K, k, n_iter=self.iterated_power, random_state=check_random_state(self.random_state)
            )
            # |eigenvalue| = singular value; its sign is whether the two singular vectors agree
            eigenvalues = s * np.sign(np.einsum("ij,ji->i", Vt, U))
            eigenvectors = U
        else:
            eigenvalues, eigenvectors = np.linalg.eigh(K)
            eigenvalues, eigenvectors = eigenvalues[n - k :], eigenvectors[:, n - k :]
        eigenvalues = _clip_round_off(eigenvalues)
        eigenvectors = flip_by_columns(np.ascontiguousarray(eigenvectors))
        order = np.argsort(eigenvalues, kind="stable")[::-1]
        eigenvalues, eigenvectors = eigenvalues[order], eigenvectors[:, order]
        if self.remove_zero_eig or self.n_components is None:
            keep = eigenvalues > 0
            eigenvalues, eigenvectors = eigenvalues[keep], eigenvectors[:, keep]
        self.eigenvalues_, self.eigenvectors_ = eigenvalues, eigenvectors

    def _fit_pre_image(self, X_transformed, X):
        K = self._kernel(X_transformed)
        K.flat[:: K.shape[0] + 1] += self.alpha
        self.dual_coef_ = np.linalg.solve(K, X)
        self.X_transformed_fit_ = X_transformed

    def fit_transform(self, X, y=None, **params):
        """Fit and return the projections of the training data, ``eigenvectors_ * sqrt(eig)``."""
        self.fit(X, **params)
        return self.eigenvectors_ * np.sqrt(self.eigenvalues_)

    def transform(self, X):
        """Project ``X`` on the fitted components (kernel with the training data, centred)."""
        check_is_fitted(self)
        X = self._validate_data(X, reset=False)
        K = self._kernel(X, self.X_fit_)
        K -= K.mean(axis=1)[:, None]
        K -= self._train_column_means[None, :]
        K += self._train_mean
        scaled = np.zeros_like(self.eigenvectors_)
        nonzero = self.eigenvalues_ != 0
        scaled[:, nonzero] = self.eigenvectors_[:, nonzero] / np.sqrt(self.eigenvalues_[nonzero])
        return K @ scaled

    def inverse_transform(self, X):
        """Approximate pre-images of projections ``X`` (needs ``fit_inverse_transform=True``).
        The centred kernel forgets the mean, so with a linear kernel this is not PCA's exact
        inverse: use PCA for that."""
        if not self.fit_inverse_transform:
            raise NotFittedError(
                "The fit_inverse_transform parameter was not set to True when instantiating "
                "and hence the inverse transform is not available."
            )
        check_is_fitted(self)
        X = check_array(X, estimator=self)
        return self._kernel(X, self.X_transformed_fit_) @ self.dual_coef_


def _clip_round_off(eigenvalues):
    """Eigenvalues of a PSD Gram matrix: tiny negative (and tiny positive) values are round-off
    and become 0; a large negative one means the kernel is not positive semi-definite."""
    eigenvalues = np.array(eigenvalues, dtype=np.float64)
    top = eigenvalues.max()
    if top < 0:
        raise ValueError(
            "All eigenvalues of the centred kernel are negative (maximum is "
            f"{top:g}): the kernel is not positive semi-definite."
        )
    if eigenvalues.min() < -1e-5 * top and eigenvalues.min() < -1e-10:
        raise ValueError(
            f"There are significant negative eigenvalues ({eigenvalues.min():g} against a "
            f"maximum of {top:g}): the kernel is not positive semi-definite. Try another kernel "
            "or fewer components."
        )
    eigenvalues[eigenvalues < 1e-12 * top] = 0.0
    return eigenvalues
