"""SyncVectorEnv and make_vec against gymnasium.vector on the same seeds: batched spaces,
observations, rewards, flags, infos and the three autoreset modes."""

import numpy as np
import pytest
from test_wrappers import assert_same

from homeml import rl
from homeml.rl import spaces
from homeml.rl import wrappers as hw
from homeml.rl.gymnasium_compat import from_gymnasium_space, to_gymnasium
from homeml.rl.vector import AutoresetMode, SyncVectorEnv, make_vec

gymnasium = pytest.importorskip(
    "gymnasium", reason="Gymnasium is the reference (pip install gymnasium); CI installs it"
)


AUTORESET = gymnasium.vector.AutoresetMode


def batched_actions(space, n_steps, seed=0):
    """Actions for every copy, from a generator neither library owns."""
    rng = np.random.default_rng(seed)
    nvec = np.asarray(space.nvec)
    return [
        (rng.random(nvec.shape) * nvec).astype(np.int64) + np.asarray(space.start)
        for _ in range(n_steps)
    ]


def play(envs, actions, seed):
    records = [envs.reset(seed=seed)]
    for action in actions:
        records.append(envs.step(action))
    return records


@pytest.mark.parametrize("mode", ["NextStep", "SameStep", "Disabled"])
@pytest.mark.parametrize(
    ("name", "num_envs"),
    [("CartPole-v1", 3), ("FrozenLake-v1", 4), ("Blackjack-v1", 2), ("Taxi-v4", 2)],
)
def test_make_vec_matches_gymnasium(name, num_envs, mode):
    ours = make_vec(name, num_envs=num_envs, vector_kwargs={"autoreset_mode": mode})
    theirs = gymnasium.make_vec(
        name,
        num_envs=num_envs,
        vectorization_mode="sync",
        vector_kwargs={"autoreset_mode": AUTORESET(mode)},
    )
    assert ours.num_envs == theirs.num_envs == num_envs
    for attribute in (
        "action_space",
        "observation_space",
        "single_action_space",
        "single_observation_space",
    ):
        assert getattr(ours, attribute) == from_gymnasium_space(getattr(theirs, attribute))
    assert ours.metadata["autoreset_mode"].value == theirs.metadata["autoreset_mode"].value
    actions = batched_actions(ours.action_space, 250)
    if mode == "Disabled":  # reset by hand the copies that ended, as a user must
        records = []
        for envs in (ours, theirs):
            records.append([envs.reset(seed=5)])
            for action in actions:
                result = envs.step(action)
                records[-1].append(result)
                ended = result[2] | result[3]
                if ended.any():
                    records[-1].append(envs.reset(options={"reset_mask": ended}))
        assert_same(records[0], records[1])
    else:
        records = play(ours, actions, 5)
        assert_same(records, play(theirs, actions, 5))
        ended = [r for r in records[1:] if (r[2] | r[3]).any()]
        assert ended, "the run should include finished episodes"


def test_sync_vector_env_over_to_gymnasium_envs_matches_homeml():
    """gymnasium's SyncVectorEnv on adapted homeml envs and homeml's on the envs themselves."""
    theirs = gymnasium.vector.SyncVectorEnv(
        [lambda: to_gymnasium(rl.make("CliffWalking-v1", is_slippery=True))] * 3
    )
    ours = SyncVectorEnv([lambda: rl.make("CliffWalking-v1", is_slippery=True)] * 3)
    actions = batched_actions(ours.action_space, 150, seed=2)
    assert_same(play(ours, actions, [3, None, 9])[0][0].shape, (3,))
    assert_same(play(ours, actions, [3, 4, 9]), play(theirs, actions, [3, 4, 9]))


