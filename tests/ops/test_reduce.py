"""Reductions (sum, mean, max, min, amax, amin, var, std, logsumexp, argmax, argmin) and softmax.

Every differentiable reduction is checked two ways: gradients against central finite differences
in float64, and forward values, dtype and gradients against PyTorch in float64 and float32.
Shapes (1-d to 4-d, size-1 dimensions included), values and ``dim`` (None, an int, negative or
not, a tuple) are drawn by hypothesis; 0-d tensors and ties are covered by explicit cases.
"""

import math
import warnings

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from support import check_against_torch, check_gradients, requires_torch, torch

import homeml as hm

DTYPES = [np.float64, np.float32]
FORMS = ["method", "function"]

# ----------------------------------------------------------------------------- strategies


@st.composite
def shapes(draw, max_elements=24, min_dims=1, max_dims=4, max_side=4):
    """A shape of ``min_dims``..``max_dims`` dimensions with at most ``max_elements`` elements."""
    ndim = draw(st.integers(min_dims, max_dims))
    sides, size = [], 1
    for _ in range(ndim):
        side = draw(st.integers(1, max(1, min(max_side, max_elements // size))))
        sides.append(side)
        size *= side
    return tuple(draw(st.permutations(sides)))


def smooth_values(shape, dtype=np.float64):
    """Any values. float32 draws multiples of 1/8, so that sums are exact whatever the order."""
    if np.dtype(dtype) == np.float32:
        elements = st.integers(-24, 24).map(lambda k: k / 8)
    else:
        elements = st.floats(-3, 3, allow_nan=False, allow_subnormal=False)
    return hnp.arrays(dtype, shape, elements=elements)


@st.composite
def distinct_values(draw, shape, dtype=np.float64):
    """Values at least 0.25 apart (no ties, so finite differences are valid for max/min)."""
    n = math.prod(shape)
    order = np.array(draw(st.permutations(range(n))), dtype=np.float64)
    jitter = np.array(draw(st.lists(st.integers(0, 3), min_size=n, max_size=n))) / 16
    return ((order - n / 2) * 0.5 + jitter).reshape(shape).astype(dtype)


def tied_values(shape, dtype=np.float64):
    """Values from {-1, 0, 1}: ties are common."""
    return hnp.arrays(dtype, shape, elements=st.sampled_from([-1.0, 0.0, 1.0]))


@st.composite
def tuple_dims(draw, ndim):
    """A non-empty tuple of distinct axes, each written non-negative or negative."""
    axes = draw(st.lists(st.integers(0, ndim - 1), min_size=1, max_size=ndim, unique=True))
    return tuple(a - ndim if draw(st.booleans()) else a for a in axes)


def any_dim(ndim):
    return st.one_of(st.none(), st.integers(-ndim, ndim - 1), tuple_dims(ndim))


@st.composite
def reduction_cases(draw, values=smooth_values, dtype=np.float64, dims=any_dim):
    """``(x, dim, keepdim, form)`` for a reduction."""
    shape = draw(shapes())
    x = draw(values(shape, dtype))
    return x, draw(dims(len(shape))), draw(st.booleans()), draw(st.sampled_from(FORMS))


# ----------------------------------------------------------------------------- calling the ops

# homeml options of var/std and PyTorch's equivalent correction
VAR_VARIANTS = [
    ({}, 1),
    ({"unbiased": False}, 0),
    ({"unbiased": True}, 1),
    ({"correction": 0}, 0),
    ({"correction": 2}, 2),
]


def call(name, form, x, *args, **kwargs):
    """``x.name(*args)`` or ``hm.name(x, *args)``."""
    if form == "method":
        return getattr(x, name)(*args, **kwargs)
    return getattr(hm, name)(x, *args, **kwargs)


def hm_reduce(op, form, dim, keepdim, options=None):
    def fn(x):
        out = call(op, form, x, dim, keepdim=keepdim, **(options or {}))
        if op in ("max", "min") and isinstance(dim, int):
            return out.values
        return out

    return fn


def torch_reduce(op, dim, keepdim, correction=1):
    def fn(t):
        dims = tuple(range(t.ndim)) if dim is None else dim
        if op in ("max", "min"):
            if isinstance(dim, int):
                return getattr(torch, op)(t, dim, keepdim).values
            if dim is None and not keepdim:
                return getattr(torch, op)(t)
            return getattr(torch, "a" + op)(t, dims, keepdim)
        if op in ("var", "std"):
            return getattr(torch, op)(t, dim=dims, correction=correction, keepdim=keepdim)
        return getattr(torch, op)(t, dims, keepdim=keepdim)

    return fn


def reduced_count(shape, dim):
    if dim is None:
        return math.prod(shape)
    dims = (dim,) if isinstance(dim, int) else dim
    return math.prod(shape[d] for d in {d % len(shape) for d in dims})


def reduced_shape(shape, dim, keepdim):
    dims = range(len(shape)) if dim is None else (dim,) if isinstance(dim, int) else dim
    axes = {d % len(shape) for d in dims}
    if keepdim:
        return tuple(1 if i in axes else n for i, n in enumerate(shape))
    return tuple(n for i, n in enumerate(shape) if i not in axes)


# Which values each op is checked on: max/min need values without ties for finite differences
# (and std needs a nonzero spread: its gradient at zero spread is tested on its own).
FD_VALUES = {
    "sum": smooth_values,
    "mean": smooth_values,
    "max": distinct_values,
    "min": distinct_values,
    "amax": distinct_values,
    "amin": distinct_values,
    "var": smooth_values,
    "std": distinct_values,
    "logsumexp": smooth_values,
}
TORCH_VALUES = {
    **FD_VALUES,
    "max": lambda shape, dtype: st.one_of(distinct_values(shape, dtype), tied_values(shape, dtype)),
    "min": lambda shape, dtype: st.one_of(distinct_values(shape, dtype), tied_values(shape, dtype)),
    "amax": lambda shape, dtype: st.one_of(
        distinct_values(shape, dtype), tied_values(shape, dtype)
    ),
    "amin": lambda shape, dtype: st.one_of(
        distinct_values(shape, dtype), tied_values(shape, dtype)
    ),
}
REDUCTIONS = list(FD_VALUES)


# ----------------------------------------------------------------------------- reductions


@pytest.mark.parametrize("op", REDUCTIONS)
@given(data=st.data(), variant=st.sampled_from(VAR_VARIANTS))
def test_reduction_shape_and_gradients_match_finite_differences(op, data, variant):
    x, dim, keepdim, form = data.draw(reduction_cases(values=FD_VALUES[op]))
    options, correction = variant if op in ("var", "std") else ({}, 0)
    count = reduced_count(x.shape, dim)
    if op in ("var", "std"):
        assume(count > correction)  # otherwise the result is inf or nan
    if op == "std":
        assume(count >= 2)
    fn = hm_reduce(op, form, dim, keepdim, options)
    out = fn(hm.tensor(x))
    assert out.shape == reduced_shape(x.shape, dim, keepdim)
    check_gradients(fn, x)


@requires_torch
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("op", REDUCTIONS)
@given(data=st.data(), variant=st.sampled_from(VAR_VARIANTS))
def test_reduction_matches_torch(op, dtype, data, variant):
    x, dim, keepdim, form = data.draw(reduction_cases(values=TORCH_VALUES[op], dtype=dtype))
    options, correction = variant if op in ("var", "std") else ({}, 1)
    count = reduced_count(x.shape, dim)
    if op in ("var", "std"):
        # (correction >= count has its own test: PyTorch's gradient there is inconsistent)
        assume(count > correction)
    if op == "std":
        assume(count >= 2)
    check_against_torch(
        hm_reduce(op, form, dim, keepdim, options), torch_reduce(op, dim, keepdim, correction), x
    )


@requires_torch
@pytest.mark.parametrize("op", ["var", "std"])
@pytest.mark.parametrize("dtype", DTYPES)
def test_var_std_without_degrees_of_freedom_match_torch(op, dtype):
    """With correction equal to the count PyTorch gives inf (nan where there is no spread), and
    gradients 2 (x - mean) / 0; with a larger correction the values are the same."""
    x = np.array([[1.0, 2.0, 4.0], [0.5, 0.5, 0.5]], dtype=dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PyTorch warns that the degrees of freedom are <= 0
        check_against_torch(
            lambda t: getattr(t, op)(1, correction=3),
            lambda t: getattr(t, op)(1, correction=3),
            x,
        )
        for correction in (4, 7):
            for dim in (1, None):
                got = getattr(hm.tensor(x), op)(dim, correction=correction).numpy()
                want = getattr(torch.tensor(x), op)(dim, correction=correction).numpy()
                np.testing.assert_array_equal(got, want)


@requires_torch
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(
    "x",
    [
        np.array([2.0, 2.0, 2.0]),
        np.array([[1.0, 1.0], [3.0, -2.0]]),
        np.array([[0.5], [1.5]]),  # one element per row: zero spread with correction=0
        np.array(1.5),  # 0-d
    ],
    ids=["constant", "constant-row", "single-element", "0-d"],
)
def test_std_gradient_at_zero_spread_matches_torch(dtype, x):
    """PyTorch defines d std / dx = 0 where std is 0 (no nan), as for sqrt-free norms."""
    dim = -1 if x.ndim else None
    check_against_torch(
        lambda t: t.std(dim, correction=0),
        lambda t: t.std(dim, correction=0),
        x.astype(dtype),
    )


@requires_torch
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("op", ["sum", "mean", "amax", "amin", "var", "std"])
def test_empty_tuple_dim_reduces_every_dimension_like_torch(op, keepdim, dtype):
    """In PyTorch ``dim=()`` (like ``dim=None``) reduces every dimension."""
    x = np.array([[0.5, -1.0, 2.0], [1.5, 3.0, -0.25]], dtype=dtype)
    # PyTorch 2.13's var/std backward reads dim=() as "no dimension" (divisor 0): its gradient
    # is inf although the forward reduces everything; compare with dim=None, the same reduction.
    torch_dim = None if op in ("var", "std") else ()
    check_against_torch(
        lambda t: getattr(t, op)(dim=(), keepdim=keepdim),
        lambda t: getattr(t, op)(dim=torch_dim, keepdim=keepdim),
        x,
    )


# ----------------------------------------------------------------------------- max and min


@requires_torch
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("op", ["max", "min"])
@given(data=st.data())
def test_max_min_along_int_dim_return_values_and_indices_like_torch(op, dtype, data):
    values = TORCH_VALUES[op]
    x, dim, keepdim, form = data.draw(
        reduction_cases(values=values, dtype=dtype, dims=lambda n: st.integers(-n, n - 1))
    )
    out = call(op, form, hm.tensor(x), dim, keepdim)
    want = getattr(torch, op)(torch.tensor(x), dim, keepdim)
    assert isinstance(out, tuple) and len(out) == 2
    values_out, indices_out = out
    assert values_out is out.values and indices_out is out.indices
    assert indices_out.dtype == np.int64
    assert values_out.shape == tuple(want.values.shape)
    np.testing.assert_array_equal(indices_out.numpy(), want.indices.numpy())
    check_against_torch(
        lambda t: call(op, form, t, dim, keepdim).values,
        lambda t: getattr(torch, op)(t, dim, keepdim).values,
        x,
    )


@requires_torch
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("op", ["max", "min", "amax", "amin"])
@given(data=st.data())
def test_max_min_ties_share_the_gradient_like_torch(op, dtype, data):
    """Without an int dim ties share the gradient evenly; along an int dim it goes to the index
    returned (the first of the ties)."""
    dims = any_dim if op in ("max", "min") else lambda n: st.one_of(st.none(), tuple_dims(n))
    x, dim, keepdim, form = data.draw(reduction_cases(values=tied_values, dtype=dtype, dims=dims))
    check_against_torch(hm_reduce(op, form, dim, keepdim), torch_reduce(op, dim, keepdim), x)


TIES = [
    (np.array([3.0, 1.0, 3.0, 3.0]), None),
    (np.array([[2.0, 2.0], [1.0, 2.0]]), None),
    (np.array([[2.0, 2.0], [1.0, 2.0]]), 1),
    (np.array([[2.0, 2.0], [1.0, 2.0]]), 0),
    (np.array([[2.0, 2.0], [1.0, 2.0]]), (0, 1)),
    (np.array([[[5.0, 5.0, 1.0], [5.0, 0.0, 5.0]]]), (-1, 0)),
    (np.array([[[5.0, 5.0, 1.0], [5.0, 0.0, 5.0]]]), -2),
    (np.full((2, 1, 3), 7.0), None),
    (np.full((2, 1, 3), 7.0), 2),
    (np.array([np.inf, 1.0, np.inf]), None),
    (np.array([-np.inf, -np.inf, 0.0]), 0),
]


@requires_torch
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("op", ["max", "min", "amax", "amin"])
@pytest.mark.parametrize("x, dim", TIES)
def test_max_min_explicit_ties_match_torch(x, dim, op, keepdim, dtype):
    if op in ("amax", "amin") and isinstance(dim, int):
        dim = (dim,)
    for form in FORMS:
        check_against_torch(
            hm_reduce(op, form, dim, keepdim), torch_reduce(op, dim, keepdim), x.astype(dtype)
        )
    if op in ("max", "min") and isinstance(dim, int):
        got = getattr(hm.tensor(x), op)(dim, keepdim).indices.numpy()
        want = getattr(torch.tensor(x), op)(dim, keepdim).indices.numpy()
        np.testing.assert_array_equal(got, want)


def test_max_min_without_dim_split_ties_evenly():
    """The 0-d result's gradient is shared by every element equal to it (PyTorch's rule)."""
    x = hm.tensor([[4.0, 1.0, 4.0], [4.0, 4.0, 0.0]], requires_grad=True)
    out = x.max()
    assert out.shape == ()
    assert out.item() == 4.0
    out.backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[0.25, 0, 0.25], [0.25, 0.25, 0]])
    y = hm.tensor([[4.0, 0.0, 4.0], [0.0, 4.0, 9.0]], requires_grad=True)
    hm.min(y).backward()
    np.testing.assert_array_equal(y.grad.numpy(), [[0, 0.5, 0], [0.5, 0, 0]])


def test_max_along_dim_sends_the_gradient_to_the_returned_index():
    x = hm.tensor([[1.0, 3.0, 3.0], [2.0, 2.0, 0.0]], requires_grad=True)
    values, indices = x.max(1)
    np.testing.assert_array_equal(indices.numpy(), [1, 0])
    np.testing.assert_array_equal(values.numpy(), [3.0, 2.0])
    (values * hm.tensor([10.0, 100.0])).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[0, 10, 0], [100, 0, 0]])


@requires_torch
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("op", ["max", "min"])
@pytest.mark.parametrize(
    "x",
    [np.array([1.0, np.nan, 3.0]), np.array([[0.5, np.nan], [2.0, -1.0]])],
    ids=["1-d", "2-d"],
)
def test_max_min_without_dim_propagate_nan_like_torch(x, op, dtype):
    """A nan is the max (and min); PyTorch sends the gradient to the nan element(s)."""
    check_against_torch(lambda t: getattr(t, op)(), lambda t: getattr(t, op)(), x.astype(dtype))


@pytest.mark.parametrize("op", ["max", "min"])
@given(
    shapes_=hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=3),
    data=st.data(),
)
def test_max_min_with_a_tensor_gradients_match_finite_differences(op, shapes_, data):
    a_shape, b_shape = shapes_.input_shapes
    both = data.draw(distinct_values((math.prod(a_shape) + math.prod(b_shape),)))
    a = both[: math.prod(a_shape)].reshape(a_shape)
    b = both[math.prod(a_shape) :].reshape(b_shape)
    form = data.draw(st.sampled_from(FORMS))
    check_gradients(lambda s, t: call(op, form, s, t), a, b)


