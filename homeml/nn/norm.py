"""Normalisation layers."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from homeml.nn import functional as F
from homeml.nn.module import Module, Parameter
from homeml.tensor import Tensor

if TYPE_CHECKING:
    from collections.abc import Sequence

    from numpy.typing import DTypeLike


class _BatchNorm(Module):
    expected_ndim: tuple[int, ...] = ()

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float | None = 0.1,
        affine: bool = True,
        track_running_stats: bool = True,
        dtype: DTypeLike | None = None,
        *,
        bias: bool = True,
    ):
        super().__init__()
        self.num_features, self.eps, self.momentum = num_features, eps, momentum
        self.affine, self.track_running_stats = affine, track_running_stats
        dtype = np.dtype(dtype or np.float32)
        self.weight = Parameter(np.ones(num_features, dtype=dtype)) if affine else None
        with_bias = affine and bias  # torch 2.13's option: a learned scale without a shift
        self.bias = Parameter(np.zeros(num_features, dtype=dtype)) if with_bias else None
        if track_running_stats:
            self.register_buffer("running_mean", Tensor(np.zeros(num_features, dtype=dtype)))
            self.register_buffer("running_var", Tensor(np.ones(num_features, dtype=dtype)))
            self.register_buffer("num_batches_tracked", Tensor(np.zeros((), dtype=np.int64)))
        else:
            self.running_mean = self.running_var = self.num_batches_tracked = None

    def forward(self, x: Tensor) -> Tensor:
        if x.ndim not in self.expected_ndim or x.shape[1] != self.num_features:
            raise ValueError(
                f"{type(self).__name__}({self.num_features}) expects input with "
                f"{' or '.join(map(str, self.expected_ndim))} dimensions and "
                f"{self.num_features} channels in dim 1, got shape {tuple(x.shape)}"
            )
        use_batch_stats = self.training or not self.track_running_stats
        momentum = self.momentum
        tracked = self.num_batches_tracked
        if self.training and self.track_running_stats and tracked is not None:
            tracked._data += 1
            if momentum is None:  # as torch: a cumulative average over the batches seen
                momentum = 1.0 / float(tracked._data)
        return F.batch_norm(
            x,
            self.running_mean if self.track_running_stats else None,
            self.running_var if self.track_running_stats else None,
            self.weight,
            self.bias,
            training=use_batch_stats,
            momentum=0.0 if momentum is None else momentum,
            eps=self.eps,
        )

    def extra_repr(self) -> str:
        # torch also shows bias=True; homeml shows the option only when it is off
        no_bias = ", bias=False" if self.bias is None else ""
        return (
            f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
            f"affine={self.affine}{no_bias}, track_running_stats={self.track_running_stats}"
        )


class BatchNorm1d(_BatchNorm):
    """Batch normalisation of (N, C) or (N, C, L) input."""

    expected_ndim = (2, 3)


class BatchNorm2d(_BatchNorm):
    """Batch normalisation of (N, C, H, W) input."""

    expected_ndim = (4,)


class LayerNorm(Module):
    """Normalises each sample over its trailing ``normalized_shape`` dimensions."""

    def __init__(
        self,
        normalized_shape: int | Sequence[int],
        eps: float = 1e-5,
        elementwise_affine: bool = True,
        bias: bool = True,
        dtype: DTypeLike | None = None,
    ):
        super().__init__()
        if isinstance(normalized_shape, int):
            normalized_shape = (normalized_shape,)
        self.normalized_shape, self.eps = tuple(normalized_shape), eps
        self.elementwise_affine = elementwise_affine
        dtype = np.dtype(dtype or np.float32)
        affine = elementwise_affine
        self.weight = Parameter(np.ones(self.normalized_shape, dtype=dtype)) if affine else None
        with_bias = affine and bias
        self.bias = Parameter(np.zeros(self.normalized_shape, dtype=dtype)) if with_bias else None

    def forward(self, x: Tensor) -> Tensor:
        return F.layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        no_bias = ", bias=False" if self.bias is None else ""  # as for batch norm
        return (
            f"{self.normalized_shape}, eps={self.eps}, "
            f"elementwise_affine={self.elementwise_affine}{no_bias}"
        )


class GroupNorm(Module):
    """Group normalisation (Wu and He, 2018) of ``(N, C, *)`` input, as ``torch.nn.GroupNorm``.

    Parameters
    ----------
    num_groups : int
        Number of groups the ``num_channels`` channels are split into (must divide it).
    num_channels : int
        ``C``.
    eps : float, default 1e-5
        Added to the variance.
    affine : bool, default True
        Learn a per-channel ``weight`` (ones) and ``bias`` (zeros).
    bias : bool, default True
        With ``affine``, whether to learn the ``bias`` too (torch 2.13's option).
    """

    def __init__(
        self,
        num_groups: int,
        num_channels: int,
        eps: float = 1e-5,
        affine: bool = True,
        device: Any = None,
        dtype: DTypeLike | None = None,
        *,
        bias: bool = True,
    ):
        super().__init__()
        if device is not None and str(device) != "cpu":
            raise ValueError(
                f"homeml runs on the CPU: device must be None or 'cpu', got {device!r}"
            )
        if num_groups <= 0 or num_channels % num_groups:
            raise ValueError(
                f"GroupNorm: num_channels ({num_channels}) must be divisible by num_groups "
                f"({num_groups}), a positive integer"
            )
        self.num_groups, self.num_channels, self.eps = num_groups, num_channels, eps
        self.affine = affine
        dtype = np.dtype(dtype or np.float32)
        self.weight = Parameter(np.ones(num_channels, dtype=dtype)) if affine else None
        with_bias = affine and bias
        self.bias = Parameter(np.zeros(num_channels, dtype=dtype)) if with_bias else None

    def forward(self, x: Tensor) -> Tensor:
        if x.ndim < 2 or x.shape[1] != self.num_channels:
            raise ValueError(
                f"GroupNorm({self.num_groups}, {self.num_channels}) expects input of shape "
                f"(N, {self.num_channels}, *), got shape {tuple(x.shape)}"
            )
        return F.group_norm(x, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        no_bias = ", bias=False" if self.bias is None else ""  # as batch norm
        return (
            f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}{no_bias}"
        )
