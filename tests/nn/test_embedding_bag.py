"""nn.EmbeddingBag and F.embedding_bag against torch (outputs, weight and per-sample-weight
gradients) and finite differences."""

import numpy as np
import pytest
from support import check_gradients, requires_torch, torch

import homeml as hm
import homeml.nn.functional as F
from homeml import nn

pytestmark = requires_torch

V, D = 9, 4


def _compare(dtype, mode, index, offsets=None, psw=None, padding_idx=None, last=False, seed=0):
    rng = np.random.default_rng(seed)
    weight = rng.standard_normal((V, D)).astype(dtype)
    ours_w = hm.tensor(weight, requires_grad=True)
    theirs_w = torch.tensor(weight, requires_grad=True)
    ours_p = theirs_p = None
    if psw is not None:
        ours_p = hm.tensor(psw.astype(dtype), requires_grad=True)
        theirs_p = torch.tensor(psw.astype(dtype), requires_grad=True)
    kwargs = dict(mode=mode, include_last_offset=last, padding_idx=padding_idx)
    ours = F.embedding_bag(
        hm.tensor(index),
        ours_w,
        None if offsets is None else hm.tensor(offsets),
        per_sample_weights=ours_p,
        **kwargs,
    )
    theirs = torch.nn.functional.embedding_bag(
        torch.tensor(index),
        theirs_w,
        None if offsets is None else torch.tensor(offsets),
        per_sample_weights=theirs_p,
        **kwargs,
    )
    tol = dict(rtol=1e-12, atol=1e-12) if dtype == np.float64 else dict(rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(ours.numpy(), theirs.detach().numpy(), **tol)
    assert ours.dtype == dtype
    upstream = rng.standard_normal(ours.shape).astype(dtype)
    (ours * hm.tensor(upstream)).sum().backward()
    (theirs * torch.tensor(upstream)).sum().backward()
    np.testing.assert_allclose(ours_w.grad.numpy(), theirs_w.grad.numpy(), **tol)
    if psw is not None:
        np.testing.assert_allclose(ours_p.grad.numpy(), theirs_p.grad.numpy(), **tol)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
@pytest.mark.parametrize("padding_idx", [None, 2])
def test_offsets_against_torch(dtype, mode, padding_idx):
    # bags of sizes 3, 0, 4, 1, 2 (one empty), repeated indices, the padding index in two bags
    index = np.array([1, 2, 1, 5, 2, 2, 0, 8, 3, 2], dtype=np.int64)
    offsets = np.array([0, 3, 3, 7, 8], dtype=np.int64)
    _compare(dtype, mode, index, offsets, padding_idx=padding_idx)


@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
@pytest.mark.parametrize("padding_idx", [None, 0, -1])
def test_2d_input_against_torch(mode, padding_idx):
    index = np.array([[1, 4, 0, 0], [8, 8, 3, 0], [0, 0, 0, 0]], dtype=np.int64)
    _compare(np.float64, mode, index, padding_idx=padding_idx)


@pytest.mark.parametrize("padding_idx", [None, 2])
def test_per_sample_weights_against_torch(padding_idx):
    index = np.array([1, 2, 1, 5, 2, 2, 0, 8], dtype=np.int64)
    offsets = np.array([0, 3, 6], dtype=np.int64)
    psw = np.random.default_rng(1).standard_normal(8)
    _compare(np.float64, "sum", index, offsets, psw=psw, padding_idx=padding_idx)
    _compare(np.float32, "sum", index.reshape(2, 4), psw=psw.reshape(2, 4))


def test_include_last_offset_against_torch():
    index = np.array([1, 2, 1, 5, 2, 2, 0, 8], dtype=np.int64)
    # three bags; the last offset is the input's length (torch's own results differ between
    # modes when it is not)
    offsets = np.array([0, 3, 6, 8], dtype=np.int64)
    for mode in ("sum", "mean", "max"):
        _compare(np.float64, mode, index, offsets, last=True)
    _compare(np.float64, "sum", index, offsets, psw=np.arange(8.0) / 3, last=True)


@pytest.mark.parametrize("mode", ["sum", "mean"])
def test_gradients_against_finite_differences(mode):
    index = np.array([1, 2, 1, 5, 0, 3], dtype=np.int64)
    offsets = np.array([0, 2, 2, 5])
    weight = np.random.default_rng(0).standard_normal((6, 3))
    check_gradients(lambda w: F.embedding_bag(index, w, offsets, mode=mode), weight)
    psw = np.random.default_rng(1).standard_normal(6)
    check_gradients(
        lambda w, p: F.embedding_bag(index, w, offsets, mode="sum", per_sample_weights=p),
        weight,
        psw,
    )


def test_module_matches_torch_module():
    hm.manual_seed(0)
    ours = nn.EmbeddingBag(V, D, mode="max", padding_idx=3)
    theirs = torch.nn.EmbeddingBag(V, D, mode="max", padding_idx=3)
    assert not ours.weight.numpy()[3].any()  # the padding row starts at zero, as torch's
    with torch.no_grad():
        theirs.weight.copy_(torch.tensor(ours.weight.numpy()))
    index = np.array([[3, 1, 2], [4, 3, 3]])
    np.testing.assert_allclose(
        ours(hm.tensor(index)).numpy(), theirs(torch.tensor(index)).detach().numpy(), rtol=1e-6
    )
    assert "mode='max'" in repr(ours) and "padding_idx=3" in repr(ours)


def test_bad_arguments_are_named():
    bag = nn.EmbeddingBag(V, D, mode="mean")
    with pytest.raises(ValueError, match="offsets must be None"):
        bag(hm.tensor(np.zeros((2, 3), dtype=np.int64)), hm.tensor(np.array([0, 1])))
    with pytest.raises(ValueError, match="needs offsets"):
        bag(hm.tensor(np.zeros(3, dtype=np.int64)))
    with pytest.raises(ValueError, match=r"offsets\[0\] must be 0"):
        bag(hm.tensor(np.zeros(3, dtype=np.int64)), hm.tensor(np.array([1, 2])))
    with pytest.raises(ValueError, match="non-decreasing"):
        bag(hm.tensor(np.zeros(3, dtype=np.int64)), hm.tensor(np.array([0, 2, 1])))
    with pytest.raises(IndexError, match="out of range"):
        bag(hm.tensor(np.array([[V]])))
    with pytest.raises(NotImplementedError, match="mode='sum'"):
        bag(hm.tensor(np.array([[1]])), per_sample_weights=hm.tensor(np.ones((1, 1))))
    with pytest.raises(ValueError, match="mode must be"):
        nn.EmbeddingBag(V, D, mode="median")
