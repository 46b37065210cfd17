"""to_gymnasium: homeml's environments inside Gymnasium's checker, wrappers and vector envs."""

import copy
import pickle
import subprocess
import sys
import warnings

import gymnasium
import numpy as np
import pytest
from gymnasium import spaces as gspaces
from gymnasium.utils.env_checker import check_env
from gymnasium.vector import SyncVectorEnv
from gymnasium.wrappers import RecordEpisodeStatistics, TimeLimit

from homeml.rl import spaces
from homeml.rl.envs import Blackjack, CartPole, FrozenLake, Taxi
from homeml.rl.gymnasium_compat import from_gymnasium_space, to_gymnasium, to_gymnasium_space
from homeml.rl.registration import make, registry


def _messages(run):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        run()
    return {str(w.message) for w in caught}


@pytest.fixture(scope="module")
def cartpole_warnings():
    """What check_env says about Gymnasium's own CartPole (its velocities are unbounded)."""
    messages = _messages(
        lambda: check_env(gymnasium.make("CartPole-v1").unwrapped, skip_render_check=True)
    )
    assert any("infinity" in m for m in messages)
    return messages


@pytest.mark.parametrize("name", sorted(registry))
def test_check_env_passes_on_every_registered_env(name, cartpole_warnings):
    env = to_gymnasium(make(name))
    messages = _messages(lambda: check_env(env))  # also spec.make() in every render mode
    allowed = cartpole_warnings if name.startswith("CartPole") else set()
    assert messages <= allowed, messages - allowed
    assert isinstance(env, gymnasium.Env) and env.unwrapped is env
    assert isinstance(env.action_space, gspaces.Space)
    assert isinstance(env.observation_space, gspaces.Space)
    assert env.spec.id == f"homeml/{name}"
    assert env.spec.max_episode_steps == registry[name].max_episode_steps
    assert env.spec.reward_threshold == registry[name].reward_threshold


def _trajectory(env, seed, actions):
    """Everything step/reset return, resetting (unseeded) whenever an episode ends."""
    out = [env.reset(seed=seed)]
    for action in actions:
        out.append(step := env.step(int(action)))
        if step[2] or step[3]:
            out.append(env.reset())
    return out


def _same(x, y):
    if isinstance(x, np.ndarray):
        return x.dtype == y.dtype and x.shape == y.shape and np.array_equal(x, y)
    if isinstance(x, (tuple, list)):
        return type(x) is type(y) and len(x) == len(y) and all(map(_same, x, y))
    if isinstance(x, dict):
        return x.keys() == y.keys() and all(_same(x[k], y[k]) for k in x)
    return type(x) is type(y) and x == y


@pytest.mark.parametrize(
    "name, n_actions",
    [
        ("FrozenLake-v1", 4),
        ("Taxi-v3", 6),
        ("Blackjack-v1", 2),
        ("CartPole-v1", 2),
        ("MountainCar-v0", 3),
        ("Bandit-v0", 10),
    ],
)
def test_same_seed_same_trajectory_as_bare_env(name, n_actions):
    actions = np.random.default_rng(0).integers(n_actions, size=3000)
    bare, adapted = make(name), to_gymnasium(make(name))
    expected, got = _trajectory(bare, 42, actions), _trajectory(adapted, 42, actions)
    assert len(got) > len(actions) and _same(got, expected)
    # One generator: the homeml env's.
    assert adapted.np_random is adapted.homeml_env.unwrapped.np_random
    assert adapted.np_random_seed == 42


def test_trajectory_equals_gymnasium_own_frozen_lake():
    actions = np.random.default_rng(1).integers(4, size=5000)
    ours = _trajectory(to_gymnasium("FrozenLake-v1"), 7, actions)
    theirs = _trajectory(gymnasium.make("FrozenLake-v1"), 7, actions)
    assert len(ours) > 5500 and _same(ours, theirs)


