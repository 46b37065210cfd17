"""homeml.onnx.export of networks: onnxruntime reproduces homeml's eval-mode forward."""

import os
from collections import OrderedDict

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from support import requires_mnist

import homeml as hm
from homeml import nn, optim
from homeml.models import build_model
from homeml.onnx import OPSET, export


def run_onnx(path, x):
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    assert [i.name for i in session.get_inputs()] == ["input"]
    assert [o.name for o in session.get_outputs()] == ["output"]
    return session.run(["output"], {"input": x})[0]


def forward(model, x):
    with hm.no_grad():
        return model(hm.tensor(x)).numpy()


def randomize_batch_norm(model, rng):
    """Non-trivial running statistics and affine parameters, so BatchNorm is really tested."""
    for module in model.modules():
        if isinstance(module, (nn.BatchNorm1d, nn.BatchNorm2d)):
            c = module.num_features
            module.running_mean._data[...] = rng.normal(0, 0.5, c)
            module.running_var._data[...] = rng.uniform(0.5, 2.0, c)
            if module.weight is not None:
                module.weight._data[...] = rng.uniform(0.5, 1.5, c)
            if module.bias is not None:
                module.bias._data[...] = rng.normal(0, 0.5, c)


def assert_matches(model, shape, tmp_path, example_batch=2, seed=0):
    """Export, check, and compare onnxruntime with homeml at batch sizes 1 and 7."""
    rng = np.random.default_rng(seed)
    randomize_batch_norm(model, rng)
    path = tmp_path / "model.onnx"
    example = rng.standard_normal((example_batch, *shape)).astype(np.float32)
    proto = export(model, path, example)
    onnx.checker.check_model(str(path))
    loaded = onnx.load(str(path))
    assert loaded.opset_import[0].version == OPSET == proto.opset_import[0].version
    floats = [i for i in loaded.graph.initializer if not i.name.endswith("shape")]
    assert all(i.data_type == onnx.TensorProto.FLOAT for i in floats)
    model.eval()
    for batch in (1, 7):
        x = rng.standard_normal((batch, *shape)).astype(np.float32)
        expected = forward(model, x)
        got = run_onnx(path, x)
        assert got.shape == expected.shape
        # 1e-5 relative; the absolute term (1e-5 of the output's scale) covers entries near 0
        np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5 * np.abs(expected).max())
    return loaded


