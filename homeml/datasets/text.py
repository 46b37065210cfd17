"""Text data for the language jobs: names (makemore), tiny Shakespeare (nanoGPT) and sentence
pairs for translation (Tatoeba's English-French, :func:`load_sentence_pairs`).

The files live in the data folder (:func:`homeml.datasets.data_dir`: ``$HOMEML_DATA``, or
``~/.cache/homeml``): ``eng-fra/eng-fra.txt`` (tab-separated pairs), ``names/names.txt`` (one
lowercase name a line, 32,033 of them) and
``tinyshakespeare/input.txt`` (the 1.1 MB char-rnn corpus). Nothing here downloads; a missing
file is a :class:`FileNotFoundError` that names the expected path and the variable.

Names follow Andrej Karpathy's *Neural Networks: Zero to Hero* lectures and makemore:

- :func:`split_names`: ``random.seed(42); random.shuffle(words)``, then the first 80% train,
  the next 10% dev, the last 10% test (25,626 / 3,203 / 3,204 names);
- :func:`names_vocab`: ``'.'`` is index 0, the start and the end of every name; the letters
  follow in sorted order from 1;
- :func:`build_dataset`: the lectures' context windows, ``X (N, block_size)`` and ``Y (N,)``;
- :func:`build_sequences`: makemore's padded sequences for RNN and GPT-style models.

Shakespeare follows nanoGPT's ``data/shakespeare_char/prepare.py`` and ``train.py``: a sorted
character vocabulary (:func:`char_vocab`, the same ids as ``homeml.text.CharTokenizer.from_text``),
the first 90% of the text to train and the last 10% to validate (:func:`split_text`), and
random windows shifted by one (:func:`get_batch`). Arrays are NumPy ``int64``; the training loop
turns them into tensors.
"""

from __future__ import annotations

import os
import random
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from homeml.datasets._download import ENV_VAR, data_dir

__all__ = [
    "NAMES_FILE",
    "ENG_FRA_FILE",
    "SHAKESPEARE_FILE",
    "build_dataset",
    "build_sequences",
    "char_vocab",
    "encode_text",
    "get_batch",
    "load_names",
    "load_sentence_pairs",
    "load_shakespeare",
    "names_vocab",
    "random_rows",
    "split_names",
    "split_sentence_pairs",
    "split_text",
]

NAMES_FILE = "names/names.txt"  # under the data folder
SHAKESPEARE_FILE = "tinyshakespeare/input.txt"
_SOURCES = {
    NAMES_FILE: "https://raw.githubusercontent.com/karpathy/makemore/master/names.txt",
    SHAKESPEARE_FILE: (
        "https://raw.githubusercontent.com/karpathy/char-rnn/master/data/tinyshakespeare/input.txt"
    ),
}


def _read(relative: str, root: str | os.PathLike | None) -> str:
    folder = data_dir(root)
    path = folder / relative
    if not path.is_file():
        set_to = os.environ.get(ENV_VAR)
        where = f"{ENV_VAR}={set_to}" if set_to and root is None else f"data folder {folder}"
        raise FileNotFoundError(
            f"{path} not found: expected the file {relative} under the {where} (set {ENV_VAR} "
            f"to the folder holding {relative.split('/')[0]}/, default ~/.cache/homeml). "
            f"The file comes from {_SOURCES[relative]}"
        )
    return Path(path).read_text(encoding="utf-8")


def load_names(root: str | os.PathLike | None = None) -> list[str]:
    """The names of ``names/names.txt``, one per line, in file order.

    Parameters
    ----------
    root : path, optional
        The data folder; default ``$HOMEML_DATA`` (or ``~/.cache/homeml``).

    Returns
    -------
    list of str

    Raises
    ------
    FileNotFoundError
        When the file is missing; the message names the path and ``HOMEML_DATA``.
    ValueError
        When the file holds no names.
    """
    words = [w for w in _read(NAMES_FILE, root).splitlines() if w]
    if not words:
        raise ValueError(f"{data_dir(root) / NAMES_FILE} holds no names")
    return words


def split_names(words: Sequence[str], seed: int = 42) -> tuple[list[str], list[str], list[str]]:
    """The lectures' 80/10/10 split: shuffle with Python's ``random`` seeded ``seed``.

    Identical to ``random.seed(42); random.shuffle(words); n1 = int(0.8 * n);
    n2 = int(0.9 * n)`` then ``words[:n1], words[n1:n2], words[n2:]``, but on a copy and with a
    private ``random.Random``: the caller's list and the global random state stay untouched.

    Returns
    -------
    train, dev, test : list of str
    """
    if not words:
        raise ValueError("split_names needs at least one name, got an empty sequence")
    shuffled = list(words)
    # random.Random(seed).shuffle draws exactly what random.seed(seed); random.shuffle does
    random.Random(seed).shuffle(shuffled)
    n = len(shuffled)
    n1, n2 = int(0.8 * n), int(0.9 * n)
    return shuffled[:n1], shuffled[n1:n2], shuffled[n2:]


