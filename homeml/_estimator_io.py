"""Saving and loading fitted homeml.learn estimators and pipelines, without pickle.

An estimator is stored as ``{"class": name, "params": {...}, "state": {...}}``: ``class`` is a
public name of :mod:`homeml.learn` (nothing else is ever resolved, nothing is imported from the
file), ``params`` are its constructor arguments (``get_params(deep=False)``) and ``state`` is
every other instance attribute that ``fit`` set (the public ``name_`` attributes and the private
state that ``predict`` needs). Numeric and boolean arrays go to safetensors entries and are
referenced by key; every other value is JSON with a small marker for what JSON cannot say
(tuples, non-string dict keys, string/object arrays, dtypes, nested estimators).

A value of any other type (a callable, a ``numpy.random.Generator``, a compiled object) is refused
at save time with a ``TypeError`` naming the attribute, rather than silently dropped. A legacy
``numpy.random.RandomState`` (an estimator's ``random_state`` or one kept after ``fit``) is stored
by its exact state (a tuple of numbers) so that it is rebuilt as the same random stream: saving as
``None`` would silently change what a refit draws.
"""

from __future__ import annotations

import json
import math

import numpy as np

from homeml._storage import ModelFileError, TreeDecoder, TreeEncoder, as_list, dtype_code

KIND = "learn.estimator"

# this codec's own markers, on top of the shared tree codec's (__array__, __tuple__, __items__,
# __float__); a plain dict using one of them is stored as "__items__"
_MARKERS = {
    "__estimator__",
    "__list_array__",
    "__dtype__",
    "__random_state__",
    "__scalar__",
    "__object__",
    "__slice__",
    "__masked__",
    "__function__",
}

# homeml.learn's internal helper classes whose instances are plain data (arrays, numbers) held
# by fitted estimators: stored as their attributes and rebuilt without calling __init__. The
# file only names a key of this table; the module paths are fixed here, never read from a file.
_HELPERS = {
    f"{module}.{name}"
    for module, names in {
        "tree._tree": ["Tree"],
        "linear_model._sgd_loop": ["SGDState"],
        "ensemble._hist_grower": ["Binner", "Tree"],
        "neighbors._kd_tree": ["KDTree"],
        "preprocessing._splines": ["BSplineBasis"],
        "ensemble._iforest": ["IsolationTree"],
        "manifold._isomap": ["_CenteredKernelPCA"],
        "neural_network._labels": ["_Binarizer"],
        "neural_network._optimizers": ["AdamOptimizer", "SGDOptimizer"],
        "ensemble._losses": [
            "AbsoluteError",
            "BinomialLogLoss",
            "Huber",
            "MultinomialLogLoss",
            "SquaredError",
        ],
    }.items()
    for name in names
}


# homeml.learn's public functions that estimators take as parameters (the score functions of the
# univariate feature selectors): stored by name, resolved only from this table on load
_FUNCTIONS = {
    "feature_selection": [
        "chi2",
        "f_classif",
        "f_regression",
        "r_regression",
        "mutual_info_classif",
        "mutual_info_regression",
    ],
}


def _function(name):
    import importlib

    for module, names in _FUNCTIONS.items():
        if name in names:
            return getattr(importlib.import_module(f"homeml.learn.{module}"), name)
    return None


def _function_name(value):
    name = getattr(value, "__name__", None)
    if isinstance(name, str) and _function(name) is value:
        return name
    return None


def _search_scorer(search):
    from homeml.learn.model_selection._validation import _scorers

    scorers, multimetric = _scorers(search.estimator, search.scoring)
    return scorers if multimetric else scorers["score"]


# fitted attributes that hold functions, left out of the file and rebuilt on load from the
# (already stored) parameters: a search's scorer_ comes from its ``scoring`` parameter (a
# callable ``scoring`` is itself refused at save)
_REBUILT = {
    "GridSearchCV": {"scorer_": _search_scorer},
    "RandomizedSearchCV": {"scorer_": _search_scorer},
}


def _helper_class(key):
    import importlib

    if key not in _HELPERS:
        return None
    module, _, name = key.rpartition(".")
    return getattr(importlib.import_module(f"homeml.learn.{module}"), name)


def _learn():
    import homeml.learn as learn

    return learn


def _class_name(obj) -> str:
    learn = _learn()
    name = type(obj).__name__
    if name not in learn.__all__ or getattr(learn, name) is not type(obj):
        raise TypeError(
            f"cannot save {type(obj).__module__}.{type(obj).__qualname__}: only homeml.learn's "
            "public estimators can be rebuilt without running code from the file"
        )
    return name


def _is_estimator(value) -> bool:
    from homeml.learn.base import BaseEstimator

    return isinstance(value, BaseEstimator)


