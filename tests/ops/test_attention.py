"""F.scaled_dot_product_attention against torch's: outputs and the gradients of query, key,
value and a float mask, with bool/float/causal masks, broadcasting batch and head dimensions,
custom scales, fully masked rows; dropout against the same kept entries; finite differences."""

import numpy as np
import pytest
from support import check_against_torch, check_gradients, requires_torch, torch

import homeml as hm
import homeml.nn.functional as F

pytestmark = requires_torch

DTYPES = [np.float64, np.float32]


def randn(*shape, dtype=np.float64, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


def sdpa_pair(**options):
    """The same call in homeml and in torch."""
    return (
        lambda *a: F.scaled_dot_product_attention(*a, **options),
        lambda *a: torch.nn.functional.scaled_dot_product_attention(*a, **options),
    )


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(
    "q_shape,k_shape,v_shape",
    [
        ((2, 3, 4, 8), (2, 3, 5, 8), (2, 3, 5, 6)),  # (N, heads, L, E), S != L, Ev != E
        ((4, 8), (6, 8), (6, 8)),  # unbatched
        ((2, 3, 4, 8), (1, 3, 5, 8), (2, 1, 5, 8)),  # broadcast over batch and heads
    ],
)
@pytest.mark.parametrize("scale", [None, 0.3])
def test_matches_torch(dtype, q_shape, k_shape, v_shape, scale):
    q, k, v = (
        randn(*q_shape, dtype=dtype),
        randn(*k_shape, dtype=dtype, seed=1),
        randn(*v_shape, dtype=dtype, seed=2),
    )
    ours, theirs = sdpa_pair(scale=scale)
    check_against_torch(ours, theirs, q, k, v)


@pytest.mark.parametrize("dtype", DTYPES)
def test_causal_matches_torch(dtype):
    q, k, v = (randn(2, 2, 5, 4, dtype=dtype, seed=s) for s in range(3))
    check_against_torch(*sdpa_pair(is_causal=True), q, k, v)
    # L != S: torch's causal mask is the top-left aligned lower triangle
    check_against_torch(*sdpa_pair(is_causal=True), q[..., :3, :], k, v)


@pytest.mark.parametrize("mask_shape", [(5, 6), (2, 1, 5, 6), (1, 6)])
def test_bool_mask_matches_torch(mask_shape):
    q, k, v = randn(2, 3, 5, 4), randn(2, 3, 6, 4, seed=1), randn(2, 3, 6, 4, seed=2)
    mask = np.random.default_rng(3).random(mask_shape) > 0.4
    mask[..., 0] = True  # every query sees something here (fully masked rows: below)
    ours = lambda a, b, c: F.scaled_dot_product_attention(a, b, c, hm.tensor(mask))  # noqa: E731
    theirs = lambda a, b, c: torch.nn.functional.scaled_dot_product_attention(  # noqa: E731
        a, b, c, torch.tensor(mask)
    )
    check_against_torch(ours, theirs, q, k, v)


@pytest.mark.parametrize("dtype", DTYPES)
def test_float_mask_matches_torch_and_gets_its_gradient(dtype):
    q, k, v = (
        randn(2, 5, 4, dtype=dtype),
        randn(2, 6, 4, dtype=dtype, seed=1),
        randn(2, 6, 3, dtype=dtype, seed=2),
    )
    mask = randn(5, 6, dtype=dtype, seed=3)  # (L, S), broadcast over the batch
    mask[1, 2] = -np.inf
    check_against_torch(
        lambda a, b, c, m: F.scaled_dot_product_attention(a, b, c, attn_mask=m),
        lambda a, b, c, m: torch.nn.functional.scaled_dot_product_attention(a, b, c, attn_mask=m),
        q,
        k,
        v,
        mask,
    )


def test_fully_masked_query_gets_zeros_like_torch():
    q, k, v = randn(1, 2, 3, 4), randn(1, 2, 5, 4, seed=1), randn(1, 2, 5, 4, seed=2)
    mask = np.ones((3, 5), dtype=bool)
    mask[1] = False
    check_against_torch(
        lambda a, b, c: F.scaled_dot_product_attention(a, b, c, hm.tensor(mask)),
        lambda a, b, c: torch.nn.functional.scaled_dot_product_attention(
            a, b, c, torch.tensor(mask)
        ),
        q,
        k,
        v,
    )


def test_only_the_inputs_that_need_it_get_a_gradient():
    q, k, v = randn(2, 4, 3), randn(2, 5, 3, seed=1), randn(2, 5, 2, seed=2)
    for wanted in range(3):
        ours = [hm.tensor(a, requires_grad=i == wanted) for i, a in enumerate((q, k, v))]
        theirs = [torch.tensor(a, requires_grad=i == wanted) for i, a in enumerate((q, k, v))]
        F.scaled_dot_product_attention(*ours, is_causal=True).sum().backward()
        torch.nn.functional.scaled_dot_product_attention(*theirs, is_causal=True).sum().backward()
        for i, (o, t) in enumerate(zip(ours, theirs)):
            if i == wanted:
                np.testing.assert_allclose(o.grad.numpy(), t.grad.numpy(), rtol=1e-10)
            else:
                assert o.grad is None and t.grad is None


def test_gradients_by_finite_differences():
    q, k, v = randn(2, 3, 4), randn(2, 5, 4, seed=1), randn(2, 5, 2, seed=2)
    mask = randn(3, 5, seed=3)
    check_gradients(lambda a, b, c, m: F.scaled_dot_product_attention(a, b, c, m), q, k, v, mask)
    check_gradients(
        lambda a, b, c: F.scaled_dot_product_attention(
            a, b, c, dropout_p=0.3, generator=hm.Generator(7)
        ),
        q,
        k,
        v,
    )


def test_dropout_drops_attention_weights_with_the_generator():
    q, k, v = randn(2, 3, 4, 8), randn(2, 3, 6, 8, seed=1), randn(2, 3, 6, 5, seed=2)
    p = 0.25
    ours = F.scaled_dot_product_attention(
        hm.tensor(q), hm.tensor(k), hm.tensor(v), dropout_p=p, generator=hm.Generator(11)
    )
    keep = hm.Generator(11).rng.random((2, 3, 4, 6), dtype=np.float32) >= p
    assert 0 < keep.mean() < 1
    weights = torch.softmax(torch.tensor(q) @ torch.tensor(k).mT / np.sqrt(8), dim=-1)
    expected = (weights * torch.tensor(keep / (1 - p))) @ torch.tensor(v)
    np.testing.assert_allclose(ours.numpy(), expected.numpy(), rtol=1e-10)
    # the global generator by default
    hm.manual_seed(5)
    a = F.scaled_dot_product_attention(hm.tensor(q), hm.tensor(k), hm.tensor(v), dropout_p=p)
    hm.manual_seed(5)
    b = F.scaled_dot_product_attention(hm.tensor(q), hm.tensor(k), hm.tensor(v), dropout_p=p)
    np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_records_one_node():
    q = hm.tensor(randn(2, 3, 4), requires_grad=True)
    out = F.scaled_dot_product_attention(q, q, q, is_causal=True)
    assert type(out.grad_fn).__name__ == "ScaledDotProductAttention"
    assert out.grad_fn.edges[0][1] is q


def test_bad_input_is_named():
    q = hm.tensor(randn(2, 3, 4))
    with pytest.raises(ValueError, match="key .*S, E"):
        F.scaled_dot_product_attention(q, hm.tensor(randn(2, 5, 3)), hm.tensor(randn(2, 5, 4)))
    with pytest.raises(ValueError, match="not both"):
        F.scaled_dot_product_attention(q, q, q, attn_mask=hm.ones(3, 3), is_causal=True)
    with pytest.raises(TypeError, match="bool or float, got int64"):
        F.scaled_dot_product_attention(q, q, q, attn_mask=hm.tensor(np.ones((3, 3), np.int64)))
    with pytest.raises(ValueError, match=r"dropout_p must be in \[0, 1\]"):
        F.scaled_dot_product_attention(q, q, q, dropout_p=1.5)
