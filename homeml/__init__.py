"""homeml: a homemade machine-learning stack on NumPy, shaped like PyTorch and scikit-learn.

``import homeml as hm`` gives the tensor engine: ``hm.tensor``, ``hm.Tensor``, ``hm.no_grad``,
factories, and the differentiable operations as functions (``hm.exp``, ``hm.cat``, ...), with
the subpackages ``hm.nn``, ``hm.optim``, ``hm.data`` as attributes, like ``torch``.

Everything here loads on first use: ``import homeml`` alone imports no other homeml module, so
``import homeml.learn`` or ``import homeml.rl`` does not pay for the neural-network toolkit. A
name, once looked up, is kept in this module's namespace, so ``hm.tensor`` in a loop costs a
dictionary lookup.
"""

import sys as _sys
import types as _types
import typing as _typing
from importlib import import_module as _import_module

__version__ = "0.1.0"

# module -> the public names this package re-exports from it (the one table: ``__getattr__``,
# ``__dir__`` and ``__all__`` are drawn from it, and a test checks the TYPE_CHECKING imports
# below list the same names)
_EXPORTS: dict[str, tuple[str, ...]] = {
    "homeml.autograd": (
        "enable_grad",
        "inference_mode",
        "is_grad_enabled",
        "no_grad",
        "set_grad_enabled",
    ),
    "homeml.device": ("device",),
    "homeml.dtypes": (
        "bfloat16",
        "bool",
        "double",
        "float",
        "float16",
        "float32",
        "float64",
        "half",
        "int8",
        "int16",
        "int32",
        "int64",
        "long",
        "uint8",
    ),
    "homeml.tensor": ("Function", "Tensor"),
    "homeml.creation": (
        "Generator",
        "arange",
        "as_tensor",
        "empty",
        "eye",
        "from_numpy",
        "full",
        "full_like",
        "linspace",
        "manual_seed",
        "ones",
        "ones_like",
        "rand",
        "rand_like",
        "randint",
        "randn",
        "randn_like",
        "randperm",
        "tensor",
        "zeros",
        "zeros_like",
    ),
    "homeml.ops.elementwise": (
        "abs",
        "add",
        "clamp",
        "clip",
        "cos",
        "div",
        "exp",
        "gelu",
        "leaky_relu",
        "log",
        "masked_fill",
        "maximum",
        "minimum",
        "mul",
        "neg",
        "pow",
        "relu",
        "sigmoid",
        "sin",
        "softplus",
        "sqrt",
        "sub",
        "tanh",
        "where",
    ),
    "homeml.io": ("load", "save"),
    "homeml.ops.linalg": ("addmm", "bmm", "matmul", "mm"),
    "homeml.ops.logical": ("allclose",),
    "homeml.ops.movement": (
        "cat",
        "chunk",
        "concat",
        "concatenate",
        "expand",
        "flatten",
        "flip",
        "gather",
        "index_select",
        "pad",
        "permute",
        "repeat",
        "reshape",
        "roll",
        "split",
        "squeeze",
        "stack",
        "transpose",
        "tril",
        "triu",
        "unsqueeze",
    ),
    "homeml.ops.reduce": (
        "amax",
        "amin",
        "argmax",
        "argmin",
        "log_softmax",
        "logsumexp",
        "max",
        "mean",
        "min",
        "softmax",
        "std",
        "sum",
        "var",
    ),
    "homeml.amp": ("autocast",),
    "homeml.ops.sorting": ("argsort", "cumsum", "sort", "topk"),
    "homeml.ops.sampling": ("multinomial",),
    "homeml.ops.einsum": ("einsum",),
}
_MODULE_OF: dict[str, str] = {name: module for module, names in _EXPORTS.items() for name in names}

# subpackages reachable as attributes, like torch.nn and torch.optim after ``import torch``
_SUBPACKAGES = (
    "accelerator",
    "amp",
    "autograd",
    "backends",
    "cuda",
    "data",
    "linalg",
    "nn",
    "optim",
    "utils",
)
# modules that ``import homeml`` used to leave as attributes; still reachable, not advertised
_SUBMODULES = frozenset({*_SUBPACKAGES, "creation", "dtypes", "inplace", "io", "ops"})

# names that would shadow Python's builtins under ``from homeml import *``: reachable as
# ``hm.max``, ``hm.float``, ... but left out of ``__all__``
_BUILTIN_SHADOWS = frozenset({"abs", "bool", "compile", "float", "max", "min", "pow", "sum"})

