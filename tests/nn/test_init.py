"""Initialisation (torch.nn.init's formulas, checked statistically) and gradient clipping."""

import math

import numpy as np
import pytest
from support import requires_torch, torch

import homeml as hm
from homeml import nn
from homeml.nn import init


def empty(*shape):
    return nn.Parameter(np.zeros(shape, dtype=np.float64))


def assert_std(values, expected, rel=0.03):
    values = np.asarray(values)
    assert abs(values.mean()) < 4 * expected / math.sqrt(values.size)
    assert values.std() == pytest.approx(expected, rel=rel)


# ----------------------------------------------------------------------------- default layers


@pytest.mark.parametrize(
    "layer, fan_in",
    [
        (lambda: nn.Linear(400, 300), 400),
        (lambda: nn.Conv2d(16, 64, 5), 16 * 25),
        (lambda: nn.Conv2d(16, 64, 3, groups=4), 4 * 9),
        (lambda: nn.ConvTranspose2d(64, 16, 3), 16 * 9),  # fan_in is weight.shape[1] * k * k
    ],
    ids=["linear", "conv", "conv_groups", "conv_transpose"],
)
def test_default_init_follows_pytorch_formula(layer, fan_in):
    hm.manual_seed(0)
    module = layer()
    bound = 1 / math.sqrt(fan_in)  # kaiming_uniform_(a=sqrt(5)): gain sqrt(1/3), bound sqrt(3) std
    weight, bias = module.weight.numpy(), module.bias.numpy()
    assert np.abs(weight).max() <= bound
    assert np.abs(bias).max() <= bound
    assert np.abs(weight).max() > 0.95 * bound  # the whole range is used
    assert_std(weight, bound / math.sqrt(3))
    assert len(np.unique(bias)) == bias.size  # random, not constant


@requires_torch
@pytest.mark.parametrize("name", ["Linear", "Conv2d"])
def test_default_init_has_the_same_distribution_as_torch(name):
    args = (200, 100) if name == "Linear" else (8, 32, 3)
    hm.manual_seed(1)
    torch.manual_seed(1)
    ours, theirs = getattr(nn, name)(*args), getattr(torch.nn, name)(*args)
    ours_w, theirs_w = ours.weight.numpy(), theirs.weight.detach().numpy()
    assert ours_w.shape == theirs_w.shape and ours_w.dtype == theirs_w.dtype
    theirs_bound = float(np.abs(theirs_w).max())
    assert np.abs(ours_w).max() == pytest.approx(theirs_bound, rel=0.02)
    assert ours_w.std() == pytest.approx(theirs_w.std(), rel=0.05)
    fan_in = int(np.prod(ours_w.shape[1:]))
    assert np.abs(ours.bias.numpy()).max() <= 1 / math.sqrt(fan_in)
    assert np.abs(theirs.bias.detach().numpy()).max() <= 1 / math.sqrt(fan_in)


def test_default_norm_and_embedding_init():
    bn = nn.BatchNorm2d(3)
    np.testing.assert_array_equal(bn.weight.numpy(), 1.0)
    np.testing.assert_array_equal(bn.bias.numpy(), 0.0)
    hm.manual_seed(0)
    emb = nn.Embedding(1000, 50)
    assert_std(emb.weight.numpy(), 1.0)


# ----------------------------------------------------------------------------- kaiming, xavier

SHAPE = (256, 128, 3, 3)  # fan_in 1152, fan_out 2304
FAN_IN, FAN_OUT = 128 * 9, 256 * 9


@pytest.mark.parametrize("mode", ["fan_in", "fan_out"])
@pytest.mark.parametrize(
    "nonlinearity, a, gain",
    [
        ("relu", 0, math.sqrt(2)),
        ("leaky_relu", 0.2, math.sqrt(2 / 1.04)),
        ("linear", 0, 1.0),
        ("tanh", 0, 5 / 3),
    ],
)
@pytest.mark.parametrize("kind", ["normal", "uniform"])
def test_kaiming_has_the_theoretical_std(kind, nonlinearity, a, gain, mode):
    hm.manual_seed(0)
    tensor = empty(*SHAPE)
    fn = init.kaiming_normal_ if kind == "normal" else init.kaiming_uniform_
    result = fn(tensor, a=a, mode=mode, nonlinearity=nonlinearity)
    assert result is tensor
    std = gain / math.sqrt(FAN_IN if mode == "fan_in" else FAN_OUT)
    assert_std(tensor.numpy(), std)
    if kind == "uniform":
        assert np.abs(tensor.numpy()).max() <= math.sqrt(3) * std


