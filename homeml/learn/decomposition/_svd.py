"""Shared pieces of the decompositions: the sign convention, randomized SVD, parameter checks.

The sign convention matters because a singular vector is only defined up to its sign: PCA,
IncrementalPCA and TruncatedSVD all flip each component so that its entry of largest absolute
value is positive (scikit-learn's convention), which makes their components comparable.
"""

from __future__ import annotations

import numpy as np

# ----------------------------------------------------------------------------------------------
# sign convention
# ----------------------------------------------------------------------------------------------


def flip_by_rows(U: np.ndarray | None, Vt: np.ndarray) -> tuple[np.ndarray | None, np.ndarray]:
    """Flip each row of ``Vt`` (and the matching column of ``U``) so that the entry of largest
    absolute value in the row is positive. Works in place and returns ``(U, Vt)``."""
    largest = np.argmax(np.abs(Vt), axis=1)
    signs = np.sign(Vt[np.arange(Vt.shape[0]), largest])
    signs[signs == 0] = 1.0
    Vt *= signs[:, None]
    if U is not None:
        U *= signs[None, : U.shape[1]]
    return U, Vt


def flip_by_columns(U: np.ndarray) -> np.ndarray:
    """Flip each column of ``U`` so that its entry of largest absolute value is positive."""
    largest = np.argmax(np.abs(U), axis=0)
    signs = np.sign(U[largest, np.arange(U.shape[1])])
    signs[signs == 0] = 1.0
    U *= signs[None, :]
    return U


# ----------------------------------------------------------------------------------------------
# randomized SVD (Halko, Martinsson & Tropp 2011, algorithms 4.4 and 5.1)
# ----------------------------------------------------------------------------------------------


def _orthonormal_basis(Y: np.ndarray) -> np.ndarray:
    return np.linalg.qr(Y, mode="reduced")[0]


def randomized_svd(
    M,
    n_components: int,
    *,
    n_oversamples: int = 10,
    n_iter="auto",
    power_iteration_normalizer="auto",
    random_state=None,
):
    """Approximate the ``n_components`` largest singular triplets of ``M``.

    A Gaussian test matrix of ``n_components + n_oversamples`` columns samples the range of
    ``M``; ``n_iter`` power iterations (``M M^T`` applied again) sharpen that sample toward the
    top singular subspace, and an exact SVD of the small projected matrix finishes the job.

    Parameters
    ----------
    M : ndarray of shape (n_rows, n_cols)
    n_components : int
    n_oversamples : int
        Extra sampled directions; more makes the result closer to the exact SVD.
    n_iter : int or "auto"
        Power iterations; "auto" is 7 when ``n_components < 0.1 * min(M.shape)`` else 4.
    power_iteration_normalizer : {"auto", "QR", "LU", "none"}
        How the sample is re-orthonormalised between power iterations. NumPy has no LU
        factorisation, so "LU" (and "auto" with more than 2 iterations) uses QR, which is as
        stable (more so) and costs O(n k^2), small next to the products with ``M``.
    random_state : numpy.random.RandomState

    Returns
    -------
    U : ndarray (n_rows, n_components), s : ndarray (n_components,),
    Vt : ndarray (n_components, n_cols); no sign flip is applied.
    """
    rng = random_state if random_state is not None else np.random.mtrand._rand
    n_random = n_components + n_oversamples
    if n_iter == "auto":
        n_iter = 7 if n_components < 0.1 * min(M.shape) else 4
    if power_iteration_normalizer == "auto":
        power_iteration_normalizer = "none" if n_iter <= 2 else "QR"
    transpose = M.shape[0] < M.shape[1]  # sample the smaller side: fewer rows to orthonormalise
    if transpose:
        M = M.T
    Q = rng.normal(size=(M.shape[1], n_random)).astype(M.dtype, copy=False)
    for _ in range(n_iter):
        if power_iteration_normalizer == "none":
            Q = M.T @ (M @ Q)
        else:
            Q = _orthonormal_basis(M.T @ _orthonormal_basis(M @ Q))
    Q = _orthonormal_basis(M @ Q)  # (n_rows, n_random), orthonormal basis of the range sample
    U_small, s, Vt = np.linalg.svd(Q.T @ M, full_matrices=False)
    U = Q @ U_small
    U, s, Vt = U[:, :n_components], s[:n_components], Vt[:n_components]
    if transpose:
        return Vt.T, s, U.T
    return U, s, Vt


# ----------------------------------------------------------------------------------------------
# batches and parameter checks
# ----------------------------------------------------------------------------------------------


def batch_slices(n: int, batch_size: int, min_batch_size: int = 0):
    """Consecutive slices of ``batch_size`` rows; a last piece shorter than ``min_batch_size``
    joins the previous batch (so no batch is too small to hold ``n_components`` rows)."""
    start = 0
    for _ in range(n // batch_size):
        end = start + batch_size
        if end + min_batch_size > n:
            continue
        yield slice(start, end)
        start = end
    if start < n:
        yield slice(start, n)


class ClassNamePrefixFeaturesOutMixin:
    """``get_feature_names_out``: ``pca0, pca1, ...`` (lowercase class name and output index)."""

    @property
    def _n_features_out(self) -> int:
        return self.components_.shape[0]  # one output per component (KernelPCA overrides it)

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        """Output feature names, one per output column."""
        from homeml.learn.preprocessing._common import input_feature_names

        input_feature_names(self, input_features)  # checks fitted and the given names
        prefix = type(self).__name__.lower()
        return np.asarray([f"{prefix}{i}" for i in range(self._n_features_out)], dtype=object)
