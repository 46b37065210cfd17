"""Cross-entropy method and evolution strategy: CartPole solved (CEM) or well learned (ES) in a
few seconds, the update rules by hand, generations spanning train calls, save/load, bad input."""

import gymnasium
import numpy as np
import pytest

import homeml as hm
from homeml.learn.base import NotFittedError
from homeml.rl.cem import CrossEntropyMethod, EvolutionStrategy, centered_ranks
from homeml.rl.registration import make


def test_cem_solves_cartpole():
    agent = CrossEntropyMethod(seed=0)
    history = agent.train(make("CartPole-v1"), 800, progress=False)
    assert agent.n_generations_ == 16 and history.extra["generation"][-1] == 15
    assert history.returns[:50].mean() < 60
    assert agent.evaluate(make("CartPole-v1"), 100, seed=1).mean() >= 475
    assert agent.evaluate(gymnasium.make("CartPole-v1"), 20, seed=2).mean() >= 475


@pytest.mark.slow  # 2,500 CartPole episodes: evolution strategies learn slowly
def test_es_learns_cartpole():
    agent = EvolutionStrategy(seed=0)
    history = agent.train(make("CartPole-v1"), 2500, progress=False)
    assert history.returns[:100].mean() < 100
    assert history.returns[-250:].mean() > 250
    assert agent.evaluate(make("CartPole-v1"), 20, seed=1).mean() > 250


class Bandit:
    """One step: reward = -(action - 2)**2 for an observation always [1]; action 2 is best."""

    observation_space = gymnasium.spaces.Box(1.0, 1.0, (1,))
    action_space = gymnasium.spaces.Discrete(5)

    def reset(self, *, seed=None, options=None):
        return np.ones(1, dtype=np.float32), {}

    def step(self, action):
        return np.ones(1, dtype=np.float32), -float((action - 2) ** 2), True, False, {}


def test_cem_update_by_hand_and_generations_across_calls():
    agent = CrossEntropyMethod(population_size=10, elite_fraction=0.3, noise=0.5, seed=3)
    agent.train(Bandit(), 7, progress=False)  # part of the first generation
    assert agent.n_generations_ == 0 and agent._evaluated == 7
    candidates = agent._candidates.copy()
    agent.train(Bandit(), 3, progress=False)  # completes it with the same candidates
    assert agent.n_generations_ == 1
    scores = np.array([-((np.argmax(c[:5] + c[5:]) - 2) ** 2) for c in candidates])  # W row + b
    elite = candidates[np.argsort(-scores, kind="stable")[:3]]
    np.testing.assert_allclose(agent.theta_, elite.mean(0))
    np.testing.assert_allclose(agent.std_, np.sqrt(elite.var(0) + 0.5))
    agent.train(Bandit(), 100, progress=False)
    assert agent.act(np.ones(1)) == 2


def test_es_centered_ranks_and_step():
    np.testing.assert_allclose(
        centered_ranks([3.0, -1.0, 10.0, 0.0, 5.0]), [0.0, -0.5, 0.5, -0.25, 0.25]
    )
    agent = EvolutionStrategy(population_size=6, sigma=0.5, learning_rate=0.1, seed=4)
    agent.train(Bandit(), 6, progress=False)
    assert agent.n_generations_ == 1
    agent.train(Bandit(), 300, progress=False)
    assert agent.act(np.ones(1)) == 2


@pytest.mark.parametrize("cls", [CrossEntropyMethod, EvolutionStrategy])
def test_same_seed_same_history_and_save_load(cls, tmp_path):
    runs = [
        cls(hidden_sizes=(4,), seed=1).train(make("CartPole-v1"), 60, progress=False)
        for _ in range(2)
    ]
    np.testing.assert_array_equal(runs[0].returns, runs[1].returns)
    agent = cls(hidden_sizes=(4,), seed=1)
    agent.train(make("CartPole-v1"), 60, progress=False)
    hm.save(agent, tmp_path / "a.safetensors")
    loaded = hm.load(tmp_path / "a.safetensors")
    assert type(loaded) is cls and loaded.get_params() == agent.get_params()
    np.testing.assert_array_equal(loaded.theta_, agent.theta_)
    observations = np.random.default_rng(0).normal(size=(100, 4))
    assert [loaded.act(o) for o in observations] == [agent.act(o) for o in observations]
    loaded.train(make("CartPole-v1"), 5, progress=False)


@pytest.mark.parametrize("cls", [CrossEntropyMethod, EvolutionStrategy])
def test_bad_input(cls):
    with pytest.raises(TypeError, match="Discrete action space.*Box"):
        cls().train(gymnasium.make("Pendulum-v1"), 1, progress=False)
    with pytest.raises(ValueError, match="n_episodes"):
        cls().train(make("CartPole-v1"), 0)
    with pytest.raises(ValueError, match="population_size"):
        cls(population_size=1).train(make("CartPole-v1"), 1, progress=False)
    with pytest.raises(NotFittedError):
        cls().act(np.zeros(4))
    agent = cls(seed=0)
    agent.train(make("CartPole-v1"), 1, progress=False)
    with pytest.raises(ValueError, match="trained on"):
        agent.train(Bandit(), 1, progress=False)


def test_bad_parameters():
    with pytest.raises(ValueError, match="even"):
        EvolutionStrategy(population_size=5).train(make("CartPole-v1"), 1, progress=False)
    with pytest.raises(ValueError, match="elite_fraction"):
        CrossEntropyMethod(elite_fraction=0).train(make("CartPole-v1"), 1, progress=False)
    with pytest.raises(ValueError, match="noise"):
        CrossEntropyMethod(noise="x").train(make("CartPole-v1"), 1, progress=False)
