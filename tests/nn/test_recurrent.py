"""RNN, LSTM, GRU and their cells against torch: outputs, states and every gradient."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from support import requires_torch, torch

import homeml as hm
from homeml import nn

pytestmark = requires_torch

KINDS = ["RNN", "RNN_relu", "LSTM", "GRU"]


def build(kind, lib, *args, **kwargs):
    if kind.endswith("_relu"):
        return getattr(lib, kind[:-5])(*args, nonlinearity="relu", **kwargs)
    return getattr(lib, kind)(*args, **kwargs)


def pair(kind, cell=False, dtype=np.float64, **kwargs):
    """A torch module and a homeml one holding the same (torch-initialised) weights."""
    name = kind.replace("_relu", "") + ("Cell" if cell else "")
    kind = name + ("_relu" if "relu" in kind else "")
    theirs = build(kind, torch.nn, 3, 4, **kwargs).to(
        torch.float64 if dtype == np.float64 else torch.float32
    )
    ours = build(kind, nn, 3, 4, dtype=dtype, **kwargs)
    ours.load_state_dict({k: v.detach().numpy().copy() for k, v in theirs.state_dict().items()})
    assert list(dict(ours.named_parameters())) == list(dict(theirs.named_parameters()))
    return ours, theirs


def tensors(arrays):
    return [hm.tensor(a, requires_grad=True) for a in arrays], [
        torch.tensor(a, requires_grad=True) for a in arrays
    ]


def flat(out):
    return list(out) if isinstance(out, (tuple, list)) else [out]


def check(ours, theirs, inputs, state_count, tol):
    """Run both on the same inputs; compare outputs, then gradients of a weighted sum of all."""
    hx, tx = tensors(inputs)
    hstate = None if not state_count else (hx[1] if state_count == 1 else (hx[1], hx[2]))
    tstate = None if not state_count else (tx[1] if state_count == 1 else (tx[1], tx[2]))
    ho, to = ours(hx[0], hstate), theirs(tx[0], tstate)
    ho = [o for part in flat(ho) for o in flat(part)]
    to = [o for part in flat(to) for o in flat(part)]
    assert len(ho) == len(to)
    rng = np.random.default_rng(1)
    hloss, tloss = 0, 0
    for a, b in zip(ho, to):
        assert tuple(a.shape) == tuple(b.shape)
        np.testing.assert_allclose(a.numpy(), b.detach().numpy(), **tol)
        w = rng.standard_normal(a.shape)
        hloss = hloss + (a * hm.tensor(w, dtype=a.dtype)).sum()
        tloss = tloss + (b * torch.tensor(w, dtype=b.dtype)).sum()
    hloss.backward()
    tloss.backward()
    for a, b in zip(hx, tx):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), **tol, err_msg="input grad")
    mine = dict(ours.named_parameters())
    for name, p in theirs.named_parameters():
        np.testing.assert_allclose(mine[name].grad.numpy(), p.grad.numpy(), **tol, err_msg=name)


TOL64 = dict(rtol=1e-7, atol=1e-10)
GRID = list(itertools.product(KINDS, [1, 2], [True, False], [False, True], [False, True]))


@pytest.mark.parametrize("kind, layers, bias, batch_first, bidirectional", GRID)
@pytest.mark.parametrize("with_state", [False, True])
def test_layers_match_torch(kind, layers, bias, batch_first, bidirectional, with_state):
    ours, theirs = pair(
        kind, num_layers=layers, bias=bias, batch_first=batch_first, bidirectional=bidirectional
    )
    rng = np.random.default_rng(0)
    steps, batch = 5, 2
    x = rng.standard_normal((batch, steps, 3) if batch_first else (steps, batch, 3))
    inputs = [x]
    states = 0
    if with_state:
        states = 2 if kind == "LSTM" else 1
        shape = (layers * (2 if bidirectional else 1), batch, 4)
        inputs += [rng.standard_normal(shape) for _ in range(states)]
    check(ours, theirs, inputs, states, TOL64)


@pytest.mark.parametrize("kind", KINDS)
def test_unbatched_input_and_float32_match_torch(kind):
    ours, theirs = pair(kind, dtype=np.float32, num_layers=2, bidirectional=True)
    rng = np.random.default_rng(0)
    inputs = [rng.standard_normal((6, 3)).astype(np.float32)]
    states = 2 if kind == "LSTM" else 1
    inputs += [rng.standard_normal((4, 4)).astype(np.float32) for _ in range(states)]
    check(ours, theirs, inputs, states, dict(rtol=1e-4, atol=1e-5))
    out, _ = ours(hm.tensor(inputs[0]))
    assert out.dtype == np.float32 and tuple(out.shape) == (6, 8)


@pytest.mark.parametrize("kind", ["LSTM", "GRU", "RNN"])
def test_300_step_gradient_matches_torch(kind):
    """Backpropagation through a long sequence: a loop, no recursion, same numbers as torch."""
    ours, theirs = pair(kind)
    x = np.random.default_rng(0).standard_normal((300, 2, 3)) * 0.5
    check(ours, theirs, [x], 0, dict(rtol=1e-6, atol=1e-9))


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("batched", [True, False])
@pytest.mark.parametrize("with_state", [False, True])
def test_cells_match_torch(kind, bias, batched, with_state):
    ours, theirs = pair(kind, cell=True, bias=bias)
    rng = np.random.default_rng(0)
    lead = (2,) if batched else ()
    inputs = [rng.standard_normal((*lead, 3))]
    states = 0
    if with_state:
        states = 2 if kind == "LSTM" else 1
        inputs += [rng.standard_normal((*lead, 4)) for _ in range(states)]
    check(ours, theirs, inputs, states, TOL64)


def test_cells_unrolled_over_a_sequence_match_the_layer():
    cell, layer = nn.GRUCell(3, 4, dtype=np.float64), nn.GRU(3, 4, dtype=np.float64)
    cell.load_state_dict({k.replace("_l0", ""): v for k, v in layer.state_dict().items()})
    x = hm.tensor(np.random.default_rng(0).standard_normal((7, 2, 3)))
    h = None
    for t in range(7):
        h = cell(x[t], h)
    np.testing.assert_allclose(h.numpy(), layer(x)[1][0].numpy(), rtol=1e-12)


@pytest.mark.parametrize("kind", ["LSTM", "GRU", "RNN_relu"])
def test_gradients_match_finite_differences(kind):
    layer = build(kind, nn, 2, 3, num_layers=2, bidirectional=True, dtype=np.float64)
    x = np.random.default_rng(0).standard_normal((4, 2, 2))
    weights = np.random.default_rng(1).standard_normal((4, 2, 6))

    def loss(values):
        return float((layer(hm.tensor(values))[0].numpy() * weights).sum())

    hx = hm.tensor(x, requires_grad=True)
    (layer(hx)[0] * hm.tensor(weights)).sum().backward()
    numeric = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        step = np.zeros_like(x)
        step[i] = 1e-6
        numeric[i] = (loss(x + step) - loss(x - step)) / 2e-6
    np.testing.assert_allclose(hx.grad.numpy(), numeric, rtol=1e-5, atol=1e-8)


def test_torch_default_init_range_and_parameter_layout():
    hm.manual_seed(0)
    lstm = nn.LSTM(5, 8, num_layers=2, bidirectional=True)
    names = [n for n, _ in lstm.named_parameters()]
    assert names == [
        n for n, _ in torch.nn.LSTM(5, 8, num_layers=2, bidirectional=True).named_parameters()
    ]
    assert lstm.weight_ih_l1_reverse.shape == (32, 16)
    values = np.concatenate([p.numpy().ravel() for p in lstm.parameters()])
    bound = 1 / np.sqrt(8)
    assert values.min() >= -bound and values.max() <= bound and values.std() > bound / 2


def test_flatten_parameters_is_accepted_and_changes_nothing():
    gru = nn.GRU(3, 4)
    before = {k: v.numpy().copy() for k, v in gru.state_dict().items()}
    gru.flatten_parameters()  # torch code calls it before each forward
    assert all(np.array_equal(v.numpy(), before[k]) for k, v in gru.state_dict().items())


def test_dropout_between_layers_only_in_training():
    hm.manual_seed(0)
    gru = nn.GRU(3, 4, num_layers=2, dropout=0.5, dtype=np.float64)
    x = hm.tensor(np.random.default_rng(0).standard_normal((5, 2, 3)))
    gru.eval()
    first, second = gru(x)[0].numpy(), gru(x)[0].numpy()
    np.testing.assert_array_equal(first, second)
    gru.train()
    assert not np.allclose(gru(x)[0].numpy(), first)
    one_layer = nn.GRU(3, 4, dropout=0.5, dtype=np.float64)
    one_layer.eval()
    evaluated = one_layer(x)[0].numpy()
    one_layer.train()  # a single layer has nothing between layers: dropout changes nothing
    np.testing.assert_array_equal(one_layer(x)[0].numpy(), evaluated)


def test_bad_input_is_a_clear_error():
    lstm = nn.LSTM(3, 4)
    with pytest.raises(ValueError, match="input features 3"):
        lstm(hm.zeros(5, 2, 7))
    with pytest.raises(ValueError, match=r"\(T, B, 3\)"):
        lstm(hm.zeros(5, 2, 1, 3))
    with pytest.raises(ValueError, match=r"h0 of shape \(1, 2, 4\)"):
        lstm(hm.zeros(5, 2, 3), (hm.zeros(2, 2, 4), hm.zeros(1, 2, 4)))
    with pytest.raises(TypeError, match="h0 has dtype float64 but the input has float32"):
        lstm(hm.zeros(5, 2, 3), (hm.zeros(1, 2, 4, dtype=hm.float64), hm.zeros(1, 2, 4)))
    with pytest.raises(TypeError, match="pair"):
        lstm(hm.zeros(5, 2, 3), hm.zeros(1, 2, 4))
    with pytest.raises(ValueError, match="at least one time step"):
        nn.GRU(3, 4, batch_first=True)(hm.zeros(2, 0, 3))
    with pytest.raises(ValueError, match="nonlinearity"):
        nn.RNN(3, 4, nonlinearity="sigmoid")
    with pytest.raises(ValueError, match="4 input features|expects 3"):
        nn.GRUCell(3, 4)(hm.zeros(2, 4))


@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU", "LSTMCell"])
def test_save_and_load_round_trip(kind, tmp_path):
    kwargs = (
        {} if kind.endswith("Cell") else dict(num_layers=2, bidirectional=True, batch_first=True)
    )
    model = getattr(nn, kind)(3, 4, **kwargs)
    path = tmp_path / "model.homeml"
    hm.save(model, path)
    loaded = hm.load(path)
    assert type(loaded) is type(model) and repr(loaded) == repr(model)
    x = hm.tensor(
        np.random.default_rng(0).standard_normal((2, 5, 3) if kwargs else (2, 3)).astype(np.float32)
    )
    a, b = flat(model(x)), flat(loaded(x))
    for u, v in zip(a, b):
        for s, t in zip(flat(u), flat(v)):
            np.testing.assert_array_equal(s.numpy(), t.numpy())


def test_repr_matches_torch():
    for args in [
        dict(num_layers=2, dropout=0.5),
        dict(bias=False, batch_first=True, bidirectional=True),
    ]:
        assert repr(nn.GRU(3, 4, **args)) == repr(torch.nn.GRU(3, 4, **args))
    assert repr(nn.RNN(3, 4, nonlinearity="relu")) == repr(torch.nn.RNN(3, 4, nonlinearity="relu"))
    assert repr(nn.LSTMCell(3, 4)) == repr(torch.nn.LSTMCell(3, 4))


@pytest.mark.parametrize("layers, bidirectional, batch_first", [(1, False, False), (2, True, True)])
@pytest.mark.parametrize("with_state", [False, True])
def test_projected_lstm_matches_torch(layers, bidirectional, batch_first, with_state):
    """torch's proj_size: weight_hr_l{k}, h of width P carried and returned, c of width H."""
    theirs = torch.nn.LSTM(
        3, 4, num_layers=layers, bidirectional=bidirectional, batch_first=batch_first, proj_size=2
    ).double()
    ours = nn.LSTM(
        3,
        4,
        num_layers=layers,
        bidirectional=bidirectional,
        batch_first=batch_first,
        proj_size=2,
        dtype=np.float64,
    )
    assert list(ours.state_dict()) == list(theirs.state_dict())
    ours.load_state_dict({k: v.detach().numpy().copy() for k, v in theirs.state_dict().items()})
    rng = np.random.default_rng(0)
    steps, batch, directions = 5, 3, 2 if bidirectional else 1
    inputs = [rng.standard_normal((batch, steps, 3) if batch_first else (steps, batch, 3))]
    if with_state:
        inputs += [rng.standard_normal((layers * directions, batch, width)) for width in (2, 4)]
    check(ours, theirs, inputs, 2 if with_state else 0, TOL64)
    assert "proj_size=2" in repr(ours)


def test_projected_lstm_gradients_match_finite_differences():
    layer = nn.LSTM(2, 4, proj_size=3, num_layers=2, bidirectional=True, dtype=np.float64)
    x = np.random.default_rng(0).standard_normal((4, 2, 2))
    weights = np.random.default_rng(1).standard_normal((4, 2, 6))
    w_hr = layer.weight_hr_l1_reverse

    def loss():
        return float((layer(hm.tensor(x))[0].numpy() * weights).sum())

    (layer(hm.tensor(x))[0] * hm.tensor(weights)).sum().backward()
    numeric = np.zeros(w_hr.shape)
    for i in np.ndindex(w_hr.shape):
        w_hr.data[i] += 1e-6
        up = loss()
        w_hr.data[i] -= 2e-6
        numeric[i] = (up - loss()) / 2e-6
        w_hr.data[i] += 1e-6
    np.testing.assert_allclose(w_hr.grad.numpy(), numeric, rtol=1e-5, atol=1e-8)


def test_proj_size_is_checked():
    with pytest.raises(ValueError, match="proj_size must be 0"):
        nn.LSTM(3, 4, proj_size=4)
    with pytest.raises(ValueError, match="only by LSTM"):
        nn.GRU(3, 4, proj_size=2)
