"""One checkpoint script, run with ``import torch`` and with ``import homeml as torch``: save a
checkpoint dict (epoch, model and optimizer state_dicts, loss, nested lists), load it, resume
training; the values agree to 1e-5. Plus what ``torch.save`` users expect of ``hm.save``."""

from __future__ import annotations

import sys
from collections import OrderedDict
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/support.py

from support import requires_torch  # noqa: E402

import homeml as hm  # noqa: E402
from homeml.io import ModelFileError  # noqa: E402

RNG = np.random.default_rng(0)
WEIGHTS = {
    "0.weight": RNG.standard_normal((4, 3)).astype(np.float32),
    "0.bias": RNG.standard_normal(4).astype(np.float32),
    "2.weight": RNG.standard_normal((2, 4)).astype(np.float32),
    "2.bias": RNG.standard_normal(2).astype(np.float32),
}
X = RNG.standard_normal((8, 3)).astype(np.float32)
Y = RNG.standard_normal((8, 2)).astype(np.float32)


def script(torch, path):
    """A resume-from-checkpoint training script written for PyTorch."""

    def make():
        model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 2))
        model.load_state_dict({k: torch.tensor(v) for k, v in WEIGHTS.items()})
        return model, torch.optim.Adam(model.parameters(), lr=0.01)

    model, optimizer = make()
    x, y = torch.tensor(X), torch.tensor(Y)
    loss_fn = torch.nn.MSELoss()
    for _ in range(3):
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
    torch.save(
        {
            "epoch": 3,
            "model_state_dict": model.state_dict(),
            "optimizer_state_dict": optimizer.state_dict(),
            "loss": loss.item(),
            "history": [[1, 0.5], [2, 0.25], {"best": (3, "adam")}],
            "note": None,
            "finished": False,
        },
        path,
    )
    checkpoint = torch.load(path, map_location="cpu")
    as_loaded = as_plain(checkpoint)  # (torch's optimizer keeps stepping the loaded tensors)
    model, optimizer = make()
    model.load_state_dict(checkpoint["model_state_dict"])
    optimizer.load_state_dict(checkpoint["optimizer_state_dict"])
    optimizer.zero_grad()
    resumed_loss = loss_fn(model(x), y)
    resumed_loss.backward()
    optimizer.step()
    return {
        "checkpoint": as_loaded,
        "model_state_dict": checkpoint["model_state_dict"],
        "resumed_loss": resumed_loss.item(),
        "weights": {k: v.detach().numpy().copy() for k, v in model.state_dict().items()},
    }


def as_plain(value):
    """Tensors as arrays, for comparing the two libraries' trees."""
    if hasattr(value, "detach"):
        return np.array(value.detach().numpy())  # a copy
    if isinstance(value, dict):
        return {k: as_plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(as_plain(v) for v in value)
    return value


# Adam settings of torch's that homeml's CPU-only optimizer has no use for
TORCH_ONLY = {"capturable", "differentiable", "foreach", "fused"}


def assert_close_trees(got, want, where="checkpoint"):
    if isinstance(want, dict) and "amsgrad" in want:  # an optimizer's param group
        want = {k: v for k, v in want.items() if k not in TORCH_ONLY}
    if isinstance(want, np.ndarray):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6, err_msg=where)
    elif isinstance(want, dict):
        assert set(got) == set(want), where
        for k in want:
            assert_close_trees(got[k], want[k], f"{where}[{k!r}]")
    elif isinstance(want, (list, tuple)):
        assert type(got) is type(want) and len(got) == len(want), where
        for i, (g, w) in enumerate(zip(got, want)):
            assert_close_trees(g, w, f"{where}[{i}]")
    elif isinstance(want, float):
        assert got == pytest.approx(want, rel=1e-5), where
    else:
        assert got == want, where


@requires_torch
def test_the_checkpoint_script_gives_the_same_values_with_homeml(tmp_path):
    import torch

    want = script(torch, tmp_path / "torch.pt")
    got = script(hm, tmp_path / "homeml.pt")
    assert_close_trees(got["weights"], want["weights"], "resumed weights")
    assert got["resumed_loss"] == pytest.approx(want["resumed_loss"], rel=1e-5)
    assert_close_trees(got["checkpoint"], want["checkpoint"])
    assert all(isinstance(v, hm.Tensor) for v in got["model_state_dict"].values())


