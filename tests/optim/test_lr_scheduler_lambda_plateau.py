"""LambdaLR, MultiplicativeLR and ReduceLROnPlateau against torch.optim.lr_scheduler."""

import math

import numpy as np
import pytest
from support import requires_torch, torch

from homeml import optim
from homeml.nn import Parameter
from homeml.optim import lr_scheduler


def make_optimizer(lib):
    """Two parameter groups with different learning rates (as in test_lr_scheduler.py)."""
    new = (
        (lambda: torch.nn.Parameter(torch.ones(2)))
        if lib is torch.optim
        else (lambda: Parameter(np.ones(2)))
    )
    return lib.SGD([{"params": [new()], "lr": 0.1}, {"params": [new()], "lr": 0.05}], momentum=0.9)


def schedulers(name, *args, **kwargs):
    """The same scheduler built on a fresh optimizer in homeml and in torch."""
    return (
        getattr(lr_scheduler, name)(make_optimizer(optim), *args, **kwargs),
        getattr(torch.optim.lr_scheduler, name)(make_optimizer(torch.optim), *args, **kwargs),
    )


def lr_sequence(scheduler, steps=0, metrics=None):
    opt = scheduler.optimizer
    lrs = [scheduler.get_last_lr()]
    for value in metrics if metrics is not None else [None] * steps:
        opt.step()
        scheduler.step() if value is None else scheduler.step(value)
        assert scheduler.get_last_lr() == [g["lr"] for g in opt.param_groups]
        lrs.append(scheduler.get_last_lr())
    return np.array(lrs)


class Warmup:
    """A callable object with state, which torch's state_dict keeps."""

    def __init__(self, steps):
        self.steps = steps

    def __call__(self, epoch):
        return min(1.0, (epoch + 1) / self.steps)


LAMBDAS = [
    ("LambdaLR", lambda epoch: 0.95**epoch),
    ("LambdaLR", [lambda epoch: 1 / (epoch + 1), Warmup(6)]),
    ("MultiplicativeLR", lambda epoch: 0.9 if epoch % 3 else 1.1),
    ("MultiplicativeLR", [lambda epoch: 0.97, Warmup(4)]),
]


@requires_torch
@pytest.mark.parametrize(("name", "fn"), LAMBDAS)
def test_function_schedules_match_torch(name, fn):
    ours, theirs = schedulers(name, fn)
    lrs, ref = lr_sequence(ours, 20), lr_sequence(theirs, 20)
    np.testing.assert_allclose(lrs, ref, rtol=1e-12)
    assert len(np.unique(lrs[:, 0])) > 5


@requires_torch
def test_lambda_resume_with_last_epoch_and_state_dict_match_torch():
    runs = []
    for lib, sched in ((optim, lr_scheduler), (torch.optim, torch.optim.lr_scheduler)):
        opt = make_optimizer(lib)
        for group in opt.param_groups:
            group["initial_lr"] = group["lr"] * 2
        first = sched.LambdaLR(opt, [lambda e: 0.9**e, Warmup(20)], last_epoch=4)
        runs.append(lr_sequence(first, 5))
        saved = first.state_dict()
        assert saved["lr_lambdas"][0] is None and saved["lr_lambdas"][1] == {"steps": 20}
        warm = Warmup(3)
        second = sched.LambdaLR(make_optimizer(lib), [lambda e: 0.9**e, warm])
        second.optimizer.load_state_dict(opt.state_dict())
        second.load_state_dict(saved)
        assert warm.steps == 20 and second.last_epoch == 10
        runs.append(lr_sequence(second, 5))
    np.testing.assert_allclose(runs[0], runs[2], rtol=1e-12)
    np.testing.assert_allclose(runs[1], runs[3], rtol=1e-12)


def test_function_schedules_reject_bad_functions():
    with pytest.raises(ValueError, match="lr_lambda must have the same length"):
        lr_scheduler.LambdaLR(make_optimizer(optim), [lambda e: 1.0])
    with pytest.raises(TypeError, match="needs lr_lambda to be a function of the epoch"):
        lr_scheduler.MultiplicativeLR(make_optimizer(optim), 0.5)


