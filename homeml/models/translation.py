"""Sequence-to-sequence translation models: a GRU encoder-decoder with Bahdanau attention and a
Transformer encoder-decoder, with greedy and beam-search decoding.

- :class:`GRUSeq2Seq` follows the PyTorch tutorial "NLP from scratch: translation with a sequence
  to sequence network and attention" (``EncoderRNN`` + ``AttnDecoderRNN`` with
  ``BahdanauAttention``), batch first and padding-aware: attention ignores the source's padding
  and the decoder starts from the encoder's state at each sentence's last real token.
- :class:`TransformerSeq2Seq` follows "Language translation with nn.Transformer": token embeddings
  scaled by ``sqrt(d_model)``, sinusoidal positions, :class:`homeml.nn.Transformer` with a causal
  target mask and padding masks, a linear generator.

Both take right-padded id batches (``pad_id`` after the tokens): ``forward(src, tgt_in)`` is
teacher forcing (``tgt_in`` starts with ``<sos>``) and returns logits (B, T, V_tgt); the loss is
cross-entropy against ``tgt_out`` (``tgt_in`` shifted by one, ``ignore_index=pad_id``).
``translate(src_ids, max_len, beam_size)`` decodes one sentence; ``greedy`` a batch.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

import homeml as hm
from homeml import nn
from homeml.tensor import Tensor

__all__ = [
    "BahdanauAttention",
    "GRUSeq2Seq",
    "PositionalEncoding",
    "Seq2SeqConfig",
    "TransformerSeq2Seq",
    "TransformerSeq2SeqConfig",
    "beam_search",
    "greedy_decode",
    "translate",
]


@dataclass
class Seq2SeqConfig:
    """The sizes of a :class:`GRUSeq2Seq` (the tutorial's ``hidden_size=128``, ``dropout_p=0.1``).

    Parameters
    ----------
    src_vocab_size, tgt_vocab_size : int
        Source and target vocabulary sizes (the ``homeml.text.WordTokenizer`` sizes).
    hidden_size : int
        Width H of the embeddings, the GRU states and the attention.
    dropout : float
        Dropout on the embeddings.
    pad_id, sos_id, eos_id : int
        The special ids (``homeml.text.Vocabulary``'s 0, 1, 2).
    """

    src_vocab_size: int = 1000
    tgt_vocab_size: int = 1000
    hidden_size: int = 128
    dropout: float = 0.1
    pad_id: int = 0
    sos_id: int = 1
    eos_id: int = 2


@dataclass
class TransformerSeq2SeqConfig:
    """The sizes of a :class:`TransformerSeq2Seq`.

    Parameters
    ----------
    src_vocab_size, tgt_vocab_size : int
        Source and target vocabulary sizes.
    d_model, nhead, num_encoder_layers, num_decoder_layers, dim_feedforward, dropout
        As :class:`homeml.nn.Transformer`.
    max_len : int
        Longest sequence the positional table covers.
    pad_id, sos_id, eos_id : int
        The special ids.
    """

    src_vocab_size: int = 1000
    tgt_vocab_size: int = 1000
    d_model: int = 128
    nhead: int = 4
    num_encoder_layers: int = 2
    num_decoder_layers: int = 2
    dim_feedforward: int = 256
    dropout: float = 0.1
    max_len: int = 64
    pad_id: int = 0
    sos_id: int = 1
    eos_id: int = 2


def _ids(x: Any, name: str) -> np.ndarray:
    """A (B, L) int64 array of ids from a tensor, an array or nested lists."""
    array = np.asarray(x.numpy() if isinstance(x, Tensor) else x)
    if array.ndim != 2 or array.shape[1] == 0 or not np.issubdtype(array.dtype, np.integer):
        raise ValueError(f"{name} must be (batch, length) integer ids, got {array.shape}")
    return array.astype(np.int64)


# -- GRU with Bahdanau attention -----------------------------------------------------------------


class BahdanauAttention(nn.Module):
    """Additive attention: ``score = Va(tanh(Wa(query) + Ua(keys)))``, padding masked out."""

    def __init__(self, hidden_size: int):
        super().__init__()
        self.Wa = nn.Linear(hidden_size, hidden_size)
        self.Ua = nn.Linear(hidden_size, hidden_size)
        self.Va = nn.Linear(hidden_size, 1)

    def forward(self, query: Tensor, keys: Tensor, pad: Tensor) -> tuple[Tensor, Tensor]:
        """Context (B, 1, H) and weights (B, 1, S) of ``query`` (B, 1, H) over ``keys`` (B, S, H);
        ``pad`` (B, 1, S) is True at the source's padding.
        """
        scores = self.Va(hm.tanh(self.Wa(query) + self.Ua(keys)))  # (B, S, 1)
        scores = scores.transpose(1, 2).masked_fill(pad, -1e9)  # (B, 1, S)
        weights = scores.softmax(dim=-1)
        return weights.bmm(keys), weights  # (B, 1, H), (B, 1, S)


class GRUSeq2Seq(nn.Module):
    """GRU encoder-decoder with Bahdanau attention (the PyTorch seq2seq tutorial, batch first).

    Parameters
    ----------
    config : Seq2SeqConfig
        Vocabulary sizes, width, dropout and special ids.
    """

    def __init__(self, config: Seq2SeqConfig):
        super().__init__()
        self.config = config
        V_src, V_tgt, H = config.src_vocab_size, config.tgt_vocab_size, config.hidden_size
        self.src_embedding = nn.Embedding(V_src, H, padding_idx=config.pad_id)
        self.encoder = nn.GRU(H, H, batch_first=True)
        self.tgt_embedding = nn.Embedding(V_tgt, H, padding_idx=config.pad_id)
        self.attention = BahdanauAttention(H)
        self.decoder = nn.GRU(2 * H, H, batch_first=True)
        self.out = nn.Linear(H, V_tgt)
        self.dropout = nn.Dropout(config.dropout)

    def encode(self, src: np.ndarray) -> tuple[Tensor, Tensor, Tensor]:
        """Encoder outputs (B, S, H), the state at each last real token (1, B, H), and the
        padding mask (B, 1, S).
        """
        pad = src == self.config.pad_id  # (B, S)
        lengths = (~pad).sum(axis=1)
        if (lengths == 0).any():
            raise ValueError("every source sentence needs at least one token that is not padding")
        outputs, _ = self.encoder(self.dropout(self.src_embedding(hm.tensor(src))))  # (B, S, H)
        last = np.zeros(src.shape, dtype=outputs.numpy().dtype)
        last[np.arange(len(src)), lengths - 1] = 1.0  # picks the state after the last real token
        hidden = (outputs * hm.tensor(last).unsqueeze(-1)).sum(dim=1).unsqueeze(0)  # (1, B, H)
        return outputs, hidden, hm.tensor(pad[:, None, :])

    def step(
        self, tokens: Tensor, hidden: Tensor, keys: Tensor, pad: Tensor
    ) -> tuple[Tensor, Tensor, Tensor]:
        """One decoder step (the tutorial's ``forward_step``): logits (B, 1, V), the new hidden
        (1, B, H) and the attention weights (B, 1, S) for ``tokens`` (B, 1).
        """
        embedded = self.dropout(self.tgt_embedding(tokens))  # (B, 1, H)
        context, weights = self.attention(hidden.permute(1, 0, 2), keys, pad)  # (B, 1, H)
        output, hidden = self.decoder(hm.cat([embedded, context], dim=2), hidden)
        return self.out(output), hidden, weights

    def forward(self, src: Any, tgt_in: Any) -> Tensor:
        """Teacher forcing: logits (B, T, V_tgt) for ``src`` (B, S) and ``tgt_in`` (B, T)."""
        keys, hidden, pad = self.encode(_ids(src, "src"))
        tgt = hm.tensor(_ids(tgt_in, "tgt_in"))
        logits = []
        for t in range(tgt.shape[1]):
            step_logits, hidden, _ = self.step(tgt[:, t : t + 1], hidden, keys, pad)
            logits.append(step_logits)
        return hm.cat(logits, dim=1)

    # decoding protocol (see beam_search)
    def start_decoding(self, src: np.ndarray) -> tuple:
        """The decoder state for ``src`` (B, S): (hidden, keys, pad)."""
        keys, hidden, pad = self.encode(src)
        return hidden, keys, pad

    def decode_step(self, prefix: np.ndarray, state: tuple) -> tuple[np.ndarray, tuple, Any]:
        """Log-probabilities (K, V) of the next token after ``prefix`` (K, t), the new state and
        the attention weights (K, S).
        """
        hidden, keys, pad = state
        logits, hidden, weights = self.step(hm.tensor(prefix[:, -1:]), hidden, keys, pad)
        log_probs = logits[:, 0].log_softmax(dim=-1).numpy()
        return log_probs, (hidden, keys, pad), weights[:, 0].numpy()

    @staticmethod
    def reorder_state(state: tuple, rows: np.ndarray) -> tuple:
        """The state of the beams ``rows``."""
        hidden, keys, pad = state
        return hidden[:, rows], keys[rows], pad[rows]

    def greedy(self, src: Any, max_len: int = 20) -> tuple[np.ndarray, np.ndarray | None]:
        """Greedy decoding of a batch; see :func:`greedy_decode`."""
        return greedy_decode(self, src, max_len)

    def translate(
        self, src_ids: Any, max_len: int = 20, beam_size: int = 1
    ) -> tuple[list[int], np.ndarray | None]:
        """Translate one sentence; see :func:`translate`. Returns ids and attention (T, S)."""
        return translate(self, src_ids, max_len, beam_size)


# -- Transformer ---------------------------------------------------------------------------------


class PositionalEncoding(nn.Module):
    """Adds the sinusoidal position table (Vaswani et al.) to (B, T, d) inputs, then dropout."""

    def __init__(self, d_model: int, max_len: int = 64, dropout: float = 0.1):
        super().__init__()
        position = np.arange(max_len)[:, None]
        div = np.exp(-np.arange(0, d_model, 2) * math.log(10000.0) / d_model)
        table = np.zeros((max_len, d_model), dtype=np.float32)
        table[:, 0::2] = np.sin(position * div)
        table[:, 1::2] = np.cos(position * div)[:, : d_model // 2]
        self.register_buffer("pe", hm.tensor(table), persistent=False)
        self.dropout = nn.Dropout(dropout)
        self.max_len = max_len

    def forward(self, x: Tensor) -> Tensor:
        """``x`` (B, T, d) plus the first T positions."""
        if x.shape[1] > self.max_len:
            raise ValueError(f"sequence of {x.shape[1]} tokens, longer than max_len={self.max_len}")
        return self.dropout(x + self.pe[: x.shape[1]])


class TransformerSeq2Seq(nn.Module):
    """Transformer encoder-decoder for translation (PyTorch's ``Seq2SeqTransformer`` tutorial).

    Parameters
    ----------
    config : TransformerSeq2SeqConfig
        Vocabulary sizes, widths, depths, dropout and special ids.
    """

    def __init__(self, config: TransformerSeq2SeqConfig):
        super().__init__()
        self.config = config
        d = config.d_model
        self.src_embedding = nn.Embedding(config.src_vocab_size, d, padding_idx=config.pad_id)
        self.tgt_embedding = nn.Embedding(config.tgt_vocab_size, d, padding_idx=config.pad_id)
        self.positions = PositionalEncoding(d, config.max_len, config.dropout)
        self.transformer = nn.Transformer(
            d_model=d,
            nhead=config.nhead,
            num_encoder_layers=config.num_encoder_layers,
            num_decoder_layers=config.num_decoder_layers,
            dim_feedforward=config.dim_feedforward,
            dropout=config.dropout,
            batch_first=True,
        )
        self.generator = nn.Linear(d, config.tgt_vocab_size)

    def encode(self, src: np.ndarray) -> tuple[Tensor, Tensor]:
        """Memory (B, S, d) and the source padding mask (B, S), True at padding."""
        pad = hm.tensor(src == self.config.pad_id)
        x = self.positions(self.src_embedding(hm.tensor(src)) * math.sqrt(self.config.d_model))
        return self.transformer.encoder(x, src_key_padding_mask=pad), pad

    def decode(self, tgt_in: np.ndarray, memory: Tensor, src_pad: Tensor) -> Tensor:
        """Logits (B, T, V_tgt) of ``tgt_in`` (B, T) over ``memory``: causal and padding masks."""
        T = tgt_in.shape[1]
        causal = nn.Transformer.generate_square_subsequent_mask(T)  # (T, T), -inf above
        y = self.positions(self.tgt_embedding(hm.tensor(tgt_in)) * math.sqrt(self.config.d_model))
        y = self.transformer.decoder(
            y,
            memory,
            tgt_mask=causal,
            tgt_key_padding_mask=hm.tensor(tgt_in == self.config.pad_id),
            memory_key_padding_mask=src_pad,
            tgt_is_causal=True,
        )
        return self.generator(y)

    def forward(self, src: Any, tgt_in: Any) -> Tensor:
        """Teacher forcing: logits (B, T, V_tgt) for ``src`` (B, S) and ``tgt_in`` (B, T)."""
        memory, pad = self.encode(_ids(src, "src"))
        return self.decode(_ids(tgt_in, "tgt_in"), memory, pad)

    # decoding protocol (see beam_search); the decoder reruns the whole prefix each step
    def start_decoding(self, src: np.ndarray) -> tuple:
        """The decoder state for ``src`` (B, S): (memory, padding mask)."""
        return self.encode(src)

    def decode_step(self, prefix: np.ndarray, state: tuple) -> tuple[np.ndarray, tuple, Any]:
        """Log-probabilities (K, V) of the token after ``prefix`` (K, t); no attention."""
        logits = self.decode(prefix, *state)
        return logits[:, -1].log_softmax(dim=-1).numpy(), state, None

    @staticmethod
    def reorder_state(state: tuple, rows: np.ndarray) -> tuple:
        """The state of the beams ``rows``."""
        memory, pad = state
        return memory[rows], pad[rows]

    def greedy(self, src: Any, max_len: int = 20) -> tuple[np.ndarray, np.ndarray | None]:
        """Greedy decoding of a batch; see :func:`greedy_decode`."""
        return greedy_decode(self, src, max_len)

    def translate(
        self, src_ids: Any, max_len: int = 20, beam_size: int = 1
    ) -> tuple[list[int], np.ndarray | None]:
        """Translate one sentence; see :func:`translate`. Returns ids and None."""
        return translate(self, src_ids, max_len, beam_size)


# -- decoding ------------------------------------------------------------------------------------


class Decoder(Protocol):
    """What :func:`greedy_decode` and :func:`beam_search` need from a model."""

    config: Any

    def start_decoding(self, src: np.ndarray) -> Any: ...  # noqa: D102

    def decode_step(self, prefix: np.ndarray, state: Any) -> tuple[np.ndarray, Any, Any]: ...  # noqa: D102

    def reorder_state(self, state: Any, rows: np.ndarray) -> Any: ...  # noqa: D102


def greedy_decode(
    model: Decoder, src: Any, max_len: int = 20
) -> tuple[np.ndarray, np.ndarray | None]:
    """Greedy decoding of a batch ``src`` (B, S) in eval mode, without gradients.

    Returns
    -------
    ids : ndarray of int64, (B, T)
        The generated ids (no ``<sos>``); after a sentence's ``<eos>`` its row holds ``pad_id``.
    attention : ndarray, (B, T, S), or None
        The attention weights of each step (GRU), None for models without them.
    """
    src = _ids(src, "src")
    c = model.config
    with hm.no_grad(), _eval(model):
        state = model.start_decoding(src)
        prefix = np.full((len(src), 1), c.sos_id, dtype=np.int64)
        done = np.zeros(len(src), dtype=bool)
        rows = []
        for _ in range(max_len):
            log_probs, state, weights = model.decode_step(prefix, state)
            token = np.where(done, c.pad_id, log_probs.argmax(axis=-1))
            prefix = np.concatenate([prefix, token[:, None]], axis=1)
            if weights is not None:
                rows.append(weights)
            done |= token == c.eos_id
            if done.all():
                break
    return prefix[:, 1:], (np.stack(rows, axis=1) if rows else None)


def beam_search(
    model: Decoder, src_ids: Any, max_len: int = 20, beam_size: int = 4
) -> tuple[list[int], np.ndarray | None, float]:
    """Beam search for one sentence, scored by the mean log-probability per generated token.

    Each step extends the ``beam_size`` live hypotheses by every token, keeps the best
    ``beam_size`` that do not end in ``<eos>`` and sets aside those that do; the search stops
    when ``beam_size`` hypotheses have ended (or at ``max_len`` tokens, when the live ones compete
    too). The winner has the highest ``sum(log p) / length`` (``<eos>`` counted in the length).
    ``beam_size=1`` is greedy decoding.

    Parameters
    ----------
    model : GRUSeq2Seq or TransformerSeq2Seq
        Anything with ``config`` (``sos_id``, ``eos_id``), ``start_decoding``, ``decode_step``
        and ``reorder_state``.
    src_ids : sequence of int
        One source sentence (S,).
    max_len : int, default 20
        Most tokens to generate.
    beam_size : int, default 4
        Hypotheses kept at each step.

    Returns
    -------
    ids : list of int
        The best hypothesis (no ``<sos>``; ending in ``<eos>`` unless it reached ``max_len``).
    attention : ndarray (T, S) or None
        Its attention weights, one row per generated token (GRU).
    score : float
        Its length-normalised log-probability.
    """
    if beam_size < 1 or max_len < 1:
        raise ValueError(f"beam_size and max_len must be >= 1, got {beam_size} and {max_len}")
    src = _ids(np.asarray(src_ids)[None], "src_ids")
    sos, eos = model.config.sos_id, model.config.eos_id
    finished: list[tuple[float, list[int], list[np.ndarray]]] = []
    with hm.no_grad(), _eval(model):
        state = model.start_decoding(src)
        prefix = np.full((1, 1), sos, dtype=np.int64)  # (K, t): the live hypotheses
        scores = np.zeros(1)  # (K,) summed log-probabilities
        attention: list[list[np.ndarray]] = [[]]
        for _ in range(max_len):
            log_probs, state, weights = model.decode_step(prefix, state)  # (K, V), (K, S)
            total = scores[:, None] + log_probs.astype(np.float64)
            V = total.shape[1]
            keep: list[tuple[int, int]] = []
            for flat in np.argsort(-total, axis=None, kind="stable")[: 2 * beam_size]:
                k, token = divmod(int(flat), V)
                rows = attention[k] + ([weights[k]] if weights is not None else [])
                if token == eos:
                    tokens = [*prefix[k, 1:].tolist(), token]
                    finished.append((total[k, token] / len(tokens), tokens, rows))
                elif len(keep) < beam_size:
                    keep.append((k, token))
                if len(keep) == beam_size:
                    break
            if len(finished) >= beam_size or not keep:
                break
            beams = np.array([k for k, _ in keep])
            tokens_kept = np.array([t for _, t in keep])
            state = model.reorder_state(state, beams)
            prefix = np.concatenate([prefix[beams], tokens_kept[:, None]], axis=1)
            scores = total[beams, tokens_kept]
            attention = [
                attention[k] + ([weights[k]] if weights is not None else []) for k, _ in keep
            ]
        else:  # max_len reached: the live hypotheses compete with the ended ones
            for k in range(len(prefix)):
                tokens = prefix[k, 1:].tolist()
                finished.append((scores[k] / len(tokens), tokens, attention[k]))
    score, ids, rows = max(finished, key=lambda item: item[0])
    return ids, (np.stack(rows) if rows else None), float(score)


def translate(
    model: Decoder, src_ids: Any, max_len: int = 20, beam_size: int = 1
) -> tuple[list[int], np.ndarray | None]:
    """Translate one sentence ``src_ids`` (S,): greedy with ``beam_size=1``, else beam search.

    Returns
    -------
    ids : list of int
        Generated ids without ``<sos>``, up to and including ``<eos>``.
    attention : ndarray (T, S) or None
        Attention weights per generated token (GRU), None for the Transformer.
    """
    if beam_size > 1:
        ids, attention, _ = beam_search(model, src_ids, max_len, beam_size)
        return ids, attention
    out, attention = greedy_decode(model, np.asarray(src_ids)[None], max_len)
    ids = out[0].tolist()
    if model.config.eos_id in ids:
        ids = ids[: ids.index(model.config.eos_id) + 1]
    return ids, (attention[0, : len(ids)] if attention is not None else None)


class _eval:
    """Context manager: the model in eval mode inside, its previous mode restored after."""

    def __init__(self, model: Any):
        self.model, self.was_training = model, getattr(model, "training", False)

    def __enter__(self) -> None:
        self.model.eval()

    def __exit__(self, *exc: object) -> None:
        self.model.train(self.was_training)
