"""Character-level language models, as ``homeml train names|shakespeare`` runs them.

- **names** (makemore, Zero to Hero parts 1-5): 32,033 names, shuffled with ``random.seed(42)``
  and split 80/10/10 into train/dev/test as the lectures do. The window models (bigram, MLP,
  WaveNet) learn from every (previous ``block_size`` characters, next character) pair, the
  sequence models (RNN, GRU, LSTM, transformer) from whole names padded to one length. Dev and
  test losses are computed on the whole split.
- **shakespeare** (nanoGPT's ``shakespeare_char``): the first 90% of tiny shakespeare for
  training, the last 10% for validation; the default settings are nanoGPT's CPU command.

A run folder holds ``model.safetensors`` (its metadata says how to turn text into ids, see
:mod:`homeml.jobs.text_generation`), ``checkpoint.safetensors`` (for ``--resume``),
``history.json``, ``metrics.json``, ``samples.txt`` and ``report.png``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

import homeml as hm
from homeml import io, optim
from homeml.datasets import text as corpus
from homeml.jobs._run_folder import CHECKPOINT, SETTINGS, resume_settings
from homeml.jobs.text_generation import TASK, generate_text
from homeml.models import GPT, RNN, Bigram, GPTConfig, MakemoreMLP, ModelConfig, WaveNet
from homeml.train_steps import SampleCallback, fit_iterations, warmup_cosine_schedule

NAMES_MODELS = ("bigram", "mlp", "wavenet", "rnn", "gru", "lstm", "transformer")
WINDOW_MODELS = ("bigram", "mlp", "wavenet")  # they predict one character from a window
BOUNDARY = "."  # starts and ends every name (id 0)

# Settings per model. optimizer "sgd": plain SGD, lr dropped tenfold at lr_drop (the lectures'
# schedule for the MLP and WaveNet); "adamw": makemore's AdamW (weight decay 0.01, constant lr).
# Sizes are the lectures' (MLP: part 2's 10-wide embeddings, 200 hidden units; WaveNet: part 5)
# and makemore's defaults for the sequence models.
_SEQUENCE = dict(n_embd=64, n_embd2=64, max_iters=10_000, batch_size=32, lr=5e-3)
NAMES_DEFAULTS: dict[str, dict] = {
    "bigram": dict(block_size=1, max_iters=3000, batch_size=256, lr=0.05, optimizer="adamw"),
    "mlp": dict(block_size=3, n_embd=10, n_embd2=200, max_iters=200_000, batch_size=32, lr=0.1),
    "wavenet": dict(block_size=8, n_embd=24, n_embd2=128, max_iters=200_000, batch_size=32, lr=0.1),
    "rnn": dict(_SEQUENCE, optimizer="adamw"),
    "gru": dict(_SEQUENCE, optimizer="adamw"),
    "lstm": dict(_SEQUENCE, optimizer="adamw"),
    "transformer": dict(
        n_embd=64, n_layer=4, n_head=4, dropout=0.0, max_iters=10_000, batch_size=32, lr=5e-4
    ),
}
for _name, _lr_drop in (("mlp", 100_000), ("wavenet", 150_000)):
    NAMES_DEFAULTS[_name].update(optimizer="sgd", lr_drop=_lr_drop)
NAMES_DEFAULTS["transformer"]["optimizer"] = "adamw"
# nanoGPT's config/train_shakespeare_char.py with its README's CPU command on top
SHAKESPEARE_DEFAULTS: dict = {
    **dict(block_size=64, n_layer=4, n_head=4, n_embd=128, dropout=0.0, bias=False),
    **dict(max_iters=2000, lr_decay_iters=2000, warmup_iters=100, batch_size=12),
    **dict(lr=1e-3, min_lr=1e-4, weight_decay=0.1, beta2=0.99, grad_clip=1.0),
    **dict(eval_interval=250, eval_iters=200),
}
SAMPLES_SHOWN = 10


def defaults(dataset: str, model: str | None) -> dict:
    """The settings a run of ``model`` on ``dataset`` starts from (``--set`` changes them)."""
    if dataset == "shakespeare":
        if model not in (None, "gpt", "transformer"):
            raise ValueError(f"shakespeare trains a GPT (--model gpt), got --model {model}")
        return {"model": "gpt", **SHAKESPEARE_DEFAULTS}
    if dataset != "names":
        raise ValueError(f"unknown dataset {dataset!r}; choose names or shakespeare")
    model = model or "transformer"
    if model not in NAMES_DEFAULTS:
        raise ValueError(f"unknown model {model!r} for names; choose one of {NAMES_MODELS}")
    settings = {"model": model, **NAMES_DEFAULTS[model]}
    settings.setdefault("eval_interval", max(settings["max_iters"] // 20, 1))
    settings.setdefault("eval_iters", 100)
    return settings


def train(
    dataset: str = "names",
    model: str | None = None,
    max_iters: int | None = None,
    batch_size: int | None = None,
    lr: float | None = None,
    seed: int | None = None,
    out: str | Path | None = None,
    data_dir: str | Path | None = None,
    resume: bool = False,
    progress: bool = True,
    overrides: dict | None = None,
) -> dict:
    """Train a character-level language model; write the run folder; return its metrics.

    Parameters
    ----------
    dataset : {"names", "shakespeare"}
    model : str, optional
        names: one of ``NAMES_MODELS`` (default ``"transformer"``); shakespeare: ``"gpt"``.
    max_iters, batch_size, lr, seed : optional
        Override the model's defaults (:func:`defaults`); seed defaults to 1337.
    out : path, optional
        The run folder, default ``runs/DATASET-MODEL``.
    data_dir : path, optional
        Where ``names/`` and ``tinyshakespeare/`` are (default ``$HOMEML_DATA``).
    resume : bool
        Continue the run in ``out`` from its checkpoint, with its settings.
    progress : bool
        Show the progress bar and print samples at each evaluation.
    overrides : dict, optional
        More settings by name (``n_layer``, ``eval_interval``, ...); unknown names are refused.

    Returns
    -------
    dict
        What ``metrics.json`` holds: the settings, the final losses and the training time.
    """
    given: dict[str, Any] = dict(
        dataset=dataset, model=model, max_iters=max_iters, batch_size=batch_size
    )
    given.update(lr=lr, seed=seed, **(overrides or {}))
    out = Path(out or f"runs/{dataset}-{model or defaults(dataset, model)['model']}")
    settings = _settings(out, resume, given)
    out.mkdir(parents=True, exist_ok=True)
    io.atomic_write(out / SETTINGS, [json.dumps(settings, indent=2).encode()])

    hm.manual_seed(settings["seed"])
    corpus_of = _Names if settings["dataset"] == "names" else _Text
    data = corpus_of(settings, data_dir)
    net = _build(settings, data.vocab_size, data.block_size)
    optimizer, scheduler = _optimizer(net, settings)
    metadata = data.metadata(settings)
    sampler = SampleCallback(
        lambda m: "\n".join(generate_text(m, metadata, num_samples=data.samples, seed=0)),
        every=1,
        show=progress,
    )
    history = fit_iterations(
        net,
        optimizer,
        data.batch,
        settings["max_iters"],
        eval_interval=settings["eval_interval"],
        eval_iters=settings["eval_iters"],
        scheduler=scheduler,
        grad_clip=settings.get("grad_clip", 0.0),
        seed=settings["seed"],
        checkpoint=out / CHECKPOINT,
        resume=resume,
        history_path=out / "history.json",
        callbacks=[sampler],
        progress=progress,
    )
    metrics = {**settings, **data.final_losses(net, history)}
    metrics["train_seconds"] = round(sum(history["seconds"]), 1)
    metrics["parameters"] = sum(p.numel() for p in net.parameters())
    _write_run(out, net, history, metrics, {**metadata, **_scores(metrics)}, sampler)
    return metrics


def _settings(out: Path, resume: bool, given: dict) -> dict:
    """The run's settings: the resumed run's, or the model's defaults with ``given`` on top."""
    if resume:
        return resume_settings(out, given)
    settings = {"dataset": given["dataset"], **defaults(given["dataset"], given["model"])}
    settings["seed"] = 1337
    for key, value in given.items():
        if key == "model" or value is None:
            continue
        if key not in settings:
            raise ValueError(
                f"unknown setting {key!r} for {settings['model']} on {settings['dataset']}; "
                f"the settings are {', '.join(sorted(settings))}"
            )
        settings[key] = value
    return settings


