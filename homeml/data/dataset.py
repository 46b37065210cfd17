"""Map-style datasets shaped like ``torch.utils.data``: indexable collections of samples.

:class:`TensorDataset` keeps whole arrays and indexes them with an array of indices in one NumPy
operation; :func:`batch_fetcher` tells :class:`~homeml.data.DataLoader` when a dataset (or a
:class:`Subset` / :class:`ConcatDataset` built on such datasets) can be fetched that way instead of
sample by sample.
"""

from __future__ import annotations

import bisect
import math
import numbers
import warnings
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from homeml.data._rng import resolve_rng
from homeml.tensor import Tensor

if TYPE_CHECKING:
    from homeml.creation import Generator


class Dataset:
    """A collection of samples indexed by ``0 .. len(self) - 1``.

    Subclasses implement ``__getitem__(index)`` returning one sample and ``__len__()``.
    ``a + b`` concatenates two datasets into a :class:`ConcatDataset`.
    """

    def __getitem__(self, index: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must implement __getitem__")

    def __len__(self) -> int:
        raise NotImplementedError(f"{type(self).__name__} must implement __len__")

    def __add__(self, other: Dataset) -> ConcatDataset:
        return ConcatDataset([self, other])

    def __repr__(self) -> str:
        try:
            return f"{type(self).__name__}({len(self)} samples{self._describe()})"
        except (NotImplementedError, TypeError):  # a dataset without a length
            return f"{type(self).__name__}()"

    def _describe(self) -> str:
        """What ``repr`` adds after the sample count (e.g. the tensors' shapes)."""
        return ""


def _is_pandas(obj) -> bool:
    return type(obj).__module__.startswith("pandas") and hasattr(obj, "to_numpy")


def _tabular_array(frame, position: int) -> np.ndarray:
    """A DataFrame's or Series' values, refusing columns that are not numbers (by name)."""
    dtypes = frame.dtypes if hasattr(frame, "columns") else {frame.name: frame.dtype}
    bad = [str(name) for name, dtype in dtypes.items() if getattr(dtype, "kind", "O") not in "biuf"]
    if bad:
        raise TypeError(
            f"TensorDataset: tensor {position} is a pandas object with non-numeric columns "
            f"{bad}; encode them first (e.g. homeml.learn.preprocessing.OrdinalEncoder)"
        )
    return np.ascontiguousarray(frame.to_numpy())


class TensorDataset(Dataset):
    """Samples made of rows of several tensors: sample ``i`` is ``(t[i] for t in tensors)``.

    Parameters
    ----------
    *tensors : Tensor, numpy.ndarray, pandas.DataFrame or pandas.Series
        Arrays with the same first dimension (the number of samples). NumPy arrays are wrapped
        without copying, so their dtypes are kept (uint8 images stay uint8). A DataFrame (its
        columns all numeric or boolean) becomes its ``to_numpy()`` (rows are samples), a Series a
        1-D array, e.g. ``TensorDataset(df[features], df["label"])``.

    Notes
    -----
    The index may be an int, a slice, or an integer array / list / tensor: ``ds[idx]`` with an
    array of ``B`` indices returns the whole batch ``(t[idx] for t in tensors)`` in one NumPy
    indexing operation, which is what ``DataLoader`` does for this dataset.
    """

    def __init__(self, *tensors: Tensor | np.ndarray):
        if not tensors:
            raise ValueError("TensorDataset needs at least one tensor, got none")
        wrapped = []
        for i, t in enumerate(tensors):
            if _is_pandas(t):
                t = _tabular_array(t, i)
            if isinstance(t, np.ndarray):
                t = Tensor._make(t)
            elif not isinstance(t, Tensor):
                raise TypeError(
                    f"TensorDataset: tensor {i} must be a homeml Tensor or a numpy.ndarray, "
                    f"got {type(t).__name__}"
                )
            if t.ndim == 0:
                raise ValueError(f"TensorDataset: tensor {i} is 0-d; it needs a sample dimension")
            wrapped.append(t)
        sizes = [t.shape[0] for t in wrapped]
        if any(s != sizes[0] for s in sizes):
            shapes = ", ".join(str(t.shape) for t in wrapped)
            raise ValueError(
                "TensorDataset: all tensors must have the same first dimension (number of "
                f"samples), got first dimensions {sizes} (shapes {shapes})"
            )
        self.tensors = tuple(wrapped)

    def _describe(self) -> str:
        return ": " + ", ".join(f"{tuple(t.shape)} {t.dtype}" for t in self.tensors)

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, Tensor):
            index = index.numpy()
        # Index the arrays directly (no graph) unless a tensor asks for gradients.
        return tuple(
            t[index] if t.requires_grad else Tensor._make(t.numpy()[index]) for t in self.tensors
        )

    def __len__(self) -> int:
        return self.tensors[0].shape[0]


class Subset(Dataset):
    """The samples of ``dataset`` at ``indices``, in that order.

    Parameters
    ----------
    dataset : Dataset
    indices : sequence of int
    """

    def __init__(self, dataset: Dataset, indices: Sequence[int]):
        self.dataset = dataset
        self.indices = indices

    def _describe(self) -> str:
        return f" of {self.dataset!r}"

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, list):
            return self.dataset[[self.indices[i] for i in index]]
        return self.dataset[self.indices[index]]

    def __getitems__(self, indices: Sequence[int]) -> Any:
        """A list of samples (the protocol ``DataLoader`` uses for custom collate functions)."""
        inner = getattr(self.dataset, "__getitems__", None)
        if callable(inner):
            return inner([self.indices[i] for i in indices])
        return [self.dataset[self.indices[i]] for i in indices]

    def __len__(self) -> int:
        return len(self.indices)


