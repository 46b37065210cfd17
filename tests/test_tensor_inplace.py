"""Index assignment and in-place operations on tensors in the graph, against PyTorch and finite
differences; version counters catch changes to values saved for backward."""

from __future__ import annotations

import numpy as np
import pytest
from support import check_against_torch, check_gradients, torch

import homeml as hm


def _both(fn):
    """(homeml version, torch version) of ``fn(lib, *inputs)``."""
    return (lambda *xs: fn(hm, *xs)), (lambda *xs: fn(torch, *xs))


def _buffer_assign(lib, x, w):
    buf = lib.zeros(4, 3, dtype=x.dtype)
    buf[1] = x * 5
    buf[2:, 1] = w[:2] * x[0]
    buf[0, :] = w  # broadcast row
    return buf * lib.arange(12, dtype=x.dtype).reshape(4, 3)


def _overwrite_graph_tensor(lib, x, w):
    y = x * w
    y[0] = w[1] * 3  # the overwritten entry gets no gradient from y
    y[[1, 2]] = y[[1, 2]] ** 2
    return y.exp()


def _seq2seq_encoder(lib, h, w):
    # encoder_outputs[ei] = encoder_output[0, 0] in a loop, as in the seq2seq tutorial
    outputs = lib.zeros(3, 3, dtype=h.dtype)
    hidden = h.reshape(1, 1, 3)
    for ei in range(3):
        hidden = (hidden * w).tanh()
        outputs[ei] = hidden[0, 0]
    return outputs @ w


def _accumulate(lib, x, w):
    loss = (x * w).sum()
    for k in range(3):
        loss += (x ** (k + 2) * w).mean()
    loss -= w.sum()
    loss *= 0.5
    loss /= x.sum()
    return loss


def _view_then_in_place(lib, x, w):
    y = x * w
    y[1:] += w[:2]  # Python: t = y[1:]; t += ...; y[1:] = t
    v = y[:2]
    v.mul_(w[:2])
    y.add_(x, alpha=2)
    return y.sin()


def _fill_and_copy(lib, x, w):
    y = x.exp()
    z = y * 1
    z.copy_(w * 2)
    u = y + 0
    u.fill_(1.5)
    y2 = x * w
    y2.zero_()
    return z * u + y2 + y


CASES = [
    _buffer_assign,
    _overwrite_graph_tensor,
    _seq2seq_encoder,
    _accumulate,
    _view_then_in_place,
    _fill_and_copy,
]


@pytest.mark.parametrize("fn", CASES, ids=lambda f: f.__name__)
def test_matches_torch(fn):
    rng = np.random.default_rng(0)
    x, w = rng.uniform(0.5, 1.5, 3), rng.uniform(0.5, 1.5, 3)
    check_against_torch(*_both(fn), x, w)


@pytest.mark.parametrize("fn", CASES, ids=lambda f: f.__name__)
def test_matches_finite_differences(fn):
    rng = np.random.default_rng(1)
    check_gradients(lambda x, w: fn(hm, x, w), rng.uniform(0.5, 1.5, 3), rng.uniform(0.5, 1.5, 3))


def test_index_assignment_into_a_plain_buffer_from_the_issue():
    w = hm.tensor([1.0, 2.0], requires_grad=True)
    buf = hm.zeros(3, 2)
    buf[1] = w * 5
    assert buf.requires_grad and not buf.is_leaf
    buf.sum().backward()
    assert w.grad.tolist() == [5.0, 5.0]


def test_earlier_uses_keep_the_value_they_saw():
    # b used a before it changed: its gradient must not go through the later mul_
    x = hm.tensor([1.0, 2.0], requires_grad=True)
    a = x * 1
    b = a * 2
    a.mul_(10)
    (a.sum() + b.sum()).backward()
    assert x.grad.tolist() == [12.0, 12.0]


@pytest.mark.parametrize("lib_name", ["homeml", "torch"])
def test_changing_a_value_saved_for_backward_raises(lib_name):
    lib = hm if lib_name == "homeml" else torch
    if lib is None:
        pytest.skip("PyTorch is not installed")
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    y = x.exp()  # saves its output
    y += 1
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()
    # an input saved by a product, changed afterwards (even a plain tensor)
    c = lib.tensor([3.0, 4.0])
    z = x * c
    c.mul_(2)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        z.sum().backward()


@pytest.mark.parametrize("lib_name", ["homeml", "torch"])
def test_changing_a_value_not_saved_is_fine(lib_name):
    lib = hm if lib_name == "homeml" else torch
    if lib is None:
        pytest.skip("PyTorch is not installed")
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2  # saves only the scalar
    y += 1
    z = y / 4  # saves the divisor, not its output
    z += 1
    p = x**2  # a tensor power saves its input, not its output
    p *= 3
    (z.sum() + p.sum()).backward()
    np.testing.assert_allclose(x.grad.tolist(), [0.5 + 6.0, 0.5 + 12.0])


def test_views_share_the_version_of_their_storage():
    x = hm.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x.sigmoid()  # saves its output
    y.detach()[0] = 5.0  # a view of the same memory, outside the graph
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