def _build(settings: dict, vocab_size: int, block_size: int):
    """The network ``settings["model"]`` names, sized by the settings."""
    kind = settings["model"]
    if kind in ("transformer", "gpt"):
        gpt_config = GPTConfig(
            block_size=block_size,
            vocab_size=vocab_size,
            n_layer=settings["n_layer"],
            n_head=settings["n_head"],
            n_embd=settings["n_embd"],
            dropout=settings.get("dropout", 0.0),
            bias=settings.get("bias", True),
        )
        return GPT(gpt_config)
    if kind == "wavenet":
        return WaveNet(vocab_size, block_size, settings["n_embd"], settings["n_embd2"])
    config = ModelConfig(
        block_size=block_size,
        vocab_size=vocab_size,
        n_embd=settings.get("n_embd", 64),
        n_embd2=settings.get("n_embd2", 64),
    )
    if kind == "bigram":
        return Bigram(config)
    if kind == "mlp":
        return MakemoreMLP(config)
    return RNN(config, cell_type=kind)


def _optimizer(net, settings: dict):
    """(optimizer, per-iteration scheduler or None) for the run's settings."""
    lr = settings["lr"]
    if settings["model"] == "gpt":  # nanoGPT: decay on matrices only, warmup and cosine decay
        optimizer = net.configure_optimizers(settings["weight_decay"], lr, (0.9, settings["beta2"]))
        keys = ("warmup_iters", "lr_decay_iters", "min_lr")
        return optimizer, warmup_cosine_schedule(optimizer, *(settings[k] for k in keys))
    if settings["optimizer"] == "sgd":
        optimizer = optim.SGD(net.parameters(), lr=lr)
        drop = _StepFactor(settings.get("lr_drop", settings["max_iters"]))
        return optimizer, optim.lr_scheduler.LambdaLR(optimizer, drop)
    # makemore's optimizer, at a constant rate
    optimizer = optim.AdamW(net.parameters(), lr=lr, betas=(0.9, 0.99), eps=1e-8, weight_decay=0.01)
    return optimizer, None


