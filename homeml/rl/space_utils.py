"""Operations on spaces and their samples, as ``gymnasium.spaces.utils`` and
``gymnasium.vector.utils``: flattening (for :class:`~homeml.rl.wrappers.FlattenObservation`) and
batching (for vector environments and frame stacking).

Each function handles homeml's four spaces; the results (spaces, dtypes, layouts) are
Gymnasium's, so a flattened or batched observation equals Gymnasium's element for element.
"""

from __future__ import annotations

import copy

import numpy as np

from homeml.rl.spaces import Box, Discrete, MultiDiscrete, Space, Tuple

__all__ = [
    "flatdim",
    "flatten",
    "flatten_space",
    "unflatten",
    "batch_space",
    "concatenate",
    "iterate",
    "create_empty_array",
    "zero_sample",
]


def _unsupported(function: str, space) -> TypeError:
    return TypeError(
        f"{function} handles homeml.rl.spaces Discrete, MultiDiscrete, Box and Tuple, got "
        f"{type(space).__name__}: {space!r}"
    )


# ----------------------------------------------------------------------------- flattening
def flatdim(space: Space) -> int:
    """The length of a flattened sample: ``n`` for Discrete (one-hot), ``sum(nvec)`` for
    MultiDiscrete, the size for Box, the sum of the parts for Tuple.
    """
    if isinstance(space, Discrete):
        return int(space.n)
    if isinstance(space, MultiDiscrete):
        return int(np.sum(space.nvec))
    if isinstance(space, Box):
        return int(np.prod(space.shape))
    if isinstance(space, Tuple):
        return sum(flatdim(s) for s in space.spaces)
    raise _unsupported("flatdim", space)


def flatten(space: Space, x) -> np.ndarray:
    """A sample of ``space`` as a 1-d array (one-hot for discrete parts, concatenated for Tuple)."""
    if isinstance(space, Discrete):
        onehot = np.zeros(space.n, dtype=space.dtype)
        onehot[x - space.start] = 1
        return onehot
    if isinstance(space, MultiDiscrete):
        offsets = np.zeros(space.nvec.size + 1, dtype=np.int32)
        offsets[1:] = np.cumsum(space.nvec.flatten())
        onehot = np.zeros(offsets[-1], dtype=space.dtype)
        onehot[offsets[:-1] + (np.asarray(x) - space.start).flatten()] = 1
        return onehot
    if isinstance(space, Box):
        return np.asarray(x, dtype=space.dtype).flatten()
    if isinstance(space, Tuple):
        return np.concatenate(
            [np.array(flatten(s, part)) for s, part in zip(space.spaces, x, strict=True)]
        )
    raise _unsupported("flatten", space)


def unflatten(space: Space, x: np.ndarray):
    """The inverse of :func:`flatten`."""
    x = np.asarray(x)
    if isinstance(space, Discrete):
        return space.start + np.int64(np.flatnonzero(x)[0])
    if isinstance(space, MultiDiscrete):
        parts = np.split(x, np.cumsum(space.nvec.flatten())[:-1])
        picks = np.array([np.flatnonzero(p)[0] for p in parts], dtype=space.dtype)
        return picks.reshape(space.shape) + space.start
    if isinstance(space, Box):
        return x.astype(space.dtype).reshape(space.shape)
    if isinstance(space, Tuple):
        bounds = np.cumsum([0] + [flatdim(s) for s in space.spaces])
        return tuple(
            unflatten(s, x[a:b])
            for s, a, b in zip(space.spaces, bounds[:-1], bounds[1:], strict=True)
        )
    raise _unsupported("unflatten", space)


