"""Names and tiny Shakespeare: the lectures' split and context windows, makemore's sequences,
nanoGPT's 90/10 split and shifted batches, and the errors for missing files and bad arguments."""

from __future__ import annotations

import random

import numpy as np
import pytest

from homeml.datasets import data_dir
from homeml.datasets.text import (
    NAMES_FILE,
    SHAKESPEARE_FILE,
    build_dataset,
    build_sequences,
    char_vocab,
    encode_text,
    get_batch,
    load_names,
    load_shakespeare,
    names_vocab,
    random_rows,
    split_names,
    split_text,
)


def _skip_reason(relative: str) -> str | None:
    path = data_dir() / relative
    if path.is_file():
        return None
    return f"needs {path} (set HOMEML_DATA to the folder holding {relative.split('/')[0]}/)"


requires_names = pytest.mark.skipif(
    _skip_reason(NAMES_FILE) is not None, reason=_skip_reason(NAMES_FILE) or ""
)
requires_shakespeare = pytest.mark.skipif(
    _skip_reason(SHAKESPEARE_FILE) is not None, reason=_skip_reason(SHAKESPEARE_FILE) or ""
)


@requires_names
def test_names_split_is_the_lectures_split():
    words = load_names()
    assert len(words) == 32033
    assert words[:3] == ["emma", "olivia", "ava"]
    reference = list(words)
    state = random.getstate()
    try:
        random.seed(42)
        random.shuffle(reference)
    finally:
        random.setstate(state)
    n1, n2 = int(0.8 * len(reference)), int(0.9 * len(reference))
    train, dev, test = split_names(words)
    assert (len(train), len(dev), len(test)) == (25626, 3203, 3204)
    assert (train, dev, test) == (reference[:n1], reference[n1:n2], reference[n2:])
    assert words[:3] == ["emma", "olivia", "ava"]  # the caller's list is not shuffled


@requires_names
def test_build_dataset_counts_every_name_and_its_end():
    words = load_names()
    stoi, itos = names_vocab(words)
    assert stoi["."] == 0 and stoi["a"] == 1 and stoi["z"] == 26 and itos[26] == "z"
    X, Y = build_dataset(words[:100], 3, stoi)
    assert X.shape == (sum(len(w) + 1 for w in words[:100]), 3)
    assert X.dtype == Y.dtype == np.int64


def test_build_dataset_matches_a_hand_made_example():
    stoi, _ = names_vocab(["emma", "ava"])  # . a e m v -> 0 1 2 3 4
    assert stoi == {".": 0, "a": 1, "e": 2, "m": 3, "v": 4}
    X, Y = build_dataset(["emma", "ava"], 3, stoi)
    e, m, a, v = 2, 3, 1, 4
    want_x = [[0, 0, 0], [0, 0, e], [0, e, m], [e, m, m], [m, m, a]]
    want_x += [[0, 0, 0], [0, 0, a], [0, a, v], [a, v, a]]
    np.testing.assert_array_equal(X, want_x)
    np.testing.assert_array_equal(Y, [e, m, m, a, 0, a, v, a, 0])


def test_build_sequences_pads_with_ignored_targets():
    stoi, _ = names_vocab(["emma", "ava"])
    X, Y = build_sequences(["emma", "ava"], stoi)
    np.testing.assert_array_equal(X, [[0, 2, 3, 3, 1], [0, 1, 4, 1, 0]])
    np.testing.assert_array_equal(Y, [[2, 3, 3, 1, 0], [1, 4, 1, 0, -1]])
    X, Y = build_sequences(["ava"], stoi, max_length=5)
    np.testing.assert_array_equal(Y, [[1, 4, 1, 0, -1, -1]])
    with pytest.raises(ValueError, match="max_length=2"):
        build_sequences(["emma"], stoi, max_length=2)


def test_names_bad_arguments():
    stoi, _ = names_vocab(["ab"])
    with pytest.raises(ValueError, match="block_size"):
        build_dataset(["ab"], 0, stoi)
    with pytest.raises(ValueError, match="'z'"):
        build_dataset(["az"], 3, stoi)
    with pytest.raises(ValueError, match="start/end token"):
        names_vocab(["a.b"])
    with pytest.raises(ValueError, match="empty"):
        split_names([])


def test_missing_files_name_the_path_and_the_variable(tmp_path):
    for load, relative in ((load_names, NAMES_FILE), (load_shakespeare, SHAKESPEARE_FILE)):
        with pytest.raises(FileNotFoundError) as info:
            load(tmp_path)
        message = str(info.value)
        assert str(tmp_path / relative) in message and "HOMEML_DATA" in message


def test_get_batch_is_shifted_by_one_and_reproducible():
    data = np.arange(100, dtype=np.int64)
    x, y = get_batch(data, 8, 4, np.random.default_rng(0))
    assert x.shape == y.shape == (4, 8) and x.dtype == np.int64
    np.testing.assert_array_equal(y, x + 1)  # arange: the next id is the id plus one
    np.testing.assert_array_equal(np.diff(x, axis=1), 1)  # contiguous windows
    assert x.min() >= 0 and y.max() <= 99
    x2, _ = get_batch(data, 8, 4, np.random.default_rng(0))
    np.testing.assert_array_equal(x, x2)
    with pytest.raises(ValueError, match="too few"):
        get_batch(data[:8], 8, 4, np.random.default_rng(0))
    with pytest.raises(ValueError, match="batch_size"):
        get_batch(data, 8, 0, np.random.default_rng(0))


def test_random_rows_and_split_text():
    x, y = np.arange(10)[:, None], np.arange(10)
    bx, by = random_rows(x, y, 5, np.random.default_rng(1))
    np.testing.assert_array_equal(bx[:, 0], by)
    train, val = split_text(np.arange(10))
    np.testing.assert_array_equal(train, np.arange(9))
    np.testing.assert_array_equal(val, [9])
    with pytest.raises(ValueError, match="train_fraction"):
        split_text(np.arange(10), 1.0)
    with pytest.raises(ValueError, match="same"):
        random_rows(x, y[:3], 2, np.random.default_rng(1))


@requires_shakespeare
def test_shakespeare_vocabulary_and_split_as_nanogpt():
    from homeml.text import CharTokenizer

    text = load_shakespeare()
    assert len(text) == 1115394
    chars = char_vocab(text)
    assert len(chars) == 65 and chars[:2] == ["\n", " "]
    assert chars == CharTokenizer.from_text(text).chars  # the same ids as the tokenizer
    n = len(text)
    train, val = split_text(encode_text(text, chars))
    np.testing.assert_array_equal(train, encode_text(text[: int(n * 0.9)], chars))
    np.testing.assert_array_equal(val, encode_text(text[int(n * 0.9) :], chars))
    assert len(train) == 1003854 and len(val) == 111540
    with pytest.raises(ValueError, match="vocabulary"):
        encode_text("é", chars)
