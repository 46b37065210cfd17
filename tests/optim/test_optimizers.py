"""Optimizers against torch.optim: same start, same loss, same trajectory; state and errors."""

import numpy as np
import pytest
from support import requires_torch, torch

import homeml as hm
from homeml import optim
from homeml.nn import Module, Parameter

SHAPES = [(4, 5), (5,), (5, 3), (3,), ()]  # an MLP's weights and biases, and a scalar gain

GRIDS = {
    "SGD": [
        dict(lr=0.1),
        dict(lr=0.1, momentum=0.9),
        dict(lr=0.05, momentum=0.9, dampening=0.5),
        dict(lr=0.05, momentum=0.9, nesterov=True),
        dict(lr=0.1, weight_decay=0.1),
        dict(lr=0.05, momentum=0.8, weight_decay=0.05, nesterov=True, maximize=True),
        dict(lr=0.1, maximize=True),
    ],
    "Adam": [
        dict(),
        dict(lr=0.05),
        dict(lr=0.05, betas=(0.8, 0.99)),
        dict(lr=0.05, weight_decay=0.1),
        dict(lr=0.05, amsgrad=True),
        dict(lr=0.02, maximize=True),
        dict(lr=0.05, eps=1e-3, amsgrad=True, weight_decay=0.05),
    ],
    "AdamW": [
        dict(),
        dict(lr=0.05),
        dict(lr=0.05, weight_decay=0.5),
        dict(lr=0.05, amsgrad=True, maximize=True),
        dict(lr=0.05, weight_decay=0.0, betas=(0.5, 0.9)),
    ],
    "RMSprop": [
        dict(),
        dict(lr=0.01, alpha=0.9),
        dict(lr=0.01, centered=True),
        dict(lr=0.003, momentum=0.9),
        dict(lr=0.01, centered=True, momentum=0.5, weight_decay=0.1),
        dict(lr=0.01, maximize=True),
        dict(lr=0.01, eps=1e-4, alpha=0.5),
    ],
    "Adagrad": [
        dict(),
        dict(lr=0.1),
        dict(lr=0.1, lr_decay=0.1),
        dict(lr=0.1, weight_decay=0.1),
        dict(lr=0.1, initial_accumulator_value=0.5),
        dict(lr=0.1, eps=1e-3, maximize=True),
        dict(lr=0.1, lr_decay=0.05, weight_decay=0.05, initial_accumulator_value=0.1),
    ],
    "Adadelta": [
        dict(),
        dict(lr=0.5, rho=0.8),
        dict(lr=1.0, eps=1e-4),
        dict(weight_decay=0.1),
        dict(lr=0.5, maximize=True),
        dict(lr=1.0, rho=0.95, eps=1e-5, weight_decay=0.05),
    ],
}
CASES = [(name, opts) for name, grid in GRIDS.items() for opts in grid]
CASE_IDS = [f"{name}-{opts}" for name, opts in CASES]
TOLERANCE = {np.float64: dict(rtol=1e-10, atol=1e-12), np.float32: dict(rtol=1e-5, atol=1e-6)}


def initial_weights(seed=0):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(shape) * 0.5 for shape in SHAPES]


_rng = np.random.default_rng(42)
X, Y = _rng.standard_normal((8, 4)), _rng.standard_normal((8, 3))


def hm_loss(params, dtype, sign=1.0):
    """A small MLP's squared error (``sign=-1``: its negation, for ``maximize=True``)."""
    w1, b1, w2, b2, gain = params
    x, y = hm.tensor(X.astype(dtype)), hm.tensor(Y.astype(dtype))
    out = (x @ w1 + b1).tanh() @ w2 * gain + b2
    return ((out - y) * (out - y)).mean() * sign


def torch_loss(params, dtype, sign=1.0):
    w1, b1, w2, b2, gain = params
    x, y = torch.tensor(X.astype(dtype)), torch.tensor(Y.astype(dtype))
    out = (x @ w1 + b1).tanh() @ w2 * gain + b2
    return ((out - y) * (out - y)).mean() * sign


def make_params(dtype, seed=0):
    weights = initial_weights(seed)
    ours = [Parameter(w.astype(dtype)) for w in weights]
    theirs = [torch.nn.Parameter(torch.tensor(w.astype(dtype))) for w in weights]
    return ours, theirs


def train(opt, params, loss_fn, dtype, steps):
    """Run ``steps`` steps; the parameters' values after each one.

    A group with ``maximize=True`` gets the negated loss, so that every run converges.
    """
    sign = -1.0 if opt.param_groups[0].get("maximize") else 1.0
    history = []
    for _ in range(steps):
        opt.zero_grad()
        loss_fn(params, dtype, sign).backward()
        opt.step()
        history.append([np.array(p.detach().numpy()) for p in params])
    assert all(np.isfinite(w).all() for w in history[-1])
    return history


