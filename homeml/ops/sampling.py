"""Drawing category indices from (unnormalised) probabilities: ``multinomial``."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from homeml.tensor import Tensor

if TYPE_CHECKING:
    from homeml.creation import Generator


def _check_probs(p, num_samples, replacement):
    """Raise PyTorch's errors for a bad distribution ``p`` (rows, categories)."""
    if p.dtype.kind != "f":
        raise RuntimeError(f"multinomial: expected a floating-point probs tensor, got {p.dtype}")
    if num_samples <= 0:
        raise RuntimeError(f"multinomial: cannot sample n_sample <= 0 samples, got {num_samples}")
    if p.shape[-1] == 0:
        raise RuntimeError("multinomial: the probs tensor has no categories")
    if not np.all(np.isfinite(p)) or np.any(p < 0):
        raise RuntimeError(
            "multinomial: probability tensor contains either `inf`, `nan` or element < 0"
        )
    if np.any(p.sum(axis=-1) <= 0):
        raise RuntimeError(
            "multinomial: invalid multinomial distribution (sum of probabilities <= 0)"
        )
    if not replacement:
        if num_samples > p.shape[-1]:
            raise RuntimeError(
                f"multinomial: cannot sample n_sample > prob_dist.size(-1) samples without "
                f"replacement (n_sample={num_samples}, {p.shape[-1]} categories)"
            )


def multinomial(
    input: Tensor,
    num_samples: int,
    replacement: bool = False,
    *,
    generator: Generator | None = None,
) -> Tensor:
    """Sample category indices from the rows of ``input`` (weights, need not sum to 1).

    Parameters
    ----------
    input : Tensor
        (C,) or (B, C) non-negative weights with a positive sum per row.
    num_samples : int
        Draws per row; without replacement at most C. Once the categories of non-zero
        weight are drawn, the zero-weight ones follow in index order (as PyTorch's CPU kernel).
    replacement : bool, default False
        Draw with replacement (independent draws) or without (each category at most once).
    generator : Generator, optional
        The source of randomness; the global generator (``manual_seed``) by default.

    Returns
    -------
    Tensor
        int64 indices of shape (num_samples,) or (B, num_samples).
    """
    from homeml.creation import default_generator

    p = input.numpy() if isinstance(input, Tensor) else np.asarray(input)
    if p.ndim not in (1, 2):
        raise RuntimeError(f"multinomial: probs must be 1-D or 2-D, got shape {p.shape}")
    num_samples = int(num_samples)
    _check_probs(p, num_samples, replacement)
    rows = p.reshape(-1, p.shape[-1]).astype(np.float64)  # (B, C)
    rng = (generator or default_generator).rng
    if replacement:
        # inverse CDF: the first category whose cumulative weight exceeds u * total
        cdf = np.cumsum(rows, axis=1)  # (B, C)
        u = rng.random((rows.shape[0], num_samples)) * cdf[:, -1:]  # (B, n)
        index = np.stack([np.searchsorted(c, v, side="right") for c, v in zip(cdf, u)])
        index = np.minimum(index, rows.shape[1] - 1)  # guards u * total rounding up to total
    else:
        # exponential race: category i finishes at E_i / p_i (E_i ~ Exp(1)); the order of
        # finishing is a draw without replacement proportional to p (zero weight finishes last, at
        # infinity; the stable sort keeps those in index order)
        with np.errstate(divide="ignore"):
            keys = rng.exponential(size=rows.shape) / rows  # (B, C)
        index = np.argsort(keys, axis=1, kind="stable")[:, :num_samples]
    return Tensor._make(index.astype(np.int64).reshape(p.shape[:-1] + (num_samples,)))
