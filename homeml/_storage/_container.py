"""The container: safetensors with homeml's JSON and a digest of both, written and read."""

from __future__ import annotations

import hashlib
import json
import math
import os
import struct
from collections import OrderedDict
from typing import Any

import numpy as np

from homeml._storage._files import atomic_write, read_regular_file
from homeml._storage._format import (
    _DTYPES,
    FORMAT_VERSION,
    MAX_JSON_DEPTH,
    ModelFileError,
    dtype_code,
)


def digest(table: dict, info_json: str, data: bytes | memoryview) -> str:
    """sha256 of the tensor table (canonical JSON), the homeml JSON text and the array bytes."""
    h = hashlib.sha256(b"homeml-file-2\n")
    h.update(json.dumps(table, sort_keys=True, separators=(",", ":")).encode())
    h.update(b"\n")
    h.update(info_json.encode())
    h.update(b"\n")
    h.update(data)
    return h.hexdigest()


def write(path: str | os.PathLike, arrays: dict, info: dict) -> None:
    """Write named arrays and the homeml description ``info``, with its digest, atomically."""
    table, offset, blobs = {}, 0, []
    for name, array in arrays.items():
        array = np.asarray(array, order="C")  # (ascontiguousarray would make 0-d arrays 1-d)
        code = dtype_code(array.dtype)  # big-endian arrays are saved too
        if code is None:
            raise TypeError(f"cannot save array {name!r} of dtype {array.dtype}")
        data = array.astype(array.dtype.newbyteorder("<"), copy=False).tobytes()
        table[name] = {
            "dtype": code,
            "shape": list(array.shape),
            "data_offsets": [offset, offset + len(data)],
        }
        offset += len(data)
        blobs.append(data)
    info = {"format": "homeml", "format_version": FORMAT_VERSION, **info}
    try:
        info_json = json.dumps(info)
    except (TypeError, ValueError) as error:
        raise TypeError(f"cannot save {path}: a value is not JSON data ({error})") from None
    data = b"".join(blobs)
    metadata = {"homeml": info_json, "homeml_sha256": digest(table, info_json, data)}
    header = json.dumps({**table, "__metadata__": metadata}, separators=(",", ":")).encode()
    header += b" " * (-len(header) % 8)  # align the data section, as safetensors does
    atomic_write(path, [struct.pack("<Q", len(header)), header, data])


def parse_json(text: str | bytes, what: str) -> Any:
    """JSON from a file, with nesting capped at :data:`MAX_JSON_DEPTH`."""
    try:
        value = json.loads(text)
    except RecursionError:
        raise ModelFileError(f"{what} is nested too deeply") from None
    except (UnicodeDecodeError, ValueError) as error:
        raise ModelFileError(f"{what} is not valid JSON ({error})") from None
    stack = [(value, 1)]
    while stack:  # iterative: the check itself must not recurse
        item, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            raise ModelFileError(f"{what} is nested more than {MAX_JSON_DEPTH} levels deep")
        children = (
            item.values() if isinstance(item, dict) else item if isinstance(item, list) else ()
        )
        stack.extend((child, depth + 1) for child in children)
    return value


