"""A trained homeml.rl agent behind the server: ``POST /v1/act`` gives its greedy action for an
observation, checked against the observation space the agent learned on.
"""

from __future__ import annotations

import sys

import numpy as np

from homeml.serve._inputs import ALL_NUMBERS, InputError, ModelCheckError, first_non_number


def is_agent(model) -> bool:
    """Whether ``model`` is a homeml.rl agent (checked before estimators: agents are
    estimators too).
    """
    base = sys.modules.get("homeml.rl.agent")  # an agent's module imported it already
    return base is not None and isinstance(model, base.Agent)


class ServedAgent:
    """A trained agent, used read-only: its greedy action for one observation at a time.

    Parameters
    ----------
    agent : homeml.rl.Agent
        A trained agent with observations (bandit agents have none and are refused).
    metadata : dict, optional
        The metadata saved with it (``homeml rl --out`` records the environment's name, whose
        observation space then gives the bounds as well).
    format_version : int, optional
        The file format version it was read from.
    """

    kind = "agent"
    supports_images = False

    def __init__(self, agent, metadata=None, format_version=None):
        self.model = agent
        self.metadata = dict(metadata or {})
        self.format_version = format_version
        self.space = _observation_space(agent)
        env_space = _environment_space(self.metadata.get("env"))
        if env_space is not None and _same_layout(env_space, self.space):
            self.space = env_space  # the same layout, with the environment's bounds
        self.check()

    def check(self) -> None:
        """Act once on an observation of the space; ModelCheckError if that fails."""
        name = type(self.model).__name__
        try:
            action = self.model.act(_an_observation(self.space, as_json=False))
            int(action)
        except Exception as error:  # a broken or tampered agent: refuse it with the reason
            raise ModelCheckError(
                f"this {name} fails to act on an observation of {self.space!r}: "
                f"{type(error).__name__}: {error}"
            ) from None

    def expected(self) -> str:
        """What a request must hold, in the words error answers use."""
        return f"one observation of {self.space!r}"

    def example_observation(self):
        """A valid observation, as JSON holds it (for the API docs)."""
        return _an_observation(self.space, as_json=True)

    def describe(self) -> dict:
        """What /v1/model answers: the agent, its observation space, environment, metrics."""
        return {
            "kind": "agent",
            "class": type(self.model).__name__,
            "observation_space": repr(self.space),
            "observation": _describe_space(self.space),
            "env": self.metadata.get("env"),
            "format_version": self.format_version,
            "metrics": {
                k: v
                for k, v in self.metadata.items()
                if k in ("eval_mean_return", "eval_std_return", "mean_return_last_100")
            }
            or None,
        }

    def act(self, observation) -> dict:
        """The greedy action for a JSON observation, or InputError naming the space."""
        value = _to_observation(self.space, observation, self.expected())
        return {"action": int(self.model.act(value))}


def _observation_space(agent):
    """The observation space an agent's learned state fixes."""
    from homeml.rl import spaces

    encoder = getattr(agent, "encoder_", None)
    if encoder is not None:  # network and population agents
        if encoder.kind == "discrete":
            return spaces.Discrete(encoder.shape[0], start=encoder.start)
        return spaces.Box(-np.inf, np.inf, shape=encoder.shape, dtype=np.float32)
    q, starts = getattr(agent, "q_", None), getattr(agent, "_starts", None)
    if q is not None and starts is not None:  # tabular agents: one Discrete per table axis
        parts = [spaces.Discrete(int(n), start=int(s)) for n, s in zip(q.shape[:-1], starts[0])]
        return parts[0] if len(parts) == 1 else spaces.Tuple(parts)
    agent._check_trained()  # an untrained agent says so
    raise ModelCheckError(
        f"cannot serve a {type(agent).__name__}: it acts without observations (a bandit "
        f"agent), so there is nothing for /v1/act to take; read its best action from the file"
    )


def _environment_space(env_id):
    """The observation space of a registered environment named in the metadata, or None."""
    if not isinstance(env_id, str):
        return None
    from homeml.rl import make, registry

    if env_id not in registry:
        return None
    try:
        return make(env_id).observation_space
    except (ValueError, TypeError):
        return None


def _same_layout(a, b) -> bool:
    kind = type(a).__name__
    if kind != type(b).__name__:
        return False
    if kind == "Discrete":
        return int(a.n) == int(b.n) and int(a.start) == int(b.start)
    if kind == "Box":
        return tuple(a.shape) == tuple(b.shape)
    if kind == "Tuple":
        return len(a.spaces) == len(b.spaces) and all(map(_same_layout, a.spaces, b.spaces))
    return False


def _an_observation(space, as_json: bool):
    """A valid observation: the first element, or the Box point nearest to zero."""
    kind = type(space).__name__
    if kind == "Discrete":
        return int(space.start)
    if kind == "Tuple":
        parts = [_an_observation(part, as_json) for part in space.spaces]
        return parts if as_json else tuple(parts)
    point = np.clip(np.zeros(space.shape, dtype=space.dtype), space.low, space.high)
    return point.tolist() if as_json else point


def _describe_space(space) -> dict:
    kind = type(space).__name__
    if kind == "Discrete":
        return {"type": "integer", "from": int(space.start), "to": int(space.start + space.n - 1)}
    if kind == "Tuple":
        return {"type": "list", "items": [_describe_space(s) for s in space.spaces]}
    bounded = np.isfinite(space.low) | np.isfinite(space.high)
    return {
        "type": "array",
        "shape": list(space.shape),
        "dtype": str(space.dtype),
        "low": np.asarray(np.where(np.isfinite(space.low), space.low, None)).tolist()
        if bounded.any()
        else None,
        "high": np.asarray(np.where(np.isfinite(space.high), space.high, None)).tolist()
        if bounded.any()
        else None,
    }


def _to_observation(space, value, expected: str):
    kind = type(space).__name__
    if kind == "Discrete":
        if type(value) is not int or not space.start <= value < space.start + space.n:
            raise InputError(
                f"observation must be an integer from {space.start} to "
                f"{space.start + space.n - 1}, got {value!r:.40}; expected {expected}"
            )
        return value
    if kind == "Tuple":
        if type(value) is not list or len(value) != len(space.spaces):
            raise InputError(
                f"observation must be a list of {len(space.spaces)} items, got {value!r:.60}; "
                f"expected {expected}"
            )
        return tuple(_to_observation(s, v, expected) for s, v in zip(space.spaces, value))
    odd = first_non_number(value)
    if odd is not ALL_NUMBERS:
        raise InputError(
            f"observation must be (nested lists of) numbers, got {odd!r:.40} "
            f"({type(odd).__name__}); expected {expected}"
        )
    try:
        with np.errstate(over="ignore"):
            x = np.asarray(value, dtype=space.dtype)
    except (ValueError, TypeError, OverflowError):
        raise InputError(
            f"observation is not a regular array of numbers; expected {expected}"
        ) from None
    if x.shape != tuple(space.shape):
        raise InputError(f"observation has shape {list(x.shape)}; expected {expected}")
    if not np.isfinite(x).all() or not space.contains(x):
        raise InputError(
            f"observation lies outside the space (or is not finite in {space.dtype}); "
            f"expected {expected}"
        )
    return x
