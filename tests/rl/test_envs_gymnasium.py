"""homeml's environments against Gymnasium's: check_env (through the public adapter
:func:`homeml.rl.gymnasium_compat.to_gymnasium`), the same P, the same seeded episodes."""

import warnings

import gymnasium
import numpy as np
import pytest
from gymnasium.envs.classic_control.cartpole import CartPoleEnv
from gymnasium.envs.classic_control.mountain_car import MountainCarEnv
from gymnasium.envs.toy_text.blackjack import BlackjackEnv
from gymnasium.envs.toy_text.cliffwalking import CliffWalkingEnv
from gymnasium.envs.toy_text.frozen_lake import FrozenLakeEnv
from gymnasium.envs.toy_text.frozen_lake import generate_random_map as gym_random_map
from gymnasium.envs.toy_text.taxi import TaxiEnv
from gymnasium.utils.env_checker import check_env

from homeml.rl.envs import (
    Bandit,
    Blackjack,
    CartPole,
    CliffWalking,
    FrozenLake,
    GridWorld,
    MountainCar,
    Taxi,
    WindyGridWorld,
    generate_random_map,
)
from homeml.rl.gymnasium_compat import to_gymnasium, to_gymnasium_space
from homeml.rl.registration import make

FACTORIES = {
    "FrozenLake4x4": lambda render_mode=None: FrozenLake(render_mode, map_name="4x4"),
    "FrozenLake8x8": lambda render_mode=None: FrozenLake(
        render_mode, map_name="8x8", is_slippery=False
    ),
    "CliffWalking": lambda render_mode=None: CliffWalking(render_mode),
    "Taxi": lambda render_mode=None: Taxi(render_mode, is_rainy=True),
    "Blackjack": lambda render_mode=None: Blackjack(render_mode, sab=True),
    "CartPole": lambda render_mode=None: CartPole(render_mode=render_mode),
    "MountainCar": lambda render_mode=None: MountainCar(render_mode),
    "GridWorld4x4": lambda render_mode=None: GridWorld(render_mode, size=4),
    "GridWorld5x5": lambda render_mode=None: GridWorld(render_mode, size=5),
    "WindyGridWorld": lambda render_mode=None: WindyGridWorld(
        render_mode, king_moves=True, stochastic_wind=True
    ),
    "Bandit": lambda render_mode=None: Bandit(render_mode=render_mode),
}
# Warnings Gymnasium's own CartPole also gets from check_env (infinite velocity bounds).
EXPECTED_WARNINGS = {
    "CartPole": {
        "A Box observation space minimum value is -infinity",
        "A Box observation space maximum value is infinity",
    }
}


@pytest.mark.parametrize("name", sorted(FACTORIES))
def test_check_env(name):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        view = to_gymnasium(FACTORIES[name]())
        check_env(view)  # also rebuilds the env in each render mode (view.spec) and renders it
    messages = {str(w.message) for w in caught}
    unexpected = {m for m in messages if not any(e in m for e in EXPECTED_WARNINGS.get(name, ()))}
    assert not unexpected, unexpected
    assert view.observation_space == to_gymnasium_space(view.homeml_env.observation_space)


def test_gymnasium_cartpole_gets_the_same_warnings():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        check_env(CartPoleEnv(), skip_render_check=True)
    assert {
        m for w in caught for m in EXPECTED_WARNINGS["CartPole"] if m in str(w.message)
    } == EXPECTED_WARNINGS["CartPole"]


def test_spaces_match_gymnasium():
    pairs = [
        (FrozenLake(map_name="8x8"), FrozenLakeEnv(map_name="8x8")),
        (CliffWalking(), CliffWalkingEnv()),
        (Taxi(), TaxiEnv()),
        (Blackjack(), BlackjackEnv()),
        (CartPole(), CartPoleEnv()),
        (MountainCar(), MountainCarEnv()),
    ]
    for ours, theirs in pairs:
        assert to_gymnasium_space(ours.observation_space) == theirs.observation_space
        assert to_gymnasium_space(ours.action_space) == theirs.action_space


@pytest.mark.parametrize(
    "kwargs",
    [
        {"map_name": "4x4"},
        {"map_name": "8x8"},
        {"map_name": "4x4", "is_slippery": False},
        {"map_name": "8x8", "is_slippery": False},
        {"desc": ["SFH", "FFG"], "success_rate": 0.5, "reward_schedule": (2, -1, 0)},
    ],
)
def test_frozen_lake_P_equals_gymnasium(kwargs):
    assert FrozenLake(**kwargs).P == FrozenLakeEnv(**kwargs).P


@pytest.mark.parametrize("is_slippery", [False, True])
def test_cliff_walking_P_equals_gymnasium(is_slippery):
    ours, theirs = CliffWalking(is_slippery=is_slippery), CliffWalkingEnv(is_slippery=is_slippery)
    assert ours.P == theirs.P
    assert np.array_equal(ours.initial_state_distrib, theirs.initial_state_distrib)


@pytest.mark.parametrize("is_rainy", [False, True])
def test_taxi_P_equals_gymnasium(is_rainy):
    ours, theirs = Taxi(is_rainy=is_rainy), TaxiEnv(is_rainy=is_rainy)
    assert ours.P == theirs.P
    assert np.array_equal(ours.initial_state_distrib, theirs.initial_state_distrib)
    assert all(np.array_equal(ours.action_mask(s), theirs.action_mask(s)) for s in range(500))


def test_generate_random_map_equals_gymnasium():
    for seed in range(20):
        assert generate_random_map(size=6, p=0.7, seed=seed) == gym_random_map(6, 0.7, seed)


