"""`homeml train translate`, `homeml translate` and the translation run folder (tiny runs on a
small pairs file: a few iterations of a 16-wide model; full runs are the README's commands)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from homeml.cli import main
from homeml.jobs import translation
from homeml.models import GRUSeq2Seq, TransformerSeq2Seq

PAIRS = [
    ("Go.", "Va !"),
    ("Run!", "Cours !"),
    ("I am cold.", "J'ai froid."),
    ("I am here.", "Je suis ici."),
    ("I am happy.", "Je suis content."),
    ("He is tall.", "Il est grand."),
    ("She is tall.", "Elle est grande."),
    ("We are here.", "Nous sommes ici."),
    ("I see you.", "Je te vois."),
    ("Help me.", "Aide-moi."),
    ("Stop!", "Arrête !"),
    ("Come in.", "Entre."),
]
TINY = dict(hidden_size=16, eval_interval=5, eval_iters=2, bleu_every=1, batch_size=8)


@pytest.fixture
def pairs_file(tmp_path):
    path = tmp_path / "pairs.tsv"
    path.write_text("".join(f"{e}\t{f}\tCC-BY\n" for e, f in PAIRS * 3), encoding="utf-8")
    return path


def _train(pairs_file, out, **kwargs):
    settings = dict(TINY, **kwargs.pop("overrides", {}))
    kwargs.setdefault("max_iters", 10)
    return translation.train(
        data_file=pairs_file, out=out, progress=False, overrides=settings, **kwargs
    )


def test_a_tiny_run_writes_the_run_folder(pairs_file, tmp_path):
    out = tmp_path / "run"
    metrics = _train(pairs_file, out)
    for name in ("model.safetensors", "checkpoint.safetensors", "history.json", "run.json",
                 "metrics.json", "samples.txt", "report.png"):  # fmt: skip
        assert (out / name).is_file(), name
    assert json.loads((out / "metrics.json").read_text())["bleu"] == metrics["bleu"]
    assert metrics["train_pairs"] == 32 and metrics["test_pairs"] == 4
    assert 0 <= metrics["bleu"] <= 100 and 0 <= metrics["chrf"] <= 100
    assert np.isfinite(metrics["test_loss"])
    history = json.loads((out / "history.json").read_text())
    assert [row["iter"] for row in history] == [0, 5, 10]
    assert all("bleu" in row for row in history)
    model, metadata, source, target = translation.load_translation_run(out)
    assert isinstance(model, GRUSeq2Seq)
    assert metadata["task"] == "translation" and metadata["direction"] == "fra-eng"
    assert "suis" in metadata["src_vocabulary"] and "am" in metadata["tgt_vocabulary"]
    assert source.vocab_size == model.config.src_vocab_size
    assert target.vocab_size == model.config.tgt_vocab_size
    samples = (out / "samples.txt").read_text().splitlines()
    assert sum(line.startswith("> ") for line in samples) == 4  # the held-out pairs, all shown
    (text,) = translation.translate_texts(model, metadata, ["je suis content ."], beam_size=3)
    assert isinstance(text, str) and len(text.split()) <= metadata["max_len"]


def test_the_transformer_and_the_other_direction_train(pairs_file, tmp_path):
    overrides = dict(d_model=16, nhead=2, num_encoder_layers=1, num_decoder_layers=1,
                     dim_feedforward=32)  # fmt: skip
    metrics = translation.train(
        "eng-fra",
        "transformer",
        max_iters=4,
        data_file=pairs_file,
        out=tmp_path / "t",
        progress=False,
        overrides={**{k: v for k, v in TINY.items() if k != "hidden_size"}, **overrides},
    )
    assert metrics["direction"] == "eng-fra"
    model, metadata, _, _ = translation.load_translation_run(tmp_path / "t")
    assert isinstance(model, TransformerSeq2Seq)
    assert "suis" in metadata["tgt_vocabulary"]  # French is the target now


def test_a_resumed_run_gives_the_uninterrupted_losses(pairs_file, tmp_path):
    whole = _train(pairs_file, tmp_path / "whole", max_iters=10)
    part = tmp_path / "part"
    _train(pairs_file, part, max_iters=5)
    run = json.loads((part / "run.json").read_text())
    run["max_iters"] = 10
    (part / "run.json").write_text(json.dumps(run))
    resumed = translation.train(out=part, resume=True, progress=False)
    for key in ("train_loss", "val_loss", "test_loss", "bleu", "chrf"):
        assert resumed[key] == whole[key], key
    history = json.loads((part / "history.json").read_text())
    expected = json.loads((tmp_path / "whole" / "history.json").read_text())
    assert [r["train_loss"] for r in history] == [r["train_loss"] for r in expected]
    assert [r["bleu"] for r in history] == [r["bleu"] for r in expected]


def test_bad_settings_are_named(pairs_file, tmp_path):
    with pytest.raises(ValueError, match="unknown direction 'eng-deu'"):
        translation.train("eng-deu", data_file=pairs_file, out=tmp_path / "x")
    with pytest.raises(ValueError, match="unknown translation model 'lstm'"):
        translation.train(model="lstm", data_file=pairs_file, out=tmp_path / "x")
    with pytest.raises(ValueError, match="unknown setting 'hiden_size'"):
        _train(pairs_file, tmp_path / "x", overrides=dict(hiden_size=8))
    with pytest.raises(FileNotFoundError, match="no pairs file"):
        translation.train(data_file=tmp_path / "missing.tsv", out=tmp_path / "x")
    with pytest.raises(FileNotFoundError, match="nothing to resume"):
        translation.train(out=tmp_path / "empty", resume=True)


def test_the_command_line_trains_translates_and_refuses_bad_options(pairs_file, tmp_path, capsys):
    out = tmp_path / "cli"
    argv = [
        "train",
        "translate",
        "--direction",
        "fra-eng",
        "--model",
        "gru-attention",
        "--data",
        str(pairs_file),
        "--max-iters",
        "4",
        "--quiet",
        "--out",
        str(out),
        "--set",
        "hidden_size=16",
        "--set",
        "eval_interval=2",
        "--set",
        "eval_iters=1",
    ]
    assert main(argv) == 0
    capsys.readouterr()
    assert main(["translate", str(out), "je suis content .", "--beam", "4"]) == 0
    printed = capsys.readouterr().out
    model, metadata, _, _ = translation.load_translation_run(out)
    expected = translation.translate_texts(model, metadata, ["je suis content ."], beam_size=4)
    assert printed == expected[0] + "\n"
    for bad, words in (
        (["translate", str(out), "je", "--beam", "9"], "beam size 1..8"),
        (
            ["train", "translate", "--model", "cnn", "--out", str(tmp_path / "x")],
            "not a translation model",
        ),
        (["train", "names", "--direction", "fra-eng"], "are for `homeml train translate`"),
        (["train", "translate", "--direction", "eng-deu"], "invalid choice"),
        (["train", "translate", "--data", str(tmp_path / "no.tsv")], "no pairs file"),
        (["translate", str(out), "@@@"], "holds no words"),
        (["translate", str(tmp_path / "none"), "je"], "no model file"),
    ):
        with pytest.raises(SystemExit) as error:
            main(bad)
        assert error.value.code in (1, 2)
        err = capsys.readouterr().err
        assert words in err and len(err.strip().splitlines()) == 1, err
