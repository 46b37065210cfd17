"""Distances and kernels between the rows of two matrices, with scikit-learn's names.

Every estimator that needs a distance or kernel matrix (SVMs, kernel PCA, spectral clustering,
label propagation, k-means, mixtures, silhouettes, neighbours, manifolds) computes it here, on
BLAS: the squared Euclidean distance is expanded as ``-2 x.y + |x|^2 + |y|^2`` in scikit-learn's
order of operations, clipped at 0 against rounding, with an exact zero diagonal when ``Y`` is
``X``.

- distances: :func:`euclidean_distances` (``squared=``), :func:`manhattan_distances`,
  :func:`cosine_distances`, :func:`pairwise_distances` (``metric=`` one of
  :data:`PAIRWISE_DISTANCE_FUNCTIONS`, ``"chebyshev"``, ``"minkowski"``, ``"precomputed"`` or a
  callable);
- kernels: :func:`linear_kernel`, :func:`polynomial_kernel`, :func:`rbf_kernel`,
  :func:`laplacian_kernel`, :func:`sigmoid_kernel`, :func:`cosine_similarity`,
  :func:`pairwise_kernels` (``metric=`` one of :data:`PAIRWISE_KERNEL_FUNCTIONS`,
  ``"precomputed"`` or a callable).
"""

from __future__ import annotations

import numbers

import numpy as np

from homeml.learn.validation import check_array

__all__ = [
    "PAIRWISE_DISTANCE_FUNCTIONS",
    "PAIRWISE_KERNEL_FUNCTIONS",
    "check_pairwise_arrays",
    "cosine_distances",
    "cosine_similarity",
    "euclidean_distances",
    "laplacian_kernel",
    "linear_kernel",
    "manhattan_distances",
    "pairwise_distances",
    "pairwise_kernels",
    "polynomial_kernel",
    "rbf_kernel",
    "row_norms",
    "sigmoid_kernel",
]

# L1 distances are computed a block of rows at a time, each block under this many bytes
_BLOCK_BYTES = 2**25


def check_pairwise_arrays(X, Y=None, *, precomputed=False, dtype=np.float64):
    """Validated float ``X`` and ``Y`` (``Y`` is ``X`` itself when None) with equal widths.

    With ``precomputed=True``, ``X`` is a (n_samples_X, n_samples_Y) distance or kernel matrix.
    """
    same = Y is None or Y is X
    X = check_array(X, name="X", dtype=dtype)
    Y = X if same else check_array(Y, name="Y", dtype=dtype)
    if precomputed:
        if X.shape[1] != Y.shape[0]:
            raise ValueError(
                f"Precomputed metric requires shape (n_queries, n_indexed). Got {X.shape} for "
                f"{Y.shape[0]} indexed."
            )
    elif X.shape[1] != Y.shape[1]:
        raise ValueError(
            f"Incompatible dimension for X and Y matrices: X.shape[1] == {X.shape[1]} while "
            f"Y.shape[1] == {Y.shape[1]}"
        )
    return X, Y


def row_norms(X, squared=False) -> np.ndarray:
    """Euclidean norm of each row of ``X`` (its square with ``squared=True``)."""
    norms = np.einsum("ij,ij->i", X, X)
    return norms if squared else np.sqrt(norms)


def _unit_rows(X: np.ndarray) -> np.ndarray:
    norms = row_norms(X)
    norms[norms == 0.0] = 1.0  # all-zero rows stay zero
    return X / norms[:, None]


# ----------------------------------------------------------------------------------------------
# distances
# ----------------------------------------------------------------------------------------------


def euclidean_distances(X, Y=None, *, Y_norm_squared=None, squared=False, X_norm_squared=None):
    """Euclidean distances (or their squares) between the rows of ``X`` and those of ``Y``.

    Parameters
    ----------
    X : array-like of shape (n_samples_X, n_features)
    Y : array-like of shape (n_samples_Y, n_features), default=None
        None means ``X`` (the diagonal is then exactly zero).
    Y_norm_squared, X_norm_squared : array-like of shape (n_samples_Y,) / (n_samples_X,)
        Precomputed squared row norms, when the caller has them already.
    squared : bool, default=False
        Return squared distances.

    Returns
    -------
    ndarray of shape (n_samples_X, n_samples_Y)
    """
    X, Y = check_pairwise_arrays(X, Y)
    return _euclidean_distances(
        X, Y, X_norm_squared=X_norm_squared, Y_norm_squared=Y_norm_squared, squared=squared
    )


def _euclidean_distances(X, Y, *, X_norm_squared=None, Y_norm_squared=None, squared=False):
    """:func:`euclidean_distances` of float arrays the caller has checked (estimators' loops)."""
    XX = row_norms(X, squared=True) if X_norm_squared is None else np.ravel(X_norm_squared)
    if Y is X and Y_norm_squared is None:
        YY = XX
    else:
        YY = row_norms(Y, squared=True) if Y_norm_squared is None else np.ravel(Y_norm_squared)
    D = X @ Y.T  # updated in place: these matrices are often the largest arrays around
    D *= -2.0
    D += XX[:, None]
    D += YY[None, :]
    np.maximum(D, 0.0, out=D)
    if X is Y:
        np.fill_diagonal(D, 0.0)  # exactly zero, whatever the rounding
    return D if squared else np.sqrt(D, out=D)


