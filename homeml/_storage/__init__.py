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

from homeml._storage._container import arrays_of, digest, parse_json, read, read_container, write
from homeml._storage._files import (
    atomic_write,
    check_writable_folder,
    ensure_folder,
    read_regular_file,
    remove_stale_temporaries,
    temporary_beside,
)
from homeml._storage._format import FORMAT_VERSION, MAX_JSON_DEPTH, ModelFileError, dtype_code
from homeml._storage._tree import (
    MARKERS,
    TreeDecoder,
    TreeEncoder,
    as_list,
    decode_tree,
    encode_tree,
)

__all__ = [
    "FORMAT_VERSION",
    "MARKERS",
    "MAX_JSON_DEPTH",
    "TreeDecoder",
    "TreeEncoder",
    "ModelFileError",
    "arrays_of",
    "as_list",
    "atomic_write",
    "check_writable_folder",
    "decode_tree",
    "digest",
    "dtype_code",
    "encode_tree",
    "ensure_folder",
    "parse_json",
    "read",
    "read_container",
    "read_regular_file",
    "remove_stale_temporaries",
    "temporary_beside",
    "write",
]
