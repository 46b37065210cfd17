"""Multi-head attention and the transformer blocks, shaped like ``torch.nn``'s.

Parameters carry PyTorch's names and layouts (``in_proj_weight`` (3E, E) or separate
``q_proj_weight``/``k_proj_weight``/``v_proj_weight`` when the key or value sizes differ,
``in_proj_bias``, ``out_proj``; ``self_attn``, ``multihead_attn``, ``linear1``, ``linear2``,
``norm1..3`` in the blocks; ``layers.0...`` in the stacks), so a torch ``state_dict`` loads as
it is. Masks follow torch: a bool ``attn_mask`` or ``key_padding_mask`` is True where attention
is *not* allowed, a float one is added to the scores.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable
from typing import Any

import numpy as np

from homeml.nn import functional as F
from homeml.nn import init
from homeml.nn.dropout import Dropout
from homeml.nn.linear import Linear
from homeml.nn.module import Module, ModuleList, Parameter
from homeml.nn.norm import LayerNorm
from homeml.tensor import Tensor

_ACTIVATIONS: dict[str, Callable[[Tensor], Tensor]] = {"relu": F.relu, "gelu": F.gelu}


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


def _activation(activation: str | Callable[[Tensor], Tensor]) -> Callable[[Tensor], Tensor]:
    if isinstance(activation, str):
        if activation not in _ACTIVATIONS:
            raise ValueError(f"activation should be 'relu' or 'gelu', not {activation!r}")
        return _ACTIVATIONS[activation]
    if not callable(activation):
        raise TypeError(f"activation must be a name or a callable, got {activation!r}")
    return activation


class TransformerEncoderLayer(Module):
    """Self-attention then a feed-forward block, as ``torch.nn.TransformerEncoderLayer``.

    Parameters
    ----------
    d_model : int
        Size of the embeddings.
    nhead : int
        Number of attention heads.
    dim_feedforward : int, default 2048
        Hidden size of the feed-forward block.
    dropout : float, default 0.1
        Dropout after the attention, inside and after the feed-forward block.
    activation : str or callable, default "relu"
        ``"relu"``, ``"gelu"`` or a function of a tensor.
    layer_norm_eps : float, default 1e-5
        Epsilon of the layer norms.
    batch_first : bool, default False
        Inputs are (N, L, E) instead of (L, N, E).
    norm_first : bool, default False
        Normalise before each block (pre-norm) instead of after the residual sum.
    bias : bool, default True
        Whether the linear layers and norms have biases.
    dtype : dtype, optional
        Parameter dtype (float32 by default).
    """

    def __init__(
        self,
        d_model: int,
        nhead: int,
        dim_feedforward: int = 2048,
        dropout: float = 0.1,
        activation: str | Callable[[Tensor], Tensor] = "relu",
        layer_norm_eps: float = 1e-5,
        batch_first: bool = False,
        norm_first: bool = False,
        bias: bool = True,
        dtype: Any = None,
    ):
        super().__init__()
        self.self_attn = MultiheadAttention(
            d_model, nhead, dropout=dropout, bias=bias, batch_first=batch_first, dtype=dtype
        )
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias, dtype=dtype)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias, dtype=dtype)
        self.norm_first = bool(norm_first)
        self.norm1 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype)
        self.norm2 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype)
        self.dropout1 = Dropout(dropout)
        self.dropout2 = Dropout(dropout)
        self.activation = _activation(activation)

    def _sa_block(self, x: Tensor, mask: Any, padding: Any, is_causal: bool) -> Tensor:
        out = self.self_attn(
            x,
            x,
            x,
            attn_mask=mask,
            key_padding_mask=padding,
            need_weights=False,
            is_causal=is_causal,
        )[0]
        return self.dropout1(out)

    def _ff_block(self, x: Tensor) -> Tensor:
        return self.dropout2(self.linear2(self.dropout(self.activation(self.linear1(x)))))

    def forward(
        self,
        src: Tensor,
        src_mask: Tensor | None = None,
        src_key_padding_mask: Tensor | None = None,
        is_causal: bool = False,
    ) -> Tensor:
        """Encode ``src`` (masks as in :meth:`MultiheadAttention.forward`).

        Parameters
        ----------
        src : Tensor
            (S, N, E), (N, S, E) with ``batch_first``, or (S, E).
        src_mask : Tensor, optional
            The attention mask, (S, S) or (N * nhead, S, S).
        src_key_padding_mask : Tensor, optional
            (N, S): True (or -inf) at padded positions.
        is_causal : bool, default False
            A hint that ``src_mask`` is causal.

        Returns
        -------
        Tensor
            Shaped as ``src``.
        """
        x = src
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), src_mask, src_key_padding_mask, is_causal)
            x = x + self._ff_block(self.norm2(x))
        else:
            x = self.norm1(x + self._sa_block(x, src_mask, src_key_padding_mask, is_causal))
            x = self.norm2(x + self._ff_block(x))
        return x


class TransformerDecoderLayer(Module):
    """Self-attention, attention over the memory, then a feed-forward block.

    As ``torch.nn.TransformerDecoderLayer``; the parameters are those of
    :class:`TransformerEncoderLayer`.

    Parameters
    ----------
    d_model : int
        Size of the embeddings.
    nhead : int
        Number of attention heads.
    dim_feedforward : int, default 2048
        Hidden size of the feed-forward block.
    dropout : float, default 0.1
        Dropout probability.
    activation : str or callable, default "relu"
        ``"relu"``, ``"gelu"`` or a function of a tensor.
    layer_norm_eps : float, default 1e-5
        Epsilon of the layer norms.
    batch_first : bool, default False
        Inputs are (N, L, E) instead of (L, N, E).
    norm_first : bool, default False
        Pre-norm instead of post-norm.
    bias : bool, default True
        Whether the linear layers and norms have biases.
    dtype : dtype, optional
        Parameter dtype (float32 by default).
    """

    def __init__(
        self,
        d_model: int,
        nhead: int,
        dim_feedforward: int = 2048,
        dropout: float = 0.1,
        activation: str | Callable[[Tensor], Tensor] = "relu",
        layer_norm_eps: float = 1e-5,
        batch_first: bool = False,
        norm_first: bool = False,
        bias: bool = True,
        dtype: Any = None,
    ):
        super().__init__()
        attention = dict(dropout=dropout, bias=bias, batch_first=batch_first, dtype=dtype)
        self.self_attn = MultiheadAttention(d_model, nhead, **attention)
        self.multihead_attn = MultiheadAttention(d_model, nhead, **attention)
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias, dtype=dtype)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias, dtype=dtype)
        self.norm_first = bool(norm_first)
        self.norm1 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype)
        self.norm2 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype)
        self.norm3 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype)
        self.dropout1 = Dropout(dropout)
        self.dropout2 = Dropout(dropout)
        self.dropout3 = Dropout(dropout)
        self.activation = _activation(activation)

    def _sa_block(self, x: Tensor, mask: Any, padding: Any, is_causal: bool) -> Tensor:
        out = self.self_attn(
            x,
            x,
            x,
            attn_mask=mask,
            key_padding_mask=padding,
            need_weights=False,
            is_causal=is_causal,
        )[0]
        return self.dropout1(out)

    def _mha_block(
        self, x: Tensor, memory: Tensor, mask: Any, padding: Any, is_causal: bool
    ) -> Tensor:
        out = self.multihead_attn(
            x,
            memory,
            memory,
            attn_mask=mask,
            key_padding_mask=padding,
            need_weights=False,
            is_causal=is_causal,
        )[0]
        return self.dropout2(out)

    def _ff_block(self, x: Tensor) -> Tensor:
        return self.dropout3(self.linear2(self.dropout(self.activation(self.linear1(x)))))

    def forward(
        self,
        tgt: Tensor,
        memory: Tensor,
        tgt_mask: Tensor | None = None,
        memory_mask: Tensor | None = None,
        tgt_key_padding_mask: Tensor | None = None,
        memory_key_padding_mask: Tensor | None = None,
        tgt_is_causal: bool = False,
        memory_is_causal: bool = False,
    ) -> Tensor:
        """Decode ``tgt`` attending to ``memory`` (masks as in torch).

        Parameters
        ----------
        tgt : Tensor
            (T, N, E), (N, T, E) with ``batch_first``, or (T, E).
        memory : Tensor
            The encoder's output, (S, N, E) likewise.
        tgt_mask, memory_mask : Tensor, optional
            Attention masks, (T, T) and (T, S) (or 3-D per head).
        tgt_key_padding_mask, memory_key_padding_mask : Tensor, optional
            (N, T) and (N, S).
        tgt_is_causal, memory_is_causal : bool, default False
            Hints that the masks are causal.

        Returns
        -------
        Tensor
            Shaped as ``tgt``.
        """
        x = tgt
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), tgt_mask, tgt_key_padding_mask, tgt_is_causal)
            x = x + self._mha_block(
                self.norm2(x), memory, memory_mask, memory_key_padding_mask, memory_is_causal
            )
            x = x + self._ff_block(self.norm3(x))
        else:
            x = self.norm1(x + self._sa_block(x, tgt_mask, tgt_key_padding_mask, tgt_is_causal))
            x = self.norm2(
                x
                + self._mha_block(x, memory, memory_mask, memory_key_padding_mask, memory_is_causal)
            )
            x = self.norm3(x + self._ff_block(x))
        return x


class TransformerEncoder(Module):
    """``num_layers`` deep copies of ``encoder_layer`` in sequence, then ``norm`` if given.

    Parameters
    ----------
    encoder_layer : TransformerEncoderLayer
        The layer to copy.
    num_layers : int
        Number of copies.
    norm : Module, optional
        Applied to the last layer's output.
    """

    def __init__(self, encoder_layer: Module, num_layers: int, norm: Module | None = None):
        super().__init__()
        self.layers = ModuleList([copy.deepcopy(encoder_layer) for _ in range(int(num_layers))])
        self.num_layers = int(num_layers)
        self.norm = norm

    def forward(
        self,
        src: Tensor,
        mask: Tensor | None = None,
        src_key_padding_mask: Tensor | None = None,
        is_causal: bool | None = None,
    ) -> Tensor:
        """Run ``src`` through the layers (arguments as :class:`TransformerEncoderLayer`'s).

        Parameters
        ----------
        src : Tensor
            The input sequence.
        mask : Tensor, optional
            The attention mask.
        src_key_padding_mask : Tensor, optional
            The padding mask.
        is_causal : bool, optional
            A hint that ``mask`` is causal.

        Returns
        -------
        Tensor
            Shaped as ``src``.
        """
        x = src
        for layer in self.layers:
            x = layer(
                x,
                src_mask=mask,
                src_key_padding_mask=src_key_padding_mask,
                is_causal=bool(is_causal),
            )
        return self.norm(x) if self.norm is not None else x


class TransformerDecoder(Module):
    """``num_layers`` deep copies of ``decoder_layer`` in sequence, then ``norm`` if given.

    Parameters
    ----------
    decoder_layer : TransformerDecoderLayer
        The layer to copy.
    num_layers : int
        Number of copies.
    norm : Module, optional
        Applied to the last layer's output.
    """

    def __init__(self, decoder_layer: Module, num_layers: int, norm: Module | None = None):
        super().__init__()
        self.layers = ModuleList([copy.deepcopy(decoder_layer) for _ in range(int(num_layers))])
        self.num_layers = int(num_layers)
        self.norm = norm

    def forward(
        self,
        tgt: Tensor,
        memory: Tensor,
        tgt_mask: Tensor | None = None,
        memory_mask: Tensor | None = None,
        tgt_key_padding_mask: Tensor | None = None,
        memory_key_padding_mask: Tensor | None = None,
        tgt_is_causal: bool | None = None,
        memory_is_causal: bool = False,
    ) -> Tensor:
        """Run ``tgt`` through the layers (arguments as :class:`TransformerDecoderLayer`'s).

        Parameters
        ----------
        tgt : Tensor
            The target sequence.
        memory : Tensor
            The encoder's output.
        tgt_mask, memory_mask : Tensor, optional
            Attention masks.
        tgt_key_padding_mask, memory_key_padding_mask : Tensor, optional
            Padding masks.
        tgt_is_causal, memory_is_causal : bool, optional
            Hints that the masks are causal.

        Returns
        -------
        Tensor
            Shaped as ``tgt``.
        """
        x = tgt
        for layer in self.layers:
            x = layer(
                x,
                memory,
                tgt_mask=tgt_mask,
                memory_mask=memory_mask,
                tgt_key_padding_mask=tgt_key_padding_mask,
                memory_key_padding_mask=memory_key_padding_mask,
                tgt_is_causal=bool(tgt_is_causal),
                memory_is_causal=memory_is_causal,
            )
        return self.norm(x) if self.norm is not None else x


class Transformer(Module):
    """An encoder-decoder transformer, as ``torch.nn.Transformer``.

    Parameters
    ----------
    d_model : int, default 512
        Size of the embeddings.
    nhead : int, default 8
        Number of attention heads.
    num_encoder_layers, num_decoder_layers : int, default 6
        Depth of the encoder and the decoder.
    dim_feedforward : int, default 2048
        Hidden size of the feed-forward blocks.
    dropout : float, default 0.1
        Dropout probability.
    activation : str or callable, default "relu"
        ``"relu"``, ``"gelu"`` or a function of a tensor.
    layer_norm_eps : float, default 1e-5
        Epsilon of the layer norms.
    batch_first : bool, default False
        Inputs are (N, L, E) instead of (L, N, E).
    norm_first : bool, default False
        Pre-norm instead of post-norm.
    bias : bool, default True
        Whether the linear layers and norms have biases.
    dtype : dtype, optional
        Parameter dtype (float32 by default).
    """

    def __init__(
        self,
        d_model: int = 512,
        nhead: int = 8,
        num_encoder_layers: int = 6,
        num_decoder_layers: int = 6,
        dim_feedforward: int = 2048,
        dropout: float = 0.1,
        activation: str | Callable[[Tensor], Tensor] = "relu",
        layer_norm_eps: float = 1e-5,
        batch_first: bool = False,
        norm_first: bool = False,
        bias: bool = True,
        dtype: Any = None,
    ):
        super().__init__()
        options = dict(
            dim_feedforward=dim_feedforward,
            dropout=dropout,
            activation=activation,
            layer_norm_eps=layer_norm_eps,
            batch_first=batch_first,
            norm_first=norm_first,
            bias=bias,
            dtype=dtype,
        )
        self.encoder = TransformerEncoder(
            TransformerEncoderLayer(d_model, nhead, **options),
            num_encoder_layers,
            LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype),
        )
        self.decoder = TransformerDecoder(
            TransformerDecoderLayer(d_model, nhead, **options),
            num_decoder_layers,
            LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype),
        )
        self.d_model, self.nhead, self.batch_first = d_model, nhead, batch_first
        for p in self.parameters():
            if p.ndim > 1:
                init.xavier_uniform_(p)

    def forward(
        self,
        src: Tensor,
        tgt: Tensor,
        src_mask: Tensor | None = None,
        tgt_mask: Tensor | None = None,
        memory_mask: Tensor | None = None,
        src_key_padding_mask: Tensor | None = None,
        tgt_key_padding_mask: Tensor | None = None,
        memory_key_padding_mask: Tensor | None = None,
        src_is_causal: bool | None = None,
        tgt_is_causal: bool | None = None,
        memory_is_causal: bool = False,
    ) -> Tensor:
        """Encode ``src`` and decode ``tgt`` over it (masks as in torch).

        Parameters
        ----------
        src, tgt : Tensor
            (S, N, E) and (T, N, E), batch first (N, S, E) and (N, T, E).
        src_mask, tgt_mask, memory_mask : Tensor, optional
            Attention masks, (S, S), (T, T) and (T, S).
        src_key_padding_mask, tgt_key_padding_mask, memory_key_padding_mask : Tensor, optional
            Padding masks, (N, S), (N, T) and (N, S).
        src_is_causal, tgt_is_causal, memory_is_causal : bool, optional
            Hints that the masks are causal.

        Returns
        -------
        Tensor
            Shaped as ``tgt``.
        """
        memory = self.encoder(
            src, mask=src_mask, src_key_padding_mask=src_key_padding_mask, is_causal=src_is_causal
        )
        return self.decoder(
            tgt,
            memory,
            tgt_mask=tgt_mask,
            memory_mask=memory_mask,
            tgt_key_padding_mask=tgt_key_padding_mask,
            memory_key_padding_mask=memory_key_padding_mask,
            tgt_is_causal=tgt_is_causal,
            memory_is_causal=memory_is_causal,
        )

    @staticmethod
    def generate_square_subsequent_mask(sz: int, dtype: Any = None) -> Tensor:
        """A float (sz, sz) causal mask: 0 on and below the diagonal, -inf above.

        Parameters
        ----------
        sz : int
            The sequence length.
        dtype : dtype, optional
            float32 by default.

        Returns
        -------
        Tensor
            The mask.
        """
        return generate_square_subsequent_mask(sz, dtype)
