"""Wrappers with memory: running normalisation and frame stacking.

:class:`NormalizeObservation`, :class:`NormalizeReward` and :class:`FrameStackObservation`, as in
Gymnasium (the same running statistics, updated in the same order, so the same numbers).
"""

from __future__ import annotations

import copy
import numbers
from collections import deque

import numpy as np

from homeml.rl import space_utils
from homeml.rl.env import ObservationWrapper, Wrapper
from homeml.rl.spaces import Box

__all__ = ["RunningMeanStd", "NormalizeObservation", "NormalizeReward", "FrameStackObservation"]


class RunningMeanStd:
    """Running mean and (biased) variance of a stream of batches.

    Batches are merged with the parallel-variance formula of Chan, Golub and LeVeque (1979);
    ``count`` starts at ``epsilon`` so the first batch does not divide by zero.

    Parameters
    ----------
    epsilon : float, default 1e-4
        The initial count.
    shape : tuple of int
        The shape of one value.
    dtype : numpy dtype, default float64
        The dtype of ``mean`` and ``var``.
    """

    def __init__(self, epsilon: float = 1e-4, shape=(), dtype=np.float64):
        self.mean = np.zeros(shape, dtype=dtype)
        self.var = np.ones(shape, dtype=dtype)
        self.count = epsilon

    def update(self, batch: np.ndarray) -> None:
        """Merge a batch of values (the leading axis is the batch)."""
        batch_mean, batch_var = np.mean(batch, axis=0), np.var(batch, axis=0)
        batch_count = batch.shape[0]
        delta = batch_mean - self.mean
        total = self.count + batch_count
        new_mean = self.mean + delta * batch_count / total
        m2 = (
            self.var * self.count
            + batch_var * batch_count
            + (np.square(delta) * self.count * batch_count / total)
        )
        self.mean, self.var, self.count = new_mean, m2 / total, total


def _check_epsilon(name: str, epsilon) -> None:
    if not isinstance(epsilon, numbers.Real) or not epsilon > 0:
        raise ValueError(f"{name} epsilon must be a positive number, got {epsilon!r}")


class NormalizeObservation(ObservationWrapper):
    """Observations shifted and scaled by the running mean and standard deviation seen so far.

    Each observation (at ``reset`` and ``step``) first updates the statistics, then is returned
    as ``float32((obs - mean) / sqrt(var + epsilon))``. Set ``update_running_mean = False`` to
    freeze the statistics (e.g. for evaluation).

    Parameters
    ----------
    env : Env
        An environment whose observation space has a shape.
    epsilon : float > 0, default 1e-8
    """

    def __init__(self, env, epsilon: float = 1e-8):
        _check_epsilon("NormalizeObservation", epsilon)
        super().__init__(env)
        shape = env.observation_space.shape
        if shape is None:
            raise ValueError(
                f"NormalizeObservation needs an observation space with a shape, got "
                f"{env.observation_space!r}"
            )
        self.observation_space = Box(-np.inf, np.inf, shape=shape, dtype=np.float32)
        self.obs_rms = RunningMeanStd(shape=shape, dtype=np.float32)
        self.epsilon = epsilon
        self.update_running_mean = True

    def observation(self, observation):
        if self.update_running_mean:
            self.obs_rms.update(np.array([observation]))
        return np.float32(
            (observation - self.obs_rms.mean) / np.sqrt(self.obs_rms.var + self.epsilon)
        )


class NormalizeReward(Wrapper):
    """Rewards divided by the running standard deviation of the discounted return.

    The return ``G <- gamma * G * (1 - terminated) + reward`` is tracked across steps, its
    running variance updated, and ``reward / sqrt(var + epsilon)`` returned (the mean is not
    subtracted), as Gymnasium's wrapper does. ``update_running_mean = False`` freezes it.

    Parameters
    ----------
    env : Env
    gamma : float in [0, 1], default 0.99
    epsilon : float > 0, default 1e-8
    """

    def __init__(self, env, gamma: float = 0.99, epsilon: float = 1e-8):
        if not isinstance(gamma, numbers.Real) or not 0 <= gamma <= 1:
            raise ValueError(f"NormalizeReward gamma must be in [0, 1], got {gamma!r}")
        _check_epsilon("NormalizeReward", epsilon)
        super().__init__(env)
        self.return_rms = RunningMeanStd(shape=())
        self.discounted_reward = np.array([0.0])
        self.gamma, self.epsilon = gamma, epsilon
        self.update_running_mean = True

    def step(self, action):
        observation, reward, terminated, truncated, info = self.env.step(action)
        self.discounted_reward = self.discounted_reward * self.gamma * (1 - terminated) + float(
            reward
        )
        if self.update_running_mean:
            self.return_rms.update(self.discounted_reward)
        normalized = reward / np.sqrt(self.return_rms.var + self.epsilon)
        return observation, normalized, terminated, truncated, info


class FrameStackObservation(Wrapper):
    """Observations are the last ``stack_size`` observations, stacked on a new leading axis.

    Parameters
    ----------
    env : Env
    stack_size : int > 0
    padding_type : "reset", "zero" or an observation, default "reset"
        What fills the stack at the start of an episode: copies of the first observation,
        the sample nearest zero, or the given observation.
    """

    def __init__(self, env, stack_size: int, *, padding_type="reset"):
        super().__init__(env)
        if isinstance(stack_size, bool) or not isinstance(stack_size, (int, np.integer)):
            raise TypeError(f"stack_size must be an integer, got {type(stack_size).__name__}")
        if stack_size <= 0:
            raise ValueError(f"stack_size must be positive, got {stack_size}")
        space = env.observation_space
        if isinstance(padding_type, str) and padding_type in ("reset", "zero"):
            self.padding_value = space_utils.zero_sample(space)
        elif not isinstance(padding_type, str) and space.contains(padding_type):
            self.padding_value, padding_type = padding_type, "_custom"
        else:
            raise ValueError(
                f"padding_type must be 'reset', 'zero' or an observation of {space}, got "
                f"{padding_type!r}"
            )
        self.observation_space = space_utils.batch_space(space, stack_size)
        self.stack_size, self.padding_type = int(stack_size), padding_type
        self.obs_queue = deque([self.padding_value] * self.stack_size, maxlen=self.stack_size)
        self.stacked_obs = space_utils.create_empty_array(space, n=self.stack_size)

    def _stacked(self):
        stacked = space_utils.concatenate(
            self.env.observation_space, self.obs_queue, self.stacked_obs
        )
        return copy.deepcopy(stacked)

    def reset(self, *, seed=None, options=None):
        observation, info = self.env.reset(seed=seed, options=options)
        if self.padding_type == "reset":
            self.padding_value = observation
        for _ in range(self.stack_size - 1):
            self.obs_queue.append(self.padding_value)
        self.obs_queue.append(observation)
        return self._stacked(), info

    def step(self, action):
        observation, reward, terminated, truncated, info = self.env.step(action)
        self.obs_queue.append(observation)
        return self._stacked(), reward, terminated, truncated, info
