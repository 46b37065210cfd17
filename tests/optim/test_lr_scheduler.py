"""Learning-rate schedulers against torch.optim.lr_scheduler: the same lr and momentum sequences."""

import numpy as np
import pytest
from support import requires_torch, torch

from homeml import optim
from homeml.nn import Parameter
from homeml.optim import lr_scheduler

# (scheduler name, keyword arguments): the same call works on both libraries
SCHEDULES = [
    ("StepLR", dict(step_size=3, gamma=0.5)),
    ("StepLR", dict(step_size=7)),
    ("MultiStepLR", dict(milestones=[2, 5, 5, 11], gamma=0.3)),
    ("ExponentialLR", dict(gamma=0.9)),
    ("CosineAnnealingLR", dict(T_max=10)),
    ("CosineAnnealingLR", dict(T_max=7, eta_min=0.001)),
    ("CosineAnnealingLR", dict(T_max=30, eta_min=0.01)),
    ("LinearLR", dict()),
    ("LinearLR", dict(start_factor=0.25, total_iters=8)),
    ("LinearLR", dict(start_factor=1.0, end_factor=0.1, total_iters=12)),
    ("LinearLR", dict(start_factor=0.5, end_factor=0.0, total_iters=10)),
    ("OneCycleLR", dict(max_lr=0.5, total_steps=30)),
    ("OneCycleLR", dict(max_lr=[0.5, 0.2], total_steps=30, anneal_strategy="linear")),
    ("OneCycleLR", dict(max_lr=0.5, total_steps=30, three_phase=True)),
    (
        "OneCycleLR",
        dict(
            max_lr=1.0,
            epochs=3,
            steps_per_epoch=10,
            pct_start=0.25,
            div_factor=10.0,
            final_div_factor=100.0,
        ),
    ),
    (
        "OneCycleLR",
        dict(
            max_lr=0.5,
            total_steps=30,
            three_phase=True,
            anneal_strategy="linear",
            base_momentum=0.8,
            max_momentum=[0.9, 0.99],
        ),
    ),
    ("OneCycleLR", dict(max_lr=0.5, total_steps=30, cycle_momentum=False)),
]
IDS = [f"{name}-{kwargs}" for name, kwargs in SCHEDULES]
STEPS = 29  # OneCycleLR's 30 total steps: epoch 0 at construction, then 29 more


def make_optimizer(lib, kind="SGD"):
    """Two parameter groups with different learning rates."""
    new = (
        (lambda: torch.nn.Parameter(torch.ones(2)))
        if lib is torch.optim
        else (lambda: Parameter(np.ones(2)))
    )
    groups = [{"params": [new()], "lr": 0.1}, {"params": [new()], "lr": 0.05}]
    if kind == "SGD":
        return lib.SGD(groups, momentum=0.9)
    return getattr(lib, kind)(groups)


def momenta(opt):
    return [g["betas"][0] if "betas" in g else g.get("momentum") for g in opt.param_groups]


def run(scheduler, steps):
    """Step optimizer then scheduler; the learning rates and momenta at each epoch."""
    opt = scheduler.optimizer
    lrs, moms = [scheduler.get_last_lr()], [momenta(opt)]
    for _ in range(steps):
        opt.step()
        scheduler.step()
        assert scheduler.get_last_lr() == [g["lr"] for g in opt.param_groups]
        lrs.append(scheduler.get_last_lr())
        moms.append(momenta(opt))
    return np.array(lrs, dtype=float), np.array(moms, dtype=float)


def both(name, kwargs, kind="SGD"):
    ours = getattr(lr_scheduler, name)(make_optimizer(optim, kind), **kwargs)
    theirs = getattr(torch.optim.lr_scheduler, name)(make_optimizer(torch.optim, kind), **kwargs)
    return ours, theirs


@requires_torch
@pytest.mark.parametrize(("name", "kwargs"), SCHEDULES, ids=IDS)
def test_schedule_matches_torch(name, kwargs):
    ours, theirs = both(name, kwargs)
    lrs, moms = run(ours, STEPS)
    ref_lrs, ref_moms = run(theirs, STEPS)
    np.testing.assert_allclose(lrs, ref_lrs, rtol=1e-10, atol=1e-15)
    np.testing.assert_allclose(moms, ref_moms, rtol=1e-10)
    assert len(np.unique(lrs[:, 0])) > 2  # the schedule does change the learning rate


