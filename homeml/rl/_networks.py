"""What the network agents share: observations as vectors, Discrete actions, small MLPs.

Used by :mod:`homeml.rl.dqn`, :mod:`homeml.rl.policy_gradient` and :mod:`homeml.rl.cem`.
Acting and DQN's target use :func:`mlp_forward`, plain NumPy on the layers' weights: no graph is
needed there and it is several times faster than a ``no_grad`` pass through the modules.
"""

from __future__ import annotations

import math

import numpy as np

from homeml import nn
from homeml.creation import Generator


class ObservationEncoder:
    """Observations as float32 vectors: a Box flattened, a Discrete one-hot.

    ``ObservationEncoder.for_space(space, agent)`` raises a TypeError naming any other space.
    Spaces are recognised by their attributes, so Gymnasium's spaces work as homeml's do.
    """

    def __init__(self, kind: str, shape, start: int = 0):
        self.kind, self.shape, self.start = kind, tuple(int(s) for s in shape), int(start)
        self.n_inputs = int(np.prod(self.shape)) if kind == "box" else self.shape[0]
        self._eye = np.eye(self.n_inputs, dtype=np.float32) if kind == "discrete" else None

    @classmethod
    def for_space(cls, space, agent: str) -> ObservationEncoder:
        name = type(space).__name__
        if name == "Discrete" and getattr(space, "n", None) is not None:
            return cls("discrete", (int(space.n),), int(getattr(space, "start", 0)))
        shape = getattr(space, "shape", None)
        if name == "Box" and shape is not None and len(shape) >= 1:
            return cls("box", shape)
        raise TypeError(
            f"{agent} needs a Box (vector) or Discrete observation space, got {space!r}"
        )

    def __call__(self, observation) -> np.ndarray:
        if self.kind == "discrete":
            return self._eye[int(observation) - self.start]
        x = np.asarray(observation, dtype=np.float32).reshape(-1)
        if x.size != self.n_inputs:
            raise ValueError(
                f"expected an observation of shape {self.shape}, got shape {np.shape(observation)}"
            )
        return x

    def is_single(self, observations) -> bool:
        """Whether ``observations`` is one observation rather than a sequence of them."""
        if self.kind == "discrete":
            return np.ndim(observations) == 0
        return np.shape(observations) == self.shape

    def to_state(self) -> dict:
        return {"kind": self.kind, "shape": list(self.shape), "start": self.start}

    @classmethod
    def from_state(cls, state: dict) -> ObservationEncoder:
        return cls(state["kind"], state["shape"], state["start"])


def discrete_actions(space, agent: str) -> tuple[int, int]:
    """``(n, start)`` of a Discrete action space; a TypeError naming any other space."""
    if type(space).__name__ != "Discrete" or getattr(space, "n", None) is None:
        raise TypeError(f"{agent} needs a Discrete action space, got {space!r}")
    return int(space.n), int(getattr(space, "start", 0))


def mlp(sizes, rng: np.random.Generator, activation=nn.ReLU) -> nn.Sequential:
    """Linear layers ``sizes[0] -> ... -> sizes[-1]`` with ``activation`` between them.

    Weights get PyTorch's default initialisation, drawn from ``rng`` (the agent's generator,
    never the global state) so that a seed fixes the network.
    """
    generator = Generator()
    generator.rng = rng
    layers: list = []
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        linear = nn.Linear(int(n_in), int(n_out))
        nn.init.kaiming_uniform_(linear.weight, a=math.sqrt(5), generator=generator)
        bound = 1 / math.sqrt(n_in)
        nn.init.uniform_(linear.bias, -bound, bound, generator=generator)
        layers.append(linear)
        if i < len(sizes) - 2:
            layers.append(activation())
    return nn.Sequential(*layers)


def mlp_forward(net: nn.Sequential, x: np.ndarray) -> np.ndarray:
    """The output of an :func:`mlp` (ReLU or Tanh) for inputs ``x``, in plain NumPy."""
    for layer in net:
        if isinstance(layer, nn.Linear):
            x = x @ layer.weight._data.T + layer.bias._data
        elif isinstance(layer, nn.Tanh):
            x = np.tanh(x)
        else:
            x = np.maximum(x, 0)
    return x


def mlp_sizes(net: nn.Sequential) -> list[int]:
    linears = [layer for layer in net if isinstance(layer, nn.Linear)]
    return [linears[0].in_features] + [layer.out_features for layer in linears]


def check_same_spaces(agent, net: nn.Sequential, encoder: ObservationEncoder, n_actions: int):
    """A trained agent continues only on an environment with the spaces it learned on."""
    sizes = mlp_sizes(net)
    if agent.encoder_.to_state() != encoder.to_state() or sizes[-1] != n_actions:
        raise ValueError(
            f"this {type(agent).__name__} was trained on observations {agent.encoder_.to_state()} "
            f"and {sizes[-1]} actions; the environment has {encoder.to_state()} and {n_actions}"
        )
