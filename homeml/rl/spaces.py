"""Action and observation spaces with Gymnasium's interface: ``Discrete``, ``MultiDiscrete``,
``Box`` and ``Tuple``.

Sampling follows Gymnasium's own algorithms and seeding (a PCG64 generator from
``numpy.random.SeedSequence(seed)``), so a homeml space and a Gymnasium space seeded alike draw the
same samples. Bad construction raises ``ValueError``/``TypeError`` saying what was expected.
"""

from __future__ import annotations

import numbers

import numpy as np

__all__ = ["Space", "Discrete", "MultiDiscrete", "Box", "Tuple", "np_random"]


def np_random(seed=None) -> tuple[np.random.Generator, int]:
    """A generator and the seed entropy it came from, exactly as ``gymnasium.utils.seeding``.

    Parameters
    ----------
    seed : int >= 0 or None
        ``None`` draws fresh entropy from the operating system.

    Returns
    -------
    generator : numpy.random.Generator
    entropy : int
    """
    if seed is not None and (
        isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0
    ):
        raise ValueError(f"seed must be a non-negative integer or None, got {seed!r}")
    seed_seq = np.random.SeedSequence(None if seed is None else int(seed))
    return np.random.Generator(np.random.PCG64(seed_seq)), seed_seq.entropy


def _is_integer(x) -> bool:
    return isinstance(x, (numbers.Integral, np.integer)) and not isinstance(x, (bool, np.bool_))


class Space:
    """Base class of spaces: a set of values with ``sample``, ``contains`` and seeding."""

    def __init__(self, shape=None, dtype=None, seed=None):
        self._shape = None if shape is None else tuple(shape)
        self.dtype = None if dtype is None else np.dtype(dtype)
        self._np_random = None
        if isinstance(seed, np.random.Generator):
            self._np_random = seed
        elif seed is not None:
            self.seed(seed)

    @property
    def np_random(self) -> np.random.Generator:
        """The space's generator (seeded from fresh entropy on first use if never seeded)."""
        if self._np_random is None:
            self.seed()
        return self._np_random

    @property
    def shape(self):
        """The shape of one sample (``()`` for Discrete, ``None`` for Tuple)."""
        return self._shape

    def seed(self, seed=None):
        """Reseed the space's generator; returns the seed entropy used."""
        self._np_random, entropy = np_random(seed)
        return entropy

    def sample(self):
        raise NotImplementedError

    def contains(self, x) -> bool:
        raise NotImplementedError

    def __contains__(self, x) -> bool:
        return self.contains(x)


class Discrete(Space):
    """The integers ``start, start + 1, ..., start + n - 1``.

    Parameters
    ----------
    n : int > 0
        Number of elements.
    seed : int, numpy.random.Generator or None
        Seed of :meth:`sample`.
    start : int
        Smallest element.

    Examples
    --------
    >>> Discrete(4, seed=0).sample() in Discrete(4)
    True
    """

    def __init__(self, n, seed=None, start=0):
        if not _is_integer(n) or n <= 0:
            raise ValueError(f"Discrete needs a positive integer n, got {n!r}")
        if not _is_integer(start):
            raise TypeError(f"Discrete needs an integer start, got {start!r}")
        self.n = np.int64(n)
        self.start = np.int64(start)
        super().__init__((), np.int64, seed)

    def sample(self, mask=None):
        """A uniform element (``np.int64``), or uniform among ``mask == 1`` (int8 array of n)."""
        if mask is not None:
            mask = np.asarray(mask)
            if mask.shape != (self.n,) or mask.dtype != np.int8:
                raise ValueError(
                    f"mask must be an int8 array of shape ({self.n},), got {mask.dtype} "
                    f"{mask.shape}"
                )
            valid = np.flatnonzero(mask == 1)
            if len(valid) == 0:
                return self.start
            return self.start + np.int64(self.np_random.choice(valid))
        return self.start + self.np_random.integers(self.n, dtype=np.int64)

    def contains(self, x) -> bool:
        """Whether ``x`` is an integer scalar (Python, NumPy or 0-d array) in the range."""
        if isinstance(x, int):
            pass
        elif isinstance(x, (np.generic, np.ndarray)) and (
            np.issubdtype(x.dtype, np.integer) and x.shape == ()
        ):
            if not np.can_cast(x.dtype, np.int64):
                return False
        else:
            return False
        return bool(self.start <= x < self.start + self.n)

    def __repr__(self) -> str:
        return f"Discrete({self.n}, start={self.start})" if self.start else f"Discrete({self.n})"

    def __eq__(self, other) -> bool:
        return isinstance(other, Discrete) and self.n == other.n and self.start == other.start

    __hash__ = None


