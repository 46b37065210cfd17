"""Batching sequences of different lengths, as ``torch.nn.utils.rnn``."""

from __future__ import annotations

from collections.abc import Sequence

from homeml.ops.movement import pad, stack
from homeml.tensor import Tensor


def pad_sequence(
    sequences: Tensor | Sequence[Tensor],
    batch_first: bool = False,
    padding_value: float = 0.0,
    padding_side: str = "right",
) -> Tensor:
    """Stack sequences of shape (L_i, *) into one tensor, padded to the longest length L.

    Parameters
    ----------
    sequences : sequence of Tensor
        Each (L_i, *), the trailing dimensions equal.
    batch_first : bool, default False
        Return (B, L, *) instead of (L, B, *).
    padding_value : float, default 0.0
        The value of the padded positions.
    padding_side : {"right", "left"}, default "right"
        Pad after (right) or before (left) each sequence.

    Returns
    -------
    Tensor
        (L, B, *) or (B, L, *); differentiable with respect to every sequence.
    """
    if padding_side not in ("right", "left"):
        raise ValueError(
            f"pad_sequence: padding_side must be 'right' or 'left', got {padding_side!r}"
        )
    sequences = list(sequences)
    if not sequences:
        raise ValueError("pad_sequence: expected a non-empty sequence of tensors")
    trailing = sequences[0].shape[1:]
    for i, seq in enumerate(sequences):
        if seq.ndim == 0 or seq.shape[1:] != trailing:
            raise ValueError(
                f"pad_sequence: every sequence must be (L_i, {', '.join(map(str, trailing))}) like "
                f"the first, got shape {tuple(seq.shape)} at position {i}"
            )
    longest = max(seq.shape[0] for seq in sequences)
    keep = (0, 0) * len(trailing)  # torch's pad lists the last dimension first
    padded = []
    for seq in sequences:
        extra = longest - seq.shape[0]
        if extra:
            before, after = (0, extra) if padding_side == "right" else (extra, 0)
            seq = pad(seq, keep + (before, after), value=padding_value)
        padded.append(seq)
    return stack(padded, dim=0 if batch_first else 1)
