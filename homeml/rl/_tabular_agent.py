"""Shared pieces of the tabular agents: state/action indexing, random draws, exploration.

Tabular methods keep one number per state (or state-action pair), so they need the observation
as a flat index ``0 .. n_states - 1``. A ``Discrete(n, start)`` space maps ``obs -> obs - start``;
a ``Tuple`` of ``Discrete`` spaces (Blackjack's ``(player_sum, dealer_card, usable_ace)``) maps
to the row-major index of that tuple, and learned tables are reshaped to the spaces' sizes so
that ``v_[20, 10, 1]`` reads as the book's figures do. Spaces are recognised by their attributes
(``.n``/``.start``, ``.spaces``), so homeml's and Gymnasium's spaces both work.
"""

from __future__ import annotations

import numpy as np

from homeml.rl._checks import check_fraction, check_n_episodes
from homeml.rl.agent import Agent, env_seed, generator_from_seed


def _discrete_size(space) -> tuple[int, int] | None:
    """``(n, start)`` of a Discrete space, or None for any other space."""
    n = getattr(space, "n", None)
    if (
        n is None
        or getattr(space, "spaces", None) is not None
        or getattr(space, "nvec", None) is not None
    ):
        return None
    return int(n), int(getattr(space, "start", 0))


def _not_tabular(space, what: str) -> TypeError:
    return TypeError(
        f"a tabular method needs a Discrete {what} space (or, for observations, a Tuple of "
        f"Discrete spaces), got {space!r}"
    )


def state_shape(space) -> tuple[int, ...]:
    """The table shape of an observation space: ``(n,)`` or one size per Tuple entry."""
    discrete = _discrete_size(space)
    if discrete is not None:
        return (discrete[0],)
    parts = getattr(space, "spaces", None)
    if isinstance(parts, (tuple, list)) and parts:
        sizes = [_discrete_size(part) for part in parts]
        if all(size is not None for size in sizes):
            return tuple(size[0] for size in sizes)
    raise _not_tabular(space, "observation")


def n_actions(space) -> int:
    """The number of actions of a Discrete action space (TypeError for any other space)."""
    discrete = _discrete_size(space)
    if discrete is None:
        raise _not_tabular(space, "action")
    return discrete[0]


def state_indexer(space):
    """A function ``observation -> flat state index`` for a tabular observation space."""
    discrete = _discrete_size(space)
    if discrete is not None:
        start = discrete[1]
        return int if start == 0 else (lambda obs: int(obs) - start)
    shape = state_shape(space)
    starts = tuple(int(getattr(part, "start", 0)) for part in space.spaces)
    if len(shape) == 3 and not any(starts):  # Blackjack: one expression, no loop
        n1, n2 = shape[1], shape[2]
        return lambda obs: (int(obs[0]) * n1 + int(obs[1])) * n2 + int(obs[2])

    def index(obs):
        flat = 0
        for value, size, start in zip(obs, shape, starts):
            flat = flat * size + int(value) - start
        return flat

    return index


def state_from_index(space, index: int):
    """The observation a flat state index stands for (the inverse of :func:`state_indexer`)."""
    discrete = _discrete_size(space)
    if discrete is not None:
        return index + discrete[1]
    shape = state_shape(space)
    parts = np.unravel_index(index, shape)
    return tuple(int(p) + int(getattr(s, "start", 0)) for p, s in zip(parts, space.spaces))


def action_start(space) -> int:
    """The first action of a Discrete action space (0 for almost every environment)."""
    return _discrete_size(space)[1]


class Uniforms:
    """Uniform draws in [0, 1) from the agent's generator, fetched in blocks.

    Drawing one float from a NumPy generator costs about a microsecond of Python overhead;
    taking it from a pre-drawn block costs a list index.
    """

    __slots__ = ("_rng", "_block", "_buffer", "_i")

    def __init__(self, rng: np.random.Generator, block: int = 4096):
        self._rng = rng
        self._block = block
        self._refill()

    def _refill(self) -> None:
        self._buffer = self._rng.random(self._block).tolist()
        self._i = 0

    def __call__(self) -> float:
        if self._i == self._block:
            self._refill()
        u = self._buffer[self._i]
        self._i += 1
        return u

    def get_state(self) -> dict:
        """The draws not used yet (saved with an agent, so that training continues exactly)."""
        return {"block": self._block, "buffer": np.asarray(self._buffer), "i": self._i}

    @classmethod
    def from_state(cls, rng: np.random.Generator, state: dict) -> Uniforms:
        uniforms = cls.__new__(cls)
        uniforms._rng, uniforms._block = rng, int(state["block"])
        uniforms._buffer, uniforms._i = np.asarray(state["buffer"]).tolist(), int(state["i"])
        return uniforms


