"""Saving and loading models without pickle: weights in safetensors, everything else in JSON.

A homeml model file *is* a safetensors file (readable by any safetensors library): an 8-byte
little-endian header length, a JSON header giving each array's dtype, shape and byte range, then
the raw bytes. The header's ``__metadata__`` carries homeml's JSON: format version, the model's
architecture (class names and constructor arguments, rebuilt only from homeml's own classes, so
loading runs no code from the file), user metadata, and the sha256 of the array bytes so that a
tampered or truncated file is refused. Writes go to a temporary file that is then renamed.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import os
import struct
import sys
import tempfile
from collections import OrderedDict
from pathlib import Path

import numpy as np

FORMAT_VERSION = 1

_DTYPES = {
    "F64": np.float64,
    "F32": np.float32,
    "F16": np.float16,
    "I64": np.int64,
    "I32": np.int32,
    "I16": np.int16,
    "I8": np.int8,
    "U64": np.uint64,
    "U32": np.uint32,
    "U16": np.uint16,
    "U8": np.uint8,
    "BOOL": np.bool_,
}
_CODES = {np.dtype(v): k for k, v in _DTYPES.items()}


class ModelFileError(ValueError):
    """A file that is not a valid homeml model (truncated, tampered, foreign or too new)."""


# ----------------------------------------------------------------------------- safetensors


def write_safetensors(path, arrays: dict, metadata: dict | None = None) -> None:
    """Write named arrays (and string metadata) as a safetensors file, atomically."""
    header, offset, blobs = {}, 0, []
    for name, array in arrays.items():
        array = np.asarray(array, order="C")  # (ascontiguousarray would make 0-d arrays 1-d)
        code = _CODES.get(array.dtype.newbyteorder("="))  # big-endian arrays are saved too
        if code is None:
            raise TypeError(f"cannot save array {name!r} of dtype {array.dtype}")
        data = array.astype(array.dtype.newbyteorder("<"), copy=False).tobytes()
        header[name] = {
            "dtype": code,
            "shape": list(array.shape),
            "data_offsets": [offset, offset + len(data)],
        }
        offset += len(data)
        blobs.append(data)
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    encoded = json.dumps(header, separators=(",", ":")).encode()
    encoded += b" " * (-len(encoded) % 8)  # align the data section, as safetensors does
    atomic_write(path, [struct.pack("<Q", len(encoded)), encoded, *blobs])


def read_safetensors(path) -> tuple[OrderedDict, dict, bytes]:
    """Read a safetensors file: (arrays by name, string metadata, raw data bytes)."""
    path = Path(path)
    raw = path.read_bytes()
    if len(raw) < 8:
        raise ModelFileError(f"{path}: too short to be a model file ({len(raw)} bytes)")
    (header_size,) = struct.unpack("<Q", raw[:8])
    if header_size > len(raw) - 8:
        raise ModelFileError(
            f"{path}: header claims {header_size} bytes but the file has {len(raw) - 8} "
            "(truncated, or not a safetensors file)"
        )
    try:
        header = json.loads(raw[8 : 8 + header_size])
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ModelFileError(f"{path}: the header is not valid JSON ({error})") from None
    if not isinstance(header, dict):
        raise ModelFileError(f"{path}: the header is not a JSON object")
    data = raw[8 + header_size :]
    metadata = header.pop("__metadata__", {}) or {}
    arrays, covered = OrderedDict(), 0
    if not isinstance(metadata, dict) or not all(isinstance(v, str) for v in metadata.values()):
        raise ModelFileError(f"{path}: __metadata__ must map names to strings, got {metadata!r}")
    for name, entry in sorted(header.items(), key=lambda kv: _offsets(path, kv)[0]):
        start, end = _offsets(path, (name, entry))
        code, shape = entry.get("dtype"), entry.get("shape")
        dtype = _DTYPES.get(code) if isinstance(code, str) else None
        if dtype is None:
            raise ModelFileError(
                f"{path}: array {name!r} has dtype {code!r}; expected one of {', '.join(_DTYPES)}"
            )
        if not (isinstance(shape, list) and all(_is_count(d) for d in shape)):
            raise ModelFileError(
                f"{path}: array {name!r} has shape {shape!r}; expected a list of sizes >= 0"
            )
        expected = int(np.prod(shape, dtype=np.int64)) * np.dtype(dtype).itemsize
        if start != covered or end - start != expected or end > len(data):
            raise ModelFileError(
                f"{path}: array {name!r} (shape {shape}, {entry['dtype']}) does not fit bytes "
                f"[{start}, {end}) of a {len(data)}-byte data section (truncated or tampered)"
            )
        covered = end
        little = np.dtype(dtype).newbyteorder("<")
        flat = np.frombuffer(data, dtype=little, count=expected // little.itemsize, offset=start)
        arrays[name] = flat.reshape(shape).astype(dtype)  # native byte order, writeable copy
    if covered != len(data):
        raise ModelFileError(f"{path}: {len(data) - covered} unexpected bytes after the arrays")
    return arrays, metadata, data


def _is_count(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _offsets(path, item):
    name, entry = item
    offsets = entry.get("data_offsets") if isinstance(entry, dict) else None
    if not (
        isinstance(offsets, list)
        and len(offsets) == 2
        and all(_is_count(o) for o in offsets)
        and offsets[0] <= offsets[1]
    ):
        raise ModelFileError(f"{path}: array {name!r} has invalid data_offsets {offsets!r}")
    return offsets


def _read_umask() -> int:
    umask = os.umask(0o022)  # reading the umask means setting it: done once, at import
    os.umask(umask)
    return umask


_UMASK = _read_umask()


def atomic_write(path, chunks) -> None:
    """Write byte chunks to ``path`` through a temporary file and a rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.chmod(tmp, 0o666 & ~_UMASK)  # mkstemp makes it owner-only; open() would not
        with os.fdopen(fd, "wb") as f:
            for chunk in chunks:
                f.write(chunk)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# ----------------------------------------------------------------------------- architectures


