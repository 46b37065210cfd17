"""ONNX converters of the feed-forward ``homeml.nn`` layers (the walk is in ``_export.py``).

Each converter gets the layer's input name and the input and output shapes that homeml computed
on the example (Flatten, Softmax's default dim and AdaptiveAvgPool2d need them).
"""

from __future__ import annotations

import math

import numpy as np

from homeml import nn
from homeml.ops.conv import pair
from homeml.tensor import Tensor


def _describe(path: str, module) -> str:
    return f"layer {path or '<root>'!r} ({type(module).__name__})"


def convert_module(model, example_input):
    """Build the ONNX ``ModelProto`` of ``model`` (see ``homeml.onnx.export``)."""
    from homeml.onnx._export import convert_network

    return convert_network(model, example_input)


# ----------------------------------------------------------------------------- converters
# Each takes (graph, layer, input name, input shape, output shape, path) and returns the name of
# the layer's output.


def _need_4d(layer, shape, path):
    if len(shape) != 4:  # e.g. one unbatched (C, H, W) sample, which homeml accepts
        raise ValueError(
            f"{_describe(path, layer)} gets input of shape {shape}: example_input must be a "
            "batch, so that this layer sees (N, C, H, W) input"
        )


def _array(value):
    return value.numpy() if isinstance(value, Tensor) else np.asarray(value)


def _linear(g, layer, x, in_shape, out_shape, path):
    w = _array(layer.weight)
    if len(in_shape) == 2:
        inputs = [x, g.constant(path + ".weight", w)]
        if layer.bias is not None:
            inputs.append(g.constant(path + ".bias", _array(layer.bias)))
        return g.node("Gemm", inputs, path, transB=1)
    y = g.node("MatMul", [x, g.constant(path + ".weight_t", w.T)], path)
    if layer.bias is None:
        return y
    return g.node("Add", [y, g.constant(path + ".bias", _array(layer.bias))], path)


def _conv_pads(layer):
    if layer.padding_mode != "zeros":
        raise NotImplementedError(f"padding_mode={layer.padding_mode!r}")
    if isinstance(layer.padding, str):
        sym, extra = nn.functional._string_padding(
            layer.padding, layer.kernel_size, layer.dilation, layer.stride
        )
        return [sym[0], sym[1], sym[0] + extra[0], sym[1] + extra[1]]
    ph, pw = layer.padding
    return [ph, pw, ph, pw]


def _conv2d(g, layer, x, in_shape, out_shape, path):
    _need_4d(layer, in_shape, path)
    try:
        pads = _conv_pads(layer)
    except NotImplementedError as exc:
        raise NotImplementedError(f"cannot export {_describe(path, layer)}: {exc}") from None
    inputs = [x, g.constant(path + ".weight", _array(layer.weight))]
    if layer.bias is not None:
        inputs.append(g.constant(path + ".bias", _array(layer.bias)))
    return g.node(
        "Conv",
        inputs,
        path,
        kernel_shape=list(layer.kernel_size),
        strides=list(layer.stride),
        pads=pads,
        dilations=list(layer.dilation),
        group=layer.groups,
    )


def _pool_args(layer):
    kernel, stride, padding = pair(layer.kernel_size), pair(layer.stride), pair(layer.padding)
    return dict(kernel_shape=list(kernel), strides=list(stride), pads=list(padding) * 2)


def _max_pool2d(g, layer, x, in_shape, out_shape, path):
    _need_4d(layer, in_shape, path)
    args = _pool_args(layer)
    return g.node("MaxPool", [x], path, dilations=list(pair(layer.dilation)), **args)


def _avg_pool2d(g, layer, x, in_shape, out_shape, path):
    _need_4d(layer, in_shape, path)
    include = int(bool(layer.count_include_pad))
    return g.node("AveragePool", [x], path, count_include_pad=include, **_pool_args(layer))


