"""ModuleDict, ParameterList, ParameterDict, Conv1d and Embedding(padding_idx=) against torch."""

from __future__ import annotations

import numpy as np
import pytest
from support import requires_torch, torch

import homeml as hm
from homeml import nn


def _same_state(ours, theirs):
    """Copy torch's values in; state_dict keys and parameter names must agree in order."""
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    ours.load_state_dict({k: v.detach().numpy().copy() for k, v in theirs.state_dict().items()})


# ----------------------------------------------------------------------------- containers


@requires_torch
def test_module_dict_behaves_like_torch():
    def make(lib):
        d = lib.ModuleDict({"proj": lib.Linear(3, 2), "act": lib.ReLU()})
        d["out"] = lib.Linear(2, 1)
        d.update([("norm", lib.LayerNorm(1))])
        return d

    ours, theirs = make(nn), make(torch.nn)
    _same_state(ours, theirs)
    assert list(ours) == list(theirs) == ["proj", "act", "out", "norm"]
    assert list(ours.keys()) == list(theirs.keys()) and len(ours) == len(theirs) == 4
    assert "proj" in ours and "missing" not in ours
    assert isinstance(ours["proj"], nn.Linear) and [type(m).__name__ for m in ours.values()] == [
        type(m).__name__ for m in theirs.values()
    ]
    popped = ours.pop("act")
    theirs.pop("act")
    assert isinstance(popped, nn.ReLU) and list(ours) == list(theirs)
    del ours["norm"]
    del theirs["norm"]
    assert list(ours.state_dict()) == list(theirs.state_dict())
    with pytest.raises(TypeError, match="holds Modules"):
        ours["x"] = 3
    with pytest.raises(TypeError, match="keys must be strings"):
        nn.ModuleDict({1: nn.ReLU()})
    ours.clear()
    assert len(ours) == 0 and not list(ours.parameters())


@requires_torch
def test_parameter_list_and_dict_behave_like_torch():
    values = [np.arange(6.0).reshape(2, 3), np.ones(4)]

    def make(lib, tensor):
        plist = lib.ParameterList([lib.Parameter(tensor(values[0]))])
        plist.append(tensor(values[1]))  # a plain tensor becomes a Parameter
        pdict = lib.ParameterDict({"scale": lib.Parameter(tensor(values[1]))})
        pdict["shift"] = tensor(values[0])
        pdict.update({"gain": lib.Parameter(tensor(values[1]))})
        holder = lib.Module()
        holder.plist, holder.pdict = plist, pdict
        return holder

    ours = make(nn, lambda a: hm.tensor(a))
    theirs = make(torch.nn, lambda a: torch.tensor(a))
    _same_state(ours, theirs)
    assert [tuple(p.shape) for p in ours.parameters()] == [
        tuple(p.shape) for p in theirs.parameters()
    ]
    assert all(isinstance(p, nn.Parameter) and p.requires_grad for p in ours.parameters())
    plist, pdict = ours.plist, ours.pdict
    assert len(plist) == 2 and plist[-1] is plist[1] and tuple(plist[0].shape) == (2, 3)
    assert [tuple(p.shape) for p in plist[1:]] == [(4,)]
    assert list(pdict) == list(theirs.pdict) and "gain" in pdict
    plist[0] = hm.zeros(5)
    assert tuple(plist[0].shape) == (5,) and list(dict(plist.named_parameters())) == ["0", "1"]
    with pytest.raises(IndexError, match="out of range"):
        plist[2]
    with pytest.raises(TypeError, match="Parameters or tensors"):
        plist.append("weight")
    # gradients reach the held parameters
    (plist[0].sum() + (pdict["scale"] * 2).sum()).backward()
    np.testing.assert_array_equal(pdict["scale"].grad.numpy(), np.full(4, 2.0))
    assert pdict.pop("scale") is not None and "scale" not in pdict