def read_container(path: str | os.PathLike) -> tuple[dict, dict, memoryview]:
    """``(tensor table, string metadata, data section)`` of a safetensors file, checked: every
    array lies inside the data, in order, without gaps or overlaps, and fits its dtype and shape.
    """
    raw = read_regular_file(path)
    if len(raw) < 8:
        raise ModelFileError(f"{path}: too short to be a model file ({len(raw)} bytes)")
    (header_size,) = struct.unpack("<Q", raw[:8])
    if header_size > len(raw) - 8:
        raise ModelFileError(
            f"{path}: header claims {header_size} bytes but the file has {len(raw) - 8} "
            "(truncated, or not a safetensors file)"
        )
    header = parse_json(raw[8 : 8 + header_size], f"{path}: the header")
    if not isinstance(header, dict):
        raise ModelFileError(f"{path}: the header is not a JSON object")
    data = memoryview(raw)[8 + header_size :]
    metadata = header.pop("__metadata__", None) or {}
    if not isinstance(metadata, dict) or not all(isinstance(v, str) for v in metadata.values()):
        raise ModelFileError(
            f"{path}: __metadata__ must map names to strings, got {metadata!r:.200}"
        )
    covered = 0
    for name, entry in sorted(header.items(), key=lambda kv: _offsets(path, kv)[0]):
        start, end = _offsets(path, (name, entry))
        code, shape = entry.get("dtype"), entry.get("shape")
        dtype = _DTYPES.get(code) if isinstance(code, str) else None
        if dtype is None:
            raise ModelFileError(
                f"{path}: array {name!r} has dtype {code!r:.50}; expected one of "
                f"{', '.join(_DTYPES)}"
            )
        if not (isinstance(shape, list) and len(shape) <= 64 and all(_is_count(d) for d in shape)):
            raise ModelFileError(
                f"{path}: array {name!r} has shape {shape!r:.100}; expected a list of at most 64 "
                "sizes >= 0"
            )
        expected = math.prod(shape) * np.dtype(dtype).itemsize  # Python ints: no overflow
        if start != covered or end - start != expected or end > len(data):
            raise ModelFileError(
                f"{path}: array {name!r} (shape {shape}, {code}) does not fit bytes "
                f"[{start}, {end}) of a {len(data)}-byte data section (truncated or tampered)"
            )
        covered = end
    if covered != len(data):
        raise ModelFileError(f"{path}: {len(data) - covered} unexpected bytes after the arrays")
    return header, metadata, data


def arrays_of(table: dict, data: memoryview) -> OrderedDict:
    """The arrays a checked table describes: native byte order, writeable copies."""
    arrays = OrderedDict()
    for name, entry in table.items():
        start, _ = entry["data_offsets"]
        dtype = np.dtype(_DTYPES[entry["dtype"]])
        count = math.prod(entry["shape"])
        flat = np.frombuffer(data, dtype=dtype.newbyteorder("<"), count=count, offset=start)
        arrays[name] = flat.reshape(entry["shape"]).astype(dtype)
    return arrays


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
        raise ModelFileError(
            f"{path}: array {name!r:.100} has invalid data_offsets {offsets!r:.100}"
        )
    return offsets


def read(path: str | os.PathLike) -> tuple[OrderedDict, dict]:
    """Read and verify a homeml file: ``(arrays, homeml description)``.

    Raises
    ------
    ModelFileError
        The file is not a homeml file of a version this homeml reads, or fails its digest.
    """
    table, metadata, data = read_container(path)
    if "homeml" not in metadata:
        raise ModelFileError(f"{path}: a safetensors file without homeml metadata")
    info = parse_json(metadata["homeml"], f"{path}: the homeml metadata")
    if not isinstance(info, dict) or info.get("format") != "homeml":
        raise ModelFileError(f"{path}: homeml metadata is not a homeml header: {info!r:.200}")
    version = info.get("format_version")
    if not (isinstance(version, int) and not isinstance(version, bool) and version >= 1):
        raise ModelFileError(
            f"{path}: format version {version!r:.50} is not valid; expected an integer from 1 to "
            f"{FORMAT_VERSION}"
        )
    if version > FORMAT_VERSION:
        raise ModelFileError(
            f"{path}: format version {version} is newer than this homeml understands "
            f"({FORMAT_VERSION}); upgrade homeml"
        )
    if version < FORMAT_VERSION:
        raise ModelFileError(
            f"{path}: format version {version} (an earlier homeml) is no longer read: its "
            "checksum did not cover the architecture, so an edited file could not be told from "
            "a genuine one. Load it with the homeml that wrote it and save it again."
        )
    if metadata.get("homeml_sha256") != digest(table, metadata["homeml"], data):
        raise ModelFileError(f"{path}: the file does not match its checksum (damaged or edited)")
    return arrays_of(table, data), info
