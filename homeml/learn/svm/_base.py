"""Shared parts of the kernel SVMs (SVC, SVR): parameter checks, kernel set-up, SMO calls.

The fitted attributes follow LIBSVM's layout as exposed by scikit-learn: support vectors grouped by
class, ``dual_coef_`` of shape (n_classes - 1, n_SV) for SVC and (1, n_SV) for SVR, and
``intercept_`` = -rho per binary model.
"""

from __future__ import annotations

import warnings

import numpy as np

from homeml.learn._param_validation import Integral, Interval, Options, Real, StrOptions
from homeml.learn.base import BaseEstimator, ConvergenceWarning, check_is_fitted
from homeml.learn.svm._kernels import (
    KERNEL_CODES,
    NOT_FINITE,
    check_finite_squares,
    kernel_matrix,
    resolve_gamma,
)
from homeml.learn.svm._smo import PRECOMPUTED, smo_solve


def _check_some_weight_positive(weights: np.ndarray) -> None:
    if not np.any(weights > 0):
        raise ValueError("Invalid input - all samples have zero or negative weights.")


def _class_weights(class_weight, classes, codes) -> np.ndarray:
    """Per-class multipliers of C: ones, "balanced", or a dict {label: weight}."""
    n_classes = len(classes)
    if class_weight is None:
        return np.ones(n_classes)
    if isinstance(class_weight, str):
        if class_weight != "balanced":
            raise ValueError(
                f"The 'class_weight' parameter must be a dict, 'balanced' or None; got "
                f"{class_weight!r}."
            )
        return len(codes) / (n_classes * np.bincount(codes, minlength=n_classes))
    if not isinstance(class_weight, dict):
        raise ValueError(
            f"The 'class_weight' parameter must be a dict, 'balanced' or None; got "
            f"{class_weight!r}."
        )
    unknown = [label for label in class_weight if label not in set(classes.tolist())]
    if unknown:
        raise ValueError(f"The classes, {unknown}, are not in class_weight")
    weights = np.ones(n_classes)
    for c, label in enumerate(classes.tolist()):
        weights[c] = class_weight.get(label, 1.0)
    return weights


class _BaseKernelSVM(BaseEstimator):
    """Shared parts of SVC and SVR: validation, kernel evaluation, SMO calls, decision values."""

    def _homeml_tags(self) -> dict:
        return {**super()._homeml_tags(), "pairwise": self.kernel == "precomputed"}

    _homeml_constraints = {
        "kernel": [StrOptions(set(KERNEL_CODES)), callable],
        "degree": [Interval(Integral, 0, None, closed="left")],
        "gamma": [StrOptions({"scale", "auto"}), Interval(Real, 0, None, closed="left")],
        "coef0": [Interval(Real, None, None, closed="neither")],
        "tol": [Interval(Real, 0, None, closed="neither")],
        "C": [Interval(Real, 0, None, closed="neither")],
        "shrinking": ["boolean"],
        "cache_size": [Interval(Real, 0, None, closed="neither")],
        "verbose": ["verbose"],
        "max_iter": [Options(Integral, {-1}), Interval(Integral, 1, None, closed="left")],
    }

    def _prepare_training_kernel(self, X: np.ndarray) -> np.ndarray:
        """Record the kernel settings; return what the solver reads (features or a Gram matrix)."""
        X = np.ascontiguousarray(X, dtype=np.float64)
        if callable(self.kernel):
            self._kernel_code = PRECOMPUTED
            self._gamma = 0.0
            X = np.ascontiguousarray(self._call_kernel(X, X))
        else:
            self._kernel_code = KERNEL_CODES[self.kernel]
            if self.kernel != "precomputed":
                check_finite_squares(X)
            self._gamma = 0.0 if self.kernel == "precomputed" else resolve_gamma(self.gamma, X)
        if self._kernel_code == PRECOMPUTED and X.shape[0] != X.shape[1]:
            raise ValueError(
                f"Precomputed matrix must be a square matrix. Input is a {X.shape[0]}x"
                f"{X.shape[1]} matrix."
            )
        return X

    def _call_kernel(self, A, B) -> np.ndarray:
        K = np.asarray(self.kernel(A, B), dtype=np.float64)
        if K.shape != (len(A), len(B)):
            raise ValueError(
                f"The kernel callable must return a matrix of shape ({len(A)}, {len(B)}); "
                f"got shape {K.shape}."
            )
        return K

    def _solve(self, X_train, rows, y, p, C, sample_of=None):
        """Run SMO on the training samples ``rows``; return (alpha, rho, n_iter)."""
        if self._kernel_code == PRECOMPUTED:
            X_sub = np.ascontiguousarray(X_train[np.ix_(rows, rows)])
        else:
            X_sub = np.ascontiguousarray(X_train[rows])
        if sample_of is None:
            sample_of = np.arange(len(rows))
        n_slots = int(self.cache_size * 2**20 / 8 / max(len(rows), 1))
        alpha, rho, n_iter, converged = smo_solve(
            X_sub,
            self._kernel_code,
            self._gamma,
            float(self.coef0),
            float(self.degree),
            sample_of,
            y,
            p,
            C,
            float(self.tol),
            int(self.max_iter),
            n_slots,
        )
        if not (np.isfinite(alpha).all() and np.isfinite(rho).all()):
            raise ValueError(NOT_FINITE)
        if not converged:
            warnings.warn(
                f"Solver terminated early (max_iter={self.max_iter}). Consider pre-processing "
                "your data with StandardScaler or MinMaxScaler.",
                ConvergenceWarning,
                stacklevel=3,
            )
        return alpha, rho, n_iter

    def _kernel_to_support(self, X: np.ndarray) -> np.ndarray:
        """K(X, support vectors), shape (n_samples, n_SV)."""
        if callable(self.kernel):
            return self._call_kernel(X, self.support_vectors_)
        if self._kernel_code == PRECOMPUTED:
            return X[:, self.support_]
        return kernel_matrix(
            X,
            self.support_vectors_,
            self._kernel_code,
            self._gamma,
            float(self.coef0),
            float(self.degree),
        )

    def _validate_for_predict(self, X) -> np.ndarray:
        check_is_fitted(self)
        X = self._validate_data(X, reset=False)
        return np.asarray(X, dtype=np.float64)

    @property
    def coef_(self) -> np.ndarray:
        """Primal weights ``dual_coef_ @ support_vectors_`` (linear kernel only)."""
        if self.kernel != "linear":
            raise AttributeError("coef_ is only available when using a linear kernel")
        return self.dual_coef_ @ self.support_vectors_

    def _store_support(self, X, support):
        self.support_ = support.astype(np.int32)
        if self._kernel_code == PRECOMPUTED and not callable(self.kernel):
            self.support_vectors_ = np.empty((0, 0))
        else:
            self.support_vectors_ = X[support].copy()
        self.shape_fit_ = X.shape
