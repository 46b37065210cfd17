"""Callbacks of the training loop (:func:`homeml.train.fit`), as in Keras and Lightning, and the
per-epoch history they keep.

A :class:`Callback` overrides the hooks it needs (``on_train_begin``, ``on_epoch_begin``,
``on_batch_end``, ``on_epoch_end``, ``on_train_end``); each receives the :class:`TrainingRun`.
The ones ``fit`` builds from its arguments: :class:`EarlyStopping`, :class:`Checkpoint` (exact
resume: every source of randomness is saved with the model, optimizer and scheduler states),
:class:`HistoryWriter` and :class:`ProgressBar`.
"""

from __future__ import annotations

import csv
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from tqdm.auto import tqdm

from homeml import io

if TYPE_CHECKING:
    from homeml.nn import Module
    from homeml.optim import Optimizer
    from homeml.optim.lr_scheduler import LRScheduler

__all__ = [
    "Callback",
    "Checkpoint",
    "EarlyStopping",
    "HistoryWriter",
    "ProgressBar",
    "TrainingHistory",
    "TrainingRun",
    "format_duration",
]


@dataclass
class TrainingHistory:
    """Per-epoch metrics: a list of dicts (epoch, train_loss, train_acc, val_loss, ...)."""

    rows: list = field(default_factory=list)

    def __getitem__(self, key):
        return [row.get(key) for row in self.rows] if isinstance(key, str) else self.rows[key]

    def __len__(self):
        return len(self.rows)

    def to_pandas(self):
        """The history as a pandas DataFrame (one row per epoch or evaluation, one column per
        metric); needs pandas.
        """
        import pandas as pd

        return pd.DataFrame.from_records(self.rows)

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


class Callback:
    """Hooks :func:`fit` calls around the training; each receives the :class:`TrainingRun`.

    Override only what you need. Callbacks are called in the order given; set ``run.stop`` to
    end training after the current epoch (or, in ``on_train_begin``, before the first).
    """

    def on_train_begin(self, run: TrainingRun) -> None:
        """Before the first epoch (or the first epoch left, when resuming)."""

    def on_epoch_begin(self, run: TrainingRun) -> None:
        """Before the first batch of ``run.epoch``."""

    def on_batch_end(self, run: TrainingRun) -> None:
        """After the optimizer step of batch ``run.step`` (``run.batch_loss``, ``run.totals``)."""

    def on_epoch_end(self, run: TrainingRun) -> None:
        """After validation; ``run.history.rows[-1]`` holds the epoch's metrics."""

    def on_train_end(self, run: TrainingRun) -> None:
        """After the last epoch, or once a callback stopped the training (not after an error)."""


@dataclass
class TrainingRun:
    """What the callbacks see of a training run in progress."""

    model: Module
    optimizer: Optimizer
    scheduler: LRScheduler | None = None
    epochs: int = 1
    generators: list = field(default_factory=list)  # homeml.Generator, their states resume
    early_stopping: EarlyStopping | None = None  # saved and restored with checkpoints
    history: TrainingHistory = field(default_factory=TrainingHistory)
    epoch: int = 0  # the epoch in progress, or the last one finished
    step: int = 0  # the batch in progress in this epoch, from 1
    steps: int | None = None  # batches per epoch, when the loader has a length
    batch_loss: float = math.nan
    totals: dict = field(default_factory=dict)  # this epoch so far: loss, correct, count
    stop: bool = False


class EarlyStopping(Callback):
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

    def on_epoch_end(self, run: TrainingRun) -> None:
        row = run.history.rows[-1]
        if self.monitor not in row:
            raise KeyError(
                f"early stopping monitors {self.monitor!r}, which is not among the metrics "
                f"{sorted(row)}"
            )
        if self.update(row[self.monitor], run.epoch):
            run.stop = True


