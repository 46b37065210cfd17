"""Bag-of-words counts: :class:`CountVectorizer` (a learned vocabulary) and
:class:`HashingVectorizer` (no vocabulary: each term's column is its MurmurHash3).

Both return a ``scipy.sparse.csr_matrix`` of shape (n_documents, n_features) with sorted
column indices, entry for entry the matrix of their scikit-learn namesakes. The whole corpus is
analyzed first; the terms are then mapped to columns with one dictionary lookup each (in C,
through ``map``) and counted by summing repeated (row, column) pairs in the CSR matrix.
"""

from __future__ import annotations

import warnings
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from itertools import chain, islice, repeat
from numbers import Integral

import numpy as np
import scipy.sparse as sp

from homeml.learn._param_validation import HasMethods, Interval, RealNotInt, StrOptions
from homeml.learn.base import BaseEstimator, TransformerMixin, check_array
from homeml.learn.feature_extraction._analysis import _check_documents, _VectorizerMixin
from homeml.learn.feature_extraction._hash import hash_bytes
from homeml.learn.feature_extraction._sparse import (
    csr_from_terms,
    document_frequency,
    normalize_rows,
)

_TEXT_CONSTRAINTS: dict = {
    "input": [StrOptions({"filename", "file", "content"})],
    "encoding": [str],
    "decode_error": [StrOptions({"strict", "ignore", "replace"})],
    "strip_accents": [StrOptions({"ascii", "unicode"}), None, callable],
    "lowercase": ["boolean"],
    "preprocessor": [callable, None],
    "tokenizer": [callable, None],
    "stop_words": [StrOptions({"english"}), list, None],
    "token_pattern": [str, None],
    "ngram_range": [tuple],
    "analyzer": [StrOptions({"word", "char", "char_wb"}), callable],
    "binary": ["boolean"],
}

# Documents are analyzed 128 at a time (their terms are mapped to ids while the strings are
# still in the CPU caches: at 1M documents this is ~25% faster than 4096 at a time), and their
# ids become one CSR block (repeats summed: memory ~ nnz) every 8192 documents.
_CHUNK = 128
_BLOCK = 8192


def _chunks(documents: Iterable, size: int) -> Iterator[list]:
    """Consecutive lists of up to ``size`` documents."""
    iterator = iter(documents)
    while chunk := list(islice(iterator, size)):
        yield chunk


# documents in, not a 2-D X: scikit-learn's estimator checks skip them (as its own vectorizers)
_TEXT_TAGS = {"string": True, "two_d_array": False, "preserves_dtype": []}


