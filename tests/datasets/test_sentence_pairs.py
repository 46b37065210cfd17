"""Sentence pairs for translation: the tab-separated file, the reversed columns, the 90/10 split."""

from __future__ import annotations

import pytest

from homeml.datasets import load_sentence_pairs, split_sentence_pairs
from tests.support import requires_datasets


def test_pairs_file_and_split(tmp_path):
    path = tmp_path / "pairs.txt"
    path.write_text("Go.\tVa !\tCC-BY\nHi.\tSalut !\n\nRun!\tCours !\tCC-BY\n", encoding="utf-8")
    pairs = load_sentence_pairs(path)
    assert pairs == [("Go.", "Va !"), ("Hi.", "Salut !"), ("Run!", "Cours !")]
    assert load_sentence_pairs(path, reverse=True)[0] == ("Va !", "Go.")
    many = [(str(i), str(i)) for i in range(100)]
    train, test = split_sentence_pairs(many)
    assert (len(train), len(test)) == (90, 10)
    assert sorted(train + test) == sorted(many)
    assert split_sentence_pairs(many) == (train, test)  # fixed seed
    assert split_sentence_pairs(many, seed=1) != (train, test)


def test_errors_name_the_problem(tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_text("Go.\tVa !\nno tab here\n", encoding="utf-8")
    with pytest.raises(ValueError, match="line 2: expected source<TAB>target"):
        load_sentence_pairs(bad)
    with pytest.raises(FileNotFoundError, match="eng-fra/eng-fra.txt"):
        load_sentence_pairs(tmp_path)
    with pytest.raises(ValueError, match="train_fraction"):
        split_sentence_pairs([("a", "b"), ("c", "d")], train_fraction=1.0)


@requires_datasets("eng-fra")
def test_eng_fra():
    pairs = load_sentence_pairs()
    assert len(pairs) == 5000
    assert pairs[0][0] == "Go."
    train, test = split_sentence_pairs(pairs)
    assert (len(train), len(test)) == (4500, 500)
