"""PyTorch's public autograd API on homeml's engine: ``homeml.autograd.Function`` (custom
operations written with tensors) and ``homeml.autograd.grad``.

Both are reached through :mod:`homeml.autograd` (``hm.autograd.Function``, ``hm.autograd.grad``),
as in PyTorch. Backward formulas run without recording a graph, so ``create_graph=True``
(gradients of gradients) is not available.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from homeml.autograd import is_grad_enabled, no_grad, run_backward, versions
from homeml.tensor import Function as _Node
from homeml.tensor import Tensor


class FunctionCtx:
    """The ``ctx`` handed to a custom function's ``forward`` and ``backward``."""

    needs_input_grad: tuple[bool, ...]  # set by ``Function.apply``
    materialize_grads: bool

    def save_for_backward(self, *tensors: Tensor | None) -> None:
        """Keep ``tensors`` (or None) for ``backward``, where ``ctx.saved_tensors`` returns them."""
        for t in tensors:
            if t is not None and not isinstance(t, Tensor):
                raise TypeError(
                    f"save_for_backward can only save tensors or None, got {type(t).__name__}"
                )
        self._saved = tensors
        # the arrays, checked against later in-place changes before backward runs
        self._saved_arrays = tuple(t._data for t in tensors if t is not None)

    @property
    def saved_tensors(self) -> tuple[Tensor | None, ...]:
        return getattr(self, "_saved", ())

    def mark_non_differentiable(self, *tensors: Tensor) -> None:
        self._non_differentiable = {id(t) for t in tensors}

    def mark_dirty(self, *tensors: Tensor) -> None:
        """Accepted for compatibility: homeml tracks in-place changes itself."""

    def set_materialize_grads(self, value: bool) -> None:
        self.materialize_grads = bool(value)


class _CustomNode(_Node):
    """The graph node of one output of a custom function."""

    saved: tuple[np.ndarray, ...]  # the arrays ``ctx`` saved, checked for in-place changes

    def __init__(self, fn, ctx, outputs, index):
        # shapes and dtypes only: holding the outputs would make each one keep itself alive
        self.fn, self.ctx, self.index = fn, ctx, index
        self.output_specs = tuple((o._data.shape, o._data.dtype) for o in outputs)

    def backward(self, grad):
        ctx = self.ctx
        grads: list[Tensor | None] = []
        for i, (shape, dtype) in enumerate(self.output_specs):
            if i == self.index:
                grads.append(Tensor._make(grad))
            elif getattr(ctx, "materialize_grads", True):
                grads.append(Tensor._make(np.zeros(shape, dtype)))
            else:
                grads.append(None)
        with no_grad():
            result = self.fn.backward(ctx, *grads)
        if not isinstance(result, tuple):
            result = (result,)
        expected = len(self.needs_input_grad)
        if len(result) != expected:
            raise RuntimeError(
                f"function {self.fn.__name__}.backward returned an incorrect number of gradients "
                f"(expected {expected}, got {len(result)})"
            )
        return tuple(
            None if g is None or not need else np.asarray(g._data if isinstance(g, Tensor) else g)
            for g, need in zip(result, self.needs_input_grad)
        )

    def __repr__(self):
        return f"<{self.fn.__name__}Backward>"


