"""The one JSON tree codec: nested containers, numbers, strings and arrays as JSON plus arrays.

JSON says dicts with string keys, lists, strings, finite numbers, booleans and null. The rest is
a one-key marker dict: ``{"__array__": key}`` (an array stored beside the JSON),
``{"__tuple__": [...]}``, ``{"__items__": [[key, value], ...]}`` (a dict whose keys are not all
strings, or that uses a marker word as a key) and ``{"__float__": "nan" | "inf" | "-inf"}``.
A family's codec extends this with its own markers (tensors, estimators, ...) through ``extend``
on the way in and ``extensions`` on the way out; everything else stays here.
"""

from __future__ import annotations

import math

import numpy as np

from homeml._storage._format import ModelFileError, dtype_code

# dict keys that mark an encoded value; a plain dict using one of them is stored as "__items__"
MARKERS = frozenset({"__array__", "__tensor__", "__tuple__", "__items__", "__float__"})
_FLOATS = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}


class TreeEncoder:
    """Encodes values into JSON, collecting arrays in :attr:`arrays` (keys ``a0``, ``a1``, ...).

    Parameters
    ----------
    extend : callable, optional
        ``extend(value, where)`` returns the JSON of a value the family encodes itself (it may
        call :meth:`encode` and :meth:`add_array`), or None to leave it to this codec.
    markers : iterable of str
        The family's extra marker words (plain dicts using one are stored as ``__items__``).
    """

    def __init__(self, extend=None, markers=()):
        self.arrays: dict[str, np.ndarray] = {}
        self.extend = extend
        self.markers = MARKERS | frozenset(markers)

    def encode(self, value, where: str = ""):
        if self.extend is not None and (found := self.extend(value, where)) is not None:
            return found
        if isinstance(value, np.ndarray):
            return {"__array__": self.add_array(value, where)}
        if isinstance(value, np.generic):
            value = value.item()
        if isinstance(value, float) and not math.isfinite(value):
            return {"__float__": repr(value)}
        if value is None or isinstance(value, (bool, int, float, str)):
            return value
        if isinstance(value, dict):
            if all(isinstance(k, str) for k in value) and not self.markers & value.keys():
                return {k: self.encode(v, f"{where}[{k!r}]") for k, v in value.items()}
            return {
                "__items__": [
                    [self.encode(k, where), self.encode(v, f"{where}[{k!r}]")]
                    for k, v in value.items()
                ]
            }
        if isinstance(value, tuple):
            return {"__tuple__": [self.encode(v, f"{where}[{i}]") for i, v in enumerate(value)]}
        if isinstance(value, list):
            return [self.encode(v, f"{where}[{i}]") for i, v in enumerate(value)]
        raise TypeError(
            f"cannot store {where or 'the object'}: a {type(value).__module__}."
            f"{type(value).__qualname__} is not a tensor, array, number, string, bool, None, "
            "dict, list or tuple"
        )

    def add_array(self, array, where: str = "") -> str:
        array = np.asarray(array)
        if dtype_code(array.dtype) is None:
            raise TypeError(
                f"cannot store {where or 'the array'}: dtype {array.dtype} is not supported"
            )
        key = f"a{len(self.arrays)}"
        self.arrays[key] = array
        return key


class TreeDecoder:
    """Rebuilds what :class:`TreeEncoder` wrote.

    Parameters
    ----------
    arrays : dict
        The arrays read from the file.
    leaves : dict, optional
        ``{marker: array -> value}`` for one-key markers referring to an array (``__array__``
        gives the array itself unless replaced).
    extensions : dict, optional
        ``{marker: (value_dict, decoder) -> value}`` for the family's own markers, consulted first.
    """

    def __init__(self, arrays, leaves=None, extensions=None):
        self.arrays = arrays
        self.leaves = {"__array__": lambda a: a, **(leaves or {})}
        self.extensions = extensions or {}

    def decode(self, value):
        if isinstance(value, list):
            return [self.decode(v) for v in value]
        if not isinstance(value, dict):
            return value
        for marker, make in self.extensions.items():
            if marker in value:
                return make(value, self)
        for marker, make in self.leaves.items():
            if marker in value:
                key = value[marker]
                if not (isinstance(key, str) and key in self.arrays and len(value) == 1):
                    raise ModelFileError(f"a stored value refers to no array: {value!r:.100}")
                return make(self.arrays[key])
        if "__tuple__" in value:
            return tuple(self.decode(as_list(value["__tuple__"])))
        if "__float__" in value:
            if value["__float__"] not in _FLOATS:
                raise ModelFileError(f"a stored number is damaged: {value!r:.100}")
            return _FLOATS[value["__float__"]]
        if "__items__" in value:
            pairs = as_list(value["__items__"])
            if not all(isinstance(p, list) and len(p) == 2 for p in pairs):
                raise ModelFileError(f"stored dict items must be pairs: {pairs!r:.100}")
            try:
                return {self.decode(k): self.decode(v) for k, v in pairs}
            except TypeError as error:  # a list as a key
                raise ModelFileError(f"a stored dict key is damaged: {error}") from None
        return {k: self.decode(v) for k, v in value.items()}


def encode_tree(tree, arrays: dict, leaf=None):
    """JSON for a nested structure of dicts, lists, tuples, numbers, strings, None and arrays,
    the arrays added to ``arrays``. ``leaf(value)`` may turn other objects into
    ``(marker, array)`` (e.g. tensors as ``("__tensor__", array)``) or return None. Anything else
    is a ``TypeError`` naming where it is.
    """
    encoder = TreeEncoder()
    encoder.arrays = arrays

    def extend(value, where):
        found = leaf(value) if leaf is not None else None
        if found is None:
            return None
        marker, array = found
        return {marker: encoder.add_array(array, where)}

    encoder.extend = extend
    return encoder.encode(tree)


def decode_tree(tree, arrays: dict, leaves=None):
    """Rebuild what :func:`encode_tree` stored; ``leaves`` maps markers to ``array -> value``.

    Raises
    ------
    ModelFileError
        A marker that is malformed or refers to no array.
    """
    return TreeDecoder(arrays, leaves).decode(tree)


def as_list(value):
    """``value`` if it is a JSON list; a ModelFileError otherwise."""
    if not isinstance(value, list):
        raise ModelFileError(f"expected a JSON list, got {value!r:.100}")
    return value
