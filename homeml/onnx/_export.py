"""Network export: walk the modules, run each on the example, emit its ONNX nodes.

Every value of the graph is a :class:`Value`: an ONNX name plus the example array that homeml
computed there (its "shadow"), from which converters read shapes. Sequential containers are
walked child by child; a supported layer is converted; a module with its own forward() is
exported through its ``onnx_export(ex, *inputs)`` method, which replays the forward with the
:class:`Exporter` ``ex``: ``ex(submodule, value, ...)`` for sub-modules, ``+``, ``*`` and basic
indexing on values, ``ex.positions`` for ``arange`` over a (dynamic) axis. The result is checked
against the module's own forward on the example, so a recipe that drifts from forward() fails
loudly instead of exporting a different model.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

import homeml as hm
from homeml import nn
from homeml.nn.recurrent import RNNBase
from homeml.onnx import _nn as base
from homeml.onnx import _seq as seq
from homeml.onnx._graph import INPUT_NAME, OUTPUT_NAME, GraphBuilder
from homeml.tensor import Tensor

_SEQUENCE_TYPES = (
    nn.Embedding,
    RNNBase,
    nn.MultiheadAttention,
    nn.TransformerEncoderLayer,
)
# layers called with one input and kwargs, converted by dedicated functions
_SPECIAL = (RNNBase, nn.MultiheadAttention, nn.TransformerEncoderLayer)


def _converters() -> dict:
    table = dict(base._CONVERTERS)
    table[nn.Embedding] = seq.embedding
    return table


def _supported_class(module) -> type[nn.Module] | None:
    for cls in type(module).__mro__:
        if cls in _converters() or cls in _SPECIAL:
            return cls
    return None


def _has_recipe(module) -> bool:
    return callable(getattr(module, "onnx_export", None))


def _is_plain_sequential(module) -> bool:
    return isinstance(module, nn.Sequential) and type(module).forward is nn.Sequential.forward


def _check(module, path: str = "") -> None:
    """Refuse, before any work, a layer that cannot be exported (named by path and class)."""
    if _is_plain_sequential(module):
        for name, child in module.named_children():
            _check(child, f"{path}.{name}" if path else name)
        return
    if _has_recipe(module):
        return
    cls = _supported_class(module)
    if cls is not None:
        if type(module).forward is not cls.forward:
            raise NotImplementedError(
                f"cannot export {base._describe(path, module)} to ONNX: it overrides forward() "
                f"of {cls.__name__}; only the standard layers' computation can be exported "
                "(or define onnx_export(ex, *inputs) on it)"
            )
        return
    what = "a custom forward()" if isinstance(module, nn.Module) else "not a homeml.nn.Module"
    names = sorted({c.__name__ for c in _converters()} | {c.__name__ for c in _SPECIAL})
    raise NotImplementedError(
        f"cannot export {base._describe(path, module)} to ONNX: it is not a supported layer "
        f"({what} cannot be converted unless the module defines onnx_export(ex, *inputs)); "
        "supported layers are " + ", ".join(names) + " inside (nested) Sequential containers"
    )


def _numpy(value) -> np.ndarray:
    return value.numpy() if isinstance(value, Tensor) else np.asarray(value)


class Value:
    """A value of the ONNX graph being built, with the example array homeml computed for it.

    Parameters
    ----------
    exporter : Exporter
        The exporter whose graph holds the value.
    name : str
        The ONNX value name.
    data : numpy.ndarray
        The example (shadow) array: what homeml's forward gives at this point on the example.
    """

    def __init__(self, exporter: Exporter, name: str, data: np.ndarray):
        self.exporter, self.name, self.data = exporter, name, data

    @property
    def shape(self) -> tuple[int, ...]:
        """The shape of the example array (batch and sequence axes are dynamic in the graph)."""
        return tuple(self.data.shape)

    @property
    def ndim(self) -> int:
        """Number of axes."""
        return self.data.ndim

    def _binary(self, op: str, other: Any, fn: Callable, reverse: bool = False) -> Value:
        ex = self.exporter
        if not isinstance(other, Value):
            other = ex.constant(np.asarray(other, dtype=self.data.dtype))
        a, b = (other, self) if reverse else (self, other)
        return ex.node(op, [a, b], fn(a.data, b.data))

    def __add__(self, other: Any) -> Value:
        return self._binary("Add", other, np.add)

    def __radd__(self, other: Any) -> Value:
        return self._binary("Add", other, np.add, reverse=True)

    def __mul__(self, other: Any) -> Value:
        return self._binary("Mul", other, np.multiply)

    def __rmul__(self, other: Any) -> Value:
        return self._binary("Mul", other, np.multiply, reverse=True)

    def __getitem__(self, key: Any) -> Value:
        """Basic indexing: ints (``Gather``, negative ones count from the end) and slices."""
        keys = key if isinstance(key, tuple) else (key,)
        if len(keys) > self.ndim or not all(isinstance(k, (int, slice)) for k in keys):
            raise NotImplementedError(
                f"onnx_export: only ints and slices index a Value, got {key!r}"
            )
        ex, out, axis = self.exporter, self, 0
        for k in keys:
            if isinstance(k, slice):
                if k != slice(None):
                    start, stop, step = k.start or 0, k.stop, k.step or 1
                    stop = np.iinfo(np.int64).max if stop is None else stop
                    consts = [ex.constant(np.array([v], np.int64)) for v in (start, stop, axis)]
                    consts.append(ex.constant(np.array([step], np.int64)))
                    index = (slice(None),) * axis + (k,)
                    out = ex.node("Slice", [out, *consts], out.data[index])
                axis += 1
            else:
                index = (slice(None),) * axis + (k,)
                scalar = ex.constant(np.array(k, np.int64))
                out = ex.node("Gather", [out, scalar], out.data[index], axis=axis)
        return out

    def __sub__(self, other: Any) -> Value:
        return self._binary("Sub", other, np.subtract)

    def __truediv__(self, other: Any) -> Value:
        return self._binary("Div", other, np.divide)

    def __matmul__(self, other: Value) -> Value:
        """Batched matrix product (``MatMul``, NumPy broadcasting of the leading axes)."""
        return self._binary("MatMul", other, np.matmul)

    def size(self, dim: int) -> Dim:
        """The run-time length of axis ``dim`` (``Shape``), for :meth:`reshape` and
        :meth:`expand`: e.g. the batch size, which the graph leaves dynamic.
        """
        dim = dim % self.ndim
        name = self.exporter.graph.node("Shape", [self.name], "size", start=dim, end=dim + 1)
        return Dim(name, self.shape[dim])

    def _shape_input(self, sizes: tuple, hint: str) -> Value:
        """A 1-D int64 shape value from ints and :class:`Dim` (``Concat`` when any is a Dim)."""
        sizes = (
            tuple(sizes[0]) if len(sizes) == 1 and isinstance(sizes[0], (tuple, list)) else sizes
        )
        ex = self.exporter
        example = np.array([int(s.example) if isinstance(s, Dim) else int(s) for s in sizes])
        if not any(isinstance(s, Dim) for s in sizes):
            return ex.constant(example.astype(np.int64), hint)
        parts = [
            s.name if isinstance(s, Dim) else ex.graph.constant(hint, [int(s)], np.int64)
            for s in sizes
        ]
        return Value(ex, ex.graph.node("Concat", parts, hint, axis=0), example)

    def reshape(self, *shape: int | Dim) -> Value:
        """``Reshape`` to ``shape``: ints (one may be -1) and :class:`Dim` from :meth:`size`.

        Write the dynamic axes (batch, sequence) as ``x.size(0)``, not as the example's ints.
        """
        target = self._shape_input(shape, "reshape_shape")
        data = self.data.reshape(tuple(int(v) for v in target.data))
        return self.exporter.node("Reshape", [self, target], data)

    view = reshape

    def expand(self, *sizes: int | Dim) -> Value:
        """Broadcast to ``sizes`` (``Expand``); -1 or 1 keeps an axis, a :class:`Dim` such as
        ``x.size(0)`` repeats it to a run-time length (a learned state to the batch size).
        """
        sizes = tuple(1 if isinstance(s, int) and s == -1 else s for s in sizes)
        target = self._shape_input(sizes, "expand_shape")
        shape = np.broadcast_shapes(self.shape, tuple(int(v) for v in target.data))
        data = np.ascontiguousarray(np.broadcast_to(self.data, shape))
        return self.exporter.node("Expand", [self, target], data)

    def permute(self, *dims: int) -> Value:
        """Reorder the axes (``Transpose`` with ``perm``)."""
        perm = [d % self.ndim for d in dims]
        return self.exporter.node("Transpose", [self], self.data.transpose(perm), perm=perm)

    def transpose(self, dim0: int, dim1: int) -> Value:
        """Swap two axes (``Transpose``)."""
        perm = list(range(self.ndim))
        perm[dim0 % self.ndim], perm[dim1 % self.ndim] = dim1 % self.ndim, dim0 % self.ndim
        return self.permute(*perm)

    def unsqueeze(self, dim: int) -> Value:
        """A new axis of length 1 at ``dim`` (``Unsqueeze``)."""
        dim = dim % (self.ndim + 1)
        axes = self.exporter.constant(np.array([dim], np.int64), "axes")
        return self.exporter.node("Unsqueeze", [self, axes], np.expand_dims(self.data, dim))

    def squeeze(self, dim: int) -> Value:
        """Drop the axis ``dim`` of length 1 (``Squeeze``)."""
        dim = dim % self.ndim
        axes = self.exporter.constant(np.array([dim], np.int64), "axes")
        return self.exporter.node("Squeeze", [self, axes], np.squeeze(self.data, dim))

    def split(self, split_size: int | list[int], dim: int = 0) -> tuple[Value, ...]:
        """Pieces of ``split_size`` along ``dim`` (``Split``), as ``Tensor.split``.

        The axis must have a fixed length (features, heads), not the batch or sequence axis.
        """
        dim, length = dim % self.ndim, self.shape[dim % self.ndim]
        if isinstance(split_size, int):
            sizes = [split_size] * (length // split_size)
            if length % split_size:
                sizes.append(length % split_size)
        else:
            sizes = [int(s) for s in split_size]
        g = self.exporter.graph
        sizes_name = g.constant("split", sizes, np.int64)
        outs = [g.name("split_out") for _ in sizes]
        g.nodes.append(
            g.onnx.helper.make_node(
                "Split", [self.name, sizes_name], outs, name=g.name("split/Split"), axis=dim
            )
        )
        pieces = np.split(self.data, np.cumsum(sizes)[:-1], axis=dim)
        return tuple(Value(self.exporter, n, p) for n, p in zip(outs, pieces))

    def chunk(self, chunks: int, dim: int = 0) -> tuple[Value, ...]:
        """``chunks`` pieces along ``dim`` (the last one smaller when it does not divide)."""
        length = self.shape[dim % self.ndim]
        return self.split(-(-length // chunks), dim)

    def softmax(self, dim: int) -> Value:
        """Softmax over ``dim`` (``Softmax``)."""
        shifted = np.exp(self.data - self.data.max(axis=dim, keepdims=True))
        data = shifted / shifted.sum(axis=dim, keepdims=True)
        return self.exporter.node("Softmax", [self], data, axis=dim % self.ndim)


class Dim:
    """A run-time axis length from :meth:`Value.size`: a 1-element int64 graph value.

    Parameters
    ----------
    name : str
        The graph value holding ``[length]``.
    example : int
        The length on the example input.
    """

    def __init__(self, name: str, example: int):
        self.name, self.example = name, int(example)

    def __int__(self) -> int:
        return self.example

    def __repr__(self) -> str:
        return f"Dim({self.name!r}, example={self.example})"


class Exporter:
    """Builds the graph of a network; handed to a module's ``onnx_export(ex, *inputs)``.

    Call it on a sub-module and values, as the forward calls the sub-module on tensors:
    ``h = ex(self.block, h, is_causal=True)``. Supported: the layers ``homeml.onnx.export``
    lists, (nested) Sequential containers and modules with their own ``onnx_export``.
    Multi-output layers return what their forward returns (e.g. ``output, h_n`` for a GRU,
    ``output, (h_n, c_n)`` for an LSTM, ``output, None`` for MultiheadAttention).

    Parameters
    ----------
    graph : GraphBuilder
        Where the nodes and initializers go.
    root : homeml.nn.Module
        The exported network (for the paths of its sub-modules in names and errors).
    """

    def __init__(self, graph: GraphBuilder, root):
        self.graph = graph
        self._paths = {id(m): name for name, m in root.named_modules()}

    def path(self, module) -> str:
        """The dotted path of ``module`` in the exported network ("" for the root)."""
        return self._paths.get(id(module), type(module).__name__)

    def constant(self, array: Any, hint: str = "const") -> Value:
        """A constant (initializer) value with the dtype of ``array`` (a Tensor or
        Parameter too: its current values, e.g. a learned start state).
        """
        array = _numpy(array)
        return Value(self, self.graph.constant(hint, array, array.dtype), array)

    def node(self, op: str, inputs: list[Value], data: np.ndarray, **attrs: Any) -> Value:
        """A single-output ONNX node ``op``; ``data`` is its result on the example inputs."""
        name = self.graph.node(op, [v.name for v in inputs], op.lower(), **attrs)
        return Value(self, name, np.asarray(data))

    def positions(self, x: Value, dim: int = 1) -> Value:
        """``arange(x.shape[dim])`` as int64, for the run-time length of that axis."""
        g, dim = self.graph, dim % x.ndim
        n = g.node("Shape", [x.name], "positions", start=dim, end=dim + 1)
        n = g.node("Squeeze", [n, g.constant("positions_axis", [0], np.int64)], "positions")
        zero, one = g.constant("zero", 0, np.int64), g.constant("one", 1, np.int64)
        name = g.node("Range", [zero, n, one], "positions")
        return Value(self, name, np.arange(x.shape[dim], dtype=np.int64))

    def cat(self, values: list[Value], dim: int = 0) -> Value:
        """Join ``values`` along ``dim`` (``Concat``), as ``hm.cat``."""
        dim = dim % values[0].ndim
        data = np.concatenate([v.data for v in values], axis=dim)
        return self.node("Concat", list(values), data, axis=dim)

    concat = cat

    def take(self, table: Value, indices: Value, dim: int = 0) -> Value:
        """``numpy.take(table, indices, axis=dim)`` (``Gather``): rows of a table by index."""
        dim = dim % table.ndim
        return self.node(
            "Gather", [table, indices], np.take(table.data, indices.data, dim), axis=dim
        )

    def causal_mask(self, q: Value, k: Value) -> Value:
        """(L, S) float mask, -inf where key position s > query position l (``Less``,
        ``Where``), for the run-time lengths L and S of the second-last axes of q and k.
        """
        rows, cols = self.positions(q, -2).unsqueeze(1), self.positions(k, -2)
        above = self.node("Less", [rows, cols], rows.data < cols.data)
        inf, zero = self.constant(np.float32(-np.inf), "neg_inf"), self.constant(np.float32(0))
        return self.node(
            "Where", [above, inf, zero], np.where(above.data, -np.inf, 0.0).astype(np.float32)
        )

    def scaled_dot_product_attention(
        self, q: Value, k: Value, v: Value, is_causal: bool = False, scale: float | None = None
    ) -> Value:
        """softmax(q k^T * scale [+ causal mask]) v over the last two axes (eval mode: no
        dropout), as ``F.scaled_dot_product_attention``; q (..., L, E), k (..., S, E),
        v (..., S, Ev). The causal mask is built for the run-time lengths.
        """
        scale = 1.0 / np.sqrt(q.shape[-1]) if scale is None else scale
        scores = (q @ k.transpose(-2, -1)) * np.float32(scale)
        if is_causal:
            scores = scores + self.causal_mask(q, k)
        return scores.softmax(-1) @ v

    def __call__(self, module, *inputs: Value, **kwargs: Any) -> Any:
        """Export ``module`` applied to ``inputs`` (and the forward's keyword arguments)."""
        path = self.path(module)
        _check(module, path)
        if _is_plain_sequential(module):
            out: Any = inputs[0] if len(inputs) == 1 else inputs
            for child in module.children():
                out = self(child, *(out if isinstance(out, tuple) else (out,)))
            return out
        tensors = [_tensors(v) for v in inputs]
        try:
            with hm.no_grad():
                result = module(*tensors, **{k: _tensors(v) for k, v in kwargs.items()})
        except Exception as exc:
            shapes = ", ".join(str(v.shape) for v in inputs)
            raise ValueError(
                f"example_input does not fit the network: {base._describe(path, module)} got "
                f"input of shape {shapes} and failed: {exc}"
            ) from exc
        if _has_recipe(module):
            return module.onnx_export(self, *inputs, **kwargs)
        return self._layer(module, path or "layer", inputs, kwargs, result)

    def _layer(self, module, path: str, inputs, kwargs, result) -> Any:
        g = self.graph
        x = inputs[0]
        if isinstance(module, RNNBase):
            hx = inputs[1] if len(inputs) > 1 else kwargs.pop("hx", None)
            initial = None if hx is None else [v.name for v in _flat(hx)]
            names = seq.rnn(g, module, x.name, x.shape, path, initial=initial, **kwargs)
            output, state = result
            values = [Value(self, n, _numpy(t)) for n, t in zip(names, [output, *_flat(state)])]
            return values[0], (tuple(values[1:]) if len(values) == 3 else values[1])
        if isinstance(module, nn.MultiheadAttention):
            q, k, v = (list(inputs) + [x, x])[:3] if len(inputs) < 3 else inputs
            kwargs = {n: kwargs[n] for n in kwargs if n not in ("need_weights",)}
            kwargs.pop("average_attn_weights", None)
            name = seq.multihead_attention(
                g, module, q.name, k.name, v.name, q.shape, path, **kwargs
            )
            return Value(self, name, _numpy(result[0])), None
        if isinstance(module, nn.TransformerEncoderLayer):
            name = seq.encoder_layer(g, module, x.name, x.shape, path, **kwargs)
            return Value(self, name, _numpy(result))
        if kwargs or len(inputs) != 1:
            raise NotImplementedError(
                f"cannot export {base._describe(path, module)} called with more than one input"
            )
        cls = next(c for c in type(module).__mro__ if c in _converters())
        name = _converters()[cls](g, module, x.name, x.shape, tuple(result.shape), path)
        return Value(self, name, _numpy(result))


def _tensors(value: Any) -> Any:
    """Values (also in tuples, e.g. an LSTM's (h0, c0)) as Tensors of their example arrays."""
    if isinstance(value, Value):
        return hm.tensor(value.data)
    if isinstance(value, tuple):
        return tuple(_tensors(v) for v in value)
    return value


def _flat(value) -> list:
    if isinstance(value, (tuple, list)):
        return [t for v in value for t in _flat(v)]
    return [] if value is None else [value]


def _is_sequence_model(model) -> bool:
    return any(isinstance(m, _SEQUENCE_TYPES) or _has_recipe(m) for m in model.modules())


def convert_network(model, example_input):
    """Build the ONNX ``ModelProto`` of ``model`` (see ``homeml.onnx.export``)."""
    array = example_input.numpy() if isinstance(example_input, Tensor) else example_input
    try:
        array = np.asarray(array)
        array = array.astype(np.int64 if array.dtype.kind in "iu" else np.float32)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"example_input must be a float array or Tensor: {exc}") from exc
    if array.ndim < 2 or array.shape[0] < 1:
        raise ValueError(
            "example_input must have a batch axis first and at least one sample, e.g. "
            f"(1, 1, 28, 28); got shape {array.shape}"
        )
    _check(model)
    modes = [(m, m.training) for m in model.modules()]
    model.eval()  # exported as used for inference: BatchNorm's running stats, Dropout off
    g = GraphBuilder()
    ex = Exporter(g, model)
    try:
        result = ex(model, Value(ex, INPUT_NAME, array))
        with hm.no_grad():
            expected = model(hm.tensor(array))
    finally:
        for module, training in modes:
            object.__setattr__(module, "training", training)
    values = [v for v in _flat(result)]
    for got, want in zip(values, _flat(expected)):
        want = _numpy(want)
        if got.shape != want.shape or not np.allclose(got.data, want, rtol=1e-4, atol=1e-5):
            raise ValueError(
                f"onnx_export of {type(model).__name__} does not reproduce its forward() on the "
                "example input: the exported graph would compute something else"
            )
    names = _output_names(model, len(values))
    outputs: list[tuple[str, type, list]] = []  # (name, dtype, shape)
    for value, name in zip(values, names):
        if value.name == INPUT_NAME or any(o == value.name for o, _, _ in outputs):
            g.node("Identity", [value.name], name, output=name)  # e.g. an empty network
        else:
            _rename(g, value.name, name)
        dtype = np.int64 if value.data.dtype.kind in "iu" else np.float32
        shape = list(value.shape)
        if _is_sequence_model(model):  # only the last axis (features) is fixed
            shape = [shape[0], *[None] * (len(shape) - 2), shape[-1]][: len(shape)]
        outputs.append((name, dtype, shape))
    dynamic = 2 if _is_sequence_model(model) else 1
    return g.build(
        array.shape,
        outputs,
        doc=f"homeml {type(model).__name__}",
        input_dtype=array.dtype,
        dynamic_axes=dynamic,
    )


def _output_names(model, n: int) -> list[str]:
    if isinstance(model, RNNBase):
        return [OUTPUT_NAME, "h_n", "c_n"][:n]
    return [OUTPUT_NAME] + [f"{OUTPUT_NAME}_{i}" for i in range(1, n)]


def _rename(g: GraphBuilder, old: str, new: str) -> None:
    """Rename the value ``old`` (a node output) to ``new`` everywhere in the graph."""
    for node in g.nodes:
        for i, name in enumerate(node.output):
            if name == old:
                node.output[i] = new
        for i, name in enumerate(node.input):
            if name == old:
                node.input[i] = new
