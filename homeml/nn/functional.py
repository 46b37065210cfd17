"""Functional forms of the layers and losses, as ``torch.nn.functional``."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from homeml.creation import default_generator
from homeml.ops import conv as _conv
from homeml.ops import linalg as _linalg
from homeml.ops import loss as _loss
from homeml.ops import norm as _norm
from homeml.ops import pool as _pool
from homeml.ops.attention import scaled_dot_product_attention  # noqa: F401 - re-exported
from homeml.ops.elementwise import (  # noqa: F401 - re-exported activations
    gelu,
    leaky_relu,
    relu,
    sigmoid,
    softplus,
    tanh,
    where,
)
from homeml.ops.embedding_bag import embedding_bag  # noqa: F401 - re-exported
from homeml.ops.movement import pad  # noqa: F401
from homeml.ops.reduce import log_softmax as _log_softmax
from homeml.ops.reduce import softmax as _softmax
from homeml.tensor import Tensor

if TYPE_CHECKING:
    from typing import TypeAlias

    from numpy.typing import DTypeLike

    from homeml.creation import Generator

    _size2: TypeAlias = "int | tuple[int, int]"  # one size for both sides, or (h, w)

pair = _conv.pair


# ----------------------------------------------------------------------------- softmax


def _softmax_dim(name, ndim, dim):
    """``dim``, or for ``dim=None`` torch's legacy choice: 0 for 0-, 1- and 3-D input, else 1."""
    if dim is not None:
        return dim
    warnings.warn(
        f"Implicit dimension choice for {name} has been deprecated. Change the call to include "
        "dim=X as an argument.",
        UserWarning,
        stacklevel=3,
    )
    return 0 if ndim in (0, 1, 3) else 1


def softmax(input: Tensor, dim: int | None = None, dtype: DTypeLike | None = None) -> Tensor:
    """``exp(x) / sum(exp(x))`` along ``dim``; ``dtype`` casts the input first, as in torch."""
    if dtype is not None:
        input = input.to(dtype)
    return _softmax(input, _softmax_dim("softmax", input.ndim, dim))


def log_softmax(input: Tensor, dim: int | None = None, dtype: DTypeLike | None = None) -> Tensor:
    """``x - logsumexp(x)`` along ``dim``, computed stably; ``dtype`` casts the input first."""
    if dtype is not None:
        input = input.to(dtype)
    return _log_softmax(input, _softmax_dim("log_softmax", input.ndim, dim))


def _unbatched(op, input, *args, **kwargs):
    """Run a 4-D (N, C, H, W) op on a 3-D (C, H, W) input too, as torch does for one sample."""
    if input.ndim == 3:
        return op(input.unsqueeze(0), *args, **kwargs).squeeze(0)
    return op(input, *args, **kwargs)


# ----------------------------------------------------------------------------- layers


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """``input @ weight.T + bias`` with weight shaped (out_features, in_features)."""
    if weight.ndim != 2 or input.ndim == 0:
        out = input @ weight.T
        return out if bias is None else out + bias
    return _linalg.Linear.apply(input, weight, bias)  # one graph node


def conv2d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: _size2 = 1,
    padding: _size2 | str = 0,
    dilation: _size2 = 1,
    groups: int = 1,
) -> Tensor:
    """2-D convolution (cross-correlation) of an (N, C, H, W) batch, as torch's."""
    if isinstance(padding, str):
        padding, extra = _string_padding(padding, weight.shape[2:], pair(dilation), pair(stride))
        if any(extra):  # as torch: an odd total puts the extra row/column at the bottom/right
            input = pad(input, (0, extra[1], 0, extra[0]))
    return _conv.Conv2d.apply(
        input,
        weight,
        bias,
        stride=pair(stride),
        padding=pair(padding),
        dilation=pair(dilation),
        groups=groups,
    )


