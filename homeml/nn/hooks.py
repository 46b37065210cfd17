"""Module hooks, as ``torch.nn.Module``'s: forward pre-hooks, forward hooks, full backward hooks.

:class:`HookMixin` gives :class:`homeml.nn.Module` its ``register_*_hook`` methods and the
``__call__`` that runs them; each registration returns a :class:`RemovableHandle`.

Full backward hooks see the gradients with respect to the module's positional tensor inputs and
outputs. They work by putting identity operations around the call: one per output records
``grad_output``; one per input sends its gradient into a single *gather* node that every input
identity feeds, so the hook runs once, after all input gradients are known, and what it returns
replaces them before they flow on.
"""

from __future__ import annotations

import itertools
from collections import OrderedDict

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
class _BackwardCall:
    """One forward call's gradients, gathered for the module's full backward hooks."""

    def __init__(self, module, args: tuple):
        self.module = module
        self.n_inputs = len(args)
        # the positional inputs that take a gradient, and those whose gradient has arrived
        self.positions = [i for i, a in enumerate(args)
                          if isinstance(a, Tensor) and a.requires_grad]
        self.n_inputs_with_grad = len(self.positions)
        self.received: set[int] = set()
        self.n_outputs = 0  # set once the outputs are wrapped
        self.grad_outputs: list = []
        self.seen_outputs = 0

    def run_hooks(self, grad_inputs: tuple) -> tuple:
        grad_outputs = tuple(self.grad_outputs)
        self.grad_outputs = [None] * self.n_outputs  # a retained graph can run backward again
        self.seen_outputs = 0
        for hook in list(self.module._hook_table("_backward_hooks").values()):
            result = hook(self.module, grad_inputs, grad_outputs)
            if result is None:
                continue
            result = tuple(result) if isinstance(result, (tuple, list)) else (result,)
            if len(result) != len(grad_inputs):
                raise RuntimeError(
                    f"a backward hook of {type(self.module).__name__} returned "
                    f"{len(result)} gradients, expected {len(grad_inputs)} (one per input)"
                )
            grad_inputs = tuple(
                None if g is None else g if isinstance(g, Tensor) else Tensor._make(np.asarray(g))
                for g in result
            )
        return grad_inputs


class _RecordGradOutput(Function):
    """Identity on one output; backward records its gradient for the hooks."""

    def forward(self, x, call=None, index=0):
        self.call, self.index = call, index
        return x

    def backward(self, grad):
        call = self.call
        call.grad_outputs[self.index] = Tensor._make(grad)
        call.seen_outputs += 1
        if call.n_inputs_with_grad == 0 and call.seen_outputs == call.n_outputs:
            # No input takes a gradient: the hooks run now, with ``None`` for every input.
            call.run_hooks((None,) * call.n_inputs)
        return grad


class _Gather(Function):
    """Joins the inputs that take a gradient; backward receives all their gradients at once.

    Its output is a flat buffer with one slot per input; each input's identity writes its
    gradient into its slot and the engine sums the contributions.
    """

    def forward(self, *arrays, call=None, slots=()):
        self.call, self.slots = call, slots
        self.shapes = [a.shape for a in arrays]
        return np.zeros(slots[-1][1] if slots else 0, dtype=np.result_type(*arrays))

    def backward(self, grad):
        call = self.call
        grad_inputs = [None] * call.n_inputs
        for (start, stop), shape, position in zip(self.slots, self.shapes, call.positions,
                                                  strict=True):
            if position in call.received:
                grad_inputs[position] = Tensor._make(grad[start:stop].reshape(shape))
        call.received = set()
        new = call.run_hooks(tuple(grad_inputs))
        return tuple(None if new[p] is None else new[p]._data for p in call.positions)


