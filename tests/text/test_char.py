"""CharTokenizer: the vocabulary as makemore and nanoGPT build it, the unknown-character policy,
and its JSON file."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import homeml as hm
from homeml.text import CharTokenizer, TokenizerFileError


def test_vocabulary_is_the_sorted_characters_as_nanogpt_builds_it():
    text = "First Citizen:\nBefore we proceed any further, hear me speak."
    tok = CharTokenizer.from_text(text)
    chars = sorted(set(text))  # nanoGPT's prepare.py
    assert tok.chars == chars
    assert tok.vocab_size == len(chars) == len(tok)
    assert tok.stoi == {ch: i for i, ch in enumerate(chars)}
    assert tok.itos == {i: ch for i, ch in enumerate(chars)}
    assert tok.encode("hear") == [tok.stoi[c] for c in "hear"]
    assert tok.decode(tok.encode(text)) == text


@given(st.text())
def test_round_trip_on_any_text_with_its_own_alphabet(text):
    tok = CharTokenizer.from_text(text)
    ids = tok.encode(text)
    assert len(ids) == len(text)
    assert all(0 <= i < tok.vocab_size for i in ids)
    assert tok.decode(ids) == text


@given(st.data())
def test_round_trip_on_text_drawn_from_a_fixed_alphabet(data):
    alphabet = "abcdefghijklmnopqrstuvwxyz .\n\u00e9\u4e2d\U0001f600"
    tok = CharTokenizer(alphabet)
    text = data.draw(st.text(alphabet=alphabet))
    assert tok.decode(tok.encode(text)) == text


def test_decode_takes_numpy_arrays_and_checks_ids():
    tok = CharTokenizer.from_text("abc")
    assert tok.decode(np.array([2, 1, 0])) == "cba"
    assert tok.decode(hm.tensor([2, 1, 0])) == "cba"
    assert tok.decode((np.int64(1), 2)) == "bc"
    with pytest.raises(TypeError, match="integers, got 1.0"):
        tok.decode(np.array([1.0]))
    with pytest.raises(TypeError, match="integers"):
        tok.decode([[0, 1]])
    with pytest.raises(ValueError, match="token id 3 is not in the vocabulary"):
        tok.decode([0, 3])
    with pytest.raises(ValueError, match="not in the vocabulary"):
        tok.decode([-1])
    with pytest.raises(TypeError, match="integers"):
        tok.decode(["a"])
    with pytest.raises(TypeError, match="sequence of token ids"):
        tok.decode("abc")


def test_unknown_error_names_the_characters():
    tok = CharTokenizer.from_text("abc")
    with pytest.raises(ValueError, match=r"2 character\(s\) not in the vocabulary: 'xz'"):
        tok.encode("abzcx")


def test_unknown_replacement_inside_the_vocabulary():
    tok = CharTokenizer.from_text("abc?", unknown="?")
    assert tok.vocab_size == 4
    assert tok.unknown_id == tok.stoi["?"]
    assert tok.decode(tok.encode("axb")) == "a?b"


def test_unknown_replacement_token_gets_the_last_id():
    tok = CharTokenizer.from_text("abc", unknown="<unk>")
    assert tok.vocab_size == 4
    assert tok.unknown_id == 3
    assert tok.encode("a\u00e9c") == [0, 3, 2]
    assert tok.decode([0, 3, 2]) == "a<unk>c"


def test_bad_construction_is_refused():
    with pytest.raises(TypeError, match="expects text as a str, got bytes"):
        CharTokenizer.from_text(b"abc")
    with pytest.raises(TypeError, match="got list"):
        CharTokenizer.from_text("abc").encode(["a"])
    with pytest.raises(ValueError, match="single characters"):
        CharTokenizer(["ab", "c"])
    with pytest.raises(ValueError, match="repeats the characters \\['a'\\]"):
        CharTokenizer(["a", "b", "a"])
    with pytest.raises(ValueError, match="unknown must be"):
        CharTokenizer("abc", unknown="")


@pytest.mark.parametrize("unknown", ["error", "<unk>"])
def test_save_load_round_trip(tmp_path, unknown):
    tok = CharTokenizer.from_text("hello, world \u00e9\U0001f600\n", unknown=unknown)
    path = tmp_path / "chars.json"
    tok.save(path)
    assert os.listdir(tmp_path) == ["chars.json"]  # no temporary file left behind
    loaded = CharTokenizer.load(path)
    assert loaded == tok
    assert loaded.stoi == tok.stoi and loaded.itos == tok.itos
    assert json.loads(path.read_text(encoding="utf-8"))["homeml_tokenizer"] == "char"


@pytest.mark.parametrize(
    "content, message",
    [
        ('{"homeml_tokenizer": "char", "version": 1, "chars": ["a"', "not valid JSON"),
        ("[1, 2]", "expected a JSON object, found list"),
        ('{"homeml_tokenizer": "bpe", "version": 1}', "expected a 'char' tokenizer"),
        ('{"homeml_tokenizer": "char", "version": 99}', "format version 99"),
        ('{"homeml_tokenizer": "char", "version": 1, "unknown": "error"}', "'chars' is missing"),
        (
            '{"homeml_tokenizer": "char", "version": 1, "chars": "ab", "unknown": "error"}',
            "'chars' should be list, found str",
        ),
        (
            '{"homeml_tokenizer": "char", "version": 1, "chars": ["a", "a"], "unknown": "error"}',
            "repeats the characters",
        ),
    ],
)
def test_corrupt_files_get_a_clear_error(tmp_path, content, message):
    path = tmp_path / "bad.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(TokenizerFileError, match=message):
        CharTokenizer.load(path)


def test_corrupt_file_error_is_a_value_error_naming_the_file(tmp_path):
    path = tmp_path / "bad.json"
    path.write_bytes(b"\xff\xfe not json")
    with pytest.raises(ValueError, match="bad.json"):
        CharTokenizer.load(path)


def test_import_loads_no_engine_module():
    code = (
        "import sys, homeml.text; print(sorted(m for m in sys.modules if m.startswith('homeml')))"
    )
    root = Path(hm.__file__).parents[1]
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=root
    )
    loaded = ast.literal_eval(out.stdout)
    assert "homeml.text.bpe" in loaded
    assert all(m.startswith(("homeml.text", "homeml._storage")) or m == "homeml" for m in loaded)


def test_makemore_vocabulary_on_names():
    """makemore's: '.' (start and end of a name) at id 0, then the sorted letters."""
    from homeml.datasets import data_dir

    path = data_dir() / "names" / "names.txt"
    if not path.is_file():
        pytest.skip(
            "needs the names files in $HOMEML_DATA/names/ (HOMEML_DATA defaults to "
            f"~/.cache/homeml; copy names.txt from the shared datasets folder there); missing: "
            f"{path}"
        )
    words = path.read_text(encoding="utf-8").splitlines()
    tok = CharTokenizer(["."] + sorted(set("".join(words))))
    assert tok.vocab_size == 27 and tok.stoi["."] == 0 and tok.stoi["a"] == 1
    assert tok.itos[26] == "z"
    assert tok.decode(tok.encode(".emma.")) == ".emma."
    assert tok.encode("emma") == [5, 13, 13, 1]
