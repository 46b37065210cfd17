"""nn.GroupNorm and nn.SiLU (and their functional forms) against torch, with gradients."""

import numpy as np
import pytest
from support import check_against_torch, check_gradients, requires_torch, torch

import homeml as hm
import homeml.nn.functional as F
from homeml import nn


def randn(*shape, dtype=np.float64, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


@requires_torch
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize(
    ("shape", "groups"),
    [((2, 6), 3), ((3, 6, 5), 2), ((2, 4, 3, 5), 4), ((2, 4, 3, 5), 1), ((1, 6, 2, 2, 3), 6)],
)
def test_functional_group_norm_matches_torch(shape, groups, dtype):
    x = randn(*shape, dtype=dtype) * 3 + 1
    c = shape[1]
    weight, bias = randn(c, dtype=dtype, seed=1) + 1, randn(c, dtype=dtype, seed=2)
    check_against_torch(
        lambda a, w, b: F.group_norm(a, groups, w, b, eps=1e-4),
        lambda a, w, b: torch.nn.functional.group_norm(a, groups, w, b, eps=1e-4),
        x,
        weight,
        bias,
    )
    check_against_torch(
        lambda a: F.group_norm(a, groups), lambda a: torch.nn.functional.group_norm(a, groups), x
    )


def test_group_norm_gradients_match_finite_differences():
    x = randn(2, 4, 3)
    check_gradients(lambda a, w, b: F.group_norm(a, 2, w, b), x, randn(4, seed=1), randn(4, seed=2))


@requires_torch
@pytest.mark.parametrize("affine", [True, False])
def test_group_norm_layer_matches_torch(affine):
    ours = nn.GroupNorm(2, 4, eps=1e-3, affine=affine, dtype=np.float64)
    theirs = torch.nn.GroupNorm(2, 4, eps=1e-3, affine=affine, dtype=torch.float64)
    # torch 2.13 shows bias=True, which homeml's norms leave out (see test_module.py)
    assert repr(ours) == repr(theirs).replace(", bias=True", "")
    assert sorted(ours.state_dict()) == sorted(theirs.state_dict())
    if affine:
        with torch.no_grad():
            theirs.weight.copy_(torch.rand(4, dtype=torch.float64) + 0.5)
            theirs.bias.copy_(torch.rand(4, dtype=torch.float64))
        ours.load_state_dict({k: v.numpy().copy() for k, v in theirs.state_dict().items()})
    x = randn(3, 4, 2, 5)
    ours_out = ours(hm.tensor(x, requires_grad=True))
    theirs_out = theirs(torch.tensor(x, requires_grad=True))
    np.testing.assert_allclose(ours_out.numpy(), theirs_out.detach().numpy(), rtol=1e-10)
    weights = randn(*x.shape, seed=5)
    (ours_out * hm.tensor(weights)).sum().backward()
    (theirs_out * torch.tensor(weights)).sum().backward()
    for (name, p), (_, q) in zip(ours.named_parameters(), theirs.named_parameters(), strict=True):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-9, err_msg=name)
    assert len(list(ours.parameters())) == (2 if affine else 0)


@requires_torch
def test_group_norm_without_bias_matches_torch():
    ours, theirs = nn.GroupNorm(2, 4, bias=False), torch.nn.GroupNorm(2, 4, bias=False)
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["weight"]
    x = randn(2, 4, 3, dtype=np.float32)
    np.testing.assert_allclose(
        ours(hm.tensor(x)).numpy(), theirs(torch.tensor(x)).detach().numpy(), rtol=1e-5, atol=1e-6
    )


def test_group_norm_rejects_bad_groups_and_shapes():
    with pytest.raises(ValueError, match="divisible by num_groups"):
        nn.GroupNorm(3, 4)
    layer = nn.GroupNorm(2, 4)
    with pytest.raises(ValueError, match=r"expects input of shape \(N, 4, \*\), got shape"):
        layer(hm.randn(2, 3, 5))
    with pytest.raises(ValueError, match="cannot be split into 3 groups"):
        F.group_norm(hm.randn(2, 4), 3)


@requires_torch
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_silu_matches_torch(dtype):
    x = randn(4, 7, dtype=dtype) * 4
    check_against_torch(F.silu, torch.nn.functional.silu, x)
    check_against_torch(nn.SiLU(), torch.nn.SiLU(), x)
    assert repr(nn.SiLU()) == repr(torch.nn.SiLU())
    assert repr(nn.SiLU(inplace=True)) == repr(torch.nn.SiLU(inplace=True))


def test_silu_gradient_matches_finite_differences():
    check_gradients(F.silu, randn(3, 5) * 3)
