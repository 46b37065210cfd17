"""DQN: Q-values on a chain with a closed-form Q*, the Huber loss and (Double-)DQN target against
PyTorch on the same numbers, the replay ring, reproducibility, save/load and bad input."""

import gymnasium
import numpy as np
import pytest
import torch

import homeml as hm
from homeml.learn.base import NotFittedError
from homeml.rl.dqn import DQN, ReplayBuffer
from homeml.rl.registration import make
from homeml.rl.schedules import LinearSchedule

GAMMA = 0.9


class Chain:
    """States 0..4 in a line, start at 0; action 1 moves right, 0 left (floored at 0).

    Reaching state 4 pays 1 and ends the episode; every other step pays 0. So
    ``Q*(s, right) = gamma**(3 - s)`` and ``Q*(s, left) = gamma * V*(max(s - 1, 0))``.
    """

    def __init__(self, box=False):
        self.box = box
        self.observation_space = (
            gymnasium.spaces.Box(0.0, 1.0, (5,)) if box else gymnasium.spaces.Discrete(5)
        )
        self.action_space = gymnasium.spaces.Discrete(2)

    def _obs(self):
        return np.eye(5, dtype=np.float32)[self.state] if self.box else self.state

    def reset(self, *, seed=None, options=None):
        self.state, self.t = 0, 0
        return self._obs(), {}

    def step(self, action):
        self.state = min(self.state + 1, 4) if action == 1 else max(self.state - 1, 0)
        self.t += 1
        terminated = self.state == 4
        return self._obs(), float(terminated), terminated, self.t >= 20, {}


def q_star():
    v = GAMMA ** (3 - np.arange(4.0))  # V*(s) = Q*(s, right) for s = 0..3
    return np.stack([GAMMA * v[np.maximum(np.arange(4) - 1, 0)], v], axis=1)


@pytest.mark.parametrize("box", [False, True])
def test_q_values_approach_the_closed_form_q_star(box):
    agent = DQN(
        hidden_sizes=(32,),
        learning_rate=3e-3,
        gamma=GAMMA,
        epsilon=0.5,
        buffer_size=2000,
        batch_size=32,
        learning_starts=100,
        train_freq=1,
        gradient_steps=1,
        target_update_interval=50,
        double_dqn=True,
        seed=0,
    )
    history = agent.train(Chain(box), 150, progress=False)
    states = np.eye(5, dtype=np.float32)[:4] if box else np.arange(4)
    q = agent.q_values(states)
    assert np.abs(q - q_star()).max() < 0.01
    assert [agent.act(s) for s in states] == [1, 1, 1, 1]
    assert agent.evaluate(Chain(box), 3).tolist() == [1.0, 1.0, 1.0]
    # the loss of the last episodes is far below that of the first learning ones
    loss = history.extra["loss"][~np.isnan(history.extra["loss"])]
    assert loss[-20:].mean() < 0.1 * loss[:5].mean()


def _torch_net(net):
    linears = [layer for layer in net if isinstance(layer, hm.nn.Linear)]
    layers = []
    for i, linear in enumerate(linears):
        t = torch.nn.Linear(linear.in_features, linear.out_features)
        with torch.no_grad():
            t.weight.copy_(torch.from_numpy(linear.weight.numpy()))
            t.bias.copy_(torch.from_numpy(linear.bias.numpy()))
        layers += [t] if i == len(linears) - 1 else [t, torch.nn.ReLU()]
    return torch.nn.Sequential(*layers)


@pytest.mark.parametrize("double_dqn", [False, True])
def test_loss_and_target_match_pytorch_on_a_fixed_batch(double_dqn):
    agent = DQN(
        hidden_sizes=(16, 16),
        double_dqn=double_dqn,
        learning_starts=10,
        train_freq=1,
        gradient_steps=1,
        batch_size=8,
        target_update_interval=10_000,
        seed=1,
    )
    agent.train(gymnasium.make("CartPole-v1"), 3, progress=False)
    assert agent.n_updates_ > 0  # the online net moved away from the target net
    rng = np.random.default_rng(0)
    obs = rng.normal(size=(32, 4)).astype(np.float32)
    next_obs = rng.normal(size=(32, 4)).astype(np.float32)
    actions = rng.integers(0, 2, 32)
    rewards = (3 * rng.normal(size=32)).astype(np.float32)  # errors on both sides of delta=1
    terminated = (rng.random(32) < 0.3).astype(np.float32)
    online, target = _torch_net(agent.q_net_), _torch_net(agent.target_net_)
    with torch.no_grad():
        q_next = target(torch.from_numpy(next_obs))
        chooser = online if double_dqn else target
        best = chooser(torch.from_numpy(next_obs)).argmax(1, keepdim=True)
        y = torch.from_numpy(rewards) + 0.99 * (1 - torch.from_numpy(terminated)) * q_next.gather(
            1, best
        ).squeeze(1)
    q = online(torch.from_numpy(obs)).gather(1, torch.from_numpy(actions)[:, None]).squeeze(1)
    expected = torch.nn.functional.smooth_l1_loss(q, y)
    assert torch.allclose(expected, torch.nn.functional.huber_loss(q, y, delta=1.0))
    expected.backward()

    batch = (obs, actions, rewards, next_obs, terminated)
    np.testing.assert_allclose(
        agent._targets(rewards, next_obs, terminated, 0.99), y.numpy(), rtol=1e-5, atol=1e-5
    )
    agent.q_net_.zero_grad()  # the last training step left its gradients there
    loss = agent._loss(batch, 0.99)
    np.testing.assert_allclose(loss.item(), expected.item(), rtol=1e-5)
    loss.backward()
    first = agent.q_net_[0]
    np.testing.assert_allclose(
        first.weight.grad.numpy(), online[0].weight.grad.numpy(), rtol=1e-4, atol=1e-6
    )


