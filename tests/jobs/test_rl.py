"""The reinforcement-learning job, `homeml rl ENV --algo ALGO` (homeml.jobs.rl): settings from
the command line, training until a greedy score, evaluation, the returns plot and saved agent."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

import homeml as hm
from homeml import cli
from homeml.jobs.rl import parse_params, run
from homeml.rl import ExponentialSchedule, LinearSchedule, QLearning


def test_parse_params():
    got = parse_params(["alpha=0.5", "hidden_sizes=[32,32]", "double_dqn=false", "name=x"])
    assert got == {"alpha": 0.5, "hidden_sizes": (32, 32), "double_dqn": False, "name": "x"}
    got = parse_params(["epsilon=linear:1,0.05,500", "alpha=exponential:0.5,0.01,0.99"])
    assert got == {
        "epsilon": LinearSchedule(1.0, 0.05, 500),
        "alpha": ExponentialSchedule(0.5, 0.01, 0.99),
    }
    for bad in ["alpha", "=3", "1x=2"]:
        with pytest.raises(ValueError, match="expected NAME=VALUE"):
            parse_params([bad])
    with pytest.raises(ValueError, match=r"expected epsilon=linear:START,END,DURATION"):
        parse_params(["epsilon=linear:1,2"])


def test_stop_at_stops_once_the_greedy_policy_is_good_enough(capsys):
    # the deterministic 4x4 lake: Q-learning's greedy policy reaches the goal within a few
    # hundred episodes; a greedy check every 10 episodes must stop training there
    summary = run(
        "FrozenLake-v1",
        "q-learning",
        5000,
        seed=0,
        env_kwargs={"is_slippery": False},
        params={"epsilon": 0.3},
        stop_at=1.0,
        eval_episodes=5,
        progress=False,
    )
    assert summary["stopped_early"] and summary["episodes"] < 5000
    assert summary["episodes"] % 10 == 0 and summary["eval_mean_return"] == 1.0
    # without a reachable threshold it trains for every episode asked
    summary = run(
        "FrozenLake-v1",
        "q-learning",
        30,
        seed=0,
        env_kwargs={"is_slippery": False},
        stop_at=2.0,
        eval_episodes=0,
        progress=False,
    )
    assert summary["episodes"] == 30 and not summary["stopped_early"]


def test_homeml_rl_command_trains_evaluates_plots_and_saves(tmp_path, capsys):
    plot, out = tmp_path / "returns.png", tmp_path / "agent.safetensors"
    code = cli.main(
        [
            "rl",
            "CliffWalking-v1",
            "--algo",
            "q-learning",
            "--episodes",
            "200",
            "--seed",
            "1",
            "--set",
            "alpha=0.5",
            "--eval-episodes",
            "5",
            "--plot",
            str(plot),
            "--out",
            str(out),
            "--quiet",
        ]
    )
    assert code == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["episodes"] == 200 and summary["eval_episodes"] == 5
    assert summary["eval_mean_return"] == -13.0  # Q-learning's greedy path: the optimal one
    assert plot.stat().st_size > 10_000
    agent = hm.load(out)
    assert isinstance(agent, QLearning) and agent.alpha == 0.5 and agent.n_episodes_ == 200
    assert hm.io.load_metadata(out)["eval_mean_return"] == -13.0
    # the same command with the same seed learns the same table
    again = run(
        "CliffWalking-v1",
        "q-learning",
        200,
        seed=1,
        params={"alpha": 0.5},
        eval_episodes=0,
        out=tmp_path / "again.safetensors",
        progress=False,
    )
    assert "eval_mean_return" not in again
    np.testing.assert_array_equal(hm.load(tmp_path / "again.safetensors").q_, agent.q_)


def test_homeml_rl_env_arguments(capsys):
    cli.main(
        [
            "rl",
            "FrozenLake-v1",
            "--algo",
            "q-learning",
            "--episodes",
            "300",
            "--env-set",
            "is_slippery=false",
            "--set",
            "epsilon=0.3",
            "--eval-episodes",
            "3",
            "--quiet",
        ]
    )
    assert json.loads(capsys.readouterr().out)["eval_mean_return"] == 1.0  # deterministic lake


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["rl", "Nope-v0", "--algo", "sarsa"], "unknown environment 'Nope-v0'"),
        (["rl", "CartPole-v1", "--algo", "sarsa"], "needs a Discrete observation space"),
        (["rl", "CliffWalking-v1", "--algo", "sarsa", "--set", "alpha=2"], r"alpha must be in"),
        (
            ["rl", "CliffWalking-v1", "--algo", "sarsa", "--set", "beta=1"],
            r"sarsa \(SARSA\) has no setting 'beta'; its settings .* are: alpha=0.5, gamma=1.0",
        ),
        (
            ["rl", "FrozenLake-v1", "--algo", "q-learning", "--set", "alfa=0.1"],
            r"no setting 'alfa' \(did you mean 'alpha'\?\).*alpha=0.5, gamma=1.0, epsilon=0.1",
        ),
        (
            ["rl", "CartPole-v1", "--algo", "dqn", "--set", "lr=0.1"],
            r"dqn \(DQN\) has no setting 'lr'.*learning_rate=.*double_dqn=False",
        ),
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
