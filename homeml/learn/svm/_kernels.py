"""Kernel functions of the SVMs: parameter checks, ``gamma`` resolution and Gram matrices."""

from __future__ import annotations

import numbers

import numpy as np

from homeml.learn.svm._smo import LINEAR, POLY, PRECOMPUTED, RBF, SIGMOID

KERNEL_CODES = {
    "linear": LINEAR, "poly": POLY, "rbf": RBF, "sigmoid": SIGMOID, "precomputed": PRECOMPUTED,
}  # fmt: skip


def check_kernel_params(est) -> None:
    """Raise ``ValueError`` naming the parameter when a kernel hyperparameter is invalid."""
    if not callable(est.kernel) and est.kernel not in KERNEL_CODES:
        raise ValueError(
            f"The 'kernel' parameter of {type(est).__name__} must be one of "
            f"{sorted(KERNEL_CODES)} or a callable; got {est.kernel!r}."
        )
    if isinstance(est.gamma, str):
        if est.gamma not in ("scale", "auto"):
            raise ValueError(
                f"The 'gamma' parameter must be 'scale', 'auto' or a float >= 0; got {est.gamma!r}."
            )
    elif not isinstance(est.gamma, numbers.Real) or isinstance(est.gamma, bool) or est.gamma < 0:
        raise ValueError(
            f"The 'gamma' parameter must be 'scale', 'auto' or a float >= 0; got {est.gamma!r}."
        )
    if not isinstance(est.degree, numbers.Integral) or isinstance(est.degree, bool) \
            or est.degree < 0:
        raise ValueError(f"The 'degree' parameter must be an int >= 0; got {est.degree!r}.")
    if not isinstance(est.coef0, numbers.Real) or isinstance(est.coef0, bool):
        raise ValueError(f"The 'coef0' parameter must be a float; got {est.coef0!r}.")


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


def kernel_matrix(A: np.ndarray, B: np.ndarray, code: int, gamma: float, coef0: float,
                  degree: float) -> np.ndarray:
    """Gram matrix ``K[a, b] = K(A[a], B[b])`` of shape (len(A), len(B)) on BLAS."""
    K = A @ B.T  # updated in place below: these matrices are the largest arrays of predict
    if code == LINEAR:
        return K
    if code == RBF:  # exp(-gamma |a - b|^2) with |a - b|^2 = |a|^2 + |b|^2 - 2 a.b
        K *= 2.0 * gamma
        K -= gamma * np.einsum("ij,ij->i", A, A)[:, None]
        K -= gamma * np.einsum("ij,ij->i", B, B)[None, :]
        return np.exp(K, out=K)
    K *= gamma
    K += coef0
    if code == POLY:
        return np.power(K, degree, out=K)
    if code == SIGMOID:
        return np.tanh(K, out=K)
    raise ValueError(f"kernel code {code} has no Gram matrix (precomputed kernels are given).")
