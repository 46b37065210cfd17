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


def _supported_class(module) -> type | None:
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
        """A constant (initializer) value with the dtype of ``array``."""
        array = np.asarray(array)
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

    def __call__(self, module, *inputs: Value, **kwargs: Any) -> Any:
        """Export ``module`` applied to ``inputs`` (and the forward's keyword arguments)."""
        path = self.path(module)
        _check(module, path)
        if _is_plain_sequential(module):
            out: Any = inputs[0] if len(inputs) == 1 else inputs
            for child in module.children():
                out = self(child, *(out if isinstance(out, tuple) else (out,)))
            return out
        tensors = [hm.tensor(v.data) for v in inputs]
        try:
            with hm.no_grad():
                result = module(*tensors, **kwargs)
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
            names = seq.rnn(g, module, x.name, x.shape, path, **kwargs)
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
    outputs = []
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