class _Encoder(TreeEncoder):
    """The shared tree codec, extended with estimators and the values they hold."""

    def __init__(self):
        super().__init__(extend=self._extend, markers=_MARKERS)

    def estimator(self, est, where: str) -> dict:
        from homeml.learn.validation import check_is_fitted

        name = _class_name(est)
        check_is_fitted(est)  # NotFittedError for an estimator that was never fitted
        param_names = set(est._get_param_names())
        params = {p: self.encode(getattr(est, p), f"{where}.{p}") for p in sorted(param_names)}
        skipped = param_names | set(_REBUILT.get(name, ()))
        state = {
            k: self.encode(v, f"{where}.{k}")
            for k, v in sorted(vars(est).items())
            if k not in skipped
        }
        return {"class": name, "params": params, "state": state}

    def _extend(self, value, where: str):
        if _is_estimator(value):
            if not _has_state(value):  # an unfitted template (a param, e.g. a base estimator)
                return {
                    "__estimator__": {
                        "class": _class_name(value),
                        "params": {
                            p: self.encode(getattr(value, p), f"{where}.{p}")
                            for p in sorted(value._get_param_names())
                        },
                        "state": {},
                    }
                }
            return {"__estimator__": self.estimator(value, where)}
        if type(value) is np.ndarray:  # (a subclass such as a masked array would lose its mask)
            return self.array(value, where)
        if type(value) is np.ma.MaskedArray:  # GridSearchCV.cv_results_["param_..."]
            data, mask = np.asarray(value.data), np.ma.getmaskarray(value)
            return {"__masked__": self.array(data, where), "mask": self.array(mask, where)}
        if _is_dtype_like(value):
            kind = "dtype" if isinstance(value, np.dtype) else "type"
            if not isinstance(value, np.dtype) and value in (float, int, bool):
                # (np.dtype("float64") == float: a dtype instance must stay a dtype)
                kind = value.__name__
            return {"__dtype__": np.dtype(value).str, "as": kind}
        if isinstance(value, np.floating):  # keeps its type: np.float32(0.5) stays one
            return {"__scalar__": value.dtype.str, "value": repr(float(value))}
        if isinstance(value, slice):
            return {
                "__slice__": [self.encode(v, where) for v in (value.start, value.stop, value.step)]
            }
        helper = f"{type(value).__module__.removeprefix('homeml.learn.')}.{type(value).__name__}"
        if _helper_class(helper) is type(value) and not hasattr(type(value), "__slots__"):
            state = {k: self.encode(v, f"{where}.{k}") for k, v in sorted(vars(value).items())}
            return {"__object__": helper, "state": state}
        if isinstance(value, np.random.RandomState):
            return {"__random_state__": self.encode(value.get_state(legacy=True), where)}
        if callable(value) and _function_name(value) is not None:
            return {"__function__": _function_name(value)}
        return None  # containers, numbers, strings: the shared codec

    def array(self, array: np.ndarray, where: str):
        if dtype_code(array.dtype) is not None:
            # keep the memory layout (a Fortran-ordered or transposed array stays so): matmul
            # results depend on it in the last bits. Stored C-ordered in stride order.
            order = [int(i) for i in np.argsort([-s for s in array.strides], kind="stable")]
            if order == sorted(order):
                return {"__array__": self.add_array(array, where)}
            key = self.add_array(np.ascontiguousarray(array.transpose(order)), where)
            return {"__array__": key, "axes": [int(i) for i in np.argsort(order)]}
        if array.dtype.kind in "OUS":  # labels, category names: a JSON list with its dtype
            items = [self.encode(v, f"{where}[...]") for v in array.ravel().tolist()]
            return {"__list_array__": items, "dtype": array.dtype.str, "shape": list(array.shape)}
        raise TypeError(f"cannot save {where}: arrays of dtype {array.dtype} are not supported")


def _is_dtype_like(value) -> bool:
    return isinstance(value, np.dtype) or (
        isinstance(value, type) and issubclass(value, (np.generic, float, int, bool))
    )


def _has_state(est) -> bool:
    names = set(est._get_param_names())
    return any(k not in names for k in vars(est))


def _marked(value, decoder):
    return decoder._marked(value)


