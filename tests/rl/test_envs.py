"""homeml's own environments: Sutton & Barto dynamics, errors, make/TimeLimit and rendering."""

import numpy as np
import pytest

from homeml.rl.env import ResetNeeded, TimeLimit, Wrapper
from homeml.rl.envs import (
    Bandit,
    Blackjack,
    CartPole,
    CliffWalking,
    FrozenLake,
    GridWorld,
    GridWorld5x5,
    MountainCar,
    Taxi,
    WindyGridWorld,
    generate_random_map,
)
from homeml.rl.registration import make, register, registry


def model_arrays(P):
    """Transition tensor T[s, a, s'], expected reward R[s, a] and 'continues' C[s, a, s']."""
    n_states, n_actions = len(P), len(P[0])
    T, R = np.zeros((n_states, n_actions, n_states)), np.zeros((n_states, n_actions))
    C = np.zeros_like(T)
    for s in P:
        for a in P[s]:
            for p, s2, r, done in P[s][a]:
                T[s, a, s2] += p
                R[s, a] += p * r
                C[s, a, s2] += p * (not done)
    return T, R, C


def test_gridworld_example_4_1_random_policy_values():
    T, R, C = model_arrays(GridWorld().P)
    v = np.zeros(16)
    for _ in range(1000):
        v = (R + (C @ v)).mean(axis=1)
    expected = [[0, -14, -20, -22], [-14, -18, -20, -20], [-20, -20, -18, -14], [-22, -20, -14, 0]]
    np.testing.assert_allclose(v.reshape(4, 4), expected, atol=1e-6)


def test_gridworld_example_3_5_dynamics_and_optimal_values():
    P = GridWorld5x5().P
    for a in range(4):
        assert P[1][a] == [(1.0, 21, 10, False)]  # A -> A'
        assert P[3][a] == [(1.0, 13, 5, False)]  # B -> B'
    assert P[0][0] == [(1.0, 0, -1, False)] and P[0][3] == [(1.0, 0, -1, False)]  # off-grid
    assert P[24][2] == [(1.0, 24, -1, False)] and P[12][1] == [(1.0, 13, 0, False)]
    T, R, _ = model_arrays(P)
    v = np.zeros(25)
    for _ in range(1000):
        v = (R + 0.9 * T @ v).max(axis=1)
    np.testing.assert_allclose(v[:5].round(1), [22.0, 24.4, 22.0, 19.4, 17.5])


def test_gridworld_episode_and_bad_size():
    env = GridWorld()
    state, info = env.reset(seed=0)
    assert 1 <= state <= 14 and info == {"prob": 1}
    assert {env.reset()[0] for _ in range(300)} == set(range(1, 15))
    env.reset(seed=1)
    env.s = 1
    assert env.step(3) == (0, -1, True, False, {"prob": 1.0})
    with pytest.raises(ValueError, match="size must be 4"):
        GridWorld(size=6)


def test_windy_gridworld_book_dynamics():
    env = WindyGridWorld()
    assert env.reset(seed=0)[0] == 30 and env.action_space.n == 4
    # Sutton & Barto's optimal path takes 15 steps: right x9, down x4, left x2.
    total, done = 0, False
    for action in [1] * 9 + [2] * 4 + [3] * 2:
        state, reward, done, _, _ = env.step(action)
        total += reward
    assert done and state == 37 and total == -15
    assert WindyGridWorld(king_moves=True).action_space.n == 8
    assert WindyGridWorld(king_moves=True, stay_action=True).action_space.n == 9
    stochastic = WindyGridWorld(stochastic_wind=True).P
    assert [o[1] for o in stochastic[3 * 10 + 6][1]] == [27, 17, 7]  # wind 1, 2, 3 at column 6
    with pytest.raises(ValueError, match="needs king_moves"):
        WindyGridWorld(stay_action=True)