__all__ = sorted(({*_MODULE_OF, "compile"} - _BUILTIN_SHADOWS) | set(_SUBPACKAGES))

# what type checkers and IDEs see; at run time ``__getattr__`` loads these
if _typing.TYPE_CHECKING:
    from homeml import (
        accelerator,
        amp,
        autograd,
        backends,
        creation,
        cuda,
        data,
        dtypes,
        inplace,
        io,
        linalg,
        nn,
        ops,
        optim,
        utils,
    )
    from homeml.amp import autocast
    from homeml.autograd import (
        enable_grad,
        inference_mode,
        is_grad_enabled,
        no_grad,
        set_grad_enabled,
    )
    from homeml.creation import (
        Generator,
        arange,
        as_tensor,
        empty,
        eye,
        from_numpy,
        full,
        full_like,
        linspace,
        manual_seed,
        ones,
        ones_like,
        rand,
        rand_like,
        randint,
        randn,
        randn_like,
        randperm,
        tensor,
        zeros,
        zeros_like,
    )
    from homeml.device import device
    from homeml.dtypes import (
        bfloat16,
        bool,
        double,
        float,
        float16,
        float32,
        float64,
        half,
        int8,
        int16,
        int32,
        int64,
        long,
        uint8,
    )
    from homeml.io import load, save
    from homeml.ops.elementwise import (
        abs,
        add,
        clamp,
        clip,
        cos,
        div,
        exp,
        gelu,
        leaky_relu,
        log,
        masked_fill,
        maximum,
        minimum,
        mul,
        neg,
        pow,
        relu,
        sigmoid,
        sin,
        softplus,
        sqrt,
        sub,
        tanh,
        where,
    )
    from homeml.ops.linalg import addmm, bmm, matmul, mm
    from homeml.ops.logical import allclose
    from homeml.ops.movement import (
        cat,
        chunk,
        concat,
        concatenate,
        expand,
        flatten,
        flip,
        gather,
        index_select,
        pad,
        permute,
        repeat,
        reshape,
        roll,
        split,
        squeeze,
        stack,
        transpose,
        tril,
        triu,
        unsqueeze,
    )
    from homeml.ops.reduce import (
        amax,
        amin,
        argmax,
        argmin,
        log_softmax,
        logsumexp,
        max,
        mean,
        min,
        softmax,
        std,
        sum,
        var,
    )
    from homeml.ops.einsum import einsum
    from homeml.ops.sampling import multinomial
    from homeml.ops.sorting import argsort, cumsum, sort, topk
    from homeml.tensor import Function, Tensor


def compile(  # noqa: A001 - PyTorch's name
    model: _typing.Any = None, **options: _typing.Any
) -> _typing.Any:
    """Return the model unchanged, as ``torch.compile`` would after compiling it.

    homeml has no compiler. Also usable as ``@homeml.compile`` and ``@homeml.compile(...)``.

    Parameters
    ----------
    model : callable, optional
        The module or function to "compile".
    **options
        ``torch.compile``'s options (``mode``, ``fullgraph``, ``backend``, ...), ignored.

    Returns
    -------
    callable
        ``model`` itself, or a decorator returning its argument when ``model`` is None.
    """
    if model is None:
        return lambda fn: fn
    return model


def __getattr__(name: str) -> _typing.Any:
    """Load a public name or subpackage on first use and keep it in the module's namespace."""
    module = _MODULE_OF.get(name)
    if module is not None:
        value = getattr(_import_module(module), name)
    elif name in _SUBMODULES:
        value = _import_module(f"{__name__}.{name}")
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    """List the loaded and the loadable names, as ``dir(homeml)`` after an eager import would."""
    return sorted(set(globals()) | set(_MODULE_OF) | _SUBMODULES)


class _Package(_types.ModuleType):
    """Module type of this package: keeps ``hm.tensor`` and ``hm.device`` the callables.

    Importing a submodule sets it as an attribute of its package, and two submodules share
    their name with a public callable (``homeml.tensor`` defines ``Tensor`` while
    ``hm.tensor`` is the factory; ``homeml.device`` defines the ``device`` class). Loaded on
    demand, they would overwrite the callables, so those two attributes refuse modules.
    """

    def __setattr__(self, name: str, value: _typing.Any) -> None:
        if isinstance(value, _types.ModuleType) and name in _MODULE_OF:
            return
        super().__setattr__(name, value)


_sys.modules[__name__].__class__ = _Package
