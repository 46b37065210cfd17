"""Byte-level byte-pair encoding (BPE), trained from scratch.

Text is cut into chunks by a split pattern (GPT-2's, GPT-4's or your own regex), each chunk
becomes its UTF-8 bytes (ids 0 to 255), and training repeatedly merges the most frequent
adjacent pair of ids into a new id. Encoding replays the merges by rank (earliest first);
decoding joins the bytes of the ids and reads them as UTF-8.
"""

from __future__ import annotations

import heapq
import os
import warnings
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator

import regex

from homeml.text._files import TokenizerFileError, field, read_json, write_json
from homeml.text._patterns import PATTERNS
from homeml.text.char import _check_text, _token_ids

__all__ = ["BPETokenizer"]

_CACHE_LIMIT = 1 << 16  # encoded chunks kept per tokenizer


def _merge(ids: list[int], pair: tuple[int, int], new_id: int) -> list[int]:
    """``ids`` with every occurrence of ``pair`` (left to right) replaced by ``new_id``."""
    out, i, n = [], 0, len(ids)
    a, b = pair
    while i < n:
        if i < n - 1 and ids[i] == a and ids[i + 1] == b:
            out.append(new_id)
            i += 2
        else:
            out.append(ids[i])
            i += 1
    return out


def _compile(pattern: str) -> tuple[str, regex.Pattern]:
    if not isinstance(pattern, str):
        raise TypeError(f'pattern must be "gpt2", "gpt4" or a regex string, got {pattern!r}')
    source = PATTERNS.get(pattern, pattern)
    try:
        return source, regex.compile(source)
    except regex.error as error:
        raise ValueError(f"the split pattern {source!r} is not a valid regex: {error}") from None


def _splitter(tokens: Iterable[str]) -> regex.Pattern:
    """A regex that finds any of ``tokens`` (the longest first) and keeps them in ``split``."""
    return regex.compile("(" + "|".join(map(regex.escape, sorted(tokens, key=len)[::-1])) + ")")


