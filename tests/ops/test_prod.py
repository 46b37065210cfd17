"""Tensor.prod against PyTorch (values, dtypes, gradients with zeros) and finite differences."""

import numpy as np
import pytest
from support import check_against_torch, check_gradients, requires_torch, torch

import homeml as hm

RNG = np.random.default_rng(0)
# rows without zeros, with one zero and with two: the three cases of the gradient
WITH_ZEROS = np.array([[1.5, -2.0, 0.5, 3.0], [0.0, 3.0, -1.0, 2.0], [0.0, 2.0, 0.0, -4.0]])


@requires_torch
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("dim, keepdim", [(None, False), (0, False), (1, True), (-1, False)])
@pytest.mark.parametrize("x", [WITH_ZEROS, RNG.uniform(0.5, 1.5, size=(3, 4, 5))])
def test_prod_matches_torch_with_zeros(x, dim, keepdim, dtype):
    x = x.astype(dtype)
    if dim is None:
        check_against_torch(lambda a: a.prod(), lambda a: a.prod(), x)
    else:
        check_against_torch(lambda a: a.prod(dim, keepdim), lambda a: a.prod(dim, keepdim), x)


@pytest.mark.parametrize("dim", [None, 0, 1])
def test_prod_gradient_matches_finite_differences(dim):
    fn = (lambda a: a.prod()) if dim is None else (lambda a: a.prod(dim))
    check_gradients(fn, WITH_ZEROS)
    check_gradients(fn, RNG.normal(size=(3, 4)))


@requires_torch
def test_prod_of_integers_bool_and_0d_like_torch():
    for x in (np.array([[1, 2], [3, 4]], np.int32), np.array([True, False, True]), np.array(3.0)):
        ours, ref = hm.tensor(x).prod(), torch.tensor(x).prod()
        assert ours.item() == ref.item() and str(ours.dtype) == str(ref.dtype).split(".")[1]
    assert hm.tensor([2, 3]).prod(dtype=hm.float64).dtype == np.float64
    assert hm.tensor(np.array(2.5)).prod(0).item() == 2.5


def test_prod_bad_arguments_say_what_is_expected():
    x = hm.tensor(WITH_ZEROS)
    with pytest.raises(TypeError, match="dim must be an int or None, got tuple"):
        x.prod((0, 1))
    with pytest.raises(TypeError, match="keepdim needs a dim"):
        x.prod(keepdim=True)
    with pytest.raises(IndexError, match="dimension out of range"):
        x.prod(2)
