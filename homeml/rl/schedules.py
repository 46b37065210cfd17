"""Schedules for exploration rates and step sizes: a number, or a function of the step count.

Every agent parameter that may change over training (``epsilon``, sometimes ``alpha``) accepts
either a constant or one of these callables; :func:`as_schedule` makes both callable. The step a
schedule is called with is the agent's unit of experience: the episode number for the tabular
agents (one epsilon per episode, as in Sutton & Barto), the environment step for DQN (as in
Stable-Baselines3); each agent's docstring says which.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class LinearSchedule:
    """From ``start`` to ``end`` linearly over ``duration`` steps, then ``end``."""

    start: float
    end: float
    duration: int

    def __call__(self, step: int) -> float:
        if self.duration <= 0:
            return self.end
        fraction = min(max(step, 0) / self.duration, 1.0)
        return self.start + fraction * (self.end - self.start)


@dataclass(frozen=True)
class ExponentialSchedule:
    """``start * decay**step``, never below ``end``."""

    start: float
    end: float
    decay: float

    def __call__(self, step: int) -> float:
        return max(self.end, self.start * math.pow(self.decay, max(step, 0)))


# The schedules by the names ``homeml rl --set epsilon=linear:1,0.05,5000`` uses.
SCHEDULES = {"linear": LinearSchedule, "exponential": ExponentialSchedule}


def as_schedule(value):
    """A callable ``step -> value`` from a number or a callable (returned unchanged)."""
    if callable(value):
        return value
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"expected a number or a schedule (a callable of the step), got {value!r}")
    constant = float(value)
    return lambda step: constant
