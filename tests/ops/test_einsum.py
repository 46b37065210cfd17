"""hm.einsum against torch.einsum: values and the gradient of every operand for the common
contractions (matmul, bmm, outer and batch outer products, traces, diagonals, sums over axes,
transposes, ellipsis broadcasting, implicit output), finite differences, and bad equations."""

import numpy as np
import pytest
from support import check_against_torch, check_gradients, requires_torch, torch

import homeml as hm

pytestmark = requires_torch

CASES = [
    ("ij,jk->ik", [(3, 4), (4, 5)]),  # matmul
    ("bij,bjk->bik", [(2, 3, 4), (2, 4, 5)]),  # bmm
    ("bhqd,bhkd->bhqk", [(2, 3, 4, 5), (2, 3, 6, 5)]),  # attention scores
    ("i,j->ij", [(3,), (4,)]),  # outer product
    ("bi,bj->bij", [(2, 3), (2, 4)]),  # batch outer product
    ("ii->", [(4, 4)]),  # trace
    ("ii->i", [(4, 4)]),  # diagonal
    ("bii->b", [(2, 3, 3)]),  # batch trace
    ("ij->", [(3, 4)]),  # sum of everything
    ("ij->i", [(3, 4)]),  # sum over an axis
    ("ijk->jk", [(2, 3, 4)]),
    ("ij->ji", [(3, 4)]),  # transpose
    ("ijk->kij", [(2, 3, 4)]),
    ("i,i->", [(5,), (5,)]),  # dot product
    ("ij,j->i", [(3, 4), (4,)]),  # matrix-vector
    ("ij,ij->ij", [(3, 4), (3, 4)]),  # elementwise
    ("ij,kj,k->i", [(3, 4), (5, 4), (5,)]),  # three operands
    ("...ij,...jk->...ik", [(2, 3, 4), (4, 5)]),  # ellipsis, broadcast batch
    ("...ij,...jk", [(2, 1, 3, 4), (3, 4, 2)]),  # implicit output with ellipsis
    ("ij,jk", [(3, 4), (4, 5)]),  # implicit output
    ("ba,ca", [(3, 4), (5, 4)]),  # implicit output, letters sorted
    ("ij,jk->ik", [(3, 1), (1, 5)]),  # size-1 dimensions
]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("equation,shapes", CASES)
def test_matches_torch(equation, shapes, dtype):
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(s).astype(dtype) for s in shapes]
    check_against_torch(
        lambda *t: hm.einsum(equation, *t), lambda *t: torch.einsum(equation, *t), *arrays
    )


@pytest.mark.parametrize("equation,shapes", CASES[::3] + [("ii->i", [(3, 3)]), ("ij->", [(2, 3)])])
def test_gradients_by_finite_differences(equation, shapes):
    rng = np.random.default_rng(1)
    check_gradients(lambda *t: hm.einsum(equation, *t), *[rng.standard_normal(s) for s in shapes])


def test_operands_as_a_list_and_spaces():
    a, b = np.ones((2, 3)), np.arange(6.0).reshape(3, 2)
    ours = hm.einsum("ij, jk -> ik", [hm.tensor(a), hm.tensor(b)])
    np.testing.assert_allclose(
        ours.numpy(), torch.einsum("ij,jk->ik", [torch.tensor(a), torch.tensor(b)]).numpy()
    )


@pytest.mark.parametrize(
    "equation,shapes,match",
    [
        ("ij,jk->ik", [(3, 4)], "2 operand"),
        ("ijk->i", [(3, 4)], "do not match an operand of shape"),
        ("ij->i", [(3, 4, 5)], "do not match"),
        ("ii->i", [(3, 4)], "different sizes 3 and 4"),
        ("i1->i", [(3, 4)], "invalid subscripts"),
    ],
)
def test_bad_equations_are_named(equation, shapes, match):
    with pytest.raises(ValueError, match=match):
        hm.einsum(equation, *[hm.zeros(s) for s in shapes])
    with pytest.raises(RuntimeError):
        torch.einsum(equation, *[torch.zeros(s) for s in shapes])
