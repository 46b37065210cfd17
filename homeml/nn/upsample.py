"""Resizing layer: ``nn.Upsample``, the module form of ``F.interpolate``."""

from __future__ import annotations

from collections.abc import Sequence

from homeml.nn import functional as F
from homeml.nn.module import Module
from homeml.tensor import Tensor


class Upsample(Module):
    """Resize (N, C, L) or (N, C, H, W) input to ``size`` or by ``scale_factor``.

    Parameters
    ----------
    size : int or sequence of int, optional
        The output's spatial size; exactly one of ``size`` and ``scale_factor``.
    scale_factor : float or sequence of float, optional
        Multiplies each spatial size.
    mode : {"nearest", "linear", "bilinear"}, default "nearest"
    align_corners : bool, optional
        Linear modes only (see :func:`homeml.nn.functional.interpolate`).
    recompute_scale_factor : bool, optional
        Compute source positions from the sizes rather than from ``scale_factor``.
    """

    def __init__(
        self,
        size: int | Sequence[int] | None = None,
        scale_factor: float | Sequence[float] | None = None,
        mode: str = "nearest",
        align_corners: bool | None = None,
        recompute_scale_factor: bool | None = None,
    ):
        super().__init__()
        self.size, self.mode, self.align_corners = size, mode, align_corners
        self.scale_factor = (
            float(scale_factor) if isinstance(scale_factor, (int, float)) else scale_factor
        )
        self.recompute_scale_factor = recompute_scale_factor

    def forward(self, input: Tensor) -> Tensor:
        return F.interpolate(
            input,
            self.size,
            self.scale_factor,
            self.mode,
            self.align_corners,
            recompute_scale_factor=self.recompute_scale_factor,
        )

    def extra_repr(self) -> str:
        if self.scale_factor is not None:
            info = f"scale_factor={self.scale_factor!r}"
        else:
            info = f"size={self.size!r}"
        return f"{info}, mode={self.mode!r}"
