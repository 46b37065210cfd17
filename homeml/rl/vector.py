"""Several copies of an environment stepped together: :class:`SyncVectorEnv` and :func:`make_vec`.

Gymnasium 1.x's vector API: ``reset`` returns a batch of observations and an info dict of
arrays, ``step(actions)`` takes one action per copy and returns batched observations, rewards
(float64), ``terminated`` and ``truncated`` (bool) and infos. Spaces are batched with
:func:`homeml.rl.space_utils.batch_space` (a Discrete action space becomes MultiDiscrete).

A copy whose episode ended is reset automatically, by Gymnasium's rule for ``autoreset_mode``:

- ``"NextStep"`` (default): the step after the end resets that copy; it returns the new
  episode's first observation with reward 0 and both flags False, and ignores that copy's action.
- ``"SameStep"``: the copy is reset in the step that ends the episode; the observation returned
  is the new episode's first, and ``info["final_obs"]``/``info["final_info"]`` hold the last.
- ``"Disabled"``: nothing is reset; call ``reset(options={"reset_mask": mask})``.
"""

from __future__ import annotations

import copy
from enum import Enum

import numpy as np

from homeml.rl import space_utils
from homeml.rl.spaces import Space

__all__ = ["AutoresetMode", "SyncVectorEnv", "make_vec"]


class AutoresetMode(Enum):
    """When a copy whose episode ended is reset (see the module docstring).

    The values are Gymnasium's (``"NextStep"``...); ``"next_step"`` and the like work too.
    """

    NEXT_STEP = "NextStep"
    SAME_STEP = "SameStep"
    DISABLED = "Disabled"

    @classmethod
    def _missing_(cls, value):
        if isinstance(value, str):
            for mode in cls:
                if value.replace("_", "").lower() == mode.value.lower():
                    return mode
        return None


