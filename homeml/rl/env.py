"""The environment interface, Gymnasium's exactly: ``Env``, ``Wrapper`` and ``TimeLimit``.

``reset(*, seed=None, options=None) -> (observation, info)`` and ``step(action) -> (observation,
reward, terminated, truncated, info)``. Seeding ``reset`` creates the environment's generator
``np_random`` as Gymnasium does, so a seed gives the same episode here and there.

Unlike Gymnasium, which only warns, homeml's environments refuse to step before ``reset``, after
an episode ended (``terminated``, or ``truncated`` by :class:`TimeLimit`) and with an action
outside the action space: the first two raise :class:`ResetNeeded`, the last ``ValueError``.
"""

from __future__ import annotations

from homeml.rl.spaces import np_random as _seeded_generator

__all__ = [
    "Env",
    "Wrapper",
    "ObservationWrapper",
    "RewardWrapper",
    "ActionWrapper",
    "TimeLimit",
    "ResetNeeded",
]


class ResetNeeded(RuntimeError):
    """``step`` was called when the environment needs ``reset`` first."""


class Env:
    """Base class of environments (see the module docstring).

    Subclasses set ``action_space``, ``observation_space`` and ``metadata["render_modes"]``, and
    implement ``reset`` (calling ``super().reset(seed=seed)`` first) and ``step``.

    Attributes
    ----------
    metadata : dict
        ``render_modes`` (the accepted ``render_mode`` values) and ``render_fps``.
    render_mode : str or None
        What :meth:`render` returns: ``"ansi"`` (text) or ``"rgb_array"`` (an image).
        ``make(..., render_mode="human")`` shows the images in a window instead
        (:class:`homeml.rl.wrappers.HumanRendering`).
    spec : EnvSpec or None
        Set by :func:`homeml.rl.make`.
    """

    metadata: dict = {"render_modes": []}
    render_mode = None
    spec = None
    action_space = None
    observation_space = None
    _np_random = None
    _np_random_seed = None
    # None before the first reset, False during an episode, True once it has ended.
    _needs_reset = None

    @property
    def np_random(self):
        """The environment's generator, created by ``reset(seed=...)`` (or lazily, unseeded)."""
        if self._np_random is None:
            self._np_random, self._np_random_seed = _seeded_generator()
        return self._np_random

    @np_random.setter
    def np_random(self, value):
        self._np_random = value
        self._np_random_seed = -1

    @property
    def np_random_seed(self) -> int:
        """The entropy the generator was seeded with (-1 if it was set directly)."""
        if self._np_random_seed is None:
            self._np_random, self._np_random_seed = _seeded_generator()
        return self._np_random_seed

    @property
    def unwrapped(self) -> Env:
        """The base environment under any wrappers."""
        return self

    def reset(self, *, seed=None, options=None):
        """Start an episode; subclasses call this first to (re)seed ``np_random``."""
        if seed is not None:
            self._np_random, self._np_random_seed = _seeded_generator(seed)
        self._needs_reset = False

    def step(self, action):
        """Apply ``action``; return ``(observation, reward, terminated, truncated, info)``."""
        raise NotImplementedError

    def render(self):
        """The current state as text (``"ansi"``) or an RGB image (``"rgb_array"``)."""
        return None

    def close(self) -> None:
        """Release resources (nothing to release for homeml's environments)."""

    def _check_render_mode(self, render_mode) -> None:
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise ValueError(
                f"{type(self).__name__} supports render_mode in "
                f"{self.metadata['render_modes']} or None, got {render_mode!r}"
            )
        self.render_mode = render_mode

    def _raise_reset_needed(self):
        name = type(self).__name__
        if self._needs_reset is None:
            raise ResetNeeded(f"{name}.step() was called before reset(); call reset() first")
        raise ResetNeeded(
            f"{name}.step() was called after the episode ended (terminated); call reset() "
            f"to start a new episode"
        )

    def _raise_invalid_action(self, action):
        raise ValueError(
            f"{type(self).__name__}: action {action!r} ({type(action).__name__}) is not in the "
            f"action space {self.action_space}"
        )

    def __str__(self) -> str:
        name = type(self).__name__
        return f"<{name}<{self.spec.id}>>" if self.spec else f"<{name}>"

    def __enter__(self):
        return self

    def __exit__(self, *args):
        self.close()
        return False