def _string_padding(mode, kernel, dilation, stride):
    """``'valid'``/``'same'`` as (symmetric padding, extra bottom/right padding) per dimension."""
    if mode == "valid":
        return (0, 0), (0, 0)
    if mode != "same":
        raise ValueError(f"padding must be an int, a pair, 'same' or 'valid', got {mode!r}")
    if stride != (1, 1):
        raise ValueError(f"padding='same' needs stride 1 (as in torch), got stride={stride}")
    total = [d * (k - 1) for k, d in zip(kernel, dilation)]
    return tuple(t // 2 for t in total), tuple(t % 2 for t in total)


def _single(value: int | tuple[int, ...] | list[int], name: str) -> int:
    """An int, or a 1-tuple as torch accepts for 1-D convolution sizes."""
    if isinstance(value, (tuple, list)):
        if len(value) != 1:
            raise ValueError(f"conv1d: {name} must be an int or a 1-tuple, got {value!r}")
        value = value[0]
    return int(value)


def conv1d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: int | tuple[int] = 1,
    padding: int | tuple[int] | str = 0,
    dilation: int | tuple[int] = 1,
    groups: int = 1,
) -> Tensor:
    """1-D convolution of an (N, C, L) batch or one (C, L) sample with an (out, C/groups, K)
    weight, as torch's: the 2-D convolution on a (N, C, 1, L) view (one im2col engine for both).
    """
    if input.ndim not in (2, 3) or weight.ndim != 3:
        raise ValueError(
            "conv1d expects input (N, C, L) or (C, L) and weight (out, C/groups, K), got "
            f"shapes {tuple(input.shape)} and {tuple(weight.shape)}"
        )
    if input.ndim == 2:
        return conv1d(input.unsqueeze(0), weight, bias, stride, padding, dilation, groups).squeeze(
            0
        )
    out = conv2d(
        input.unsqueeze(2),  # (N, C, 1, L)
        weight.unsqueeze(2),  # (out, C/groups, 1, K)
        bias,
        (1, _single(stride, "stride")),
        padding if isinstance(padding, str) else (0, _single(padding, "padding")),
        (1, _single(dilation, "dilation")),
        groups,
    )
    return out.squeeze(2)


def conv_transpose2d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: _size2 = 1,
    padding: _size2 = 0,
    output_padding: _size2 = 0,
    groups: int = 1,
    dilation: _size2 = 1,
) -> Tensor:
    """2-D transposed convolution (the gradient of ``conv2d`` as a layer)."""
    return _conv.ConvTranspose2d.apply(
        input,
        weight,
        bias,
        stride=pair(stride),
        padding=pair(padding),
        output_padding=pair(output_padding),
        dilation=pair(dilation),
        groups=groups,
    )


def max_pool2d(
    input: Tensor,
    kernel_size: _size2,
    stride: _size2 | None = None,
    padding: _size2 = 0,
    dilation: _size2 = 1,
    ceil_mode: bool = False,
) -> Tensor:
    """2-D max pooling over an (N, C, H, W) batch."""
    if ceil_mode:
        raise NotImplementedError("max_pool2d: ceil_mode=True is not supported")
    kernel = pair(kernel_size)
    stride = kernel if stride is None else pair(stride)
    return _unbatched(
        _pool.MaxPool2d.apply,
        input,
        kernel=kernel,
        stride=stride,
        padding=pair(padding),
        dilation=pair(dilation),
    )


def avg_pool2d(
    input: Tensor,
    kernel_size: _size2,
    stride: _size2 | None = None,
    padding: _size2 = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
) -> Tensor:
    """2-D average pooling over an (N, C, H, W) batch."""
    if ceil_mode:
        raise NotImplementedError("avg_pool2d: ceil_mode=True is not supported")
    kernel = pair(kernel_size)
    stride = kernel if stride is None else pair(stride)
    return _unbatched(
        _pool.AvgPool2d.apply,
        input,
        kernel=kernel,
        stride=stride,
        padding=pair(padding),
        count_include_pad=count_include_pad,
    )


def _pooling_matrix(size, out, dtype):
    """(out, size) averaging matrix with PyTorch's adaptive bins [floor(i*s/o), ceil((i+1)*s/o))."""
    matrix = np.zeros((out, size), dtype=dtype)
    for i in range(out):
        start, end = (i * size) // out, -((-(i + 1) * size) // out)
        matrix[i, start:end] = 1.0 / (end - start)
    return matrix