def test_wrapped_copies_and_episode_statistics_match_gymnasium():
    ours = make_vec("CartPole-v1", num_envs=2, wrappers=[hw.RecordEpisodeStatistics])
    theirs = gymnasium.make_vec(
        "CartPole-v1",
        num_envs=2,
        vectorization_mode="sync",
        wrappers=[gymnasium.wrappers.RecordEpisodeStatistics],
    )
    actions = batched_actions(ours.action_space, 80, seed=4)
    mine, ref = play(ours, actions, 0), play(theirs, actions, 0)
    for records in (mine, ref):
        for record in records[1:]:
            record[4].get("episode", {}).pop("t", None)
    assert_same(mine, ref)
    assert any("episode" in r[4] for r in mine[1:])


def test_next_step_autoreset_semantics():
    envs = make_vec("CartPole-v1", num_envs=2, max_episode_steps=3)
    envs.reset(seed=0)
    for _ in range(3):
        _, rewards, terminated, truncated, _ = envs.step(np.array([0, 1]))
    assert truncated.all() and rewards.tolist() == [1.0, 1.0]
    observations, rewards, terminated, truncated, _ = envs.step(np.array([0, 1]))
    assert rewards.tolist() == [0.0, 0.0] and not terminated.any() and not truncated.any()
    assert envs.envs[0]._elapsed_steps == 0  # that step was the reset
    assert rewards.dtype == np.float64 and terminated.dtype == np.bool_


def test_copy_false_returns_the_same_buffer_and_attribute_access():
    envs = SyncVectorEnv([lambda: rl.make("CartPole-v1")] * 2, copy=False)
    first, _ = envs.reset(seed=1)
    second, *_ = envs.step(np.array([1, 1]))
    assert first is second
    assert envs.get_attr("spec")[0].id == "CartPole-v1"
    envs.set_attr("custom", [1, 2])
    assert envs.get_attr("custom") == (1, 2)
    assert envs.call("render") == (None, None)
    assert len(envs.np_random_seed) == 2 and envs.np_random_seed[0] != envs.np_random_seed[1]
    assert "SyncVectorEnv(CartPole-v1, num_envs=2)" == repr(envs)
    with envs:
        pass
    assert envs.closed
    with pytest.raises(RuntimeError, match="closed"):
        envs.step(np.array([1, 1]))


def test_bad_input_is_refused_clearly():
    with pytest.raises(ValueError, match="autoreset_mode must be one of"):
        SyncVectorEnv([lambda: rl.make("CartPole-v1")], autoreset_mode="later")
    with pytest.raises(TypeError, match="non-empty list of functions"):
        SyncVectorEnv([])
    with pytest.raises(RuntimeError, match="must have equal spaces"):
        SyncVectorEnv([lambda: rl.make("FrozenLake-v1"), lambda: rl.make("Taxi-v4")])
    with pytest.raises(ValueError, match="vectorization_mode must be 'sync' or None, got 'async'"):
        make_vec("CartPole-v1", 2, vectorization_mode="async")
    with pytest.raises(ValueError, match="num_envs must be a positive integer, got 0"):
        make_vec("CartPole-v1", 0)
    envs = make_vec("CartPole-v1", 3)
    with pytest.raises(ValueError, match=r"one seed per environment \(3\), got 2"):
        envs.reset(seed=[1, 2])
    envs.reset(seed=0)
    with pytest.raises(ValueError, match=r"one action per environment \(3\), got 2"):
        envs.step(np.array([0, 1]))
    with pytest.raises(ValueError, match="reset_mask"):
        envs.reset(options={"reset_mask": np.array([1, 0, 1])})
    with pytest.raises(ValueError, match="at least one"):
        envs.reset(options={"reset_mask": np.zeros(3, dtype=bool)})
    assert AutoresetMode("same_step") is AutoresetMode.SAME_STEP
    assert (
        SyncVectorEnv(
            [lambda: rl.make("CartPole-v1")], autoreset_mode=AUTORESET.DISABLED
        ).autoreset_mode
        is AutoresetMode.DISABLED
    )
    assert isinstance(envs.action_space, spaces.MultiDiscrete)
