"""Deep Q-networks (Mnih et al., 2015) on :mod:`homeml.nn`, with the Double-DQN target option.

The agent keeps the last ``buffer_size`` transitions in a :class:`ReplayBuffer` (preallocated
NumPy arrays, overwritten in a ring), acts epsilon-greedily and, every ``train_freq`` steps once
``learning_starts`` steps are stored, takes ``gradient_steps`` Adam steps on the Huber loss
between ``Q(s, a)`` and the target ``r + gamma * (1 - terminated) * Q_target(s', a')``, where
``a' = argmax Q_target(s', .)`` (DQN) or ``argmax Q(s', .)`` (Double DQN, van Hasselt et al.,
2016). Episodes cut by a time limit (``truncated``) still bootstrap from ``s'``. Every
``target_update_interval`` steps the target network moves to the online one: a copy when
``tau == 1`` (hard update), ``target = tau * online + (1 - tau) * target`` otherwise (Polyak).

Acting and the target use plain NumPy on the layers' weights (:mod:`homeml.rl._networks`).
"""

from __future__ import annotations

import numpy as np

import homeml as hm
from homeml import nn
from homeml.nn import functional as F
from homeml.optim import Adam
from homeml.rl._checks import (
    check_fraction,
    check_hidden_sizes,
    check_n_episodes,
    check_positive,
    check_positive_int,
    epsilon_schedule,
)
from homeml.rl._networks import (
    ObservationEncoder,
    check_same_spaces,
    discrete_actions,
    mlp,
    mlp_forward,
    mlp_sizes,
)
from homeml.rl.agent import Agent, HistoryRecorder, env_seed, generator_from_seed
from homeml.rl.schedules import LinearSchedule

__all__ = ["DQN", "ReplayBuffer"]


# ------------------------------------------------------------------------------------ replay buffer


class ReplayBuffer:
    """The last ``capacity`` transitions, in preallocated arrays written as a ring.

    Parameters
    ----------
    capacity : int
        How many transitions are kept; the oldest is overwritten first.
    n_inputs : int
        The length of the (encoded) observation vectors.
    """

    def __init__(self, capacity: int, n_inputs: int):
        self.capacity = int(capacity)
        self.observations = np.zeros((capacity, n_inputs), dtype=np.float32)
        self.next_observations = np.zeros((capacity, n_inputs), dtype=np.float32)
        self.actions = np.zeros(capacity, dtype=np.int64)
        self.rewards = np.zeros(capacity, dtype=np.float32)
        self.terminated = np.zeros(capacity, dtype=np.float32)
        self.position = 0  # where the next transition goes
        self.size = 0

    def __len__(self) -> int:
        return self.size

    def add(self, observation, action, reward, next_observation, terminated) -> None:
        i = self.position
        self.observations[i] = observation
        self.actions[i] = action
        self.rewards[i] = reward
        self.next_observations[i] = next_observation
        self.terminated[i] = terminated
        self.position = (i + 1) % self.capacity
        self.size = min(self.size + 1, self.capacity)

    def sample(self, batch_size: int, rng: np.random.Generator) -> tuple:
        """``(obs, actions, rewards, next_obs, terminated)`` of ``batch_size`` random rows."""
        index = rng.integers(0, self.size, size=batch_size)
        return (
            self.observations[index],
            self.actions[index],
            self.rewards[index],
            self.next_observations[index],
            self.terminated[index],
        )


# ------------------------------------------------------------------------------------ the agent

_EPSILON = LinearSchedule(1.0, 0.04, 8_000)  # a frozen dataclass: safe as a default