def assert_same_trajectory(ours, theirs, dtype):
    for step, (a, b) in enumerate(zip(ours, theirs)):
        for i, (x, y) in enumerate(zip(a, b)):
            assert x.dtype == y.dtype == dtype
            np.testing.assert_allclose(
                x, y, **TOLERANCE[dtype], err_msg=f"step {step + 1}, parameter {i}"
            )


@requires_torch
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize(("name", "options"), CASES, ids=CASE_IDS)
def test_trajectory_matches_torch(name, options, dtype):
    ours, theirs = make_params(dtype)
    mine = train(getattr(optim, name)(ours, **options), ours, hm_loss, dtype, 20)
    ref = train(getattr(torch.optim, name)(theirs, **options), theirs, torch_loss, dtype, 20)
    assert_same_trajectory(mine, ref, dtype)
    assert not np.allclose(mine[-1][0], initial_weights()[0])  # the weights did move


@requires_torch
@pytest.mark.parametrize("name", GRIDS)
def test_param_groups_with_their_own_hyperparameters(name):
    extra = {
        "SGD": dict(momentum=0.5),
        "Adam": dict(betas=(0.8, 0.9)),
        "AdamW": dict(eps=1e-3),
        "RMSprop": dict(alpha=0.8),
        "Adagrad": dict(lr_decay=0.2),
        "Adadelta": dict(rho=0.5),
    }[name]

    def groups(params):
        return [{"params": params[:2], "lr": 0.1}, {"params": params[2:], "lr": 0.01, **extra}]

    ours, theirs = make_params(np.float64)
    mine = train(getattr(optim, name)(groups(ours)), ours, hm_loss, np.float64, 10)
    ref = train(getattr(torch.optim, name)(groups(theirs)), theirs, torch_loss, np.float64, 10)
    assert_same_trajectory(mine, ref, np.float64)


@requires_torch
def test_add_param_group_and_lr_changes_midway():
    ours, theirs = make_params(np.float64)
    runs = []
    for lib, params, loss in ((optim, ours, hm_loss), (torch.optim, theirs, torch_loss)):
        opt = lib.Adam(params[:3], lr=0.05)
        history = train(opt, params, loss, np.float64, 4)
        opt.add_param_group({"params": params[3:], "lr": 0.2, "amsgrad": True})
        opt.param_groups[0]["lr"] = 0.01
        runs.append(history + train(opt, params, loss, np.float64, 4))
    assert_same_trajectory(*runs, np.float64)


@requires_torch
@pytest.mark.parametrize("name", GRIDS)
def test_parameters_without_grad_are_skipped(name):
    ours, theirs = make_params(np.float64)
    spare = Parameter(np.ones(3))
    opt = getattr(optim, name)(ours + [spare], lr=0.1)
    torch_opt = getattr(torch.optim, name)(theirs + [torch.nn.Parameter(torch.ones(3))], lr=0.1)
    assert_same_trajectory(
        train(opt, ours, hm_loss, np.float64, 3),
        train(torch_opt, theirs, torch_loss, np.float64, 3),
        np.float64,
    )
    assert spare.grad is None
    np.testing.assert_array_equal(spare.numpy(), np.ones(3))
    torch_state = torch_opt.state_dict()["state"]
    assert sorted(opt.state_dict()["state"]) == sorted(torch_state)


@pytest.mark.parametrize("name", GRIDS)
def test_updates_happen_in_place(name):
    class Model(Module):
        def __init__(self):
            super().__init__()
            self.w = Parameter(np.ones((2, 3), dtype=np.float32))

        def forward(self, x):
            return (x @ self.w).sum()

    model = Model()
    array = model.w.numpy()
    view = array[0]
    extra = {"momentum": 0.9} if name == "SGD" else {}
    opt = getattr(optim, name)(model.parameters(), lr=0.1, **extra)
    for _ in range(2):
        opt.zero_grad()
        model(hm.ones((4, 2))).backward()
        opt.step()
    assert model.w.numpy() is array and model.w.dtype == np.float32
    assert not np.allclose(view, 1.0)  # an outstanding view sees the update
    assert all(
        v.dtype == np.float32
        for s in opt.state.values()
        for v in s.values()
        if isinstance(v, np.ndarray)
    )


