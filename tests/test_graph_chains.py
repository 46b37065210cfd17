"""Random graphs: hypothesis composes chains of operations and the whole graph's outputs and leaf
gradients are compared with PyTorch's (float64, 1e-7 relative).

A program is a list of steps drawn from a pool of unary, binary, reduction and shape operations;
each step takes its operands from the leaves or any earlier result (so tensors are reused and
gradients must accumulate along several paths), with shapes that broadcast. The same program is
then run with ``lib`` = homeml and ``lib`` = torch. Values are kept in a moderate range (a step
whose result grows past 10 is followed by a ``tanh``), so float64 results agree to rounding.
Under the CI profile hypothesis is derandomized, so the drawn programs are always the same.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from support import check_against_torch, requires_torch, torch

import homeml as hm


def functional(lib):
    return hm.nn.functional if lib is hm else torch.nn.functional


class Op(NamedTuple):
    arity: int
    fn: Callable  # fn(lib, *tensors, **params)
    valid: Callable = lambda *shapes: True  # noqa: E731
    params: Callable = lambda draw, *shapes: {}  # noqa: E731


def broadcastable(a, b):
    try:
        np.broadcast_shapes(a, b)
    except ValueError:
        return False
    return True


def some_dim(draw, shape):
    return draw(st.integers(-len(shape), len(shape) - 1))


def dim_and_keepdim(draw, shape):
    return {"dim": some_dim(draw, shape), "keepdim": draw(st.booleans())}


def matmul_ok(a, b):
    if not a or not b:
        return False
    k = b[0] if len(b) == 1 else b[-2]
    return a[-1] == k and broadcastable(a[:-2], b[:-2])


def cat_dims(a, b):
    """The dims along which tensors of shapes a and b can be concatenated."""
    if len(a) != len(b) or not a:
        return []
    return [d for d in range(len(a)) if all(x == y for i, (x, y) in enumerate(zip(a, b)) if i != d)]


def long_dims(shape):
    return [d for d, n in enumerate(shape) if n > 1]


def nonempty(shape):
    return len(shape) >= 1


OPS = {
    # binary (first: hypothesis draws the first entries most often; mul can take one
    # tensor twice)
    "mul": Op(2, lambda m, a, b: a * b, broadcastable),
    "add": Op(2, lambda m, a, b: a + b, broadcastable),
    "sub": Op(2, lambda m, a, b: a - b, broadcastable),
    "div": Op(2, lambda m, a, b: a / (b * b + 0.5), broadcastable),
    "maximum": Op(2, lambda m, a, b: m.maximum(a, b), broadcastable),
    "minimum": Op(2, lambda m, a, b: a.minimum(b), broadcastable),
    "where": Op(2, lambda m, a, b: m.where(a > b, a * 2, b), broadcastable),
    "matmul": Op(2, lambda m, a, b: a @ b, matmul_ok),
    "cat": Op(
        2,
        lambda m, a, b, dim: m.cat([a, b], dim),
        lambda a, b: bool(cat_dims(a, b)),
        lambda draw, a, b: {"dim": draw(st.sampled_from(cat_dims(a, b)))},
    ),
    "stack": Op(
        2,
        lambda m, a, b, dim: m.stack([a, b], dim),
        lambda a, b: a == b,
        lambda draw, a, b: {"dim": draw(st.integers(-len(a) - 1, len(a)))},
    ),
    # elementwise
    "neg": Op(1, lambda m, x: -x),
    "exp": Op(1, lambda m, x: x.exp()),
    "sin": Op(1, lambda m, x: x.sin()),
    "cos": Op(1, lambda m, x: m.cos(x)),
    "tanh": Op(1, lambda m, x: x.tanh()),
    "sigmoid": Op(1, lambda m, x: m.sigmoid(x)),
    "relu": Op(1, lambda m, x: m.relu(x)),
    "abs": Op(1, lambda m, x: x.abs()),
    "scale": Op(1, lambda m, x: x * 2.5),
    "rsub": Op(1, lambda m, x: 1.5 - x),
    "rdiv": Op(1, lambda m, x: 2 / (x * x + 1)),
    "sqrt": Op(1, lambda m, x: (x * x + 1).sqrt()),
    "log": Op(1, lambda m, x: m.log(x * x + 0.5)),
    "cube": Op(1, lambda m, x: x**3),
    "rpow": Op(1, lambda m, x: 2**x),
    "gelu": Op(1, lambda m, x: functional(m).gelu(x)),
    "softplus": Op(1, lambda m, x: functional(m).softplus(x, beta=2.0)),
    "leaky_relu": Op(1, lambda m, x: functional(m).leaky_relu(x, 0.1)),
    "clamp": Op(1, lambda m, x: x.clamp(-1.0, 0.5)),
    # reductions and softmax
    "sum-all": Op(1, lambda m, x: x.sum()),
    "sum": Op(1, lambda m, x, dim, keepdim: x.sum(dim, keepdim=keepdim), nonempty, dim_and_keepdim),
    "mean": Op(
        1, lambda m, x, dim, keepdim: m.mean(x, dim, keepdim=keepdim), nonempty, dim_and_keepdim
    ),
    "amax": Op(
        1, lambda m, x, dim, keepdim: x.amax(dim, keepdim=keepdim), nonempty, dim_and_keepdim
    ),
    "max-values": Op(
        1, lambda m, x, dim, keepdim: x.max(dim, keepdim=keepdim).values, nonempty, dim_and_keepdim
    ),
    "logsumexp": Op(
        1, lambda m, x, dim, keepdim: x.logsumexp(dim, keepdim=keepdim), nonempty, dim_and_keepdim
    ),
    "var": Op(
        1,
        lambda m, x, dim: x.var(dim),
        lambda s: len(s) >= 1 and max(s) >= 2,
        lambda draw, s: {"dim": draw(st.sampled_from(long_dims(s)))},
    ),
    "softmax": Op(
        1, lambda m, x, dim: x.softmax(dim), nonempty, lambda draw, s: {"dim": some_dim(draw, s)}
    ),
    "log_softmax": Op(
        1,
        lambda m, x, dim: m.log_softmax(x, dim),
        nonempty,
        lambda draw, s: {"dim": some_dim(draw, s)},
    ),
    # shape
    "reshape-flat": Op(1, lambda m, x: x.reshape(-1)),
    "unsqueeze": Op(
        1,
        lambda m, x, dim: x.unsqueeze(dim),
        lambda s: len(s) < 4,
        lambda draw, s: {"dim": draw(st.integers(-len(s) - 1, len(s)))},
    ),
    "squeeze": Op(1, lambda m, x: x.squeeze()),
    "transpose": Op(
        1,
        lambda m, x, d0, d1: x.transpose(d0, d1),
        lambda s: len(s) >= 2,
        lambda draw, s: {"d0": some_dim(draw, s), "d1": some_dim(draw, s)},
    ),
    "T": Op(1, lambda m, x: x.T, lambda s: len(s) == 2),
    "flip": Op(
        1, lambda m, x, dim: x.flip((dim,)), nonempty, lambda draw, s: {"dim": some_dim(draw, s)}
    ),
    "index-first": Op(1, lambda m, x: x[0], nonempty),
    "slice-last": Op(1, lambda m, x: x[..., 1:], lambda s: len(s) >= 1 and s[-1] >= 2),
    "index-array": Op(
        1,
        lambda m, x, index: x[m.tensor(index)],
        nonempty,
        lambda draw, s: {"index": draw(st.lists(st.integers(0, s[0] - 1), min_size=1, max_size=4))},
    ),
}


class Step(NamedTuple):
    name: str
    operands: tuple
    params: dict


def run(lib, steps, leaves):
    values = list(leaves)
    for step in steps:
        values.append(OPS[step.name].fn(lib, *[values[i] for i in step.operands], **step.params))
    return values[-1]


BOUND = 10.0


@st.composite
def programs(draw, min_steps=3, max_steps=12):
    """``(steps, leaf arrays)``; the steps are valid for the shapes they meet."""
    n_leaves = draw(st.integers(1, 3), label="leaves")
    shape = hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=3)
    elements = st.floats(-2, 2, allow_nan=False, allow_subnormal=False)
    leaves = [
        draw(hnp.arrays(np.float64, draw(shape), elements=elements, unique=True))
        for _ in range(n_leaves)
    ]
    values = [hm.tensor(a) for a in leaves]  # homeml runs along to know the shapes
    steps = []
    for _ in range(draw(st.integers(min_steps, max_steps), label="steps")):
        # the first operand: mostly the latest result, sometimes any earlier tensor (reuse)
        last = len(values) - 1
        first = draw(st.one_of(st.just(last), st.integers(0, last)))
        shape = values[first].shape
        fits = {  # for each binary op, the tensors that can be its second operand
            name: [j for j, v in enumerate(values) if op.valid(shape, v.shape)]
            for name, op in OPS.items()
            if op.arity == 2
        }
        usable = [
            name for name, op in OPS.items() if (op.valid(shape) if op.arity == 1 else fits[name])
        ]
        name = draw(st.sampled_from(usable), label="op")
        operands = (first,)
        if OPS[name].arity == 2:
            operands += (draw(st.sampled_from(fits[name][::-1])),)
        params = OPS[name].params(draw, *[values[i].shape for i in operands])
        step = Step(name, operands, params)
        out = OPS[name].fn(hm, *[values[i] for i in operands], **params)
        steps.append(step)
        values.append(out)
        data = out.numpy()
        if data.size and not np.all(np.abs(data) <= BOUND):
            steps.append(Step("tanh", (len(values) - 1,), {}))
            values.append(values[-1].tanh())
    return steps, leaves


@requires_torch
@settings(max_examples=150)
@given(program=programs())
def test_random_chains_match_torch(program):
    steps, leaves = program
    check_against_torch(lambda *xs: run(hm, steps, xs), lambda *xs: run(torch, steps, xs), *leaves)


@requires_torch
@settings(max_examples=40)
@given(program=programs(min_steps=10, max_steps=25))
def test_long_random_chains_match_torch(program):
    steps, leaves = program
    check_against_torch(lambda *xs: run(hm, steps, xs), lambda *xs: run(torch, steps, xs), *leaves)


@requires_torch
@pytest.mark.parametrize("name", sorted(OPS))
def test_every_op_in_the_pool_is_exercised(name):
    """Each op applied to a fixed (2, 3) leaf (and a (3, 3) one for binary ops) inside a small
    graph that reuses the leaf, so no op of the pool depends on hypothesis drawing it."""
    op = OPS[name]
    rng = np.random.default_rng(5)
    a = rng.uniform(-2, 2, (2, 3))
    b = rng.uniform(-2, 2, (3, 3) if name == "matmul" else (2, 3))
    params = {
        "sum": {"dim": 1, "keepdim": False},
        "mean": {"dim": 0, "keepdim": True},
        "amax": {"dim": -1, "keepdim": False},
        "max-values": {"dim": 0, "keepdim": True},
        "logsumexp": {"dim": 1, "keepdim": True},
        "var": {"dim": 1},
        "softmax": {"dim": 0},
        "log_softmax": {"dim": -1},
        "unsqueeze": {"dim": 1},
        "transpose": {"d0": 0, "d1": 1},
        "flip": {"dim": 1},
        "index-array": {"index": [1, 0, 1]},
        "cat": {"dim": 1},
        "stack": {"dim": 2},
    }.get(name, {})

    def graph(lib):
        def fn(x, y):
            out = op.fn(lib, x, **params) if op.arity == 1 else op.fn(lib, x, y, **params)
            return out.sum() * x.sum() + (out * out).mean() + y.sum()

        return fn

    check_against_torch(graph(hm), graph(torch), a, b)
