"""Storage, at the bottom of homeml: the container format, its digest, atomic writes and the one
JSON tree codec. It knows no model family; networks, estimators and agents bring their codecs
(see :mod:`homeml.io`).

A homeml file *is* a safetensors file: an 8-byte little-endian header length, a JSON header
giving each array's dtype, shape and byte range, then the raw bytes. The header's
``__metadata__`` holds two strings: ``homeml`` (the JSON of the format version, the kind of
object and its description) and ``homeml_sha256``, the sha256 of the tensor table, of that JSON
text and of the array bytes together (see :func:`digest`). Any edit of the header or the data is
detected; the digest is a checksum, not a signature: it proves a file intact, not who wrote it,
which is why reading never runs code and checks every value it rebuilds.

Reading is bounded by what the file holds: only regular files are read (a FIFO or a device is
refused before any read), the size comes from ``stat``, every declared size is checked against
the bytes present before anything is allocated, and JSON nesting is capped.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import stat
import struct
import tempfile
from collections import OrderedDict
from pathlib import Path

import numpy as np

FORMAT_VERSION = 2
MAX_JSON_DEPTH = 200  # far deeper than any real model; keeps every recursive decoder safe

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
    """A file that is not a valid homeml model (truncated, tampered, foreign, too new, or
    describing something homeml will not build)."""


def dtype_code(dtype) -> str | None:
    """The safetensors code of a NumPy dtype (either byte order), or None if it has none."""
    return _CODES.get(np.dtype(dtype).newbyteorder("="))


# ----------------------------------------------------------------------------- atomic writes


def _read_umask() -> int:
    umask = os.umask(0o022)  # reading the umask means setting it: done once, at import
    os.umask(umask)
    return umask


_UMASK = _read_umask()


def ensure_folder(folder) -> Path:
    """Create ``folder`` (and its parents); a clear error when a part of it is a file."""
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        blocker = next(
            (p for p in (folder, *folder.parents) if p.exists() and not p.is_dir()), None
        )
        raise NotADirectoryError(
            f"cannot create the folder {folder}: {blocker or folder} is a file, not a folder"
        ) from None
    return folder


def remove_stale_temporaries(path, suffix: str) -> None:
    """Remove what interrupted writes to ``path`` left: ``.NAME.PID.XXXX{suffix}`` files whose
    process is gone (a live writer's file is kept, so concurrent writers stay safe)."""
    path = Path(path)
    start = f".{path.name}."
    try:
        siblings = list(path.parent.iterdir())
    except OSError:
        return
    for sibling in siblings:
        name = sibling.name
        if not (name.startswith(start) and name.endswith(suffix)):
            continue
        pid = name[len(start) : -len(suffix)].partition(".")[0]
        if pid.isdigit() and _alive(int(pid)):
            continue
        try:
            if sibling.is_file() and not sibling.is_symlink():
                sibling.unlink()
        except OSError:  # another process removed or renamed it first
            pass


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True  # someone else's process, or a number we cannot ask about: keep the file
    return True


def temporary_beside(path, suffix: str):
    """``(fd, name)`` of a new file beside ``path``, named for :func:`remove_stale_temporaries`,
    created after removing the leftovers of interrupted writes; mode as ``open()`` would give."""
    path = Path(path)
    ensure_folder(path.parent)
    remove_stale_temporaries(path, suffix)
    fd, tmp = tempfile.mkstemp(
        dir=path.parent, prefix=f".{path.name}.{os.getpid()}.", suffix=suffix
    )
    os.chmod(tmp, 0o666 & ~_UMASK)  # mkstemp makes it owner-only; open() would not
    return fd, tmp


def atomic_write(path, chunks) -> None:
    """Write byte chunks to ``path`` through a temporary file and a rename."""
    path = Path(path)
    fd, tmp = temporary_beside(path, ".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            for chunk in chunks:
                f.write(chunk)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def check_writable_folder(folder) -> Path:
    """Create ``folder`` if needed and prove a file can be written there (then removed).

    Raises
    ------
    NotADirectoryError
        A part of the path is a file.
    PermissionError
        The folder cannot be written.
    """
    folder = ensure_folder(folder)
    try:
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as error:
        raise type(error)(
            error.errno, f"cannot write in {folder}: {error.strerror or error}"
        ) from None
    return folder


# ----------------------------------------------------------------------------- the container


def digest(table: dict, info_json: str, data) -> str:
    """sha256 of the tensor table (canonical JSON), the homeml JSON text and the array bytes."""
    h = hashlib.sha256(b"homeml-file-2\n")
    h.update(json.dumps(table, sort_keys=True, separators=(",", ":")).encode())
    h.update(b"\n")
    h.update(info_json.encode())
    h.update(b"\n")
    h.update(data)
    return h.hexdigest()


def write(path, arrays: dict, info: dict) -> None:
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


def read_regular_file(path) -> bytes:
    """The bytes of a regular file; devices, FIFOs and sockets are refused without reading."""
    path = Path(path)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))  # a FIFO must not block
    except IsADirectoryError:
        raise ModelFileError(f"{path}: is a folder, not a model file") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise ModelFileError(f"{path}: is not a regular file (a device, FIFO or socket)")
        size, parts = info.st_size, []
        remaining = size
        while remaining > 0:
            part = os.read(fd, min(remaining, 1 << 24))
            if not part:
                break
            parts.append(part)
            remaining -= len(part)
        raw = b"".join(parts)
        if len(raw) != size:
            raise ModelFileError(f"{path}: changed while being read ({len(raw)} of {size} bytes)")
        return raw
    finally:
        os.close(fd)


