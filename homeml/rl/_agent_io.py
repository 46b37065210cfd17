"""Saving and loading trained agents, without pickle.

The file is a homeml model file (see :mod:`homeml.io`) of kind ``"rl.agent"``: the agent's class
(a public agent name of :mod:`homeml.rl`), its constructor parameters, its learned state
(``Agent._get_state()``: a tree of arrays and numbers) and the state of its random generator, so
that a loaded tabular agent continues training exactly as the saved one would have (network
agents keep their optimizer's moments too; DQN's replay buffer is not saved, so DQN refills it
after a load). On load the class is looked up only among the public agent classes of
``homeml.rl.__all__``, so a file can name nothing else.
"""

from __future__ import annotations

import dataclasses
import inspect
import sys

import numpy as np

from homeml._storage import ModelFileError, decode_tree, encode_tree

KIND = "rl.agent"


def public_agents() -> dict[str, type]:
    """``{"QLearning": QLearning, ...}``: the agent classes a file may name."""
    import homeml.rl as rl
    from homeml.rl.agent import Agent

    return {
        name: cls
        for name in rl.__all__
        if isinstance(cls := getattr(rl, name, None), type)
        and issubclass(cls, Agent)
        and cls is not Agent
        and not name.startswith("_")
        and not inspect.isabstract(cls)
    }


def _as_array(value):
    from homeml.tensor import Tensor

    return ("__array__", value.numpy()) if isinstance(value, Tensor) else None


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
    from homeml.rl._tabular_agent import Uniforms

    if "generator" not in state:
        return
    if state["generator"].get("bit_generator") != "PCG64":
        raise ValueError(f"unknown random generator {state['generator'].get('bit_generator')!r}")
    rng = np.random.Generator(np.random.PCG64())
    rng.bit_generator.state = state["generator"]
    agent._rng = rng
    if "uniforms" in state:
        agent._uniform = Uniforms.from_state(rng, state["uniforms"])


def accepts(obj) -> bool:
    base = sys.modules.get("homeml.rl.agent")  # no agent exists before homeml.rl is imported
    return base is not None and isinstance(obj, base.Agent)


def encode(agent) -> tuple[dict, dict]:
    """Arrays and JSON of a trained agent (see the module docstring)."""
    names = {cls: name for name, cls in public_agents().items()}
    if type(agent) not in names:
        raise TypeError(f"cannot save {type(agent).__qualname__}: not one of homeml.rl's agents")
    agent._check_trained()
    arrays: dict = {}
    params = {k: _encode_param(k, v) for k, v in agent.get_params(deep=False).items()}
    if isinstance(params.get("seed"), np.random.Generator):  # a generator's state is not a seed
        params["seed"] = None
    info = {
        "class": names[type(agent)],
        "params": encode_tree(params, arrays, _as_array),
        "state": encode_tree(agent._get_state(), arrays, _as_array),
        "random": encode_tree(_random_state(agent), arrays),
    }
    return arrays, info


def decode(path, arrays, info):
    """Rebuild the agent a verified file describes (called by :func:`homeml.load`)."""
    name = info.get("class")
    cls = public_agents().get(name) if isinstance(name, str) else None
    if cls is None:
        raise ModelFileError(f"{path}: names an unknown agent class {name!r:.100}")
    params = decode_tree(info["params"], arrays)
    if not isinstance(params, dict):
        raise ModelFileError(f"{path}: the agent's parameters are not a JSON object")
    from homeml.nn.init import skip_init

    agent = cls(**{k: _decode_param(v) for k, v in params.items()})
    with skip_init():  # networks are overwritten by the stored ones: no draws, no memory
        agent._set_state(decode_tree(info["state"], arrays))
    _set_random_state(agent, decode_tree(info.get("random", {}), arrays))
    return agent
