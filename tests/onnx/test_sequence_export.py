"""homeml.onnx.export of sequence models: onnxruntime reproduces homeml's eval-mode forward,
with dynamic batch and sequence length."""

import numpy as np
import onnx
import onnxruntime as ort
import pytest

import homeml as hm
from homeml import nn
from homeml.onnx import export


def run_onnx(path, x):
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    names = [o.name for o in session.get_outputs()]
    return names, session.run(None, {"input": x})


def flat(value):
    if isinstance(value, (tuple, list)):
        return [t for v in value for t in flat(v)]
    return [] if value is None else [value.numpy()]


def check(model, make_input, tmp_path, sizes=((2, 5), (1, 3), (4, 7)), rtol=1e-5):
    """Export on the first (batch, length), then compare at every size."""
    model.eval()
    path = tmp_path / "model.onnx"
    export(model, path, make_input(*sizes[0]))
    onnx.checker.check_model(str(path))
    for batch, length in sizes:
        x = make_input(batch, length)
        with hm.no_grad():
            expected = flat(model(hm.tensor(x)))
        names, got = run_onnx(path, x)
        assert len(got) == len(expected)
        for g, e in zip(got, expected):
            assert g.shape == e.shape
            np.testing.assert_allclose(g, e, rtol=rtol, atol=rtol * max(1.0, np.abs(e).max()))
    return names


def tokens(vocab):
    rng = np.random.default_rng(0)
    return lambda batch, length: rng.integers(0, vocab, (batch, length)).astype(np.int64)


def floats(features, batch_first=True):
    rng = np.random.default_rng(1)

    def make(batch, length):
        shape = (batch, length, features) if batch_first else (length, batch, features)
        return rng.standard_normal(shape).astype(np.float32)

    return make


def test_embedding(tmp_path):
    hm.manual_seed(0)
    check(nn.Sequential(nn.Embedding(11, 6)), tokens(11), tmp_path)


@pytest.mark.parametrize("approximate", ["none", "tanh"])
def test_layer_norm_gelu_dropout(approximate, tmp_path):
    hm.manual_seed(0)
    model = nn.Sequential(nn.LayerNorm(6), nn.GELU(approximate), nn.Dropout(0.3), nn.Linear(6, 2))
    check(model, floats(6), tmp_path, sizes=((2, 5), (3, 5)))  # feed-forward: batch only


@pytest.mark.parametrize("cls", [nn.RNN, nn.GRU, nn.LSTM])
@pytest.mark.parametrize("layers", [1, 2])
@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("batch_first", [False, True])
def test_recurrent_layers(cls, layers, bidirectional, batch_first, tmp_path):
    hm.manual_seed(0)
    model = cls(4, 5, num_layers=layers, bidirectional=bidirectional, batch_first=batch_first)
    names = check(model, floats(4, batch_first), tmp_path)
    assert names == ["output", "h_n", "c_n"][: 3 if cls is nn.LSTM else 2]


def test_rnn_relu_and_no_bias(tmp_path):
    hm.manual_seed(0)
    check(nn.RNN(3, 4, nonlinearity="relu", bias=False), floats(3, False), tmp_path)
    check(nn.GRU(3, 4, bias=False, batch_first=True), floats(3), tmp_path)


def test_recurrent_matches_torch(tmp_path):
    torch = pytest.importorskip("torch")
    hm.manual_seed(0)
    model = nn.LSTM(3, 4, num_layers=2, bidirectional=True, batch_first=True)
    ref = torch.nn.LSTM(3, 4, num_layers=2, bidirectional=True, batch_first=True)
    with torch.no_grad():
        for name, p in ref.named_parameters():
            p.copy_(torch.from_numpy(getattr(model, name).numpy()))
    x = floats(3)(2, 6)
    export(model, tmp_path / "m.onnx", x)
    _, got = run_onnx(tmp_path / "m.onnx", x)
    with torch.no_grad():
        out, (h, c) = ref(torch.from_numpy(x))
    for g, e in zip(got, (out, h, c)):
        np.testing.assert_allclose(g, e.numpy(), rtol=1e-5, atol=1e-5)


