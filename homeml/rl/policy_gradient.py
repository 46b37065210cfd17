"""Policy-gradient agents on :mod:`homeml.nn`: REINFORCE (with a learned baseline) and A2C.

Both learn a softmax policy ``pi(a | s) = softmax(policy_net(s))`` over a Discrete action
space by gradient ascent on ``E[log pi(a | s) * advantage]`` (Sutton & Barto, chapter 13):

- :class:`REINFORCE` waits for the end of each episode and uses the return ``G_t`` from each
  step, minus a learned state value ``v(s_t)`` when ``baseline=True`` (section 13.4). As is
  usual in practice the ``gamma**t`` factor of the book's update is left out.
- :class:`A2C` (advantage actor-critic, the synchronous single-environment form of Mnih et
  al., 2016) updates every ``n_steps`` steps with n-step returns: each step of the rollout
  gets ``r_t + gamma r_{t+1} + ... + gamma^k v(s_{t+k})``, bootstrapped from the critic at the
  state after the rollout (0 if the episode terminated there; a time-limit truncation still
  bootstraps). ``n_steps=1`` is the one-step actor-critic of section 13.5.

Sampling the policy while acting uses plain NumPy on the networks' weights (no graph); the
update builds the graph on the whole episode or rollout at once.
"""

from __future__ import annotations

import numpy as np

