"""Hand homeml's environments to Gymnasium's tools: :func:`to_gymnasium`.

homeml's environments already speak Gymnasium's API, but Gymnasium's own tools (``check_env``,
its wrappers, ``SyncVectorEnv``) and agents built on it check ``isinstance(env, gymnasium.Env)``
and ``isinstance(space, gymnasium.spaces.Box)``. :func:`to_gymnasium` puts a thin
``gymnasium.Env`` around a homeml environment: the spaces become Gymnasium's (equal bounds,
dtype, ``start``), while observations, rewards, flags, infos and the random generator stay
homeml's own, so a seed gives the same episode with or without the adapter.

gymnasium is imported only when these functions need it; homeml does not depend on it.
"""

from __future__ import annotations

import copy

import numpy as np

from homeml.rl import spaces as hspaces

# ``GymnasiumEnv`` (the adapter class) is also importable, once gymnasium is (module __getattr__).
__all__ = ["to_gymnasium", "to_gymnasium_space", "from_gymnasium_space"]

_INSTALL_HINT = "gymnasium is not installed: pip install gymnasium"


def _gymnasium():
    try:
        import gymnasium
    except ImportError as error:  # pragma: no cover - depends on the environment
        raise ImportError(f"{_INSTALL_HINT} (needed to hand homeml envs to Gymnasium)") from error
    return gymnasium


def _bounds(space):
    """``low``/``high`` for a Box constructor, with ``-inf``/``inf`` where a side is unbounded.

    Integer boxes store an unbounded side as the dtype's extreme; only a float array can say
    "infinite", so those go through float64 (exact below 2**53) and both libraries cast back.
    """
    low, high = space.low, space.high
    below, above = np.asarray(space.bounded_below), np.asarray(space.bounded_above)
    if np.all(below) and np.all(above):
        return low.copy(), high.copy()
    if space.dtype.kind == "f":
        return np.where(below, low, -np.inf).astype(low.dtype), np.where(
            above, high, np.inf
        ).astype(high.dtype)
    return (
        np.where(below, low.astype(np.float64), -np.inf),
        np.where(above, high.astype(np.float64), np.inf),
    )


def _generator(space):
    # Start the converted space from the same random state (a copy: they stay independent).
    rng = getattr(space, "_np_random", None)
    return copy.deepcopy(rng) if rng is not None else None


def to_gymnasium_space(space):
    """The ``gymnasium.spaces`` space equal to a homeml space.

    Parameters
    ----------
    space : homeml.rl.spaces.Discrete, MultiDiscrete, Box or Tuple
        A Gymnasium space is returned unchanged.

    Returns
    -------
    gymnasium.spaces.Discrete, Box or Tuple
        Same ``n``/``start``, same bounds (unbounded sides stay unbounded), shape and dtype, and
        a copy of the space's random state.

    Examples
    --------
    >>> from homeml.rl.spaces import Discrete
    >>> to_gymnasium_space(Discrete(3, start=-1))
    Discrete(3, start=-1)
    """
    gspaces = _gymnasium().spaces
    if isinstance(space, gspaces.Space):
        return space
    if isinstance(space, hspaces.Discrete):
        return gspaces.Discrete(int(space.n), seed=_generator(space), start=int(space.start))
    if isinstance(space, hspaces.Box):
        low, high = _bounds(space)
        return gspaces.Box(low, high, shape=space.shape, dtype=space.dtype, seed=_generator(space))
    if isinstance(space, hspaces.MultiDiscrete):
        return gspaces.MultiDiscrete(
            space.nvec, dtype=space.dtype, seed=_generator(space), start=space.start
        )
    if isinstance(space, hspaces.Tuple):
        return gspaces.Tuple([to_gymnasium_space(s) for s in space.spaces], seed=_generator(space))
    raise TypeError(
        f"to_gymnasium_space converts homeml.rl.spaces Discrete, MultiDiscrete, Box and Tuple, got "
        f"{type(space).__name__}: {space!r}"
    )


def from_gymnasium_space(space):
    """The homeml space equal to a ``gymnasium.spaces`` Discrete, Box or Tuple.

    Parameters
    ----------
    space : gymnasium.spaces.Discrete, MultiDiscrete, Box or Tuple
        A homeml space is returned unchanged.

    Returns
    -------
    homeml.rl.spaces.Discrete, Box or Tuple
    """
    if isinstance(space, hspaces.Space):
        return space
    gspaces = _gymnasium().spaces
    if isinstance(space, gspaces.Discrete):
        return hspaces.Discrete(int(space.n), seed=_generator(space), start=int(space.start))
    if isinstance(space, gspaces.Box):
        low, high = _bounds(space)
        return hspaces.Box(low, high, shape=space.shape, dtype=space.dtype, seed=_generator(space))
    if isinstance(space, gspaces.MultiDiscrete):
        return hspaces.MultiDiscrete(
            space.nvec, dtype=space.dtype, seed=_generator(space), start=space.start
        )
    if isinstance(space, gspaces.Tuple):
        return hspaces.Tuple(
            [from_gymnasium_space(s) for s in space.spaces], seed=_generator(space)
        )
    raise TypeError(
        f"homeml has Discrete, MultiDiscrete, Box and Tuple spaces; cannot convert "
        f"{type(space).__name__}: {space!r}"
    )


