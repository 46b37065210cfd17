"""More layers against torch.nn: a whole model, options PyTorch code passes, and the float32 cases.

``test_layers.py`` and ``test_losses.py`` check each layer and loss on its own; this file adds a
model that chains every listed layer (outputs, input and parameter gradients, batch-norm buffers,
in float32 and float64, train and eval), the options a port from PyTorch meets (``inplace``,
``padding_mode``, unbatched input, ``output_size``, ``dim=None``, BatchNorm's ``bias``), the
float32 variants of the loss options, and the init and clipping details left out there.
"""

import math
import warnings

import numpy as np
import pytest
from support import check_against_torch, requires_torch, torch

import homeml as hm
import homeml.nn.functional as F
from homeml import nn
from homeml.nn import init

DTYPES = [np.float64, np.float32]


@pytest.fixture(autouse=True)
def _seeded():
    """torch's layers draw their initial weights from its global generator: fix it per test."""
    hm.manual_seed(0)
    if torch is not None:
        torch.manual_seed(0)


def tol(dtype):
    return dict(rtol=1e-7, atol=1e-10) if dtype == np.float64 else dict(rtol=1e-5, atol=1e-5)


def torch_dtype(dtype):
    return torch.float64 if dtype == np.float64 else torch.float32


def randn(*shape, dtype=np.float64, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


def copy_weights(ours, theirs, seed=0):
    """Randomise torch's affine norm parameters (1 and 0 would hide mistakes), then copy all."""
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in theirs.named_parameters():
            if "Norm" in type(theirs.get_submodule(name.rpartition(".")[0])).__name__:
                p.copy_(torch.rand(p.shape, generator=gen, dtype=p.dtype) + 0.5)
    ours.load_state_dict({k: v.detach().numpy().copy() for k, v in theirs.state_dict().items()})


def torch_repr(module):
    """torch 2.13 shows norms' bias=True, which homeml leaves out (see test_module.py)."""
    return "\n".join(
        line.replace(", bias=True", "") if "Norm" in line else line
        for line in repr(module).splitlines()
    )


def compare(ours, theirs, x, seed=0, modules=None, **tolerance):
    """Forward values, dtype, input and parameter gradients of two modules on ``x``
    (``modules``: the layers whose parameters to compare, when ``ours``/``theirs`` are calls)."""
    tolerance = tolerance or tol(x.dtype)
    hx = hm.tensor(x, requires_grad=True)
    tx = torch.tensor(x, requires_grad=True)
    ho, to = ours(hx), theirs(tx)
    assert tuple(ho.shape) == tuple(to.shape) and ho.dtype == x.dtype
    np.testing.assert_allclose(ho.numpy(), to.detach().numpy(), **tolerance, err_msg="forward")
    weights = np.random.default_rng(seed).standard_normal(ho.shape).astype(x.dtype)
    (ho * hm.tensor(weights)).sum().backward()
    (to * torch.tensor(weights)).sum().backward()
    np.testing.assert_allclose(hx.grad.numpy(), tx.grad.numpy(), **tolerance, err_msg="input")
    ours, theirs = modules or (ours, theirs)
    mine = dict(ours.named_parameters())
    for name, p in theirs.named_parameters():
        assert mine[name].grad is not None, name
        assert mine[name].grad.dtype == x.dtype, name
        np.testing.assert_allclose(
            mine[name].grad.numpy(), p.grad.numpy(), **tolerance, err_msg=name
        )


# ----------------------------------------------------------------------------- a whole model


def every_layer(lib, dtype, p=0.3):
    """A CNN through every listed layer, so that they are checked chained as a model uses them."""
    dt = dtype if lib is nn else torch_dtype(dtype)
    return lib.Sequential(
        lib.Conv2d(2, 6, 3, padding=1, bias=False, dtype=dt),
        lib.BatchNorm2d(6, dtype=dt),
        lib.ReLU(inplace=True),
        lib.MaxPool2d(2),
        lib.Conv2d(
            6, 8, (3, 2), stride=(1, 2), padding=(2, 1), dilation=(2, 1), groups=2, dtype=dt
        ),
        lib.LeakyReLU(0.1),
        lib.ConvTranspose2d(8, 4, 3, stride=2, padding=1, output_padding=1, dtype=dt),
        lib.GELU(),
        lib.AvgPool2d(3, stride=2, padding=1, count_include_pad=False),
        lib.AdaptiveAvgPool2d((2, 3)),
        lib.Flatten(),
        lib.Dropout(p),
        lib.Linear(24, 10, bias=False, dtype=dt),
        lib.BatchNorm1d(10, dtype=dt),
        lib.Tanh(),
        lib.Linear(10, 8, dtype=dt),
        lib.LayerNorm(8, dtype=dt),
        lib.Sigmoid(),
        lib.Linear(8, 5, dtype=dt),
        lib.LogSoftmax(dim=1),
    )


@requires_torch
@pytest.mark.parametrize("dtype", DTYPES)
def test_model_of_every_layer_matches_torch_in_train_then_eval(dtype):
    # dropout's masks come from each library's own generator: p=0 in training, p=0.3 in eval
    ours, theirs = every_layer(nn, dtype, p=0.0), every_layer(torch.nn, dtype, p=0.0)
    copy_weights(ours, theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    # through 20 float32 layers each library is ~4e-6 (relative) from the float64 result, in
    # its own direction: 1e-4 between them
    tolerance = tol(dtype) if dtype == np.float64 else dict(rtol=1e-4, atol=5e-5)
    for step in range(2):
        ours.zero_grad()
        theirs.zero_grad()
        x = randn(6, 2, 10, 12, dtype=dtype, seed=step) * 2 + 1
        compare(ours, theirs, x, seed=step, **tolerance)
    for key, value in theirs.state_dict().items():  # the running statistics after two batches
        np.testing.assert_allclose(
            ours.state_dict()[key].numpy(), value.numpy(), **tolerance, err_msg=key
        )
    ours[11].p = theirs[11].p = 0.3
    ours.eval()
    theirs.eval()
    ours.zero_grad()
    theirs.zero_grad()
    compare(ours, theirs, randn(3, 2, 10, 12, dtype=dtype, seed=5), seed=5, **tolerance)


@requires_torch
def test_model_repr_and_nll_on_top_match_torch():
    ours, theirs = every_layer(nn, np.float32), every_layer(torch.nn, np.float32)
    assert repr(ours) == torch_repr(theirs)
    copy_weights(ours, theirs)
    ours.eval()
    theirs.eval()
    x, target = randn(4, 2, 10, 12, dtype=np.float32), np.array([0, 4, 2, 2])
    loss = F.nll_loss(ours(hm.tensor(x)), hm.tensor(target))
    want = torch.nn.functional.nll_loss(theirs(torch.tensor(x)), torch.tensor(target))
    loss.backward()
    want.backward()
    assert loss.item() == pytest.approx(want.item(), rel=1e-5)
    np.testing.assert_allclose(
        ours[0].weight.grad.numpy(), theirs[0].weight.grad.numpy(), rtol=1e-4, atol=1e-6
    )


# ----------------------------------------------------------------------------- PyTorch options


@requires_torch
@pytest.mark.parametrize(
    "build",
    [
        lambda m: m.ReLU(inplace=True),
        lambda m: m.LeakyReLU(0.2, inplace=True),
        lambda m: m.Dropout(0.0, inplace=True),
    ],
    ids=["relu", "leaky_relu", "dropout"],
)
def test_inplace_layers_are_accepted_and_match_torch(build):
    x = randn(3, 4)
    ours, theirs = build(nn), build(torch.nn)
    assert repr(ours) == repr(theirs)
    # inside a graph torch works on a non-leaf; homeml gives a new tensor with the same values
    check_against_torch(lambda a: ours(a * 1.0), lambda a: theirs(a * 1.0), x)
    with hm.no_grad():  # without a graph the input is overwritten, as in torch
        data = hm.tensor(x.copy())
        out = ours(data)
    with torch.no_grad():
        torch_data = torch.tensor(x.copy())
        theirs(torch_data)
    np.testing.assert_allclose(out.numpy(), torch_data.numpy())
    if not isinstance(ours, nn.Dropout):
        np.testing.assert_array_equal(data.numpy(), torch_data.numpy())


@requires_torch
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
@pytest.mark.parametrize(
    "options",
    [
        dict(kernel_size=3, padding=1),
        dict(kernel_size=(3, 2), padding=(2, 1), stride=2),
        dict(kernel_size=(2, 3), padding="same", dilation=(1, 2)),
        dict(kernel_size=3, padding=0),
        dict(kernel_size=3, padding=1, groups=2),
    ],
    ids=["p1", "asymmetric_stride", "same", "p0", "groups"],
)
@pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel:UserWarning")
def test_conv2d_padding_modes_match_torch(options, mode, dtype):
    args = dict(in_channels=2, out_channels=4, padding_mode=mode, **options)
    ours = nn.Conv2d(**args, dtype=dtype)
    theirs = torch.nn.Conv2d(**args, dtype=torch_dtype(dtype))
    copy_weights(ours, theirs)
    assert repr(ours) == repr(theirs)
    compare(ours, theirs, randn(2, 2, 5, 6, dtype=dtype))


def test_padding_mode_errors():
    with pytest.raises(ValueError, match="padding_mode"):
        nn.Conv2d(2, 2, 3, padding_mode="mirror")
    with pytest.raises(ValueError, match='Only "zeros"'):
        nn.ConvTranspose2d(2, 2, 3, padding_mode="reflect")


UNBATCHED = {
    "conv": lambda m: m.Conv2d(3, 4, 3, stride=2, padding=1),
    "conv_same": lambda m: m.Conv2d(3, 2, (2, 3), padding="same"),
    "conv_transpose": lambda m: m.ConvTranspose2d(3, 2, 3, stride=2, output_padding=1),
    "max_pool": lambda m: m.MaxPool2d(3, stride=2, padding=1),
    "avg_pool": lambda m: m.AvgPool2d(2),
    "adaptive": lambda m: m.AdaptiveAvgPool2d((2, 3)),
}


@requires_torch
@pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel:UserWarning")
@pytest.mark.parametrize("build", UNBATCHED.values(), ids=UNBATCHED.keys())
def test_unbatched_input_matches_torch(build):
    ours, theirs = build(nn), build(torch.nn)
    copy_weights(ours, theirs)
    compare(ours, theirs, randn(3, 6, 7, dtype=np.float32))


def test_unbatched_input_with_wrong_channels_is_a_clear_error():
    with pytest.raises(ValueError, match=r"\(3, H, W\).*\(2, 5, 5\)"):
        nn.Conv2d(3, 4, 3)(hm.randn(2, 5, 5))


@requires_torch
@pytest.mark.parametrize("output_size", [(None, 3), (2, None), (None, None), (3, 1)], ids=str)
def test_adaptive_avg_pool2d_none_keeps_that_size_like_torch(output_size):
    compare(
        nn.AdaptiveAvgPool2d(output_size),
        torch.nn.AdaptiveAvgPool2d(output_size),
        randn(2, 3, 5, 7),
    )


@requires_torch
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(
    "options, size, output_size",
    [
        (dict(kernel_size=3, stride=2), (4, 5), (10, 12)),
        (dict(kernel_size=3, stride=3, padding=1), (3, 3), [2, 3, 8, 9]),
        (dict(kernel_size=(2, 3), stride=(2, 3), dilation=2), (3, 4), (7, 14)),
    ],
)
def test_conv_transpose2d_output_size_matches_torch(options, size, output_size, dtype):
    ours = nn.ConvTranspose2d(3, 2, **options, dtype=dtype)
    theirs = torch.nn.ConvTranspose2d(3, 2, **options, dtype=torch_dtype(dtype))
    copy_weights(ours, theirs)
    compare(
        lambda x: ours(x, output_size=output_size),
        lambda x: theirs(x, output_size=output_size),
        randn(2, 3, *size, dtype=dtype),
        modules=(ours, theirs),
    )


def test_conv_transpose2d_impossible_output_size_is_a_clear_error():
    layer = nn.ConvTranspose2d(3, 2, 3, stride=2)
    with pytest.raises(ValueError, match="range from 9 to 10"):
        layer(hm.randn(1, 3, 4, 4), output_size=(12, 9))


@requires_torch
@pytest.mark.parametrize("name", ["Softmax", "LogSoftmax"])
@pytest.mark.parametrize("shape", [(5,), (3, 4), (2, 3, 4), (2, 3, 2, 2)], ids=str)
def test_softmax_without_dim_uses_torch_legacy_choice(shape, name):
    ours, theirs = getattr(nn, name)(), getattr(torch.nn, name)()
    assert repr(ours) == repr(theirs) == f"{name}(dim=None)"
    with pytest.warns(UserWarning, match="Implicit dimension"):
        check_against_torch(ours, theirs, randn(*shape))


@requires_torch
def test_functional_softmax_dim_and_dtype_match_torch():
    x = randn(3, 4, dtype=np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # an explicit dim gives no warning
        for name in ("softmax", "log_softmax"):
            ours = getattr(F, name)(hm.tensor(x), dim=0, dtype=np.float64)
            theirs = getattr(torch.nn.functional, name)(torch.tensor(x), dim=0, dtype=torch.float64)
            assert ours.dtype == np.float64
            np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-12)


@requires_torch
@pytest.mark.parametrize("layer, shape", [("BatchNorm1d", (5, 3)), ("BatchNorm2d", (4, 3, 2, 2))])
def test_batch_norm_without_bias_matches_torch(layer, shape):
    ours, theirs = getattr(nn, layer)(3, bias=False), getattr(torch.nn, layer)(3, bias=False)
    assert ours.bias is None and list(ours.state_dict()) == list(theirs.state_dict())
    assert repr(ours) == repr(theirs)
    copy_weights(ours, theirs)
    for mode in ("train", "eval"):
        getattr(ours, mode)()
        getattr(theirs, mode)()
        ours.zero_grad()
        theirs.zero_grad()
        compare(ours, theirs, randn(*shape, dtype=np.float32) * 2 + 1)


@requires_torch
@pytest.mark.parametrize(
    "build",
    [
        lambda m: m.LayerNorm(4, bias=False),
        lambda m: m.LayerNorm((2, 3), elementwise_affine=False),
        lambda m: m.Softplus(beta=2.0, threshold=10.0),
        lambda m: m.Dropout(0.25),
        lambda m: m.ReLU(),
        lambda m: m.LeakyReLU(),
        lambda m: m.Tanh(),
        lambda m: m.LogSoftmax(1),
        lambda m: m.Conv2d(2, 3, 3, padding=1, padding_mode="circular", bias=False),
    ],
    ids=[
        "layernorm_no_bias",
        "layernorm_no_affine",
        "softplus",
        "dropout",
        "relu",
        "leaky",
        "tanh",
        "log_softmax",
        "conv_circular",
    ],
)
def test_more_reprs_match_torch(build):
    assert repr(build(nn)) == torch_repr(build(torch.nn))


# ----------------------------------------------------------------------------- flatten, embedding


@requires_torch
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("options", [{}, dict(start_dim=0, end_dim=1), dict(start_dim=-2)])
def test_flatten_keeps_dtype_like_torch(options, dtype):
    check_against_torch(
        nn.Flatten(**options), torch.nn.Flatten(**options), randn(2, 3, 4, dtype=dtype)
    )


@requires_torch
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("padding_idx", [None, 0, -2])
def test_embedding_in_both_dtypes_matches_torch(padding_idx, dtype):
    ours = nn.Embedding(6, 4, padding_idx=padding_idx, dtype=dtype)
    theirs = torch.nn.Embedding(6, 4, padding_idx=padding_idx, dtype=torch_dtype(dtype))
    ours.load_state_dict({"weight": theirs.weight.detach().numpy()})
    index = np.array([[0, 4, 4, 5], [1, 0, 3, 4], [2, 2, 2, 2]])
    ho, to = ours(hm.tensor(index)), theirs(torch.tensor(index))
    assert ho.dtype == dtype
    np.testing.assert_array_equal(ho.numpy(), to.detach().numpy())
    weights = randn(*ho.shape, dtype=dtype)
    (ho * hm.tensor(weights)).sum().backward()
    (to * torch.tensor(weights)).sum().backward()
    np.testing.assert_allclose(ours.weight.grad.numpy(), theirs.weight.grad.numpy(), **tol(dtype))


# ----------------------------------------------------------------------------- dropout


def test_dropout_float32_keeps_dtype_and_expectation():
    hm.manual_seed(0)
    x = hm.tensor(np.full((400, 500), 2.0, dtype=np.float32), requires_grad=True)
    out = nn.Dropout(0.25)(x)
    assert out.dtype == np.float32
    values = out.numpy()
    np.testing.assert_allclose(np.unique(values), [0.0, 2.0 / 0.75], rtol=1e-6)
    assert values.mean() == pytest.approx(2.0, rel=0.01)  # E[dropout(x)] = x
    out.sum().backward()
    assert x.grad.dtype == np.float32
    np.testing.assert_allclose(x.grad.numpy(), np.where(values == 0, 0.0, 1 / 0.75), rtol=1e-6)


def test_dropout_follows_train_and_eval_of_its_model():
    model = nn.Sequential(nn.Linear(3, 3), nn.Dropout(0.5))
    x = hm.randn(200, 3)
    model.eval()
    np.testing.assert_array_equal(model(x).numpy(), model[0](x).numpy())
    model.train()
    assert (model(x).numpy() == 0).mean() == pytest.approx(0.5, abs=0.1)
    assert F.dropout(x, 0.5, training=False) is x
    assert F.dropout(x, 0.5, False, inplace=False) is x  # torch's positional order


# ----------------------------------------------------------------------------- pooling


@requires_torch
@pytest.mark.parametrize(
    "options",
    [
        dict(kernel_size=2),
        dict(kernel_size=3, stride=1, padding=1),
        dict(kernel_size=3, stride=2, dilation=2),
        dict(kernel_size=(1, 3), stride=(1, 2)),
    ],
)
def test_max_pool2d_ties_route_the_gradient_like_torch(options):
    # integer values: most windows hold several equal maxima; torch sends the gradient to one
    x = np.random.default_rng(0).integers(0, 3, (2, 2, 7, 7)).astype(np.float64)
    compare(nn.MaxPool2d(**options), torch.nn.MaxPool2d(**options), x)


@requires_torch
def test_max_pool2d_nan_gets_the_gradient_like_torch():
    x = randn(1, 1, 4, 4)
    x[0, 0, 0, 1] = np.nan
    compare(nn.MaxPool2d(2), torch.nn.MaxPool2d(2), x)


# ----------------------------------------------------------------------------- losses in float32


CLASS_LOSS_CASES = {
    "ce_smoothing": ("cross_entropy", dict(label_smoothing=0.2)),
    "ce_ignore": ("cross_entropy", dict(ignore_index=1)),
    "ce_weight_ignore": ("cross_entropy", dict(weight=True, ignore_index=2)),
    "ce_all": ("cross_entropy", dict(weight=True, label_smoothing=0.1, ignore_index=0)),
    "nll_plain": ("nll_loss", {}),
    "nll_ignore": ("nll_loss", dict(ignore_index=1)),
    "nll_weight_ignore": ("nll_loss", dict(weight=True, ignore_index=2)),
}


@requires_torch
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize(
    ("name", "options"), CLASS_LOSS_CASES.values(), ids=CLASS_LOSS_CASES.keys()
)
def test_class_losses_in_float32_match_torch(name, options, reduction):
    rng = np.random.default_rng(0)
    x = (rng.standard_normal((6, 4, 3)) * 3).astype(np.float32)
    if name == "nll_loss":
        x = x - np.log(np.exp(x).sum(axis=1, keepdims=True))
    target = rng.integers(0, 4, (6, 3))
    ours_options, torch_options = dict(options), dict(options)
    if options.get("weight"):
        weight = np.array([0.2, 1.0, 2.5, 0.7], dtype=np.float32)
        ours_options["weight"], torch_options["weight"] = hm.tensor(weight), torch.tensor(weight)
    check_against_torch(
        lambda a: getattr(F, name)(a, hm.tensor(target), reduction=reduction, **ours_options),
        lambda a: getattr(torch.nn.functional, name)(
            a, torch.tensor(target), reduction=reduction, **torch_options
        ),
        x,
    )


@requires_torch
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(
    "options",
    [{}, dict(label_smoothing=0.2), dict(weight=True)],
    ids=["plain", "smoothing", "weight"],
)
def test_cross_entropy_probability_targets_get_torch_gradients_too(options, dtype):
    # soft targets from another model (distillation) can require grad: torch differentiates them
    rng = np.random.default_rng(1)
    x = rng.standard_normal((5, 3, 2)).astype(dtype)
    probs = rng.uniform(0.1, 1, (5, 3, 2)).astype(dtype)
    probs /= probs.sum(axis=1, keepdims=True)
    ours_options, torch_options = dict(options), dict(options)
    if options.get("weight"):
        weight = np.array([0.5, 2.0, 1.2], dtype=dtype)
        ours_options["weight"], torch_options["weight"] = hm.tensor(weight), torch.tensor(weight)
    check_against_torch(
        lambda a, b: F.cross_entropy(a, b, **ours_options),
        lambda a, b: torch.nn.functional.cross_entropy(a, b, **torch_options),
        x,
        probs,
    )


# ----------------------------------------------------------------------------- init


def truncated_normal_moments(mean, std, a, b):
    """Mean and standard deviation of N(mean, std^2) restricted to [a, b] (closed forms)."""
    alpha, beta = (a - mean) / std, (b - mean) / std

    def pdf(z):
        return 0.0 if math.isinf(z) else math.exp(-z * z / 2) / math.sqrt(2 * math.pi)

    def cdf(z):
        return 0.5 * math.erfc(-z / math.sqrt(2))

    def times_pdf(z):
        return 0.0 if math.isinf(z) else z * pdf(z)

    mass = cdf(beta) - cdf(alpha)
    shift = (pdf(alpha) - pdf(beta)) / mass
    var = 1 + (times_pdf(alpha) - times_pdf(beta)) / mass - shift**2
    return mean + std * shift, std * math.sqrt(var)


@pytest.mark.parametrize(
    "mean, std, a, b",
    [
        (0.0, 1.0, -2.0, 2.0),
        (0.0, 0.02, -0.04, 0.04),
        (1.0, 2.0, 0.0, 1.5),
        (0.0, 1.0, 0.0, np.inf),
        (0.0, 1.0, 5.0, 6.0),
        (0.0, 1.0, -9.0, -8.0),
        (3.0, 1.0, -2.0, 2.0),
    ],
    ids=[
        "default",
        "vit_style",
        "one_sided_window",
        "half_normal",
        "far_tail",
        "far_left_tail",
        "mean_outside_bounds",
    ],
)
def test_trunc_normal_has_the_truncated_normal_moments_even_far_in_a_tail(mean, std, a, b):
    # bounds many standard deviations out used to loop (almost) forever redrawing samples
    hm.manual_seed(0)
    values = init.trunc_normal_(nn.Parameter(np.zeros(100_000)), mean, std, a, b).numpy()
    assert values.min() >= a and values.max() <= b
    want_mean, want_std = truncated_normal_moments(mean, std, a, b)
    assert abs(values.mean() - want_mean) < 5 * want_std / math.sqrt(values.size)
    assert values.std() == pytest.approx(want_std, rel=0.02)


@requires_torch
def test_trunc_normal_matches_torch_statistics():
    hm.manual_seed(0)
    torch.manual_seed(0)
    ours = init.trunc_normal_(
        nn.Parameter(np.zeros((300, 300), dtype=np.float32)), 0.5, 1.5, -1.0, 2.0
    ).numpy()
    theirs = torch.nn.init.trunc_normal_(torch.empty(300, 300), 0.5, 1.5, -1.0, 2.0).numpy()
    assert ours.dtype == theirs.dtype == np.float32
    assert ours.mean() == pytest.approx(theirs.mean(), abs=0.01)
    assert ours.std() == pytest.approx(theirs.std(), rel=0.01)
    assert ours.min() >= -1.0 and ours.max() <= 2.0


def test_trunc_normal_rejects_empty_interval():
    with pytest.raises(ValueError, match="a <= b"):
        init.trunc_normal_(nn.Parameter(np.zeros(3)), a=1.0, b=-1.0)


@pytest.mark.parametrize(
    "fn, kwargs, mean, std",
    [
        (init.uniform_, dict(a=-1.0, b=3.0), 1.0, 4 / math.sqrt(12)),
        (init.normal_, dict(mean=-0.5, std=0.2), -0.5, 0.2),
    ],
    ids=["uniform", "normal"],
)
def test_uniform_and_normal_have_their_moments(fn, kwargs, mean, std):
    hm.manual_seed(0)
    values = fn(nn.Parameter(np.zeros(100_000, dtype=np.float32)), **kwargs).numpy()
    assert values.dtype == np.float32
    assert abs(values.mean() - mean) < 5 * std / math.sqrt(values.size)
    assert values.std() == pytest.approx(std, rel=0.02)
    if fn is init.uniform_:
        assert values.min() >= -1.0 and values.max() <= 3.0


@pytest.mark.parametrize(
    "shape, mode, want_fan",
    [
        ((20, 30), "fan_in", 30),
        ((20, 30), "fan_out", 20),
        ((8, 4, 3, 5), "fan_in", 60),
        ((8, 4, 3, 5), "fan_out", 120),
    ],
)
def test_kaiming_uniform_bound_is_torch_formula(shape, mode, want_fan):
    # torch: bound = gain * sqrt(3 / fan), gain = sqrt(2 / (1 + a^2)) for leaky_relu
    hm.manual_seed(0)
    a = 0.3
    values = init.kaiming_uniform_(nn.Parameter(np.zeros(shape)), a=a, mode=mode).numpy()
    bound = math.sqrt(2 / (1 + a * a)) * math.sqrt(3 / want_fan)
    assert np.abs(values).max() <= bound
    assert np.abs(values).max() > 0.9 * bound


# ----------------------------------------------------------------------------- clip_grad_norm_


@requires_torch
@pytest.mark.parametrize("norm_type", [2.0, 1.0, float("inf"), 3.0])
def test_clip_grad_norm_in_float32_matches_torch(norm_type):
    rng = np.random.default_rng(0)
    shapes = [(4, 3), (3,), (2, 2, 2)]
    ours = [nn.Parameter(np.zeros(s, dtype=np.float32)) for s in shapes]
    theirs = [torch.nn.Parameter(torch.zeros(s)) for s in shapes]
    for p, t in zip(ours, theirs):
        grad = (rng.standard_normal(p.shape) * 4).astype(np.float32)
        p.grad, t.grad = hm.tensor(grad.copy()), torch.tensor(grad.copy())
    got = nn.clip_grad_norm_(ours, 0.7, norm_type=norm_type, foreach=None)
    want = torch.nn.utils.clip_grad_norm_(theirs, 0.7, norm_type=norm_type, foreach=None)
    assert got.dtype == np.float32 and want.dtype == torch.float32
    assert got.item() == pytest.approx(want.item(), rel=1e-6)
    for p, t in zip(ours, theirs):
        assert p.grad.dtype == np.float32
        np.testing.assert_allclose(p.grad.numpy(), t.grad.numpy(), rtol=1e-6)


# ----------------------------------------------------------------------------- state dicts


@requires_torch
def test_state_dict_keep_vars_gives_the_parameters_like_torch():
    ours, theirs = nn.BatchNorm1d(3), torch.nn.BatchNorm1d(3)
    kept, torch_kept = ours.state_dict(keep_vars=True), theirs.state_dict(keep_vars=True)
    assert list(kept) == list(torch_kept)
    assert kept["weight"] is ours.weight and kept["weight"].requires_grad
    assert kept["running_mean"] is ours.running_mean
    assert not ours.state_dict()["weight"].requires_grad


@requires_torch
def test_load_state_dict_reports_every_problem_at_once_and_loads_nothing():
    ours = nn.Sequential(nn.Linear(3, 2), nn.BatchNorm1d(2))
    before = {k: v.numpy().copy() for k, v in ours.state_dict().items()}
    state = {k: v.numpy().copy() + 1 for k, v in ours.state_dict().items()}
    state["0.bias"] = np.zeros(5)
    del state["1.running_var"]
    state["2.weight"] = np.zeros(1)
    with pytest.raises(RuntimeError) as info:
        ours.load_state_dict(state)
    message = str(info.value)
    for part in ("missing", "1.running_var", "unexpected", "2.weight", "0.bias", "(5,)", "(2,)"):
        assert part in message, part
    for key, value in ours.state_dict().items():
        np.testing.assert_array_equal(value.numpy(), before[key], err_msg=key)
    # the same state dict given as torch tensors loads the same way (np.asarray reads them)
    theirs = torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.BatchNorm1d(2))
    result = ours.load_state_dict(theirs.state_dict())
    assert result.missing_keys == [] and result.unexpected_keys == []
    np.testing.assert_array_equal(ours[0].weight.numpy(), theirs[0].weight.detach().numpy())