def names_vocab(words: Sequence[str]) -> tuple[dict[str, int], dict[int, str]]:
    """``stoi`` and ``itos`` of the lectures: ``'.'`` -> 0, the sorted letters -> 1, 2, ...

    Raises
    ------
    ValueError
        When a name contains ``'.'`` (it would collide with the start/end token).
    """
    chars = sorted(set("".join(words)))
    if "." in chars:
        raise ValueError("names must not contain '.', the start/end token")
    stoi = {c: i + 1 for i, c in enumerate(chars)}
    stoi["."] = 0
    return stoi, {i: c for c, i in stoi.items()}


def _ids(word: str, stoi: dict[str, int]) -> list[int]:
    try:
        return [stoi[c] for c in word]
    except KeyError as error:
        raise ValueError(
            f"the name {word!r} has the character {error.args[0]!r}, not in stoi"
        ) from None


def build_dataset(
    words: Sequence[str], block_size: int, stoi: dict[str, int]
) -> tuple[np.ndarray, np.ndarray]:
    """Context windows of ``block_size`` characters and the character that follows each.

    Every name ``w`` gives ``len(w) + 1`` rows: the context starts as ``block_size`` start
    tokens (0) and slides over the name; the last target is the end token (0). For "emma" and
    ``block_size=3``: ``... -> e``, ``..e -> m``, ``.em -> m``, ``emm -> a``, ``mma -> .``.

    Returns
    -------
    X : ndarray of int64, shape (N, block_size)
    Y : ndarray of int64, shape (N,)
        ``N = sum(len(w) + 1 for w in words)``.
    """
    if not isinstance(block_size, int) or block_size < 1:
        raise ValueError(f"block_size must be a positive int, got {block_size!r}")
    n = sum(len(w) + 1 for w in words)
    X = np.zeros((n, block_size), dtype=np.int64)
    Y = np.zeros(n, dtype=np.int64)
    row = 0
    for w in words:
        context = [0] * block_size
        for ix in [*_ids(w, stoi), 0]:
            X[row], Y[row] = context, ix
            context = context[1:] + [ix]
            row += 1
    return X, Y


