"""MultiheadAttention and the transformer blocks against torch: outputs, weights, gradients."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from support import requires_torch, torch

import homeml as hm
from homeml import nn

pytestmark = [
    requires_torch,
    pytest.mark.filterwarnings("ignore:enable_nested_tensor is True:UserWarning"),
]

TOL = dict(rtol=1e-6, atol=1e-9)
E, H, L, S, N = 8, 2, 3, 4, 2


def load(ours, theirs):
    state = {k: v.detach().numpy().copy() for k, v in theirs.state_dict().items()}
    result = ours.load_state_dict(state)
    assert not result.missing_keys and not result.unexpected_keys
    assert list(dict(ours.named_parameters())) == list(dict(theirs.named_parameters()))


def compare(ours, theirs, h_out, t_out, h_in, t_in):
    """Compare outputs, then the gradients of a random weighted sum of them."""
    rng = np.random.default_rng(1)
    h_loss, t_loss = 0, 0
    for a, b in zip(h_out, t_out):
        if b is None:
            assert a is None
            continue
        assert tuple(a.shape) == tuple(b.shape)
        np.testing.assert_allclose(a.numpy(), b.detach().numpy(), **TOL)
        w = rng.standard_normal(a.shape)
        h_loss = h_loss + (a * hm.tensor(w)).sum()
        t_loss = t_loss + (b * torch.tensor(w)).sum()
    h_loss.backward()
    t_loss.backward()
    for a, b in zip(h_in, t_in):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), **TOL, err_msg="input grad")
    mine = dict(ours.named_parameters())
    for name, p in theirs.named_parameters():
        np.testing.assert_allclose(mine[name].grad.numpy(), p.grad.numpy(), **TOL, err_msg=name)


def inputs(*shapes, seed=0):
    rng = np.random.default_rng(seed)
    arrays = [rng.standard_normal(s) for s in shapes]
    return [hm.tensor(a, requires_grad=True) for a in arrays], [
        torch.tensor(a, requires_grad=True) for a in arrays
    ]


def masks(kind, batch):
    """(attn_mask, key_padding_mask) as numpy arrays, none fully masking a query."""
    rng = np.random.default_rng(2)
    attn = pad = None
    if kind in ("bool2d", "both"):
        attn = rng.random((L, S)) < 0.4
        attn[:, 0] = False
    if kind == "bool3d":
        attn = rng.random((batch * H, L, S)) < 0.4
        attn[..., 0] = False
    if kind == "float2d":
        attn = rng.standard_normal((L, S))
    if kind == "float3d":
        attn = rng.standard_normal((batch * H, L, S))
    if kind in ("pad", "both"):
        pad = np.zeros((batch, S), dtype=bool)
        pad[-1, -2:] = True
    if kind == "floatpad":
        pad = np.zeros((batch, S))
        pad[0, -1] = -np.inf
        pad[-1, 1] = 0.5
    return attn, pad


def as_pair(mask):
    if mask is None:
        return None, None
    return hm.tensor(mask), torch.tensor(mask)


MASKS = ["none", "bool2d", "bool3d", "float2d", "float3d", "pad", "floatpad", "both", "causal"]
WEIGHTS = [(True, True), (True, False), (False, True)]  # need_weights, average_attn_weights
GRID = list(itertools.product([False, True], MASKS, WEIGHTS))


@pytest.mark.parametrize("batch_first, mask, weights", GRID)
def test_multihead_attention_matches_torch(batch_first, mask, weights):
    need_weights, average = weights
    theirs = torch.nn.MultiheadAttention(E, H, batch_first=batch_first).double()
    ours = nn.MultiheadAttention(E, H, batch_first=batch_first, dtype=np.float64)
    load(ours, theirs)
    shape = (lambda n: (N, n, E)) if batch_first else (lambda n: (n, N, E))
    h_in, t_in = inputs(shape(L), shape(S), shape(S))
    attn, pad = masks(mask, N)
    causal = mask == "causal"
    if causal:
        attn = np.triu(np.ones((L, S), dtype=bool), 1)
    (ha, ta), (hp, tp) = as_pair(attn), as_pair(pad)
    kw = dict(need_weights=need_weights, average_attn_weights=average, is_causal=causal)
    h_out = ours(*h_in, key_padding_mask=hp, attn_mask=ha, **kw)
    t_out = theirs(*t_in, key_padding_mask=tp, attn_mask=ta, **kw)
    compare(ours, theirs, h_out, t_out, h_in, t_in)


@pytest.mark.parametrize("kdim, vdim", [(5, 6), (E, 3), (4, E)])
@pytest.mark.parametrize("bias", [True, False])
def test_multihead_attention_kdim_vdim_and_bias(kdim, vdim, bias):
    theirs = torch.nn.MultiheadAttention(E, H, bias=bias, kdim=kdim, vdim=vdim).double()
    ours = nn.MultiheadAttention(E, H, bias=bias, kdim=kdim, vdim=vdim, dtype=np.float64)
    assert ours.in_proj_weight is None and ours.q_proj_weight is not None
    load(ours, theirs)
    h_in, t_in = inputs((L, N, E), (S, N, kdim), (S, N, vdim))
    attn, pad = masks("both", N)
    (ha, ta), (hp, tp) = as_pair(attn), as_pair(pad)
    h_out = ours(*h_in, key_padding_mask=hp, attn_mask=ha)
    t_out = theirs(*t_in, key_padding_mask=tp, attn_mask=ta)
    compare(ours, theirs, h_out, t_out, h_in, t_in)


@pytest.mark.parametrize("average", [True, False])
def test_multihead_attention_unbatched(average):
    theirs = torch.nn.MultiheadAttention(E, H).double()
    ours = nn.MultiheadAttention(E, H, dtype=np.float64)
    load(ours, theirs)
    h_in, t_in = inputs((L, E), (S, E), (S, E))
    pad = np.array([False, False, True, False])
    (hp, tp) = as_pair(pad)
    h_out = ours(*h_in, key_padding_mask=hp, average_attn_weights=average)
    t_out = theirs(*t_in, key_padding_mask=tp, average_attn_weights=average)
    compare(ours, theirs, h_out, t_out, h_in, t_in)


def test_multihead_attention_dropout_only_in_training():
    ours = nn.MultiheadAttention(E, H, dropout=0.5)
    x = hm.tensor(np.random.default_rng(0).standard_normal((L, N, E)).astype(np.float32))
    ours.eval()
    a, b = ours(x, x, x)[0], ours(x, x, x)[0]
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    ours.train()
    out, weights = ours(x, x, x, average_attn_weights=False)
    assert not np.allclose(out.numpy(), a.numpy())
    assert (weights.numpy() == 0).any()  # the returned weights are the dropped-out ones
    assert not np.allclose(ours(x, x, x, need_weights=False)[0].numpy(), a.numpy())


def pad_and_causal(batch, length, source):
    """A bool causal (length, length) mask and an (batch, source) padding mask."""
    causal = np.triu(np.ones((length, length), dtype=bool), 1)
    pad = np.zeros((batch, source), dtype=bool)
    pad[-1, -1] = True
    return causal, pad


LAYER_GRID = list(itertools.product([False, True], [False, True], ["relu", "gelu"], [True, False]))


@pytest.mark.parametrize("batch_first, norm_first, activation, with_masks", LAYER_GRID)
def test_encoder_layer_matches_torch(batch_first, norm_first, activation, with_masks):
    kw = dict(dim_feedforward=16, activation=activation, batch_first=batch_first)
    theirs = torch.nn.TransformerEncoderLayer(E, H, norm_first=norm_first, **kw).double().eval()
    ours = nn.TransformerEncoderLayer(E, H, norm_first=norm_first, dtype=np.float64, **kw).eval()
    load(ours, theirs)
    h_in, t_in = inputs((N, S, E) if batch_first else (S, N, E))
    hm_kw, t_kw = {}, {}
    if with_masks:
        causal, pad = pad_and_causal(N, S, S)
        hm_kw = dict(src_mask=hm.tensor(causal), src_key_padding_mask=hm.tensor(pad))
        t_kw = dict(src_mask=torch.tensor(causal), src_key_padding_mask=torch.tensor(pad))
    compare(ours, theirs, [ours(*h_in, **hm_kw)], [theirs(*t_in, **t_kw)], h_in, t_in)


@pytest.mark.parametrize("batch_first, norm_first, activation, with_masks", LAYER_GRID)
def test_decoder_layer_matches_torch(batch_first, norm_first, activation, with_masks):
    kw = dict(dim_feedforward=16, activation=activation, batch_first=batch_first)
    theirs = torch.nn.TransformerDecoderLayer(E, H, norm_first=norm_first, **kw).double().eval()
    ours = nn.TransformerDecoderLayer(E, H, norm_first=norm_first, dtype=np.float64, **kw).eval()
    load(ours, theirs)
    h_in, t_in = inputs(
        (N, L, E) if batch_first else (L, N, E), (N, S, E) if batch_first else (S, N, E)
    )
    hm_kw, t_kw = {}, {}
    if with_masks:
        causal, pad = pad_and_causal(N, L, S)
        memory_mask = np.random.default_rng(3).random((L, S)) < 0.3
        memory_mask[:, 0] = False
        arrays = dict(tgt_mask=causal, memory_key_padding_mask=pad, memory_mask=memory_mask)
        hm_kw = {k: hm.tensor(v) for k, v in arrays.items()}
        t_kw = {k: torch.tensor(v) for k, v in arrays.items()}
    compare(ours, theirs, [ours(*h_in, **hm_kw)], [theirs(*t_in, **t_kw)], h_in, t_in)


def test_layer_with_callable_activation_and_no_bias():
    kw = dict(dim_feedforward=16, bias=False)
    theirs = torch.nn.TransformerEncoderLayer(E, H, activation=torch.tanh, **kw).double().eval()
    ours = nn.TransformerEncoderLayer(E, H, activation=hm.tanh, dtype=np.float64, **kw).eval()
    load(ours, theirs)
    h_in, t_in = inputs((S, N, E))
    compare(ours, theirs, [ours(*h_in)], [theirs(*t_in)], h_in, t_in)


@pytest.mark.parametrize("batch_first, norm_first", [(False, False), (True, True)])
def test_stacks_and_transformer_match_torch(batch_first, norm_first):
    kw = dict(dim_feedforward=16, batch_first=batch_first, norm_first=norm_first)
    theirs = torch.nn.Transformer(E, H, 2, 2, **kw).double().eval()
    ours = nn.Transformer(E, H, 2, 2, dtype=np.float64, **kw).eval()
    load(ours, theirs)
    assert "encoder.layers.1.self_attn.in_proj_weight" in ours.state_dict()
    assert "decoder.layers.1.multihead_attn.out_proj.bias" in ours.state_dict()
    shape = (lambda n: (N, n, E)) if batch_first else (lambda n: (n, N, E))
    h_in, t_in = inputs(shape(S), shape(L))
    mask = nn.Transformer.generate_square_subsequent_mask(L, dtype=np.float64)
    t_mask = torch.nn.Transformer.generate_square_subsequent_mask(L, dtype=torch.float64)
    np.testing.assert_array_equal(mask.numpy(), t_mask.numpy())
    _, pad = pad_and_causal(N, S, S)
    h_out = ours(*h_in, tgt_mask=mask, src_key_padding_mask=hm.tensor(pad), tgt_is_causal=True)
    t_out = theirs(
        *t_in, tgt_mask=t_mask, src_key_padding_mask=torch.tensor(pad), tgt_is_causal=True
    )
    compare(ours, theirs, [h_out], [t_out], h_in, t_in)


def test_encoder_stack_copies_the_layer_and_applies_norm():
    layer = torch.nn.TransformerEncoderLayer(E, H, dim_feedforward=16).double()
    theirs = torch.nn.TransformerEncoder(layer, 3, torch.nn.LayerNorm(E).double()).eval()
    mine = nn.TransformerEncoderLayer(E, H, dim_feedforward=16, dtype=np.float64)
    ours = nn.TransformerEncoder(mine, 3, nn.LayerNorm(E, dtype=np.float64)).eval()
    assert ours.layers[0] is not mine and ours.layers[0].linear1.weight is not mine.linear1.weight
    load(ours, theirs)
    h_in, t_in = inputs((S, N, E))
    causal = np.triu(np.ones((S, S), dtype=bool), 1)
    h_out = ours(*h_in, mask=hm.tensor(causal))
    t_out = theirs(*t_in, mask=torch.tensor(causal))
    compare(ours, theirs, [h_out], [t_out], h_in, t_in)


def test_save_and_load_round_trip_a_transformer_encoder(tmp_path):
    layer = nn.TransformerEncoderLayer(E, H, dim_feedforward=16, activation="gelu")
    model = nn.TransformerEncoder(layer, 2, nn.LayerNorm(E)).eval()
    path = tmp_path / "encoder.safetensors"
    hm.save(model, path)
    loaded = hm.load(path).eval()
    assert type(loaded) is nn.TransformerEncoder and len(loaded.layers) == 2
    x = hm.tensor(np.random.default_rng(0).standard_normal((S, N, E)).astype(np.float32))
    np.testing.assert_array_equal(loaded(x).numpy(), model(x).numpy())


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="multiple of num_heads"):
        nn.MultiheadAttention(7, 2)
    with pytest.raises(ValueError, match="relu"):
        nn.TransformerEncoderLayer(E, H, activation="swish")
    attention = nn.MultiheadAttention(E, H)
    x = hm.zeros((L, N, E))
    with pytest.raises(ValueError, match="2-D attn_mask"):
        attention(x, x, x, attn_mask=hm.zeros((L, L + 1)))
    with pytest.raises(ValueError, match="key_padding_mask"):
        attention(x, x, x, key_padding_mask=hm.zeros((N + 1, L)))


def test_unbatched_layers_and_fully_masked_queries_match_torch():
    theirs = torch.nn.TransformerDecoderLayer(E, H, dim_feedforward=16).double().eval()
    ours = nn.TransformerDecoderLayer(E, H, dim_feedforward=16, dtype=np.float64).eval()
    load(ours, theirs)
    h_in, t_in = inputs((L, E), (S, E))
    compare(ours, theirs, [ours(*h_in)], [theirs(*t_in)], h_in, t_in)
    # a query that may attend to nothing: the fused path (no weights) gives what torch gives
    theirs = torch.nn.MultiheadAttention(E, H).double()
    ours = nn.MultiheadAttention(E, H, dtype=np.float64)
    load(ours, theirs)
    mask = np.zeros((L, S), dtype=bool)
    mask[1] = True
    h_in, t_in = inputs((L, N, E), (S, N, E), (S, N, E))
    h_out = ours(*h_in, attn_mask=hm.tensor(mask), need_weights=False)
    t_out = theirs(*t_in, attn_mask=torch.tensor(mask), need_weights=False)
    compare(ours, theirs, h_out, t_out, h_in, t_in)
