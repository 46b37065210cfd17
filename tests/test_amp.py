"""hm.amp and hm.compile: PyTorch's mixed-precision and compiler entry points pass through."""

from __future__ import annotations

import numpy as np

import homeml as hm
from homeml import nn


def test_grad_scaler_and_autocast_leave_training_unchanged():
    results = []
    for wrapped in (False, True):
        model = nn.Linear(3, 1)
        with hm.no_grad():
            model.weight.copy_(hm.tensor([[0.1, -0.2, 0.3]]))
            model.bias.zero_()
        opt = hm.optim.SGD(model.parameters(), lr=0.1)
        scaler = hm.amp.GradScaler("cpu", enabled=True)
        x, y = hm.ones(4, 3), hm.zeros(4, 1)
        for _ in range(3):
            opt.zero_grad()
            if wrapped:
                with hm.autocast(device_type="cpu", dtype=hm.bfloat16):
                    loss = ((model(x) - y) ** 2).mean()
                scaler.scale(loss).backward()
                scaler.unscale_(opt)
                scaler.step(opt)
                scaler.update()
            else:
                loss = ((model(x) - y) ** 2).mean()
                loss.backward()
                opt.step()
        assert model(x).dtype == np.float32  # autocast changes no dtype
        results.append(model.weight.detach().numpy().copy())
    np.testing.assert_array_equal(results[0], results[1])
    assert hm.cuda.amp.GradScaler is hm.amp.GradScaler
    assert hm.amp.GradScaler(enabled=False).get_scale() == 1.0


def test_compile_returns_what_it_is_given():
    model = nn.Linear(2, 2)
    assert hm.compile(model) is model
    assert hm.compile(model, mode="max-autotune") is model

    @hm.compile
    def f(x):
        return x * 2

    @hm.compile(fullgraph=True)
    def g(x):
        return x * 3

    assert f(hm.ones(1)).item() == 2.0 and g(hm.ones(1)).item() == 3.0

    @hm.autocast("cpu")
    def h(x):
        return x + 1

    assert h(hm.ones(1)).item() == 2.0