@requires_torch
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("op", ["max", "min"])
@given(
    shapes_=hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=4, max_side=3),
    data=st.data(),
)
def test_max_min_with_a_tensor_match_torch_including_ties(op, dtype, shapes_, data):
    a_shape, b_shape = shapes_.input_shapes
    a = data.draw(tied_values(a_shape, dtype))
    b = data.draw(tied_values(b_shape, dtype))
    form = data.draw(st.sampled_from(FORMS))
    check_against_torch(
        lambda s, t: call(op, form, s, t), lambda s, t: getattr(torch, op)(s, t), a, b
    )


# ----------------------------------------------------------------------------- argmax, argmin


@requires_torch
@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.int64])
@pytest.mark.parametrize("op", ["argmax", "argmin"])
@given(data=st.data())
def test_argmax_argmin_match_torch(op, dtype, data):
    shape = data.draw(shapes(max_elements=48))
    values = data.draw(st.sampled_from([tied_values, distinct_values]))
    x = data.draw(values(shape, np.float64)).astype(dtype)
    dim = data.draw(st.one_of(st.none(), st.integers(-len(shape), len(shape) - 1)))
    keepdim = data.draw(st.booleans())
    form = data.draw(st.sampled_from(FORMS))
    out = call(op, form, hm.tensor(x), dim, keepdim)
    want = getattr(torch, op)(torch.tensor(x), dim, keepdim)
    assert out.dtype == np.int64
    assert out.shape == tuple(want.shape)
    assert not out.requires_grad
    np.testing.assert_array_equal(out.numpy(), want.numpy())


