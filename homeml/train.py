"""The training loop: epochs with a progress bar, validation, history, early stopping,
atomic checkpoints every epoch, and resume that continues exactly like an uninterrupted run.

:func:`fit` runs the epochs; what happens around them is done by callbacks
(:mod:`homeml.callbacks`, importable from here too): :class:`EarlyStopping`,
:class:`Checkpoint`, :class:`HistoryWriter` and :class:`ProgressBar`. ``fit``'s keyword
arguments (``early_stopping=``, ``checkpoint=``, ``history_path=``, ``progress=``) build them for
you; pass your own :class:`Callback` objects in ``callbacks=``.

Exact resume works because every source of randomness is saved with the checkpoint: the model,
optimizer and scheduler states, and the state of each random generator in play (homeml's default
generator, which drives shuffling, dropout and augmentation unless they were given their own,
plus any generators passed in ``generators``).
"""

from __future__ import annotations

import math
import time
from typing import Any

import numpy as np

from homeml.autograd import no_grad
from homeml.callbacks import (
    Callback,
    Checkpoint,
    EarlyStopping,
    HistoryWriter,
    ProgressBar,
    TrainingHistory,
    TrainingRun,
    format_duration,
)
from homeml.creation import default_generator
from homeml.tensor import Tensor

__all__ = [
    "Callback",
    "Checkpoint",
    "EarlyStopping",
    "HistoryWriter",
    "ProgressBar",
    "TrainingHistory",
    "TrainingRun",
    "evaluate",
    "fit",
    "format_duration",
]


def _as_tensor(batch):
    return batch if isinstance(batch, Tensor) else Tensor._make(np.asarray(batch))


def _count_correct(output, target) -> int | None:
    """Correct predictions when the output looks like class scores (N, C) and targets are ints."""
    out, y = output.numpy(), target.numpy()
    if out.ndim == 2 and y.ndim == 1 and y.dtype.kind in "iu":
        return int((out.argmax(axis=1) == y).sum())
    return None


def evaluate(model, loader, loss_fn, transform=None) -> dict:
    """Mean loss (and accuracy for classifiers) of ``model`` over ``loader``, in eval mode."""
    was_training = model.training
    model.eval()
    total_loss, count = 0.0, 0
    correct: int | None = 0  # None once a batch's output is not class scores
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
    callbacks=(),
    data_parallel=None,
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
        (A :class:`Checkpoint` callback.)
    early_stopping : EarlyStopping, optional
        Stops when the monitored metric stops improving.
    generators : sequence of homeml.Generator
        Extra random generators whose state must be saved for an exact resume.
    progress : bool
        Show a progress bar and a line per epoch (a :class:`ProgressBar` callback).
    history_path : path, optional
        Where to write the history after every epoch (``.json`` or ``.csv``; a
        :class:`HistoryWriter` callback).
    callbacks : sequence of Callback
        More callbacks, called after those the arguments above make and before the progress
        bar. An :class:`EarlyStopping` among them is saved with the checkpoint.
    data_parallel : homeml.distributed.DistributedDataParallel, optional
        Train on a Dask cluster: each batch is split among the workers' model replicas, their
        gradients are averaged between the workers, and every replica takes the same step
        (the same result as one process with the whole batch). ``model`` and ``optimizer``
        are brought up to date from the replicas after every epoch, before validation and
        the checkpoint; callbacks see them as they were at the start of the epoch until then.

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
    callbacks = _callbacks(early_stopping, checkpoint, resume, history_path, callbacks, progress)
    stoppers = [c for c in callbacks if isinstance(c, EarlyStopping)]
    run = TrainingRun(
        model,
        optimizer,
        scheduler,
        epochs,
        generators=[default_generator, *generators],
        early_stopping=stoppers[0] if stoppers else None,
        steps=len(train_loader) if hasattr(train_loader, "__len__") else None,  # None: generator
    )
    _call(callbacks, "on_train_begin", run)
    try:
        _epochs(
            run,
            loss_fn,
            train_loader,
            val_loader,
            scheduler_step,
            train_transform,
            eval_transform,
            callbacks,
            data_parallel,
        )
    finally:
        if data_parallel is not None:
            data_parallel.close()
    _call(callbacks, "on_train_end", run)
    return run.history


