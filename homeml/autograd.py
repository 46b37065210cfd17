"""Reverse-mode automatic differentiation: grad mode and the backward pass.

Operations (``homeml.tensor.Function``) record graph nodes while grad mode is on.
:func:`run_backward` walks those nodes from the output in topological order (iteratively, so graph
depth is unlimited), accumulates gradients, and reduces broadcast gradients back to each input's
shape in one place (:func:`unbroadcast`).
"""

from __future__ import annotations

import functools
import threading
import weakref
from collections.abc import Callable
from typing import Any, TypeVar, cast

import numpy as np

_F = TypeVar("_F", bound=Callable[..., Any])


# --------------------------------------------------------------------------- grad mode
class _GradMode(threading.local):
    enabled = True  # class attribute: the default seen by every new thread


_grad_mode = _GradMode()


def is_grad_enabled() -> bool:
    """Return whether operations currently record the graph for ``backward``."""
    return _grad_mode.enabled


class set_grad_enabled:
    """Context manager (and decorator) that turns graph recording on or off in this thread."""

    def __init__(self, mode: bool):
        self.mode = bool(mode)
        self.previous = _grad_mode.enabled
        _grad_mode.enabled = self.mode

    def __enter__(self) -> set_grad_enabled:
        return self

    def __exit__(self, *exc: object) -> None:
        _grad_mode.enabled = self.previous

    def __call__(self, fn: _F) -> _F:
        mode = self.mode
        _grad_mode.enabled = self.previous  # used as a decorator: construction must not leak

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with set_grad_enabled(mode):
                return fn(*args, **kwargs)

        return cast(_F, wrapper)


class _GradSwitch:
    mode = True

    def __new__(cls, fn=None):
        switch = super().__new__(cls)
        # ``@no_grad`` without parentheses hands the function to the constructor, as in PyTorch
        return switch if fn is None else switch(fn)

    def __enter__(self) -> _GradSwitch:
        self.previous = _grad_mode.enabled
        _grad_mode.enabled = self.mode
        return self

    def __exit__(self, *exc: object) -> None:
        _grad_mode.enabled = self.previous

    def __call__(self, fn: _F) -> _F:
        mode = self.mode

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with set_grad_enabled(mode):
                return fn(*args, **kwargs)

        return cast(_F, wrapper)


class no_grad(_GradSwitch):
    """Context manager (and decorator) under which operations build no graph.

    Examples
    --------
    >>> with homeml.no_grad():
    ...     y = model(x)   # y.requires_grad is False
    """

    mode = False


class enable_grad(_GradSwitch):
    """Context manager (and decorator) that re-enables graph recording inside ``no_grad``."""

    mode = True


class inference_mode(_GradSwitch):
    """Like :class:`no_grad` (homeml has no separate inference tensors); ``inference_mode(False)``
    leaves grad mode as it is, as in PyTorch.
    """

    mode = False

    def __new__(cls, mode=True):
        if callable(mode):  # ``@inference_mode`` without parentheses
            return super().__new__(cls, mode)
        switch = super().__new__(cls)
        switch.mode = False if mode else None
        return switch

    def __init__(self, mode: bool = True):
        pass

    def __enter__(self) -> inference_mode:
        self.previous = _grad_mode.enabled
        if self.mode is not None:
            _grad_mode.enabled = self.mode
        return self

    def __call__(self, fn: _F) -> _F:
        if self.mode is None:
            return fn
        return super().__call__(fn)


# --------------------------------------------------------------------------- version counters
class _Versions:
    """When each storage was last changed in place, counted in in-place changes (``epoch``).

    A node remembers the epoch at which it was recorded; before its backward runs, the arrays it
    saved are checked only if some in-place change happened since, so the common case costs one
    integer comparison. Storages enter the table only when changed in place.
    """

    def __init__(self):
        self.epoch = 0
        self.changed = {}  # id(storage) -> [weak reference to the storage, epoch of last change]


versions = _Versions()


def storage_of(array):
    """The array that owns the memory ``array`` views (itself when it owns it)."""
    while isinstance(array.base, np.ndarray):
        array = array.base
    return array


def bump_version(array) -> None:
    """Record that the memory of ``array`` (and of every view of it) was changed in place."""
    root = storage_of(array)
    versions.epoch += 1
    key = id(root)
    entry = versions.changed.get(key)
    if entry is not None and entry[0]() is root:
        entry[1] = versions.epoch
    else:
        versions.changed[key] = [weakref.ref(root, functools.partial(_forget, key)), versions.epoch]


