"""Word-level tokenizer for sequence-to-sequence models: normalized words, a vocabulary with
``<pad>``, ``<sos>``, ``<eos>`` and ``<unk>``, and a minimum frequency.

The normalization is the PyTorch tutorial's ``normalizeString`` ("NLP from scratch: translation
with a sequence to sequence network and attention"): lowercase, strip accents (Unicode NFD, drop
the combining marks), put a space before ``.``, ``!`` and ``?``, and turn every other run of
non-letters into one space. ``lowercase`` and ``strip_accents`` turn the first two steps off
(then any Unicode letter is a letter).
"""

from __future__ import annotations

import operator
import os
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence

import numpy as np

from homeml.text._files import TokenizerFileError, field, read_json, write_json

__all__ = ["SPECIAL_TOKENS", "Vocabulary", "WordTokenizer", "normalize_string"]

PAD, SOS, EOS, UNK = "<pad>", "<sos>", "<eos>", "<unk>"
SPECIAL_TOKENS = (PAD, SOS, EOS, UNK)  # ids 0, 1, 2, 3

_ASCII_NON_LETTERS = re.compile(r"[^a-zA-Z.!?]+")
_NON_LETTERS = re.compile(r"(?:[^\w.!?]|[\d_])+")
_SENTENCE_PUNCTUATION = re.compile(r"([.!?])")


def normalize_string(text: str, lowercase: bool = True, strip_accents: bool = True) -> str:
    """The PyTorch seq2seq tutorial's ``normalizeString``.

    Parameters
    ----------
    text : str
        A sentence.
    lowercase : bool, default True
        Lowercase the text.
    strip_accents : bool, default True
        Decompose (NFD) and drop the combining marks, then keep ASCII letters only.

    Returns
    -------
    str
        Words and ``.!?`` separated by single spaces.

    Examples
    --------
    >>> normalize_string("Il a été à Paris, hier!")
    'il a ete a paris hier !'
    """
    if not isinstance(text, str):
        raise TypeError(f"normalize_string expects a str, got {type(text).__name__}")
    text = text.strip()
    if lowercase:
        text = text.lower()
    if strip_accents:
        decomposed = unicodedata.normalize("NFD", text)
        text = "".join(c for c in decomposed if unicodedata.category(c) != "Mn")
    text = _SENTENCE_PUNCTUATION.sub(r" \1", text)
    text = (_ASCII_NON_LETTERS if strip_accents else _NON_LETTERS).sub(" ", text)
    return " ".join(text.split())


class Vocabulary:
    """Words to ids and back; ids 0 to 3 are ``<pad>``, ``<sos>``, ``<eos>``, ``<unk>``.

    Parameters
    ----------
    words : sequence of str
        The words after the specials, id ``4 + i`` for ``words[i]``.

    Attributes
    ----------
    itos : list of str
        Id to token, the specials first.
    stoi : dict of str to int
        Token to id.
    """

    pad_id, sos_id, eos_id, unk_id = 0, 1, 2, 3

    def __init__(self, words: Sequence[str]) -> None:
        words = list(words)
        for w in words:
            if not isinstance(w, str) or not w:
                raise ValueError(f"vocabulary words are non-empty strings, got {w!r}")
        clash = sorted(set(words) & set(SPECIAL_TOKENS))
        if clash:
            raise ValueError(f"the words repeat the special tokens {clash}")
        if len(set(words)) != len(words):
            raise ValueError("the vocabulary repeats words")
        self.itos: list[str] = [*SPECIAL_TOKENS, *words]
        self.stoi: dict[str, int] = {t: i for i, t in enumerate(self.itos)}

    @classmethod
    def build(
        cls, sentences: Iterable[Sequence[str]], min_freq: int = 1, max_size: int | None = None
    ) -> Vocabulary:
        """The words seen at least ``min_freq`` times, most frequent first (ties: first seen).

        Parameters
        ----------
        sentences : iterable of list of str
            Tokenized sentences.
        min_freq : int, default 1
            Rarer words are left out (they encode to ``<unk>``).
        max_size : int, optional
            Keep at most this many words (the specials not counted).

        Returns
        -------
        Vocabulary
        """
        if min_freq < 1:
            raise ValueError(f"min_freq must be >= 1, got {min_freq}")
        counts: Counter[str] = Counter()
        for words in sentences:
            counts.update(words)
        words = [w for w, c in counts.most_common() if c >= min_freq and w not in SPECIAL_TOKENS]
        return cls(words[:max_size] if max_size is not None else words)

    def __len__(self) -> int:
        return len(self.itos)

    def __contains__(self, token: object) -> bool:
        return token in self.stoi

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Vocabulary):
            return NotImplemented
        return self.itos == other.itos

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Vocabulary(size={len(self)})"

    def lookup_ids(self, tokens: Iterable[str]) -> list[int]:
        """The ids of ``tokens``, ``<unk>`` for words outside the vocabulary."""
        stoi, unk = self.stoi, self.unk_id
        return [stoi.get(t, unk) for t in tokens]

    def lookup_tokens(self, ids: Iterable[int]) -> list[str]:
        """The tokens of ``ids`` (ints, a 1-D array or tensor)."""
        tolist = getattr(ids, "tolist", None)
        values = tolist() if callable(tolist) else list(ids)
        out = []
        for value in values:
            try:
                i = operator.index(value)  # ints and NumPy integers, no floats
            except TypeError:
                raise TypeError(f"token ids must be integers, got {value!r}") from None
            if not 0 <= i < len(self.itos):
                raise ValueError(f"token id {i} is not in the vocabulary (0 to {len(self) - 1})")
            out.append(self.itos[i])
        return out


