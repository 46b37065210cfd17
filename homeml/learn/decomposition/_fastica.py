"""FastICA (Hyvarinen & Oja 2000): independent components by fixed-point iterations that
maximise the non-Gaussianity of each projection of the whitened data."""

from __future__ import annotations

import math
import warnings

import numpy as np

from homeml.learn._param_validation import Integral, Interval, Options, Real, StrOptions
from homeml.learn.base import (
    BaseEstimator,
    ConvergenceWarning,
    TransformerMixin,
    check_array,
    check_is_fitted,
    check_random_state,
)
from homeml.learn.decomposition._svd import (
    ClassNamePrefixFeaturesOutMixin,
)

__all__ = ["FastICA"]


# contrast functions: each returns g(u) and the mean over samples of g'(u), row by row
def _logcosh(u, fun_args):
    alpha = fun_args.get("alpha", 1.0)
    g = np.tanh(alpha * u)
    return g, (alpha * (1 - g**2)).mean(axis=-1)


def _exp(u, fun_args):
    gauss = np.exp(-(u**2) / 2)
    return u * gauss, ((1 - u**2) * gauss).mean(axis=-1)


def _cube(u, fun_args):
    return u**3, (3 * u**2).mean(axis=-1)


_CONTRASTS = {"logcosh": _logcosh, "exp": _exp, "cube": _cube}


def _symmetric_decorrelation(W):
    """``(W W^T)^(-1/2) W``: the orthogonal matrix closest to ``W`` (all rows at once)."""
    s, u = np.linalg.eigh(W @ W.T)
    s = np.maximum(s, np.finfo(W.dtype).tiny)
    return (u / np.sqrt(s)) @ u.T @ W


def _ica_parallel(X, g, fun_args, tol, max_iter, w_init):
    """All components updated together, then decorrelated symmetrically. X: (n_comp, n_samples)."""
    W = _symmetric_decorrelation(w_init)
    for n_iter in range(1, max_iter + 1):
        gu, mean_dg = g(W @ X, fun_args)
        W_new = _symmetric_decorrelation(gu @ X.T / X.shape[1] - mean_dg[:, None] * W)
        change = np.max(np.abs(np.abs(np.einsum("ij,ij->i", W_new, W)) - 1))
        W = W_new
        if change < tol:
            return W, n_iter
    warnings.warn(
        "FastICA did not converge. Consider increasing tolerance or the maximum "
        "number of iterations.",
        ConvergenceWarning,
        stacklevel=4,
    )
    return W, max_iter


def _ica_deflation(X, g, fun_args, tol, max_iter, w_init):
    """One component at a time, each kept orthogonal to those found before (Gram-Schmidt)."""
    n = w_init.shape[0]
    W = np.zeros((n, n), dtype=X.dtype)
    iterations = []
    for j in range(n):
        w = w_init[j].copy()
        w /= np.linalg.norm(w)
        for i in range(max_iter):  # noqa: B007 (the count is kept below)
            gu, mean_dg = g((w @ X)[None, :], fun_args)
            w_new = (X * gu[0]).mean(axis=1) - mean_dg[0] * w
            w_new -= (w_new @ W[:j].T) @ W[:j]
            w_new /= np.linalg.norm(w_new)
            change = abs(abs(w_new @ w) - 1)
            w = w_new
            if change < tol:
                break
        iterations.append(i + 1)
        W[j] = w
    return W, max(iterations)