class MultiDiscrete(Space):
    """An array of integers, element ``i`` in ``start[i], ..., start[i] + nvec[i] - 1``.

    A vector environment's batched ``Discrete`` space is one (``nvec`` = n for every copy).

    Parameters
    ----------
    nvec : array_like of int > 0
        Number of values of each element (its shape is the sample's shape).
    dtype : integer dtype, default int64
    seed : int, numpy.random.Generator or None
        Seed of :meth:`sample`.
    start : array_like of int, optional
        Smallest value of each element (zeros by default).
    """

    def __init__(self, nvec, dtype=np.int64, seed=None, start=None):
        dtype = np.dtype(dtype)
        if dtype.kind not in "iu":
            raise ValueError(f"MultiDiscrete dtype must be an integer dtype, got {dtype}")
        self.nvec = np.array(nvec, dtype=dtype, copy=True)
        self.start = (
            np.zeros(self.nvec.shape, dtype=dtype)
            if start is None
            else np.array(start, dtype=dtype, copy=True)
        )
        if self.start.shape != self.nvec.shape:
            raise ValueError(
                f"MultiDiscrete start and nvec must have the same shape, got {self.start.shape} "
                f"and {self.nvec.shape}"
            )
        if not np.all(self.nvec > 0):
            raise ValueError(f"MultiDiscrete nvec must be positive, got {self.nvec}")
        super().__init__(self.nvec.shape, dtype, seed)

    def sample(self) -> np.ndarray:
        """A uniform sample (Gymnasium's draw: one uniform float per element)."""
        return (self.np_random.random(self.nvec.shape) * self.nvec).astype(self.dtype) + self.start

    def contains(self, x) -> bool:
        """Whether ``x`` is an integer array of the right shape with every element in range."""
        if isinstance(x, (list, tuple)):
            x = np.array(x)
        return bool(
            isinstance(x, np.ndarray)
            and x.shape == self._shape
            and np.can_cast(x.dtype, self.dtype)
            and np.all(self.start <= x)
            and np.all(x <= self.start + (self.nvec - 1))
        )

    def __repr__(self) -> str:
        if np.any(self.start != 0):
            return f"MultiDiscrete({self.nvec}, start={self.start})"
        return f"MultiDiscrete({self.nvec})"

    def __eq__(self, other) -> bool:
        return (
            isinstance(other, MultiDiscrete)
            and self.dtype == other.dtype
            and self._shape == other._shape
            and bool(np.all(self.nvec == other.nvec))
            and bool(np.all(self.start == other.start))
        )

    __hash__ = None


