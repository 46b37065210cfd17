"""The scalers' arithmetic on SciPy sparse matrices (CSR or CSC), touching only the stored
entries: per-column moments and maxima, column scaling and row normalisation. Implicit zeros
count as values (a zero stays a zero under scaling), NaN entries are left out of the statistics.
"""

from __future__ import annotations

import numpy as np


def _rows_and_columns(X):
    """Row and column index of each stored entry of a CSR or CSC matrix."""
    outer = np.repeat(np.arange(len(X.indptr) - 1), np.diff(X.indptr))
    return (outer, X.indices) if X.format == "csr" else (X.indices, outer)


def sparse_moments(X, w):
    """Per column: (weight of the non-NaN entries, mean, sum of squared deviations), as
    ``_weighted_moments`` computes them on a dense array, from the stored entries only.

    The implicit zeros of a column weigh ``count - (weight of its stored entries)``.
    """
    n_samples, n_features = X.shape
    rows, cols = _rows_and_columns(X)
    w = np.ones(n_samples) if w is None else w
    entry_weight = w[rows]
    nan = np.isnan(X.data)
    count = w.sum() - np.bincount(cols[nan], entry_weight[nan], minlength=n_features)
    keep = ~nan
    data, cols, entry_weight = X.data[keep], cols[keep], entry_weight[keep]
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.bincount(cols, entry_weight * data, minlength=n_features) / count
    zeros_weight = count - np.bincount(cols, entry_weight, minlength=n_features)
    deviation = data - mean[cols]
    # sum of w (x - mean) and of w (x - mean)^2, implicit zeros (x = 0) included
    correction = np.bincount(cols, entry_weight * deviation, minlength=n_features)
    correction -= zeros_weight * mean
    squares = np.bincount(cols, entry_weight * deviation**2, minlength=n_features)
    squares += zeros_weight * mean**2
    with np.errstate(invalid="ignore", divide="ignore"):
        squares = squares - correction**2 / count
    return count, mean, squares


def sparse_max_abs(X) -> np.ndarray:
    """Largest absolute value of each column (implicit zeros included, NaN ignored)."""
    _, cols = _rows_and_columns(X)
    values = np.abs(X.data)
    keep = ~np.isnan(values)
    result = np.zeros(X.shape[1])
    np.maximum.at(result, cols[keep], values[keep])
    return result


def scale_sparse_columns(X, factor):
    """Multiply column j of ``X`` by ``factor[j]``, in place; returns ``X``."""
    _, cols = _rows_and_columns(X)
    X.data *= factor.astype(X.dtype)[cols]
    return X


def normalize_sparse_rows(X, norm: str):
    """Divide each row of the CSR matrix ``X`` by its l1, l2 or max norm, in place (rows of
    zeros stay as they are); returns ``X``."""
    rows, _ = _rows_and_columns(X)
    magnitude = np.abs(X.data) if norm != "l2" else X.data**2
    if norm == "max":
        norms = np.zeros(X.shape[0])
        np.maximum.at(norms, rows, magnitude)
    else:
        norms = np.bincount(rows, magnitude, minlength=X.shape[0])
        if norm == "l2":
            norms = np.sqrt(norms)
    norms[norms == 0.0] = 1.0
    X.data /= norms.astype(X.dtype)[rows]
    return X
