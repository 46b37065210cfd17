"""The input shape of a saved network, worked out from its layers when its file does not say.

A chain of layers fixes the input size where it starts with a ``Linear`` (``in_features``), or
with ``Conv2d``/pooling layers followed by ``Flatten`` and a ``Linear``: the picture side is the
smallest square size whose feature map flattens to that ``Linear``'s ``in_features``. Anything
else (fully convolutional networks, adaptive pooling, custom modules) leaves it unknown.
"""

from __future__ import annotations

import math

# Layers that keep the shape of what flows through them.
_SHAPE_KEEPING = {
    "ReLU",
    "LeakyReLU",
    "ReLU6",
    "ELU",
    "SELU",
    "CELU",
    "GELU",
    "SiLU",
    "Mish",
    "Tanh",
    "Sigmoid",
    "Hardtanh",
    "Hardsigmoid",
    "Hardswish",
    "Softplus",
    "Softsign",
    "PReLU",
    "Dropout",
    "Dropout2d",
    "AlphaDropout",
    "Identity",
    "BatchNorm2d",
    "GroupNorm",
    "InstanceNorm2d",
}
_LARGEST_SIDE = 1024  # sizes tried for a convolutional network's square input


def infer_input_shape(model) -> tuple[int, ...] | None:
    """The per-sample input shape ``model`` requires, or None where its layers do not fix it."""
    layers = _chain(model)
    if not layers:
        return None
    first = next((i for i, layer in enumerate(layers) if _has_weights(layer)), None)
    if first is None:
        return None
    name = type(layers[first]).__name__
    if name == "Linear":
        return (int(layers[first].in_features),)
    if name != "Conv2d":
        return None
    channels = int(layers[first].in_channels)
    for side in range(1, _LARGEST_SIDE + 1):  # shape arithmetic only: no forward pass
        fits = _flattens_to_linear(layers, channels, side)  # (from the start: a pool may lead)
        if fits is None:
            return None
        if fits:
            return (channels, side, side)
    return None


def _chain(model) -> list:
    """The layers of a (nested) ``Sequential`` in the order they run."""
    from homeml.nn import Sequential

    if not isinstance(model, Sequential):
        # a single layer, or a custom module whose layers are taken in the order they were
        # registered (the startup check then tries the shape found)
        return [m for m in model.modules() if not any(True for _ in m.children())]
    layers = []
    for child in model.children():
        if isinstance(child, Sequential):
            layers.extend(_chain(child))
        else:
            layers.append(child)
    return layers


def _has_weights(layer) -> bool:
    return any(True for _ in layer.parameters())


def _flattens_to_linear(layers, channels: int, side: int) -> bool | None:
    """Whether a ``channels x side x side`` input reaches ``Flatten`` with as many values as
    the ``Linear`` after it takes; None when the layers are not ones whose shapes are known
    here (then no size will do).
    """
    height = width = side
    for index, layer in enumerate(layers):
        name = type(layer).__name__
        if name == "Conv2d":
            if int(layer.in_channels) != channels:
                return None
            height, width = _conv_out(layer, height, width)
            channels = int(layer.out_channels)
        elif name in ("MaxPool2d", "AvgPool2d"):
            height, width = _pool_out(layer, height, width)
        elif name == "Flatten":
            following = next((x for x in layers[index + 1 :] if _has_weights(x)), None)
            if following is None or type(following).__name__ != "Linear":
                return None
            if any(
                type(x).__name__ not in _SHAPE_KEEPING
                for x in layers[index + 1 : layers.index(following)]
            ):
                return None
            return height > 0 and width > 0 and channels * height * width == following.in_features
        elif name not in _SHAPE_KEEPING:
            return None
        if height <= 0 or width <= 0:
            return False
    return None


def _pair(value) -> tuple[int, int]:
    return (int(value), int(value)) if isinstance(value, int) else (int(value[0]), int(value[1]))


def _conv_out(layer, height: int, width: int) -> tuple[int, int]:
    kernel, stride, dilation = _pair(layer.kernel_size), _pair(layer.stride), _pair(layer.dilation)
    if layer.padding == "same":
        return height, width
    padding = (0, 0) if layer.padding == "valid" else _pair(layer.padding)
    out_height, out_width = (
        (size + 2 * p - d * (k - 1) - 1) // s + 1
        for size, k, s, p, d in zip((height, width), kernel, stride, padding, dilation)
    )
    return out_height, out_width


def _pool_out(layer, height: int, width: int) -> tuple[int, int]:
    kernel, stride = _pair(layer.kernel_size), _pair(layer.stride)
    padding, dilation = _pair(layer.padding), _pair(getattr(layer, "dilation", 1))
    rounding = math.ceil if layer.ceil_mode else math.floor
    out_height, out_width = (
        int(rounding((size + 2 * p - d * (k - 1) - 1) / s)) + 1
        for size, k, s, p, d in zip((height, width), kernel, stride, padding, dilation)
    )
    return out_height, out_width
