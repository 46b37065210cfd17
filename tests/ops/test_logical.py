"""isnan, isinf, isfinite, any, all, t() and allclose against PyTorch."""

import numpy as np
import pytest
from support import requires_torch, torch

import homeml as hm

X = np.array([[1.0, np.nan, -np.inf], [0.0, 2.0, np.inf]], np.float32)
B = np.array([[True, False, False], [True, True, False]])


@requires_torch
@pytest.mark.parametrize("name", ["isnan", "isinf", "isfinite"])
def test_value_tests_match_torch(name):
    ours, ref = getattr(hm.tensor(X), name)(), getattr(torch.tensor(X), name)()
    assert ours.dtype == np.bool_ and not ours.requires_grad
    np.testing.assert_array_equal(ours.numpy(), ref.numpy())


@requires_torch
@pytest.mark.parametrize("name", ["any", "all"])
@pytest.mark.parametrize("x", [B, X, np.array([[0, 3], [0, 0]])])
@pytest.mark.parametrize("dim, keepdim", [(None, False), (0, False), (1, True), (-1, False)])
def test_any_all_match_torch(name, x, dim, keepdim):
    t = torch.tensor(x)
    ref = getattr(t, name)() if dim is None else getattr(t, name)(dim, keepdim)
    ours = getattr(hm.tensor(x), name)(dim, keepdim)
    assert ours.dtype == np.bool_ and ours.shape == tuple(ref.shape)
    np.testing.assert_array_equal(ours.numpy(), ref.numpy())


@requires_torch
def test_t_matches_torch_and_keeps_the_gradient():
    for shape in [(), (4,), (2, 3)]:
        x = np.arange(float(np.prod(shape))).reshape(shape)
        a, r = hm.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        np.testing.assert_array_equal(a.t().numpy(), r.t().detach().numpy())
        w = np.arange(a.t().numel(), dtype=float).reshape(a.t().shape)
        (a.t() * hm.tensor(w)).sum().backward()
        (r.t() * torch.tensor(w)).sum().backward()
        np.testing.assert_array_equal(a.grad.numpy(), r.grad.numpy())
    with pytest.raises(ValueError, match=r"<= 2 dimensions, got shape \(2, 2, 2\)"):
        hm.zeros(2, 2, 2).t()


@requires_torch
@pytest.mark.parametrize(
    "rtol, atol, equal_nan", [(1e-5, 1e-8, False), (0, 1e-3, True), (1e-2, 0, False)]
)
def test_allclose_matches_torch(rtol, atol, equal_nan):
    a = np.array([1.0, 100.0, np.nan, 0.0])
    for delta in (0.0, 1e-9, 1e-6, 5e-4, 0.5):
        b = a + delta
        ref = torch.allclose(torch.tensor(a), torch.tensor(b), rtol, atol, equal_nan)
        assert hm.allclose(hm.tensor(a), hm.tensor(b), rtol, atol, equal_nan) is ref
        assert hm.tensor(a).allclose(hm.tensor(b), rtol, atol, equal_nan) is ref
    # broadcasting, as in PyTorch
    assert hm.allclose(hm.ones(2, 3), hm.ones(3)) is torch.allclose(torch.ones(2, 3), torch.ones(3))


def test_allclose_bad_input():
    with pytest.raises(ValueError, match=r"shapes \(2,\) and \(3,\) do not broadcast"):
        hm.allclose(hm.ones(2), hm.ones(3))
    with pytest.raises(TypeError, match="expected a Tensor, got str"):
        hm.allclose(hm.ones(2), "ones")