class FastICA(ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseEstimator):
    """Independent component analysis by the FastICA algorithm.

    Parameters
    ----------
    n_components : int or None
        Sources to extract; None uses all (ignored without whitening).
    algorithm : {"parallel", "deflation"}
    whiten : {"unit-variance", "arbitrary-variance"} or False
        Centre and whiten first ("unit-variance" also rescales the sources to unit variance);
        False assumes the data are already white.
    fun : {"logcosh", "exp", "cube"} or callable
        Contrast function; a callable ``fun(x, **fun_args)`` returns ``g(x)`` and the mean of
        ``g'(x)`` over the last axis.
    fun_args : dict or None
        e.g. ``{"alpha": 1.0}`` for logcosh (alpha in [1, 2]).
    max_iter : int
    tol : float
        Convergence threshold on ``max |1 - |<w_new, w_old>||``.
    w_init : ndarray (n_components, n_components) or None
        Starting unmixing matrix; None draws a Gaussian one from ``random_state``.
    whiten_solver : {"svd", "eigh"}
        Whitening by SVD of the data or eigendecomposition of ``X^T X`` (faster when
        n_samples >> n_features).
    random_state : int, RandomState or None

    Attributes
    ----------
    components_ : ndarray (n_components, n_features)
        Unmixing matrix (whitening included).
    mixing_ : ndarray (n_features, n_components)
        Pseudo-inverse of ``components_``.
    mean_ : ndarray (n_features,)
        Feature means (when whitening).
    whitening_ : ndarray (n_components, n_features)
        Pre-whitening matrix (when whitening).
    n_iter_ : int
    n_features_in_ : int
    """

    _homeml_constraints = {
        "n_components": [Interval(Integral, 1, None, closed="left"), None],
        "algorithm": [StrOptions({"parallel", "deflation"})],
        "whiten": [StrOptions({"unit-variance", "arbitrary-variance"}), Options(bool, {False})],
        "fun": [StrOptions(set(_CONTRASTS)), callable],
        "fun_args": [dict, None],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "w_init": ["array-like", None],
        "whiten_solver": [StrOptions({"svd", "eigh"})],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        n_components=None,
        *,
        algorithm="parallel",
        whiten="unit-variance",
        fun="logcosh",
        fun_args=None,
        max_iter=200,
        tol=1e-4,
        w_init=None,
        whiten_solver="svd",
        random_state=None,
    ):
        self.n_components = n_components
        self.algorithm = algorithm
        self.whiten = whiten
        self.fun = fun
        self.fun_args = fun_args
        self.max_iter = max_iter
        self.tol = tol
        self.w_init = w_init
        self.whiten_solver = whiten_solver
        self.random_state = random_state

    def _homeml_tags(self) -> dict:
        return {**super()._homeml_tags(), "preserves_dtype": ["float64", "float32"]}

    def _check_param_combinations(self) -> None:
        """The rules that tie parameters together (the table checks each one alone)."""
        alpha = (self.fun_args or {}).get("alpha", 1.0)
        if not 1 <= alpha <= 2:
            raise ValueError(f"fun_args['alpha'] must be in [1, 2]; got {alpha!r}.")

    def fit(self, X, y=None):
        """Fit the model on ``X`` (n_samples, n_features)."""
        self._fit(X, compute_sources=False)
        return self

    def fit_transform(self, X, y=None):
        """Fit the model and return the estimated sources (n_samples, n_components)."""
        return self._fit(X, compute_sources=True)

    def _fit(self, X, compute_sources):
        self._validate_params()
        X = self._validate_data(X, dtype=[np.float64, np.float32], ensure_min_samples=2)
        XT = X.T.copy()  # (n_features, n_samples): the algorithm works on columns of samples
        n_features, n_samples = XT.shape
        fun_args = {} if self.fun_args is None else self.fun_args
        if callable(self.fun):

            def g(u, args):
                return self.fun(u, **args)
        else:
            g = _CONTRASTS[self.fun]
        n_components = self.n_components
        if not self.whiten and n_components is not None:
            n_components = None
            warnings.warn("Ignoring n_components with whiten=False.", UserWarning, stacklevel=3)
        if n_components is None:
            n_components = min(n_samples, n_features)
        if n_components > min(n_samples, n_features):
            n_components = min(n_samples, n_features)
            warnings.warn(
                f"n_components is too large: it will be set to {n_components}",
                UserWarning,
                stacklevel=3,
            )
        if self.whiten:
            mean = XT.mean(axis=-1)
            XT -= mean[:, None]
            K = self._whitening(XT, n_components)
            X1 = (K @ XT) * math.sqrt(n_samples)  # white: unit covariance rows
        else:
            X1 = XT
        if self.w_init is None:
            rng = check_random_state(self.random_state)
            w_init = rng.normal(size=(n_components, n_components)).astype(X1.dtype, copy=False)
        else:
            w_init = np.asarray(self.w_init, dtype=X1.dtype)
            if w_init.shape != (n_components, n_components):
                raise ValueError(
                    f"w_init has invalid shape -- should be "
                    f"{(n_components, n_components)}; got {w_init.shape}."
                )
        solve = _ica_parallel if self.algorithm == "parallel" else _ica_deflation
        W, self.n_iter_ = solve(X1, g, fun_args, self.tol, self.max_iter, w_init)
        unmixing = W @ K if self.whiten else W
        S = (unmixing @ XT).T if (compute_sources or self.whiten == "unit-variance") else None
        if self.whiten == "unit-variance":
            std = S.std(axis=0, keepdims=True)
            S /= std
            unmixing = unmixing / std.T
        self.components_ = unmixing
        if self.whiten:
            self.mean_, self.whitening_ = mean, K
        self.mixing_ = np.linalg.pinv(self.components_)
        return S

    def _whitening(self, XT, n_components):
        """Rows of ``K`` map centred data to uncorrelated directions of unit scale (PCA
        directions divided by their singular values); signs fixed by the first feature."""
        if self.whiten_solver == "eigh":
            d, u = np.linalg.eigh(XT @ XT.T)
            order = np.argsort(d)[::-1]
            eps = np.finfo(d.dtype).eps * 10
            if np.any(d < eps):
                warnings.warn(
                    "There are some small singular values, using whiten_solver = "
                    "'svd' might lead to more accurate results.",
                    UserWarning,
                    stacklevel=4,
                )
            d = np.sqrt(np.maximum(d, eps))[order]
            u = u[:, order]
        else:
            u, d = np.linalg.svd(XT, full_matrices=False)[:2]
        u *= np.sign(u[0])
        return (u / d).T[:n_components]

    def transform(self, X, copy=True):
        """Recover the sources of ``X``: ``(X - mean_) @ components_.T``."""
        check_is_fitted(self)
        X = self._validate_data(X, reset=False, dtype=[np.float64, np.float32])
        if self.whiten:
            X = X - self.mean_
        return X @ self.components_.T

    def inverse_transform(self, X, copy=True):
        """Mix sources back into data: ``X @ mixing_.T + mean_``."""
        check_is_fitted(self)
        X = check_array(X, dtype=[np.float64, np.float32], estimator=self)
        mixed = X @ self.mixing_.T
        if self.whiten:
            mixed += self.mean_
        return mixed
