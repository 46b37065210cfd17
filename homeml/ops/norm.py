"""Fused normalisation: batch norm (training statistics) and layer norm.

Fusing forward and backward keeps one pass of NumPy work per layer instead of a dozen graph
nodes. With x_hat = (x - mean) * inv_std over the normalised axes (M values each), the input
gradient of y = x_hat * gamma + beta is

    dx = inv_std / M * (M * dx_hat - sum(dx_hat) - x_hat * sum(dx_hat * x_hat)),
    with dx_hat = dy * gamma.
"""

from __future__ import annotations

import numpy as np

from homeml.tensor import Function


def batch_statistics(x):
    """Mean and biased variance over every axis but 1, with kept dimensions."""
    axes = (0,) + tuple(range(2, x.ndim))
    mean = x.mean(axis=axes, keepdims=True)
    centered = x - mean
    return mean, (centered * centered).mean(axis=axes, keepdims=True)


def _normalized_grad(dx_hat, x_hat, inv_std, axes, count):
    total = dx_hat.sum(axis=axes, keepdims=True)
    dot = (dx_hat * x_hat).sum(axis=axes, keepdims=True)
    # (inv_std / count) * (count * dx_hat - total - x_hat * dot), in that order, in place
    gx = count * dx_hat
    gx -= total
    gx -= x_hat * dot
    gx *= inv_std / count
    return gx


class BatchNormTrain(Function):
    """Normalise with the batch's own statistics over every axis but the channel axis 1."""

    def forward(self, x, weight=None, bias=None, mean=None, var=None, eps=1e-5):
        """``mean`` and ``var`` (biased, keepdims shape) are the batch statistics."""
        self.axes = (0,) + tuple(range(2, x.ndim))
        self.param_shape = shape = mean.shape
        self.count = x.size // x.shape[1]
        self.inv_std = inv_std = 1.0 / np.sqrt(var + eps)
        self.x_hat = x_hat = (x - mean) * inv_std
        self.weight = weight
        out = x_hat if weight is None else x_hat * weight.reshape(shape)
        return out if bias is None else out + bias.reshape(shape)

    def backward(self, grad):
        axes, shape = self.axes, self.param_shape
        needs = self.needs_input_grad
        gw = (grad * self.x_hat).sum(axis=axes) if len(needs) > 1 and needs[1] else None
        gb = grad.sum(axis=axes) if len(needs) > 2 and needs[2] else None
        gx = None
        if needs[0]:
            dx_hat = grad if self.weight is None else grad * self.weight.reshape(shape)
            gx = _normalized_grad(dx_hat, self.x_hat, self.inv_std, axes, self.count)
        return gx, gw, gb


class LayerNorm(Function):
    """Normalise over the trailing ``len(normalized_shape)`` axes of each sample."""

    def forward(self, x, weight=None, bias=None, n_axes=1, eps=1e-5):
        self.axes = axes = tuple(range(x.ndim - n_axes, x.ndim))
        self.count = int(np.prod(x.shape[x.ndim - n_axes :]))
        # np.mean's own steps (a float32 sum, then a division by the count) without its
        # Python wrapper, which costs more than the arithmetic on a transformer's small rows
        count = self.count
        mean = np.add.reduce(x, axis=axes, keepdims=True)
        mean /= count
        centered = x - mean
        var = np.add.reduce(np.square(centered), axis=axes, keepdims=True)
        var /= count
        var += eps
        self.inv_std = inv_std = np.divide(1.0, np.sqrt(var, out=var), out=var)
        centered *= inv_std  # now x_hat
        self.x_hat = x_hat = centered
        self.weight = weight
        out = x_hat if weight is None else x_hat * weight
        if bias is not None:
            out = out + bias if out is x_hat else np.add(out, bias, out=out)
        return out

    def backward(self, grad):
        needs = self.needs_input_grad
        lead = tuple(range(grad.ndim - len(self.axes)))
        gw = (grad * self.x_hat).sum(axis=lead) if len(needs) > 1 and needs[1] else None
        gb = grad.sum(axis=lead) if len(needs) > 2 and needs[2] else None
        gx = None
        if needs[0]:
            dx_hat = grad if self.weight is None else grad * self.weight
            gx = _normalized_grad(dx_hat, self.x_hat, self.inv_std, self.axes, self.count)
        return gx, gw, gb
