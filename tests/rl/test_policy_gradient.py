"""REINFORCE and A2C: they beat a random policy on CartPole in a short run, the policy loss is
PyTorch's on the same numbers, reproducibility, save/load and bad input."""

import gymnasium
import numpy as np
import pytest
import torch

import homeml as hm
from homeml.learn.base import NotFittedError
from homeml.rl.policy_gradient import A2C, REINFORCE
from homeml.rl.registration import make

RANDOM_CARTPOLE = 22.4  # mean return of the uniformly random policy on CartPole-v1


@pytest.mark.parametrize(
    "agent, n_episodes, threshold",
    [
        (REINFORCE(seed=0), 150, 100.0),
        (REINFORCE(baseline=False, seed=0), 150, 60.0),
        (A2C(seed=0), 250, 60.0),
    ],
    ids=["reinforce-baseline", "reinforce", "a2c"],
)
def test_learning_beats_a_random_policy_on_cartpole(agent, n_episodes, threshold):
    history = agent.train(make("CartPole-v1"), n_episodes, progress=False)
    assert history.returns[:5].mean() < 40  # it starts near random...
    assert history.returns[-50:].mean() > threshold > 2 * RANDOM_CARTPOLE  # ...and learns
    assert agent.evaluate(gymnasium.make("CartPole-v1"), 10, seed=1).mean() > threshold


def test_reinforce_losses_match_pytorch_on_an_episode():
    agent = REINFORCE(
        hidden_sizes=(8,), gamma=0.9, learning_rate=1e-12, value_learning_rate=1e-12, seed=2
    )
    agent.train(make("CartPole-v1"), 1, progress=False)  # builds the networks, barely moves them
    rng = np.random.default_rng(0)
    obs = rng.normal(size=(6, 4)).astype(np.float32)
    actions, rewards = rng.integers(0, 2, 6), rng.normal(size=6)
    returns = np.array([sum(0.9**k * r for k, r in enumerate(rewards[t:])) for t in range(6)])
    layers = [m for m in agent.policy_net_ if isinstance(m, hm.nn.Linear)]
    w1, b1, w2, b2 = (
        torch.tensor(p.numpy(), dtype=torch.float64, requires_grad=True)
        for m in layers
        for p in (m.weight, m.bias)
    )
    logits = torch.relu(torch.from_numpy(obs).double() @ w1.T + b1) @ w2.T + b2
    value = agent._values(obs)
    advantage = torch.from_numpy(returns - value)
    advantage = (advantage - advantage.mean()) / (advantage.std(unbiased=False) + 1e-8)
    log_p = torch.log_softmax(logits, 1).gather(1, torch.from_numpy(actions)[:, None])[:, 0]
    expected = -(log_p * advantage).mean()
    policy_loss, value_loss = agent._update(obs, actions, rewards)
    np.testing.assert_allclose(policy_loss, expected.item(), rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(value_loss, np.mean((value - returns) ** 2), rtol=1e-4)


@pytest.mark.parametrize("cls", [REINFORCE, A2C])
def test_same_seed_same_history_and_save_load(cls, tmp_path):
    runs = [cls(seed=5).train(make("CartPole-v1"), 10, progress=False) for _ in range(2)]
    np.testing.assert_array_equal(runs[0].returns, runs[1].returns)
    np.testing.assert_array_equal(
        runs[0].to_dict()[list(runs[0].extra)[0]], runs[1].to_dict()[list(runs[1].extra)[0]]
    )
    agent = cls(seed=5)
    agent.train(gymnasium.make("CartPole-v1"), 5, progress=False)
    hm.save(agent, tmp_path / "agent.safetensors")
    loaded = hm.load(tmp_path / "agent.safetensors")
    assert type(loaded) is cls and loaded.get_params() == agent.get_params()
    observations = np.random.default_rng(0).normal(size=(100, 4))
    assert [loaded.act(o) for o in observations] == [agent.act(o) for o in observations]
    np.testing.assert_array_equal(
        loaded.action_probabilities(observations[0]), agent.action_probabilities(observations[0])
    )
    loaded.train(make("CartPole-v1"), 2, progress=False)  # goes on learning after load


def test_reinforce_without_baseline_saves_without_value_net(tmp_path):
    agent = REINFORCE(baseline=False, seed=0)
    agent.train(make("CartPole-v1"), 2, progress=False)
    assert agent.value_net_ is None
    hm.save(agent, tmp_path / "r.safetensors")
    assert hm.load(tmp_path / "r.safetensors").value_net_ is None


@pytest.mark.parametrize("cls", [REINFORCE, A2C])
def test_bad_input(cls):
    with pytest.raises(TypeError, match="Discrete action space.*Box"):
        cls().train(gymnasium.make("Pendulum-v1"), 1, progress=False)
    with pytest.raises(TypeError, match="observation space.*Tuple"):
        cls().train(gymnasium.make("Blackjack-v1"), 1, progress=False)
    with pytest.raises(ValueError, match="n_episodes"):
        cls().train(make("CartPole-v1"), -1)
    for bad in (dict(learning_rate=0), dict(gamma=-0.1), dict(hidden_sizes="64")):
        with pytest.raises(ValueError):
            cls(**bad).train(make("CartPole-v1"), 1, progress=False)
    with pytest.raises(NotFittedError):
        cls().act(np.zeros(4))
