"""Fused classification losses: cross-entropy from logits and negative log-likelihood.

Both reduce to one formula. With class weights ``w``, label smoothing ``eps`` over ``C`` classes and
target class ``y_i``, each sample's loss is ``-sum_c a_ic * log p_ic`` with
``a_ic = w_c * ((1 - eps) * [c == y_i] + eps / C)`` (zero for ignored samples), and ``mean``
divides by ``sum_i w_{y_i}`` over the samples not ignored, exactly as PyTorch does.
"""

from __future__ import annotations

import numpy as np

from homeml.tensor import Function


def _classes_last(x):
    """(N, C, d1, ...) -> (N*d1*..., C); (N, C) unchanged; (C,) -> (1, C)."""
    if x.ndim == 1:
        return x[None, :]
    if x.ndim == 2:
        return x
    return np.moveaxis(x, 1, -1).reshape(-1, x.shape[1])


def _target_weights(target, n_classes, weight, ignore_index, smoothing, dtype):
    """The matrix ``a`` above (rows, C) and each row's weight in the mean (w_{y_i} or 0)."""
    flat = target.reshape(-1)
    keep = flat != ignore_index
    safe = np.where(keep, flat, 0)
    if np.any((safe < 0) | (safe >= n_classes)):
        bad = flat[keep & ((flat < 0) | (flat >= n_classes))][0]
        raise ValueError(f"target {bad} is out of bounds for {n_classes} classes")
    rows = np.arange(flat.size)
    a = np.zeros((flat.size, n_classes), dtype=dtype)
    a[rows, safe] = 1.0 - smoothing
    if smoothing:
        a += smoothing / n_classes
    class_weight = np.ones(n_classes, dtype=dtype) if weight is None else weight.astype(dtype)
    a *= class_weight
    a[~keep] = 0
    row_weight = np.where(keep, class_weight[safe], 0).astype(dtype)
    return a, row_weight


class _WeightedLogLikelihood(Function):
    """Shared reduction and backward of ``-sum_c a_ic * logp_ic``; subclasses make ``logp``."""

    def reduce(self, logp, a, row_weight, reduction, input_shape):
        self.a, self.reduction, self.input_shape = a, reduction, input_shape
        per_row = -(a * logp).sum(axis=1)
        if reduction == "none":
            spatial = (input_shape[0],) + input_shape[2:] if len(input_shape) > 1 else ()
            return per_row.reshape(spatial)
        if reduction == "sum":
            self.scale = 1.0
            return per_row.sum()
        if reduction == "mean":
            self.scale = 1.0 / row_weight.sum()  # nan when every target is ignored, as PyTorch
            return per_row.sum() * self.scale
        raise ValueError(f"reduction must be 'mean', 'sum' or 'none', got {reduction!r}")

    def row_grad(self, grad):
        """d(loss)/d(per-row loss) as a column (rows, 1)."""
        if self.reduction == "none":
            return grad.reshape(-1, 1)
        return np.full((self.a.shape[0], 1), grad * self.scale, dtype=self.a.dtype)

    def to_input_layout(self, g):
        shape = self.input_shape
        if len(shape) == 1:
            return g[0]
        if len(shape) == 2:
            return g
        moved = (shape[0],) + shape[2:] + (shape[1],)
        return np.moveaxis(g.reshape(moved), -1, 1)


class CrossEntropy(_WeightedLogLikelihood):
    """Cross-entropy of logits (N, C, ...) against class indices (N, ...)."""

    def forward(
        self, logits, target, weight=None, ignore_index=-100, reduction="mean", label_smoothing=0.0
    ):
        z = _classes_last(logits)
        shifted = z - z.max(axis=1, keepdims=True)
        exp = np.exp(shifted)
        total = exp.sum(axis=1, keepdims=True)
        logp = shifted - np.log(total)
        self.probs = exp / total
        a, row_weight = _target_weights(
            np.asarray(target), z.shape[1], weight, ignore_index, label_smoothing, z.dtype
        )
        return self.reduce(logp, a, row_weight, reduction, logits.shape)

    def backward(self, grad):
        a = self.a
        # d/dz of -sum_c a_c log softmax(z)_c  =  p * sum_c a_c - a
        g = (self.probs * a.sum(axis=1, keepdims=True) - a) * self.row_grad(grad)
        return self.to_input_layout(g), None


class NLLLoss(_WeightedLogLikelihood):
    """Negative log-likelihood of log-probabilities (N, C, ...) against class indices."""

    def forward(self, logp, target, weight=None, ignore_index=-100, reduction="mean"):
        flat = _classes_last(logp)
        a, row_weight = _target_weights(
            np.asarray(target), flat.shape[1], weight, ignore_index, 0.0, flat.dtype
        )
        return self.reduce(flat, a, row_weight, reduction, logp.shape)

    def backward(self, grad):
        return self.to_input_layout(-self.a * self.row_grad(grad)), None
