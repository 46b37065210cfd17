"""Label indicator matrices: LabelBinarizer (one label per sample) and MultiLabelBinarizer (sets).

Both work on targets, not on features: ``fit(y)`` without ``X``, as in scikit-learn.
"""

from __future__ import annotations

import warnings
from itertools import chain

import numpy as np
import scipy.sparse as sp

from homeml.learn.base import BaseEstimator, TransformerMixin, check_is_fitted
from homeml.learn.validation import type_of_target

_LABEL_KINDS = ("binary", "multiclass", "multilabel-indicator")


def _dense_or_sparse(y):
    return y if sp.issparse(y) else np.asarray(y)


def _sorted_labels(y, kind: str) -> np.ndarray:
    if kind == "multilabel-indicator":
        return np.arange(y.shape[1])
    return np.unique(np.asarray(y).ravel())


def _label_kind(y) -> str:
    if sp.issparse(y):
        return "multilabel-indicator"
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] > 1 and y.dtype.kind not in "biuf":
        return "multiclass-multioutput"
    return type_of_target(y)


class LabelBinarizer(TransformerMixin, BaseEstimator, auto_wrap_output=False):
    """One-vs-all indicator matrix of labels (``neg_label`` off, ``pos_label`` on).

    Two classes give a single column (is it the larger class?); more give one column per class;
    a multilabel indicator matrix is kept as it is (with its 0/1 mapped to neg/pos).

    Parameters
    ----------
    neg_label, pos_label : int
        The values written for "not this class" and "this class".
    sparse_output : bool
        Return a CSR matrix.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The sorted labels.
    y_type_ : str
        The kind of target seen in fit (``"binary"``, ``"multiclass"``,
        ``"multilabel-indicator"``).
    sparse_input_ : bool
        Whether fit saw a sparse matrix.
    """

    def __init__(self, *, neg_label=0, pos_label=1, sparse_output=False):
        self.neg_label = neg_label
        self.pos_label = pos_label
        self.sparse_output = sparse_output

    def _homeml_tags(self) -> dict:
        return {**super()._homeml_tags(), "one_d_labels": True, "preserves_dtype": []}

    def _check_labels(self):
        if self.neg_label >= self.pos_label:
            raise ValueError(
                f"neg_label={self.neg_label} must be strictly less than pos_label={self.pos_label}."
            )
        if self.sparse_output and (self.pos_label == 0 or self.neg_label != 0):
            raise ValueError(
                "Sparse binarization is only supported with non-zero pos_label and zero "
                f"neg_label, got pos_label={self.pos_label} and neg_label={self.neg_label}"
            )

    def fit(self, y):
        """Learn the labels of ``y``."""
        self._check_labels()
        y = _dense_or_sparse(y)
        kind = _label_kind(y)
        if "multioutput" in kind:
            raise ValueError("Multioutput target data is not supported with label binarization")
        if y.shape[0] == 0:
            raise ValueError(f"y has 0 samples: {y!r}")
        self.y_type_ = kind
        self.sparse_input_ = sp.issparse(y)
        self.classes_ = _sorted_labels(y, kind)
        return self

    def fit_transform(self, y):
        """Learn the labels and return the indicator matrix of ``y``."""
        return self.fit(y).transform(y)

    def transform(self, y):
        """Indicator matrix of ``y`` (n_samples, n_classes; one column for two classes)."""
        check_is_fitted(self)
        y = _dense_or_sparse(y)
        kind = _label_kind(y)
        if kind.startswith("multilabel") and not self.y_type_.startswith("multilabel"):
            raise ValueError("The object was not fitted with multilabel input.")
        return label_binarize(
            y,
            classes=self.classes_,
            neg_label=self.neg_label,
            pos_label=self.pos_label,
            sparse_output=self.sparse_output,
        )

    def inverse_transform(self, Y, threshold=None):
        """Labels of an indicator (or score) matrix: the largest column, or above ``threshold``."""
        check_is_fitted(self)
        if threshold is None:
            threshold = (self.pos_label + self.neg_label) / 2.0
        Y = Y.toarray() if sp.issparse(Y) else np.asarray(Y)
        if self.y_type_ == "multiclass":
            out = self.classes_[np.argmax(Y, axis=1)] if Y.ndim == 2 else self.classes_[Y]
        elif self.y_type_ == "multilabel-indicator":
            out = (Y > threshold).astype(int)
        else:
            column = Y[:, 0] if Y.ndim == 2 else Y
            if len(self.classes_) == 1:
                out = np.repeat(self.classes_[0], len(column))
            else:
                out = self.classes_[(column > threshold).astype(int)]
        if self.sparse_input_:
            return sp.csr_matrix(out)
        return out


