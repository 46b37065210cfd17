"""Layers against torch.nn with identical weights, plus finite-difference checks of the norms."""

import numpy as np
import pytest
from support import check_against_torch, check_gradients, requires_torch, torch

import homeml as hm
import homeml.nn.functional as F
from homeml import nn

DTYPES = [np.float64, np.float32]


def tol(dtype):
    return (1e-7, 1e-10) if dtype == np.float64 else (1e-5, 1e-5)


def torch_dtype(dtype):
    return torch.float64 if dtype == np.float64 else torch.float32


def copy_weights(ours, theirs, randomize=False, seed=0):
    """Give ``ours`` the torch layer's parameters and buffers (optionally randomised first)."""
    if randomize:
        gen = torch.Generator().manual_seed(seed)
        with torch.no_grad():
            for p in theirs.parameters():
                p.copy_(torch.rand(p.shape, generator=gen, dtype=p.dtype) + 0.5)
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})


def compare(ours, theirs, x, seed=0, rtol=None, atol=None):
    """Forward values and dtype, input and parameter gradients of two layers on ``x``."""
    default_rtol, default_atol = tol(x.dtype)
    rtol = default_rtol if rtol is None else rtol
    atol = default_atol if atol is None else atol
    hx = hm.tensor(x, requires_grad=True)
    tx = torch.tensor(x, requires_grad=True)
    ho, to = ours(hx), theirs(tx)
    np.testing.assert_allclose(ho.numpy(), to.detach().numpy(), rtol=rtol, atol=atol)
    assert ho.dtype == x.dtype
    assert tuple(ho.shape) == tuple(to.shape)
    weights = np.random.default_rng(seed).standard_normal(ho.shape).astype(x.dtype)
    (ho * hm.tensor(weights)).sum().backward()
    (to * torch.tensor(weights)).sum().backward()
    np.testing.assert_allclose(
        hx.grad.numpy(), tx.grad.numpy(), rtol=rtol, atol=atol, err_msg="input gradient"
    )
    ours_params = dict(ours.named_parameters())
    for name, p in theirs.named_parameters():
        np.testing.assert_allclose(
            ours_params[name].grad.numpy(), p.grad.numpy(), rtol=rtol, atol=atol, err_msg=name
        )
        assert ours_params[name].grad.dtype == x.dtype


