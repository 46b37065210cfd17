"""Monte Carlo methods (Sutton & Barto, chapter 5): learning from whole episodes.

- :func:`mc_prediction`: first-visit or every-visit estimate of a policy's state values;
- :func:`off_policy_mc_prediction`: the same from another policy's episodes, by ordinary or
  weighted importance sampling;
- :class:`MonteCarloES`: control with exploring starts (random first action);
- :class:`OnPolicyMonteCarlo`: on-policy control of an epsilon-soft policy;
- :class:`OffPolicyMonteCarlo`: off-policy control with weighted importance sampling.

Returns are accumulated backwards through each episode (``G = gamma G + R``) with plain Python
numbers; averages are incremental (``Q += (G - Q) / N``).
"""

from __future__ import annotations

import numpy as np

from homeml.rl._checks import check_fraction, epsilon_schedule
from homeml.rl._tabular_agent import (
    GivenPolicy,
    TabularAgent,
    greedy,
    prediction_setup,
)
from homeml.rl.agent import HistoryRecorder


def _episode(env, pick, index, seed, a0=0):
    """Run one episode; ``pick(obs, s) -> action index`` (the environment gets ``a + a0``).
    Returns the lists of state indices, action indices and rewards.
    """
    obs = env.reset(seed=seed)[0] if seed is not None else env.reset()[0]
    states, actions, rewards, done = [], [], [], False
    while not done:
        s = index(obs)
        a = pick(obs, s)
        obs, r, terminated, truncated, _ = env.step(a + a0)
        states.append(s)
        actions.append(a)
        rewards.append(r)
        done = terminated or truncated
    return states, actions, rewards


def _first_visits(keys) -> list[bool]:
    seen, first = set(), []
    for key in keys:
        first.append(key not in seen)
        seen.add(key)
    return first


def mc_prediction(
    env,
    policy=None,
    n_episodes: int = 10_000,
    *,
    gamma: float = 1.0,
    first_visit: bool = True,
    seed=None,
    progress: bool = False,
) -> np.ndarray:
    """State values of a policy: the average return after visits to each state.

    Parameters
    ----------
    env : environment
        Any Gymnasium-API environment with a tabular observation space (Discrete, or a Tuple of
        Discrete spaces as Blackjack's).
    policy : None, callable or array-like, default=None
        None (uniform random), ``observation -> action``, one action per state, or action
        probabilities per state (arrays shaped like the observation space's table).
    n_episodes : int, default=10000
    gamma : float, default=1.0
        Discount factor in [0, 1].
    first_visit : bool, default=True
        Average the return after the first visit of each episode only (else after every visit).
    seed : int, Generator or None
        Seeds the first ``env.reset`` and the draws of a stochastic policy.
    progress : bool, default=False
        Show a tqdm bar.

    Returns
    -------
    V : ndarray shaped like the observation space's table (``V[20, 10, 1]`` on Blackjack)
        0 for states never visited.
    """
    n_episodes, gamma, shape, _, _, pi, index, a0, first_seed = prediction_setup(
        env, policy, n_episodes, gamma, seed
    )
    n_states = int(np.prod(shape))
    V, N = [0.0] * n_states, [0] * n_states
    recorder = HistoryRecorder(n_episodes, progress, "MC prediction")
    for episode in range(n_episodes):
        states, _, rewards = _episode(
            env, pi.sample, index, first_seed if episode == 0 else None, a0
        )
        first = _first_visits(states) if first_visit else None
        G = 0.0
        for t in range(len(states) - 1, -1, -1):
            G = gamma * G + rewards[t]
            if first is None or first[t]:
                s = states[t]
                N[s] += 1
                V[s] += (G - V[s]) / N[s]
        recorder.episode(sum(rewards), len(rewards))
    recorder.close()
    return np.asarray(V).reshape(shape)


