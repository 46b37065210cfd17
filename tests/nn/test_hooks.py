"""Module hooks against torch: forward pre-hooks, forward hooks and full backward hooks."""

import numpy as np
import pytest
from support import requires_torch, torch

import homeml as hm
from homeml import nn

pytestmark = requires_torch


def randn(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


def both(build):
    """The same module in homeml and torch (``build(lib)`` with lib the nn package)."""
    hm.manual_seed(0)
    ours, theirs = build(nn), build(torch.nn)
    ours.load_state_dict({k: v.detach().numpy().copy() for k, v in theirs.state_dict().items()})
    return ours, theirs


def as_numpy(value):
    if value is None:
        return None
    if isinstance(value, (tuple, list)):
        return [as_numpy(v) for v in value]
    return value.detach().numpy() if isinstance(value, torch.Tensor) else value.numpy()


def assert_same(ours, theirs):
    if theirs is None or ours is None or isinstance(theirs, str):
        assert ours == theirs, (ours, theirs)
    elif isinstance(theirs, (list, tuple)):
        assert len(ours) == len(theirs)
        for a, b in zip(ours, theirs, strict=True):
            assert_same(a, b)
    else:
        np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12)


def linear(lib):
    return lib.Linear(3, 2, dtype=torch.float64 if lib is torch.nn else np.float64)


def test_forward_pre_hook_replaces_input_and_handle_removes_it():
    ours, theirs = both(linear)
    x = randn(4, 3)
    seen = {"ours": [], "theirs": []}
    for key, module in (("ours", ours), ("theirs", theirs)):

        def double(m, args, key=key):
            seen[key].append(as_numpy(args))
            return args[0] * 2  # a non-tuple result becomes the only input

        handle = module.register_forward_pre_hook(double)
        module.register_forward_pre_hook(lambda m, args: (args[0] + 1,), prepend=True)
        out = module(torch.tensor(x) if key == "theirs" else hm.tensor(x))
        seen[key].append(as_numpy(out))
        handle.remove()
        handle.remove()  # twice is harmless, as in torch
        seen[key].append(as_numpy(module(torch.tensor(x) if key == "theirs" else hm.tensor(x))))
    assert_same(seen["ours"], seen["theirs"])
    np.testing.assert_allclose(seen["ours"][0][0], x + 1)  # the prepended hook ran first


def test_forward_hooks_with_kwargs_and_replacing_output():
    class Scale(nn.Module):
        def forward(self, x, *, factor=1.0):
            return x * factor

    class TorchScale(torch.nn.Module):
        def forward(self, x, *, factor=1.0):
            return x * factor

    x = randn(2, 3)
    results = []
    for module, tensor in ((Scale(), hm.tensor), (TorchScale(), torch.tensor)):
        log = []
        module.register_forward_pre_hook(
            lambda m, args, kwargs: (args, {"factor": kwargs["factor"] * 10}), with_kwargs=True
        )
        module.register_forward_hook(
            lambda m, args, kwargs, out, log=log: log.append(kwargs["factor"]), with_kwargs=True
        )
        module.register_forward_hook(lambda m, args, out: out - 1)
        module.register_forward_hook(lambda m, args, out, log=log: log.append(as_numpy(out)))
        results.append([as_numpy(module(tensor(x), factor=3.0)), *log])
    assert results[0][1] == results[1][1] == 30.0
    assert_same(results[0][0], results[1][0])
    assert_same(results[0][2], results[1][2])


def test_always_call_forward_hook_runs_when_forward_raises():
    for lib in (nn, torch.nn):

        class Broken(lib.Module):
            def forward(self, x):
                raise KeyError("boom")

        module, calls = Broken(), []
        module.register_forward_hook(
            lambda m, a, o, calls=calls: calls.append(("always", o)), always_call=True
        )
        module.register_forward_hook(lambda m, a, o, calls=calls: calls.append(("normal", o)))
        with pytest.raises(KeyError, match="boom"):
            module(1.0)
        assert calls == [("always", None)], lib


def record_backward(module, log):
    def hook(m, grad_input, grad_output):
        log.append((as_numpy(list(grad_input)), as_numpy(list(grad_output))))

    return module.register_full_backward_hook(hook)


@pytest.mark.filterwarnings("ignore:Full backward hook is firing")
@pytest.mark.parametrize("input_grad", [True, False])
def test_full_backward_hook_sees_torchs_gradients(input_grad):
    ours, theirs = both(linear)
    x, w = randn(4, 3), randn(4, 2, seed=1)
    logs = [], []
    record_backward(ours, logs[0])
    record_backward(theirs, logs[1])
    hx = hm.tensor(x, requires_grad=input_grad)
    tx = torch.tensor(x, requires_grad=input_grad)
    (ours(hx) * hm.tensor(w)).sum().backward()
    (theirs(tx) * torch.tensor(w)).sum().backward()
    assert len(logs[0]) == len(logs[1]) == 1
    assert_same(logs[0], logs[1])
    assert_same(as_numpy(ours.weight.grad), as_numpy(theirs.weight.grad))