# ---------------------------------------------------------------------- ReduceLROnPlateau
def metric_sequence(seed, n=200, mode="min"):
    """A noisy curve that improves, plateaus, improves again: reductions at varied epochs."""
    rng = np.random.default_rng(seed)
    trend = np.concatenate(
        [
            np.linspace(1.0, 0.5, n // 4),
            np.full(n // 4, 0.5),
            np.linspace(0.5, 0.3, n // 4),
            np.full(n - 3 * (n // 4), 0.3),
        ]
    )
    values = trend + rng.normal(0, 0.02, n)
    values[n // 2 : n // 2 + 5] = values[n // 2]  # exact ties: not an improvement
    return list(values if mode == "min" else 2.0 - values)


PLATEAU = [
    dict(),
    dict(patience=3),
    dict(patience=2, factor=0.5, cooldown=4),
    dict(mode="max", patience=3, factor=0.3),
    dict(mode="max", patience=1, threshold=0.05, threshold_mode="abs"),
    dict(patience=1, threshold=0.02, threshold_mode="abs", cooldown=2),
    dict(patience=0, threshold=0.1, threshold_mode="rel", min_lr=0.004),
    dict(patience=0, factor=0.5, min_lr=[0.02, 0.001]),
    dict(patience=0, factor=0.9, eps=0.004),
    dict(mode="max", patience=2, threshold=0.0, cooldown=1, min_lr=[0.0, 0.03]),
]


@requires_torch
@pytest.mark.parametrize("kwargs", PLATEAU, ids=[str(k) for k in PLATEAU])
@pytest.mark.parametrize("seed", [0, 1])
def test_reduce_on_plateau_matches_torch(kwargs, seed):
    metrics = metric_sequence(seed, mode=kwargs.get("mode", "min"))
    ours, theirs = schedulers("ReduceLROnPlateau", **kwargs)
    lrs, ref = lr_sequence(ours, metrics=metrics), lr_sequence(theirs, metrics=metrics)
    np.testing.assert_allclose(lrs, ref, rtol=1e-12)
    assert len(np.unique(lrs[:, 0])) > 1  # the schedule did reduce
    for name in ("best", "num_bad_epochs", "cooldown_counter", "last_epoch"):
        assert getattr(ours, name) == getattr(theirs, name), name


@requires_torch
def test_reduce_on_plateau_takes_tensors_and_resumes_from_state_dict():
    metrics = metric_sequence(3)
    ours, theirs = schedulers("ReduceLROnPlateau", patience=2, cooldown=1, factor=0.5)
    import homeml as hm

    ref = lr_sequence(theirs, metrics=[torch.tensor(m) for m in metrics])
    first = lr_sequence(ours, metrics=[hm.tensor(m) for m in metrics[:30]])
    saved = ours.state_dict()
    resumed = lr_scheduler.ReduceLROnPlateau(make_optimizer(optim), patience=99)
    resumed.optimizer.load_state_dict(ours.optimizer.state_dict())
    resumed.load_state_dict(saved)
    rest = lr_sequence(resumed, metrics=metrics[30:])
    np.testing.assert_allclose(np.concatenate([first, rest[1:]]), ref, rtol=1e-12)
    assert isinstance(resumed, lr_scheduler.LRScheduler)


def test_reduce_on_plateau_rejects_bad_settings():
    opt = make_optimizer(optim)
    with pytest.raises(ValueError, match="factor should be < 1.0, got 1.5"):
        lr_scheduler.ReduceLROnPlateau(opt, factor=1.5)
    with pytest.raises(ValueError, match="mode must be 'min' or 'max', got 'up'"):
        lr_scheduler.ReduceLROnPlateau(opt, mode="up")
    with pytest.raises(ValueError, match="threshold_mode must be 'rel' or 'abs'"):
        lr_scheduler.ReduceLROnPlateau(opt, threshold_mode="relative")
    with pytest.raises(ValueError, match="min_lr must have the same length"):
        lr_scheduler.ReduceLROnPlateau(opt, min_lr=[0.1])
    with pytest.raises(TypeError, match="is not an Optimizer"):
        lr_scheduler.ReduceLROnPlateau([0.1])
    scheduler = lr_scheduler.ReduceLROnPlateau(opt)
    with pytest.raises(TypeError, match="needs the metric as a number"):
        scheduler.step("loss")
    with pytest.warns(UserWarning, match="epoch parameter"):
        scheduler.step(1.0, epoch=5)
    assert scheduler.last_epoch == 5 and scheduler.best == 1.0
    scheduler.step(math.inf)
    assert scheduler.num_bad_epochs == 1