def greedy(row, u: float) -> int:
    """The index of the largest value of ``row``, ties broken by the uniform draw ``u``."""
    best = max(row)
    ties = [a for a, value in enumerate(row) if value == best]
    return ties[0] if len(ties) == 1 else ties[int(u * len(ties))]


def epsilon_greedy(row, epsilon: float, uniform) -> int:
    """Epsilon-greedy action on one row of Q (a list), with random tie-breaking."""
    u = uniform()
    if u < epsilon:
        return int(uniform() * len(row))
    return greedy(row, uniform())


def greedy_policy_array(q: np.ndarray, rng: np.random.Generator | None = None) -> np.ndarray:
    """Greedy action per state of a ``(..., n_actions)`` table; ties to the first, or at random."""
    if rng is None:
        return np.argmax(q, axis=-1)
    is_best = q == q.max(axis=-1, keepdims=True)
    return np.argmax(is_best * rng.random(q.shape), axis=-1)


# ----------------------------------------------------------------------------------------------
# Parameter checks (at train time, as the estimator contract asks)
# ----------------------------------------------------------------------------------------------


def tabular_sizes(env) -> tuple[tuple[int, ...], int]:
    """``(state_shape, n_actions)`` of an environment, with a TypeError if it is not tabular."""
    return state_shape(env.observation_space), n_actions(env.action_space)


# ----------------------------------------------------------------------------------------------
# Policies given by the user (prediction) and the common base of the tabular agents
# ----------------------------------------------------------------------------------------------


class GivenPolicy:
    """A policy to evaluate: ``None`` (uniform random), a callable ``observation -> action``,
    an array of one action per state, or an array of action probabilities per state
    (tables shaped like the observation space, see :func:`state_shape`). ``sample`` and
    ``prob`` speak action indices (the environment's action minus ``a0``).
    """

    def __init__(self, policy, shape: tuple[int, ...], n_act: int, uniform, a0: int = 0):
        self.n_act, self._uniform, self._a0 = n_act, uniform, a0
        self._fn, self._actions, self._cumulative, self._probs = None, None, None, None
        n_states = int(np.prod(shape))
        if policy is None:
            policy = np.full(shape + (n_act,), 1.0 / n_act)
        if callable(policy):
            self._fn = policy
            return
        table = np.asarray(policy)
        if table.shape == shape and np.issubdtype(table.dtype, np.integer):
            if table.min() < 0 or table.max() >= n_act:
                raise ValueError(f"policy actions must lie in 0..{n_act - 1}")
            self._actions = table.reshape(-1).tolist()
        elif table.shape == shape + (n_act,):
            probs = table.reshape(n_states, n_act).astype(np.float64)
            if np.any(probs < 0) or not np.allclose(probs.sum(axis=1), 1.0):
                raise ValueError("policy probabilities must be non-negative and sum to 1")
            self._probs = probs.tolist()
            self._cumulative = np.cumsum(probs, axis=1).tolist()
        else:
            raise ValueError(
                f"policy must be None, a callable observation -> action, an integer array of "
                f"shape {shape} or a probability array of shape {shape + (n_act,)}; got an "
                f"array of shape {table.shape} and dtype {table.dtype}"
            )

    def sample(self, obs, s: int) -> int:
        if self._fn is not None:
            return int(self._fn(obs)) - self._a0
        if self._actions is not None:
            return self._actions[s]
        u, cumulative = self._uniform(), self._cumulative[s]
        for a, c in enumerate(cumulative):
            if u < c:
                return a
        return self.n_act - 1

    def prob(self, obs, s: int, a: int) -> float:
        if self._probs is not None:
            return self._probs[s][a]
        chosen = int(self._fn(obs)) - self._a0 if self._fn is not None else self._actions[s]
        return 1.0 if a == chosen else 0.0


