"""`homeml rl ENV --algo ALGO`, the agent table behind it, agent files and the RL plots."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
from support import edit_homeml_info

import homeml as hm
from homeml import cli
from homeml.io import ModelFileError
from homeml.jobs.rl import parse_params, run
from homeml.plot import plot_returns, plot_state_values
from homeml.rl import EpisodeHistory, ExponentialSchedule, LinearSchedule, QLearning, make
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


def test_parse_params():
    got = parse_params(["alpha=0.5", "hidden_sizes=[32,32]", "double_dqn=false", "name=x"])
    assert got == {"alpha": 0.5, "hidden_sizes": (32, 32), "double_dqn": False, "name": "x"}
    got = parse_params(["epsilon=linear:1,0.05,500", "alpha=exponential:0.5,0.01,0.99"])
    assert got == {"epsilon": LinearSchedule(1.0, 0.05, 500),
                   "alpha": ExponentialSchedule(0.5, 0.01, 0.99)}  # fmt: skip
    for bad in ["alpha", "=3", "1x=2"]:
        with pytest.raises(ValueError, match="expected NAME=VALUE"):
            parse_params([bad])
    with pytest.raises(ValueError, match=r"expected epsilon=linear:START,END,DURATION"):
        parse_params(["epsilon=linear:1,2"])


def test_stop_at_stops_once_the_greedy_policy_is_good_enough(capsys):
    # the deterministic 4x4 lake: Q-learning's greedy policy reaches the goal within a few
    # hundred episodes; a greedy check every 10 episodes must stop training there
    summary = run("FrozenLake-v1", "q-learning", 5000, seed=0, env_kwargs={"is_slippery": False},
                  params={"epsilon": 0.3}, stop_at=1.0, eval_episodes=5, progress=False)
    assert summary["stopped_early"] and summary["episodes"] < 5000
    assert summary["episodes"] % 10 == 0 and summary["eval_mean_return"] == 1.0
    # without a reachable threshold it trains for every episode asked
    summary = run("FrozenLake-v1", "q-learning", 30, seed=0, env_kwargs={"is_slippery": False},
                  stop_at=2.0, eval_episodes=0, progress=False)
    assert summary["episodes"] == 30 and not summary["stopped_early"]


def test_history_concatenate():
    a = EpisodeHistory(np.array([1.0, 2.0]), np.array([3, 4]), {"loss": np.array([0.5, 0.25])})
    b = EpisodeHistory(np.array([5.0]), np.array([6]), {"epsilon": np.array([0.1])})
    both = EpisodeHistory.concatenate([a, b])
    np.testing.assert_array_equal(both.returns, [1, 2, 5])
    np.testing.assert_array_equal(both.lengths, [3, 4, 6])
    np.testing.assert_array_equal(both.extra["loss"], [0.5, 0.25, np.nan])
    np.testing.assert_array_equal(both.extra["epsilon"], [np.nan, np.nan, 0.1])
    assert len(EpisodeHistory.concatenate([])) == 0


def test_homeml_rl_command_trains_evaluates_plots_and_saves(tmp_path, capsys):
    plot, out = tmp_path / "returns.png", tmp_path / "agent.safetensors"
    code = cli.main([
        "rl", "CliffWalking-v1", "--algo", "q-learning", "--episodes", "200", "--seed", "1",
        "--set", "alpha=0.5", "--eval-episodes", "5", "--plot", str(plot), "--out", str(out),
        "--quiet",
    ])  # fmt: skip
    assert code == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["episodes"] == 200 and summary["eval_episodes"] == 5
    assert summary["eval_mean_return"] == -13.0  # Q-learning's greedy path: the optimal one
    assert plot.stat().st_size > 10_000
    agent = hm.load(out)
    assert isinstance(agent, QLearning) and agent.alpha == 0.5 and agent.n_episodes_ == 200
    assert hm.io.load_metadata(out)["eval_mean_return"] == -13.0
    # the same command with the same seed learns the same table
    again = run("CliffWalking-v1", "q-learning", 200, seed=1, params={"alpha": 0.5},
                eval_episodes=0, out=tmp_path / "again.safetensors", progress=False)
    assert "eval_mean_return" not in again
    np.testing.assert_array_equal(hm.load(tmp_path / "again.safetensors").q_, agent.q_)


def test_homeml_rl_env_arguments(capsys):
    cli.main(["rl", "FrozenLake-v1", "--algo", "q-learning", "--episodes", "300",
              "--env-set", "is_slippery=false", "--set", "epsilon=0.3", "--eval-episodes", "3",
              "--quiet"])  # fmt: skip
    assert json.loads(capsys.readouterr().out)["eval_mean_return"] == 1.0  # deterministic lake


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["rl", "Nope-v0", "--algo", "sarsa"], "unknown environment 'Nope-v0'"),
        (["rl", "CartPole-v1", "--algo", "sarsa"], "needs a Discrete observation space"),
        (["rl", "CliffWalking-v1", "--algo", "sarsa", "--set", "alpha=2"], r"alpha must be in"),
        (["rl", "CliffWalking-v1", "--algo", "sarsa", "--set", "beta=1"],
         r"sarsa \(SARSA\) has no setting 'beta'; its settings .* are: alpha=0.5, gamma=1.0"),
        (["rl", "FrozenLake-v1", "--algo", "q-learning", "--set", "alfa=0.1"],
         r"no setting 'alfa' \(did you mean 'alpha'\?\).*alpha=0.5, gamma=1.0, epsilon=0.1"),
        (["rl", "CartPole-v1", "--algo", "dqn", "--set", "lr=0.1"],
         r"dqn \(DQN\) has no setting 'lr'.*learning_rate=.*double_dqn=False"),
        (["rl", "CliffWalking-v1", "--algo", "sarsa", "--set", "alpha"], "NAME=VALUE"),
    ],
)
def test_homeml_rl_errors_are_one_line(argv, message, capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.main([*argv, "--episodes", "2", "--quiet"])
    assert exit_info.value.code == 1
    error = capsys.readouterr().err
    assert error.startswith("homeml: error:") and "Traceback" not in error
    assert re.search(message, error)


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


def test_plot_returns_and_state_values():
    history = EpisodeHistory(np.arange(10.0), np.ones(10, dtype=np.int64))
    ax = plot_returns(history, window=3)
    rolling, raw = ax.lines
    np.testing.assert_allclose(rolling.get_ydata(), [0, 0.5, 1, 2, 3, 4, 5, 6, 7, 8])
    np.testing.assert_array_equal(raw.get_ydata(), np.arange(10.0))
    assert len(plot_returns([1.0, 2.0]).lines) == 2  # plain returns work too
    with pytest.raises(ValueError, match="no episodes"):
        plot_returns([])
    with pytest.raises(ValueError, match="window must be a positive integer"):
        plot_returns(history, window=0)

    ax = plot_state_values(np.arange(16.0), shape=(4, 4))
    assert [t.get_text() for t in ax.texts][:3] == ["0.0", "1.0", "2.0"]
    with pytest.raises(ValueError, match="do not fill a grid of shape"):
        plot_state_values(np.arange(15.0), shape=(4, 4))
    with pytest.raises(ValueError, match=r"expected values of shape \(rows, cols\)"):
        plot_state_values(np.arange(16.0))
