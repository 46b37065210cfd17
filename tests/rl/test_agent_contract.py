"""The agent contract across homeml.rl: seeds of every kind (ints, NumPy ints, generators),
evaluation that always ends, clear errors for bad input, and a loaded agent that trains on
exactly as the saved one would."""

from __future__ import annotations

import importlib

import gymnasium
import numpy as np
import pytest

import homeml as hm
from homeml.rl import (
    A2C,
    DQN,
    REINFORCE,
    CrossEntropyMethod,
    EpsilonGreedy,
    EvolutionStrategy,
    QLearning,
    make,
    mc_prediction,
    td_prediction,
)
from homeml.rl.algorithms import ALGORITHMS
from homeml.rl.spaces import Box

SMALL = {
    DQN: {
        "hidden_sizes": (8,),
        "learning_starts": 10,
        "train_freq": 4,
        "gradient_steps": 1,
        "batch_size": 8,
    },
    REINFORCE: {"hidden_sizes": (8,)},
    A2C: {"hidden_sizes": (8,)},
    CrossEntropyMethod: {"population_size": 4},
    EvolutionStrategy: {"population_size": 4},
}


@pytest.mark.parametrize("cls", list(SMALL), ids=lambda c: c.__name__)
def test_network_agents_take_numpy_and_generator_seeds(cls):
    for make_env in (make, gymnasium.make):  # Gymnasium refuses NumPy integers as seeds
        histories = [
            cls(seed=seed, **SMALL[cls]).train(make_env("CartPole-v1"), 3, progress=False)
            for seed in (np.int64(5), 5, np.random.default_rng(5), np.random.default_rng(5))
        ]
        np.testing.assert_array_equal(histories[0].returns, histories[1].returns)
        np.testing.assert_array_equal(histories[2].returns, histories[3].returns)


@pytest.mark.parametrize("seed", [np.int64(3), "generator"])
def test_prediction_functions_and_bandits_are_reproducible_with_any_seed(seed):
    def fresh():
        return np.random.default_rng(3) if seed == "generator" else seed

    for run in (
        lambda: td_prediction(make("FrozenLake-v1"), n_episodes=50, seed=fresh()),
        lambda: mc_prediction(make("Blackjack-v1"), n_episodes=200, seed=fresh()),
        lambda: EpsilonGreedy(seed=fresh()).train(make("Bandit-v0"), 1, progress=False).returns,
    ):
        np.testing.assert_array_equal(run(), run())


def test_agents_seeded_with_a_generator_save_without_it(tmp_path):
    agent = QLearning(seed=np.random.default_rng(0))
    agent.train(make("CliffWalking-v1"), 5, progress=False)
    hm.save(agent, tmp_path / "a.safetensors")
    loaded = hm.load(tmp_path / "a.safetensors")
    assert loaded.seed is None
    np.testing.assert_array_equal(loaded.q_, agent.q_)


def test_td_prediction_follows_the_action_start():
    class Chain(gymnasium.Env):  # actions 1 and 2; two steps to the end, reward 1 each
        action_space = gymnasium.spaces.Discrete(2, start=1)
        observation_space = gymnasium.spaces.Discrete(3)

        def reset(self, *, seed=None, options=None):
            super().reset(seed=seed)
            self.s = 0
            return 0, {}

        def step(self, action):
            assert action in (1, 2)
            self.s += 1
            return self.s, 1.0, self.s == 2, False, {}

    V = td_prediction(Chain(), n_episodes=300, alpha=0.2, seed=0)
    np.testing.assert_allclose(V[:2], [2.0, 1.0], atol=1e-6)


def test_evaluate_ends_on_environments_without_a_time_limit():
    agent = QLearning(seed=0)
    agent.train(make("CliffWalking-v1"), 1, progress=False)
    agent.q_[:] = 0.0
    agent.q_[..., 0] = 1.0  # always "up": along the top wall, forever
    returns = agent.evaluate(make("CliffWalking-v1"), 2, max_steps=500)
    np.testing.assert_array_equal(returns, [-500.0, -500.0])


def test_clear_errors():
    with pytest.raises(ValueError, match=r"out of the range of dtype int8 \(-128 to 127\)"):
        Box(-200, 100, (2,), np.int8)
    with pytest.raises(ValueError, match="out of the range of dtype uint8"):
        Box(0, 300, (2,), np.uint8)
    with pytest.raises(ValueError, match="single string 'SFFG'"):
        make("FrozenLake-v1", desc="SFFG")
    env = make("FrozenLake-v1")
    env.reset(seed=0)
    with pytest.raises(ValueError, match="is not in the action space"):
        env.step(np.array([1, 2]))
    bandit = make("Bandit-v0")
    bandit.reset(seed=0)
    with pytest.raises(ValueError, match="is not in the action space"):
        bandit.step(np.array([1, 2]))
    agent = QLearning(seed=0)
    agent.train(env, 2, progress=False)
    for observation in [(1, 2), 99, -1]:
        with pytest.raises(ValueError, match=r"values from \[0\] to \[15\]"):
            agent.act(observation)
    with pytest.raises(ValueError, match=r"epsilon must be in \[0, 1\], got 1.5"):
        DQN(epsilon=1.5, **SMALL[DQN]).train(make("CartPole-v1"), 1, progress=False)


@pytest.mark.parametrize(
    ("cls", "env_name", "first"),
    [
        (QLearning, "CliffWalking-v1", 20),
        (EpsilonGreedy, "Bandit-v0", 2),
        (CrossEntropyMethod, "CartPole-v1", 23),  # a generation half evaluated when saved
        (EvolutionStrategy, "CartPole-v1", 27),
        (REINFORCE, "CartPole-v1", 20),
        (A2C, "CartPole-v1", 20),
    ],
    ids=lambda v: getattr(v, "__name__", None),
)
def test_a_loaded_agent_continues_training_as_the_saved_one_would(cls, env_name, first, tmp_path):
    """The file keeps the random generator's state (and optimizer moments, a generation in
    progress): saving in the middle of training changes nothing."""
    envs = make(env_name), make(env_name)
    agents = cls(seed=0, **SMALL.get(cls, {})), cls(seed=0, **SMALL.get(cls, {}))
    for agent, env in zip(agents, envs):
        agent.train(env, first, progress=False)
    hm.save(agents[1], tmp_path / "agent.safetensors")
    loaded = hm.load(tmp_path / "agent.safetensors")
    kept = agents[0].train(envs[0], 30, progress=False)
    resumed = loaded.train(envs[1], 30, progress=False)
    np.testing.assert_array_equal(kept.returns, resumed.returns)


@pytest.mark.parametrize("algo", sorted(ALGORITHMS))
def test_every_agent_class_has_its_docstring(algo):
    # the Monte Carlo agents' docstrings were once an expression (a string + the shared
    # attributes) that Python evaluated and dropped, leaving __doc__ None
    module, name = ALGORITHMS[algo]
    cls = getattr(importlib.import_module(f"homeml.rl.{module}"), name)
    assert (cls.__doc__ or "").strip()
