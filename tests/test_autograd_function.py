"""PyTorch's public autograd API: custom Functions, autograd.grad and the grad-mode switches,
each run the same way with homeml and with torch."""

from __future__ import annotations

import numpy as np
import pytest
from support import check_against_torch, check_gradients, requires_torch, torch

import homeml as hm


def _functions(lib):
    """Custom functions written as in the PyTorch tutorials, against ``lib``."""

    class LegendrePolynomial3(lib.autograd.Function):
        @staticmethod
        def forward(ctx, input):
            ctx.save_for_backward(input)
            return 0.5 * (5 * input**3 - 3 * input)

        @staticmethod
        def backward(ctx, grad_output):
            (input,) = ctx.saved_tensors
            return grad_output * 1.5 * (5 * input**2 - 1)

    class ScaledMul(lib.autograd.Function):
        """Two tensor inputs and a non-tensor argument; skips gradients nobody needs."""

        @staticmethod
        def forward(ctx, a, b, scale):
            ctx.save_for_backward(a, b)
            ctx.scale = scale
            return a * b * scale

        @staticmethod
        def backward(ctx, grad):
            a, b = ctx.saved_tensors
            ga = grad * b * ctx.scale if ctx.needs_input_grad[0] else None
            gb = grad * a * ctx.scale if ctx.needs_input_grad[1] else None
            return ga, gb, None

    class SplitSum(lib.autograd.Function):
        """Two outputs."""

        @staticmethod
        def forward(x):
            return x.sum(0), (x * x).sum(0)

        @staticmethod
        def setup_context(ctx, inputs, output):
            ctx.save_for_backward(inputs[0])

        @staticmethod
        def backward(ctx, g1, g2):
            (x,) = ctx.saved_tensors
            return g1.unsqueeze(0) + 2 * x * g2.unsqueeze(0)

    return LegendrePolynomial3, ScaledMul, SplitSum


def _use(lib, x, w):
    legendre, scaled_mul, split_sum = _functions(lib)
    y = legendre.apply(x * w)
    z = scaled_mul.apply(y, w, 3.0)
    s1, s2 = split_sum.apply(z.reshape(3, 1) * w)
    return s1 * 2 + s2


def test_custom_functions_match_torch():
    rng = np.random.default_rng(0)
    check_against_torch(
        lambda x, w: _use(hm, x, w),
        lambda x, w: _use(torch, x, w),
        rng.uniform(-1, 1, 3),
        rng.uniform(-1, 1, 3),
    )


def test_custom_functions_match_finite_differences():
    rng = np.random.default_rng(1)
    check_gradients(lambda x, w: _use(hm, x, w), rng.uniform(-1, 1, 3), rng.uniform(-1, 1, 3))


def test_custom_function_ctx_and_errors():
    legendre, scaled_mul, _ = _functions(hm)
    a = hm.tensor([1.0, 2.0], requires_grad=True)
    b = hm.tensor([3.0, 4.0])
    out = scaled_mul.apply(a, b, 2.0)
    assert out.requires_grad and repr(out.grad_fn) == "<ScaledMulBackward>"
    out.sum().backward()
    assert a.grad.tolist() == [6.0, 8.0]
    with hm.no_grad():
        assert not legendre.apply(a).requires_grad
    assert not legendre.apply(b).requires_grad

    class Wrong(hm.autograd.Function):
        @staticmethod
        def forward(ctx, x, y):
            return x * y

        @staticmethod
        def backward(ctx, grad):
            return grad

    with pytest.raises(RuntimeError, match="incorrect number of gradients"):
        Wrong.apply(a, b).sum().backward()
    # a value saved for backward and changed in place afterwards is refused
    x = a * 1
    y = legendre.apply(x)
    x.mul_(2)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


@requires_torch
def test_grad_matches_torch_and_leaves_dot_grad_alone():
    results = []
    for lib in (hm, torch):
        x = lib.tensor([1.0, 2.0, 3.0], dtype=lib.float64, requires_grad=True)
        w = lib.tensor([0.5, -1.0, 2.0], dtype=lib.float64, requires_grad=True)
        h = x * w
        y = (h.exp() * x).sum()
        z = h * 3
        gx, gh = lib.autograd.grad(y, [x, h], retain_graph=True)
        (gz,) = lib.autograd.grad(z, x, lib.ones(3, dtype=lib.float64), retain_graph=True)
        gy2 = lib.autograd.grad([y, z.sum()], w)[0]
        unused = lib.autograd.grad((x * 2).sum(), [x, w], allow_unused=True)[1]
        assert x.grad is None and w.grad is None
        results.append([gx.tolist(), gh.tolist(), gz.tolist(), gy2.tolist(), unused])
    np.testing.assert_allclose(results[0][:4], results[1][:4], rtol=1e-12)
    assert results[0][4] is None and results[1][4] is None


def test_grad_errors():
    x = hm.tensor([1.0, 2.0], requires_grad=True)
    w = hm.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="not used"):
        hm.autograd.grad((x * 2).sum(), [x, w])
    with pytest.raises(NotImplementedError, match="create_graph"):
        hm.autograd.grad((x * 2).sum(), x, create_graph=True)
    with pytest.raises(RuntimeError, match="does not require grad"):
        hm.autograd.grad((x * 2).sum(), hm.ones(2))
    with pytest.raises(RuntimeError, match="grad_outputs"):
        hm.autograd.grad(x * 2, x)
    zeros = hm.autograd.grad((x * 2).sum(), [x, w], materialize_grads=True)[1]
    assert zeros.tolist() == [0.0, 0.0]


@requires_torch
@pytest.mark.parametrize("lib_name", ["homeml", "torch"])
def test_grad_mode_switches(lib_name):
    lib = hm if lib_name == "homeml" else torch
    x = lib.ones(2, requires_grad=True)
    with lib.inference_mode():
        assert not (x * 2).requires_grad
    with lib.inference_mode(False):
        assert (x * 2).requires_grad

    @lib.inference_mode()
    def infer(t):
        return t * 2

    assert not infer(x).requires_grad
    with lib.no_grad():
        with lib.enable_grad():
            assert (x * 2).requires_grad
        assert not (x * 2).requires_grad
    with lib.set_grad_enabled(False):
        assert not (x * 2).requires_grad
    assert (x * 2).requires_grad
    lib.set_grad_enabled(False)  # as a function: stays off
    try:
        assert not lib.is_grad_enabled() and not (x * 2).requires_grad
    finally:
        lib.set_grad_enabled(True)
    assert lib.is_grad_enabled()


@requires_torch
@pytest.mark.parametrize("lib_name", ["homeml", "torch"])
def test_non_differentiable_outputs_and_decorated_inference(lib_name):
    lib = hm if lib_name == "homeml" else torch

    class DoubleAndOrder(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            order = lib.tensor([1, 0])
            ctx.mark_non_differentiable(order)
            return x * 2, order

        @staticmethod
        def backward(ctx, grad, grad_order):
            return grad * 2

    x = lib.tensor([3.0, 1.0], requires_grad=True)
    doubled, order = DoubleAndOrder.apply(x)
    assert doubled.requires_grad and not order.requires_grad
    doubled.sum().backward()
    assert x.grad.tolist() == [2.0, 2.0]

    @lib.inference_mode
    def infer(t):
        return t * 2

    assert not infer(x).requires_grad and lib.is_grad_enabled()
