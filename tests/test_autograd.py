"""The backward pass (homeml/autograd.py): accumulation, graph freeing, seeds, grad mode, depth.

Each behaviour is compared with PyTorch where PyTorch defines it (the same script run with
``lib`` = homeml and ``lib`` = torch), and checked against known values otherwise.
"""

from __future__ import annotations

import math
import sys
import threading

import numpy as np
import pytest
from support import requires_torch, torch

import homeml as hm


def grads(*tensors):
    return [None if t.grad is None else t.grad.tolist() for t in tensors]


# ----------------------------------------------------------------------------- accumulation


def accumulate_then_zero(m):
    x = m.tensor([1.0, -2.0, 3.0], requires_grad=True)
    seen = []
    for _ in range(3):
        (x * x).sum().backward()
        seen.append(x.grad.tolist())
    x.grad.zero_()
    (x * 4).sum().backward()
    seen.append(x.grad.tolist())
    x.grad = None
    (x**3).sum().backward()
    seen.append(x.grad.tolist())
    return seen


def test_gradients_accumulate_across_backward_calls_until_zeroed():
    seen = accumulate_then_zero(hm)
    assert seen == [
        [2.0, -4.0, 6.0],
        [4.0, -8.0, 12.0],
        [6.0, -12.0, 18.0],
        [4.0, 4.0, 4.0],
        [3.0, 12.0, 27.0],
    ]


@requires_torch
def test_accumulation_matches_torch():
    assert accumulate_then_zero(hm) == accumulate_then_zero(torch)


def test_grad_is_a_tensor_of_the_leaf_dtype_and_shape():
    for dtype in (hm.float32, hm.float64):
        x = hm.ones(2, 3, dtype=dtype, requires_grad=True)
        (x * hm.tensor([1.0, 2.0, 3.0], dtype=hm.float64)).sum().backward()
        assert isinstance(x.grad, hm.Tensor)
        assert x.grad.dtype == dtype and x.grad.shape == (2, 3)
        assert not x.grad.requires_grad


def test_accumulating_does_not_alias_gradients_between_leaves():
    """Two leaves fed the same upstream gradient must get separate .grad arrays."""
    a = hm.tensor([1.0, 2.0], requires_grad=True)
    b = hm.tensor([3.0, 4.0], requires_grad=True)
    (a + b).sum().backward()
    a.grad.add_(10)
    assert b.grad.tolist() == [1.0, 1.0]
    (a + b).sum().backward()
    assert a.grad.tolist() == [12.0, 12.0] and b.grad.tolist() == [2.0, 2.0]


# ----------------------------------------------------------------------------- graph freeing