class Box(Space):
    """A (possibly unbounded) box in R^n: ``low <= x <= high`` elementwise.

    Parameters
    ----------
    low, high : float or ndarray
        Bounds (scalars are broadcast to ``shape``); ``-inf``/``inf`` mean unbounded.
    shape : tuple of int, optional
        Inferred from ``low``/``high`` arrays when omitted (``(1,)`` for two scalars).
    dtype : numpy dtype, default float32
        Integer, floating or bool.
    seed : int, numpy.random.Generator or None
        Seed of :meth:`sample`.
    """

    def __init__(self, low, high, shape=None, dtype=np.float32, seed=None):
        if dtype is None:
            raise ValueError("Box needs an explicit dtype, got None")
        dtype = np.dtype(dtype)
        if dtype.kind not in "iufb":
            raise ValueError(f"Box dtype must be integer, floating or bool, got {dtype}")
        if shape is not None:
            try:
                shape = tuple(shape)
            except TypeError:
                raise TypeError(f"Box shape must be a tuple of integers, got {shape!r}") from None
            if not all(_is_integer(d) and d >= 0 for d in shape):
                raise TypeError(f"Box shape must be a tuple of integers, got {shape!r}")
            shape = tuple(int(d) for d in shape)
        elif isinstance(low, np.ndarray) or isinstance(high, np.ndarray):
            low_shape = np.shape(low) if isinstance(low, np.ndarray) else None
            high_shape = np.shape(high) if isinstance(high, np.ndarray) else None
            if low_shape is not None and high_shape is not None and low_shape != high_shape:
                raise ValueError(
                    f"Box low and high must have the same shape, got {low_shape} and {high_shape}"
                )
            shape = low_shape if low_shape is not None else high_shape
        elif isinstance(low, numbers.Real) and isinstance(high, numbers.Real):
            shape = (1,)
        else:
            raise ValueError(
                f"Box low and high must be numbers or arrays, got {type(low).__name__} "
                f"and {type(high).__name__}"
            )
        super().__init__(shape, dtype)
        self.low, self.bounded_below = self._cast(low, "low")
        self.high, self.bounded_above = self._cast(high, "high")
        if np.any(self.low > self.high):
            raise ValueError(
                f"Box low must be <= high everywhere, got low={self.low}, high={self.high}"
            )
        if seed is not None:
            if isinstance(seed, np.random.Generator):
                self._np_random = seed
            else:
                self.seed(seed)

    def _cast(self, bound, name):
        # Gymnasium's rules: infinite bounds of integer boxes become the dtype's extremes.
        if not isinstance(bound, (numbers.Real, np.ndarray)):
            raise ValueError(f"Box {name} must be a number or an ndarray, got {type(bound)}")
        bound = np.asarray(bound)
        bound = bound.astype(np.float64 if bound.dtype.kind != "f" else bound.dtype)
        if bound.shape not in ((), self._shape):
            raise ValueError(f"Box {name}.shape {bound.shape} does not match shape {self._shape}")
        if np.any(np.isnan(bound)):
            raise ValueError(f"Box {name} cannot contain NaN, got {bound}")
        bound = np.broadcast_to(bound, self._shape).copy()
        bounded = bound > -np.inf if name == "low" else bound < np.inf
        infinite = ~bounded
        if np.any(infinite) and self.dtype.kind != "f":
            if self.dtype.kind in "ub":
                raise ValueError(f"Box of dtype {self.dtype} cannot have infinite {name}")
            info = np.iinfo(self.dtype)
            bound[infinite] = info.min if name == "low" else info.max
        if self.dtype.kind in "iu":  # a bound the dtype cannot hold would wrap around silently
            info = np.iinfo(self.dtype)
            outside = bounded & ((bound < info.min) | (bound > info.max))
            if np.any(outside):
                raise ValueError(
                    f"Box {name} {bound[outside].tolist()} is out of the range of dtype "
                    f"{self.dtype} ({info.min} to {info.max})"
                )
        return bound.astype(self.dtype), bounded

    def is_bounded(self, manner: str = "both") -> bool:
        """Whether the box is bounded ``"below"``, ``"above"`` or on ``"both"`` sides."""
        below, above = bool(np.all(self.bounded_below)), bool(np.all(self.bounded_above))
        if manner not in ("both", "below", "above"):
            raise ValueError(f"manner must be 'both', 'below' or 'above', got {manner!r}")
        return {"both": below and above, "below": below, "above": above}[manner]

    def sample(self) -> np.ndarray:
        """A sample: uniform where bounded, exponential where half-bounded, normal elsewhere."""
        integer = self.dtype.kind != "f"
        high = self.high.astype(np.int64) + 1 if integer else self.high
        sample = np.empty(self._shape)
        unbounded = ~self.bounded_below & ~self.bounded_above
        upper = ~self.bounded_below & self.bounded_above
        lower = self.bounded_below & ~self.bounded_above
        bounded = self.bounded_below & self.bounded_above
        rng = self.np_random
        # The same draws in the same order as Gymnasium's Box.sample.
        sample[unbounded] = rng.normal(size=unbounded[unbounded].shape)
        sample[lower] = rng.exponential(size=lower[lower].shape) + self.low[lower]
        sample[upper] = -rng.exponential(size=upper[upper].shape) + high[upper]
        sample[bounded] = rng.uniform(
            low=self.low[bounded], high=high[bounded], size=bounded[bounded].shape
        )
        if integer:
            sample = np.floor(sample)
            info = np.iinfo(self.dtype) if self.dtype.kind != "b" else None
            if self.dtype.kind == "i":
                sample = sample.clip(info.min + 2, info.max - 2)
            elif self.dtype.kind == "u":
                sample = sample.clip(info.min, info.max)
        sample = sample.astype(self.dtype)
        if self.dtype == np.int64:
            sample = sample.clip(self.low, self.high)
        return sample

    def contains(self, x) -> bool:
        """Whether ``x`` has the box's shape, a castable dtype and lies within the bounds."""
        if not isinstance(x, np.ndarray):
            try:
                x = np.asarray(x, dtype=self.dtype)
            except (ValueError, TypeError):
                return False
        return bool(
            np.can_cast(x.dtype, self.dtype)
            and x.shape == self._shape
            and np.all(x >= self.low)
            and np.all(x <= self.high)
        )

    def __repr__(self) -> str:
        def short(a):
            return str(a.flat[0]) if a.size and np.all(a == a.flat[0]) else str(a)

        return f"Box({short(self.low)}, {short(self.high)}, {self._shape}, {self.dtype})"

    def __eq__(self, other) -> bool:
        return (
            isinstance(other, Box)
            and self._shape == other._shape
            and self.dtype == other.dtype
            and np.allclose(self.low, other.low)
            and np.allclose(self.high, other.high)
        )

    __hash__ = None


