"""Episode bookkeeping: :class:`RecordEpisodeStatistics` (and :class:`TimeLimit`, from core)."""

from __future__ import annotations

import time
from collections import deque

from homeml.rl.env import TimeLimit, Wrapper

__all__ = ["RecordEpisodeStatistics", "TimeLimit"]


class RecordEpisodeStatistics(Wrapper):
    """Add the episode's return, length and duration to ``info`` on its last step.

    At the end of an episode (``terminated`` or ``truncated``), ``info[stats_key]`` is
    ``{"r": return, "l": length, "t": seconds since reset}`` and the three are appended to
    ``return_queue``, ``length_queue`` and ``time_queue`` (the last ``buffer_length`` episodes),
    as in Gymnasium's wrapper of the same name.

    Parameters
    ----------
    env : Env
        The environment.
    buffer_length : int, default 100
        How many episodes the queues keep.
    stats_key : str, default "episode"
        The ``info`` key of the statistics.
    """

    def __init__(self, env, buffer_length: int = 100, stats_key: str = "episode"):
        super().__init__(env)
        self._stats_key = stats_key
        self.episode_count = 0
        self.episode_start_time = -1.0
        self.episode_returns = 0.0
        self.episode_lengths = 0
        self.time_queue: deque[float] = deque(maxlen=buffer_length)
        self.return_queue: deque[float] = deque(maxlen=buffer_length)
        self.length_queue: deque[int] = deque(maxlen=buffer_length)

    def reset(self, *, seed=None, options=None):
        observation, info = self.env.reset(seed=seed, options=options)
        self.episode_start_time = time.perf_counter()
        self.episode_returns = 0.0
        self.episode_lengths = 0
        return observation, info

    def step(self, action):
        observation, reward, terminated, truncated, info = self.env.step(action)
        self.episode_returns += reward
        self.episode_lengths += 1
        if terminated or truncated:
            if self._stats_key in info:
                raise KeyError(
                    f"RecordEpisodeStatistics: the environment's info already has the key "
                    f"{self._stats_key!r}; pass another stats_key"
                )
            seconds = round(time.perf_counter() - self.episode_start_time, 6)
            info = {
                **info,
                self._stats_key: {
                    "r": self.episode_returns,
                    "l": self.episode_lengths,
                    "t": seconds,
                },
            }
            self.time_queue.append(seconds)
            self.return_queue.append(self.episode_returns)
            self.length_queue.append(self.episode_lengths)
            self.episode_count += 1
            self.episode_start_time = time.perf_counter()
        return observation, reward, terminated, truncated, info