def label_binarize(y, *, classes, neg_label=0, pos_label=1, sparse_output=False):
    """Indicator matrix of ``y`` against ``classes`` (see :class:`LabelBinarizer`)."""
    y = _dense_or_sparse(y)
    kind = _label_kind(y)
    classes = np.sort(np.asarray(classes))
    if kind == "unknown":
        raise ValueError("The type of target data is not known")
    if kind == "multilabel-indicator":
        dense = (y.toarray() if sp.issparse(y) else y) != 0
        if dense.shape[1] != len(classes):
            raise ValueError(
                f"classes {classes.tolist()} mismatch with the labels {dense.shape[1]} found in "
                "the data"
            )
    else:
        y = np.asarray(y).ravel()
        if kind == "binary" and len(classes) == 1:
            Y = np.full((len(y), 1), neg_label, dtype=int)
            return sp.csr_matrix(Y) if sparse_output else Y
        dense = y[:, None] == classes[None, :]
        if kind == "binary" and len(classes) == 2:
            dense = dense[:, 1:]
    Y = np.where(dense, pos_label, neg_label).astype(int)
    return sp.csr_matrix(Y) if sparse_output else Y


class MultiLabelBinarizer(TransformerMixin, BaseEstimator, auto_wrap_output=False):
    """Indicator matrix of label sets: column j is 1 where the sample's set holds ``classes_[j]``.

    Parameters
    ----------
    classes : array-like of shape (n_classes,) or None
        The labels, in column order; None: the sorted labels seen in fit.
    sparse_output : bool
        Return a CSR matrix.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The labels, in column order.
    """

    def __init__(self, *, classes=None, sparse_output=False):
        self.classes = classes
        self.sparse_output = sparse_output

    def _homeml_tags(self) -> dict:
        return {**super()._homeml_tags(), "one_d_labels": True, "preserves_dtype": []}

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.one_d_array = False
        tags.target_tags.one_d_labels = False
        tags.target_tags.two_d_labels = True
        return tags

    def fit(self, y):
        """Learn the labels of the label sets in ``y``."""
        if self.classes is None:
            classes = sorted(set(chain.from_iterable(y)))
        elif len(set(self.classes)) < len(self.classes):
            raise ValueError(
                "The classes argument contains duplicate classes. Remove these duplicates before "
                "passing them to MultiLabelBinarizer."
            )
        else:
            classes = self.classes
        dtype = int if all(isinstance(c, int) for c in classes) else object
        self.classes_ = np.empty(len(classes), dtype=dtype)
        self.classes_[:] = classes
        return self

    def fit_transform(self, y):
        """Learn the labels and return the indicator matrix of ``y``."""
        return self.fit(y).transform(y)

    def transform(self, y):
        """Indicator matrix (n_samples, n_classes); labels not in ``classes_`` are ignored."""
        check_is_fitted(self)
        column_of = {label: j for j, label in enumerate(self.classes_)}
        rows, cols, unknown = [], [], set()
        for i, labels in enumerate(y):
            seen = set()
            for label in labels:
                j = column_of.get(label)
                if j is None:
                    unknown.add(label)
                elif j not in seen:
                    seen.add(j)
                    rows.append(i)
                    cols.append(j)
        if unknown:
            warnings.warn(
                f"unknown class(es) {sorted(unknown, key=str)} will be ignored", stacklevel=2
            )
        n = len(y) if hasattr(y, "__len__") else max(rows, default=-1) + 1
        Y = sp.csr_matrix(
            (np.ones(len(rows), dtype=int), (rows, cols)), shape=(n, len(self.classes_))
        )
        Y.sort_indices()
        return Y if self.sparse_output else Y.toarray()

    def inverse_transform(self, yt):
        """The label set (a tuple) of each row of an indicator matrix."""
        check_is_fitted(self)
        if yt.shape[1] != len(self.classes_):
            raise ValueError(
                f"Expected indicator for {len(self.classes_)} classes, but got {yt.shape[1]}"
            )
        yt = sp.csr_matrix(yt)
        if len(np.setdiff1d(yt.data, [0, 1])):
            raise ValueError("Expected only 0s and 1s in label indicator.")
        yt.eliminate_zeros()
        return [
            tuple(self.classes_[yt.indices[start:end]])
            for start, end in zip(yt.indptr[:-1], yt.indptr[1:], strict=True)
        ]