def describe(module) -> dict:
    """The constructor call that rebuilds ``module``: class path, args and kwargs, as JSON."""
    from homeml.nn.module import Module

    cls = type(module)
    if not cls.__module__.startswith("homeml."):
        raise TypeError(
            f"cannot save the architecture of {cls.__module__}.{cls.__qualname__}: only homeml's "
            "own layers and models can be rebuilt without running code from the file. Save "
            "model.state_dict() with homeml.io.save_state_dict() instead."
        )
    args, kwargs = getattr(module, "_init_args", ((), {}))

    def encode(value):
        if isinstance(value, Module):
            return {"__module__": describe(value)}
        if isinstance(value, tuple):  # kept a tuple: kernel_size=(3, 3) must not come back a list
            return {"__tuple__": [encode(v) for v in value]}
        if isinstance(value, list):
            return [encode(v) for v in value]
        if isinstance(value, OrderedDict):  # Sequential(OrderedDict(...)), Sequential slices
            return {"__ordered__": [[encode(k), encode(v)] for k, v in value.items()]}
        if isinstance(value, dict):
            if all(isinstance(k, str) for k in value) and not _ARCH_MARKERS & value.keys():
                return {k: encode(v) for k, v in value.items()}
            return {"__dict__": [[encode(k), encode(v)] for k, v in value.items()]}
        if isinstance(value, np.dtype) or (
            isinstance(value, type) and issubclass(value, np.generic)
        ):
            return {"__dtype__": np.dtype(value).name}
        if isinstance(value, np.generic):  # np.float32(0.5) as a plain number
            value = value.item()
        if value is None or isinstance(value, (bool, int, float, str)):
            return value
        raise TypeError(f"cannot save constructor argument {value!r} of {cls.__name__}")

    return {
        "class": f"{cls.__module__}.{cls.__qualname__}",
        "args": encode(list(args)),
        "kwargs": {name: encode(v) for name, v in kwargs.items()},
    }


# dict keys that mark an encoded value in an architecture
_ARCH_MARKERS = {"__module__", "__dtype__", "__tuple__", "__ordered__", "__dict__"}


