"""Module, Parameter and the containers, compared with torch.nn on the same architectures."""

from collections import OrderedDict

import numpy as np
import pytest
from support import requires_torch, torch

import homeml as hm
from homeml import nn


def hm_cnn():
    return nn.Sequential(
        nn.Conv2d(3, 4, 3, padding=1),
        nn.BatchNorm2d(4),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(4 * 3 * 3, 5),
    )


def torch_cnn():
    return torch.nn.Sequential(
        torch.nn.Conv2d(3, 4, 3, padding=1),
        torch.nn.BatchNorm2d(4),
        torch.nn.ReLU(),
        torch.nn.MaxPool2d(2),
        torch.nn.Flatten(),
        torch.nn.Linear(4 * 3 * 3, 5),
    )


def numpy_state(torch_module):
    return {k: v.detach().numpy() for k, v in torch_module.state_dict().items()}


class TwoLayer(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = nn.Linear(4, 3)
        self.blocks = nn.ModuleList([nn.Linear(3, 3), nn.Linear(3, 3, bias=False)])
        self.norm = nn.BatchNorm1d(3)
        self.head = nn.Linear(3, 2)

    def forward(self, x):
        x = self.encoder(x)
        for block in self.blocks:
            x = block(x).relu()
        return self.head(self.norm(x))


if torch is not None:

    class TorchTwoLayer(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.encoder = torch.nn.Linear(4, 3)
            self.blocks = torch.nn.ModuleList(
                [torch.nn.Linear(3, 3), torch.nn.Linear(3, 3, bias=False)]
            )
            self.norm = torch.nn.BatchNorm1d(3)
            self.head = torch.nn.Linear(3, 2)

        def forward(self, x):
            x = self.encoder(x)
            for block in self.blocks:
                x = block(x).relu()
            return self.head(self.norm(x))


# ----------------------------------------------------------------------------- traversal


@requires_torch
@pytest.mark.parametrize("make", ["cnn", "custom"])
def test_named_parameters_names_shapes_and_order_match_torch(make):
    ours, theirs = (hm_cnn(), torch_cnn()) if make == "cnn" else (TwoLayer(), TorchTwoLayer())
    got = [(name, tuple(p.shape)) for name, p in ours.named_parameters()]
    want = [(name, tuple(p.shape)) for name, p in theirs.named_parameters()]
    assert got == want
    shapes = [tuple(p.shape) for p in ours.parameters()]
    assert shapes == [tuple(p.shape) for p in theirs.parameters()]
    assert all(isinstance(p, nn.Parameter) and p.requires_grad for p in ours.parameters())


@requires_torch
@pytest.mark.parametrize("make", ["cnn", "custom"])
def test_state_dict_keys_and_shapes_match_torch(make):
    ours, theirs = (hm_cnn(), torch_cnn()) if make == "cnn" else (TwoLayer(), TorchTwoLayer())
    got = [(k, tuple(v.shape)) for k, v in ours.state_dict().items()]
    want = [(k, tuple(v.shape)) for k, v in theirs.state_dict().items()]
    assert got == want
    buffers = [name for name, _ in ours.named_buffers()]
    assert buffers == [name for name, _ in theirs.named_buffers()]
    state = ours.state_dict()
    bn = "1" if make == "cnn" else "norm"
    assert state[f"{bn}.num_batches_tracked"].dtype == np.int64
    np.testing.assert_array_equal(state[f"{bn}.running_mean"].numpy(), 0.0)
    np.testing.assert_array_equal(state[f"{bn}.running_var"].numpy(), 1.0)


@requires_torch
def test_children_and_modules_match_torch():
    ours, theirs = TwoLayer(), TorchTwoLayer()
    assert [type(c).__name__ for c in ours.children()] == [
        type(c).__name__ for c in theirs.children()
    ]
    assert [name for name, _ in ours.named_children()] == [n for n, _ in theirs.named_children()]
    assert [name for name, _ in ours.named_modules()] == [n for n, _ in theirs.named_modules()]
    assert [type(m).__name__ for m in ours.modules()][1:] == [
        type(m).__name__ for m in theirs.modules()
    ][1:]
    assert next(iter(ours.modules())) is ours
    assert ours.get_submodule("blocks.1") is ours.blocks[1]


def test_shared_submodule_listed_once():
    shared = nn.Linear(2, 2)
    model = nn.Sequential(shared, nn.ReLU(), shared)
    assert len(list(model.modules())) == 3  # the Sequential, the Linear once, the ReLU
    assert len(list(model.parameters())) == 2


@requires_torch
def test_tied_parameters_counted_once_like_torch():
    ours = nn.Sequential(nn.Linear(3, 3), nn.Linear(3, 3))
    ours[1].weight = ours[0].weight
    theirs = torch.nn.Sequential(torch.nn.Linear(3, 3), torch.nn.Linear(3, 3))
    theirs[1].weight = theirs[0].weight
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    assert len(list(ours.parameters())) == 3
    # state_dict keeps both names, as torch's does
    assert sorted(ours.state_dict()) == sorted(theirs.state_dict())
    # the gradients of both uses accumulate into the one tensor
    x = hm.randn(2, 3)
    ours(x).sum().backward()
    w = ours[0].weight.numpy()
    h = x.numpy() @ w.T + ours[0].bias.numpy()
    expected = np.ones((2, 3)) @ w  # d/dh of sum(h @ W.T + b)
    want = np.ones((2, 3)).T @ h + expected.T @ x.numpy()
    np.testing.assert_allclose(ours[0].weight.grad.numpy(), want, rtol=1e-5, atol=1e-5)


@requires_torch
def test_reassigning_a_parameter_keeps_its_place_like_torch():
    ours, theirs = nn.Linear(3, 3), torch.nn.Linear(3, 3)
    ours.weight = nn.Parameter(np.zeros((3, 3), dtype=np.float32))
    theirs.weight = torch.nn.Parameter(torch.zeros(3, 3))
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["weight", "bias"]


@requires_torch
def test_reassigning_buffers_and_children_keeps_their_place_like_torch():
    ours, theirs = nn.BatchNorm1d(2), torch.nn.BatchNorm1d(2)
    ours.register_buffer("running_mean", hm.zeros(2))
    theirs.register_buffer("running_mean", torch.zeros(2))
    assert list(ours.state_dict()) == list(theirs.state_dict())
    ours = nn.Sequential(nn.Linear(2, 2), nn.ReLU(), nn.Linear(2, 1))
    theirs = torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.ReLU(), torch.nn.Linear(2, 1))
    setattr(ours, "0", nn.Linear(2, 2, bias=False))
    setattr(theirs, "0", torch.nn.Linear(2, 2, bias=False))
    assert list(ours.state_dict()) == list(theirs.state_dict())
    setattr(ours, "1", None)  # a child slot can be emptied, and keeps its place
    setattr(theirs, "1", None)
    assert repr(ours) == repr(theirs)
    with pytest.raises(TypeError, match="child module '2'"):
        setattr(ours, "2", 5)  # anything else is a mistake, as in torch
    with pytest.raises(TypeError):
        setattr(theirs, "2", 5)


# ----------------------------------------------------------------------------- modes and grads


def test_train_and_eval_propagate_to_every_submodule():
    model = TwoLayer()
    assert all(m.training for m in model.modules())
    assert model.eval() is model
    assert not any(m.training for m in model.modules())
    model.train()
    assert all(m.training for m in model.modules())
    model.train(False)
    assert not any(m.training for m in model.modules())


def test_eval_changes_batchnorm_and_dropout_behaviour():
    model = nn.Sequential(nn.BatchNorm1d(3), nn.Dropout(0.5))
    x = hm.randn(8, 3) * 4 + 2
    model.eval()
    np.testing.assert_allclose(model(x).numpy(), x.numpy() / np.sqrt(1 + 1e-5), rtol=1e-6)
    model.train()
    out = model(x).numpy()
    assert np.any(out == 0)  # dropout active
    assert model[0].num_batches_tracked.item() == 1


def test_zero_grad_sets_to_none_or_zero():
    model = TwoLayer()
    model(hm.randn(5, 4)).sum().backward()
    assert all(p.grad is not None for p in model.parameters())
    model.zero_grad(set_to_none=False)
    for p in model.parameters():
        assert p.grad is not None and not np.any(p.grad.numpy())
    model(hm.randn(5, 4)).sum().backward()
    model.zero_grad()
    assert all(p.grad is None for p in model.parameters())


def test_requires_grad_false_freezes_parameters():
    model = nn.Linear(3, 2).requires_grad_(False)
    assert not any(p.requires_grad for p in model.parameters())
    out = model(hm.randn(2, 3, requires_grad=True))
    out.sum().backward()
    assert model.weight.grad is None


def test_double_converts_parameters_and_buffers():
    model = hm_cnn().double()
    for _, value in model.state_dict().items():
        assert value.dtype in (np.float64, np.int64)
    out = model(hm.randn(2, 3, 6, 6, dtype=hm.float64))
    assert out.dtype == np.float64


# ----------------------------------------------------------------------------- state dicts


@requires_torch
@pytest.mark.parametrize("mode", ["eval", "train"])
def test_load_state_dict_from_torch_gives_identical_outputs(mode):
    theirs = torch_cnn()
    # non-trivial batch-norm state
    theirs.train()
    with torch.no_grad():
        for _ in range(3):
            theirs(torch.randn(4, 3, 6, 6) * 2 + 1)
        theirs[1].weight.uniform_(0.5, 1.5)
        theirs[1].bias.uniform_(-0.5, 0.5)
    ours = hm_cnn()
    result = ours.load_state_dict(numpy_state(theirs))
    assert list(result.missing_keys) == [] and list(result.unexpected_keys) == []
    for key, value in theirs.state_dict().items():
        np.testing.assert_array_equal(ours.state_dict()[key].numpy(), value.numpy(), err_msg=key)
    getattr(ours, mode)()
    getattr(theirs, mode)()
    x = np.random.default_rng(0).standard_normal((2, 3, 6, 6)).astype(np.float32)
    np.testing.assert_allclose(
        ours(hm.tensor(x)).numpy(),
        theirs(torch.tensor(x)).detach().numpy(),
        rtol=1e-5,
        atol=1e-5,
    )


def test_load_state_dict_copies_in_place():
    model = nn.Linear(3, 2)
    weight = model.weight
    model.load_state_dict({"weight": np.ones((2, 3)), "bias": np.zeros(2)})
    assert model.weight is weight  # optimizers keep their references
    np.testing.assert_array_equal(weight.numpy(), 1.0)
    assert weight.dtype == np.float32


def test_load_state_dict_missing_and_unexpected_keys_raise():
    model = hm_cnn()
    state = {k: v.numpy().copy() for k, v in model.state_dict().items()}
    del state["1.running_var"]
    state["7.weight"] = np.zeros(3)
    with pytest.raises(RuntimeError) as info:
        model.load_state_dict(state)
    message = str(info.value)
    assert "missing" in message and "1.running_var" in message
    assert "unexpected" in message and "7.weight" in message


def test_load_state_dict_shape_mismatch_names_key_and_shapes():
    model = nn.Sequential(nn.Linear(3, 2))
    state = {"0.weight": np.zeros((2, 4)), "0.bias": np.zeros(2)}
    before = model[0].weight.numpy().copy()
    with pytest.raises(RuntimeError) as info:
        model.load_state_dict(state)
    message = str(info.value)
    assert "0.weight" in message and "(2, 4)" in message and "(2, 3)" in message
    np.testing.assert_array_equal(model[0].weight.numpy(), before)  # nothing half-loaded
    with pytest.raises(RuntimeError, match="0.weight"):
        model.load_state_dict(state, strict=False)  # shapes are checked even when not strict


@requires_torch
def test_load_state_dict_non_strict_reports_keys_like_torch():
    ours, theirs = hm_cnn(), torch_cnn()
    state = numpy_state(torch_cnn())
    del state["5.bias"]
    state["extra.weight"] = np.zeros(2, dtype=np.float32)
    torch_state = {k: torch.tensor(v) for k, v in state.items()}
    got = ours.load_state_dict(state, strict=False)
    want = theirs.load_state_dict(torch_state, strict=False)
    assert list(got.missing_keys) == list(want.missing_keys) == ["5.bias"]
    assert list(got.unexpected_keys) == list(want.unexpected_keys) == ["extra.weight"]
    np.testing.assert_array_equal(ours[5].weight.numpy(), state["5.weight"])


def test_state_dict_shares_memory_and_excludes_non_persistent_buffers():
    model = nn.Linear(2, 2)
    model.register_buffer("scratch", hm.zeros(2), persistent=False)
    model.register_buffer("kept", hm.ones(2))
    state = model.state_dict()
    assert list(state) == ["weight", "bias", "kept"]
    assert [name for name, _ in model.named_buffers()] == ["scratch", "kept"]
    state["weight"].numpy()[...] = 7
    np.testing.assert_array_equal(model.weight.numpy(), 7)
    assert not state["weight"].requires_grad


# ----------------------------------------------------------------------------- repr


def torch_repr(module):
    # torch 2.13 added a ``bias`` option to BatchNorm and shows it (and LayerNorm's) by default;
    # homeml's norms show the options they had before, so that default is left out
    lines = repr(module).splitlines()
    return "\n".join(line.replace(", bias=True", "") if "Norm" in line else line for line in lines)


@requires_torch
def test_repr_contains_torch_layer_lines():
    got, want = repr(hm_cnn()), torch_repr(torch_cnn())
    assert got.splitlines() == want.splitlines()
    assert "(1): BatchNorm2d(4, eps=1e-05, momentum=0.1, affine=True" in got


@requires_torch
def test_repr_nested_module_matches_torch():
    ours, theirs = repr(TwoLayer()), torch_repr(TorchTwoLayer())
    assert ours.replace("TwoLayer", "X") == theirs.replace("TorchTwoLayer", "X")


LAYERS = {
    "linear": lambda m: m.Linear(3, 2, bias=False),
    "conv": lambda m: m.Conv2d(2, 4, (3, 5), stride=2, padding=(1, 2), dilation=2, groups=2),
    "conv_same": lambda m: m.Conv2d(2, 4, 3, padding="same", bias=False),
    "conv_valid": lambda m: m.Conv2d(2, 4, 3, padding="valid"),
    "conv_transpose_all": lambda m: m.ConvTranspose2d(
        4, 2, 3, stride=2, padding=1, output_padding=1, dilation=2, groups=2, bias=False
    ),
    "conv_transpose": lambda m: m.ConvTranspose2d(4, 2, 3, stride=2, padding=1, output_padding=1),
    "batchnorm": lambda m: m.BatchNorm1d(3, eps=1e-3, momentum=0.2),
    "layernorm": lambda m: m.LayerNorm((2, 3)),
    "maxpool": lambda m: m.MaxPool2d(3, stride=2, padding=1),
    "avgpool": lambda m: m.AvgPool2d(2),
    "adaptive": lambda m: m.AdaptiveAvgPool2d(1),
    "leaky": lambda m: m.LeakyReLU(0.2),
    "gelu": lambda m: m.GELU(approximate="tanh"),
    "softmax": lambda m: m.Softmax(dim=1),
    "embedding": lambda m: m.Embedding(10, 3, padding_idx=0),
    "flatten": lambda m: m.Flatten(),
    "sigmoid": lambda m: m.Sigmoid(),
}


@requires_torch
@pytest.mark.parametrize("build", LAYERS.values(), ids=LAYERS.keys())
def test_layer_repr_matches_torch(build):
    assert repr(build(nn)) == torch_repr(build(torch.nn))


# ----------------------------------------------------------------------------- containers


def test_sequential_indexing_iteration_and_length():
    layers = [nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 4), nn.Tanh()]
    seq = nn.Sequential(*layers)
    assert len(seq) == 4
    assert seq[0] is layers[0] and seq[-1] is layers[-1]
    assert list(seq) == layers
    part = seq[1:3]
    assert isinstance(part, nn.Sequential) and list(part) == layers[1:3]
    x = hm.randn(5, 2)
    np.testing.assert_allclose(seq(x).numpy(), seq[2:](seq[:2](x)).numpy(), rtol=1e-6)
    seq.append(nn.Sigmoid())
    assert len(seq) == 5 and isinstance(seq[4], nn.Sigmoid)
    with pytest.raises(IndexError):
        seq[10]


