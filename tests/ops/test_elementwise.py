"""Elementwise operations (homeml/ops/elementwise.py): arithmetic, math functions, activations,
clamp, maximum/minimum and comparisons.

Every differentiable operation is checked three ways: gradients against central finite
differences in float64, and forward values, dtype and gradients against PyTorch in float64 and
float32. Shapes (0-d to 3-d, size-1 dimensions and broadcasting included) and values are drawn by
hypothesis; the call form (method, ``hm.`` function, ``hm.nn.functional``, operator, reflected
operator with a Python scalar) is drawn too. Finite differences use values away from kinks;
PyTorch comparisons also draw values at the kinks (0, clamp bounds, ties), where the gradient is
a convention and must be PyTorch's.

Reductions and softmax live in test_reduce.py; only the ``hm.nn.functional`` spellings of
softmax/log_softmax are checked here.
"""

from __future__ import annotations

import math
import operator
import warnings
from collections.abc import Callable
from typing import NamedTuple

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from support import check_against_torch, check_gradients, requires_torch, torch

import homeml as hm
import homeml.nn.functional as F

DTYPES = [pytest.param(np.float64, id="float64"), pytest.param(np.float32, id="float32")]


def TF():  # noqa: N802  (torch.nn.functional, looked up when torch is there)
    return torch.nn.functional


# ----------------------------------------------------------------------------- strategies

shapes = hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=3)
pair_shapes = hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=3)


def floats(lo, hi, avoid=(), gap=1e-3):
    """Floats in [lo, hi] at least ``gap`` away from every point in ``avoid`` (kinks)."""
    base = st.floats(lo, hi, allow_nan=False, allow_subnormal=False)
    return base.filter(lambda v: all(abs(v - k) > gap for k in avoid))


def with_kinks(elements, kinks):
    """``elements`` and, often, the kink points themselves (for the PyTorch comparison)."""
    return st.one_of(elements, st.sampled_from(kinks)) if kinks else elements


class Domain(NamedTuple):
    lo: float
    hi: float
    kinks: tuple = ()

    def smooth(self):
        return floats(self.lo, self.hi, self.kinks)

    def any(self):
        return with_kinks(self.smooth(), [k for k in self.kinks if self.lo <= k <= self.hi])


REAL = Domain(-3, 3)
POSITIVE = Domain(0.1, 4)
KINK_AT_0 = Domain(-3, 3, (0.0,))
CLAMP = Domain(-3, 3, (-0.5, 1.0))


def array(draw, shape, elements, dtype):
    return draw(hnp.arrays(np.float64, shape, elements=elements)).astype(dtype)


# ----------------------------------------------------------------------------- checking


def check(fn, torch_fn, *arrays_f64):
    """Finite differences, then PyTorch in float64 and float32 (the inputs rounded to float32)."""
    check_gradients(fn, *arrays_f64)
    if torch is None:
        return
    for dtype in (np.float64, np.float32):
        check_against_torch(fn, torch_fn, *[a.astype(dtype) for a in arrays_f64])


# ----------------------------------------------------------------------------- unary ops


class Unary(NamedTuple):
    forms: dict  # form name -> homeml function of one tensor
    torch_fn: Callable  # torch function of one tensor
    domain: Domain


def unary(
    method, *, function=None, functional=None, options=None, torch_functional=False, domain=REAL
):
    """The forms ``x.method(**options)``, ``hm.function(x, **options)`` and
    ``hm.nn.functional.functional(x, **options)``; PyTorch's ``torch[.nn.functional].name``."""
    options = options or {}
    forms = {"method": lambda x: getattr(x, method)(**options)}
    if function:
        forms["function"] = lambda x: getattr(hm, function)(x, **options)
    if functional:
        forms["functional"] = lambda x: getattr(F, functional)(x, **options)

    def torch_fn(t):
        lib = TF() if torch_functional else torch
        return getattr(lib, method)(t, **options)

    return Unary(forms, torch_fn, domain)


