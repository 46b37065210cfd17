"""homeml.rl.wrappers against gymnasium.wrappers: the same wrapper on the same seeded environment
gives the same observations, rewards, flags and infos, step by step."""

import numpy as np
import pytest

from homeml import rl
from homeml.rl import spaces
from homeml.rl import wrappers as hw
from homeml.rl.env import Env, ResetNeeded
from homeml.rl.gymnasium_compat import to_gymnasium

gymnasium = pytest.importorskip(
    "gymnasium", reason="Gymnasium is the reference (pip install gymnasium); CI installs it"
)
gw = gymnasium.wrappers


def assert_same(ours, theirs, path="result"):
    """Equal values of equal types (arrays: equal dtype, shape and elements)."""
    if isinstance(theirs, np.ndarray) and theirs.dtype == object:  # e.g. final observations
        assert isinstance(ours, np.ndarray) and ours.dtype == object, (path, ours)
        assert_same(list(ours), list(theirs), path)
    elif isinstance(theirs, np.ndarray):
        assert isinstance(ours, np.ndarray), (path, ours)
        assert ours.dtype == theirs.dtype and ours.shape == theirs.shape, (path, ours, theirs)
        np.testing.assert_array_equal(ours, theirs, err_msg=path)
    elif isinstance(theirs, (tuple, list)):
        assert type(ours) is type(theirs) and len(ours) == len(theirs), (path, ours, theirs)
        for i, (a, b) in enumerate(zip(ours, theirs, strict=True)):
            assert_same(a, b, f"{path}[{i}]")
    elif isinstance(theirs, dict):
        assert ours.keys() == theirs.keys(), (path, ours, theirs)
        for key in theirs:
            assert_same(ours[key], theirs[key], f"{path}[{key!r}]")
    else:
        assert type(ours) is type(theirs) and ours == theirs, (path, ours, theirs)


def actions_for(space, n, seed=0):
    """``n`` actions drawn independently of either library's generators."""
    rng = np.random.default_rng(seed)
    if isinstance(space, (spaces.Discrete, gymnasium.spaces.Discrete)):
        return [int(space.start + rng.integers(space.n)) for _ in range(n)]
    low, high = np.maximum(space.low, -3.0), np.minimum(space.high, 3.0)
    span = high - low
    return [rng.uniform(low - 0.5 * span, high + 0.5 * span).astype(space.dtype) for _ in range(n)]


def play(env, actions, seed=0):
    """Every reset and step result of playing ``actions``, resetting when an episode ends.

    Episode statistics lose their duration ``"t"``, a wall-clock time.
    """
    records = [env.reset(seed=seed)]
    for action in actions:
        result = env.step(action)
        info = dict(result[4])
        if "episode" in info:
            info["episode"] = {k: v for k, v in info["episode"].items() if k != "t"}
        records.append((*result[:4], info))
        if result[2] or result[3]:
            records.append(env.reset())
    return records


def compare(ours, theirs, n_steps=300, seed=0):
    actions = actions_for(ours.action_space, n_steps, seed)
    assert_same(play(ours, actions, seed), play(theirs, actions, seed))


class Echo(Env):
    """A Box-action environment whose observation is the action it received (5-step episodes)."""

    metadata = {"render_modes": []}

    def __init__(self, low=-1.0, high=2.0, shape=(3,), dtype=np.float32):
        self.action_space = spaces.Box(low, high, shape=shape, dtype=dtype)
        self.observation_space = spaces.Box(-np.inf, np.inf, shape=shape, dtype=np.float64)
        self.t = 0

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        self.t = 0
        return np.zeros(self.action_space.shape), {}

    def step(self, action):
        self.t += 1
        return np.array(action, copy=True), float(np.sum(action)), self.t == 5, False, {}


# ----------------------------------------------------------------------------- each wrapper
ENVS = [
    "CartPole-v1",
    "MountainCar-v0",
    "FrozenLake-v1",
    "Taxi-v4",
    "Blackjack-v1",
    "CliffWalking-v1",
]


@pytest.mark.parametrize("name", [n for n in ENVS if n != "CliffWalking-v1"])  # it ends rarely
def test_record_episode_statistics_matches_gymnasium(name):
    ours = hw.RecordEpisodeStatistics(rl.make(name), buffer_length=1)
    theirs = gw.RecordEpisodeStatistics(gymnasium.make(name), buffer_length=1)
    compare(ours, theirs, 401)
    assert ours.episode_count == theirs.episode_count > 1
    assert list(ours.return_queue) == list(theirs.return_queue)
    assert list(ours.length_queue) == list(theirs.length_queue)
    assert len(ours.time_queue) == 1


