"""Weight tying (one Parameter in two modules) and nanoGPT's AdamW decay groups, against torch."""

from __future__ import annotations

import numpy as np
import pytest
from support import requires_torch, torch

import homeml as hm
from homeml import nn


def tied_model(lib, dtype=None):
    """nanoGPT's pattern: the output head shares the token embedding's (vocab, width) weight."""
    kwargs = {} if dtype is None else {"dtype": dtype}
    model = lib.ModuleDict(
        {
            "wte": lib.Embedding(7, 4, **kwargs),
            "ln": lib.LayerNorm(4, **kwargs),
            "lm_head": lib.Linear(4, 7, bias=False, **kwargs),
        }
    )
    model["lm_head"].weight = model["wte"].weight
    return model


def run(model, index, lib):
    x = model["ln"](model["wte"](index))
    return model["lm_head"](x)


def test_a_tied_parameter_is_listed_once_and_gets_one_summed_gradient():
    model = tied_model(nn, np.float64)
    shared = model["wte"].weight
    assert model["lm_head"].weight is shared
    names = [n for n, _ in model.named_parameters()]
    assert names == ["wte.weight", "ln.weight", "ln.bias"]
    assert sum(p is shared for p in model.parameters()) == 1
    assert list(model.state_dict()) == ["wte.weight", "ln.weight", "ln.bias", "lm_head.weight"]
    index = hm.tensor([[1, 2, 3], [4, 5, 6]])
    run(model, index, nn).sum().backward()
    # the same sum through two separate copies: the tied gradient is the sum of both uses
    twin = tied_model(nn, np.float64)
    twin["lm_head"].weight = nn.Parameter(shared.detach().numpy().copy())
    twin["wte"].weight = nn.Parameter(shared.detach().numpy().copy())
    twin["ln"].load_state_dict(model["ln"].state_dict())
    run(twin, index, nn).sum().backward()
    expected = twin["wte"].weight.grad.numpy() + twin["lm_head"].weight.grad.numpy()
    np.testing.assert_allclose(shared.grad.numpy(), expected, rtol=1e-12)


@requires_torch
def test_tied_gradient_matches_torch():
    theirs = tied_model(torch.nn).double()
    ours = tied_model(nn, np.float64)
    ours.load_state_dict({k: v.detach().numpy().copy() for k, v in theirs.state_dict().items()})
    assert ours["lm_head"].weight is ours["wte"].weight  # loading keeps the tie
    index = np.array([[1, 2, 3, 3], [0, 5, 6, 1]])
    target = np.array([[2, 3, 4, 0], [5, 6, 1, 2]])
    h = hm.nn.functional.cross_entropy(
        run(ours, hm.tensor(index), nn).reshape(-1, 7), hm.tensor(target.ravel())
    )
    t = torch.nn.functional.cross_entropy(
        run(theirs, torch.tensor(index), torch.nn).reshape(-1, 7), torch.tensor(target.ravel())
    )
    h.backward()
    t.backward()
    for name, p in theirs.named_parameters():
        np.testing.assert_allclose(
            dict(ours.named_parameters())[name].grad.numpy(),
            p.grad.numpy(),
            rtol=1e-9,
            err_msg=name,
        )


def test_tied_model_is_stored_once_and_loads_back_tied(tmp_path):
    from homeml._storage import read

    model = tied_model(nn)
    path = tmp_path / "tied.homeml"
    hm.save(model, path)
    arrays, info = read(path)
    assert sorted(arrays) == ["ln.bias", "ln.weight", "wte.weight"]
    assert info["tied"] == {"lm_head.weight": "wte.weight"}
    loaded = hm.load(path)
    assert loaded["lm_head"].weight is loaded["wte"].weight
    assert len(list(loaded.parameters())) == 3
    np.testing.assert_array_equal(loaded["wte"].weight.numpy(), model["wte"].weight.numpy())
    index = hm.tensor([[1, 2, 3]])
    np.testing.assert_array_equal(run(loaded, index, nn).numpy(), run(model, index, nn).numpy())


def test_a_file_tying_what_cannot_be_tied_is_refused(tmp_path):
    from homeml._nn_io import _tie
    from homeml._storage import ModelFileError

    model = tied_model(nn)
    for tied in ({"lm_head.weight": "ln.weight"}, {"nothing.weight": "wte.weight"}, ["x"]):
        with pytest.raises(ModelFileError, match="ties|must map"):
            _tie(model, tied, "model.homeml")


def configure_optimizers(model, lib, weight_decay=0.1, lr=1e-2):
    """nanoGPT's groups: 2-D+ tensors decay, biases and norm weights do not."""
    params = {n: p for n, p in model.named_parameters() if p.requires_grad}
    decay = [p for p in params.values() if p.dim() >= 2]
    no_decay = [p for p in params.values() if p.dim() < 2]
    groups = [
        {"params": decay, "weight_decay": weight_decay},
        {"params": no_decay, "weight_decay": 0.0},
    ]
    return lib.optim.AdamW(groups, lr=lr, betas=(0.9, 0.95))


@requires_torch
def test_adamw_decay_groups_follow_torch_on_a_tied_model():
    theirs = tied_model(torch.nn).double()
    ours = tied_model(nn, np.float64)
    ours.load_state_dict({k: v.detach().numpy().copy() for k, v in theirs.state_dict().items()})
    h_opt, t_opt = configure_optimizers(ours, hm), configure_optimizers(theirs, torch)
    assert [len(g["params"]) for g in h_opt.param_groups] == [1, 2]
    assert [g["weight_decay"] for g in h_opt.param_groups] == [0.1, 0.0]
    rng = np.random.default_rng(0)
    for step in range(5):
        index = rng.integers(0, 7, (3, 5))
        target = rng.integers(0, 7, 15)
        for model, opt, lib, tensor, F in (
            (ours, h_opt, nn, hm.tensor, hm.nn.functional),
            (theirs, t_opt, torch.nn, torch.tensor, torch.nn.functional),
        ):
            opt.zero_grad()
            F.cross_entropy(
                run(model, tensor(index), lib).reshape(-1, 7), tensor(target)
            ).backward()
            opt.step()
        h_opt.param_groups[1]["lr"] = t_opt.param_groups[1]["lr"] = 1e-2 / (step + 2)
        for name, p in theirs.state_dict().items():
            np.testing.assert_allclose(
                ours.state_dict()[name].numpy(), p.numpy(), rtol=1e-9, atol=1e-12, err_msg=name
            )
    assert ours["lm_head"].weight is ours["wte"].weight
