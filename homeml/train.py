"""The training loop: epochs with a progress bar, validation, history, early stopping,
atomic checkpoints every epoch, and resume that continues exactly like an uninterrupted run.

Exact resume works because every source of randomness is saved with the checkpoint: the model,
optimizer and scheduler states, and the state of each random generator in play (homeml's default
generator, which drives shuffling, dropout and augmentation unless they were given their own,
plus any generators passed in ``generators``).
"""

from __future__ import annotations

import csv
import json
import math
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from tqdm.auto import tqdm

from homeml import io
from homeml.autograd import no_grad
from homeml.creation import default_generator
from homeml.tensor import Tensor


@dataclass
class TrainingHistory:
    """Per-epoch metrics: a list of dicts (epoch, train_loss, train_acc, val_loss, ...)."""

    rows: list = field(default_factory=list)

    def __getitem__(self, key):
        return [row.get(key) for row in self.rows] if isinstance(key, str) else self.rows[key]

    def __len__(self):
        return len(self.rows)

    def to_json(self, path) -> None:
        io.atomic_write(path, [json.dumps(self.rows, indent=2).encode()])

    def to_csv(self, path) -> None:
        columns = list(dict.fromkeys(k for row in self.rows for k in row))
        lines = [",".join(columns)]
        for row in self.rows:
            lines.append(",".join("" if row.get(c) is None else str(row.get(c)) for c in columns))
        io.atomic_write(path, ["\n".join(lines).encode() + b"\n"])

    @classmethod
    def from_json(cls, path) -> TrainingHistory:
        with open(path) as f:
            return cls(json.load(f))

    @classmethod
    def from_csv(cls, path) -> TrainingHistory:
        with open(path, newline="") as f:
            return cls([{k: _number(v) for k, v in row.items()} for row in csv.DictReader(f)])


def _number(text):
    try:
        value = float(text)
    except ValueError:
        return text or None
    return int(value) if value.is_integer() and "." not in text else value


class EarlyStopping:
    """Stop when ``monitor`` has not improved by ``min_delta`` for ``patience`` epochs.

    ``mode`` is ``"min"`` or ``"max"`` (default: ``"max"`` for metrics ending in ``acc``). The
    model keeps the weights of the last epoch trained; ``best`` and ``best_epoch`` say which
    epoch was best.
    """

    def __init__(self, monitor="val_loss", patience=3, min_delta=0.0, mode=None):
        self.monitor, self.patience, self.min_delta = monitor, patience, min_delta
        self.mode = mode or ("max" if monitor.endswith("acc") else "min")
        if self.mode not in ("min", "max"):  # anything else would silently mean "max"
            raise ValueError(f"mode must be 'min' or 'max', got {mode!r}")
        self.best, self.best_epoch, self.bad_epochs = None, None, 0

    def update(self, value, epoch) -> bool:
        """Record this epoch's value; return True when training should stop."""
        sign = 1 if self.mode == "min" else -1
        if self.best is None or sign * (self.best - value) > self.min_delta:
            self.best, self.best_epoch, self.bad_epochs = value, epoch, 0
        else:
            self.bad_epochs += 1
        return self.should_stop

    @property
    def should_stop(self) -> bool:
        return self.bad_epochs >= self.patience

    def state_dict(self):
        return {"best": self.best, "best_epoch": self.best_epoch, "bad_epochs": self.bad_epochs}

    def load_state_dict(self, state):
        self.best, self.best_epoch = state["best"], state["best_epoch"]
        self.bad_epochs = state["bad_epochs"]


def format_duration(seconds: float) -> str:
    """A duration as people read it: ``"0.4 s"``, ``"37 s"``, ``"8 min 37 s"``, ``"2 h 5 min"``."""
    if seconds < 10:
        return f"{seconds:.1f} s"
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min {seconds % 60} s"
    return f"{seconds // 3600} h {seconds % 3600 // 60} min"