def test_record_episode_statistics_and_time_limit():
    env = RecordEpisodeStatistics(TimeLimit(to_gymnasium(CartPole()), max_episode_steps=40))
    bare = CartPole()
    obs, _ = env.reset(seed=3)
    bare.reset(seed=3)
    stats = []

    def balance(o):
        return int(o[2] + 0.5 * o[3] > 0)

    # Leaning with the pole balances it past 40 steps (truncated); always pushing right drops it.
    for policy in (balance, lambda o: 1, balance):
        length, total, terminated, truncated = 0, 0.0, False, False
        while not (terminated or truncated):
            action = policy(obs)
            obs, reward, terminated, truncated, info = env.step(action)
            bare_obs, bare_reward, bare_terminated, _, _ = bare.step(action)
            assert np.array_equal(obs, bare_obs) and reward == bare_reward
            assert terminated == bare_terminated
            length, total = length + 1, total + reward
        assert info["episode"]["l"] == length and info["episode"]["r"] == total
        assert truncated == (length == 40)
        stats.append((bool(terminated), bool(truncated), length))
        obs, _ = env.reset()
        assert np.array_equal(obs, bare.reset()[0])
    assert stats[0] == (False, True, 40) and stats[1][0] and stats[1][2] < 40
    assert stats[2] == (False, True, 40)
    assert list(env.length_queue) == [40, stats[1][2], 40]


def test_gymnasium_make_from_spec_adds_gymnasium_time_limit():
    adapted = to_gymnasium(make("CartPole-v1"))
    remade = gymnasium.make(adapted.spec, max_episode_steps=25)
    assert isinstance(remade, TimeLimit) and remade.spec.max_episode_steps == 25
    inner = remade.unwrapped
    assert inner is not adapted and inner.homeml_env.unwrapped.spec.max_episode_steps is None
    remade.reset(seed=0)
    for t in range(25):
        _, _, terminated, truncated, _ = remade.step(t % 2)
    assert truncated and not terminated
    assert gymnasium.make(adapted.spec).spec.max_episode_steps == 500


def test_sync_vector_env_steps_and_autoresets():
    vec = SyncVectorEnv([lambda: to_gymnasium("CartPole-v1")] * 3)
    assert isinstance(vec.single_observation_space, gspaces.Box)
    assert vec.single_action_space == gspaces.Discrete(2)
    bares = [make("CartPole-v1") for _ in range(3)]
    obs, _ = vec.reset(seed=[0, 1, 2])
    assert np.array_equal(obs, np.stack([b.reset(seed=s)[0] for s, b in enumerate(bares)]))
    rng = np.random.default_rng(0)
    done, resets = np.zeros(3, bool), 0
    for _ in range(200):
        actions = rng.integers(2, size=3)
        obs, rewards, terminated, truncated, _ = vec.step(actions)
        for i, bare in enumerate(bares):
            if done[i]:  # Gymnasium's next-step autoreset: this step was a reset
                expected, reward, term = bare.reset()[0], 0.0, False
                resets += 1
            else:
                expected, reward, term, _, _ = bare.step(int(actions[i]))
            assert np.array_equal(obs[i], expected) and rewards[i] == reward
            assert terminated[i] == term
        done = terminated | truncated
    assert obs.shape == (3, 4) and obs.dtype == np.float32 and resets >= 6
    vec.close()


def test_spaces_convert_and_isinstance_holds():
    discrete = to_gymnasium_space(spaces.Discrete(5, start=-2))
    assert isinstance(discrete, gspaces.Discrete) and discrete == gspaces.Discrete(5, start=-2)
    box = spaces.Box(np.array([-1.0, -np.inf]), np.array([2.0, np.inf]), dtype=np.float64)
    gbox = to_gymnasium_space(box)
    assert isinstance(gbox, gspaces.Box) and gbox.dtype == np.float64 and gbox.shape == (2,)
    assert np.array_equal(gbox.low, [-1, -np.inf]) and np.array_equal(gbox.high, [2, np.inf])
    assert list(gbox.bounded_below) == [True, False] and list(gbox.bounded_above) == [True, False]
    # Integer boxes store "unbounded" as the dtype's extreme; it must stay unbounded.
    ibox = to_gymnasium_space(
        spaces.Box(np.array([-np.inf, 0]), np.array([5, np.inf]), dtype=np.int32)
    )
    assert ibox == gspaces.Box(np.array([-np.inf, 0]), np.array([5, np.inf]), dtype=np.int32)
    assert list(ibox.bounded_below) == [False, True] and list(ibox.bounded_above) == [True, False]
    image = to_gymnasium_space(spaces.Box(0, 255, shape=(4, 4, 3), dtype=np.uint8))
    assert image == gspaces.Box(0, 255, shape=(4, 4, 3), dtype=np.uint8)
    assert to_gymnasium_space(spaces.Box(0, 1, shape=(), dtype=np.float32)).shape == ()
    blackjack = to_gymnasium_space(Blackjack().observation_space)
    assert isinstance(blackjack, gspaces.Tuple)
    assert blackjack == gymnasium.make("Blackjack-v1").observation_space
    for space in (
        spaces.Discrete(5, start=-2),
        box,
        spaces.Box(-np.inf, 3, (2,), np.int64),
        spaces.Box(0, 1, (3,), dtype=bool),
        Blackjack().observation_space,
    ):
        back = from_gymnasium_space(to_gymnasium_space(space))
        assert type(back) is type(space) and back == space
        if isinstance(space, spaces.Box):
            assert np.array_equal(back.bounded_below, space.bounded_below)
            assert np.array_equal(back.bounded_above, space.bounded_above)
    assert to_gymnasium_space(gbox) is gbox and from_gymnasium_space(box) is box


