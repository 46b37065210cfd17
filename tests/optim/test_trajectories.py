"""Optimizers on real ``homeml.nn`` models against torch.optim on the same torch.nn models.

``test_optimizers.py`` follows each optimizer on a hand-written MLP; here the parameters come from
layers (Linear, Conv2d, BatchNorm, LayerNorm), the loss is ``nn.CrossEntropyLoss`` and batch-norm
buffers change as well, so the whole training step is compared: after every one of 20 steps the
parameters and buffers equal torch's (1e-5 in float32), a state_dict round trip in the middle of
the run continues on torch's uninterrupted trajectory, and every scheduler drives the same run.
"""

import inspect

import numpy as np
import pytest
from support import requires_torch, torch

import homeml as hm
from homeml import nn, optim
from homeml.optim import lr_scheduler

pytestmark = requires_torch

STEPS = 20
TOLERANCE = {np.float64: dict(rtol=1e-9, atol=1e-11), np.float32: dict(rtol=1e-5, atol=1e-6)}

OPTIMIZERS = [
    ("SGD", dict(lr=0.1)),
    ("SGD", dict(lr=0.05, momentum=0.9, dampening=0.1, weight_decay=1e-2)),
    ("SGD", dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=1e-3)),
    ("Adam", dict(lr=0.01)),
    ("Adam", dict(lr=0.01, amsgrad=True, weight_decay=1e-2)),
    ("AdamW", dict(lr=0.01, weight_decay=0.1)),
    ("AdamW", dict(lr=0.01, amsgrad=True, betas=(0.8, 0.99))),
    ("RMSprop", dict(lr=0.005)),
    ("RMSprop", dict(lr=0.002, centered=True, momentum=0.9, weight_decay=1e-2)),
    ("Adagrad", dict(lr=0.05)),
    ("Adagrad", dict(lr=0.05, lr_decay=0.01, weight_decay=1e-2, initial_accumulator_value=0.1)),
]
IDS = [f"{name}-{options}" for name, options in OPTIMIZERS]


def torch_dtype(dtype):
    return torch.float64 if dtype == np.float64 else torch.float32


def mlp(lib, dtype):
    """Linear, BatchNorm1d, LayerNorm and three activations: a model with buffers."""
    dt = dtype if lib is nn else torch_dtype(dtype)
    return lib.Sequential(
        lib.Linear(6, 16, bias=False, dtype=dt),  # a bias before batch norm gets no gradient
        lib.BatchNorm1d(16, dtype=dt),
        lib.GELU(),
        lib.Linear(16, 12, dtype=dt),
        lib.LayerNorm(12, dtype=dt),
        lib.Tanh(),
        lib.Linear(12, 4, dtype=dt),
    )


def cnn(lib, dtype):
    """Conv2d (padding, groups), BatchNorm2d, pooling, Flatten and Linear."""
    dt = dtype if lib is nn else torch_dtype(dtype)
    return lib.Sequential(
        lib.Conv2d(1, 4, 3, padding=1, bias=False, dtype=dt),
        lib.BatchNorm2d(4, dtype=dt),
        lib.ReLU(),
        lib.MaxPool2d(2),
        lib.Conv2d(4, 6, 3, stride=2, groups=2, dtype=dt),
        lib.LeakyReLU(0.1),
        lib.AdaptiveAvgPool2d(1),
        lib.Flatten(),
        lib.Linear(6, 4, dtype=dt),
    )


def batches(kind, dtype, steps=STEPS, seed=0):
    """A new mini-batch for every step (inputs and class labels)."""
    rng = np.random.default_rng(seed)
    shape = (16, 6) if kind == "mlp" else (8, 1, 8, 8)
    return [
        (rng.standard_normal(shape).astype(dtype), rng.integers(0, 4, shape[0]))
        for _ in range(steps)
    ]


def twins(kind, dtype, seed=0):
    """The same model in both libraries: torch's random initialisation copied into homeml's."""
    torch.manual_seed(seed)
    theirs = (mlp if kind == "mlp" else cnn)(torch.nn, dtype)
    ours = (mlp if kind == "mlp" else cnn)(nn, dtype)
    ours.load_state_dict({k: v.detach().numpy().copy() for k, v in theirs.state_dict().items()})
    return ours, theirs


def snapshot(model):
    return {k: np.array(v.detach().numpy()) for k, v in model.state_dict().items()}


def train(lib, model, opt, data, scheduler=None):
    """One step per batch; the model's parameters and buffers after each."""
    loss_fn = lib.CrossEntropyLoss(label_smoothing=0.05)
    tensor = hm.tensor if lib is nn else torch.tensor
    history = []
    for x, y in data:
        opt.zero_grad()
        loss_fn(model(tensor(x)), tensor(y)).backward()
        opt.step()
        if scheduler is not None:
            scheduler.step()
        history.append(snapshot(model))
    return history


def assert_same_history(ours, theirs, dtype, tolerance=None):
    tolerance = tolerance or TOLERANCE[dtype]
    assert len(ours) == len(theirs)
    for step, (mine, ref) in enumerate(zip(ours, theirs), start=1):
        assert list(mine) == list(ref)
        for key, value in mine.items():
            assert value.dtype == ref[key].dtype, key
            np.testing.assert_allclose(
                value, ref[key], **tolerance, err_msg=f"{key} after step {step}"
            )


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize(("name", "options"), OPTIMIZERS, ids=IDS)
def test_mlp_with_norm_layers_follows_torch(name, options, dtype):
    ours, theirs = twins("mlp", dtype)
    data = batches("mlp", dtype)
    mine = train(nn, ours, getattr(optim, name)(ours.parameters(), **options), data)
    ref = train(torch.nn, theirs, getattr(torch.optim, name)(theirs.parameters(), **options), data)
    assert_same_history(mine, ref, dtype)
    start = twins("mlp", dtype)[0].state_dict()
    assert not np.allclose(mine[-1]["0.weight"], start["0.weight"].numpy())  # it did train


