"""Checks of agent parameters, each raising a ValueError that names the parameter and the value."""

from __future__ import annotations

import numbers

import numpy as np

from homeml.rl.schedules import as_schedule


def check_hidden_sizes(hidden_sizes) -> list[int]:
    sizes = list(hidden_sizes) if isinstance(hidden_sizes, (list, tuple)) else None
    if sizes is None or not all(
        isinstance(s, numbers.Integral) and not isinstance(s, bool) and s > 0 for s in sizes
    ):
        raise ValueError(f"hidden_sizes must be a tuple of positive integers, got {hidden_sizes!r}")
    return [int(s) for s in sizes]


def check_positive_int(name: str, value, low: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < low:
        raise ValueError(f"{name} must be an integer >= {low}, got {value!r}")
    return int(value)


def check_positive(name: str, value) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not 0 < value < np.inf:
        raise ValueError(f"{name} must be a positive number, got {value!r}")
    return float(value)


def check_n_episodes(n_episodes) -> int:
    if (
        isinstance(n_episodes, bool)
        or not isinstance(n_episodes, numbers.Integral)
        or n_episodes <= 0
    ):
        raise ValueError(f"n_episodes must be a positive integer, got {n_episodes!r}")
    return int(n_episodes)


def check_fraction(name: str, value, *, low_open: bool = False, high: float = 1.0) -> float:
    """A number in [0, high] (or (0, high] with ``low_open``): gamma, alpha, epsilon."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not np.isfinite(value):
        raise ValueError(f"{name} must be a number, got {value!r}")
    if value > high or value < 0 or (low_open and value == 0):
        interval = f"(0, {high:g}]" if low_open else f"[0, {high:g}]"
        raise ValueError(f"{name} must be in {interval}, got {value!r}")
    return float(value)


def epsilon_schedule(epsilon):
    """A callable ``step -> epsilon`` (episodes or environment steps, as the agent counts)
    whose values are checked to lie in [0, 1].
    """
    try:
        schedule = as_schedule(epsilon)
    except TypeError:
        raise ValueError(
            f"epsilon must be a number in [0, 1] or a schedule, got {epsilon!r}"
        ) from None

    def checked(episode: int) -> float:
        return check_fraction("epsilon", schedule(episode))

    checked(0)
    return checked
