"""BPETokenizer: the merges of a hand-checked example, the split patterns, special tokens, the
JSON file, bad input, the round trip on any Unicode text and, on tiny shakespeare, the token
count of the `tokenizers` library's byte-level BPE trainer."""

from __future__ import annotations

import json
import os
import warnings

import numpy as np
import pytest
import regex
from hypothesis import given
from hypothesis import strategies as st

from homeml.datasets import data_dir
from homeml.text import (
    GPT2_SPLIT_PATTERN,
    GPT4_SPLIT_PATTERN,
    BPETokenizer,
    TokenizerFileError,
)

try:
    import tokenizers
except ImportError:  # the reference; CI installs it
    tokenizers = None

requires_tokenizers = pytest.mark.skipif(
    tokenizers is None,
    reason="the tokenizers library is not installed (pip install tokenizers); CI installs it",
)


def _shakespeare() -> str:
    """Tiny shakespeare from the data folder, or a skip that says where to put it."""
    path = data_dir() / "tinyshakespeare" / "input.txt"
    if not path.is_file():
        pytest.skip(
            "needs the tinyshakespeare files in $HOMEML_DATA/tinyshakespeare/ (HOMEML_DATA "
            "defaults to ~/.cache/homeml; copy input.txt from the shared datasets folder "
            f"there); missing: {path}"
        )
    return path.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def shakespeare() -> str:
    return _shakespeare()


@pytest.fixture(scope="module")
def trained(shakespeare) -> BPETokenizer:
    """GPT-4 pattern, 300 tokens, on the first 50,000 characters."""
    return BPETokenizer("gpt4").train(shakespeare[:50_000], 300)


def test_hand_checked_merges():
    # "aaabdaaabac": aa (4 times, overlaps counted) -> 256; then ab and 256 a tie at 2, the
    # smaller pair (97, 98) wins -> 257; then (256, 257), twice -> 258: "ZYdZYac" -> "XdXac"
    tok = BPETokenizer().train("aaabdaaabac", 259)
    assert tok.merges == {(97, 97): 256, (97, 98): 257, (256, 257): 258}
    assert tok.vocab[256] == b"aa" and tok.vocab[257] == b"ab" and tok.vocab[258] == b"aaab"
    assert tok.encode("aaabdaaabac") == [258, 100, 258, 97, 99]
    assert tok.decode([258, 100, 258, 97, 99]) == "aaabdaaabac"
    assert tok.vocab_size == 259


def test_merges_apply_by_rank_not_by_position():
    tok = BPETokenizer().train("aaabdaaabac", 259)
    # "aab": (97, 97) has rank 256, (97, 98) 257: aa first, leaving 256 98 (not a merge)
    assert tok.encode("aab") == [256, 98]
    assert tok.encode("ab") == [257]


def test_split_patterns_cut_as_gpt2_and_gpt4_do():
    text = "Hello world's 1234567 don'T  !!?\n\n end"
    assert regex.findall(GPT2_SPLIT_PATTERN, text) == [
        "Hello",
        " world",
        "'s",
        " 1234567",
        " don",
        "'",
        "T",
        " ",
        " !!?",
        "\n\n",
        " end",
    ]
    assert regex.findall(GPT4_SPLIT_PATTERN, text) == [
        "Hello",
        " world",
        "'s",
        " ",
        "123",
        "456",
        "7",
        " don",
        "'T",
        " ",
        " !!?\n\n",
        " end",
    ]


def test_merges_never_cross_chunks():
    tok = BPETokenizer().train("ab ab ab ab", 258, pattern="gpt2")
    # chunks "ab", " ab" (3 times): ab, then space + ab; no merge ends with a space
    assert all(not b.endswith(b" ") for b in tok.vocab.values() if len(b) > 1)
    assert tok.pattern == GPT2_SPLIT_PATTERN


@given(st.text())
def test_round_trip_on_any_unicode_text(trained, text):
    ids = trained.encode(text)
    assert all(0 <= i < trained.vocab_size for i in ids)
    assert trained.decode(ids) == text


@given(st.text(alphabet=st.characters(codec="utf-8")))
def test_round_trip_with_gpt2_and_a_pattern_that_skips_text(text):
    for tok in (
        BPETokenizer("gpt2").train("the cat, the hat: the 123 \u00e9t\u00e9 \u00e9t\u00e9", 270),
        BPETokenizer(r"\w+").train("the cat the hat", 260),  # spaces unmatched, kept apart
    ):
        assert tok.decode(tok.encode(text)) == text