def test_argmax_argmin_pick_the_first_of_ties():
    x = hm.tensor([[1.0, 5.0, 5.0], [0.0, 0.0, -2.0]])
    assert x.argmax().item() == 1
    assert x.argmin().item() == 5
    np.testing.assert_array_equal(x.argmax(1).numpy(), [1, 0])
    np.testing.assert_array_equal(hm.argmin(x, 0, keepdim=True).numpy(), [[1, 1, 1]])
    assert x.argmax(keepdim=True).shape == (1, 1)


# ----------------------------------------------------------------------------- softmax


@st.composite
def softmax_cases(draw, values=smooth_values, dtype=np.float64):
    shape = draw(shapes())
    x = draw(values(shape, dtype))
    dim = draw(st.integers(-len(shape), len(shape) - 1))
    return x, dim, draw(st.sampled_from(FORMS))


@pytest.mark.parametrize("op", ["softmax", "log_softmax"])
@given(case=softmax_cases())
def test_softmax_gradients_match_finite_differences(op, case):
    x, dim, form = case
    fn = lambda t: call(op, form, t, dim)  # noqa: E731
    out = fn(hm.tensor(x)).numpy()
    assert out.shape == x.shape
    total = out.sum(axis=dim) if op == "softmax" else np.exp(out).sum(axis=dim)
    np.testing.assert_allclose(total, 1.0, rtol=1e-12)
    check_gradients(fn, x)


