"""``Tensor`` (an ndarray that remembers how it was made) and ``Function`` (one recorded op).

A differentiable operation is a :class:`Function` subclass whose ``forward`` and ``backward``
work on NumPy arrays; the operations themselves live in ``homeml/ops/`` grouped by kind, and the
methods below only route to them. The backward pass is in ``homeml/autograd.py``.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from homeml.autograd import _grad_mode, run_backward, versions
from homeml.device import CPU, check_device, parse_to
from homeml.dtypes import FLOAT32, FLOAT64, as_dtype, default_dtype_for, is_floating
from homeml.inplace import InPlaceOps, index_key

if TYPE_CHECKING:
    from typing import TypeAlias

    from numpy.typing import DTypeLike

    from homeml.creation import Generator
    from homeml.device import DeviceLike
    from homeml.device import device as _device

    # Tensor has methods named int, float and bool: its annotations use these names (as
    # torch's stubs do); Operand is what an operation takes besides a tensor (broadcast)
    _int: TypeAlias = int
    _float: TypeAlias = float
    _bool: TypeAlias = bool
    _dims: TypeAlias = "int | tuple[int, ...] | None"
    Operand: TypeAlias = "Tensor | np.ndarray | float | int | bool"


def _keep_freed_memory() -> None:
    """Let glibc's malloc keep freed array buffers for reuse instead of returning them.

    By default glibc serves every block over 128 KiB-32 MiB (a threshold that adapts) with its
    own ``mmap`` and gives it back to the kernel on ``free``: each fresh NumPy array of that size
    (every temporary of a (12, 64, 512) activation, 1.5 MiB) then costs one page fault per 4 KiB
    page on first touch, which made ``GeluTanh.forward`` take 7.5 ms instead of 1.35 ms. Raising
    the mmap threshold to 32 MiB and the trim threshold to 128 MiB keeps such buffers in the
    heap, where the next array reuses them. Done once, when the tensor engine is imported, on
    Linux; skipped where ``HOMEML_MALLOC_TUNING=0`` or where the process set its own malloc
    thresholds (``MALLOC_MMAP_THRESHOLD_``, ``MALLOC_TRIM_THRESHOLD_``, ``GLIBC_TUNABLES``
    with ``glibc.malloc``). Process-wide: other libraries' buffers are reused the same way.
    """
    env = os.environ
    if not sys.platform.startswith("linux") or env.get("HOMEML_MALLOC_TUNING", "1") == "0":
        return
    if "MALLOC_MMAP_THRESHOLD_" in env or "MALLOC_TRIM_THRESHOLD_" in env:
        return
    if "glibc.malloc" in env.get("GLIBC_TUNABLES", ""):
        return
    try:
        import ctypes

        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):  # not glibc, or no mallopt to call
        return
    m_trim_threshold, m_mmap_threshold = -1, -3  # glibc's <malloc.h> constants
    mallopt(m_mmap_threshold, 32 << 20)
    mallopt(m_trim_threshold, 128 << 20)


_keep_freed_memory()


class Function:
    """A differentiable operation on NumPy arrays.

    Subclasses define ``forward(self, *arrays, **options)`` returning an array, saving on ``self``
    what ``backward`` needs, and ``backward(self, grad)`` returning the gradient of each positional
    input (a tuple, or one array for a single input; ``None`` where no gradient flows). Gradients
    may keep the broadcast output shape: the engine sums them back to each input's shape.
    ``backward`` must not modify ``grad`` in place (it can be a read-only view).
    ``self.needs_input_grad[i]`` says whether input ``i`` needs a gradient.

    ``_saved_for`` maps a saved attribute to the input whose gradient alone uses it, so that
    changing that array in place is an error only when that gradient is needed (as in PyTorch).
    """

    __slots__ = ("edges", "needs_input_grad", "retained", "epoch", "__dict__")
    _saved_for: dict[str, int] = {}
    # set when the node is recorded: (input position, input, its node) of each input needing a
    # gradient, which inputs need one, the retained gradient and the version epoch
    edges: list[tuple[int, Tensor, Function | None]]
    needs_input_grad: Sequence[bool]
    retained: Any
    epoch: int
    # defined by every subclass (declared here for type checkers only)
    forward: Callable[..., Any]
    backward: Callable[..., Any]
    _view = False  # True for operations whose output can be a view of their input

    @classmethod
    def apply(cls, *inputs: Any, **options: Any) -> Tensor:
        """Run the operation on tensors (or constants); record it when a gradient is needed."""
        ctx = cls()
        arrays = []
        edges = []
        zero_d = False
        for i, x in enumerate(inputs):
            if isinstance(x, Tensor):
                data = x._data
                arrays.append(data)
                if not data.ndim:
                    zero_d = True
                if x._requires_grad:
                    edges.append((i, x, x._ctx))
            elif isinstance(x, np.generic):
                arrays.append(x.item())  # numpy scalars act as Python scalars, as in PyTorch
            else:
                arrays.append(x)
        record = False
        if edges and _grad_mode.enabled:
            record = True
            needs = [False] * len(inputs)
            for i, _, _ in edges:
                needs[i] = True
            ctx.needs_input_grad = needs
        try:
            out = ctx.forward(*arrays, **options)
        except ValueError as error:
            shapes = " and ".join(str(np.shape(a)) for a in arrays)
            kind = IndexError if isinstance(error, IndexError) else ValueError
            raise kind(f"{cls.__name__}: invalid for input shapes {shapes}: {error}") from None
        if type(out) is not np.ndarray:
            out = np.asarray(out)
        if out.dtype is FLOAT64 and not _has_float64(arrays) and "dtype" not in options:
            # int/int and int*float give float32 in PyTorch; an explicit dtype= (to(), Cast,
            # sum(dtype=)) is what the caller asked for and stays float64
            out = out.astype(FLOAT32)
        if zero_d and out.ndim:
            out = _promote_like_torch(arrays, out)
        result = Tensor._make(out)
        if record and out.dtype.kind == "f":  # integer/bool results (x.long()) carry no grad
            ctx.edges = edges
            ctx.retained = None
            ctx.epoch = versions.epoch
            result._requires_grad = True
            result._ctx = ctx
        return result

    def __repr__(self):
        return f"<{type(self).__name__}Backward>"


_KIND_RANK = {"b": 0, "u": 1, "i": 1, "f": 2, "c": 3}


def _sizes(size):
    """``f(2, 3)``, ``f((2, 3))`` and ``f([2, 3])`` all mean the shape (2, 3)."""
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = size[0]
    sizes = tuple(int(s) for s in size)
    if any(s < 0 for s in sizes):
        raise ValueError(f"sizes must be non-negative, got {sizes}")
    return sizes


def _promote_like_torch(arrays, out):
    """PyTorch's rule for 0-d tensors: they do not widen dimensioned tensors of the same kind
    (float32 (3,) * float64 () is float32; int32 * int64 () is int32), only of a lower kind.
    """
    dims = [a.dtype for a in arrays if isinstance(a, np.ndarray) and a.ndim]
    zeros = [a.dtype for a in arrays if isinstance(a, np.ndarray) and not a.ndim]
    if not dims or out.dtype != np.result_type(*dims, *zeros):
        return out  # no dimensioned input, or the op chose its own dtype (bool, index, ...)
    top = max(_KIND_RANK.get(d.kind, 0) for d in dims)
    higher = [d for d in zeros if _KIND_RANK.get(d.kind, 0) > top]
    want = np.result_type(*dims, *higher)
    if want == FLOAT64 and FLOAT64 not in dims and FLOAT64 not in higher:
        want = FLOAT32  # int64 with a float32 0-d: float32, as above
    return out if want == out.dtype else out.astype(want)


def _has_float64(arrays):
    return any(isinstance(a, np.ndarray) and a.dtype == FLOAT64 for a in arrays)


class Tensor(InPlaceOps):
    """An n-dimensional array with reverse-mode automatic differentiation, shaped like PyTorch's.

    Parameters
    ----------
    data : array_like or Tensor
        Values; copied.
    requires_grad : bool, default False
        Record operations on this tensor so that ``backward`` can compute its ``grad``.
    dtype : dtype-like, optional
        Defaults to float32 for Python floats, int64 for Python ints; NumPy arrays keep theirs.
    """

    # _view_of: (base, key) of an indexing view made outside the graph, set only by __getitem__
    __slots__ = ("_data", "_requires_grad", "_ctx", "grad", "_view_of", "__weakref__")
    _view_of: tuple[Tensor, Any]
    __array_ufunc__ = None  # make NumPy defer to Tensor's reflected operators (ndarray * Tensor)

    def __init__(self, data, requires_grad=False, dtype=None):
        if isinstance(data, Tensor):
            data = data._data
        dtype = as_dtype(dtype) if dtype is not None else default_dtype_for(data)
        self._data = np.array(data, dtype=dtype)
        self._requires_grad = False
        self._ctx = None
        self.grad = None
        if requires_grad:
            self.requires_grad_(True)

    @classmethod
    def _make(cls, array: np.ndarray) -> Tensor:
        """Wrap an ndarray without copying or checking (the fast path used by every op)."""
        t = object.__new__(Tensor)
        t._data = array
        t._requires_grad = False
        t._ctx = None
        t.grad = None
        return t

    # ----------------------------------------------------------------- attributes
    @property
    def shape(self) -> tuple:
        return self._data.shape

    @property
    def ndim(self) -> int:
        return self._data.ndim

    @property
    def dtype(self) -> np.dtype:
        return self._data.dtype

    @property
    def device(self) -> _device:
        """Always ``homeml.device("cpu")``: homeml computes on the CPU."""
        return CPU

    @property
    def is_cuda(self) -> bool:
        return False

    @property
    def requires_grad(self) -> bool:
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value: bool) -> None:
        self.requires_grad_(value)

    @property
    def is_leaf(self) -> bool:
        return self._ctx is None

    @property
    def grad_fn(self) -> Function | None:
        """The node that made this tensor (``None`` for leaves)."""
        return self._ctx

    @property
    def data(self) -> Tensor:
        """The same values as a tensor outside the graph (shares memory)."""
        return Tensor._make(self._data)

    @data.setter
    def data(self, value: Tensor | np.ndarray) -> None:
        self._data = value._data if isinstance(value, Tensor) else np.asarray(value)

    def size(self, dim: int | None = None) -> Any:
        return self._data.shape if dim is None else self._data.shape[dim]

    def dim(self) -> int:
        return self._data.ndim

    def numel(self) -> int:
        return self._data.size

    def numpy(self) -> np.ndarray:
        """The underlying array (shares memory, like PyTorch's CPU tensors)."""
        return self._data

    def item(self) -> Any:
        if self._data.size != 1:
            raise ValueError(
                f"item() needs a tensor with exactly one element, got shape {self._data.shape}"
            )
        return self._data.item()

    def tolist(self) -> Any:
        return self._data.tolist()

    # ----------------------------------------------------------------- autograd
    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        requires_grad = bool(requires_grad)
        if requires_grad and not is_floating(self._data.dtype):
            raise RuntimeError(
                f"only floating-point tensors can require gradients, got dtype {self._data.dtype}"
            )
        if self._ctx is not None and not requires_grad:
            raise RuntimeError(
                "requires_grad can only be changed on leaf tensors; use detach() instead"
            )
        self._requires_grad = requires_grad
        return self

    def detach(self) -> Tensor:
        """A tensor sharing this one's values, outside the graph."""
        return Tensor._make(self._data)

    def detach_(self) -> Tensor:
        self._ctx = None
        self._requires_grad = False
        return self

    def retain_grad(self) -> None:
        """Keep ``grad`` on this non-leaf tensor after ``backward`` (leaves always keep it)."""
        if not self._requires_grad:
            raise RuntimeError("retain_grad() on a tensor that does not require grad")
        if self._ctx is not None:
            self._ctx.retained = self

    def backward(self, gradient: Tensor | None = None, retain_graph: _bool | None = False) -> None:
        """Accumulate d(self)/d(leaf) into ``leaf.grad`` for every leaf that requires grad.

        Parameters
        ----------
        gradient : Tensor or array_like, optional
            d(loss)/d(self), shaped like ``self``; may be omitted only for one-element tensors.
        retain_graph : bool, default False
            Keep the graph so that ``backward`` can run through it again.
        """
        if not self._requires_grad:
            raise RuntimeError(
                "backward() on a tensor that does not require grad and has no grad_fn"
            )
        if gradient is None:
            if self._data.size != 1:
                raise RuntimeError(
                    "backward() without a gradient needs a scalar (one-element) output, "
                    f"got shape {self._data.shape}; pass gradient= shaped like the output"
                )
            grad = np.ones_like(self._data)
        else:
            grad = np.asarray(gradient._data if isinstance(gradient, Tensor) else gradient)
            if grad.shape != self._data.shape:
                raise RuntimeError(
                    f"backward(): gradient has shape {grad.shape} but the output has shape "
                    f"{self._data.shape}"
                )
            grad = grad.astype(self._data.dtype, copy=False)
        run_backward(self, grad, retain_graph)

    def _accumulate_grad(self, g) -> None:
        """Add ``g`` (an array shaped like self) into ``self.grad``."""
        if self.grad is None:
            # A fresh writeable copy: g may be a read-only view, or shared with another input.
            self.grad = Tensor._make(np.array(g, dtype=self._data.dtype))
        else:
            existing = self.grad._data
            if existing.flags.writeable:
                existing += g
            else:
                self.grad = Tensor._make(existing + g)

    # ----------------------------------------------------------------- conversion
    def to(self, *args: Any, **kwargs: Any) -> Tensor:
        """Convert to a dtype (differentiable) as PyTorch's ``to`` does: ``to(dtype)``,
        ``to(device)``, ``to(device, dtype)``, ``to(other)``, ``copy=True``. The device must be
        the CPU.
        """
        dtype, copy = parse_to(args, kwargs)
        if dtype is not None and dtype != self._data.dtype:
            return _ew.Cast.apply(self, dtype=dtype)
        return self.clone() if copy else self

    def float(self) -> Tensor:
        return self.to(np.float32)

    def double(self) -> Tensor:
        return self.to(np.float64)

    def long(self) -> Tensor:
        return self.to(np.int64)

    def int(self) -> Tensor:
        return self.to(np.int32)

    def bool(self) -> Tensor:
        return self.to(np.bool_)

    def type_as(self, other: Tensor) -> Tensor:
        return self.to(other.dtype)

    def cpu(self) -> Tensor:
        return self

    def cuda(self, device: DeviceLike = None, non_blocking: _bool = False) -> Tensor:
        check_device("cuda" if device is None else device)  # raises: homeml runs on the CPU
        return self

    def pin_memory(self) -> Tensor:
        """The tensor itself (pinned memory matters only for copies to a GPU)."""
        return self

    def contiguous(self) -> Tensor:
        return self

    def clone(self) -> Tensor:
        return _ew.Clone.apply(self)

    # new tensors with this one's dtype (unless given), as torch's Tensor.new_* methods
    def _new_like(self, array, dtype, device, requires_grad):
        check_device(device)
        out = Tensor._make(array.astype(self._data.dtype if dtype is None else as_dtype(dtype)))
        return out.requires_grad_(True) if requires_grad else out

    def new_zeros(
        self,
        *size: _int | Sequence[_int],
        dtype: DTypeLike | None = None,
        device: DeviceLike = None,
        requires_grad: _bool = False,
    ) -> Tensor:
        return self._new_like(np.zeros(_sizes(size)), dtype, device, requires_grad)

    def new_ones(
        self,
        *size: _int | Sequence[_int],
        dtype: DTypeLike | None = None,
        device: DeviceLike = None,
        requires_grad: _bool = False,
    ) -> Tensor:
        return self._new_like(np.ones(_sizes(size)), dtype, device, requires_grad)

    def new_empty(
        self,
        *size: _int | Sequence[_int],
        dtype: DTypeLike | None = None,
        device: DeviceLike = None,
        requires_grad: _bool = False,
    ) -> Tensor:
        return self._new_like(np.zeros(_sizes(size)), dtype, device, requires_grad)

    def new_full(
        self,
        size: _int | Sequence[_int],
        fill_value: Any,
        dtype: DTypeLike | None = None,
        device: DeviceLike = None,
        requires_grad: _bool = False,
    ) -> Tensor:
        return self._new_like(np.full(_sizes((size,)), fill_value), dtype, device, requires_grad)

    def new_tensor(
        self,
        data: Any,
        dtype: DTypeLike | None = None,
        device: DeviceLike = None,
        requires_grad: _bool = False,
    ) -> Tensor:
        data = data._data if isinstance(data, Tensor) else data
        return self._new_like(np.array(data), dtype, device, requires_grad)

    def __array__(self, dtype=None, copy=None):
        return self._data if dtype is None else self._data.astype(dtype)

    # ----------------------------------------------------------------- Python protocol
    __hash__ = object.__hash__

    def __len__(self) -> _int:
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self) -> Iterator[Tensor]:
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self._data.shape[0]))

    def __bool__(self) -> _bool:
        if self._data.size != 1:
            raise RuntimeError(
                f"the truth value of a tensor with {self._data.size} elements is ambiguous"
            )
        return bool(self._data)

    def __float__(self) -> _float:
        return float(self.item())

    def __int__(self) -> _int:
        return int(self.item())

    def __index__(self) -> _int:
        if self._data.dtype.kind not in "iu":
            raise TypeError(f"only integer tensors can be used as an index, got {self.dtype}")
        return int(self.item())

    def __format__(self, spec: str) -> str:
        return format(self.item(), spec) if self._data.ndim == 0 else format(repr(self), spec)

    def __repr__(self) -> str:
        body = np.array2string(self._data, separator=", ", prefix="tensor(", precision=4)
        extras = []
        if self._data.dtype not in (FLOAT32, np.dtype(np.int64), np.dtype(np.bool_)):
            extras.append(f"dtype={self._data.dtype}")
        if self._ctx is not None:
            extras.append(f"grad_fn={self._ctx!r}")
        elif self._requires_grad:
            extras.append("requires_grad=True")
        return "tensor(" + ", ".join([body, *extras]) + ")"

    # ----------------------------------------------------------------- arithmetic
    def __add__(self, other: Operand) -> Tensor:
        return _ew.Add.apply(self, other)

    def __radd__(self, other: Operand) -> Tensor:
        return _ew.Add.apply(other, self)

    def __sub__(self, other: Operand) -> Tensor:
        return _ew.Sub.apply(self, other)

    def __rsub__(self, other: Operand) -> Tensor:
        return _ew.Sub.apply(other, self)

    def __mul__(self, other: Operand) -> Tensor:
        return _ew.Mul.apply(self, other)

    def __rmul__(self, other: Operand) -> Tensor:
        return _ew.Mul.apply(other, self)

    def __truediv__(self, other: Operand) -> Tensor:
        return _ew.Div.apply(self, other)

    def __rtruediv__(self, other: Operand) -> Tensor:
        return _ew.Div.apply(other, self)

    def __pow__(self, other: Operand) -> Tensor:
        return _ew.Pow.apply(self, other)

    def __rpow__(self, other: Operand) -> Tensor:
        return _ew.Pow.apply(other, self)

    def __neg__(self) -> Tensor:
        return _ew.Neg.apply(self)

    def __matmul__(self, other: Operand) -> Tensor:
        return _la.MatMul.apply(self, other)

    def __rmatmul__(self, other: Operand) -> Tensor:
        return _la.MatMul.apply(other, self)

    def __abs__(self) -> Tensor:
        return _ew.Abs.apply(self)

    def mm(self, mat2: Tensor) -> Tensor:
        return _la.mm(self, mat2)

    def bmm(self, mat2: Tensor) -> Tensor:
        return _la.bmm(self, mat2)

    def addmm(self, mat1: Tensor, mat2: Tensor, *, beta: _float = 1, alpha: _float = 1) -> Tensor:
        return _la.addmm(self, mat1, mat2, beta=beta, alpha=alpha)

    add = __add__
    sub = __sub__
    mul = __mul__
    div = __truediv__
    pow = __pow__
    neg = __neg__
    matmul = __matmul__

    # comparisons give boolean tensors outside the graph
    def _compare(self, other, ufunc):
        if isinstance(other, Tensor):
            other = other._data
        elif other is None or isinstance(other, (str, bytes)):
            return NotImplemented
        return Tensor._make(np.asarray(ufunc(self._data, other)))

    def __eq__(self, other: object) -> Tensor:  # type: ignore[override]
        return self._compare(other, np.equal)

    def __ne__(self, other: object) -> Tensor:  # type: ignore[override]
        return self._compare(other, np.not_equal)

    def __lt__(self, other: Tensor | _float) -> Tensor:
        return self._compare(other, np.less)

    def __le__(self, other: Tensor | _float) -> Tensor:
        return self._compare(other, np.less_equal)

    def __gt__(self, other: Tensor | _float) -> Tensor:
        return self._compare(other, np.greater)

    def __ge__(self, other: Tensor | _float) -> Tensor:
        return self._compare(other, np.greater_equal)

    eq, ne, lt, le, gt, ge = __eq__, __ne__, __lt__, __le__, __gt__, __ge__

    def __invert__(self) -> Tensor:
        return Tensor._make(np.asarray(~self._data))

    def __and__(self, other: Operand) -> Tensor:
        return self._compare(other, np.logical_and)

    def __or__(self, other: Operand) -> Tensor:
        return self._compare(other, np.logical_or)

    def logical_not(self) -> Tensor:
        return Tensor._make(np.logical_not(self._data))

    # ----------------------------------------------------------------- elementwise
    def exp(self) -> Tensor:
        return _ew.Exp.apply(self)

    def log(self) -> Tensor:
        return _ew.Log.apply(self)

    def sqrt(self) -> Tensor:
        return _ew.Sqrt.apply(self)

    def abs(self) -> Tensor:
        return _ew.Abs.apply(self)

    def sin(self) -> Tensor:
        return _ew.Sin.apply(self)

    def cos(self) -> Tensor:
        return _ew.Cos.apply(self)

    def tanh(self) -> Tensor:
        return _ew.Tanh.apply(self)

    def sigmoid(self) -> Tensor:
        return _ew.Sigmoid.apply(self)

    def relu(self) -> Tensor:
        return _ew.Relu.apply(self)

    def leaky_relu(self, negative_slope: _float = 0.01) -> Tensor:
        return _ew.LeakyRelu.apply(self, negative_slope=negative_slope)

    def gelu(self, approximate: str = "none") -> Tensor:
        return _ew.gelu(self, approximate)

    def softplus(self, beta: _float = 1.0, threshold: _float = 20.0) -> Tensor:
        return _ew.Softplus.apply(self, beta=beta, threshold=threshold)

    def clamp(self, min: Operand | None = None, max: Operand | None = None) -> Tensor:
        return _ew.clamp(self, min, max)

    clip = clamp

    def maximum(self, other: Operand) -> Tensor:
        return _ew.Maximum.apply(self, other)

    def minimum(self, other: Operand) -> Tensor:
        return _ew.Minimum.apply(self, other)

    def square(self) -> Tensor:
        return _ew.Mul.apply(self, self)

    def where(self, condition: Tensor, other: Operand) -> Tensor:
        return _ew.where(condition, self, other)

    def masked_fill(self, mask: Tensor, value: Operand) -> Tensor:
        if isinstance(value, Tensor) and value.requires_grad:
            # a 0-d tensor value gets the gradient of the entries it fills, as in PyTorch
            if value.ndim:
                raise ValueError(
                    f"masked_fill: expected a 0-d value tensor, got shape {value.shape}"
                )
            return _ew.where(mask, value.to(self.dtype), self)
        return _ew.masked_fill(self, mask, value)

    # ----------------------------------------------------------------- reductions
    def sum(
        self, dim: _dims = None, keepdim: _bool = False, *, dtype: DTypeLike | None = None
    ) -> Tensor:
        return _red.sum(self, dim, keepdim, dtype=dtype)

    def mean(
        self, dim: _dims = None, keepdim: _bool = False, *, dtype: DTypeLike | None = None
    ) -> Tensor:
        return _red.mean(self, dim, keepdim, dtype=dtype)

    def max(self, dim: _int | None = None, keepdim: _bool = False) -> Any:
        return _red.max(self, dim, keepdim)

    def min(self, dim: _int | None = None, keepdim: _bool = False) -> Any:
        return _red.min(self, dim, keepdim)

    def amax(self, dim: _dims = None, keepdim: _bool = False) -> Tensor:
        return _red.amax(self, dim, keepdim)

    def amin(self, dim: _dims = None, keepdim: _bool = False) -> Tensor:
        return _red.amin(self, dim, keepdim)

    def var(
        self,
        dim: _dims = None,
        unbiased: _bool | None = None,
        keepdim: _bool = False,
        *,
        correction: _float | None = None,
    ) -> Tensor:
        return _red.var(self, dim, unbiased, keepdim, correction=correction)

    def std(
        self,
        dim: _dims = None,
        unbiased: _bool | None = None,
        keepdim: _bool = False,
        *,
        correction: _float | None = None,
    ) -> Tensor:
        return _red.std(self, dim, unbiased, keepdim, correction=correction)

    def logsumexp(self, dim: _dims, keepdim: _bool = False) -> Tensor:
        return _red.logsumexp(self, dim, keepdim)

    def argmax(self, dim: _int | None = None, keepdim: _bool = False) -> Tensor:
        return _red.argmax(self, dim, keepdim)

    def argmin(self, dim: _int | None = None, keepdim: _bool = False) -> Tensor:
        return _red.argmin(self, dim, keepdim)

    def cumsum(self, dim: _int, *, dtype: DTypeLike | None = None) -> Tensor:
        return _srt.cumsum(self, dim, dtype=dtype)

    def sort(
        self, dim: _int = -1, descending: _bool = False, stable: _bool = False
    ) -> _srt.SortResult:
        return _srt.sort(self, dim, descending, stable)

    def argsort(self, dim: _int = -1, descending: _bool = False, stable: _bool = False) -> Tensor:
        return _srt.argsort(self, dim, descending, stable)

    def topk(
        self, k: _int, dim: _int = -1, largest: _bool = True, sorted: _bool = True
    ) -> _srt.SortResult:
        return _srt.topk(self, k, dim, largest, sorted)

    def multinomial(
        self, num_samples: _int, replacement: _bool = False, *, generator: Generator | None = None
    ) -> Tensor:
        from homeml.ops.sampling import multinomial

        return multinomial(self, num_samples, replacement, generator=generator)

    def softmax(self, dim: _int) -> Tensor:
        return _red.Softmax.apply(self, dim=dim)

    def log_softmax(self, dim: _int) -> Tensor:
        return _red.LogSoftmax.apply(self, dim=dim)

    # ----------------------------------------------------------------- shape
    def reshape(self, *shape: _int | Sequence[_int]) -> Tensor:
        return _mv.reshape(self, *shape)

    view = reshape

    def view_as(self, other: Tensor) -> Tensor:
        return _mv.reshape(self, other.shape)

    reshape_as = view_as

    def flatten(self, start_dim: _int = 0, end_dim: _int = -1) -> Tensor:
        return _mv.flatten(self, start_dim, end_dim)

    def squeeze(self, dim: _dims = None) -> Tensor:
        return _mv.squeeze(self, dim)

    def unsqueeze(self, dim: _int) -> Tensor:
        return _mv.unsqueeze(self, dim)

    def permute(self, *dims: _int | Sequence[_int]) -> Tensor:
        return _mv.permute(self, *dims)

    def transpose(self, dim0: _int, dim1: _int) -> Tensor:
        return _mv.transpose(self, dim0, dim1)

    @property
    def T(self) -> Tensor:
        return _mv.permute(self, tuple(range(self._data.ndim - 1, -1, -1)))

    @property
    def mT(self) -> Tensor:
        return _mv.transpose(self, -2, -1)

    def expand(self, *sizes: _int | Sequence[_int]) -> Tensor:
        return _mv.expand(self, *sizes)

    def expand_as(self, other: Tensor) -> Tensor:
        return _mv.expand(self, other.shape)

    def repeat(self, *sizes: _int | Sequence[_int]) -> Tensor:
        return _mv.repeat(self, *sizes)

    def flip(self, dims: _int | Sequence[_int]) -> Tensor:
        return _mv.flip(self, dims)

    def roll(self, shifts: _int | Sequence[_int], dims: _dims = None) -> Tensor:
        return _mv.roll(self, shifts, dims)

    def pad(self, pad: Sequence[_int], mode: str = "constant", value: _float = 0.0) -> Tensor:
        return _mv.pad(self, pad, mode, value)

    def split(
        self, split_size_or_sections: _int | Sequence[_int], dim: _int = 0
    ) -> tuple[Tensor, ...]:
        return _mv.split(self, split_size_or_sections, dim)

    def chunk(self, chunks: _int, dim: _int = 0) -> tuple[Tensor, ...]:
        return _mv.chunk(self, chunks, dim)

    def tril(self, diagonal: _int = 0) -> Tensor:
        return _mv.tril(self, diagonal)

    def triu(self, diagonal: _int = 0) -> Tensor:
        return _mv.triu(self, diagonal)

    def gather(self, dim: _int, index: Tensor) -> Tensor:
        return _mv.gather(self, dim, index)

    def index_select(self, dim: _int, index: Tensor) -> Tensor:
        return _mv.index_select(self, dim, index)

    def __getitem__(self, key: Any) -> Tensor:
        key = index_key(key)
        out = _mv.GetItem.apply(self, key=key)
        if out._ctx is None and out._data.base is not None:
            # a view outside the graph: an in-place write of a gradient-carrying value into it
            # (buf[i][j] = w) must reach buf's graph too
            out._view_of = (self, key)
        return out

    # ----------------------------------------------------------------- products, norms, tests
    def prod(
        self, dim: _int | None = None, keepdim: _bool = False, *, dtype: DTypeLike | None = None
    ) -> Tensor:
        return _red.prod(self, dim, keepdim, dtype=dtype)

    def norm(
        self, p: _float | str | None = "fro", dim: _dims = None, keepdim: _bool = False
    ) -> Tensor:
        return _la.tensor_norm(self, p, dim, keepdim)

    def t(self) -> Tensor:
        if self._data.ndim > 2:
            raise ValueError(f"t() expects a tensor with <= 2 dimensions, got shape {self.shape}")
        return _mv.transpose(self, 0, 1) if self._data.ndim == 2 else self

    def any(self, dim: _int | None = None, keepdim: _bool = False) -> Tensor:
        return _lg.any(self, dim, keepdim)

    def all(self, dim: _int | None = None, keepdim: _bool = False) -> Tensor:
        return _lg.all(self, dim, keepdim)

    def isnan(self) -> Tensor:
        return _lg.isnan(self)

    def isinf(self) -> Tensor:
        return _lg.isinf(self)

    def isfinite(self) -> Tensor:
        return _lg.isfinite(self)

    def allclose(
        self, other: Operand, rtol: _float = 1e-05, atol: _float = 1e-08, equal_nan: _bool = False
    ) -> _bool:
        return _lg.allclose(self, other, rtol, atol, equal_nan)


from homeml.ops import elementwise as _ew  # noqa: E402  (the ops subclass Function, above)
from homeml.ops import linalg as _la  # noqa: E402
from homeml.ops import logical as _lg  # noqa: E402
from homeml.ops import movement as _mv  # noqa: E402
from homeml.ops import reduce as _red  # noqa: E402
from homeml.ops import sorting as _srt  # noqa: E402