def off_policy_mc_prediction(
    env,
    target_policy,
    behavior_policy=None,
    n_episodes: int = 10_000,
    *,
    gamma: float = 1.0,
    weighted: bool = True,
    seed=None,
    progress: bool = False,
) -> np.ndarray:
    """State values of ``target_policy`` from episodes of ``behavior_policy`` (first visits).

    Each return is weighted by the importance-sampling ratio ``prod pi(A|S) / b(A|S)`` of the
    rest of its episode; *ordinary* importance sampling divides the weighted sum by the number of
    visits (unbiased, high variance), *weighted* by the sum of the ratios (biased, low variance).

    Parameters
    ----------
    env : environment
        As in :func:`mc_prediction`.
    target_policy : callable or array-like
        The evaluated policy (see :func:`mc_prediction`; not None).
    behavior_policy : array-like, default=None
        Action probabilities per state, non-zero wherever the target acts (None: uniform).
    n_episodes : int, default=10000
    gamma : float, default=1.0
    weighted : bool, default=True
        Weighted (True) or ordinary (False) importance sampling.
    seed : int, Generator or None
    progress : bool, default=False

    Returns
    -------
    V : ndarray shaped like the observation space's table (0 where never visited)
    """
    if behavior_policy is not None and callable(behavior_policy):
        raise TypeError(
            "behavior_policy must be action probabilities per state (an array), "
            "since importance sampling needs b(a|s)"
        )
    n_episodes, gamma, shape, n_act, uniform, b, index, a0, first_seed = prediction_setup(
        env, behavior_policy, n_episodes, gamma, seed
    )
    if target_policy is None:
        raise ValueError("target_policy is required (None would be the behaviour policy)")
    pi = GivenPolicy(target_policy, shape, n_act, uniform, a0)
    n_states = int(np.prod(shape))
    numerator, denominator = [0.0] * n_states, [0.0] * n_states
    recorder = HistoryRecorder(n_episodes, progress, "off-policy MC prediction")
    observations: list = []

    def pick(obs, s):
        observations.append(obs)
        return b.sample(obs, s)

    for episode in range(n_episodes):
        observations.clear()
        states, actions, rewards = _episode(
            env, pick, index, first_seed if episode == 0 else None, a0
        )
        first = _first_visits(states)
        G, W = 0.0, 1.0
        for t in range(len(states) - 1, -1, -1):
            G = gamma * G + rewards[t]
            s, a = states[t], actions[t]
            W *= pi.prob(observations[t], s, a) / b.prob(observations[t], s, a)
            if first[t]:
                numerator[s] += W * G
                denominator[s] += W if weighted else 1.0
        recorder.episode(sum(rewards), len(rewards))
    recorder.close()
    num, den = np.asarray(numerator), np.asarray(denominator)
    return np.divide(num, den, out=np.zeros(n_states), where=den > 0).reshape(shape)


class _MonteCarloAgent(TabularAgent):
    _tables = ("q_", "counts_")

    def _begin(self, env, n_episodes, progress):
        gamma = check_fraction("gamma", self.gamma)
        n_episodes, index, n_act, a0 = self._start(env, n_episodes)
        recorder = HistoryRecorder(n_episodes, progress, type(self).__name__)
        return gamma, n_episodes, index, n_act, a0, recorder

    def _end(self, recorder, n_episodes, q, counts):
        self._store("q_", q)
        self._store("counts_", counts)
        return self._finish(recorder, n_episodes)


_ATTRIBUTES = """
    Attributes
    ----------
    q_ : ndarray of shape (*state_shape, n_actions)
        Learned action values (``q_[20, 10, 1]`` on Blackjack).
    counts_ : ndarray like ``q_``
        {counts}
    policy_ : ndarray of shape state_shape
        Greedy action per state.
    n_episodes_ : int
        Episodes trained so far.
"""


class MonteCarloES(_MonteCarloAgent):  # noqa: D101  (__doc__ is assigned, with the shared attributes)
    __doc__ = """Monte Carlo control with exploring starts (Sutton & Barto section 5.3).

    Each episode starts where ``env.reset`` puts it (the environment's start distribution must
    give every state a chance, as Blackjack's does) with a uniformly random first action, then
    follows the greedy policy (ties broken at random); Q is the average of the first-visit
    returns.

    Parameters
    ----------
    gamma : float, default=1.0
        Discount factor in [0, 1].
    first_visit : bool, default=True
        First-visit (True) or every-visit averages.
    seed : int, Generator or None
        Seeds the first ``env.reset`` and the agent's random choices.
    """ + _ATTRIBUTES.format(counts="Number of returns averaged into each value.")

    def __init__(self, gamma=1.0, first_visit=True, seed=None):
        self.gamma = gamma
        self.first_visit = first_visit
        self.seed = seed

    def train(self, env, n_episodes: int, *, progress: bool = True):
        """Learn from ``n_episodes`` episodes; returns their :class:`EpisodeHistory`."""
        gamma, n_episodes, index, n_act, a0, recorder = self._begin(env, n_episodes, progress)
        q, counts, u = self._table("q_"), self._table("counts_"), self._uniform
        fresh = [True]  # the next action is the episode's first (a random one)

        def pick(obs, s):
            if fresh[0]:
                fresh[0] = False
                return int(u() * n_act)
            return greedy(q[s], u())

        for episode in range(n_episodes):
            fresh[0] = True
            states, actions, rewards = _episode(
                env, pick, index, self._reset_seed if episode == 0 else None, a0
            )
            self._update(states, actions, rewards, q, counts, gamma)
            recorder.episode(sum(rewards), len(rewards))
        return self._end(recorder, n_episodes, q, counts)

    def _update(self, states, actions, rewards, q, counts, gamma, alpha=None):
        first = _first_visits(zip(states, actions)) if self.first_visit else None
        G = 0.0
        for t in range(len(states) - 1, -1, -1):
            G = gamma * G + rewards[t]
            if first is None or first[t]:
                row, a = q[states[t]], actions[t]
                counts[states[t]][a] += 1
                row[a] += (G - row[a]) * (alpha or 1.0 / counts[states[t]][a])


