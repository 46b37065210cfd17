"""Saving and loading without pickle: :func:`save` and :func:`load`, as ``torch.save`` and
``torch.load`` are used, for models, estimators, agents and checkpoint dicts.

Every file is a safetensors file with homeml's JSON and a digest of both (see
:mod:`homeml._storage`). Each family has its codec, listed in ``_CODECS`` and asked in order:
networks (:mod:`homeml._nn_io`), reinforcement-learning agents (:mod:`homeml.rl._agent_io`) and
fitted estimators (:mod:`homeml._estimator_io`). Anything else that PyTorch users save (a
``state_dict``, an optimizer's ``state_dict``, a checkpoint dict of tensors, arrays, numbers,
strings, None and nested dicts, lists and tuples) is stored as a tree and comes back with the
same structure, tensors as homeml tensors and arrays as arrays. Nothing in a file is ever run:
classes are looked up in tables of public names, never imported by a name the file gives.
"""

from __future__ import annotations

import importlib
import os
from collections import OrderedDict
from typing import Any

import numpy as np

from homeml._storage import (
    FORMAT_VERSION,
    ModelFileError,
    atomic_write,
    check_writable_folder,
    decode_tree,
    encode_tree,
    read,
)
from homeml._storage import write as _write

__all__ = [
    "FORMAT_VERSION",
    "ModelFileError",
    "atomic_write",
    "check_writable_folder",
    "load",
    "load_checkpoint",
    "load_metadata",
    "load_state_dict",
    "read",
    "save",
    "save_checkpoint",
    "save_state_dict",
]

# kind stored in the file -> the module that encodes and decodes it (asked in this order on
# save: an agent is also an estimator, so agents come first)
_CODECS = {
    "nn.Module": "homeml._nn_io",
    "rl.agent": "homeml.rl._agent_io",
    "learn.estimator": "homeml._estimator_io",
}
_TREE = "object"


def _tensor_leaf(value):
    from homeml.tensor import Tensor

    return ("__tensor__", value.numpy()) if isinstance(value, Tensor) else None


def _tensor_from(array):
    from homeml.tensor import Tensor

    return Tensor._make(array)


def save(
    obj: Any, path: str | os.PathLike, metadata: dict | None = None, example_input: Any = None
) -> None:
    """Save ``obj`` to ``path``, atomically, without pickle.

    Parameters
    ----------
    obj : homeml.nn.Module, homeml.learn estimator, homeml.rl agent, or a tree
        A model of homeml's public layers and models, a fitted estimator or pipeline, a trained
        agent, or what ``torch.save`` is usually given: a tensor, an array, a ``state_dict``, an
        optimizer ``state_dict`` or a dict/list/tuple of those, numbers, strings, bools and None.
    path : str or Path
        Destination file (conventionally ``*.safetensors`` for models, ``*.pt`` is fine too).
    metadata : dict, optional
        JSON data stored alongside (metrics, class names, preprocessing).
    example_input : Tensor or array, optional
        For a network: a batch it must run on (checked now, in eval mode); its shape without the
        batch dimension is stored as ``metadata["input_shape"]`` unless given.

    Raises
    ------
    TypeError
        ``obj`` (or a value inside it) is of a type homeml cannot store; nothing is written.
    """
    metadata = dict(metadata or {})
    for kind, module_name in _CODECS.items():
        codec = importlib.import_module(module_name)
        if codec.accepts(obj):
            if example_input is not None:
                if kind != "nn.Module":
                    raise TypeError(f"example_input is for networks, not a {type(obj).__name__}")
                metadata.setdefault("input_shape", _checked_input_shape(obj, example_input))
            arrays, info = codec.encode(obj)
            return _write(path, arrays, {"kind": kind, **info, "metadata": metadata})
    if example_input is not None:
        raise TypeError(f"example_input is for networks, not a {type(obj).__name__}")
    arrays = {}
    tree = encode_tree(obj, arrays, _tensor_leaf)
    _write(path, arrays, {"kind": _TREE, "tree": tree, "metadata": metadata})


def _checked_input_shape(model, example_input) -> list[int]:
    from homeml.autograd import no_grad
    from homeml.tensor import Tensor

    x = (
        example_input
        if isinstance(example_input, Tensor)
        else Tensor._make(np.asarray(example_input))
    )
    if x.ndim < 1:
        raise ValueError("example_input must be a batch (its first dimension the batch size)")
    was_training = model.training
    model.eval()  # a forward pass in training mode would move BatchNorm's statistics
    try:
        with no_grad():
            model(x)
    except Exception as error:
        raise ValueError(
            f"the model does not run on example_input of shape {tuple(x.shape)}: {error}"
        ) from error
    finally:
        model.train(was_training)
    return [int(d) for d in x.shape[1:]]


