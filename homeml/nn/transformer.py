"""The transformer blocks and stacks, shaped like ``torch.nn``'s.

Submodules carry PyTorch's names (``self_attn``, ``multihead_attn``, ``linear1``, ``linear2``,
``norm1..3`` in the blocks; ``layers.0...`` in the stacks), so a torch ``state_dict`` loads as it
is. The attention itself is :class:`homeml.nn.attention.MultiheadAttention`.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from homeml.nn import functional as F
from homeml.nn import init
from homeml.nn.attention import MultiheadAttention, generate_square_subsequent_mask
from homeml.nn.dropout import Dropout
from homeml.nn.linear import Linear
from homeml.nn.module import Module, ModuleList
from homeml.nn.norm import LayerNorm
from homeml.tensor import Tensor

_ACTIVATIONS: dict[str, Callable[[Tensor], Tensor]] = {"relu": F.relu, "gelu": F.gelu}


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