def _forget(key, ref):
    entry = versions.changed.get(key)
    if entry is not None and entry[0] is ref:
        del versions.changed[key]


_MODIFIED = (
    "one of the variables needed for gradient computation has been modified by an inplace "
    "operation: an array of shape {shape} saved by {node} was changed after it was saved. "
    "Hint: use the out-of-place operation (x = x + y instead of x += y), or clone() the tensor "
    "before changing it."
)


def check_saved(node) -> None:
    """Raise PyTorch's error if an array ``node`` saved for backward was changed in place since."""
    needs = getattr(node, "needs_input_grad", None)
    saved_for = type(node)._saved_for
    for name, value in node.__dict__.items():
        owner = saved_for.get(name)
        if owner is not None and needs is not None and not needs[owner]:
            continue  # saved only for an input that needs no gradient
        for array in value if type(value) in (tuple, list) else (value,):
            if isinstance(array, np.ndarray):
                root = storage_of(array)
                entry = versions.changed.get(id(root))
                if entry is not None and entry[1] > node.epoch and entry[0]() is root:
                    raise RuntimeError(_MODIFIED.format(shape=array.shape, node=node))


# --------------------------------------------------------------------------- backward pass
def unbroadcast(grad, shape):
    """Sum ``grad`` over the axes along which an input of ``shape`` was broadcast."""
    if grad.shape == shape:
        return grad
    extra = grad.ndim - len(shape)
    if extra > 0:
        grad = grad.sum(axis=tuple(range(extra)))
    axes = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    if axes:
        grad = grad.sum(axis=axes, keepdims=True)
    return np.reshape(grad, shape)


_FREED = (
    "Trying to backward through the graph a second time (or to use its saved values after they "
    "were freed). Pass retain_graph=True to the first backward() call if you need to call it again."
)


def run_backward(root, grad, retain_graph=False, sink=None):
    """Propagate ``grad`` (an array shaped like ``root``) to every leaf that requires grad.

    Each graph edge holds the node that made the input when it was used, so that an in-place
    change of that tensor afterwards does not reroute earlier uses. ``sink(leaf, grad)``, when
    given, receives the leaves' gradients instead of their ``grad`` attributes.
    """
    root_node = root._ctx
    if root_node is None:  # a leaf: its gradient is the given one
        if sink is None:
            root._accumulate_grad(grad)
        else:
            sink(root, grad)
        return
    # Pass 1: count, for every node, how many graph edges lead into it from above.
    pending = {root_node: 0}
    stack = [root_node]
    while stack:
        node = stack.pop()
        if node.edges is None:
            raise RuntimeError(_FREED)
        for _, _, child in node.edges:
            if child is not None:
                count = pending.get(child)
                if count is None:
                    pending[child] = 1
                    stack.append(child)
                else:
                    pending[child] = count + 1
    # Pass 2: a node runs once all gradients flowing into it have arrived.
    grads = {root_node: grad}
    ready = [root_node]
    while ready:
        node = ready.pop()
        node_grad = grads.pop(node, None)
        edges = node.edges
        input_grads = None
        if node_grad is not None:
            if node.epoch < versions.epoch:  # something changed in place since it was recorded
                check_saved(node)
            if node.retained is not None:
                node.retained._accumulate_grad(node_grad)
            input_grads = node.backward(node_grad)
            if type(input_grads) is not tuple:
                input_grads = (input_grads,)
        if not retain_graph:
            node.edges = None
            node.__dict__.clear()  # free saved arrays as soon as they are used
        for i, parent, child in edges:
            g = None if input_grads is None else input_grads[i]
            if g is not None:
                data = parent._data
                if g.shape != data.shape:
                    g = unbroadcast(g, data.shape)
                if g.dtype != data.dtype:
                    g = g.astype(data.dtype)
                if child is None:
                    if sink is None:
                        parent._accumulate_grad(g)
                    else:
                        sink(parent, g)
                else:
                    previous = grads.get(child)
                    grads[child] = g if previous is None else previous + g
            if child is not None:
                count = pending[child] - 1
                pending[child] = count
                if count == 0:
                    ready.append(child)


def __getattr__(name):
    # PyTorch's tensor-level API lives in autograd_function.py (it needs Tensor, which needs us)
    if name in ("Function", "FunctionCtx", "grad"):
        from homeml import autograd_function

        return getattr(autograd_function, name)
    raise AttributeError(f"module 'homeml.autograd' has no attribute {name!r}")