class SyncVectorEnv:
    """Step ``len(env_fns)`` environments one after the other in this process.

    Parameters
    ----------
    env_fns : sequence of callables
        Each returns a new environment; all must have equal spaces.
    copy : bool, default True
        Return copies of the observation batch (else the same buffer, rewritten each step).
    observation_mode : "same" or (batched space, single space), default "same"
        ``"same"`` batches the first copy's observation space.
    autoreset_mode : str or AutoresetMode, default "NextStep"
        ``"NextStep"``, ``"SameStep"`` or ``"Disabled"`` (or ``"next_step"``...).

    Attributes
    ----------
    envs : list of Env
    num_envs : int
    single_observation_space, single_action_space : Space
        One copy's spaces.
    observation_space, action_space : Space
        The batched spaces.
    """

    def __init__(
        self,
        env_fns,
        copy: bool = True,
        observation_mode="same",
        autoreset_mode=AutoresetMode.NEXT_STEP,
    ):
        try:
            # Gymnasium's own enum is accepted too (by its value)
            self.autoreset_mode = AutoresetMode(getattr(autoreset_mode, "value", autoreset_mode))
        except ValueError:
            raise ValueError(
                f"autoreset_mode must be one of {[m.value for m in AutoresetMode]}, got "
                f"{autoreset_mode!r}"
            ) from None
        env_fns = list(env_fns)
        if not env_fns or not all(callable(fn) for fn in env_fns):
            raise TypeError(
                f"SyncVectorEnv needs a non-empty list of functions that build environments, "
                f"got {env_fns!r}"
            )
        self.env_fns, self.copy = env_fns, copy
        self.envs = [fn() for fn in env_fns]
        self.num_envs = len(self.envs)
        first = self.envs[0]
        self.metadata = {**first.metadata, "autoreset_mode": self.autoreset_mode}
        self.render_mode = first.render_mode
        self.spec = first.spec
        self.single_action_space = first.action_space
        self.action_space = space_utils.batch_space(self.single_action_space, self.num_envs)
        if observation_mode == "same":
            self.single_observation_space = first.observation_space
            self.observation_space = space_utils.batch_space(
                self.single_observation_space, self.num_envs
            )
        elif (
            isinstance(observation_mode, tuple)
            and len(observation_mode) == 2
            and all(isinstance(s, Space) for s in observation_mode)
        ):
            self.observation_space, self.single_observation_space = observation_mode
        else:
            raise ValueError(
                f"observation_mode must be 'same' or a tuple (batched space, single space), got "
                f"{observation_mode!r}"
            )
        for i, env in enumerate(self.envs):
            same = env.observation_space == self.single_observation_space
            if observation_mode == "same" and not same:
                raise RuntimeError(
                    f"environment {i} has observation space {env.observation_space}, environment "
                    f"0 has {self.single_observation_space}: the copies must have equal spaces"
                )
            if env.action_space != self.single_action_space:
                raise RuntimeError(
                    f"environment {i} has action space {env.action_space}, environment 0 has "
                    f"{self.single_action_space}: the copies must have equal spaces"
                )
        self._env_obs = [None] * self.num_envs
        self._observations = space_utils.create_empty_array(
            self.single_observation_space, self.num_envs
        )
        self._rewards = np.zeros(self.num_envs, dtype=np.float64)
        self._terminations = np.zeros(self.num_envs, dtype=np.bool_)
        self._truncations = np.zeros(self.num_envs, dtype=np.bool_)
        self._autoreset_envs = np.zeros(self.num_envs, dtype=np.bool_)
        self.closed = False

    # ------------------------------------------------------------------------- the API
    def reset(self, *, seed=None, options=None):
        """Reset every copy (or those in ``options["reset_mask"]``).

        Parameters
        ----------
        seed : int, list of int/None, or None
            An int ``s`` seeds the copies with ``s, s + 1, ...``; a list gives one seed each.
        options : dict, optional
            Passed to each copy's ``reset``; ``"reset_mask"`` (bool array, one per copy)
            resets only the copies marked True.

        Returns
        -------
        observations, infos
        """
        if seed is None:
            seeds = [None] * self.num_envs
        elif isinstance(seed, (int, np.integer)) and not isinstance(seed, bool):
            seeds = [int(seed) + i for i in range(self.num_envs)]
        else:
            seeds = list(seed)
        if len(seeds) != self.num_envs:
            raise ValueError(
                f"reset needs one seed per environment ({self.num_envs}), got {len(seeds)}"
            )
        mask = np.ones(self.num_envs, dtype=np.bool_)
        if options is not None and "reset_mask" in options:
            options = dict(options)
            mask = options.pop("reset_mask")
            if not (
                isinstance(mask, np.ndarray)
                and mask.dtype == np.bool_
                and mask.shape == (self.num_envs,)
            ):
                raise ValueError(
                    f"options['reset_mask'] must be a bool array of shape ({self.num_envs},), "
                    f"got {mask!r}"
                )
            if not mask.any():
                raise ValueError("options['reset_mask'] must mark at least one environment")
        self._terminations[mask] = False
        self._truncations[mask] = False
        self._autoreset_envs[mask] = False
        infos = {}
        for i in np.flatnonzero(mask):
            self._env_obs[i], info = self.envs[i].reset(seed=seeds[i], options=options)
            infos = self._add_info(infos, info, i)
        return self._batch(), infos

    def step(self, actions):
        """Step every copy with its action; returns batched ``(obs, rewards, terminated,
        truncated, infos)``. Copies whose episode ended are reset per ``autoreset_mode``.
        """
        if self.closed:
            raise RuntimeError("step() on a closed SyncVectorEnv")
        actions = list(space_utils.iterate(self.action_space, actions))
        if len(actions) != self.num_envs:
            raise ValueError(
                f"step needs one action per environment ({self.num_envs}), got {len(actions)}"
            )
        infos = {}
        for i, action in enumerate(actions):
            env = self.envs[i]
            if self.autoreset_mode is AutoresetMode.NEXT_STEP and self._autoreset_envs[i]:
                self._env_obs[i], info = env.reset()
                self._rewards[i] = 0.0
                self._terminations[i] = self._truncations[i] = False
            else:
                (
                    self._env_obs[i],
                    self._rewards[i],
                    self._terminations[i],
                    self._truncations[i],
                    info,
                ) = env.step(action)
                if self.autoreset_mode is AutoresetMode.SAME_STEP and (
                    self._terminations[i] or self._truncations[i]
                ):
                    final = {"final_obs": self._env_obs[i], "final_info": info}
                    infos = self._add_info(infos, final, i)
                    self._env_obs[i], info = env.reset()
            infos = self._add_info(infos, info, i)
        self._autoreset_envs = np.logical_or(self._terminations, self._truncations)
        return (
            self._batch(),
            np.copy(self._rewards),
            np.copy(self._terminations),
            np.copy(self._truncations),
            infos,
        )

    def _batch(self):
        self._observations = space_utils.concatenate(
            self.single_observation_space, self._env_obs, self._observations
        )
        return copy.deepcopy(self._observations) if self.copy else self._observations

    def _add_info(self, vector_infos: dict, env_info: dict, i: int) -> dict:
        """Merge copy ``i``'s info: each key holds an array over copies and ``"_" + key`` a
        bool array saying which copies have it (dicts are merged key by key).
        """
        for key, value in env_info.items():
            if key == "final_obs":
                array = vector_infos.get(key)
                if array is None:
                    array = np.full(self.num_envs, None, dtype=object)
                array[i] = value
            elif isinstance(value, dict):
                array = self._add_info(vector_infos.get(key, {}), value, i)
            else:
                array = vector_infos.get(key)
                if array is None:
                    if type(value) in (int, float, bool) or isinstance(value, np.number):
                        array = np.zeros(self.num_envs, dtype=type(value))
                    elif isinstance(value, np.ndarray):
                        array = np.zeros((self.num_envs, *value.shape), dtype=value.dtype)
                    else:
                        array = np.full(self.num_envs, None, dtype=object)
                array[i] = value
            present = vector_infos.get(f"_{key}", np.zeros(self.num_envs, dtype=np.bool_))
            present[i] = True
            vector_infos[key], vector_infos[f"_{key}"] = array, present
        return vector_infos

    # ------------------------------------------------------------------------- the copies
    def render(self):
        """Each copy's ``render()``, as a tuple."""
        return tuple(env.render() for env in self.envs)

    def call(self, name: str, *args, **kwargs) -> tuple:
        """Call method ``name`` (or read attribute ``name``) of every copy."""
        results = []
        for env in self.envs:
            attribute = getattr(env, name)
            results.append(attribute(*args, **kwargs) if callable(attribute) else attribute)
        return tuple(results)

    def get_attr(self, name: str) -> tuple:
        """Attribute ``name`` of every copy."""
        return tuple(getattr(env, name) for env in self.envs)

    def set_attr(self, name: str, values) -> None:
        """Set attribute ``name`` of every copy (one value for all, or a list of one each)."""
        if not isinstance(values, (list, tuple)):
            values = [values] * self.num_envs
        if len(values) != self.num_envs:
            raise ValueError(f"set_attr needs {self.num_envs} values, got {len(values)}")
        for env, value in zip(self.envs, values, strict=True):
            setattr(env, name, value)

    @property
    def np_random_seed(self) -> tuple:
        """Each copy's ``np_random_seed``."""
        return self.get_attr("np_random_seed")

    @property
    def np_random(self) -> tuple:
        """Each copy's generator."""
        return self.get_attr("np_random")

    @property
    def unwrapped(self) -> SyncVectorEnv:
        return self

    def close(self) -> None:
        """Close every copy (again is harmless)."""
        if not self.closed:
            for env in self.envs:
                env.close()
            self.closed = True

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def __repr__(self) -> str:
        name = self.spec.id if self.spec is not None else type(self.envs[0]).__name__
        return f"SyncVectorEnv({name}, num_envs={self.num_envs})"


