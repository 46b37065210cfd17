"""Multi-head attention, shaped like ``torch.nn.MultiheadAttention``.

Parameters carry PyTorch's names and layouts (``in_proj_weight`` (3E, E), or separate
``q_proj_weight``/``k_proj_weight``/``v_proj_weight`` when the key or value sizes differ;
``in_proj_bias``, ``out_proj``), so a torch ``state_dict`` loads as it is. Masks follow torch: a
bool ``attn_mask`` or ``key_padding_mask`` is True where attention is *not* allowed, a float one
is added to the scores.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from homeml.nn import functional as F
from homeml.nn import init
from homeml.nn.linear import Linear
from homeml.nn.module import Module, Parameter
from homeml.tensor import Tensor


def _additive(mask: Any, dtype: np.dtype, name: str) -> np.ndarray | None:
    """A torch-style mask as an array added to the scores: bool True becomes -inf."""
    if mask is None:
        return None
    array = mask.numpy() if isinstance(mask, Tensor) else np.asarray(mask)
    if array.dtype == np.bool_:
        return np.where(array, -np.inf, 0.0).astype(dtype)
    if array.dtype.kind != "f":
        raise TypeError(f"{name} must be bool or float, got {array.dtype}")
    return array.astype(dtype, copy=False)


def generate_square_subsequent_mask(sz: int, dtype: Any = None) -> Tensor:
    """A float (sz, sz) mask: 0 on and below the diagonal, -inf above (as torch's)."""
    dtype = np.dtype(dtype or np.float32)
    return Tensor(np.triu(np.full((sz, sz), -np.inf, dtype=dtype), 1))


class MultiheadAttention(Module):
    """Attention of queries over keys in ``num_heads`` heads, as ``torch.nn.MultiheadAttention``.

    Parameters
    ----------
    embed_dim : int
        Size of the queries and of the output; split evenly among the heads.
    num_heads : int
        Number of heads.
    dropout : float, default 0.0
        Dropout on the attention weights in training.
    bias : bool, default True
        Whether the input and output projections have biases.
    batch_first : bool, default False
        Inputs and outputs are (N, L, E) instead of (L, N, E).
    kdim, vdim : int, optional
        Sizes of the keys and values (``embed_dim`` by default).
    dtype : dtype, optional
        Parameter dtype (float32 by default).
    """

    def __init__(
        self,
        embed_dim: int,
        num_heads: int,
        dropout: float = 0.0,
        bias: bool = True,
        batch_first: bool = False,
        kdim: int | None = None,
        vdim: int | None = None,
        dtype: Any = None,
    ):
        super().__init__()
        if embed_dim <= 0 or num_heads <= 0 or embed_dim % num_heads:
            raise ValueError(
                f"embed_dim ({embed_dim}) must be a positive multiple of num_heads ({num_heads})"
            )
        self.embed_dim, self.num_heads = int(embed_dim), int(num_heads)
        self.kdim = int(kdim) if kdim is not None else self.embed_dim
        self.vdim = int(vdim) if vdim is not None else self.embed_dim
        self._qkv_same_embed_dim = self.kdim == self.embed_dim and self.vdim == self.embed_dim
        self.dropout, self.batch_first = float(dropout), bool(batch_first)
        self.head_dim = self.embed_dim // self.num_heads
        dtype = np.dtype(dtype or np.float32)
        e = self.embed_dim
        self.in_proj_weight: Parameter | None
        self.q_proj_weight: Parameter | None
        self.k_proj_weight: Parameter | None
        self.v_proj_weight: Parameter | None
        if self._qkv_same_embed_dim:
            self.in_proj_weight = Parameter(np.empty((3 * e, e), dtype=dtype))
            self.q_proj_weight = self.k_proj_weight = self.v_proj_weight = None
        else:
            self.q_proj_weight = Parameter(np.empty((e, e), dtype=dtype))
            self.k_proj_weight = Parameter(np.empty((e, self.kdim), dtype=dtype))
            self.v_proj_weight = Parameter(np.empty((e, self.vdim), dtype=dtype))
            self.in_proj_weight = None
        self.in_proj_bias = Parameter(np.empty(3 * e, dtype=dtype)) if bias else None
        self.out_proj = Linear(e, e, bias=bias, dtype=dtype)
        self._reset_parameters()

    def _reset_parameters(self) -> None:
        for weight in (
            self.in_proj_weight,
            self.q_proj_weight,
            self.k_proj_weight,
            self.v_proj_weight,
        ):
            if weight is not None:
                init.xavier_uniform_(weight)
        for bias in (self.in_proj_bias, self.out_proj.bias):
            if bias is not None:
                init.zeros_(bias)

    def _projections(self, query: Tensor, key: Tensor, value: Tensor) -> list[Tensor]:
        e = self.embed_dim
        w = self.in_proj_weight
        if w is not None:
            weights = [w[:e], w[e : 2 * e], w[2 * e :]]
        else:
            separate = (self.q_proj_weight, self.k_proj_weight, self.v_proj_weight)
            weights = [x for x in separate if x is not None]
        b = self.in_proj_bias
        biases = [None] * 3 if b is None else [b[:e], b[e : 2 * e], b[2 * e :]]
        pairs = zip((query, key, value), weights, biases)
        return [F.linear(x, weight, bias) for x, weight, bias in pairs]

    def forward(
        self,
        query: Tensor,
        key: Tensor,
        value: Tensor,
        key_padding_mask: Tensor | None = None,
        need_weights: bool = True,
        attn_mask: Tensor | None = None,
        average_attn_weights: bool = True,
        is_causal: bool = False,
    ) -> tuple[Tensor, Tensor | None]:
        """Attend; return the output and, with ``need_weights``, the attention weights.

        Parameters
        ----------
        query, key, value : Tensor
            (L, N, E), (S, N, kdim), (S, N, vdim) (batch first: (N, L, E), ...) or unbatched
            (L, E), (S, kdim), (S, vdim).
        key_padding_mask : Tensor, optional
            (N, S) or (S,): bool (True = ignore that key) or float (added to the scores).
        need_weights : bool, default True
            Whether to return the attention weights.
        attn_mask : Tensor, optional
            (L, S) or (N * num_heads, L, S): bool (True = not allowed) or float (added).
        average_attn_weights : bool, default True
            Return the weights averaged over the heads, (N, L, S), instead of (N, H, L, S).
        is_causal : bool, default False
            A hint that ``attn_mask`` is the causal mask (the mask is what is applied). Without
            a mask, a causal one is made (where torch raises).

        Returns
        -------
        tuple of Tensor and Tensor or None
            The output, shaped as ``query``, and the weights or None.
        """
        batched = query.ndim == 3
        if query.ndim not in (2, 3) or key.ndim != query.ndim or value.ndim != query.ndim:
            raise ValueError(
                "MultiheadAttention expects query, key and value with 3 (batched) or 2 "
                f"(unbatched) dimensions, got {query.shape}, {key.shape}, {value.shape}"
            )
        if not batched:
            query, key, value = query.unsqueeze(1), key.unsqueeze(1), value.unsqueeze(1)
            if key_padding_mask is not None:
                key_padding_mask = key_padding_mask.reshape(1, -1)
        elif self.batch_first:
            query, key, value = (x.transpose(0, 1) for x in (query, key, value))
        length, batch, e = query.shape
        source = key.shape[0]
        if e != self.embed_dim:
            raise ValueError(f"expected query embeddings of size {self.embed_dim}, got {e}")
        q, k, v = self._projections(query, key, value)
        heads, hd = self.num_heads, self.head_dim

        def split(x: Tensor, n: int) -> Tensor:  # (n, N, E) -> (N, H, n, hd)
            return x.reshape(n, batch, heads, hd).permute(1, 2, 0, 3)

        q, k, v = split(q, length), split(k, source), split(v, source)
        dtype = q.dtype
        mask = _additive(attn_mask, dtype, "attn_mask")
        if mask is None and is_causal:
            mask = np.triu(np.full((length, source), -np.inf, dtype=dtype), 1)
        if mask is not None:
            if mask.ndim == 3:
                if mask.shape != (batch * heads, length, source):
                    raise ValueError(
                        f"a 3-D attn_mask must be {(batch * heads, length, source)}, "
                        f"got {mask.shape}"
                    )
                mask = mask.reshape(batch, heads, length, source)
            elif mask.shape != (length, source):
                raise ValueError(f"a 2-D attn_mask must be {(length, source)}, got {mask.shape}")
        padding = _additive(key_padding_mask, dtype, "key_padding_mask")
        if padding is not None:
            if padding.shape != (batch, source):
                raise ValueError(f"key_padding_mask must be {(batch, source)}, got {padding.shape}")
            padding = padding.reshape(batch, 1, 1, source)
            mask = padding if mask is None else mask + padding
        p = self.dropout if self.training else 0.0
        weights = None
        if need_weights:
            scores = (q * (1.0 / math.sqrt(hd))) @ k.transpose(-2, -1)
            if mask is not None:
                scores = scores + Tensor(mask)
            weights = F.softmax(scores, dim=-1)
            if p > 0:  # as torch, the weights returned are the dropped-out ones
                weights = F.dropout(weights, p)
            out = weights @ v
        else:
            out = F.scaled_dot_product_attention(
                q, k, v, None if mask is None else Tensor(mask), dropout_p=p
            )
        out = out.permute(2, 0, 1, 3).reshape(length, batch, e)  # (L, N, E)
        out = self.out_proj(out)
        if not batched:
            out = out.squeeze(1)
        elif self.batch_first:
            out = out.transpose(0, 1)
        if weights is not None:
            if average_attn_weights:
                weights = weights.mean(dim=1)
            if not batched:
                weights = weights.squeeze(0)
        return out, weights

    def extra_repr(self) -> str:
        return f"embed_dim={self.embed_dim}, num_heads={self.num_heads}"