def test_frozen_lake_custom_maps_and_errors():
    env = FrozenLake(desc=["SFFH", "FFFG"], is_slippery=False)
    assert env.observation_space.n == 8 and env.reset(seed=0)[0] == 0
    assert env.step(2)[:3] == (1, 0, False) and env.step(2)[:3] == (2, 0, False)
    assert env.step(2)[:3] == (3, 0, True)
    assert FrozenLake(desc=generate_random_map(5, seed=1)).observation_space.n == 25
    assert FrozenLake(map_name=None).nrow == 8
    for desc, match in [
        (["SFF", "FG"], "same length"),
        (["SFX", "FFG"], "only contain"),
        (["FFF", "FFG"], "start cell"),
        ([], "non-empty"),
        (3, "list of strings"),
    ]:
        with pytest.raises(ValueError, match=match):
            FrozenLake(desc=desc)
    with pytest.raises(ValueError, match="map_name must be one of"):
        FrozenLake(map_name="5x5")
    with pytest.raises(ValueError, match="size >= 2"):
        generate_random_map(1)


@pytest.mark.parametrize(
    "env_factory",
    [
        GridWorld,
        FrozenLake,
        CliffWalking,
        Taxi,
        WindyGridWorld,
        Blackjack,
        CartPole,
        MountainCar,
        Bandit,
    ],
)
def test_bad_step_order_and_actions(env_factory):
    env = env_factory()
    with pytest.raises(ResetNeeded, match="before reset"):
        env.step(0)
    env.reset(seed=0)
    n = env.action_space.n
    for bad in (n, -1, 0.0, 1.5, "1", None, np.array([0])):
        with pytest.raises(ValueError, match="is not in the action space Discrete"):
            env.step(bad)
    env.step(np.int64(0))


@pytest.mark.parametrize(
    "env_factory, actions",
    [
        (lambda: FrozenLake(is_slippery=False), [1, 1, 2, 1, 2, 2]),  # ends in a hole or the goal
        (CliffWalking, [0] + [1] * 11 + [2]),
        (Blackjack, [0]),
        (CartPole, [1] * 50),
        (lambda: GridWorld(), [0, 0, 0, 3, 3, 3] * 3),
    ],
)
def test_step_after_termination_raises(env_factory, actions):
    env = env_factory()
    env.reset(seed=0)
    for action in actions:
        terminated = env.step(action)[2]
        if terminated:
            break
    assert terminated
    with pytest.raises(ResetNeeded, match="after the episode ended"):
        env.step(0)
    env.reset()
    env.step(0)


def test_time_limit_truncates_like_gymnasium():
    env = make("CartPole-v1")
    assert isinstance(env, TimeLimit) and env.max_episode_steps == 500
    env = make("MountainCar-v0")
    env.reset(seed=0)
    for step in range(1, 201):
        obs, reward, terminated, truncated, _ = env.step(1)
        assert truncated == (step == 200) and not terminated
    with pytest.raises(ResetNeeded, match="after the episode ended"):
        env.step(1)
    env.reset()
    env.step(1)
    with pytest.raises(ResetNeeded, match="before reset"):
        make("CartPole-v1").step(0)
    short = make("FrozenLake-v1", max_episode_steps=3, is_slippery=False)
    short.reset(seed=0)
    assert [short.step(0)[3] for _ in range(3)] == [False, False, True]
    assert short.spec.max_episode_steps == 3 and short.unwrapped.is_slippery is False
    with pytest.raises(ValueError, match="positive int"):
        TimeLimit(CartPole(), 0)


def test_make_names_and_errors():
    for name in registry:
        env = make(name)
        env.reset(seed=0)
        env.step(env.action_space.sample())
        assert env.spec.id == name and env.unwrapped.spec.id == name
    assert make("FrozenLake-v1", map_name="8x8").unwrapped.nrow == 8
    assert make("Blackjack-v1").unwrapped.sab is True
    assert make("GridWorld5x5-v0").unwrapped.size == 5
    with pytest.raises(ValueError, match="unknown environment 'FrozenLak-v1'.*'FrozenLake-v1'"):
        make("FrozenLak-v1")
    with pytest.raises(ValueError, match="Registered environments: .*CartPole-v1"):
        make("Pong-v5")
    register("TinyLake-v0", lambda **kw: FrozenLake(desc=["SG"], **kw), max_episode_steps=5)
    try:
        assert make("TinyLake-v0").reset(seed=0) == (0, {"prob": 1})
    finally:
        del registry["TinyLake-v0"]