LAYERS = {
    "linear": (lambda: nn.Linear(5, 3), (5,)),
    "linear_no_bias": (lambda: nn.Linear(5, 3, bias=False), (5,)),
    "linear_3d": (lambda: nn.Linear(5, 3), (4, 5)),
    "conv": (lambda: nn.Conv2d(3, 4, 3), (3, 9, 9)),
    "conv_stride_pad": (lambda: nn.Conv2d(3, 4, 3, stride=2, padding=1), (3, 9, 8)),
    "conv_rect": (lambda: nn.Conv2d(2, 4, (3, 2), stride=(2, 1), padding=(1, 0)), (2, 9, 8)),
    "conv_dilation": (lambda: nn.Conv2d(2, 3, 3, dilation=2, padding=2), (2, 10, 10)),
    "conv_groups": (lambda: nn.Conv2d(4, 6, 3, groups=2, bias=False), (4, 7, 7)),
    "conv_depthwise": (lambda: nn.Conv2d(4, 4, 3, groups=4, padding=1), (4, 6, 6)),
    "conv_same_even_kernel": (lambda: nn.Conv2d(2, 3, 4, padding="same"), (2, 7, 7)),
    "conv_valid": (lambda: nn.Conv2d(2, 3, 3, padding="valid"), (2, 7, 7)),
    "max_pool": (lambda: nn.MaxPool2d(2), (3, 8, 8)),
    "max_pool_stride_pad_dilation": (lambda: nn.MaxPool2d(3, 2, 1, dilation=2), (2, 11, 11)),
    "avg_pool": (lambda: nn.AvgPool2d(2), (3, 8, 8)),
    "avg_pool_pad_include": (lambda: nn.AvgPool2d(3, 2, 1), (2, 9, 9)),
    "avg_pool_pad_exclude": (lambda: nn.AvgPool2d(3, 2, 1, count_include_pad=False), (2, 9, 9)),
    "adaptive_avg_pool_1x1": (lambda: nn.AdaptiveAvgPool2d(1), (3, 7, 5)),
    "adaptive_avg_pool_divisor": (lambda: nn.AdaptiveAvgPool2d((2, 4)), (3, 8, 8)),
    "batch_norm_2d": (lambda: nn.BatchNorm2d(3), (3, 5, 5)),
    "batch_norm_2d_no_affine": (lambda: nn.BatchNorm2d(3, affine=False), (3, 5, 5)),
    "batch_norm_1d": (lambda: nn.BatchNorm1d(6, eps=1e-3), (6,)),
    "batch_norm_1d_3d_input": (lambda: nn.BatchNorm1d(4), (4, 5)),
    "layer_norm": (lambda: nn.LayerNorm(6), (3, 6)),
    "dropout": (lambda: nn.Dropout(0.5), (6,)),
    "identity": (lambda: nn.Identity(), (6,)),
    "flatten": (lambda: nn.Flatten(), (2, 3, 4)),
    "flatten_inner": (lambda: nn.Flatten(2), (2, 3, 4)),
    "flatten_middle": (lambda: nn.Flatten(1, 2), (2, 3, 4)),
    "relu": (lambda: nn.ReLU(), (6,)),
    "leaky_relu": (lambda: nn.LeakyReLU(0.2), (6,)),
    "gelu": (lambda: nn.GELU(), (3, 6)),
    "gelu_tanh": (lambda: nn.GELU("tanh"), (3, 6)),
    "sigmoid": (lambda: nn.Sigmoid(), (6,)),
    "tanh": (lambda: nn.Tanh(), (6,)),
    "softplus": (lambda: nn.Softplus(beta=2.0, threshold=1.0), (6,)),
    "softmax": (lambda: nn.Softmax(dim=1), (6,)),
    "softmax_last_of_4d": (lambda: nn.Softmax(dim=-1), (2, 3, 4)),
    "log_softmax": (lambda: nn.LogSoftmax(dim=1), (6,)),
    "log_softmax_channels": (lambda: nn.LogSoftmax(dim=1), (3, 2, 2)),
}


@pytest.mark.parametrize("name", list(LAYERS))
def test_each_layer_matches_homeml(name, tmp_path):
    hm.manual_seed(0)
    make, shape = LAYERS[name]
    assert_matches(nn.Sequential(make()), shape, tmp_path)


def test_softmax_default_dim_follows_homeml(tmp_path):
    model = nn.Sequential(nn.Flatten(), nn.Softmax())
    with pytest.warns(UserWarning):  # homeml warns about the implicit dim, as torch does
        assert_matches(model, (3, 4), tmp_path)


def test_bare_layer_and_nested_sequential(tmp_path):
    hm.manual_seed(1)
    assert_matches(nn.Linear(4, 2), (4,), tmp_path)
    inner = nn.Sequential(OrderedDict(conv=nn.Conv2d(1, 4, 3), bn=nn.BatchNorm2d(4)))
    model = nn.Sequential(
        OrderedDict(
            features=nn.Sequential(inner, nn.ReLU(), nn.AdaptiveAvgPool2d(1)),
            head=nn.Sequential(nn.Flatten(), nn.Linear(4, 3), nn.LogSoftmax(dim=1)),
        )
    )
    proto = assert_matches(model, (1, 8, 8), tmp_path)
    names = {i.name for i in proto.graph.initializer}
    assert "features_0_conv_weight" in names  # initializers keep the parameter paths


@pytest.mark.parametrize("name", ["mlp", "cnn", "lenet5"])
def test_homeml_architectures(name, tmp_path):
    hm.manual_seed(2)
    model = build_model(name)  # as homeml train builds it; exported in eval mode
    proto = assert_matches(model, (1, 28, 28), tmp_path, example_batch=1)
    dims = proto.graph.input[0].type.tensor_type.shape.dim
    assert dims[0].dim_param == "batch" and [d.dim_value for d in dims[1:]] == [1, 28, 28]
    assert proto.graph.output[0].type.tensor_type.shape.dim[0].dim_param == "batch"


