"""The one JSON tree codec: nested containers, numbers, strings and arrays as JSON plus arrays."""

from __future__ import annotations

import math

import numpy as np

from homeml._storage._format import ModelFileError, dtype_code

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