def test_wrapper_forwards():
    env = make("FrozenLake-v1", render_mode="ansi")
    assert isinstance(env, Wrapper) and env.unwrapped.P is env.P
    assert env.render_mode == "ansi" and env.observation_space.n == 16
    env.reset(seed=5)
    assert env.np_random is env.unwrapped.np_random and isinstance(env.render(), str)
    assert str(env) == "<TimeLimit<FrozenLake<FrozenLake-v1>>>"


@pytest.mark.parametrize(
    "name, shape",
    [
        ("FrozenLake-v1", (256, 256, 3)),
        ("FrozenLake8x8-v1", (512, 512, 3)),
        ("CliffWalking-v1", (192, 576, 3)),
        ("Taxi-v3", (320, 320, 3)),
        ("GridWorld-v0", (256, 256, 3)),
        ("GridWorld5x5-v0", (320, 320, 3)),
        ("WindyGridWorld-v0", (336, 480, 3)),
        ("CartPole-v1", (400, 600, 3)),
        ("MountainCar-v0", (400, 600, 3)),
    ],
)
def test_rgb_render(name, shape):
    env = make(name, render_mode="rgb_array")
    env.reset(seed=0)
    first = env.render()
    assert first.shape == shape and first.dtype == np.uint8
    assert len(np.unique(first.reshape(-1, 3), axis=0)) >= 3
    for action in (1, 1, 0):
        env.step(action)
    assert env.render().shape == shape
    assert make(name).render() is None


def test_cartpole_image_shows_the_pole_angle():
    env = CartPole(render_mode="rgb_array")
    env.reset(seed=0)
    env.state = (0.0, 0.0, 0.15, 0.0)  # leaning right: more pole colour right of the cart
    pole = np.all(env.render() == (202, 152, 101), axis=-1)
    columns = np.nonzero(pole)[1]
    assert columns.mean() > 300 + 5
    with pytest.raises(ValueError, match="render_mode in"):
        CartPole(render_mode="human")


def test_bandit_testbed():
    env = Bandit(k=10)
    _, info = env.reset(seed=0)
    assert env.q_star.shape == (10,) and env.optimal_action == int(np.argmax(env.q_star))
    rewards = np.array([env.step(3)[1] for _ in range(20_000)])
    assert abs(rewards.mean() - env.q_star[3]) < 0.05 and abs(rewards.std() - 1) < 0.05
    assert env.step(env.optimal_action)[4] == {"optimal": True}
    first = env.q_star.copy()
    env.reset()  # the same problem: an agent keeps learning it across episodes
    np.testing.assert_array_equal(first, env.q_star)
    env.reset(options={"new_problem": True})
    assert not np.array_equal(first, env.q_star)
    again = env.q_star.copy()
    env.reset(seed=0)  # a seed draws the problem again, from the seed
    np.testing.assert_array_equal(first, env.q_star)
    assert not np.array_equal(again, env.q_star)
    q_means = np.array([Bandit().reset(seed=s)[1]["q_star"] for s in range(400)])
    assert abs(q_means.mean()) < 0.05 and abs(q_means.std() - 1) < 0.05
    walking = Bandit(std=0.0, walk_std=0.01)
    walking.reset(seed=0)
    assert np.all(walking.q_star == 0)
    walking.step(0)
    assert np.any(walking.q_star != 0)
    env = make("Bandit-v0")
    env.reset(seed=1)
    assert [env.step(0)[3] for _ in range(1000)][-2:] == [False, True]
    with pytest.raises(ValueError, match="positive integer number of arms"):
        Bandit(k=0)


def test_blackjack_rules():
    env = Blackjack(sab=True)
    env.reset(seed=0)
    env.player, env.dealer = [1, 10], [10, 9]
    assert env.step(0)[1] == 1.0  # natural wins
    env.reset()
    env.player, env.dealer = [1, 10], [1, 10]
    assert env.step(0)[1] == 0.0  # both naturals: draw
    env = Blackjack(natural=True)
    env.reset(seed=0)
    env.player, env.dealer = [1, 10], [10, 9]
    assert env.step(0)[1] == 1.5
    env.reset()
    env.player, env.dealer = [10, 9], [10, 7]
    assert env.step(1)[1:3] in ((-1.0, True), (0.0, False))
    observations = set()
    for seed in range(300):
        obs, _ = env.reset(seed=seed)
        assert obs in env.observation_space
        observations.add(obs[2])
    assert observations == {0, 1}
