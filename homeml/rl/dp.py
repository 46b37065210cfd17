"""Dynamic programming on a known transition model (Sutton & Barto, chapter 4).

The model is Gymnasium's toy-text ``P``: ``P[s][a] = [(prob, next_state, reward, terminated),
...]``, taken from ``env.unwrapped.P`` or given directly. It is turned once into dense arrays,

- ``T[s, a, s']``: the probability of reaching ``s'`` *and continuing* (a transition flagged
  ``terminated`` contributes no future value, so it is left out of ``T``),
- ``R[s, a]``: the expected immediate reward,

after which every backup is one matrix product over all states at once:
``Q = R + gamma * T @ V``.
"""

from __future__ import annotations

import numbers
import warnings

import numpy as np

from homeml.exceptions import ConvergenceWarning
from homeml.rl._checks import check_fraction


def transition_model(env_or_P, n_states: int | None = None, n_actions: int | None = None):
    """Dense arrays of a tabular model.

    Parameters
    ----------
    env_or_P : environment or dict or list
        An environment whose ``unwrapped`` has ``P`` (homeml's or Gymnasium's tabular
        environments), or ``P`` itself: ``P[s][a]`` a list of ``(prob, next_state, reward,
        terminated)``.
    n_states, n_actions : int, optional
        Sizes, when they cannot be read from the environment's spaces or from ``P``.

    Returns
    -------
    T : ndarray of shape (n_states, n_actions, n_states)
        Probability of each next state reached without terminating.
    R : ndarray of shape (n_states, n_actions)
        Expected immediate reward.
    """
    P = env_or_P
    unwrapped = getattr(env_or_P, "unwrapped", env_or_P)
    if hasattr(unwrapped, "P"):
        P = unwrapped.P
        if n_states is None and hasattr(unwrapped, "observation_space"):
            n_states = getattr(unwrapped.observation_space, "n", None)
        if n_actions is None and hasattr(unwrapped, "action_space"):
            n_actions = getattr(unwrapped.action_space, "n", None)
    if not isinstance(P, (dict, list, tuple)) or len(P) == 0:
        raise TypeError(
            f"expected an environment with a transition model (env.unwrapped.P) or a non-empty "
            f"P[s][a] = [(prob, next_state, reward, terminated), ...], got {env_or_P!r}"
        )
    n_states = int(n_states if n_states is not None else len(P))
    n_actions = int(n_actions if n_actions is not None else len(P[0]))
    T = np.zeros((n_states, n_actions, n_states))
    R = np.zeros((n_states, n_actions))
    for s in range(n_states):
        for a in range(n_actions):
            try:
                outcomes = P[s][a]
            except (KeyError, IndexError):
                raise ValueError(f"P has no entry for state {s}, action {a}") from None
            for prob, next_state, reward, terminated in outcomes:
                R[s, a] += prob * reward
                if not terminated:
                    T[s, a, int(next_state)] += prob
    total = T.sum(axis=2)
    if np.any(total > 1 + 1e-9):
        raise ValueError("P's probabilities add up to more than 1 for some state and action")
    return T, R


def _model(env_or_P, n_states, n_actions, gamma, theta):
    check_fraction("gamma", gamma)
    if isinstance(theta, bool) or not isinstance(theta, numbers.Real) or not theta > 0:
        raise ValueError(f"theta must be a positive number, got {theta!r}")
    return transition_model(env_or_P, n_states, n_actions)


def _policy_matrix(policy, n_states: int, n_actions: int) -> np.ndarray:
    """A policy as probabilities ``pi[s, a]`` from actions ``(n_states,)`` or probabilities."""
    policy = np.asarray(policy)
    if policy.shape == (n_states,):
        if (
            not np.issubdtype(policy.dtype, np.integer)
            or policy.min() < 0
            or policy.max() >= n_actions
        ):
            raise ValueError(f"a deterministic policy holds actions 0..{n_actions - 1} per state")
        pi = np.zeros((n_states, n_actions))
        pi[np.arange(n_states), policy] = 1.0
        return pi
    if policy.shape == (n_states, n_actions):
        pi = policy.astype(np.float64)
        if np.any(pi < 0) or not np.allclose(pi.sum(axis=1), 1.0):
            raise ValueError("policy probabilities must be non-negative and sum to 1 per state")
        return pi
    raise ValueError(
        f"policy must have shape ({n_states},) (one action per state) or ({n_states}, "
        f"{n_actions}) (action probabilities), got shape {policy.shape}"
    )


def _evaluate(T, R, pi, gamma, theta, max_iterations, V=None):
    r_pi = np.einsum("sa,sa->s", pi, R)
    t_pi = np.einsum("sa,sat->st", pi, T)
    V = np.zeros(len(R)) if V is None else V
    for _ in range(max_iterations):
        new = r_pi + gamma * (t_pi @ V)
        delta = np.max(np.abs(new - V))
        V = new
        if delta < theta:
            return V
    warnings.warn(
        f"policy evaluation did not converge in {max_iterations} sweeps (last change {delta:.3g});"
        f" with gamma=1 a policy that never terminates has no finite value",
        ConvergenceWarning,
        stacklevel=3,
    )
    return V


