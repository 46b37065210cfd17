"""Scaled dot-product attention as one fused operation: ``softmax(q k^T * scale + mask) v``.

One ``Function`` instead of a chain of small ops: the forward makes the score matrix, its stable
softmax and the (dropped-out) weighted sum in a few BLAS calls, and the backward is the analytic
gradient of the whole, so a transformer block records one node for its attention.
"""

from __future__ import annotations

import functools
import math
from typing import TYPE_CHECKING

import numpy as np

from homeml.tensor import Function, Tensor

if TYPE_CHECKING:
    from homeml.creation import Generator


def _t(a):
    return np.swapaxes(a, -1, -2)


@functools.lru_cache(maxsize=32)
def _causal_bias(length, source, dtype):
    """(L, S) read-only: 0 where query i may see key j (j <= i), -inf elsewhere; added to the
    scores in place, it gives the same numbers as selecting -inf with ``np.where``.
    """
    bias = np.where(np.tri(length, source, dtype=np.bool_), 0, -np.inf).astype(dtype)
    bias.flags.writeable = False
    return bias


class ScaledDotProductAttention(Function):
    """Inputs ``q`` (..., L, E), ``k`` (..., S, E), ``v`` (..., S, Ev) and an optional mask
    broadcastable to (..., L, S): bool (True takes part) or float (added to the scores). Batch
    dimensions broadcast. A query that may attend to nothing gets zeros, as PyTorch's."""

    def forward(self, q, k, v, mask, scale, drop, causal=False):
        scores = q @ _t(k)  # (..., L, S), a fresh array: scaled and exponentiated in place
        scores *= q.dtype.type(scale)
        if causal:  # is_causal: a cached 0 / -inf bias, added in place (no (..., L, S) copy)
            scores += _causal_bias(scores.shape[-2], scores.shape[-1], scores.dtype)
        elif mask is not None:
            if mask.dtype == np.bool_:
                scores = np.where(mask, scores, -np.inf)
            else:
                scores = scores + mask
        peak = scores.max(axis=-1, keepdims=True)
        if not np.isfinite(peak).all():
            peak = np.where(np.isfinite(peak), peak, 0)  # a fully masked row: exp(-inf) = 0
        p = np.exp(np.subtract(scores, peak, out=scores), out=scores)
        total = p.sum(axis=-1, keepdims=True)
        if (total > 0).all():
            p /= total
        else:  # queries that may attend to nothing get zero weights (and zero gradients)
            p = np.divide(p, total, out=np.zeros_like(p), where=total > 0)
        self.p = p
        self.drop = drop  # (..., L, S) kept / (1 - dropout_p), or None
        self.weights = weights = p if drop is None else p * drop
        self.q, self.k, self.v, self.scale = q, k, v, scale
        self.mask_is_float = mask is not None and mask.dtype != np.bool_
        return weights @ v  # (..., L, Ev)

    def backward(self, grad):
        q, k, v, p = self.q, self.k, self.v, self.p
        need_q, need_k, need_v = self.needs_input_grad[:3]
        need_mask = self.mask_is_float and self.needs_input_grad[3]
        dv = _t(self.weights) @ grad if need_v else None  # (..., S, Ev)
        dq = dk = dscores = None
        if need_q or need_k or need_mask:
            dp = grad @ _t(v)  # (..., L, S), fresh
            if self.drop is not None:
                dp *= self.drop
            # softmax backward: p * (dp - sum(dp * p)) along the keys, in dp's memory (a fresh
            # array): the same products as out of place, one (..., L, S) temporary fewer
            dscores = np.subtract(dp, (dp * p).sum(axis=-1, keepdims=True), out=dp)
            dscores *= p
            scale = q.dtype.type(self.scale)
            dq = dk = None
            if need_q:
                dq = dscores @ k  # (..., L, E)
                dq *= scale
            if need_k:
                dk = _t(dscores) @ q  # (..., S, E)
                dk *= scale
        return dq, dk, dv, dscores if need_mask else None


def scaled_dot_product_attention(
    query: Tensor,
    key: Tensor,
    value: Tensor,
    attn_mask: Tensor | None = None,
    dropout_p: float = 0.0,
    is_causal: bool = False,
    scale: float | None = None,
    enable_gqa: bool = False,
    *,
    generator: Generator | None = None,
) -> Tensor:
    """Attention of queries over keys, as ``torch.nn.functional.scaled_dot_product_attention``.

    Parameters
    ----------
    query, key, value : Tensor
        (..., L, E), (..., S, E) and (..., S, Ev); the leading dimensions broadcast.
    attn_mask : Tensor, optional
        Broadcastable to (..., L, S): bool (True = may attend) or float (added to the scores).
    dropout_p : float, default 0.0
        Probability of dropping each attention weight (the rest scaled by 1/(1-p)), drawn from
        ``generator`` or the global generator. Pass 0 in evaluation.
    is_causal : bool, default False
        Query i attends to keys 0..i only (a lower-triangular mask); not with ``attn_mask``.
    scale : float, optional
        Multiplies the scores; ``1 / sqrt(E)`` by default.

    Returns
    -------
    Tensor
        (..., L, Ev).
    """
    from homeml.creation import default_generator

    if enable_gqa:
        raise NotImplementedError("scaled_dot_product_attention: enable_gqa is not supported")
    if query.ndim < 2 or key.ndim < 2 or value.ndim < 2:
        raise ValueError(
            "scaled_dot_product_attention: query, key and value need at least 2 dimensions "
            f"(..., L, E), got shapes {query.shape}, {key.shape}, {value.shape}"
        )
    if query.shape[-1] != key.shape[-1] or key.shape[-2] != value.shape[-2]:
        raise ValueError(
            "scaled_dot_product_attention: expected query (..., L, E), key (..., S, E) and value "
            f"(..., S, Ev), got {query.shape}, {key.shape}, {value.shape}"
        )
    if not 0.0 <= dropout_p <= 1.0:
        raise ValueError(f"dropout_p must be in [0, 1], got {dropout_p}")
    length, source = query.shape[-2], key.shape[-2]
    if is_causal:
        if attn_mask is not None:
            raise ValueError(
                "scaled_dot_product_attention: pass attn_mask or is_causal=True, not both"
            )
    elif attn_mask is not None:
        if not isinstance(attn_mask, Tensor):
            attn_mask = Tensor._make(np.asarray(attn_mask))
        kind = attn_mask.dtype.kind
        if kind not in "bf":
            raise TypeError(
                f"scaled_dot_product_attention: attn_mask must be bool or float, got "
                f"{attn_mask.dtype}"
            )
        if kind == "f" and attn_mask.dtype != query.dtype:
            attn_mask = attn_mask.to(query.dtype)
    if scale is None:
        scale = 1.0 / math.sqrt(query.shape[-1])
    drop = None
    if dropout_p > 0.0:
        batch = np.broadcast_shapes(query.shape[:-2], key.shape[:-2], value.shape[:-2])
        if attn_mask is not None:
            batch = np.broadcast_shapes(batch, attn_mask.shape[:-2])
        rng = (generator or default_generator).rng
        keep = rng.random(batch + (length, source), dtype=np.float32) >= dropout_p
        drop = (keep / (1.0 - dropout_p)).astype(query.dtype) if dropout_p < 1 else keep * 0.0
        drop = drop.astype(query.dtype, copy=False)
    return ScaledDotProductAttention.apply(
        query, key, value, attn_mask, scale=float(scale), drop=drop, causal=bool(is_causal)
    )
