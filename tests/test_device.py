"""Devices as PyTorch has them, on a library that computes on the CPU."""

from __future__ import annotations

import numpy as np
import pytest
from support import requires_torch, torch

import homeml as hm
from homeml import nn

FACTORIES = {
    "tensor": lambda lib, d: lib.tensor([1.0, 2.0], device=d),
    "as_tensor": lambda lib, d: lib.as_tensor([1.0, 2.0], device=d),
    "zeros": lambda lib, d: lib.zeros(2, 3, device=d),
    "ones": lambda lib, d: lib.ones(2, device=d),
    "empty": lambda lib, d: lib.empty(2, device=d),
    "full": lambda lib, d: lib.full((2,), 3.0, device=d),
    "arange": lambda lib, d: lib.arange(4, device=d),
    "linspace": lambda lib, d: lib.linspace(0, 1, 5, device=d),
    "eye": lambda lib, d: lib.eye(3, device=d),
    "rand": lambda lib, d: lib.rand(2, device=d),
    "randn": lambda lib, d: lib.randn(2, device=d),
    "randint": lambda lib, d: lib.randint(0, 5, (3,), device=d),
    "randperm": lambda lib, d: lib.randperm(4, device=d),
    "zeros_like": lambda lib, d: lib.zeros_like(lib.ones(2), device=d),
    "ones_like": lambda lib, d: lib.ones_like(lib.ones(2), device=d),
    "full_like": lambda lib, d: lib.full_like(lib.ones(2), 7.0, device=d),
    "rand_like": lambda lib, d: lib.rand_like(lib.ones(2), device=d),
    "randn_like": lambda lib, d: lib.randn_like(lib.ones(2), device=d),
}


@requires_torch
@pytest.mark.parametrize("name", FACTORIES)
@pytest.mark.parametrize("where", ["cpu", "cpu:0"])
def test_factories_take_a_cpu_device(name, where):
    for d in (where, hm.device(where)):
        t = FACTORIES[name](hm, d)
        ref = FACTORIES[name](torch, torch.device(where))
        assert t.shape == tuple(ref.shape) and str(t.device) == str(ref.device) == "cpu"
        assert not t.is_cuda and not ref.is_cuda


@pytest.mark.parametrize("name", FACTORIES)
@pytest.mark.parametrize("where", ["cuda", "cuda:1", "mps", 0])
def test_other_devices_raise_one_clear_error(name, where):
    with pytest.raises(RuntimeError, match="homeml runs on the CPU only"):
        FACTORIES[name](hm, where)


@requires_torch
def test_device_objects_match_torch():
    for args in [("cpu",), ("cuda",), ("cuda:1",), ("cuda", 2), ("mps",)]:
        ours, ref = hm.device(*args), torch.device(*args)
        assert (str(ours), repr(ours), ours.type, ours.index) == (
            str(ref),
            repr(ref),
            ref.type,
            ref.index,
        )
    assert hm.device("cpu") == hm.device("cpu") and hm.device("cpu") != hm.device("cuda")
    assert hm.tensor([1.0]).device == hm.device("cpu")
    assert len({hm.device("cpu"), hm.device("cpu")}) == 1
    for bad in ["gpu", "cuda:x"]:
        with pytest.raises(RuntimeError):
            torch.device(bad)
        with pytest.raises(RuntimeError):
            hm.device(bad)


@requires_torch
def test_to_takes_pytorch_forms():
    x = hm.tensor([1.5, 2.5], requires_grad=True)
    tx = torch.tensor([1.5, 2.5], requires_grad=True)
    forms = [
        (("cpu",), {}),
        ((hm.float64,), {}),
        (("cpu", hm.float64), {}),
        ((), {"device": "cpu", "dtype": hm.float64}),
        ((hm.device("cpu"),), {}),
        ((hm.ones(1, dtype=hm.float64),), {}),
        ((hm.float32,), {"copy": True}),
        ((hm.float64,), {"non_blocking": True}),
    ]
    for args, kwargs in forms:
        targs = tuple(
            torch.float64
            if a is hm.float64
            else torch.float32
            if a is hm.float32
            else torch.ones(1, dtype=torch.float64)
            if isinstance(a, hm.Tensor)
            else torch.device(str(a))
            if isinstance(a, hm.device)
            else a
            for a in args
        )
        tkw = {k: (torch.float64 if v is hm.float64 else v) for k, v in kwargs.items()}
        y, ty = x.to(*args, **kwargs), tx.to(*targs, **tkw)
        assert str(y.dtype) == str(ty.dtype).replace("torch.", "")
        assert (y is x) == (ty is tx)
    y = x.to(hm.float64)
    (y * y).sum().backward()
    assert x.grad.dtype == np.float32 and x.grad.tolist() == [3.0, 5.0]
    assert x.cpu() is x
    with pytest.raises(RuntimeError, match="CPU only"):
        x.to("cuda", hm.float64)
    with pytest.raises(RuntimeError, match="CPU only"):
        x.cuda()
    with pytest.raises(TypeError, match="unexpected keyword"):
        x.to(devise="cpu")


