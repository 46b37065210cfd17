"""Character-level tokenizer: one id per character, as makemore and nanoGPT's character
scripts build it (the sorted set of the corpus's characters).
"""

from __future__ import annotations

import operator
import os
from collections.abc import Iterable, Sequence

from homeml.text._files import TokenizerFileError, field, read_json, write_json

__all__ = ["CharTokenizer"]


def _check_text(text: object, where: str) -> str:
    if not isinstance(text, str):
        raise TypeError(f"{where} expects text as a str, got {type(text).__name__}")
    return text


def _token_ids(ids: Iterable[int], size: int) -> list[int]:
    """``ids`` (a sequence, a 1-D array or tensor) as Python ints, each in ``[0, size)``."""
    if isinstance(ids, (str, bytes)):
        raise TypeError(f"decode expects a sequence of token ids, got {type(ids).__name__}")
    tolist = getattr(ids, "tolist", None)  # NumPy arrays and homeml tensors
    values = tolist() if callable(tolist) else ids
    if not isinstance(values, list):
        values = list(values) if not isinstance(values, int) else [values]
    out = []
    for i in values:
        try:
            index = operator.index(i)  # ints and NumPy integers; no floats, no nested lists
        except TypeError:
            raise TypeError(f"token ids must be integers, got {i!r}") from None
        if not 0 <= index < size:
            raise ValueError(f"token id {index} is not in the vocabulary (ids 0 to {size - 1})")
        out.append(index)
    return out


class CharTokenizer:
    """Maps each character to an id and back.

    Parameters
    ----------
    chars : sequence of str
        The vocabulary: distinct single characters, id ``i`` for ``chars[i]``. Build it from a
        corpus with :meth:`from_text`.
    unknown : str, default "error"
        What :meth:`encode` does with a character outside the vocabulary. ``"error"`` raises a
        ValueError naming the characters. Any other string is the replacement token: a
        character of the vocabulary takes its id; anything else (``"<unk>"``, a character not
        in ``chars``) becomes one more token, with the last id, that decodes to itself.

    Attributes
    ----------
    stoi : dict of str to int
        Character (or replacement token) to id.
    itos : dict of int to str
        Id to character (or replacement token).
    unknown_id : int or None
        The id unknown characters encode to, None when ``unknown="error"``.

    Examples
    --------
    >>> tok = CharTokenizer.from_text("hello world")
    >>> tok.encode("hell")
    [3, 2, 4, 4]
    >>> tok.decode([3, 2, 4, 4])
    'hell'
    """

    def __init__(self, chars: Sequence[str], unknown: str = "error") -> None:
        if isinstance(chars, str):
            chars = list(chars)
        chars = list(chars)
        for c in chars:
            if not isinstance(c, str) or len(c) != 1:
                raise ValueError(f"the vocabulary holds single characters, got {c!r}")
        if len(set(chars)) != len(chars):
            repeated = sorted({c for c in chars if chars.count(c) > 1})
            raise ValueError(f"the vocabulary repeats the characters {repeated!r}")
        if not isinstance(unknown, str) or unknown == "":
            raise ValueError(
                f'unknown must be "error" or a non-empty replacement token, got {unknown!r}'
            )
        self.chars = chars
        self.unknown = unknown
        self.itos = dict(enumerate(chars))
        self.stoi = {c: i for i, c in self.itos.items()}
        self.unknown_id: int | None = None
        if unknown != "error":
            if unknown not in self.stoi:
                self.itos[len(chars)] = unknown
                self.stoi[unknown] = len(chars)
            self.unknown_id = self.stoi[unknown]

    @classmethod
    def from_text(cls, text: str, unknown: str = "error") -> CharTokenizer:
        """A tokenizer whose vocabulary is the sorted set of the characters of ``text``.

        Parameters
        ----------
        text : str
            The corpus.
        unknown : str, default "error"
            The unknown-character policy (see :class:`CharTokenizer`).

        Returns
        -------
        CharTokenizer
        """
        return cls(sorted(set(_check_text(text, "CharTokenizer.from_text"))), unknown=unknown)

    @property
    def vocab_size(self) -> int:
        """The number of ids, the replacement token included."""
        return len(self.itos)

    def __len__(self) -> int:
        return self.vocab_size

    def __repr__(self) -> str:
        return f"CharTokenizer(vocab_size={self.vocab_size}, unknown={self.unknown!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, CharTokenizer):
            return NotImplemented
        return self.chars == other.chars and self.unknown == other.unknown

    __hash__ = None  # type: ignore[assignment]

    def encode(self, text: str) -> list[int]:
        """The ids of the characters of ``text``.

        Raises
        ------
        TypeError
            ``text`` is not a str.
        ValueError
            ``text`` holds characters outside the vocabulary and ``unknown="error"``.
        """
        stoi = self.stoi
        try:
            return [stoi[c] for c in _check_text(text, "encode")]
        except KeyError:
            pass
        missing = sorted({c for c in text if c not in stoi})
        if self.unknown_id is None:
            raise ValueError(
                f"{len(missing)} character(s) not in the vocabulary: {''.join(missing)!r} "
                f"(the vocabulary has {len(self.chars)}; pass unknown=<token> to replace them)"
            )
        unk = self.unknown_id
        return [stoi.get(c, unk) for c in text]

    def decode(self, ids: Iterable[int]) -> str:
        """The text of ``ids`` (a list, a tuple or a 1-D integer array).

        Raises
        ------
        ValueError
            An id is outside ``[0, vocab_size)``.
        """
        itos = self.itos
        return "".join(itos[i] for i in _token_ids(ids, self.vocab_size))

    def save(self, path: str | os.PathLike) -> None:
        """Write the tokenizer to ``path`` as JSON (through a temporary file and a rename)."""
        write_json(path, "char", {"chars": self.chars, "unknown": self.unknown})

    @classmethod
    def load(cls, path: str | os.PathLike) -> CharTokenizer:
        """Read a tokenizer written by :meth:`save`.

        Raises
        ------
        TokenizerFileError
            The file is not valid JSON or not a character tokenizer (the message says why).
        """
        document = read_json(path, "char")
        what = f"tokenizer file {os.fspath(path)}"
        chars = field(document, "chars", list, what)
        unknown = field(document, "unknown", str, what)
        try:
            return cls(chars, unknown=unknown)
        except ValueError as error:
            raise TokenizerFileError(f"{what}: {error}") from None