def test_text_outside_the_training_data_falls_back_to_bytes(trained):
    text = "\u4e2d\u6587 \U0001f600 caf\u00e9"
    ids = trained.encode(text)
    assert trained.decode(ids) == text
    assert trained.encode("\U0001f600") == list("\U0001f600".encode())  # no merge seen


def test_decode_replaces_a_cut_character():
    tok = BPETokenizer().train("abc", 256)
    ids = tok.encode("\u00e9")
    assert ids == [0xC3, 0xA9]
    assert tok.decode(ids[:1]) == "\ufffd"
    assert tok.decode_bytes(ids[:1]) == b"\xc3"
    with pytest.raises(ValueError, match="token id 256 is not in the vocabulary"):
        tok.decode([256])
    assert tok.decode(np.array(ids)) == "\u00e9"
    with pytest.raises(TypeError, match="integers"):
        tok.decode([0.5])


def test_special_tokens():
    tok = BPETokenizer().train("hello world, hello there", 270)
    tok.register_special_tokens({"<|endoftext|>": 1000, "<|end|>": 1001})
    assert tok.vocab_size == 1002
    text = "hello<|endoftext|>there<|end|>"
    with pytest.raises(ValueError, match="holds the special token '<\\|endoftext\\|>'"):
        tok.encode(text)
    every = tok.encode(text, allowed_special="all")
    assert every.count(1000) == 1 and every.count(1001) == 1
    assert tok.decode(every) == text
    one = tok.encode(text, allowed_special={"<|end|>"})
    assert 1000 not in one and one[-1] == 1001
    plain = tok.encode(text, allowed_special="none")
    assert plain == tok.encode_ordinary(text) and 1000 not in plain
    assert tok.decode(plain) == text
    with pytest.raises(ValueError, match="not registered special tokens"):
        tok.encode(text, allowed_special={"<|pad|>"})
    with pytest.raises(ValueError, match="allowed_special must be"):
        tok.encode(text, allowed_special="some")


def test_bad_special_tokens_are_refused():
    tok = BPETokenizer().train("hello world, hello there", 270)
    with pytest.raises(ValueError, match="belongs to a byte or a merge"):
        tok.register_special_tokens({"<|x|>": 260})
    with pytest.raises(ValueError, match="share an id"):
        tok.register_special_tokens({"<|x|>": 500, "<|y|>": 500})
    with pytest.raises(ValueError, match="non-empty str"):
        tok.register_special_tokens({"": 500})
    tok.register_special_tokens({"<|x|>": 300})
    with pytest.raises(ValueError, match="ids below vocab_size=400"):
        tok.train("hello", 400)


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda t: t.train("abc", 255), ValueError, "at least 256 .* got 255"),
        (lambda t: t.train("abc", 300.0), TypeError, "vocab_size must be an int, got float"),
        (lambda t: t.train("abc", True), TypeError, "vocab_size must be an int, got bool"),
        (lambda t: t.train(b"abc", 300), TypeError, "expects text as a str, got bytes"),
        (lambda t: t.train(None, 300), TypeError, "got NoneType"),
        (lambda t: t.encode(b"abc"), TypeError, "encode expects text as a str, got bytes"),
        (lambda t: t.train("abc", 300, pattern="(unclosed"), ValueError, "not a valid regex"),
        (lambda t: BPETokenizer(pattern=3), TypeError, "pattern must be"),
        (lambda t: t.encode("a\ud800"), UnicodeEncodeError, "surrogates not allowed"),
    ],
)
def test_bad_input_gets_a_clear_error(call, error, message):
    with pytest.raises(error, match=message):
        call(BPETokenizer())


def test_short_text_stops_early_with_a_warning():
    with pytest.warns(UserWarning, match="no pairs left to merge after 1 merges"):
        tok = BPETokenizer().train("ab", 300)
    assert tok.merges == {(97, 98): 256}


def test_vocab_size_256_learns_no_merge():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        tok = BPETokenizer().train("hello hello", 256)
    assert tok.merges == {} and tok.vocab_size == 256
    assert tok.encode("hi") == [104, 105]


def test_training_again_replaces_the_merges():
    tok = BPETokenizer().train("aaaa", 257)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        tok.train("bbbb", 257)
    assert tok.merges == {(98, 98): 256}
    assert tok.encode("aa") == [97, 97]