@requires_torch
@pytest.mark.parametrize("kind", ["Adam", "AdamW", "RMSprop"])
def test_one_cycle_cycles_beta1_or_momentum(kind):
    kwargs = dict(max_lr=0.01, total_steps=30, pct_start=0.4)
    ours, theirs = both("OneCycleLR", kwargs, kind)
    lrs, moms = run(ours, STEPS)
    ref_lrs, ref_moms = run(theirs, STEPS)
    np.testing.assert_allclose(lrs, ref_lrs, rtol=1e-10)
    np.testing.assert_allclose(moms, ref_moms, rtol=1e-10)
    assert moms.min() == pytest.approx(0.85) and moms.max() == pytest.approx(0.95)
    if kind != "RMSprop":
        assert all(g["betas"][1] == 0.999 for g in ours.optimizer.param_groups)


@requires_torch
def test_one_cycle_raises_past_total_steps():
    ours, theirs = both("OneCycleLR", dict(max_lr=0.5, total_steps=30))
    run(ours, 30)  # epoch 30 is still allowed, as in PyTorch
    run(theirs, 30)
    with pytest.raises(ValueError, match="Tried to step 31 times.*total steps is 30"):
        ours.step()
    with pytest.raises(ValueError, match="Tried to step 31 times"):
        theirs.step()


@requires_torch
def test_chained_schedulers_and_manual_changes_match_torch():
    results = []
    for lib, sched in ((optim, lr_scheduler), (torch.optim, torch.optim.lr_scheduler)):
        opt = make_optimizer(lib)
        warmup = sched.LinearLR(opt, start_factor=0.1, total_iters=5)
        decay = sched.ExponentialLR(opt, gamma=0.95)
        cosine = sched.CosineAnnealingLR(opt, T_max=12, eta_min=1e-3)
        lrs = []
        for epoch in range(25):
            opt.step()
            for scheduler in (warmup, decay, cosine):
                scheduler.step()
            if epoch == 15:
                opt.param_groups[1]["lr"] *= 0.5
            lrs.append([g["lr"] for g in opt.param_groups])
        results.append(np.array(lrs))
    np.testing.assert_allclose(results[0], results[1], rtol=1e-10, atol=1e-15)


@requires_torch
@pytest.mark.parametrize(
    ("name", "kwargs"),
    [
        ("StepLR", dict(step_size=4)),
        ("ExponentialLR", dict(gamma=0.8)),
        ("CosineAnnealingLR", dict(T_max=9)),
        ("LinearLR", dict(total_iters=10)),
    ],
)
def test_resume_with_last_epoch_matches_torch(name, kwargs):
    runs = []
    for lib, sched in ((optim, lr_scheduler), (torch.optim, torch.optim.lr_scheduler)):
        opt = make_optimizer(lib)
        for group in opt.param_groups:
            group["initial_lr"] = group["lr"] * 2
        runs.append(run(getattr(sched, name)(opt, last_epoch=5, **kwargs), 12)[0])
    np.testing.assert_allclose(runs[0], runs[1], rtol=1e-10)


@requires_torch
def test_scheduled_training_matches_torch():
    trajectories = []
    for lib, sched in ((optim, lr_scheduler), (torch.optim, torch.optim.lr_scheduler)):
        p = (
            Parameter(np.array([1.0, -2.0]))
            if lib is optim
            else torch.nn.Parameter(torch.tensor([1.0, -2.0], dtype=torch.float64))
        )
        opt = lib.SGD([p], lr=0.1, momentum=0.9)
        scheduler = sched.StepLR(opt, step_size=3, gamma=0.5)
        values = []
        for _ in range(10):
            opt.zero_grad()
            (p * p).sum().backward()
            opt.step()
            scheduler.step()
            values.append(np.array(p.detach().numpy()))
        trajectories.append(np.array(values))
    np.testing.assert_allclose(trajectories[0], trajectories[1], rtol=1e-12)


