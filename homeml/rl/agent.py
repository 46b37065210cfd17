"""The agent contract, written once for every ``homeml.rl`` learning agent.

An agent follows the estimator rules of :mod:`homeml.learn.base` where they apply, but it is not
an estimator: the two are siblings on the shared parameter protocol of :mod:`homeml._params`.

- ``__init__`` only stores its keyword arguments (hyper-parameters and ``seed``) unchanged, so
  ``get_params``/``set_params``/``repr`` (and ``clone``) come from
  :class:`~homeml._params.ParamsMixin`;
- ``train(env, n_episodes)`` learns on any environment with Gymnasium's API (homeml's or
  Gymnasium's), sets attributes whose names end in ``_`` (``q_``, ``policy_``, networks...),
  shows a tqdm bar over episodes and returns a :class:`EpisodeHistory`; calling it again continues
  training (the environment is reseeded only on the first call);
- ``act(observation)`` is the learned greedy action; ``evaluate(env, n_episodes)`` runs it;
- ``_get_state()``/``_set_state(state)`` give the learned state as a tree of arrays and numbers,
  which is what :func:`homeml.save` writes (see :mod:`homeml.rl._agent_io`): no pickle.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass, field

import numpy as np
from tqdm.auto import tqdm

from homeml._params import ParamsMixin
from homeml.exceptions import NotFittedError


@dataclass
class EpisodeHistory:
    """What happened in each training episode.

    Attributes
    ----------
    returns : ndarray of shape (n_episodes,)
        The undiscounted sum of rewards of each episode.
    lengths : ndarray of shape (n_episodes,)
        The number of steps of each episode.
    extra : dict of str to ndarray
        Other per-episode figures an agent records (``"epsilon"``, ``"loss"``...).
    """

    returns: np.ndarray = field(default_factory=lambda: np.zeros(0))
    lengths: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    extra: dict = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.returns)

    def rolling_mean(self, window: int = 100) -> np.ndarray:
        """Mean return over the last ``window`` episodes, at every episode."""
        cumulative = np.concatenate([[0.0], np.cumsum(self.returns, dtype=np.float64)])
        index = np.arange(1, len(self.returns) + 1)
        start = np.maximum(index - window, 0)
        return (cumulative[index] - cumulative[start]) / (index - start)

    @classmethod
    def concatenate(cls, histories) -> EpisodeHistory:
        """One history of consecutive ``train`` calls (figures missing from a part are NaN)."""
        histories = list(histories)
        names = {name for h in histories for name in h.extra}
        extra = {
            name: np.concatenate([h.extra.get(name, np.full(len(h), np.nan)) for h in histories])
            for name in sorted(names)
        }
        return cls(
            np.concatenate([h.returns for h in histories] or [np.zeros(0)]),
            np.concatenate([h.lengths for h in histories] or [np.zeros(0, dtype=np.int64)]),
            extra,
        )

    def to_dict(self) -> dict:
        """The history as plain columns (``pandas.DataFrame(history.to_dict())`` is a table)."""
        return {"returns": self.returns, "lengths": self.lengths, **self.extra}


class HistoryRecorder:
    """Collects per-episode figures during ``train`` and updates the progress bar."""

    def __init__(self, n_episodes: int, progress: bool, desc: str):
        self._bar = tqdm(total=n_episodes, desc=desc, unit="ep", disable=not progress, leave=False)
        self.returns: list[float] = []
        self.lengths: list[int] = []
        self.extra: dict[str, list] = {}

    def episode(self, episode_return: float, length: int, **extra) -> None:
        self.returns.append(float(episode_return))
        self.lengths.append(int(length))
        for name, value in extra.items():
            self.extra.setdefault(name, []).append(value)
        self._bar.update(1)
        if len(self.returns) % 10 == 0 or len(self.returns) == self._bar.total:
            # refresh=False: the bar redraws at tqdm's own pace, not 10 times per 10 episodes
            mean = np.mean(self.returns[-100:])
            self._bar.set_postfix(mean_return=f"{mean:.2f}", refresh=False)

    def close(self) -> EpisodeHistory:
        self._bar.close()
        return EpisodeHistory(
            np.asarray(self.returns, dtype=np.float64),
            np.asarray(self.lengths, dtype=np.int64),
            {name: np.asarray(values) for name, values in self.extra.items()},
        )


class Agent(ParamsMixin):
    """Base class of every learning agent (see the module docstring)."""

    def train(self, env, n_episodes: int, *, progress: bool = True) -> EpisodeHistory:
        """Learn from ``n_episodes`` episodes of ``env``; return what each episode gave."""
        raise NotImplementedError

    def act(self, observation):
        """The greedy action of the learned policy for ``observation``."""
        raise NotImplementedError

    def evaluate(
        self, env, n_episodes: int = 100, seed: int | None = None, max_steps: int | None = 10_000
    ) -> np.ndarray:
        """Run the greedy policy for ``n_episodes`` episodes and return their returns.

        ``seed`` seeds the first ``reset``; later episodes continue the environment's generator,
        as Gymnasium's evaluation loops do. An episode is cut after ``max_steps`` steps: on an
        environment without a time limit (CliffWalking, the grid worlds) a greedy policy that
        walks into a wall would otherwise never end (None: no cut).
        """
        self._check_trained()
        returns = np.empty(n_episodes)
        for episode in range(n_episodes):
            observation, _ = env.reset(seed=seed if episode == 0 else None)
            total, done, steps = 0.0, False, 0
            while not done:
                observation, reward, terminated, truncated, _ = env.step(self.act(observation))
                total += float(reward)
                steps += 1
                done = terminated or truncated or (max_steps is not None and steps >= max_steps)
            returns[episode] = total
        return returns

    def _check_trained(self) -> None:
        if not any(name.endswith("_") and not name.startswith("_") for name in vars(self)):
            raise NotFittedError(
                f"this {type(self).__name__} has not been trained yet; call "
                f"train(env, n_episodes) before using it"
            )

    # What homeml.save writes: the learned attributes, as a tree of arrays and numbers.
    def _get_state(self) -> dict:
        raise NotImplementedError

    def _set_state(self, state: dict) -> None:
        raise NotImplementedError


def env_seed(seed, rng: np.random.Generator):
    """The seed for an agent's first ``env.reset``: None, a Python int (Gymnasium refuses NumPy
    integers), or for a Generator seed one draw from the agent's generator ``rng``.
    """
    if seed is None:
        return None
    if isinstance(seed, np.random.Generator):
        return int(rng.integers(2**31))
    try:
        return operator.index(seed)
    except TypeError:
        raise TypeError(
            f"seed must be an integer, a numpy Generator or None, got {seed!r}"
        ) from None


def generator_from_seed(seed) -> np.random.Generator:
    """The agent's own random generator (exploration, replay sampling, initial weights)."""
    if isinstance(seed, np.random.Generator):
        return seed
    return np.random.default_rng(seed)