@requires_torch
def test_sequential_slice_keeps_torch_names():
    ours = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 4))
    theirs = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.ReLU(), torch.nn.Linear(3, 4))
    assert list(ours[1:].state_dict()) == list(theirs[1:].state_dict())
    assert repr(ours[::2]) == repr(theirs[::2])
    assert isinstance(ours[1:][0], nn.ReLU)  # integers still index by position


def test_sequential_from_ordered_dict_uses_the_names():
    seq = nn.Sequential(OrderedDict([("fc", nn.Linear(2, 3)), ("act", nn.ReLU())]))
    assert [n for n, _ in seq.named_parameters()] == ["fc.weight", "fc.bias"]
    assert isinstance(seq.fc, nn.Linear) and seq[1] is seq.act


def test_module_list_registers_parameters():
    layers = nn.ModuleList([nn.Linear(2, 2), nn.Linear(2, 3)])
    layers.append(nn.Linear(3, 1)).extend([nn.ReLU()])
    assert len(layers) == 4
    assert [n for n, _ in layers.named_parameters()] == [
        "0.weight",
        "0.bias",
        "1.weight",
        "1.bias",
        "2.weight",
        "2.bias",
    ]
    assert layers[-1] is list(layers)[3]
    sliced = layers[1:3]
    assert isinstance(sliced, nn.ModuleList) and len(sliced) == 2 and sliced[0] is layers[1]
    model = TwoLayer()
    assert [n for n, _ in model.named_parameters() if n.startswith("blocks")] == [
        "blocks.0.weight",
        "blocks.0.bias",
        "blocks.1.weight",
    ]


def test_attribute_assignment_registers_and_replaces():
    model = nn.Module()
    model.fc = nn.Linear(2, 2)
    model.scale = nn.Parameter(np.ones(3))
    # a module's own parameters come before its children's, as in torch
    assert [n for n, _ in model.named_parameters()] == ["scale", "fc.weight", "fc.bias"]
    model.fc = None  # plain attribute: the submodule is gone
    assert [n for n, _ in model.named_parameters()] == ["scale"]
    del model.scale
    assert list(model.parameters()) == []
    with pytest.raises(AttributeError, match="nope"):
        getattr(model, "nope")  # noqa: B009


def test_setattr_before_init_is_a_clear_error():
    class Broken(nn.Module):
        def __init__(self):
            self.fc = nn.Linear(2, 2)

    with pytest.raises(AttributeError, match="super"):
        Broken()


def test_parameter_shares_memory_and_is_float():
    array = np.zeros(3, dtype=np.float64)
    p = nn.Parameter(array)
    array[0] = 5
    assert p.numpy()[0] == 5 and p.requires_grad and p.dtype == np.float64
    assert nn.Parameter(np.arange(3)).dtype == np.float32
    assert repr(p).startswith("Parameter containing:")
