"""Saving and loading trained agents, without pickle.

The file is a homeml model file (see :mod:`homeml.io`) of kind ``"rl.agent"``: the agent's class
(``module.Name``), its constructor parameters, its learned state (``Agent._get_state()``: a tree
of arrays and numbers) and the state of its random generator, so that a loaded tabular agent
continues training exactly as the saved one would have (network agents keep their optimizer's
moments too; DQN's replay buffer is not saved, so DQN refills it after a load). On load the
class is looked up only among the agent modules listed here, so a file can name nothing else.
"""

from __future__ import annotations

import dataclasses
import importlib

import numpy as np

from homeml.io import FORMAT_VERSION, ModelFileError, _flatten_tree, _save_with_digest
from homeml.io import _unflatten_tree as unflatten_tree

_AGENT_MODULES = ("monte_carlo", "td", "bandits", "dqn", "policy_gradient", "cem")


def _schedule_classes() -> dict:
    from homeml.rl.schedules import SCHEDULES

    return {cls.__name__: cls for cls in SCHEDULES.values()}


def _encode_param(name, value):
    if dataclasses.is_dataclass(value) and type(value).__name__ in _schedule_classes():
        return {"__schedule__": type(value).__name__, **dataclasses.asdict(value)}
    if callable(value):
        raise TypeError(
            f"cannot save parameter {name}={value!r}: a function is code; use a number or a "
            f"homeml.rl.schedules schedule"
        )
    return value


def _decode_param(value):
    if isinstance(value, dict) and "__schedule__" in value:
        fields = {k: v for k, v in value.items() if k != "__schedule__"}
        return _schedule_classes()[value["__schedule__"]](**fields)
    return value


def _random_state(agent) -> dict:
    state = {}
    rng = getattr(agent, "_rng", None)
    if isinstance(rng, np.random.Generator) and isinstance(rng.bit_generator, np.random.PCG64):
        state["generator"] = rng.bit_generator.state  # a dict of (large) ints: JSON holds them
        uniforms = getattr(agent, "_uniform", None)
        if uniforms is not None:
            state["uniforms"] = uniforms.get_state()
    return state


def _set_random_state(agent, state: dict) -> None:
    from homeml.rl._tabular import Uniforms

    if "generator" not in state:
        return
    if state["generator"].get("bit_generator") != "PCG64":
        raise ValueError(f"unknown random generator {state['generator'].get('bit_generator')!r}")
    rng = np.random.Generator(np.random.PCG64())
    rng.bit_generator.state = state["generator"]
    agent._rng = rng
    if "uniforms" in state:
        agent._uniform = Uniforms.from_state(rng, state["uniforms"])


def save_agent(agent, path, metadata: dict | None = None) -> None:
    """Save a trained agent (see the module docstring)."""
    module = type(agent).__module__.removeprefix("homeml.rl.")
    if module not in _AGENT_MODULES:
        raise TypeError(f"cannot save {type(agent).__qualname__}: not one of homeml.rl's agents")
    agent._check_trained()
    arrays: dict = {}
    params = {k: _encode_param(k, v) for k, v in agent.get_params(deep=False).items()}
    if isinstance(params.get("seed"), np.random.Generator):  # a generator's state is not a seed
        params["seed"] = None
    info = {
        "format": "homeml",
        "format_version": FORMAT_VERSION,
        "kind": "rl.agent",
        "class": f"{module}.{type(agent).__name__}",
        "params": _flatten_tree(params, arrays),
        "state": _flatten_tree(agent._get_state(), arrays),
        "random": _flatten_tree(_random_state(agent), arrays),
        "metadata": metadata or {},
    }
    _save_with_digest(path, arrays, info)


def load_agent_from(path, arrays, info):
    """Rebuild the agent a verified file describes (called by :func:`homeml.load`)."""
    from homeml.rl.base import Agent

    module, _, name = str(info.get("class")).partition(".")
    cls = None
    if module in _AGENT_MODULES:
        cls = getattr(importlib.import_module(f"homeml.rl.{module}"), name, None)
    if not (isinstance(cls, type) and issubclass(cls, Agent)):
        raise ModelFileError(f"{path}: names an unknown agent class {info.get('class')!r}")
    try:
        params = {k: _decode_param(v) for k, v in unflatten_tree(info["params"], arrays).items()}
        agent = cls(**params)
        agent._set_state(unflatten_tree(info["state"], arrays))
        _set_random_state(agent, unflatten_tree(info.get("random", {}), arrays))
    except (TypeError, ValueError, KeyError, RuntimeError) as error:
        raise ModelFileError(f"{path}: the stored agent does not rebuild: {error}") from None
    return agent
