"""Fully connected layers, embeddings and shape helpers."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from homeml.nn import functional as F
from homeml.nn import init
from homeml.nn.module import Module, Parameter
from homeml.tensor import Tensor

if TYPE_CHECKING:
    from numpy.typing import DTypeLike


class Identity(Module):
    """Returns its input unchanged (a placeholder layer)."""

    def __init__(self, *args, **kwargs):
        super().__init__()

    def forward(self, x: Tensor) -> Tensor:
        return x


class Linear(Module):
    """``y = x @ weight.T + bias`` with weight (out_features, in_features), PyTorch's init."""

    def __init__(
        self, in_features: int, out_features: int, bias: bool = True, dtype: DTypeLike | None = None
    ):
        super().__init__()
        self.in_features, self.out_features = in_features, out_features
        dtype = np.dtype(dtype or np.float32)
        self.weight = Parameter(np.empty((out_features, in_features), dtype=dtype))
        self.bias = Parameter(np.empty(out_features, dtype=dtype)) if bias else None
        self.reset_parameters()

    def reset_parameters(self) -> None:
        init.default_linear_init_(self.weight, self.bias)

    def forward(self, x: Tensor) -> Tensor:
        if x.shape[-1] != self.in_features:
            raise ValueError(
                f"Linear expects inputs with last dimension {self.in_features}, got shape {x.shape}"
            )
        return F.linear(x, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (
            f"in_features={self.in_features}, out_features={self.out_features}, "
            f"bias={self.bias is not None}"
        )


class Flatten(Module):
    """Flattens dimensions ``start_dim`` to ``end_dim`` (by default all but the batch)."""

    def __init__(self, start_dim: int = 1, end_dim: int = -1):
        super().__init__()
        self.start_dim, self.end_dim = start_dim, end_dim

    def forward(self, x: Tensor) -> Tensor:
        return x.flatten(self.start_dim, self.end_dim)

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Embedding(Module):
    """A lookup table of ``num_embeddings`` vectors of size ``embedding_dim``, N(0, 1) init."""

    def __init__(
        self,
        num_embeddings: int,
        embedding_dim: int,
        padding_idx: int | None = None,
        dtype: DTypeLike | None = None,
    ):
        super().__init__()
        self.num_embeddings, self.embedding_dim = num_embeddings, embedding_dim
        if padding_idx is not None:
            padding_idx = F._padding_index(padding_idx, num_embeddings)
        self.padding_idx = padding_idx
        dtype = np.dtype(dtype or np.float32)
        self.weight = Parameter(np.empty((num_embeddings, embedding_dim), dtype=dtype))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        init.normal_(self.weight)
        if self.padding_idx is not None:
            self.weight._data[self.padding_idx] = 0

    def forward(self, indices: Tensor) -> Tensor:
        return F.embedding(indices, self.weight, self.padding_idx)

    def extra_repr(self) -> str:
        extra = f", padding_idx={self.padding_idx}" if self.padding_idx is not None else ""
        return f"{self.num_embeddings}, {self.embedding_dim}{extra}"


class EmbeddingBag(Module):
    """Sums, means or maxima of bags of embeddings, without the (bags, length, dim) tensor.

    As ``torch.nn.EmbeddingBag``: ``forward(input, offsets=None, per_sample_weights=None)`` takes
    a 2-D input (each row a bag) or a 1-D input with ``offsets`` (where each bag starts; with
    ``include_last_offset`` the last offset ends the last bag). Indices equal to ``padding_idx``
    are left out of their bag; an empty bag gives zeros. ``per_sample_weights`` scale the rows,
    for ``mode="sum"`` only. The weight is drawn from N(0, 1), its padding row set to zero.

    Parameters
    ----------
    num_embeddings, embedding_dim : int
        The table's size.
    mode : {"mean", "sum", "max"}, default "mean"
        How each bag's rows are combined.
    include_last_offset : bool, default False
        ``offsets`` has one more entry than there are bags.
    padding_idx : int, optional
        An index that never contributes (negative counts from the end).
    dtype : dtype, optional
        float32 unless given.
    """

    def __init__(
        self,
        num_embeddings: int,
        embedding_dim: int,
        mode: str = "mean",
        include_last_offset: bool = False,
        padding_idx: int | None = None,
        dtype: DTypeLike | None = None,
    ):
        super().__init__()
        if mode not in ("sum", "mean", "max"):
            raise ValueError(f"EmbeddingBag mode must be 'sum', 'mean' or 'max', got {mode!r}")
        self.num_embeddings, self.embedding_dim = num_embeddings, embedding_dim
        self.mode, self.include_last_offset = mode, include_last_offset
        if padding_idx is not None:
            padding_idx = F._padding_index(padding_idx, num_embeddings)
        self.padding_idx = padding_idx
        dtype = np.dtype(dtype or np.float32)
        self.weight = Parameter(np.empty((num_embeddings, embedding_dim), dtype=dtype))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        init.normal_(self.weight)
        if self.padding_idx is not None:
            self.weight._data[self.padding_idx] = 0

    def forward(
        self, input: Tensor, offsets: Tensor | None = None, per_sample_weights: Tensor | None = None
    ) -> Tensor:
        return F.embedding_bag(
            input,
            self.weight,
            offsets,
            mode=self.mode,
            per_sample_weights=per_sample_weights,
            include_last_offset=self.include_last_offset,
            padding_idx=self.padding_idx,
        )

    def extra_repr(self) -> str:
        extra = f", padding_idx={self.padding_idx}" if self.padding_idx is not None else ""
        return f"{self.num_embeddings}, {self.embedding_dim}, mode={self.mode!r}{extra}"