class CountVectorizer(_VectorizerMixin, TransformerMixin, BaseEstimator):
    """Convert a collection of text documents to a sparse matrix of term counts.

    Parameters
    ----------
    input : {"content", "filename", "file"}, default="content"
        What the documents are: strings (or bytes), file names, or open files.
    encoding : str, default="utf-8"
        Encoding used to decode bytes.
    decode_error : {"strict", "ignore", "replace"}, default="strict"
        What to do with bytes that are not valid in ``encoding``.
    strip_accents : {"ascii", "unicode"} or callable, default=None
        Remove accents during preprocessing.
    lowercase : bool, default=True
        Lowercase the documents before tokenizing.
    preprocessor : callable, default=None
        Replaces the preprocessing (lowercase, accents) of word and char analyzers.
    tokenizer : callable, default=None
        Replaces the ``token_pattern`` tokenization (``analyzer="word"`` only).
    stop_words : "english", list or None, default=None
        Words removed from the tokens; ``"english"`` is scikit-learn's built-in list.
    token_pattern : str, default=r"(?u)\\b\\w\\w+\\b"
        Regular expression of a token (its single group, if it has one).
    ngram_range : tuple (min_n, max_n), default=(1, 1)
        Lengths of the n-grams extracted.
    analyzer : {"word", "char", "char_wb"} or callable, default="word"
        Word n-grams, character n-grams, character n-grams within words, or a callable that
        turns a decoded document into its terms.
    max_df, min_df : float in [0, 1] or int, default=1.0 and 1
        Ignore terms found in more (``max_df``) or fewer (``min_df``) documents than this
        proportion (float) or count (int).
    max_features : int, default=None
        Keep only the ``max_features`` terms most frequent in the corpus.
    vocabulary : Mapping or iterable, default=None
        A fixed vocabulary (term -> column, or an iterable of terms).
    binary : bool, default=False
        Record presence (1) rather than counts.
    dtype : dtype, default=np.int64
        Type of the matrix entries.

    Attributes
    ----------
    vocabulary_ : dict
        Term -> column index.
    fixed_vocabulary_ : bool
        Whether the vocabulary was given by the user.
    """

    _homeml_constraints = {
        **_TEXT_CONSTRAINTS,
        "max_df": [
            Interval(RealNotInt, 0, 1, closed="both"),
            Interval(Integral, 1, None, closed="left"),
        ],
        "min_df": [
            Interval(RealNotInt, 0, 1, closed="both"),
            Interval(Integral, 1, None, closed="left"),
        ],
        "max_features": [Interval(Integral, 1, None, closed="left"), None],
        "vocabulary": [Mapping, HasMethods("__iter__"), None],
    }

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
        stop_words: str | list | None = None,
        token_pattern: str | None = r"(?u)\b\w\w+\b",
        ngram_range: tuple[int, int] = (1, 1),
        analyzer: str | Callable = "word",
        max_df: float | int = 1.0,
        min_df: float | int = 1,
        max_features: int | None = None,
        vocabulary: Mapping | Iterable | None = None,
        binary: bool = False,
        dtype=np.int64,
    ):
        self.input = input
        self.encoding = encoding
        self.decode_error = decode_error
        self.strip_accents = strip_accents
        self.preprocessor = preprocessor
        self.tokenizer = tokenizer
        self.analyzer = analyzer
        self.lowercase = lowercase
        self.token_pattern = token_pattern
        self.stop_words = stop_words
        self.max_df = max_df
        self.min_df = min_df
        self.max_features = max_features
        self.ngram_range = ngram_range
        self.vocabulary = vocabulary
        self.binary = binary
        self.dtype = dtype

    def _homeml_tags(self) -> dict:
        return {**super()._homeml_tags(), **_TEXT_TAGS}

    def _count_vocab(self, raw_documents, fixed_vocab: bool) -> tuple[dict, sp.csr_matrix]:
        """Vocabulary (sorted by term when learned here) and count matrix of the documents.

        The documents are analyzed in chunks, so that only one chunk's terms are held at a
        time; each term becomes its column id (new terms get the next ids, and are renumbered
        in sorted order at the end).
        """
        if fixed_vocab:
            vocabulary: dict = self.vocabulary_
        else:  # a new term gets the next id, in C: defaultdict calls len(vocabulary)
            vocabulary = defaultdict()
            vocabulary.default_factory = vocabulary.__len__
        blocks = []  # the count matrix of every _BLOCK documents
        for group in _chunks(raw_documents, _BLOCK):
            id_parts, length_parts = [], []
            for chunk in _chunks(group, _CHUNK):
                terms = self._analyze_all(chunk)
                lengths = np.fromiter(map(len, terms), dtype=np.int64, count=len(terms))
                flat = chain.from_iterable(terms)
                n_terms = int(lengths.sum())
                if fixed_vocab:
                    ids = np.fromiter(map(vocabulary.get, flat, repeat(-1)), np.int64, n_terms)
                else:
                    ids = np.fromiter(map(vocabulary.__getitem__, flat), np.int64, n_terms)
                id_parts.append(ids)
                length_parts.append(lengths)
            ids, lengths = np.concatenate(id_parts), np.concatenate(length_parts)
            if fixed_vocab and (ids < 0).any():  # drop unknown terms, shortening their documents
                known = ids >= 0
                kept = np.concatenate([[0], np.cumsum(known)])
                lengths = np.diff(kept[np.concatenate([[0], np.cumsum(lengths)])])
                ids = ids[known]
            blocks.append(csr_from_terms(ids, lengths, len(vocabulary), self.dtype))
        if not fixed_vocab and not vocabulary:
            raise ValueError("empty vocabulary; perhaps the documents only contain stop words")
        n_columns = len(vocabulary)
        for i, block in enumerate(blocks):  # earlier chunks saw fewer terms
            blocks[i] = sp.csr_matrix(
                (block.data, block.indices, block.indptr), shape=(block.shape[0], n_columns)
            )
        X = sp.vstack(blocks, format="csr", dtype=self.dtype) if len(blocks) != 1 else blocks[0]
        if not fixed_vocab:  # renumber the terms in sorted order, as scikit-learn does
            terms_sorted = sorted(vocabulary)
            order = np.fromiter(map(vocabulary.__getitem__, terms_sorted), np.int64)
            rank = np.empty(len(order), dtype=X.indices.dtype)
            rank[order] = np.arange(len(order))  # first-seen id -> sorted id
            X.indices = rank[X.indices]
            X.has_sorted_indices = False
            X.sort_indices()
            vocabulary = dict(zip(terms_sorted, range(len(order))))
        return vocabulary, X

    def _limit_features(self, X, vocabulary: dict, high, low, limit) -> sp.csr_matrix:
        """Drop the terms of document frequency above ``high`` or below ``low``, then keep the
        ``limit`` most frequent; ``vocabulary`` (sorted by term) is renumbered in place."""
        if high is None and low is None and limit is None:
            return X
        dfs = document_frequency(X)
        mask = np.ones(len(dfs), dtype=bool)
        if high is not None:
            mask &= dfs <= high
        if low is not None:
            mask &= dfs >= low
        if limit is not None and mask.sum() > limit:
            tfs = np.asarray(X.sum(axis=0)).ravel()
            mask_inds = (-tfs[mask]).argsort()[:limit]  # the same ties as scikit-learn's
            new_mask = np.zeros(len(dfs), dtype=bool)
            new_mask[np.where(mask)[0][mask_inds]] = True
            mask = new_mask
        kept = np.flatnonzero(mask)
        if len(kept) == 0:
            raise ValueError(
                "After pruning, no terms remain. Try a lower min_df or a higher max_df."
            )
        if len(kept) == len(dfs):
            return X
        terms = list(vocabulary)
        vocabulary.clear()
        vocabulary.update(zip([terms[i] for i in kept], range(len(kept))))
        return X[:, kept]

    def fit(self, raw_documents: Iterable, y=None) -> CountVectorizer:
        """Learn the vocabulary of ``raw_documents`` (an iterable of strings).

        Returns
        -------
        self : CountVectorizer
        """
        self.fit_transform(raw_documents)
        return self

    def fit_transform(self, raw_documents: Iterable, y=None) -> sp.csr_matrix:  # type: ignore[override]
        """Learn the vocabulary and return the document-term count matrix.

        Parameters
        ----------
        raw_documents : iterable of str
            The documents.
        y : None
            Ignored.

        Returns
        -------
        scipy.sparse.csr_matrix of shape (n_documents, n_features)
        """
        _check_documents(raw_documents)
        self._validate_params()
        self._validate_ngram_range()
        self._warn_for_unused_params()
        self._validate_vocabulary()
        if self.fixed_vocabulary_ and self.lowercase:
            if any(any(map(str.isupper, term)) for term in self.vocabulary_):
                warnings.warn(
                    "Upper case characters found in vocabulary while 'lowercase' is True. These "
                    "entries will not be matched with any documents",
                    stacklevel=2,
                )
        vocabulary, X = self._count_vocab(raw_documents, self.fixed_vocabulary_)
        if self.binary:
            X.data.fill(1)
        if not self.fixed_vocabulary_:
            n_doc = X.shape[0]
            max_df, min_df = self.max_df, self.min_df
            high = max_df if isinstance(max_df, Integral) else max_df * n_doc
            low = min_df if isinstance(min_df, Integral) else min_df * n_doc
            if high < low:
                raise ValueError("max_df corresponds to < documents than min_df")
            X = self._limit_features(X, vocabulary, high, low, self.max_features)
            self.vocabulary_ = vocabulary
        return X

    def transform(self, raw_documents: Iterable) -> sp.csr_matrix:
        """Count the vocabulary's terms in ``raw_documents`` (unknown terms are ignored).

        Returns
        -------
        scipy.sparse.csr_matrix of shape (n_documents, n_features)
        """
        _check_documents(raw_documents)
        self._check_vocabulary()
        _, X = self._count_vocab(raw_documents, fixed_vocab=True)
        if self.binary:
            X.data.fill(1)
        return X

    def inverse_transform(self, X) -> list[np.ndarray]:
        """The terms with a non-zero entry in each row of ``X``.

        Returns
        -------
        list of numpy.ndarray
            One array of terms per document.
        """
        self._check_vocabulary()
        X = check_array(X, accept_sparse="csr", dtype=None)
        inverse_vocabulary = self.get_feature_names_out().astype(str)
        if sp.issparse(X):
            X = X.copy()
            X.eliminate_zeros()
            return [
                inverse_vocabulary[X.indices[X.indptr[i] : X.indptr[i + 1]]]
                for i in range(X.shape[0])
            ]
        return [inverse_vocabulary[np.flatnonzero(row)] for row in X]

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        """The terms, in column order (an object array of str)."""
        self._check_vocabulary()
        return np.asarray(
            [t for t, _ in sorted(self.vocabulary_.items(), key=lambda item: item[1])],
            dtype=object,
        )