def randn(*shape, dtype=np.float64, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


# ----------------------------------------------------------------------------- linear and conv


@requires_torch
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("shape", [(4, 5), (2, 3, 5)])
def test_linear_matches_torch(dtype, bias, shape):
    ours = nn.Linear(5, 3, bias=bias, dtype=dtype)
    theirs = torch.nn.Linear(5, 3, bias=bias, dtype=torch_dtype(dtype))
    copy_weights(ours, theirs)
    compare(ours, theirs, randn(*shape, dtype=dtype))


def test_linear_rejects_wrong_feature_count():
    with pytest.raises(ValueError, match="last dimension 5"):
        nn.Linear(5, 3)(hm.randn(2, 4))


CONV_CASES = {
    "plain": dict(in_channels=3, out_channels=4, kernel_size=3),
    "stride_padding": dict(in_channels=3, out_channels=4, kernel_size=3, stride=2, padding=1),
    "asymmetric": dict(
        in_channels=2, out_channels=3, kernel_size=(2, 3), stride=(2, 1), padding=(1, 2)
    ),
    "dilation": dict(in_channels=2, out_channels=3, kernel_size=3, dilation=2, padding=2),
    "groups": dict(in_channels=4, out_channels=6, kernel_size=3, groups=2, padding=1),
    "depthwise": dict(in_channels=3, out_channels=3, kernel_size=3, groups=3),
    "no_bias": dict(in_channels=3, out_channels=2, kernel_size=1, bias=False),
    "same": dict(in_channels=2, out_channels=3, kernel_size=3, padding="same"),
    "same_dilated": dict(
        in_channels=2, out_channels=3, kernel_size=(3, 5), padding="same", dilation=(2, 1)
    ),
    "valid": dict(in_channels=2, out_channels=3, kernel_size=3, padding="valid"),
}


@requires_torch
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("options", CONV_CASES.values(), ids=CONV_CASES.keys())
def test_conv2d_matches_torch(options, dtype):
    ours = nn.Conv2d(**options, dtype=dtype)
    theirs = torch.nn.Conv2d(**options, dtype=torch_dtype(dtype))
    copy_weights(ours, theirs)
    x = randn(2, options["in_channels"], 7, 8, dtype=dtype)
    compare(ours, theirs, x)


@requires_torch
@pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel:UserWarning")  # torch's
def test_conv2d_same_padding_with_even_kernel_matches_torch():
    # torch pads the extra row/column on the bottom/right when the total padding is odd
    options = dict(in_channels=2, out_channels=3, kernel_size=(2, 4), padding="same")
    ours = nn.Conv2d(**options, dtype=np.float64)
    theirs = torch.nn.Conv2d(**options, dtype=torch.float64)
    copy_weights(ours, theirs)
    compare(ours, theirs, randn(1, 2, 5, 6))


def test_conv2d_rejects_bad_input_clearly():
    conv = nn.Conv2d(3, 4, 3)
    with pytest.raises(ValueError, match=r"\(N, 3, H, W\)"):
        conv(hm.randn(1, 2, 5, 5))
    with pytest.raises(ValueError, match="divisible by groups"):
        nn.Conv2d(3, 4, 3, groups=2)
    with pytest.raises(ValueError, match="stride"):
        nn.Conv2d(3, 4, 3, stride=2, padding="same")(hm.randn(1, 3, 5, 5))
    with pytest.raises(ValueError, match="larger"):
        conv(hm.randn(1, 3, 2, 2))


TRANSPOSE_CASES = {
    "plain": dict(in_channels=3, out_channels=2, kernel_size=3),
    "stride": dict(in_channels=3, out_channels=2, kernel_size=3, stride=2),
    "padding_output_padding": dict(
        in_channels=2, out_channels=3, kernel_size=3, stride=2, padding=1, output_padding=1
    ),
    "asymmetric": dict(
        in_channels=2,
        out_channels=2,
        kernel_size=(2, 3),
        stride=(3, 2),
        padding=(1, 0),
        output_padding=(2, 1),
    ),
    "groups": dict(in_channels=4, out_channels=6, kernel_size=3, stride=2, groups=2),
    "dilation": dict(in_channels=2, out_channels=3, kernel_size=3, dilation=2, padding=1),
    "dilation_output_padding": dict(
        in_channels=2, out_channels=2, kernel_size=2, stride=1, dilation=2, output_padding=1
    ),
    "no_bias": dict(in_channels=3, out_channels=2, kernel_size=2, stride=2, bias=False),
}


@requires_torch
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("options", TRANSPOSE_CASES.values(), ids=TRANSPOSE_CASES.keys())
def test_conv_transpose2d_matches_torch(options, dtype):
    ours = nn.ConvTranspose2d(**options, dtype=dtype)
    theirs = torch.nn.ConvTranspose2d(**options, dtype=torch_dtype(dtype))
    copy_weights(ours, theirs)
    x = randn(2, options["in_channels"], 4, 5, dtype=dtype)
    compare(ours, theirs, x)


# ----------------------------------------------------------------------------- pooling

MAXPOOL_CASES = {
    "k2": dict(kernel_size=2),
    "k3_s2_p1": dict(kernel_size=3, stride=2, padding=1),
    "dilation": dict(kernel_size=3, stride=1, padding=1, dilation=2),
    "asymmetric": dict(kernel_size=(2, 3), stride=(1, 2), padding=(1, 0)),
    "overlap": dict(kernel_size=3, stride=1),
}


@requires_torch
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("options", MAXPOOL_CASES.values(), ids=MAXPOOL_CASES.keys())
def test_max_pool2d_matches_torch(options, dtype):
    compare(nn.MaxPool2d(**options), torch.nn.MaxPool2d(**options), randn(2, 3, 7, 8, dtype=dtype))


@requires_torch
def test_max_pool2d_negative_inputs_with_padding_match_torch():
    # padding must never win the max, even when every real value is negative
    x = -np.abs(randn(1, 2, 5, 5)) - 1
    compare(nn.MaxPool2d(3, 2, 1), torch.nn.MaxPool2d(3, 2, 1), x)


AVGPOOL_CASES = {
    "k2": dict(kernel_size=2),
    "k3_s2_p1_include": dict(kernel_size=3, stride=2, padding=1, count_include_pad=True),
    "k3_s2_p1_exclude": dict(kernel_size=3, stride=2, padding=1, count_include_pad=False),
    "asymmetric_exclude": dict(
        kernel_size=(3, 2), stride=(2, 1), padding=(1, 1), count_include_pad=False
    ),
    "overlap": dict(kernel_size=3, stride=1),
}


@requires_torch
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("options", AVGPOOL_CASES.values(), ids=AVGPOOL_CASES.keys())
def test_avg_pool2d_matches_torch(options, dtype):
    compare(nn.AvgPool2d(**options), torch.nn.AvgPool2d(**options), randn(2, 3, 7, 8, dtype=dtype))


@requires_torch
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(
    "size, output_size",
    [((7, 7), 3), ((7, 7), 1), ((6, 8), (3, 4)), ((5, 7), (2, 3)), ((4, 4), 4), ((5, 6), (7, 2))],
)
def test_adaptive_avg_pool2d_matches_torch(size, output_size, dtype):
    x = randn(2, 3, *size, dtype=dtype)
    compare(nn.AdaptiveAvgPool2d(output_size), torch.nn.AdaptiveAvgPool2d(output_size), x)


# ----------------------------------------------------------------------------- batch norm


@requires_torch
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(
    "layer, shape",
    [("BatchNorm1d", (6, 3)), ("BatchNorm1d", (4, 3, 5)), ("BatchNorm2d", (3, 3, 4, 5))],
)
def test_batch_norm_train_steps_then_eval_match_torch(layer, shape, dtype):
    ours = getattr(nn, layer)(3, momentum=0.2, dtype=dtype)
    theirs = getattr(torch.nn, layer)(3, momentum=0.2, dtype=torch_dtype(dtype))
    copy_weights(ours, theirs, randomize=True)
    for step in range(3):
        x = randn(*shape, dtype=dtype, seed=step) * (step + 1) + step
        ours.zero_grad()
        theirs.zero_grad()
        compare(ours, theirs, x, seed=step)
        np.testing.assert_allclose(
            ours.running_mean.numpy(), theirs.running_mean.numpy(), *tol(dtype)
        )
        np.testing.assert_allclose(
            ours.running_var.numpy(), theirs.running_var.numpy(), *tol(dtype)
        )
        assert ours.num_batches_tracked.item() == theirs.num_batches_tracked.item() == step + 1
    assert ours.running_mean.dtype == dtype and ours.running_var.dtype == dtype
    ours.eval()
    theirs.eval()
    ours.zero_grad()
    theirs.zero_grad()
    compare(ours, theirs, randn(*shape, dtype=dtype, seed=9) * 2, seed=9)
    assert ours.num_batches_tracked.item() == 3  # eval does not count batches


@requires_torch
@pytest.mark.parametrize(
    "options",
    [dict(affine=False), dict(track_running_stats=False), dict(eps=1e-2, momentum=0.5)],
    ids=["no_affine", "no_running_stats", "eps_momentum"],
)
def test_batch_norm2d_options_match_torch(options):
    ours, theirs = nn.BatchNorm2d(2, **options), torch.nn.BatchNorm2d(2, **options)
    copy_weights(ours, theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    for mode in ("train", "eval"):
        getattr(ours, mode)()
        getattr(theirs, mode)()
        ours.zero_grad()
        theirs.zero_grad()
        compare(ours, theirs, randn(3, 2, 3, 3, dtype=np.float32) * 3 + 1)
    if options.get("track_running_stats", True):
        np.testing.assert_allclose(ours.running_var.numpy(), theirs.running_var.numpy(), rtol=1e-5)


@requires_torch
def test_batch_norm_momentum_none_is_a_cumulative_average_like_torch():
    ours, theirs = nn.BatchNorm1d(3, momentum=None), torch.nn.BatchNorm1d(3, momentum=None)
    for step in range(4):
        x = randn(6, 3, dtype=np.float32, seed=step) * (step + 1) + step
        ours(hm.tensor(x))
        theirs(torch.tensor(x))
    for name in ("running_mean", "running_var"):
        np.testing.assert_allclose(
            getattr(ours, name).numpy(), getattr(theirs, name).numpy(), rtol=1e-5, err_msg=name
        )
    assert repr(ours) == repr(theirs).replace(", bias=True", "")


def test_batch_norm_rejects_bad_input():
    with pytest.raises(ValueError, match="3 channels"):
        nn.BatchNorm2d(3)(hm.randn(2, 4, 3, 3))
    with pytest.raises(ValueError, match="more than one value per channel"):
        nn.BatchNorm1d(3)(hm.randn(1, 3))
    with pytest.raises(ValueError, match="dimensions"):
        nn.BatchNorm1d(3)(hm.randn(2, 3, 4, 4))


@pytest.mark.parametrize("shape", [(4, 3), (3, 2, 4), (2, 2, 3, 3)])
def test_batch_norm_gradients_finite_differences(shape):
    n_channels = shape[1]
    weight = np.linspace(0.5, 1.5, n_channels)
    bias = np.linspace(-0.2, 0.3, n_channels)

    def fn(x, w, b):
        return F.batch_norm(x, None, None, w, b, training=True)

    check_gradients(fn, randn(*shape) * 2 + 1, weight, bias)


def test_batch_norm_eval_gradients_finite_differences():
    mean, var = hm.tensor(np.array([0.5, -1.0])), hm.tensor(np.array([2.0, 0.5]))

    def fn(x, w, b):
        return F.batch_norm(x, mean, var, w, b, training=False)

    check_gradients(fn, randn(3, 2, 2), np.array([1.5, 0.7]), np.array([0.1, -0.3]))


# ----------------------------------------------------------------------------- layer norm


@requires_torch
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(
    "normalized_shape, shape, options",
    [
        (5, (3, 5), {}),
        ((4, 5), (2, 4, 5), {}),
        (5, (2, 3, 5), dict(elementwise_affine=False)),
        ((3, 4), (2, 3, 4), dict(bias=False)),
        (6, (4, 6), dict(eps=1e-2)),
    ],
)
def test_layer_norm_matches_torch(normalized_shape, shape, options, dtype):
    ours = nn.LayerNorm(normalized_shape, **options, dtype=dtype)
    theirs = torch.nn.LayerNorm(normalized_shape, **options, dtype=torch_dtype(dtype))
    copy_weights(ours, theirs, randomize=True)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    compare(ours, theirs, randn(*shape, dtype=dtype) * 3 + 2)


@pytest.mark.parametrize("n_axes", [1, 2])
def test_layer_norm_gradients_finite_differences(n_axes):
    normalized = (3, 4)[2 - n_axes :]
    weight = np.linspace(0.5, 1.5, int(np.prod(normalized))).reshape(normalized)
    bias = np.linspace(-0.3, 0.2, weight.size).reshape(normalized)

    def fn(x, w, b):
        return F.layer_norm(x, normalized, w, b)

    check_gradients(fn, randn(2, 3, 4) * 2, weight, bias)
    check_gradients(lambda x: F.layer_norm(x, normalized), randn(2, 3, 4))


def test_layer_norm_rejects_wrong_trailing_shape():
    with pytest.raises(ValueError, match=r"\(4,\)"):
        nn.LayerNorm(4)(hm.randn(2, 5))


# ----------------------------------------------------------------------------- dropout


@pytest.mark.parametrize("p", [0.2, 0.5, 0.8])
def test_dropout_train_zeroes_about_p_and_scales_the_rest(p):
    hm.manual_seed(0)
    x = hm.tensor(np.random.default_rng(0).uniform(1, 2, (200, 500)), requires_grad=True)
    layer = nn.Dropout(p)
    out = layer(x)
    values = out.numpy()
    dropped = values == 0
    assert abs(dropped.mean() - p) < 0.01
    np.testing.assert_allclose(values[~dropped], x.numpy()[~dropped] / (1 - p), rtol=1e-12)
    out.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.where(dropped, 0.0, 1 / (1 - p)), rtol=1e-12)
    assert out.dtype == np.float64


def test_dropout_masks_differ_between_calls_and_follow_the_seed():
    x = hm.ones(1000)
    layer = nn.Dropout(0.5)
    hm.manual_seed(3)
    first, second = layer(x).numpy().copy(), layer(x).numpy().copy()
    assert not np.array_equal(first, second)
    hm.manual_seed(3)
    np.testing.assert_array_equal(layer(x).numpy(), first)


def test_dropout_eval_and_p0_are_identity_p1_is_zero():
    x = hm.randn(4, 5, requires_grad=True)
    np.testing.assert_array_equal(nn.Dropout(0.5).eval()(x).numpy(), x.numpy())
    np.testing.assert_array_equal(nn.Dropout(0.0)(x).numpy(), x.numpy())
    out = nn.Dropout(1.0)(x)
    np.testing.assert_array_equal(out.numpy(), 0.0)
    out.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), 0.0)
    with pytest.raises(ValueError, match="probability"):
        nn.Dropout(1.5)


