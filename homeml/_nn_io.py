"""The network codec: a homeml.nn model stored as its constructor call plus its state_dict.

An architecture is ``{"class": "nn.Linear", "args": [...], "kwargs": {...}}``, its values in the
shared tree codec plus three markers (nested modules, dtypes, ordered dicts). The class is a key
of :func:`public_classes`, built from the public names of :mod:`homeml.nn` and
:mod:`homeml.models`: nothing is imported by a name read from a file, and private or abstract
classes (``Module`` itself, ``_ConvNd``, ``_Loss``) cannot be named. On load the model is built
without initialisation (:func:`homeml.nn.init.skip_init`), its parameter names, shapes and dtypes
are compared with the file's tensors, and only then are the stored values copied in, so a file
declaring a huge layer it does not hold costs no memory.
"""

from __future__ import annotations

import dataclasses
import inspect
from collections import OrderedDict

import numpy as np

from homeml._storage import ModelFileError, TreeDecoder, TreeEncoder, as_list

KIND = "nn.Module"
_PACKAGES = ("nn", "models")
# on top of the shared tree codec's
_MARKERS = {"__module__", "__dtype__", "__ordered__", "__parameter__", "__config__"}


def public_configs() -> dict[str, type]:
    """``{"models.GPTConfig": GPTConfig, ...}``: the config dataclasses a file may name, the
    fixed table ``homeml.models.CONFIGS`` (never a class looked up by a name from the file).
    """
    import importlib

    # by module name, as public_classes: the toolkit does not depend on the models floor
    configs = getattr(importlib.import_module("homeml.models"), "CONFIGS", {})
    return {f"models.{name}": cls for name, cls in configs.items()}


def public_classes() -> dict[str, type]:
    """``{"nn.Linear": Linear, "models.CNN": CNN, ...}``: the classes a file may name."""
    import importlib

    from homeml.nn.module import Module

    registry = {}
    for package_name in _PACKAGES:
        package = importlib.import_module(f"homeml.{package_name}")
        names = getattr(package, "__all__", None) or sorted(vars(package))
        for name in names:
            cls = getattr(package, name, None)
            if (
                not name.startswith("_")
                and isinstance(cls, type)
                and issubclass(cls, Module)
                and cls is not Module
                and not cls.__name__.startswith("_")
                and not inspect.isabstract(cls)
            ):
                registry[f"{package_name}.{name}"] = cls
    return registry


def accepts(obj) -> bool:
    from homeml.nn.module import Module

    return isinstance(obj, Module)


def describe(module, names=None) -> dict:
    """The constructor call that rebuilds ``module``: public class name, args and kwargs."""
    from homeml.nn.module import Module, Parameter

    if names is None:
        names = {cls: name for name, cls in reversed(public_classes().items())}
    cls = type(module)
    if cls not in names:
        raise TypeError(
            f"cannot save the architecture of {cls.__module__}.{cls.__qualname__}: only the "
            "public classes of homeml.nn and homeml.models can be rebuilt without running code "
            "from the file. Save its weights instead: homeml.save(model.state_dict(), path) "
            "(or homeml.io.save_state_dict)."
        )
    args, kwargs = getattr(module, "_init_args", ((), {}))

    def extend(value, where):
        if isinstance(value, Module):
            return {"__module__": describe(value, names)}
        if isinstance(value, Parameter):  # ParameterList([...]): its values are in the state
            spec = {"shape": list(value.shape), "dtype": value.dtype.name}
            return {"__parameter__": {**spec, "requires_grad": value.requires_grad}}
        if isinstance(value, OrderedDict):  # Sequential(OrderedDict(...)), Sequential slices
            return {
                "__ordered__": [[encoder.encode(k), encoder.encode(v)] for k, v in value.items()]
            }
        if isinstance(value, np.dtype) or (
            isinstance(value, type) and issubclass(value, np.generic)
        ):
            return {"__dtype__": np.dtype(value).name}
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            config_names = {cls: name for name, cls in public_configs().items()}
            if type(value) not in config_names:
                raise TypeError(
                    f"cannot save constructor argument {where} of {cls.__name__}: "
                    f"{type(value).__qualname__} is not one of the config dataclasses of "
                    "homeml.models"
                )
            fields = {
                f.name: encoder.encode(getattr(value, f.name), f"{where}.{f.name}")
                for f in dataclasses.fields(value)
            }
            return {"__config__": {"class": config_names[type(value)], "fields": fields}}
        if isinstance(value, np.ndarray):  # values belong in the state_dict, not the call
            raise TypeError(f"cannot save constructor argument {where} of {cls.__name__}: an array")
        return None

    encoder = TreeEncoder(extend=extend, markers=_MARKERS)
    where = cls.__name__
    return {
        "class": names[cls],
        "args": [encoder.encode(v, f"{where} argument {i}") for i, v in enumerate(args)],
        "kwargs": {name: encoder.encode(v, f"{where}({name}=)") for name, v in kwargs.items()},
    }