@requires_torch
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("op", ["softmax", "log_softmax"])
@given(data=st.data())
def test_softmax_matches_torch(op, dtype, data):
    x, dim, form = data.draw(softmax_cases(dtype=dtype))
    check_against_torch(lambda t: call(op, form, t, dim), lambda t: getattr(torch, op)(t, dim), x)


BIG = [
    np.array([1e4, -1e4, 0.0]),
    np.array([[1e4, 1e4 - 1, -1e4], [-1e4, -1e4, -1e4 + 2]]),
    np.array([[1e4], [-1e4]]),
    np.array([[[-1e4, -1e4 + 1], [1e4, 1e4]], [[0.0, 1e4], [-1e4, 3.0]]]),
]


@requires_torch
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("op", ["softmax", "log_softmax", "logsumexp"])
@pytest.mark.parametrize("x", BIG, ids=[f"{x.ndim}-d" for x in BIG])
def test_softmax_and_logsumexp_are_stable_for_large_inputs(x, op, dtype):
    x = x.astype(dtype)
    for dim in range(-x.ndim, x.ndim):
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # no overflow warnings from NumPy either
            out = getattr(hm.tensor(x), op)(dim)
        assert np.all(np.isfinite(out.numpy())), (op, dim, out)
        check_against_torch(
            lambda t, d=dim: getattr(t, op)(d), lambda t, d=dim: getattr(t, op)(d), x
        )