class BPETokenizer:
    """A byte-level BPE tokenizer (the GPT-2 / GPT-4 kind), trained with :meth:`train`.

    Parameters
    ----------
    pattern : str, default "gpt4"
        The split pattern: ``"gpt4"`` (cl100k's), ``"gpt2"``, or a regex of your own (the
        ``regex`` package's syntax). Text the pattern does not match is kept as chunks of its
        own, so no text is ever dropped.

    Attributes
    ----------
    merges : dict of (int, int) to int
        Each merged pair and the id it became, in training order (the rank).
    special_tokens : dict of str to int
        The registered special tokens (see :meth:`register_special_tokens`).
    pattern : str
        The split regex in use.

    Notes
    -----
    Ids 0 to 255 are the bytes; merge ``i`` (counting from 0) makes id ``256 + i``. Training
    counts pairs over the distinct chunks of the text, each weighted by how often it occurs,
    and after a merge recounts only the chunks that held the merged pair. Ties between
    equally frequent pairs go to the smaller pair of ids.

    Examples
    --------
    >>> tok = BPETokenizer().train("aaabdaaabac", 259)
    >>> tok.encode("aaabdaaabac")
    [258, 100, 258, 97, 99]
    >>> tok.decode([258, 100, 258, 97, 99])
    'aaabdaaabac'
    """

    def __init__(self, pattern: str = "gpt4") -> None:
        self.pattern, self._regex = _compile(pattern)
        self.merges: dict[tuple[int, int], int] = {}
        self.special_tokens: dict[str, int] = {}
        self._reset()

    def _reset(self) -> None:
        self._vocab = {i: bytes([i]) for i in range(256)}
        for (a, b), new_id in self.merges.items():
            self._vocab[new_id] = self._vocab[a] + self._vocab[b]
        self._inverse_special = {i: s for s, i in self.special_tokens.items()}
        self._special_regex = _splitter(self.special_tokens) if self.special_tokens else None
        self._cache: dict[str, list[int]] = {}

    # ---------------------------------------------------------------- vocabulary
    @property
    def vocab(self) -> dict[int, bytes]:
        """Id to bytes for the bytes and the merges (special tokens are in
        :attr:`special_tokens`).
        """
        return dict(self._vocab)

    @property
    def vocab_size(self) -> int:
        """One more than the largest id, special tokens included."""
        return max([len(self._vocab) - 1, *self.special_tokens.values()]) + 1

    def __len__(self) -> int:
        return self.vocab_size

    def __repr__(self) -> str:
        name = next((k for k, v in PATTERNS.items() if v == self.pattern), "custom")
        return (
            f"BPETokenizer(pattern={name!r}, merges={len(self.merges)}, "
            f"special_tokens={len(self.special_tokens)})"
        )

    def _chunks(self, text: str) -> Iterator[str]:
        """The pieces of ``text`` the pattern cuts, with any unmatched text between them."""
        start = 0
        for match in self._regex.finditer(text):
            begin, end = match.span()
            if begin > start:
                yield text[start:begin]
            if end > begin:
                yield text[begin:end]
            start = max(start, end)
        if start < len(text):
            yield text[start:]

    # ---------------------------------------------------------------- training
    def train(
        self, text: str, vocab_size: int, pattern: str | None = None, verbose: bool = False
    ) -> BPETokenizer:
        """Learn ``vocab_size - 256`` merges from ``text`` (replacing any earlier ones).

        Parameters
        ----------
        text : str
            The training corpus.
        vocab_size : int
            The size of the vocabulary without special tokens: the 256 bytes plus the merges.
        pattern : str, optional
            ``"gpt4"``, ``"gpt2"`` or a regex; by default the tokenizer's own.
        verbose : bool, default False
            Print each merge.

        Returns
        -------
        BPETokenizer
            ``self``, trained.

        Raises
        ------
        TypeError
            ``text`` is not a str or ``vocab_size`` not an int.
        ValueError
            ``vocab_size`` is below 256, or registered special tokens use ids below it.

        Warns
        -----
        UserWarning
            The text runs out of pairs before ``vocab_size`` is reached (fewer merges are
            learned).
        """
        _check_text(text, "BPETokenizer.train")
        if not isinstance(vocab_size, int) or isinstance(vocab_size, bool):
            raise TypeError(f"vocab_size must be an int, got {type(vocab_size).__name__}")
        if vocab_size < 256:
            raise ValueError(
                f"vocab_size must be at least 256 (the byte alphabet), got {vocab_size}"
            )
        clash = {s: i for s, i in self.special_tokens.items() if i < vocab_size}
        if clash:
            raise ValueError(
                f"the special tokens {clash} use ids below vocab_size={vocab_size}; "
                "register them after training, with ids from vocab_size up"
            )
        if pattern is not None:
            self.pattern, self._regex = _compile(pattern)

        counts = Counter(self._chunks(text))  # distinct chunks and how often they occur
        words = [list(chunk.encode("utf-8")) for chunk in counts]
        freqs = list(counts.values())
        pair_counts: defaultdict[tuple[int, int], int] = defaultdict(int)
        where: defaultdict[tuple[int, int], set[int]] = defaultdict(set)  # pair -> word indices
        for index, (word, freq) in enumerate(zip(words, freqs)):
            for pair in zip(word, word[1:]):
                pair_counts[pair] += freq
                where[pair].add(index)
        # a max-heap of (count, pair), smaller pair first on ties; stale entries are skipped
        heap = [(-count, pair) for pair, count in pair_counts.items()]
        heapq.heapify(heap)

        merges: dict[tuple[int, int], int] = {}
        vocab = {i: bytes([i]) for i in range(256)}
        for new_id in range(256, vocab_size):
            while heap and pair_counts.get(heap[0][1], 0) != -heap[0][0]:
                heapq.heappop(heap)
            if not heap:
                warnings.warn(
                    f"the text has no pairs left to merge after {len(merges)} merges: the "
                    f"vocabulary has {256 + len(merges)} tokens, not {vocab_size}",
                    stacklevel=2,
                )
                break
            count, best = heapq.heappop(heap)
            merges[best] = new_id
            vocab[new_id] = vocab[best[0]] + vocab[best[1]]
            if verbose:
                print(f"merge {new_id - 255}: {best} -> {new_id} {vocab[new_id]!r} ({-count})")
            touched = set()
            for index in where.pop(best):
                word, freq = words[index], freqs[index]
                merged = _merge(word, best, new_id)
                if len(merged) == len(word):
                    continue  # a stale entry: the pair left this word in an earlier merge
                for pair in zip(word, word[1:]):
                    pair_counts[pair] -= freq
                    touched.add(pair)
                for pair in zip(merged, merged[1:]):
                    pair_counts[pair] += freq
                    where[pair].add(index)
                    touched.add(pair)
                words[index] = merged
            for pair in touched:
                if pair_counts[pair] > 0:
                    heapq.heappush(heap, (-pair_counts[pair], pair))
                else:
                    del pair_counts[pair]
        self.merges = merges
        self._reset()
        return self

    # ---------------------------------------------------------------- special tokens
    def register_special_tokens(self, special_tokens: dict[str, int]) -> None:
        """Add special tokens (``{"<|endoftext|>": 100257}``, as tiktoken names them).

        A special token is one id that :meth:`encode` produces only when allowed to, and that
        :meth:`decode` turns back into its text. Ids must not be those of bytes or merges.

        Raises
        ------
        ValueError
            An empty token, an id taken by a byte, a merge or another special token.
        """
        if not isinstance(special_tokens, dict):
            raise TypeError(
                f"special_tokens must be a dict of str to int, got {type(special_tokens).__name__}"
            )
        merged = dict(self.special_tokens)
        for token, token_id in special_tokens.items():
            if not isinstance(token, str) or not token:
                raise ValueError(f"a special token must be a non-empty str, got {token!r}")
            if not isinstance(token_id, int) or isinstance(token_id, bool):
                raise TypeError(f"the id of {token!r} must be an int, got {token_id!r}")
            if token_id < len(self._vocab):
                raise ValueError(
                    f"the id {token_id} of {token!r} belongs to a byte or a merge "
                    f"(ids 0 to {len(self._vocab) - 1}); use {len(self._vocab)} or more"
                )
            merged[token] = token_id
        if len(set(merged.values())) != len(merged):
            raise ValueError(f"two special tokens share an id: {merged}")
        self.special_tokens = merged
        self._reset()

    # ---------------------------------------------------------------- encoding
    def _encode_chunk(self, chunk: str) -> list[int]:
        cached = self._cache.get(chunk)
        if cached is not None:
            return cached
        ids = list(chunk.encode("utf-8"))
        merges = self.merges
        while len(ids) >= 2:
            pair = min(zip(ids, ids[1:]), key=lambda p: merges.get(p, 1 << 62))
            if pair not in merges:
                break
            ids = _merge(ids, pair, merges[pair])
        if len(self._cache) >= _CACHE_LIMIT:
            self._cache.clear()
        self._cache[chunk] = ids
        return ids

    def encode_ordinary(self, text: str) -> list[int]:
        """The ids of ``text``, special tokens treated as ordinary text."""
        ids: list[int] = []
        for chunk in self._chunks(_check_text(text, "encode")):
            ids.extend(self._encode_chunk(chunk))
        return ids

    def encode(self, text: str, allowed_special: str | Iterable[str] = "none_raise") -> list[int]:
        """The ids of ``text``.

        Parameters
        ----------
        text : str
            Any Unicode text (lone surrogates, which UTF-8 cannot hold, raise
            UnicodeEncodeError).
        allowed_special : {"none_raise", "none", "all"} or set of str, default "none_raise"
            Which registered special tokens become their ids: ``"all"``, none of them
            (``"none"``: their text is encoded as ordinary text), or the named ones.
            ``"none_raise"`` encodes none and raises if the text contains one, the safe default
            for text from users.

        Returns
        -------
        list of int

        Raises
        ------
        ValueError
            The text holds a special token and ``allowed_special="none_raise"``, or a name in
            ``allowed_special`` is not a registered special token.
        """
        _check_text(text, "encode")
        if allowed_special == "all":
            allowed = dict(self.special_tokens)
        elif allowed_special in ("none", "none_raise"):
            allowed = {}
            if allowed_special == "none_raise" and self._special_regex is not None:
                found = self._special_regex.search(text)
                if found:
                    raise ValueError(
                        f"the text holds the special token {found.group()!r}; pass "
                        'allowed_special="all" (or a set of tokens) to encode it as its id, '
                        'or "none" to encode it as ordinary text'
                    )
        elif isinstance(allowed_special, str):
            raise ValueError(
                'allowed_special must be "all", "none", "none_raise" or a set of special '
                f"tokens, got {allowed_special!r}"
            )
        else:
            names = set(allowed_special)
            unknown = names - set(self.special_tokens)
            if unknown:
                raise ValueError(f"not registered special tokens: {sorted(unknown)}")
            allowed = {s: self.special_tokens[s] for s in names}
        if not allowed:
            return self.encode_ordinary(text)
        ids: list[int] = []
        for part in _splitter(allowed).split(text):
            if part in allowed:
                ids.append(allowed[part])
            elif part:
                ids.extend(self.encode_ordinary(part))
        return ids

    # ---------------------------------------------------------------- decoding
    def decode_bytes(self, ids: Iterable[int]) -> bytes:
        """The bytes of ``ids`` (special tokens as their UTF-8 text)."""
        vocab, special = self._vocab, self._inverse_special
        parts = []
        for i in _token_ids(ids, self.vocab_size):
            if i in vocab:
                parts.append(vocab[i])
            elif i in special:
                parts.append(special[i].encode("utf-8"))
            else:
                raise ValueError(f"token id {i} is neither a byte, a merge nor a special token")
        return b"".join(parts)

    def decode(self, ids: Iterable[int]) -> str:
        """The text of ``ids``.

        A sequence of ids need not end on a character boundary (a prefix of an encoding, or
        ids from a model's sampling): bytes that are not valid UTF-8 become U+FFFD, the
        replacement character, as ``bytes.decode(errors="replace")`` reads them, so decoding
        never fails on a valid id. Ids from :meth:`encode` always decode to the text exactly.

        Raises
        ------
        ValueError
            An id that is not in the vocabulary.
        """
        return self.decode_bytes(ids).decode("utf-8", errors="replace")

    # ---------------------------------------------------------------- files
    def save(self, path: str | os.PathLike) -> None:
        """Write the pattern, the merges (in rank order) and the special tokens to ``path`` as
        JSON, through a temporary file and a rename.
        """
        write_json(
            path,
            "bpe",
            {
                "pattern": self.pattern,
                "merges": [list(pair) for pair in self.merges],
                "special_tokens": self.special_tokens,
            },
        )

    @classmethod
    def load(cls, path: str | os.PathLike) -> BPETokenizer:
        """Read a tokenizer written by :meth:`save`.

        Raises
        ------
        TokenizerFileError
            The file is not valid JSON, not a BPE tokenizer, or holds a merge or a special
            token that does not fit (the message says which).
        """
        document = read_json(path, "bpe")
        what = f"tokenizer file {os.fspath(path)}"
        pattern = field(document, "pattern", str, what)
        pairs = field(document, "merges", list, what)
        special = field(document, "special_tokens", dict, what)
        try:
            tok = cls(pattern)
        except ValueError as error:
            raise TokenizerFileError(f"{what}: {error}") from None
        merges: dict[tuple[int, int], int] = {}
        for rank, pair in enumerate(pairs):
            new_id = 256 + rank
            if not (
                isinstance(pair, list)
                and len(pair) == 2
                and all(type(i) is int and 0 <= i < new_id for i in pair)
            ):
                raise TokenizerFileError(
                    f"{what}: merge {rank} should be two ids below {new_id}, found {pair!r}"
                )
            key = (pair[0], pair[1])
            if key in merges:
                raise TokenizerFileError(f"{what}: merge {rank} repeats the pair {pair}")
            merges[key] = new_id
        tok.merges = merges
        tok._reset()
        try:
            tok.register_special_tokens(special)
        except (TypeError, ValueError) as error:
            raise TokenizerFileError(f"{what}: {error}") from None
        return tok
