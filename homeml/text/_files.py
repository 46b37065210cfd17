"""Tokenizer files: one JSON object, written atomically, read back with checks that name what
is wrong (the file, the field, what was expected and what was found).
"""

from __future__ import annotations

import json
import os
from typing import Any

from homeml._storage import ModelFileError, atomic_write, parse_json, read_regular_file

FORMAT_VERSION = 1


class TokenizerFileError(ModelFileError):
    """A tokenizer file that cannot be read: not JSON, another kind of tokenizer, a newer
    format, or a field with the wrong type or value.
    """


def write_json(path: str | os.PathLike, kind: str, fields: dict[str, Any]) -> None:
    """Write ``fields`` with the tokenizer's ``kind`` and the format version to ``path``."""
    document = {"homeml_tokenizer": kind, "version": FORMAT_VERSION, **fields}
    text = json.dumps(document, ensure_ascii=False, indent=1)
    atomic_write(path, [text.encode("utf-8")])


def read_json(path: str | os.PathLike, kind: str) -> dict[str, Any]:
    """The fields of the ``kind`` tokenizer file at ``path``, its header checked."""
    what = f"tokenizer file {os.fspath(path)}"
    try:
        raw = read_regular_file(path)
    except ModelFileError as error:
        raise TokenizerFileError(str(error)) from None
    try:
        document = parse_json(raw, what)
    except ModelFileError as error:
        raise TokenizerFileError(str(error)) from None
    if not isinstance(document, dict):
        raise TokenizerFileError(f"{what}: expected a JSON object, found {type(document).__name__}")
    found = document.get("homeml_tokenizer")
    if found != kind:
        raise TokenizerFileError(f"{what}: expected a {kind!r} tokenizer, found {found!r}")
    version = document.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version > FORMAT_VERSION:
        raise TokenizerFileError(
            f"{what}: format version {version!r} is not one this homeml reads "
            f"(1 to {FORMAT_VERSION})"
        )
    return document


def field(document: dict[str, Any], name: str, kind: type | tuple[type, ...], what: str) -> Any:
    """``document[name]``, checked to be of ``kind``."""
    if name not in document:
        raise TokenizerFileError(f"{what}: the field {name!r} is missing")
    value = document[name]
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        names = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
        raise TokenizerFileError(
            f"{what}: the field {name!r} should be {names}, found {type(value).__name__}"
        )
    return value