def policy_evaluation(
    env_or_P,
    policy,
    gamma: float = 1.0,
    theta: float = 1e-10,
    max_iterations: int = 100_000,
    *,
    n_states: int | None = None,
    n_actions: int | None = None,
) -> np.ndarray:
    """The state values of a policy, by iterative (synchronous) policy evaluation.

    Parameters
    ----------
    env_or_P : environment or P
        See :func:`transition_model`.
    policy : array-like of shape (n_states,) or (n_states, n_actions)
        One action per state, or the probability of each action in each state.
    gamma : float, default=1.0
        Discount factor in [0, 1].
    theta : float, default=1e-10
        Stop when no value changes by more than ``theta`` in a sweep.
    max_iterations : int, default=100000
        Most sweeps (a ConvergenceWarning if reached).
    n_states, n_actions : int, optional
        Sizes, when not readable from ``env_or_P``.

    Returns
    -------
    V : ndarray of shape (n_states,)
    """
    T, R = _model(env_or_P, n_states, n_actions, gamma, theta)
    pi = _policy_matrix(policy, *R.shape)
    return _evaluate(T, R, pi, gamma, theta, max_iterations)


def action_values(
    env_or_P, V, gamma: float = 1.0, *, n_states: int | None = None, n_actions: int | None = None
) -> np.ndarray:
    """``Q[s, a] = R[s, a] + gamma * sum_s' T[s, a, s'] V[s']`` (one backup of ``V``)."""
    T, R = _model(env_or_P, n_states, n_actions, gamma, 1.0)
    return R + gamma * (T @ np.asarray(V, dtype=np.float64))


def policy_iteration(
    env_or_P,
    gamma: float = 1.0,
    theta: float = 1e-10,
    max_iterations: int = 1000,
    *,
    initial_policy=None,
    n_states: int | None = None,
    n_actions: int | None = None,
):
    """Optimal values and policy by policy iteration (evaluate, improve greedily, repeat).

    Parameters
    ----------
    env_or_P : environment or P
        See :func:`transition_model`.
    gamma, theta : float
        As in :func:`policy_evaluation`.
    max_iterations : int, default=1000
        Most improvement steps.
    initial_policy : array-like, optional
        Where to start; the uniform random policy by default (it terminates on the book's
        episodic tasks, so it has finite values even with ``gamma=1``).
    n_states, n_actions : int, optional
        Sizes, when not readable from ``env_or_P``.

    Returns
    -------
    V : ndarray of shape (n_states,)
        The values of the returned policy.
    policy : ndarray of shape (n_states,)
        A greedy (deterministic) optimal policy.
    """
    T, R = _model(env_or_P, n_states, n_actions, gamma, theta)
    n_s, n_a = R.shape
    if initial_policy is None:
        pi = np.full((n_s, n_a), 1.0 / n_a)
    else:
        pi = _policy_matrix(initial_policy, n_s, n_a)
    policy, V = None, None
    for _ in range(max_iterations):
        V = _evaluate(T, R, pi, gamma, theta, 100_000, V)
        Q = R + gamma * (T @ V)
        new = np.argmax(Q, axis=1)
        if policy is not None:
            # Keep the current action when it is as good as the best: no cycling between ties.
            keep = Q[np.arange(n_s), policy] >= Q[np.arange(n_s), new] - 10 * theta
            new = np.where(keep, policy, new)
            if np.array_equal(new, policy):
                return V, policy
        policy = new
        pi = np.zeros((n_s, n_a))
        pi[np.arange(n_s), policy] = 1.0
    warnings.warn(
        f"policy iteration did not converge in {max_iterations} improvements",
        ConvergenceWarning,
        stacklevel=2,
    )
    return V, policy


def value_iteration(
    env_or_P,
    gamma: float = 1.0,
    theta: float = 1e-10,
    max_iterations: int = 100_000,
    *,
    horizon: int | None = None,
    n_states: int | None = None,
    n_actions: int | None = None,
):
    """Optimal values and a greedy policy by value iteration.

    Parameters
    ----------
    env_or_P : environment or P
        See :func:`transition_model`.
    gamma, theta : float
        As in :func:`policy_evaluation`.
    max_iterations : int, default=100000
        Most sweeps when ``horizon`` is None.
    horizon : int, optional
        Finite-horizon value iteration: exactly ``horizon`` backups from ``V = 0``. The values
        are then the best expected return within ``horizon`` steps (on FrozenLake with
        ``gamma=1``: the optimal probability of reaching the goal within the step limit), and
        the best policy depends on the time left.
    n_states, n_actions : int, optional
        Sizes, when not readable from ``env_or_P``.

    Returns
    -------
    V : ndarray of shape (n_states,)
        Optimal values (with ``horizon``: with ``horizon`` steps to go).
    policy : ndarray of shape (n_states,), or (horizon, n_states) with ``horizon``
        The greedy action per state (ties to the lowest action); with ``horizon``,
        ``policy[t]`` is the action to take at step ``t`` of the episode.
    """
    T, R = _model(env_or_P, n_states, n_actions, gamma, theta)
    V = np.zeros(len(R))
    if horizon is not None:
        if isinstance(horizon, bool) or not isinstance(horizon, numbers.Integral) or horizon < 1:
            raise ValueError(f"horizon must be a positive integer, got {horizon!r}")
        policy = np.empty((horizon, len(R)), dtype=np.int64)
        for steps_to_go in range(1, horizon + 1):
            Q = R + gamma * (T @ V)
            policy[horizon - steps_to_go] = np.argmax(Q, axis=1)
            V = Q.max(axis=1)
        return V, policy
    for _ in range(max_iterations):
        Q = R + gamma * (T @ V)
        new = Q.max(axis=1)
        delta = np.max(np.abs(new - V))
        V = new
        if delta < theta:
            break
    else:
        warnings.warn(
            f"value iteration did not converge in {max_iterations} sweeps",
            ConvergenceWarning,
            stacklevel=2,
        )
    return V, np.argmax(R + gamma * (T @ V), axis=1)