def test_save_load_round_trip(tmp_path, trained, shakespeare):
    tok = BPETokenizer("gpt2").train(shakespeare[:20_000], 290)
    tok.register_special_tokens({"<|endoftext|>": 290})
    path = tmp_path / "bpe.json"
    tok.save(path)
    assert os.listdir(tmp_path) == ["bpe.json"]
    loaded = BPETokenizer.load(path)
    assert loaded.merges == tok.merges and list(loaded.merges) == list(tok.merges)
    assert loaded.special_tokens == tok.special_tokens
    assert loaded.pattern == GPT2_SPLIT_PATTERN
    assert loaded.vocab == tok.vocab
    sample = shakespeare[20_000:22_000] + "<|endoftext|>"
    assert loaded.encode(sample, allowed_special="all") == tok.encode(sample, "all")


def _bpe_file(tmp_path, **fields):
    document = {
        "homeml_tokenizer": "bpe",
        "version": 1,
        "pattern": "gpt4",
        "merges": [[97, 97]],
        "special_tokens": {},
    }
    document.update(fields)
    path = tmp_path / "bpe.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"merges": [[97, 256]]}, "merge 0 should be two ids below 256, found \\[97, 256\\]"),
        ({"merges": [[97, 97], [97, 97]]}, "merge 1 repeats the pair"),
        ({"merges": [[97, "a"]]}, "merge 0 should be two ids"),
        ({"merges": {"a": 1}}, "'merges' should be list, found dict"),
        ({"pattern": "(bad"}, "not a valid regex"),
        ({"special_tokens": {"<|x|>": 10}}, "belongs to a byte or a merge"),
        ({"special_tokens": {"<|x|>": "10"}}, "must be an int"),
        ({"homeml_tokenizer": "char"}, "expected a 'bpe' tokenizer, found 'char'"),
    ],
)
def test_corrupt_files_get_a_clear_error(tmp_path, fields, message):
    with pytest.raises(TokenizerFileError, match=message):
        BPETokenizer.load(_bpe_file(tmp_path, **fields))


def test_truncated_file_is_not_valid_json(tmp_path):
    path = _bpe_file(tmp_path)
    path.write_bytes(path.read_bytes()[:-5])
    with pytest.raises(TokenizerFileError, match="bpe.json is not valid JSON"):
        BPETokenizer.load(path)


@requires_tokenizers
@pytest.mark.parametrize("pattern", ["gpt4", "gpt2"])
def test_token_count_matches_the_tokenizers_library(shakespeare, pattern):
    """On all of tiny shakespeare, with vocab_size 512 and the same split pattern, homeml's
    token count is within 2% of the `tokenizers` library's (they agree exactly today).

    The reference is configured as the closest equivalent of byte-level BPE with a split
    pattern: ``Tokenizer(models.BPE())`` with the pre-tokenizer
    ``pre_tokenizers.Sequence([Split(Regex(<the same pattern>), behavior="isolated"),
    ByteLevel(add_prefix_space=False, use_regex=False)])`` (the regex cuts the chunks, ByteLevel
    only maps bytes to its printable alphabet), trained by ``train_from_iterator([text])`` with
    ``trainers.BpeTrainer(vocab_size=512, special_tokens=[], min_frequency=0,
    initial_alphabet=ByteLevel.alphabet(), show_progress=False)``: all 256 bytes in the
    vocabulary from the start, so both learn 256 merges. Both then encode the whole text.
    """
    from tokenizers import Regex, Tokenizer, models, pre_tokenizers, trainers

    vocab_size = 512
    source = {"gpt4": GPT4_SPLIT_PATTERN, "gpt2": GPT2_SPLIT_PATTERN}[pattern]
    reference = Tokenizer(models.BPE())
    reference.pre_tokenizer = pre_tokenizers.Sequence(
        [
            pre_tokenizers.Split(Regex(source), behavior="isolated"),
            pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
        ]
    )
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=[],
        min_frequency=0,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    reference.train_from_iterator([shakespeare], trainer=trainer)
    assert reference.get_vocab_size() == vocab_size
    expected = len(reference.encode(shakespeare).ids)

    tok = BPETokenizer(pattern).train(shakespeare, vocab_size)
    assert tok.vocab_size == vocab_size
    ids = tok.encode(shakespeare)
    assert abs(len(ids) - expected) <= 0.02 * expected, (len(ids), expected)
    assert tok.decode(ids) == shakespeare


@requires_tokenizers
def test_gpt2_pattern_cuts_as_the_tokenizers_library_byte_level(shakespeare):
    """GPT-2's pattern against the one built into `tokenizers`' ByteLevel pre-tokenizer."""
    from tokenizers import pre_tokenizers

    text = shakespeare[:20_000] + " it's 2024, caf\u00e9  \u4e2d\u6587!\n\n  x"
    cut = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    expected = [text[a:b] for _, (a, b) in cut.pre_tokenize_str(text)]
    assert regex.findall(GPT2_SPLIT_PATTERN, text) == expected
