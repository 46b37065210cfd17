"""A GPT in the structure of Karpathy's nanoGPT ``model.py``: same modules, names and init.

Parameter names match nanoGPT's (``transformer.wte``, ``transformer.h.0.attn.c_attn``, ...,
``lm_head``), so a nanoGPT ``state_dict`` of the same configuration loads with
``load_state_dict`` and gives the same logits. ``generate`` keeps a key/value cache.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

import homeml as hm
from homeml import nn, optim
from homeml.models.makemore import check_sampling, check_tokens, lm_loss, sample_next
from homeml.nn import functional as F
from homeml.tensor import Tensor


@dataclass
class GPTConfig:
    """The sizes of a :class:`GPT` (nanoGPT's ``GPTConfig``, with smaller defaults).

    Parameters
    ----------
    block_size : int
        Longest context T; wpe is (T, C).
    vocab_size : int
        Number of token ids V; wte and lm_head are (V, C).
    n_layer : int
        Number of transformer blocks.
    n_head : int
        Attention heads; each head is C // n_head wide.
    n_embd : int
        Width C of the residual stream; the MLP is 4C wide.
    dropout : float
        Dropout after the embeddings, on the attention weights and on each residual branch.
    bias : bool
        Biases in the Linear and LayerNorm layers (False: a little better and faster, as GPT-2
        trained without them in nanoGPT's experiments).
    """

    block_size: int = 64
    vocab_size: int = 65
    n_layer: int = 4
    n_head: int = 4
    n_embd: int = 128
    dropout: float = 0.0
    bias: bool = False


# a layer's cache: [] before the first pass, then [keys, values], each (B, nh, T_seen, hs);
# without gradients two more items follow, the (B, nh, block_size, hs) buffers that keys and
# values are views of (each new position is written there instead of concatenated)
KVCache = list


class CausalSelfAttention(nn.Module):
    """Multi-head self-attention where position t sees positions 0..t; one fused qkv Linear."""

    def __init__(self, config: GPTConfig):
        super().__init__()
        if config.n_embd % config.n_head:
            raise ValueError(
                f"n_embd must be a multiple of n_head, got {config.n_embd} and {config.n_head}"
            )
        self.c_attn = nn.Linear(config.n_embd, 3 * config.n_embd, bias=config.bias)  # q, k, v
        self.c_proj = nn.Linear(config.n_embd, config.n_embd, bias=config.bias)
        self.attn_dropout = nn.Dropout(config.dropout)
        self.resid_dropout = nn.Dropout(config.dropout)
        self.n_head, self.n_embd, self.dropout = config.n_head, config.n_embd, config.dropout
        self.block_size = config.block_size

    def forward(self, x: Tensor, cache: KVCache | None = None) -> Tensor:
        """(B, T, C) -> (B, T, C). With ``cache``, keys and values of earlier calls are reused
        and this call's are appended; a call after the first must bring one new position.
        """
        b, t, c = x.shape
        if not hm.is_grad_enabled():
            return self._forward_no_grad(x, cache)
        q, k, v = self.c_attn(x).split(self.n_embd, dim=2)
        # (B, T, C) -> (B, nh, T, hs)
        q, k, v = (
            z.reshape(b, t, self.n_head, c // self.n_head).transpose(1, 2) for z in (q, k, v)
        )
        causal = True
        if cache:
            if t != 1:
                raise ValueError(f"a cached attention step takes one position, got {t}")
            k, v = hm.cat([cache[0], k], dim=2), hm.cat([cache[1], v], dim=2)
            causal = False  # the one new query may see every cached key
        if cache is not None:
            cache[:] = [k, v]
        p = self.dropout if self.training else 0.0
        y = F.scaled_dot_product_attention(q, k, v, dropout_p=p, is_causal=causal)
        y = y.transpose(1, 2).reshape(b, t, c)  # heads side by side again
        return self.resid_dropout(self.c_proj(y))

    def _forward_no_grad(self, x: Tensor, cache: KVCache | None) -> Tensor:
        """``forward`` without a graph to record (generation): the same numbers, with the head
        reshapes done on NumPy views instead of as graph operations and the cache kept in
        preallocated buffers (a position written in place rather than a concatenation a step).
        """
        b, t, c = x.shape
        nh = self.n_head
        qkv = self.c_attn(x).numpy()  # (B, T, 3C)
        # (B, T, C) -> (B, nh, T, hs), as split, reshape and transpose(1, 2) give
        q, k, v = (
            qkv[..., i * c : (i + 1) * c].reshape(b, t, nh, c // nh).transpose(0, 2, 1, 3)
            for i in range(3)
        )
        causal, first = True, cache is not None and not cache
        if cache:
            if t != 1:
                raise ValueError(f"a cached attention step takes one position, got {t}")
            seen = cache[0].shape[2]
            if len(cache) == 4 and seen < cache[2].shape[2]:
                keys, values = cache[2], cache[3]
                keys[:, :, seen : seen + 1] = k
                values[:, :, seen : seen + 1] = v
                k, v = keys[:, :, : seen + 1], values[:, :, : seen + 1]
            else:  # a cache filled with gradients on, or full: concatenate (a new array)
                k = np.concatenate([cache[0].numpy(), k], axis=2)
                v = np.concatenate([cache[1].numpy(), v], axis=2)
                cache[2:] = []
            causal = False  # the one new query may see every cached key
        if cache is not None:
            if first and t <= self.block_size:  # first pass: the buffers, block_size long
                keys = np.empty((b, nh, self.block_size, c // nh), dtype=k.dtype)
                values = np.empty_like(keys)
                keys[:, :, :t], values[:, :, :t] = k, v
                k, v = keys[:, :, :t], values[:, :, :t]
                cache[:] = [None, None, keys, values]
            cache[0], cache[1] = Tensor._make(k), Tensor._make(v)
        p = self.dropout if self.training else 0.0
        y = F.scaled_dot_product_attention(
            Tensor._make(q), Tensor._make(k), Tensor._make(v), dropout_p=p, is_causal=causal
        ).numpy()
        y = y.transpose(0, 2, 1, 3).reshape(b, t, c)  # heads side by side again
        return self.resid_dropout(self.c_proj(Tensor._make(y)))

    def onnx_export(self, ex: Any, x: Any, cache: KVCache | None = None) -> Any:
        """The same forward (without a cache) for ``homeml.onnx.export``: batch and length stay
        dynamic (``x.size``), the causal mask is built for the run-time length.
        """
        if cache is not None:
            raise NotImplementedError("the key/value cache of generate() is not exported")
        b, t, c = x.size(0), x.size(1), self.n_embd
        q, k, v = ex(self.c_attn, x).split(self.n_embd, dim=2)
        q, k, v = (
            z.reshape(b, t, self.n_head, c // self.n_head).transpose(1, 2) for z in (q, k, v)
        )
        y = ex.scaled_dot_product_attention(q, k, v, is_causal=True)
        y = y.transpose(1, 2).reshape(b, t, c)
        return ex(self.resid_dropout, ex(self.c_proj, y))


class GPTMLP(nn.Module):
    """The position-wise feed-forward: Linear C -> 4C, GELU (tanh form), Linear 4C -> C."""

    def __init__(self, config: GPTConfig):
        super().__init__()
        self.c_fc = nn.Linear(config.n_embd, 4 * config.n_embd, bias=config.bias)
        self.gelu = nn.GELU(approximate="tanh")
        self.c_proj = nn.Linear(4 * config.n_embd, config.n_embd, bias=config.bias)
        self.dropout = nn.Dropout(config.dropout)

    def forward(self, x: Tensor) -> Tensor:
        return self.dropout(self.c_proj(self.gelu(self.c_fc(x))))

    def onnx_export(self, ex: Any, x: Any) -> Any:
        """The same forward for ``homeml.onnx.export``."""
        return ex(self.dropout, ex(self.c_proj, ex(self.gelu, ex(self.c_fc, x))))


class Block(nn.Module):
    """A pre-LayerNorm transformer block: x + attn(ln_1(x)), then x + mlp(ln_2(x))."""

    def __init__(self, config: GPTConfig):
        super().__init__()
        self.ln_1 = nn.LayerNorm(config.n_embd, bias=config.bias)
        self.attn = CausalSelfAttention(config)
        self.ln_2 = nn.LayerNorm(config.n_embd, bias=config.bias)
        self.mlp = GPTMLP(config)

    def forward(self, x: Tensor, cache: KVCache | None = None) -> Tensor:
        x = x + self.attn(self.ln_1(x), cache)
        return x + self.mlp(self.ln_2(x))

    def onnx_export(self, ex: Any, x: Any, cache: KVCache | None = None) -> Any:
        """The same forward (without a cache) for ``homeml.onnx.export``."""
        x = x + ex(self.attn, ex(self.ln_1, x), cache)
        return x + ex(self.mlp, ex(self.ln_2, x))


class GPT(nn.Module):
    """A decoder-only transformer language model (GPT-2 shape, nanoGPT names and init).

    Parameters
    ----------
    config : GPTConfig
        The sizes; stored with the model by ``hm.save``.

    Notes
    -----
    ``lm_head.weight`` *is* ``transformer.wte.weight`` (weight tying): one Parameter, listed
    once by ``parameters()`` and saved once. Linear and Embedding weights start N(0, 0.02), the
    projections into the residual stream (``c_proj``) N(0, 0.02 / sqrt(2 n_layer)) so the
    stream's variance does not grow with depth, biases at zero.
    """

    def __init__(self, config: GPTConfig):
        super().__init__()
        if config.vocab_size <= 0 or config.block_size <= 0:
            raise ValueError(
                "vocab_size and block_size must be positive, got "
                f"{config.vocab_size} and {config.block_size}"
            )
        self.config = config
        self.transformer = nn.ModuleDict(
            dict(
                wte=nn.Embedding(config.vocab_size, config.n_embd),  # (V, C)
                wpe=nn.Embedding(config.block_size, config.n_embd),  # (T, C)
                drop=nn.Dropout(config.dropout),
                h=nn.ModuleList([Block(config) for _ in range(config.n_layer)]),
                ln_f=nn.LayerNorm(config.n_embd, bias=config.bias),
            )
        )
        self.lm_head = nn.Linear(config.n_embd, config.vocab_size, bias=False)
        self.transformer.wte.weight = self.lm_head.weight  # tied: one (V, C) Parameter
        self.apply(self._init_weights)
        for name, param in self.named_parameters():
            if name.endswith("c_proj.weight"):
                nn.init.normal_(param, mean=0.0, std=0.02 / math.sqrt(2 * config.n_layer))

    @staticmethod
    def _init_weights(module: nn.Module) -> None:
        if isinstance(module, nn.Linear):
            nn.init.normal_(module.weight, mean=0.0, std=0.02)
            if module.bias is not None:
                nn.init.zeros_(module.bias)
        elif isinstance(module, nn.Embedding):
            nn.init.normal_(module.weight, mean=0.0, std=0.02)

    def get_block_size(self) -> int:
        return self.config.block_size

    def get_num_params(self, non_embedding: bool = True) -> int:
        """Number of parameters, without the position embeddings by default (as nanoGPT: the
        token embeddings count, being the output layer too).
        """
        n = sum(p.numel() for p in self.parameters())
        return n - self.transformer.wpe.weight.numel() if non_embedding else n

    def _hidden(self, idx: Tensor, start: int = 0, caches: list[KVCache] | None = None) -> Tensor:
        """The final-LayerNorm states (B, T, C) of tokens at positions start..start+T-1."""
        t = idx.shape[1]
        if start + t > self.config.block_size:
            raise ValueError(
                f"cannot forward a sequence of length {start + t}: block_size is only "
                f"{self.config.block_size}"
            )
        pos = hm.arange(start, start + t, dtype=hm.int64)  # (T,)
        x = self.transformer.drop(self.transformer.wte(idx) + self.transformer.wpe(pos))
        for i, block in enumerate(self.transformer.h):
            x = block(x, None if caches is None else caches[i])
        return self.transformer.ln_f(x)

    def forward(self, idx: Tensor, targets: Tensor | None = None) -> tuple[Tensor, Tensor | None]:
        """Logits (B, T, V) at every position and, with ``targets`` (B, T), the mean
        cross-entropy over the positions whose target is not -1.

        Unlike nanoGPT, logits are returned for every position even without targets.
        """
        logits = self.lm_head(self._hidden(check_tokens(idx)))
        return logits, lm_loss(logits, targets)

    def onnx_export(self, ex: Any, idx: Any, targets: Any = None) -> Any:
        """The forward's logits for ``homeml.onnx.export``: (B, T) int64 -> (B, T, V), batch
        and length dynamic (a length over ``block_size`` fails in the runtime's Gather).
        """
        if targets is not None:
            raise NotImplementedError("the loss is not exported: export with idx only")
        tr = self.transformer
        x = ex(tr.drop, ex(tr.wte, idx) + ex(tr.wpe, ex.positions(idx, 1)))
        for block in tr.h:
            x = ex(block, x)
        return ex(self.lm_head, ex(tr.ln_f, x)), None

    def configure_optimizers(
        self,
        weight_decay: float,
        learning_rate: float,
        betas: tuple[float, float] = (0.9, 0.95),
    ) -> optim.AdamW:
        """AdamW with weight decay on the matrices (dim >= 2: Linear and Embedding weights) and
        none on the vectors (biases, LayerNorm gains), as nanoGPT.
        """
        params = [p for p in self.parameters() if p.requires_grad]
        decay = [p for p in params if p.ndim >= 2]
        no_decay = [p for p in params if p.ndim < 2]
        groups = [
            {"params": decay, "weight_decay": weight_decay},
            {"params": no_decay, "weight_decay": 0.0},
        ]
        return optim.AdamW(groups, lr=learning_rate, betas=betas)

    def generate(
        self,
        idx: Tensor,
        max_new_tokens: int,
        temperature: float = 1.0,
        top_k: int | None = None,
        generator: hm.Generator | None = None,
        use_cache: bool = True,
    ) -> Tensor:
        """Extend ``idx`` (B, T) by ``max_new_tokens`` sampled tokens, under ``no_grad``.

        Parameters
        ----------
        idx : Tensor
            int64 (B, T) prompt.
        max_new_tokens : int
            Number of tokens to add (>= 0).
        temperature : float, default 1.0
            Divides the logits: below 1 sharper, above 1 flatter (> 0).
        top_k : int, optional
            Sample only among the ``top_k`` most likely tokens; 1 is greedy decoding.
        generator : homeml.Generator, optional
            Source of the draws (the global generator when None).
        use_cache : bool, default True
            Keep each layer's keys and values so that each new token costs one pass over one
            position. While the sequence fits in ``block_size`` the positions never move; once
            it is longer, the window slides, every position's embedding changes, and each step
            crops to the last ``block_size`` tokens and recomputes them (as ``use_cache=False``
            always does). Both paths draw the same tokens for the same generator state.

        Returns
        -------
        Tensor
            int64 (B, T + max_new_tokens).

        Notes
        -----
        Put the model in ``eval()`` mode first when it has dropout.
        """
        idx = check_tokens(idx)
        check_sampling(max_new_tokens, temperature, top_k)
        block = self.config.block_size
        caches: list[KVCache] | None = None
        with hm.no_grad():
            for _ in range(int(max_new_tokens)):
                t = idx.shape[1]
                if use_cache and t <= block:
                    if caches is None:  # first pass: the whole prompt, filling the caches
                        caches = [[] for _ in self.transformer.h]
                        x = self._hidden(idx, 0, caches)
                    else:  # only the newest token, at position t - 1
                        x = self._hidden(idx[:, -1:], t - 1, caches)
                    logits = self.lm_head(x[:, -1, :])  # (B, V)
                else:
                    caches = None
                    logits = self.lm_head(self._hidden(idx[:, -block:])[:, -1, :])
                idx = hm.cat([idx, sample_next(logits, temperature, top_k, generator)], dim=1)
        return idx
