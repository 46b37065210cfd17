"""Module hooks, as ``torch.nn.Module``'s: forward pre-hooks, forward hooks, full backward
pre-hooks and full backward hooks.

:class:`HookMixin` gives :class:`homeml.nn.Module` its ``register_*_hook`` methods and the
``__call__`` that runs them; each registration returns a :class:`RemovableHandle`.

Backward hooks see the gradients with respect to the module's positional tensor inputs and its
output tensors. They work by putting a *junction* on each side of the call: every tensor passes
through an identity operation, and the identities of one side all feed one gather node, so
backward reaches that node once, with all of that side's gradients; the hooks run there, and
what they return replaces the gradients before they flow on.
"""

from __future__ import annotations

import itertools
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import numpy as np

from homeml.tensor import Function, Tensor

__all__ = ["HookMixin", "RemovableHandle"]

_next_id = itertools.count()


class RemovableHandle:
    """What a ``register_*_hook`` call returns; :meth:`remove` unregisters the hook.

    Also a context manager that removes the hook on exit.
    """

    def __init__(self, hooks: OrderedDict, extra: tuple[dict, ...] = ()):
        self.id = next(_next_id)
        self._tables = (hooks, *extra)

    def remove(self) -> None:
        """Unregister the hook (removing twice is harmless)."""
        for table in self._tables:
            table.pop(self.id, None)

    def __enter__(self) -> RemovableHandle:
        return self

    def __exit__(self, *exc) -> None:
        self.remove()


# ----------------------------------------------------------------------------- backward hooks
def _replace_gradients(module, kind: str, result, expected: tuple) -> tuple:
    """A hook's returned gradients, checked against the ones it was given."""
    result = tuple(result) if isinstance(result, (tuple, list)) else (result,)
    if len(result) != len(expected):
        raise RuntimeError(
            f"a {kind} of {type(module).__name__} returned {len(result)} gradients, expected "
            f"{len(expected)}"
        )
    return tuple(
        None if g is None else g if isinstance(g, Tensor) else Tensor._make(np.asarray(g))
        for g in result
    )


class _Junction:
    """Collects, in one backward step, the gradients of several tensors of one module call.

    :meth:`join` routes the tensors through a gather node and one identity each; in backward
    each identity drops its gradient into the gather node's buffer, so the gather node sees all
    of them at once and passes them to ``handler`` (which may replace them) before they flow on.
    """

    def __init__(self, n: int, handler):
        self.n, self.handler = n, handler
        self.positions: list[int] = []
        self.received: set[int] = set()

    def join(self, items: list) -> list:
        self.positions = [
            i for i, x in enumerate(items) if isinstance(x, Tensor) and x.requires_grad
        ]
        if not self.positions:
            return items
        tensors = [items[i] for i in self.positions]
        bounds = np.cumsum([0] + [t.numel() for t in tensors])
        slots = tuple((int(a), int(b)) for a, b in itertools.pairwise(bounds))
        buffer = _Gather.apply(*tensors, junction=self, slots=slots)
        items = list(items)
        for position, slot in zip(self.positions, slots, strict=True):
            items[position] = _Identity.apply(
                items[position], buffer, junction=self, slot=slot, position=position
            )
        return items

    def collect(self, grad: np.ndarray, slots, shapes) -> tuple:
        grads: list[Tensor | None] = [None] * self.n
        for (start, stop), shape, position in zip(slots, shapes, self.positions, strict=True):
            if position in self.received:
                grads[position] = Tensor._make(grad[start:stop].reshape(shape))
        self.received = set()  # a retained graph can run backward again
        new = self.handler(tuple(grads))
        return tuple(None if new[p] is None else new[p]._data for p in self.positions)


class _Gather(Function):
    """The tensors of a junction in; a flat buffer with one slot per tensor out."""

    def forward(self, *arrays, junction=None, slots=()):
        self.junction, self.slots = junction, slots
        self.shapes = [a.shape for a in arrays]
        return np.zeros(slots[-1][1], dtype=np.result_type(*arrays))

    def backward(self, grad):
        return self.junction.collect(grad, self.slots, self.shapes)


class _Identity(Function):
    """Identity on one tensor of a junction; backward writes its gradient into its slot."""

    def forward(self, x, buffer, junction=None, slot=(0, 0), position=0):
        self.junction, self.slot, self.position = junction, slot, position
        self.size = buffer.shape[0]
        return x

    def backward(self, grad):
        start, stop = self.slot
        flat = np.zeros(self.size, dtype=grad.dtype)
        flat[start:stop] = grad.reshape(-1)
        self.junction.received.add(self.position)
        return None, flat


class _BackwardCall:
    """One forward call seen by the module's backward hooks: a junction on its positional
    inputs and one on its output tensors.
    """

    def __init__(self, module, args: tuple):
        self.module = module
        self.inputs = _Junction(len(args), self.on_input_grads)
        self.outputs: _Junction | None = None
        self.grad_outputs: tuple = ()
        self.args = self.inputs.join(list(args))

    def wrap_outputs(self, output):
        single = isinstance(output, Tensor)
        items = [output] if single else list(output) if isinstance(output, (tuple, list)) else []
        tensors = [x for x in items if isinstance(x, Tensor) and x.requires_grad]
        if not tensors:
            return output
        self.outputs = _Junction(len(tensors), self.on_output_grads)
        joined = iter(self.outputs.join(tensors))
        items = [next(joined) if isinstance(x, Tensor) and x.requires_grad else x for x in items]
        return items[0] if single else type(output)(items)

    def on_output_grads(self, grads: tuple) -> tuple:
        """The output gradients arrive: backward pre-hooks may replace them."""
        module = self.module
        for hook in list(module.__dict__.get("_backward_pre_hooks", {}).values()):
            result = hook(module, grads)
            if result is not None:
                grads = _replace_gradients(module, "backward pre-hook", result, grads)
        self.grad_outputs = grads
        if not self.inputs.positions:
            # No input takes a gradient: the backward hooks run now, with None for each input.
            self.on_input_grads((None,) * self.inputs.n)
        return grads

    def on_input_grads(self, grads: tuple) -> tuple:
        """The input gradients are known: backward hooks see them and may replace them."""
        module, grad_outputs = self.module, self.grad_outputs
        for hook in list(module.__dict__.get("_backward_hooks", {}).values()):
            result = hook(module, grads, grad_outputs)
            if result is not None:
                grads = _replace_gradients(module, "backward hook", result, grads)
        return grads