def test_containers_round_trip_through_save(tmp_path):
    model = nn.ModuleDict({"encoder": nn.GRU(3, 4), "head": nn.Sequential(nn.Linear(4, 2))})
    hm.save(model, tmp_path / "m.homeml")
    loaded = hm.load(tmp_path / "m.homeml")
    assert list(loaded) == ["encoder", "head"]
    for (name, a), (other, b) in zip(model.state_dict().items(), loaded.state_dict().items()):
        assert name == other
        np.testing.assert_array_equal(a.numpy(), b.numpy())


# ----------------------------------------------------------------------------- Conv1d

CONV1D = [
    dict(),
    dict(stride=2, padding=1),
    dict(padding="same", dilation=2),
    dict(padding="same", padding_mode="reflect"),
    dict(padding="valid", bias=False),
    dict(groups=2, padding=2, dilation=3, padding_mode="circular"),
    dict(kernel_size=4, padding="same"),  # an even kernel: uneven 'same' padding
    dict(padding=1, padding_mode="replicate", stride=3),
]


@requires_torch
@pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel")  # torch's own note
@pytest.mark.parametrize("options", CONV1D)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_conv1d_matches_torch(options, dtype):
    options = {"kernel_size": 3, **options}
    theirs = torch.nn.Conv1d(4, 6, **options).to(
        torch.float64 if dtype == np.float64 else torch.float32
    )
    ours = nn.Conv1d(4, 6, **options, dtype=dtype)
    _same_state(ours, theirs)
    assert repr(ours) == repr(theirs)
    tol = dict(rtol=1e-7, atol=1e-10) if dtype == np.float64 else dict(rtol=1e-5, atol=1e-5)
    rng = np.random.default_rng(0)
    for shape in [(2, 4, 11), (4, 9)]:  # batched and unbatched
        x = rng.standard_normal(shape).astype(dtype)
        hx, tx = hm.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        ho, to = ours(hx), theirs(tx)
        assert tuple(ho.shape) == tuple(to.shape) and ho.dtype == dtype
        np.testing.assert_allclose(ho.numpy(), to.detach().numpy(), **tol)
        w = rng.standard_normal(ho.shape).astype(dtype)
        ours.zero_grad()
        theirs.zero_grad()
        (ho * hm.tensor(w)).sum().backward()
        (to * torch.tensor(w)).sum().backward()
        np.testing.assert_allclose(hx.grad.numpy(), tx.grad.numpy(), **tol)
        for name, p in theirs.named_parameters():
            np.testing.assert_allclose(
                getattr(ours, name).grad.numpy(), p.grad.numpy(), **tol, err_msg=name
            )


def test_conv1d_bad_input_is_a_clear_error():
    conv = nn.Conv1d(4, 6, 3)
    with pytest.raises(ValueError, match=r"\(N, 4, L\)"):
        conv(hm.zeros(2, 3, 10))
    with pytest.raises(ValueError, match="stride 1"):
        nn.Conv1d(4, 6, 3, stride=2, padding="same")
    with pytest.raises(ValueError, match="divisible by groups"):
        nn.Conv1d(4, 6, 3, groups=4)
    with pytest.raises(ValueError, match="1-tuple"):
        nn.Conv1d(4, 6, (3, 3))


# ----------------------------------------------------------------------------- Embedding


@requires_torch
@pytest.mark.parametrize("padding_idx", [0, 3, -1, -5])
def test_embedding_padding_row_is_zero_and_gets_no_gradient_like_torch(padding_idx):
    ours = nn.Embedding(5, 3, padding_idx=padding_idx, dtype=np.float64)
    theirs = torch.nn.Embedding(5, 3, padding_idx=padding_idx, dtype=torch.float64)
    row = padding_idx % 5
    assert ours.padding_idx == theirs.padding_idx == row
    np.testing.assert_array_equal(ours.weight.numpy()[row], np.zeros(3))
    with torch.no_grad():
        theirs.weight[row] = 1.5  # a non-zero padding row: the lookup returns it, no gradient
    _same_state(ours, theirs)
    index = np.array([[0, 4, 4], [1, row, 3]])
    w = np.random.default_rng(0).standard_normal((2, 3, 3))
    (ours(hm.tensor(index)) * hm.tensor(w)).sum().backward()
    (theirs(torch.tensor(index)) * torch.tensor(w)).sum().backward()
    np.testing.assert_array_equal(ours.weight.grad.numpy()[row], np.zeros(3))
    np.testing.assert_allclose(ours.weight.grad.numpy(), theirs.weight.grad.numpy(), rtol=1e-12)
    # the functional form takes a negative padding_idx too
    weight = hm.tensor(theirs.weight.detach().numpy(), requires_grad=True)
    (
        hm.nn.functional.embedding(
            hm.tensor(index), weight, padding_idx - 5 if padding_idx >= 0 else padding_idx
        )
        * hm.tensor(w)
    ).sum().backward()
    np.testing.assert_allclose(weight.grad.numpy(), theirs.weight.grad.numpy(), rtol=1e-12)


