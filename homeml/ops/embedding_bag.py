"""``embedding_bag``: the sum, mean or max of the embedding rows of each bag of indices, as
``torch.nn.functional.embedding_bag`` computes it without building the (bags, length, dim)
tensor in between.

A bag is a run of consecutive indices (rows of a 2-D input, or the pieces ``offsets`` cut a 1-D
input into). Indices equal to ``padding_idx`` are left out of their bag (they add nothing and
do not count for the mean); an empty bag gives zeros, as in PyTorch.
"""

from __future__ import annotations

import numpy as np

from homeml.ops.movement import _add_rows
from homeml.tensor import Function, Tensor

__all__ = ["embedding_bag"]

MODES = ("sum", "mean", "max")


def _bag_sums(rows: np.ndarray, counts: np.ndarray, reduce=np.add) -> np.ndarray:
    """``reduce`` over consecutive groups of ``rows`` (K, D) of sizes ``counts`` (B,); empty
    groups give 0."""
    out = np.zeros((len(counts), rows.shape[1]), dtype=rows.dtype)
    full = counts > 0
    if rows.shape[0]:
        starts = np.concatenate(([0], np.cumsum(counts)[:-1]))[full]
        out[full] = reduce.reduceat(rows, starts, axis=0)
    return out


class EmbeddingBagFunction(Function):
    """The bags' reductions of ``weight`` rows; the inputs are ``weight`` (V, D) and
    ``per_sample_weights`` (K,) or None, the options the kept indices (K,), the bag sizes (B,)
    and the mode."""

    def forward(self, weight, per_sample_weights, index, counts, mode):
        self.index, self.counts, self.mode = index, counts, mode
        self.vocab, self.psw = weight.shape[0], per_sample_weights
        rows = weight[index]  # (K, D)
        self.bag = np.repeat(np.arange(len(counts)), counts)  # the bag of each kept index
        if mode == "max":
            out = _bag_sums(rows, counts, np.maximum)
            # the first index reaching each bag's maximum, per dimension, takes its gradient
            position = np.arange(len(index))[:, None]
            hits = np.where(rows == out[self.bag], position, len(index))
            self.winner = _bag_sums(hits, counts, np.minimum)  # (B, D) positions
            return out
        if per_sample_weights is not None:
            self.rows = rows
            rows = rows * per_sample_weights[:, None].astype(rows.dtype, copy=False)
        out = _bag_sums(rows, counts)
        if mode == "mean":
            out /= np.maximum(counts, 1)[:, None].astype(out.dtype)
        return out

    def backward(self, grad):
        dtype = grad.dtype
        g_weight = g_psw = None
        if self.mode == "max":
            if self.needs_input_grad[0]:
                g_weight = np.zeros((self.vocab, grad.shape[1]), dtype=dtype)
                full = self.counts > 0
                winners = self.winner[full]  # (B', D) positions into the kept indices
                dims = np.broadcast_to(np.arange(grad.shape[1]), winners.shape)
                np.add.at(g_weight, (self.index[winners], dims), grad[full])
            return g_weight, None
        per_row = grad[self.bag]  # (K, D)
        if self.mode == "mean":
            per_row = per_row / np.maximum(self.counts, 1)[self.bag, None].astype(dtype)
        if self.needs_input_grad[1]:
            g_psw = np.einsum("kd,kd->k", per_row, self.rows)
        if self.needs_input_grad[0]:
            if self.psw is not None:
                per_row = per_row * self.psw[:, None].astype(dtype, copy=False)
            g_weight = np.zeros((self.vocab, grad.shape[1]), dtype=dtype)
            if len(self.index):
                _add_rows(g_weight, self.index, per_row)
        return g_weight, g_psw


def _as_array(x) -> np.ndarray | None:
    if x is None:
        return None
    return np.asarray(x.numpy() if isinstance(x, Tensor) else x)


