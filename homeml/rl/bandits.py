"""Multi-armed bandits (Sutton & Barto, chapter 2) and the k-armed testbed.

Each method is written once, on arrays of shape ``(n_runs, k)``: :func:`run_testbed` runs it on
thousands of independent bandit problems at once (the book's Figures 2.2 to 2.6 average 2000
runs), and ``train`` runs the same code with one run on a Gymnasium-API bandit environment (any
environment with a ``Discrete`` action space; the observation is ignored, every step is a pull).
"""

from __future__ import annotations

import numbers

import numpy as np

from homeml.rl._checks import check_fraction, check_n_episodes
from homeml.rl._tabular_agent import (
    action_start,
    n_actions,
)
from homeml.rl.agent import Agent, HistoryRecorder, env_seed, generator_from_seed


def _argmax_random_ties(values: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Row-wise argmax, ties broken uniformly at random."""
    is_best = values == values.max(axis=1, keepdims=True)
    return np.argmax(is_best * rng.random(values.shape), axis=1)


class _BanditAgent:
    """The training loop and saving shared by the bandit methods (mixed into Agent)."""

    _tables: tuple[str, ...] = ()

    def train(self, env, n_episodes: int, *, progress: bool = True):
        """Pull arms for ``n_episodes`` episodes of ``env`` (continues when called again).

        Returns
        -------
        EpisodeHistory
            Per episode: the sum of rewards and the number of pulls.
        """
        self._check_params()
        n_episodes = check_n_episodes(n_episodes)
        k, a0 = n_actions(env.action_space), action_start(env.action_space)
        first = not hasattr(self, "steps_")
        if first:
            self._init_arrays(1, k)
            self.steps_ = 0
        elif self._arrays()[0].shape[-1] != k:
            raise ValueError(
                f"this agent has {self._arrays()[0].shape[-1]} arms, the environment has {k}"
            )
        if first or not hasattr(self, "_rng"):
            self._rng = generator_from_seed(self.seed)
        first_seed = env_seed(self.seed, self._rng) if first else None
        self._a0 = a0
        recorder = HistoryRecorder(n_episodes, progress, type(self).__name__)
        for episode in range(n_episodes):
            seed = first_seed if episode == 0 else None
            env.reset(seed=seed) if seed is not None else env.reset()
            total, length, done = 0.0, 0, False
            while not done:
                action = self._select(self._rng)
                _, reward, terminated, truncated, _ = env.step(int(action[0]) + a0)
                self._update(action, np.array([float(reward)]))
                self.steps_ += 1
                total, length, done = total + reward, length + 1, terminated or truncated
            recorder.episode(total, length)
        return recorder.close()

    def _arrays(self):
        return [getattr(self, name)[None] for name in self._tables]

    def _get_state(self) -> dict:
        state = {name: getattr(self, name) for name in self._tables}
        state["steps_"] = int(self.steps_)
        state["action_start"] = int(getattr(self, "_a0", 0))
        return state

    def _set_state(self, state: dict) -> None:
        for name in self._tables:
            setattr(self, name, np.asarray(state[name], dtype=np.float64))
        self.steps_ = int(state["steps_"])
        self._a0 = int(state["action_start"])


def _check_alpha(alpha):
    return None if alpha is None else check_fraction("alpha", alpha, low_open=True)


class EpsilonGreedy(_BanditAgent, Agent):
    """Epsilon-greedy action values (sample averages or a constant step size).

    Parameters
    ----------
    epsilon : float, default=0.1
        Probability of a uniformly random arm, in [0, 1].
    alpha : float or None, default=None
        Constant step size in (0, 1] (tracks a nonstationary problem); None: sample averages.
    initial_value : float, default=0.0
        Initial estimates (Figure 2.3's optimistic greedy method uses 5 with ``epsilon=0``).
    seed : int, Generator or None

    Attributes
    ----------
    q_ : ndarray of shape (k,)
        Estimated value of each arm.
    counts_ : ndarray of shape (k,)
        Pulls of each arm.
    steps_ : int
        Pulls so far.
    """

    _tables = ("q_", "counts_")

    def __init__(self, epsilon=0.1, alpha=None, initial_value=0.0, seed=None):
        self.epsilon = epsilon
        self.alpha = alpha
        self.initial_value = initial_value
        self.seed = seed

    def _check_params(self):
        self._eps = check_fraction("epsilon", self.epsilon)
        self._alpha = _check_alpha(self.alpha)

    def _init_arrays(self, n_runs, k):
        self._Q = np.full((n_runs, k), float(self.initial_value))
        self._N = np.zeros((n_runs, k))
        if n_runs == 1:
            self.q_, self.counts_ = self._Q[0], self._N[0]

    def _select(self, rng):
        n_runs, k = self._Q.shape
        actions = _argmax_random_ties(self._Q, rng)
        explore = rng.random(n_runs) < self._eps
        return np.where(explore, rng.integers(k, size=n_runs), actions)

    def _update(self, actions, rewards):
        rows = np.arange(len(actions))
        self._N[rows, actions] += 1
        step = self._alpha if self._alpha is not None else 1.0 / self._N[rows, actions]
        self._Q[rows, actions] += step * (rewards - self._Q[rows, actions])

    def _set_state(self, state):
        super()._set_state(state)
        self._Q, self._N = self.q_[None], self.counts_[None]

    def act(self, observation=None):
        """The arm with the highest estimated value."""
        self._check_trained()
        return int(np.argmax(self.q_)) + self._a0


class UCB(EpsilonGreedy):
    """Upper-confidence-bound action selection: ``argmax Q + c sqrt(ln t / N)``.

    Untried arms come first. Parameters and attributes as :class:`EpsilonGreedy`, with ``c``
    (default 2.0, the confidence level) in place of ``epsilon``.
    """

    def __init__(self, c=2.0, alpha=None, initial_value=0.0, seed=None):
        self.c = c
        self.alpha = alpha
        self.initial_value = initial_value
        self.seed = seed

    def _check_params(self):
        if isinstance(self.c, bool) or not isinstance(self.c, numbers.Real) or self.c < 0:
            raise ValueError(f"c must be a non-negative number, got {self.c!r}")
        self._alpha = _check_alpha(self.alpha)

    def _select(self, rng):
        t = self._N[0].sum() + 1  # every run has pulled as many times
        with np.errstate(divide="ignore", invalid="ignore"):
            bonus = self.c * np.sqrt(np.log(t) / self._N)
        scores = np.where(self._N == 0, np.inf, self._Q + bonus)
        return _argmax_random_ties(scores, rng)


class GradientBandit(_BanditAgent, Agent):
    """Gradient bandit: softmax preferences ``H`` moved along ``(R - baseline)(1[a] - pi)``.

    Parameters
    ----------
    alpha : float, default=0.1
        Step size in (0, 1].
    baseline : bool, default=True
        Subtract the average of the previous rewards (Figure 2.5: much better when the rewards
        are far from zero).
    seed : int, Generator or None

    Attributes
    ----------
    h_ : ndarray of shape (k,)
        Preferences; the policy is ``softmax(h_)``.
    average_reward_ : float
        The baseline (average reward so far).
    steps_ : int
        Pulls so far.
    """

    _tables = ("h_", "average_reward_")

    def __init__(self, alpha=0.1, baseline=True, seed=None):
        self.alpha = alpha
        self.baseline = baseline
        self.seed = seed

    def _check_params(self):
        self._alpha = check_fraction("alpha", self.alpha, low_open=True)

    def _init_arrays(self, n_runs, k):
        self._H = np.zeros((n_runs, k))
        self._mean = np.zeros(n_runs)
        self._t = 0
        if n_runs == 1:
            self.h_, self.average_reward_ = self._H[0], self._mean

    def _policy(self):
        z = np.exp(self._H - self._H.max(axis=1, keepdims=True))
        return z / z.sum(axis=1, keepdims=True)

    def _select(self, rng):
        self._pi = self._policy()
        u = rng.random((len(self._H), 1))
        return np.minimum((np.cumsum(self._pi, axis=1) < u).sum(axis=1), self._H.shape[1] - 1)

    def _update(self, actions, rewards):
        self._t += 1
        if self._t == 1:
            self._mean[:] = rewards  # the baseline starts at the first reward
        advantage = rewards - self._mean if self.baseline else rewards
        grad = -self._pi
        grad[np.arange(len(actions)), actions] += 1.0
        self._H += self._alpha * advantage[:, None] * grad
        self._mean += (rewards - self._mean) / self._t

    def _get_state(self):
        state = super()._get_state()
        state["average_reward_"] = float(self.average_reward_[0])
        return state

    def _set_state(self, state):
        self.h_ = np.asarray(state["h_"], dtype=np.float64)
        self.average_reward_ = np.array([float(state["average_reward_"])])
        self.steps_ = int(state["steps_"])
        self._a0 = int(state["action_start"])
        self._H, self._mean, self._t = self.h_[None], self.average_reward_, self.steps_

    def act(self, observation=None):
        """The arm with the highest preference."""
        self._check_trained()
        return int(np.argmax(self.h_)) + self._a0


def run_testbed(
    agent,
    n_runs: int = 2000,
    n_steps: int = 1000,
    n_arms: int = 10,
    *,
    true_mean: float = 0.0,
    walk_std: float = 0.0,
    seed=None,
):
    """Run a bandit method on ``n_runs`` independent k-armed testbed problems at once.

    Each problem draws its true arm values ``q*(a)`` from ``N(true_mean, 1)``; a pull of arm
    ``a`` pays ``N(q*(a), 1)`` (Sutton & Barto section 2.3). With ``walk_std > 0`` the true
    values take independent ``N(0, walk_std)`` steps after every pull (Exercise 2.5).

    Parameters
    ----------
    agent : EpsilonGreedy, UCB or GradientBandit
        The method and its parameters (the instance itself is not changed).
    n_runs, n_steps, n_arms : int
        Problems, pulls per problem and arms (2000, 1000 and 10 in the book).
    true_mean : float, default=0.0
        Mean of the true values (Figure 2.5 uses 4).
    walk_std : float, default=0.0
        Random-walk step of the true values (nonstationary problems).
    seed : int, Generator or None

    Returns
    -------
    average_reward : ndarray of shape (n_steps,)
        Reward at each step, averaged over the runs.
    optimal_action : ndarray of shape (n_steps,)
        Fraction of the runs that pulled the truly best arm at each step.
    """
    if not isinstance(agent, _BanditAgent):
        raise TypeError(f"expected an EpsilonGreedy, UCB or GradientBandit, got {agent!r}")
    for name, value in (("n_runs", n_runs), ("n_steps", n_steps), ("n_arms", n_arms)):
        if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}")
    rng = generator_from_seed(seed)
    method = type(agent)(**agent.get_params(deep=False))  # a fresh copy holds the run arrays
    method._check_params()
    method._init_arrays(n_runs, n_arms)
    q_star = rng.normal(true_mean, 1.0, size=(n_runs, n_arms))
    rows = np.arange(n_runs)
    average_reward, optimal_action = np.empty(n_steps), np.empty(n_steps)
    for t in range(n_steps):
        actions = method._select(rng)
        rewards = q_star[rows, actions] + rng.standard_normal(n_runs)
        method._update(actions, rewards)
        average_reward[t] = rewards.mean()
        optimal_action[t] = np.mean(actions == np.argmax(q_star, axis=1))
        if walk_std:
            q_star += rng.normal(0.0, walk_std, size=q_star.shape)
    return average_reward, optimal_action