class _StepFactor:
    """The lectures' schedule as an lr_lambda: full rate, then a tenth from ``drop_at`` on."""

    def __init__(self, drop_at: int):
        self.drop_at = drop_at

    def __call__(self, it: int) -> float:
        return 1.0 if it < self.drop_at else 0.1


class _Names:
    """names.txt, split 80/10/10 with the lectures' seed, as windows or padded sequences."""

    samples = SAMPLES_SHOWN

    def __init__(self, settings: dict, data_dir):
        words = corpus.load_names(data_dir)
        self.stoi, self.itos = corpus.names_vocab(words)
        self.vocab_size = len(self.stoi)
        self.window = settings["model"] in WINDOW_MODELS
        parts = dict(zip(("train", "val", "test"), corpus.split_names(words)))
        if self.window:
            self.block_size = settings["block_size"]
            self.splits = {
                k: corpus.build_dataset(w, self.block_size, self.stoi) for k, w in parts.items()
            }
        else:
            longest = max(len(w) for w in words)
            self.block_size = longest + 1  # makemore: the start token and the longest name
            self.splits = {
                k: corpus.build_sequences(w, self.stoi, longest) for k, w in parts.items()
            }
        self.batch_size = settings["batch_size"]
        self.wavenet = settings["model"] == "wavenet"

    def batch(self, split: str, rng: np.random.Generator):
        x, y = corpus.random_rows(*self.splits[split], self.batch_size, rng)
        return x, self._targets(y)

    def _targets(self, y: np.ndarray) -> np.ndarray:
        # The MLP and bigram give logits at every window position: only the last one is
        # scored (-1 is ignored); WaveNet gives the last position's only and takes (B,)
        if not self.window or self.wavenet:
            return y
        full = np.full((len(y), self.block_size), -1, dtype=np.int64)
        full[:, -1] = y
        return full

    def metadata(self, settings: dict) -> dict:
        return {
            "task": TASK,
            "dataset": "names",
            "model": settings["model"],
            "vocabulary": "".join(self.itos[i] for i in range(self.vocab_size)),
            "boundary": BOUNDARY,
            "block_size": self.block_size,
            "context": "window" if self.window else "sequence",
        }

    def final_losses(self, net, history) -> dict:
        """The loss on every row of each split (the lectures' numbers), not an estimate."""
        return {f"{k}_loss": self._split_loss(net, k) for k in ("train", "val", "test")}

    def _split_loss(self, net, split: str, chunk: int = 4096) -> float:
        x, y = self.splits[split]
        total, count = 0.0, 0
        net.eval()
        with hm.no_grad():
            for start in range(0, len(x), chunk):
                yb = self._targets(y[start : start + chunk])
                _, loss = net(hm.tensor(x[start : start + chunk]), hm.tensor(yb))
                valid = int((yb >= 0).sum())
                total += float(loss.item()) * valid
                count += valid
        net.train()
        return round(total / count, 4)