def test_float64_model_is_stored_as_float32(tmp_path):
    hm.manual_seed(3)
    model = nn.Sequential(nn.Linear(6, 5), nn.Tanh(), nn.Linear(5, 2)).double()
    proto = assert_matches(model, (6,), tmp_path)
    assert {i.data_type for i in proto.graph.initializer} == {onnx.TensorProto.FLOAT}


def test_training_mode_is_exported_as_eval_and_kept(tmp_path):
    hm.manual_seed(4)
    model = nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.Dropout(0.5), nn.Linear(8, 2))
    model.train()
    x = np.random.default_rng(0).standard_normal((5, 4)).astype(np.float32)
    export(model, tmp_path / "m.onnx", x)
    assert all(m.training for m in model.modules())  # the mode is restored
    np.testing.assert_allclose(
        run_onnx(tmp_path / "m.onnx", x), forward(model.eval(), x), rtol=1e-5, atol=1e-6
    )


class Residual(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 4)

    def forward(self, x):
        return x + self.fc(x)


class TwoWay(nn.Sequential):
    def forward(self, x):
        return super().forward(x) * 2


class ScaledLinear(nn.Linear):
    def forward(self, x):
        return super().forward(x) * 2


@pytest.mark.parametrize(
    "model, where",
    [
        (nn.Sequential(nn.Linear(4, 4), nn.GRUCell(4, 4)), "layer '1' (GRUCell)"),
        (
            nn.Sequential(OrderedDict(block=nn.Sequential(nn.ReLU(), nn.ConvTranspose2d(4, 4, 1)))),
            "layer 'block.1' (ConvTranspose2d)",
        ),
        (nn.Sequential(nn.ReLU(), Residual()), "layer '1' (Residual)"),
        (TwoWay(nn.Linear(4, 4)), "layer '<root>' (TwoWay)"),
        (nn.Sequential(ScaledLinear(4, 4)), "layer '0' (ScaledLinear)"),
        (nn.Sequential(nn.Linear(4, 4), nn.Flatten(0)), "layer '1' (Flatten)"),
        (nn.Sequential(nn.BatchNorm1d(4, track_running_stats=False)), "layer '0' (BatchNorm1d)"),
    ],
    ids=[
        "recurrent_cell",
        "nested",
        "custom_forward",
        "sequential_subclass",
        "linear_subclass",
        "flatten_batch",
        "batch_norm_no_stats",
    ],
)
def test_unsupported_layer_is_named(model, where, tmp_path):
    path = tmp_path / "m.onnx"
    with pytest.raises(NotImplementedError, match=where.replace("(", r"\(").replace(")", r"\)")):
        export(model, path, np.zeros((2, 4), np.float32))
    assert not path.exists() and list(tmp_path.iterdir()) == []


def test_unsupported_options_are_named(tmp_path):
    conv = nn.Sequential(nn.Conv2d(1, 2, 3, padding=1, padding_mode="reflect"))
    with pytest.raises(NotImplementedError, match=r"'0' \(Conv2d\).*reflect"):
        export(conv, tmp_path / "m.onnx", np.zeros((1, 1, 5, 5), np.float32))
    pool = nn.Sequential(nn.AdaptiveAvgPool2d(3))
    with pytest.raises(NotImplementedError, match=r"'0' \(AdaptiveAvgPool2d\).*divide"):
        export(pool, tmp_path / "m.onnx", np.zeros((1, 1, 7, 7), np.float32))
    with pytest.raises(TypeError, match="cannot export dict"):
        export({}, tmp_path / "m.onnx", np.zeros((1, 4), np.float32))
    assert list(tmp_path.iterdir()) == []