# ----------------------------------------------------------------------------- the mixin
class HookMixin:
    """Hook registration and the ``__call__`` that runs the hooks around ``forward``."""

    forward: Callable[..., Any]  # defined by the module class

    def _hook_table(self, name: str) -> OrderedDict:
        table = self.__dict__.get(name)
        if table is None:
            table = OrderedDict()
            object.__setattr__(self, name, table)
        return table

    def _register(self, name: str, hook, prepend: bool, **flags) -> RemovableHandle:
        if not callable(hook):
            raise TypeError(f"a hook must be callable, got {type(hook).__name__}: {hook!r}")
        table = self._hook_table(name)
        # one table per option (``_forward_hooks_kwargs``...) holding the hooks that set it
        flag_tables = {flag: self._hook_table(f"{name}_{flag}") for flag in flags}
        handle = RemovableHandle(table, tuple(flag_tables.values()))
        table[handle.id] = hook
        if prepend:
            table.move_to_end(handle.id, last=False)
        for flag, on in flags.items():
            if on:
                flag_tables[flag][handle.id] = True
        return handle

    def register_forward_pre_hook(
        self, hook: Callable[..., Any], *, prepend: bool = False, with_kwargs: bool = False
    ) -> RemovableHandle:
        """Run ``hook(module, args)`` before each ``forward``.

        A non-None result replaces the positional inputs (a non-tuple becomes a 1-tuple). With
        ``with_kwargs=True`` the hook is ``hook(module, args, kwargs)`` and returns ``None`` or
        ``(args, kwargs)``. ``prepend`` runs it before the hooks already registered.
        """
        return self._register("_forward_pre_hooks", hook, prepend, kwargs=with_kwargs)

    def register_forward_hook(
        self,
        hook: Callable[..., Any],
        *,
        prepend: bool = False,
        with_kwargs: bool = False,
        always_call: bool = False,
    ) -> RemovableHandle:
        """Run ``hook(module, args, output)`` after each ``forward``; non-None replaces output.

        With ``with_kwargs=True`` the hook is ``hook(module, args, kwargs, output)``.
        ``always_call`` runs it even when ``forward`` raises (then the exception propagates).
        """
        return self._register(
            "_forward_hooks", hook, prepend, kwargs=with_kwargs, always=always_call
        )

    def register_full_backward_hook(
        self, hook: Callable[..., Any], prepend: bool = False
    ) -> RemovableHandle:
        """Run ``hook(module, grad_input, grad_output)`` once the input gradients are known.

        ``grad_input`` has one entry per positional input (``None`` for non-tensors and inputs
        that take no gradient), ``grad_output`` one per output tensor. A non-None result (a tuple
        like ``grad_input``) replaces the gradients that flow on to the inputs.
        """
        return self._register("_backward_hooks", hook, prepend)

    def register_full_backward_pre_hook(
        self, hook: Callable[..., Any], prepend: bool = False
    ) -> RemovableHandle:
        """Run ``hook(module, grad_output)`` when the gradients of the module's outputs are known.

        A non-None result (a tuple like ``grad_output``) replaces them before they flow into
        the module's computation.
        """
        return self._register("_backward_pre_hooks", hook, prepend)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        hooks = self.__dict__
        pre, post = hooks.get("_forward_pre_hooks"), hooks.get("_forward_hooks")
        backward = hooks.get("_backward_hooks")
        if not (pre or post or backward or hooks.get("_backward_pre_hooks")):
            return self.forward(*args, **kwargs)
        if pre:
            with_kwargs = hooks["_forward_pre_hooks_kwargs"]
            for key, hook in list(pre.items()):
                if key in with_kwargs:
                    result = hook(self, args, kwargs)
                    if result is not None:
                        if not (isinstance(result, tuple) and len(result) == 2):
                            raise RuntimeError(
                                "a forward pre-hook registered with with_kwargs=True must return "
                                f"None or a tuple (args, kwargs), got {result!r}"
                            )
                        args, kwargs = result
                else:
                    result = hook(self, args)
                    if result is not None:
                        args = result if isinstance(result, tuple) else (result,)
        call = None
        if backward or hooks.get("_backward_pre_hooks"):
            call = _BackwardCall(self, args)
            args = tuple(call.args)
        try:
            output = self.forward(*args, **kwargs)
        except Exception:
            if post:
                for key, hook in list(post.items()):
                    if key in hooks["_forward_hooks_always"]:
                        self._run_forward_hook(key, hook, args, kwargs, None)
            raise
        if post:
            for key, hook in list(post.items()):
                result = self._run_forward_hook(key, hook, args, kwargs, output)
                if result is not None:
                    output = result
        if call is not None:
            output = call.wrap_outputs(output)
        return output

    def _run_forward_hook(self, key, hook, args, kwargs, output):
        if key in self.__dict__["_forward_hooks_kwargs"]:
            return hook(self, args, kwargs, output)
        return hook(self, args, output)
