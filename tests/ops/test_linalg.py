"""Matrix products (homeml/ops/linalg.py): ``matmul`` and ``@``.

Checked like every op: gradients against central finite differences in float64, forward values,
shape, dtype and gradients against PyTorch in float64 and float32. Shapes are drawn by
hypothesis for each rank combination (1-D and 2-D operands, batched operands whose batch
dimensions broadcast, size-1 dimensions included).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from support import check_against_torch, check_gradients, requires_torch, torch

import homeml as hm

DTYPES = [pytest.param(np.float64, id="float64"), pytest.param(np.float32, id="float32")]

FORMS = {
    "operator": lambda a, b: a @ b,
    "method": lambda a, b: a.matmul(b),
    "function": lambda a, b: hm.matmul(a, b),
}


def torch_matmul(a, b):
    return torch.matmul(a, b)


sides = st.integers(1, 4)


@st.composite
def operand_shapes(draw, kind):
    """Shapes ``(a, b)`` for ``a @ b`` of the given kind."""
    n, k, m = draw(sides), draw(sides), draw(sides)
    if kind == "1d@1d":
        return (k,), (k,)
    if kind == "1d@2d":
        return (k,), (k, m)
    if kind == "2d@1d":
        return (n, k), (k,)
    if kind == "2d@2d":
        return (n, k), (k, m)
    batch = draw(
        hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=2, max_side=3)
    )
    a_batch, b_batch = batch.input_shapes
    if kind == "batched":
        return (*a_batch, n, k), (*b_batch, k, m)
    if kind == "1d@batched":
        return (k,), (*b_batch, 2, k, m)
    if kind == "batched@1d":
        return (*a_batch, 2, n, k), (k,)
    raise AssertionError(kind)


KINDS = ["1d@1d", "1d@2d", "2d@1d", "2d@2d", "batched", "1d@batched", "batched@1d"]


@pytest.mark.parametrize("kind", KINDS)
@given(data=st.data())
def test_matmul_matches_finite_differences_and_torch(kind, data):
    a_shape, b_shape = data.draw(operand_shapes(kind), label="shapes")
    form = data.draw(st.sampled_from(sorted(FORMS)), label="form")
    elements = st.floats(-2, 2, allow_nan=False, allow_subnormal=False)
    a = data.draw(hnp.arrays(np.float64, a_shape, elements=elements), label="a")
    b = data.draw(hnp.arrays(np.float64, b_shape, elements=elements), label="b")
    fn = FORMS[form]
    out = fn(hm.tensor(a), hm.tensor(b))
    assert out.shape == np.matmul(a, b).shape
    check_gradients(fn, a, b)
    if torch is not None:
        assert out.shape == tuple(torch.matmul(torch.tensor(a), torch.tensor(b)).shape)
        for dtype in (np.float64, np.float32):
            check_against_torch(fn, torch_matmul, a.astype(dtype), b.astype(dtype))


@requires_torch
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(
    "a_shape, b_shape",
    [
        ((3,), (3,)),  # a 0-d result
        ((1,), (1, 1)),
        ((4,), (4, 1)),
        ((1, 4), (4,)),
        ((5, 1), (1, 6)),  # an outer product
        ((2, 1, 3, 4), (5, 4, 2)),  # batch dims (2, 1) and (5,) broadcast to (2, 5)
        ((1, 3, 4), (2, 4, 1)),
        ((3, 4), (2, 2, 4, 3)),  # a matrix against a batch
        ((2, 3, 4), (4, 5)),
        ((4,), (2, 3, 4, 2)),
        ((2, 1, 2, 4), (4,)),
    ],
    ids=str,
)
def test_matmul_fixed_shapes_match_torch(a_shape, b_shape, dtype):
    rng = np.random.default_rng(0)
    a = rng.standard_normal(a_shape).astype(dtype)
    b = rng.standard_normal(b_shape).astype(dtype)
    for fn in FORMS.values():
        check_against_torch(fn, torch_matmul, a, b)


@requires_torch
@pytest.mark.parametrize("dtype", DTYPES)
def test_matmul_backward_from_a_sum_and_with_one_constant_side(dtype):
    """``(x @ w).sum()`` hands matmul a broadcast (zero-stride) gradient; a constant operand
    gets no gradient; the same tensor on both sides accumulates both contributions."""
    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, 3, 4)).astype(dtype)
    w = rng.standard_normal((4, 5)).astype(dtype)
    hx, tx = hm.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    (hx @ hm.tensor(w)).sum().backward()
    (tx @ torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(hx.grad.numpy(), tx.grad.numpy(), rtol=1e-5, atol=1e-6)
    assert hx.grad.dtype == dtype
    square = rng.standard_normal((3, 3)).astype(dtype)
    check_against_torch(lambda s: s @ s @ s, lambda t: t @ t @ t, square)
    check_against_torch(lambda s: (s @ s.T).sum(), lambda t: (t @ t.T).sum(), x[0])


@requires_torch
@pytest.mark.parametrize("dtype", [np.int64, np.int32])
def test_integer_matmul_keeps_the_integer_dtype(dtype):
    a = np.arange(6).reshape(2, 3).astype(dtype)
    b = np.arange(12).reshape(3, 4).astype(dtype)
    check_against_torch(lambda s, t: s @ t, torch_matmul, a, b)


def test_numpy_array_on_the_left_uses_the_reflected_operator():
    a = np.arange(6.0).reshape(2, 3)
    w = hm.tensor(np.ones((3, 2)), requires_grad=True)
    out = a @ w
    assert isinstance(out, hm.Tensor)
    np.testing.assert_array_equal(out.numpy(), a @ np.ones((3, 2)))
    out.sum().backward()
    np.testing.assert_array_equal(w.grad.numpy(), np.repeat(a.sum(0)[:, None], 2, axis=1))


@pytest.mark.parametrize(
    "a_shape, b_shape",
    [
        ((3, 4), (5, 6)),
        ((3,), (4,)),
        ((2, 3), (4,)),
        ((4,), (3, 2)),
        ((2, 3, 4), (5, 4, 2)),
        ((2, 2, 3), (3, 2, 2)),
    ],
    ids=str,
)
@pytest.mark.parametrize("form", sorted(FORMS))
def test_shape_mismatch_raises_value_error_naming_both_shapes(form, a_shape, b_shape):
    a, b = hm.ones(*a_shape, requires_grad=True), hm.ones(*b_shape)
    with pytest.raises(ValueError) as info:
        FORMS[form](a, b)
    message = str(info.value)
    assert str(a_shape) in message and str(b_shape) in message, message


@pytest.mark.parametrize("a_shape, b_shape", [((), (3,)), ((3,), ()), ((), ())], ids=str)
def test_zero_d_operands_are_rejected(a_shape, b_shape):
    with pytest.raises(ValueError, match="dimension"):
        hm.ones(*a_shape) @ hm.ones(*b_shape)


# ----------------------------------------------------------------------------- mm and addmm
MM_CASES = {
    "mm": (lambda lib: lambda a, b, c: lib.mm(a, b), [(3, 4), (4, 2), (1,)]),
    "Tensor.mm": (lambda lib: lambda a, b, c: a.mm(b), [(1, 4), (4, 5), (1,)]),
    "bmm": (lambda lib: lambda a, b, c: lib.bmm(a, b) * c, [(2, 3, 4), (2, 4, 2), (1,)]),
    "Tensor.bmm": (lambda lib: lambda a, b, c: a.bmm(b), [(3, 1, 4), (3, 4, 5), (1,)]),
    "addmm": (lambda lib: lambda a, b, c: lib.addmm(c, a, b), [(3, 4), (4, 2), (3, 2)]),
    "addmm broadcast": (lambda lib: lambda a, b, c: lib.addmm(c, a, b), [(3, 4), (4, 2), (2,)]),
    "addmm scaled": (
        lambda lib: lambda a, b, c: lib.addmm(c, a, b, beta=0.5, alpha=-2.0),
        [(2, 3), (3, 2), (2, 1)],
    ),
    "Tensor.addmm": (lambda lib: lambda a, b, c: c.addmm(a, b, alpha=3), [(2, 3), (3, 4), (2, 4)]),
}


@pytest.mark.parametrize("name", MM_CASES)
@pytest.mark.parametrize("dtype", DTYPES)
def test_mm_and_addmm_match_torch(name, dtype):
    make, shapes = MM_CASES[name]
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(s).astype(dtype) for s in shapes]
    check_against_torch(make(hm), make(torch), *arrays)


@pytest.mark.parametrize("name", MM_CASES)
def test_mm_and_addmm_gradients_match_finite_differences(name):
    make, shapes = MM_CASES[name]
    rng = np.random.default_rng(1)
    check_gradients(make(hm), *[rng.standard_normal(s) for s in shapes])


@requires_torch
def test_mm_refuses_what_torch_refuses():
    for a, b in [((3,), (3, 2)), ((2, 3, 4), (4, 2)), ((2, 3), (2, 3))]:
        with pytest.raises(RuntimeError):
            torch.mm(torch.ones(a), torch.ones(b))
        with pytest.raises(RuntimeError, match="mm"):
            hm.mm(hm.ones(a), hm.ones(b))
    for a, b in [((2, 3), (2, 3, 4)), ((2, 3, 4), (3, 4, 2)), ((2, 3, 4), (2, 3, 4))]:
        with pytest.raises(RuntimeError):
            torch.bmm(torch.ones(a), torch.ones(b))
        with pytest.raises(RuntimeError, match="bmm"):
            hm.bmm(hm.ones(a), hm.ones(b))


def test_addmm_with_beta_zero_ignores_nan_input():
    out = hm.addmm(hm.tensor([[float("nan")]]), hm.ones(1, 2), hm.ones(2, 1), beta=0)
    assert out.tolist() == [[2.0]]
