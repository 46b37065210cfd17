"""Reverse-mode automatic differentiation: grad mode and the backward pass.

Operations (``homeml.tensor.Function``) record graph nodes while grad mode is on.
:func:`run_backward` walks those nodes from the output in topological order (iteratively, so graph
depth is unlimited), accumulates gradients, and reduces broadcast gradients back to each input's
shape in one place (:func:`unbroadcast`).
"""

from __future__ import annotations

import functools
import threading

import numpy as np


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

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        _grad_mode.enabled = self.previous

    def __call__(self, fn):
        mode = self.mode
        _grad_mode.enabled = self.previous  # used as a decorator: construction must not leak

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with set_grad_enabled(mode):
                return fn(*args, **kwargs)

        return wrapper


class _GradSwitch:
    mode = True

    def __new__(cls, fn=None):
        switch = super().__new__(cls)
        # ``@no_grad`` without parentheses hands the function to the constructor, as in PyTorch
        return switch if fn is None else switch(fn)

    def __enter__(self):
        self.previous = _grad_mode.enabled
        _grad_mode.enabled = self.mode
        return self

    def __exit__(self, *exc):
        _grad_mode.enabled = self.previous

    def __call__(self, fn):
        mode = self.mode

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with set_grad_enabled(mode):
                return fn(*args, **kwargs)

        return wrapper


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


def run_backward(root, grad, retain_graph=False):
    """Propagate ``grad`` (an array shaped like ``root``) to every leaf that requires grad."""
    root_node = root._ctx
    if root_node is None:  # a leaf: its gradient is the given one
        root._accumulate_grad(grad)
        return
    # Pass 1: count, for every node, how many graph edges lead into it from above.
    pending = {root_node: 0}
    stack = [root_node]
    while stack:
        node = stack.pop()
        if node.edges is None:
            raise RuntimeError(_FREED)
        for _, parent in node.edges:
            child = parent._ctx
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
            if node.retained is not None:
                node.retained._accumulate_grad(node_grad)
            input_grads = node.backward(node_grad)
            if type(input_grads) is not tuple:
                input_grads = (input_grads,)
        if not retain_graph:
            node.edges = None
            node.__dict__.clear()  # free saved arrays as soon as they are used
        for i, parent in edges:
            child = parent._ctx
            g = None if input_grads is None else input_grads[i]
            if g is not None:
                data = parent._data
                if g.shape != data.shape:
                    g = unbroadcast(g, data.shape)
                if g.dtype != data.dtype:
                    g = g.astype(data.dtype)
                if child is None:
                    parent._accumulate_grad(g)
                else:
                    previous = grads.get(child)
                    grads[child] = g if previous is None else previous + g
            if child is not None:
                count = pending[child] - 1
                pending[child] = count
                if count == 0:
                    ready.append(child)