_LABELS = {"seconds": "time"}  # the progress line says "time 1 min 4 s", not "seconds 1 min 4 s"


def _format(key, value):
    if key == "lr":
        return f"{value:.4g}"  # small learning rates would print as 0.0000
    if key == "seconds":
        return format_duration(value)
    return f"{value:.4f}" if isinstance(value, float) else str(value)


def _as_tensor(batch):
    return batch if isinstance(batch, Tensor) else Tensor._make(np.asarray(batch))


def _count_correct(output, target):
    """Correct predictions when the output looks like class scores (N, C) and targets are ints."""
    out, y = output.numpy(), target.numpy()
    if out.ndim == 2 and y.ndim == 1 and y.dtype.kind in "iu":
        return int((out.argmax(axis=1) == y).sum())
    return None


def evaluate(model, loader, loss_fn, transform=None) -> dict:
    """Mean loss (and accuracy for classifiers) of ``model`` over ``loader``, in eval mode."""
    was_training = model.training
    model.eval()
    total_loss, correct, count = 0.0, 0, 0
    with no_grad():
        for x, y in loader:
            x, y = _as_tensor(x), _as_tensor(y)
            if transform is not None:
                x = transform(x)
            out = model(x)
            n = len(y)
            total_loss += float(loss_fn(out, y).item()) * n
            hits = _count_correct(out, y)
            correct = None if hits is None or correct is None else correct + hits
            count += n
    model.train(was_training)
    metrics = {"loss": total_loss / max(count, 1)}
    if correct is not None:
        metrics["acc"] = correct / max(count, 1)
    return metrics


