"""`homeml train names|shakespeare`, `homeml sample` and the language-model run folder (tiny
runs: a few iterations each; the published targets are reached by full runs, see README)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from support import requires_datasets

import homeml as hm
from homeml.cli import main
from homeml.datasets import text as corpus
from homeml.jobs import language
from homeml.jobs.text_generation import TextSettings, generate_text, load_language_run

pytestmark = requires_datasets("names", "tinyshakespeare")

TINY = dict(eval_interval=4, eval_iters=2)


def _tiny(model: str) -> dict:
    sizes = dict(TINY)
    if model == "transformer":
        sizes.update(n_layer=1, n_embd=16, n_head=2)
    elif model in ("rnn", "gru", "lstm"):
        sizes.update(n_embd=8, n_embd2=16)
    elif model in ("mlp", "wavenet"):
        sizes.update(n_embd2=16)
    return sizes


@pytest.mark.parametrize("model", language.NAMES_MODELS)
def test_each_names_model_trains_and_writes_a_run(tmp_path, model):
    out = tmp_path / model
    metrics = language.train(
        "names", model, max_iters=8, out=out, progress=False, overrides=_tiny(model)
    )
    for name in (
        "model.safetensors",
        "checkpoint.safetensors",
        "history.json",
        "metrics.json",
        "samples.txt",
        "report.png",
        "run.json",
    ):
        assert (out / name).is_file(), name
    assert json.loads((out / "metrics.json").read_text())["test_loss"] == metrics["test_loss"]
    # 27 characters: an untrained model scores about ln 27 = 3.30; 8 steps move it a little
    assert 1.5 < metrics["test_loss"] < 3.6
    net, metadata = load_language_run(out)
    settings = TextSettings.from_metadata(metadata)
    assert settings.vocabulary == ".abcdefghijklmnopqrstuvwxyz" and settings.boundary == "."
    assert settings.window == (model in language.WINDOW_MODELS)
    names = (out / "samples.txt").read_text().splitlines()
    assert len(names) == 20 and all(set(n) <= set(settings.vocabulary[1:]) for n in names)


def test_names_split_and_sequence_shapes_are_the_lectures(tmp_path):
    data = language._Names(dict(model="gru", batch_size=4), None)
    x, y = data.splits["train"]
    # 25,626 training names, each padded to the longest name (15) plus the start token
    assert x.shape == (25626, 16) and data.block_size == 16
    windows = language._Names(dict(model="mlp", block_size=3, batch_size=4), None)
    xw, yw = windows.splits["val"]
    dev_words = corpus.split_names(corpus.load_names())[1]
    assert len(xw) == sum(len(w) + 1 for w in dev_words)
    xb, yb = windows.batch("train", np.random.default_rng(0))
    # the MLP scores the last window position only: the others are ignored (-1)
    assert yb.shape == (4, 3) and (yb[:, :2] == -1).all() and (yb[:, 2] >= 0).all()


def test_the_full_split_loss_matches_the_mean_over_all_rows(tmp_path):
    data = language._Names(dict(model="mlp", block_size=3, batch_size=4), None)
    hm.manual_seed(0)
    net = language._build(dict(model="mlp", n_embd=4, n_embd2=8), data.vocab_size, 3)
    x, y = data.splits["test"]
    with hm.no_grad():
        logits, _ = net(hm.tensor(x))
        expected = hm.nn.functional.cross_entropy(logits[:, -1], hm.tensor(y)).item()
    assert data._split_loss(net, "test", chunk=1000) == pytest.approx(expected, abs=1e-4)


def test_shakespeare_defaults_are_nanogpts_cpu_command():
    settings = language.defaults("shakespeare", None)
    expected = dict(
        n_layer=4,
        n_head=4,
        n_embd=128,
        block_size=64,
        batch_size=12,
        max_iters=2000,
        lr_decay_iters=2000,
        dropout=0.0,
    )
    assert {k: settings[k] for k in expected} == expected


def test_shakespeare_trains_a_gpt_and_samples_from_a_prompt(tmp_path):
    out = tmp_path / "gpt"
    overrides = dict(
        TINY, n_layer=1, n_embd=16, n_head=2, block_size=16, warmup_iters=2, lr_decay_iters=6
    )
    metrics = language.train(
        "shakespeare", max_iters=6, out=out, progress=False, overrides=overrides
    )
    assert metrics["model"] == "gpt" and "test_loss" not in metrics
    net, metadata = load_language_run(out)
    assert metadata["block_size"] == 16 and len(metadata["vocabulary"]) == 65
    (text,) = generate_text(net, metadata, "ROMEO:", max_new_tokens=40, seed=0)
    assert text.startswith("ROMEO:") and len(text) == 46
    # the same seed gives the same text; the cache crosses the block size (6 + 40 > 16)
    assert generate_text(net, metadata, "ROMEO:", max_new_tokens=40, seed=0) == [text]


def test_a_resumed_run_gives_the_uninterrupted_losses(tmp_path):
    settings = dict(_tiny("gru"), eval_interval=3)
    whole = language.train(
        "names", "gru", max_iters=9, out=tmp_path / "a", progress=False, overrides=settings
    )
    # a run stopped after its second evaluation (6 iterations), then resumed to 9
    part = tmp_path / "part"
    language.train("names", "gru", max_iters=6, out=part, progress=False, overrides=settings)
    run = json.loads((part / "run.json").read_text())
    run["max_iters"] = 9
    (part / "run.json").write_text(json.dumps(run))
    resumed = language.train("names", "gru", out=part, resume=True, progress=False)
    for key in ("train_loss", "val_loss", "test_loss"):
        assert resumed[key] == whole[key]


def test_the_command_line_trains_samples_and_refuses_bad_settings(tmp_path, capsys):
    out = tmp_path / "run"
    argv = [
        "train",
        "names",
        "--model",
        "mlp",
        "--max-iters",
        "4",
        "--quiet",
        "--out",
        str(out),
        "--set",
        "eval_interval=2",
        "--set",
        "eval_iters=1",
    ]
    assert main(argv) == 0
    assert main(["sample", str(out), "--num", "5", "--prompt", "ka", "--seed", "1"]) == 0
    names = capsys.readouterr().out.strip().splitlines()[-5:]
    assert all(n.startswith("ka") for n in names)
    with pytest.raises(SystemExit) as error:
        main(["train", "names", "--model", "gru", "--set", "n_lyer=2", "--out", str(out)])
    assert error.value.code == 1
    assert "unknown setting 'n_lyer'" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["sample", str(out), "--prompt", "K9"])
    assert "'9K'" in capsys.readouterr().err  # the unknown characters, named
    with pytest.raises(SystemExit):
        main(["train", "mnist", "--model", "gru", "--out", str(tmp_path / "x")])
    assert "language model" in capsys.readouterr().err


def test_generation_settings_are_checked():
    metadata = dict(task="language-model", vocabulary=".ab", boundary=".", block_size=3)
    settings = TextSettings.from_metadata(metadata)
    assert settings.encode_prompt("ab") == [0, 1, 2]
    with pytest.raises(ValueError, match="may not hold"):
        settings.encode_prompt("a.b")
    for bad, match in (
        (dict(max_new_tokens=0), "max_new_tokens must be 1 to"),
        (dict(temperature=0.0), "temperature must be above 0"),
        (dict(top_k=4), "top_k must be 1 to 3"),
        (dict(num_samples=0), "number of samples"),
    ):
        with pytest.raises(ValueError, match=match):
            generate_text(None, metadata, **bad)
    with pytest.raises(ValueError, match="block_size must be a positive int"):
        TextSettings.from_metadata(dict(metadata, block_size=0))


def test_the_shakespeare_schedule_is_nanogpts_and_the_mlps_drops_tenfold():
    from homeml.models import GPT, GPTConfig
    from homeml.train_steps import nanogpt_lr

    net = GPT(GPTConfig(block_size=8, vocab_size=65, n_layer=1, n_head=2, n_embd=16))
    optimizer, scheduler = language._optimizer(net, language.defaults("shakespeare", None))
    for it in range(2001):
        expected = nanogpt_lr(it, 1e-3, 100, 2000, 1e-4)
        assert optimizer.param_groups[0]["lr"] == pytest.approx(expected, rel=1e-12), it
        optimizer.step()
        scheduler.step()
    settings = language.defaults("names", "mlp")
    mlp = language._build(settings, 27, settings["block_size"])
    optimizer, scheduler = language._optimizer(mlp, settings)
    assert scheduler.lr_lambdas[0](99_999) == 1.0 and scheduler.lr_lambdas[0](100_000) == 0.1