@pytest.mark.parametrize(
    ("name", "options"),
    [
        ("SGD", dict(lr=0.1, momentum=0.9, nesterov=True)),
        ("Adam", dict(lr=0.01)),
        ("RMSprop", dict(lr=0.005, centered=True)),
        ("Adagrad", dict(lr=0.05)),
    ],
    ids=["SGD", "Adam", "RMSprop", "Adagrad"],
)
def test_cnn_follows_torch(name, options):
    # float64: in float32 the max-pool's and the batch statistics' rounding differ between the
    # libraries and adaptive steps magnify it; float64 shows the update rules are the same
    ours, theirs = twins("cnn", np.float64)
    data = batches("cnn", np.float64)
    mine = train(nn, ours, getattr(optim, name)(ours.parameters(), **options), data)
    ref = train(torch.nn, theirs, getattr(torch.optim, name)(theirs.parameters(), **options), data)
    assert_same_history(mine, ref, np.float64)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize(
    ("name", "options"),
    [OPTIMIZERS[2], OPTIMIZERS[4], OPTIMIZERS[6], OPTIMIZERS[8], OPTIMIZERS[10]],
    ids=["SGD", "Adam", "AdamW", "RMSprop", "Adagrad"],
)
def test_state_dict_round_trip_midway_stays_on_torch_trajectory(name, options, dtype):
    data = batches("mlp", dtype)
    _, theirs = twins("mlp", dtype)
    ref = train(torch.nn, theirs, getattr(torch.optim, name)(theirs.parameters(), **options), data)

    first, _ = twins("mlp", dtype)
    first_opt = getattr(optim, name)(first.parameters(), **options)
    before = train(nn, first, first_opt, data[:8])
    model_state = {k: v.numpy().copy() for k, v in first.state_dict().items()}
    optimizer_state = first_opt.state_dict()
    del first, first_opt  # nothing survives but the two state dicts

    resumed, _ = twins("mlp", dtype, seed=1)  # different weights, overwritten by the load
    resumed.load_state_dict(model_state)
    opt = getattr(optim, name)(resumed.parameters(), lr=123.0)  # hyperparameters come back too
    opt.load_state_dict(optimizer_state)
    after = train(nn, resumed, opt, data[8:])
    assert_same_history(before + after, ref, dtype)


SCHEDULES = [
    ("StepLR", dict(step_size=4, gamma=0.5)),
    ("MultiStepLR", dict(milestones=[3, 7, 12], gamma=0.4)),
    ("ExponentialLR", dict(gamma=0.85)),
    ("CosineAnnealingLR", dict(T_max=8, eta_min=1e-3)),
    ("LinearLR", dict(start_factor=0.2, total_iters=6)),
    ("OneCycleLR", dict(max_lr=0.05, total_steps=STEPS)),
    (
        "OneCycleLR",
        dict(max_lr=0.05, total_steps=STEPS, three_phase=True, anneal_strategy="linear"),
    ),
]


@pytest.mark.parametrize("optimizer", ["SGD", "Adam"])
@pytest.mark.parametrize(("name", "kwargs"), SCHEDULES, ids=[f"{n}-{k}" for n, k in SCHEDULES])
def test_scheduled_training_follows_torch(name, kwargs, optimizer):
    # OneCycleLR also cycles SGD's momentum and Adam's beta1, so both feed into the trajectory
    options = dict(lr=0.05, momentum=0.9) if optimizer == "SGD" else dict(lr=0.01)
    data = batches("mlp", np.float64)
    runs, lrs = [], []
    for lib, optim_lib, sched in (
        (nn, optim, lr_scheduler),
        (torch.nn, torch.optim, torch.optim.lr_scheduler),
    ):
        model = twins("mlp", np.float64)[0 if lib is nn else 1]
        opt = getattr(optim_lib, optimizer)(model.parameters(), **options)
        scheduler = getattr(sched, name)(opt, **kwargs)
        runs.append(train(lib, model, opt, data[: STEPS - 1], scheduler))
        lrs.append(scheduler.get_last_lr())
    assert_same_history(*runs, np.float64)
    np.testing.assert_allclose(lrs[0], lrs[1], rtol=1e-12)


@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad"])
def test_torch_kernel_switches_are_accepted_and_change_nothing(name):
    # PyTorch code often passes foreach=/fused=; they pick torch's kernels, not the maths
    accepted = inspect.signature(getattr(torch.optim, name)).parameters
    switches = dict(foreach=False, fused=None, capturable=False, differentiable=False)
    options = dict(lr=0.01, **{k: v for k, v in switches.items() if k in accepted})
    assert {"foreach", "differentiable"} <= options.keys()
    data = batches("mlp", np.float64, steps=5)
    ours, theirs = twins("mlp", np.float64)
    mine = train(nn, ours, getattr(optim, name)(ours.parameters(), **options), data)
    ref = train(torch.nn, theirs, getattr(torch.optim, name)(theirs.parameters(), **options), data)
    assert_same_history(mine, ref, np.float64)
    plain = getattr(optim, name)(ours.parameters(), lr=0.01)
    assert getattr(optim, name)(ours.parameters(), **options).defaults == plain.defaults
    with pytest.raises(NotImplementedError, match="differentiable=True"):
        getattr(optim, name)(ours.parameters(), differentiable=True)
    with pytest.raises(TypeError, match="'momentun'"):
        getattr(optim, name)(ours.parameters(), momentun=0.9)