class DQN(Agent):
    """Deep Q-network for Discrete-action environments with vector (or Discrete) observations.

    The defaults are the RL Baselines3 Zoo's settings for CartPole-v1 (few, large updates: 128
    gradient steps every 256 environment steps, the target copied every 10), with which
    ``examples/dqn_cartpole.py`` solves CartPole-v1 in 20-35 s on 2 cores.

    Parameters
    ----------
    hidden_sizes : tuple of int, default (256, 256)
        Hidden layer widths of the Q-network (ReLU between layers).
    learning_rate : float, default 2.3e-3
        Adam's step size.
    gamma : float, default 0.99
        Discount factor.
    epsilon : float or schedule, default LinearSchedule(1.0, 0.04, 8_000)
        Exploration rate, a number or a function of the number of environment steps taken.
    buffer_size : int, default 100_000
        Replay buffer capacity (transitions).
    batch_size : int, default 64
        Transitions per gradient step.
    learning_starts : int, default 1000
        Environment steps before the first gradient step.
    train_freq : int, default 256
        Environment steps between updates.
    gradient_steps : int, default 128
        Gradient steps per update.
    target_update_interval : int, default 10
        Environment steps between target-network updates.
    tau : float, default 1.0
        Target update rate: 1 copies the online network (hard update), less is Polyak averaging.
    double_dqn : bool, default False
        Choose the next action with the online network and evaluate it with the target one.
    max_grad_norm : float or None, default 10.0
        Clip the gradients' global norm to this (None: no clipping).
    seed : int, Generator or None
        Seeds network initialisation, exploration and replay sampling, and the first reset.

    Attributes
    ----------
    q_net_ : homeml.nn.Sequential
        The online Q-network (observation vector -> one value per action).
    target_net_ : homeml.nn.Sequential
        The target network.
    n_steps_ : int
        Environment steps taken in training.
    n_updates_ : int
        Gradient steps taken.
    """

    def __init__(
        self,
        hidden_sizes=(256, 256),
        learning_rate=2.3e-3,
        gamma=0.99,
        epsilon=_EPSILON,
        buffer_size=100_000,
        batch_size=64,
        learning_starts=1000,
        train_freq=256,
        gradient_steps=128,
        target_update_interval=10,
        tau=1.0,
        double_dqn=False,
        max_grad_norm=10.0,
        seed=None,
    ):
        self.hidden_sizes = hidden_sizes
        self.learning_rate = learning_rate
        self.gamma = gamma
        self.epsilon = epsilon
        self.buffer_size = buffer_size
        self.batch_size = batch_size
        self.learning_starts = learning_starts
        self.train_freq = train_freq
        self.gradient_steps = gradient_steps
        self.target_update_interval = target_update_interval
        self.tau = tau
        self.double_dqn = double_dqn
        self.max_grad_norm = max_grad_norm
        self.seed = seed

    # -- checks and setup ------------------------------------------------------------------------

    def _check_params(self) -> None:
        check_hidden_sizes(self.hidden_sizes)
        check_positive("learning_rate", self.learning_rate)
        check_fraction("gamma", self.gamma)
        check_fraction("tau", self.tau, low_open=True)
        for name in (
            "buffer_size",
            "batch_size",
            "train_freq",
            "gradient_steps",
            "target_update_interval",
        ):
            check_positive_int(name, getattr(self, name))
        check_positive_int("learning_starts", self.learning_starts, low=0)
        if self.max_grad_norm is not None:
            check_positive("max_grad_norm", self.max_grad_norm)
        epsilon_schedule(self.epsilon)

    def _build(self, n_inputs: int, n_actions: int) -> None:
        sizes = [n_inputs, *check_hidden_sizes(self.hidden_sizes), n_actions]
        self.q_net_ = mlp(sizes, self._rng)
        self.target_net_ = mlp(sizes, self._rng)
        self.target_net_.load_state_dict(self.q_net_.state_dict())
        self.n_steps_ = 0
        self.n_updates_ = 0

    def _ensure_training_parts(self, n_inputs: int) -> None:
        """Optimizer and buffer: made on the first call, and after a load (the file keeps Adam's
        moments but not the replay buffer, as Stable-Baselines3's model files do).
        """
        if getattr(self, "_buffer", None) is None:
            self._buffer = ReplayBuffer(int(self.buffer_size), n_inputs)
            self._optimizer = Adam(self.q_net_.parameters(), lr=float(self.learning_rate))
            if getattr(self, "_saved_optimizer", None) is not None:
                self._optimizer.load_state_dict(self._saved_optimizer)
                self._saved_optimizer = None

    # -- training --------------------------------------------------------------------------------

    def train(self, env, n_episodes: int, *, progress: bool = True):
        """Learn from ``n_episodes`` episodes of ``env``; return the :class:`EpisodeHistory`.

        The history's extra columns are ``epsilon`` (at the end of each episode) and ``loss``
        (the mean Huber loss of the episode's gradient steps, NaN before learning starts).
        """
        n_episodes = check_n_episodes(n_episodes)
        self._check_params()
        encoder = ObservationEncoder.for_space(env.observation_space, "DQN")
        n_actions, action_start = discrete_actions(env.action_space, "DQN")
        first_call = not hasattr(self, "_rng")
        if first_call:
            self._rng = generator_from_seed(self.seed)
        if not hasattr(self, "q_net_"):
            self.encoder_, self.action_start_ = encoder, action_start
            self._build(encoder.n_inputs, n_actions)
        else:
            check_same_spaces(self, self.q_net_, encoder, n_actions)
        self._ensure_training_parts(encoder.n_inputs)
        encode = self.encoder_
        epsilon = epsilon_schedule(self.epsilon)
        rng, buffer = self._rng, self._buffer
        start, gamma = self.action_start_, float(self.gamma)
        recorder = HistoryRecorder(n_episodes, progress, "DQN")
        first_seed = env_seed(self.seed, rng) if first_call else None
        for episode in range(n_episodes):
            observation, _ = env.reset(seed=first_seed if episode == 0 else None)
            x = encode(observation)
            total, length, losses, done = 0.0, 0, [], False
            while not done:
                eps = float(epsilon(self.n_steps_))
                if rng.random() < eps:
                    action = int(rng.integers(n_actions))
                else:
                    action = int(np.argmax(mlp_forward(self.q_net_, x)))
                observation, reward, terminated, truncated, _ = env.step(action + start)
                next_x = encode(observation)
                buffer.add(x, action, reward, next_x, terminated)
                x, total, length = next_x, total + float(reward), length + 1
                done = terminated or truncated
                self.n_steps_ += 1
                if (
                    self.n_steps_ >= self.learning_starts
                    and len(buffer) >= self.batch_size
                    and self.n_steps_ % self.train_freq == 0
                ):
                    for _ in range(self.gradient_steps):
                        losses.append(self._update(buffer.sample(self.batch_size, rng), gamma))
                if self.n_steps_ % self.target_update_interval == 0:
                    self._update_target()
            recorder.episode(
                total, length, epsilon=eps, loss=float(np.mean(losses)) if losses else float("nan")
            )
        return recorder.close()

    def _targets(self, rewards, next_observations, terminated, gamma: float) -> np.ndarray:
        """``r + gamma * (1 - terminated) * Q_target(s', a')`` for a batch (NumPy, no graph)."""
        q_next = mlp_forward(self.target_net_, next_observations)
        if self.double_dqn:
            chosen = np.argmax(mlp_forward(self.q_net_, next_observations), axis=1)
        else:
            chosen = np.argmax(q_next, axis=1)
        best = np.take_along_axis(q_next, chosen[:, None], axis=1)[:, 0]
        return (rewards + gamma * (1.0 - terminated) * best).astype(np.float32)

    def _loss(self, batch, gamma: float):
        """The Huber loss (delta 1, PyTorch's smooth_l1_loss) of a batch, as a graph."""
        observations, actions, rewards, next_observations, terminated = batch
        target = hm.tensor(self._targets(rewards, next_observations, terminated, gamma))
        q = self.q_net_(hm.tensor(observations)).gather(1, hm.tensor(actions[:, None]))
        return F.huber_loss(q.squeeze(1), target)

    def _update(self, batch, gamma: float) -> float:
        loss = self._loss(batch, gamma)
        self._optimizer.zero_grad()
        loss.backward()
        if self.max_grad_norm is not None:
            nn.clip_grad_norm_(self._optimizer.param_groups[0]["params"], self.max_grad_norm)
        self._optimizer.step()
        self.n_updates_ += 1
        return float(loss.item())

    def _update_target(self) -> None:
        tau = float(self.tau)
        for online, target in zip(self.q_net_.parameters(), self.target_net_.parameters()):
            if tau == 1.0:
                target._data[...] = online._data
            else:
                target._data *= 1.0 - tau
                target._data += tau * online._data

    # -- using the learned network ---------------------------------------------------------------

    def q_values(self, observations) -> np.ndarray:
        """``Q(s, .)`` of one observation (shape (n_actions,)) or of a sequence of them."""
        self._check_trained()
        single = self.encoder_.is_single(observations)
        rows = [observations] if single else list(observations)
        q = mlp_forward(self.q_net_, np.stack([self.encoder_(o) for o in rows]))
        return q[0] if single else q

    def act(self, observation):
        """The greedy action ``argmax_a Q(observation, a)``."""
        self._check_trained()
        q = mlp_forward(self.q_net_, self.encoder_(observation))
        return int(np.argmax(q)) + self.action_start_

    # -- saving ----------------------------------------------------------------------------------

    def _get_state(self) -> dict:
        return {
            "sizes": mlp_sizes(self.q_net_),
            "q_net": {k: v.numpy() for k, v in self.q_net_.state_dict().items()},
            "target_net": {k: v.numpy() for k, v in self.target_net_.state_dict().items()},
            "observation": self.encoder_.to_state(),
            "action_start": self.action_start_,
            "n_steps": self.n_steps_,
            "n_updates": self.n_updates_,
            **(
                {"optimizer": self._optimizer.state_dict()}
                if getattr(self, "_optimizer", None) is not None
                else {}
            ),
        }

    def _set_state(self, state: dict) -> None:
        sizes = [int(s) for s in state["sizes"]]
        rng = np.random.default_rng(0)  # weights are overwritten just below
        self.q_net_, self.target_net_ = mlp(sizes, rng), mlp(sizes, rng)
        self.q_net_.load_state_dict({k: hm.tensor(v) for k, v in state["q_net"].items()})
        self.target_net_.load_state_dict({k: hm.tensor(v) for k, v in state["target_net"].items()})
        self.encoder_ = ObservationEncoder.from_state(state["observation"])
        self.action_start_ = int(state["action_start"])
        self.n_steps_, self.n_updates_ = int(state["n_steps"]), int(state["n_updates"])
        self._saved_optimizer = state.get("optimizer")  # loaded when the optimizer is built