def make_vec(
    id, num_envs: int = 1, vectorization_mode=None, vector_kwargs=None, wrappers=None, **kwargs
) -> SyncVectorEnv:
    """``num_envs`` copies of a registered environment in a :class:`SyncVectorEnv`.

    Parameters
    ----------
    id : str or EnvSpec
        As for :func:`homeml.rl.make`.
    num_envs : int > 0, default 1
    vectorization_mode : {"sync", None}
        homeml steps copies in this process only (``"async"`` is refused).
    vector_kwargs : dict, optional
        Passed to :class:`SyncVectorEnv` (``copy``, ``autoreset_mode``...).
    wrappers : sequence of callables, optional
        Applied to each copy in order (``env -> wrapped env``).
    **kwargs
        Passed to :func:`homeml.rl.make` for each copy.

    Examples
    --------
    >>> envs = make_vec("CartPole-v1", num_envs=4)
    >>> observations, infos = envs.reset(seed=0)
    >>> observations.shape
    (4, 4)
    """
    from homeml.rl.registration import make

    if isinstance(num_envs, bool) or not isinstance(num_envs, (int, np.integer)) or num_envs < 1:
        raise ValueError(f"num_envs must be a positive integer, got {num_envs!r}")
    mode = getattr(vectorization_mode, "value", vectorization_mode)
    if mode not in (None, "sync"):
        raise ValueError(
            f"homeml runs vector environments synchronously: vectorization_mode must be 'sync' "
            f"or None, got {vectorization_mode!r}"
        )
    wrappers = list(wrappers or ())

    def build():
        env = make(id, **kwargs)
        for wrapper in wrappers:
            env = wrapper(env)
        return env

    return SyncVectorEnv([build] * int(num_envs), **(vector_kwargs or {}))
