"""Turning a list of samples into one batch (``default_collate``) or samples into tensors.

The rules follow ``torch.utils.data.default_collate``: tensors and NumPy arrays are stacked along a
new first dimension keeping their dtype; NumPy scalars give a 1-d tensor of their dtype; Python
ints give int64, floats float64 and bools bool; strings stay a list; dicts, tuples and lists are
collated field by field. One difference: a batch of tuples gives a tuple of batches (PyTorch
gives a list), which unpacks the same way (``for x, y in loader``).
"""

from __future__ import annotations

import collections.abc
import numbers
from collections.abc import Sequence
from typing import Any

import numpy as np

from homeml.ops.movement import stack
from homeml.tensor import Tensor

_EXPECTED = "tensors, numpy arrays, numbers, strings, dicts, tuples or lists"


def _stack_arrays(arrays):
    shapes = {a.shape for a in arrays}
    if len(shapes) > 1:
        raise RuntimeError(
            "default_collate: every sample in a batch must have the same shape to be stacked, got "
            f"shapes {sorted(shapes)}; pass collate_fn= to batch samples of different sizes"
        )
    return np.stack(arrays)


def default_collate(batch: Sequence[Any]) -> Any:
    """Stack a list of samples into a batch.

    Parameters
    ----------
    batch : list
        Samples of the same structure (a tensor, array, number, string, dict, tuple or list).

    Returns
    -------
    Tensor, or the samples' structure with a batched Tensor in place of each leaf.
    """
    if not batch:
        raise ValueError("default_collate: expected a non-empty list of samples, got none")
    elem = batch[0]
    if isinstance(elem, Tensor):
        if any(t.requires_grad for t in batch):
            return stack(batch)  # differentiable
        return Tensor._make(_stack_arrays([t.numpy() for t in batch]))
    if isinstance(elem, np.ndarray):
        if elem.dtype.kind in "USO":
            raise TypeError(f"default_collate: cannot batch numpy arrays of dtype {elem.dtype}")
        return Tensor._make(_stack_arrays(batch))
    if isinstance(elem, (str, bytes)):
        return list(batch)
    if isinstance(elem, np.generic):
        return Tensor._make(np.array(batch, dtype=elem.dtype))
    if isinstance(elem, bool):
        return Tensor._make(np.array(batch, dtype=np.bool_))
    if isinstance(elem, numbers.Integral):
        return Tensor._make(np.array(batch, dtype=np.int64))
    if isinstance(elem, numbers.Real):
        return Tensor._make(np.array(batch, dtype=np.float64))
    if isinstance(elem, collections.abc.Mapping):
        collated = {key: default_collate([sample[key] for sample in batch]) for key in elem}
        mapping_type: Any = type(elem)  # a concrete mapping class (dict, OrderedDict, ...)
        try:
            return mapping_type(collated)
        except TypeError:
            return collated
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):  # namedtuple
        return type(elem)(*(default_collate(list(field)) for field in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        size = len(elem)
        if any(len(sample) != size for sample in batch):
            raise RuntimeError(
                "default_collate: every sample in a batch must have the same number of fields, "
                f"got lengths {sorted({len(sample) for sample in batch})}"
            )
        fields = [default_collate(list(field)) for field in zip(*batch)]
        return tuple(fields) if isinstance(elem, tuple) else fields
    raise TypeError(f"default_collate: a batch must contain {_EXPECTED}; found {type(elem)}")


def default_convert(data: Any) -> Any:
    """Turn NumPy arrays and scalars inside one sample into tensors (used when not batching).

    Python numbers and strings are left as they are; dicts, tuples and lists are converted
    field by field.
    """
    if isinstance(data, Tensor):
        return data
    if isinstance(data, np.ndarray):
        return data if data.dtype.kind in "USO" else Tensor._make(data)
    if isinstance(data, np.generic) and not isinstance(data, (np.str_, np.bytes_)):
        return Tensor._make(np.asarray(data))
    if isinstance(data, (str, bytes)):
        return data
    if isinstance(data, collections.abc.Mapping):
        converted = {key: default_convert(value) for key, value in data.items()}
        mapping_type: Any = type(data)
        try:
            return mapping_type(converted)
        except TypeError:
            return converted
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return type(data)(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return tuple(default_convert(d) for d in data)
    if isinstance(data, list):
        return [default_convert(d) for d in data]
    return data