def _check_map_location(map_location) -> None:
    if map_location is None or callable(map_location) or isinstance(map_location, dict):
        return
    if str(map_location).split(":")[0] != "cpu":
        raise ValueError(
            f"map_location={map_location!r}: homeml runs on the CPU; use 'cpu' or None"
        )


def load(
    path: str | os.PathLike, map_location: Any = None, weights_only: bool | None = None
) -> Any:
    """Load what :func:`save` saved; nothing in the file is run.

    Parameters
    ----------
    path : str or Path
        A file written by :func:`save` (or :func:`save_state_dict`, :func:`save_checkpoint`).
    map_location : None or "cpu"
        Accepted as ``torch.load`` takes it; homeml's tensors always live on the CPU.
    weights_only : bool, optional
        Accepted for ``torch.load`` compatibility: homeml files never hold code.

    Raises
    ------
    ModelFileError
        The file is damaged, edited, foreign, of another format version, or describes something
        that does not build; the message names the file and the problem.
    """
    _check_map_location(map_location)
    arrays, info = read(path)
    kind = info.get("kind")
    try:
        if kind in _CODECS:
            return importlib.import_module(_CODECS[kind]).decode(path, arrays, info)
        if kind == _TREE:
            return decode_tree(info.get("tree"), arrays, {"__tensor__": _tensor_from})
        if kind == "state_dict":
            return OrderedDict((k, _tensor_from(v)) for k, v in arrays.items())
        if kind == "checkpoint":
            return decode_tree(info.get("tree"), arrays)
    except ModelFileError as error:
        message = str(error)
        raise ModelFileError(
            message if message.startswith(str(path)) else f"{path}: {message}"
        ) from None
    except Exception as error:  # a well-formed file whose values do not rebuild
        raise ModelFileError(
            f"{path}: the stored {kind} does not rebuild: {type(error).__name__}: {error}"
        ) from error
    raise ModelFileError(f"{path}: holds an unknown kind {kind!r:.50}")


def load_metadata(path: str | os.PathLike) -> dict:
    """The user metadata stored with a model (without building it)."""
    metadata = read(path)[1].get("metadata", {})
    if not isinstance(metadata, dict):
        raise ModelFileError(f"{path}: its metadata is not a JSON object")
    return metadata


# ----------------------------------------------------------------------------- older entry points


def save_state_dict(
    state_dict: dict, path: str | os.PathLike, metadata: dict | None = None
) -> None:
    """Save only named tensors (e.g. ``model.state_dict()``), for architectures defined in user
    code: rebuild the model yourself and call ``load_state_dict(homeml.io.load_state_dict(p))``.
    """
    arrays = {
        k: (v.numpy() if hasattr(v, "numpy") else np.asarray(v)) for k, v in state_dict.items()
    }
    _write(path, arrays, {"kind": "state_dict", "metadata": dict(metadata or {})})


def load_state_dict(path: str | os.PathLike) -> OrderedDict:
    """The named tensors :func:`save_state_dict` saved."""
    arrays, info = read(path)
    if info.get("kind") != "state_dict":
        raise ModelFileError(f"{path}: holds a {info.get('kind')!r:.50}, not a state_dict")
    return OrderedDict((k, _tensor_from(v)) for k, v in arrays.items())


def save_checkpoint(path: str | os.PathLike, tree: dict) -> None:
    """Save a nested structure of arrays, tensors, numbers, strings, lists and dicts (such as
    model and optimizer state dicts and generator states) atomically, without pickle; tensors
    come back from :func:`load_checkpoint` as arrays.
    """
    arrays: dict[str, np.ndarray] = {}
    structure = encode_tree(
        tree, arrays, lambda v: ("__array__", v.numpy()) if _is_tensor(v) else None
    )
    _write(path, arrays, {"kind": "checkpoint", "tree": structure})


def _is_tensor(value) -> bool:
    from homeml.tensor import Tensor

    return isinstance(value, Tensor)


def load_checkpoint(path: str | os.PathLike) -> dict:
    """Load what :func:`save_checkpoint` saved."""
    arrays, info = read(path)
    if info.get("kind") != "checkpoint":
        raise ModelFileError(f"{path}: holds a {info.get('kind')!r:.50}, not a checkpoint")
    try:
        return decode_tree(info.get("tree"), arrays)
    except ModelFileError as error:
        raise ModelFileError(f"{path}: {error}") from None
