"""Temporal-difference learning (Sutton & Barto, chapters 6 and 7).

TD(0) prediction, and the tabular control agents SARSA, Expected SARSA, Q-learning, Double
Q-learning and n-step SARSA. Each agent explores epsilon-greedily (``epsilon`` a number or a
schedule of the episode number, see :mod:`homeml.rl.schedules`) with ties broken at random by
the agent's own generator. A ``terminated`` step has no future value; a ``truncated`` one (a time
limit) still bootstraps from the state it stopped in.

The per-step loops are written out for each algorithm with plain Python numbers, which is what
makes tabular learning fast in Python (Q-learning runs Expected SARSA's loop with a greedy target
policy).
"""

from __future__ import annotations

import numpy as np

from homeml.rl._checks import check_fraction, epsilon_schedule
from homeml.rl._tabular_agent import (
    TabularAgent,
    greedy,
    prediction_setup,
)
from homeml.rl.agent import HistoryRecorder


def td_prediction(
    env,
    policy=None,
    n_episodes: int = 1000,
    *,
    alpha: float = 0.1,
    gamma: float = 1.0,
    initial_value: float = 0.0,
    seed=None,
    progress: bool = False,
) -> np.ndarray:
    """State values of a policy by TD(0): ``V(S) += alpha * (R + gamma V(S') - V(S))``.

    Parameters
    ----------
    env : environment
        Any Gymnasium-API environment with a tabular observation space.
    policy : None, callable or array-like, default=None
        None (uniform random), ``observation -> action``, one action per state, or action
        probabilities per state.
    n_episodes : int, default=1000
    alpha : float, default=0.1
        Step size in (0, 1].
    gamma : float, default=1.0
        Discount factor in [0, 1].
    initial_value : float, default=0.0
        Initial estimate of every non-terminal state.
    seed : int, Generator or None
        Seeds the first ``env.reset`` and the draws of a stochastic policy.
    progress : bool, default=False
        Show a tqdm bar.

    Returns
    -------
    V : ndarray shaped like the observation space's table (see ``_tabular_agent.state_shape``)
    """
    alpha = check_fraction("alpha", alpha, low_open=True)
    n_episodes, gamma, shape, _, _, pi, index, a0, first_seed = prediction_setup(
        env, policy, n_episodes, gamma, seed
    )
    V = [float(initial_value)] * int(np.prod(shape))
    recorder = HistoryRecorder(n_episodes, progress, "TD(0)")
    for episode in range(n_episodes):
        obs = env.reset(seed=first_seed if episode == 0 else None)[0]
        s, total, length, done = index(obs), 0.0, 0, False
        while not done:
            obs, r, terminated, truncated, _ = env.step(pi.sample(obs, s) + a0)
            s2 = index(obs)
            target = r if terminated else r + gamma * V[s2]
            V[s] += alpha * (target - V[s])
            s, total, length, done = s2, total + r, length + 1, terminated or truncated
        recorder.episode(total, length)
    recorder.close()
    return np.asarray(V).reshape(shape)


class _TDAgent(TabularAgent):
    """Parameters and checks shared by the TD control agents."""

    def __init__(self, alpha=0.5, gamma=1.0, epsilon=0.1, initial_q=0.0, seed=None):
        self.alpha = alpha
        self.gamma = gamma
        self.epsilon = epsilon
        self.initial_q = initial_q
        self.seed = seed

    def _check(self):
        return (
            check_fraction("alpha", self.alpha, low_open=True),
            check_fraction("gamma", self.gamma),
            epsilon_schedule(self.epsilon),
        )

    def train(self, env, n_episodes: int, *, progress: bool = True):
        """Learn from ``n_episodes`` episodes of ``env`` (continues when called again).

        Returns
        -------
        EpisodeHistory
            Returns and lengths of the episodes, and ``extra["epsilon"]``.
        """
        alpha, gamma, schedule = self._check()
        n_episodes, index, n_act, a0 = self._start(env, n_episodes)
        recorder = HistoryRecorder(n_episodes, progress, type(self).__name__)
        self._run(env, n_episodes, index, n_act, a0, alpha, gamma, schedule, recorder)
        return self._finish(recorder, n_episodes)


