"""Losses against torch.nn: forward values and input gradients for every reduction."""

import numpy as np
import pytest
from support import check_against_torch, requires_torch, torch

import homeml as hm
import homeml.nn.functional as F
from homeml import nn

REDUCTIONS = ["mean", "sum", "none"]
DTYPES = [np.float64, np.float32]


def randn(*shape, dtype=np.float64, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


def classes(n_classes, *shape, seed=1):
    return np.random.default_rng(seed).integers(0, n_classes, shape)


def compare_with_target(ours, theirs, x, target, rtol=None, atol=None):
    """``check_against_torch`` for losses whose target is a fixed (non-differentiable) array."""

    def hm_fn(inp):
        return ours(inp, hm.tensor(target))

    def torch_fn(inp):
        return theirs(inp, torch.tensor(target))

    check_against_torch(hm_fn, torch_fn, x, rtol=rtol, atol=atol)


# ----------------------------------------------------------------------------- regression


@requires_torch
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name", ["MSELoss", "L1Loss"])
def test_regression_losses_match_torch(name, reduction, dtype):
    x, y = randn(4, 3, dtype=dtype), randn(4, 3, dtype=dtype, seed=1)
    y[0, :2] = x[0, :2]  # zero differences: L1's gradient there is 0, as torch's sign(0)
    ours = getattr(nn, name)(reduction=reduction)
    theirs = getattr(torch.nn, name)(reduction=reduction)
    check_against_torch(ours, theirs, x, y)  # gradients for both input and target


@requires_torch
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("delta", [0.5, 1.0, 2.5])
def test_huber_loss_matches_torch(delta, reduction, dtype):
    x, y = randn(5, 4, dtype=dtype) * 3, randn(5, 4, dtype=dtype, seed=1)
    y[0, 0] = x[0, 0] - delta  # exactly at the switch between the two pieces
    ours = nn.HuberLoss(reduction=reduction, delta=delta)
    theirs = torch.nn.HuberLoss(reduction=reduction, delta=delta)
    check_against_torch(ours, theirs, x, y)


# ----------------------------------------------------------------------------- cross-entropy


@requires_torch
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("shape", [(6, 4), (2, 4, 3, 2), (4,)], ids=["NC", "NCHW", "C"])
def test_cross_entropy_class_indices_match_torch(shape, reduction, dtype):
    x = randn(*shape, dtype=dtype) * 3
    target = classes(4, *((shape[0],) + shape[2:] if len(shape) > 1 else ()))
    compare_with_target(
        nn.CrossEntropyLoss(reduction=reduction),
        torch.nn.CrossEntropyLoss(reduction=reduction),
        x,
        target,
    )


@requires_torch
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize(
    "options",
    [
        dict(weight=True),
        dict(ignore_index=2),
        dict(ignore_index=-100, weight=True),
        dict(label_smoothing=0.2),
        dict(label_smoothing=0.1, weight=True),
        dict(label_smoothing=0.3, weight=True, ignore_index=1),
        dict(label_smoothing=1.0),
    ],
    ids=[
        "weight",
        "ignore",
        "weight_ignore",
        "smoothing",
        "smoothing_weight",
        "smoothing_weight_ignore",
        "smoothing_1",
    ],
)
@pytest.mark.parametrize("shape", [(8, 4), (2, 4, 3, 3)], ids=["NC", "NCHW"])
def test_cross_entropy_options_match_torch(shape, options, reduction):
    x = randn(*shape) * 2
    target = classes(4, shape[0], *shape[2:])
    if options.get("ignore_index") == -100:
        target.reshape(-1)[::3] = -100
    ours_options, torch_options = dict(options), dict(options)
    if options.get("weight"):
        weight = np.array([0.2, 1.0, 2.5, 0.7])
        ours_options["weight"] = hm.tensor(weight)
        torch_options["weight"] = torch.tensor(weight)
    ours = nn.CrossEntropyLoss(reduction=reduction, **ours_options)
    theirs = torch.nn.CrossEntropyLoss(reduction=reduction, **torch_options)
    compare_with_target(ours, theirs, x, target)


@requires_torch
def test_cross_entropy_all_ignored_is_nan_as_torch():
    x = randn(3, 4)
    target = np.full(3, -100)
    with np.errstate(all="ignore"):
        loss = F.cross_entropy(hm.tensor(x), hm.tensor(target))
        want = torch.nn.functional.cross_entropy(torch.tensor(x), torch.tensor(target))
        assert np.isnan(loss.item()) and np.isnan(want.item())
        # sum and none give zeros
        total = F.cross_entropy(hm.tensor(x), hm.tensor(target), reduction="sum")
        assert total.item() == 0.0
        none = F.cross_entropy(hm.tensor(x), hm.tensor(target), reduction="none")
        np.testing.assert_array_equal(none.numpy(), 0.0)


@requires_torch
def test_cross_entropy_all_ignored_gradient_matches_torch():
    # torch's forward is nan but its gradient is zero (no sample contributes)
    x = randn(3, 4)
    target = np.full(3, -100)
    hx = hm.tensor(x, requires_grad=True)
    tx = torch.tensor(x, requires_grad=True)
    with np.errstate(all="ignore"):
        F.cross_entropy(hx, hm.tensor(target)).backward()
    torch.nn.functional.cross_entropy(tx, torch.tensor(target)).backward()
    np.testing.assert_array_equal(hx.grad.numpy(), tx.grad.numpy())


@requires_torch
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name", ["cross_entropy", "nll_loss"])
def test_masked_classes_at_minus_inf_give_torch_finite_losses(name, reduction):
    # -inf logits (masking) or log(0) probabilities in classes other than the target: torch
    # reads only the target's log-probability, so the loss stays finite (no 0 * -inf = nan)
    x = np.array([[1.0, -np.inf, 2.0], [0.5, 0.1, -np.inf], [-np.inf, 1.0, 2.0]])
    target = np.array([0, 1, -100])
    hx = hm.tensor(x, requires_grad=True)
    tx = torch.tensor(x, requires_grad=True)
    with np.errstate(all="raise"):
        loss = getattr(F, name)(hx, hm.tensor(target), reduction=reduction)
    want = getattr(torch.nn.functional, name)(tx, torch.tensor(target), reduction=reduction)
    np.testing.assert_allclose(loss.numpy(), want.detach().numpy(), rtol=1e-12)
    if name == "cross_entropy":
        loss.sum().backward()
        want.sum().backward()
        np.testing.assert_allclose(hx.grad.numpy(), tx.grad.numpy(), rtol=1e-12, atol=1e-15)


@requires_torch
@pytest.mark.parametrize("name", ["cross_entropy", "nll_loss"])
def test_zero_total_weight_gives_torch_nans_and_zeros(name):
    # kept samples whose class weight is 0: torch's mean is 0/0 = nan, and so are their
    # gradients (the whole row for cross_entropy, the target entry for nll_loss); ignored
    # samples still get exactly 0
    x = randn(4, 3)
    target, weight = np.array([0, 2, -100, 0]), np.array([0.0, 1.0, 0.0])
    hx = hm.tensor(x, requires_grad=True)
    tx = torch.tensor(x, requires_grad=True)
    with np.errstate(all="raise"):  # and without a NumPy warning, as torch
        loss = getattr(F, name)(hx, hm.tensor(target), weight=hm.tensor(weight))
        loss.backward()
    torch_loss = getattr(torch.nn.functional, name)
    torch_loss(tx, torch.tensor(target), weight=torch.tensor(weight)).backward()
    assert np.isnan(loss.item())
    np.testing.assert_array_equal(hx.grad.numpy(), tx.grad.numpy())  # nan where torch has nan


@requires_torch
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize(
    "options",
    [{}, dict(label_smoothing=0.25), dict(weight=True), dict(weight=True, label_smoothing=0.1)],
    ids=["plain", "smoothing", "weight", "weight_smoothing"],
)
@pytest.mark.parametrize("shape", [(5, 3), (2, 3, 2, 2)], ids=["NC", "NCHW"])
def test_cross_entropy_probability_targets_match_torch(shape, options, reduction):
    x = randn(*shape) * 2
    logits = randn(*shape, seed=5)
    probs = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    ours_options, torch_options = dict(options), dict(options)
    if options.get("weight"):
        weight = np.array([0.5, 2.0, 1.2])
        ours_options["weight"] = hm.tensor(weight)
        torch_options["weight"] = torch.tensor(weight)
    ours = nn.CrossEntropyLoss(reduction=reduction, **ours_options)
    theirs = torch.nn.CrossEntropyLoss(reduction=reduction, **torch_options)
    compare_with_target(ours, theirs, x, probs)


@requires_torch
def test_cross_entropy_extreme_logits_stay_finite():
    x = np.array([[1000.0, -1000.0, 0.0], [-1000.0, -1000.0, 1000.0]])
    target = np.array([1, 2])
    compare_with_target(nn.CrossEntropyLoss(), torch.nn.CrossEntropyLoss(), x, target)


# ----------------------------------------------------------------------------- NLL


@requires_torch
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize(
    "options",
    [{}, dict(weight=True), dict(ignore_index=0), dict(weight=True, ignore_index=3)],
    ids=["plain", "weight", "ignore", "weight_ignore"],
)
@pytest.mark.parametrize("shape", [(7, 4), (2, 4, 3, 2)], ids=["NC", "NCHW"])
def test_nll_loss_matches_torch(shape, options, reduction):
    x = randn(*shape)
    logp = x - np.log(np.exp(x).sum(axis=1, keepdims=True))
    target = classes(4, shape[0], *shape[2:])
    ours_options, torch_options = dict(options), dict(options)
    if options.get("weight"):
        weight = np.array([0.3, 1.0, 2.0, 0.5])
        ours_options["weight"] = hm.tensor(weight)
        torch_options["weight"] = torch.tensor(weight)
    ours = nn.NLLLoss(reduction=reduction, **ours_options)
    theirs = torch.nn.NLLLoss(reduction=reduction, **torch_options)
    compare_with_target(ours, theirs, logp, target)


@requires_torch
def test_log_softmax_then_nll_equals_cross_entropy():
    x, target = randn(6, 5), classes(5, 6)
    a = F.nll_loss(F.log_softmax(hm.tensor(x), dim=1), hm.tensor(target))
    b = F.cross_entropy(hm.tensor(x), hm.tensor(target))
    np.testing.assert_allclose(a.item(), b.item(), rtol=1e-12)


# ----------------------------------------------------------------------------- binary


@requires_torch
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
def test_bce_matches_torch(weighted, reduction, dtype):
    rng = np.random.default_rng(0)
    p = rng.uniform(0.02, 0.98, (5, 3)).astype(dtype)
    y = rng.uniform(0, 1, (5, 3)).astype(dtype)
    y[0] = [0, 1, 1]
    weight = rng.uniform(0.5, 2, (3,)).astype(dtype)
    ours = nn.BCELoss(weight=hm.tensor(weight) if weighted else None, reduction=reduction)
    theirs = torch.nn.BCELoss(
        weight=torch.tensor(weight) if weighted else None, reduction=reduction
    )
    check_against_torch(ours, theirs, p, y)


@requires_torch
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_bce_at_exactly_zero_and_one_gives_torch_clamped_values(reduction):
    p = np.array([0.0, 1.0, 0.0, 1.0, 0.5])
    y = np.array([1.0, 0.0, 0.0, 1.0, 0.3])
    with np.errstate(all="ignore"):
        out = F.binary_cross_entropy(hm.tensor(p), hm.tensor(y), reduction=reduction).numpy()
    want = torch.nn.functional.binary_cross_entropy(
        torch.tensor(p), torch.tensor(y), reduction=reduction
    ).numpy()
    assert np.all(np.isfinite(out))
    np.testing.assert_allclose(out, want, rtol=1e-12)
    if reduction == "none":
        np.testing.assert_allclose(out[:2], 100.0)  # log clamped at -100


@requires_torch
def test_bce_gradient_at_exactly_zero_and_one_matches_torch():
    # torch: d/dp = (p - y) / max(p (1 - p), 1e-12): zero where p == y, finite elsewhere
    p = np.array([0.0, 1.0, 0.0, 1.0, 0.5])
    y = np.array([0.0, 1.0, 1.0, 0.0, 0.3])
    hp = hm.tensor(p, requires_grad=True)
    tp = torch.tensor(p, requires_grad=True)
    with np.errstate(all="ignore"):
        F.binary_cross_entropy(hp, hm.tensor(y)).backward()
    torch.nn.functional.binary_cross_entropy(tp, torch.tensor(y)).backward()
    assert np.all(np.isfinite(hp.grad.numpy())), hp.grad.numpy()
    np.testing.assert_allclose(hp.grad.numpy(), tp.grad.numpy(), rtol=1e-6)


@requires_torch
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize(
    "options",
    [{}, dict(pos_weight=True), dict(weight=True, pos_weight=True)],
    ids=["plain", "pos_weight", "both"],
)
def test_bce_with_logits_matches_torch(options, reduction, dtype):
    rng = np.random.default_rng(0)
    x = (rng.standard_normal((6, 3)) * 3).astype(dtype)
    y = rng.uniform(0, 1, (6, 3)).astype(dtype)
    y[0] = [0, 1, 1]
    extra_ours, extra_torch = {}, {}
    if options.get("pos_weight"):
        pw = np.array([0.5, 2.0, 3.0], dtype=dtype)
        extra_ours["pos_weight"], extra_torch["pos_weight"] = hm.tensor(pw), torch.tensor(pw)
    if options.get("weight"):
        w = rng.uniform(0.5, 2, (6, 1)).astype(dtype)
        extra_ours["weight"], extra_torch["weight"] = hm.tensor(w), torch.tensor(w)
    ours = nn.BCEWithLogitsLoss(reduction=reduction, **extra_ours)
    theirs = torch.nn.BCEWithLogitsLoss(reduction=reduction, **extra_torch)
    check_against_torch(ours, theirs, x, y)


@requires_torch
@pytest.mark.parametrize("dtype", DTYPES)
def test_bce_with_logits_large_logits_stay_finite(dtype):
    x = np.array([100.0, -100.0, 100.0, -100.0, 40.0, -40.0], dtype=dtype)
    y = np.array([1.0, 0.0, 0.0, 1.0, 0.0, 1.0], dtype=dtype)
    pw = np.full(6, 2.0, dtype=dtype)
    ours = nn.BCEWithLogitsLoss(reduction="none", pos_weight=hm.tensor(pw))
    theirs = torch.nn.BCEWithLogitsLoss(reduction="none", pos_weight=torch.tensor(pw))
    out = ours(hm.tensor(x), hm.tensor(y)).numpy()
    assert np.all(np.isfinite(out))
    np.testing.assert_allclose(out[2:4], [100.0, 200.0], rtol=1e-6)
    check_against_torch(ours, theirs, x, y)


# ----------------------------------------------------------------------------- bad inputs


@pytest.mark.parametrize(
    "loss",
    [nn.MSELoss(), nn.L1Loss(), nn.HuberLoss(), nn.BCELoss(), nn.BCEWithLogitsLoss()],
    ids=lambda loss: type(loss).__name__,
)
def test_shape_mismatch_is_a_clear_value_error(loss):
    x = hm.tensor(np.full((4, 3), 0.5))
    y = hm.tensor(np.full((4, 1), 0.5))
    with pytest.raises(ValueError, match=r"\(4, 3\).*\(4, 1\)"):
        loss(x, y)


@pytest.mark.parametrize(
    "loss", [nn.CrossEntropyLoss(), nn.NLLLoss()], ids=["CrossEntropyLoss", "NLLLoss"]
)
@pytest.mark.parametrize("bad", [4, -1, 7])
def test_out_of_range_class_index_is_a_value_error(loss, bad):
    x = hm.tensor(randn(3, 4), requires_grad=True)
    target = np.array([0, bad, 1])
    with pytest.raises(ValueError, match=rf"{bad}.*4 classes"):
        loss(x, hm.tensor(target))


@pytest.mark.parametrize(
    "loss", [nn.CrossEntropyLoss(), nn.NLLLoss()], ids=["CrossEntropyLoss", "NLLLoss"]
)
def test_class_target_of_wrong_shape_is_a_value_error(loss):
    with pytest.raises(ValueError, match=r"\(3,\).*\(3, 2\)|\(3, 2\).*\(3,\)"):
        loss(hm.tensor(randn(3, 4)), hm.tensor(np.zeros((3, 2), dtype=np.int64)))


def test_probability_target_of_wrong_shape_is_a_value_error():
    with pytest.raises(ValueError, match=r"\(3, 4\).*\(3, 5\)"):
        F.cross_entropy(hm.tensor(randn(3, 4)), hm.tensor(np.full((3, 5), 0.2)))


@pytest.mark.parametrize("name", ["cross_entropy", "nll_loss"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.bool_])
def test_float_class_indices_say_they_must_be_integers(name, dtype):
    # labels kept in a float array: PyTorch refuses them too ("expected ... Long")
    x, labels = randn(4, 10), np.array([3, 1, 0, 1])
    with pytest.raises(
        TypeError,
        match=rf"{name}: a target of shape \(4,\) holds class "
        r"indices, which must be integers, got (float|bool).*target.long\(\)",
    ):
        getattr(F, name)(hm.tensor(x), hm.tensor(labels.astype(dtype)))
    if torch is not None:
        with pytest.raises(RuntimeError):
            getattr(torch.nn.functional, name)(torch.tensor(x), torch.tensor(labels.astype(dtype)))
    # the same labels as integers work
    assert np.isfinite(getattr(F, name)(hm.tensor(x), hm.tensor(labels)).item())


def test_bce_input_outside_unit_interval_is_a_value_error():
    with pytest.raises(ValueError, match=r"input .*\[0, 1\], got 1.5"):
        F.binary_cross_entropy(hm.tensor(np.array([0.5, 1.5])), hm.tensor(np.array([0.0, 1.0])))
    with pytest.raises(ValueError, match=r"input .*\[0, 1\], got nan"):  # torch refuses nan too
        F.binary_cross_entropy(hm.tensor(np.array([np.nan])), hm.tensor(np.array([0.0])))
    with pytest.raises(ValueError, match=r"target .*\[0, 1\], got -0.5"):  # and such targets
        F.binary_cross_entropy(hm.tensor(np.array([0.5])), hm.tensor(np.array([-0.5])))


def test_unknown_reduction_is_a_value_error():
    with pytest.raises(ValueError, match="reduction"):
        nn.MSELoss(reduction="average")
    with pytest.raises(ValueError, match="reduction"):
        F.mse_loss(hm.randn(2), hm.randn(2), reduction="average")
    with pytest.raises(ValueError, match="reduction"):
        F.cross_entropy(hm.randn(2, 3), hm.tensor(np.array([0, 1])), reduction="average")


@requires_torch
def test_loss_repr_matches_torch():
    assert repr(nn.CrossEntropyLoss()) == repr(torch.nn.CrossEntropyLoss()) == "CrossEntropyLoss()"