def test_module_to_device_and_dtype():
    model = nn.Linear(3, 2)
    assert model.to("cpu") is model and model.to(hm.device("cpu")) is model
    assert model.to("cpu", hm.float64).weight.dtype == np.float64
    assert model.to(device="cpu", dtype=hm.float32).weight.dtype == np.float32
    with pytest.raises(RuntimeError, match="CPU only"):
        model.to("cuda")
    assert model.cpu() is model
    with pytest.raises(RuntimeError, match="CPU only"):
        model.cuda()
    x = hm.ones(2)
    assert x.pin_memory() is x


@requires_torch
def test_accelerator_queries_say_cpu_only():
    assert hm.cuda.is_available() is False and hm.cuda.device_count() == 0
    hm.cuda.manual_seed_all(0)
    hm.cuda.manual_seed(0)
    assert hm.backends.mps.is_available() is False
    hm.backends.cudnn.benchmark = True  # scripts set it; it is accepted
    assert hm.accelerator.is_available() is False
    assert hm.accelerator.current_accelerator() is None
    # the idioms of the public examples pick the CPU
    use_accel = hm.accelerator.is_available()
    device = hm.accelerator.current_accelerator() if use_accel else hm.device("cpu")
    assert hm.zeros(2, device=device).device == "cpu"
    name = "cuda" if hm.cuda.is_available() else "mps" if hm.backends.mps.is_available() else "cpu"
    assert name == "cpu"


def test_generators_take_a_cpu_device():
    g = hm.Generator(device="cpu").manual_seed(3)
    assert g.device == hm.device("cpu") and hm.Generator(device=hm.device("cpu")).device == "cpu"
    assert hm.rand(2, generator=g).tolist() == hm.rand(2, generator=hm.Generator(3)).tolist()
    with pytest.raises(RuntimeError, match="CPU only"):
        hm.Generator(device="cuda")


def test_bfloat16_and_float16_names():
    assert hm.ones(2, dtype=hm.bfloat16).dtype == np.float32  # computed in float32
    assert hm.ones(2).to(hm.float16).dtype == np.float16
    assert hm.half == hm.float16


@requires_torch
def test_new_factory_methods_match_torch():
    for dtype, tdtype in [(hm.float64, torch.float64), (hm.int64, torch.int64)]:
        x, tx = hm.ones(2, dtype=dtype), torch.ones(2, dtype=tdtype)
        pairs = [
            (x.new_zeros(2, 3), tx.new_zeros(2, 3)),
            (x.new_ones((3,)), tx.new_ones((3,))),
            (x.new_full((2,), 7), tx.new_full((2,), 7)),
            (x.new_tensor([1, 2]), tx.new_tensor([1, 2])),
            (x.new_zeros([1, 2], dtype=hm.float32), tx.new_zeros([1, 2], dtype=torch.float32)),
            (x.new_empty(4, device="cpu"), tx.new_empty(4, device="cpu")),
        ]
        for k, (ours, ref) in enumerate(pairs):
            assert ours.shape == tuple(ref.shape)
            assert str(ours.dtype) == str(ref.dtype).replace("torch.", "")
            if k != len(pairs) - 1:  # new_empty's values are unspecified
                np.testing.assert_array_equal(ours.numpy(), ref.numpy())
    w = hm.zeros(2).new_ones(2, requires_grad=True)
    assert w.requires_grad and w.is_leaf
    with pytest.raises(RuntimeError, match="CPU only"):
        hm.zeros(1).new_zeros(2, device="cuda")