@requires_torch
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("op", ["softmax", "log_softmax", "logsumexp"])
@given(data=st.data())
def test_stability_on_drawn_large_inputs(op, dtype, data):
    shape = data.draw(shapes())
    x = data.draw(
        hnp.arrays(dtype, shape, elements=st.sampled_from([-1e4, -1e4 + 1, 0.0, 1e4 - 2, 1e4]))
    )
    dim = data.draw(st.integers(-len(shape), len(shape) - 1))
    out = getattr(hm.tensor(x), op)(dim).numpy()
    assert np.all(np.isfinite(out))
    check_against_torch(lambda t: getattr(t, op)(dim), lambda t: getattr(t, op)(dim), x)


@pytest.mark.parametrize("dtype", DTYPES)
def test_logsumexp_handles_infinities_like_torch(dtype):
    out = hm.tensor(np.array([[-np.inf, -np.inf], [np.inf, 1.0], [-np.inf, 0.0]], dtype=dtype))
    got = out.logsumexp(1).numpy()
    np.testing.assert_array_equal(got, np.array([-np.inf, np.inf, 0.0], dtype=dtype))
    soft = hm.tensor(np.array([-np.inf, 0.0, 0.0], dtype=dtype)).softmax(0).numpy()
    np.testing.assert_array_equal(soft, np.array([0.0, 0.5, 0.5], dtype=dtype))


