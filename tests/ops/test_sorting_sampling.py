"""sort, argsort, topk, cumsum (against torch: values, indices, gradients; finite differences in
float64) and multinomial (torch's errors; draw frequencies against the probabilities)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from support import check_against_torch, check_gradients, requires_torch, torch

import homeml as hm

pytestmark = requires_torch

DTYPES = [np.float64, np.float32]


def distinct(*shape, dtype=np.float64, seed=0):
    """Values with no ties (finite differences of a sort are valid only away from ties)."""
    n = int(np.prod(shape))
    values = np.random.default_rng(seed).permutation(n) * 0.37 - n / 5
    return values.reshape(shape).astype(dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("dim", [0, 1, -1])
@pytest.mark.parametrize("descending", [False, True])
def test_sort_matches_torch(dtype, dim, descending):
    x = distinct(3, 4, 5, dtype=dtype)
    check_against_torch(
        lambda t: hm.sort(t, dim=dim, descending=descending).values,
        lambda t: torch.sort(t, dim=dim, descending=descending).values,
        x,
    )
    ours = hm.tensor(x).sort(dim, descending)
    theirs = torch.tensor(x).sort(dim, descending)
    np.testing.assert_array_equal(ours.indices.numpy(), theirs.indices.numpy())
    assert ours.indices.dtype == np.int64
    np.testing.assert_array_equal(
        hm.argsort(hm.tensor(x), dim, descending).numpy(),
        torch.argsort(torch.tensor(x), dim, descending).numpy(),
    )


@pytest.mark.parametrize("descending", [False, True])
def test_sort_is_stable_with_ties_and_nan(descending):
    x = np.array([[2.0, 1.0, 2.0, np.nan, 1.0, 3.0, 2.0], [0.0, 0.0, 0.0, 1.0, 0.0, -1.0, 1.0]])
    ours = hm.tensor(x).sort(descending=descending, stable=True)
    theirs = torch.tensor(x).sort(descending=descending, stable=True)
    np.testing.assert_array_equal(ours.values.numpy(), theirs.values.numpy())
    np.testing.assert_array_equal(ours.indices.numpy(), theirs.indices.numpy())
    ints = np.array([3, 1, 3, 0, 1], dtype=np.int64)
    np.testing.assert_array_equal(
        hm.tensor(ints).argsort(descending=descending, stable=True).numpy(),
        torch.tensor(ints).argsort(descending=descending, stable=True).numpy(),
    )


def test_sort_gradients_by_finite_differences():
    x = distinct(3, 5)
    check_gradients(lambda t: t.sort(dim=0, descending=True).values, x)
    check_gradients(lambda t: hm.sort(t).values, x)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("largest", [True, False])
@pytest.mark.parametrize("dim,k", [(-1, 3), (0, 1), (1, 4), (-1, 5)])
def test_topk_matches_torch(dtype, largest, dim, k):
    x = distinct(3, 4, 5, dtype=dtype)
    check_against_torch(
        lambda t: hm.topk(t, k, dim=dim, largest=largest).values,
        lambda t: torch.topk(t, k, dim=dim, largest=largest).values,
        x,
    )
    ours = hm.tensor(x).topk(k, dim, largest)
    theirs = torch.tensor(x).topk(k, dim, largest)
    np.testing.assert_array_equal(ours.indices.numpy(), theirs.indices.numpy())
    check_gradients(lambda t: t.topk(k, dim, largest).values, x.astype(np.float64))


def test_topk_rejects_k_out_of_range():
    x = hm.tensor(distinct(2, 3))
    with pytest.raises(RuntimeError, match=r"k must be in \[0, 3\].*k=4"):
        x.topk(4)
    with pytest.raises(RuntimeError):
        torch.tensor(distinct(2, 3)).topk(4)
    with pytest.raises(IndexError, match="dimension out of range"):
        x.topk(1, dim=2)
    assert x.topk(0).values.shape == (2, 0)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("dim", [0, 1, -1, -3])
def test_cumsum_matches_torch(dtype, dim):
    x = np.random.default_rng(1).standard_normal((3, 4, 2)).astype(dtype)
    check_against_torch(lambda t: hm.cumsum(t, dim), lambda t: torch.cumsum(t, dim), x)
    check_against_torch(lambda t: t.cumsum(dim), lambda t: t.cumsum(dim), x)
    check_gradients(lambda t: t.cumsum(dim), x.astype(np.float64))


def test_cumsum_dtypes_like_torch():
    ints = np.array([[1, 2], [3, 4]], dtype=np.int32)
    ours, theirs = hm.tensor(ints).cumsum(1), torch.tensor(ints).cumsum(1)
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    assert ours.dtype == np.int64 and theirs.dtype == torch.int64
    bools = np.array([True, False, True])
    np.testing.assert_array_equal(
        hm.tensor(bools).cumsum(0).numpy(), torch.tensor(bools).cumsum(0).numpy()
    )
    x = np.array([1.0, 2.0, 3.0], dtype=np.float32)
    check_against_torch(
        lambda t: t.cumsum(0, dtype=hm.float64), lambda t: t.cumsum(0, dtype=torch.float64), x
    )


# ----------------------------------------------------------------------------- multinomial


def _chi_square_ok(counts, expected):
    """Pearson's statistic below the 0.999 quantile (Wilson-Hilferty) of chi2(k - 1)."""
    keep = expected > 0
    assert counts[~keep].sum() == 0, "a zero-probability category was drawn"
    stat = ((counts[keep] - expected[keep]) ** 2 / expected[keep]).sum()
    dof = keep.sum() - 1
    quantile = dof * (1 - 2 / (9 * dof) + 3.09 * np.sqrt(2 / (9 * dof))) ** 3
    assert stat < quantile, (stat, quantile, counts, expected)