class Checkpoint(Callback):
    """Write everything an exact resume needs to ``path`` after every epoch, atomically.

    With ``resume=True`` a run restores that state first, when ``path`` exists (it starts
    afresh when not): the model, optimizer, scheduler and early stopping states, the history,
    and the state of every random generator in ``run.generators``. A run that early stopping
    ended stays ended.
    """

    def __init__(self, path, resume: bool = False):
        self.path, self.resume = Path(path), resume

    def on_train_begin(self, run: TrainingRun) -> None:
        io.check_writable_folder(self.path.parent)  # fail now, not after the first epoch's work
        if not (self.resume and self.path.exists()):
            return
        state = io.load_checkpoint(self.path)
        if len(state["generators"]) != len(run.generators):
            # a generator left unrestored would silently break the exact resume
            raise ValueError(
                f"{self.path} holds {len(state['generators'])} generator states (the default "
                f"generator and generators=), but this run has {len(run.generators)}"
            )
        run.model.load_state_dict(state["model"])
        run.optimizer.load_state_dict(state["optimizer"])
        if run.scheduler is not None and state.get("scheduler") is not None:
            run.scheduler.load_state_dict(state["scheduler"])
        stopper = run.early_stopping
        if stopper is not None and state.get("early_stopping") is not None:
            stopper.load_state_dict(state["early_stopping"])
        for generator, rng_state in zip(run.generators, state["generators"]):
            generator.rng.bit_generator.state = rng_state
        run.history, run.epoch = TrainingHistory(state["history"]), state["epoch"]
        if stopper is not None and stopper.should_stop:
            run.stop = True  # the uninterrupted run stopped here too

    def on_epoch_end(self, run: TrainingRun) -> None:
        scheduler, stopper = run.scheduler, run.early_stopping
        io.save_checkpoint(
            self.path,
            {
                "epoch": run.epoch,
                "model": run.model.state_dict(),
                "optimizer": run.optimizer.state_dict(),
                "scheduler": scheduler.state_dict() if scheduler is not None else None,
                "early_stopping": stopper.state_dict() if stopper is not None else None,
                "generators": [g.rng.bit_generator.state for g in run.generators],
                "history": run.history.rows,
            },
        )


class HistoryWriter(Callback):
    """Write the history to ``path`` (``.csv``, else JSON) after every epoch, atomically."""

    def __init__(self, path):
        self.path = Path(path)

    def on_train_begin(self, run: TrainingRun) -> None:
        io.check_writable_folder(self.path.parent)

    def on_epoch_end(self, run: TrainingRun) -> None:
        if self.path.suffix == ".csv":
            run.history.to_csv(self.path)
        else:
            run.history.to_json(self.path)


class ProgressBar(Callback):
    """A tqdm bar per epoch (running loss and accuracy), then one line with the epoch's metrics."""

    def __init__(self, every: int = 10):
        self.every = every
        self._bar: tqdm | None = None  # the epoch's bar, opened by on_epoch_begin

    def on_epoch_begin(self, run: TrainingRun) -> None:
        self._bar = tqdm(
            total=run.steps,
            desc=f"epoch {run.epoch}/{run.epochs}",
            leave=True,
            dynamic_ncols=True,
        )

    def on_batch_end(self, run: TrainingRun) -> None:
        bar = self._bar
        assert bar is not None, "on_epoch_begin opens the bar"
        bar.update(1)
        if run.step % self.every == 0 or run.step == run.steps:
            totals = run.totals
            postfix = {"loss": f"{totals['loss'] / totals['count']:.4f}"}
            if totals["correct"] is not None:
                postfix["acc"] = f"{totals['correct'] / totals['count']:.4f}"
            bar.set_postfix(postfix)

    def on_epoch_end(self, run: TrainingRun) -> None:
        assert self._bar is not None, "on_epoch_begin opens the bar"
        self._bar.close()
        row = run.history.rows[-1]
        tqdm.write("  ".join(f"{_LABELS.get(k, k)} {_format(k, v)}" for k, v in row.items()))


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