def manhattan_distances(X, Y=None) -> np.ndarray:
    """L1 distances ``sum |x - y|`` between the rows of ``X`` and those of ``Y``."""
    X, Y = check_pairwise_arrays(X, Y)
    return _blockwise(X, Y, lambda diff: np.abs(diff).sum(axis=2))


def _chebyshev_distances(X, Y=None) -> np.ndarray:
    X, Y = check_pairwise_arrays(X, Y)
    return _blockwise(X, Y, lambda diff: np.abs(diff).max(axis=2, initial=0.0))


def _minkowski_distances(X, Y=None, p=2) -> np.ndarray:
    if not isinstance(p, numbers.Real) or isinstance(p, bool) or not p >= 1:
        raise ValueError(f"p must be a number >= 1 (Minkowski power); got {p!r}.")
    if p == 2:
        return euclidean_distances(X, Y)
    if p == np.inf:
        return _chebyshev_distances(X, Y)
    X, Y = check_pairwise_arrays(X, Y)
    return _blockwise(X, Y, lambda diff: (np.abs(diff) ** p).sum(axis=2) ** (1.0 / p))


def _blockwise(X, Y, reduce) -> np.ndarray:
    """``reduce(X[block, None] - Y[None])`` a block of rows at a time (no (n, m, d) array)."""
    out = np.empty((X.shape[0], Y.shape[0]))
    step = max(1, _BLOCK_BYTES // max(8 * Y.shape[0] * X.shape[1], 1))
    for start in range(0, X.shape[0], step):
        out[start : start + step] = reduce(X[start : start + step, None, :] - Y[None, :, :])
    return out


def cosine_similarity(X, Y=None, dense_output=True) -> np.ndarray:
    """``x.y / (|x| |y|)`` between the rows of ``X`` and those of ``Y`` (zero rows give 0)."""
    X, Y = check_pairwise_arrays(X, Y)
    X_unit = _unit_rows(X)
    Y_unit = X_unit if Y is X else _unit_rows(Y)
    return X_unit @ Y_unit.T


def cosine_distances(X, Y=None) -> np.ndarray:
    """``1 - cosine_similarity``, clipped to [0, 2], with a zero diagonal when ``Y`` is ``X``."""
    X, Y = check_pairwise_arrays(X, Y)
    D = cosine_similarity(X, Y)
    np.subtract(1.0, D, out=D)
    np.clip(D, 0.0, 2.0, out=D)
    if X is Y:
        np.fill_diagonal(D, 0.0)
    return D


def _sqeuclidean_distances(X, Y=None) -> np.ndarray:
    return euclidean_distances(X, Y, squared=True)


PAIRWISE_DISTANCE_FUNCTIONS = {
    "cityblock": manhattan_distances,
    "cosine": cosine_distances,
    "euclidean": euclidean_distances,
    "l1": manhattan_distances,
    "l2": euclidean_distances,
    "manhattan": manhattan_distances,
    "sqeuclidean": _sqeuclidean_distances,
}
_OTHER_DISTANCES = {
    "chebyshev": _chebyshev_distances,
    "infinity": _chebyshev_distances,
    "minkowski": _minkowski_distances,
}


def pairwise_distances(X, Y=None, metric="euclidean", *, n_jobs=None, **kwds) -> np.ndarray:
    """Distance matrix between the rows of ``X`` and those of ``Y`` (``X`` itself when None).

    Parameters
    ----------
    X : array-like of shape (n_samples_X, n_features), or (n_samples_X, n_samples_Y) when
        ``metric="precomputed"``
    Y : array-like of shape (n_samples_Y, n_features), default=None
    metric : str or callable, default="euclidean"
        A name of :data:`PAIRWISE_DISTANCE_FUNCTIONS`, ``"chebyshev"``, ``"minkowski"`` (power
        ``p`` in ``kwds``), ``"precomputed"``, or a callable of two rows returning a number.
    n_jobs : None
        Accepted for scikit-learn's signature; the work runs on BLAS threads.
    **kwds
        Extra arguments of the metric (``p`` for Minkowski, those of a callable).

    Returns
    -------
    ndarray of shape (n_samples_X, n_samples_Y)
    """
    if metric == "precomputed":
        X, _ = check_pairwise_arrays(X, Y, precomputed=True)
        if np.any(X < 0):
            raise ValueError("Precomputed distances must be non-negative.")
        return X
    if callable(metric):
        return _pairwise_callable(X, Y, metric, **kwds)
    function = PAIRWISE_DISTANCE_FUNCTIONS.get(metric) or _OTHER_DISTANCES.get(metric)
    if function is None:
        known = sorted([*PAIRWISE_DISTANCE_FUNCTIONS, *_OTHER_DISTANCES, "precomputed"])
        raise ValueError(f"Unknown metric {metric!r}. Valid metrics are {known}, or a callable.")
    return function(X, Y, **kwds)


def _pairwise_callable(X, Y, function, **kwds) -> np.ndarray:
    """``function(x, y, **kwds)`` for every pair of rows (symmetric: half of them when Y is X)."""
    X, Y = check_pairwise_arrays(X, Y)
    out = np.empty((X.shape[0], Y.shape[0]))
    if X is Y:
        for i in range(X.shape[0]):
            for j in range(i, X.shape[0]):
                out[i, j] = out[j, i] = function(X[i], X[j], **kwds)
        return out
    for i in range(X.shape[0]):
        for j in range(Y.shape[0]):
            out[i, j] = function(X[i], Y[j], **kwds)
    return out


# ----------------------------------------------------------------------------------------------
# kernels
# ----------------------------------------------------------------------------------------------


def linear_kernel(X, Y=None, dense_output=True) -> np.ndarray:
    """``K(x, y) = x.y``."""
    X, Y = check_pairwise_arrays(X, Y)
    return X @ Y.T


def polynomial_kernel(X, Y=None, degree=3, gamma=None, coef0=1) -> np.ndarray:
    """``K(x, y) = (gamma x.y + coef0)^degree``; ``gamma`` None means ``1 / n_features``."""
    X, Y = check_pairwise_arrays(X, Y)
    gamma = 1.0 / X.shape[1] if gamma is None else gamma
    K = X @ Y.T
    K *= gamma
    K += coef0
    return np.power(K, degree, out=K)


def sigmoid_kernel(X, Y=None, gamma=None, coef0=1) -> np.ndarray:
    """``K(x, y) = tanh(gamma x.y + coef0)``; ``gamma`` None means ``1 / n_features``."""
    X, Y = check_pairwise_arrays(X, Y)
    gamma = 1.0 / X.shape[1] if gamma is None else gamma
    K = X @ Y.T
    K *= gamma
    K += coef0
    return np.tanh(K, out=K)


def rbf_kernel(X, Y=None, gamma=None) -> np.ndarray:
    """``K(x, y) = exp(-gamma |x - y|^2)``; ``gamma`` None means ``1 / n_features``."""
    X, Y = check_pairwise_arrays(X, Y)
    gamma = 1.0 / X.shape[1] if gamma is None else gamma
    K = euclidean_distances(X, Y, squared=True)
    K *= -gamma
    return np.exp(K, out=K)


def laplacian_kernel(X, Y=None, gamma=None) -> np.ndarray:
    """``K(x, y) = exp(-gamma |x - y|_1)``; ``gamma`` None means ``1 / n_features``."""
    X, Y = check_pairwise_arrays(X, Y)
    gamma = 1.0 / X.shape[1] if gamma is None else gamma
    K = manhattan_distances(X, Y)
    K *= -gamma
    return np.exp(K, out=K)


PAIRWISE_KERNEL_FUNCTIONS = {
    "cosine": cosine_similarity,
    "laplacian": laplacian_kernel,
    "linear": linear_kernel,
    "poly": polynomial_kernel,
    "polynomial": polynomial_kernel,
    "rbf": rbf_kernel,
    "sigmoid": sigmoid_kernel,
}

_KERNEL_PARAMS = {
    "cosine": (),
    "laplacian": ("gamma",),
    "linear": (),
    "poly": ("gamma", "degree", "coef0"),
    "polynomial": ("gamma", "degree", "coef0"),
    "rbf": ("gamma",),
    "sigmoid": ("gamma", "coef0"),
}


def pairwise_kernels(X, Y=None, metric="linear", *, filter_params=False, n_jobs=None, **kwds):
    """Kernel matrix between the rows of ``X`` and those of ``Y`` (``X`` itself when None).

    Parameters
    ----------
    X, Y : array-like
        As in :func:`pairwise_distances`.
    metric : str or callable, default="linear"
        A name of :data:`PAIRWISE_KERNEL_FUNCTIONS`, ``"precomputed"`` (``X`` is returned), or a
        callable of two rows returning a number.
    filter_params : bool, default=False
        Drop the keyword arguments the named kernel does not take (``gamma`` for ``"linear"``).
    n_jobs : None
        As in :func:`pairwise_distances`.
    **kwds
        The kernel's parameters (``gamma``, ``degree``, ``coef0``, or those of a callable).

    Returns
    -------
    ndarray of shape (n_samples_X, n_samples_Y)
    """
    if metric == "precomputed":
        X, _ = check_pairwise_arrays(X, Y, precomputed=True)
        return X
    if callable(metric):
        return _pairwise_callable(X, Y, metric, **kwds)
    if metric not in PAIRWISE_KERNEL_FUNCTIONS:
        known = sorted([*PAIRWISE_KERNEL_FUNCTIONS, "precomputed"])
        raise ValueError(f"Unknown kernel {metric!r}. Valid kernels are {known}, or a callable.")
    if filter_params:
        kwds = {k: v for k, v in kwds.items() if k in _KERNEL_PARAMS[metric]}
    return PAIRWISE_KERNEL_FUNCTIONS[metric](X, Y, **kwds)