def test_multinomial_with_replacement_frequencies():
    weights = np.array([[1.0, 0.0, 3.0, 4.0, 2.0], [0.0, 5.0, 0.0, 0.0, 5.0]], dtype=np.float32)
    n = 20000
    draws = hm.multinomial(hm.tensor(weights), n, replacement=True, generator=hm.Generator(0))
    assert draws.shape == (2, n) and draws.dtype == np.int64
    for row, w in zip(draws.numpy(), weights):
        _chi_square_ok(np.bincount(row, minlength=5), n * w / w.sum())


def test_multinomial_without_replacement_frequencies():
    p = np.array([0.5, 0.3, 0.2, 0.0])
    rows = 30000
    probs = hm.tensor(np.tile(p, (rows, 1)))
    draws = probs.multinomial(2, generator=hm.Generator(1)).numpy()  # (rows, 2)
    assert np.all(draws[:, 0] != draws[:, 1])
    # P(first=i, second=j) = p_i p_j / (1 - p_i)
    expected = np.array(
        [[p[i] * p[j] / (1 - p[i]) if i != j else 0 for j in range(4)] for i in range(4)]
    )
    counts = np.zeros((4, 4))
    np.add.at(counts, (draws[:, 0], draws[:, 1]), 1)
    _chi_square_ok(counts.ravel(), rows * expected.ravel())
    # all categories without replacement: a permutation of the non-zero ones
    full = hm.multinomial(hm.tensor([1.0, 2.0, 3.0]), 3).numpy()
    assert sorted(full.tolist()) == [0, 1, 2]
    # past the non-zero categories, the zero ones follow in index order, as in torch
    weights = [[0.5, 0.0, 0.0], [0.0, 0.0, 1.0]]
    np.testing.assert_array_equal(
        hm.multinomial(hm.tensor(weights), 3).numpy(),
        torch.multinomial(torch.tensor(weights), 3).numpy(),
    )


def test_multinomial_seeding():
    probs = hm.tensor([0.2, 0.3, 0.5])
    hm.manual_seed(3)
    a = hm.multinomial(probs, 10, True)
    hm.manual_seed(3)
    b = probs.multinomial(10, replacement=True)
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    c = hm.multinomial(probs, 10, True, generator=hm.Generator(5))
    d = hm.multinomial(probs, 10, True, generator=hm.Generator(5))
    np.testing.assert_array_equal(c.numpy(), d.numpy())


@pytest.mark.parametrize(
    "probs,n,replacement,match",
    [
        ([0.5, -0.1, 0.6], 1, True, "element < 0"),
        ([0.5, np.nan, 0.6], 1, True, "`nan`"),
        ([0.5, np.inf], 1, True, "`inf`"),
        ([0.0, 0.0], 1, True, "sum of probabilities <= 0"),
        ([0.5, 0.5], 3, False, "n_sample > prob_dist.size"),
        ([0.5, 0.5], 0, True, "n_sample <= 0"),
        ([[[0.5, 0.5]]], 1, True, "1-D or 2-D"),
    ],
)
def test_multinomial_errors_like_torch(probs, n, replacement, match):
    with pytest.raises(RuntimeError, match=match):
        hm.multinomial(hm.tensor(probs), n, replacement)
    with pytest.raises(RuntimeError):
        torch.multinomial(torch.tensor(probs), n, replacement)


@settings(max_examples=30)
@given(
    x=hnp.arrays(
        np.float32,
        hnp.array_shapes(min_dims=1, max_dims=3, max_side=5),
        elements=st.sampled_from([-1.0, 0.0, 0.5, 2.0]),
    ),
    data=st.data(),
)
def test_sort_and_topk_with_ties_match_torch(x, data):
    dim = data.draw(st.integers(-x.ndim, x.ndim - 1))
    descending = data.draw(st.booleans())
    ours = hm.tensor(x).sort(dim=dim, descending=descending, stable=True)
    theirs = torch.tensor(x).sort(dim=dim, descending=descending, stable=True)
    np.testing.assert_array_equal(ours.values.numpy(), theirs.values.numpy())
    np.testing.assert_array_equal(ours.indices.numpy(), theirs.indices.numpy())
    k = data.draw(st.integers(0, x.shape[dim]))
    ours_k = hm.tensor(x).topk(k, dim, largest=descending)
    theirs_k = torch.tensor(x).topk(k, dim, largest=descending)
    np.testing.assert_array_equal(ours_k.values.numpy(), theirs_k.values.numpy())
    # torch leaves the order of tied indices open: check ours point at the values they report
    picked = np.take_along_axis(x, ours_k.indices.numpy(), axis=dim)
    np.testing.assert_array_equal(picked, ours_k.values.numpy())


def test_top_k_sampling_as_nanogpt_writes_it():
    """topk, masked assignment, softmax and multinomial together draw only the k best tokens."""
    hm.manual_seed(0)
    logits = hm.tensor(np.random.default_rng(4).standard_normal((3, 20)).astype(np.float32))
    v, _ = hm.topk(logits, 5)
    logits[logits < v[:, [-1]]] = -float("inf")
    probs = hm.softmax(logits, dim=-1)
    draws = hm.multinomial(probs, num_samples=200, replacement=True).numpy()  # (3, 200)
    best = hm.topk(logits, 5).indices.numpy()
    for row, allowed in zip(draws, best):
        assert set(row.tolist()) <= set(allowed.tolist())
        assert len(set(row.tolist())) == 5  # all five appear in 200 draws
