"""The Tensor itself (homeml/tensor.py) and the factories (homeml/creation.py).

Factories are compared with PyTorch's (shape, dtype, values where they are deterministic);
attributes and conversions with PyTorch's on the same data; broadcasting mistakes must name both
shapes; ``cat``/``stack``/``where`` are checked for dtype promotion and gradients against PyTorch
(their shape cases are in tests/ops/test_movement.py); in-place operations against PyTorch where
both allow them, and with a clear error where homeml refuses them.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis.extra import numpy as hnp
from support import check_against_torch, check_gradients, requires_torch, torch

import homeml as hm

DTYPES = [pytest.param(np.float64, id="float64"), pytest.param(np.float32, id="float32")]


def torch_dtype_name(t):
    return str(t.dtype).replace("torch.", "")


def assert_like_torch(got, want, exact=True):
    assert isinstance(got, hm.Tensor)
    assert got.shape == tuple(want.shape), (got.shape, tuple(want.shape))
    assert got.dtype == np.dtype(torch_dtype_name(want)), (got.dtype, want.dtype)
    if exact:
        np.testing.assert_array_equal(got.numpy(), want.numpy())
    else:
        np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-15, atol=1e-15)


# ----------------------------------------------------------------------------- factories

# Each is fn(lib) with lib = homeml or torch: the same spelling in both.
FACTORIES = {
    "tensor-float-list": lambda m: m.tensor([[1.0, 2.5], [3.0, -4.0]]),
    "tensor-int-list": lambda m: m.tensor([1, 2, 3]),
    "tensor-bool-list": lambda m: m.tensor([True, False]),
    "tensor-mixed-int-float": lambda m: m.tensor([1, 2.5]),
    "tensor-float-scalar": lambda m: m.tensor(2.5),
    "tensor-int-scalar": lambda m: m.tensor(7),
    "tensor-empty": lambda m: m.tensor([]),
    "tensor-float64-array": lambda m: m.tensor(np.arange(6.0).reshape(2, 3)),
    "tensor-float32-array": lambda m: m.tensor(np.ones(3, dtype=np.float32)),
    "tensor-int32-array": lambda m: m.tensor(np.arange(4, dtype=np.int32)),
    "tensor-uint8-array": lambda m: m.tensor(np.arange(4, dtype=np.uint8)),
    "tensor-numpy-float64-scalar": lambda m: m.tensor(np.float64(1.5)),
    "tensor-numpy-int32-scalar": lambda m: m.tensor(np.int32(3)),
    "tensor-dtype-float64": lambda m: m.tensor([1, 2], dtype=m.float64),
    "tensor-dtype-int64-truncates": lambda m: m.tensor([1.7, -2.7], dtype=m.int64),
    "tensor-dtype-float32-from-float64": lambda m: m.tensor(np.ones(2), dtype=m.float32),
    "tensor-of-0d-tensors": lambda m: m.tensor([m.tensor(1.0), m.tensor(2.0)]),
    "zeros-varargs": lambda m: m.zeros(2, 3),
    "zeros-tuple": lambda m: m.zeros((2, 3)),
    "zeros-list": lambda m: m.zeros([4]),
    "zeros-0d": lambda m: m.zeros(()),
    "zeros-empty-dim": lambda m: m.zeros(0, 3),
    "zeros-float64": lambda m: m.zeros(2, dtype=m.float64),
    "ones": lambda m: m.ones(3, 1, 2),
    "ones-int64": lambda m: m.ones(2, 2, dtype=m.int64),
    "ones-bool": lambda m: m.ones(2, dtype=m.bool),
    "full-float": lambda m: m.full((2, 3), 7.5),
    "full-int": lambda m: m.full((2, 3), 7),
    "full-bool": lambda m: m.full((2,), True),
    "full-dtype": lambda m: m.full([2], 7, dtype=m.float64),
    "full-0d": lambda m: m.full((), -1.0),
    "zeros_like-int": lambda m: m.zeros_like(m.tensor([[1, 2]])),
    "zeros_like-float64": lambda m: m.zeros_like(m.tensor(np.ones((2, 2)))),
    "ones_like-float32": lambda m: m.ones_like(m.ones(3)),
    "ones_like-dtype": lambda m: m.ones_like(m.tensor([1, 2]), dtype=m.float32),
    "full_like": lambda m: m.full_like(m.tensor([1.0, 2.0]), 3),
    "arange-end": lambda m: m.arange(5),
    "arange-start-end-step": lambda m: m.arange(2, 9, 3),
    "arange-negative-step": lambda m: m.arange(5, 0, -2),
    "arange-float-end": lambda m: m.arange(5.0),
    "arange-float-step": lambda m: m.arange(0, 1, 0.25),
    "arange-float-tenth": lambda m: m.arange(0, 1, 0.1),
    "arange-dtype": lambda m: m.arange(4, dtype=m.float64),
    "arange-numpy-int": lambda m: m.arange(np.int64(4)),
    "eye": lambda m: m.eye(3),
    "eye-rectangular": lambda m: m.eye(2, 4),
    "eye-float64": lambda m: m.eye(2, dtype=m.float64),
    "eye-int": lambda m: m.eye(3, dtype=m.int64),
}


@requires_torch
@pytest.mark.parametrize("name", list(FACTORIES))
def test_factories_match_torch(name):
    """Shape, dtype (float32 by default, float64 kept, ints int64) and values."""
    got, want = FACTORIES[name](hm), FACTORIES[name](torch)
    assert_like_torch(got, want, exact="arange" not in name)
    assert not got.requires_grad


@requires_torch
@pytest.mark.parametrize("name", ["arange-float-step-float64", "arange-float-step-float32"])
def test_float_arange_matches_torch_to_rounding(name):
    dtype = hm.float64 if name.endswith("64") else hm.float32
    tdtype = torch.float64 if name.endswith("64") else torch.float32
    got = hm.arange(-1, 1, 0.3, dtype=dtype)
    want = torch.arange(-1, 1, 0.3, dtype=tdtype)
    assert got.shape == tuple(want.shape) and got.dtype == dtype
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-7, atol=1e-7)


@pytest.mark.parametrize(
    "make",
    [
        lambda: hm.zeros(2, requires_grad=True),
        lambda: hm.ones(2, 2, requires_grad=True),
        lambda: hm.tensor([1.0], requires_grad=True),
        lambda: hm.full((2,), 1.0, requires_grad=True),
        lambda: hm.randn(3, requires_grad=True),
        lambda: hm.rand(3, requires_grad=True),
        lambda: hm.eye(2, requires_grad=True),
        lambda: hm.arange(3.0, requires_grad=True),
    ],
)
def test_factories_make_leaves_that_require_grad(make):
    t = make()
    assert t.requires_grad and t.is_leaf and t.grad is None
    (t * 2).sum().backward()
    np.testing.assert_array_equal(t.grad.numpy(), np.full(t.shape, 2.0))


def test_tensor_copies_its_data_and_from_numpy_shares_it():
    a = np.ones(3)
    t = hm.tensor(a)
    a[0] = 5
    assert t.numpy()[0] == 1
    shared = hm.from_numpy(a)
    a[1] = 7
    assert shared.numpy()[1] == 7
    copy = hm.tensor(shared)
    a[2] = 9
    assert copy.numpy()[2] == 1


# ----------------------------------------------------------------------------- randomness

RANDOM = {
    "rand": (lambda m, **kw: m.rand(2, 3, **kw), np.float32),
    "rand-tuple": (lambda m, **kw: m.rand((4,), **kw), np.float32),
    "rand-float64": (lambda m, **kw: m.rand(3, dtype=m.float64, **kw), np.float64),
    "randn": (lambda m, **kw: m.randn(3, 2, **kw), np.float32),
    "randn-tuple": (lambda m, **kw: m.randn((2, 2, 2), **kw), np.float32),
    "randn-float64": (lambda m, **kw: m.randn(5, dtype=m.float64, **kw), np.float64),
    "randint": (lambda m, **kw: m.randint(0, 10, (3, 4), **kw), np.int64),
    "randint-high-only": (lambda m, **kw: m.randint(5, (6,), **kw), np.int64),
    "randint-size-keyword": (lambda m, **kw: m.randint(-3, 3, size=(2,), **kw), np.int64),
}


@requires_torch
@pytest.mark.parametrize("name", list(RANDOM))
def test_random_factories_have_torch_shapes_and_dtypes(name):
    make, dtype = RANDOM[name]
    got, want = make(hm), make(torch)
    assert got.shape == tuple(want.shape)
    assert got.dtype == dtype == np.dtype(torch_dtype_name(want))


@pytest.mark.parametrize("name", list(RANDOM))
def test_manual_seed_makes_random_tensors_reproducible(name):
    make, _ = RANDOM[name]
    hm.manual_seed(1234)
    first = [make(hm).numpy().copy() for _ in range(3)]
    hm.manual_seed(1234)
    second = [make(hm).numpy().copy() for _ in range(3)]
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)
    hm.manual_seed(4321)
    other = [make(hm).numpy().copy() for _ in range(3)]
    assert any(not np.array_equal(a, b) for a, b in zip(first, other))
    # successive draws differ (the generator advances)
    assert any(not np.array_equal(first[0], f) for f in first[1:])


def test_random_values_have_the_right_distribution():
    hm.manual_seed(0)
    u = hm.rand(20000).numpy()
    assert u.min() >= 0 and u.max() < 1
    assert abs(u.mean() - 0.5) < 0.01
    n = hm.randn(20000, dtype=hm.float64).numpy()
    assert abs(n.mean()) < 0.03 and abs(n.std() - 1) < 0.03
    k = hm.randint(-3, 3, (20000,)).numpy()
    assert set(np.unique(k)) == set(range(-3, 3))
    assert np.all(hm.randint(4, (100,)).numpy() < 4)


def test_randint_needs_high_above_low():
    with pytest.raises(ValueError, match="high"):
        hm.randint(5, 5, (2,))


def test_generator_objects_are_independent_of_the_global_seed():
    g = hm.Generator().manual_seed(3)
    a = hm.randn(4, generator=g).numpy()
    hm.manual_seed(99)
    b = hm.randn(4, generator=hm.Generator().manual_seed(3)).numpy()
    np.testing.assert_array_equal(a, b)


# ----------------------------------------------------------------------------- attributes


@requires_torch
@pytest.mark.parametrize(
    "data",
    [[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], [1, 2, 3], 2.5, [[True], [False]], [[[1.5]]], []],
    ids=["2-d float", "1-d int", "0-d", "bool", "1x1x1", "empty"],
)
def test_attributes_and_conversions_match_torch(data):
    h, t = hm.tensor(data), torch.tensor(data)
    assert h.shape == tuple(t.shape) and isinstance(h.shape, tuple)
    assert h.ndim == t.ndim and h.dim() == t.dim()
    assert h.numel() == t.numel()
    assert h.dtype == np.dtype(torch_dtype_name(t))
    assert isinstance(h.numpy(), np.ndarray)
    np.testing.assert_array_equal(h.numpy(), t.numpy())
    assert h.tolist() == t.tolist()
    if h.numel() == 1:
        assert h.item() == t.item() and type(h.item()) is type(t.item())
    if h.ndim == 2:  # PyTorch deprecates .T on other ranks (homeml reverses the dims)
        assert_like_torch(h.T, t.T)
    if h.ndim >= 1:
        assert len(h) == len(t)


def test_item_needs_one_element():
    with pytest.raises(ValueError, match=r"\(2,\)"):
        hm.tensor([1.0, 2.0]).item()
    assert hm.tensor([[3.5]]).item() == 3.5


def test_numpy_shares_memory():
    t = hm.zeros(3)
    t.numpy()[1] = 4.0
    assert t.tolist() == [0.0, 4.0, 0.0]


def test_detach_shares_values_but_stops_gradients():
    x = hm.tensor([1.0, 2.0], requires_grad=True)
    y = x * 3
    d = y.detach()
    assert not d.requires_grad and d.is_leaf and d.grad_fn is None
    assert d.tolist() == [3.0, 6.0]
    assert np.shares_memory(d.numpy(), y.numpy())
    (y * d).sum().backward()  # d is a constant: d(y * d)/dx = 3 * d
    assert x.grad.tolist() == [9.0, 18.0]


@requires_torch
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(2, 3), (1, 5), (4, 1)], ids=str)
def test_T_is_differentiable_like_torch(shape, dtype):  # noqa: N802
    x = np.random.default_rng(0).standard_normal(shape).astype(dtype)
    check_against_torch(lambda t: t.T * 2, lambda t: t.T * 2, x)


def test_T_of_other_ranks_reverses_the_dimensions():  # noqa: N802
    assert hm.ones(4).T.shape == (4,) and hm.tensor(2.0).T.shape == ()
    x = hm.tensor(np.arange(24.0).reshape(2, 3, 4), requires_grad=True)
    np.testing.assert_array_equal(x.T.numpy(), x.numpy().transpose(2, 1, 0))
    check_gradients(lambda t: t.T, np.arange(24.0).reshape(2, 3, 4))


@pytest.mark.parametrize(
    "make",
    [
        lambda: hm.tensor([1, 2], requires_grad=True),
        lambda: hm.tensor([True], requires_grad=True),
        lambda: hm.zeros(2, dtype=hm.int64, requires_grad=True),
        lambda: hm.ones(2, dtype=hm.int32, requires_grad=True),
        lambda: hm.arange(3, requires_grad=True),
        lambda: hm.full((2,), 3, requires_grad=True),
        lambda: hm.tensor([1, 2]).requires_grad_(),
        lambda: setattr(hm.tensor([1, 2]), "requires_grad", True),
    ],
)
def test_integer_tensors_cannot_require_grad(make):
    with pytest.raises(RuntimeError, match="floating"):
        make()


def test_integer_results_of_float_graphs_do_not_require_grad():
    x = hm.tensor([0.5, 2.0], requires_grad=True)
    assert not x.argmax().requires_grad
    assert not (x > 1).requires_grad
    for cast in (x.long(), x.int(), x.bool(), x.to(hm.int64)):
        assert not cast.requires_grad and cast.grad_fn is None


# ----------------------------------------------------------------------------- broadcasting


BROADCASTING = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b,
    "pow": lambda a, b: a**b,
    "maximum": lambda a, b: hm.maximum(a, b),
    "minimum": lambda a, b: b.minimum(a),
    "where": lambda a, b: hm.where(a > 0, a, b),
    "clamp": lambda a, b: a.clamp(min=b),
}


@pytest.mark.parametrize("name", list(BROADCASTING))
@pytest.mark.parametrize(
    "a_shape, b_shape",
    [((2, 3), (4,)), ((4,), (2, 3)), ((2, 1, 3), (4, 2)), ((3, 2), (3,))],
    ids=str,
)
def test_broadcasting_mistakes_raise_value_error_naming_both_shapes(name, a_shape, b_shape):
    a, b = hm.ones(*a_shape, requires_grad=True), hm.ones(*b_shape)
    with pytest.raises(ValueError) as info:
        BROADCASTING[name](a, b)
    message = str(info.value)
    assert str(a_shape) in message and str(b_shape) in message, message


@given(shapes=hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=4, max_side=3))
def test_broadcast_gradients_are_summed_back_to_each_shape(shapes):
    a_shape, b_shape = shapes.input_shapes
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal(a_shape), rng.standard_normal(b_shape)
    check_gradients(lambda s, t: s * t + s, a, b)


# ----------------------------------------------------------------------------- cat/stack/where


@requires_torch
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(
    "name, fn",
    [
        ("cat-with-constant", lambda m, x, y: m.cat([x, m.ones(1, 3) * 2, y.exp()], dim=0)),
        ("cat-then-ops", lambda m, x, y: (m.cat([x, y], 0) ** 2).sum(1)),
        ("stack-with-constant", lambda m, x, y: m.stack([x[0], m.zeros(3), y[0]], dim=1)),
        ("stack-then-sum", lambda m, x, y: m.stack([x, x * y[:1]], -1).sum(-1)),
        ("where-two-scalars", lambda m, x, y: m.where(x > 0, 1.0, -1.0) * y[0]),
        ("where-scalar-then-ops", lambda m, x, y: m.where(x > 0, x.sin(), 0.0) + y[0]),
        ("where-nested", lambda m, x, y: m.where(x > y[0], m.where(x > 0.5, x, 2 * x), y[0])),
        ("where-0d-tensor", lambda m, x, y: m.where(x < 0, m.tensor(0.5), x * y[0])),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_cat_stack_where_in_graphs_match_torch(name, fn, dtype):
    rng = np.random.default_rng(3)
    x = rng.standard_normal((2, 3)).astype(dtype)
    y = rng.standard_normal((1, 3)).astype(dtype)
    check_against_torch(lambda s, t: fn(hm, s, t), lambda s, t: fn(torch, s, t), x, y)


@requires_torch
@pytest.mark.parametrize(
    "name, fn",
    [
        ("cat-float64-float32", lambda m: m.cat([m.ones(2, dtype=m.float64), m.ones(2)])),
        ("cat-int-float", lambda m: m.cat([m.ones(2, dtype=m.int64), m.ones(2)])),
        ("stack-int-float", lambda m: m.stack([m.ones(2, dtype=m.int64), m.ones(2)])),
        ("where-float32-scalar", lambda m: m.where(m.tensor([True, False]), m.ones(2), 0.0)),
        ("where-two-float-scalars", lambda m: m.where(m.tensor([True, False]), 1.0, 0.0)),
        ("where-two-int-scalars", lambda m: m.where(m.tensor([True, False]), 1, 0)),
        (
            "where-int-tensor-float-scalar",
            lambda m: m.where(m.tensor([True, False]), m.tensor([1, 2]), 0.5),
        ),
        (
            "where-float32-float64",
            lambda m: m.where(m.tensor([True, False]), m.ones(2), m.zeros(2, dtype=m.float64)),
        ),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_cat_stack_where_dtypes_match_torch(name, fn):
    assert_like_torch(fn(hm), fn(torch))


@pytest.mark.parametrize(
    "fn, shapes",
    [
        (lambda ts: hm.cat(ts, 0), [(2, 3), (2, 4)]),
        (lambda ts: hm.cat(ts, 1), [(2, 3), (3, 3)]),
        (lambda ts: hm.stack(ts), [(2, 3), (3, 2)]),
    ],
)
def test_cat_stack_shape_mistakes_raise_value_error_naming_the_shapes(fn, shapes):
    with pytest.raises(ValueError) as info:
        fn([hm.ones(*s) for s in shapes])
    for s in shapes:
        assert str(s) in str(info.value)


# ----------------------------------------------------------------------------- in place


def inplace_sequence(m):
    x = m.tensor([1.0, 2.0, 3.0])
    same = x
    x += 1
    x *= 2
    x -= m.tensor([1.0, 1.0, 1.0])
    x /= 2
    x.add_(1, alpha=2)
    x.sub_(m.tensor([0.5, 0.5, 0.5]), alpha=2)
    x.mul_(3)
    x.div_(m.tensor([1.0, 2.0, 3.0]))
    assert same is x
    z = m.zeros(2, 3)
    z[0] = 5
    z[:, 1] = m.tensor([7.0, 8.0])
    z[z > 6] = -1
    first = z.tolist()
    z.zero_()
    zero = z.tolist()
    z.fill_(2.5)
    filled = z.tolist()
    z.copy_(m.arange(3.0))
    return x.tolist(), first, zero, filled, z.tolist()


@requires_torch
def test_in_place_operations_match_torch():
    assert inplace_sequence(hm) == inplace_sequence(torch)


@requires_torch
def test_in_place_updates_of_parameters_under_no_grad_match_torch():
    """The optimizer pattern: update leaves in place without recording, then differentiate."""
    results = []
    for m in (hm, torch):
        w = m.tensor([1.0, 2.0], requires_grad=True)
        (w * w).sum().backward()
        with m.no_grad():
            w -= 0.25 * w.grad
            w.mul_(2)
        w.grad.zero_()
        (w * w * w).sum().backward()
        assert w.requires_grad and w.is_leaf
        results.append((w.tolist(), w.grad.tolist()))
    assert results[0] == results[1]


def test_in_place_on_tensors_that_require_grad_raises_a_clear_error():
    w = hm.tensor([1.0, 2.0], requires_grad=True)
    for op in (
        lambda: w.add_(1),
        lambda: w.mul_(2),
        lambda: w.zero_(),
        lambda: w.fill_(1.0),
        lambda: w.__setitem__(0, 3.0),
        lambda: w.copy_(hm.ones(2)),
    ):
        with pytest.raises(RuntimeError, match="in-place"):
            op()
    assert w.tolist() == [1.0, 2.0] and w.is_leaf  # nothing was half-done


def test_in_place_keeps_the_dtype():
    x = hm.ones(3)
    x += np.float64(0.5)
    x.mul_(hm.tensor([1.0, 2.0, 3.0], dtype=hm.float64))
    assert x.dtype == np.float32 and x.tolist() == [1.5, 3.0, 4.5]
    i = hm.tensor([1, 2])
    with pytest.raises(TypeError):  # PyTorch: RuntimeError (float can't be cast to Long)
        i += 1.5