class WordTokenizer:
    """Normalized words to ids and back, with the seq2seq specials.

    Parameters
    ----------
    vocab : Vocabulary
        The words (build one with :meth:`from_texts`).
    lowercase, strip_accents : bool, default True
        The normalization of :func:`normalize_string`.

    Examples
    --------
    >>> tok = WordTokenizer.from_texts(["I am cold.", "I am here!"])
    >>> tok.encode("I am cold!", add_specials=True)
    [1, 4, 5, 6, 9, 2]
    >>> tok.decode([1, 4, 5, 6, 9, 2])
    'i am cold !'
    """

    def __init__(self, vocab: Vocabulary, lowercase: bool = True, strip_accents: bool = True):
        if not isinstance(vocab, Vocabulary):
            raise TypeError(f"vocab must be a Vocabulary, got {type(vocab).__name__}")
        self.vocab = vocab
        self.lowercase = lowercase
        self.strip_accents = strip_accents

    pad_id, sos_id, eos_id, unk_id = 0, 1, 2, 3

    @classmethod
    def from_texts(
        cls,
        texts: Iterable[str],
        min_freq: int = 1,
        max_size: int | None = None,
        lowercase: bool = True,
        strip_accents: bool = True,
    ) -> WordTokenizer:
        """A tokenizer whose vocabulary holds the words of ``texts`` (see ``Vocabulary.build``).

        Returns
        -------
        WordTokenizer
        """
        split = [normalize_string(t, lowercase, strip_accents).split() for t in texts]
        return cls(Vocabulary.build(split, min_freq, max_size), lowercase, strip_accents)

    @property
    def vocab_size(self) -> int:
        """The number of ids, the four specials included."""
        return len(self.vocab)

    def __len__(self) -> int:
        return self.vocab_size

    def __repr__(self) -> str:
        return (
            f"WordTokenizer(vocab_size={self.vocab_size}, lowercase={self.lowercase}, "
            f"strip_accents={self.strip_accents})"
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, WordTokenizer):
            return NotImplemented
        return (self.vocab, self.lowercase, self.strip_accents) == (
            other.vocab,
            other.lowercase,
            other.strip_accents,
        )

    __hash__ = None  # type: ignore[assignment]

    def tokenize(self, text: str) -> list[str]:
        """The normalized words of ``text``."""
        return normalize_string(text, self.lowercase, self.strip_accents).split()

    def encode(self, text: str, add_specials: bool = False) -> list[int]:
        """The ids of the words of ``text``; ``add_specials`` wraps them in ``<sos>``/``<eos>``."""
        ids = self.vocab.lookup_ids(self.tokenize(text))
        return [self.sos_id, *ids, self.eos_id] if add_specials else ids

    def encode_batch(self, texts: Sequence[str], sos: bool = False, eos: bool = True) -> np.ndarray:
        """A right-padded (B, L) int64 batch: each text's ids, optionally after ``<sos>`` and
        before ``<eos>``, then ``<pad>`` up to the longest (the models' input layout).

        Parameters
        ----------
        texts : sequence of str
            The sentences.
        sos, eos : bool
            Put ``<sos>`` first (target inputs) and ``<eos>`` last (sources and targets).

        Returns
        -------
        ndarray of int64, (B, L)
        """
        if isinstance(texts, str) or not len(texts):
            raise ValueError("encode_batch expects a non-empty sequence of texts")
        rows = [[self.sos_id] * sos + self.encode(text) + [self.eos_id] * eos for text in texts]
        width = max(max(map(len, rows)), 1)
        batch = np.full((len(rows), width), self.pad_id, dtype=np.int64)
        for i, row in enumerate(rows):
            batch[i, : len(row)] = row
        return batch

    def decode(self, ids: Iterable[int], skip_special: bool = True) -> str:
        """The words of ``ids`` joined by spaces.

        With ``skip_special`` (the default) decoding stops at the first ``<eos>`` and leaves out
        ``<pad>`` and ``<sos>``; ``<unk>`` stays visible.
        """
        words = []
        for token in self.vocab.lookup_tokens(ids):
            if skip_special:
                if token == EOS:
                    break
                if token in (PAD, SOS):
                    continue
            words.append(token)
        return " ".join(words)

    def save(self, path: str | os.PathLike) -> None:
        """Write the tokenizer to ``path`` as JSON (through a temporary file and a rename)."""
        write_json(
            path,
            "word",
            {
                "words": self.vocab.itos[len(SPECIAL_TOKENS) :],
                "lowercase": self.lowercase,
                "strip_accents": self.strip_accents,
            },
        )

    @classmethod
    def load(cls, path: str | os.PathLike) -> WordTokenizer:
        """Read a tokenizer written by :meth:`save`.

        Raises
        ------
        TokenizerFileError
            The file is not valid JSON or not a word tokenizer (the message says why).
        """
        document = read_json(path, "word")
        what = f"tokenizer file {os.fspath(path)}"
        words = field(document, "words", list, what)
        lowercase = field(document, "lowercase", bool, what)
        strip_accents = field(document, "strip_accents", bool, what)
        try:
            return cls(Vocabulary(words), lowercase, strip_accents)
        except ValueError as error:
            raise TokenizerFileError(f"{what}: {error}") from None
