"""F.one_hot, F.gelu(approximate="tanh") and F.kl_div against torch.nn.functional: values,
dtypes, gradients of every differentiable argument, errors; finite differences in float64."""

import numpy as np
import pytest
from support import check_against_torch, check_gradients, requires_torch, torch

import homeml as hm
import homeml.nn.functional as F

pytestmark = requires_torch

DTYPES = [np.float64, np.float32]


@pytest.mark.parametrize("num_classes", [-1, 7])
def test_one_hot_matches_torch(num_classes):
    index = np.array([[0, 3, 2], [5, 1, 0]], dtype=np.int64)
    ours = F.one_hot(hm.tensor(index), num_classes)
    theirs = torch.nn.functional.one_hot(torch.tensor(index), num_classes)
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    assert ours.dtype == np.int64 and ours.shape == tuple(theirs.shape)


@pytest.mark.parametrize(
    "index,num_classes,match",
    [
        (np.array([0, 4]), 3, "smaller than num_classes"),
        (np.array([-1, 2]), 4, "non-negative"),
        (np.array([1, 2], dtype=np.int32), 3, "int64"),
    ],
)
def test_one_hot_errors_like_torch(index, num_classes, match):
    with pytest.raises(RuntimeError, match=match):
        F.one_hot(hm.tensor(index), num_classes)
    with pytest.raises(RuntimeError):
        torch.nn.functional.one_hot(torch.tensor(index), num_classes)


@pytest.mark.parametrize("dtype", DTYPES)
def test_gelu_tanh_matches_torch(dtype):
    x = np.concatenate([np.linspace(-12, 12, 41), [-30.0, 30.0, 0.0]]).astype(dtype)
    check_against_torch(
        lambda t: F.gelu(t, approximate="tanh"),
        lambda t: torch.nn.functional.gelu(t, approximate="tanh"),
        x,
    )
    check_gradients(lambda t: F.gelu(t, approximate="tanh"), np.linspace(-4, 4, 17))
    with pytest.raises(ValueError, match="'none' or 'tanh'"):
        F.gelu(hm.tensor(x), approximate="erf")


def _log_probs(shape, seed, dtype):
    logits = np.random.default_rng(seed).standard_normal(shape)
    return (logits - np.log(np.exp(logits).sum(-1, keepdims=True))).astype(dtype)


@pytest.mark.filterwarnings("ignore:reduction. 'mean' divides")  # torch's, asserted below
@pytest.mark.filterwarnings("ignore:kl_div. reduction='mean'")
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", ["batchmean", "sum", "mean", "none"])
@pytest.mark.parametrize("log_target", [False, True])
def test_kl_div_matches_torch(dtype, reduction, log_target):
    inp = _log_probs((4, 5), 0, dtype)
    target = _log_probs((4, 5), 1, dtype)
    if not log_target:
        target = np.exp(target).astype(dtype)
    check_against_torch(
        lambda a, b: F.kl_div(a, b, reduction=reduction, log_target=log_target),
        lambda a, b: torch.nn.functional.kl_div(a, b, reduction=reduction, log_target=log_target),
        inp,
        target,
    )


@pytest.mark.parametrize("reduction", ["batchmean", "none"])
def test_kl_div_zero_target_probability_contributes_nothing(reduction):
    inp = _log_probs((2, 4), 4, np.float64)
    target = np.exp(_log_probs((2, 4), 5, np.float64))
    target[0, 1] = 0.0
    ours_in = hm.tensor(inp, requires_grad=True)
    theirs_in = torch.tensor(inp, requires_grad=True)
    ours = F.kl_div(ours_in, hm.tensor(target), reduction=reduction)
    theirs = torch.nn.functional.kl_div(theirs_in, torch.tensor(target), reduction=reduction)
    np.testing.assert_allclose(ours.numpy(), theirs.detach().numpy(), rtol=1e-12)
    ours.sum().backward()
    theirs.sum().backward()
    np.testing.assert_allclose(ours_in.grad.numpy(), theirs_in.grad.numpy(), rtol=1e-12)
    # torch's target gradient is nan there (d/dt of t log t at 0); homeml's stays finite
    t = hm.tensor(target, requires_grad=True)
    F.kl_div(hm.tensor(inp), t, reduction=reduction).sum().backward()
    assert np.all(np.isfinite(t.grad.numpy()))


def test_kl_div_gradients_by_finite_differences():
    inp = _log_probs((3, 4), 2, np.float64)
    target = np.exp(_log_probs((3, 4), 3, np.float64))
    check_gradients(lambda a, b: F.kl_div(a, b, reduction="batchmean"), inp, target)
    check_gradients(lambda a, b: F.kl_div(a, b, reduction="none", log_target=True), inp, inp)


def test_kl_div_rejects_unknown_reduction_and_warns_on_mean():
    x = hm.tensor(_log_probs((2, 3), 0, np.float32))
    with pytest.warns(UserWarning, match="batchmean"):
        F.kl_div(x, x.exp(), reduction="mean")
    with pytest.warns(UserWarning, match="batchmean"):
        torch.nn.functional.kl_div(torch.zeros(2), torch.ones(2), reduction="mean")
    with pytest.raises(ValueError, match="'batchmean', 'sum', 'mean' or 'none', got 'avg'"):
        F.kl_div(x, x.exp(), reduction="avg")