# ----------------------------------------------------------------------------- 0-d and dims

ZERO_D = [
    ("x.sum()", lambda x: x.sum(), lambda t: t.sum()),
    ("hm.sum(x, 0)", lambda x: hm.sum(x, 0), lambda t: torch.sum(t, 0)),
    ("x.sum(-1, keepdim=True)", lambda x: x.sum(-1, keepdim=True), lambda t: t.sum(-1, True)),
    ("x.sum((0,))", lambda x: x.sum((0,)), lambda t: t.sum((0,))),
    ("x.mean()", lambda x: x.mean(), lambda t: t.mean()),
    ("hm.mean(x, -1, True)", lambda x: hm.mean(x, -1, True), lambda t: torch.mean(t, -1, True)),
    ("x.max()", lambda x: x.max(), lambda t: t.max()),
    ("x.max(0).values", lambda x: x.max(0).values, lambda t: t.max(0).values),
    ("hm.min(x, -1, True).values", lambda x: hm.min(x, -1, True)[0], lambda t: t.min(-1, True)[0]),
    ("x.min()", lambda x: x.min(), lambda t: t.min()),
    ("x.amax()", lambda x: x.amax(), lambda t: t.amax()),
    ("hm.amin(x, 0)", lambda x: hm.amin(x, 0), lambda t: torch.amin(t, 0)),
    ("x.amax((-1,), True)", lambda x: x.amax((-1,), True), lambda t: t.amax((-1,), True)),
    ("x.var(correction=0)", lambda x: x.var(correction=0), lambda t: t.var(correction=0)),
    ("hm.var(x, 0, False)", lambda x: hm.var(x, 0, False), lambda t: torch.var(t, 0, False)),
    ("x.logsumexp(0)", lambda x: x.logsumexp(0), lambda t: t.logsumexp(0)),
    (
        "hm.logsumexp(x, -1, True)",
        lambda x: hm.logsumexp(x, -1, True),
        lambda t: t.logsumexp(-1, True),
    ),
    ("x.softmax(0)", lambda x: x.softmax(0), lambda t: t.softmax(0)),
    ("hm.softmax(x, -1)", lambda x: hm.softmax(x, -1), lambda t: torch.softmax(t, -1)),
    ("x.log_softmax(0)", lambda x: x.log_softmax(0), lambda t: t.log_softmax(0)),
    ("hm.log_softmax(x, -1)", lambda x: hm.log_softmax(x, -1), lambda t: t.log_softmax(-1)),
]


@pytest.mark.parametrize("name, hm_fn, torch_fn", ZERO_D, ids=[c[0] for c in ZERO_D])
def test_zero_d_reductions_gradients_match_finite_differences(name, hm_fn, torch_fn):
    x = np.array(1.75)
    assert hm_fn(hm.tensor(x)).shape == ()
    check_gradients(hm_fn, x)


@requires_torch
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name, hm_fn, torch_fn", ZERO_D, ids=[c[0] for c in ZERO_D])
def test_zero_d_reductions_match_torch(name, hm_fn, torch_fn, dtype):
    check_against_torch(hm_fn, torch_fn, np.array(-0.625, dtype=dtype))


@requires_torch
@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("dim", [None, 0, -1])
@pytest.mark.parametrize("op", ["argmax", "argmin"])
def test_zero_d_argmax_argmin_match_torch(op, dim, keepdim):
    got = getattr(hm.tensor(3.5), op)(dim, keepdim)
    want = getattr(torch.tensor(3.5), op)(dim, keepdim)
    assert got.shape == tuple(want.shape) == ()
    assert got.dtype == np.int64
    assert got.item() == want.item() == 0


@requires_torch
@pytest.mark.parametrize("dtype", DTYPES)
def test_zero_d_max_along_dim_returns_value_and_index_zero(dtype):
    x = np.array(2.5, dtype=dtype)
    values, indices = hm.tensor(x).max(0)
    assert values.shape == indices.shape == ()
    assert indices.dtype == np.int64 and indices.item() == 0
    check_against_torch(lambda t: t.min(-1, True).values, lambda t: t.min(-1, True).values, x)


