"""Export homeml models to ONNX, the open format that onnxruntime and other runtimes execute.

Needs the ``onnx`` package (``pip install onnx``; ``onnxruntime`` to run the exported files).
"""

from __future__ import annotations

from homeml.onnx._graph import INPUT_NAME, OPSET, OUTPUT_NAME, save_atomic

__all__ = ["export", "OPSET", "INPUT_NAME", "OUTPUT_NAME"]


def _converters():
    """(type, converter) pairs; a converter takes (obj, example_input) and returns a ModelProto.
    Estimator converters are added here next to the network one."""
    from homeml import nn
    from homeml.onnx._nn import convert_module

    return [(nn.Module, convert_module)]


def export(obj, path, example_input):
    """Write ``obj`` as a standard ONNX model (opset ``OPSET``) to ``path``.

    The model has one float32 input named ``"input"`` and one output named ``"output"``; their
    first (batch) axis is dynamic, the other axes are those of ``example_input``. Weights are
    stored as float32. A network is exported as used for inference (eval mode: BatchNorm uses its
    running statistics, Dropout does nothing), whatever its current mode, which is kept.

    Parameters
    ----------
    obj : homeml.nn.Module
        A network made of supported layers (Linear, Conv2d, MaxPool2d, AvgPool2d,
        AdaptiveAvgPool2d, BatchNorm1d/2d, LayerNorm, Dropout, Identity, Flatten, ReLU,
        LeakyReLU, GELU, Sigmoid, Tanh, Softplus, Softmax, LogSoftmax), alone or inside (nested)
        ``Sequential`` containers such as the ``homeml.models`` architectures.
    path : str or os.PathLike
        Output file. It is written atomically: a temporary file in the same folder is renamed
        over it, so a failed export leaves no partial file (and an existing file untouched).
    example_input : array_like or homeml.Tensor
        A batch of inputs of the shape the network takes, batch axis first, e.g. (1, 1, 28, 28).
        The network is run on it once to learn the shapes of every layer.

    Returns
    -------
    onnx.ModelProto
        The model written (already checked with ``onnx.checker.check_model``).

    Raises
    ------
    NotImplementedError
        A layer (named by its path in the model and its class) or option cannot be exported.
    ValueError
        ``example_input`` does not fit the network (the message names the failing layer).
    TypeError
        ``obj`` is not a kind of object that can be exported.
    """
    for cls, convert in _converters():
        if isinstance(obj, cls):
            model = convert(obj, example_input)
            break
    else:
        raise TypeError(
            f"cannot export {type(obj).__name__} to ONNX; supported: homeml.nn.Module networks"
        )
    save_atomic(model, path)
    return model