# ----------------------------------------------------------------------------- embedding


@requires_torch
@pytest.mark.parametrize("padding_idx", [None, 1, -1])
def test_embedding_matches_torch_with_repeated_indices(padding_idx):
    ours = nn.Embedding(5, 3, padding_idx=padding_idx)
    theirs = torch.nn.Embedding(5, 3, padding_idx=padding_idx)
    assert ours.padding_idx == theirs.padding_idx
    if padding_idx is not None:
        np.testing.assert_array_equal(ours.weight.numpy()[padding_idx], 0.0)
    copy_weights(ours, theirs)
    index = np.array([[1, 2, 1, 4], [4, 4, 0, 1]])
    ho, to = ours(hm.tensor(index)), theirs(torch.tensor(index))
    np.testing.assert_array_equal(ho.numpy(), to.detach().numpy())
    weights = randn(*ho.shape, dtype=np.float32)
    (ho * hm.tensor(weights)).sum().backward()
    (to * torch.tensor(weights)).sum().backward()
    np.testing.assert_allclose(ours.weight.grad.numpy(), theirs.weight.grad.numpy(), rtol=1e-6)
    np.testing.assert_array_equal(ours.weight.grad.numpy()[3], 0.0)  # never looked up
    if padding_idx is not None:
        np.testing.assert_array_equal(ours.weight.grad.numpy()[padding_idx], 0.0)