def build(spec: dict):
    """Rebuild a module from :func:`describe`'s output; only homeml classes are allowed."""
    from homeml.nn.module import Module

    path = str(spec.get("class", "")) if isinstance(spec, dict) else ""
    module_name, _, class_name = path.rpartition(".")
    if not module_name.startswith("homeml."):
        raise ModelFileError(f"the file names class {path!r}, which is not a homeml class")
    try:
        cls = getattr(importlib.import_module(module_name), class_name)
    except (ImportError, AttributeError):
        raise ModelFileError(f"the file names an unknown class {path!r}") from None
    if not (isinstance(cls, type) and issubclass(cls, Module)):
        raise ModelFileError(f"the file names {path!r}, which is not a homeml Module")

    def decode(value):
        if isinstance(value, dict):
            if "__module__" in value:
                return build(value["__module__"])
            if "__dtype__" in value:
                return np.dtype(value["__dtype__"])
            if "__tuple__" in value:
                return tuple(decode(v) for v in value["__tuple__"])
            if "__ordered__" in value:
                return OrderedDict((decode(k), decode(v)) for k, v in value["__ordered__"])
            if "__dict__" in value:
                return {decode(k): decode(v) for k, v in value["__dict__"]}
            return {k: decode(v) for k, v in value.items()}
        if isinstance(value, list):
            return [decode(v) for v in value]
        return value

    args, kwargs = spec.get("args", []), spec.get("kwargs", {})
    if not (isinstance(args, list) and isinstance(kwargs, dict)):
        raise ModelFileError(
            f"the file's arguments for {path} must be a list and a dict, got "
            f"{type(args).__name__} and {type(kwargs).__name__}"
        )
    try:
        args = decode(args)
        kwargs = {name: decode(v) for name, v in kwargs.items()}
        return cls(*args, **kwargs)
    except ModelFileError:
        raise
    except (TypeError, ValueError, KeyError) as error:  # arguments a tampered file could hold
        raise ModelFileError(f"the file's arguments for {path} do not build it: {error}") from None


# ----------------------------------------------------------------------------- public API


def save(model, path, metadata: dict | None = None) -> None:
    """Save a homeml module (architecture and weights) to ``path``, atomically, without pickle.

    Parameters
    ----------
    model : homeml.nn.Module, homeml.learn estimator or homeml.rl agent
        A model made of homeml's layers (``nn.Sequential`` of layers, or ``homeml.models``), a
        fitted homeml.learn estimator or pipeline (see :mod:`homeml._estimator_io`), or a
        trained homeml.rl agent (see :mod:`homeml.rl._agent_io`).
    path : str or Path
        Destination file (conventionally ``*.safetensors``).
    metadata : dict, optional
        JSON-serialisable information stored alongside (metrics, class names, preprocessing).
    """
    rl_base = sys.modules.get("homeml.rl.base")  # (not imported just to save a module)
    if rl_base and isinstance(model, rl_base.Agent):  # homeml.rl agents
        from homeml.rl._agent_io import save_agent

        return save_agent(model, path, metadata)
    learn_base = sys.modules.get("homeml.learn.base")
    if learn_base and isinstance(model, learn_base.BaseEstimator):  # homeml.learn estimators
        from homeml._estimator_io import save_estimator

        return save_estimator(model, path, metadata)
    arrays = {name: t.numpy() for name, t in model.state_dict().items()}
    info = {
        "format": "homeml",
        "format_version": FORMAT_VERSION,
        "kind": "nn.Module",
        "architecture": describe(model),
        "metadata": metadata or {},
    }
    _save_with_digest(path, arrays, info)


def _save_with_digest(path, arrays, info):
    digest = hashlib.sha256()
    for array in arrays.values():
        digest.update(np.asarray(array, order="C").astype(array.dtype.newbyteorder("<")).tobytes())
    info = dict(info, sha256=digest.hexdigest())
    write_safetensors(path, arrays, {"homeml": json.dumps(info)})


def read(path) -> tuple[OrderedDict, dict]:
    """Read and verify a homeml file: (arrays, homeml metadata)."""
    arrays, metadata, data = read_safetensors(path)
    if "homeml" not in metadata:
        raise ModelFileError(f"{path}: a safetensors file without homeml metadata")
    try:
        info = json.loads(metadata["homeml"])
    except json.JSONDecodeError as error:
        raise ModelFileError(f"{path}: homeml metadata is not valid JSON ({error})") from None
    if not isinstance(info, dict) or info.get("format") != "homeml":
        raise ModelFileError(f"{path}: homeml metadata is not a homeml header: {info!r:.200}")
    version = info.get("format_version")
    if isinstance(version, int) and not isinstance(version, bool) and version > FORMAT_VERSION:
        raise ModelFileError(
            f"{path}: format version {version} is newer than this homeml understands "
            f"({FORMAT_VERSION}); upgrade homeml"
        )
    if not (isinstance(version, int) and not isinstance(version, bool) and version >= 1):
        raise ModelFileError(
            f"{path}: format version {version!r} is not valid; expected an integer from 1 to "
            f"{FORMAT_VERSION}"
        )
    if hashlib.sha256(data).hexdigest() != info.get("sha256"):
        raise ModelFileError(f"{path}: the weights do not match their checksum (tampered?)")
    return arrays, info


