"""Schedules given by a function of the epoch: ``LambdaLR`` and ``MultiplicativeLR``.

Both are importable from :mod:`homeml.optim.lr_scheduler`, as in ``torch.optim.lr_scheduler``.
"""

from __future__ import annotations

import copy
import types
from collections.abc import Callable

from homeml.optim.lr_scheduler import LRScheduler, _per_group


class _FunctionSchedule(LRScheduler):
    """Shared by the two: one function per parameter group, saved only when it has state."""

    def __init__(self, optimizer, lr_lambda, last_epoch: int = -1):
        self.optimizer = optimizer  # _per_group needs it before the base constructor runs
        self.lr_lambdas = _per_group("lr_lambda", optimizer, lr_lambda)
        for fn in self.lr_lambdas:
            if not callable(fn):
                raise TypeError(
                    f"{type(self).__name__} needs lr_lambda to be a function of the epoch (or "
                    f"one per parameter group), got {type(fn).__name__}: {fn!r}"
                )
        super().__init__(optimizer, last_epoch)

    def state_dict(self) -> dict:
        """As the base class, but functions are left out (``None``); callable objects keep their
        ``__dict__``, as torch does.
        """
        state = {
            k: copy.deepcopy(v)
            for k, v in self.__dict__.items()
            if k not in ("optimizer", "lr_lambdas")
        }
        state["lr_lambdas"] = [
            None if isinstance(fn, types.FunctionType) else copy.deepcopy(fn.__dict__)
            for fn in self.lr_lambdas
        ]
        return state

    def load_state_dict(self, state_dict: dict) -> None:
        """Restore a :meth:`state_dict`; the functions themselves stay the ones given here."""
        state = dict(state_dict)
        saved = state.pop("lr_lambdas", [None] * len(self.lr_lambdas))
        super().load_state_dict(state)
        for fn, attributes in zip(self.lr_lambdas, saved, strict=False):
            if attributes is not None:
                fn.__dict__.update(copy.deepcopy(attributes))


class LambdaLR(_FunctionSchedule):
    """Set each group's learning rate to ``initial_lr * lr_lambda(epoch)``.

    Parameters
    ----------
    optimizer : Optimizer
        Wrapped optimizer.
    lr_lambda : callable or list of callables
        ``epoch -> factor``, or one such function per parameter group.
    last_epoch : int, default -1
        Index of the last epoch (-1 to start).

    Examples
    --------
    >>> warmup = LambdaLR(optimizer, lambda epoch: min(1.0, (epoch + 1) / 5))  # doctest: +SKIP
    """

    lr_lambdas: list[Callable[[int], float]]

    def get_lr(self):
        return [
            base * fn(self.last_epoch)
            for base, fn in zip(self.base_lrs, self.lr_lambdas, strict=True)
        ]


class MultiplicativeLR(_FunctionSchedule):
    """Multiply each group's learning rate by ``lr_lambda(epoch)`` at every step after the first.

    Parameters
    ----------
    optimizer : Optimizer
        Wrapped optimizer.
    lr_lambda : callable or list of callables
        ``epoch -> factor``, or one such function per parameter group.
    last_epoch : int, default -1
        Index of the last epoch (-1 to start).
    """

    def get_lr(self):
        current = self._current_lrs()
        if self._is_initial or self.last_epoch <= 0:
            return current
        return [lr * fn(self.last_epoch) for lr, fn in zip(current, self.lr_lambdas, strict=True)]