UNARY = {
    "neg": Unary(
        {"operator": lambda x: -x, "method": lambda x: x.neg(), "function": lambda x: hm.neg(x)},
        lambda t: -t,
        REAL,
    ),
    "exp": unary("exp", function="exp"),
    "log": unary("log", function="log", domain=POSITIVE),
    "sqrt": unary("sqrt", function="sqrt", domain=POSITIVE),
    "abs": Unary(
        {"operator": abs, "method": lambda x: x.abs(), "function": lambda x: hm.abs(x)},
        torch.abs if torch else None,
        KINK_AT_0,
    ),
    "sin": unary("sin", function="sin"),
    "cos": unary("cos", function="cos"),
    "tanh": unary("tanh", function="tanh", functional="tanh"),
    "sigmoid": unary("sigmoid", function="sigmoid", functional="sigmoid"),
    "relu": unary("relu", function="relu", functional="relu", domain=KINK_AT_0),
    "leaky_relu": unary(
        "leaky_relu",
        function="leaky_relu",
        functional="leaky_relu",
        torch_functional=True,
        domain=KINK_AT_0,
    ),
    "leaky_relu(0.2)": unary(
        "leaky_relu",
        function="leaky_relu",
        functional="leaky_relu",
        torch_functional=True,
        options={"negative_slope": 0.2},
        domain=KINK_AT_0,
    ),
    "gelu": unary("gelu", function="gelu", functional="gelu", torch_functional=True),
    "gelu(none)": unary(
        "gelu",
        function="gelu",
        functional="gelu",
        torch_functional=True,
        options={"approximate": "none"},
        domain=Domain(-6, 6),
    ),
    # Against torch in float64, cast back: torch's float32 backward of the tanh form loses
    # ~1e-6 to cancellation in the left tail (x = -5.06: torch 0.0, float64 -1.03e-6), where
    # homeml's sigmoid form stays within 4e-8 of float64.
    "gelu(tanh)": Unary(
        unary("gelu", function="gelu", functional="gelu", options={"approximate": "tanh"}).forms,
        lambda t: TF().gelu(t.double(), approximate="tanh").to(t.dtype),
        Domain(-6, 6),
    ),
    "softplus": unary(
        "softplus", function="softplus", functional="softplus", torch_functional=True
    ),
    # beta * x crosses the threshold (2.0 * 1.5 = 3) inside the domain: both branches are drawn
    "softplus(beta, threshold)": unary(
        "softplus",
        function="softplus",
        functional="softplus",
        torch_functional=True,
        options={"beta": 2.0, "threshold": 3.0},
        domain=Domain(-3, 3, (1.5,)),
    ),
    "softplus(beta<1)": unary(
        "softplus",
        function="softplus",
        functional="softplus",
        torch_functional=True,
        options={"beta": 0.5},
        domain=Domain(-30, 60, (40.0,)),
    ),
    "clamp(min)": unary("clamp", function="clamp", options={"min": -0.5}, domain=CLAMP),
    "clamp(max)": unary("clamp", function="clamp", options={"max": 1.0}, domain=CLAMP),
    "clamp(min, max)": unary(
        "clamp", function="clamp", options={"min": -0.5, "max": 1.0}, domain=CLAMP
    ),
    "clip(min, max)": unary(
        "clip", function="clip", options={"min": -0.5, "max": 1.0}, domain=CLAMP
    ),
    "clamp(int bounds)": unary(
        "clamp", function="clamp", options={"min": -1, "max": 2}, domain=Domain(-3, 3, (-1, 2))
    ),
    "square": unary("square", domain=REAL),
}


