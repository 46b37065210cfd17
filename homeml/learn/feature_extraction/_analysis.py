"""From raw documents to lists of terms: decoding, preprocessing, tokenizing and n-grams.

:class:`_VectorizerMixin` holds what the three vectorizers share, with scikit-learn's names
(``build_preprocessor``, ``build_tokenizer``, ``build_analyzer``, ``get_stop_words``). Besides
the one-document analyzer of ``build_analyzer``, :meth:`_VectorizerMixin._analyze_all` turns a
whole corpus into terms with list comprehensions over each step, which saves a few Python calls
per document: the terms are the same.
"""

from __future__ import annotations

import re
import unicodedata
import warnings
from collections.abc import Callable, Iterable, Mapping
from functools import partial
from typing import cast

from homeml.learn.exceptions import NotFittedError
from homeml.learn.feature_extraction._stop_words import ENGLISH_STOP_WORDS

_WHITE_SPACES = re.compile(r"\s\s+")


def strip_accents_unicode(s: str) -> str:
    """Remove the combining marks of ``s`` after NFKD normalization (``"é"`` becomes ``"e"``)."""
    try:
        s.encode("ASCII", errors="strict")
        return s
    except UnicodeEncodeError:
        normalized = unicodedata.normalize("NFKD", s)
        return "".join([c for c in normalized if not unicodedata.combining(c)])


def strip_accents_ascii(s: str) -> str:
    """NFKD-normalize ``s`` and drop every character that is not ASCII."""
    return unicodedata.normalize("NFKD", s).encode("ASCII", "ignore").decode("ASCII")


def strip_tags(s: str) -> str:
    """Replace HTML/XML tags (``<...>``) by a space."""
    return re.compile(r"<([^>]+)>", flags=re.UNICODE).sub(" ", s)


def _preprocess(doc: str, accent_function=None, lower: bool = False) -> str:
    if lower:
        doc = doc.lower()
    if accent_function is not None:
        doc = accent_function(doc)
    return doc


def _analyze(
    doc,
    analyzer=None,
    tokenizer=None,
    ngrams=None,
    preprocessor=None,
    decoder=None,
    stop_words=None,
):
    if decoder is not None:
        doc = decoder(doc)
    if analyzer is not None:
        return analyzer(doc)
    if preprocessor is not None:
        doc = preprocessor(doc)
    if tokenizer is not None:
        doc = tokenizer(doc)
    if ngrams is not None:
        doc = ngrams(doc, stop_words) if stop_words is not None else ngrams(doc)
    return doc


def _check_stop_list(stop) -> frozenset | None:
    if stop == "english":
        return ENGLISH_STOP_WORDS
    if isinstance(stop, str):
        raise ValueError(f"not a built-in stop list: {stop}")
    return None if stop is None else frozenset(stop)


def _as_list(terms) -> list:
    return terms if type(terms) is list else list(terms)


def _check_documents(raw_documents) -> None:
    if isinstance(raw_documents, str):
        raise ValueError("Iterable over raw text documents expected, string object received.")