class Function:
    """A differentiable operation written with tensors, used as in PyTorch.

    Subclasses define ``forward(ctx, *args)`` and ``backward(ctx, *grad_outputs)`` as
    staticmethods (or ``forward(*args)`` plus ``setup_context(ctx, inputs, output)``) and are
    called with ``.apply(*args)``. ``backward`` returns one gradient per argument of ``forward``
    (None for non-tensor arguments or where no gradient is needed).

    Examples
    --------
    >>> class Square(homeml.autograd.Function):
    ...     @staticmethod
    ...     def forward(ctx, x):
    ...         ctx.save_for_backward(x)
    ...         return x * x
    ...     @staticmethod
    ...     def backward(ctx, grad):
    ...         (x,) = ctx.saved_tensors
    ...         return 2 * x * grad
    """

    @staticmethod
    def forward(ctx: Any, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError("a custom Function must implement forward")

    @staticmethod
    def backward(ctx: Any, *grad_outputs: Any) -> Any:
        raise NotImplementedError("a custom Function must implement backward to be differentiated")

    @staticmethod
    def setup_context(ctx: Any, inputs: tuple, output: Any) -> None:
        raise NotImplementedError

    @classmethod
    def apply(cls, *args: Any, **kwargs: Any) -> Any:
        """Run ``forward`` on ``args`` and record it so that ``backward`` gives the gradients."""
        ctx = FunctionCtx()
        needs = tuple(isinstance(a, Tensor) and a.requires_grad for a in args)
        ctx.needs_input_grad = needs
        with no_grad():
            if cls.setup_context is not Function.setup_context:
                output = cls.forward(*args, **kwargs)
                cls.setup_context(ctx, args, output)
            else:
                output = cls.forward(ctx, *args, **kwargs)
        single = not isinstance(output, tuple)
        outputs = (output,) if single else output
        # an output that is an input (or shares its Tensor object) becomes a new tensor
        outputs = tuple(
            Tensor._make(o._data) if isinstance(o, Tensor) and any(o is a for a in args) else o
            for o in outputs
        )
        if any(needs) and is_grad_enabled():
            edges = [(i, a, a._ctx) for i, a in enumerate(args) if needs[i]]
            skip = getattr(ctx, "_non_differentiable", ())
            tensors = tuple(o for o in outputs if isinstance(o, Tensor))
            for k, out in enumerate(tensors):
                if id(out) in skip or out.dtype.kind != "f":
                    continue
                node = _CustomNode(cls, ctx, tensors, k)
                node.edges, node.needs_input_grad, node.retained = edges, needs, None
                node.epoch = versions.epoch
                node.saved = getattr(ctx, "_saved_arrays", ())  # checked for in-place changes
                out._ctx, out._requires_grad = node, True
        return outputs[0] if single else outputs


def grad(
    outputs: Tensor | Sequence[Tensor],
    inputs: Tensor | Sequence[Tensor],
    grad_outputs: Tensor | Sequence[Tensor | None] | None = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    allow_unused: bool | None = None,
    materialize_grads: bool = False,
) -> tuple[Tensor | None, ...]:
    """The gradients of ``outputs`` with respect to ``inputs``, without touching any ``.grad``.

    Parameters
    ----------
    outputs : Tensor or sequence of Tensor
    inputs : Tensor or sequence of Tensor
        Leaves or intermediate tensors of the graph that made ``outputs``.
    grad_outputs : Tensor or sequence of Tensor, optional
        d(loss)/d(output) for each output; may be omitted for one-element outputs.
    retain_graph : bool, optional
        Keep the graph for another backward pass (default: ``create_graph``).
    create_graph : bool, default False
        Not supported: homeml's backward formulas do not record a graph.
    allow_unused, materialize_grads : bool
        An input the outputs do not depend on gives None (or zeros with ``materialize_grads``)
        instead of an error.

    Returns
    -------
    tuple of Tensor
    """
    if create_graph:
        raise NotImplementedError(
            "homeml.autograd.grad: create_graph=True (gradients of gradients) is not supported; "
            "homeml's backward formulas work on arrays and record no graph"
        )
    outputs = (outputs,) if isinstance(outputs, Tensor) else tuple(outputs)
    inputs = (inputs,) if isinstance(inputs, Tensor) else tuple(inputs)
    if grad_outputs is None or isinstance(grad_outputs, Tensor):
        grad_outputs = (grad_outputs,) * len(outputs)
    grad_outputs = tuple(grad_outputs)
    if len(grad_outputs) != len(outputs):
        raise RuntimeError(f"grad: got {len(grad_outputs)} grad_outputs for {len(outputs)} outputs")
    for i, t in enumerate(inputs):
        if not isinstance(t, Tensor) or not t.requires_grad:
            raise RuntimeError(f"grad: input {i} does not require grad (or is not a tensor)")
    results: list[Any] = [None] * len(inputs)
    leaves = {id(t): i for i, t in enumerate(inputs) if t._ctx is None}

    def add(i, g):
        results[i] = np.array(g) if results[i] is None else results[i] + g

    def sink(leaf, g):
        i = leaves.get(id(leaf))
        if i is not None:
            add(i, g)

    class _Capture:  # stands in for an intermediate input's retained tensor during the pass
        def __init__(self, i):
            self.i = i

        def _accumulate_grad(self, g):
            add(self.i, g)

    nodes = [(t._ctx, t._ctx.retained) for t in inputs if t._ctx is not None]
    for i, t in enumerate(inputs):
        if t._ctx is not None:
            t._ctx.retained = _Capture(i)
    try:
        for k, (out, g) in enumerate(zip(outputs, grad_outputs)):
            if not out.requires_grad:
                raise RuntimeError(f"grad: output {k} does not require grad and has no grad_fn")
            if g is None:
                if out.numel() != 1:
                    raise RuntimeError(
                        f"grad: grad_outputs is needed for output {k} of shape {out.shape}"
                    )
                array = np.ones_like(out._data)
            else:
                array = np.asarray(g._data if isinstance(g, Tensor) else g, dtype=out.dtype)
            keep = bool(retain_graph) or k < len(outputs) - 1
            run_backward(out, array, keep, sink)
    finally:
        for node, retained in nodes:
            node.retained = retained
    for i, r in enumerate(results):
        if r is None:
            if materialize_grads:
                results[i] = np.zeros_like(inputs[i]._data)
            elif not allow_unused:
                raise RuntimeError(
                    f"grad: input {i} was not used in the graph of the outputs; pass "
                    "allow_unused=True to get None for it"
                )
    return tuple(
        None if r is None else Tensor._make(r.astype(t.dtype, copy=False))
        for r, t in zip(results, inputs)
    )