def flatten_space(space: Space) -> Box:
    """The Box that :func:`flatten` maps ``space`` into."""
    if isinstance(space, Box):
        return Box(space.low.flatten(), space.high.flatten(), dtype=space.dtype)
    if isinstance(space, (Discrete, MultiDiscrete)):
        return Box(low=0, high=1, shape=(flatdim(space),), dtype=space.dtype)
    if isinstance(space, Tuple):
        parts = [flatten_space(s) for s in space.spaces]
        return Box(
            np.concatenate([p.low for p in parts]),
            np.concatenate([p.high for p in parts]),
            dtype=np.result_type(*[p.dtype for p in parts]),
        )
    raise _unsupported("flatten_space", space)


# ----------------------------------------------------------------------------- batching
def batch_space(space: Space, n: int = 1) -> Space:
    """The space of ``n`` stacked samples: Box -> Box with a leading axis, Discrete ->
    MultiDiscrete, MultiDiscrete -> Box, Tuple -> Tuple of batched parts.

    The batched space starts from a copy of ``space``'s random state, as in Gymnasium.
    """
    if not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"batch_space needs a positive number of copies, got {n!r}")
    rng = copy.deepcopy(space.np_random)
    if isinstance(space, Box):
        repeats = (n,) + (1,) * space.low.ndim
        return Box(
            np.tile(space.low, repeats), np.tile(space.high, repeats), dtype=space.dtype, seed=rng
        )
    if isinstance(space, Discrete):
        return MultiDiscrete(
            np.full((n,), space.n, dtype=space.dtype),
            dtype=space.dtype,
            seed=rng,
            start=np.full((n,), space.start, dtype=space.dtype),
        )
    if isinstance(space, MultiDiscrete):
        repeats = (n,) + (1,) * space.nvec.ndim
        low = np.tile(space.start, repeats)
        return Box(low, low + np.tile(space.nvec, repeats) - 1, dtype=space.dtype, seed=rng)
    if isinstance(space, Tuple):
        return Tuple([batch_space(s, n) for s in space.spaces], seed=rng)
    raise _unsupported("batch_space", space)


def create_empty_array(space: Space, n: int = 1, fn=np.zeros):
    """An array (a tuple of arrays for Tuple) to hold ``n`` stacked samples of ``space``."""
    if isinstance(space, (Box, Discrete, MultiDiscrete)):
        return fn((n, *space.shape), dtype=space.dtype)
    if isinstance(space, Tuple):
        return tuple(create_empty_array(s, n, fn) for s in space.spaces)
    raise _unsupported("create_empty_array", space)


def concatenate(space: Space, items, out):
    """Stack samples of ``space`` into ``out`` (from :func:`create_empty_array`); returns it."""
    if isinstance(space, (Box, Discrete, MultiDiscrete)):
        return np.stack(list(items), axis=0, out=out)
    if isinstance(space, Tuple):
        items = list(items)
        return tuple(
            concatenate(s, [item[i] for item in items], out[i]) for i, s in enumerate(space.spaces)
        )
    raise _unsupported("concatenate", space)


def iterate(space: Space, items):
    """The single samples in a batch of the batched ``space`` (the inverse of concatenate)."""
    if isinstance(space, Discrete):
        raise TypeError("a Discrete space has no batch to iterate over (batch it first)")
    if isinstance(space, (Box, MultiDiscrete)):
        try:
            return iter(items)
        except TypeError:
            raise TypeError(f"cannot iterate over {items!r} as a batch of {space}") from None
    if isinstance(space, Tuple):
        return zip(*[iterate(s, items[i]) for i, s in enumerate(space.spaces)], strict=True)
    raise _unsupported("iterate", space)


def zero_sample(space: Space):
    """The sample of ``space`` closest to zero (the padding of frame stacking)."""
    if isinstance(space, Box):
        zero = np.zeros(space.shape, dtype=space.dtype)
        zero = np.where(space.low > 0, space.low, zero)
        return np.where(space.high < 0, space.high, zero)
    if isinstance(space, Discrete):
        return space.start
    if isinstance(space, MultiDiscrete):
        return np.array(space.start, copy=True, dtype=space.dtype)
    if isinstance(space, Tuple):
        return tuple(zero_sample(s) for s in space.spaces)
    raise _unsupported("zero_sample", space)