class _VectorizerMixin:
    """Tokenization shared by CountVectorizer, TfidfVectorizer and HashingVectorizer."""

    input: str
    encoding: str
    decode_error: str
    strip_accents: str | Callable | None
    lowercase: bool
    preprocessor: Callable | None
    tokenizer: Callable | None
    stop_words: str | list | None
    token_pattern: str | None
    ngram_range: tuple[int, int]
    analyzer: str | Callable
    vocabulary: Mapping | Iterable | None

    def decode(self, doc) -> str:
        """Decode ``doc`` (str, bytes, a file name or a file, after ``input``) to a string."""
        if self.input == "filename":
            with open(doc, "rb") as fh:
                doc = fh.read()
        elif self.input == "file":
            doc = doc.read()
        if isinstance(doc, bytes):
            doc = doc.decode(self.encoding, self.decode_error)
        if isinstance(doc, float) and doc != doc:
            raise ValueError("np.nan is an invalid document, expected byte or unicode string.")
        return doc

    def _word_ngrams(self, tokens: list[str], stop_words=None) -> list[str]:
        """The n-grams of ``tokens`` (after removing stop words), shortest first."""
        if stop_words is not None:
            tokens = [w for w in tokens if w not in stop_words]
        min_n, max_n = self.ngram_range
        if max_n != 1:
            original = tokens
            if min_n == 1:
                tokens = list(original)
                min_n += 1
            else:
                tokens = []
            n_original = len(original)
            append, join = tokens.append, " ".join
            for n in range(min_n, min(max_n + 1, n_original + 1)):
                for i in range(n_original - n + 1):
                    append(join(original[i : i + n]))
        return tokens

    def _char_ngrams(self, text: str) -> list[str]:
        """The character n-grams of ``text`` (runs of white space count as one space)."""
        text = _WHITE_SPACES.sub(" ", text)
        text_len = len(text)
        min_n, max_n = self.ngram_range
        if min_n == 1:
            ngrams = list(text)
            min_n += 1
        else:
            ngrams = []
        append = ngrams.append
        for n in range(min_n, min(max_n + 1, text_len + 1)):
            for i in range(text_len - n + 1):
                append(text[i : i + n])
        return ngrams

    def _char_wb_ngrams(self, text: str) -> list[str]:
        """Character n-grams inside words, each word padded with one space on both sides."""
        text = _WHITE_SPACES.sub(" ", text)
        min_n, max_n = self.ngram_range
        ngrams: list[str] = []
        append = ngrams.append
        for w in text.split():
            w = " " + w + " "
            w_len = len(w)
            for n in range(min_n, max_n + 1):
                offset = 0
                append(w[offset : offset + n])
                while offset + n < w_len:
                    offset += 1
                    append(w[offset : offset + n])
                if offset == 0:  # a word shorter than n counts once
                    break
        return ngrams

    def _accent_function(self):
        if not self.strip_accents:
            return None
        if callable(self.strip_accents):
            return self.strip_accents
        if self.strip_accents == "ascii":
            return strip_accents_ascii
        if self.strip_accents == "unicode":
            return strip_accents_unicode
        raise ValueError(f'Invalid value for "strip_accents": {self.strip_accents}')

    def build_preprocessor(self) -> Callable[[str], str]:
        """Return the function applied to each document before tokenization."""
        if self.preprocessor is not None:
            return self.preprocessor
        return partial(_preprocess, accent_function=self._accent_function(), lower=self.lowercase)

    def build_tokenizer(self) -> Callable[[str], list[str]]:
        """Return the function that splits a document into tokens."""
        if self.tokenizer is not None:
            return self.tokenizer
        token_pattern = re.compile(cast(str, self.token_pattern))
        if token_pattern.groups > 1:
            raise ValueError(
                "More than 1 capturing group in token pattern. Only a single group should be "
                "captured."
            )
        return cast(Callable[[str], list[str]], token_pattern.findall)

    def get_stop_words(self) -> frozenset | None:
        """Return the stop words in use (``None`` when there are none)."""
        return _check_stop_list(self.stop_words)

    def _check_stop_words_consistency(self, stop_words, preprocess, tokenize) -> bool | None:
        """Warn when tokenizing the stop words gives tokens that are not stop words."""
        if id(self.stop_words) == getattr(self, "_stop_words_id", None):
            return None
        try:
            inconsistent = set()
            for w in stop_words or ():
                for token in tokenize(preprocess(w)):
                    if token not in stop_words:
                        inconsistent.add(token)
        except Exception:  # a custom preprocessor or tokenizer that cannot take the words
            self._stop_words_id = id(self.stop_words)
            return None
        self._stop_words_id = id(self.stop_words)
        if inconsistent:
            warnings.warn(
                "Your stop_words may be inconsistent with your preprocessing. Tokenizing the "
                f"stop words generated tokens {sorted(inconsistent)!r} not in stop_words.",
                stacklevel=3,
            )
        return not inconsistent

    def build_analyzer(self) -> Callable:
        """Return the function that turns one raw document into its list of terms."""
        if callable(self.analyzer):
            return partial(_analyze, analyzer=self.analyzer, decoder=self.decode)
        preprocess = self.build_preprocessor()
        if self.analyzer == "char":
            return partial(
                _analyze, ngrams=self._char_ngrams, preprocessor=preprocess, decoder=self.decode
            )
        if self.analyzer == "char_wb":
            return partial(
                _analyze, ngrams=self._char_wb_ngrams, preprocessor=preprocess, decoder=self.decode
            )
        if self.analyzer == "word":
            stop_words = self.get_stop_words()
            tokenize = self.build_tokenizer()
            self._check_stop_words_consistency(stop_words, preprocess, tokenize)
            return partial(
                _analyze,
                ngrams=self._word_ngrams,
                tokenizer=tokenize,
                preprocessor=preprocess,
                decoder=self.decode,
                stop_words=stop_words,
            )
        raise ValueError(f"{self.analyzer} is not a valid tokenization scheme/analyzer")

    def _analyze_all(self, raw_documents: Iterable) -> list[list[str]]:
        """The terms of every document: ``[analyzer(doc) for doc in raw_documents]``, each
        step run over the whole corpus at once."""
        if callable(self.analyzer) or self.analyzer not in ("word", "char", "char_wb"):
            analyze = self.build_analyzer()
            return [_as_list(analyze(doc)) for doc in raw_documents]
        if self.input == "content":
            docs = [doc if type(doc) is str else self.decode(doc) for doc in raw_documents]
        else:
            docs = [self.decode(doc) for doc in raw_documents]
        if self.preprocessor is not None:
            docs = [self.preprocessor(doc) for doc in docs]
        else:
            accents = self._accent_function()
            if self.lowercase:
                docs = [doc.lower() for doc in docs]
            if accents is not None:
                docs = [accents(doc) for doc in docs]
        if self.analyzer == "char":
            return [self._char_ngrams(doc) for doc in docs]
        if self.analyzer == "char_wb":
            return [self._char_wb_ngrams(doc) for doc in docs]
        stop_words = self.get_stop_words()
        tokenize = self.build_tokenizer()
        self._check_stop_words_consistency(stop_words, self.build_preprocessor(), tokenize)
        tokens = [tokenize(doc) for doc in docs]
        if self.tokenizer is not None:  # a custom tokenizer may return any iterable
            tokens = [_as_list(t) for t in tokens]
        if stop_words is None and tuple(self.ngram_range) == (1, 1):
            return tokens
        return [self._word_ngrams(t, stop_words) for t in tokens]

    def _validate_vocabulary(self) -> None:
        vocabulary = self.vocabulary
        if vocabulary is not None:
            if isinstance(vocabulary, set):
                vocabulary = sorted(vocabulary)
            if not isinstance(vocabulary, Mapping):
                vocab: dict = {}
                for i, t in enumerate(vocabulary):
                    if vocab.setdefault(t, i) != i:
                        raise ValueError(f"Duplicate term in vocabulary: {t!r}")
                vocabulary = vocab
            else:
                indices = set(vocabulary.values())
                if len(indices) != len(vocabulary):
                    raise ValueError("Vocabulary contains repeated indices.")
                for i in range(len(vocabulary)):
                    if i not in indices:
                        raise ValueError(
                            f"Vocabulary of size {len(vocabulary)} doesn't contain index {i}."
                        )
            if not vocabulary:
                raise ValueError("empty vocabulary passed to fit")
            self.fixed_vocabulary_ = True
            self.vocabulary_ = dict(vocabulary)
        else:
            self.fixed_vocabulary_ = False

    def _check_vocabulary(self) -> None:
        if not hasattr(self, "vocabulary_"):
            self._validate_vocabulary()
            if not self.fixed_vocabulary_:
                raise NotFittedError("Vocabulary not fitted or provided")
        if len(self.vocabulary_) == 0:
            raise ValueError("Vocabulary is empty")

    def _validate_ngram_range(self) -> None:
        min_n, max_n = self.ngram_range
        if min_n > max_n:
            raise ValueError(
                f"Invalid value for ngram_range={self.ngram_range} lower boundary larger than "
                "the upper boundary."
            )

    def _warn_for_unused_params(self) -> None:
        if self.tokenizer is not None and self.token_pattern is not None:
            warnings.warn(
                "The parameter 'token_pattern' will not be used since 'tokenizer' is not None'",
                stacklevel=3,
            )
