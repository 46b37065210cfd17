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
    """The matrix ``a`` above (rows, C), each row's weight in the mean (w_{y_i} or 0), which rows
    are kept (not ignored) and each row's class (0 for ignored rows)."""
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
    return a, row_weight, keep, safe


class _WeightedLogLikelihood(Function):
    """Shared reduction and backward of ``-sum_c a_ic * logp_ic``; subclasses make ``logp``."""

    def reduce(self, logp, a, row_weight, keep, reduction, input_shape):
        self.a, self.keep, self.reduction, self.input_shape = a, keep, reduction, input_shape
        with np.errstate(invalid="ignore"):
            per_row = -(a * logp).sum(axis=1)
            if np.isnan(per_row).any():
                # 0 * -inf from a masked class (logit or log-probability -inf): torch reads only
                # the classes that carry weight, so those entries add nothing there
                per_row = -np.where(a != 0, a * logp, 0).sum(axis=1)
        if reduction == "none":
            spatial = (input_shape[0],) + input_shape[2:] if len(input_shape) > 1 else ()
            return per_row.reshape(spatial)
        if reduction == "sum":
            self.scale = 1.0
            return per_row.sum()
        if reduction == "mean":
            with np.errstate(divide="ignore", invalid="ignore"):
                # 0/0 = nan when every target is ignored: torch's value, without a warning
                self.scale = 1.0 / row_weight.sum()
                return per_row.sum() * self.scale
        raise ValueError(f"reduction must be 'mean', 'sum' or 'none', got {reduction!r}")

    def row_grad(self, grad):
        """d(loss)/d(per-row loss) as a column (rows, 1)."""
        if self.reduction == "none":
            return grad.reshape(-1, 1)
        # ignored rows get exactly 0, as in torch, even when the scale is inf (all ignored)
        with np.errstate(invalid="ignore"):
            return np.where(self.keep, grad * self.scale, 0).astype(self.a.dtype)[:, None]

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
        a, row_weight, keep, _ = _target_weights(
            np.asarray(target), z.shape[1], weight, ignore_index, label_smoothing, z.dtype
        )
        return self.reduce(logp, a, row_weight, keep, reduction, logits.shape)

    def backward(self, grad):
        a = self.a
        # d/dz of -sum_c a_c log softmax(z)_c  =  p * sum_c a_c - a
        with np.errstate(invalid="ignore"):  # nan rows when a mean's weights sum to 0, as torch
            g = (self.probs * a.sum(axis=1, keepdims=True) - a) * self.row_grad(grad)
        return self.to_input_layout(g), None


class NLLLoss(_WeightedLogLikelihood):
    """Negative log-likelihood of log-probabilities (N, C, ...) against class indices."""

    def forward(self, logp, target, weight=None, ignore_index=-100, reduction="mean"):
        flat = _classes_last(logp)
        a, row_weight, keep, self.target = _target_weights(
            np.asarray(target), flat.shape[1], weight, ignore_index, 0.0, flat.dtype
        )
        return self.reduce(flat, a, row_weight, keep, reduction, logp.shape)

    def backward(self, grad):
        # only each row's target entry gets a gradient (torch writes just that entry, so a nan
        # from a zero total weight stays there)
        rows = np.arange(self.a.shape[0])
        g = np.zeros_like(self.a)
        with np.errstate(invalid="ignore"):
            g[rows, self.target] = -self.a[rows, self.target] * self.row_grad(grad)[:, 0]
        return self.to_input_layout(g), None


class BinaryCrossEntropy(Function):
    """Elementwise ``-w (y log p + (1 - y) log(1 - p))`` with each log clamped at -100.

    Fused, as in torch, so that p = 0 or 1 gives finite values and gradients:
    d/dp = w (p - y) / max(p (1 - p), 1e-12) and d/dy = w (log(1 - p) - log p).
    """

    def forward(self, p, y, weight=None):
        with np.errstate(divide="ignore"):
            log_p, log_q = np.log(p), np.log1p(-p)
        loss = (y - 1) * np.maximum(log_q, -100) - y * np.maximum(log_p, -100)
        if weight is not None:
            loss = loss * weight
        self.p, self.y, self.weight, self.log_p, self.log_q = p, y, weight, log_p, log_q
        return loss

    def backward(self, grad):
        p, y, w = self.p, self.y, self.weight
        if w is not None:
            grad = grad * w
        gp = gy = None
        if self.needs_input_grad[0]:
            gp = grad * (p - y) / np.maximum(p * (1 - p), 1e-12)
        if len(self.needs_input_grad) > 1 and self.needs_input_grad[1]:
            with np.errstate(invalid="ignore"):
                gy = grad * (self.log_q - self.log_p)  # +-inf at p = 0 or 1, as torch
        return gp, gy
