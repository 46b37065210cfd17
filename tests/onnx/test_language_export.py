"""homeml.onnx.export of the language models (GPT, makemore's RNN/GRU/LSTM, bigram, MLP and
WaveNet): onnxruntime reproduces homeml's logits at several (batch, length) shapes, and the
exporter's primitives (reshape, expand, split, attention, ...) on their own."""

import numpy as np
import onnx
import onnxruntime as ort
import pytest

import homeml as hm
from homeml import nn
from homeml.models import GPT, RNN, Bigram, GPTConfig, MakemoreMLP, ModelConfig, WaveNet
from homeml.onnx import export

V = 11
CFG = ModelConfig(block_size=4, vocab_size=V, n_embd=6, n_embd2=10)
SIZES = ((2, 5), (1, 1), (3, 8), (4, 3))


def gpt(bias):
    return GPT(GPTConfig(block_size=8, vocab_size=V, n_layer=2, n_head=2, n_embd=16, bias=bias))


def randomize(model, seed=0):
    """Non-trivial weights (the models start with zero biases and a zero start state)."""
    rng = np.random.default_rng(seed)
    for p in model.parameters():
        p.numpy()[...] = (0.5 * rng.standard_normal(p.shape)).astype(np.float32)
    return model.eval()


def session(path):
    return ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])


def check_logits(model, tmp_path, sizes=SIZES):
    """Export on (2, 5), then compare the logits at every (batch, length)."""
    rng = np.random.default_rng(1)
    path = tmp_path / "lm.onnx"
    export(model, path, rng.integers(0, V, (2, 5)))
    onnx.checker.check_model(str(path))
    sess = session(path)
    assert [o.name for o in sess.get_outputs()] == ["output"]
    for batch, length in sizes:
        idx = rng.integers(0, V, (batch, length)).astype(np.int64)
        with hm.no_grad():
            want = model(hm.tensor(idx))[0].numpy()
        (got,) = sess.run(None, {"input": idx})
        assert got.shape == want.shape
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)
    return path


@pytest.mark.parametrize("bias", [True, False])
def test_gpt(tmp_path, bias):
    path = check_logits(randomize(gpt(bias)), tmp_path)
    graph = onnx.load(str(path)).graph
    ops = {n.op_type for n in graph.node}
    assert {"Split", "Softmax", "Where", "LayerNormalization", "Gather"} <= ops
    # batch and sequence axes are dynamic
    dims = graph.input[0].type.tensor_type.shape.dim
    assert [d.dim_param for d in dims] == ["batch", "sequence"]


@pytest.mark.parametrize("cell", ["rnn", "gru", "lstm"])
def test_makemore_rnn(tmp_path, cell):
    path = check_logits(randomize(RNN(CFG, cell)), tmp_path)
    ops = {n.op_type for n in onnx.load(str(path)).graph.node}
    assert {"rnn": "RNN", "gru": "GRU", "lstm": "LSTM"}[cell] in ops
    assert "Expand" in ops  # the learned start state, broadcast to the batch


def test_rnn_start_state_matters(tmp_path):
    """The exported start state is the model's: changing it changes the ONNX logits."""
    model = randomize(RNN(CFG, "gru"))
    idx = np.random.default_rng(2).integers(0, V, (3, 4))
    export(model, tmp_path / "a.onnx", idx)
    model.start.numpy()[...] += 1.0
    export(model, tmp_path / "b.onnx", idx)
    a = session(tmp_path / "a.onnx").run(None, {"input": idx})[0]
    b = session(tmp_path / "b.onnx").run(None, {"input": idx})[0]
    with hm.no_grad():
        np.testing.assert_allclose(b, model(hm.tensor(idx))[0].numpy(), rtol=1e-5, atol=1e-5)
    assert not np.allclose(a, b)