def test_converted_spaces_start_from_the_same_random_state():
    for space in (
        spaces.Discrete(7, seed=3),
        spaces.Box(-1, 1, (3,), seed=3),
        spaces.Box(-np.inf, np.inf, (2,), np.float64, seed=4),
        spaces.Tuple([spaces.Discrete(3), spaces.Discrete(4)], seed=5),
        spaces.MultiDiscrete([3, 5, 2], seed=6, start=[0, -2, 1]),
    ):
        converted = to_gymnasium_space(space)
        assert converted == to_gymnasium_space(space) and from_gymnasium_space(converted) == space
        assert all(_same(space.sample(), converted.sample()) for _ in range(20))


def test_unsupported_spaces_raise():
    with pytest.raises(TypeError, match="Discrete, MultiDiscrete, Box and Tuple"):
        from_gymnasium_space(gspaces.MultiBinary(3))
    with pytest.raises(TypeError, match="Discrete, MultiDiscrete, Box and Tuple"):
        to_gymnasium_space("not a space")


def test_not_an_environment_raises_a_clear_error():
    for thing in (object(), 42, CartPole, spaces.Discrete(2)):
        with pytest.raises(TypeError, match="to_gymnasium needs a homeml environment"):
            to_gymnasium(thing)
    with pytest.raises(ValueError, match="unknown environment 'CartPol-v1'"):
        to_gymnasium("CartPol-v1")
    with pytest.raises(TypeError, match="keyword arguments only with an environment name"):
        to_gymnasium(CartPole(), render_mode="rgb_array")
    theirs = gymnasium.make("CartPole-v1")
    assert to_gymnasium(theirs) is theirs


def test_render_close_attributes_and_wrappers_reach_the_homeml_env():
    env = to_gymnasium("Taxi-v3", render_mode="ansi")
    bare = make("Taxi-v3", render_mode="ansi")
    env.reset(seed=1)
    bare.reset(seed=1)
    assert env.render() == bare.render() and env.render_mode == "ansi"
    wrapped = RecordEpisodeStatistics(TimeLimit(env, 10))
    assert wrapped.unwrapped is env and wrapped.unwrapped.homeml_env.unwrapped.spec.id == "Taxi-v3"
    assert wrapped.unwrapped.P == Taxi().P  # tabular agents read env.unwrapped.P
    assert np.array_equal(wrapped.get_wrapper_attr("action_mask")(0), Taxi().action_mask(0))
    env.close()
    env.close()
    image = to_gymnasium("CartPole-v1", render_mode="rgb_array")
    image.reset(seed=0)
    assert image.render().shape == (400, 600, 3)


def test_spec_of_a_directly_built_env_rebuilds_it():
    env = to_gymnasium(FrozenLake(map_name="8x8", is_slippery=False))
    assert env.spec.id == "homeml/FrozenLake" and env.spec.max_episode_steps is None
    remade = env.spec.make(render_mode="ansi")
    assert remade.unwrapped.homeml_env.desc.shape == (8, 8) and remade.render_mode == "ansi"
    assert not remade.unwrapped.homeml_env.is_slippery
    with pytest.raises(TypeError, match="only be rebuilt with render_mode"):
        env.spec.make(map_name="4x4")


def test_copy_and_pickle_keep_the_episode():
    env = to_gymnasium(make("CartPole-v1"))
    env.reset(seed=5)
    env.step(0)
    for twin in (copy.deepcopy(env), pickle.loads(pickle.dumps(env))):
        assert type(twin) is type(env) and twin.spec.id == env.spec.id
        assert _same(twin.step(1), copy.deepcopy(env).step(1))


def test_homeml_does_not_import_gymnasium():
    code = (
        "import sys; sys.modules['gymnasium'] = None\n"
        "import homeml.rl, homeml.rl.gymnasium_compat as m\n"
        "try:\n    m.to_gymnasium('CartPole-v1')\nexcept ImportError as e:\n    print(e)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "pip install gymnasium" in out.stdout
