"""Dynamic programming against Sutton & Barto chapters 3-4 and Gymnasium's FrozenLake."""

import gymnasium
import numpy as np
import pytest

from homeml.rl.dp import (
    action_values,
    policy_evaluation,
    policy_iteration,
    transition_model,
    value_iteration,
)
from homeml.rl.registration import make

BOOK_4_1 = [[0, -14, -20, -22], [-14, -18, -20, -20], [-20, -20, -18, -14], [-22, -20, -14, 0]]


def book_gridworld_P():
    """Example 4.1 written out here: 4x4, terminal corners, -1 per step."""
    P = {}
    for s in range(16):
        r, c = divmod(s, 4)
        P[s] = {}
        for a, (dr, dc) in enumerate([(-1, 0), (0, 1), (1, 0), (0, -1)]):
            if s in (0, 15):
                P[s][a] = [(1.0, s, 0.0, True)]
                continue
            n = min(max(r + dr, 0), 3) * 4 + min(max(c + dc, 0), 3)
            P[s][a] = [(1.0, n, -1.0, n in (0, 15))]
    return P


@pytest.mark.parametrize("model", [book_gridworld_P(), make("GridWorld-v0")])
def test_example_4_1_random_policy(model):
    V = policy_evaluation(model, np.full((16, 4), 0.25), gamma=1.0)
    np.testing.assert_array_equal(np.round(V.reshape(4, 4)), BOOK_4_1)
    V_star, policy = value_iteration(model)
    np.testing.assert_allclose(
        V_star.reshape(4, 4),
        -np.array([[0, 1, 2, 3], [1, 2, 3, 2], [2, 3, 2, 1], [3, 2, 1, 0]]),
        atol=1e-9,
    )


def test_example_3_5_and_figure_3_2():
    env = make("GridWorld5x5-v0")
    V_star, _ = value_iteration(env, gamma=0.9)
    np.testing.assert_array_equal(np.round(V_star[:5], 1), [22.0, 24.4, 22.0, 19.4, 17.5])
    v_random = policy_evaluation(env, np.full((25, 4), 0.25), gamma=0.9)
    np.testing.assert_array_equal(np.round(v_random[:5], 1), [3.3, 8.8, 4.4, 5.3, 1.5])
    np.testing.assert_array_equal(np.round(v_random[20:], 1), [-1.9, -1.3, -1.2, -1.4, -2.0])


@pytest.mark.parametrize("map_name, limit, best", [("4x4", 100, 0.744), ("8x8", 200, 0.913)])
def test_frozen_lake_success_within_the_step_limit(map_name, limit, best):
    for env in (
        make("FrozenLake-v1", map_name=map_name, is_slippery=True),
        gymnasium.make("FrozenLake-v1", map_name=map_name, is_slippery=True),
    ):
        V, policy = value_iteration(env, gamma=1.0, horizon=limit)
        assert round(V[0], 3) == best
        assert policy.shape == (limit, V.size)


def finite_horizon_value(env, policy, horizon):
    """Exact probability that the stationary ``policy`` reaches the goal within ``horizon``."""
    T, R = transition_model(env)
    states = np.arange(len(policy))
    V = np.zeros(len(policy))
    for _ in range(horizon):
        V = R[states, policy] + T[states, policy] @ V
    return V[0]


@pytest.mark.parametrize(
    "name, limit, expected, episodes",
    [("FrozenLake-v1", 100, 0.74, 3000), ("FrozenLake8x8-v1", 200, 0.90, 1500)],
)
def test_frozen_lake_discounted_greedy_policy_on_gymnasium(name, limit, expected, episodes):
    env = gymnasium.make(name, is_slippery=True)  # 8x8's own name has the 200-step limit
    assert env.spec.max_episode_steps == limit
    _, policy = value_iteration(env, gamma=0.995)
    exact = finite_horizon_value(env, policy, limit)
    assert abs(exact - expected) < 0.02
    wins, _ = 0, env.reset(seed=0)
    for episode in range(episodes):
        obs, _ = env.reset(seed=None if episode else 0)
        done = False
        while not done:
            obs, reward, terminated, truncated, _ = env.step(int(policy[obs]))
            done = terminated or truncated
        wins += reward
    # Binomial: standard deviation sqrt(p(1-p)/n) ~ 0.008 (4x4) and 0.008 (8x8); 4 of them.
    assert abs(wins / episodes - exact) < 4 * np.sqrt(exact * (1 - exact) / episodes)


@pytest.mark.parametrize(
    "name, kwargs",
    [("FrozenLake-v1", {"map_name": "8x8"}), ("CliffWalking-v1", {}), ("Taxi-v3", {})],
)
def test_policy_and_value_iteration_agree_on_both_libraries(name, kwargs):
    gamma = 0.95
    gym_name = "Taxi-v4" if name == "Taxi-v3" else name
    results = []
    for env in (make(name, **kwargs), gymnasium.make(gym_name, **kwargs)):
        V_vi, pi_vi = value_iteration(env, gamma=gamma)
        V_pi, pi_pi = policy_iteration(env, gamma=gamma)
        np.testing.assert_allclose(V_vi, V_pi, atol=1e-7)
        Q = action_values(env, V_vi, gamma)
        states = np.arange(len(V_vi))
        for policy in (pi_vi, pi_pi):  # both greedy (they may break exact ties differently)
            np.testing.assert_allclose(Q[states, policy], Q.max(axis=1), atol=1e-7)
        results.append((V_vi, pi_vi))
    np.testing.assert_allclose(results[0][0], results[1][0], atol=1e-12)
    np.testing.assert_array_equal(results[0][1], results[1][1])


def test_deterministic_policy_and_gamma_one_warning():
    P = book_gridworld_P()
    _, optimal = value_iteration(P)
    np.testing.assert_allclose(policy_evaluation(P, optimal), value_iteration(P)[0])
    always_up = np.zeros(16, dtype=int)  # never terminates from the top row: no finite value
    with pytest.warns(Warning, match="did not converge"):
        policy_evaluation(P, always_up, max_iterations=50)


def test_bad_input():
    P = book_gridworld_P()
    with pytest.raises(ValueError, match="gamma"):
        value_iteration(P, gamma=1.5)
    with pytest.raises(ValueError, match="theta"):
        policy_evaluation(P, np.zeros(16, dtype=int), theta=0)
    with pytest.raises(ValueError, match="shape"):
        policy_evaluation(P, np.zeros(5, dtype=int))
    with pytest.raises(ValueError, match="sum to 1"):
        policy_evaluation(P, np.full((16, 4), 0.5))
    with pytest.raises(ValueError, match="horizon"):
        value_iteration(P, horizon=0)
    with pytest.raises(TypeError, match="transition model"):
        value_iteration(gymnasium.make("CartPole-v1"))
