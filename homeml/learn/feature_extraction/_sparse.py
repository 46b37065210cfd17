"""Small CSR helpers of the text features: rows from term ids, row normalization."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp


def csr_from_terms(
    ids: np.ndarray, lengths: np.ndarray, n_columns: int, dtype, values=None
) -> sp.csr_matrix:
    """The (n_documents, n_columns) count matrix of documents given as runs of column ids.

    ``ids`` holds the column of every term, document after document; ``lengths`` the number
    of terms of each document. Repeated columns in a row are summed (a term's count), and the
    column indices of each row come out sorted, as scikit-learn's.
    """
    indptr = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(lengths, out=indptr[1:])
    index_dtype = np.int32 if indptr[-1] <= np.iinfo(np.int32).max else np.int64
    data = np.ones(len(ids), dtype=dtype) if values is None else values.astype(dtype)
    X = sp.csr_matrix(
        (data, ids.astype(index_dtype, copy=False), indptr.astype(index_dtype)),
        shape=(len(lengths), n_columns),
        dtype=dtype,
    )
    X.sum_duplicates()  # sorts each row's indices, sums repeats
    return X


def normalize_rows(X: sp.csr_matrix, norm: str) -> sp.csr_matrix:
    """Divide each row of the float CSR matrix ``X`` in place by its l1 or l2 norm (rows of
    norm 0 stay as they are), summing in the same order as scikit-learn's ``normalize``."""
    lengths = np.diff(X.indptr)
    rows = np.repeat(np.arange(X.shape[0]), lengths)
    values = np.abs(X.data) if norm == "l1" else X.data * X.data
    norms = np.bincount(rows, weights=values, minlength=X.shape[0]).astype(X.dtype)
    if norm == "l2":
        np.sqrt(norms, out=norms)
    norms[norms == 0.0] = 1.0
    X.data /= np.repeat(norms, lengths)
    return X


def document_frequency(X: sp.csr_matrix) -> np.ndarray:
    """The number of rows in which each column is non-zero."""
    return np.bincount(X.indices, minlength=X.shape[1])