OUT_OF_RANGE = [
    ("sum", lambda x, d: x.sum(d)),
    ("mean", lambda x, d: hm.mean(x, d)),
    ("max", lambda x, d: x.max(d)),
    ("min", lambda x, d: hm.min(x, d)),
    ("amax", lambda x, d: x.amax((0, d))),
    ("amin", lambda x, d: x.amin(d)),
    ("var", lambda x, d: x.var(d)),
    ("std", lambda x, d: hm.std(x, d)),
    ("logsumexp", lambda x, d: x.logsumexp(d)),
    ("argmax", lambda x, d: x.argmax(d)),
    ("argmin", lambda x, d: hm.argmin(x, d)),
    ("softmax", lambda x, d: x.softmax(d)),
    ("log_softmax", lambda x, d: hm.log_softmax(x, d)),
]


@pytest.mark.parametrize("shape, dim", [((2, 3), 2), ((2, 3), -3), ((4,), 1), ((), 1), ((), -2)])
@pytest.mark.parametrize("name, fn", OUT_OF_RANGE, ids=[c[0] for c in OUT_OF_RANGE])
def test_dim_out_of_range_raises_index_error(name, fn, shape, dim):
    x = hm.tensor(np.ones(shape))
    with pytest.raises(IndexError):
        fn(x, dim)


# ----------------------------------------------------------------------------- call forms

CALLS = [
    ("x.sum(1)", lambda x: x.sum(1), lambda t: t.sum(1)),
    ("hm.sum(x, 1)", lambda x: hm.sum(x, 1), lambda t: torch.sum(t, 1)),
    ("x.sum(-1, True)", lambda x: x.sum(-1, True), lambda t: t.sum(-1, True)),
    ("hm.sum(x, (0, 2))", lambda x: hm.sum(x, (0, 2)), lambda t: torch.sum(t, (0, 2))),
    (
        "x.sum(dim=[0, -1], keepdim=True)",
        lambda x: x.sum(dim=[0, -1], keepdim=True),
        lambda t: t.sum(dim=[0, -1], keepdim=True),
    ),
    (
        "x.sum(dtype=float64)",
        lambda x: x.sum(dtype=hm.float64),
        lambda t: t.sum(dtype=torch.float64),
    ),
    ("x.mean()", lambda x: x.mean(), lambda t: t.mean()),
    ("hm.mean(x, -2)", lambda x: hm.mean(x, -2), lambda t: torch.mean(t, -2)),
    ("x.mean((1, 2), True)", lambda x: x.mean((1, 2), True), lambda t: t.mean((1, 2), True)),
    ("x.max()", lambda x: x.max(), lambda t: t.max()),
    ("hm.max(x)", lambda x: hm.max(x), lambda t: torch.max(t)),
    ("x.max(1)[0]", lambda x: x.max(1)[0], lambda t: t.max(1)[0]),
    (
        "hm.max(x, -1, True).values",
        lambda x: hm.max(x, -1, True).values,
        lambda t: torch.max(t, -1, True).values,
    ),
    ("x.max(dim=0).indices", lambda x: x.max(dim=0).indices, lambda t: t.max(dim=0).indices),
    ("x.min(2).values", lambda x: x.min(2).values, lambda t: t.min(2).values),
    (
        "hm.min(x, 0, keepdim=True)[1]",
        lambda x: hm.min(x, 0, keepdim=True)[1],
        lambda t: torch.min(t, 0, keepdim=True)[1],
    ),
    ("x.max((0, 2))", lambda x: x.max((0, 2)), lambda t: t.amax((0, 2))),
    ("hm.min(x, (1,), True)", lambda x: hm.min(x, (1,), True), lambda t: t.amin((1,), True)),
    ("x.amax((0, 2))", lambda x: x.amax((0, 2)), lambda t: t.amax((0, 2))),
    (
        "hm.amin(x, -1, keepdim=True)",
        lambda x: hm.amin(x, -1, keepdim=True),
        lambda t: torch.amin(t, -1, keepdim=True),
    ),
    ("x.amax()", lambda x: x.amax(), lambda t: t.amax()),
    ("x.var()", lambda x: x.var(), lambda t: t.var()),
    ("x.var(1)", lambda x: x.var(1), lambda t: t.var(1)),
    ("x.var(1, False)", lambda x: x.var(1, False), lambda t: t.var(1, False)),
    (
        "hm.var(x, 1, False, True)",
        lambda x: hm.var(x, 1, False, True),
        lambda t: torch.var(t, 1, False, True),
    ),
    (
        "x.var(1, unbiased=True)",
        lambda x: x.var(1, unbiased=True),
        lambda t: t.var(1, unbiased=True),
    ),
    (
        "x.var((0, 2), correction=0)",
        lambda x: x.var((0, 2), correction=0),
        lambda t: t.var((0, 2), correction=0),
    ),
    ("x.std()", lambda x: x.std(), lambda t: t.std()),
    ("hm.std(x, -1, False)", lambda x: hm.std(x, -1, False), lambda t: torch.std(t, -1, False)),
    (
        "x.std((0, 1), keepdim=True, correction=2)",
        lambda x: x.std((0, 1), keepdim=True, correction=2),
        lambda t: t.std((0, 1), keepdim=True, correction=2),
    ),
    ("x.logsumexp(1)", lambda x: x.logsumexp(1), lambda t: t.logsumexp(1)),
    (
        "hm.logsumexp(x, (0, -1), True)",
        lambda x: hm.logsumexp(x, (0, -1), True),
        lambda t: torch.logsumexp(t, (0, -1), True),
    ),
    ("x.argmax()", lambda x: x.argmax(), lambda t: t.argmax()),
    ("hm.argmax(x, 1)", lambda x: hm.argmax(x, 1), lambda t: torch.argmax(t, 1)),
    ("x.argmin(-1, True)", lambda x: x.argmin(-1, True), lambda t: t.argmin(-1, True)),
    (
        "hm.argmin(x, dim=None, keepdim=True)",
        lambda x: hm.argmin(x, dim=None, keepdim=True),
        lambda t: torch.argmin(t, dim=None, keepdim=True),
    ),
    ("x.softmax(1)", lambda x: x.softmax(1), lambda t: t.softmax(1)),
    ("hm.softmax(x, dim=-1)", lambda x: hm.softmax(x, dim=-1), lambda t: torch.softmax(t, dim=-1)),
    ("x.log_softmax(0)", lambda x: x.log_softmax(0), lambda t: t.log_softmax(0)),
    ("hm.log_softmax(x, 2)", lambda x: hm.log_softmax(x, 2), lambda t: torch.log_softmax(t, 2)),
]