_AGENT_DOC = """{summary}

    Parameters
    ----------
    alpha : float, default=0.5
        Step size in (0, 1].
    gamma : float, default=1.0
        Discount factor in [0, 1].
    epsilon : float or schedule, default=0.1
        Exploration rate, or a callable of the episode number (``LinearSchedule``...).
    initial_q : float, default=0.0
        Initial action values (optimistic values explore).{extra_params}
    seed : int, Generator or None
        Seeds the first ``env.reset`` and the agent's exploration.

    Attributes
    ----------
    q_ : ndarray of shape (*state_shape, n_actions)
        Learned action values.
    policy_ : ndarray of shape state_shape
        Greedy action per state.
    n_episodes_ : int
        Episodes trained so far.{extra_attributes}
    """


def _agent_doc(summary, extra_params="", extra_attributes=""):
    return _AGENT_DOC.format(
        summary=summary, extra_params=extra_params, extra_attributes=extra_attributes
    )


class SARSA(_TDAgent):  # noqa: D101  (__doc__ is assigned, built by _agent_doc)
    __doc__ = _agent_doc(
        summary="On-policy TD control: ``Q(S,A) += alpha (R + gamma Q(S',A') - Q(S,A))``.",
    )

    def _run(self, env, n_episodes, index, n_act, a0, alpha, gamma, schedule, recorder):
        q, u, step = self._table("q_", self.initial_q), self._uniform, env.step
        for episode in range(n_episodes):
            eps = schedule(self.n_episodes_ + episode)
            s = index(self._reset(env, episode))
            row = q[s]
            a = int(u() * n_act) if u() < eps else greedy(row, u())
            total, length = 0.0, 0
            while True:
                obs, r, terminated, truncated, _ = step(a + a0)
                total += r
                length += 1
                if terminated:
                    row[a] += alpha * (r - row[a])
                    break
                row2 = q[index(obs)]
                a2 = int(u() * n_act) if u() < eps else greedy(row2, u())
                row[a] += alpha * (r + gamma * row2[a2] - row[a])
                if truncated:
                    break
                row, a = row2, a2
            recorder.episode(total, length, epsilon=eps)
        self._store("q_", q)


class _ExpectedTargetAgent(_TDAgent):
    """Expected SARSA's loop; Q-learning is Expected SARSA whose target policy is greedy."""

    _greedy_target: bool

    def _run(self, env, n_episodes, index, n_act, a0, alpha, gamma, schedule, recorder):
        q, u, step = self._table("q_", self.initial_q), self._uniform, env.step
        greedy_target = self._greedy_target
        for episode in range(n_episodes):
            eps = schedule(self.n_episodes_ + episode)
            explore, exploit = eps / n_act, 1.0 - eps
            s = index(self._reset(env, episode))
            total, length = 0.0, 0
            while True:
                row = q[s]
                a = int(u() * n_act) if u() < eps else greedy(row, u())
                obs, r, terminated, truncated, _ = step(a + a0)
                total += r
                length += 1
                s = index(obs)
                if terminated:
                    target = r
                elif greedy_target:
                    target = r + gamma * max(q[s])
                else:
                    row2 = q[s]
                    target = r + gamma * (explore * sum(row2) + exploit * max(row2))
                row[a] += alpha * (target - row[a])
                if terminated or truncated:
                    break
            recorder.episode(total, length, epsilon=eps)
        self._store("q_", q)


class ExpectedSARSA(_ExpectedTargetAgent):  # noqa: D101  (__doc__ is assigned, built by _agent_doc)
    __doc__ = _agent_doc(
        summary="Expected SARSA: the target averages Q(S', .) over the epsilon-greedy policy.",
    )

    _greedy_target = False


class QLearning(_ExpectedTargetAgent):  # noqa: D101  (__doc__ is assigned, built by _agent_doc)
    __doc__ = _agent_doc(
        summary="Off-policy TD control: ``Q(S,A) += alpha (R + gamma max_a Q(S',a) - Q(S,A))``.",
    )

    _greedy_target = True