import homeml as hm
from homeml.nn import functional as F
from homeml.optim import Adam
from homeml.rl._checks import (
    check_fraction,
    check_hidden_sizes,
    check_n_episodes,
    check_positive,
    check_positive_int,
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

__all__ = ["A2C", "REINFORCE"]


def _softmax(logits: np.ndarray) -> np.ndarray:
    z = np.exp(logits - logits.max(axis=-1, keepdims=True))
    return z / z.sum(axis=-1, keepdims=True)


def _as_tuple(optimizers) -> tuple:
    return optimizers if isinstance(optimizers, tuple) else (optimizers,)


def _net_state(net) -> dict:
    return {k: v.numpy() for k, v in net.state_dict().items()}


def _net_from_state(sizes, arrays):
    net = mlp([int(s) for s in sizes], np.random.default_rng(0))  # weights overwritten below
    net.load_state_dict({k: hm.tensor(v) for k, v in arrays.items()})
    return net


class _PolicyGradient(Agent):
    """What REINFORCE and A2C share: networks, sampling, acting, saving."""

    _name = "policy gradient"
    _needs_value = True

    def _check_common(self) -> None:
        check_hidden_sizes(self.hidden_sizes)
        check_positive("learning_rate", self.learning_rate)
        check_fraction("gamma", self.gamma)

    def _setup(self, env) -> bool:
        """Networks on the first call; returns whether this is the first call."""
        encoder = ObservationEncoder.for_space(env.observation_space, self._name)
        n_actions, action_start = discrete_actions(env.action_space, self._name)
        first_call = not hasattr(self, "_rng")
        if first_call:
            self._rng = generator_from_seed(self.seed)
        if not hasattr(self, "policy_net_"):
            hidden = check_hidden_sizes(self.hidden_sizes)
            self.encoder_, self.action_start_ = encoder, action_start
            self.policy_net_ = mlp([encoder.n_inputs, *hidden, n_actions], self._rng)
            self.value_net_ = (
                mlp([encoder.n_inputs, *hidden, 1], self._rng) if self._needs_value else None
            )
        else:
            check_same_spaces(self, self.policy_net_, encoder, n_actions)
        if getattr(self, "_optimizers", None) is None:  # first call, or after a load
            self._optimizers = self._make_optimizers()
            saved = getattr(self, "_saved_optimizers", None)
            for optimizer, state in zip(_as_tuple(self._optimizers), saved or ()):
                if optimizer is not None and state is not None:
                    optimizer.load_state_dict(state)
            self._saved_optimizers = None
        return first_call

    def _sample(self, x: np.ndarray) -> int:
        p = _softmax(mlp_forward(self.policy_net_, x))
        return min(int(np.searchsorted(np.cumsum(p), self._rng.random() * p.sum())), len(p) - 1)

    def _values(self, x: np.ndarray) -> np.ndarray:
        return mlp_forward(self.value_net_, x)[..., 0]

    def _policy_terms(self, observations, actions):
        """``(log pi(a_t | s_t), entropy of pi(. | s_t))`` as graphs, shape (T,) each."""
        log_p = F.log_softmax(self.policy_net_(hm.tensor(observations)), dim=1)
        chosen = log_p.gather(1, hm.tensor(actions[:, None])).squeeze(1)
        entropy = -(log_p.exp() * log_p).sum(1)
        return chosen, entropy

    def act(self, observation):
        """The most probable action of the learned policy."""
        self._check_trained()
        return (
            int(np.argmax(mlp_forward(self.policy_net_, self.encoder_(observation))))
            + self.action_start_
        )

    def action_probabilities(self, observation) -> np.ndarray:
        """``pi(. | observation)``, one probability per action."""
        self._check_trained()
        return _softmax(mlp_forward(self.policy_net_, self.encoder_(observation)))

    def _get_state(self) -> dict:
        state = {
            "observation": self.encoder_.to_state(),
            "action_start": self.action_start_,
            "policy_sizes": mlp_sizes(self.policy_net_),
            "policy_net": _net_state(self.policy_net_),
        }
        if self.value_net_ is not None:
            state["value_sizes"] = mlp_sizes(self.value_net_)
            state["value_net"] = _net_state(self.value_net_)
        if getattr(self, "_optimizers", None) is not None:  # Adam's moments: training continues
            state["optimizers"] = [
                None if o is None else o.state_dict() for o in _as_tuple(self._optimizers)
            ]
        return state

    def _set_state(self, state: dict) -> None:
        self.encoder_ = ObservationEncoder.from_state(state["observation"])
        self.action_start_ = int(state["action_start"])
        self.policy_net_ = _net_from_state(state["policy_sizes"], state["policy_net"])
        self.value_net_ = (
            _net_from_state(state["value_sizes"], state["value_net"])
            if "value_net" in state
            else None
        )
        self._saved_optimizers = state.get("optimizers")  # loaded when the optimizers are built


class REINFORCE(_PolicyGradient):
    """Monte Carlo policy gradient, optionally with a learned state-value baseline.

    Parameters
    ----------
    hidden_sizes : tuple of int, default (64,)
        Hidden layer widths of the policy network (and of the value network).
    learning_rate : float, default 1e-2
        Adam's step size for the policy.
    gamma : float, default 0.99
        Discount factor.
    baseline : bool, default True
        Subtract a learned ``v(s_t)`` from the returns (REINFORCE with baseline).
    value_learning_rate : float, default 1e-2
        Adam's step size for the value network.
    normalize_advantages : bool, default True
        Scale each episode's advantages to zero mean and unit variance (a common variance
        reduction; with ``baseline=False`` this alone acts as a per-episode baseline).
    seed : int, Generator or None
        Seeds initialisation, action sampling and the first reset.

    Attributes
    ----------
    policy_net_ : homeml.nn.Sequential
        Observation vector -> action logits.
    value_net_ : homeml.nn.Sequential or None
        Observation vector -> state value (the baseline), None without baseline.
    """

    _name = "REINFORCE"

    def __init__(
        self,
        hidden_sizes=(64,),
        learning_rate=1e-2,
        gamma=0.99,
        baseline=True,
        value_learning_rate=1e-2,
        normalize_advantages=True,
        seed=None,
    ):
        self.hidden_sizes = hidden_sizes
        self.learning_rate = learning_rate
        self.gamma = gamma
        self.baseline = baseline
        self.value_learning_rate = value_learning_rate
        self.normalize_advantages = normalize_advantages
        self.seed = seed

    @property
    def _needs_value(self) -> bool:
        return bool(self.baseline)

    def _make_optimizers(self):
        policy = Adam(self.policy_net_.parameters(), lr=float(self.learning_rate))
        value = (
            Adam(self.value_net_.parameters(), lr=float(self.value_learning_rate))
            if self.value_net_ is not None
            else None
        )
        return policy, value

    def train(self, env, n_episodes: int, *, progress: bool = True):
        """Learn from ``n_episodes`` episodes; one update per episode.

        Extra history columns: ``policy_loss`` and ``value_loss`` (NaN without baseline).
        """
        n_episodes = check_n_episodes(n_episodes)
        self._check_common()
        if self.baseline:
            check_positive("value_learning_rate", self.value_learning_rate)
        first_call = self._setup(env)
        recorder = HistoryRecorder(n_episodes, progress, "REINFORCE")
        first_seed = env_seed(self.seed, self._rng) if first_call else None
        for episode in range(n_episodes):
            observation, _ = env.reset(seed=first_seed if episode == 0 else None)
            xs, actions, rewards, done = [], [], [], False
            while not done:
                x = self.encoder_(observation)
                action = self._sample(x)
                observation, reward, terminated, truncated, _ = env.step(
                    action + self.action_start_
                )
                xs.append(x), actions.append(action), rewards.append(float(reward))
                done = terminated or truncated
            policy_loss, value_loss = self._update(
                np.stack(xs), np.asarray(actions), np.asarray(rewards)
            )
            recorder.episode(
                sum(rewards), len(rewards), policy_loss=policy_loss, value_loss=value_loss
            )
        return recorder.close()

    def _update(self, observations, actions, rewards) -> tuple[float, float]:
        returns = np.zeros(len(rewards))
        g = 0.0
        for t in range(len(rewards) - 1, -1, -1):  # G_t = r_t + gamma * G_{t+1}
            g = rewards[t] + self.gamma * g
            returns[t] = g
        advantages = returns - (self._values(observations) if self.value_net_ else 0.0)
        if self.normalize_advantages and len(advantages) > 1:
            advantages = (advantages - advantages.mean()) / (advantages.std() + 1e-8)
        policy_opt, value_opt = self._optimizers
        log_p, _ = self._policy_terms(observations, actions)
        policy_loss = -(log_p * hm.tensor(advantages.astype(np.float32))).mean()
        policy_opt.zero_grad()
        policy_loss.backward()
        policy_opt.step()
        value_loss = float("nan")
        if value_opt is not None:
            v = self.value_net_(hm.tensor(observations)).squeeze(1)
            loss = F.mse_loss(v, hm.tensor(returns.astype(np.float32)))
            value_opt.zero_grad()
            loss.backward()
            value_opt.step()
            value_loss = loss.item()
        return policy_loss.item(), value_loss


class A2C(_PolicyGradient):
    """Advantage actor-critic with n-step returns (see the module docstring).

    Parameters
    ----------
    hidden_sizes : tuple of int, default (64,)
        Hidden layer widths of the actor and of the critic (separate networks).
    learning_rate : float, default 1e-3
        Adam's step size for the actor.
    value_learning_rate : float, default 1e-2
        Adam's step size for the critic (a separate network, so Adam's scale invariance makes
        this, not a loss weight, what sets how fast the critic follows its targets).
    gamma : float, default 0.99
        Discount factor.
    n_steps : int, default 32
        Rollout length between updates (shorter at the end of an episode); 1 is one-step
        actor-critic.
    entropy_coef : float, default 0.01
        Weight of the policy's entropy bonus.
    max_grad_norm : float or None, default 0.5
        Clip the global norm of each network's gradients (None: no clipping).
    seed : int, Generator or None
        Seeds initialisation, action sampling and the first reset.

    Attributes
    ----------
    policy_net_ : homeml.nn.Sequential
        The actor: observation vector -> action logits.
    value_net_ : homeml.nn.Sequential
        The critic: observation vector -> state value.
    """

    _name = "A2C"

    def __init__(
        self,
        hidden_sizes=(64,),
        learning_rate=1e-3,
        value_learning_rate=1e-2,
        gamma=0.99,
        n_steps=32,
        entropy_coef=0.01,
        max_grad_norm=0.5,
        seed=None,
    ):
        self.hidden_sizes = hidden_sizes
        self.learning_rate = learning_rate
        self.value_learning_rate = value_learning_rate
        self.gamma = gamma
        self.n_steps = n_steps
        self.entropy_coef = entropy_coef
        self.max_grad_norm = max_grad_norm
        self.seed = seed

    def _make_optimizers(self):
        return Adam(
            [
                {"params": list(self.policy_net_.parameters())},
                {
                    "params": list(self.value_net_.parameters()),
                    "lr": float(self.value_learning_rate),
                },
            ],
            lr=float(self.learning_rate),
        )

    def train(self, env, n_episodes: int, *, progress: bool = True):
        """Learn from ``n_episodes`` episodes, updating every ``n_steps`` steps.

        Extra history columns: ``loss`` (mean total loss of the episode's updates) and
        ``entropy`` (mean policy entropy over those updates).
        """
        n_episodes = check_n_episodes(n_episodes)
        self._check_common()
        n_steps = check_positive_int("n_steps", self.n_steps)
        check_positive("value_learning_rate", self.value_learning_rate)
        entropy_coef = self.entropy_coef
        if (
            isinstance(entropy_coef, bool)
            or not isinstance(entropy_coef, (int, float))
            or not 0 <= entropy_coef < np.inf
        ):
            raise ValueError(f"entropy_coef must be a number >= 0, got {entropy_coef!r}")
        if self.max_grad_norm is not None:
            check_positive("max_grad_norm", self.max_grad_norm)
        first_call = self._setup(env)
        recorder = HistoryRecorder(n_episodes, progress, "A2C")
        first_seed = env_seed(self.seed, self._rng) if first_call else None
        for episode in range(n_episodes):
            observation, _ = env.reset(seed=first_seed if episode == 0 else None)
            x = self.encoder_(observation)
            total, length, stats, done = 0.0, 0, [], False
            while not done:
                xs, actions, rewards = [], [], []
                terminated = False
                while not done and len(rewards) < n_steps:
                    action = self._sample(x)
                    observation, reward, terminated, truncated, _ = env.step(
                        action + self.action_start_
                    )
                    xs.append(x), actions.append(action), rewards.append(float(reward))
                    x = self.encoder_(observation)
                    done = terminated or truncated
                bootstrap = 0.0 if terminated else float(self._values(x))
                stats.append(
                    self._update(np.stack(xs), np.asarray(actions), np.asarray(rewards), bootstrap)
                )
                total, length = total + sum(rewards), length + len(rewards)
            loss, entropy = np.mean(stats, axis=0)
            recorder.episode(total, length, loss=float(loss), entropy=float(entropy))
        return recorder.close()

    def _update(self, observations, actions, rewards, bootstrap: float) -> tuple[float, float]:
        returns = np.zeros(len(rewards), dtype=np.float32)
        g = bootstrap
        for t in range(len(rewards) - 1, -1, -1):
            g = rewards[t] + self.gamma * g
            returns[t] = g
        log_p, entropy = self._policy_terms(observations, actions)
        values = self.value_net_(hm.tensor(observations)).squeeze(1)
        advantages = hm.tensor(returns - values.numpy())  # a constant: no gradient to the critic
        entropy = entropy.mean()
        loss = (
            -(log_p * advantages).mean()
            + F.mse_loss(values, hm.tensor(returns))
            - self.entropy_coef * entropy
        )
        optimizer = self._optimizers
        optimizer.zero_grad()
        loss.backward()
        if self.max_grad_norm is not None:  # each network on its own: the critic's gradients
            for net in (self.policy_net_, self.value_net_):  # would otherwise shrink the actor's
                hm.nn.clip_grad_norm_(list(net.parameters()), self.max_grad_norm)
        optimizer.step()
        return loss.item(), entropy.item()