class HashingVectorizer(_VectorizerMixin, TransformerMixin, BaseEstimator):
    """Convert text documents to a sparse matrix of hashed term counts (no vocabulary).

    The column of a term is ``abs(murmurhash3_32(term)) % n_features``; with
    ``alternate_sign`` the sign of the hash gives the sign of the count, so that collisions
    cancel on average. Parameters shared with :class:`CountVectorizer` mean the same.

    Parameters
    ----------
    n_features : int, default=2**20
        Number of columns.
    binary : bool, default=False
        Record presence rather than counts (before normalization).
    norm : {"l1", "l2"} or None, default="l2"
        Normalize each row.
    alternate_sign : bool, default=True
        Give each term the sign of its hash.
    dtype : dtype, default=np.float64
        Type of the matrix entries.
    """

    _homeml_constraints = {
        **_TEXT_CONSTRAINTS,
        "n_features": [Interval(Integral, 1, np.iinfo(np.int32).max, closed="left")],
        "norm": [StrOptions({"l1", "l2"}), None],
        "alternate_sign": ["boolean"],
    }

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
        stop_words: str | list | None = None,
        token_pattern: str | None = r"(?u)\b\w\w+\b",
        ngram_range: tuple[int, int] = (1, 1),
        analyzer: str | Callable = "word",
        n_features: int = 2**20,
        binary: bool = False,
        norm: str | None = "l2",
        alternate_sign: bool = True,
        dtype=np.float64,
    ):
        self.input = input
        self.encoding = encoding
        self.decode_error = decode_error
        self.strip_accents = strip_accents
        self.preprocessor = preprocessor
        self.tokenizer = tokenizer
        self.analyzer = analyzer
        self.lowercase = lowercase
        self.token_pattern = token_pattern
        self.stop_words = stop_words
        self.n_features = n_features
        self.ngram_range = ngram_range
        self.binary = binary
        self.norm = norm
        self.alternate_sign = alternate_sign
        self.dtype = dtype

    def _homeml_tags(self) -> dict:
        return {**super()._homeml_tags(), **_TEXT_TAGS, "requires_fit": False}

    def partial_fit(self, X, y=None) -> HashingVectorizer:
        """Do nothing (the vectorizer is stateless); returns ``self``."""
        return self

    def fit(self, X: Iterable, y=None) -> HashingVectorizer:
        """Check the parameters (the vectorizer is stateless); returns ``self``."""
        _check_documents(X)
        self._validate_params()
        self._warn_for_unused_params()
        self._validate_ngram_range()
        return self

    def transform(self, X: Iterable) -> sp.csr_matrix:
        """Hash the terms of the documents ``X`` into a (n_documents, n_features) matrix.

        Returns
        -------
        scipy.sparse.csr_matrix
        """
        _check_documents(X)
        self._validate_params()
        self._validate_ngram_range()
        n = self.n_features
        # each distinct term gets an id (in C, through a defaultdict) and is hashed once
        ids_of: defaultdict = defaultdict()
        ids_of.default_factory = ids_of.__len__
        columns = np.zeros(0, dtype=np.int64)  # column and sign of each id
        signs = np.zeros(0)
        blocks = []  # the matrix of each chunk, repeats summed
        for group in _chunks(X, _BLOCK):
            id_parts, length_parts = [], []
            for chunk in _chunks(group, _CHUNK):
                terms = self._analyze_all(chunk)
                lengths = np.fromiter(map(len, terms), dtype=np.int64, count=len(terms))
                flat = chain.from_iterable(terms)
                id_parts.append(np.fromiter(map(ids_of.__getitem__, flat), np.int64, lengths.sum()))
                length_parts.append(lengths)
            ids, lengths = np.concatenate(id_parts), np.concatenate(length_parts)
            if len(ids_of) > len(columns):  # hash the terms first seen in this chunk
                new = list(ids_of)[len(columns) :]
                hashes = hash_bytes([t.encode("utf-8") for t in new]).astype(np.int64)
                columns = np.concatenate([columns, np.abs(hashes) % n])  # abs(-2**31) % n too
                sign = np.where(hashes >= 0, 1.0, -1.0) if self.alternate_sign else None
                signs = np.concatenate([signs, np.ones(len(new)) if sign is None else sign])
            blocks.append(csr_from_terms(columns[ids], lengths, n, self.dtype, values=signs[ids]))
        if not blocks:
            raise ValueError("Cannot vectorize empty sequence.")
        X_out = sp.vstack(blocks, format="csr", dtype=self.dtype) if len(blocks) > 1 else blocks[0]
        if self.binary:
            X_out.data.fill(1)
        if self.norm is not None:
            X_out = normalize_rows(X_out, self.norm)
        return X_out

    def fit_transform(self, X: Iterable, y=None) -> sp.csr_matrix:  # type: ignore[override]
        """``fit(X).transform(X)``."""
        return self.fit(X, y).transform(X)
