"""``ReduceLROnPlateau``: lower the learning rate when a watched metric stops improving.

Importable from :mod:`homeml.optim.lr_scheduler`, as in ``torch.optim.lr_scheduler``.
"""

from __future__ import annotations

import math
import numbers
import warnings

from homeml.optim.lr_scheduler import LRScheduler, _per_group
from homeml.optim.optimizer import Optimizer


class ReduceLROnPlateau(LRScheduler):
    """Multiply the learning rates by ``factor`` once the metric has not improved for a while.

    Call ``scheduler.step(metric)`` once per epoch (e.g. with the validation loss). An epoch is
    *better* when the metric beats the best seen so far by more than ``threshold``; after more
    than ``patience`` epochs that are not better, every group's ``lr`` becomes
    ``max(lr * factor, min_lr)`` (unless that changes it by no more than ``eps``), and the next
    ``cooldown`` epochs are not counted.

    Parameters
    ----------
    optimizer : Optimizer
        Wrapped optimizer.
    mode : {"min", "max"}, default "min"
        Whether the metric should go down (a loss) or up (an accuracy).
    factor : float < 1, default 0.1
        The multiplier.
    patience : int, default 10
        Epochs without improvement tolerated before reducing.
    threshold : float, default 1e-4
        The margin an improvement must exceed.
    threshold_mode : {"rel", "abs"}, default "rel"
        ``"rel"``: better means below ``best * (1 - threshold)`` in min mode, above
        ``best * (1 + threshold)`` in max mode; ``"abs"``: below ``best - threshold`` or above
        ``best + threshold``.
    cooldown : int, default 0
        Epochs to wait after a reduction before counting bad epochs again.
    min_lr : float or list of float, default 0
        Lower bound of the learning rate, for all groups or one per group.
    eps : float, default 1e-8
        Reductions smaller than this are skipped.
    """

    def __init__(
        self,
        optimizer,
        mode="min",
        factor=0.1,
        patience=10,
        threshold=1e-4,
        threshold_mode="rel",
        cooldown=0,
        min_lr=0,
        eps=1e-8,
    ):
        if not isinstance(factor, numbers.Real) or float(factor) >= 1.0:
            raise ValueError(f"ReduceLROnPlateau factor should be < 1.0, got {factor!r}")
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{type(optimizer).__name__} is not an Optimizer")
        self.factor = factor
        self.optimizer = optimizer
        per_group = isinstance(min_lr, (list, tuple))
        self.min_lrs = _per_group("min_lr", optimizer, min_lr)
        self.default_min_lr = None if per_group else min_lr
        self.patience, self.cooldown, self.eps = patience, cooldown, eps
        self.last_epoch = 0
        self._last_lr = self._current_lrs()
        self._init_is_better(mode, threshold, threshold_mode)
        self._reset()

    def _init_is_better(self, mode, threshold, threshold_mode) -> None:
        if mode not in ("min", "max"):
            raise ValueError(f"ReduceLROnPlateau mode must be 'min' or 'max', got {mode!r}")
        if threshold_mode not in ("rel", "abs"):
            raise ValueError(
                f"ReduceLROnPlateau threshold_mode must be 'rel' or 'abs', got {threshold_mode!r}"
            )
        self.mode, self.threshold, self.threshold_mode = mode, threshold, threshold_mode
        self.mode_worse = math.inf if mode == "min" else -math.inf

    def _reset(self) -> None:
        self.best = self.mode_worse
        self.cooldown_counter = 0
        self.num_bad_epochs = 0

    @property
    def in_cooldown(self) -> bool:
        """Whether the scheduler is waiting after a reduction."""
        return self.cooldown_counter > 0

    def is_better(self, current: float, best: float) -> bool:
        """Whether ``current`` improves on ``best`` by more than the threshold."""
        if self.threshold_mode == "rel":
            if self.mode == "min":
                return current < best * (1.0 - self.threshold)
            return current > best * (self.threshold + 1.0)
        if self.mode == "min":
            return current < best - self.threshold
        return current > best + self.threshold

    def step(self, metrics, epoch=None) -> None:  # type: ignore[override]  # as torch's
        """Record one epoch's metric and reduce the learning rates if it has plateaued.

        Parameters
        ----------
        metrics : float or one-element tensor/array
            The watched quantity.
        epoch : int, optional
            Deprecated (as in torch): the epoch number; it defaults to the last one plus one.
        """
        try:
            current = float(metrics)
        except (TypeError, ValueError):
            raise TypeError(
                f"ReduceLROnPlateau.step needs the metric as a number (e.g. the validation "
                f"loss), got {type(metrics).__name__}: {metrics!r}"
            ) from None
        if epoch is None:
            epoch = self.last_epoch + 1
        else:
            warnings.warn(
                "The epoch parameter in scheduler.step() is deprecated; call step() without it",
                UserWarning,
                stacklevel=2,
            )
        self.last_epoch = epoch
        if self.is_better(current, self.best):
            self.best = current
            self.num_bad_epochs = 0
        else:
            self.num_bad_epochs += 1
        if self.in_cooldown:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0  # bad epochs during the cooldown do not count
        if self.num_bad_epochs > self.patience:
            self._reduce_lr()
            self.cooldown_counter = self.cooldown
            self.num_bad_epochs = 0
        self._last_lr = self._current_lrs()

    def _reduce_lr(self) -> None:
        groups = self.optimizer.param_groups
        if len(groups) != len(self.min_lrs):
            if self.default_min_lr is None:
                raise RuntimeError(
                    f"the optimizer has {len(groups)} parameter groups but ReduceLROnPlateau "
                    f"was given {len(self.min_lrs)} min_lr values (a group was added since): "
                    "set scheduler.min_lrs to one value per group"
                )
            self.min_lrs = [self.default_min_lr] * len(groups)
        for group, min_lr in zip(groups, self.min_lrs, strict=True):
            old = float(group["lr"])
            new = max(old * self.factor, min_lr)
            if old - new > self.eps:
                group["lr"] = new

    def load_state_dict(self, state_dict: dict) -> None:
        """Restore attributes saved by :meth:`state_dict`."""
        super().load_state_dict(state_dict)
        self._init_is_better(self.mode, self.threshold, self.threshold_mode)