def _is_environment(env) -> bool:
    return all(
        hasattr(env, name)
        for name in ("reset", "step", "action_space", "observation_space", "unwrapped")
    )


def _made_by_make(env, homeml_spec) -> bool:
    """Whether ``env`` is exactly what ``homeml.rl.make(homeml_spec)`` builds (no extra wrapper)."""
    from homeml.rl.env import TimeLimit

    base = env.unwrapped
    if env is base:
        return homeml_spec.max_episode_steps is None
    return (
        type(env) is TimeLimit
        and env.env is base
        and env.max_episode_steps == homeml_spec.max_episode_steps
    )


class _RemakeFromSpec:
    """Entry point of the Gymnasium spec of an env built by ``homeml.rl.make``.

    It builds the homeml env without homeml's TimeLimit: ``gymnasium.make`` adds its own from the
    spec's ``max_episode_steps``, exactly as for Gymnasium's registered environments.
    """

    def __init__(self, homeml_spec, metadata):
        import dataclasses

        self.homeml_spec = dataclasses.replace(homeml_spec, max_episode_steps=None)
        self.metadata = metadata

    def __call__(self, **kwargs):
        from homeml.rl.registration import make

        return to_gymnasium(make(self.homeml_spec, **kwargs))


class _RemakeFromCopy:
    """Entry point of the Gymnasium spec of an env built directly: a fresh copy of it.

    The constructor's arguments are unknown, so only ``render_mode`` can change; the copy's
    generator is dropped so that it starts unseeded, like a new instance.
    """

    def __init__(self, env, metadata):
        self.template = copy.deepcopy(env)
        base = self.template.unwrapped
        if hasattr(base, "_np_random"):
            base._np_random = base._np_random_seed = None
        self.metadata = metadata

    def __call__(self, render_mode=None, **kwargs):
        name = type(self.template.unwrapped).__name__
        if kwargs:
            raise TypeError(
                f"this {name} was not built by homeml.rl.make, so it can only be rebuilt with "
                f"render_mode, not {sorted(kwargs)}; register it with homeml.rl.register and "
                f"pass to_gymnasium(homeml.rl.make(...)) instead"
            )
        modes = self.metadata.get("render_modes", [])
        if render_mode is not None and render_mode not in modes:
            raise ValueError(f"{name} supports render_mode in {modes} or None, got {render_mode!r}")
        env = copy.deepcopy(self.template)
        env.unwrapped.render_mode = render_mode
        return to_gymnasium(env)


def _gymnasium_spec(gymnasium, env, metadata):
    """A Gymnasium ``EnvSpec`` whose ``make`` builds the same environment again."""
    homeml_spec = getattr(env, "spec", None)
    if homeml_spec is not None and _made_by_make(env, homeml_spec):
        return gymnasium.envs.registration.EnvSpec(
            f"homeml/{homeml_spec.id}",
            entry_point=_RemakeFromSpec(homeml_spec, metadata),
            reward_threshold=homeml_spec.reward_threshold,
            nondeterministic=homeml_spec.nondeterministic,
            max_episode_steps=homeml_spec.max_episode_steps,
            kwargs=dict(homeml_spec.kwargs),
        )
    render_mode = getattr(env, "render_mode", None)
    kwargs = {} if render_mode is None else {"render_mode": render_mode}
    # No version for an env built directly: "homeml/CartPole" is not the registered CartPole-v0.
    name = homeml_spec.id if homeml_spec is not None else type(env.unwrapped).__name__
    return gymnasium.envs.registration.EnvSpec(
        f"homeml/{name}", entry_point=_RemakeFromCopy(env, metadata), kwargs=kwargs
    )


_ADAPTER = None