def fit(
    model,
    optimizer,
    loss_fn,
    train_loader,
    val_loader=None,
    epochs=1,
    scheduler=None,
    scheduler_step="epoch",
    train_transform=None,
    eval_transform=None,
    checkpoint=None,
    resume=False,
    early_stopping=None,
    generators=(),
    progress=True,
    history_path=None,
):
    """Train ``model`` and return its :class:`TrainingHistory`.

    Parameters
    ----------
    model, optimizer, loss_fn
        A homeml module, a ``homeml.optim`` optimizer over its parameters, and a loss callable.
    train_loader, val_loader
        Iterables of ``(inputs, targets)`` batches (e.g. ``homeml.data.DataLoader``).
    epochs : int
        Total number of epochs (counting those already done when resuming).
    scheduler : optional
        A learning-rate scheduler, stepped every ``"epoch"`` or every ``"batch"``.
    train_transform, eval_transform : callable, optional
        Applied to each input batch (e.g. augmentation and normalisation).
    checkpoint : path, optional
        Written atomically after every epoch; with ``resume=True`` training continues from it
        if it exists (and starts afresh if not). A run that early stopping ended stays ended.
    early_stopping : EarlyStopping, optional
        Stops when the monitored metric stops improving.
    generators : sequence of homeml.Generator
        Extra random generators whose state must be saved for an exact resume.
    history_path : path, optional
        Where to write the history after every epoch (``.json`` or ``.csv``).

    Raises
    ------
    FloatingPointError
        When the loss becomes NaN or infinite; the message names the epoch and step.
    NotADirectoryError, PermissionError
        Before the first epoch, when the folder of ``checkpoint`` or ``history_path`` cannot be
        created or written.
    """
    if scheduler_step not in ("epoch", "batch"):
        raise ValueError(f"scheduler_step must be 'epoch' or 'batch', got {scheduler_step!r}")
    if resume and checkpoint is None:
        raise ValueError("resume=True needs the checkpoint= path to resume from, got None")
    for output in (checkpoint, history_path):  # fail now, not after the first epoch's work
        if output is not None:
            io.check_writable_folder(Path(output).parent)
    all_generators = [default_generator, *generators]
    history, start_epoch = TrainingHistory(), 0
    if resume and Path(checkpoint).exists():
        state = io.load_checkpoint(checkpoint)
        if len(state["generators"]) != len(all_generators):
            # a generator left unrestored would silently break the exact resume
            raise ValueError(
                f"{checkpoint} holds {len(state['generators'])} generator states (the default "
                f"generator and generators=), but this run has {len(all_generators)}"
            )
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        if scheduler is not None and state.get("scheduler") is not None:
            scheduler.load_state_dict(state["scheduler"])
        if early_stopping is not None and state.get("early_stopping") is not None:
            early_stopping.load_state_dict(state["early_stopping"])
        for generator, rng_state in zip(all_generators, state["generators"]):
            generator.rng.bit_generator.state = rng_state
        history, start_epoch = TrainingHistory(state["history"]), state["epoch"]
        if early_stopping is not None and early_stopping.should_stop:
            return history  # the uninterrupted run stopped here too

    steps = len(train_loader) if hasattr(train_loader, "__len__") else None  # None: a generator
    for epoch in range(start_epoch + 1, epochs + 1):
        started = time.perf_counter()
        model.train()
        total_loss, correct, count = 0.0, 0, 0
        bar = tqdm(
            train_loader,
            desc=f"epoch {epoch}/{epochs}",
            disable=not progress,
            leave=True,
            dynamic_ncols=True,
        )
        for step, (x, y) in enumerate(bar, start=1):
            x, y = _as_tensor(x), _as_tensor(y)
            if train_transform is not None:
                x = train_transform(x)
            out = model(x)
            loss = loss_fn(out, y)
            value = float(loss.item())
            if not math.isfinite(value):
                raise FloatingPointError(
                    f"the loss became {value} at epoch {epoch}, step {step}; lower the learning "
                    "rate or check the inputs for NaN/inf"
                )
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            if scheduler is not None and scheduler_step == "batch":
                scheduler.step()
            n = len(y)
            total_loss += value * n
            hits = _count_correct(out, y)
            correct = None if hits is None or correct is None else correct + hits
            count += n
            if step % 10 == 0 or step == steps:
                postfix = {"loss": f"{total_loss / count:.4f}"}
                if correct is not None:
                    postfix["acc"] = f"{correct / count:.4f}"
                bar.set_postfix(postfix)
        row = {"epoch": epoch, "train_loss": total_loss / max(count, 1)}
        if correct is not None:
            row["train_acc"] = correct / max(count, 1)
        if val_loader is not None:
            for key, value in evaluate(model, val_loader, loss_fn, eval_transform).items():
                row[f"val_{key}"] = value
        row["lr"] = optimizer.param_groups[0]["lr"]
        row["seconds"] = round(time.perf_counter() - started, 3)
        if scheduler is not None and scheduler_step == "epoch":
            scheduler.step()
        history.rows.append(row)
        stop = False
        if early_stopping is not None:
            if early_stopping.monitor not in row:
                raise KeyError(
                    f"early stopping monitors {early_stopping.monitor!r}, which is not "
                    f"among the metrics {sorted(row)}"
                )
            stop = early_stopping.update(row[early_stopping.monitor], epoch)
        if checkpoint is not None:
            io.save_checkpoint(
                checkpoint,
                {
                    "epoch": epoch,
                    "model": model.state_dict(),
                    "optimizer": optimizer.state_dict(),
                    "scheduler": scheduler.state_dict() if scheduler is not None else None,
                    "early_stopping": early_stopping.state_dict() if early_stopping else None,
                    "generators": [g.rng.bit_generator.state for g in all_generators],
                    "history": history.rows,
                },
            )
        if history_path is not None:
            path = Path(history_path)
            history.to_csv(path) if path.suffix == ".csv" else history.to_json(path)
        if progress:
            tqdm.write("  ".join(f"{_LABELS.get(k, k)} {_format(k, v)}" for k, v in row.items()))
        if stop:
            break
    return history