class DoubleQLearning(_TDAgent):  # noqa: D101  (__doc__ is assigned, built by _agent_doc)
    __doc__ = _agent_doc(
        summary="Double Q-learning: two tables, each updated toward the other's value of its "
        "own greedy action (no maximisation bias).",
        extra_attributes="\n    q1_, q2_ : ndarray\n        The two tables; ``q_`` is their mean "
        "and the behaviour is epsilon-greedy on their sum.",
    )
    _tables = ("q_", "q1_", "q2_")

    def _run(self, env, n_episodes, index, n_act, a0, alpha, gamma, schedule, recorder):
        q1, q2 = self._table("q1_", self.initial_q), self._table("q2_", self.initial_q)
        u, step, actions = self._uniform, env.step, range(n_act)
        for episode in range(n_episodes):
            eps = schedule(self.n_episodes_ + episode)
            s = index(self._reset(env, episode))
            total, length = 0.0, 0
            while True:
                r1, r2 = q1[s], q2[s]
                if u() < eps:
                    a = int(u() * n_act)
                else:
                    a = greedy([r1[i] + r2[i] for i in actions], u())
                obs, r, terminated, truncated, _ = step(a + a0)
                total += r
                length += 1
                s = index(obs)
                if u() < 0.5:  # update table 1 with table 2's value of table 1's best action
                    row, best_row, other = r1, q1[s], q2[s]
                else:
                    row, best_row, other = r2, q2[s], q1[s]
                target = r if terminated else r + gamma * other[greedy(best_row, u())]
                row[a] += alpha * (target - row[a])
                if terminated or truncated:
                    break
            recorder.episode(total, length, epsilon=eps)
        self._store("q1_", q1)
        self._store("q2_", q2)
        self.q_ = (self.q1_ + self.q2_) / 2


class NStepSARSA(_TDAgent):  # noqa: D101  (__doc__ is assigned, built by _agent_doc)
    __doc__ = _agent_doc(
        summary="n-step SARSA: the target is n rewards then gamma^n Q(S_{t+n}, A_{t+n}).",
        extra_params="\n    n : int, default=4\n        Number of steps before bootstrapping.",
    )

    def __init__(self, n=4, alpha=0.5, gamma=1.0, epsilon=0.1, initial_q=0.0, seed=None):
        super().__init__(alpha=alpha, gamma=gamma, epsilon=epsilon, initial_q=initial_q, seed=seed)
        self.n = n

    def _check(self):
        if isinstance(self.n, bool) or not isinstance(self.n, (int, np.integer)) or self.n < 1:
            raise ValueError(f"n must be a positive integer, got {self.n!r}")
        return super()._check()

    def _run(self, env, n_episodes, index, n_act, a0, alpha, gamma, schedule, recorder):
        q, u, step, n = self._table("q_", self.initial_q), self._uniform, env.step, int(self.n)
        gamma_n = gamma**n
        for episode in range(n_episodes):
            eps = schedule(self.n_episodes_ + episode)
            s = index(self._reset(env, episode))
            states, actions, rewards = [s], [], [0.0]
            actions.append(int(u() * n_act) if u() < eps else greedy(q[s], u()))
            end, t, bootstrap_end = None, 0, False
            while True:
                if end is None:
                    obs, r, terminated, truncated, _ = step(actions[t] + a0)
                    s = index(obs)
                    states.append(s)
                    rewards.append(r)
                    if terminated or truncated:
                        end, bootstrap_end = t + 1, not terminated
                    if not terminated:  # (after a time limit, A_T is needed to bootstrap)
                        actions.append(int(u() * n_act) if u() < eps else greedy(q[s], u()))
                tau = t - n + 1
                if tau >= 0:
                    last = tau + n if end is None else min(tau + n, end)
                    G, discount = 0.0, 1.0
                    for i in range(tau + 1, last + 1):
                        G += discount * rewards[i]
                        discount *= gamma
                    if end is None or tau + n < end:
                        G += gamma_n * q[states[tau + n]][actions[tau + n]]
                    elif bootstrap_end:
                        G += discount * q[states[end]][actions[end]]
                    row = q[states[tau]]
                    row[actions[tau]] += alpha * (G - row[actions[tau]])
                if end is not None and tau >= end - 1:
                    break
                t += 1
            recorder.episode(sum(rewards), end, epsilon=eps)
        self._store("q_", q)