def test_replay_buffer_wraps_around():
    buffer = ReplayBuffer(3, 2)
    for i in range(5):
        buffer.add([i, -i], i, 10 * i, [i + 1, 0], i == 4)
    assert len(buffer) == 3 and buffer.position == 2
    # slots 0, 1 were overwritten by transitions 3, 4; slot 2 still holds transition 2
    assert buffer.actions.tolist() == [3, 4, 2]
    assert buffer.observations[:, 0].tolist() == [3, 4, 2]
    assert buffer.rewards.tolist() == [30, 40, 20] and buffer.terminated.tolist() == [0, 1, 0]
    obs, actions, rewards, next_obs, _ = buffer.sample(50, np.random.default_rng(0))
    assert set(actions.tolist()) == {2, 3, 4}
    np.testing.assert_array_equal(rewards, 10 * actions)
    np.testing.assert_array_equal(next_obs[:, 0], actions + 1)


def _short(seed=3, **kw):
    return DQN(
        hidden_sizes=(16,),
        learning_starts=40,
        batch_size=16,
        train_freq=1,
        gradient_steps=1,
        epsilon=LinearSchedule(1.0, 0.1, 200),
        target_update_interval=50,
        double_dqn=True,
        seed=seed,
        **kw,
    )


@pytest.mark.parametrize("make_env", [gymnasium.make, make], ids=["gymnasium", "homeml"])
def test_same_seed_same_history(make_env):
    runs = [_short().train(make_env("CartPole-v1"), 15, progress=False) for _ in range(2)]
    np.testing.assert_array_equal(runs[0].returns, runs[1].returns)
    np.testing.assert_array_equal(runs[0].extra["loss"], runs[1].extra["loss"])
    other = _short(seed=4).train(make_env("CartPole-v1"), 15, progress=False)
    assert not np.array_equal(runs[0].returns, other.returns)


def test_training_continues_and_save_load_acts_identically(tmp_path):
    env = make("CartPole-v1")
    agent = _short(tau=0.5)
    first = agent.train(env, 5, progress=False)
    steps = agent.n_steps_
    second = agent.train(env, 5, progress=False)
    assert len(first) == len(second) == 5 and agent.n_steps_ == steps + second.lengths.sum()
    path = tmp_path / "dqn.safetensors"
    hm.save(agent, path)
    loaded = hm.load(path)
    assert type(loaded) is DQN and loaded.get_params() == agent.get_params()
    observations = np.random.default_rng(0).normal(size=(200, 4)).astype(np.float32)
    np.testing.assert_array_equal(loaded.q_values(observations), agent.q_values(observations))
    assert [loaded.act(o) for o in observations] == [agent.act(o) for o in observations]
    np.testing.assert_array_equal(loaded.evaluate(env, 3, seed=5), agent.evaluate(env, 3, seed=5))
    loaded.train(env, 2, progress=False)  # a loaded agent can go on learning
    assert loaded.n_steps_ > agent.n_steps_


def test_bad_input():
    with pytest.raises(TypeError, match="Discrete action space.*Box"):
        DQN().train(gymnasium.make("Pendulum-v1"), 1, progress=False)
    with pytest.raises(TypeError, match="observation space.*Tuple"):
        DQN().train(gymnasium.make("Blackjack-v1"), 1, progress=False)
    with pytest.raises(ValueError, match="n_episodes"):
        DQN().train(make("CartPole-v1"), 0)
    for bad in (
        dict(batch_size=0),
        dict(gamma=1.5),
        dict(tau=0),
        dict(hidden_sizes=(8, -1)),
        dict(epsilon="high"),
        dict(max_grad_norm=-1.0),
    ):
        with pytest.raises(ValueError):
            DQN(**bad).train(make("CartPole-v1"), 1, progress=False)
    with pytest.raises(NotFittedError):
        DQN().act(np.zeros(4))
    agent = _short()
    agent.train(make("CartPole-v1"), 1, progress=False)
    with pytest.raises(ValueError, match="observation of shape"):
        agent.act(np.zeros(3))
    with pytest.raises(ValueError, match="trained on"):
        agent.train(Chain(box=False), 1, progress=False)