def test_embedding_gradient_accumulates_for_repeated_indices():
    layer = nn.Embedding(4, 2)
    layer(hm.tensor(np.array([2, 2, 2, 0]))).sum().backward()
    np.testing.assert_array_equal(layer.weight.grad.numpy(), [[1, 1], [0, 0], [3, 3], [0, 0]])


def test_embedding_rejects_bad_indices():
    layer = nn.Embedding(4, 2)
    with pytest.raises(IndexError, match="out of range"):
        layer(hm.tensor(np.array([0, 4])))
    with pytest.raises(TypeError, match="integers"):
        layer(hm.tensor(np.array([0.0, 1.0])))


# ----------------------------------------------------------------------------- activations

ACTIVATIONS = {
    "relu": lambda m: m.ReLU(),
    "leaky_relu": lambda m: m.LeakyReLU(),
    "leaky_relu_0.2": lambda m: m.LeakyReLU(0.2),
    "gelu": lambda m: m.GELU(),
    "gelu_tanh": lambda m: m.GELU(approximate="tanh"),
    "sigmoid": lambda m: m.Sigmoid(),
    "tanh": lambda m: m.Tanh(),
    "softmax": lambda m: m.Softmax(dim=1),
    "softmax_last": lambda m: m.Softmax(dim=-1),
    "log_softmax": lambda m: m.LogSoftmax(dim=1),
    "softplus": lambda m: m.Softplus(),
    "softplus_beta": lambda m: m.Softplus(beta=2.0, threshold=5.0),
}