def test_embedding_padding_idx_out_of_range_is_a_clear_error():
    for bad in (5, -6):
        with pytest.raises(ValueError, match=r"padding_idx must be within \[-5, 5\)"):
            nn.Embedding(5, 3, padding_idx=bad)


def test_parameter_containers_round_trip_through_save_after_changes(tmp_path):
    model = nn.ModuleDict(
        {
            "plist": nn.ParameterList([hm.randn(2, 3)]),
            "pdict": nn.ParameterDict({"scale": hm.ones(4, dtype=hm.float64)}),
        }
    )
    model["plist"].append(nn.Parameter(hm.randn(5), requires_grad=False))
    model["pdict"]["shift"] = hm.zeros(4)
    model["head"] = nn.Linear(3, 1)  # added after construction: saved too
    del model["pdict"]["scale"]
    path = tmp_path / "p.homeml"
    hm.save(model, path)
    loaded = hm.load(path)
    assert list(loaded.state_dict()) == list(model.state_dict())
    for (name, a), b in zip(model.state_dict().items(), loaded.state_dict().values()):
        assert a.dtype == b.dtype, name
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    assert [p.requires_grad for p in loaded["plist"]] == [True, False]
    assert isinstance(loaded["head"], nn.Linear) and list(loaded["pdict"]) == ["shift"]


def test_a_parameter_argument_the_model_does_not_hold_is_refused(tmp_path):
    from homeml._storage import ModelFileError

    path = tmp_path / "odd.homeml"
    hm.save(nn.Identity(nn.Parameter(hm.zeros(3))), path)  # Identity ignores its arguments
    with pytest.raises(ModelFileError, match="parameter argument it does not hold"):
        hm.load(path)


@requires_torch
@pytest.mark.parametrize(
    "options",
    [dict(), dict(stride=2, padding=3, dilation=2), dict(padding="same"), dict(groups=2)],
)
def test_functional_conv1d_matches_torch(options):
    rng = np.random.default_rng(0)
    x, w, b = (
        rng.standard_normal((2, 4, 10)),
        rng.standard_normal((6, 4 // options.get("groups", 1), 4)),
        rng.standard_normal(6),
    )
    ours = [hm.tensor(a, requires_grad=True) for a in (x, w, b)]
    theirs = [torch.tensor(a, requires_grad=True) for a in (x, w, b)]
    ho = hm.nn.functional.conv1d(*ours, **options)
    to = torch.nn.functional.conv1d(*theirs, **options)
    np.testing.assert_allclose(ho.numpy(), to.detach().numpy(), rtol=1e-10, atol=1e-12)
    g = rng.standard_normal(ho.shape)
    (ho * hm.tensor(g)).sum().backward()
    (to * torch.tensor(g)).sum().backward()
    for a, t in zip(ours, theirs):
        np.testing.assert_allclose(a.grad.numpy(), t.grad.numpy(), rtol=1e-10, atol=1e-12)
    unbatched = hm.nn.functional.conv1d(hm.tensor(x[0]), hm.tensor(w), hm.tensor(b), **options)
    np.testing.assert_allclose(unbatched.numpy(), to.detach().numpy()[0], rtol=1e-10, atol=1e-12)
