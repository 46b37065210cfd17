"""Samplers: the order in which a :class:`~homeml.data.DataLoader` visits a dataset's indices.

The built-in samplers also offer ``index_array()``, the whole pass as one int64 array drawn at
call time, so that batching is array slicing rather than a Python loop over every index.
"""

from __future__ import annotations

import itertools
import numbers
from collections.abc import Iterable, Iterator, Sequence, Sized
from typing import TYPE_CHECKING, Any

import numpy as np

from homeml.data._rng import resolve_rng

if TYPE_CHECKING:
    from homeml.creation import Generator


class Sampler:
    """Base class: an iterable of dataset indices, with ``__len__`` when the count is known."""

    def __iter__(self) -> Iterator[Any]:  # indices, or lists of them for a batch sampler
        raise NotImplementedError(f"{type(self).__name__} must implement __iter__")


class SequentialSampler(Sampler):
    """``0, 1, ..., len(data_source) - 1``."""

    def __init__(self, data_source: Sized):
        self.data_source = data_source

    def index_array(self) -> np.ndarray:
        return np.arange(len(self.data_source), dtype=np.int64)

    def __iter__(self) -> Iterator[int]:
        return iter(range(len(self.data_source)))

    def __len__(self) -> int:
        return len(self.data_source)


class RandomSampler(Sampler):
    """Indices in random order: a fresh permutation (or draws with replacement) every pass.

    Parameters
    ----------
    data_source : Dataset
    replacement : bool, default False
        Draw ``num_samples`` indices independently instead of permuting.
    num_samples : int, optional
        Indices per pass (default ``len(data_source)``); without replacement it may exceed the
        dataset's length, in which case several permutations are chained.
    generator : homeml.Generator, optional
        Source of randomness; default homeml's default generator, read at each pass.

    Notes
    -----
    A pass of up to ``CHUNK`` indices is drawn all at once when it starts (``iter(sampler)`` or
    ``index_array()``), so it is a pure function of the generator state at that moment. A longer
    pass (``num_samples=10**10`` for an endless loader) is drawn lazily, ``CHUNK`` indices at a
    time, so that memory stays bounded.
    """

    CHUNK = 1 << 20

    def __init__(
        self,
        data_source: Sized,
        replacement: bool = False,
        num_samples: int | None = None,
        generator: Generator | None = None,
    ):
        if not isinstance(replacement, bool):
            raise TypeError(f"replacement should be a boolean value, got {replacement!r}")
        self.data_source = data_source
        self.replacement = replacement
        self._num_samples = num_samples
        self.generator = generator
        resolve_rng(generator, "RandomSampler")  # reject a bad generator now, not mid-epoch
        n = self.num_samples
        if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n <= 0:
            raise ValueError(f"num_samples should be a positive integer value, got {n!r}")

    @property
    def num_samples(self) -> int:
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def index_array(self) -> np.ndarray:
        """The whole pass as one array (for passes of at most ``CHUNK`` indices)."""
        if self.num_samples > self.CHUNK:
            raise ValueError(
                f"RandomSampler: a pass of {self.num_samples} indices is drawn lazily; iterate "
                "over the sampler or use index_chunks() instead of index_array()"
            )
        return next(self.index_chunks())

    def index_chunks(self):
        """The pass as int64 arrays of at most ``CHUNK`` indices (one array for short passes,
        drawn now; longer passes draw each chunk when it is reached).
        """
        n, count = len(self.data_source), self.num_samples
        rng = resolve_rng(self.generator, "RandomSampler")
        if count > self.CHUNK:
            return self._lazy_chunks(rng, n, count)
        if self.replacement:
            return iter([rng.integers(0, n, size=count, dtype=np.int64)])
        rounds = [rng.permutation(n) for _ in range(-(-count // n))]
        return iter([np.concatenate(rounds)[:count].astype(np.int64, copy=False)])

    def _lazy_chunks(self, rng, n, count):
        step = self.CHUNK if self.replacement else n
        for start in range(0, count, step):
            if self.replacement:
                yield rng.integers(0, n, size=min(step, count - start), dtype=np.int64)
            else:
                yield rng.permutation(n)[: count - start].astype(np.int64, copy=False)

    def __iter__(self) -> Iterator[int]:
        return itertools.chain.from_iterable(chunk.tolist() for chunk in self.index_chunks())

    def __len__(self) -> int:
        return self.num_samples


class SubsetRandomSampler(Sampler):
    """The given indices in a random order (a new one each pass)."""

    def __init__(self, indices: Sequence[int], generator: Generator | None = None):
        self.indices = indices
        self.generator = generator

    def index_array(self) -> np.ndarray:
        rng = resolve_rng(self.generator, "SubsetRandomSampler")
        return np.asarray(self.indices, dtype=np.int64)[rng.permutation(len(self.indices))]

    def __iter__(self) -> Iterator[int]:
        return iter(self.index_array().tolist())

    def __len__(self) -> int:
        return len(self.indices)


class WeightedRandomSampler(Sampler):
    """Indices ``0..len(weights)-1`` drawn with probabilities proportional to ``weights``.

    Parameters
    ----------
    weights : sequence of float
        Non-negative, finite, not all zero (they need not sum to 1).
    num_samples : int
        Indices per pass.
    replacement : bool, default True
        Without replacement an index appears at most once (``num_samples <= len(weights)``).
    generator : homeml.Generator, optional
    """

    def __init__(
        self,
        weights: Any,
        num_samples: int,
        replacement: bool = True,
        generator: Generator | None = None,
    ):
        if (
            isinstance(num_samples, bool)
            or not isinstance(num_samples, numbers.Integral)
            or (num_samples <= 0)
        ):
            raise ValueError(
                "num_samples should be a positive integer value, but got "
                f"num_samples={num_samples!r}"
            )
        if not isinstance(replacement, bool):
            raise ValueError(f"replacement should be a boolean value, but got {replacement!r}")
        weights = np.asarray(weights._data if hasattr(weights, "_data") else weights, np.float64)
        if weights.ndim != 1:
            raise ValueError(f"weights should be a 1-D sequence, got shape {weights.shape}")
        if not np.isfinite(weights).all() or (weights < 0).any() or weights.sum() <= 0:
            raise RuntimeError("invalid weights: they must be finite, non-negative, not all zero")
        if not replacement and int(num_samples) > np.count_nonzero(weights):
            raise RuntimeError(
                f"cannot draw {num_samples} samples without replacement from "
                f"{np.count_nonzero(weights)} indices with non-zero weight"
            )
        resolve_rng(generator, "WeightedRandomSampler")
        self.weights: np.ndarray = weights
        self.num_samples: int = int(num_samples)
        self.replacement: bool = replacement
        self.generator: Generator | None = generator

    def index_array(self) -> np.ndarray:
        rng = resolve_rng(self.generator, "WeightedRandomSampler")
        p = self.weights / self.weights.sum()
        draws = rng.choice(len(p), size=self.num_samples, replace=self.replacement, p=p)
        return draws.astype(np.int64, copy=False)

    def __iter__(self) -> Iterator[int]:
        return iter(self.index_array().tolist())

    def __len__(self) -> int:
        return self.num_samples


class BatchSampler(Sampler):
    """Groups the indices of ``sampler`` into lists of ``batch_size``.

    Parameters
    ----------
    sampler : Sampler or iterable of int
    batch_size : int
        Positive.
    drop_last : bool
        Drop the final batch when it is smaller than ``batch_size``.
    """

    def __init__(self, sampler: Sampler | Iterable[int], batch_size: int, drop_last: bool):
        if (
            isinstance(batch_size, bool)
            or not isinstance(batch_size, numbers.Integral)
            or batch_size <= 0
        ):
            raise ValueError(
                f"batch_size should be a positive integer value, but got batch_size={batch_size!r}"
            )
        if not isinstance(drop_last, bool):
            raise ValueError(
                f"drop_last should be a boolean value, but got drop_last={drop_last!r}"
            )
        self.sampler: Any = sampler  # a Sampler or an iterable of indices (sized for len())
        self.batch_size: int = int(batch_size)
        self.drop_last: bool = drop_last

    def index_batches(self):
        """An iterator of int64 index arrays, one per batch; the pass's order is drawn now."""
        size = self.batch_size
        if hasattr(self.sampler, "index_chunks"):
            return self._chunk_batches(self.sampler.index_chunks())
        if hasattr(self.sampler, "index_array"):
            order = self.sampler.index_array()
            stop = len(order) - len(order) % size if self.drop_last else len(order)
            return (order[i : i + size] for i in range(0, stop, size))
        return self._chunks(iter(self.sampler))

    def _chunk_batches(self, chunks):
        """Batches cut from a stream of index arrays (a batch may span two of them)."""
        size, carry = self.batch_size, np.empty(0, dtype=np.int64)
        for chunk in chunks:
            order = np.concatenate([carry, chunk]) if carry.size else chunk
            stop = len(order) - len(order) % size
            yield from (order[i : i + size] for i in range(0, stop, size))
            carry = order[stop:]
        if carry.size and not self.drop_last:
            yield carry

    def _chunks(self, indices):
        batch = []
        for i in indices:
            batch.append(i)
            if len(batch) == self.batch_size:
                yield np.asarray(batch, dtype=np.int64)
                batch = []
        if batch and not self.drop_last:
            yield np.asarray(batch, dtype=np.int64)

    def __iter__(self) -> Iterator[list[int]]:
        return (batch.tolist() for batch in self.index_batches())

    def __len__(self) -> int:
        n = len(self.sampler)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)