class _Decoder(TreeDecoder):
    """The shared tree decoder, extended with this codec's markers."""

    def __init__(self, arrays, budget: int):
        markers = ("__estimator__", "__array__", "__list_array__", "__masked__", "__dtype__")
        markers += ("__scalar__", "__slice__", "__object__", "__random_state__", "__function__")
        super().__init__(arrays, extensions=dict.fromkeys(markers, _marked))
        self.budget = budget  # bytes that string/object arrays may take: bounded by the file

    def estimator(self, spec) -> object:
        learn = _learn()
        if not isinstance(spec, dict):
            raise ModelFileError(f"an estimator must be stored as an object, got {spec!r:.100}")
        name = spec.get("class")
        cls = getattr(learn, name, None) if isinstance(name, str) else None
        if name not in learn.__all__ or not (isinstance(cls, type) and _is_estimator_cls(cls)):
            raise ModelFileError(
                f"the file names an unknown class {name!r}, which is not a homeml.learn estimator"
            )
        params, state = spec.get("params", {}), spec.get("state", {})
        if not (isinstance(params, dict) and isinstance(state, dict)):
            raise ModelFileError(f"the params and state of {name} must be JSON objects")
        try:
            est = cls(**{k: self.value(v) for k, v in params.items()})
        except (TypeError, ValueError) as error:
            raise ModelFileError(f"the file's params do not build {name}: {error}") from None
        for key, value in _checked_state(state, name).items():
            if any(key in vars(klass) for klass in cls.__mro__):  # data must not shadow a method
                raise ModelFileError(f"the file sets {name}.{key}, which is a class attribute")
            try:
                setattr(est, key, self.value(value))
            except AttributeError as error:  # a read-only property
                raise ModelFileError(f"the file sets {name}.{key}: {error}") from None
        try:
            for key, rebuild in _REBUILT.get(name, {}).items():
                if _has_state(est):
                    setattr(est, key, rebuild(est))
        except (TypeError, ValueError) as error:
            raise ModelFileError(f"the file's params do not rebuild {name}: {error}") from None
        return est

    def value(self, value):
        return self.decode(value)

    def _marked(self, value):
        try:
            if "__estimator__" in value:
                return self.estimator(value["__estimator__"])
            if "__array__" in value:
                array = self.arrays[value["__array__"]]
                return array.transpose(value["axes"]) if "axes" in value else array
            if "__list_array__" in value:
                return self.list_array(value)
            if "__masked__" in value:
                data, mask = self.value(value["__masked__"]), self.value(value["mask"])
                return np.ma.MaskedArray(data, mask=mask)
            if "__dtype__" in value:
                builtins = {"float": float, "int": int, "bool": bool}
                dtype = np.dtype(value["__dtype__"])
                kind = value.get("as")
                return builtins.get(kind) or (dtype if kind == "dtype" else dtype.type)
            if "__scalar__" in value:
                dtype = np.dtype(value["__scalar__"])
                if dtype.kind != "f":
                    raise ModelFileError(f"a stored scalar has dtype {dtype}, not a float")
                return dtype.type(float(value["value"]))
            if "__slice__" in value:
                return slice(*(self.value(v) for v in as_list(value["__slice__"])))
            if "__object__" in value:
                cls = _helper_class(value["__object__"])
                if cls is None:
                    raise ModelFileError(f"the file names an unknown class {value['__object__']!r}")
                obj = object.__new__(cls)
                state = _checked_state(value["state"], value["__object__"])
                obj.__dict__.update({k: self.value(v) for k, v in state.items()})
                return obj
            if "__function__" in value:
                function = _function(value["__function__"])
                if function is None:
                    raise ModelFileError(
                        f"the file names an unknown function {value['__function__']!r:.100}"
                    )
                return function
            rng = np.random.RandomState()  # "__random_state__"
            rng.set_state(self.value(value["__random_state__"]))
            return rng
        except ModelFileError:
            raise
        except (KeyError, TypeError, ValueError) as error:
            raise ModelFileError(f"a stored value is damaged: {value!r:.100} ({error})") from None

    def list_array(self, value):
        items = [self.value(v) for v in value["__list_array__"]]
        dtype, shape = np.dtype(str(value["dtype"])), value["shape"]
        if dtype.kind not in "OUS":
            raise ModelFileError(f"a stored label array has dtype {dtype}, not strings or objects")
        if not (isinstance(shape, list) and all(type(d) is int and d >= 0 for d in shape)):
            raise ModelFileError(f"a stored label array has shape {shape!r:.100}")
        if math.prod(shape) != len(items) or dtype.itemsize * len(items) > self.budget:
            raise ModelFileError(
                f"a stored label array declares shape {shape} of {dtype} for {len(items)} items "
                "(more than the file holds)"
            )
        out = np.empty(len(items), dtype=dtype)
        out[:] = items
        return out.reshape(shape)


def _checked_state(state, owner) -> dict:
    """Attribute names from a file must be plain attributes, never dunders like __class__."""
    if not isinstance(state, dict):
        raise ModelFileError(f"the state of {owner} must be a JSON object")
    for key in state:
        if not key.isidentifier() or key.startswith("__"):
            raise ModelFileError(f"the file sets an invalid attribute {key!r} on {owner}")
    return state


def _is_estimator_cls(cls) -> bool:
    """A concrete estimator: the bare base class and abstract families are not."""
    import inspect

    from homeml.learn.base import BaseEstimator

    return (
        issubclass(cls, BaseEstimator) and cls is not BaseEstimator and not inspect.isabstract(cls)
    )


def accepts(obj) -> bool:
    return _is_estimator(obj)


def encode(estimator) -> tuple[dict, dict]:
    """Arrays and JSON of a fitted homeml.learn estimator or pipeline (see the module docstring)."""
    encoder = _Encoder()
    spec = encoder.estimator(estimator, type(estimator).__name__)
    return encoder.arrays, {"estimator": spec}


def decode(path, arrays, info):
    """Rebuild the estimator of a file already read and verified by :func:`homeml.io.read`."""
    spec = info.get("estimator")
    # string arrays are rebuilt from the JSON: a few bytes per character stored, never more
    budget = 4 * len(json.dumps(spec)) + (1 << 20)
    try:
        return _Decoder(arrays, budget).estimator(spec)
    except ModelFileError as error:
        raise ModelFileError(f"{path}: {error}") from None
