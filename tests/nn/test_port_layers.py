"""Layers that ported PyTorch scripts use: SmoothL1Loss, Dropout2d, Identity, DataParallel."""

from __future__ import annotations

import numpy as np
import pytest
from support import check_against_torch, check_gradients, requires_torch, torch

import homeml as hm
from homeml import nn
from homeml.nn import functional as F

SMOOTH = [(reduction, beta) for reduction in ("mean", "sum", "none") for beta in (1.0, 0.3, 0.0)]


@pytest.mark.parametrize("reduction, beta", SMOOTH)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_smooth_l1_loss_matches_torch(reduction, beta, dtype):
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((4, 5)).astype(dtype), rng.standard_normal((4, 5)).astype(dtype)
    check_against_torch(
        lambda x, y: nn.SmoothL1Loss(reduction=reduction, beta=beta)(x, y),
        lambda x, y: torch.nn.SmoothL1Loss(reduction=reduction, beta=beta)(x, y),
        a,
        b,
    )
    check_against_torch(
        lambda x, y: F.smooth_l1_loss(x, y, reduction=reduction, beta=beta),
        lambda x, y: torch.nn.functional.smooth_l1_loss(x, y, reduction=reduction, beta=beta),
        a,
        b,
    )


@pytest.mark.parametrize("beta", [1.0, 0.3])
def test_smooth_l1_loss_gradients_match_finite_differences(beta):
    rng = np.random.default_rng(1)
    check_gradients(
        lambda x, y: F.smooth_l1_loss(x, y, reduction="sum", beta=beta),
        rng.standard_normal(6),
        rng.standard_normal(6),
    )


def test_smooth_l1_loss_errors():
    with pytest.raises(RuntimeError, match="negative"):
        F.smooth_l1_loss(hm.ones(2), hm.ones(2), beta=-1.0)
    with pytest.raises(ValueError):
        F.smooth_l1_loss(hm.ones(2), hm.ones(3))


@pytest.mark.parametrize("shape", [(8, 16, 3, 3), (16, 3, 3)])
def test_dropout2d_drops_whole_channels(shape):
    hm.manual_seed(0)
    layer = nn.Dropout2d(0.25)
    x = hm.ones(*shape, requires_grad=True)
    y = layer(x)
    maps = y.numpy().reshape(-1, 9)
    # each channel is all zero or all 1/(1-p)
    assert np.all((maps == 0).all(axis=1) | np.isclose(maps, 1 / 0.75).all(axis=1))
    dropped = (maps == 0).all(axis=1).mean()
    assert 0.1 < dropped < 0.4
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), y.numpy())  # gradient is the same mask
    layer.eval()
    assert layer(x) is x
    if torch is not None:
        assert repr(layer) == repr(torch.nn.Dropout2d(0.25))


@requires_torch
def test_dropout2d_statistics_match_torch():
    torch.manual_seed(0)
    hm.manual_seed(0)
    x = np.ones((200, 50, 2, 2), dtype=np.float32)
    ours = nn.Dropout2d(0.4)(hm.tensor(x)).numpy()
    ref = torch.nn.Dropout2d(0.4)(torch.tensor(x)).numpy()
    assert set(np.unique(ours)) == set(np.unique(ref))
    assert abs((ours == 0).mean() - (ref == 0).mean()) < 0.02
    with pytest.raises(ValueError):
        nn.Dropout2d(1.5)


def test_identity_and_data_parallel():
    assert nn.Identity(54, unused_argument=0.1)(hm.ones(2)).tolist() == [1.0, 1.0]
    with pytest.raises(RuntimeError, match="not supported"):
        nn.DataParallel(nn.Linear(2, 2))
    with pytest.raises(RuntimeError, match="not supported"):
        nn.DistributedDataParallel(nn.Linear(2, 2))
