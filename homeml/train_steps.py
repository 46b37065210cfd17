"""The iteration-based training loop of language models (nanoGPT's ``train.py``, makemore's).

:func:`fit_iterations` trains a model that follows the makemore/nanoGPT convention,
``model(idx, targets) -> (logits, loss)``, for ``max_iters`` optimizer steps on random batches,
and every ``eval_interval`` steps estimates the train and validation losses on ``eval_iters``
batches each (:func:`estimate_loss`). Around it sit the callbacks of :func:`homeml.train.fit`
(:mod:`homeml.callbacks`), with one convention: here ``run.epoch`` counts *iterations* (the
optimizer steps done) and ``on_epoch_end`` is called after each *evaluation*, whose row
(``iter``, ``train_loss``, ``val_loss``, ``lr``, ``seconds``) ends ``run.history``. So
:class:`~homeml.callbacks.Checkpoint`, :class:`~homeml.callbacks.HistoryWriter` and
:class:`~homeml.callbacks.EarlyStopping` work unchanged, checkpointing at every evaluation.

Exact resume: the batches come from a generator the loop owns (a :class:`homeml.Generator`
seeded ``seed``; its state, homeml's default generator's and the model, optimizer and scheduler
states are in every checkpoint), and the evaluation batches at iteration ``it`` are drawn from a
generator seeded ``(seed, it)``, so evaluating never moves the training stream: a run stopped
at any evaluation and resumed gives the losses of the uninterrupted run, bit for bit.

The learning rate follows nanoGPT's ``get_lr`` (:func:`nanogpt_lr`): linear warmup, cosine
decay to ``min_lr`` over ``lr_decay_iters``, then ``min_lr``; :func:`warmup_cosine_schedule`
makes it a ``LambdaLR`` stepped once per iteration.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from tqdm.auto import tqdm

from homeml.autograd import no_grad
from homeml.callbacks import (
    Callback,
    Checkpoint,
    EarlyStopping,
    HistoryWriter,
    TrainingHistory,
    TrainingRun,
    format_duration,
)
from homeml.creation import Generator, default_generator
from homeml.nn.utils.clip_grad import clip_grad_norm_
from homeml.optim.lr_scheduler import LambdaLR
from homeml.tensor import Tensor

__all__ = [
    "IterationProgressBar",
    "SampleCallback",
    "estimate_loss",
    "fit_iterations",
    "nanogpt_lr",
    "warmup_cosine_schedule",
]

# get_batch(split, rng) -> (x, y): split is "train" or "val", rng the generator to draw from
BatchFn = Callable[[str, np.random.Generator], tuple[Any, Any]]


def nanogpt_lr(
    it: int, learning_rate: float, warmup_iters: int, lr_decay_iters: int, min_lr: float
) -> float:
    """The learning rate of iteration ``it`` (from 0), as nanoGPT's ``get_lr(it)``.

    ``learning_rate * (it + 1) / (warmup_iters + 1)`` while ``it < warmup_iters``; ``min_lr``
    after ``lr_decay_iters``; in between, cosine decay from ``learning_rate`` to ``min_lr``.
    """
    if it < warmup_iters:
        return learning_rate * (it + 1) / (warmup_iters + 1)
    if it > lr_decay_iters:
        return min_lr
    decay_ratio = (it - warmup_iters) / max(lr_decay_iters - warmup_iters, 1)
    coeff = 0.5 * (1.0 + math.cos(math.pi * decay_ratio))  # from 1 down to 0
    return min_lr + coeff * (learning_rate - min_lr)


def warmup_cosine_schedule(
    optimizer, warmup_iters: int, lr_decay_iters: int, min_lr: float
) -> LambdaLR:
    """A ``LambdaLR`` giving :func:`nanogpt_lr` at every iteration, step it once per iteration.

    The peak ``learning_rate`` is the first parameter group's ``lr`` now; other groups are
    scaled by the same factor.

    Parameters
    ----------
    optimizer : homeml.optim.Optimizer
    warmup_iters, lr_decay_iters : int
        ``0 <= warmup_iters <= lr_decay_iters``.
    min_lr : float
        The rate at the end of the decay (``learning_rate / 10`` in nanoGPT).
    """
    if not 0 <= warmup_iters <= lr_decay_iters:
        raise ValueError(
            f"need 0 <= warmup_iters <= lr_decay_iters, got {warmup_iters} and {lr_decay_iters}"
        )
    peak = float(optimizer.param_groups[0]["lr"])
    if not 0.0 <= min_lr <= peak or peak <= 0.0:
        raise ValueError(f"need 0 <= min_lr <= lr and lr > 0, got min_lr={min_lr}, lr={peak}")

    def factor(it: int) -> float:
        return nanogpt_lr(it, peak, warmup_iters, lr_decay_iters, min_lr) / peak

    return LambdaLR(optimizer, factor)


def _tensor(batch) -> Tensor:
    return batch if isinstance(batch, Tensor) else Tensor._make(np.asarray(batch))


def _loss(model, x, y) -> Tensor:
    """The loss of ``model(x, y) -> (logits, loss)``, with a clear error for other models."""
    out = model(_tensor(x), _tensor(y))
    if not (isinstance(out, tuple) and len(out) == 2):
        raise TypeError(
            f"fit_iterations needs model(idx, targets) -> (logits, loss), got {type(out).__name__}"
        )
    return out[1]


def estimate_loss(
    model, get_batch: BatchFn, eval_iters: int, rng: np.random.Generator
) -> dict[str, float]:
    """Mean loss over ``eval_iters`` batches of each split, ``{"train": ..., "val": ...}``.

    As nanoGPT's ``estimate_loss``: in eval mode (no dropout) and without gradients; the model's
    training mode is restored afterwards.
    """
    was_training = model.training
    model.eval()
    try:
        with no_grad():
            return {
                split: float(
                    np.mean(
                        [
                            float(_loss(model, *get_batch(split, rng)).item())
                            for _ in range(eval_iters)
                        ]
                    )
                )
                for split in ("train", "val")
            }
    finally:
        model.train(was_training)


class IterationProgressBar(Callback):
    """One tqdm bar over all iterations (the running batch loss), and a line per evaluation."""

    def __init__(self, every: int = 10):
        self.every, self._bar = every, None

    def on_train_begin(self, run: TrainingRun) -> None:
        self._bar = tqdm(total=run.epochs, initial=run.epoch, desc="iter", dynamic_ncols=True)

    def on_batch_end(self, run: TrainingRun) -> None:
        assert self._bar is not None
        self._bar.update(1)
        if run.epoch % self.every == 0:
            self._bar.set_postfix({"loss": f"{run.batch_loss:.4f}"})

    def on_epoch_end(self, run: TrainingRun) -> None:
        row = run.history.rows[-1]
        parts = [f"iter {row['iter']}"]
        parts += [f"{k.replace('_', ' ')} {row[k]:.4f}" for k in ("train_loss", "val_loss")]
        parts += [f"lr {row['lr']:.4g}", f"time {format_duration(row['seconds'])}"]
        tqdm.write("  ".join(parts))

    def on_train_end(self, run: TrainingRun) -> None:
        self.close()

    def close(self) -> None:
        """Close the bar (also after an error or Ctrl-C)."""
        if self._bar is not None:
            self._bar.close()
            self._bar = None


class SampleCallback(Callback):
    """Call ``sample_fn(model)`` at every ``every``-th evaluation (the first included) and keep
    what it returns in ``samples``, a list of ``(iteration, text)``; print it when ``show``.

    The model is in eval mode and gradients are off while ``sample_fn`` runs. The choice of
    evaluations depends on the history only, so a resumed run samples where an uninterrupted
    one does; give ``fit_iterations`` this callback in ``callbacks=`` so it runs before the
    checkpoint, which then records what sampling drew from the random generators.
    """

    def __init__(self, sample_fn: Callable[[Any], str], every: int = 1, show: bool = True):
        if every < 1:
            raise ValueError(f"every must be >= 1, got {every}")
        self.sample_fn, self.every, self.show = sample_fn, every, show
        self.samples: list[tuple[int, str]] = []

    def on_epoch_end(self, run: TrainingRun) -> None:
        if (len(run.history) - 1) % self.every:
            return
        model = run.model
        was_training = model.training
        model.eval()
        try:
            with no_grad():
                text = self.sample_fn(model)
        finally:
            model.train(was_training)
        self.samples.append((run.epoch, text))
        if self.show:
            tqdm.write(f"--- samples at iter {run.epoch} ---\n{text}")


def _check(name: str, value: int, low: int) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value < low:
        raise ValueError(f"{name} must be an int >= {low}, got {value!r}")


def fit_iterations(
    model,
    optimizer,
    get_batch: BatchFn,
    max_iters: int,
    *,
    eval_interval: int = 250,
    eval_iters: int = 200,
    scheduler=None,
    grad_clip: float = 0.0,
    gradient_accumulation_steps: int = 1,
    seed: int = 1337,
    checkpoint: str | Path | None = None,
    resume: bool = False,
    generators: Sequence[Generator] = (),
    history_path: str | Path | None = None,
    callbacks: Iterable[Callback] = (),
    progress: bool = True,
) -> TrainingHistory:
    """Train ``model`` for ``max_iters`` optimizer steps; return the evaluations' history.

    Parameters
    ----------
    model
        A homeml module with ``forward(idx, targets) -> (logits, loss)``.
    optimizer
        A ``homeml.optim`` optimizer over the model's parameters.
    get_batch : callable
        ``get_batch(split, rng) -> (x, y)`` with ``split`` ``"train"`` or ``"val"`` and ``rng``
        a ``numpy.random.Generator`` to draw from (e.g. ``lambda split, rng:
        homeml.datasets.text.get_batch(data[split], block_size, batch_size, rng)``). Arrays or
        tensors; draw randomness only from ``rng`` for an exact resume.
    max_iters : int
        Total optimizer steps, those done before a resume included.
    eval_interval, eval_iters : int
        Evaluate at iterations 0, ``eval_interval``, ... and ``max_iters``, on ``eval_iters``
        batches of each split (:func:`estimate_loss`).
    scheduler : optional
        Stepped once per iteration (e.g. :func:`warmup_cosine_schedule`).
    grad_clip : float
        Clip the gradients' global norm to this (``clip_grad_norm_``); 0 disables.
    gradient_accumulation_steps : int
        Micro-batches per optimizer step, each loss divided by their number (nanoGPT).
    seed : int
        Seeds the generator of the training batches and those of the evaluations.
    checkpoint : path, optional
        Written atomically at every evaluation (:class:`~homeml.callbacks.Checkpoint`); with
        ``resume=True`` training continues from it when it exists. After Ctrl-C it holds the
        last evaluation's state.
    generators : sequence of homeml.Generator
        More generators whose state the checkpoint must keep (e.g. one the model samples with).
    history_path : path, optional
        ``.json`` or ``.csv``, rewritten atomically at every evaluation.
    callbacks : iterable of Callback
        Called at each hook before the checkpoint, the history writer and the progress bar
        (:class:`SampleCallback` for text samples; an :class:`EarlyStopping` is checkpointed).
    progress : bool
        Show an :class:`IterationProgressBar`.

    Returns
    -------
    TrainingHistory
        A row per evaluation: ``iter``, ``train_loss``, ``val_loss``, ``lr`` (the rate of the
        next step), ``seconds`` (since the previous evaluation).

    Raises
    ------
    FloatingPointError
        When a loss is NaN or infinite; the message names the iteration.
    ValueError
        For bad arguments, or a checkpoint past ``max_iters``.
    KeyboardInterrupt
        Passed on after closing the progress bar; the checkpoint is the last evaluation's.
    """
    _check("max_iters", max_iters, 0)
    _check("eval_interval", eval_interval, 1)
    _check("eval_iters", eval_iters, 1)
    _check("gradient_accumulation_steps", gradient_accumulation_steps, 1)
    if grad_clip < 0:
        raise ValueError(f"grad_clip must be >= 0 (0 disables clipping), got {grad_clip}")
    if resume and checkpoint is None:
        raise ValueError("resume=True needs the checkpoint= path to resume from, got None")
    batches = Generator(seed)
    made = list(callbacks)
    stoppers = [c for c in made if isinstance(c, EarlyStopping)]
    if checkpoint is not None:
        made.append(Checkpoint(checkpoint, resume=resume))
    if history_path is not None:
        made.append(HistoryWriter(history_path))
    bar = IterationProgressBar() if progress else None
    if bar is not None:
        made.append(bar)
    run = TrainingRun(
        model,
        optimizer,
        scheduler,
        epochs=max_iters,  # here "epoch" counts iterations (see the module's docstring)
        generators=[default_generator, batches, *generators],
        early_stopping=stoppers[0] if stoppers else None,
        steps=max_iters,
    )
    try:
        _loop(
            run,
            made,
            get_batch,
            eval_interval,
            eval_iters,
            grad_clip,
            gradient_accumulation_steps,
            seed,
            batches,
        )
    finally:
        if bar is not None:  # a Ctrl-C leaves no half-drawn bar behind
            bar.close()
    return run.history


def _call(callbacks: list[Callback], hook: str, run: TrainingRun) -> None:
    for callback in callbacks:
        getattr(callback, hook)(run)


def _loop(
    run, callbacks, get_batch, eval_interval, eval_iters, grad_clip, accumulate, seed, batches
) -> None:
    model, optimizer, scheduler, max_iters = run.model, run.optimizer, run.scheduler, run.epochs
    _call(callbacks, "on_train_begin", run)  # a Checkpoint restores run.epoch here
    if run.epoch > max_iters:
        raise ValueError(f"the checkpoint is at iteration {run.epoch}, past max_iters={max_iters}")
    # resumed from a checkpoint: its evaluation is already the last row of the history
    evaluated = bool(run.history.rows) and run.history.rows[-1].get("iter") == run.epoch
    started = time.perf_counter()
    it = run.epoch
    while not run.stop:
        if (it % eval_interval == 0 or it == max_iters) and not evaluated:
            # evaluation batches from their own generator, seeded by the iteration: evaluating
            # (or not, when a run ends or resumes here) never changes the training batches
            losses = estimate_loss(model, get_batch, eval_iters, np.random.default_rng((seed, it)))
            run.history.rows.append(
                {
                    "iter": it,
                    "train_loss": losses["train"],
                    "val_loss": losses["val"],
                    "lr": float(optimizer.param_groups[0]["lr"]),
                    "seconds": round(time.perf_counter() - started, 3),
                }
            )
            _call(callbacks, "on_epoch_end", run)
            started = time.perf_counter()
        evaluated = False
        if it >= max_iters or run.stop:
            break
        model.train()
        optimizer.zero_grad()
        total = 0.0
        for _ in range(accumulate):
            loss = _loss(model, *get_batch("train", batches.rng))
            value = float(loss.item())
            if not math.isfinite(value):
                raise FloatingPointError(
                    f"the loss became {value} at iteration {it}; lower the learning rate or "
                    "check the inputs"
                )
            total += value
            (loss / accumulate if accumulate > 1 else loss).backward()
        if grad_clip > 0:
            clip_grad_norm_(model.parameters(), grad_clip)
        optimizer.step()
        if scheduler is not None:
            scheduler.step()
        it += 1
        run.epoch = run.step = it
        run.batch_loss = total / accumulate
        _call(callbacks, "on_batch_end", run)
    _call(callbacks, "on_train_end", run)