class ConcatDataset(Dataset):
    """Several datasets one after another.

    Parameters
    ----------
    datasets : iterable of Dataset
        Non-empty; sample ``i`` comes from the dataset whose range of positions contains ``i``.
    """

    def __init__(self, datasets: Iterable[Dataset]):
        self.datasets = list(datasets)
        if not self.datasets:
            raise ValueError("ConcatDataset: expected a non-empty iterable of datasets, got none")
        self.cumulative_sizes = []
        total = 0
        for d in self.datasets:
            total += len(d)
            self.cumulative_sizes.append(total)

    def __len__(self) -> int:
        return self.cumulative_sizes[-1] if self.cumulative_sizes else 0

    def _describe(self) -> str:
        return f" from {len(self.datasets)} datasets"

    def __getitem__(self, index: Any) -> Any:
        n = len(self)
        if not isinstance(index, numbers.Integral):
            raise TypeError(f"ConcatDataset indices must be integers, got {type(index).__name__}")
        if not -n <= int(index) < n:
            raise IndexError(f"ConcatDataset index {index} out of range for length {n}")
        index = int(index) % n
        which = bisect.bisect_right(self.cumulative_sizes, index)
        start = self.cumulative_sizes[which - 1] if which else 0
        return self.datasets[which][index - start]


def random_split(
    dataset: Dataset, lengths: Sequence[float], generator: Generator | None = None
) -> list[Subset]:
    """Split ``dataset`` into non-overlapping random :class:`Subset` s of the given lengths.

    Parameters
    ----------
    dataset : Dataset
    lengths : sequence of int or of float
        Sizes that add up to ``len(dataset)``, or fractions that add up to 1: each fraction gets
        ``floor(frac * len(dataset))`` samples and the remainder is dealt out one by one from the
        first split on, as PyTorch does.
    generator : homeml.Generator, optional
        Draws the permutation (default: homeml's default generator).

    Returns
    -------
    list of Subset
    """
    n = len(dataset)
    lengths = list(lengths)
    if math.isclose(sum(lengths), 1) and sum(lengths) <= 1:
        for i, frac in enumerate(lengths):
            if not 0 <= frac <= 1:
                raise ValueError(f"random_split: fraction at index {i} is not in [0, 1]: {frac}")
        counts = [int(math.floor(n * frac)) for frac in lengths]
        for i in range(n - sum(counts)):
            counts[i % len(counts)] += 1
        for i, count in enumerate(counts):
            if count == 0:
                warnings.warn(
                    f"random_split: length of split at index {i} is 0", UserWarning, stacklevel=2
                )
        lengths = counts
    if any(not isinstance(k, numbers.Integral) or k < 0 for k in lengths):
        raise ValueError(
            "random_split: lengths must be non-negative integers or fractions that sum to 1, "
            f"got {lengths}"
        )
    if sum(lengths) != n:
        raise ValueError(
            f"random_split: lengths sum to {sum(lengths)} but the dataset has {n} samples"
        )
    order = resolve_rng(generator, "random_split").permutation(n).tolist()
    splits, offset = [], 0
    for k in lengths:  # (whole numbers by now)
        splits.append(Subset(dataset, order[offset : offset + int(k)]))
        offset += int(k)
    return splits


def batch_fetcher(dataset):
    """A function ``fetch(indices) -> tuple of batched Tensors`` for array-indexable datasets.

    Returns ``None`` unless ``dataset`` is a :class:`TensorDataset` (or a :class:`Subset` or
    :class:`ConcatDataset` of such) whose ``__getitem__`` is not overridden; ``fetch`` then gives
    exactly what stacking the samples ``dataset[i]`` one by one would give, in one indexing step.
    """
    method = type(dataset).__getitem__
    if method is TensorDataset.__getitem__:
        if any(t.requires_grad for t in dataset.tensors):
            return None  # sample by sample, so that stacking records the graph
        return dataset.__getitem__
    if method is Subset.__getitem__:
        inner = batch_fetcher(dataset.dataset)
        if inner is None:
            return None
        positions = np.asarray(dataset.indices, dtype=np.int64)
        return lambda indices: inner(positions[indices])
    if method is ConcatDataset.__getitem__:
        parts = [batch_fetcher(d) for d in dataset.datasets]
        if any(p is None for p in parts):
            return None
        return _concat_fetcher(parts, np.asarray([0, *dataset.cumulative_sizes], dtype=np.int64))
    return None


def _concat_fetcher(parts, starts):
    def fetch(indices):
        indices = np.asarray(indices, dtype=np.int64)
        which = np.searchsorted(starts, indices, side="right") - 1
        pieces, positions = [], []
        for d in np.unique(which):
            chosen = np.flatnonzero(which == d)
            pieces.append(parts[d](indices[chosen] - starts[d]))
            positions.append(chosen)
        if len(pieces) == 1:
            return pieces[0]
        back = np.argsort(np.concatenate(positions), kind="stable")  # rows back to batch order
        return tuple(
            Tensor._make(np.concatenate([p[k].numpy() for p in pieces])[back])
            for k in range(len(pieces[0]))
        )

    return fetch