def test_second_backward_without_retain_graph_raises_a_clear_error():
    x = hm.tensor([1.0, 2.0], requires_grad=True)
    y = (x.exp() * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        y.backward()


def test_backward_through_a_freed_shared_subgraph_raises():
    x = hm.tensor([1.0, 2.0], requires_grad=True)
    h = x.sin()
    h.sum().backward()
    with pytest.raises(RuntimeError, match="second time"):
        (h * 2).sum().backward()


def retained_twice(m):
    x = m.tensor([0.5, -1.0], requires_grad=True)
    w = m.tensor(2.0, requires_grad=True)
    y = (x.exp() * w).sum()
    y.backward(retain_graph=True)
    first = grads(x, w)
    y.backward(retain_graph=True)
    second = grads(x, w)
    y.backward()  # the last one may free it
    return first, second, grads(x, w)


def test_retain_graph_allows_a_second_backward_that_accumulates():
    first, second, third = retained_twice(hm)
    e = [math.exp(0.5), math.exp(-1.0)]
    np.testing.assert_allclose(first[0], [2 * v for v in e], rtol=1e-6)
    np.testing.assert_allclose(first[1], sum(e), rtol=1e-6)
    np.testing.assert_allclose(second[0], [4 * v for v in e], rtol=1e-6)
    np.testing.assert_allclose(third[1], 3 * sum(e), rtol=1e-6)


@requires_torch
def test_retain_graph_matches_torch():
    ours, theirs = retained_twice(hm), retained_twice(torch)
    for a, b in zip(ours, theirs):
        for ga, gb in zip(a, b):
            np.testing.assert_allclose(ga, gb, rtol=1e-6)


def test_freed_graph_releases_saved_arrays():
    """After backward the nodes hold no saved arrays (memory is returned)."""
    x = hm.tensor(np.ones(1000), requires_grad=True)
    y = x.exp()
    z = (y * y).sum()
    node = y.grad_fn
    assert node.__dict__  # saved the output
    z.backward()
    assert not node.__dict__


# ----------------------------------------------------------------------------- seeds


def test_backward_on_a_non_scalar_without_gradient_raises_a_clear_error():
    x = hm.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    with pytest.raises(RuntimeError, match=r"scalar.*\(2,\)"):
        y.backward()
    assert x.grad is None
    y.sum().backward()  # the failed call did not free the graph
    assert x.grad.tolist() == [2.0, 2.0]


def test_backward_on_one_element_tensors_of_any_rank_works():
    x = hm.tensor([[3.0]], requires_grad=True)
    (x * x).backward()
    assert x.grad.tolist() == [[6.0]]


@pytest.mark.parametrize(
    "gradient",
    [
        lambda: hm.tensor([[1.0, 0.5, -1.0], [2.0, 0.0, 3.0]]),
        lambda: np.array([[1.0, 0.5, -1.0], [2.0, 0.0, 3.0]]),
        lambda: [[1.0, 0.5, -1.0], [2.0, 0.0, 3.0]],
    ],
    ids=["tensor", "ndarray", "list"],
)
def test_backward_with_an_explicit_gradient(gradient):
    x = hm.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
    (x * x).backward(gradient=gradient())
    g = np.array([[1.0, 0.5, -1.0], [2.0, 0.0, 3.0]])
    np.testing.assert_allclose(x.grad.numpy(), 2 * x.numpy() * g)
    assert x.grad.dtype == np.float32


@requires_torch
def test_explicit_gradient_matches_torch():
    rng = np.random.default_rng(0)
    a, g = rng.standard_normal((3, 4)), rng.standard_normal((4,))
    results = []
    for m in (hm, torch):
        x = m.tensor(a, requires_grad=True)
        y = (x.tanh() * x).sum(0)
        y.backward(m.tensor(g), retain_graph=True)
        y.backward(gradient=m.tensor(g * 2))
        results.append(x.grad.numpy().copy())
    np.testing.assert_allclose(results[0], results[1], rtol=1e-12)


def test_explicit_gradient_of_the_wrong_shape_raises():
    x = hm.tensor([1.0, 2.0, 3.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=r"\(2,\).*\(3,\)"):
        (x * 2).backward(hm.ones(2))


def test_backward_on_a_tensor_without_grad_raises():
    with pytest.raises(RuntimeError, match="does not require grad"):
        hm.tensor([1.0]).sum().backward()


def test_backward_on_a_leaf_gives_the_seed():
    x = hm.tensor([1.0, 2.0], requires_grad=True)
    x.backward(hm.tensor([3.0, 4.0]))
    assert x.grad.tolist() == [3.0, 4.0]


def test_retain_grad_keeps_gradients_of_intermediate_tensors():
    x = hm.tensor([1.0, 2.0], requires_grad=True)
    y = x * 3
    y.retain_grad()
    z = y * 2
    (z * y).sum().backward()
    # z * y = 6 x^2 ... d/dy (2 y^2) = 4 y
    assert y.grad.tolist() == [12.0, 24.0]
    assert z.grad is None
    assert x.grad.tolist() == [36.0, 72.0]


# ----------------------------------------------------------------------------- grad mode


def test_no_grad_builds_no_graph():
    x = hm.tensor([1.0, 2.0], requires_grad=True)
    with hm.no_grad():
        y = x * 2 + x.exp()
        assert not hm.is_grad_enabled()
    assert hm.is_grad_enabled()
    assert not y.requires_grad and y.grad_fn is None
    with pytest.raises(RuntimeError):
        y.sum().backward()
    z = x * 2  # recording is back on
    assert z.requires_grad and z.grad_fn is not None


def test_no_grad_as_a_decorator_and_nested_enable_grad():
    x = hm.tensor([1.0], requires_grad=True)

    @hm.no_grad()
    def f(t):
        return t * 2

    assert not f(x).requires_grad
    with hm.no_grad():
        with hm.enable_grad():
            assert (x * 2).requires_grad
        assert not (x * 2).requires_grad
    with hm.set_grad_enabled(False):
        assert not (x * 2).requires_grad
    assert (x * 2).requires_grad


def test_no_grad_and_enable_grad_work_as_bare_decorators():
    x = hm.tensor([1.0], requires_grad=True)

    @hm.no_grad
    def off(t):
        return t * 2

    @hm.enable_grad
    def on(t):
        return t * 2

    assert off.__name__ == "off"
    assert not off(x).requires_grad
    with hm.no_grad():
        assert on(x).requires_grad
    assert hm.is_grad_enabled()


def test_no_grad_restores_the_mode_after_an_exception():
    with pytest.raises(ZeroDivisionError):
        with hm.no_grad():
            1 / 0  # noqa: B018
    assert hm.is_grad_enabled()


def test_grad_mode_is_per_thread():
    seen = []
    with hm.no_grad():
        worker = threading.Thread(target=lambda: seen.append(hm.is_grad_enabled()))
        worker.start()
        worker.join()
    assert seen == [True]


# ----------------------------------------------------------------------------- graph shapes


def test_a_chain_of_100000_operations_backpropagates():
    """Iterative, not recursive: far deeper than Python's recursion limit."""
    n = 100_000
    assert n > 10 * sys.getrecursionlimit()
    x = hm.tensor(0.5, dtype=hm.float64, requires_grad=True)
    y = x
    for i in range(n // 2):  # two operations per step
        y = y * 1.00001
        y = y.neg() if i % 2 else y + 0.001
    assert y.grad_fn is not None
    y.backward()
    # n/4 negations (an even number) cancel; each of the n/2 products scales by 1.00001
    np.testing.assert_allclose(x.grad.item(), 1.00001 ** (n // 2), rtol=1e-9)


def test_a_deep_graph_can_be_dropped_without_backward():
    """Freeing a 100,000-deep unused graph must not hit the recursion limit either."""
    x = hm.tensor(1.0, requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y * 1.0
    del y
    z = x * 2
    z.backward()
    assert x.grad.item() == 2.0


def diamond(m):
    a = m.tensor([2.0, -1.0], requires_grad=True, dtype=m.float64)
    b = a * a  # a used twice by one op
    c = b + b * a + a  # b used twice, a used again
    d = c.exp().sum() + (b * c).sum() + a.sum()
    d.backward()
    return a.grad.tolist()


def test_diamond_graph_accumulates_every_path():
    got = diamond(hm)
    a = np.array([2.0, -1.0])
    c = a**2 + a**3 + a
    dc = 2 * a + 3 * a**2 + 1
    want = np.exp(c) * dc + (2 * a * c + a**2 * dc) + 1
    np.testing.assert_allclose(got, want, rtol=1e-12)


@requires_torch
def test_diamond_graph_matches_torch():
    np.testing.assert_allclose(diamond(hm), diamond(torch), rtol=1e-12)


def test_wide_fan_out_accumulates():
    x = hm.tensor([1.0, 2.0], requires_grad=True)
    total = hm.zeros(2)
    for k in range(1, 201):
        total = total + x * k
    total.sum().backward()
    assert x.grad.tolist() == [20100.0, 20100.0]


def test_detach_stops_gradients():
    x = hm.tensor([1.0, 2.0], requires_grad=True)
    y = x * x
    z = y.detach() * x + y  # d/dx = x^2 + 2x, not 3x^2
    z.sum().backward()
    assert x.grad.tolist() == [3.0, 8.0]
    d = x.detach()
    assert not d.requires_grad
    assert (d * 2).grad_fn is None


def test_detach_in_place_cuts_a_tensor_from_its_graph():
    x = hm.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    y.detach_()
    assert not y.requires_grad and y.grad_fn is None and y.is_leaf


def test_inputs_that_do_not_require_grad_get_none():
    x = hm.tensor([1.0, 2.0], requires_grad=True)
    c = hm.tensor([3.0, 4.0])
    (x * c).sum().backward()
    assert c.grad is None and x.grad.tolist() == [3.0, 4.0]


def test_a_branch_that_does_not_reach_a_leaf_is_ignored():
    x = hm.tensor([1.0], requires_grad=True)
    unused = x * 5  # never part of the loss
    (x * 2).sum().backward()
    assert x.grad.tolist() == [2.0]
    assert unused.grad is None


def test_requires_grad_cannot_be_turned_off_on_a_graph_tensor():
    y = hm.tensor([1.0], requires_grad=True) * 2
    with pytest.raises(RuntimeError, match="detach"):
        y.requires_grad_(False)
