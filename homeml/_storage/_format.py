"""The format's constants: version, dtype codes, the error type."""

from __future__ import annotations

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
    describing something homeml will not build).
    """


def dtype_code(dtype) -> str | None:
    """The safetensors code of a NumPy dtype (either byte order), or None if it has none."""
    return _CODES.get(np.dtype(dtype).newbyteorder("="))