def prediction_setup(env, policy, n_episodes, gamma, seed):
    """What the prediction functions (TD(0), Monte Carlo) check and build before their episodes.

    Returns ``(n_episodes, gamma, shape, n_act, uniform, pi, index, a0, first_seed)``: the checked
    count and discount, the table sizes, the uniform draws, the :class:`GivenPolicy`, the state
    indexer, the first action and the seed of the first ``env.reset``.
    """
    n_episodes = check_n_episodes(n_episodes)
    gamma = check_fraction("gamma", gamma)
    shape, n_act = tabular_sizes(env)
    rng = generator_from_seed(seed)
    uniform, a0 = Uniforms(rng), action_start(env.action_space)
    pi = GivenPolicy(policy, shape, n_act, uniform, a0)
    index = state_indexer(env.observation_space)
    return n_episodes, gamma, shape, n_act, uniform, pi, index, a0, env_seed(seed, rng)


class TabularAgent(Agent):
    """What the tabular agents share: sizes, the Q table, seeding, saving, the greedy policy.

    During ``train`` the table is a list of lists of Python floats (indexing one is several
    times faster than indexing a NumPy array); ``q_`` is the array set at the end.
    """

    _tables: tuple[str, ...] = ("q_",)  # learned arrays saved by _get_state

    def _start(self, env, n_episodes: int):
        """Check everything, build the tables; returns (index, n_actions, action_start)."""
        n_episodes = check_n_episodes(n_episodes)
        shape, n_act = tabular_sizes(env)
        if getattr(self, "q_", None) is not None and self.q_.shape != shape + (n_act,):
            raise ValueError(
                f"this agent was trained on states/actions {self.q_.shape}, the "
                f"environment has {shape + (n_act,)}"
            )
        self._shape, self._n_act = shape, n_act
        self._starts = _starts(env.observation_space), action_start(env.action_space)
        first = not hasattr(self, "n_episodes_")
        if first or not hasattr(self, "_uniform"):  # (not after homeml.load either)
            self._rng = generator_from_seed(self.seed)
            self._uniform = Uniforms(self._rng)
        self._reset_seed = None
        if first:
            self.n_episodes_ = 0
            self._reset_seed = env_seed(self.seed, self._rng)
        return n_episodes, state_indexer(env.observation_space), n_act, self._starts[1]

    def _reset(self, env, episode: int):
        seed = self._reset_seed if episode == 0 else None
        return env.reset(seed=seed)[0] if seed is not None else env.reset()[0]

    def _table(self, name: str = "q_", fill: float = 0.0) -> list:
        """The learned table ``name`` as a flat list of rows (created with ``fill``)."""
        existing = getattr(self, name, None)
        if existing is None:
            return [[float(fill)] * self._n_act for _ in range(int(np.prod(self._shape)))]
        return np.asarray(existing, dtype=np.float64).reshape(-1, self._n_act).tolist()

    def _store(self, name: str, rows: list) -> None:
        setattr(
            self, name, np.asarray(rows, dtype=np.float64).reshape(self._shape + (self._n_act,))
        )

    def _finish(self, recorder, n_episodes: int):
        self.n_episodes_ += n_episodes
        self.policy_ = np.argmax(self.q_, axis=-1)
        return recorder.close()

    def act(self, observation):
        self._check_trained()
        q = self.q_.reshape(-1, self.q_.shape[-1])
        obs_starts, a0 = self._starts
        parts = np.atleast_1d(observation)
        table = self.q_.shape[:-1]
        try:
            index = tuple(int(o) - st for o, st in zip(parts, obs_starts, strict=True))
            flat = np.ravel_multi_index(index, table)
        except (ValueError, TypeError):
            starts = list(obs_starts)
            raise ValueError(
                f"{type(self).__name__} learned observations of {len(table)} part(s) with values "
                f"from {starts} to {[st + n - 1 for st, n in zip(starts, table)]}, got "
                f"{observation!r}"
            ) from None
        return int(np.argmax(q[flat])) + a0

    def _get_state(self) -> dict:
        state = {name: getattr(self, name) for name in self._tables}
        state["n_episodes_"] = int(self.n_episodes_)
        state["starts"] = [list(self._starts[0]), self._starts[1]]
        return state

    def _set_state(self, state: dict) -> None:
        for name in self._tables:
            setattr(self, name, np.asarray(state[name], dtype=np.float64))
        self.n_episodes_ = int(state["n_episodes_"])
        self._starts = tuple(int(v) for v in state["starts"][0]), int(state["starts"][1])
        if self.q_.ndim >= 2:
            self.policy_ = np.argmax(self.q_, axis=-1)


def _starts(space) -> tuple[int, ...]:
    """The ``start`` of each Discrete part of a tabular observation space."""
    parts = getattr(space, "spaces", None) or (space,)
    return tuple(int(getattr(part, "start", 0)) for part in parts)