@pytest.mark.parametrize("name", list(UNARY))
@given(data=st.data())
def test_unary_gradients_match_finite_differences_and_torch(name, data):
    case = UNARY[name]
    form = data.draw(st.sampled_from(sorted(case.forms)), label="form")
    shape = data.draw(shapes, label="shape")
    smooth = array(data.draw, shape, case.domain.smooth(), np.float64)
    anywhere = array(data.draw, shape, case.domain.any(), np.float64)
    fn = case.forms[form]
    out = fn(hm.tensor(smooth))
    assert out.shape == smooth.shape
    check_gradients(fn, smooth)
    if torch is not None:
        for x in (smooth, anywhere):
            for dtype in (np.float64, np.float32):
                check_against_torch(fn, case.torch_fn, x.astype(dtype))


@requires_torch
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", list(UNARY))
def test_unary_every_form_matches_torch_at_fixed_points(name, dtype):
    """Every call form on values including the kinks and the extremes of the domain."""
    case = UNARY[name]
    points = sorted({case.domain.lo, case.domain.hi, 0.0, *case.domain.kinks, 0.3, -0.7})
    x = np.array([p for p in points if case.domain.lo <= p <= case.domain.hi])
    for form, fn in case.forms.items():
        for arr in (x, x.reshape(-1, 1), np.array(x[len(x) // 2])):
            check_against_torch(fn, case.torch_fn, arr.astype(dtype))
        assert fn(hm.tensor(x.astype(dtype))).dtype == dtype, form


@requires_torch
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(
    "name, fn, torch_fn, x",
    [
        ("exp-large", hm.exp, lambda t: torch.exp(t), [-100.0, 0.0, 80.0]),
        ("sigmoid-saturated", hm.sigmoid, lambda t: torch.sigmoid(t), [-800.0, -40.0, 40.0, 800.0]),
        ("tanh-saturated", hm.tanh, lambda t: torch.tanh(t), [-400.0, -20.0, 20.0, 400.0]),
        ("softplus-large", F.softplus, lambda t: TF().softplus(t), [-800.0, -30.0, 30.0, 800.0]),
        (
            "softplus-threshold-inf",
            lambda x: F.softplus(x, threshold=math.inf),
            lambda t: TF().softplus(t, threshold=math.inf),
            [-800.0, -30.0, 30.0, 80.0],
        ),
        ("gelu-tails", F.gelu, lambda t: TF().gelu(t), [-40.0, -10.0, 10.0, 40.0]),
        (
            "gelu-tanh-tails",
            lambda x: F.gelu(x, approximate="tanh"),
            lambda t: TF().gelu(t, approximate="tanh"),
            [-40.0, -10.0, 10.0, 40.0],
        ),
        ("log-zero", hm.log, lambda t: torch.log(t), [0.0, 1e-30, 1.0]),
        ("sqrt-zero", hm.sqrt, lambda t: torch.sqrt(t), [0.0, 1e-30, 4.0]),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_extreme_inputs_match_torch(name, fn, torch_fn, x, dtype):
    """Saturated activations stay finite with finite gradients; log/sqrt at 0 give inf as in
    PyTorch; no overflow warnings escape."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # log(0), 1 / sqrt(0)
        check_against_torch(fn, torch_fn, np.array(x, dtype=dtype))
    if name not in ("log-zero", "sqrt-zero", "exp-large"):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            t = hm.tensor(np.array(x, dtype=dtype), requires_grad=True)
            fn(t).sum().backward()
        assert np.all(np.isfinite(t.grad.numpy()))


@requires_torch
@pytest.mark.parametrize(
    "name, call",
    [
        ("relu", lambda lib, x: lib.relu(x, inplace=True)),
        ("leaky_relu", lambda lib, x: lib.leaky_relu(x, 0.2, inplace=True)),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_functional_inplace_option(name, call):
    """``F.relu(x, inplace=True)`` overwrites and returns ``x`` as in PyTorch; on a tensor that
    records a gradient homeml returns a new tensor (same values and gradients)."""
    values = np.array([[-1.5, 0.0, 2.0], [0.25, -0.5, 3.0]], dtype=np.float32)
    x, t = hm.tensor(values), torch.tensor(values)
    assert call(F, x) is x
    assert call(TF(), t) is t
    np.testing.assert_array_equal(x.numpy(), t.numpy())
    with hm.no_grad():
        w = hm.tensor(values, requires_grad=True)
        assert call(F, w) is w
    check_against_torch(lambda a: call(F, a * 1), lambda a: call(TF(), a * 1), values)


def test_gelu_rejects_unknown_approximation():
    with pytest.raises(ValueError, match="approximate"):
        hm.gelu(hm.tensor([1.0]), approximate="fast")


def test_clamp_needs_a_bound():
    with pytest.raises(ValueError, match="min"):
        hm.tensor([1.0]).clamp()


@requires_torch
@pytest.mark.parametrize("dtype", DTYPES)
def test_clamp_with_min_above_max_gives_max_like_torch(dtype):
    x = np.array([-2.0, 0.0, 0.5, 1.0, 3.0], dtype=dtype)
    check_against_torch(lambda t: t.clamp(1.0, 0.0), lambda t: t.clamp(1.0, 0.0), x)


CLAMP_BOUNDS = {
    "min": lambda x, lo, hi: x.clamp(min=lo),
    "max": lambda x, lo, hi: x.clamp(max=hi),
    "both": lambda x, lo, hi: x.clamp(lo, hi),
}


@pytest.mark.parametrize("bounds", list(CLAMP_BOUNDS))
@given(data=st.data())
def test_clamp_with_tensor_bounds_matches_finite_differences_and_torch(bounds, data):
    """Tensor bounds broadcast with the input and get gradients where they are the result."""
    shapes_ = data.draw(
        hnp.mutually_broadcastable_shapes(num_shapes=3, min_dims=0, max_dims=3, max_side=3)
    )
    x_shape, lo_shape, hi_shape = shapes_.input_shapes
    fn = CLAMP_BOUNDS[bounds]
    form = data.draw(st.sampled_from(["method", "function"]))
    if form == "function":
        fn = {
            "min": lambda x, lo, hi: hm.clamp(x, min=lo),
            "max": lambda x, lo, hi: hm.clamp(x, max=hi),
            "both": lambda x, lo, hi: hm.clamp(x, lo, hi),
        }[bounds]
    sizes = [math.prod(s) for s in (x_shape, lo_shape, hi_shape)]
    # distinct values (no ties) for finite differences; lo below hi or not, both happen
    values = data.draw(
        st.lists(st.integers(-40, 40), min_size=sum(sizes), max_size=sum(sizes), unique=True)
    )
    values = np.array(values, dtype=np.float64) / 10
    x, lo, hi = np.split(values, np.cumsum(sizes)[:-1])
    x, lo, hi = x.reshape(x_shape), lo.reshape(lo_shape), hi.reshape(hi_shape)
    check_gradients(fn, x, lo, hi)
    if torch is None:
        return
    ties = st.sampled_from([-1.0, 0.0, 1.0])
    tied = [data.draw(hnp.arrays(np.float64, s, elements=ties)) for s in shapes_.input_shapes]

    def torch_fn(t, t_lo, t_hi):
        options = {"min": {"min": t_lo}, "max": {"max": t_hi}, "both": {"min": t_lo, "max": t_hi}}
        return torch.clamp(t, **options[bounds])

    for arrays in ([x, lo, hi], tied):
        # PyTorch's clamp backward fails when the bounds broadcast the input itself (it writes
        # a broadcast mask in place): compare with an input of the full shape there
        arrays[0] = np.array(np.broadcast_to(arrays[0], shapes_.result_shape))
        for dtype in (np.float64, np.float32):
            check_against_torch(fn, torch_fn, *[a.astype(dtype) for a in arrays])


@requires_torch
@pytest.mark.parametrize("dtype", DTYPES)
def test_clamp_with_tensor_bounds_at_nan_and_crossed_bounds_matches_torch(dtype):
    x = np.array([np.nan, 1.0, 2.0, 0.5, 3.0, 1.0], dtype=dtype)
    lo = np.array([0.0, np.nan, 1.0, 1.0, 1.0, 1.0], dtype=dtype)
    hi = np.array([2.0, 2.0, np.nan, 0.0, 0.5, 1.0], dtype=dtype)
    check_against_torch(
        lambda t, a, b: t.clamp(a, b), lambda t, a, b: torch.clamp(t, a, b), x, lo, hi
    )


# ----------------------------------------------------------------------------- binary ops


class Binary(NamedTuple):
    forms: dict
    torch_fn: Callable
    left: Domain
    right: Domain


def binary(op, method, function, left=REAL, right=REAL):
    forms = {
        "operator": op,
        "method": lambda a, b: getattr(a, method)(b),
        "function": lambda a, b: getattr(hm, function)(a, b),
    }
    return Binary(forms, op, left, right)


NONZERO = Domain(-3, 3, (0.0,))

BINARY = {
    "add": binary(operator.add, "add", "add"),
    "sub": binary(operator.sub, "sub", "sub"),
    "mul": binary(operator.mul, "mul", "mul"),
    "div": binary(operator.truediv, "div", "div", right=Domain(0.25, 3)),
    "div-negative": binary(operator.truediv, "div", "div", right=Domain(-3, -0.25)),
    "pow": binary(operator.pow, "pow", "pow", left=POSITIVE, right=Domain(-2, 2)),
    "maximum": Binary(
        {"method": lambda a, b: a.maximum(b), "function": lambda a, b: hm.maximum(a, b)},
        lambda a, b: torch.maximum(a, b),
        REAL,
        REAL,
    ),
    "minimum": Binary(
        {"method": lambda a, b: a.minimum(b), "function": lambda a, b: hm.minimum(a, b)},
        lambda a, b: torch.minimum(a, b),
        REAL,
        REAL,
    ),
}


@st.composite
def distinct_pair(draw, a_shape, b_shape):
    """Two arrays whose values are all at least 0.1 apart (no ties: maximum/minimum)."""
    n, m = math.prod(a_shape), math.prod(b_shape)
    values = draw(st.lists(st.integers(-30, 30), min_size=n + m, max_size=n + m, unique=True))
    values = np.array(values, dtype=np.float64) / 10
    return values[:n].reshape(a_shape), values[n:].reshape(b_shape)


@st.composite
def tied_pair(draw, a_shape, b_shape):
    a = draw(hnp.arrays(np.float64, a_shape, elements=st.sampled_from([-1.0, 0.0, 1.0])))
    b = draw(hnp.arrays(np.float64, b_shape, elements=st.sampled_from([-1.0, 0.0, 1.0])))
    return a, b


@pytest.mark.parametrize("name", list(BINARY))
@given(data=st.data(), shapes_=pair_shapes)
def test_binary_with_broadcasting_matches_finite_differences_and_torch(name, data, shapes_):
    case = BINARY[name]
    a_shape, b_shape = shapes_.input_shapes
    form = data.draw(st.sampled_from(sorted(case.forms)), label="form")
    if name in ("maximum", "minimum"):
        a, b = data.draw(distinct_pair(a_shape, b_shape))
    else:
        a = array(data.draw, a_shape, case.left.smooth(), np.float64)
        b = array(data.draw, b_shape, case.right.smooth(), np.float64)
    fn = case.forms[form]
    assert fn(hm.tensor(a), hm.tensor(b)).shape == shapes_.result_shape
    check(fn, case.torch_fn, a, b)


@requires_torch
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("op", ["maximum", "minimum"])
@given(data=st.data(), shapes_=pair_shapes)
def test_maximum_minimum_ties_share_the_gradient_like_torch(op, dtype, data, shapes_):
    a, b = data.draw(tied_pair(*shapes_.input_shapes))
    form = data.draw(st.sampled_from(sorted(BINARY[op].forms)))
    check_against_torch(
        BINARY[op].forms[form], BINARY[op].torch_fn, a.astype(dtype), b.astype(dtype)
    )


@requires_torch
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("op", ["maximum", "minimum"])
def test_maximum_minimum_propagate_nan_like_torch(op, dtype):
    """A nan wins, and PyTorch gives both inputs the whole gradient there."""
    a = np.array([np.nan, 1.0, np.nan, 2.0], dtype=dtype)
    b = np.array([0.0, np.nan, np.nan, 2.0], dtype=dtype)
    check_against_torch(BINARY[op].forms["function"], BINARY[op].torch_fn, a, b)


@requires_torch
@pytest.mark.parametrize("dtype", DTYPES)
@given(data=st.data(), shapes_=pair_shapes)
def test_pow_of_tensors_at_zero_and_negative_bases_matches_torch(dtype, data, shapes_):
    """0 ** b, a ** 0, negative bases with integer exponents: PyTorch's values and its
    conventions for the gradients (0 where the exponent is 0, or the base is 0 for d/db)."""
    a_shape, b_shape = shapes_.input_shapes
    a = data.draw(hnp.arrays(np.float64, a_shape, elements=st.sampled_from([0.0, -2.0, 1.5, -1.0])))
    b = data.draw(hnp.arrays(np.float64, b_shape, elements=st.sampled_from([0.0, 1.0, 2.0, 3.0])))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # log of negative bases (times 0)
        check_against_torch(operator.pow, operator.pow, a.astype(dtype), b.astype(dtype))


# ----------------------------------------------------------------------------- Python scalars

SCALAR_OPS = [
    # name, function of (tensor, scalar), domain of the tensor
    ("x + s", lambda x, s: x + s, REAL),
    ("s + x", lambda x, s: s + x, REAL),
    ("x - s", lambda x, s: x - s, REAL),
    ("s - x", lambda x, s: s - x, REAL),
    ("x * s", lambda x, s: x * s, REAL),
    ("s * x", lambda x, s: s * x, REAL),
    ("x / s", lambda x, s: x / s, REAL),
    ("s / x", lambda x, s: s / x, Domain(0.25, 3)),
    ("s / -x", lambda x, s: s / (-x), Domain(0.25, 3)),
    ("x ** s", lambda x, s: x**s, POSITIVE),
    ("s ** x", lambda x, s: abs(s) ** x, REAL),
    (
        "hm.add(x, s)",
        lambda x, s: hm.add(x, s) if isinstance(x, hm.Tensor) else torch.add(x, s),
        REAL,
    ),
    ("x.sub(s)", lambda x, s: x.sub(s), REAL),
    ("x.mul(s)", lambda x, s: x.mul(s), REAL),
    (
        "hm.div(x, s)",
        lambda x, s: hm.div(x, s) if isinstance(x, hm.Tensor) else torch.div(x, s),
        REAL,
    ),
    ("x.pow(s)", lambda x, s: x.pow(s), POSITIVE),
    (
        "hm.pow(x, s)",
        lambda x, s: hm.pow(x, s) if isinstance(x, hm.Tensor) else torch.pow(x, s),
        POSITIVE,
    ),
    (
        "hm.maximum(x, s-tensor)",
        lambda x, s: x.maximum(x * 0 + s),
        Domain(-3, 3, (-1.5, 0.5, 2.0, 3.0)),
    ),
]
SCALARS = [2, -1.5, 0.5, 3, 2.0]  # ints and floats; none makes a tie or a zero division


@pytest.mark.parametrize("name, fn, domain", SCALAR_OPS, ids=[c[0] for c in SCALAR_OPS])
@given(data=st.data(), scalar=st.sampled_from(SCALARS))
def test_python_scalars_on_either_side(name, fn, domain, data, scalar):
    """Scalars on the left use the reflected operators; a float32 tensor stays float32."""
    shape = data.draw(shapes)
    x = array(data.draw, shape, domain.smooth(), np.float64)
    check(lambda t: fn(t, scalar), lambda t: fn(t, scalar), x)


@requires_torch
@pytest.mark.parametrize(
    "name, fn",
    [
        ("x ** 0", lambda x: x**0),
        ("x ** 1", lambda x: x**1),
        ("x ** 2", lambda x: x**2),
        ("x ** 3", lambda x: x**3),
        ("x ** -1", lambda x: x**-1),
        ("x ** 0.5", lambda x: x**0.5),
        ("x ** -0.5", lambda x: x**-0.5),
        ("0 ** x", lambda x: 0**x),
        ("0.0 ** x", lambda x: 0.0**x),
        ("1 ** x", lambda x: 1**x),
        ("(-2) ** x", lambda x: (-2.0) ** x),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
@pytest.mark.parametrize("dtype", DTYPES)
def test_pow_with_scalars_at_special_points_matches_torch(name, fn, dtype):
    x = np.array([-2.0, -1.0, 0.0, 0.5, 1.0, 2.0, 3.0], dtype=dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        check_against_torch(fn, fn, x)


@requires_torch
@pytest.mark.parametrize(
    "name, fn",
    [
        ("int + int", lambda x: x + 2),
        ("int * float", lambda x: x * 1.5),
        ("float - int", lambda x: 2.5 - x),
        ("int / int", lambda x: x / 2),
        ("int / int tensor", lambda x: x / (x + 10)),
        ("int // nothing: -x", lambda x: -x),
        ("int ** int", lambda x: x**2),
        ("int ** float", lambda x: x**0.5),
        ("int scalar ** int", lambda x: 2**x),
        ("abs", lambda x: abs(x)),
        ("exp", lambda x: x.exp()),
        ("sqrt", lambda x: x.sqrt()),
        ("sigmoid", lambda x: x.sigmoid()),
        ("relu", lambda x: x.relu()),
        ("clamp int", lambda x: x.clamp(1, 3)),
        ("clamp float", lambda x: x.clamp(0.5, 3.5)),
        ("maximum int", lambda x: x.maximum(x * 0 + 2)),
        ("mixed with float32", lambda x: x + x.float()),
        ("mixed with float64", lambda x: x * x.double()),
        ("float32 * numpy float64 scalar", lambda x: x.float() * np.float64(1.5)),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_integer_tensors_promote_like_torch(name, fn):
    x = np.array([[1, 2, 3], [4, 5, 6]], dtype=np.int64)
    check_against_torch(fn, fn, x)


@requires_torch
@pytest.mark.parametrize(
    "a_dtype, b_dtype, b_shape",
    [
        (np.float32, np.float64, ()),  # a 0-d tensor does not promote a dimensioned one
        (np.float64, np.float32, ()),
        (np.float32, np.float64, (3,)),
        (np.float64, np.float32, (1,)),
        (np.int64, np.float64, ()),  # ... unless it is of a higher kind (int -> float)
        (np.int64, np.float32, ()),
        (np.int32, np.int64, ()),
        (np.int32, np.int64, (3,)),
        (np.float32, np.int64, (3,)),
    ],
    ids=lambda v: np.dtype(v).name if not isinstance(v, tuple) else str(v),
)
@pytest.mark.parametrize("op", ["add", "mul", "div", "maximum"])
def test_tensor_tensor_dtype_promotion_matches_torch(op, a_dtype, b_dtype, b_shape):
    a = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]).astype(a_dtype)
    b = np.full(b_shape, 2.0).astype(b_dtype)

    def fn(s, t):
        return getattr(s, op)(t)

    # float32 arithmetic somewhere: float32's tolerance (support picks it from result_type)
    low = np.float32 in (a_dtype, b_dtype) or np.int64 in (a_dtype, b_dtype)
    check_against_torch(fn, fn, a, b, rtol=1e-5 if low else None)


# ----------------------------------------------------------------------------- comparisons

COMPARISONS = [
    ("==", operator.eq),
    ("!=", operator.ne),
    ("<", operator.lt),
    (">", operator.gt),
    ("<=", operator.le),
    (">=", operator.ge),
    ("eq", lambda a, b: a.eq(b)),
    ("lt", lambda a, b: a.lt(b)),
    ("ge", lambda a, b: a.ge(b)),
]


@requires_torch
@pytest.mark.parametrize("dtype", [*DTYPES, pytest.param(np.int64, id="int64")])
@pytest.mark.parametrize("name, op", COMPARISONS, ids=[c[0] for c in COMPARISONS])
@given(data=st.data(), shapes_=pair_shapes)
def test_comparisons_return_bool_tensors_without_gradient(name, op, dtype, data, shapes_):
    a_shape, b_shape = shapes_.input_shapes
    values = st.sampled_from([-1.0, 0.0, 0.5, 2.0])
    a = data.draw(hnp.arrays(np.float64, a_shape, elements=values)).astype(dtype)
    b = data.draw(hnp.arrays(np.float64, b_shape, elements=values)).astype(dtype)
    scalar = data.draw(st.sampled_from([0, 0.5, 2.0, -1]))
    floating = np.dtype(dtype).kind == "f"
    ha, hb = hm.tensor(a, requires_grad=floating), hm.tensor(b, requires_grad=floating)
    ta, tb = torch.tensor(a), torch.tensor(b)
    pairs = [
        (op(ha, hb), op(ta, tb)),
        (op(ha, scalar), op(ta, scalar)),
        (op(ha * 2, hb), op(ta * 2, tb)),  # a graph tensor compared
    ]
    if name[0] in "=!<>":  # Python reflects the operators: 2 < x is x > 2
        pairs.append((op(scalar, hb), op(scalar, tb)))
    for got, want in pairs:
        assert got.dtype == np.bool_
        assert not got.requires_grad and got.grad_fn is None
        assert got.shape == tuple(want.shape)
        np.testing.assert_array_equal(got.numpy(), want.numpy())


@requires_torch
@pytest.mark.parametrize("dtype", DTYPES)
def test_comparison_masks_select_gradients_like_torch(dtype):
    """A comparison used as a mask (x * (x > 0), where(x < y, ...)) passes no gradient itself."""
    x = np.array([[-1.0, 0.5, 2.0], [0.0, -0.25, 3.0]], dtype=dtype)

    def fn(lib):
        return lambda t: t * (t > 0) + lib.where(t <= 0.5, t * 3, -t)

    check_against_torch(fn(hm), fn(torch), x)


# ----------------------------------------------------------------------------- softmax forms


@requires_torch
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("op", ["softmax", "log_softmax"])
@pytest.mark.parametrize(
    "x",
    [
        np.array([[1e4, -1e4, 0.0], [0.5, 1e4 - 1, 1e4]]),
        np.array([[[0.25, -1.5], [2.0, 1e4]], [[-1e4, 0.0], [3.0, 3.0]]]),
    ],
    ids=["2-d", "3-d"],
)
def test_functional_softmax_forms_are_stable_and_match_torch(x, op, dtype):
    """``hm.nn.functional.softmax(x, dim=...)`` on inputs as large as 1e4, along every dim."""
    x = x.astype(dtype)
    for dim in range(-x.ndim, x.ndim):
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # no overflow warnings
            out = getattr(F, op)(hm.tensor(x), dim=dim)
        assert np.all(np.isfinite(out.numpy()))
        check_against_torch(
            lambda t, d=dim: getattr(F, op)(t, dim=d),
            lambda t, d=dim: getattr(TF(), op)(t, dim=d),
            x,
        )


@given(data=st.data())
def test_functional_softmax_gradients_match_finite_differences(data):
    shape = data.draw(hnp.array_shapes(min_dims=1, max_dims=3, max_side=3))
    x = array(data.draw, shape, REAL.smooth(), np.float64)
    dim = data.draw(st.integers(-len(shape), len(shape) - 1))
    op = data.draw(st.sampled_from(["softmax", "log_softmax"]))
    check_gradients(lambda t: getattr(F, op)(t, dim=dim), x)
