"""Tf-idf weighting: :class:`TfidfTransformer` (counts in, weights out) and
:class:`TfidfVectorizer` (a :class:`CountVectorizer` followed by one).

The weight of term t in document d is ``tf(t, d) * idf(t)`` with
``idf(t) = log((1 + n) / (1 + df(t))) + 1`` (``smooth_idf``, the default) or
``log(n / df(t)) + 1``, and each row is then scaled to unit l2 (or l1) norm, as in
scikit-learn; the operations run in the same order, so the values agree to the last bits.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable, Mapping

import numpy as np
import scipy.sparse as sp

from homeml.learn._param_validation import StrOptions
from homeml.learn.base import BaseEstimator, TransformerMixin, check_is_fitted
from homeml.learn.exceptions import NotFittedError
from homeml.learn.feature_extraction._count import CountVectorizer
from homeml.learn.feature_extraction._sparse import document_frequency, normalize_rows

_TFIDF_CONSTRAINTS: dict = {
    "norm": [StrOptions({"l1", "l2"}), None],
    "use_idf": ["boolean"],
    "smooth_idf": ["boolean"],
    "sublinear_tf": ["boolean"],
}

_FLOAT_DTYPES = (np.float64, np.float32, np.float16)


class TfidfTransformer(TransformerMixin, BaseEstimator):
    """Turn a matrix of term counts into tf-idf weights.

    Parameters
    ----------
    norm : {"l1", "l2"} or None, default="l2"
        Scale each row to unit norm.
    use_idf : bool, default=True
        Multiply by the inverse document frequency.
    smooth_idf : bool, default=True
        Add one to every document frequency (as if one document held every term).
    sublinear_tf : bool, default=False
        Replace tf by ``1 + log(tf)``.

    Attributes
    ----------
    idf_ : numpy.ndarray of shape (n_features,)
        The inverse document frequencies (when ``use_idf``).
    n_features_in_ : int
        Number of columns seen in ``fit``.
    """

    _homeml_constraints = _TFIDF_CONSTRAINTS

    def __init__(
        self,
        *,
        norm: str | None = "l2",
        use_idf: bool = True,
        smooth_idf: bool = True,
        sublinear_tf: bool = False,
    ):
        self.norm = norm
        self.use_idf = use_idf
        self.smooth_idf = smooth_idf
        self.sublinear_tf = sublinear_tf

    def _homeml_tags(self) -> dict:
        return {**super()._homeml_tags(), "sparse": True, "preserves_dtype": ["float64", "float32"]}

    def fit(self, X, y=None) -> TfidfTransformer:
        """Learn the idf of each column of the count matrix ``X`` (sparse or dense).

        Returns
        -------
        self : TfidfTransformer
        """
        self._validate_params()
        X = self._validate_data(X, accept_sparse=("csr", "csc"))
        X = sp.csr_matrix(X)
        dtype = X.dtype if X.dtype in (np.float64, np.float32) else np.float64
        if self.use_idf:
            n_samples = X.shape[0]
            df = document_frequency(X).astype(dtype, copy=False)
            df += float(self.smooth_idf)
            n_samples += int(self.smooth_idf)
            idf = np.full_like(df, fill_value=n_samples, dtype=dtype)
            idf /= df
            np.log(idf, out=idf)
            idf += 1.0
            self.idf_ = idf
        return self

    def transform(self, X, copy: bool = True) -> sp.csr_matrix:
        """Weight the counts ``X`` by tf-idf and normalize the rows.

        Parameters
        ----------
        X : sparse matrix or array-like of shape (n_samples, n_features)
            Term counts.
        copy : bool, default=True
            Work on a copy (``False`` may modify a float CSR ``X`` in place).

        Returns
        -------
        scipy.sparse.csr_matrix of shape (n_samples, n_features)
        """
        check_is_fitted(self)
        X = self._validate_data(
            X, accept_sparse="csr", dtype=[np.float64, np.float32], copy=copy, reset=False
        )
        if not sp.issparse(X):
            X = sp.csr_matrix(X, dtype=X.dtype)
        if self.sublinear_tf:
            np.log(X.data, X.data)
            X.data += 1.0
        if hasattr(self, "idf_"):
            X.data *= self.idf_[X.indices]
        if self.norm is not None:
            X = normalize_rows(X, self.norm)
        return X


class TfidfVectorizer(CountVectorizer):
    """Convert text documents to a sparse matrix of tf-idf weights.

    Equivalent to :class:`CountVectorizer` followed by :class:`TfidfTransformer`; the
    parameters are those of both (see them for their meaning), ``dtype`` defaults to float64.

    Attributes
    ----------
    vocabulary_ : dict
        Term -> column index.
    idf_ : numpy.ndarray of shape (n_features,)
        The inverse document frequencies (when ``use_idf``).
    """

    _homeml_constraints = {**CountVectorizer._homeml_constraints, **_TFIDF_CONSTRAINTS}

    def __init__(
        self,
        *,
        input: str = "content",
        encoding: str = "utf-8",
        decode_error: str = "strict",
        strip_accents: str | Callable | None = None,
        lowercase: bool = True,
        preprocessor: Callable | None = None,
        tokenizer: Callable | None = None,
        analyzer: str | Callable = "word",
        stop_words: str | list | None = None,
        token_pattern: str | None = r"(?u)\b\w\w+\b",
        ngram_range: tuple[int, int] = (1, 1),
        max_df: float | int = 1.0,
        min_df: float | int = 1,
        max_features: int | None = None,
        vocabulary: Mapping | Iterable | None = None,
        binary: bool = False,
        dtype=np.float64,
        norm: str | None = "l2",
        use_idf: bool = True,
        smooth_idf: bool = True,
        sublinear_tf: bool = False,
    ):
        super().__init__(
            input=input,
            encoding=encoding,
            decode_error=decode_error,
            strip_accents=strip_accents,
            lowercase=lowercase,
            preprocessor=preprocessor,
            tokenizer=tokenizer,
            analyzer=analyzer,
            stop_words=stop_words,
            token_pattern=token_pattern,
            ngram_range=ngram_range,
            max_df=max_df,
            min_df=min_df,
            max_features=max_features,
            vocabulary=vocabulary,
            binary=binary,
            dtype=dtype,
        )
        self.norm = norm
        self.use_idf = use_idf
        self.smooth_idf = smooth_idf
        self.sublinear_tf = sublinear_tf

    @property
    def idf_(self) -> np.ndarray:
        """The inverse document frequency of each term (only with ``use_idf=True``)."""
        if not hasattr(self, "_tfidf"):
            raise NotFittedError(
                f"{type(self).__name__} is not fitted yet. Call 'fit' with appropriate "
                "arguments before using this attribute."
            )
        return self._tfidf.idf_

    @idf_.setter
    def idf_(self, value) -> None:
        if not self.use_idf:
            raise ValueError("`idf_` cannot be set when `user_idf=False`.")
        if not hasattr(self, "_tfidf"):
            self._tfidf = self._make_transformer()
        self._validate_vocabulary()
        if hasattr(self, "vocabulary_") and len(self.vocabulary_) != len(value):
            raise ValueError(
                f"idf length = {len(value)} must be equal to vocabulary size = "
                f"{len(self.vocabulary_)}"
            )
        self._tfidf.idf_ = value

    def _make_transformer(self) -> TfidfTransformer:
        return TfidfTransformer(
            norm=self.norm,
            use_idf=self.use_idf,
            smooth_idf=self.smooth_idf,
            sublinear_tf=self.sublinear_tf,
        )

    def _check_dtype(self) -> None:
        if self.dtype not in _FLOAT_DTYPES:
            warnings.warn(
                f"Only {_FLOAT_DTYPES} 'dtype' should be used. {self.dtype} 'dtype' will be "
                "converted to np.float64.",
                UserWarning,
                stacklevel=3,
            )

    def fit(self, raw_documents: Iterable, y=None) -> TfidfVectorizer:
        """Learn the vocabulary and the idf of ``raw_documents``.

        Returns
        -------
        self : TfidfVectorizer
        """
        self.fit_transform(raw_documents)
        return self

    def fit_transform(self, raw_documents: Iterable, y=None) -> sp.csr_matrix:  # type: ignore[override]
        """Learn the vocabulary and the idf, and return the tf-idf matrix.

        Returns
        -------
        scipy.sparse.csr_matrix of shape (n_documents, n_features)
        """
        self._check_dtype()
        self._tfidf = self._make_transformer()
        X = super().fit_transform(raw_documents)
        self._tfidf.fit(X)
        return self._tfidf.transform(X, copy=False)

    def transform(self, raw_documents: Iterable) -> sp.csr_matrix:
        """The tf-idf matrix of ``raw_documents`` with the fitted vocabulary and idf.

        Returns
        -------
        scipy.sparse.csr_matrix of shape (n_documents, n_features)
        """
        if not hasattr(self, "_tfidf"):
            raise NotFittedError("The TF-IDF vectorizer is not fitted")
        X = super().transform(raw_documents)
        return self._tfidf.transform(X, copy=False)