def test_record_episode_statistics_info_and_key_clash():
    env = hw.RecordEpisodeStatistics(rl.make("CartPole-v1"), stats_key="stats")
    env.reset(seed=1)
    done, total, info = False, 0, {}
    while not done:
        _, reward, terminated, truncated, info = env.step(1)
        total, done = total + reward, terminated or truncated
    assert info["stats"]["r"] == total and info["stats"]["l"] == total
    assert info["stats"]["t"] >= 0
    clash = hw.RecordEpisodeStatistics(hw.RecordEpisodeStatistics(rl.make("CartPole-v1")))
    clash.reset(seed=0)
    with pytest.raises(KeyError, match="already has the key 'episode'"):
        for _ in range(500):
            clash.step(1)


def test_time_limit_matches_gymnasium_and_refuses_steps_after_truncation():
    ours = hw.TimeLimit(rl.make("CartPole-v1").unwrapped, 7)
    theirs = gw.TimeLimit(gymnasium.make("CartPole-v1").unwrapped, 7)
    compare(ours, theirs, 100)
    ours.reset(seed=0)
    for _ in range(7):
        *_, truncated, _ = ours.step(0)
    assert truncated
    with pytest.raises(ResetNeeded, match="after the episode ended"):
        ours.step(0)


@pytest.mark.parametrize("name", ["Blackjack-v1", "FrozenLake-v1", "CartPole-v1", "Taxi-v4"])
def test_flatten_observation_matches_gymnasium(name):
    ours = hw.FlattenObservation(rl.make(name))
    theirs = gw.FlattenObservation(gymnasium.make(name))
    assert ours.observation_space == rl.from_gymnasium_space(theirs.observation_space)
    compare(ours, theirs, 200)


@pytest.mark.parametrize("name", ["CartPole-v1", "MountainCar-v0", "FrozenLake-v1"])
def test_normalize_observation_matches_gymnasium(name):
    ours = hw.NormalizeObservation(rl.make(name), epsilon=1e-6)
    theirs = gw.NormalizeObservation(gymnasium.make(name), epsilon=1e-6)
    assert ours.observation_space == rl.from_gymnasium_space(theirs.observation_space)
    compare(ours, theirs, 300)
    np.testing.assert_array_equal(ours.obs_rms.mean, theirs.obs_rms.mean)
    np.testing.assert_array_equal(ours.obs_rms.var, theirs.obs_rms.var)
    ours.update_running_mean = theirs.update_running_mean = False
    mean = ours.obs_rms.mean.copy()
    compare(ours, theirs, 50, seed=1)
    np.testing.assert_array_equal(ours.obs_rms.mean, mean)


@pytest.mark.parametrize(
    ("name", "gamma"),
    [
        ("CartPole-v1", 0.99),
        ("MountainCar-v0", 0.9),
        ("CliffWalking-v1", 1.0),
        ("Blackjack-v1", 0.5),
    ],
)
def test_normalize_reward_matches_gymnasium(name, gamma):
    ours = hw.NormalizeReward(rl.make(name), gamma=gamma)
    theirs = gw.NormalizeReward(gymnasium.make(name), gamma=gamma)
    compare(ours, theirs, 300)
    assert ours.return_rms.var == theirs.return_rms.var
    ours.update_running_mean = theirs.update_running_mean = False
    compare(ours, theirs, 50, seed=1)


def test_transform_reward_and_observation_match_gymnasium():
    def scale(r):
        return 0.5 * r - 1

    def obs_fn(obs):
        return obs[:2] * 10

    box = spaces.Box(-np.inf, np.inf, shape=(2,), dtype=np.float32)
    ours = hw.TransformObservation(hw.TransformReward(rl.make("CartPole-v1"), scale), obs_fn, box)
    theirs = gw.TransformObservation(
        gw.TransformReward(gymnasium.make("CartPole-v1"), scale),
        obs_fn,
        gymnasium.spaces.Box(-np.inf, np.inf, shape=(2,), dtype=np.float32),
    )
    assert ours.observation_space is box
    compare(ours, theirs, 200)
    unchanged = hw.TransformObservation(rl.make("FrozenLake-v1"), lambda s: s + 1, None)
    assert unchanged.observation_space == spaces.Discrete(16)
    with pytest.raises(TypeError, match="TransformReward needs a function, got float"):
        hw.TransformReward(rl.make("CartPole-v1"), 0.5)


@pytest.mark.parametrize("stack_size", [1, 3])
@pytest.mark.parametrize("padding_type", ["reset", "zero"])
@pytest.mark.parametrize("name", ["CartPole-v1", "FrozenLake-v1", "Blackjack-v1"])
def test_frame_stack_observation_matches_gymnasium(name, padding_type, stack_size):
    ours = hw.FrameStackObservation(rl.make(name), stack_size, padding_type=padding_type)
    theirs = gw.FrameStackObservation(gymnasium.make(name), stack_size, padding_type=padding_type)
    assert ours.observation_space == rl.from_gymnasium_space(theirs.observation_space)
    compare(ours, theirs, 150)