def _epochs(
    run,
    loss_fn,
    train_loader,
    val_loader,
    scheduler_step,
    train_transform,
    eval_transform,
    callbacks,
    data_parallel,
) -> None:
    model, optimizer, scheduler = run.model, run.optimizer, run.scheduler
    if data_parallel is not None and run.epoch < run.epochs and not run.stop:
        data_parallel.start(model, optimizer, loss_fn)  # after a resume: the loaded state
    for epoch in range(run.epoch + 1, run.epochs + 1):
        if run.stop:
            break
        run.epoch = epoch
        _call(callbacks, "on_epoch_begin", run)
        started = time.perf_counter()
        row = _train_epoch(
            run, loss_fn, train_loader, train_transform, scheduler_step, callbacks, data_parallel
        )
        if data_parallel is not None:
            data_parallel.sync(model, optimizer)
        if val_loader is not None:
            for key, value in evaluate(model, val_loader, loss_fn, eval_transform).items():
                row[f"val_{key}"] = value
        row["lr"] = optimizer.param_groups[0]["lr"]
        row["seconds"] = round(time.perf_counter() - started, 3)
        if scheduler is not None and scheduler_step == "epoch":
            scheduler.step()
        run.history.rows.append(row)
        _call(callbacks, "on_epoch_end", run)


def _callbacks(early_stopping, checkpoint, resume, history_path, extra, progress) -> list:
    """The callbacks of fit's arguments, in the order their work must happen after an epoch: the
    stopping decision, then the checkpoint that records it, the history, the user's, the line.
    """
    made = [early_stopping] if early_stopping is not None else []
    if checkpoint is not None:
        made.append(Checkpoint(checkpoint, resume=resume))
    if history_path is not None:
        made.append(HistoryWriter(history_path))
    made += list(extra)
    if progress:
        made.append(ProgressBar())
    return made


def _call(callbacks, hook: str, run: TrainingRun) -> None:
    for callback in callbacks:
        getattr(callback, hook)(run)


def _check_finite(value: float, run: TrainingRun, step: int) -> None:
    if not math.isfinite(value):
        raise FloatingPointError(
            f"the loss became {value} at epoch {run.epoch}, step {step}; lower the learning "
            "rate or check the inputs for NaN/inf"
        )


def _step(run: TrainingRun, loss_fn, x: Tensor, y: Tensor) -> tuple[float, int | None, int]:
    """Forward, finite-loss check, backward and optimizer step in this process; returns the
    batch's (mean loss, correct predictions or None, size).
    """
    out = run.model(x)
    loss = loss_fn(out, y)
    value = float(loss.item())
    _check_finite(value, run, run.step)
    run.optimizer.zero_grad()
    loss.backward()
    run.optimizer.step()
    return value, _count_correct(out, y), len(y)


def _train_epoch(run, loss_fn, loader, transform, scheduler_step, callbacks, data_parallel) -> dict:
    """One pass over ``loader``: forward, finite-loss check, backward, optimizer (and per-batch
    scheduler) step, here or on the replicas of ``data_parallel``. Returns the epoch's training
    metrics.
    """
    model, optimizer, scheduler = run.model, run.optimizer, run.scheduler
    model.train()
    totals: dict[str, Any] = {"loss": 0.0, "correct": 0, "count": 0}  # correct: int or None
    run.totals = totals
    for step, (x, y) in enumerate(loader, start=1):
        run.step = step
        x, y = _as_tensor(x), _as_tensor(y)
        if transform is not None:
            x = transform(x)
        if data_parallel is None:
            value, hits, n = _step(run, loss_fn, x, y)
        else:
            lrs = [group["lr"] for group in optimizer.param_groups]
            value, hits, n = data_parallel.step(x.numpy(), y.numpy(), lrs)
            _check_finite(value, run, step)
        if scheduler is not None and scheduler_step == "batch":
            scheduler.step()
        run.batch_loss = value
        totals["loss"] += value * n
        totals["correct"] = (
            None if hits is None or totals["correct"] is None else totals["correct"] + hits
        )
        totals["count"] += n
        _call(callbacks, "on_batch_end", run)
    count = max(totals["count"], 1)
    row = {"epoch": run.epoch, "train_loss": totals["loss"] / count}
    if totals["correct"] is not None:
        row["train_acc"] = totals["correct"] / count
    return row