def test_full_backward_hook_replaces_input_gradients_of_several_inputs():
    def build(lib):
        class Mix(lib.Module):
            def forward(self, a, b, scale, c):
                return a * b + b.exp() * scale, a.sum() * c

        return Mix()

    ours, theirs = both(build)
    arrays = randn(2, 3), randn(2, 3, seed=1), randn(2, 1, seed=3)
    grads, logs = [], ([], [])
    for module, lib, log in ((ours, hm, logs[0]), (theirs, torch, logs[1])):
        record_backward(module, log)
        # the second hook sees what the first returned, as in torch
        module.register_full_backward_hook(lambda m, gi, go: (gi[0] * 2, None, None, gi[3] + 1))
        record_backward(module, log)
        a, b, c = (lib.tensor(v, requires_grad=True) for v in arrays)
        first, second = module(a, b, 0.5, c)
        ((first * lib.tensor(randn(2, 3, seed=7))).sum() + (second * 3).sum()).backward()
        grads.append(as_numpy([a.grad, b.grad, c.grad]))
    assert len(logs[0]) == len(logs[1]) == 2
    assert logs[0][0][0][2] is None  # the float argument has no gradient
    assert_same(logs[0], logs[1])
    assert_same(grads[0], grads[1])
    assert grads[0][1] is None  # the hook dropped b's gradient


def test_backward_hook_on_submodule_inside_sequential_and_context_handle():
    def build(lib):
        dtype = torch.float64 if lib is torch.nn else np.float64
        return lib.Sequential(
            lib.Linear(3, 4, dtype=dtype), lib.Tanh(), lib.Linear(4, 1, dtype=dtype)
        )

    ours, theirs = both(build)
    x = randn(5, 3)
    logs = [], []
    results = []
    for module, lib, log in ((ours, hm, logs[0]), (theirs, torch, logs[1])):
        with record_backward(module[1], log):
            module(lib.tensor(x)).sum().backward()
        module(lib.tensor(x)).sum().backward()  # removed on leaving the with block
        results.append(as_numpy(module[0].weight.grad))
    assert len(logs[0]) == len(logs[1]) == 1
    assert_same(logs[0], logs[1])
    assert_same(results[0], results[1])


@pytest.mark.filterwarnings("ignore:Full backward hook is firing")
@pytest.mark.parametrize("input_grad", [True, False])
def test_full_backward_pre_hook_sees_and_replaces_output_gradients(input_grad):
    def build(lib):
        class Two(lib.Module):
            def __init__(self):
                super().__init__()
                dtype = torch.float64 if lib is torch.nn else np.float64
                self.linear = lib.Linear(3, 2, dtype=dtype)

            def forward(self, x):
                y = self.linear(x)
                return y.tanh(), (y * y).sum()

        return Two()

    ours, theirs = both(build)
    x, w = randn(4, 3), randn(4, 2, seed=1)
    logs, grads = ([], []), []
    for module, lib, log in ((ours, hm, logs[0]), (theirs, torch, logs[1])):
        module.register_full_backward_pre_hook(
            lambda m, go, log=log: log.append(("pre", as_numpy(list(go))))
        )
        module.register_full_backward_pre_hook(lambda m, go: (go[0] * 3, None))
        record_backward(module, log)
        xt = lib.tensor(x, requires_grad=input_grad)
        first, second = module(xt)
        ((first * lib.tensor(w)).sum() + 2 * second).backward()
        grads.append(as_numpy([xt.grad, module.linear.weight.grad, module.linear.bias.grad]))
    assert len(logs[0]) == len(logs[1]) == 2 and logs[0][0][0] == "pre"
    assert (logs[0][1][0][0] is None) == (not input_grad)  # no input gradient: None
    assert_same(logs[0], logs[1])
    assert_same(grads[0], grads[1])


def test_hooks_must_be_callable_and_return_the_right_number_of_gradients():
    layer = nn.Linear(3, 2)
    with pytest.raises(TypeError, match="a hook must be callable, got int"):
        layer.register_forward_hook(3)
    layer.register_full_backward_hook(lambda m, gi, go: (gi[0], gi[0]))
    with pytest.raises(RuntimeError, match="returned 2 gradients, expected 1"):
        layer(hm.randn(2, 3, requires_grad=True)).sum().backward()