@pytest.mark.parametrize(
    "make", [lambda: Bigram(CFG), lambda: MakemoreMLP(CFG), lambda: WaveNet(V, 8, 4, 6)]
)
def test_other_makemore_models(tmp_path, make):
    check_logits(randomize(make()), tmp_path)


def test_gpt_matches_torch(tmp_path):
    torch = pytest.importorskip("torch")
    from models.test_language import TGPT, copy_into_torch

    model = randomize(gpt(True))
    theirs = TGPT(model.config).eval()
    copy_into_torch(model, theirs)
    idx = np.random.default_rng(3).integers(0, V, (3, 7))
    export(model, tmp_path / "gpt.onnx", idx[:, :4])
    got = session(tmp_path / "gpt.onnx").run(None, {"input": idx})[0]
    with torch.no_grad():
        want = theirs(torch.tensor(idx)).numpy()
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)


def test_export_with_targets_is_refused():
    model = gpt(False)

    class WithTargets(nn.Module):
        def __init__(self):
            super().__init__()
            self.lm = model

        def forward(self, idx):
            return self.lm(idx, idx)

        def onnx_export(self, ex, idx):
            return ex(self.lm, idx, idx)

    with pytest.raises(NotImplementedError, match="loss is not exported"):
        export(WithTargets(), "unused.onnx", np.zeros((1, 3), dtype=np.int64))


class Primitives(nn.Module):
    """A forward using the primitives GPT and RNN need, with dynamic batch and length."""

    def __init__(self):
        super().__init__()
        self.proj = nn.Linear(4, 12)
        self.state = nn.Parameter(np.arange(4, dtype=np.float32))

    def forward(self, x):
        b, t, _ = x.shape
        q, k, v = self.proj(x).split(4, dim=2)
        q = q.reshape(b, t, 2, 2).transpose(1, 2)  # (B, 2, T, 2)
        k = k.reshape(b, t, 2, 2).permute(0, 2, 1, 3)
        v = v.reshape(b, t, 2, 2).transpose(1, 2)
        y = nn.functional.scaled_dot_product_attention(q, k, v, is_causal=True)
        y = y.transpose(1, 2).reshape(b, t, -1)
        s = self.state.unsqueeze(0).unsqueeze(0).expand(b, 1, 4)
        w = (y @ y.transpose(1, 2)).softmax(-1)  # (B, T, T)
        a, c = (w @ y).chunk(2, dim=2)
        return hm.cat([s, hm.cat([c, a], dim=2) - y / 2.0], dim=1)

    def onnx_export(self, ex, x):
        b, t = x.size(0), x.size(1)
        q, k, v = ex(self.proj, x).split(4, dim=2)
        q = q.reshape(b, t, 2, 2).transpose(1, 2)
        k = k.reshape(b, t, 2, 2).permute(0, 2, 1, 3)
        v = v.reshape(b, t, 2, 2).transpose(1, 2)
        y = ex.scaled_dot_product_attention(q, k, v, is_causal=True)
        y = y.transpose(1, 2).reshape(b, t, -1)
        s = ex.constant(self.state).unsqueeze(0).unsqueeze(0).expand(b, 1, 4)
        w = (y @ y.transpose(1, 2)).softmax(-1)
        a, c = (w @ y).chunk(2, dim=2)
        return ex.cat([s, ex.cat([c, a], dim=2) - y / 2.0], dim=1)


def test_primitives_dynamic_shapes(tmp_path):
    hm.manual_seed(0)
    model = Primitives().eval()
    rng = np.random.default_rng(4)
    export(model, tmp_path / "p.onnx", rng.standard_normal((2, 3, 4)).astype(np.float32))
    sess = session(tmp_path / "p.onnx")
    for batch, length in ((2, 3), (1, 1), (5, 6)):
        x = rng.standard_normal((batch, length, 4)).astype(np.float32)
        with hm.no_grad():
            want = model(hm.tensor(x)).numpy()
        (got,) = sess.run(None, {"input": x})
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)