def adaptive_avg_pool2d(input: Tensor, output_size: _size2) -> Tensor:
    """Average-pool the last two dimensions to ``output_size`` (an int, or a pair whose entries
    may be None to keep that dimension's size), with PyTorch's bins.
    """
    if isinstance(output_size, (tuple, list)):
        if len(output_size) != 2:
            raise ValueError(f"adaptive_avg_pool2d: output_size must be a pair, got {output_size}")
        oh, ow = output_size
    else:
        oh = ow = output_size
    h, w = input.shape[-2:]
    oh = h if oh is None else oh
    ow = w if ow is None else ow
    rows = Tensor._make(_pooling_matrix(h, oh, input.dtype))
    cols = Tensor._make(_pooling_matrix(w, ow, input.dtype).T.copy())
    return rows @ input @ cols  # (oh, h) @ (..., h, w) @ (w, ow)


def batch_norm(
    input: Tensor,
    running_mean: Tensor | None,
    running_var: Tensor | None,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    training: bool = False,
    momentum: float = 0.1,
    eps: float = 1e-05,
) -> Tensor:
    """Batch normalisation over every axis but 1; in training, updates the running statistics."""
    if input.ndim < 2:
        raise ValueError(f"batch_norm expects input of shape (N, C, ...), got {input.shape}")
    shape = (1, input.shape[1]) + (1,) * (input.ndim - 2)
    if training:
        if input.numel() // input.shape[1] <= 1:
            raise ValueError(
                f"batch_norm needs more than one value per channel in training, got {input.shape}"
            )
        mean, var = _norm.batch_statistics(input.numpy())
        out = _norm.BatchNormTrain.apply(input, weight, bias, mean=mean, var=var, eps=eps)
        if running_mean is not None and running_var is not None:
            count = input.numel() // input.shape[1]
            running_mean._data *= 1 - momentum
            running_mean._data += (momentum * mean.reshape(-1)).astype(running_mean.dtype)
            running_var._data *= 1 - momentum
            unbiased = var.reshape(-1) * (count / (count - 1))
            running_var._data += (momentum * unbiased).astype(running_var.dtype)
        return out
    if running_mean is None or running_var is None:
        raise ValueError("batch_norm needs running_mean and running_var outside training")
    inv_std = 1.0 / np.sqrt(running_var.numpy() + eps)
    scale = Tensor._make(inv_std.reshape(shape).astype(input.dtype))
    shift = Tensor._make((-running_mean.numpy() * inv_std).reshape(shape).astype(input.dtype))
    out = input * scale + shift
    if weight is not None:
        out = out * weight.reshape(shape)
    return out if bias is None else out + bias.reshape(shape)


