"""``DataLoader``: iterate over a dataset in (optionally shuffled) batches, like PyTorch's.

Everything runs in the calling process. For a :class:`~homeml.data.TensorDataset` (or a
``Subset`` / ``ConcatDataset`` of them) and the default collate function, a batch is one NumPy
fancy-indexing step on the whole arrays instead of ``batch_size`` calls to ``__getitem__``
followed by a stack; the result is the same.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from homeml.data.collate import default_collate, default_convert
from homeml.data.dataset import batch_fetcher
from homeml.data.sampler import BatchSampler, RandomSampler, Sampler, SequentialSampler

if TYPE_CHECKING:
    from homeml.creation import Generator


class DataLoader:
    """Batches of samples from a map-style dataset.

    Parameters
    ----------
    dataset : Dataset
        Anything with ``__getitem__(int)`` and ``__len__``.
    batch_size : int or None, default 1
        Samples per batch. ``None`` disables batching: each sample is yielded on its own (its
        NumPy arrays turned into tensors by :func:`default_convert`).
    shuffle : bool, default False
        Visit the samples in a new random order every epoch.
    sampler : Sampler or iterable of int, optional
        The order of indices to visit; mutually exclusive with ``shuffle``.
    batch_sampler : iterable of lists of int, optional
        Yields each batch's indices; mutually exclusive with ``batch_size``, ``shuffle``,
        ``sampler`` and ``drop_last``.
    num_workers : int, default 0
        Accepted for compatibility with PyTorch code; loading always happens in this process.
    collate_fn : callable, optional
        Turns a list of samples into a batch (default :func:`default_collate`).
    pin_memory : bool, default False
        Accepted for compatibility; has no effect (CPU only).
    drop_last : bool, default False
        Drop the last batch if it is smaller than ``batch_size``.
    generator : homeml.Generator, optional
        Source of the shuffle order (default: homeml's default generator).

    Notes
    -----
    With ``shuffle=True`` the epoch's whole order is drawn when ``iter(loader)`` is called (at the
    start of a ``for`` loop), and it is a pure function of the generator's state at that moment;
    each epoch advances the generator, so each epoch gets a new order. To resume or replay an
    epoch, save ``state = gen.rng.bit_generator.state`` before the loop and restore it with
    ``gen.rng.bit_generator.state = state`` (anything else drawing from the same generator, such
    as random transforms, advances that state too).

    Examples
    --------
    >>> loader = DataLoader(TensorDataset(images, labels), batch_size=64, shuffle=True,
    ...                     generator=homeml.Generator(0))
    >>> for x, y in loader:  # x: (64, 28, 28) uint8, y: (64,) int64
    ...     ...
    """

    def __init__(
        self,
        dataset: Any,
        batch_size: int | None = 1,
        shuffle: bool = False,
        sampler: Sampler | Iterable[int] | None = None,
        batch_sampler: Sampler | Iterable[Sequence[int]] | None = None,
        num_workers: int = 0,
        collate_fn: Callable[[list], Any] | None = None,
        pin_memory: bool = False,
        drop_last: bool = False,
        *,
        generator: Generator | None = None,
    ):
        if isinstance(num_workers, bool) or not isinstance(num_workers, numbers.Integral):
            raise TypeError(f"num_workers must be an int, got {num_workers!r}")
        if num_workers < 0:
            raise ValueError(f"num_workers must be non-negative, got {num_workers}")
        if sampler is not None and shuffle:
            raise ValueError("DataLoader: sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError(
                    "DataLoader: batch_sampler option is mutually exclusive with batch_size, "
                    "shuffle, sampler, and drop_last"
                )
            batch_size, drop_last = None, False
        elif batch_size is None and drop_last:
            raise ValueError(
                "DataLoader: batch_size=None disables batching and is mutually exclusive "
                "with drop_last"
            )
        if sampler is None:
            if shuffle:
                sampler = RandomSampler(dataset, generator=generator)
            else:
                sampler = SequentialSampler(dataset)
        if batch_size is not None and batch_sampler is None:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)
        if collate_fn is None:
            collate_fn = default_collate if batch_sampler is not None else default_convert
        self.dataset: Any = dataset
        self.batch_size: int | None = batch_size
        self.drop_last: bool = drop_last
        self.sampler: Any = sampler
        self.batch_sampler: Any = batch_sampler
        self.num_workers = num_workers
        self.collate_fn: Callable[[Any], Any] = collate_fn
        self.pin_memory = pin_memory
        self.generator = generator

    def __repr__(self) -> str:
        shuffle = isinstance(self.sampler, RandomSampler)
        try:
            unit = "batches" if self.batch_sampler is not None else "samples"
            epoch = f": {len(self)} {unit} per epoch"
        except TypeError:  # a sampler without a length
            epoch = ""
        return (
            f"DataLoader({self.dataset!r}, batch_size={self.batch_size}, shuffle={shuffle}, "
            f"drop_last={self.drop_last}{epoch})"
        )

    def __len__(self) -> int:
        """The number of batches in one epoch (samples when ``batch_size`` is None)."""
        if self.batch_sampler is not None:
            return len(self.batch_sampler)
        return len(self.sampler)

    def __iter__(self) -> Iterator[Any]:
        # Not a generator function: the epoch's order is drawn now, when iteration starts.
        if self.batch_sampler is None:
            convert, dataset = self.collate_fn, self.dataset
            return (convert(dataset[int(i)]) for i in _indices(self.sampler))
        if isinstance(self.batch_sampler, BatchSampler):
            batches = self.batch_sampler.index_batches()
        else:
            batches = (np.asarray(b, dtype=np.int64) for b in self.batch_sampler)
        fetch = self._fetcher()
        return (fetch(b) for b in batches)

    def _fetcher(self):
        """The function that turns one batch's index array into the batch."""
        dataset, collate = self.dataset, self.collate_fn
        if collate is default_collate:
            fast = batch_fetcher(dataset)
            if fast is not None:
                return fast
        getitems = getattr(dataset, "__getitems__", None)
        if callable(getitems):
            return lambda batch: collate(getitems(batch.tolist()))
        return lambda batch: collate([dataset[i] for i in batch.tolist()])


def _indices(sampler):
    if hasattr(sampler, "index_chunks"):
        return iter(sampler)
    if hasattr(sampler, "index_array"):
        return sampler.index_array().tolist()
    return iter(sampler)