@requires_torch
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name, hm_fn, torch_fn", CALLS, ids=[c[0] for c in CALLS])
def test_call_forms_match_torch(name, hm_fn, torch_fn, dtype):
    x = np.random.default_rng(7).standard_normal((2, 3, 4)).astype(dtype)
    check_against_torch(hm_fn, torch_fn, x)


@requires_torch
@pytest.mark.parametrize(
    "dtype", [np.int64, np.int32, np.int16, np.uint8, np.bool_], ids=lambda d: np.dtype(d).name
)
@pytest.mark.parametrize(
    "name, hm_fn, torch_fn",
    [
        ("sum", lambda x: x.sum(), lambda t: t.sum()),
        ("sum(1)", lambda x: hm.sum(x, 1, keepdim=True), lambda t: t.sum(1, keepdim=True)),
        ("max", lambda x: x.max(), lambda t: t.max()),
        ("max(0).values", lambda x: x.max(0).values, lambda t: t.max(0).values),
        ("amin(1)", lambda x: x.amin(1), lambda t: t.amin(1)),
        ("argmax(1)", lambda x: x.argmax(1), lambda t: t.argmax(1)),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_integer_and_bool_reductions_keep_torch_dtypes(name, hm_fn, torch_fn, dtype):
    if dtype == np.bool_ and "argmax" in name:
        # PyTorch has no argmax for bool; its max(1).indices is the same thing
        x = np.array([[True, False, True], [False, False, True]])
        np.testing.assert_array_equal(hm_fn(hm.tensor(x)).numpy(), [0, 2])
        return
    x = (np.arange(6).reshape(2, 3) % 4).astype(dtype)
    check_against_torch(hm_fn, torch_fn, x)