def _adapter_class():
    """Define ``GymnasiumEnv`` once gymnasium is importable (it must subclass gymnasium.Env)."""
    global _ADAPTER
    if _ADAPTER is not None:
        return _ADAPTER
    gymnasium = _gymnasium()

    class GymnasiumEnv(gymnasium.Env):
        """A ``gymnasium.Env`` that runs a homeml environment unchanged.

        Build it with :func:`to_gymnasium`. ``reset``/``step``/``render``/``close`` call the
        homeml environment and return what it returns; the random generator (``np_random``)
        is the homeml environment's own. Public attributes it lacks (``P``, ``action_mask``,
        ``q_star``...) are read from the homeml environment, so ``env.unwrapped.P`` works.

        Attributes
        ----------
        homeml_env : homeml.rl.Env
            The wrapped environment (wrappers such as homeml's TimeLimit included).
        action_space, observation_space : gymnasium.spaces.Space
            The homeml spaces converted by :func:`to_gymnasium_space`.
        spec : gymnasium.envs.registration.EnvSpec
            ``id`` is ``"homeml/<name>"``; ``spec.make()`` (or ``gymnasium.make(spec)``) builds
            the same environment again.
        """

        def __init__(self, env):
            self.homeml_env = env
            self.action_space = to_gymnasium_space(env.action_space)
            self.observation_space = to_gymnasium_space(env.observation_space)
            self.metadata = dict(getattr(env, "metadata", None) or {})
            self.metadata.setdefault("render_modes", [])
            self.render_mode = getattr(env, "render_mode", None)
            self.spec = _gymnasium_spec(gymnasium, env, self.metadata)

        # The generator is the homeml env's: seeding through either is the same thing, and
        # check_env reads ``unwrapped._np_random``.
        @property
        def _np_random(self):
            return self.homeml_env.unwrapped._np_random

        @_np_random.setter
        def _np_random(self, value):
            self.homeml_env.unwrapped._np_random = value

        @property
        def _np_random_seed(self):
            return self.homeml_env.unwrapped._np_random_seed

        @_np_random_seed.setter
        def _np_random_seed(self, value):
            self.homeml_env.unwrapped._np_random_seed = value

        @property
        def np_random(self):
            return self.homeml_env.np_random

        @np_random.setter
        def np_random(self, value):
            self.homeml_env.np_random = value

        @property
        def np_random_seed(self):
            return self.homeml_env.np_random_seed

        def reset(self, *, seed=None, options=None):
            return self.homeml_env.reset(seed=seed, options=options)

        def step(self, action):
            return self.homeml_env.step(action)

        def render(self):
            return self.homeml_env.render()

        def close(self):
            self.homeml_env.close()

        def __getattr__(self, name):
            # Only reached for missing names; private ones (and those copy/pickle probe before
            # __init__ ran) are not forwarded.
            if name.startswith("_") or name == "homeml_env":
                raise AttributeError(f"{type(self).__name__} has no attribute {name!r}")
            return getattr(self.homeml_env, name)

        def __str__(self):
            return f"<GymnasiumEnv{self.homeml_env}>"

        __repr__ = __str__

    GymnasiumEnv.__module__, GymnasiumEnv.__qualname__ = __name__, "GymnasiumEnv"
    _ADAPTER = GymnasiumEnv
    return GymnasiumEnv


def __getattr__(name):
    # ``GymnasiumEnv`` exists only once gymnasium is imported; this also lets pickle find it.
    if name == "GymnasiumEnv":
        return _adapter_class()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def to_gymnasium(env, **kwargs):
    """A ``gymnasium.Env`` running a homeml environment, for Gymnasium's tools and agents.

    Parameters
    ----------
    env : homeml.rl.Env or str
        A homeml environment (wrapped or not), or a registered name built with
        ``homeml.rl.make(env, **kwargs)``. A ``gymnasium.Env`` is returned unchanged.
    **kwargs
        Passed to ``homeml.rl.make`` when ``env`` is a name.

    Returns
    -------
    GymnasiumEnv
        A ``gymnasium.Env`` subclass: spaces converted to ``gymnasium.spaces``; ``reset``,
        ``step``, ``render`` and ``close`` passed through unchanged (same observations, same
        seeded episodes); ``unwrapped`` is the adapter itself, so Gymnasium's wrappers and
        ``check_env`` accept it; ``spec`` is set; ``homeml_env`` is the homeml environment.

    Raises
    ------
    ImportError
        If gymnasium is not installed.
    TypeError
        If ``env`` is not an environment.

    Examples
    --------
    >>> from gymnasium.utils.env_checker import check_env
    >>> from homeml.rl import make
    >>> env = to_gymnasium(make("FrozenLake-v1"))
    >>> check_env(env.unwrapped)
    >>> env.reset(seed=0)
    (0, {'prob': 1})
    """
    gymnasium = _gymnasium()
    if isinstance(env, str):
        from homeml.rl.registration import make

        env = make(env, **kwargs)
    elif kwargs:
        raise TypeError(
            f"to_gymnasium takes keyword arguments only with an environment name, "
            f"got {sorted(kwargs)}"
        )
    if isinstance(env, gymnasium.Env):
        return env
    if isinstance(env, type) or not _is_environment(env):
        raise TypeError(
            "to_gymnasium needs a homeml environment (an object with reset, step, action_space "
            "and observation_space, e.g. homeml.rl.make('CartPole-v1')) or a registered name, "
            f"got {type(env).__name__}: {env!r}"
        )
    return _adapter_class()(env)