class Tuple(Space):
    """The Cartesian product of spaces; samples are tuples.

    Parameters
    ----------
    spaces : iterable of Space
        The factors.
    seed : int, list of int, numpy.random.Generator or None
        An int seeds every factor from one generator (as Gymnasium); a list seeds each factor.
    """

    def __init__(self, spaces, seed=None):
        self.spaces = tuple(spaces)
        if not self.spaces:
            raise ValueError("Tuple needs at least one space, got none")
        for space in self.spaces:
            if not isinstance(space, Space):
                raise TypeError(f"Tuple takes homeml.rl.spaces Space objects, got {space!r}")
        super().__init__(None, None, seed)

    def seed(self, seed=None):
        """Seed every factor: from one int (via sub-seeds), a list (one each) or fresh entropy."""
        if seed is None:
            return tuple(space.seed(None) for space in self.spaces)
        if _is_integer(seed):
            super().seed(seed)
            subseeds = self._np_random.integers(np.iinfo(np.int32).max, size=len(self.spaces))
            return tuple(s.seed(int(sub)) for s, sub in zip(self.spaces, subseeds, strict=True))
        if isinstance(seed, (list, tuple)):
            if len(seed) != len(self.spaces):
                raise ValueError(
                    f"Tuple.seed needs one seed per space ({len(self.spaces)}), got {len(seed)}"
                )
            return tuple(s.seed(sub) for s, sub in zip(self.spaces, seed, strict=True))
        raise TypeError(f"Tuple seed must be an int, a list of ints or None, got {seed!r}")

    def sample(self) -> tuple:
        """One sample of each factor."""
        return tuple(space.sample() for space in self.spaces)

    def contains(self, x) -> bool:
        """Whether ``x`` is a tuple (list/array accepted) with each part in its space."""
        if isinstance(x, (list, np.ndarray)):
            x = tuple(x)
        return (
            isinstance(x, tuple)
            and len(x) == len(self.spaces)
            and all(space.contains(part) for space, part in zip(self.spaces, x, strict=True))
        )

    def __getitem__(self, index):
        return self.spaces[index]

    def __len__(self) -> int:
        return len(self.spaces)

    def __repr__(self) -> str:
        return "Tuple(" + ", ".join(repr(s) for s in self.spaces) + ")"

    def __eq__(self, other) -> bool:
        return isinstance(other, Tuple) and self.spaces == other.spaces

    __hash__ = None
