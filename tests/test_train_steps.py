"""The iteration loop of language models: nanoGPT's learning-rate schedule, evaluation in eval
mode without gradients, exact resume, gradient accumulation, samples, and a bigram model that
learns tiny Shakespeare."""

from __future__ import annotations

import math

import numpy as np
import pytest

import homeml as hm
import homeml.nn.functional as F
from homeml import nn
from homeml.callbacks import TrainingHistory
from homeml.datasets import data_dir
from homeml.datasets.text import (
    SHAKESPEARE_FILE,
    char_vocab,
    encode_text,
    get_batch,
    load_shakespeare,
    split_text,
)
from homeml.train_steps import (
    SampleCallback,
    estimate_loss,
    fit_iterations,
    nanogpt_lr,
    warmup_cosine_schedule,
)


class Bigram(nn.Module):
    """makemore's bigram: the logits of the next id are a row of a table."""

    def __init__(self, vocab_size):
        super().__init__()
        self.table = nn.Embedding(vocab_size, vocab_size)
        self.grad_enabled_calls = []

    def forward(self, idx, targets=None):
        self.grad_enabled_calls.append((self.training, hm.is_grad_enabled()))
        logits = self.table(idx)  # (B, T, V)
        if targets is None:
            return logits, None
        B, T, V = logits.shape
        return logits, F.cross_entropy(logits.reshape(B * T, V), targets.reshape(B * T))


def _data(seed=0, n=400, vocab=7):
    ids = np.random.default_rng(seed).integers(0, vocab, size=n)
    return {"train": ids[:300], "val": ids[300:]}


def _batches(data, block_size=8, batch_size=4):
    return lambda split, rng: get_batch(data[split], block_size, batch_size, rng)


def _model_and_optimizer(vocab=7, lr=0.1):
    hm.manual_seed(0)
    model = Bigram(vocab)
    return model, hm.optim.AdamW(model.parameters(), lr=lr)


def _reference_get_lr(it, learning_rate, warmup_iters, lr_decay_iters, min_lr):
    # nanoGPT's train.py, verbatim
    if it < warmup_iters:
        return learning_rate * (it + 1) / (warmup_iters + 1)
    if it > lr_decay_iters:
        return min_lr
    decay_ratio = (it - warmup_iters) / (lr_decay_iters - warmup_iters)
    assert 0 <= decay_ratio <= 1
    coeff = 0.5 * (1.0 + math.cos(math.pi * decay_ratio))
    return min_lr + coeff * (learning_rate - min_lr)


def test_schedule_follows_nanogpt_get_lr():
    model, optimizer = _model_and_optimizer(lr=1e-3)
    scheduler = warmup_cosine_schedule(optimizer, warmup_iters=10, lr_decay_iters=50, min_lr=1e-4)
    seen = []
    for _ in range(60):
        seen.append(optimizer.param_groups[0]["lr"])  # the rate this iteration steps with
        optimizer.step()
        scheduler.step()
    for it in (0, 1, 5, 9, 10, 11, 30, 49, 50, 51, 59):
        want = _reference_get_lr(it, 1e-3, 10, 50, 1e-4)
        assert seen[it] == pytest.approx(want, rel=1e-12), it
        assert nanogpt_lr(it, 1e-3, 10, 50, 1e-4) == pytest.approx(want, rel=1e-12)
    with pytest.raises(ValueError, match="warmup_iters"):
        warmup_cosine_schedule(optimizer, 60, 50, 1e-4)


def test_estimate_loss_runs_in_eval_mode_without_gradients_and_restores_training():
    model, _ = _model_and_optimizer()
    model.train()
    losses = estimate_loss(model, _batches(_data()), 3, np.random.default_rng(0))
    assert set(losses) == {"train", "val"} and all(np.isfinite(list(losses.values())))
    assert model.training
    assert model.grad_enabled_calls == [(False, False)] * 6
    model.eval()
    estimate_loss(model, _batches(_data()), 1, np.random.default_rng(0))
    assert not model.training


def _run(tmp_path, max_iters, resume=False, **kwargs):
    model, optimizer = _model_and_optimizer()
    scheduler = warmup_cosine_schedule(optimizer, 3, 20, 0.01)
    history = fit_iterations(
        model,
        optimizer,
        _batches(_data()),
        max_iters,
        eval_interval=5,
        eval_iters=2,
        scheduler=scheduler,
        grad_clip=1.0,
        checkpoint=tmp_path / "ckpt.safetensors",
        resume=resume,
        history_path=tmp_path / "history.json",
        progress=False,
        **kwargs,
    )
    return model, history


def _without_time(history):
    return [{k: v for k, v in row.items() if k != "seconds"} for row in history.rows]


