"""BLEU and chrF against sacrebleu: hypothesis-drawn texts and real English-French pairs."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from homeml.learn.metrics import corpus_bleu, corpus_chrf, sentence_bleu, sentence_chrf
from homeml.learn.metrics._translation import tokenize_13a
from tests.support import requires_datasets

sacrebleu = pytest.importorskip("sacrebleu")
from sacrebleu.tokenizers.tokenizer_13a import Tokenizer13a  # noqa: E402

TOL = 1e-9

# words that share n-grams (so BLEU is not always 0), with Unicode, digits and punctuation
WORDS = ["the", "cat", "chat", "le", "été", "naïve", "Über", "3.5", "1,000", "9-5", "&amp;",
         "a", "is", "on", "mat", "—", "«", "»", "l'eau", "<skipped>", "C'est", "日本"]  # fmt: skip
PUNCT = [".", ",", "!", "?", ";", ":", "-", "(", ")", '"', "'", "&", "/", "$"]


@st.composite
def sentences(draw, allow_empty: bool = True) -> str:
    tokens = draw(st.lists(st.sampled_from(WORDS + PUNCT), min_size=0 if allow_empty else 1,
                           max_size=12))  # fmt: skip
    glue = draw(st.sampled_from([" ", "", "  "]))
    tail = draw(st.sampled_from(["", " ", "\n", "."]))
    return glue.join(tokens) + tail


def assert_bleu_equal(ours, theirs) -> None:
    assert ours.score == pytest.approx(theirs.score, rel=TOL, abs=TOL)
    assert ours.precisions == pytest.approx(theirs.precisions, rel=TOL, abs=TOL)
    assert ours.bp == pytest.approx(theirs.bp, rel=TOL, abs=TOL)
    assert (ours.sys_len, ours.ref_len) == (theirs.sys_len, theirs.ref_len)
    assert list(ours.counts) == list(theirs.counts)
    assert list(ours.totals) == list(theirs.totals)


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=40))
def test_13a_tokenizer_matches_sacrebleu_on_any_text(text):
    assert tokenize_13a(text) == Tokenizer13a()(text)


@settings(max_examples=100, deadline=None)
@given(st.data())
def test_corpus_scores_match_sacrebleu(data):
    n = data.draw(st.integers(1, 5))
    n_refs = data.draw(st.integers(1, 3))
    hyps = [data.draw(sentences()) for _ in range(n)]
    refs = [[data.draw(sentences(allow_empty=False)) for _ in range(n)] for _ in range(n_refs)]
    lowercase = data.draw(st.booleans())
    assert_bleu_equal(
        corpus_bleu(hyps, refs, lowercase=lowercase),
        sacrebleu.corpus_bleu(hyps, refs, lowercase=lowercase),
    )
    for smooth in ("none", "floor", "add-k"):
        assert_bleu_equal(
            corpus_bleu(hyps, refs, smooth_method=smooth),
            sacrebleu.corpus_bleu(hyps, refs, smooth_method=smooth),
        )
    ours, theirs = corpus_chrf(hyps, refs), sacrebleu.corpus_chrf(hyps, refs)
    assert ours.score == pytest.approx(theirs.score, rel=TOL, abs=TOL)
    ours, theirs = (
        corpus_chrf(hyps, refs, word_order=2),
        sacrebleu.corpus_chrf(hyps, refs, word_order=2),
    )
    assert ours.score == pytest.approx(theirs.score, rel=TOL, abs=TOL)
    assert ours.name == theirs.name == "chrF2++"


@settings(max_examples=100, deadline=None)
@given(sentences(), st.lists(sentences(allow_empty=False), min_size=1, max_size=3))
def test_sentence_scores_match_sacrebleu(hyp, refs):
    assert_bleu_equal(sentence_bleu(hyp, refs), sacrebleu.sentence_bleu(hyp, refs))
    assert sentence_chrf(hyp, refs).score == pytest.approx(
        sacrebleu.sentence_chrf(hyp, refs).score, rel=TOL, abs=TOL
    )


def test_hand_cases():
    refs = [["The cat is on the mat.", ""], ["There is a cat on the mat.", "x"]]
    hyps = ["The cat is on the mat.", ""]
    assert_bleu_equal(corpus_bleu(hyps, refs), sacrebleu.corpus_bleu(hyps, refs))
    assert corpus_bleu(["the the the"], [["the cat"]]).counts[0] == 1  # clipped
    assert corpus_bleu([""], [["a b"]]).score == 0.0
    assert corpus_bleu(["a b c d"], [["a b c d"]]).score == pytest.approx(100.0)
    assert sentence_chrf("abc", ["abc"]).score == pytest.approx(100.0)
    # a reference missing (None) for one sentence, as sacrebleu allows
    refs_none = [["a b c d", "e f g"], [None, "e f g h"]]
    assert_bleu_equal(
        corpus_bleu(["a b c", "e f g"], refs_none),
        sacrebleu.corpus_bleu(["a b c", "e f g"], refs_none),
    )
    assert str(corpus_bleu(["a b c d"], [["a b c d"]])).startswith("BLEU = 100.00 100.0/")


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match=r"references\[0\] has 1 sentences, hypotheses has 2"):
        corpus_bleu(["a", "b"], [["a"]])
    with pytest.raises(TypeError, match="reference streams"):
        corpus_bleu(["a"], "a")
    with pytest.raises(ValueError, match="smooth_method"):
        corpus_bleu(["a"], [["a"]], smooth_method="bogus")
    with pytest.raises(ValueError, match="tokenize"):
        corpus_bleu(["a"], [["a"]], tokenize="intl")
    with pytest.raises(TypeError, match="hypothesis must be a string"):
        sentence_bleu(["a"], ["a"])  # type: ignore[arg-type]


@requires_datasets("eng-fra")
def test_real_sentence_pairs_match_sacrebleu():
    from homeml.datasets import data_dir

    lines = (data_dir() / "eng-fra" / "eng-fra.txt").read_text(encoding="utf-8").splitlines()
    rng = random.Random(0)
    picked = rng.sample(lines, 400)
    french = [line.split("\t")[1] for line in picked]
    # "hypotheses": other French sentences, some shuffled words, some the reference itself
    hyps = []
    for i, ref in enumerate(french):
        words = ref.split()
        if i % 3 == 0:
            rng.shuffle(words)
            hyps.append(" ".join(words))
        elif i % 3 == 1:
            hyps.append(french[(i + 1) % len(french)])
        else:
            hyps.append(ref)
    second = [french[(i + 7) % len(french)] for i in range(len(french))]
    for refs in ([french], [french, second]):
        assert_bleu_equal(corpus_bleu(hyps, refs), sacrebleu.corpus_bleu(hyps, refs))
        assert corpus_chrf(hyps, refs).score == pytest.approx(
            sacrebleu.corpus_chrf(hyps, refs).score, rel=TOL, abs=TOL
        )
    for hyp, ref in zip(hyps[:100], french[:100]):
        assert_bleu_equal(sentence_bleu(hyp, [ref]), sacrebleu.sentence_bleu(hyp, [ref]))
        assert sentence_chrf(hyp, [ref]).score == pytest.approx(
            sacrebleu.sentence_chrf(hyp, [ref]).score, rel=TOL, abs=TOL
        )