class _InputIdentity(Function):
    """Identity on one input; backward writes its gradient into the gather buffer's slot."""

    def forward(self, x, buffer, call=None, slot=(0, 0), position=0):
        self.call, self.slot, self.position, self.size = call, slot, position, buffer.shape[0]
        return x

    def backward(self, grad):
        start, stop = self.slot
        flat = np.zeros(self.size, dtype=grad.dtype)
        flat[start:stop] = grad.reshape(-1)
        self.call.received.add(self.position)
        return None, flat


def _wrap_inputs(module, args: tuple) -> tuple[tuple, _BackwardCall]:
    call = _BackwardCall(module, args)
    if not call.positions:
        return args, call
    tensors = [args[i] for i in call.positions]
    bounds = np.cumsum([0] + [t.numel() for t in tensors])
    slots = tuple((int(a), int(b)) for a, b in itertools.pairwise(bounds))
    buffer = _Gather.apply(*tensors, call=call, slots=slots)
    args = list(args)
    for position, slot in zip(call.positions, slots, strict=True):
        args[position] = _InputIdentity.apply(args[position], buffer, call=call, slot=slot,
                                              position=position)
    return tuple(args), call


def _wrap_outputs(call: _BackwardCall, output):
    single = isinstance(output, Tensor)
    items = [output] if single else list(output) if isinstance(output, (tuple, list)) else []
    wrapped, n = [], 0
    for item in items:
        if isinstance(item, Tensor) and item.requires_grad:
            item = _RecordGradOutput.apply(item, call=call, index=n)
            n += 1
        wrapped.append(item)
    call.n_outputs, call.grad_outputs = n, [None] * n
    if single:
        return wrapped[0]
    return type(output)(wrapped) if items else output


# ----------------------------------------------------------------------------- the mixin
class HookMixin:
    """Hook registration and the ``__call__`` that runs the hooks around ``forward``."""

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

    def register_forward_pre_hook(self, hook, *, prepend: bool = False,
                                  with_kwargs: bool = False) -> RemovableHandle:
        """Run ``hook(module, args)`` before each ``forward``.

        A non-None result replaces the positional inputs (a non-tuple becomes a 1-tuple). With
        ``with_kwargs=True`` the hook is ``hook(module, args, kwargs)`` and returns ``None`` or
        ``(args, kwargs)``. ``prepend`` runs it before the hooks already registered.
        """
        return self._register("_forward_pre_hooks", hook, prepend, kwargs=with_kwargs)

    def register_forward_hook(self, hook, *, prepend: bool = False, with_kwargs: bool = False,
                              always_call: bool = False) -> RemovableHandle:
        """Run ``hook(module, args, output)`` after each ``forward``; non-None replaces output.

        With ``with_kwargs=True`` the hook is ``hook(module, args, kwargs, output)``.
        ``always_call`` runs it even when ``forward`` raises (then the exception propagates).
        """
        return self._register("_forward_hooks", hook, prepend, kwargs=with_kwargs,
                              always=always_call)

    def register_full_backward_hook(self, hook, prepend: bool = False) -> RemovableHandle:
        """Run ``hook(module, grad_input, grad_output)`` once the input gradients are known.

        ``grad_input`` has one entry per positional input (``None`` for non-tensors and inputs
        that take no gradient), ``grad_output`` one per output tensor. A non-None result (a tuple
        like ``grad_input``) replaces the gradients that flow on to the inputs.
        """
        return self._register("_backward_hooks", hook, prepend)

    def __call__(self, *args, **kwargs):
        hooks = self.__dict__
        pre, post = hooks.get("_forward_pre_hooks"), hooks.get("_forward_hooks")
        backward = hooks.get("_backward_hooks")
        if not (pre or post or backward):
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
        if backward:
            args, call = _wrap_inputs(self, args)
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
            output = _wrap_outputs(call, output)
        return output

    def _run_forward_hook(self, key, hook, args, kwargs, output):
        if key in self.__dict__["_forward_hooks_kwargs"]:
            return hook(self, args, kwargs, output)
        return hook(self, args, output)