class _Text:
    """tiny shakespeare, character level: the first 90% to train on, the last 10% to validate."""

    samples = 2

    def __init__(self, settings: dict, data_dir):
        text = corpus.load_shakespeare(data_dir)
        self.chars = corpus.char_vocab(text)
        self.vocab_size = len(self.chars)
        train, val = corpus.split_text(corpus.encode_text(text, self.chars))
        self.data = {"train": train, "val": val}
        self.block_size, self.batch_size = settings["block_size"], settings["batch_size"]

    def batch(self, split: str, rng: np.random.Generator):
        return corpus.get_batch(self.data[split], self.block_size, self.batch_size, rng)

    def metadata(self, settings: dict) -> dict:
        return {
            "task": TASK,
            "dataset": "shakespeare",
            "model": settings["model"],
            "vocabulary": "".join(self.chars),
            "boundary": None,
            "block_size": self.block_size,
            "context": "sequence",
        }

    def final_losses(self, net, history) -> dict:
        """The last evaluation's estimates (``eval_iters`` batches each, as nanoGPT)."""
        last = history.rows[-1]
        return {"train_loss": round(last["train_loss"], 4), "val_loss": round(last["val_loss"], 4)}


def _scores(metrics: dict) -> dict:
    keep = ("train_loss", "val_loss", "test_loss", "max_iters", "train_seconds")
    return {k: metrics[k] for k in keep if k in metrics}


def _write_run(out: Path, net, history, metrics: dict, metadata: dict, sampler) -> None:
    """The run folder: model (with its metadata), history, metrics, samples and the report."""
    from homeml.plot import plot_language_report

    net.eval()
    io.save(net, out / "model.safetensors", metadata=metadata)
    history.to_json(out / "history.json")
    io.atomic_write(out / "metrics.json", [json.dumps(metrics, indent=2).encode()])
    samples = generate_text(net, metadata, num_samples=20 if metadata["boundary"] else 3, seed=1)
    separator = "\n" if metadata["boundary"] else "\n---------------\n"
    io.atomic_write(out / "samples.txt", [(separator.join(samples) + "\n").encode()])
    loss = metrics.get("test_loss", metrics["val_loss"])
    which = "test" if "test_loss" in metrics else "val"
    title = f"{metrics['model']} on {metrics['dataset']}: {which} loss {loss:.4f}"
    plot_language_report(history, separator.join(samples[:10]), out / "report.png", title=title)