class Wrapper(Env):
    """Wraps an environment to change some of its behaviour; everything else passes through.

    Parameters
    ----------
    env : Env
        The environment to wrap.
    """

    def __init__(self, env):
        if not hasattr(env, "step") or not hasattr(env, "reset"):
            raise TypeError(f"Wrapper needs an environment with reset/step, got {env!r}")
        self.env = env
        self._action_space = None
        self._observation_space = None
        self._metadata = None

    def __getattr__(self, name):
        # Only reached for names not found on the wrapper: public attributes of the env.
        if name.startswith("_") or name == "env":
            raise AttributeError(f"{type(self).__name__} has no attribute {name!r}")
        return getattr(self.env, name)

    @property
    def action_space(self):
        return self.env.action_space if self._action_space is None else self._action_space

    @action_space.setter
    def action_space(self, space):
        self._action_space = space

    @property
    def observation_space(self):
        if self._observation_space is None:
            return self.env.observation_space
        return self._observation_space

    @observation_space.setter
    def observation_space(self, space):
        self._observation_space = space

    @property
    def metadata(self):
        return self.env.metadata if self._metadata is None else self._metadata

    @metadata.setter
    def metadata(self, value):
        self._metadata = value

    @property
    def render_mode(self):
        return self.env.render_mode

    @property
    def spec(self):
        return self.env.spec

    @property
    def np_random(self):
        return self.env.np_random

    @np_random.setter
    def np_random(self, value):
        self.env.np_random = value

    @property
    def np_random_seed(self):
        return self.env.np_random_seed

    @property
    def unwrapped(self):
        return self.env.unwrapped

    def reset(self, *, seed=None, options=None):
        return self.env.reset(seed=seed, options=options)

    def step(self, action):
        return self.env.step(action)

    def render(self):
        return self.env.render()

    def close(self):
        return self.env.close()

    def __str__(self) -> str:
        return f"<{type(self).__name__}{self.env}>"

    __repr__ = __str__


class ObservationWrapper(Wrapper):
    """A wrapper that changes observations: subclasses define ``observation(obs)``."""

    def reset(self, *, seed=None, options=None):
        observation, info = self.env.reset(seed=seed, options=options)
        return self.observation(observation), info

    def step(self, action):
        observation, reward, terminated, truncated, info = self.env.step(action)
        return self.observation(observation), reward, terminated, truncated, info

    def observation(self, observation):
        """The observation the agent sees in place of the environment's ``observation``."""
        raise NotImplementedError(f"{type(self).__name__} does not define observation()")


class RewardWrapper(Wrapper):
    """A wrapper that changes rewards: subclasses define ``reward(reward)``."""

    def step(self, action):
        observation, reward, terminated, truncated, info = self.env.step(action)
        return observation, self.reward(reward), terminated, truncated, info

    def reward(self, reward):
        """The reward the agent sees in place of the environment's ``reward``."""
        raise NotImplementedError(f"{type(self).__name__} does not define reward()")


class ActionWrapper(Wrapper):
    """A wrapper that changes actions before the environment sees them: define ``action(act)``."""

    def step(self, action):
        return self.env.step(self.action(action))

    def action(self, action):
        """The action passed to the environment for the agent's ``action``."""
        raise NotImplementedError(f"{type(self).__name__} does not define action()")


class TimeLimit(Wrapper):
    """Truncate episodes after ``max_episode_steps`` steps (Gymnasium's ``TimeLimit``).

    Parameters
    ----------
    env : Env
        The environment.
    max_episode_steps : int > 0
        The step at which ``truncated`` becomes True.
    """

    def __init__(self, env, max_episode_steps: int):
        super().__init__(env)
        if (
            isinstance(max_episode_steps, bool)
            or not isinstance(max_episode_steps, int)
            or (max_episode_steps <= 0)
        ):
            raise ValueError(f"max_episode_steps must be a positive int, got {max_episode_steps!r}")
        self._max_episode_steps = max_episode_steps
        self._elapsed_steps = None
        self._over = False

    @property
    def max_episode_steps(self) -> int:
        return self._max_episode_steps

    def reset(self, *, seed=None, options=None):
        self._elapsed_steps = 0
        self._over = False
        return self.env.reset(seed=seed, options=options)

    def step(self, action):
        if self._over or self._elapsed_steps is None:
            when = (
                "before reset()"
                if self._elapsed_steps is None
                else ("after the episode ended (terminated or truncated)")
            )
            raise ResetNeeded(f"{self}.step() was called {when}; call reset() first")
        observation, reward, terminated, truncated, info = self.env.step(action)
        self._elapsed_steps += 1
        if self._elapsed_steps >= self._max_episode_steps:
            truncated = True
        if terminated or truncated:
            self._over = True
        return observation, reward, terminated, truncated, info
