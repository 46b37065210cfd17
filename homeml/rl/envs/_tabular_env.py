"""What every tabular environment shares: the model ``P``, a lean ``step`` and seeding.

``P[s][a]`` is a list of ``(prob, next_state, reward, terminated)``, Gymnasium's toy-text format.
A step draws one uniform number from ``np_random`` and picks the first outcome whose cumulative
probability exceeds it, exactly as Gymnasium's ``categorical_sample`` does, so the same seed gives
the same trajectory as Gymnasium's environment. Observations are Python ints.
"""

from __future__ import annotations

import numpy as np

from homeml.rl.env import Env
from homeml.rl.spaces import Discrete

_COLORS = {"red": 31, "green": 32, "yellow": 33, "blue": 34, "magenta": 35}


def colorize(text: str, color: str, bold: bool = False, highlight: bool = False) -> str:
    """Wrap ``text`` in ANSI colour codes (the codes Gymnasium's ``utils.colorize`` writes)."""
    code = _COLORS[color] + (10 if highlight else 0)
    attributes = f"{code};1" if bold else str(code)
    return f"\x1b[{attributes}m{text}\x1b[0m"


class TabularEnv(Env):
    """A finite MDP given by ``P`` and an initial-state distribution (subclasses build them)."""

    metadata = {"render_modes": ["ansi", "rgb_array"], "render_fps": 4}
    s = None
    lastaction = None

    def _set_model(self, P: dict, initial_state_distrib) -> None:
        n_states, n_actions = len(P), len(P[0])
        self.P = P
        self.nS, self.nA = n_states, n_actions
        self.initial_state_distrib = np.asarray(initial_state_distrib, dtype=np.float64)
        self._initial_cumsum = np.cumsum(self.initial_state_distrib)
        self.observation_space = Discrete(n_states)
        self.action_space = Discrete(n_actions)
        # _table[s][a]: ((cumulative prob, prob, next state, reward, terminated), ...)
        self._table = []
        for s in range(n_states):
            row = []
            for a in range(n_actions):
                cumulative, outcomes = 0.0, []
                for prob, next_state, reward, terminated in P[s][a]:
                    cumulative += prob
                    outcomes.append((cumulative, prob, int(next_state), reward, terminated))
                row.append(tuple(outcomes))
            self._table.append(row)

    def reset(self, *, seed=None, options=None):
        """Draw the start state; returns ``(state, {"prob": 1})``."""
        super().reset(seed=seed)
        self.s = int(np.argmax(self._initial_cumsum > self.np_random.random()))
        self.lastaction = None
        return self.s, {"prob": 1}

    def _transition(self, action):
        """Sample the outcome of ``action`` and move there; returns the outcome tuple."""
        if self._needs_reset is not False:
            self._raise_reset_needed()
        try:
            if action < 0:
                raise IndexError
            outcomes = self._table[self.s][action]
        except (IndexError, TypeError, ValueError):  # (ValueError: an array of actions)
            self._raise_invalid_action(action)
        u = self._np_random.random()
        for outcome in outcomes:
            if outcome[0] > u:
                break
        else:  # rounding left the last cumulative below u: Gymnasium's argmax picks index 0
            outcome = outcomes[0]
        self.s = outcome[2]
        self.lastaction = action
        if outcome[4]:
            self._needs_reset = True
        return outcome

    def step(self, action):
        """Take ``action``; returns ``(state, reward, terminated, False, {"prob": p})``."""
        _, prob, state, reward, terminated = self._transition(action)
        return state, reward, terminated, False, {"prob": prob}

    def render(self):
        """Text (``"ansi"``) or an RGB image (``"rgb_array"``) of the current state."""
        if self.render_mode is None or self.s is None:
            return None
        if self.render_mode == "ansi":
            return self._render_text()
        return self._render_rgb()

    def _render_text(self) -> str:
        raise NotImplementedError

    def _render_rgb(self) -> np.ndarray:
        raise NotImplementedError


def grid_model(shape, move, n_actions, initial_states):
    """``P`` and the initial distribution of a deterministic or stochastic grid world.

    ``move(row, col, action)`` returns the list of ``(prob, (row, col), reward, terminated)``
    outcomes, or ``None`` for a terminal cell (which gets Gymnasium's absorbing self-loop).
    """
    n_rows, n_cols = shape
    P = {}
    for row in range(n_rows):
        for col in range(n_cols):
            s = row * n_cols + col
            P[s] = {}
            for a in range(n_actions):
                outcomes = move(row, col, a)
                if outcomes is None:
                    P[s][a] = [(1.0, s, 0, True)]
                else:
                    P[s][a] = [
                        (p, r * n_cols + c, reward, done) for p, (r, c), reward, done in outcomes
                    ]
    initial = np.zeros(n_rows * n_cols)
    initial[list(initial_states)] = 1.0
    return P, initial / initial.sum()