@requires_torch
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("build", ACTIVATIONS.values(), ids=ACTIVATIONS.keys())
def test_activation_matches_torch(build, dtype):
    x = randn(3, 4, 5, dtype=dtype) * 4
    x[0, 0, :3] = [0.0, 30.0, -30.0]  # the kink, and both saturated ends
    # float32 tails (tanh-GELU's gradient near x = -5 is ~1e-6) round differently in each library
    atol = None if dtype == np.float64 else 1e-5
    check_against_torch(build(nn), build(torch.nn), x, atol=atol)


@requires_torch
def test_activation_extremes_stay_finite():
    x = np.array([[-1000.0, -50.0, 0.0, 50.0, 1000.0]])
    for build in ACTIVATIONS.values():
        out = build(nn)(hm.tensor(x)).numpy()
        want = build(torch.nn)(torch.tensor(x)).numpy()
        np.testing.assert_allclose(out, want, rtol=1e-12, atol=1e-300)


# ----------------------------------------------------------------------------- flatten


@requires_torch
@pytest.mark.parametrize(
    "options", [{}, dict(start_dim=0), dict(start_dim=1, end_dim=2), dict(start_dim=2)]
)
def test_flatten_matches_torch(options):
    check_against_torch(nn.Flatten(**options), torch.nn.Flatten(**options), randn(2, 3, 4, 5))


def test_identity_returns_input():
    x = hm.randn(2, 3)
    assert nn.Identity(7, anything=1)(x) is x