def parse_json(text, what: str):
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


def read_container(path) -> tuple[dict, dict, memoryview]:
    """``(tensor table, string metadata, data section)`` of a safetensors file, checked: every
    array lies inside the data, in order, without gaps or overlaps, and fits its dtype and shape."""
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


def arrays_of(table: dict, data) -> OrderedDict:
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


def read(path) -> tuple[OrderedDict, dict]:
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


# ----------------------------------------------------------------------------- the tree codec

# dict keys that mark an encoded value; a plain dict using one of them is stored as "__items__"
MARKERS = frozenset({"__array__", "__tensor__", "__tuple__", "__items__", "__float__"})
_FLOATS = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}


def encode_tree(tree, arrays: dict, leaf=None):
    """JSON for a nested structure of dicts, lists, tuples, numbers, strings, None and arrays.

    Arrays go into ``arrays`` (a new key each) and are referenced as ``{"__array__": key}``;
    ``leaf(value)`` may turn other objects into ``(marker, array)`` (e.g. tensors as
    ``("__tensor__", array)``) or return None. Anything else is a ``TypeError`` naming the path.
    """

    def encode(value, where):
        if leaf is not None and (found := leaf(value)) is not None:
            marker, array = found
            return {marker: _add(arrays, array, where)}
        if isinstance(value, np.ndarray):
            return {"__array__": _add(arrays, value, where)}
        if isinstance(value, np.generic):
            value = value.item()
        if isinstance(value, float) and not math.isfinite(value):
            return {"__float__": repr(value)}
        if value is None or isinstance(value, (bool, int, float, str)):
            return value
        if isinstance(value, dict):
            if all(isinstance(k, str) for k in value) and not MARKERS & value.keys():
                return {k: encode(v, f"{where}[{k!r}]") for k, v in value.items()}
            return {
                "__items__": [
                    [encode(k, where), encode(v, f"{where}[{k!r}]")] for k, v in value.items()
                ]
            }
        if isinstance(value, tuple):
            return {"__tuple__": [encode(v, f"{where}[{i}]") for i, v in enumerate(value)]}
        if isinstance(value, list):
            return [encode(v, f"{where}[{i}]") for i, v in enumerate(value)]
        raise TypeError(
            f"cannot store {where or 'the object'}: a {type(value).__module__}."
            f"{type(value).__qualname__} is not a tensor, array, number, string, bool, None, "
            "dict, list or tuple"
        )

    return encode(tree, "")


def _add(arrays, array, where):
    array = np.asarray(array)
    if dtype_code(array.dtype) is None:
        raise TypeError(
            f"cannot store {where or 'the array'}: dtype {array.dtype} is not supported"
        )
    key = f"a{len(arrays)}"
    arrays[key] = array
    return key


def decode_tree(tree, arrays: dict, leaves=None):
    """Rebuild what :func:`encode_tree` stored; ``leaves`` maps markers to ``array -> value``.

    Raises
    ------
    ModelFileError
        A marker that is malformed or refers to no array.
    """
    leaves = {"__array__": lambda a: a, **(leaves or {})}

    def decode(value):
        if isinstance(value, list):
            return [decode(v) for v in value]
        if not isinstance(value, dict):
            return value
        for marker, make in leaves.items():
            if marker in value:
                key = value[marker]
                if not (isinstance(key, str) and key in arrays and len(value) == 1):
                    raise ModelFileError(f"a stored value refers to no array: {value!r:.100}")
                return make(arrays[key])
        if "__tuple__" in value:
            return tuple(decode(_list(value["__tuple__"])))
        if "__float__" in value:
            if value["__float__"] not in _FLOATS:
                raise ModelFileError(f"a stored number is damaged: {value!r:.100}")
            return _FLOATS[value["__float__"]]
        if "__items__" in value:
            pairs = _list(value["__items__"])
            if not all(isinstance(p, list) and len(p) == 2 for p in pairs):
                raise ModelFileError(f"stored dict items must be pairs: {pairs!r:.100}")
            try:
                return {decode(k): decode(v) for k, v in pairs}
            except TypeError as error:  # a list as a key
                raise ModelFileError(f"a stored dict key is damaged: {error}") from None
        return {k: decode(v) for k, v in value.items()}

    return decode(tree)


def _list(value):
    if not isinstance(value, list):
        raise ModelFileError(f"expected a JSON list, got {value!r:.100}")
    return value