def _adaptive_avg_pool2d(g, layer, x, in_shape, out_shape, path):
    _need_4d(layer, in_shape, path)
    (h, w), (oh, ow) = in_shape[-2:], out_shape[-2:]
    if (oh, ow) == (1, 1):
        return g.node("GlobalAveragePool", [x], path)
    if h % oh or w % ow:  # PyTorch's bins then overlap or differ in size: no ONNX pooling op
        raise NotImplementedError(
            f"cannot export {_describe(path, layer)}: output {(oh, ow)} does not divide the "
            f"input size {(h, w)} (only 1x1 output or an exact divisor is supported)"
        )
    kernel = [h // oh, w // ow]
    return g.node("AveragePool", [x], path, kernel_shape=kernel, strides=kernel)


def _batch_norm(g, layer, x, in_shape, out_shape, path):
    if not layer.track_running_stats or layer.running_mean is None:
        raise NotImplementedError(
            f"cannot export {_describe(path, layer)}: without running statistics it normalises "
            "with each batch's statistics even in eval mode"
        )
    c = layer.num_features
    weight = np.ones(c) if layer.weight is None else _array(layer.weight)
    bias = np.zeros(c) if layer.bias is None else _array(layer.bias)
    inputs = [
        x,
        g.constant(path + ".weight", weight),
        g.constant(path + ".bias", bias),
        g.constant(path + ".running_mean", _array(layer.running_mean)),
        g.constant(path + ".running_var", _array(layer.running_var)),
    ]
    return g.node("BatchNormalization", inputs, path, epsilon=float(layer.eps))


def _layer_norm(g, layer, x, in_shape, out_shape, path):
    shape = layer.normalized_shape
    weight = np.ones(shape) if layer.weight is None else _array(layer.weight)
    inputs = [x, g.constant(path + ".weight", weight)]
    if layer.bias is not None:
        inputs.append(g.constant(path + ".bias", _array(layer.bias)))
    return g.node("LayerNormalization", inputs, path, axis=-len(shape), epsilon=float(layer.eps))


def _identity(g, layer, x, in_shape, out_shape, path):
    return x


def _flatten(g, layer, x, in_shape, out_shape, path):
    ndim = len(in_shape)
    start = layer.start_dim % ndim if ndim else 0
    end = layer.end_dim % ndim if ndim else 0
    if start == 0:
        raise NotImplementedError(
            f"cannot export {_describe(path, layer)} with start_dim=0: the batch axis must stay"
        )
    if start == 1 and end == ndim - 1:
        return g.node("Flatten", [x], path, axis=1)
    # Reshape: 0 copies the (dynamic) batch size, -1 takes the flattened block
    target = [0] * start + [-1] + list(in_shape[end + 1 :])
    return g.node("Reshape", [x, g.constant(path + ".shape", target, np.int64)], path)


def _unary(op):
    def convert(g, layer, x, in_shape, out_shape, path):
        return g.node(op, [x], path)

    return convert


def _leaky_relu(g, layer, x, in_shape, out_shape, path):
    return g.node("LeakyRelu", [x], path, alpha=float(layer.negative_slope))


def _gelu(g, layer, x, in_shape, out_shape, path):
    # opset 17 has no Gelu op: 0.5 x (1 + erf(x / sqrt 2)), or the tanh approximation
    half, one = g.constant(path + ".half", 0.5), g.constant(path + ".one", 1.0)
    if layer.approximate == "tanh":
        x3 = g.node("Mul", [g.node("Mul", [x, x], path), x], path)
        cubic = g.node("Mul", [x3, g.constant(path + ".c", 0.044715)], path)
        inner = g.node("Add", [x, cubic], path)
        scaled = g.node("Mul", [inner, g.constant(path + ".k", math.sqrt(2 / math.pi))], path)
        core = g.node("Tanh", [scaled], path)
    else:
        scaled = g.node("Div", [x, g.constant(path + ".sqrt2", math.sqrt(2))], path)
        core = g.node("Erf", [scaled], path)
    return g.node("Mul", [g.node("Mul", [x, half], path), g.node("Add", [core, one], path)], path)


def _softplus(g, layer, x, in_shape, out_shape, path):
    # as homeml/torch: log(1 + exp(beta x)) / beta, and x itself where beta x > threshold
    beta = g.constant(path + ".beta", layer.beta)
    bx = g.node("Mul", [x, beta], path)
    soft = g.node("Div", [g.node("Softplus", [bx], path), beta], path)
    above = g.node("Greater", [bx, g.constant(path + ".threshold", layer.threshold)], path)
    return g.node("Where", [above, x, soft], path)


def _softmax_axis(layer, ndim):
    if layer.dim is None:  # torch's legacy default, as homeml.nn.functional._softmax_dim
        return 0 if ndim in (0, 1, 3) else 1
    return layer.dim % ndim


def _softmax(g, layer, x, in_shape, out_shape, path):
    return g.node("Softmax", [x], path, axis=_softmax_axis(layer, len(in_shape)))


def _log_softmax(g, layer, x, in_shape, out_shape, path):
    return g.node("LogSoftmax", [x], path, axis=_softmax_axis(layer, len(in_shape)))


_CONVERTERS = {
    nn.Linear: _linear,
    nn.Conv2d: _conv2d,
    nn.MaxPool2d: _max_pool2d,
    nn.AvgPool2d: _avg_pool2d,
    nn.AdaptiveAvgPool2d: _adaptive_avg_pool2d,
    nn.BatchNorm1d: _batch_norm,
    nn.BatchNorm2d: _batch_norm,
    nn.LayerNorm: _layer_norm,
    nn.Dropout: _identity,
    nn.Identity: _identity,
    nn.Flatten: _flatten,
    nn.ReLU: _unary("Relu"),
    nn.LeakyReLU: _leaky_relu,
    nn.GELU: _gelu,
    nn.Sigmoid: _unary("Sigmoid"),
    nn.Tanh: _unary("Tanh"),
    nn.Softplus: _softplus,
    nn.Softmax: _softmax,
    nn.LogSoftmax: _log_softmax,
}
