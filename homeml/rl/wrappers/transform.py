"""Stateless wrappers: a function applied to observations, rewards or actions.

:class:`TransformObservation`, :class:`FlattenObservation`, :class:`TransformReward`,
:class:`TransformAction`, :class:`ClipAction` and :class:`RescaleAction`, as in Gymnasium.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable

import numpy as np

from homeml.rl import space_utils
from homeml.rl.env import ActionWrapper, ObservationWrapper, RewardWrapper
from homeml.rl.spaces import Box, Space

__all__ = [
    "TransformObservation",
    "FlattenObservation",
    "TransformReward",
    "TransformAction",
    "ClipAction",
    "RescaleAction",
]


def _check_callable(name: str, func) -> None:
    if not callable(func):
        raise TypeError(f"{name} needs a function, got {type(func).__name__}: {func!r}")


def _check_box_actions(name: str, env) -> Box:
    space = env.action_space
    if not isinstance(space, Box):
        raise TypeError(f"{name} needs a Box action space, got {space!r}")
    return space


class TransformObservation(ObservationWrapper):
    """Apply ``func`` to every observation.

    Parameters
    ----------
    env : Env
        The environment.
    func : callable
        ``observation -> new observation``.
    observation_space : Space or None
        The space of the new observations (``None``: unchanged).
    """

    def __init__(self, env, func: Callable, observation_space: Space | None):
        super().__init__(env)
        _check_callable(type(self).__name__, func)
        if observation_space is not None:
            self.observation_space = observation_space
        self.func = func

    def observation(self, observation):
        return self.func(observation)


class FlattenObservation(TransformObservation):
    """Observations as 1-d arrays: one-hot for discrete spaces, concatenated for Tuple spaces.

    The observation space becomes :func:`homeml.rl.space_utils.flatten_space` of the original.
    """

    def __init__(self, env):
        space = env.observation_space
        super().__init__(
            env, lambda obs: space_utils.flatten(space, obs), space_utils.flatten_space(space)
        )


class TransformReward(RewardWrapper):
    """Apply ``func`` to every reward (e.g. ``lambda r: 0.01 * r``)."""

    def __init__(self, env, func: Callable):
        super().__init__(env)
        _check_callable(type(self).__name__, func)
        self.func = func

    def reward(self, reward):
        return self.func(reward)


class TransformAction(ActionWrapper):
    """Apply ``func`` to each action before the environment sees it.

    Parameters
    ----------
    env : Env
        The environment.
    func : callable
        ``agent's action -> environment's action``.
    action_space : Space or None
        The space of the agent's actions (``None``: unchanged).
    """

    def __init__(self, env, func: Callable, action_space: Space | None):
        super().__init__(env)
        _check_callable(type(self).__name__, func)
        if action_space is not None:
            self.action_space = action_space
        self.func = func

    def action(self, action):
        return self.func(action)


class ClipAction(TransformAction):
    """Clip actions into the environment's Box; the agent's action space becomes unbounded."""

    def __init__(self, env):
        space = _check_box_actions("ClipAction", env)
        super().__init__(
            env,
            lambda action: np.clip(action, space.low, space.high),
            Box(-np.inf, np.inf, shape=space.shape, dtype=space.dtype),
        )


def _full(name: str, value, shape) -> np.ndarray:
    if isinstance(value, np.ndarray):
        if value.shape != shape:
            raise ValueError(f"RescaleAction {name} must have shape {shape}, got {value.shape}")
        return value
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        return np.full(shape, value)
    raise TypeError(f"RescaleAction {name} must be a number or an array, got {value!r}")


class RescaleAction(TransformAction):
    """Let the agent act in ``[min_action, max_action]``, mapped linearly onto the env's Box.

    Parameters
    ----------
    env : Env
        An environment with a Box action space.
    min_action, max_action : float or ndarray
        The agent's bounds (scalars apply to every element). An element unbounded in the
        environment must be given the same infinite bound.
    """

    def __init__(self, env, min_action, max_action):
        space = _check_box_actions("RescaleAction", env)
        new_min = _full("min_action", min_action, space.shape)
        new_max = _full("max_action", max_action, space.shape)
        low, high = space.low, space.high
        if not (
            np.all((new_min == low)[np.isinf(new_min) | np.isinf(low)])
            and np.all((new_max == high)[np.isinf(new_max) | np.isinf(high)])
        ):
            raise ValueError(
                "RescaleAction: where the action space is unbounded the new bounds "
                "must be the same infinity, and only there"
            )
        if not np.all(new_min < new_max):
            raise ValueError(
                f"RescaleAction needs min_action < max_action everywhere (the mapping has no "
                f"inverse otherwise), got {min_action} and {max_action}"
            )
        # agent's a -> env's (a - intercept) / slope, where env's x -> slope * x + intercept;
        # the slope's denominator in extended precision, as Gymnasium computes it
        finite_min, finite_max = np.isfinite(new_min), np.isfinite(new_max)
        both = finite_min & finite_max
        span = np.array(high[both], dtype=np.longdouble) - np.array(low[both], dtype=np.longdouble)
        slope = np.ones_like(new_min, dtype=space.dtype)
        slope[both] = (new_max[both] - new_min[both]) / span
        intercept = np.zeros_like(new_min, dtype=space.dtype)
        intercept[finite_max] = new_max[finite_max] - high[finite_max]
        intercept[finite_min] = slope[finite_min] * -low[finite_min] + new_min[finite_min]
        self.min_action, self.max_action = min_action, max_action
        super().__init__(
            env,
            lambda action: (action - intercept) / slope,
            Box(new_min, new_max, shape=space.shape, dtype=space.dtype),
        )