def load(path):
    """Load a model or estimator saved with :func:`save`; it is rebuilt from homeml's classes
    only (for estimators, only public names of homeml.learn)."""
    from homeml.tensor import Tensor

    arrays, info = read(path)
    if info.get("kind") == "learn.estimator":
        from homeml._estimator_io import load_estimator_from

        return load_estimator_from(path, arrays, info)
    if info.get("kind") == "rl.agent":
        from homeml.rl._agent_io import load_agent_from

        return load_agent_from(path, arrays, info)
    if info.get("kind") != "nn.Module":
        raise ModelFileError(f"{path}: holds a {info.get('kind')!r}, not a homeml nn.Module")
    try:
        model = build(info.get("architecture"))
    except ModelFileError as error:
        raise ModelFileError(f"{path}: {error}") from None
    try:
        model.load_state_dict({name: Tensor._make(a) for name, a in arrays.items()})
    except RuntimeError as error:  # names or shapes that do not fit the stored architecture
        raise ModelFileError(f"{path}: the weights do not fit the architecture: {error}") from None
    return model


def load_metadata(path) -> dict:
    """The user metadata stored with a model (without building it)."""
    return read(path)[1].get("metadata", {})


def save_state_dict(state_dict, path, metadata: dict | None = None) -> None:
    """Save only named tensors (e.g. ``model.state_dict()``), for architectures defined in user
    code: rebuild the model yourself and call ``load_state_dict(homeml.io.load_state_dict(p))``."""
    arrays = {
        k: (v.numpy() if hasattr(v, "numpy") else np.asarray(v)) for k, v in state_dict.items()
    }
    info = {
        "format": "homeml",
        "format_version": FORMAT_VERSION,
        "kind": "state_dict",
        "metadata": metadata or {},
    }
    _save_with_digest(path, arrays, info)


def load_state_dict(path) -> OrderedDict:
    from homeml.tensor import Tensor

    arrays, _ = read(path)
    return OrderedDict((k, Tensor._make(v)) for k, v in arrays.items())


# ----------------------------------------------------------------------------- checkpoints


_MARKERS = {"__array__", "__items__", "__tuple__"}  # keys that mean something in a stored tree


def _flatten_tree(tree, arrays):
    """Replace arrays and tensors in a nested structure by references into ``arrays``."""
    from homeml.tensor import Tensor

    if isinstance(tree, Tensor):
        tree = tree.numpy()
    if isinstance(tree, np.ndarray):
        key = f"a{len(arrays)}"
        arrays[key] = tree
        return {"__array__": key}
    if isinstance(tree, np.generic):
        return tree.item()
    if isinstance(tree, dict):
        if all(isinstance(k, str) for k in tree) and not _MARKERS & tree.keys():
            return {k: _flatten_tree(v, arrays) for k, v in tree.items()}
        return {
            "__items__": [
                [_flatten_tree(k, arrays), _flatten_tree(v, arrays)] for k, v in tree.items()
            ]
        }
    if isinstance(tree, tuple):
        return {"__tuple__": [_flatten_tree(v, arrays) for v in tree]}
    if isinstance(tree, list):
        return [_flatten_tree(v, arrays) for v in tree]
    if tree is None or isinstance(tree, (bool, int, float, str)):
        return tree
    raise TypeError(f"cannot store {type(tree).__name__} in a checkpoint")


def _unflatten_tree(tree, arrays):
    if isinstance(tree, dict):
        if "__array__" in tree:
            return arrays[tree["__array__"]]
        if "__items__" in tree:
            return {
                _unflatten_tree(k, arrays): _unflatten_tree(v, arrays) for k, v in tree["__items__"]
            }
        if "__tuple__" in tree:
            return tuple(_unflatten_tree(v, arrays) for v in tree["__tuple__"])
        return {k: _unflatten_tree(v, arrays) for k, v in tree.items()}
    if isinstance(tree, list):
        return [_unflatten_tree(v, arrays) for v in tree]
    return tree


def save_checkpoint(path, tree: dict) -> None:
    """Save a nested structure of arrays, tensors, numbers, strings, lists and dicts (such as
    model and optimizer state dicts and generator states) atomically, without pickle."""
    arrays = {}
    structure = _flatten_tree(tree, arrays)
    info = {
        "format": "homeml",
        "format_version": FORMAT_VERSION,
        "kind": "checkpoint",
        "tree": structure,
    }
    _save_with_digest(path, arrays, info)


def load_checkpoint(path) -> dict:
    """Load what :func:`save_checkpoint` saved."""
    arrays, info = read(path)
    if info.get("kind") != "checkpoint":
        raise ModelFileError(f"{path}: holds a {info.get('kind')!r}, not a checkpoint")
    return _unflatten_tree(info.get("tree"), arrays)