class GRUClassifier(nn.Module):
    """Embedding -> GRU -> Linear on the last step: a custom forward, with its recipe."""

    def __init__(self, vocab=13, layers=1, bidirectional=False):
        super().__init__()
        self.emb = nn.Embedding(vocab, 8)
        self.gru = nn.GRU(8, 6, num_layers=layers, bidirectional=bidirectional, batch_first=True)
        self.head = nn.Linear(12 if bidirectional else 6, 3)

    def forward(self, idx):
        out, _ = self.gru(self.emb(idx))
        return self.head(out[:, -1])

    def onnx_export(self, ex, idx):
        out, _ = ex(self.gru, ex(self.emb, idx))
        return ex(self.head, out[:, -1])


class LSTMTagger(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(9, 4)
        self.lstm = nn.LSTM(4, 5, num_layers=2, bidirectional=True)  # time-major
        self.head = nn.Linear(10, 3)

    def forward(self, idx):  # idx (N, T) -> (N, T, 3)
        out, (h, c) = self.lstm(self.emb(idx).transpose(0, 1))
        return self.head(out).transpose(0, 1)

    def onnx_export(self, ex, idx):
        raise NotImplementedError("transpose is not offered by the Exporter")


@pytest.mark.parametrize("layers, bidirectional", [(1, False), (2, True)])
def test_gru_classifier(layers, bidirectional, tmp_path):
    hm.manual_seed(0)
    check(GRUClassifier(layers=layers, bidirectional=bidirectional), tokens(13), tmp_path)


class LSTMLast(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(9, 4)
        self.lstm = nn.LSTM(4, 5, num_layers=2, batch_first=True)
        self.head = nn.Linear(5, 2)

    def forward(self, idx):
        _, (h, _) = self.lstm(self.emb(idx))
        return self.head(h[-1])

    def onnx_export(self, ex, idx):
        _, (h, _) = ex(self.lstm, ex(self.emb, idx))
        return ex(self.head, h[-1])


def test_lstm_model_uses_final_state(tmp_path):
    hm.manual_seed(0)
    check(LSTMLast(), tokens(9), tmp_path)


@pytest.mark.parametrize("batch_first", [True, False])
@pytest.mark.parametrize("mask", ["none", "causal", "is_causal", "bool_causal"])
def test_multihead_attention(batch_first, mask, tmp_path):
    hm.manual_seed(0)
    mha = nn.MultiheadAttention(8, 2, batch_first=batch_first)

    class SelfAttention(nn.Module):
        def __init__(self):
            super().__init__()
            self.mha = mha

        def kwargs(self, length):
            if mask == "causal":
                return {"attn_mask": nn.Transformer.generate_square_subsequent_mask(length)}
            if mask == "bool_causal":
                return {"attn_mask": hm.tensor(np.triu(np.ones((length, length), bool), 1))}
            return {"is_causal": mask == "is_causal"}

        def forward(self, x):
            length = x.shape[1 if batch_first else 0]
            return self.mha(x, x, x, **self.kwargs(length))[0]

        def onnx_export(self, ex, x):
            length = x.shape[1 if batch_first else 0]
            return ex(self.mha, x, x, x, **self.kwargs(length))[0]

    check(SelfAttention(), floats(8, batch_first), tmp_path)


def test_constant_attention_mask_fixes_the_length(tmp_path):
    hm.manual_seed(0)
    mask = hm.tensor(np.random.default_rng(0).standard_normal((5, 5)).astype(np.float32))

    class Masked(nn.Module):
        def __init__(self):
            super().__init__()
            self.mha = nn.MultiheadAttention(8, 2, batch_first=True)

        def forward(self, x):
            return self.mha(x, x, x, attn_mask=mask)[0]

        def onnx_export(self, ex, x):
            return ex(self.mha, x, x, x, attn_mask=mask)[0]

    check(Masked(), floats(8), tmp_path, sizes=((2, 5), (3, 5)))


@pytest.mark.parametrize("norm_first", [False, True])
@pytest.mark.parametrize("activation", ["relu", "gelu"])
@pytest.mark.parametrize("batch_first", [False, True])
def test_transformer_encoder_layer(norm_first, activation, batch_first, tmp_path):
    hm.manual_seed(0)
    layer = nn.TransformerEncoderLayer(
        8, 2, 16, activation=activation, norm_first=norm_first, batch_first=batch_first
    )
    check(nn.Sequential(layer), floats(8, batch_first), tmp_path)


class GPT(nn.Module):
    """The GPT-style stack: token + position embeddings, causal pre-norm blocks, a head."""

    def __init__(self, vocab=17, block_size=12, d=16, heads=4, layers=2):
        super().__init__()
        self.tok = nn.Embedding(vocab, d)
        self.pos = nn.Embedding(block_size, d)
        self.blocks = nn.ModuleList(
            nn.TransformerEncoderLayer(
                d, heads, 4 * d, 0.1, "gelu", batch_first=True, norm_first=True
            )
            for _ in range(layers)
        )
        self.norm = nn.LayerNorm(d)
        self.head = nn.Linear(d, vocab)

    def forward(self, idx):
        length = idx.shape[1]
        h = self.tok(idx) + self.pos(hm.arange(length))
        mask = nn.Transformer.generate_square_subsequent_mask(length)
        for block in self.blocks:
            h = block(h, src_mask=mask, is_causal=True)
        return self.head(self.norm(h))

    def onnx_export(self, ex, idx):
        h = ex(self.tok, idx) + ex(self.pos, ex.positions(idx, dim=1))
        for block in self.blocks:
            h = ex(block, h, is_causal=True)
        return ex(self.head, ex(self.norm, h))


def test_gpt_stack(tmp_path):
    hm.manual_seed(0)
    model = GPT()
    check(model, tokens(17), tmp_path, sizes=((2, 12), (1, 1), (3, 5), (5, 12)))


def test_recipe_that_drifts_from_forward_is_refused(tmp_path):
    class Wrong(GRUClassifier):
        def onnx_export(self, ex, idx):
            out, _ = ex(self.gru, ex(self.emb, idx))
            return ex(self.head, out[:, 0])  # forward uses the last step

    with pytest.raises(ValueError, match="does not reproduce its forward"):
        export(Wrong(), tmp_path / "m.onnx", tokens(13)(2, 4))
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "model, x, match",
    [
        (nn.Sequential(nn.Embedding(5, 4), nn.GRUCell(4, 4)), tokens(5)(2, 3), r"'1' \(GRUCell\)"),
        (nn.Sequential(nn.TransformerDecoderLayer(4, 2)), floats(4)(2, 3), "TransformerDecoder"),
        (
            nn.Sequential(nn.TransformerEncoderLayer(4, 2, 8, activation=hm.tanh)),
            floats(4)(2, 3),
            "activation",
        ),
        (LSTMTagger(), tokens(9)(2, 3), "transpose"),
    ],
    ids=["cell", "decoder", "activation", "recipe_raises"],
)
def test_unsupported_is_refused_clearly(model, x, match, tmp_path):
    with pytest.raises(NotImplementedError, match=match):
        export(model, tmp_path / "m.onnx", x)
    assert list(tmp_path.iterdir()) == []


def test_custom_module_without_recipe_is_refused(tmp_path):
    class NoRecipe(nn.Module):
        def __init__(self):
            super().__init__()
            self.emb = nn.Embedding(5, 4)

        def forward(self, idx):
            return self.emb(idx) * 2

    with pytest.raises(NotImplementedError, match=r"'<root>' \(NoRecipe\).*onnx_export"):
        export(NoRecipe(), tmp_path / "m.onnx", tokens(5)(2, 3))


def test_projected_lstm_is_refused_by_name(tmp_path):
    layer = nn.LSTM(3, 4, proj_size=2)
    with pytest.raises(NotImplementedError, match="proj_size"):
        export(layer, tmp_path / "lstm.onnx", np.zeros((5, 2, 3), np.float32))
