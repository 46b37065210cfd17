"""The makemore character models: bigram, MLP (Bengio et al. 2003), RNN/GRU/LSTM and WaveNet.

They follow Karpathy's makemore and the "Neural Networks: Zero to Hero" lectures. Every model
maps token ids ``idx`` (B, T) to ``(logits, loss)`` as ``forward(idx, targets=None)``; the loss
is the mean cross-entropy over every position whose target is not -1 (makemore pads the end of
short words with -1). They share one sampler, :func:`generate`.

Token 0 is makemore's start/stop token ``.``; the MLP reserves one extra id (``vocab_size``) for
"before the start of the word". ``homeml.models`` exports this file's ``MLP`` as
``MakemoreMLP`` (``homeml.models.MLP`` is the digit classifier); ``homeml.models.language``
gathers every language model under its own name.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

import homeml as hm
from homeml import nn
from homeml.nn import functional as F
from homeml.tensor import Tensor


@dataclass
class ModelConfig:
    """The sizes of a makemore model (the names of makemore's ``ModelConfig``).

    Parameters
    ----------
    block_size : int
        Context length T: how many previous tokens a model may look at.
    vocab_size : int
        Number of token ids V (token 0 is the start/stop token).
    n_embd : int
        Width C of the token embeddings: wte is (V, C).
    n_embd2 : int
        Width H of the hidden layer (MLP) or of the recurrent state (RNN).
    n_layer, n_head : int
        Kept for makemore's transformer settings; the models here do not read them.
    """

    block_size: int
    vocab_size: int
    n_embd: int = 64
    n_embd2: int = 64
    n_layer: int = 4
    n_head: int = 4


# ---------------------------------------------------------------------- shared helpers


def lm_loss(logits: Tensor, targets: Tensor | None) -> Tensor | None:
    """Mean cross-entropy of logits (..., V) against targets (...), skipping targets of -1."""
    if targets is None:
        return None
    if tuple(targets.shape) != tuple(logits.shape[:-1]):
        raise ValueError(
            f"targets must have shape {tuple(logits.shape[:-1])} (the logits without the "
            f"vocabulary axis), got {tuple(targets.shape)}"
        )
    return F.cross_entropy(
        logits.reshape(-1, logits.shape[-1]), targets.reshape(-1), ignore_index=-1
    )


def check_tokens(idx: Any, name: str = "idx") -> Tensor:
    """``idx`` as an int64 (B, T) Tensor, or a TypeError/ValueError saying what it got."""
    if not isinstance(idx, Tensor):
        raise TypeError(f"{name} must be a homeml Tensor of token ids, got {type(idx).__name__}")
    if idx.ndim != 2:
        raise ValueError(f"{name} must be 2-D (batch, time), got shape {tuple(idx.shape)}")
    if np.dtype(idx.numpy().dtype).kind not in "iu":
        raise TypeError(f"{name} must hold integer token ids, got dtype {idx.numpy().dtype}")
    return idx


def _no_targets(targets: Any) -> None:
    """The ``onnx_export`` methods export the logits only."""
    if targets is not None:
        raise NotImplementedError("the loss is not exported: export with idx only")


def check_sampling(max_new_tokens: Any, temperature: float, top_k: int | None) -> None:
    """Refuse a negative token count, a non-positive temperature or a non-positive top_k."""
    if isinstance(max_new_tokens, bool) or not isinstance(max_new_tokens, (int, np.integer)):
        raise TypeError(f"max_new_tokens must be an int, got {type(max_new_tokens).__name__}")
    if max_new_tokens < 0:
        raise ValueError(f"max_new_tokens must be >= 0, got {max_new_tokens}")
    if not (isinstance(temperature, (int, float)) and math.isfinite(temperature)):
        raise TypeError(f"temperature must be a finite number, got {temperature!r}")
    if temperature <= 0:
        raise ValueError(f"temperature must be > 0, got {temperature}")
    if top_k is not None and (not isinstance(top_k, (int, np.integer)) or top_k <= 0):
        raise ValueError(f"top_k must be None or a positive int, got {top_k!r}")


def sample_next(
    logits: Tensor, temperature: float, top_k: int | None, generator: hm.Generator | None
) -> Tensor:
    """One token per row from last-position logits (B, V): scaled, top-k filtered, drawn.

    Returns
    -------
    Tensor
        int64 (B, 1).
    """
    logits = logits / temperature
    if top_k is not None:
        kth = hm.topk(logits, min(int(top_k), logits.shape[-1])).values[:, -1:]  # (B, 1)
        # everything below the k-th largest gets probability 0 (ties with it survive, as torch)
        logits = logits.masked_fill(logits < kth, -math.inf)
    probs = F.softmax(logits, dim=-1)
    return hm.multinomial(probs, num_samples=1, generator=generator)


def generate(
    model: nn.Module,
    idx: Tensor,
    max_new_tokens: int,
    temperature: float = 1.0,
    top_k: int | None = None,
    generator: hm.Generator | None = None,
) -> Tensor:
    """Extend ``idx`` (B, T) by ``max_new_tokens`` tokens sampled one at a time.

    Each step feeds the model the last ``model.get_block_size()`` tokens (cropping longer
    contexts), divides the last position's logits by ``temperature``, keeps the ``top_k`` largest
    (all when None; ``top_k=1`` is greedy decoding) and draws from the softmax with
    :func:`homeml.multinomial` and ``generator``. Runs under :class:`homeml.no_grad`; put models
    with batch norm or dropout in ``eval()`` mode first.

    Returns
    -------
    Tensor
        int64 (B, T + max_new_tokens): the input followed by the new tokens.
    """
    idx = check_tokens(idx)
    check_sampling(max_new_tokens, temperature, top_k)
    block_size = model.get_block_size()
    with hm.no_grad():
        for _ in range(int(max_new_tokens)):
            logits, _ = model(idx[:, -block_size:])
            last = logits if logits.ndim == 2 else logits[:, -1, :]  # WaveNet gives (B, V)
            idx = hm.cat([idx, sample_next(last, temperature, top_k, generator)], dim=1)
    return idx


class _Sampler:
    """Gives a makemore model ``generate`` as a method."""

    def generate(
        self,
        idx: Tensor,
        max_new_tokens: int,
        temperature: float = 1.0,
        top_k: int | None = None,
        generator: hm.Generator | None = None,
    ) -> Tensor:
        """Sample a continuation of ``idx``; see :func:`homeml.models.makemore.generate`."""
        return generate(self, idx, max_new_tokens, temperature, top_k, generator)  # type: ignore[arg-type]


# ---------------------------------------------------------------------- bigrams


class Bigram(_Sampler, nn.Module):
    """The neural bigram: a learned (V, V) table of next-token logits, one row per token.

    Parameters
    ----------
    config : ModelConfig
        Only ``vocab_size`` is read.
    """

    def __init__(self, config: ModelConfig):
        super().__init__()
        self.config = config
        n = config.vocab_size
        self.logits = nn.Parameter(np.zeros((n, n), dtype=np.float32))  # (V, V), uniform start

    def get_block_size(self) -> int:
        return 1  # only the previous token matters

    def forward(self, idx: Tensor, targets: Tensor | None = None) -> tuple[Tensor, Tensor | None]:
        """Logits (B, T, V): row ``idx[b, t]`` of the table, and the loss against ``targets``."""
        logits = F.embedding(check_tokens(idx), self.logits)  # (B, T, V)
        return logits, lm_loss(logits, targets)

    def onnx_export(self, ex: Any, idx: Any, targets: Any = None) -> Any:
        """The forward's logits for ``homeml.onnx.export``: a ``Gather`` of table rows."""
        _no_targets(targets)
        return ex.take(ex.constant(self.logits, "logits"), idx, 0), None


class BigramCounts(_Sampler, nn.Module):
    """The counting bigram of lecture 1: P(next | previous) from smoothed pair counts.

    Parameters
    ----------
    vocab_size : int
        Number of token ids V.
    smoothing : float, default 1.0
        Added to every count ("fake counts") so no pair has probability 0.

    Notes
    -----
    :meth:`fit` accumulates counts into the ``counts`` buffer (V, V), which ``hm.save`` stores;
    ``forward`` returns log-probabilities as the logits, so its loss is the average negative
    log-likelihood.
    """

    def __init__(self, vocab_size: int, smoothing: float = 1.0):
        super().__init__()
        if smoothing < 0:
            raise ValueError(f"smoothing must be >= 0, got {smoothing}")
        self.vocab_size, self.smoothing = int(vocab_size), float(smoothing)
        self.register_buffer("counts", hm.zeros(self.vocab_size, self.vocab_size))

    def get_block_size(self) -> int:
        return 1

    def fit(self, idx: Tensor, targets: Tensor) -> BigramCounts:
        """Count each (idx[b, t], targets[b, t]) pair, skipping targets of -1; returns self."""
        x, y = check_tokens(idx).numpy().ravel(), check_tokens(targets, "targets").numpy().ravel()
        if x.shape != y.shape:
            raise ValueError(f"idx and targets must match, got {idx.shape} and {targets.shape}")
        keep = y != -1
        np.add.at(self.counts.numpy(), (x[keep], y[keep]), 1.0)
        return self

    def forward(self, idx: Tensor, targets: Tensor | None = None) -> tuple[Tensor, Tensor | None]:
        """Log-probabilities (B, T, V) of the next token, and their NLL against ``targets``."""
        counts = self.counts.numpy() + self.smoothing  # (V, V)
        with np.errstate(divide="ignore"):  # a never-seen row without smoothing: log 0 = -inf
            log_probs = np.log(counts / counts.sum(axis=1, keepdims=True))
        logits = F.embedding(check_tokens(idx), hm.tensor(log_probs.astype(np.float32)))
        return logits, lm_loss(logits, targets)


# ---------------------------------------------------------------------- MLP


class MLP(_Sampler, nn.Module):
    """Bengio et al. (2003) as in makemore: the embeddings of the previous ``block_size`` tokens,
    concatenated, through one tanh hidden layer to next-token logits, at every position.

    Parameters
    ----------
    config : ModelConfig
        ``block_size`` tokens of context, ``n_embd`` wide embeddings, ``n_embd2`` hidden units.
    """

    def __init__(self, config: ModelConfig):
        super().__init__()
        self.config = config
        self.block_size, self.vocab_size = config.block_size, config.vocab_size
        # one more row: id vocab_size stands for "before the start of the sequence"
        self.wte = nn.Embedding(config.vocab_size + 1, config.n_embd)
        self.mlp = nn.Sequential(
            nn.Linear(self.block_size * config.n_embd, config.n_embd2),
            nn.Tanh(),
            nn.Linear(config.n_embd2, config.vocab_size),
        )

    def get_block_size(self) -> int:
        return self.block_size

    def forward(self, idx: Tensor, targets: Tensor | None = None) -> tuple[Tensor, Tensor | None]:
        """Logits (B, T, V): position t sees tokens t, t-1, ..., t-block_size+1 (padded)."""
        tokens = check_tokens(idx).numpy()
        b, t = tokens.shape
        # context[b, t, k] = idx[b, t - k], or the padding id where t - k < 0 (makemore's roll)
        padded = np.concatenate(
            [np.full((b, self.block_size - 1), self.vocab_size, dtype=np.int64), tokens], axis=1
        )
        back = np.arange(t)[:, None] + self.block_size - 1 - np.arange(self.block_size)  # (T, K)
        context = hm.tensor(padded[:, back])  # (B, T, K)
        x = self.wte(context).reshape(b, t, -1)  # (B, T, K * C), token t's embedding first
        logits = self.mlp(x)  # (B, T, V)
        return logits, lm_loss(logits, targets)

    def onnx_export(self, ex: Any, idx: Any, targets: Any = None) -> Any:
        """The forward's logits for ``homeml.onnx.export``, batch and length dynamic: the
        padding id is put before the tokens and each position gathers its K-token window.
        """
        _no_targets(targets)
        k = self.block_size
        b, t = idx.size(0), idx.size(1)
        padded = idx
        if k > 1:
            pad = np.full((1, k - 1), self.vocab_size, dtype=np.int64)
            padded = ex.cat([ex.constant(pad, "pad").expand(b, k - 1), idx], dim=1)
        back = ex.positions(idx, 1).unsqueeze(1) + (k - 1 - np.arange(k, dtype=np.int64))
        context = ex.take(padded, back, 1)  # (B, T, K)
        x = ex(self.wte, context).reshape(b, t, -1)
        return ex(self.mlp, x), None


# ---------------------------------------------------------------------- recurrent


_RECURRENCES = {"rnn": nn.RNN, "gru": nn.GRU, "lstm": nn.LSTM}


class RNN(_Sampler, nn.Module):
    """makemore's recurrent model: embeddings -> one recurrent layer -> next-token logits.

    Parameters
    ----------
    config : ModelConfig
        ``n_embd`` wide embeddings, ``n_embd2`` wide state; ``block_size`` is the context the
        sampler keeps (the recurrence itself takes any length).
    cell_type : {'rnn', 'gru', 'lstm'}
        The layer: :class:`homeml.nn.RNN` (tanh), :class:`~homeml.nn.GRU` or
        :class:`~homeml.nn.LSTM` (torch's equations; makemore's GRU cell orders its reset gate
        differently).

    Notes
    -----
    The initial state is learned, as makemore's ``start``: (1, H), or (2, H) for the LSTM's
    hidden and cell states.
    """

    def __init__(self, config: ModelConfig, cell_type: str = "rnn"):
        super().__init__()
        if cell_type not in _RECURRENCES:
            raise ValueError(f"cell_type must be one of {sorted(_RECURRENCES)}, got {cell_type!r}")
        self.config, self.cell_type = config, cell_type
        self.block_size = config.block_size
        states = 2 if cell_type == "lstm" else 1
        self.start = nn.Parameter(np.zeros((states, config.n_embd2), dtype=np.float32))
        self.wte = nn.Embedding(config.vocab_size, config.n_embd)
        self.rnn = _RECURRENCES[cell_type](config.n_embd, config.n_embd2, batch_first=True)
        self.lm_head = nn.Linear(config.n_embd2, config.vocab_size)

    def get_block_size(self) -> int:
        return self.block_size

    def forward(self, idx: Tensor, targets: Tensor | None = None) -> tuple[Tensor, Tensor | None]:
        """Logits (B, T, V) from the state after each token."""
        b = check_tokens(idx).shape[0]
        emb = self.wte(idx)  # (B, T, C)
        # the learned start state, the same for every sequence: (1, B, H)
        h0 = self.start[0:1].unsqueeze(1).expand(1, b, self.start.shape[1])
        if self.cell_type == "lstm":
            c0 = self.start[1:2].unsqueeze(1).expand(1, b, self.start.shape[1])
            hidden, _ = self.rnn(emb, (h0, c0))
        else:
            hidden, _ = self.rnn(emb, h0)  # (B, T, H)
        logits = self.lm_head(hidden)
        return logits, lm_loss(logits, targets)

    def onnx_export(self, ex: Any, idx: Any, targets: Any = None) -> Any:
        """The forward's logits for ``homeml.onnx.export``: the learned start state, expanded
        to the run-time batch size, is the recurrence's ``initial_h`` (and ``initial_c``).
        """
        _no_targets(targets)
        b, width = idx.size(0), self.start.shape[1]
        emb = ex(self.wte, idx)
        start = ex.constant(self.start, "start")
        h0 = start[0:1].unsqueeze(1).expand(1, b, width)
        if self.cell_type == "lstm":
            c0 = start[1:2].unsqueeze(1).expand(1, b, width)
            hidden, _ = ex(self.rnn, emb, (h0, c0))
        else:
            hidden, _ = ex(self.rnn, emb, h0)
        return ex(self.lm_head, hidden), None


# ---------------------------------------------------------------------- WaveNet


class FlattenConsecutive(nn.Module):
    """Joins every ``n`` consecutive time steps: (B, T, C) -> (B, T // n, C * n).

    A length-1 time axis is dropped, (B, 1, C * n) -> (B, C * n), as in the lecture.
    """

    def __init__(self, n: int):
        super().__init__()
        self.n = int(n)

    def forward(self, x: Tensor) -> Tensor:
        b, t, c = x.shape
        if t % self.n:
            raise ValueError(
                f"FlattenConsecutive({self.n}) needs a time axis divisible by it, got {t}"
            )
        x = x.reshape(b, t // self.n, c * self.n)
        return x.squeeze(1) if x.shape[1] == 1 else x

    def onnx_export(self, ex: Any, x: Any) -> Any:
        """The same forward for ``homeml.onnx.export`` (batch dynamic; whether the time axis is
        dropped is decided on the example).
        """
        x = x.reshape(x.size(0), -1, x.shape[2] * self.n)
        return x.squeeze(1) if x.shape[1] == 1 else x


class WaveNet(_Sampler, nn.Module):
    """The hierarchical model of Zero to Hero part 5: pairs of positions are fused level by level.

    Embedding, then ``log2(block_size)`` times [FlattenConsecutive(2), Linear (no bias),
    BatchNorm1d, Tanh], then Linear to logits. It predicts **only the token after the last
    position**: ``forward`` returns logits (B, V), and the loss compares them with ``targets``
    of shape (B,) (or the last column of (B, T) targets).

    Parameters
    ----------
    vocab_size : int
        Number of token ids V.
    block_size : int, default 8
        Context length, a power of two (8 gives the lecture's three levels).
    n_embd : int, default 24
        Embedding width.
    n_hidden : int, default 128
        Width of each level.

    Notes
    -----
    A context shorter than ``block_size`` is left-padded with token 0 (the start token), as the
    lecture's sampler starts from ``[0] * block_size``. Batch norm over a (B, T', H) level
    averages over both B and T' (as the lecture's own BatchNorm1d). Sample in ``eval()`` mode.
    """

    def __init__(self, vocab_size: int, block_size: int = 8, n_embd: int = 24, n_hidden: int = 128):
        super().__init__()
        levels = int(round(math.log2(block_size))) if block_size > 0 else -1
        if levels < 1 or 2**levels != block_size:
            raise ValueError(f"block_size must be a power of two >= 2, got {block_size}")
        self.vocab_size, self.block_size = vocab_size, block_size
        layers: list[nn.Module] = [nn.Embedding(vocab_size, n_embd)]
        width = n_embd
        for _ in range(levels):
            layers += [
                FlattenConsecutive(2),
                nn.Linear(width * 2, n_hidden, bias=False),  # batch norm brings its own shift
                nn.BatchNorm1d(n_hidden),
                nn.Tanh(),
            ]
            width = n_hidden
        layers.append(nn.Linear(n_hidden, vocab_size))
        self.layers = nn.Sequential(*layers)
        with hm.no_grad():  # a less confident start, as the lecture's "* 0.1"
            self.layers[-1].weight.mul_(0.1)

    def get_block_size(self) -> int:
        return self.block_size

    def forward(self, idx: Tensor, targets: Tensor | None = None) -> tuple[Tensor, Tensor | None]:
        """Logits (B, V) for the token following ``idx`` (B, T <= block_size)."""
        b, t = check_tokens(idx).shape
        if t > self.block_size:
            raise ValueError(f"WaveNet takes at most {self.block_size} tokens, got {t}")
        if t < self.block_size:
            pad = hm.zeros(b, self.block_size - t, dtype=hm.int64)
            idx = hm.cat([pad, idx], dim=1)
        x = idx
        for layer in self.layers:
            if isinstance(layer, nn.BatchNorm1d) and x.ndim == 3:
                shape = x.shape  # normalise each feature over batch and time together
                x = layer(x.reshape(-1, shape[-1])).reshape(shape)
            else:
                x = layer(x)
        if targets is not None and targets.ndim == 2:
            targets = targets[:, -1]
        return x, lm_loss(x, targets)

    def onnx_export(self, ex: Any, idx: Any, targets: Any = None) -> Any:
        """The forward's logits for ``homeml.onnx.export``: (B, T <= block_size) -> (B, V),
        batch and length dynamic. The graph left-pads with token 0 and keeps the last
        ``block_size`` tokens, so a longer input is cropped there instead of refused.
        """
        _no_targets(targets)
        b, n = idx.size(0), self.block_size
        zeros = ex.constant(np.zeros((1, n), dtype=np.int64), "pad").expand(b, n)
        x = ex.cat([zeros, idx], dim=1)[:, -n:]
        for layer in self.layers:
            if isinstance(layer, nn.BatchNorm1d) and x.ndim == 3:
                shape = x.shape
                x = ex(layer, x.reshape(-1, shape[-1])).reshape(b, shape[1], shape[2])
            else:
                x = ex(layer, x)
        return x, None