@pytest.mark.parametrize("gain", [1.0, 2.5])
@pytest.mark.parametrize("kind", ["normal", "uniform"])
def test_xavier_has_the_theoretical_std(kind, gain):
    hm.manual_seed(0)
    tensor = empty(*SHAPE)
    getattr(init, f"xavier_{kind}_")(tensor, gain=gain)
    std = gain * math.sqrt(2 / (FAN_IN + FAN_OUT))
    assert_std(tensor.numpy(), std)
    if kind == "uniform":
        assert np.abs(tensor.numpy()).max() <= math.sqrt(3) * std


@requires_torch
@pytest.mark.parametrize(
    "fn, kwargs",
    [
        ("kaiming_normal_", dict(mode="fan_out", nonlinearity="relu")),
        ("kaiming_uniform_", dict(a=math.sqrt(5))),
        ("xavier_normal_", dict(gain=2.0)),
        ("xavier_uniform_", {}),
    ],
)
def test_init_std_matches_torch_on_the_same_shape(fn, kwargs):
    shape = (64, 32, 5, 5)
    hm.manual_seed(0)
    ours = getattr(init, fn)(empty(*shape), **kwargs).numpy()
    theirs = getattr(torch.nn.init, fn)(torch.empty(shape, dtype=torch.float64), **kwargs)
    assert ours.std() == pytest.approx(theirs.std().item(), rel=0.03)


def test_init_rejects_bad_arguments():
    with pytest.raises(ValueError, match="2 dimensions"):
        init.xavier_uniform_(empty(5))
    with pytest.raises(ValueError, match="mode"):
        init.kaiming_normal_(empty(3, 3), mode="fan_avg")
    with pytest.raises(ValueError, match="nonlinearity"):
        init.calculate_gain("swish")


@requires_torch
@pytest.mark.parametrize(
    "nonlinearity, param",
    [
        ("linear", None),
        ("conv1d", None),
        ("conv2d", None),
        ("conv3d", None),
        ("conv_transpose1d", None),
        ("conv_transpose2d", None),
        ("conv_transpose3d", None),
        ("sigmoid", None),
        ("tanh", None),
        ("relu", None),
        ("leaky_relu", None),
        ("leaky_relu", 0.2),
        ("leaky_relu", 0),
        ("selu", None),
    ],
)
def test_calculate_gain_equals_torch(nonlinearity, param):
    want = torch.nn.init.calculate_gain(nonlinearity, param)
    assert init.calculate_gain(nonlinearity, param) == pytest.approx(want, rel=1e-12)


@requires_torch
@pytest.mark.parametrize(
    "nonlinearity, param", [("leaky_relu", True), ("leaky_relu", "0.2"), ("softmax", None)]
)
def test_calculate_gain_refuses_what_torch_refuses(nonlinearity, param):
    with pytest.raises(ValueError):
        torch.nn.init.calculate_gain(nonlinearity, param)
    with pytest.raises(ValueError, match=repr(param) if param is not None else nonlinearity):
        init.calculate_gain(nonlinearity, param)


# ----------------------------------------------------------------------------- others


@pytest.mark.parametrize("shape", [(6, 6), (10, 4), (4, 10), (8, 2, 3, 3)])
@pytest.mark.parametrize("gain", [1.0, 2.0])
def test_orthogonal_gives_orthonormal_rows_or_columns(shape, gain):
    hm.manual_seed(0)
    tensor = init.orthogonal_(empty(*shape), gain=gain)
    flat = tensor.numpy().reshape(shape[0], -1)
    rows, cols = flat.shape
    product = flat.T @ flat if rows >= cols else flat @ flat.T
    np.testing.assert_allclose(product, gain**2 * np.eye(min(rows, cols)), atol=1e-10)


def test_orthogonal_is_random():
    hm.manual_seed(0)
    a = init.orthogonal_(empty(5, 5)).numpy().copy()
    b = init.orthogonal_(empty(5, 5)).numpy()
    assert not np.allclose(a, b)