def test_arrays_numbers_and_containers_come_back_as_they_were(tmp_path):
    tree = {
        "array": np.arange(6, dtype=np.int16).reshape(2, 3),
        "tensor": hm.tensor([1.5, 2.5]),
        "scalar": np.float64(0.25),
        "nan": float("nan"),
        "big": 2**62,
        "keys": {1: "one", (2, 3): "pair", "__array__": "a marker word as a key"},
        "nested": [(1, [2, (3,)]), None, True, "text"],
    }
    hm.save(tree, tmp_path / "tree.pt")
    got = hm.load(tmp_path / "tree.pt")
    assert isinstance(got["array"], np.ndarray) and got["array"].dtype == np.int16
    np.testing.assert_array_equal(got["array"], tree["array"])
    assert isinstance(got["tensor"], hm.Tensor)
    np.testing.assert_array_equal(got["tensor"].numpy(), [1.5, 2.5])
    assert got["scalar"] == 0.25 and np.isnan(got["nan"]) and got["big"] == 2**62
    assert got["keys"] == tree["keys"] and got["nested"] == tree["nested"]
    single = tmp_path / "array.pt"
    hm.save(np.eye(3), single)  # regression: an ndarray wrote nothing
    np.testing.assert_array_equal(hm.load(single), np.eye(3))


def test_a_state_dict_round_trips_in_order(tmp_path):
    model = hm.nn.Sequential(hm.nn.Linear(3, 4), hm.nn.BatchNorm1d(4))
    hm.save(model.state_dict(), tmp_path / "sd.pt")
    got = hm.load(tmp_path / "sd.pt")
    assert list(got) == list(model.state_dict())
    fresh = hm.nn.Sequential(hm.nn.Linear(3, 4), hm.nn.BatchNorm1d(4))
    fresh.load_state_dict(got)
    for (k, a), b in zip(model.state_dict().items(), fresh.state_dict().values()):
        np.testing.assert_array_equal(a.numpy(), b.numpy(), err_msg=k)


@pytest.mark.parametrize(
    "value, words",
    [
        (lambda: 1, "function"),
        ({1, 2}, "set"),
        ({"model": object()}, r"\['model'\]"),
        ([1, np.array(["a", "b"])], "dtype <U1"),
        (np.array([1 + 2j]), "complex"),
    ],
)
def test_what_cannot_be_stored_is_a_type_error_at_save_time(tmp_path, value, words):
    path = tmp_path / "bad.pt"
    with pytest.raises(TypeError, match=words):
        hm.save(value, path)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("where", [None, "cpu", "cpu:0", {"cuda:0": "cpu"}])
def test_map_location_cpu_is_accepted(tmp_path, where):
    hm.save({"w": hm.ones(2)}, tmp_path / "w.pt")
    np.testing.assert_array_equal(hm.load(tmp_path / "w.pt", map_location=where)["w"].numpy(), 1)


def test_map_location_elsewhere_says_homeml_runs_on_the_cpu(tmp_path):
    hm.save([1], tmp_path / "w.pt")
    with pytest.raises(ValueError, match="runs on the CPU"):
        hm.load(tmp_path / "w.pt", map_location="cuda")


def test_an_edited_tree_is_refused(tmp_path):
    path = tmp_path / "t.pt"
    hm.save({"lr": 0.1, "w": hm.zeros(2)}, path)
    raw = path.read_bytes()
    assert raw.count(b"0.1") == 1
    path.write_bytes(raw.replace(b"0.1", b"0.2"))
    with pytest.raises(ModelFileError, match="checksum"):
        hm.load(path)


def test_ordered_dicts_come_back_equal(tmp_path):
    tree = OrderedDict([("b", 1), ("a", 2)])
    hm.save(tree, tmp_path / "o.pt")
    got = hm.load(tmp_path / "o.pt")
    assert list(got) == ["b", "a"] and got == tree