@requires_torch
def test_closure_is_called_and_its_loss_returned():
    ours, theirs = make_params(np.float64)
    opt = optim.SGD(ours, lr=0.1, momentum=0.9)
    torch_opt = torch.optim.SGD(theirs, lr=0.1, momentum=0.9)

    def closure():
        opt.zero_grad()
        loss = hm_loss(ours, np.float64)
        loss.backward()
        return loss

    def torch_closure():
        torch_opt.zero_grad()
        loss = torch_loss(theirs, np.float64)
        loss.backward()
        return loss

    with hm.no_grad():  # the closure still builds its graph
        losses = [opt.step(closure).item() for _ in range(5)]
    torch_losses = [torch_opt.step(torch_closure).item() for _ in range(5)]
    np.testing.assert_allclose(losses, torch_losses, rtol=1e-12)
    assert losses[-1] < losses[0]
    assert optim.SGD(ours, lr=0.1).step() is None


def test_zero_grad():
    p, q = Parameter(np.ones(3)), Parameter(np.ones(2))
    opt = optim.SGD([p, q], lr=0.1)
    (p * 2.0).sum().backward()
    grad_array = p.grad.numpy()
    opt.zero_grad(set_to_none=False)
    assert p.grad.numpy() is grad_array and np.all(grad_array == 0) and q.grad is None
    opt.zero_grad()
    assert p.grad is None


# ---------------------------------------------------------------------- state_dict
STATEFUL = [
    ("SGD", dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.01)),
    ("Adam", dict(lr=0.05, amsgrad=True, weight_decay=0.01)),
    ("AdamW", dict(lr=0.05, betas=(0.8, 0.99))),
    ("RMSprop", dict(lr=0.01, centered=True, momentum=0.5)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.1, initial_accumulator_value=0.1)),
    ("Adadelta", dict(lr=0.5, rho=0.8, weight_decay=0.01)),
]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize(("name", "options"), STATEFUL, ids=[n for n, _ in STATEFUL])
def test_state_dict_round_trip_continues_exactly(name, options, dtype):
    params = [Parameter(w.astype(dtype)) for w in initial_weights()]
    groups = [{"params": params[:2]}, {"params": params[2:], "lr": 0.02}]
    straight = getattr(optim, name)(groups, **options)
    full = train(straight, params, hm_loss, dtype, 10)

    params = [Parameter(w.astype(dtype)) for w in initial_weights()]
    first = getattr(optim, name)(
        [{"params": params[:2]}, {"params": params[2:], "lr": 0.02}], **options
    )
    train(first, params, hm_loss, dtype, 5)
    saved = first.state_dict()
    train(first, params, hm_loss, dtype, 1)  # the saved state is a snapshot: unaffected
    restored_values = [np.array(w) for w in full[4]]
    params = [Parameter(w) for w in restored_values]
    fresh = getattr(optim, name)(
        [{"params": params[:2], "lr": 9.0}, {"params": params[2:], "lr": 9.0}], **options
    )
    fresh.load_state_dict(saved)
    assert [g["lr"] for g in fresh.param_groups] == [options["lr"], 0.02]
    resumed = train(fresh, params, hm_loss, dtype, 5)
    for a, b in zip(resumed, full[5:]):
        for x, y in zip(a, b):
            np.testing.assert_array_equal(x, y)


@requires_torch
@pytest.mark.parametrize(("name", "options"), STATEFUL, ids=[n for n, _ in STATEFUL])
def test_state_dict_layout_matches_torch(name, options):
    ours, theirs = make_params(np.float64)
    opt = getattr(optim, name)([{"params": ours[:2]}, {"params": ours[2:]}], **options)
    torch_opt = getattr(torch.optim, name)(
        [{"params": theirs[:2]}, {"params": theirs[2:]}], **options
    )
    train(opt, ours, hm_loss, np.float64, 3)
    train(torch_opt, theirs, torch_loss, np.float64, 3)
    mine, ref = opt.state_dict(), torch_opt.state_dict()
    assert set(mine) == {"state", "param_groups"}
    assert [g["params"] for g in mine["param_groups"]] == [[0, 1], [2, 3, 4]]
    for group, torch_group in zip(mine["param_groups"], ref["param_groups"]):
        assert group.keys() <= torch_group.keys()
        assert all(group[k] == torch_group[k] for k in group)
    assert mine["state"].keys() == ref["state"].keys()
    for index, state in mine["state"].items():
        assert state.keys() == ref["state"][index].keys()
        for key, value in state.items():
            assert isinstance(value, (np.ndarray, float, int)), (key, type(value))
            np.testing.assert_allclose(value, ref["state"][index][key].numpy(), rtol=1e-10)


