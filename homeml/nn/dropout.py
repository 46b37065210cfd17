"""Dropout."""

from __future__ import annotations

from homeml.nn import functional as F
from homeml.nn.module import Module
from homeml.tensor import Tensor


class _DropoutNd(Module):
    """The parameters the dropout layers share (torch's ``_DropoutNd``)."""

    def __init__(self, p: float = 0.5, inplace: bool = False):
        super().__init__()
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"dropout probability must be in [0, 1], got {p}")
        self.p = p
        self.inplace = inplace  # accepted for torch compatibility: the output is a new tensor

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"


class Dropout(_DropoutNd):
    """Zeroes each value with probability ``p`` in training (scaling the rest); identity in eval."""

    def forward(self, x: Tensor) -> Tensor:
        return F.dropout(x, self.p, self.training, self.inplace)


class Dropout2d(_DropoutNd):
    """Zeroes whole channels of (N, C, H, W) or (C, H, W) inputs with probability ``p`` in
    training (scaling the rest by 1/(1-p)); identity in eval.
    """

    def forward(self, x: Tensor) -> Tensor:
        return F.dropout2d(x, self.p, self.training, self.inplace)