def build_sequences(
    words: Sequence[str], stoi: dict[str, int], max_length: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Padded sequences as in makemore's ``CharDataset``: each name as ``max_length + 1`` ids.

    ``x`` is the start token 0 then the name (then 0s); ``y`` is the name, the end token 0, then
    -1 (ignored by ``cross_entropy(..., ignore_index=-1)``). For "emma": ``x = [0, e, m, m, a,
    0, ...]``, ``y = [e, m, m, a, 0, -1, ...]``.

    Parameters
    ----------
    max_length : int, optional
        The longest name allowed; default the longest in ``words`` (give the training set's
        value for every split so the shapes agree).

    Returns
    -------
    X, Y : ndarray of int64, shape (len(words), max_length + 1)
    """
    longest = max((len(w) for w in words), default=0)
    max_length = longest if max_length is None else max_length
    if longest > max_length:
        raise ValueError(f"a name has {longest} characters, more than max_length={max_length}")
    X = np.zeros((len(words), max_length + 1), dtype=np.int64)
    Y = np.full((len(words), max_length + 1), -1, dtype=np.int64)
    for i, w in enumerate(words):
        ids = _ids(w, stoi)
        X[i, 1 : 1 + len(ids)] = ids
        Y[i, : len(ids)] = ids
        Y[i, len(ids)] = 0  # the end token is predicted; what follows is padding
    return X, Y


def load_shakespeare(root: str | os.PathLike | None = None) -> str:
    """The text of ``tinyshakespeare/input.txt`` (see :func:`load_names` for ``root``)."""
    text = _read(SHAKESPEARE_FILE, root)
    if not text:
        raise ValueError(f"{data_dir(root) / SHAKESPEARE_FILE} is empty")
    return text


def char_vocab(text: str) -> list[str]:
    """The sorted distinct characters of ``text``: id ``i`` is ``chars[i]`` (as nanoGPT)."""
    return sorted(set(text))


def encode_text(text: str, chars: Sequence[str]) -> np.ndarray:
    """``text`` as an int64 array of ids into ``chars``.

    Raises
    ------
    ValueError
        Naming the characters of ``text`` missing from ``chars``.
    """
    stoi = {c: i for i, c in enumerate(chars)}
    missing = set(text) - stoi.keys()
    if missing:
        raise ValueError(f"characters not in the vocabulary: {sorted(missing)!r}")
    return np.array([stoi[c] for c in text], dtype=np.int64)


def split_text(ids: np.ndarray, train_fraction: float = 0.9) -> tuple[np.ndarray, np.ndarray]:
    """The split of nanoGPT: the first ``int(n * train_fraction)`` ids train, the rest validate.

    A split in the middle of the text, not a shuffle: windows of the two parts never overlap.
    """
    if not 0.0 < train_fraction < 1.0:
        raise ValueError(f"train_fraction must be in (0, 1), got {train_fraction!r}")
    n = int(len(ids) * train_fraction)
    return ids[:n], ids[n:]


def get_batch(
    data: np.ndarray, block_size: int, batch_size: int, generator: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """``batch_size`` random windows of ``data`` and the same windows shifted by one (nanoGPT).

    Offsets are drawn from ``generator`` (``integers(0, len(data) - block_size)``), so a run is
    reproducible, and resumable by saving the generator's state.

    Returns
    -------
    x, y : ndarray of int64, shape (batch_size, block_size)
        ``y[b, t] == data[offset_b + t + 1]``: the next character after ``x[b, :t + 1]``.
    """
    if not isinstance(block_size, int) or block_size < 1:
        raise ValueError(f"block_size must be a positive int, got {block_size!r}")
    if not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive int, got {batch_size!r}")
    if len(data) <= block_size:
        raise ValueError(
            f"the data has {len(data)} ids, too few for windows of block_size={block_size} "
            "and their next id"
        )
    offsets = generator.integers(0, len(data) - block_size, size=batch_size)
    window = offsets[:, None] + np.arange(block_size)  # (B, T) positions
    data = np.asarray(data)
    return data[window].astype(np.int64), data[window + 1].astype(np.int64)


def random_rows(
    x: np.ndarray, y: np.ndarray, batch_size: int, generator: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """``batch_size`` rows drawn with replacement, as the lectures' ``torch.randint(0, N, (B,))``
    minibatches of :func:`build_dataset` or :func:`build_sequences` arrays.
    """
    if len(x) != len(y) or len(x) == 0:
        raise ValueError(f"x and y need the same, non-zero length, got {len(x)} and {len(y)}")
    if not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive int, got {batch_size!r}")
    rows = generator.integers(0, len(x), size=batch_size)
    return x[rows], y[rows]


# -- translation: tab-separated sentence pairs ----------------------------------------------------

ENG_FRA_FILE = "eng-fra/eng-fra.txt"  # Tatoeba via manythings.org/anki, first 5,000 pairs


def load_sentence_pairs(
    path_or_root: str | os.PathLike | None = None, reverse: bool = False
) -> list[tuple[str, str]]:
    """The sentence pairs of a tab-separated file (``source<TAB>target[<TAB>attribution]``).

    Parameters
    ----------
    path_or_root : path, optional
        A pairs file, or a data folder holding ``eng-fra/eng-fra.txt``; default ``$HOMEML_DATA``
        (or ``~/.cache/homeml``).
    reverse : bool, default False
        Swap the columns (French to English for ``eng-fra``), as the PyTorch tutorial's
        ``readLangs(..., reverse=True)``.

    Returns
    -------
    list of (str, str)
        The first two fields of each non-empty line, in file order; further fields (Tatoeba's
        attribution) are dropped.

    Raises
    ------
    FileNotFoundError
        When the file is missing; the message names the path and ``HOMEML_DATA``.
    ValueError
        When a line has fewer than two tab-separated fields (the message names the line), or
        the file holds no pairs.
    """
    if path_or_root is not None and Path(path_or_root).is_file():
        path = Path(path_or_root)
        text = path.read_text(encoding="utf-8")
    else:
        path = data_dir(path_or_root) / ENG_FRA_FILE
        if not path.is_file():
            raise FileNotFoundError(
                f"{path} not found: expected a pairs file, or {ENG_FRA_FILE} under the data "
                f"folder (set {ENV_VAR}, default ~/.cache/homeml). The file is Tatoeba's "
                "English-French pairs (manythings.org/anki fra-eng.zip, fra.txt)"
            )
        text = path.read_text(encoding="utf-8")
    pairs = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        fields = line.split("\t")
        if len(fields) < 2:
            raise ValueError(
                f"{path}, line {number}: expected source<TAB>target, found {line[:60]!r}"
            )
        pairs.append((fields[1], fields[0]) if reverse else (fields[0], fields[1]))
    if not pairs:
        raise ValueError(f"{path} holds no sentence pairs")
    return pairs


def split_sentence_pairs(
    pairs: Sequence[tuple[str, str]], train_fraction: float = 0.9, seed: int = 0
) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """Shuffle a copy with ``random.Random(seed)``, then the first 90% train, the rest test.

    Parameters
    ----------
    pairs : sequence of (str, str)
        From :func:`load_sentence_pairs`.
    train_fraction : float, default 0.9
        The share of the pairs to train on (``int(train_fraction * n)`` of them).
    seed : int, default 0
        The shuffle's seed: the same seed gives the same split.

    Returns
    -------
    train, test : list of (str, str)
    """
    if not 0.0 < train_fraction < 1.0:
        raise ValueError(f"train_fraction must be in (0, 1), got {train_fraction}")
    if len(pairs) < 2:
        raise ValueError(f"split_sentence_pairs needs at least 2 pairs, got {len(pairs)}")
    shuffled = list(pairs)
    random.Random(seed).shuffle(shuffled)
    n = min(max(int(train_fraction * len(shuffled)), 1), len(shuffled) - 1)
    return shuffled[:n], shuffled[n:]
