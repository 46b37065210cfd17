"""Kernel functions of the SVMs: ``gamma`` resolution and Gram matrices."""

from __future__ import annotations

import numpy as np

from homeml.learn.metrics.pairwise import (
    linear_kernel,
    polynomial_kernel,
    rbf_kernel,
    sigmoid_kernel,
)
from homeml.learn.svm._smo import LINEAR, POLY, PRECOMPUTED, RBF, SIGMOID

KERNEL_CODES = {
    "linear": LINEAR,
    "poly": POLY,
    "rbf": RBF,
    "sigmoid": SIGMOID,
    "precomputed": PRECOMPUTED,
}


# scikit-learn's words when values too large for float64 squares make the solution non-finite
NOT_FINITE = (
    "The dual coefficients or intercepts are not finite. The input data may contain large "
    "values and need to be preprocessed."
)


def check_finite_squares(X: np.ndarray) -> None:
    """Every kernel reads dot products of rows: values past ~1e154 overflow them to inf (and
    ``"scale"`` to gamma 0), which scikit-learn reports as a non-finite solution."""
    with np.errstate(over="ignore", invalid="ignore"):
        if not np.isfinite(np.einsum("ij,ij->i", X, X)).all() or not np.isfinite(X.var()):
            raise ValueError(NOT_FINITE)


def resolve_gamma(gamma, X: np.ndarray) -> float:
    """``"scale"``: 1 / (n_features * X.var()); ``"auto"``: 1 / n_features; else the number."""
    if gamma == "scale":
        variance = X.var()
        if not np.isfinite(variance):
            raise ValueError(NOT_FINITE)
        return 1.0 / (X.shape[1] * variance) if variance != 0 else 1.0
    if gamma == "auto":
        return 1.0 / X.shape[1]
    return float(gamma)


def kernel_matrix(
    A: np.ndarray, B: np.ndarray, code: int, gamma: float, coef0: float, degree: float
) -> np.ndarray:
    """Gram matrix ``K[a, b] = K(A[a], B[b])`` of shape (len(A), len(B)) on BLAS."""
    if code == LINEAR:
        return linear_kernel(A, B)
    if code == RBF:
        return rbf_kernel(A, B, gamma=gamma)
    if code == POLY:
        return polynomial_kernel(A, B, degree=degree, gamma=gamma, coef0=coef0)
    if code == SIGMOID:
        return sigmoid_kernel(A, B, gamma=gamma, coef0=coef0)
    raise ValueError(f"kernel code {code} has no Gram matrix (precomputed kernels are given).")