def layer_norm(
    input: Tensor,
    normalized_shape: int | Sequence[int],
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    eps: float = 1e-05,
) -> Tensor:
    """Normalise over the last dimensions ``normalized_shape``, then scale and shift."""
    normalized_shape = (
        (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    )
    if tuple(input.shape[input.ndim - len(normalized_shape) :]) != normalized_shape:
        raise ValueError(
            f"layer_norm: input shape {input.shape} does not end with {normalized_shape}"
        )
    return _norm.LayerNorm.apply(input, weight, bias, n_axes=len(normalized_shape), eps=eps)


def dropout(
    input: Tensor,
    p: float = 0.5,
    training: bool = True,
    inplace: bool = False,
    generator: Generator | None = None,
) -> Tensor:
    """Zero each value with probability ``p`` and scale the rest by 1/(1-p) (training only).

    ``inplace`` is accepted for compatibility with torch; the result is always a new tensor (or
    the input itself when nothing is dropped).
    """
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability must be in [0, 1], got {p}")
    if not training or p == 0.0:
        return input
    if p == 1.0:
        return input * 0.0
    rng = (generator or default_generator).rng
    keep = rng.random(input.shape, dtype=np.float32) >= p
    return input * Tensor._make((keep / (1.0 - p)).astype(input.dtype))


def dropout2d(
    input: Tensor,
    p: float = 0.5,
    training: bool = True,
    inplace: bool = False,
    generator: Generator | None = None,
) -> Tensor:
    """Zero whole channels with probability ``p`` and scale the rest by 1/(1-p) (training only).

    ``input`` is (N, C, H, W) or (C, H, W); each (sample, channel) map is kept or dropped as one.
    """
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability must be in [0, 1], got {p}")
    if input.ndim not in (3, 4):
        raise ValueError(f"dropout2d: expected a 3-D or 4-D input, got shape {input.shape}")
    if not training or p == 0.0:
        return input
    if p == 1.0:
        return input * 0.0
    rng = (generator or default_generator).rng
    channels = input.shape[:-2] + (1, 1)
    keep = rng.random(channels, dtype=np.float32) >= p
    return input * Tensor._make((keep / (1.0 - p)).astype(input.dtype))


def embedding(input: Tensor, weight: Tensor, padding_idx: int | None = None) -> Tensor:
    """Rows of ``weight`` picked by the integer indices ``input``."""
    index = input.numpy() if isinstance(input, Tensor) else np.asarray(input)
    if index.dtype.kind not in "iu":
        raise TypeError(f"embedding indices must be integers, got {index.dtype}")
    if index.size and (index.min() < 0 or index.max() >= weight.shape[0]):
        raise IndexError(
            f"embedding index out of range: got values in [{index.min()}, {index.max()}] "
            f"for {weight.shape[0]} embeddings"
        )
    if padding_idx is not None:
        padding_idx = _padding_index(padding_idx, weight.shape[0])
    out = weight[index]
    if padding_idx is not None and weight.requires_grad:
        # the padding row receives no gradient: route it through a constant
        mask = Tensor._make((index != padding_idx)[..., None].astype(weight.dtype))
        out = out * mask + weight.detach()[index] * (1 - mask)
    return out


def _padding_index(padding_idx: int, num_embeddings: int) -> int:
    """``padding_idx`` in [0, num_embeddings) (a negative one counts from the end, as torch)."""
    if not -num_embeddings <= padding_idx < num_embeddings:
        raise ValueError(
            f"padding_idx must be within [-{num_embeddings}, {num_embeddings}) for "
            f"{num_embeddings} embeddings, got {padding_idx}"
        )
    return padding_idx % num_embeddings


def flatten(input: Tensor, start_dim: int = 1, end_dim: int = -1) -> Tensor:
    """Merge dimensions ``start_dim`` to ``end_dim`` (batch kept by default)."""
    return input.flatten(start_dim, end_dim)


# ----------------------------------------------------------------------------- losses


def _reduce(loss, reduction):
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    if reduction == "none":
        return loss
    raise ValueError(f"reduction must be 'mean', 'sum' or 'none', got {reduction!r}")


def _check_same_shape(name, input, target):
    if tuple(input.shape) != tuple(target.shape):
        raise ValueError(
            f"{name}: input shape {tuple(input.shape)} and target shape {tuple(target.shape)} "
            "must be the same"
        )


def _target_array(target):
    return target.numpy() if isinstance(target, Tensor) else np.asarray(target)


def _class_index_shape(input) -> tuple:
    """The shape of class-index targets for ``input`` (N, C, ...): (N, ...); () for (C,)."""
    return (input.shape[0],) + tuple(input.shape[2:]) if input.ndim > 1 else ()


def _check_class_indices(name, input, target_array):
    """Class-index targets must be integers of shape (N, ...); floats of that shape are the
    usual slip (labels kept in a float array), so the message says how to convert them.
    """
    expected = _class_index_shape(input)
    if target_array.dtype.kind in "iu" and target_array.shape == expected:
        return
    if target_array.dtype.kind in "fb" and target_array.shape == expected:
        raise TypeError(
            f"{name}: a target of shape {expected} holds class indices, which must be integers, "
            f"got {target_array.dtype}; convert it with target.long() (class probabilities "
            f"would be floats of the input's shape {tuple(input.shape)})"
        )
    raise ValueError(
        f"{name}: for input of shape {tuple(input.shape)} the class-index target must have "
        f"shape {expected}, got {target_array.shape}"
    )


def cross_entropy(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    ignore_index: int = -100,
    reduction: str = "mean",
    label_smoothing: float = 0.0,
) -> Tensor:
    """Cross-entropy of logits ``input`` (N, C, ...) with class-index or probability targets."""
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"label_smoothing must be in [0, 1], got {label_smoothing}")
    target_array = _target_array(target)
    weights = None if weight is None else _target_array(weight)
    if target_array.dtype.kind == "f" and target_array.shape == tuple(input.shape):
        # class probabilities, same shape as input
        n_classes = input.shape[1] if input.ndim > 1 else input.shape[0]
        class_dim = 1 if input.ndim > 1 else 0
        logp = _log_softmax(input, class_dim)
        shape = (1, -1) + (1,) * (input.ndim - 2) if input.ndim > 1 else (-1,)
        if isinstance(target, Tensor) and target.requires_grad:  # torch differentiates it too
            probs = target * (1 - label_smoothing) + label_smoothing / n_classes
            if weights is not None:
                probs = probs * Tensor._make(weights.reshape(shape).astype(target.dtype))
        else:
            smoothed = target_array * (1 - label_smoothing) + label_smoothing / n_classes
            if weights is not None:
                smoothed = smoothed * weights.reshape(shape)
            probs = Tensor._make(smoothed.astype(input.dtype))
        return _reduce(-(logp * probs).sum(dim=class_dim), reduction)
    if target_array.dtype.kind == "f" and target_array.shape != _class_index_shape(input):
        _check_same_shape("cross_entropy", input, target_array)  # probabilities, wrong shape
    _check_class_indices("cross_entropy", input, target_array)
    return _loss.CrossEntropy.apply(
        input,
        target_array,
        weight=weights,
        ignore_index=ignore_index,
        reduction=reduction,
        label_smoothing=label_smoothing,
    )