def test_load_state_dict_rejects_mismatches():
    params = [Parameter(w) for w in initial_weights()]
    opt = optim.Adam([{"params": params[:2]}, {"params": params[2:]}])
    train(opt, params, hm_loss, np.float64, 1)
    saved = opt.state_dict()
    with pytest.raises(ValueError, match="2 parameter groups, the optimizer has 1"):
        optim.Adam(params).load_state_dict(saved)
    with pytest.raises(ValueError, match="group 0 has 2 parameters, the optimizer's group has 1"):
        optim.Adam([{"params": params[:1]}, {"params": params[1:]}]).load_state_dict(saved)
    saved["state"][0]["exp_avg"] = np.zeros((2, 2))
    with pytest.raises(ValueError, match=r"'exp_avg' of parameter 0 has shape \(2, 2\)"):
        optim.Adam([{"params": params[:2]}, {"params": params[2:]}]).load_state_dict(saved)
    saved["state"][0]["exp_avg"] = np.zeros((4, 5))
    saved["state"][7] = {"step": 1.0}
    with pytest.raises(ValueError, match="parameter 7"):
        optim.Adam([{"params": params[:2]}, {"params": params[2:]}]).load_state_dict(saved)
    with pytest.raises(ValueError, match="'state' and 'param_groups'"):
        opt.load_state_dict({"state": {}})


# ---------------------------------------------------------------------- bad input
def test_constructor_errors():
    p, q = Parameter(np.ones(2)), Parameter(np.ones(3))
    with pytest.raises(ValueError, match="empty parameter list"):
        optim.SGD([], lr=0.1)
    with pytest.raises(ValueError, match="given twice"):
        optim.SGD([p, q, p], lr=0.1)
    with pytest.raises(ValueError, match="given twice"):
        optim.Adam([{"params": [p]}, {"params": [q, p]}])
    with pytest.raises(TypeError, match="single Parameter"):
        optim.SGD(p, lr=0.1)
    with pytest.raises(TypeError, match="ordered collection"):
        optim.SGD({p}, lr=0.1)
    with pytest.raises(TypeError, match="ordered collection"):
        optim.SGD([{"params": {p}}], lr=0.1)
    with pytest.raises(TypeError, match="parameter 1 is a ndarray"):
        optim.SGD([p, np.ones(2)], lr=0.1)
    with pytest.raises(ValueError, match="non-leaf"):
        optim.SGD([p * 2.0], lr=0.1)
    with pytest.raises(ValueError, match="Nesterov momentum requires a momentum"):
        optim.SGD([p], lr=0.1, nesterov=True)
    with pytest.raises(ValueError, match="beta parameter at index 1"):
        optim.Adam([p], betas=(0.9, 1.0))
    with pytest.raises(ValueError, match="betas must be a pair"):
        optim.AdamW([p], betas=(0.9,))
    opt = optim.SGD([p], lr=0.1)
    with pytest.raises(ValueError, match="given twice"):
        opt.add_param_group({"params": [p]})
    with pytest.raises(ValueError, match="learning rate: lr=-1"):
        opt.add_param_group({"params": [q], "lr": -1})
    assert len(opt.param_groups) == 1


@pytest.mark.parametrize("name", GRIDS)
def test_negative_hyperparameters_are_rejected(name):
    p = Parameter(np.ones(2))
    with pytest.raises(ValueError, match=r"Invalid learning rate: lr=-0.1 \(expected >= 0"):
        getattr(optim, name)([p], lr=-0.1)
    with pytest.raises(ValueError, match="weight_decay"):
        getattr(optim, name)([p], weight_decay=-1.0)
    bad = {
        "SGD": "momentum",
        "Adam": "eps",
        "AdamW": "eps",
        "RMSprop": "alpha",
        "Adagrad": "lr_decay",
        "Adadelta": "rho",
    }[name]
    with pytest.raises(ValueError, match=bad):
        getattr(optim, name)([p], **{bad: -1.0})


def test_named_parameters_and_repr():
    class Model(Module):
        def __init__(self):
            super().__init__()
            self.weight = Parameter(np.ones(2))
            self.bias = Parameter(np.zeros(1))

    opt = optim.AdamW(Model().named_parameters(), lr=0.1)
    assert opt.defaults["weight_decay"] == 1e-2
    assert opt.param_groups[0]["param_names"] == ["weight", "bias"]
    assert opt.state_dict()["param_groups"][0]["param_names"] == ["weight", "bias"]
    text = repr(opt)
    assert text.startswith("AdamW (") and "Parameter Group 0" in text and "lr: 0.1" in text