def _run_both(ours, theirs, actions, seed, compare=None):
    """Step both with the same actions, resetting both (unseeded) when an episode ends."""
    first = ours.reset(seed=seed), theirs.reset(seed=seed)
    assert _equal(first[0][0], first[1][0])
    episodes = 1
    for action in actions:
        a, b = ours.step(int(action)), theirs.step(int(action))
        assert _equal(a[0], b[0]) and a[1:4] == b[1:4], (a, b)
        if compare is not None:
            compare(ours, theirs)
        if a[2] or a[3]:
            episodes += 1
            a, b = ours.reset(), theirs.reset()
            assert _equal(a[0], b[0])
    return episodes


def _equal(x, y):
    if isinstance(x, np.ndarray):
        return x.dtype == y.dtype and x.shape == y.shape and np.array_equal(x, y)
    return type(x) is type(y) and x == y


def test_frozen_lake_slippery_trajectories_equal_gymnasium():
    actions = np.random.default_rng(0).integers(4, size=20_000)
    episodes = _run_both(make("FrozenLake-v1"), gymnasium.make("FrozenLake-v1"), actions, 42)
    assert episodes > 1000


def test_taxi_trajectories_and_resets_equal_gymnasium():
    actions = np.random.default_rng(1).integers(6, size=20_000)
    ours, theirs = (
        Taxi(is_rainy=True, fickle_passenger=True),
        TaxiEnv(is_rainy=True, fickle_passenger=True),
    )

    def same_masks(a, b):
        assert a.s == b.s

    assert _run_both(ours, theirs, actions, 7, same_masks) > 5
    ours, theirs = Taxi(), TaxiEnv()
    starts = [(ours.reset(seed=s)[0], theirs.reset(seed=s)[0]) for s in range(200)]
    assert all(a == b for a, b in starts) and len({a for a, _ in starts}) > 100


def test_blackjack_deals_equal_gymnasium():
    ours, theirs = Blackjack(sab=True), BlackjackEnv(sab=True)
    rng = np.random.default_rng(2)
    for episode in range(3000):
        a, _ = ours.reset(seed=5 if episode == 0 else None)
        b, _ = theirs.reset(seed=5 if episode == 0 else None)
        assert a == b and ours.dealer == theirs.dealer and ours.player == theirs.player
        assert ours.dealer_top_card_value_str == theirs.dealer_top_card_value_str
        done = False
        while not done:
            action = int(rng.integers(2))
            a, b = ours.step(action), theirs.step(action)
            assert a[:4] == b[:4]
            done = a[2]


def test_cartpole_dynamics_equal_gymnasium_exactly():
    actions = np.random.default_rng(3).integers(2, size=30_000)
    episodes = _run_both(CartPole(), CartPoleEnv(), actions, 11)
    assert episodes > 500
    for seed in range(50):
        assert np.array_equal(CartPole().reset(seed=seed)[0], CartPoleEnv().reset(seed=seed)[0])
    low_high = {"low": -0.2, "high": 0.3}
    assert np.array_equal(
        CartPole().reset(seed=1, options=low_high)[0],
        CartPoleEnv().reset(seed=1, options=low_high)[0],
    )


def test_cartpole_sutton_barto_reward():
    actions = np.ones(100, dtype=int)
    _run_both(CartPole(sutton_barto_reward=True), CartPoleEnv(sutton_barto_reward=True), actions, 0)


def test_mountain_car_dynamics_equal_gymnasium_exactly():
    # Bang-bang on the velocity's sign reaches the goal, so episodes end and reset too.
    ours, theirs = MountainCar(), MountainCarEnv()
    obs, _ = ours.reset(seed=4)
    assert np.array_equal(obs, theirs.reset(seed=4)[0])
    goals, noise = 0, np.random.default_rng(4).random(20_000)
    for u in noise:
        action = 2 if obs[1] >= 0 else 0
        action = int(u * 3) if u < 0.2 else action
        a, b = ours.step(action), theirs.step(action)
        assert _equal(a[0], b[0]) and a[1:4] == b[1:4]
        obs = a[0]
        if a[2]:
            goals += 1
            obs, _ = ours.reset()
            assert np.array_equal(obs, theirs.reset()[0])
    assert goals > 50


@pytest.mark.parametrize(
    "name, gym_name",
    [
        ("FrozenLake-v1", "FrozenLake-v1"),
        ("CliffWalking-v1", "CliffWalking-v1"),
        ("Taxi-v3", "Taxi-v4"),
    ],
)
def test_ansi_render_equals_gymnasium(name, gym_name):
    ours, theirs = make(name, render_mode="ansi"), gymnasium.make(gym_name, render_mode="ansi")
    ours.reset(seed=3)
    theirs.reset(seed=3)
    assert ours.render() == theirs.render()
    for action in (1, 2, 2, 1, 0):
        ours.step(action)
        theirs.step(action)
        assert ours.render() == theirs.render()


@pytest.mark.parametrize(
    "name, gym_name, limit",
    [
        ("FrozenLake-v1", "FrozenLake-v1", 100),
        ("FrozenLake8x8-v1", "FrozenLake8x8-v1", 200),
        ("Taxi-v3", "Taxi-v4", 200),
        ("CartPole-v1", "CartPole-v1", 500),
        ("MountainCar-v0", "MountainCar-v0", 200),
        ("CliffWalking-v1", "CliffWalking-v1", None),
        ("Blackjack-v1", "Blackjack-v1", None),
    ],
)
def test_make_step_limits_equal_gymnasium(name, gym_name, limit):
    assert make(name).spec.max_episode_steps == gymnasium.spec(gym_name).max_episode_steps == limit
    assert make(name).spec.kwargs == gymnasium.spec(gym_name).kwargs
