"""Shape operations (homeml/ops/movement.py) and ``Tensor.__getitem__``.

Every operation is checked three ways: homeml's gradients against central finite differences in
float64, and forward values, shape, dtype and gradients against PyTorch in float64 and float32.

Most cases are written once as ``fn(lib, *tensors)`` and run with ``lib`` = homeml and ``lib`` =
torch, so method and function forms are spelled exactly as in PyTorch.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import partial
from typing import NamedTuple

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from support import check_against_torch, check_gradients, requires_torch, torch

import homeml as hm

DTYPES = [pytest.param(np.float64, id="float64"), pytest.param(np.float32, id="float32")]


def F_pad(*args, **kwargs):  # noqa: N802  (torch.nn.functional.pad, looked up when called)
    return torch.nn.functional.pad(*args, **kwargs)


def randn(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


def assert_same_shape(fn, torch_fn, arrays):
    got = fn(hm, *[hm.tensor(a) for a in arrays]).shape
    want = tuple(torch_fn(torch, *[torch.tensor(a) for a in arrays]).shape)
    assert got == want, f"shape {got}, torch gives {want}"


def check_op(fn, *arrays, torch_fn=None):
    """Finite differences (float64), then PyTorch in float64 and float32 (needs torch)."""
    torch_fn = torch_fn or fn
    arrays = [np.asarray(a, dtype=np.float64) for a in arrays]
    check_gradients(partial(fn, hm), *arrays)
    for dtype in (np.float64, np.float32):
        cast = [a.astype(dtype) for a in arrays]
        assert_same_shape(fn, torch_fn, cast)
        check_against_torch(partial(fn, hm), partial(torch_fn, torch), *cast)


# --------------------------------------------------------------------------- the cases
class Op(NamedTuple):
    fn: Callable  # fn(lib, *tensors), lib being homeml or torch
    shapes: tuple
    torch_fn: Callable | None = None  # when PyTorch spells it differently

    def arrays(self):
        return [randn(*s, seed=i) for i, s in enumerate(self.shapes)]

    @property
    def reference(self):
        return self.torch_fn or self.fn


OPS: dict[str, Op] = {}


def op(name, fn, *shapes, torch_fn=None):
    assert name not in OPS, name
    assert all(math.prod(s) <= 24 for s in shapes), name  # keep finite differences cheap
    OPS[name] = Op(fn, shapes, torch_fn)


# reshape / view
op("reshape-varargs", lambda m, x: x.reshape(3, -1), (2, 3, 2))
op("reshape-tuple", lambda m, x: x.reshape((4, 3)), (2, 3, 2))
op("reshape-list-neg1", lambda m, x: x.reshape([-1, 2, 2]), (3, 4))
op("reshape-function", lambda m, x: m.reshape(x, (-1,)), (2, 3, 2))
op("reshape-to-0d", lambda m, x: x.reshape(()), (1, 1))
op("reshape-from-0d", lambda m, x: x.reshape(1, 1, 1), ())
op("view-varargs", lambda m, x: x.view(2, -1, 2), (4, 3))
op("view-tuple", lambda m, x: x.view((6, 2)), (4, 3))
op("view-neg1-alone", lambda m, x: x.view(-1), (2, 2, 3))
op("view_as", lambda m, x: x.view_as(m.zeros(3, 4)), (2, 6))
op("reshape_as", lambda m, x: x.reshape_as(m.zeros(2, 2, 3)), (4, 3))
# flatten
op("flatten-all", lambda m, x: x.flatten(), (2, 3, 2))
op("flatten-start", lambda m, x: x.flatten(1), (2, 3, 2))
op("flatten-start-end", lambda m, x: x.flatten(0, 1), (2, 3, 2, 2))
op("flatten-negative", lambda m, x: x.flatten(-3, -2), (2, 3, 2, 2))
op("flatten-same-dim", lambda m, x: x.flatten(1, 1), (2, 3, 2))
op("flatten-function", lambda m, x: m.flatten(x, start_dim=1, end_dim=2), (2, 3, 2, 2))
op("flatten-0d", lambda m, x: x.flatten(), ())
# squeeze / unsqueeze
op("squeeze-all", lambda m, x: x.squeeze(), (1, 3, 1, 2))
op("squeeze-dim", lambda m, x: x.squeeze(2), (1, 3, 1, 2))
op("squeeze-neg-dim", lambda m, x: x.squeeze(-4), (1, 3, 1, 2))
op("squeeze-tuple", lambda m, x: x.squeeze((0, 2)), (1, 3, 1, 2))
op("squeeze-tuple-mixed", lambda m, x: x.squeeze((1, -2)), (1, 3, 1, 2))
op("squeeze-not-size-1", lambda m, x: x.squeeze(1), (1, 3, 1, 2))
op("squeeze-function", lambda m, x: m.squeeze(x, 0), (1, 3, 1, 2))
op("squeeze-0d", lambda m, x: x.squeeze(), ())
op("unsqueeze-0", lambda m, x: x.unsqueeze(0), (2, 3))
op("unsqueeze-last", lambda m, x: x.unsqueeze(2), (2, 3))
op("unsqueeze-neg1", lambda m, x: x.unsqueeze(-1), (2, 3))
op("unsqueeze-neg-min", lambda m, x: x.unsqueeze(-3), (2, 3))
op("unsqueeze-function", lambda m, x: m.unsqueeze(x, -2), (2, 3))
op("unsqueeze-0d", lambda m, x: x.unsqueeze(0), ())
# permute / transpose / T / mT
op("permute-varargs", lambda m, x: x.permute(2, 0, 1), (2, 3, 4))
op("permute-tuple", lambda m, x: x.permute((1, 2, 0)), (2, 3, 4))
op("permute-list-negative", lambda m, x: x.permute([-1, 0, -2]), (2, 3, 4))
op("permute-function", lambda m, x: m.permute(x, (2, 1, 0)), (2, 3, 4))
op("permute-4d", lambda m, x: x.permute(3, 1, 0, 2), (1, 2, 3, 4))
op("transpose", lambda m, x: x.transpose(0, 2), (2, 3, 4))
op("transpose-negative", lambda m, x: x.transpose(-1, 0), (2, 3, 4))
op("transpose-same-dim", lambda m, x: x.transpose(1, 1), (2, 3, 4))
op("transpose-function", lambda m, x: m.transpose(x, 1, -1), (2, 3, 4))
op("T-2d", lambda m, x: x.T, (3, 5))
op("mT-2d", lambda m, x: x.mT, (3, 5))
op("mT-batched", lambda m, x: x.mT, (2, 3, 4))
# expand / expand_as
op("expand-varargs", lambda m, x: x.expand(3, 4), (3, 1))
op("expand-tuple", lambda m, x: x.expand((2, 3, 4)), (3, 1))
op("expand-neg1", lambda m, x: x.expand(-1, 4), (3, 1))
op("expand-leading-neg1", lambda m, x: x.expand(2, -1, 4), (3, 1))
op("expand-leading-size-1", lambda m, x: x.expand(2, 2, -1, -1), (1, 3))
op("expand-0d", lambda m, x: x.expand(2, 3), ())
op("expand-noop", lambda m, x: x.expand(2, 3), (2, 3))
op(
    "expand-function",
    lambda m, x: m.expand(x, (2, 3)),
    (1, 3),
    torch_fn=lambda m, x: x.expand(2, 3),
)
op("expand_as", lambda m, x: x.expand_as(m.zeros(2, 3, 4)), (1, 4))
# repeat
op("repeat-varargs", lambda m, x: x.repeat(2, 3), (2, 3))
op("repeat-tuple", lambda m, x: x.repeat((1, 2)), (2, 3))
op("repeat-more-counts", lambda m, x: x.repeat(2, 1, 3), (2, 3))
op("repeat-1d-to-3d", lambda m, x: x.repeat(2, 3, 2), (3,))
op("repeat-ones", lambda m, x: x.repeat(1, 1), (2, 3))
op("repeat-function", lambda m, x: m.repeat(x, 3, 1), (2, 3), torch_fn=lambda m, x: x.repeat(3, 1))
# flip
op("flip-int", lambda m, x: x.flip(0), (2, 3, 4))
op("flip-tuple", lambda m, x: x.flip((0, 2)), (2, 3, 4))
op("flip-list-negative", lambda m, x: x.flip([-1]), (2, 3, 4))
op("flip-all", lambda m, x: x.flip((0, 1, 2)), (2, 3, 4))
op("flip-function", lambda m, x: m.flip(x, (1,)), (2, 3, 4))
# pad: torch.nn.functional.pad semantics (pairs from the last dimension)
for _name, _shape, _args in [
    ("constant-1d-pad-of-2d", (2, 3), dict(pad=(1, 2))),
    ("constant-2d-value", (2, 3), dict(pad=(1, 2, 0, 1), value=1.5)),
    ("constant-3d-all-dims", (2, 3, 2), dict(pad=(0, 1, 2, 0, 1, 1), mode="constant", value=-2.0)),
    ("constant-4d", (1, 2, 2, 3), dict(pad=(1, 1, 1, 1))),
    ("reflect-2d", (2, 4), dict(pad=(2, 1), mode="reflect")),
    ("reflect-3d-last", (2, 2, 4), dict(pad=(1, 3), mode="reflect")),
    ("reflect-3d-two-dims", (1, 3, 4), dict(pad=(1, 1, 2, 1), mode="reflect")),
    ("reflect-4d", (1, 2, 3, 4), dict(pad=(1, 2, 1, 0), mode="reflect")),
    ("reflect-4d-three-dims", (1, 2, 3, 4), dict(pad=(1, 1, 2, 1, 1, 0), mode="reflect")),
    ("replicate-2d", (2, 3), dict(pad=(3, 2), mode="replicate")),
    ("replicate-3d", (2, 2, 3), dict(pad=(1, 2, 2, 1), mode="replicate")),
    ("replicate-4d", (1, 2, 3, 4), dict(pad=(2, 1, 1, 3), mode="replicate")),
    ("circular-2d", (2, 4), dict(pad=(1, 2), mode="circular")),
    ("circular-2d-full-wrap", (2, 3), dict(pad=(3, 3), mode="circular")),
    ("circular-3d", (1, 3, 4), dict(pad=(2, 1, 1, 2), mode="circular")),
    ("circular-4d", (1, 2, 3, 4), dict(pad=(1, 1, 2, 1), mode="circular")),
]:
    op(
        f"pad-{_name}",
        lambda m, x, a=_args: m.pad(x, **a),
        _shape,
        torch_fn=lambda m, x, a=_args: F_pad(x, **a),
    )
op(
    "pad-method",
    lambda m, x: x.pad((1, 1), mode="replicate"),
    (2, 3),
    torch_fn=lambda m, x: F_pad(x, (1, 1), mode="replicate"),
)
op(
    "pad-positional-mode",
    lambda m, x: m.pad(x, (0, 2), "constant", 3.0),
    (2, 3),
    torch_fn=lambda m, x: F_pad(x, (0, 2), "constant", 3.0),
)
# split / chunk: one case per piece
for _name, _shape, _call, _count in [
    ("split-int-uneven", (5, 2), lambda m, x: x.split(2), 3),
    ("split-int-dim1", (2, 6), lambda m, x: x.split(3, dim=1), 2),
    ("split-int-larger-than-dim", (3, 2), lambda m, x: x.split(5), 1),
    ("split-list", (2, 4), lambda m, x: x.split([1, 3], dim=1), 2),
    ("split-list-neg-dim", (2, 3, 4), lambda m, x: x.split([2, 1, 1], -1), 3),
    ("split-function", (5, 2), lambda m, x: m.split(x, [3, 2]), 2),
    ("chunk-uneven", (7, 2), lambda m, x: x.chunk(3), 3),
    ("chunk-fewer-pieces", (5, 2), lambda m, x: x.chunk(4), 3),
    ("chunk-neg-dim", (2, 5), lambda m, x: x.chunk(2, dim=-1), 2),
    ("chunk-function", (2, 6), lambda m, x: m.chunk(x, 3, 1), 3),
]:
    for _k in range(_count):
        op(f"{_name}-piece{_k}", lambda m, x, f=_call, k=_k: f(m, x)[k], _shape)
# tril / triu
op("tril", lambda m, x: x.tril(), (3, 4))
op("tril-positive", lambda m, x: x.tril(1), (3, 4))
op("tril-negative", lambda m, x: x.tril(-1), (4, 3))
op("tril-batched-function", lambda m, x: m.tril(x, -1), (2, 3, 4))
op("tril-keyword", lambda m, x: m.tril(x, diagonal=2), (3, 4))
op("triu", lambda m, x: x.triu(), (3, 4))
op("triu-positive", lambda m, x: x.triu(2), (3, 4))
op("triu-negative-batched", lambda m, x: x.triu(-1), (2, 3, 3))
op("triu-function", lambda m, x: m.triu(x, 1), (2, 2, 3))
op("triu-diagonal-past-end", lambda m, x: m.triu(x, 5), (3, 4))
# masked_fill
op("masked_fill-row-mask", lambda m, x: x.masked_fill(m.tensor([True, False, True]), -1.5), (2, 3))
op("masked_fill-column-mask", lambda m, x: x.masked_fill(m.tensor([[False], [True]]), 0.0), (2, 3))
op(
    "masked_fill-full-mask",
    lambda m, x: x.masked_fill(m.tensor([[True, False, False], [False, False, True]]), 7.0),
    (2, 3),
)
op(
    "masked_fill-batched-broadcast",
    lambda m, x: x.masked_fill(m.tensor([[True, False, True], [False, True, False]]), 2.0),
    (2, 2, 3),
)
op("masked_fill-from-comparison", lambda m, x: x.masked_fill(x > 0, 0.0), (3, 4))
op("masked_fill-function", lambda m, x: m.masked_fill(x, m.tensor([False, True]), 3.0), (3, 2))
op(
    "masked_fill-0d-tensor-value",
    lambda m, x: x.masked_fill(m.tensor([True, False]), m.tensor(2.5)),
    (3, 2),
)
# gather
op("gather-dim0", lambda m, x: x.gather(0, m.tensor([[2, 0, 2], [1, 1, 0]])), (3, 3))
op("gather-dim1-smaller-index", lambda m, x: x.gather(1, m.tensor([[3, 3], [0, 2]])), (3, 4))
op("gather-dim0-smaller-index", lambda m, x: x.gather(0, m.tensor([[1], [1], [0]])), (4, 3))
op("gather-dim-neg1", lambda m, x: x.gather(-1, m.tensor([[[1, 1, 0]], [[2, 0, 0]]])), (2, 3, 3))
op(
    "gather-longer-index",
    lambda m, x: x.gather(1, m.tensor([[0, 0, 2, 1, 0], [2, 2, 2, 1, 0]])),
    (2, 3),
)
op("gather-function", lambda m, x: m.gather(x, 1, m.tensor([[1, 0], [0, 0]])), (2, 3))
# index_select
op("index_select-dim0-repeated", lambda m, x: x.index_select(0, m.tensor([2, 0, 2])), (3, 4))
op("index_select-dim1-repeated", lambda m, x: x.index_select(1, m.tensor([1, 1, 1, 3])), (3, 4))
op("index_select-dim-neg1", lambda m, x: m.index_select(x, -1, m.tensor([0, 2])), (2, 2, 3))
op("index_select-function", lambda m, x: m.index_select(x, 0, m.tensor([1])), (3, 4))
# cat / stack
op("cat-dim0", lambda m, x, y: m.cat([x, y]), (2, 3), (1, 3))
op("cat-dim-neg1", lambda m, x, y: m.cat([x, y], dim=-1), (2, 3), (2, 1))
op("cat-three-middle", lambda m, x, y, z: m.cat((x, y, z), 1), (2, 1, 2), (2, 3, 2), (2, 2, 2))
op("cat-same-tensor-twice", lambda m, x: m.cat([x, x, x[:1]], 0), (2, 3))
op("cat-one", lambda m, x: m.cat([x], -2), (2, 3))
op("concat-alias", lambda m, x, y: m.concat([x, y], -2), (1, 2, 2), (1, 1, 2))
op("stack-dim0", lambda m, x, y: m.stack([x, y]), (2, 3), (2, 3))
op("stack-dim-last", lambda m, x, y: m.stack([x, y], dim=2), (2, 3), (2, 3))
op("stack-dim-neg1", lambda m, x, y, z: m.stack((x, y, z), -1), (2, 2), (2, 2), (2, 2))
op("stack-dim-neg-min", lambda m, x, y: m.stack([x, y], -3), (2, 3), (2, 3))
op("stack-same-tensor", lambda m, x: m.stack([x, x], 1), (2, 3))
op("stack-0d", lambda m, x, y: m.stack([x, y]), (), ())
# where
op("where-broadcast", lambda m, x, y: m.where(m.tensor([True, False, True]), x, y), (2, 3), (2, 1))
op("where-method", lambda m, x, y: x.where(m.tensor([[True], [False]]), y), (2, 3), (3,))
op("where-scalar-other", lambda m, x: m.where(x > 0, x, 0.5), (3, 4))
op("where-compare-inputs", lambda m, x, y: m.where(x > y, x, y), (3, 4), (3, 4))
op("where-same-tensor", lambda m, x: m.where(m.tensor([True, False]), x, x * 2), (3, 2))
# __getitem__: basic indexing
op("getitem-int", lambda m, x: x[1], (3, 4))
op("getitem-negative-int", lambda m, x: x[-1], (3, 4))
op("getitem-two-ints", lambda m, x: x[0, -2], (3, 4))
op("getitem-ints-to-0d", lambda m, x: x[2, 1, 0], (3, 2, 2))
op("getitem-slice", lambda m, x: x[1:], (3, 4))
op("getitem-slice-step", lambda m, x: x[::2], (5, 2))
op("getitem-slice-start-stop-step", lambda m, x: x[:, 1:4:2], (3, 5))
op("getitem-slice-negative-bounds", lambda m, x: x[-2:, :-1], (3, 4))
op("getitem-slice-empty", lambda m, x: x[2:1], (3, 4))
op("getitem-int-and-slice", lambda m, x: x[1, ::3], (3, 5))
op("getitem-none", lambda m, x: x[None], (3, 4))
op("getitem-none-middle", lambda m, x: x[:, None, 1], (3, 4))
op("getitem-ellipsis", lambda m, x: x[..., ::2], (2, 3, 4))
op("getitem-ellipsis-int", lambda m, x: x[0, ..., 1], (2, 3, 4))
op("getitem-ellipsis-none", lambda m, x: x[..., None], (2, 3))
op("getitem-ellipsis-alone", lambda m, x: x[...], (2, 3))
# __getitem__: integer arrays (repeated indices accumulate)
op("getitem-list", lambda m, x: x[[0, 2, 0]], (3, 4))
op("getitem-list-negative", lambda m, x: x[[-1, 0, -1, -1]], (3, 4))
op("getitem-int-tensor", lambda m, x: x[m.tensor([2, 2, 1])], (3, 4))
op("getitem-int-tensor-2d", lambda m, x: x[m.tensor([[0, 1], [1, 1]])], (3, 2))
op("getitem-int-tensor-0d", lambda m, x: x[m.tensor(1)], (3, 4))
op("getitem-int32-tensor", lambda m, x: x[m.tensor([1, 1, 0], dtype=m.int32)], (3, 4))
op("getitem-numpy-ints", lambda m, x: x[np.array([1, 1, 2])], (3, 4))
op("getitem-paired-lists", lambda m, x: x[[0, 1, 0], [1, 1, 1]], (2, 3))
op("getitem-tuple-index", lambda m, x: x[:, (0, 0)], (2, 3))
op("getitem-tuple-index-only", lambda m, x: x[(1, 1, 0),], (2, 3))
# __getitem__: boolean masks
op("getitem-bool-tensor-rows", lambda m, x: x[m.tensor([True, False, True])], (3, 4))
op("getitem-bool-tensor-2d", lambda m, x: x[m.tensor([[True, False], [False, True]])], (2, 2, 3))
op("getitem-bool-numpy-columns", lambda m, x: x[:, np.array([False, True, True, False])], (3, 4))
op(
    "getitem-bool-numpy-full",
    lambda m, x: x[np.array([[True, False, True], [False, False, True]])],
    (2, 3),
)
op("getitem-bool-from-comparison", lambda m, x: x[x > 0], (3, 4))
op("getitem-bool-list", lambda m, x: x[[True, False, True]], (3, 2))
op("getitem-bool-all-false", lambda m, x: x[m.tensor([False, False])], (2, 3))
op("getitem-bool-and-slice", lambda m, x: x[m.tensor([True, False, True]), 1:], (3, 4))
op("getitem-bool-and-list", lambda m, x: x[np.array([True, True, False]), [2, 2]], (3, 4))
# __getitem__: mixed basic and advanced indexing
op("getitem-slice-list", lambda m, x: x[:, [0, 2]], (3, 4))
op("getitem-slice-list-repeated", lambda m, x: x[:, [3, 0, 3]], (3, 4))
op("getitem-list-slice", lambda m, x: x[[2, 0, 2], 1:], (3, 4))
op("getitem-tensor-slice", lambda m, x: x[m.tensor([1, 1]), 1:], (3, 4))
op("getitem-int-list", lambda m, x: x[1, [0, 0, 2]], (2, 3))
op("getitem-lists-around-slice", lambda m, x: x[[0, 0], :, [1, 1]], (2, 3, 2))
op("getitem-ellipsis-list", lambda m, x: x[..., [1, 1]], (2, 3, 2))
op("getitem-none-list", lambda m, x: x[None, [0, 0]], (2, 3))
op("getitem-list-step-slice", lambda m, x: x[[1, 0], ::2], (2, 5))
# composed: views of views
op(
    "composed-view-chain",
    lambda m, x: x.permute(2, 0, 1).reshape(4, 6)[1:, ::2].flip(0).T,
    (2, 3, 4),
)


# --------------------------------------------------------------------------- table tests
@pytest.mark.parametrize("name", list(OPS))
def test_gradients_match_finite_differences(name):
    case = OPS[name]
    check_gradients(partial(case.fn, hm), *case.arrays())


@requires_torch
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", list(OPS))
def test_matches_torch(name, dtype):
    case = OPS[name]
    arrays = [a.astype(dtype) for a in case.arrays()]
    assert_same_shape(case.fn, case.reference, arrays)
    check_against_torch(partial(case.fn, hm), partial(case.reference, torch), *arrays)


# --------------------------------------------------------------------------- random shapes
def small_shapes(min_dims=0, max_dims=4, max_side=3, max_size=24):
    return hnp.array_shapes(
        min_dims=min_dims, max_dims=max_dims, min_side=1, max_side=max_side
    ).filter(lambda s: math.prod(s) <= max_size)


def values(shape):
    return hnp.arrays(np.float64, shape, elements=st.floats(-8, 8, allow_subnormal=False))


def dims(draw, dims_, ndim):
    """Write some of the (non-negative) dims as negative ones."""
    return [d - ndim if draw(st.booleans()) else d for d in dims_]


@requires_torch
@given(st.data())
def test_reshape_random(data):
    shape = data.draw(small_shapes(), label="shape")
    rest, new = math.prod(shape), []
    while rest > 1:
        factor = data.draw(st.sampled_from([d for d in range(2, rest + 1) if rest % d == 0]))
        new.append(factor)
        rest //= factor
    new += [1] * data.draw(st.integers(0, 2))
    new = list(data.draw(st.permutations(new), label="new shape"))
    if new and data.draw(st.booleans()):
        new[data.draw(st.integers(0, len(new) - 1))] = -1
    method = data.draw(st.sampled_from(["reshape", "view"]))
    as_tuple = data.draw(st.booleans()) or not new  # x.reshape() without sizes is an error

    def fn(m, x):
        call = getattr(x, method)
        return call(tuple(new)) if as_tuple else call(*new)

    check_op(fn, data.draw(values(shape)))


@requires_torch
@given(st.data())
def test_permute_random(data):
    shape = data.draw(small_shapes(min_dims=1), label="shape")
    order = dims(data.draw, data.draw(st.permutations(range(len(shape)))), len(shape))
    check_op(lambda m, x: x.permute(*order), data.draw(values(shape)))


@requires_torch
@given(st.data())
def test_transpose_random(data):
    shape = data.draw(small_shapes(min_dims=1), label="shape")
    n = len(shape)
    a, b = data.draw(st.integers(-n, n - 1)), data.draw(st.integers(-n, n - 1))
    check_op(lambda m, x: m.transpose(x, a, b), data.draw(values(shape)))


@requires_torch
@given(st.data())
def test_flip_random(data):
    shape = data.draw(small_shapes(min_dims=1), label="shape")
    n = len(shape)
    chosen = data.draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=n, unique=True))
    flipped = tuple(dims(data.draw, chosen, n))
    check_op(lambda m, x: x.flip(flipped), data.draw(values(shape)))


@requires_torch
@given(st.data())
def test_squeeze_unsqueeze_random(data):
    shape = data.draw(small_shapes(max_side=2), label="shape")
    n = len(shape)
    squeeze_dim = data.draw(st.none() | st.integers(-max(n, 1), max(n, 1) - 1))
    unsqueeze_dim = data.draw(st.integers(-n - 1, n))
    check_op(
        lambda m, x: x.squeeze(squeeze_dim) if squeeze_dim is not None else x.squeeze(),
        data.draw(values(shape)),
    )
    check_op(lambda m, x: x.unsqueeze(unsqueeze_dim), data.draw(values(shape)))


@requires_torch
@given(st.data())
def test_expand_random(data):
    target = data.draw(small_shapes(min_dims=1, max_side=4, max_size=96), label="target")
    lead = data.draw(st.integers(0, len(target)), label="new leading dims")
    shape = tuple(1 if data.draw(st.booleans()) else n for n in target[lead:])
    assume(math.prod(shape) <= 24)  # keep finite differences cheap
    sizes = list(target[:lead]) + [
        -1 if (s == n and data.draw(st.booleans())) else n for s, n in zip(shape, target[lead:])
    ]
    check_op(lambda m, x: x.expand(*sizes), data.draw(values(shape)))


@requires_torch
@given(st.data())
def test_repeat_random(data):
    shape = data.draw(small_shapes(max_dims=3, max_size=12), label="shape")
    reps = data.draw(
        st.lists(st.integers(1, 3), min_size=max(len(shape), 1), max_size=len(shape) + 2),
        label="reps",
    )
    check_op(lambda m, x: x.repeat(*reps), data.draw(values(shape)))


@requires_torch
@given(st.data())
def test_cat_random(data):
    base = data.draw(small_shapes(min_dims=1, max_dims=3, max_side=2), label="base")
    n = len(base)
    dim = data.draw(st.integers(-n, n - 1), label="dim")
    sizes = data.draw(st.lists(st.integers(1, 3), min_size=1, max_size=3), label="sizes")
    shapes = [base[: dim % n] + (s,) + base[dim % n + 1 :] for s in sizes]
    arrays = [data.draw(values(s)) for s in shapes]
    check_op(lambda m, *xs: m.cat(list(xs), dim), *arrays)


@requires_torch
@given(st.data())
def test_stack_random(data):
    shape = data.draw(small_shapes(max_dims=3, max_size=8), label="shape")
    n = len(shape) + 1
    dim = data.draw(st.integers(-n, n - 1), label="dim")
    arrays = [data.draw(values(shape)) for _ in range(data.draw(st.integers(1, 3)))]
    check_op(lambda m, *xs: m.stack(xs, dim=dim), *arrays)


@requires_torch
@given(st.data())
def test_pad_random(data):
    mode = data.draw(st.sampled_from(["constant", "reflect", "replicate", "circular"]))
    if mode == "constant":
        shape = data.draw(small_shapes(min_dims=1, max_side=4), label="shape")
        padded = data.draw(st.integers(1, len(shape)))
    else:  # the combinations torch.nn.functional.pad accepts for these modes
        padded = data.draw(st.integers(1, 3))
        ndim = data.draw(st.sampled_from([padded + 1, padded + 2] if padded < 3 else [4]))
        shape = data.draw(small_shapes(min_dims=ndim, max_dims=ndim, max_side=4))
    widths = []
    for n in reversed(shape[len(shape) - padded :]):  # pairs start from the last dimension
        most = {"reflect": n - 1, "circular": n}.get(mode, 3)
        widths += [data.draw(st.integers(0, most)), data.draw(st.integers(0, most))]
    extra = {"value": data.draw(st.floats(-3, 3))} if mode == "constant" else {}
    check_op(
        lambda m, x: m.pad(x, tuple(widths), mode=mode, **extra),
        data.draw(values(shape)),
        torch_fn=lambda m, x: F_pad(x, tuple(widths), mode=mode, **extra),
    )


@requires_torch
@given(st.data())
def test_split_random(data):
    shape = data.draw(small_shapes(min_dims=1, max_side=5), label="shape")
    n = len(shape)
    dim = data.draw(st.integers(-n, n - 1), label="dim")
    length = shape[dim]
    if data.draw(st.booleans()):
        how = data.draw(st.integers(1, length + 1), label="split size")
        pieces = -(-length // how)
    else:
        cuts = data.draw(st.lists(st.integers(0, length), max_size=3), label="cuts")
        bounds = [0, *sorted(cuts), length]
        how = [b - a for a, b in zip(bounds, bounds[1:])]
        pieces = len(how)
    k = data.draw(st.integers(0, pieces - 1), label="piece")
    check_op(lambda m, x: m.split(x, how, dim)[k], data.draw(values(shape)))


@requires_torch
@given(st.data())
def test_chunk_random(data):
    shape = data.draw(small_shapes(min_dims=1, max_side=6), label="shape")
    n = len(shape)
    dim = data.draw(st.integers(-n, n - 1), label="dim")
    chunks = data.draw(st.integers(1, 7), label="chunks")
    x = data.draw(values(shape))
    pieces = hm.tensor(x).chunk(chunks, dim)
    want = torch.tensor(x).chunk(chunks, dim)
    assert [p.shape for p in pieces] == [tuple(w.shape) for w in want]
    k = data.draw(st.integers(0, len(want) - 1), label="piece")
    check_op(lambda m, t: t.chunk(chunks, dim)[k], x)


@requires_torch
@given(st.data())
def test_tril_triu_random(data):
    shape = data.draw(small_shapes(min_dims=2, max_side=4), label="shape")
    diagonal = data.draw(st.integers(-4, 4), label="diagonal")
    which = data.draw(st.sampled_from(["tril", "triu"]))
    check_op(lambda m, x: getattr(m, which)(x, diagonal), data.draw(values(shape)))


@requires_torch
@given(st.data())
def test_gather_random(data):
    shape = data.draw(small_shapes(min_dims=1, max_dims=3), label="shape")
    n = len(shape)
    dim = data.draw(st.integers(-n, n - 1), label="dim")
    index_shape = tuple(
        data.draw(st.integers(1, 4)) if d == dim % n else data.draw(st.integers(1, s))
        for d, s in enumerate(shape)
    )
    index = data.draw(hnp.arrays(np.int64, index_shape, elements=st.integers(0, shape[dim] - 1)))
    check_op(lambda m, x: x.gather(dim, m.tensor(index)), data.draw(values(shape)))


@requires_torch
@given(st.data())
def test_index_select_random(data):
    shape = data.draw(small_shapes(min_dims=1), label="shape")
    n = len(shape)
    dim = data.draw(st.integers(-n, n - 1), label="dim")
    index = data.draw(st.lists(st.integers(0, shape[dim] - 1), min_size=1, max_size=5))
    check_op(lambda m, x: m.index_select(x, dim, m.tensor(index)), data.draw(values(shape)))


@st.composite
def basic_keys(draw, shape):
    """A basic indexing key: ints, slices with positive steps, maybe None and Ellipsis."""
    parts = []
    for n in shape:
        if draw(st.booleans()):
            parts.append(draw(st.integers(-n, n - 1)))
        else:
            bound = st.none() | st.integers(-n - 1, n + 1)
            parts.append(slice(draw(bound), draw(bound), draw(st.sampled_from([None, 1, 2, 3]))))
    if draw(st.booleans()):  # an Ellipsis stands for a run of dimensions (maybe none)
        start = draw(st.integers(0, len(parts)))
        stop = draw(st.integers(start, len(parts)))
        parts[start:stop] = [Ellipsis]
    else:  # or leave out trailing dimensions
        parts = parts[: draw(st.integers(0, len(parts)))]
    if draw(st.booleans()):
        parts.insert(draw(st.integers(0, len(parts))), None)
    return tuple(parts)


@requires_torch
@given(st.data())
def test_getitem_basic_random(data):
    shape = data.draw(small_shapes(min_dims=1), label="shape")
    key = data.draw(basic_keys(shape), label="key")
    check_op(lambda m, x: x[key], data.draw(values(shape)))


@requires_torch
@given(st.data())
def test_getitem_integer_arrays_random(data):
    shape = data.draw(small_shapes(min_dims=2, max_dims=3), label="shape")
    axis = data.draw(st.integers(0, len(shape) - 1), label="indexed dim")
    n = shape[axis]
    index_shape = data.draw(hnp.array_shapes(min_dims=1, max_dims=2, max_side=4))
    index = data.draw(hnp.arrays(np.int64, index_shape, elements=st.integers(-n, n - 1)))
    form = data.draw(st.sampled_from(["tensor", "numpy", "list"]), label="index form")
    rest = data.draw(st.sampled_from([slice(None), slice(1, None), slice(None, None, 2)]))

    def fn(m, x):
        idx = {"tensor": m.tensor(index), "numpy": index, "list": index.tolist()}[form]
        return x[(slice(None),) * axis + (idx,) + (rest,) * (len(shape) - axis - 1)]

    check_op(fn, data.draw(values(shape)))


@requires_torch
@given(st.data())
def test_getitem_boolean_mask_random(data):
    shape = data.draw(small_shapes(min_dims=1), label="shape")
    masked = data.draw(st.integers(1, len(shape)), label="mask dims")
    mask = data.draw(hnp.arrays(np.bool_, shape[:masked]), label="mask")
    as_tensor = data.draw(st.booleans())
    check_op(lambda m, x: x[m.tensor(mask) if as_tensor else mask], data.draw(values(shape)))


@requires_torch
@given(st.data())
def test_masked_fill_where_random_broadcast(data):
    shape = data.draw(small_shapes(min_dims=1), label="shape")
    mask_shape = tuple(1 if data.draw(st.booleans()) else n for n in shape)
    mask_shape = mask_shape[data.draw(st.integers(0, len(shape))) :]  # drop leading dims
    mask = data.draw(hnp.arrays(np.bool_, mask_shape), label="mask")
    fill = data.draw(st.floats(-5, 5))
    x, y = data.draw(values(shape)), data.draw(values(mask_shape))
    check_op(lambda m, t: t.masked_fill(m.tensor(mask), fill), x)
    check_op(lambda m, a, b: m.where(m.tensor(mask), a, b), x, y)


# --------------------------------------------------------------------------- explicit checks
def grad_of(fn, x, weights=None):
    t = hm.tensor(np.asarray(x, dtype=np.float64), requires_grad=True)
    out = fn(t)
    out.backward(np.ones(out.shape) if weights is None else weights)
    return t.grad.numpy()


@pytest.mark.parametrize(
    "key",
    [
        pytest.param([0, 0, 0, 2], id="list"),
        pytest.param(np.array([0, 0, 0, 2]), id="numpy"),
        pytest.param(hm.tensor([0, 0, 0, 2]), id="tensor"),
        pytest.param(hm.tensor([[0, 0], [0, 2]]), id="tensor-2d"),
        pytest.param([-3, 0, 0, -1], id="negative"),
        pytest.param(((0, 0, 0, 2),), id="tuple-in-key"),
    ],
)
def test_getitem_repeated_indices_accumulate(key):
    grad = grad_of(lambda t: t[key], np.zeros((3, 2)))
    np.testing.assert_array_equal(grad, [[3, 3], [0, 0], [1, 1]])


def test_getitem_repeated_indices_accumulate_in_mixed_key():
    grad = grad_of(lambda t: t[[1, 1, 0], 1:], np.zeros((2, 3)))
    np.testing.assert_array_equal(grad, [[0, 1, 1], [0, 2, 2]])
    grad = grad_of(lambda t: t[:, [2, 2]], np.zeros((2, 3)))
    np.testing.assert_array_equal(grad, [[0, 0, 2], [0, 0, 2]])


def test_getitem_tuple_of_indices_inside_key_accumulates():
    # torch (and NumPy) read a tuple inside the key as an integer array, like a list
    grad = grad_of(lambda t: t[:, (2, 2)], np.zeros((2, 3)))
    np.testing.assert_array_equal(grad, [[0, 0, 2], [0, 0, 2]])


def test_gather_and_index_select_repeated_indices_accumulate():
    grad = grad_of(lambda t: t.gather(1, hm.tensor([[0, 0, 0], [2, 1, 2]])), np.zeros((2, 3)))
    np.testing.assert_array_equal(grad, [[3, 0, 0], [0, 1, 2]])
    grad = grad_of(lambda t: t.index_select(0, hm.tensor([1, 1, 1, 0])), np.zeros((2, 2)))
    np.testing.assert_array_equal(grad, [[1, 1], [3, 3]])


def test_pad_reflect_gradient_counts_each_use():
    # reflect (2, 2) of [a, b, c]: [c, b, a, b, c, b, a]
    grad = grad_of(lambda t: hm.pad(t, (2, 2), mode="reflect"), np.zeros((1, 3)))
    np.testing.assert_array_equal(grad, [[2, 3, 2]])
    # replicate (2, 1) of [a, b]: [a, a, a, b, b]
    grad = grad_of(lambda t: hm.pad(t, (2, 1), mode="replicate"), np.zeros((1, 2)))
    np.testing.assert_array_equal(grad, [[3, 2]])
    # circular (1, 3) of [a, b, c]: [c, a, b, c, a, b, c]
    grad = grad_of(lambda t: hm.pad(t, (1, 3), mode="circular"), np.zeros((1, 3)))
    np.testing.assert_array_equal(grad, [[2, 2, 3]])


def test_pad_constant_values_and_layout():
    x = np.arange(6.0).reshape(2, 3)
    out = hm.pad(hm.tensor(x), (1, 0, 0, 2), value=-1.0).numpy()
    want = np.full((4, 4), -1.0)
    want[:2, 1:] = x
    np.testing.assert_array_equal(out, want)


def test_expand_and_repeat_gradients_sum_over_copies():
    np.testing.assert_array_equal(grad_of(lambda t: t.expand(2, 3, 4), np.zeros((3, 1))), 8)
    np.testing.assert_array_equal(grad_of(lambda t: t.repeat(2, 1, 3), np.zeros((2, 2))), 6)


def test_split_and_chunk_piece_shapes():
    x = hm.zeros(7, 4)
    assert [p.shape for p in x.split(3)] == [(3, 4), (3, 4), (1, 4)]
    assert [p.shape for p in x.split([1, 3], dim=1)] == [(7, 1), (7, 3)]
    assert [p.shape for p in hm.split(x, 4, -1)] == [(7, 4)]
    assert [p.shape for p in x.chunk(3)] == [(3, 4), (3, 4), (1, 4)]
    assert [p.shape for p in hm.chunk(hm.zeros(6), 4)] == [(2,), (2,), (2,)]
    assert [p.shape for p in hm.zeros(3).chunk(5)] == [(1,), (1,), (1,)]


def test_split_pieces_reassemble_with_gradient():
    x = randn(5, 3)
    check_gradients(lambda t: hm.cat([p * (i + 1) for i, p in enumerate(t.split(2))]), x)


def test_squeeze_leaves_dims_that_are_not_size_one():
    x = hm.zeros(1, 3, 1, 2)
    assert x.squeeze(1).shape == (1, 3, 1, 2)
    assert x.squeeze((1, 3)).shape == (1, 3, 1, 2)
    assert x.squeeze((0, 1)).shape == (3, 1, 2)
    assert hm.squeeze(x, -2).shape == (1, 3, 2)


@requires_torch
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("which", ["cat", "stack"])
@pytest.mark.parametrize("grad_first", [True, False])
def test_cat_stack_mixed_requires_grad(which, grad_first, dtype):
    a, b = randn(2, 3).astype(dtype), randn(2, 3, seed=1).astype(dtype)
    weights = randn(4, 3) if which == "cat" else randn(2, 2, 3)
    grads = []
    for lib in (hm, torch):
        x, y = lib.tensor(a, requires_grad=grad_first), lib.tensor(b, requires_grad=not grad_first)
        out = getattr(lib, which)([x, y], 0)
        assert out.requires_grad
        (out * lib.tensor(weights.astype(dtype))).sum().backward()
        assert (x.grad is None) != (y.grad is None)
        grads.append((x.grad if grad_first else y.grad).numpy())
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-6)


def test_cat_stack_without_grad_do_not_record():
    x = hm.tensor(randn(2, 2))
    assert not hm.cat([x, x]).requires_grad
    assert not hm.stack([x, x]).requires_grad
    assert hm.cat([x, hm.tensor(randn(1, 2), requires_grad=True)]).requires_grad


def test_transpose_T_and_mT_values():
    x = randn(2, 3, 4)
    np.testing.assert_array_equal(hm.tensor(x[0]).T.numpy(), x[0].T)
    np.testing.assert_array_equal(hm.tensor(x).mT.numpy(), np.swapaxes(x, -1, -2))
    np.testing.assert_array_equal(hm.tensor(x).transpose(0, -1).numpy(), np.swapaxes(x, 0, 2))


def test_tril_triu_values():
    x = np.arange(1.0, 13.0).reshape(3, 4)
    np.testing.assert_array_equal(hm.tensor(x).tril(-1).numpy(), np.tril(x, -1))
    np.testing.assert_array_equal(hm.triu(hm.tensor(x), 1).numpy(), np.triu(x, 1))
    batched = np.stack([x, -x])
    np.testing.assert_array_equal(hm.tensor(batched).triu().numpy()[1], np.triu(-x))


def test_masked_fill_value_tensor_gets_gradient():
    # torch: a 0-d tensor `value` that requires grad receives the sum of the masked gradient
    x = hm.tensor(randn(2, 3), requires_grad=True)
    value = hm.tensor(np.array(2.0), requires_grad=True)
    x.masked_fill(hm.tensor([True, False, True]), value).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[0, 1, 0], [0, 1, 0]])
    assert value.grad is not None, "masked_fill dropped the gradient of a tensor value"
    assert value.grad.item() == 4.0


# --------------------------------------------------------------------------- errors
X23 = np.zeros((2, 3))


@pytest.mark.parametrize(
    "fn, match",
    [
        pytest.param(lambda x: x.reshape(4), r"\(4,\)", id="reshape-size"),
        pytest.param(lambda x: x.view(4, 2), r"\(4, ?2\)", id="view-size"),
        pytest.param(
            lambda x: hm.reshape(x, (5, -1)), r"\(5, ?(-1|newaxis)\)", id="reshape-neg1-size"
        ),
        pytest.param(lambda x: x.reshape(-1, -1), r"\(2, 3\)", id="reshape-two-neg1"),
    ],
)
def test_bad_reshape_raises(fn, match):
    with pytest.raises(ValueError, match=match):
        fn(hm.tensor(X23))


@pytest.mark.parametrize(
    "dims, match",
    [
        pytest.param((0, 0), r"\(0, 0\)", id="repeated"),
        pytest.param((0,), r"\(0,\)", id="too-few"),
        pytest.param((0, 1, 2), r"\(0, 1, 2\)", id="too-many"),
        pytest.param((0, 2), r"\b2\b", id="out-of-range-duplicate"),
        pytest.param((1, 2), r"\b2\b", id="out-of-range-wraps-to-valid"),
        pytest.param((0, 3), r"\b3\b", id="out-of-range-wraps-to-identity"),
        pytest.param((-3, 0), r"-3", id="negative-out-of-range-wraps"),
    ],
)
def test_bad_permutation_raises(dims, match):
    with pytest.raises((ValueError, IndexError), match=match):
        hm.tensor(X23).permute(*dims)


@pytest.mark.parametrize(
    "fn, bad",
    [
        pytest.param(lambda x: x.transpose(0, 2), 2, id="transpose"),
        pytest.param(lambda x: hm.transpose(x, -3, 0), -3, id="transpose-negative"),
        pytest.param(lambda x: x.squeeze(3), 3, id="squeeze"),
        pytest.param(lambda x: x.squeeze((0, 5)), 5, id="squeeze-tuple"),
        pytest.param(lambda x: x.unsqueeze(3), 3, id="unsqueeze"),
        pytest.param(lambda x: x.unsqueeze(-4), -4, id="unsqueeze-negative"),
        pytest.param(lambda x: x.flatten(0, 5), 5, id="flatten"),
        pytest.param(lambda x: x.flatten(-3), -3, id="flatten-start"),
        pytest.param(lambda x: x.flip(2), 2, id="flip"),
        pytest.param(lambda x: x.flip((0, -3)), -3, id="flip-tuple"),
        pytest.param(lambda x: hm.cat([x, x], 2), 2, id="cat"),
        pytest.param(lambda x: hm.stack([x, x], 3), 3, id="stack"),
        pytest.param(lambda x: hm.stack([x, x], -4), -4, id="stack-negative"),
        pytest.param(lambda x: x.gather(2, hm.tensor([[0]])), 2, id="gather"),
        pytest.param(lambda x: x.index_select(-3, hm.tensor([0])), -3, id="index_select"),
        pytest.param(lambda x: x.split(1, dim=2), 2, id="split"),
        pytest.param(lambda x: x.chunk(2, dim=4), 4, id="chunk"),
        pytest.param(lambda x: x[5], 5, id="getitem-int"),
        pytest.param(lambda x: x[:, -4], -4, id="getitem-negative-int"),
        pytest.param(lambda x: x[[0, 7]], 7, id="getitem-list"),
    ],
)
def test_out_of_range_dim_or_index_raises(fn, bad):
    with pytest.raises(IndexError, match=rf"(?<![\d-]){bad}\b"):
        fn(hm.tensor(X23))


@pytest.mark.parametrize(
    "fn, match",
    [
        pytest.param(lambda x: x.expand(4, 3), r"4, ?3", id="expand-mismatch"),
        pytest.param(lambda x: x.expand(3), r"\(2, 3\)", id="expand-too-few-sizes"),
        pytest.param(lambda x: x.repeat(2), r"\(2,\)", id="repeat-too-few-counts"),
        pytest.param(lambda x: x.split([1, 2]), r"\[1, 2\]", id="split-sizes-sum"),
        pytest.param(lambda x: x.split(0), r"\b0\b", id="split-zero-size"),
        pytest.param(lambda x: x.flatten(1, 0), r"\b1\b.*\b0\b", id="flatten-start-after-end"),
        pytest.param(lambda x: hm.pad(x, (1,)), r"\(1,\)", id="pad-odd"),
        pytest.param(lambda x: hm.pad(x, (1,) * 6), r"\(1, 1, 1, 1, 1, 1\)", id="pad-too-long"),
        pytest.param(lambda x: hm.pad(x, (1, 1), mode="zeros"), "zeros", id="pad-mode"),
        pytest.param(lambda x: x.gather(0, hm.tensor([0])), r"\b1\b", id="gather-index-ndim"),
        pytest.param(
            lambda x: x.index_select(0, hm.tensor([[0]])), r"\(1, 1\)", id="index_select-index-ndim"
        ),
        pytest.param(lambda x: hm.cat([x, hm.zeros(3, 3)], 1), r"\(3, 3\)", id="cat-shapes"),
        pytest.param(lambda x: hm.stack([x, hm.zeros(3, 2)]), r"\(3, 2\)", id="stack-shapes"),
        pytest.param(lambda x: hm.cat([]), "empty", id="cat-empty"),
        pytest.param(lambda x: hm.stack([]), "empty", id="stack-empty"),
    ],
)
def test_bad_arguments_raise_value_error(fn, match):
    with pytest.raises(ValueError, match=match):
        fn(hm.tensor(X23))


@pytest.mark.parametrize(
    "fn",
    [
        # torch: "tril: input tensor must have at least 2 dimensions"
        pytest.param(lambda: hm.tril(hm.tensor([1.0, 2.0, 3.0])), id="tril-1d"),
        pytest.param(lambda: hm.tensor([1.0, 2.0, 3.0]).triu(1), id="triu-1d"),
        # torch: "dim 0 appears multiple times in the list of dims"
        pytest.param(lambda: hm.tensor(X23).flip((0, 0)), id="flip-repeated-dim"),
        pytest.param(lambda: hm.tensor(X23).flip((1, -1)), id="flip-same-dim-twice"),
        # torch: "Padding size should be less than the corresponding input dimension"
        pytest.param(lambda: hm.pad(hm.tensor(X23), (3, 0), mode="reflect"), id="reflect-too-wide"),
        # torch: "Padding value causes wrapping around more than once."
        pytest.param(
            lambda: hm.pad(hm.tensor(X23), (4, 0), mode="circular"), id="circular-too-wide"
        ),
    ],
)
def test_arguments_torch_rejects_raise(fn):
    with pytest.raises((ValueError, IndexError)):
        fn()


# ----------------------------------------------------------------------------- roll
ROLLS = {
    "flat": (lambda lib: lambda a: lib.roll(a, 2), (3, 4)),
    "one dim": (lambda lib: lambda a: lib.roll(a, -1, 1), (3, 4)),
    "two dims": (lambda lib: lambda a: lib.roll(a, (1, 5), (0, 2)), (2, 3, 4)),
    "list args": (lambda lib: lambda a: lib.roll(a, [3], [-1]), (2, 5)),
    "method": (lambda lib: lambda a: a.roll(1, dims=0), (4,)),
}


@pytest.mark.parametrize("name", ROLLS)
def test_roll_matches_torch(name):
    make, shape = ROLLS[name]
    check_against_torch(make(hm), make(torch), np.random.default_rng(0).standard_normal(shape))


@pytest.mark.parametrize("name", ROLLS)
def test_roll_gradients_match_finite_differences(name):
    make, shape = ROLLS[name]
    check_gradients(make(hm), np.random.default_rng(1).standard_normal(shape))


def test_roll_checks_its_arguments():
    with pytest.raises(RuntimeError, match="same length"):
        hm.roll(hm.ones(2, 2), (1, 2), 0)
    with pytest.raises(RuntimeError, match="one number"):
        hm.roll(hm.ones(2, 2), (1, 2))


@pytest.mark.parametrize("weight_shape, index_shape", [((65, 16), (12, 64)), ((5, 3, 4), (7,))])
def test_row_lookup_gradient_sums_repeated_rows_as_torch(weight_shape, index_shape):
    rng = np.random.default_rng(3)
    weight = rng.standard_normal(weight_shape).astype(np.float32)
    index = rng.integers(0, weight_shape[0], index_shape)
    grad = rng.standard_normal(index_shape + weight_shape[1:]).astype(np.float32)
    w = hm.tensor(weight, requires_grad=True)
    w[hm.tensor(index)].backward(hm.tensor(grad))
    tw = torch.tensor(weight, requires_grad=True)
    tw[torch.tensor(index)].backward(torch.tensor(grad))
    np.testing.assert_allclose(w.grad.numpy(), tw.grad.numpy(), rtol=1e-5, atol=1e-5)
