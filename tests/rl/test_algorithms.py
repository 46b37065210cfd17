"""The agents by name (homeml.rl.algorithms), their settings, episode histories, and agent
files: what they keep and what they refuse."""

from __future__ import annotations

import numpy as np
import pytest
from support import edit_homeml_info

import homeml as hm
from homeml.io import ModelFileError
from homeml.rl import EpisodeHistory, LinearSchedule, QLearning, make
from homeml.rl.agent import Agent
from homeml.rl.algorithms import ALGORITHMS, make_agent


def test_every_algorithm_name_builds_its_agent():
    for name, (module, cls_name) in ALGORITHMS.items():
        agent = make_agent(name, seed=3)
        assert isinstance(agent, Agent) and type(agent).__name__ == cls_name
        assert type(agent).__module__ == f"homeml.rl.{module}"
        assert agent.seed == 3
    with pytest.raises(ValueError, match="unknown algorithm 'nope'; choose one of q-learning"):
        make_agent("nope")


def test_history_concatenate():
    a = EpisodeHistory(np.array([1.0, 2.0]), np.array([3, 4]), {"loss": np.array([0.5, 0.25])})
    b = EpisodeHistory(np.array([5.0]), np.array([6]), {"epsilon": np.array([0.1])})
    both = EpisodeHistory.concatenate([a, b])
    np.testing.assert_array_equal(both.returns, [1, 2, 5])
    np.testing.assert_array_equal(both.lengths, [3, 4, 6])
    np.testing.assert_array_equal(both.extra["loss"], [0.5, 0.25, np.nan])
    np.testing.assert_array_equal(both.extra["epsilon"], [np.nan, np.nan, 0.1])
    assert len(EpisodeHistory.concatenate([])) == 0


def test_agent_settings_are_the_public_constructor_parameters():
    import inspect

    from homeml.rl.algorithms import agent_settings

    for algo, (module, name) in ALGORITHMS.items():
        cls = getattr(__import__(f"homeml.rl.{module}", fromlist=[name]), name)
        settings = agent_settings(cls)
        expected = [p for p in inspect.signature(cls).parameters if not p.startswith("_")]
        assert list(settings) == expected, algo
        assert "self" not in settings and "seed" in settings, algo
    with pytest.raises(ValueError, match="has no setting 'alfa'"):
        make_agent("sarsa", alfa=0.1)


def test_agent_files_keep_schedules_and_refuse_code(tmp_path):
    env = make("CliffWalking-v1")
    agent = QLearning(epsilon=LinearSchedule(0.5, 0.01, 100), seed=0)
    agent.train(env, 20, progress=False)
    hm.save(agent, tmp_path / "a.safetensors")
    loaded = hm.load(tmp_path / "a.safetensors")
    assert loaded.epsilon == LinearSchedule(0.5, 0.01, 100)
    np.testing.assert_array_equal(loaded.q_, agent.q_)

    lambda_agent = QLearning(epsilon=lambda episode: 0.1, seed=0)
    lambda_agent.train(env, 2, progress=False)
    with pytest.raises(TypeError, match="a function is code"):
        hm.save(lambda_agent, tmp_path / "b.safetensors")
    with pytest.raises(Exception, match="has not been trained yet"):
        hm.save(QLearning(), tmp_path / "c.safetensors")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda info: info.update({"class": "os.system"}), "unknown agent class 'os.system'"),
        (lambda info: info.update({"class": "td.Uniforms"}), "unknown agent class"),
        (lambda info: info["params"].update({"nope": 1}), "does not rebuild"),
    ],
)
def test_tampered_agent_files_are_refused(tmp_path, change, message):
    agent = QLearning(seed=0)
    agent.train(make("CliffWalking-v1"), 3, progress=False)
    path = tmp_path / "a.safetensors"
    hm.save(agent, path)
    edit_homeml_info(path, change)
    with pytest.raises(ModelFileError, match=message):
        hm.load(path)
