"""In-place operations of :class:`homeml.Tensor` (``x += y``, ``x[i] = v``, ``x.mul_(w)``, ...).

Without a gradient to record, an in-place operation writes into the tensor's array. With one, it
computes the out-of-place result from the old value, writes it into the same array (so views see
it) and makes the tensor the output of the new graph node, as PyTorch does; a view (made by
indexing, reshaping, permuting or flipping) writes through to the tensor it views. Either way the
storage's version moves on (``homeml.autograd.bump_version``), so that a node that saved the old
values refuses to run backward instead of giving wrong gradients.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from homeml.autograd import _grad_mode, bump_version
from homeml.autograd import no_grad as _no_grad
from homeml.dtypes import is_floating

if TYPE_CHECKING:
    from typing import Any

    from homeml.tensor import Function, Operand, Tensor


class InPlaceOps:
    """The in-place methods of ``Tensor`` (a base class holding no data of its own)."""

    __slots__ = ()

    if TYPE_CHECKING:  # what Tensor, the one subclass, provides
        _data: np.ndarray
        _requires_grad: bool
        _ctx: Function | None

        @classmethod
        def _make(cls, array: np.ndarray) -> Tensor: ...

    def _needs_graph(self, other):
        return _grad_mode.enabled and (
            self._requires_grad or (isinstance(other, InPlaceOps) and other._requires_grad)
        )

    def _inplace(self, ufunc, op, other, keep_old=False):
        """``ufunc(self, other)`` into self; recorded as the operation named ``op``."""
        if self._needs_graph(other):
            op = getattr(_ops()[0], op)
            return self._record_inplace(lambda old: op.apply(old, other), keep_old)
        ufunc(
            self._data,
            other._data if isinstance(other, InPlaceOps) else other,
            out=self._data,
            casting="same_kind",
        )
        bump_version(self._data)
        return self

    def _record_inplace(self, compute, keep_old):
        """Replace this tensor's value by ``compute(old)`` as a recorded operation.

        ``keep_old``: the operation saves its input for backward, so it gets a copy of the old
        values (the array itself is about to be overwritten).
        """
        if self._ctx is None and self._requires_grad:
            raise RuntimeError(
                "a leaf Variable that requires grad is being used in an in-place operation."
            )
        if not is_floating(self._data.dtype):
            raise RuntimeError(
                f"in-place operation: the result requires grad but this tensor has dtype "
                f"{self._data.dtype}; only floating-point tensors can hold it"
            )
        view_of = self._view_base()
        old = self._make(self._data.copy() if keep_old else self._data)
        old._ctx, old._requires_grad = self._ctx, self._requires_grad
        new = compute(old)
        if new.shape != self._data.shape:
            raise RuntimeError(
                f"output with shape {self._data.shape} doesn't match the broadcast shape "
                f"{new.shape}"
            )
        if new.dtype != self._data.dtype:
            new = new.to(self._data.dtype)
        if view_of is not None:  # a view of base: write through the base, then view it again
            base, node = view_of
            node.write_through(base, new)
            new = node.view_again(base, self._data.shape)
        else:
            self._data[...] = new._data
            bump_version(self._data)
        # (Tensor's slots hold these two)
        self._ctx, self._requires_grad = new._ctx, new._requires_grad  # type: ignore[misc]
        return self

    def _view_base(self):
        """``(base, node)`` when this tensor is a view (made by ``node``) sharing the memory of
        ``base``, a tensor in the graph; else None.
        """
        node = self._ctx
        if node is None:
            link = getattr(self, "_view_of", None)
            if link is None or not np.may_share_memory(self._data, link[0]._data):
                return None
            view = _ops()[1].GetItem()  # stands for the unrecorded indexing
            view.key = link[1]
            return link[0], view
        if not node._view or not node.edges:
            return None
        for _, parent, _ in node.edges:
            if np.may_share_memory(self._data, parent._data):
                if not hasattr(node, "write_through"):
                    raise RuntimeError(
                        f"in-place operation on a view made by {node!r} of a tensor that "
                        "requires grad is not supported; use the out-of-place operation or "
                        "clone() first"
                    )
                return parent, node
        return None

    def add_(self, other: Operand, alpha: float = 1) -> Tensor:
        return self._inplace(np.add, "Add", other if alpha == 1 else _scaled(other, alpha))

    def sub_(self, other: Operand, alpha: float = 1) -> Tensor:
        return self._inplace(np.subtract, "Sub", other if alpha == 1 else _scaled(other, alpha))

    def mul_(self, other: Operand) -> Tensor:
        # the product saves the old values only for the gradient of ``other``
        keep_old = isinstance(other, InPlaceOps) and other._requires_grad
        return self._inplace(np.multiply, "Mul", other, keep_old)

    def div_(self, other: Operand) -> Tensor:
        return self._inplace(np.true_divide, "Div", other)

    __iadd__ = add_
    __isub__ = sub_
    __imul__ = mul_
    __itruediv__ = div_

    def _replace_with(self, compute, *others):
        """In place: this tensor's value becomes ``compute(self)`` (an out-of-place op)."""
        if self._needs_graph(None) or any(self._needs_graph(o) for o in others):
            return self._record_inplace(compute, keep_old=True)
        with _no_grad():
            out = compute(self)
        self._data[...] = out._data
        bump_version(self._data)
        return self

    def clamp_(self, min: Operand | None = None, max: Operand | None = None) -> Tensor:
        return self._replace_with(lambda old: _ops()[0].clamp(old, min, max), min, max)

    clip_ = clamp_

    def masked_fill_(self, mask: Tensor, value: Operand) -> Tensor:
        return self._replace_with(lambda old: old.masked_fill(mask, value), value)

    def relu_(self) -> Tensor:
        return self._replace_with(lambda old: _ops()[0].relu(old))

    def exp_(self) -> Tensor:
        return self._replace_with(lambda old: old.exp())

    def tanh_(self) -> Tensor:
        return self._replace_with(lambda old: old.tanh())

    def sigmoid_(self) -> Tensor:
        return self._replace_with(lambda old: old.sigmoid())

    def pow_(self, exponent: Operand) -> Tensor:
        return self._replace_with(lambda old: old**exponent, exponent)

    def zero_(self) -> Tensor:
        return self.fill_(0)

    def fill_(self, value: Operand) -> Tensor:
        return self._assign(Ellipsis, value)

    def copy_(self, src: Operand) -> Tensor:
        return self._assign(Ellipsis, src)

    def __setitem__(self, key: Any, value: Operand) -> None:
        self._assign(index_key(key), value)

    def _assign(self, key, value):
        if self._needs_graph(value):
            set_item = _ops()[1].SetItem
            return self._record_inplace(lambda old: set_item.apply(old, value, key=key), False)
        self._data[key] = value._data if isinstance(value, InPlaceOps) else value
        bump_version(self._data)
        return self


def _scaled(other, alpha):
    return other * alpha if isinstance(other, InPlaceOps) else np.asarray(other) * alpha


def index_key(key):
    """Turn tensors inside an indexing key into arrays (NumPy then does the indexing)."""
    if isinstance(key, InPlaceOps):
        return key._data
    if isinstance(key, tuple):
        return tuple(k._data if isinstance(k, InPlaceOps) else k for k in key)
    return key


def _ops():
    """(elementwise, movement): the operation modules, which import tensor.py, which imports
    this module, so they are looked up when a recorded in-place operation needs them.
    """
    from homeml.ops import elementwise, movement

    return elementwise, movement