def nll_loss(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    ignore_index: int = -100,
    reduction: str = "mean",
) -> Tensor:
    """Negative log-likelihood of log-probabilities ``input`` (N, C, ...)."""
    target_array = _target_array(target)
    _check_class_indices("nll_loss", input, target_array)
    weights = None if weight is None else _target_array(weight)
    return _loss.NLLLoss.apply(
        input, target_array, weight=weights, ignore_index=ignore_index, reduction=reduction
    )


def mse_loss(input: Tensor, target: Tensor, reduction: str = "mean") -> Tensor:
    """Mean (or sum, or none) of the squared differences."""
    _check_same_shape("mse_loss", input, target)
    diff = input - target
    return _reduce(diff * diff, reduction)


def l1_loss(input: Tensor, target: Tensor, reduction: str = "mean") -> Tensor:
    """Mean (or sum, or none) of the absolute differences."""
    _check_same_shape("l1_loss", input, target)
    return _reduce((input - target).abs(), reduction)


def huber_loss(
    input: Tensor, target: Tensor, reduction: str = "mean", delta: float = 1.0
) -> Tensor:
    """Squared error below ``delta``, linear above it (mean, sum or none)."""
    _check_same_shape("huber_loss", input, target)
    diff = input - target
    size = diff.abs()
    quadratic = 0.5 * diff * diff
    linear = delta * (size - 0.5 * delta)
    return _reduce(where(size < delta, quadratic, linear), reduction)


def smooth_l1_loss(
    input: Tensor, target: Tensor, reduction: str = "mean", beta: float = 1.0
) -> Tensor:
    """Squared error (halved, over ``beta``) below ``beta``, absolute error minus ``beta / 2``
    above: Huber loss divided by ``beta``; ``beta=0`` is the L1 loss.
    """
    if beta < 0:
        raise RuntimeError(f"smooth_l1_loss does not support negative values for beta, got {beta}")
    if beta == 0:
        return l1_loss(input, target, reduction=reduction)
    _check_same_shape("smooth_l1_loss", input, target)
    diff = input - target
    size = diff.abs()
    return _reduce(where(size < beta, 0.5 * diff * diff / beta, size - 0.5 * beta), reduction)


def binary_cross_entropy(
    input: Tensor, target: Tensor, weight: Tensor | None = None, reduction: str = "mean"
) -> Tensor:
    """BCE of probabilities; each log is clamped at -100, as in PyTorch."""
    _check_same_shape("binary_cross_entropy", input, target)
    for name, values in (("input", input), ("target", target)):
        data = _target_array(values)
        if not np.all((data >= 0) & (data <= 1)):  # also catches nan, as torch
            bad = data[~((data >= 0) & (data <= 1))].flat[0]
            raise ValueError(
                f"binary_cross_entropy: {name} values must be probabilities in [0, 1], got {bad}"
            )
    if weight is not None:
        weight = _target_array(weight)  # a constant: torch does not differentiate it either
    return _reduce(_loss.BinaryCrossEntropy.apply(input, target, weight=weight), reduction)


