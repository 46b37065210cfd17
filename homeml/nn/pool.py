"""Pooling layers."""

from __future__ import annotations

from typing import TYPE_CHECKING

from homeml.nn import functional as F
from homeml.nn.module import Module
from homeml.tensor import Tensor

if TYPE_CHECKING:
    from typing import TypeAlias

    _size2: TypeAlias = "int | tuple[int, int]"  # one size for both sides, or (h, w)


class MaxPool2d(Module):
    """2-D max pooling, as ``torch.nn.MaxPool2d``."""

    def __init__(
        self,
        kernel_size: _size2,
        stride: _size2 | None = None,
        padding: _size2 = 0,
        dilation: _size2 = 1,
        ceil_mode: bool = False,
    ):
        super().__init__()
        self.kernel_size, self.stride, self.padding = kernel_size, stride or kernel_size, padding
        self.dilation, self.ceil_mode = dilation, ceil_mode

    def forward(self, x: Tensor) -> Tensor:
        return F.max_pool2d(
            x, self.kernel_size, self.stride, self.padding, self.dilation, self.ceil_mode
        )

    def extra_repr(self) -> str:
        return (
            f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
            f"dilation={self.dilation}, ceil_mode={self.ceil_mode}"
        )


class AvgPool2d(Module):
    """2-D average pooling, as ``torch.nn.AvgPool2d``."""

    def __init__(
        self,
        kernel_size: _size2,
        stride: _size2 | None = None,
        padding: _size2 = 0,
        ceil_mode: bool = False,
        count_include_pad: bool = True,
    ):
        super().__init__()
        self.kernel_size, self.stride, self.padding = kernel_size, stride or kernel_size, padding
        self.ceil_mode, self.count_include_pad = ceil_mode, count_include_pad

    def forward(self, x: Tensor) -> Tensor:
        return F.avg_pool2d(
            x, self.kernel_size, self.stride, self.padding, self.ceil_mode, self.count_include_pad
        )

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AdaptiveAvgPool2d(Module):
    """Average-pools to a fixed ``output_size`` whatever the input's height and width."""

    def __init__(self, output_size: _size2):
        super().__init__()
        self.output_size = output_size

    def forward(self, x: Tensor) -> Tensor:
        return F.adaptive_avg_pool2d(x, self.output_size)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"