def test_in_place_under_no_grad_is_recorded_by_no_node():
    w = hm.tensor([1.0, 2.0], requires_grad=True)
    y = w * 3
    with hm.no_grad():
        w.add_(1)  # allowed on a leaf there, as in PyTorch
        y.mul_(2)
    assert w.tolist() == [2.0, 3.0] and w.is_leaf
    assert y.tolist() == [6.0, 12.0]


def test_in_place_errors_are_clear():
    w = hm.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        w[0] = 3.0
    y = w * 1
    with pytest.raises(RuntimeError, match="doesn't match the broadcast shape"):
        y += hm.ones(2, 2)
    i = hm.tensor([1, 2])
    with pytest.raises(RuntimeError, match="floating-point"):
        i += w
    with pytest.raises(RuntimeError, match="view"):
        y.expand(3, 2).mul_(2)


def _named_in_place_methods(lib, x, w):
    y = x * w
    y.clamp_(min=0.6, max=1.2)
    z = x + 0
    z.masked_fill_(x > 1.0, 0.5)
    u = (x - 1).relu_() + (w * 1).exp_() + (x * 1).tanh_() + (w * 1).sigmoid_()
    v = x * 1
    v.pow_(w)
    return y * z + u + v


def test_named_in_place_methods_match_torch():
    rng = np.random.default_rng(2)
    x, w = rng.uniform(0.5, 1.5, 4), rng.uniform(0.5, 1.5, 4)
    check_against_torch(*_both(_named_in_place_methods), x, w)
    check_gradients(lambda x, w: _named_in_place_methods(hm, x, w), x, w)


def test_named_in_place_methods_without_grad_write_into_the_array():
    x = hm.tensor([-1.0, 0.5, 2.0])
    array = x.numpy()
    assert x.clamp_(-0.5, 1.0) is x and array.tolist() == [-0.5, 0.5, 1.0]
    x.relu_().masked_fill_(x > 0.7, 3.0)
    assert array.tolist() == [0.0, 0.5, 3.0]


# keys and value shapes for ``y[key] = value`` on a (4, 3) graph tensor
KEYS = {
    "int": (2, (3,)),
    "negative int": (-1, (1,)),
    "slice with step": (slice(None, None, 2), (2, 3)),
    "column": ((slice(None), 1), (4,)),
    "int pair": ((1, 2), ()),
    "index list": ([0, 3], (2, 3)),
    "index arrays": (([0, 2], [1, 0]), (2,)),
    "bool rows": (np.array([True, False, True, False]), (2, 1)),
    "ellipsis": ((Ellipsis, 0), (4,)),
    "new axis": ((None, 1), (1, 3)),
}


@pytest.mark.parametrize("name", KEYS)
def test_index_assignment_keys_match_torch(name):
    key, value_shape = KEYS[name]

    def fn(lib, base, value):
        y = base * 2
        k = lib.tensor(key) if isinstance(key, np.ndarray) else key
        y[k] = value * 3
        return y.tanh()

    rng = np.random.default_rng(3)
    base, value = rng.standard_normal((4, 3)), rng.standard_normal(value_shape)
    check_against_torch(*_both(fn), base, value)
    check_gradients(lambda b, v: fn(hm, b, v), base, value)


def _in_place_through_views(lib, x, w):
    y = x.reshape(2, 3) * 1
    y.view(3, 2).mul_(w.reshape(3, 2))  # a reshaped view
    y.T.add_(w.reshape(3, 2))  # a transposed view
    y.transpose(0, 1)[1] += w[:2]  # indexing a transposed view
    y.flatten()[::2] *= 2  # a flattened view of a flattened view
    z = x * 1
    z.unsqueeze(0).squeeze(0).sub_(w)  # views of views
    return y.reshape(-1).exp() + z


def test_in_place_through_views_matches_torch():
    if torch is None:
        pytest.skip("PyTorch is not installed")
    rng = np.random.default_rng(4)
    x, w = rng.uniform(0.5, 1.5, 6), rng.uniform(0.5, 1.5, 6)
    check_against_torch(*_both(_in_place_through_views), x, w)
    check_gradients(lambda x, w: _in_place_through_views(hm, x, w), x, w)


def _assign_into_views_of_a_plain_buffer(lib, x, w):
    buf = lib.zeros(3, 3, dtype=x.dtype)
    buf[1][2] = x[0] * 2  # double indexing: the first index makes a view outside the graph
    row = buf[0]
    row += w
    buf[2][:2] = x[1:]
    return buf * lib.arange(9, dtype=x.dtype).reshape(3, 3)


def test_assignment_into_views_of_a_plain_buffer_reaches_the_buffer():
    rng = np.random.default_rng(5)
    x, w = rng.uniform(0.5, 1.5, 3), rng.uniform(0.5, 1.5, 3)
    check_against_torch(*_both(_assign_into_views_of_a_plain_buffer), x, w)
    check_gradients(lambda x, w: _assign_into_views_of_a_plain_buffer(hm, x, w), x, w)