def binary_cross_entropy_with_logits(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    reduction: str = "mean",
    pos_weight: Tensor | None = None,
) -> Tensor:
    """BCE of logits, stable for any magnitude: ``pw*y*softplus(-x) + (1-y)*softplus(x)``."""
    _check_same_shape("binary_cross_entropy_with_logits", input, target)
    positive = softplus(-input, threshold=np.inf)
    negative = softplus(input, threshold=np.inf)
    if pos_weight is not None:
        positive = positive * pos_weight
    loss = target * positive + (1 - target) * negative
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


def silu(input: Tensor, inplace: bool = False) -> Tensor:
    """``x * sigmoid(x)`` (the swish activation); ``inplace`` is accepted for torch's signature."""
    return input * sigmoid(input)


def group_norm(
    input: Tensor,
    num_groups: int,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    eps: float = 1e-05,
) -> Tensor:
    """Normalise each sample's channels in ``num_groups`` groups, then scale and shift per channel.

    ``input`` is ``(N, C, *)`` with ``C`` divisible by ``num_groups``; ``weight`` and ``bias`` are
    ``(C,)``. Each group (``C // num_groups`` channels and all positions) gets zero mean and unit
    (biased) variance, as ``torch.nn.functional.group_norm``.
    """
    if input.ndim < 2:
        raise ValueError(f"group_norm expects input of shape (N, C, *), got shape {input.shape}")
    n, channels = input.shape[0], input.shape[1]
    if channels % num_groups:
        raise ValueError(
            f"group_norm: the {channels} channels cannot be split into {num_groups} groups "
            f"(num_groups must divide the channel count)"
        )
    # (N, C, *) -> (N, G, C/G * prod(*)): the layer-norm op normalises the last axis.
    grouped = input.reshape(n, num_groups, -1)
    out = _norm.LayerNorm.apply(grouped, None, None, n_axes=1, eps=eps).reshape(input.shape)
    per_channel = (1, channels) + (1,) * (input.ndim - 2)
    if weight is not None:
        out = out * weight.reshape(per_channel)
    if bias is not None:
        out = out + bias.reshape(per_channel)
    return out


# ----------------------------------------------------------------------------- sequences


def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    """int64 indicators of shape ``(*tensor.shape, num_classes)``: 1 at each index, 0 elsewhere.

    ``num_classes=-1`` takes one more than the largest index. Indices must be int64 in
    ``[0, num_classes)``, as in torch.
    """
    index = _target_array(tensor)
    if index.dtype != np.int64:
        raise RuntimeError(
            f"one_hot is only applicable to index tensors (int64), got {index.dtype}"
        )
    if num_classes == -1:
        if index.size == 0:
            raise RuntimeError("one_hot: cannot infer num_classes (-1) from an empty tensor")
        num_classes = int(index.max()) + 1
    if index.size and index.min() < 0:
        raise RuntimeError(f"one_hot: class values must be non-negative, got {index.min()}")
    if index.size and index.max() >= num_classes:
        raise RuntimeError(
            f"one_hot: class values must be smaller than num_classes ({num_classes}), "
            f"got {index.max()}"
        )
    return Tensor._make((index[..., None] == np.arange(num_classes)).astype(np.int64))


def kl_div(
    input: Tensor,
    target: Tensor,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
    log_target: bool = False,
) -> Tensor:
    """Kullback-Leibler divergence ``target * (log(target) - input)`` of log-probabilities
    ``input`` from ``target`` (probabilities, or log-probabilities with ``log_target``).

    ``reduction`` is ``'batchmean'`` (sum over all, divided by ``input.shape[0]``: the true KL
    per sample), ``'sum'``, ``'mean'`` (over every element, as torch) or ``'none'``. Where the
    target probability is 0 the term is 0 (``x log x -> 0``). Both arguments are differentiable.
    """
    if size_average is not None or reduce is not None:
        raise ValueError("kl_div: size_average and reduce are deprecated; use reduction=")
    if reduction not in ("batchmean", "sum", "mean", "none"):
        raise ValueError(
            f"kl_div: reduction must be 'batchmean', 'sum', 'mean' or 'none', got {reduction!r}"
        )
    if not isinstance(target, Tensor):
        target = Tensor._make(np.asarray(target, dtype=input.dtype))
    if log_target:
        loss = target.exp() * (target - input)
    else:
        positive = target > 0
        # log of 1 where target is 0: that term is 0 and its gradient stays finite
        safe_log = where(positive, target, 1.0).log()
        loss = target * safe_log - target * input
    if reduction == "batchmean":
        return loss.sum() / (input.shape[0] if input.ndim else 1)
    if reduction == "mean":
        warnings.warn(
            "kl_div: reduction='mean' divides by the number of elements, not the batch size; "
            "reduction='batchmean' gives the KL divergence per sample",
            UserWarning,
            stacklevel=2,
        )
    return _reduce(loss, reduction)