def build(spec, registry=None, made=None):
    """Rebuild a module from :func:`describe`'s output (values left uninitialised when called
    inside :func:`homeml.nn.init.skip_init`). Parameters given as constructor arguments are made
    empty, to be filled from the state_dict, and appended to ``made``.
    """
    from homeml.nn.module import Parameter

    registry = public_classes() if registry is None else registry
    made = [] if made is None else made
    name = spec.get("class") if isinstance(spec, dict) else None
    cls = registry.get(name) if isinstance(name, str) else None
    if cls is None:
        raise ModelFileError(
            f"the file names class {name!r:.100}, which is not a public class of homeml.nn or "
            "homeml.models"
        )

    def module(value, decoder):
        return build(value["__module__"], registry, made)

    def parameter(value, decoder):
        spec = value["__parameter__"]
        shape = spec.get("shape") if isinstance(spec, dict) else None
        dtype = np.dtype(str(spec.get("dtype"))) if isinstance(spec, dict) else None
        if (
            not isinstance(shape, list)
            or not all(isinstance(n, int) and 0 <= n < 2**40 for n in shape)
            or dtype is None
            or dtype.kind != "f"
        ):
            raise ModelFileError(f"the file gives {name} a parameter {spec!r:.100}")
        try:
            param = Parameter(np.empty(shape, dtype=dtype), bool(spec.get("requires_grad", True)))
        except (MemoryError, ValueError):
            raise ModelFileError(f"the file gives {name} a parameter of shape {shape}") from None
        made.append(param)
        return param

    def dtype(value, decoder):
        dtype = np.dtype(str(value["__dtype__"]))
        if dtype.kind not in "biuf":
            raise ModelFileError(f"the file gives {name} a dtype {dtype}")
        return dtype

    def ordered(value, decoder):
        pairs = as_list(value["__ordered__"])
        if not all(isinstance(p, list) and len(p) == 2 for p in pairs):
            raise ModelFileError(f"expected [key, value] pairs in the architecture: {pairs!r:.100}")
        return OrderedDict((decoder.decode(k), decoder.decode(v)) for k, v in pairs)

    def config(value, decoder):
        spec = value["__config__"]
        found = spec.get("class") if isinstance(spec, dict) else None
        config_cls = public_configs().get(found) if isinstance(found, str) else None
        fields = spec.get("fields") if isinstance(spec, dict) else None
        if config_cls is None or not isinstance(fields, dict):
            raise ModelFileError(
                f"the file gives {name} a config {found!r:.100}, which is not one of "
                f"{sorted(public_configs())}"
            )
        known = {f.name for f in dataclasses.fields(config_cls)}
        if not fields.keys() <= known:
            raise ModelFileError(
                f"the file gives {found} unknown fields {sorted(fields.keys() - known)!r:.100}"
            )
        return config_cls(**{key: decoder.decode(v) for key, v in fields.items()})

    args, kwargs = spec.get("args", []), spec.get("kwargs", {})
    if not (isinstance(args, list) and isinstance(kwargs, dict)):
        raise ModelFileError(
            f"the file's arguments for {name} must be a list and a dict, got "
            f"{type(args).__name__} and {type(kwargs).__name__}"
        )
    extensions = {
        "__module__": module,
        "__dtype__": dtype,
        "__ordered__": ordered,
        "__parameter__": parameter,
        "__config__": config,
    }
    decoder = TreeDecoder({}, extensions=extensions)  # no arrays: "__array__" refers to nothing
    args = decoder.decode(args)
    kwargs = {key: decoder.decode(v) for key, v in kwargs.items()}
    try:
        return cls(*args, **kwargs)
    except MemoryError:
        raise ModelFileError(
            f"the file's arguments for {name} ask for more memory than there is"
        ) from None
    except Exception as error:  # any argument a damaged file could hold
        raise ModelFileError(
            f"the file's arguments for {name} do not build it: {type(error).__name__}: {error}"
        ) from None