def test_frame_stack_custom_padding_and_errors():
    pad = np.full(4, 0.01, dtype=np.float32)
    ours = hw.FrameStackObservation(rl.make("CartPole-v1"), 4, padding_type=pad)
    theirs = gw.FrameStackObservation(gymnasium.make("CartPole-v1"), 4, padding_type=pad)
    compare(ours, theirs, 60)
    with pytest.raises(ValueError, match="padding_type must be 'reset', 'zero' or an observation"):
        hw.FrameStackObservation(rl.make("CartPole-v1"), 2, padding_type="same")
    with pytest.raises(ValueError, match="stack_size must be positive, got 0"):
        hw.FrameStackObservation(rl.make("CartPole-v1"), 0)
    with pytest.raises(TypeError, match="stack_size must be an integer, got float"):
        hw.FrameStackObservation(rl.make("CartPole-v1"), 2.0)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_clip_action_matches_gymnasium(dtype):
    ours = hw.ClipAction(Echo(dtype=dtype))
    theirs = gw.ClipAction(to_gymnasium(Echo(dtype=dtype)))
    assert ours.action_space == spaces.Box(-np.inf, np.inf, (3,), dtype)
    assert ours.action_space == rl.from_gymnasium_space(theirs.action_space)
    actions = actions_for(Echo(dtype=dtype).action_space, 40)
    assert any(np.any(a > 2.0) for a in actions) and any(np.any(a < -1.0) for a in actions)
    assert_same(play(ours, actions), play(theirs, actions))


@pytest.mark.parametrize(
    ("low", "high", "new_min", "new_max"),
    [
        (-1.0, 2.0, -1.0, 1.0),
        (np.array([0.0, -5.0, 1.0]), np.array([1.0, 5.0, 3.0]), 0.0, np.array([1.0, 2.0, 10.0])),
        (
            np.array([-np.inf, 0.0, -2.0]),
            np.array([np.inf, 4.0, 3.0]),
            np.array([-np.inf, -1.0, 0.0]),
            np.array([np.inf, 1.0, 1.0]),
        ),
        (
            np.array([-np.inf, 0.0, 0.0]),
            np.array([1.0, 4.0, 3.0]),
            np.array([-np.inf, -1.0, 0.0]),
            np.array([-1.0, 1.0, 1.0]),
        ),
    ],
)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_rescale_action_matches_gymnasium(low, high, new_min, new_max, dtype):
    ours = hw.RescaleAction(Echo(low, high, dtype=dtype), new_min, new_max)
    theirs = gw.RescaleAction(to_gymnasium(Echo(low, high, dtype=dtype)), new_min, new_max)
    assert ours.action_space == rl.from_gymnasium_space(theirs.action_space)
    actions = actions_for(ours.action_space, 30)
    assert_same(play(ours, actions), play(theirs, actions))
    # the agent's bounds land on the environment's (where both are finite)
    finite = np.isfinite(ours.action_space.low) & np.isfinite(ours.action_space.high)
    env_low = np.broadcast_to(low, (3,))[finite]
    np.testing.assert_allclose(ours.action(ours.action_space.low)[finite], env_low, rtol=1e-6)


def test_action_wrappers_refuse_discrete_actions_and_bad_bounds():
    with pytest.raises(TypeError, match=r"ClipAction needs a Box action space, got Discrete\(2\)"):
        hw.ClipAction(rl.make("CartPole-v1"))
    with pytest.raises(TypeError, match="RescaleAction needs a Box action space"):
        hw.RescaleAction(rl.make("CartPole-v1"), -1, 1)
    with pytest.raises(ValueError, match="min_action < max_action"):
        hw.RescaleAction(Echo(), 1.0, 1.0)
    with pytest.raises(ValueError, match=r"max_action must have shape \(3,\), got \(2,\)"):
        hw.RescaleAction(Echo(), 0.0, np.ones(2))
    with pytest.raises(ValueError, match="unbounded"):
        hw.RescaleAction(Echo(-np.inf, 1.0), -1.0, 1.0)


def test_normalize_wrappers_refuse_bad_settings():
    with pytest.raises(ValueError, match="epsilon must be a positive number, got 0"):
        hw.NormalizeObservation(rl.make("CartPole-v1"), epsilon=0)
    with pytest.raises(ValueError, match=r"gamma must be in \[0, 1\], got 1.5"):
        hw.NormalizeReward(rl.make("CartPole-v1"), gamma=1.5)
    blackjack = rl.make("Blackjack-v1")
    with pytest.raises(ValueError, match="needs an observation space with a shape"):
        hw.NormalizeObservation(blackjack)


def test_wrappers_compose_and_pass_attributes_through():
    env = hw.RecordEpisodeStatistics(
        hw.NormalizeReward(hw.FlattenObservation(rl.make("FrozenLake-v1", is_slippery=False)))
    )
    assert env.unwrapped.desc.shape == (4, 4)  # the base env's attribute
    assert env.spec.id == "FrozenLake-v1"
    assert env.observation_space == spaces.Box(0, 1, (16,), np.int64)
    obs, _ = env.reset(seed=0)
    assert obs.tolist() == [1] + [0] * 15
    assert "RecordEpisodeStatistics" in str(env) and "FlattenObservation" in str(env)