def test_simple_fills_are_in_place():
    p = empty(3, 4)
    assert init.constant_(p, 0.25) is p
    np.testing.assert_array_equal(p.numpy(), 0.25)
    init.ones_(p)
    np.testing.assert_array_equal(p.numpy(), 1.0)
    init.zeros_(p)
    np.testing.assert_array_equal(p.numpy(), 0.0)
    init.eye_(p)
    np.testing.assert_array_equal(p.numpy(), np.eye(3, 4))
    hm.manual_seed(0)
    init.uniform_(p, -2, -1)
    assert p.numpy().min() >= -2 and p.numpy().max() <= -1
    init.trunc_normal_(p, std=3.0, a=-1.0, b=0.5)
    assert p.numpy().min() >= -1 and p.numpy().max() <= 0.5
    assert p.grad is None and p.is_leaf and p.requires_grad


def test_init_follows_the_seed():
    hm.manual_seed(7)
    a = nn.Linear(4, 3)
    hm.manual_seed(7)
    b = nn.Linear(4, 3)
    np.testing.assert_array_equal(a.weight.numpy(), b.weight.numpy())
    np.testing.assert_array_equal(a.bias.numpy(), b.bias.numpy())


# ----------------------------------------------------------------------------- clip_grad_norm_


def make_params(seed, with_grads=(True, True, True, False)):
    rng = np.random.default_rng(seed)
    shapes = [(3, 4), (4,), (2, 2, 2), (5,)]
    values = [rng.standard_normal(s) for s in shapes]
    grads = [rng.standard_normal(s) * 3 for s in shapes]
    ours, theirs = [], []
    for v, g, has in zip(values, grads, with_grads):
        p = nn.Parameter(v.copy())
        t = torch.nn.Parameter(torch.tensor(v))
        if has:
            p.grad = hm.tensor(g.copy())
            t.grad = torch.tensor(g.copy())
        ours.append(p)
        theirs.append(t)
    return ours, theirs


@requires_torch
@pytest.mark.parametrize("norm_type", [2.0, float("inf"), 1.0])
@pytest.mark.parametrize("max_norm", [0.5, 1e6])
def test_clip_grad_norm_equals_torch(norm_type, max_norm):
    ours, theirs = make_params(0)
    got = nn.clip_grad_norm_(ours, max_norm, norm_type=norm_type)
    want = torch.nn.utils.clip_grad_norm_(theirs, max_norm, norm_type=norm_type)
    assert float(got) == pytest.approx(want.item(), rel=1e-6)
    for p, t in zip(ours, theirs):
        if t.grad is None:
            assert p.grad is None
        else:
            np.testing.assert_allclose(p.grad.numpy(), t.grad.numpy(), rtol=1e-12)
    grads = [p.grad.numpy().ravel() for p in ours if p.grad is not None]
    total_after = np.linalg.norm(np.concatenate(grads), ord=norm_type)
    assert total_after <= max_norm * (1 + 1e-6) or max_norm > float(got)


@requires_torch
def test_clip_grad_norm_returns_the_norm_in_the_gradients_dtype_like_torch():
    ours, theirs = make_params(1)
    got = nn.clip_grad_norm_(ours, 1.0)
    want = torch.nn.utils.clip_grad_norm_(theirs, 1.0)
    assert want.dtype == torch.float64
    assert got.dtype == np.float64
    assert got.item() == pytest.approx(want.item(), rel=1e-12)


@requires_torch
def test_clip_grad_norm_of_a_model_and_single_tensor():
    model = nn.Linear(3, 2)
    model(hm.randn(4, 3) * 10).sum().backward()
    before = [p.grad.numpy().copy() for p in model.parameters()]
    norm = nn.clip_grad_norm_(model.parameters(), 1.0)
    expected = math.sqrt(sum(float((g**2).sum()) for g in before))
    assert float(norm) == pytest.approx(expected, rel=1e-5)
    for p, g in zip(model.parameters(), before):
        np.testing.assert_allclose(p.grad.numpy(), g / (expected + 1e-6), rtol=1e-5)
    single = nn.Parameter(np.array([3.0, 4.0]))
    single.grad = hm.tensor(np.array([3.0, 4.0]))
    assert float(nn.clip_grad_norm_(single, 1.0)) == pytest.approx(5.0)
    np.testing.assert_allclose(single.grad.numpy(), [0.6, 0.8], rtol=1e-6)


def test_clip_grad_norm_nonfinite_can_raise():
    p = nn.Parameter(np.ones(2))
    p.grad = hm.tensor(np.array([np.inf, 1.0]))
    with pytest.raises(RuntimeError, match="inf"):
        nn.clip_grad_norm_([p], 1.0, error_if_nonfinite=True)
