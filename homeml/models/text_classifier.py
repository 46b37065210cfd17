"""Neural text classifiers over right-padded word-id batches: fastText, Kim's sentence CNN, a
bidirectional LSTM/GRU and a small Transformer encoder.

Every model takes ``ids`` (B, L) of word ids (``pad_id`` after each text's words, as
:meth:`homeml.text.WordTokenizer.encode_batch` gives them) and returns logits (B, classes). Each
is exact about padding: adding padding columns to a batch changes no output.

- :class:`FastText` (Joulin et al. 2016, "Bag of tricks for efficient text classification"):
  the mean of the word and word-bigram embeddings (bigrams hashed into ``num_buckets`` extra
  rows) in one :class:`homeml.nn.EmbeddingBag`, then a linear layer.
- :class:`SentenceCNN` (Kim 2014, "Convolutional neural networks for sentence classification"):
  Conv1d filters of widths 3, 4 and 5 over the embeddings, ReLU, max over the valid windows
  only, dropout, linear.
- :class:`RNNClassifier`: a bidirectional LSTM or GRU read as a packed sequence would be: the
  backward direction runs over each text reversed within its own length, and the classifier
  reads each direction's state after the text's last real word.
- :class:`TransformerClassifier`: embeddings plus learned positions, encoder layers with a
  padding mask, the mean over the real tokens, linear.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

import homeml as hm
from homeml import nn
from homeml.tensor import Tensor

__all__ = [
    "FastText",
    "RNNClassifier",
    "SentenceCNN",
    "TextClassifierConfig",
    "TransformerClassifier",
    "bigram_ids",
]

# a prime multiplier for the bigram hash (fastText hashes n-grams into buckets too)
_BIGRAM_PRIME = 104_729


@dataclass
class TextClassifierConfig:
    """The sizes of the text classifiers (each reads the fields it needs).

    Parameters
    ----------
    vocab_size, num_classes : int
        Word ids 0 to ``vocab_size - 1`` (``pad_id`` among them) and output classes.
    embed_dim : int
        Width of the word embeddings (the Transformer's ``d_model``).
    hidden_size : int
        Per-direction state of :class:`RNNClassifier`.
    num_layers : int
        Recurrent or encoder layers.
    cell : {"lstm", "gru"}
        The recurrent cell of :class:`RNNClassifier`.
    num_filters, kernel_sizes
        :class:`SentenceCNN`'s filters per width and the widths (Kim: 100 of 3, 4, 5).
    num_buckets : int
        :class:`FastText`'s hashed bigram rows (0: words only).
    nhead, dim_feedforward, max_len
        :class:`TransformerClassifier`'s heads, feed-forward width and longest text.
    dropout : float
        Dropout before the output layer (and inside the Transformer's layers).
    pad_id : int
        The padding id.
    """

    vocab_size: int = 1000
    num_classes: int = 2
    embed_dim: int = 64
    hidden_size: int = 64
    num_layers: int = 1
    cell: str = "lstm"
    num_filters: int = 100
    kernel_sizes: tuple = (3, 4, 5)
    num_buckets: int = 20_000
    nhead: int = 4
    dim_feedforward: int = 128
    max_len: int = 256
    dropout: float = 0.5
    pad_id: int = 0


def _ids(ids: Any) -> np.ndarray:
    """``ids`` as a (B, L) integer array; a clear error otherwise."""
    array = np.asarray(ids.numpy() if isinstance(ids, Tensor) else ids)
    if array.ndim != 2 or array.dtype.kind not in "iu":
        raise ValueError(
            f"expected word ids as a (batch, length) integer array, got {array.dtype} of "
            f"shape {array.shape}"
        )
    return array.astype(np.int64, copy=False)


def _lengths(ids: np.ndarray, pad_id: int) -> np.ndarray:
    """The number of real tokens of each right-padded row, at least 1 (an empty text reads one
    padding token).
    """
    return np.maximum((ids != pad_id).sum(axis=1), 1)


def bigram_ids(ids: np.ndarray, vocab_size: int, num_buckets: int, pad_id: int = 0) -> np.ndarray:
    """The words of ``ids`` (B, L) followed by their hashed bigrams (B, 2L - 1): bigram
    ``(a, b)`` is row ``vocab_size + (a * 104729 + b) % num_buckets``; pairs that touch padding
    are ``pad_id``.
    """
    if num_buckets <= 0 or ids.shape[1] < 2:
        return ids
    first, second = ids[:, :-1], ids[:, 1:]
    bigrams = vocab_size + (first * _BIGRAM_PRIME + second) % num_buckets
    bigrams = np.where((first == pad_id) | (second == pad_id), pad_id, bigrams)
    return np.concatenate([ids, bigrams], axis=1)


class FastText(nn.Module):
    """The mean of word and hashed-bigram embeddings, then a linear layer (see the module)."""

    def __init__(self, config: TextClassifierConfig):
        super().__init__()
        self.config = config
        rows = config.vocab_size + max(config.num_buckets, 0)
        self.embedding = nn.EmbeddingBag(rows, config.embed_dim, "mean", padding_idx=config.pad_id)
        bound = 1.0 / config.embed_dim  # fastText's uniform(-1/dim, 1/dim) input vectors
        nn.init.uniform_(self.embedding.weight, -bound, bound)
        self.embedding.weight._data[config.pad_id] = 0
        self.dropout = nn.Dropout(config.dropout)
        self.fc = nn.Linear(config.embed_dim, config.num_classes)

    def forward(self, ids: Any) -> Tensor:
        """Logits (B, classes) of the texts ``ids`` (B, L)."""
        c = self.config
        tokens = bigram_ids(_ids(ids), c.vocab_size, c.num_buckets, c.pad_id)
        return self.fc(self.dropout(self.embedding(hm.tensor(tokens))))


class SentenceCNN(nn.Module):
    """Kim (2014)'s CNN-rand: filters of several widths, max over time, dropout, linear."""

    def __init__(self, config: TextClassifierConfig):
        super().__init__()
        self.config = config
        self.embedding = nn.Embedding(config.vocab_size, config.embed_dim, config.pad_id)
        self.convs = nn.ModuleList(
            [nn.Conv1d(config.embed_dim, config.num_filters, k) for k in config.kernel_sizes]
        )
        self.dropout = nn.Dropout(config.dropout)
        self.fc = nn.Linear(config.num_filters * len(config.kernel_sizes), config.num_classes)

    def forward(self, ids: Any) -> Tensor:
        """Logits (B, classes) of the texts ``ids`` (B, L)."""
        ids = _ids(ids)
        lengths = _lengths(ids, self.config.pad_id)
        widest = max(self.config.kernel_sizes)
        if ids.shape[1] < widest:  # every filter needs one full window
            ids = np.pad(
                ids, ((0, 0), (0, widest - ids.shape[1])), constant_values=self.config.pad_id
            )
        x = self.embedding(hm.tensor(ids)).transpose(1, 2)  # (B, E, L)
        pooled = []
        for conv, k in zip(self.convs, self.config.kernel_sizes):
            h = conv(x).relu()  # (B, F, L - k + 1)
            # windows starting past a text's end are left out (a text shorter than k keeps its
            # first window, which reads padding, the same whatever padding follows)
            valid = np.arange(h.shape[2])[None, :] < np.maximum(lengths - k + 1, 1)[:, None]
            h = h.masked_fill(hm.tensor(~valid[:, None, :]), -math.inf)
            pooled.append(h.amax(dim=2))  # (B, F)
        return self.fc(self.dropout(hm.cat(pooled, dim=1)))


def _reverse_within(lengths: np.ndarray, width: int) -> np.ndarray:
    """Column indices (B, L) that reverse each row's first ``lengths[b]`` entries and keep the
    rest in place (their own inverse).
    """
    t = np.arange(width)[None, :]
    return np.where(t < lengths[:, None], lengths[:, None] - 1 - t, t)


class RNNClassifier(nn.Module):
    """A bidirectional LSTM or GRU over the embeddings, exact about padding (see the module):
    the last real step of each direction, concatenated, dropout, linear.
    """

    def __init__(self, config: TextClassifierConfig):
        super().__init__()
        if config.cell not in ("lstm", "gru"):
            raise ValueError(f"cell must be 'lstm' or 'gru', got {config.cell!r}")
        self.config = config
        self.embedding = nn.Embedding(config.vocab_size, config.embed_dim, config.pad_id)
        cell = nn.LSTM if config.cell == "lstm" else nn.GRU
        self.forward_layers = nn.ModuleList()
        self.backward_layers = nn.ModuleList()
        for layer in range(config.num_layers):
            width = config.embed_dim if layer == 0 else 2 * config.hidden_size
            self.forward_layers.append(cell(width, config.hidden_size, batch_first=True))
            self.backward_layers.append(cell(width, config.hidden_size, batch_first=True))
        self.dropout = nn.Dropout(config.dropout)
        self.fc = nn.Linear(2 * config.hidden_size, config.num_classes)

    def forward(self, ids: Any) -> Tensor:
        """Logits (B, classes) of the texts ``ids`` (B, L)."""
        ids = _ids(ids)
        B, L = ids.shape
        lengths = _lengths(ids, self.config.pad_id)
        rows = np.arange(B)[:, None]
        reverse = _reverse_within(lengths, L)
        x = self.embedding(hm.tensor(ids))  # (B, L, E)
        last = lengths - 1
        for fwd, bwd in zip(self.forward_layers, self.backward_layers):
            out_f, _ = fwd(x)  # (B, L, H); steps past a text's end never reach its last step
            out_b, _ = bwd(x[rows, reverse])  # each text reversed within its length
            x = hm.cat([out_f, out_b[rows, reverse]], dim=2)  # back in reading order
        # forward: the state after the last word; backward: after reading back to the first
        h_f = x[np.arange(B), last, : self.config.hidden_size]
        h_b = x[np.arange(B), 0, self.config.hidden_size :]
        return self.fc(self.dropout(hm.cat([h_f, h_b], dim=1)))


class TransformerClassifier(nn.Module):
    """Token and learned position embeddings, encoder layers with a padding mask, the mean over
    the real tokens, linear.
    """

    def __init__(self, config: TextClassifierConfig):
        super().__init__()
        self.config = config
        d = config.embed_dim
        self.embedding = nn.Embedding(config.vocab_size, d, config.pad_id)
        self.positions = nn.Embedding(config.max_len, d)
        layer = nn.TransformerEncoderLayer(
            d, config.nhead, config.dim_feedforward, config.dropout, batch_first=True
        )
        self.encoder = nn.TransformerEncoder(layer, config.num_layers)
        self.dropout = nn.Dropout(config.dropout)
        self.fc = nn.Linear(d, config.num_classes)

    def forward(self, ids: Any) -> Tensor:
        """Logits (B, classes) of the texts ``ids`` (B, L) (L at most ``max_len``)."""
        ids = _ids(ids)
        B, L = ids.shape
        if L > self.config.max_len:
            ids = ids[:, : self.config.max_len]  # texts past max_len tokens are cut
            L = self.config.max_len
        lengths = _lengths(ids, self.config.pad_id)
        real = np.arange(L)[None, :] < lengths[:, None]  # (B, L); an empty text keeps one token
        x = self.embedding(hm.tensor(ids)) * math.sqrt(self.config.embed_dim)
        x = x + self.positions(hm.tensor(np.arange(L)))
        x = self.encoder(x, src_key_padding_mask=hm.tensor(~real))
        weights = hm.tensor((real / lengths[:, None]).astype(x.dtype)[:, :, None])
        return self.fc(self.dropout((x * weights).sum(dim=1)))
