"""Convolution layers."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from homeml.nn import functional as F
from homeml.nn import init
from homeml.nn.module import Module, Parameter
from homeml.ops.conv import pair
from homeml.tensor import Tensor

if TYPE_CHECKING:
    from typing import TypeAlias

    from numpy.typing import DTypeLike

    _size2: TypeAlias = "int | tuple[int, int]"  # one size for both sides, or (h, w)

# torch's padding modes and the matching ``homeml.nn.functional.pad`` modes
_PADDING_MODES = {
    "zeros": "constant",
    "reflect": "reflect",
    "replicate": "replicate",
    "circular": "circular",
}


class _ConvNd(Module):
    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: _size2,
        stride: _size2,
        padding: _size2 | str,
        dilation: _size2,
        groups: int,
        bias: bool,
        weight_shape,
        dtype: DTypeLike | None,
        padding_mode: str = "zeros",
    ):
        super().__init__()
        if padding_mode not in _PADDING_MODES:
            raise ValueError(
                f"padding_mode must be one of {sorted(_PADDING_MODES)}, got {padding_mode!r}"
            )
        self.padding_mode = padding_mode
        if in_channels % groups or out_channels % groups:
            raise ValueError(
                f"in_channels ({in_channels}) and out_channels ({out_channels}) must be "
                f"divisible by groups ({groups})"
            )
        self.in_channels, self.out_channels = in_channels, out_channels
        self.kernel_size, self.stride = pair(kernel_size), pair(stride)
        if isinstance(padding, str):  # checked here, as torch does, not at the first forward
            F._string_padding(padding, (1, 1), (1, 1), pair(stride))
            self.padding: str | tuple[int, int] = padding
        else:
            self.padding = pair(padding)
        self.dilation, self.groups = pair(dilation), groups
        self.output_padding = (0, 0)  # as torch's Conv2d; ConvTranspose2d sets its own
        dtype = np.dtype(dtype or np.float32)
        self.weight = Parameter(np.empty(weight_shape + self.kernel_size, dtype=dtype))
        self.bias = Parameter(np.empty(out_channels, dtype=dtype)) if bias else None
        self.reset_parameters()

    def reset_parameters(self) -> None:
        init.default_linear_init_(self.weight, self.bias)

    def _check_input(self, x):
        """(N, C, H, W) input, or one unbatched (C, H, W) sample as torch allows."""
        if x.ndim not in (3, 4) or x.shape[-3] != self.in_channels:
            raise ValueError(
                f"{type(self).__name__} expects input (N, {self.in_channels}, H, W) or "
                f"({self.in_channels}, H, W), got shape {tuple(x.shape)}"
            )

    def extra_repr(self) -> str:
        text = (
            f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
            f"stride={self.stride}"
        )
        if self.padding != (0, 0):  # torch shows padding=valid too
            text += f", padding={self.padding}"
        if self.dilation != (1, 1):
            text += f", dilation={self.dilation}"
        if self.output_padding != (0, 0):
            text += f", output_padding={self.output_padding}"
        if self.groups != 1:
            text += f", groups={self.groups}"
        if self.bias is None:
            text += ", bias=False"
        if self.padding_mode != "zeros":
            text += f", padding_mode={self.padding_mode}"
        return text


class Conv2d(_ConvNd):
    """2-D convolution over (N, C, H, W) input, with PyTorch's parameters and initialisation."""

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: _size2,
        stride: _size2 = 1,
        padding: _size2 | str = 0,
        dilation: _size2 = 1,
        groups: int = 1,
        bias: bool = True,
        padding_mode: str = "zeros",
        dtype: DTypeLike | None = None,
    ):
        super().__init__(
            in_channels,
            out_channels,
            kernel_size,
            stride,
            padding,
            dilation,
            groups,
            bias,
            (out_channels, in_channels // groups),
            dtype,
            padding_mode,
        )

    def forward(self, x: Tensor) -> Tensor:
        self._check_input(x)
        if x.ndim == 3:  # one unbatched (C, H, W) sample, as torch allows
            return self.forward(x.unsqueeze(0)).squeeze(0)
        padding: Any = self.padding  # 'same', 'valid', (h, w), then 4 sides or 0
        if self.padding_mode != "zeros":
            # as torch: pad explicitly with the mode (left/top gets the smaller half for an odd
            # 'same' total), then convolve without padding
            if padding == "valid":
                padding = (0, 0, 0, 0)
            elif padding == "same":
                total = [d * (k - 1) for k, d in zip(self.kernel_size, self.dilation)]
                padding = (
                    total[1] // 2,
                    total[1] - total[1] // 2,
                    total[0] // 2,
                    total[0] - total[0] // 2,
                )
            else:
                padding = (padding[1], padding[1], padding[0], padding[0])
            x = F.pad(x, padding, mode=_PADDING_MODES[self.padding_mode])
            padding = 0
        return F.conv2d(x, self.weight, self.bias, self.stride, padding, self.dilation, self.groups)


class ConvTranspose2d(_ConvNd):
    """Transposed 2-D convolution (the gradient of Conv2d), e.g. for learned upsampling."""

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: _size2,
        stride: _size2 = 1,
        padding: _size2 = 0,
        output_padding: _size2 = 0,
        groups: int = 1,
        bias: bool = True,
        dilation: _size2 = 1,
        padding_mode: str = "zeros",
        dtype: DTypeLike | None = None,
    ):
        if padding_mode != "zeros":
            raise ValueError(
                f'Only "zeros" padding mode is supported for ConvTranspose2d, got {padding_mode!r}'
            )
        super().__init__(
            in_channels,
            out_channels,
            kernel_size,
            stride,
            padding,
            dilation,
            groups,
            bias,
            (in_channels, out_channels // groups),
            dtype,
        )
        self.output_padding = pair(output_padding)

    def forward(self, x: Tensor, output_size: Sequence[int] | None = None) -> Tensor:
        """``output_size`` (the wanted (H, W), optionally with leading N, C) picks the
        output padding among the sizes a strided transposed convolution can produce.
        """
        self._check_input(x)
        if x.ndim == 3:  # one unbatched (C, H, W) sample, as torch allows
            return self.forward(x.unsqueeze(0), output_size).squeeze(0)
        output_padding = self.output_padding
        if output_size is not None:
            output_padding = self._output_padding(x, output_size)
        return F.conv_transpose2d(
            x,
            self.weight,
            self.bias,
            self.stride,
            self.padding,  # type: ignore[arg-type]  # a string fails here, at the first call
            output_padding,
            self.groups,
            self.dilation,
        )

    def _output_padding(self, x, output_size):
        """The extra rows/columns that give ``output_size`` (torch's ``_output_padding``)."""
        size = tuple(int(s) for s in output_size)
        if len(size) in (3, 4):
            size = size[-2:]
        if len(size) != 2:
            raise ValueError(
                f"ConvTranspose2d: output_size must have 2 (or 4) elements, got {output_size}"
            )
        padding = []
        for dim, want in enumerate(size):
            smallest = (
                (x.shape[-2 + dim] - 1) * self.stride[dim]
                - 2 * self.padding[dim]
                + self.dilation[dim] * (self.kernel_size[dim] - 1)
                + 1
            )
            if not smallest <= want < smallest + self.stride[dim]:
                raise ValueError(
                    f"ConvTranspose2d: requested an output size of {size}, but valid sizes for "
                    f"input of shape {tuple(x.shape)} range from {smallest} to "
                    f"{smallest + self.stride[dim] - 1} in dimension {dim}"
                )
            padding.append(want - smallest)
        return tuple(padding)


class Conv1d(Module):
    """1-D convolution over (N, C, L) input (or unbatched (C, L)), with torch's parameters.

    Computed by the 2-D convolution on a (N, C, 1, L) view with a (out, in/groups, 1, K) kernel:
    one im2col engine for both. ``padding`` is an int, 'same' or 'valid'; ``padding_mode`` is
    'zeros', 'reflect', 'replicate' or 'circular'.
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int | tuple[int],
        stride: int | tuple[int] = 1,
        padding: int | tuple[int] | str = 0,
        dilation: int | tuple[int] = 1,
        groups: int = 1,
        bias: bool = True,
        padding_mode: str = "zeros",
        dtype: DTypeLike | None = None,
    ):
        super().__init__()
        if padding_mode not in _PADDING_MODES:
            raise ValueError(
                f"padding_mode must be one of {sorted(_PADDING_MODES)}, got {padding_mode!r}"
            )
        if groups <= 0 or in_channels % groups or out_channels % groups:
            raise ValueError(
                f"in_channels ({in_channels}) and out_channels ({out_channels}) must be "
                f"divisible by groups ({groups})"
            )
        self.in_channels, self.out_channels = in_channels, out_channels
        self.kernel_size = (F._single(kernel_size, "kernel_size"),)
        self.stride = (F._single(stride, "stride"),)
        self.dilation = (F._single(dilation, "dilation"),)
        self.groups, self.padding_mode = groups, padding_mode
        if isinstance(padding, str):  # checked here, as torch does
            F._string_padding(padding, (1, 1), (1, 1), (1, self.stride[0]))
            self.padding: str | tuple[int] = padding
        else:
            self.padding = (F._single(padding, "padding"),)
        dtype = np.dtype(dtype or np.float32)
        shape = (out_channels, in_channels // groups, self.kernel_size[0])
        self.weight = Parameter(np.empty(shape, dtype=dtype))
        self.bias = Parameter(np.empty(out_channels, dtype=dtype)) if bias else None
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Draw as torch does: kaiming_uniform_(a=sqrt(5)) weights and a matching bias."""
        init.default_linear_init_(self.weight, self.bias)

    def forward(self, x: Tensor) -> Tensor:
        """Convolve (N, C_in, L) into (N, C_out, L_out) (or (C, L) into (C_out, L_out))."""
        if x.ndim not in (2, 3) or x.shape[-2] != self.in_channels:
            raise ValueError(
                f"Conv1d expects input (N, {self.in_channels}, L) or ({self.in_channels}, L), "
                f"got shape {tuple(x.shape)}"
            )
        padding: Any = self.padding
        if self.padding_mode != "zeros":
            # as torch: pad explicitly with the mode (the left gets the smaller half of an odd
            # 'same' total), then convolve without padding
            if padding == "valid":
                left = right = 0
            elif padding == "same":
                total = self.dilation[0] * (self.kernel_size[0] - 1)
                left, right = total // 2, total - total // 2
            else:
                left = right = int(padding[0])
            mode = _PADDING_MODES[self.padding_mode]
            x = F.pad(x.unsqueeze(-2), (left, right, 0, 0), mode=mode).squeeze(-2)
            padding = 0
        return F.conv1d(x, self.weight, self.bias, self.stride, padding, self.dilation, self.groups)

    def extra_repr(self) -> str:
        text = (
            f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
            f"stride={self.stride}"
        )
        if self.padding != (0,):
            text += f", padding={self.padding}"
        if self.dilation != (1,):
            text += f", dilation={self.dilation}"
        if self.groups != 1:
            text += f", groups={self.groups}"
        if self.bias is None:
            text += ", bias=False"
        if self.padding_mode != "zeros":
            text += f", padding_mode={self.padding_mode}"
        return text
