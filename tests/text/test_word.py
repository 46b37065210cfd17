"""Word tokenizer: the PyTorch seq2seq tutorial's normalization, the vocabulary's specials and
minimum frequency, encode/decode and the JSON round trip."""

from __future__ import annotations

import re
import unicodedata

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from homeml.text import (
    SPECIAL_TOKENS,
    TokenizerFileError,
    Vocabulary,
    WordTokenizer,
    normalize_string,
)


def tutorial_normalize(s: str) -> str:
    """The tutorial's unicodeToAscii + normalizeString (keeping . ! ?), spaces collapsed."""
    s = "".join(
        c
        for c in unicodedata.normalize("NFD", s.lower().strip())
        if unicodedata.category(c) != "Mn"
    )
    s = re.sub(r"([.!?])", r" \1", s)
    s = re.sub(r"[^a-zA-Z.!?]+", r" ", s)
    return " ".join(s.split())


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("abcAZéèçÉœ .,!?'-\t0123日")), max_size=30))
def test_normalize_matches_the_tutorial(text):
    assert normalize_string(text) == tutorial_normalize(text)


def test_normalize_cases():
    assert normalize_string("Va-t'en, vite!") == "va t en vite !"
    assert normalize_string("Ça va?") == "ca va ?"
    assert normalize_string("Ça va?", lowercase=False, strip_accents=False) == "Ça va ?"
    assert normalize_string("  ") == ""


def test_vocabulary_specials_min_freq_and_order():
    vocab = Vocabulary.build([["b", "a", "b"], ["c", "a", "b"]], min_freq=2)
    assert vocab.itos == [*SPECIAL_TOKENS, "b", "a"]
    assert (vocab.pad_id, vocab.sos_id, vocab.eos_id, vocab.unk_id) == (0, 1, 2, 3)
    assert vocab.lookup_ids(["a", "c"]) == [5, 3]
    assert vocab.lookup_tokens(np.array([4, 5])) == ["b", "a"]
    assert len(Vocabulary.build([["x", "y", "z"]], max_size=2)) == 6
    with pytest.raises(ValueError, match="special"):
        Vocabulary(["<unk>"])
    with pytest.raises(ValueError, match="not in the vocabulary"):
        vocab.lookup_tokens([6])
    with pytest.raises(ValueError, match="min_freq"):
        Vocabulary.build([], min_freq=0)


def test_encode_decode(tmp_path):
    tok = WordTokenizer.from_texts(["I am cold.", "I am here!", "You are here."])
    ids = tok.encode("I am hungry!", add_specials=True)
    assert ids[0] == tok.sos_id and ids[-1] == tok.eos_id and tok.unk_id in ids
    assert tok.decode(ids) == "i am <unk> !"
    assert tok.decode([*tok.encode("you are here"), tok.eos_id, 5, tok.pad_id]) == "you are here"
    assert tok.decode([tok.sos_id, 4, tok.eos_id], skip_special=False) == "<sos> i <eos>"
    path = tmp_path / "tok.json"
    tok.save(path)
    assert WordTokenizer.load(path) == tok
    (tmp_path / "bad.json").write_text('{"homeml_tokenizer": "char", "version": 1}')
    with pytest.raises(TokenizerFileError, match="expected a 'word' tokenizer"):
        WordTokenizer.load(tmp_path / "bad.json")


def test_encode_batch_pads_on_the_right():
    tok = WordTokenizer.from_texts(["I am cold.", "Go!"])
    batch = tok.encode_batch(["Go!", "I am cold."], sos=True)
    assert batch.dtype == np.int64 and batch.shape == (2, 6)
    assert batch[0].tolist() == [1, *tok.encode("Go!"), 2, 0, 0]
    assert tok.decode(batch[1]) == "i am cold ."
    assert tok.encode_batch(["go"]).tolist() == [[tok.encode("go")[0], 2]]