@pytest.mark.parametrize("stop_at", [10, 7])  # at an evaluation, and at an extra final one
def test_interrupted_and_resumed_run_gives_the_same_losses(tmp_path, stop_at):
    full_model, full = _run(tmp_path / "full", 20)
    _run(tmp_path / "parts", stop_at)
    resumed_model, resumed = _run(tmp_path / "parts", 20, resume=True)
    assert [row["iter"] for row in full.rows] == [0, 5, 10, 15, 20]
    want = _without_time(full)
    if stop_at == 7:  # the short run's last evaluation stays in the history
        want.insert(2, _without_time(resumed)[2])
        assert want[2]["iter"] == 7
    assert _without_time(resumed) == want
    np.testing.assert_array_equal(
        full_model.table.weight.numpy(), resumed_model.table.weight.numpy()
    )
    saved = TrainingHistory.from_json(tmp_path / "parts" / "history.json")
    assert _without_time(saved) == want


def test_resume_needs_a_checkpoint_and_refuses_one_past_max_iters(tmp_path):
    model, optimizer = _model_and_optimizer()
    with pytest.raises(ValueError, match="checkpoint"):
        fit_iterations(model, optimizer, _batches(_data()), 5, resume=True, progress=False)
    with pytest.raises(ValueError, match="eval_interval"):
        fit_iterations(model, optimizer, _batches(_data()), 5, eval_interval=0)
    _run(tmp_path, 10)
    with pytest.raises(ValueError, match="past max_iters=5"):
        _run(tmp_path, 5, resume=True)


def test_gradient_accumulation_averages_the_micro_batches():
    # one step on 2 micro-batches of 4 rows == one step on the 8 rows together
    data = _data()
    x, y = get_batch(data["train"], 8, 8, np.random.default_rng(3))
    halves = [(x[:4], y[:4]), (x[4:], y[4:])]
    calls = []

    def alternate(split, rng):  # any two calls in a row give both halves
        calls.append(split)
        return halves[len(calls) % 2]

    weights = []
    for accumulate, batch_fn in ((2, alternate), (1, lambda split, rng: (x, y))):
        model, _ = _model_and_optimizer()
        optimizer = hm.optim.SGD(model.parameters(), lr=1.0)
        fit_iterations(
            model,
            optimizer,
            batch_fn,
            1,
            eval_interval=100,
            eval_iters=1,
            gradient_accumulation_steps=accumulate,
            progress=False,
        )
        weights.append(model.table.weight.numpy().copy())
    # the evaluation at iteration 0 draws one train and one val batch, then the 2 micro-batches
    assert calls[:4] == ["train", "val", "train", "train"]
    np.testing.assert_allclose(weights[0], weights[1], rtol=1e-5, atol=1e-7)


def test_sample_callback_runs_in_eval_mode_every_n_evaluations():
    model, optimizer = _model_and_optimizer()
    calls = []

    def sample(m):
        calls.append((m.training, hm.is_grad_enabled()))
        return f"sample {len(calls)}"

    sampler = SampleCallback(sample, every=2, show=False)
    fit_iterations(
        model,
        optimizer,
        _batches(_data()),
        20,
        eval_interval=5,
        eval_iters=1,
        callbacks=[sampler],
        progress=False,
    )
    assert sampler.samples == [(0, "sample 1"), (10, "sample 2"), (20, "sample 3")]
    assert calls == [(False, False)] * 3 and model.training


def test_a_nan_loss_names_the_iteration():
    model, optimizer = _model_and_optimizer()
    optimizer.param_groups[0]["lr"] = float("nan")  # the constructor refuses it; a bug would not
    with pytest.raises(FloatingPointError, match="iteration 1"):
        fit_iterations(
            model, optimizer, _batches(_data()), 5, eval_interval=100, eval_iters=1, progress=False
        )


@pytest.mark.skipif(
    not (data_dir() / SHAKESPEARE_FILE).is_file(), reason=f"needs $HOMEML_DATA/{SHAKESPEARE_FILE}"
)
def test_bigram_learns_tiny_shakespeare():
    text = load_shakespeare()
    chars = char_vocab(text)
    train, val = split_text(encode_text(text, chars))
    model, optimizer = _model_and_optimizer(vocab=len(chars), lr=1e-1)
    history = fit_iterations(
        model,
        optimizer,
        lambda split, rng: get_batch(train if split == "train" else val, 16, 32, rng),
        100,
        eval_interval=50,
        eval_iters=10,
        progress=False,
    )
    first, last = history.rows[0], history.rows[-1]
    # uniform guessing over 65 characters is ln 65 = 4.17; a trained bigram reaches ~2.5
    assert first["val_loss"] > 4.0
    assert last["val_loss"] < 3.2 and last["train_loss"] < 3.2
