"""Tensor.norm and hm.linalg.norm / vector_norm / matrix_norm against PyTorch."""

import math

import numpy as np
import pytest
from support import check_against_torch, check_gradients, requires_torch, torch

import homeml as hm

RNG = np.random.default_rng(0)
X = RNG.normal(size=(3, 4))
X3 = RNG.normal(size=(2, 3, 4))
ORDS = [2, 1, math.inf, -math.inf, 3, 1.5, 0]


@requires_torch
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("ord", ORDS)
@pytest.mark.parametrize("dim, keepdim", [(None, False), (1, False), (0, True), ((0, 2), False)])
def test_vector_norm_matches_torch(ord, dim, keepdim, dtype):
    x = X3.astype(dtype)
    check_against_torch(
        lambda a: hm.linalg.vector_norm(a, ord, dim, keepdim),
        lambda a: torch.linalg.vector_norm(a, ord, dim, keepdim),
        x,
    )


@requires_torch
@pytest.mark.parametrize("p", ["fro", 2, 1, math.inf, 3])
@pytest.mark.parametrize("dim, keepdim", [(None, False), (1, True), ((0, 1), False)])
def test_tensor_norm_matches_torch(p, dim, keepdim):
    check_against_torch(lambda a: a.norm(p, dim, keepdim), lambda a: a.norm(p, dim, keepdim), X3)


@requires_torch
@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize(
    "x, dim, ord",
    [
        (x, dim, ord)
        for x, dim in ((X, None), (X3, (0, 2)), (X3, (-1, -2)), (X3, (2, 0)))
        for ord in (None, "fro", 1, -1, math.inf, -math.inf)
    ]
    + [(X3[0, 0], None, ord) for ord in (None, 1, 2, 3, math.inf, -math.inf, 0)],
)
def test_linalg_norm_matches_torch(x, ord, dim, keepdim):
    check_against_torch(
        lambda a: hm.linalg.norm(a, ord, dim, keepdim),
        lambda a: torch.linalg.norm(a, ord, dim, keepdim),
        x,
    )


@requires_torch
@pytest.mark.parametrize("ord", [2, 1, math.inf, 3])
def test_norm_gradient_at_zero_and_ties_like_torch(ord):
    # a zero vector (gradient 0, not nan) and tied largest magnitudes (shared gradient)
    x = np.array([[0.0, 0.0, 0.0], [2.0, -2.0, 1.0]])
    check_against_torch(
        lambda a: hm.linalg.vector_norm(a, ord, 1), lambda a: torch.linalg.vector_norm(a, ord, 1), x
    )


@pytest.mark.parametrize("ord", [2, 1, math.inf, 3, "fro-matrix", "inf-matrix"])
def test_norm_gradients_match_finite_differences(ord):
    if ord == "fro-matrix":
        check_gradients(lambda a: hm.linalg.matrix_norm(a, "fro"), X3)
    elif ord == "inf-matrix":
        check_gradients(lambda a: hm.linalg.matrix_norm(a, math.inf), X3)
    else:
        check_gradients(lambda a: hm.linalg.vector_norm(a, ord, -1), X3)


def test_norm_bad_input_says_what_is_expected():
    x = hm.tensor(X)
    with pytest.raises(TypeError, match="expected a floating-point tensor, got int64"):
        hm.linalg.norm(hm.tensor([3, 4]))
    with pytest.raises(ValueError, match="ord must be 0, a number >= 1, inf or -inf; got 0.5"):
        hm.linalg.vector_norm(x, 0.5)
    with pytest.raises(ValueError, match="spectral and nuclear"):
        hm.linalg.norm(x, 2)
    with pytest.raises(ValueError, match="'fro' is a matrix norm"):
        hm.linalg.norm(hm.tensor(X[0]), "fro")
    with pytest.raises(ValueError, match="needs a 1-D or 2-D input"):
        hm.linalg.norm(hm.tensor(X3), 1)
    with pytest.raises(ValueError, match="two distinct dimensions"):
        hm.linalg.matrix_norm(hm.tensor(X[0]))
