"""Convolution and pooling ops: finite differences in float64, and PyTorch on random configs."""

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from support import check_against_torch, check_gradients, requires_torch, torch

import homeml as hm
import homeml.nn.functional as F
from homeml.ops import conv as C


def randn(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


def distinct(*shape, seed=0):
    """Values that differ by far more than the finite-difference step (no ties in max pool)."""
    rng = np.random.default_rng(seed)
    return rng.permutation(np.prod(shape)).reshape(shape) * 0.1 + rng.uniform(-0.01, 0.01, shape)


# ----------------------------------------------------------------------------- finite differences


@pytest.mark.parametrize(
    "options, weight_shape",
    [
        (dict(), (3, 2, 3, 3)),
        (dict(stride=2, padding=1), (2, 2, 3, 3)),
        (dict(stride=(1, 2), padding=(2, 0), dilation=(2, 1)), (2, 2, 2, 3)),
        (dict(groups=2, padding=1), (4, 1, 3, 3)),
        (dict(padding="same", dilation=2), (2, 2, 3, 3)),
    ],
    ids=["plain", "stride_padding", "asymmetric_dilation", "groups", "same"],
)
def test_conv2d_gradients_finite_differences(options, weight_shape):
    x = randn(2, 2, 5, 6)
    weight = randn(*weight_shape, seed=1) * 0.5
    bias = randn(weight_shape[0], seed=2)
    check_gradients(lambda x, w, b: F.conv2d(x, w, b, **options), x, weight, bias)
    check_gradients(lambda x, w: F.conv2d(x, w, None, **options), x, weight)


@pytest.mark.parametrize(
    "options, weight_shape",
    [
        (dict(), (2, 3, 3, 3)),
        (dict(stride=2, padding=1, output_padding=1), (2, 2, 3, 3)),
        (dict(stride=(2, 3), output_padding=(1, 2), dilation=(1, 2)), (2, 1, 2, 2)),
        (dict(groups=2, stride=2), (2, 2, 3, 3)),
    ],
    ids=["plain", "stride_padding_output", "asymmetric_dilation", "groups"],
)
def test_conv_transpose2d_gradients_finite_differences(options, weight_shape):
    x = randn(2, 2, 3, 4)
    weight = randn(*weight_shape, seed=1) * 0.5
    groups = options.get("groups", 1)
    bias = randn(weight_shape[1] * groups, seed=2)
    check_gradients(lambda x, w, b: F.conv_transpose2d(x, w, b, **options), x, weight, bias)


@pytest.mark.parametrize(
    "options",
    [
        dict(kernel_size=2),
        dict(kernel_size=3, stride=2, padding=1),
        dict(kernel_size=2, stride=1, dilation=2),
        dict(kernel_size=(3, 2), stride=(1, 2), padding=(1, 0)),
    ],
    ids=["k2", "k3_s2_p1", "dilation", "asymmetric"],
)
def test_max_pool2d_gradients_finite_differences(options):
    check_gradients(lambda x: F.max_pool2d(x, **options), distinct(2, 2, 5, 6))


@pytest.mark.parametrize("count_include_pad", [True, False])
@pytest.mark.parametrize(
    "options",
    [
        dict(kernel_size=2),
        dict(kernel_size=3, stride=2, padding=1),
        dict(kernel_size=(3, 2), stride=1, padding=(1, 1)),
    ],
    ids=["k2", "k3_s2_p1", "overlap"],
)
def test_avg_pool2d_gradients_finite_differences(options, count_include_pad):
    def fn(x):
        return F.avg_pool2d(x, count_include_pad=count_include_pad, **options)

    check_gradients(fn, randn(2, 2, 5, 6))


@pytest.mark.parametrize("output_size", [3, 1, (2, 4)])
def test_adaptive_avg_pool2d_gradients_finite_differences(output_size):
    check_gradients(lambda x: F.adaptive_avg_pool2d(x, output_size), randn(2, 2, 7, 5))


# ----------------------------------------------------------------------------- vs PyTorch


@st.composite
def conv_configs(draw):
    groups = draw(st.integers(1, 3))
    config = dict(
        n=draw(st.integers(1, 2)),
        groups=groups,
        in_channels=groups * draw(st.integers(1, 2)),
        out_channels=groups * draw(st.integers(1, 2)),
        kernel=(draw(st.integers(1, 3)), draw(st.integers(1, 3))),
        stride=(draw(st.integers(1, 3)), draw(st.integers(1, 3))),
        padding=(draw(st.integers(0, 2)), draw(st.integers(0, 2))),
        dilation=(draw(st.integers(1, 2)), draw(st.integers(1, 2))),
        size=(draw(st.integers(1, 7)), draw(st.integers(1, 7))),
        bias=draw(st.booleans()),
        seed=draw(st.integers(0, 2**16)),
    )
    return config


@requires_torch
@given(conv_configs())
def test_conv2d_matches_torch_on_random_configs(cfg):
    for size, k, s, p, d in zip(
        cfg["size"], cfg["kernel"], cfg["stride"], cfg["padding"], cfg["dilation"]
    ):
        assume(C.output_size(size, k, s, p, d) >= 1)
    rng = np.random.default_rng(cfg["seed"])
    x = rng.standard_normal((cfg["n"], cfg["in_channels"]) + cfg["size"])
    w = rng.standard_normal(
        (cfg["out_channels"], cfg["in_channels"] // cfg["groups"]) + cfg["kernel"]
    )
    options = dict(
        stride=cfg["stride"], padding=cfg["padding"], dilation=cfg["dilation"], groups=cfg["groups"]
    )
    if cfg["bias"]:
        b = rng.standard_normal(cfg["out_channels"])
        check_against_torch(
            lambda x, w, b: F.conv2d(x, w, b, **options),
            lambda x, w, b: torch.nn.functional.conv2d(x, w, b, **options),
            x,
            w,
            b,
        )
    else:
        check_against_torch(
            lambda x, w: F.conv2d(x, w, **options),
            lambda x, w: torch.nn.functional.conv2d(x, w, **options),
            x,
            w,
        )


@requires_torch
@given(conv_configs(), st.data())
def test_conv_transpose2d_matches_torch_on_random_configs(cfg, data):
    output_padding = tuple(
        data.draw(st.integers(0, max(s, d) - 1)) for s, d in zip(cfg["stride"], cfg["dilation"])
    )
    for size, k, s, p, d, op in zip(
        cfg["size"], cfg["kernel"], cfg["stride"], cfg["padding"], cfg["dilation"], output_padding
    ):
        assume((size - 1) * s - 2 * p + d * (k - 1) + op + 1 >= 1)
    rng = np.random.default_rng(cfg["seed"])
    x = rng.standard_normal((cfg["n"], cfg["in_channels"]) + cfg["size"])
    w = rng.standard_normal(
        (cfg["in_channels"], cfg["out_channels"] // cfg["groups"]) + cfg["kernel"]
    )
    b = rng.standard_normal(cfg["out_channels"])
    options = dict(
        stride=cfg["stride"],
        padding=cfg["padding"],
        dilation=cfg["dilation"],
        groups=cfg["groups"],
        output_padding=output_padding,
    )
    check_against_torch(
        lambda x, w, b: F.conv_transpose2d(x, w, b, **options),
        lambda x, w, b: torch.nn.functional.conv_transpose2d(x, w, b, **options),
        x,
        w,
        b,
    )


@requires_torch
@given(
    kernel=st.tuples(st.integers(1, 3), st.integers(1, 3)),
    stride=st.tuples(st.integers(1, 3), st.integers(1, 3)),
    pad=st.tuples(st.integers(0, 1), st.integers(0, 1)),
    dilation=st.tuples(st.integers(1, 2), st.integers(1, 2)),
    size=st.tuples(st.integers(2, 7), st.integers(2, 7)),
    seed=st.integers(0, 2**16),
)
def test_max_pool2d_matches_torch_on_random_configs(kernel, stride, pad, dilation, size, seed):
    padding = tuple(min(p, k // 2) for p, k in zip(pad, kernel))  # torch's limit
    for n, k, s, p, d in zip(size, kernel, stride, padding, dilation):
        assume(C.output_size(n, k, s, p, d) >= 1)
    x = np.random.default_rng(seed).standard_normal((2, 2) + size)
    options = dict(kernel_size=kernel, stride=stride, padding=padding, dilation=dilation)
    check_against_torch(
        lambda x: F.max_pool2d(x, **options),
        lambda x: torch.nn.functional.max_pool2d(x, **options),
        x,
    )


@requires_torch
@given(
    kernel=st.tuples(st.integers(1, 3), st.integers(1, 3)),
    stride=st.tuples(st.integers(1, 3), st.integers(1, 3)),
    pad=st.tuples(st.integers(0, 1), st.integers(0, 1)),
    size=st.tuples(st.integers(2, 7), st.integers(2, 7)),
    count_include_pad=st.booleans(),
    seed=st.integers(0, 2**16),
)
def test_avg_pool2d_matches_torch_on_random_configs(
    kernel, stride, pad, size, count_include_pad, seed
):
    padding = tuple(min(p, k // 2) for p, k in zip(pad, kernel))
    for n, k, s, p in zip(size, kernel, stride, padding):
        assume(C.output_size(n, k, s, p, 1) >= 1)
    x = np.random.default_rng(seed).standard_normal((2, 2) + size)
    options = dict(
        kernel_size=kernel, stride=stride, padding=padding, count_include_pad=count_include_pad
    )
    check_against_torch(
        lambda x: F.avg_pool2d(x, **options),
        lambda x: torch.nn.functional.avg_pool2d(x, **options),
        x,
    )


@requires_torch
@given(
    size=st.tuples(st.integers(1, 9), st.integers(1, 9)),
    out=st.tuples(st.integers(1, 9), st.integers(1, 9)),
    seed=st.integers(0, 2**16),
)
def test_adaptive_avg_pool2d_matches_torch_on_random_sizes(size, out, seed):
    x = np.random.default_rng(seed).standard_normal((2, 3) + size)
    check_against_torch(
        lambda x: F.adaptive_avg_pool2d(x, out),
        lambda x: torch.nn.functional.adaptive_avg_pool2d(x, out),
        x,
    )


@requires_torch
def test_chained_conv_pool_conv_matches_torch():
    # conv returns a channel-major view; the next ops must read it correctly
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 3, 9, 9))
    w1, b1 = rng.standard_normal((4, 3, 3, 3)), rng.standard_normal(4)
    w2 = rng.standard_normal((5, 4, 2, 2))
    w3 = rng.standard_normal((4, 2, 3, 3))

    def ours(x, w1, b1, w2, w3):
        h = F.relu(F.conv2d(x, w1, b1, padding=1))
        h = F.max_pool2d(h, 2)
        h = F.conv2d(h, w2, stride=2)
        h = F.avg_pool2d(h, 2, stride=1, padding=1)
        h = F.conv_transpose2d(h[:, :4], w3, stride=2)
        return F.adaptive_avg_pool2d(h, 3) * 2 + h.mean()

    def theirs(x, w1, b1, w2, w3):
        tf = torch.nn.functional
        h = tf.relu(tf.conv2d(x, w1, b1, padding=1))
        h = tf.max_pool2d(h, 2)
        h = tf.conv2d(h, w2, stride=2)
        h = tf.avg_pool2d(h, 2, stride=1, padding=1)
        h = tf.conv_transpose2d(h[:, :4], w3, stride=2)
        return tf.adaptive_avg_pool2d(h, 3) * 2 + h.mean()

    check_against_torch(ours, theirs, x, w1, b1, w2, w3)


@requires_torch
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_conv_keeps_dtype_and_float32_matches_torch(dtype):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 3, 6, 6)).astype(dtype)
    w = rng.standard_normal((4, 3, 3, 3)).astype(dtype)
    check_against_torch(
        lambda x, w: F.conv2d(x, w, padding=1),
        lambda x, w: torch.nn.functional.conv2d(x, w, padding=1),
        x,
        w,
        atol=1e-5 if dtype == np.float32 else None,
    )


# ----------------------------------------------------------------------------- helpers, errors


@requires_torch
@given(
    size=st.integers(1, 12),
    kernel=st.integers(1, 4),
    stride=st.integers(1, 3),
    padding=st.integers(0, 2),
    dilation=st.integers(1, 3),
)
def test_output_size_matches_torch(size, kernel, stride, padding, dilation):
    expected = C.output_size(size, kernel, stride, padding, dilation)
    assume(expected >= 1)
    out = torch.nn.functional.conv2d(
        torch.zeros(1, 1, size, 1),
        torch.zeros(1, 1, kernel, 1),
        stride=(stride, 1),
        padding=(padding, 0),
        dilation=(dilation, 1),
    )
    assert out.shape[2] == expected


def test_windows_is_a_view_of_every_receptive_field():
    x = np.arange(2 * 6 * 7 * 3, dtype=np.float64).reshape(2, 6, 7, 3)  # (C, H, W, N)
    view = C.windows(x, (2, 3), (2, 1), (1, 2))
    assert view.shape == (2, 2, 3, 3, 3, 3)  # (C, kh, kw, OH, OW, N)
    assert np.shares_memory(view, x)
    for i in range(2):
        for j in range(3):
            expected = x[:, i : i + 5 : 2, 2 * j : 2 * j + 3]
            np.testing.assert_array_equal(view[:, i, j], expected)


def test_pair_accepts_ints_and_pairs_only():
    assert C.pair(3) == (3, 3)
    assert C.pair((1, 2)) == (1, 2)
    with pytest.raises(ValueError, match="pair"):
        C.pair((1, 2, 3))


def test_conv_errors_name_the_shapes():
    x = hm.randn(1, 3, 5, 5)
    with pytest.raises(ValueError, match="3 channels"):
        F.conv2d(x, hm.randn(4, 2, 3, 3))
    with pytest.raises(ValueError, match="larger"):
        F.conv2d(x, hm.randn(4, 3, 7, 7))
    with pytest.raises(ValueError, match=r"\(N, C, H, W\)"):
        F.conv2d(hm.randn(3, 5, 5), hm.randn(4, 3, 3, 3))
    with pytest.raises(ValueError, match="padding"):
        F.conv2d(x, hm.randn(4, 3, 3, 3), padding="full")
    with pytest.raises(ValueError, match="channels"):
        F.conv_transpose2d(x, hm.randn(2, 4, 3, 3))
    with pytest.raises(NotImplementedError, match="ceil_mode"):
        F.max_pool2d(x, 2, ceil_mode=True)


def test_conv_transpose_errors_name_the_sizes():
    # torch refuses both (RuntimeError there; a ValueError here, like every bad-shape error)
    x = hm.randn(1, 4, 3, 3)
    with pytest.raises(ValueError, match=r"output_padding \(2, 2\).*stride \(2, 2\)"):
        F.conv_transpose2d(x, hm.randn(4, 2, 3, 3), stride=2, output_padding=2)
    with pytest.raises(ValueError, match=r"\(1, 1\) gives output size \(-1, -1\)"):
        F.conv_transpose2d(hm.randn(1, 4, 1, 1), hm.randn(4, 2, 3, 3), padding=2)
    # output_padding below the dilation is allowed, as in torch
    out = F.conv_transpose2d(x, hm.randn(4, 2, 3, 3), dilation=3, output_padding=2)
    assert out.shape == (1, 2, 3 + 6 + 2, 3 + 6 + 2)


def test_conv_gradient_flows_only_where_needed():
    x = hm.randn(1, 2, 4, 4, requires_grad=True)
    w = hm.randn(3, 2, 3, 3)
    F.conv2d(x, w).sum().backward()
    assert x.grad is not None and x.grad.shape == (1, 2, 4, 4)
    assert w.grad is None
    with hm.no_grad():
        out = F.conv2d(x, w)
    assert not out.requires_grad