def _bags(index: np.ndarray, offsets: np.ndarray | None, include_last_offset: bool):
    """The flat indices (N,) and the bag sizes (B,) of a 2-D input or a 1-D input and offsets."""
    if index.ndim == 2:
        if offsets is not None:
            raise ValueError(
                "embedding_bag: offsets must be None for a 2-D input (each row is a bag), "
                f"got offsets of shape {offsets.shape}"
            )
        return index.reshape(-1), np.full(index.shape[0], index.shape[1], dtype=np.int64)
    if index.ndim != 1:
        raise ValueError(f"embedding_bag: input must be 1-D or 2-D, got shape {index.shape}")
    if offsets is None:
        raise ValueError("embedding_bag: a 1-D input needs offsets (where each bag starts)")
    if offsets.ndim != 1 or offsets.dtype.kind not in "iu":
        raise ValueError(
            f"embedding_bag: offsets must be a 1-D integer array, got {offsets.dtype} of "
            f"shape {offsets.shape}"
        )
    if len(offsets) and offsets[0] != 0:
        raise ValueError(f"embedding_bag: offsets[0] must be 0, got {offsets[0]}")
    ends = offsets if include_last_offset else np.append(offsets, len(index))
    if np.any(np.diff(ends) < 0) or (len(ends) and ends[-1] > len(index)):
        raise ValueError(
            f"embedding_bag: offsets must be non-decreasing and at most the input's length "
            f"{len(index)}, got {offsets.tolist()[:20]}"
        )
    if include_last_offset and len(ends):
        index = index[: ends[-1]]
    return index, np.diff(ends).astype(np.int64) if len(ends) else np.zeros(0, np.int64)


def embedding_bag(
    input,
    weight: Tensor,
    offsets=None,
    mode: str = "mean",
    per_sample_weights: Tensor | None = None,
    include_last_offset: bool = False,
    padding_idx: int | None = None,
) -> Tensor:
    """The ``mode`` reduction of the embedding rows of each bag (see the module docstring);
    ``per_sample_weights`` (same shape as ``input``) scale each row, for ``mode="sum"`` only.
    Returns (B, D)."""
    if mode not in MODES:
        raise ValueError(f"embedding_bag: mode must be one of {', '.join(MODES)}, got {mode!r}")
    index = _as_array(input)
    assert index is not None
    if index.dtype.kind not in "iu":
        raise TypeError(f"embedding_bag indices must be integers, got {index.dtype}")
    vocab = weight.shape[0]
    if index.size and (index.min() < 0 or index.max() >= vocab):
        raise IndexError(
            f"embedding_bag: index out of range: got values in [{index.min()}, {index.max()}] "
            f"for {vocab} embeddings"
        )
    psw = per_sample_weights
    if psw is not None:
        if mode != "sum":
            raise NotImplementedError(
                f"embedding_bag: per_sample_weights is only supported for mode='sum', got {mode!r}"
            )
        if tuple(psw.shape) != index.shape:
            raise ValueError(
                f"embedding_bag: per_sample_weights must have the input's shape {index.shape}, "
                f"got {tuple(psw.shape)}"
            )
    flat, counts = _bags(index, _as_array(offsets), include_last_offset)
    used = len(flat)
    keep = None
    if padding_idx is not None:
        padding_idx = padding_idx % vocab if -vocab <= padding_idx < vocab else padding_idx
        if not 0 <= padding_idx < vocab:
            raise ValueError(f"padding_idx must be within [-{vocab}, {vocab}), got {padding_idx}")
        keep = flat != padding_idx
        if not keep.all():
            bag = np.repeat(np.arange(len(counts)), counts)
            counts = np.bincount(bag[keep], minlength=len(counts)).astype(np.int64)
            flat = flat[keep]
    if psw is not None:
        psw = psw.reshape(-1)
        if used < psw.shape[0]:  # include_last_offset may leave the input's tail out
            psw = psw[:used]
        if keep is not None and not keep.all():
            psw = psw[np.flatnonzero(keep)]
    return EmbeddingBagFunction.apply(weight, psw, index=flat, counts=counts, mode=mode)