def test_bad_example_input_names_the_layer(tmp_path):
    model = build_model("lenet5")
    path = tmp_path / "m.onnx"
    with pytest.raises(ValueError, match=r"layer '0' \(Conv2d\) got input of shape \(2, 3, 28"):
        export(model, path, np.zeros((2, 3, 28, 28), np.float32))
    with pytest.raises(ValueError, match=r"layer '7' \(Linear\)"):  # 32x32 -> wrong flat size
        export(model, path, np.zeros((2, 1, 32, 32), np.float32))
    features = nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU())  # homeml runs it on (C, H, W) too
    with pytest.raises(ValueError, match=r"layer '0' \(Conv2d\).*must be a batch"):
        export(features, path, np.zeros((1, 8, 8), np.float32))  # one unbatched sample
    with pytest.raises(ValueError, match="batch axis first"):
        export(nn.Linear(4, 2), path, np.zeros(4, np.float32))
    with pytest.raises(ValueError, match="float array"):
        export(nn.Linear(4, 2), path, [["a", "b"]])
    assert list(tmp_path.iterdir()) == []


def test_write_is_atomic(tmp_path, monkeypatch):
    path = tmp_path / "m.onnx"
    path.write_bytes(b"previous model")
    x = np.zeros((1, 4), np.float32)
    with pytest.raises(NotImplementedError):  # conversion fails before any file is opened
        export(nn.Sequential(nn.GRUCell(4, 4)), path, x)
    assert path.read_bytes() == b"previous model"

    def failing_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(OSError, match="disk full"):  # the write itself fails at the last step
        export(nn.Linear(4, 2), path, x)
    assert path.read_bytes() == b"previous model"
    assert [p.name for p in tmp_path.iterdir()] == ["m.onnx"]  # no temporary file left
    monkeypatch.undo()
    export(nn.Linear(4, 2), str(path), hm.tensor(x))  # a str path and a Tensor input work too
    onnx.checker.check_model(str(path))
    assert [p.name for p in tmp_path.iterdir()] == ["m.onnx"]


needs_mnist = requires_mnist


def mnist_test_digits(n):
    from homeml.datasets import load_mnist

    (x_train, y_train), (x_test, y_test) = load_mnist(download=False, progress=False)

    def normalise(images):
        return ((images[:, None].astype(np.float32) / 255) - 0.1307) / 0.3081

    return normalise(x_train[:n]), y_train[:n], normalise(x_test[:n]), y_test[:n]


@needs_mnist
def test_mnist_random_cnn_predictions_match(tmp_path):
    x, _, x_test, _ = mnist_test_digits(300)
    hm.manual_seed(5)
    model = build_model("cnn")
    model.train()
    with hm.no_grad():  # realistic BatchNorm running statistics from a few digit batches
        for start in range(0, 300, 100):
            model(hm.tensor(x[start : start + 100]))
    model.eval()
    export(model, tmp_path / "cnn.onnx", x[:1])
    got, expected = run_onnx(tmp_path / "cnn.onnx", x_test), forward(model, x_test)
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5 * np.abs(expected).max())
    assert (got.argmax(1) == expected.argmax(1)).all()


@needs_mnist
def test_mnist_trained_mlp_predictions_match(tmp_path):
    x, y, x_test, y_test = mnist_test_digits(3000)
    hm.manual_seed(6)
    model = build_model("mlp")
    optimizer, loss_fn = optim.Adam(model.parameters(), lr=1e-3), nn.CrossEntropyLoss()
    for _ in range(2):  # a brief training: about 85% test accuracy
        for start in range(0, len(x), 100):
            optimizer.zero_grad()
            loss = loss_fn(
                model(hm.tensor(x[start : start + 100])), hm.tensor(y[start : start + 100])
            )
            loss.backward()
            optimizer.step()
    model.eval()
    export(model, tmp_path / "mlp.onnx", x[:1])
    x_test, y_test = x_test[:500], y_test[:500]
    got, expected = run_onnx(tmp_path / "mlp.onnx", x_test), forward(model, x_test)
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5 * np.abs(expected).max())
    assert (got.argmax(1) == expected.argmax(1)).all()
    assert (got.argmax(1) == y_test).mean() > 0.75
