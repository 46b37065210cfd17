"""The k-armed bandit testbed (Sutton & Barto Section 2.3).

The first ``reset``, and every ``reset(seed=...)`` or ``reset(options={"new_problem": True})``,
draws a bandit problem: true action values ``q*(a) ~ N(mean, 1)`` (one "run" of the book's
testbed); other resets keep it, so an agent trained over many episodes keeps learning the same
problem (the book's averages over 2,000 problems are ``homeml.rl.run_testbed``, or one seeded
reset per run). Each ``step(a)`` pays ``R ~ N(q*(a), reward_std^2)``. There is a single state
(observation 0) and the task is continuing: the environment itself never ends an episode,
``make("Bandit-v0")`` truncates it after 1000 pulls.
``q_star`` and ``optimal_action`` expose the truth for testbed plots, and every step's info says
whether the pull was optimal. With ``walk_std > 0`` the values take independent random walks
after every step (the nonstationary problem of Exercise 2.5; use ``mean=0``, ``std=0`` there).
"""

from __future__ import annotations

import numpy as np

from homeml.rl.env import Env
from homeml.rl.spaces import Discrete

__all__ = ["Bandit"]


class Bandit(Env):
    """A k-armed Gaussian bandit (see the module docstring).

    Parameters
    ----------
    k : int, default 10
        Number of arms.
    mean, std : float
        The true values are drawn from N(mean, std^2) for each problem (Figure 2.5: mean=4).
    reward_std : float, default 1
        Standard deviation of the rewards around the true value.
    walk_std : float, default 0
        Standard deviation of the per-step random walk of the true values.
    render_mode : {"ansi"} or None

    Attributes
    ----------
    q_star : ndarray of shape (k,)
        The true action values of the current problem.
    optimal_action : int
        ``argmax(q_star)``.
    """

    metadata = {"render_modes": ["ansi"], "render_fps": 4}

    def __init__(self, k=10, mean=0.0, std=1.0, reward_std=1.0, walk_std=0.0, render_mode=None):
        if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
            raise ValueError(f"Bandit needs a positive integer number of arms k, got {k!r}")
        for name, value in (("std", std), ("reward_std", reward_std), ("walk_std", walk_std)):
            if not value >= 0:
                raise ValueError(f"Bandit {name} must be >= 0, got {value!r}")
        self.k, self.mean, self.std = int(k), mean, std
        self.reward_std, self.walk_std = reward_std, walk_std
        self.action_space = Discrete(self.k)
        self.observation_space = Discrete(1)
        self.q_star = None
        self.optimal_action = None
        self.lastaction = None
        self._check_render_mode(render_mode)

    def reset(self, *, seed=None, options=None):
        """Start pulling (a new problem ``q*`` on the first, seeded or ``new_problem`` reset);
        returns ``(0, {"q_star": ..., "optimal_action": ...})``.
        """
        super().reset(seed=seed)
        new_problem = bool((options or {}).get("new_problem", False))
        if self.q_star is None or seed is not None or new_problem:
            self.q_star = self.np_random.normal(self.mean, self.std, size=self.k)
            self._q = self.q_star.tolist()
            self.optimal_action = int(np.argmax(self.q_star))
        self.lastaction = None
        return 0, {"q_star": self.q_star.copy(), "optimal_action": self.optimal_action}

    def step(self, action):
        """Pull arm ``action``; returns ``(0, reward, False, False, {"optimal": bool})``."""
        if self._needs_reset is not False:
            self._raise_reset_needed()
        try:
            if action < 0:
                raise IndexError
            value = self._q[action]
        except (IndexError, TypeError, ValueError):  # (ValueError: an array of actions)
            self._raise_invalid_action(action)
        reward = value + self.reward_std * self._np_random.standard_normal()
        optimal = action == self.optimal_action
        self.lastaction = action
        if self.walk_std:
            self.q_star += self._np_random.normal(0.0, self.walk_std, size=self.k)
            self._q = self.q_star.tolist()
            self.optimal_action = int(np.argmax(self.q_star))
        return 0, reward, False, False, {"optimal": bool(optimal)}

    def render(self):
        """The true values, the optimal arm and the last pull, as text."""
        if self.render_mode is None or self.q_star is None:
            return None
        values = " ".join(f"{q:+.2f}" for q in self.q_star)
        return f"q* = [{values}]  optimal arm {self.optimal_action}  last pull {self.lastaction}\n"