@pytest.mark.parametrize(("name", "kwargs"), SCHEDULES, ids=IDS)
def test_state_dict_round_trip(name, kwargs):
    straight = getattr(lr_scheduler, name)(make_optimizer(optim), **kwargs)
    full_lrs, full_moms = run(straight, STEPS)

    first = getattr(lr_scheduler, name)(make_optimizer(optim), **kwargs)
    run(first, 10)
    saved_optimizer, saved = first.optimizer.state_dict(), first.state_dict()
    assert "optimizer" not in saved
    run(first, 3)  # the saved state is a copy: unaffected by later steps

    opt = make_optimizer(optim)
    resumed = getattr(lr_scheduler, name)(opt, **kwargs)
    opt.load_state_dict(saved_optimizer)  # the order PyTorch documents
    resumed.load_state_dict(saved)
    assert resumed.last_epoch == 10 and resumed.optimizer is opt
    lrs, moms = run(resumed, STEPS - 10)
    np.testing.assert_array_equal(lrs, full_lrs[10:])
    np.testing.assert_array_equal(moms, full_moms[10:])


# ---------------------------------------------------------------------- bad input
def test_errors():
    opt = make_optimizer(optim)
    with pytest.raises(TypeError, match="list is not an Optimizer"):
        lr_scheduler.StepLR([], step_size=2)
    with pytest.raises(TypeError, match="is not an Optimizer"):
        lr_scheduler.OneCycleLR(None, max_lr=0.1, total_steps=10)
    with pytest.raises(KeyError, match="initial_lr"):
        lr_scheduler.ExponentialLR(opt, gamma=0.9, last_epoch=3)
    with pytest.raises(ValueError, match="step_size must be a positive integer"):
        lr_scheduler.StepLR(opt, step_size=0)
    with pytest.raises(ValueError, match="T_max must be positive"):
        lr_scheduler.CosineAnnealingLR(opt, T_max=0)
    with pytest.raises(ValueError, match="start_factor must be in"):
        lr_scheduler.LinearLR(opt, start_factor=0)
    with pytest.raises(ValueError, match="end_factor must be in"):
        lr_scheduler.LinearLR(opt, end_factor=1.5)
    with pytest.raises(ValueError, match="total_steps OR"):
        lr_scheduler.OneCycleLR(opt, max_lr=0.1)
    with pytest.raises(ValueError, match="positive integer total_steps"):
        lr_scheduler.OneCycleLR(opt, max_lr=0.1, total_steps=0)
    with pytest.raises(ValueError, match="positive integer steps_per_epoch"):
        lr_scheduler.OneCycleLR(opt, max_lr=0.1, epochs=2, steps_per_epoch=-1)
    with pytest.raises(ValueError, match="pct_start"):
        lr_scheduler.OneCycleLR(opt, max_lr=0.1, total_steps=10, pct_start=1.5)
    with pytest.raises(ValueError, match="anneal_strategy"):
        lr_scheduler.OneCycleLR(opt, max_lr=0.1, total_steps=10, anneal_strategy="exp")
    with pytest.raises(ValueError, match="max_lr must have the same length"):
        lr_scheduler.OneCycleLR(opt, max_lr=[0.1, 0.2, 0.3], total_steps=10)
    with pytest.raises(ValueError, match="momentum or beta1"):
        lr_scheduler.OneCycleLR(make_optimizer(optim, "Adagrad"), max_lr=0.1, total_steps=10)
    lr_scheduler.OneCycleLR(
        make_optimizer(optim, "Adagrad"), max_lr=0.1, total_steps=10, cycle_momentum=False
    )
    scheduler = lr_scheduler.StepLR(opt, step_size=2)
    with pytest.raises(ValueError, match="3 base learning rates, the optimizer has 2"):
        scheduler.load_state_dict({"base_lrs": [0.1, 0.1, 0.1], "last_epoch": 0})
    with pytest.raises(ValueError, match="is a dict"):
        scheduler.load_state_dict([0.1])
