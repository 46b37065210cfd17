"""Devices, shaped like ``torch.device``: homeml computes on the CPU, so ``"cpu"`` is the one
device that works; the others are understood, and refused with one clear error when used.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from homeml.dtypes import as_dtype

_TYPES = ("cpu", "cuda", "mps", "xpu", "meta", "hip", "xla", "privateuseone")


class device:  # noqa: N801 - PyTorch's name
    """Where a tensor lives: ``device("cpu")``, ``device("cuda:0")``, ``device("cuda", 0)``.

    Parameters
    ----------
    type : str, device or int
        A device name, optionally with ``:index``; an int means that CUDA device, as in PyTorch.
    index : int, optional
    """

    __slots__ = ("type", "index")
    type: str
    index: int | None

    def __init__(  # noqa: A002 - PyTorch's argument name
        self,
        type: Any,
        index: int | None = None,  # type: a name, a CUDA index or a device
    ):
        if isinstance(type, device):
            type, index = type.type, type.index
        elif isinstance(type, (int, np.integer)) and not isinstance(type, bool):
            type, index = "cuda", int(type)
        elif not isinstance(type, str):
            raise TypeError(f"device(): expected a string such as 'cpu', got {type!r}")
        elif ":" in type:
            type, _, number = type.partition(":")
            if not number.isdigit() or index is not None:
                raise RuntimeError(f"Invalid device string: {type}:{number!r}")
            index = int(number)
        if type not in _TYPES:
            raise RuntimeError(
                f"Expected one of {', '.join(_TYPES)} device type at start of device string: {type}"
            )
        if index is not None and (not isinstance(index, (int, np.integer)) or index < 0):
            raise RuntimeError(f"device index must be a non-negative integer, got {index!r}")
        self.type = type
        self.index = None if index is None else int(index)

    def __str__(self):
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __repr__(self):
        if self.index is None:
            return f"device(type={self.type!r})"
        return f"device(type={self.type!r}, index={self.index})"

    def __eq__(self, other):
        if isinstance(other, str):
            other = device(other)
        if not isinstance(other, device):
            return NotImplemented
        return (self.type, self.index) == (other.type, other.index)

    def __hash__(self):
        return hash((self.type, self.index))


CPU = device("cpu")

# what a ``device=`` argument accepts: a name ("cpu", "cuda:0"), a CUDA index, a device or None
DeviceLike = str | int | device | None


def check_device(where: DeviceLike) -> None:
    """Accept ``None`` or a CPU device; refuse any other device with a clear error."""
    if where is None:
        return
    where = device(where)
    if where.type != "cpu":
        raise RuntimeError(
            f"homeml runs on the CPU only, so device {str(where)!r} is not available; use "
            "'cpu' (a script's usual `device = 'cuda' if torch.cuda.is_available() else 'cpu'` "
            "picks it, since homeml.cuda.is_available() is False)"
        )


def parse_to(args, kwargs, owner="to"):
    """The dtype (or None) and ``copy`` flag of a ``.to(...)`` call, checking its device.

    Accepts PyTorch's forms: ``to(dtype)``, ``to(device)``, ``to(device, dtype)``,
    ``to(tensor)`` and the keywords ``device``, ``dtype``, ``non_blocking``, ``copy``,
    ``memory_format``.
    """
    unknown = set(kwargs) - {"device", "dtype", "non_blocking", "copy", "memory_format"}
    if unknown:
        raise TypeError(f"{owner}() got unexpected keyword arguments {sorted(unknown)}")
    dtype = kwargs.get("dtype")
    check_device(kwargs.get("device"))
    positional = list(args)
    if positional and isinstance(positional[-1], bool):  # to(dtype, non_blocking, copy) forms
        while positional and isinstance(positional[-1], bool):
            positional.pop()
    for arg in positional:
        if hasattr(arg, "_data") and hasattr(arg, "dtype"):  # another tensor: its dtype
            dtype = arg.dtype
        elif isinstance(arg, (str, device, int)) and not isinstance(arg, bool):
            check_device(arg)
        elif arg is not None:
            dtype = as_dtype(arg)
    return (None if dtype is None else as_dtype(dtype)), bool(kwargs.get("copy", False))