# ----------------------------------------------------------------------------- resizing


def _per_axis(value, n, name):
    """One value per spatial axis from a number or a sequence of ``n``."""
    if isinstance(value, (tuple, list)):
        if len(value) != n:
            raise ValueError(f"interpolate: {name} needs {n} values for this input, got {value}")
        return tuple(value)
    return (value,) * n


def interpolate(
    input: Tensor,
    size: int | Sequence[int] | None = None,
    scale_factor: float | Sequence[float] | None = None,
    mode: str = "nearest",
    align_corners: bool | None = None,
    recompute_scale_factor: bool | None = None,
    antialias: bool = False,
) -> Tensor:
    """Resize the spatial dimensions of (N, C, L) or (N, C, H, W) input, as torch's.

    Parameters
    ----------
    input : Tensor
        (N, C, L) for ``"nearest"``/``"linear"``, (N, C, H, W) for ``"nearest"``/``"bilinear"``.
    size : int or sequence of int, optional
        The output's spatial size; exactly one of ``size`` and ``scale_factor``.
    scale_factor : float or sequence of float, optional
        Multiplies each spatial size (rounded down). Source positions use this factor, as in
        torch, unless ``recompute_scale_factor`` asks for ``in / out``.
    mode : {"nearest", "linear", "bilinear"}
    align_corners : bool, optional
        Linear modes only: map the corner pixels' centres onto each other (True) or the
        corners of the pixel grid (False, the default).

    Returns
    -------
    Tensor
        (N, C, *size); differentiable (each axis is a product with a resampling matrix).
    """
    from homeml.ops import resize as _resize

    spatial = input.ndim - 2
    wanted = {"nearest": (1, 2), "linear": (1,), "bilinear": (2,)}
    if mode not in wanted:
        raise NotImplementedError(
            f"interpolate: mode must be 'nearest', 'linear' or 'bilinear', got {mode!r}"
        )
    if spatial not in wanted[mode]:
        shapes = " or ".join({1: "(N, C, L)", 2: "(N, C, H, W)"}[d] for d in wanted[mode])
        raise ValueError(f"interpolate: mode {mode!r} expects {shapes} input, got {input.shape}")
    if mode == "nearest" and align_corners is not None:
        raise ValueError(
            "interpolate: align_corners can only be set with the linear modes (linear, bilinear)"
        )
    if antialias:
        raise NotImplementedError("interpolate: antialias=True is not supported")
    if (size is None) == (scale_factor is None):
        raise ValueError("interpolate: give exactly one of size and scale_factor")
    sizes = input.shape[2:]
    factors: tuple = (None,) * spatial
    if size is not None:
        out = tuple(int(s) for s in _per_axis(size, spatial, "size"))
    else:
        factors = tuple(float(f) for f in _per_axis(scale_factor, spatial, "scale_factor"))
        out = tuple(int(np.floor(n * f)) for n, f in zip(sizes, factors))
        if recompute_scale_factor:
            factors = (None,) * spatial
    if any(o <= 0 for o in out):
        raise ValueError(f"interpolate: the output size must be positive, got {out}")
    matrices = [
        _resize.nearest_matrix(n, o, f, dtype=input.dtype)
        if mode == "nearest"
        else _resize.linear_matrix(n, o, f, bool(align_corners), dtype=input.dtype)
        for n, o, f in zip(sizes, out, factors)
    ]
    # (..., W) @ (W, ow) resizes the last axis; (oh, H) @ (..., H, ow) the one before
    result = input @ Tensor._make(np.ascontiguousarray(matrices[-1].T))
    if spatial == 2:
        result = Tensor._make(matrices[0]) @ result
    return result