class OnPolicyMonteCarlo(MonteCarloES):  # noqa: D101  (__doc__ is assigned, with the shared attributes)
    __doc__ = """On-policy first-visit Monte Carlo control of an epsilon-soft policy (section 5.4).

    Parameters
    ----------
    epsilon : float or schedule, default=0.1
        Exploration rate of the epsilon-greedy policy, or a callable of the episode number.
    gamma : float, default=1.0
        Discount factor in [0, 1].
    alpha : float or None, default=None
        Constant step size in (0, 1] (None: sample averages).
    first_visit : bool, default=True
        First-visit (True) or every-visit averages.
    seed : int, Generator or None
        Seeds the first ``env.reset`` and the agent's random choices.
    """ + _ATTRIBUTES.format(counts="Number of returns seen for each pair.")

    def __init__(self, epsilon=0.1, gamma=1.0, alpha=None, first_visit=True, seed=None):
        self.epsilon = epsilon
        self.gamma = gamma
        self.alpha = alpha
        self.first_visit = first_visit
        self.seed = seed

    def train(self, env, n_episodes: int, *, progress: bool = True):
        """Learn from ``n_episodes`` episodes; returns their :class:`EpisodeHistory`."""
        schedule = epsilon_schedule(self.epsilon)
        alpha = None if self.alpha is None else check_fraction("alpha", self.alpha, low_open=True)
        gamma, n_episodes, index, n_act, a0, recorder = self._begin(env, n_episodes, progress)
        q, counts, u = self._table("q_"), self._table("counts_"), self._uniform
        current = [0.0]  # this episode's epsilon

        def pick(obs, s):
            return int(u() * n_act) if u() < current[0] else greedy(q[s], u())

        for episode in range(n_episodes):
            eps = current[0] = schedule(self.n_episodes_ + episode)
            states, actions, rewards = _episode(
                env, pick, index, self._reset_seed if episode == 0 else None, a0
            )
            self._update(states, actions, rewards, q, counts, gamma, alpha)
            recorder.episode(sum(rewards), len(rewards), epsilon=eps)
        return self._end(recorder, n_episodes, q, counts)


class OffPolicyMonteCarlo(_MonteCarloAgent):  # noqa: D101  (__doc__ is assigned, with the shared attributes)
    __doc__ = """Off-policy Monte Carlo control with weighted importance sampling (section 5.7).

    The behaviour is epsilon-greedy on the current Q; the target policy is greedy. Each episode
    is processed backwards, ``C += W; Q += W / C (G - Q); W /= b(A|S)``, until the behaviour
    took an action the target would not.

    Parameters
    ----------
    epsilon : float or schedule, default=0.1
        Exploration rate of the behaviour policy (1: uniformly random), in (0, 1].
    gamma : float, default=1.0
        Discount factor in [0, 1].
    seed : int, Generator or None
        Seeds the first ``env.reset`` and the agent's random choices.
    """ + _ATTRIBUTES.format(counts="Cumulative importance weights ``C``.")

    def __init__(self, epsilon=0.1, gamma=1.0, seed=None):
        self.epsilon = epsilon
        self.gamma = gamma
        self.seed = seed

    def train(self, env, n_episodes: int, *, progress: bool = True):
        """Learn from ``n_episodes`` episodes; returns their :class:`EpisodeHistory`."""
        schedule = epsilon_schedule(self.epsilon)
        gamma, n_episodes, index, n_act, a0, recorder = self._begin(env, n_episodes, progress)
        q, C, u = self._table("q_"), self._table("counts_"), self._uniform
        current, probs = [0.0], []  # this episode's epsilon, b(A_t|S_t) of each step

        def pick(obs, s):
            row, eps = q[s], current[0]
            best = max(row)
            ties = [a for a, v in enumerate(row) if v == best]
            a = int(u() * n_act) if u() < eps else ties[int(u() * len(ties))]
            probs.append(eps / n_act + ((1 - eps) / len(ties) if a in ties else 0.0))
            return a

        for episode in range(n_episodes):
            eps = current[0] = schedule(self.n_episodes_ + episode)
            if eps == 0:
                raise ValueError("the behaviour policy must explore: epsilon must be > 0")
            probs.clear()
            states, actions, rewards = _episode(
                env, pick, index, self._reset_seed if episode == 0 else None, a0
            )
            G, W = 0.0, 1.0
            for t in range(len(states) - 1, -1, -1):
                G = gamma * G + rewards[t]
                s, a = states[t], actions[t]
                row = q[s]
                C[s][a] += W
                row[a] += W / C[s][a] * (G - row[a])
                if a != row.index(max(row)):  # the greedy target policy would not act so
                    break
                W /= probs[t]
            recorder.episode(sum(rewards), len(rewards), epsilon=eps)
        return self._end(recorder, n_episodes, q, counts=C)
