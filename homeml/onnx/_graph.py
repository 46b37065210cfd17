"""Helpers shared by the ONNX converters: the opset, initializers and the atomic writer."""

from __future__ import annotations

import os
import tempfile

import numpy as np

OPSET = 17  # widely supported (onnxruntime >= 1.14) and has LayerNormalization
INPUT_NAME, OUTPUT_NAME = "input", "output"
BATCH_DIM, SEQUENCE_DIM = "batch", "sequence"


def require_onnx():
    """The ``onnx`` module, or an ImportError that says how to install it."""
    try:
        import onnx
    except ImportError:  # pragma: no cover - onnx is a dev dependency
        raise ImportError(
            "homeml.onnx needs the 'onnx' package: pip install onnx (and onnxruntime to run)"
        ) from None
    return onnx


class GraphBuilder:
    """Collects nodes and float32 initializers with unique names.

    Parameters
    ----------
    prefix : str, default ""
        Prepended to every generated name.
    """

    def __init__(self, prefix: str = ""):
        self.onnx = require_onnx()
        self.nodes: list = []  # onnx NodeProto
        self.initializers: list = []  # onnx TensorProto
        self._names: set[str] = set()
        self.prefix = prefix

    def name(self, hint: str) -> str:
        """A value name, based on ``hint``, not used before in this graph."""
        base = self.prefix + hint.replace(".", "_")
        name, i = base, 1
        while name in self._names:
            name, i = f"{base}_{i}", i + 1
        self._names.add(name)
        return name

    def constant(self, hint: str, array, dtype=np.float32) -> str:
        """Add ``array`` (cast to ``dtype``) as an initializer; return its name."""
        name = self.name(hint)
        value = np.array(array, dtype=dtype, order="C")  # 0-d stays 0-d (Range, Gather)
        self.initializers.append(self.onnx.numpy_helper.from_array(value, name))
        return name

    def node(self, op: str, inputs, hint: str, output: str | None = None, **attrs) -> str:
        """Add an ``op`` node; return the name of its (single) output."""
        output = output or self.name(hint + "_" + op.lower())
        node_name = self.name(hint + "/" + op)
        self.nodes.append(
            self.onnx.helper.make_node(op, list(inputs), [output], name=node_name, **attrs)
        )
        return output

    def model(self, input_shape, output_shape, doc: str = ""):
        """A checked ``ModelProto`` with one float32 input and output, batch axis dynamic."""
        return self.build(input_shape, [(OUTPUT_NAME, np.float32, output_shape)], doc)

    def build(
        self,
        input_shape,
        outputs,
        doc: str = "",
        ml_opset: int | None = None,
        input_dtype=np.float32,
        dynamic_axes: int = 1,
    ):
        """A checked ``ModelProto`` with one float32 input and several outputs.

        Parameters
        ----------
        input_shape : tuple
            Shape of the float32 input; its first (batch) axis is made dynamic.
        outputs : list of (name, dtype, shape)
            Graph outputs (values already produced by the nodes, e.g. through ``Identity``);
            ``dtype`` is np.float32 or np.int64; the first axis of ``shape`` is the batch.
        doc : str, default ""
            Doc string of the graph.
        ml_opset : int or None, default None
            Version of the ``ai.onnx.ml`` domain to import (tree ensembles), if any.
        input_dtype : numpy dtype, default np.float32
            np.float32, or np.int64 for token indices.
        dynamic_axes : int, default 1
            How many leading input axes are dynamic: 1 (batch) or 2 (batch and sequence).
            Output shapes may hold None (a dynamic axis) past the first.
        """
        helper, TensorProto = self.onnx.helper, self.onnx.TensorProto
        types = {np.dtype(np.float32): TensorProto.FLOAT, np.dtype(np.int64): TensorProto.INT64}
        dims = [BATCH_DIM, SEQUENCE_DIM][:dynamic_axes]
        inp = helper.make_tensor_value_info(
            INPUT_NAME,
            types[np.dtype(input_dtype)],
            [*dims, *input_shape[len(dims) :]],
        )
        outs = [
            helper.make_tensor_value_info(name, types[np.dtype(dtype)], [BATCH_DIM, *shape[1:]])
            for name, dtype, shape in outputs
        ]
        graph = helper.make_graph(
            self.nodes, "homeml", [inp], outs, initializer=self.initializers, doc_string=doc
        )
        opsets = [helper.make_opsetid("", OPSET)]
        if ml_opset is not None:
            opsets.append(helper.make_opsetid("ai.onnx.ml", ml_opset))
        model = helper.make_model(
            graph,
            opset_imports=opsets,
            producer_name="homeml",
            ir_version=8,  # the IR version of opset 17: readable by older runtimes too
        )
        self.onnx.checker.check_model(model)
        return model


def save_atomic(model, path) -> None:
    """Write ``model`` to ``path`` through a temporary file in the same folder and ``os.replace``,
    so that ``path`` is never left half-written.
    """
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    data = model.SerializeToString()
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".onnx", dir=folder)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
