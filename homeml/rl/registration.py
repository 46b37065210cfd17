"""Environment names: ``make``, ``register``, ``spec`` and the ``registry``, as in Gymnasium.

``make(name, **kwargs)`` builds the registered environment with its default keyword arguments
updated by ``kwargs`` and, when the name has a step limit, wraps it in :class:`TimeLimit` (the
limits are Gymnasium's: FrozenLake-v1 100, FrozenLake8x8-v1 200, Taxi-v3 200, CartPole-v1 500,
MountainCar-v0 200; CliffWalking-v1 and Blackjack-v1 have none, as in Gymnasium).
"""

from __future__ import annotations

import dataclasses
import difflib
import importlib

from homeml.rl.env import TimeLimit

__all__ = ["EnvSpec", "make", "register", "registry", "spec"]


@dataclasses.dataclass
class EnvSpec:
    """How to build a registered environment.

    Attributes
    ----------
    id : str
        The name given to :func:`make`.
    entry_point : str or callable
        ``"module:Class"`` or a callable returning the environment.
    reward_threshold : float or None
        The return at which the task counts as solved.
    nondeterministic : bool
        Whether a seeded episode can still vary.
    max_episode_steps : int or None
        The :class:`TimeLimit`, if any.
    kwargs : dict
        Default keyword arguments of the entry point.
    """

    id: str
    entry_point: object
    reward_threshold: float | None = None
    nondeterministic: bool = False
    max_episode_steps: int | None = None
    kwargs: dict = dataclasses.field(default_factory=dict)

    def make(self, **kwargs):
        """Build the environment (as ``make(self.id, **kwargs)``)."""
        return make(self, **kwargs)


registry: dict[str, EnvSpec] = {}


def register(
    id: str,
    entry_point,
    *,
    reward_threshold=None,
    nondeterministic=False,
    max_episode_steps=None,
    kwargs=None,
) -> None:
    """Add (or replace) a name that :func:`make` accepts."""
    if not isinstance(id, str) or not id:
        raise ValueError(f"an environment id must be a non-empty string, got {id!r}")
    registry[id] = EnvSpec(
        id, entry_point, reward_threshold, nondeterministic, max_episode_steps, dict(kwargs or {})
    )


def spec(id: str) -> EnvSpec:
    """The :class:`EnvSpec` registered under ``id``; unknown names list the close ones."""
    if id in registry:
        return registry[id]
    close = difflib.get_close_matches(id, registry, n=3, cutoff=0.5)
    hint = f" Did you mean {', '.join(repr(c) for c in close)}?" if close else ""
    raise ValueError(
        f"unknown environment {id!r}.{hint} Registered environments: {', '.join(sorted(registry))}"
    )


def _load(entry_point):
    if callable(entry_point):
        return entry_point
    module, _, name = entry_point.partition(":")
    return getattr(importlib.import_module(module), name)


def make(id, max_episode_steps: int | None = None, **kwargs):
    """Build a registered environment.

    Parameters
    ----------
    id : str or EnvSpec
        The environment's name, e.g. ``"FrozenLake-v1"``, ``"CartPole-v1"``, ``"GridWorld-v0"``.
    max_episode_steps : int, optional
        Overrides the registered step limit.
    **kwargs
        Passed to the environment (``render_mode``, ``map_name``, ``is_slippery``...).
        ``render_mode="human"`` on an environment that draws ``rgb_array`` images shows them
        in a matplotlib window (:class:`~homeml.rl.wrappers.HumanRendering`); it raises
        ``RuntimeError`` where no window can open.

    Returns
    -------
    Env
        The environment, wrapped in :class:`TimeLimit` when it has a step limit.

    Examples
    --------
    >>> env = make("FrozenLake-v1", map_name="8x8", is_slippery=False)
    >>> env.reset(seed=0)
    (0, {'prob': 1})
    """
    env_spec = id if isinstance(id, EnvSpec) else spec(id)
    entry_point = _load(env_spec.entry_point)
    arguments = {**env_spec.kwargs, **kwargs}
    modes = getattr(entry_point, "metadata", {}).get("render_modes", [])
    # An environment that draws images but has no window of its own gets one from matplotlib.
    human = (
        arguments.get("render_mode") == "human" and "human" not in modes and ("rgb_array" in modes)
    )
    if human:
        arguments["render_mode"] = "rgb_array"
    env = entry_point(**arguments)
    limit = max_episode_steps if max_episode_steps is not None else env_spec.max_episode_steps
    env.unwrapped.spec = dataclasses.replace(
        env_spec, kwargs={**env_spec.kwargs, **kwargs}, max_episode_steps=limit
    )
    if human:
        from homeml.rl.wrappers.rendering import HumanRendering

        env = HumanRendering(env)
    return TimeLimit(env, limit) if limit is not None else env


_ENVS = "homeml.rl.envs."
register(
    "FrozenLake-v1",
    _ENVS + "frozen_lake:FrozenLake",
    reward_threshold=0.70,
    max_episode_steps=100,
    kwargs={"map_name": "4x4"},
)
register(
    "FrozenLake8x8-v1",
    _ENVS + "frozen_lake:FrozenLake",
    reward_threshold=0.85,
    max_episode_steps=200,
    kwargs={"map_name": "8x8"},
)
register("CliffWalking-v1", _ENVS + "cliff_walking:CliffWalking")
register(
    "CliffWalkingSlippery-v1", _ENVS + "cliff_walking:CliffWalking", kwargs={"is_slippery": True}
)
register("Taxi-v3", _ENVS + "taxi:Taxi", reward_threshold=8, max_episode_steps=200)
register("Taxi-v4", _ENVS + "taxi:Taxi", reward_threshold=8, max_episode_steps=200)
register("Blackjack-v1", _ENVS + "blackjack:Blackjack", kwargs={"sab": True, "natural": False})
register("CartPole-v1", _ENVS + "cartpole:CartPole", reward_threshold=475.0, max_episode_steps=500)
register("CartPole-v0", _ENVS + "cartpole:CartPole", reward_threshold=195.0, max_episode_steps=200)
register(
    "MountainCar-v0",
    _ENVS + "mountain_car:MountainCar",
    reward_threshold=-110.0,
    max_episode_steps=200,
)
register("GridWorld-v0", _ENVS + "gridworld:GridWorld", kwargs={"size": 4})
register(
    "GridWorld5x5-v0", _ENVS + "gridworld:GridWorld", max_episode_steps=100, kwargs={"size": 5}
)
register("WindyGridWorld-v0", _ENVS + "windy_gridworld:WindyGridWorld")
register(
    "Bandit-v0",
    _ENVS + "bandit:Bandit",
    nondeterministic=False,
    max_episode_steps=1000,
    kwargs={"k": 10},
)