def encode(model) -> tuple[dict, dict]:
    """The state_dict's arrays, each shared (tied) tensor once, and the architecture.

    A tensor registered under several names (``lm_head.weight = wte.weight``) is stored under
    its first name; ``"tied"`` maps each further name to that first one.
    """
    arrays: dict = {}
    tied: dict[str, str] = {}
    first: dict[int, str] = {}
    for name, tensor in model.state_dict(keep_vars=True).items():
        if id(tensor) in first:
            tied[name] = first[id(tensor)]
        else:
            first[id(tensor)] = name
            arrays[name] = tensor.numpy()
    info = {"architecture": describe(model)}
    if tied:
        info["tied"] = tied
    return arrays, info


def _tie(model, tied, path):
    """Register, under each tied name, the very Parameter stored under its first name."""
    from homeml.nn.module import Parameter

    if not isinstance(tied, dict):
        raise ModelFileError(f"{path}: 'tied' must map names to names, got {type(tied).__name__}")
    for name, source in tied.items():
        owner_name, _, leaf = str(name).rpartition(".")
        source_owner, _, source_leaf = str(source).rpartition(".")
        try:
            owner = model.get_submodule(owner_name)
            shared = model.get_submodule(source_owner)._parameters.get(source_leaf)
        except AttributeError:
            owner = shared = None
        if (
            owner is None
            or not isinstance(shared, Parameter)
            or not isinstance(owner._parameters.get(leaf), Parameter)
            or owner._parameters[leaf].shape != shared.shape
        ):
            raise ModelFileError(
                f"{path}: the file ties {name!r:.100} to {source!r:.100}, which are not two "
                "parameters of the same shape in the architecture"
            )
        setattr(owner, leaf, shared)


def decode(path, arrays, info):
    """Build the model of a verified file, checking its tensors before copying them in."""
    from homeml.nn.init import skip_init
    from homeml.tensor import Tensor

    made: list = []
    with skip_init():
        model = build(info.get("architecture"), made=made)
    registered = {id(p) for p in model.parameters()}
    if any(id(p) not in registered for p in made):  # its values would come from nowhere
        raise ModelFileError(f"{path}: the architecture has a parameter argument it does not hold")
    tied = info.get("tied") or {}
    _tie(model, tied, path)
    own = {k: v for k, v in model.state_dict().items() if k not in tied}
    problems = [f"missing {key}" for key in own if key not in arrays]
    problems += [f"unexpected {key}" for key in arrays if key not in own]
    for key, target in own.items():
        stored = arrays.get(key)
        if stored is None:
            continue
        if stored.shape != target.shape:
            problems.append(f"{key} has shape {stored.shape}, the architecture {target.shape}")
        elif stored.dtype.kind != target.numpy().dtype.kind:
            problems.append(f"{key} is stored as {stored.dtype}, the model holds {target.dtype}")
    if problems:
        raise ModelFileError(
            f"{path}: the weights do not fit the architecture: {'; '.join(problems[:10])}"
        )
    model.load_state_dict({name: Tensor._make(a) for name, a in arrays.items()}, strict=False)
    return model
