"""The text classifiers against torch twins loading the same weights, padding invariance,
gradients reaching every parameter, and a save/load round trip."""

import math

import numpy as np
import pytest
from support import requires_torch, torch

import homeml as hm
from homeml.models import (
    FastText,
    RNNClassifier,
    SentenceCNN,
    TextClassifierConfig,
    TransformerClassifier,
)
from homeml.models.text_classifier import bigram_ids

V = 30
SMALL = dict(vocab_size=V, num_classes=3, embed_dim=8, hidden_size=6, num_filters=5)
SMALL.update(num_buckets=50, nhead=2, dim_feedforward=16, max_len=20, dropout=0.5)


def batch(lengths, width=None, seed=0):
    """Right-padded random ids (B, width), real ids 1..V-1."""
    rng = np.random.default_rng(seed)
    width = width or max(lengths)
    ids = np.zeros((len(lengths), width), dtype=np.int64)
    for i, n in enumerate(lengths):
        ids[i, :n] = rng.integers(1, V, n)
    return ids


def build(cls, **changes):
    hm.manual_seed(0)
    return cls(TextClassifierConfig(**{**SMALL, **changes})).eval()


MODELS = [
    (FastText, {}),
    (SentenceCNN, {}),
    (RNNClassifier, {"cell": "lstm", "num_layers": 2}),
    (RNNClassifier, {"cell": "gru"}),
    (TransformerClassifier, {"num_layers": 2}),
]


@pytest.mark.parametrize("cls, changes", MODELS)
def test_padding_changes_nothing(cls, changes):
    model = build(cls, **changes)
    ids = batch([7, 2, 1, 9, 4])
    tight = model(ids).numpy()
    padded = model(np.pad(ids, ((0, 0), (0, 6)))).numpy()
    np.testing.assert_allclose(padded, tight, rtol=1e-5, atol=1e-6)
    # each text alone, unpadded, gives its row of the batch
    for i, n in enumerate([7, 2, 1, 9, 4]):
        alone = model(ids[i : i + 1, :n]).numpy()
        np.testing.assert_allclose(alone[0], tight[i], rtol=1e-5, atol=1e-6)
    assert tight.shape == (5, 3)


@pytest.mark.parametrize("cls, changes", MODELS)
def test_every_parameter_gets_a_gradient(cls, changes):
    model = build(cls, **changes).train()
    ids = batch([7, 3, 5, 9], seed=1)
    loss = hm.nn.functional.cross_entropy(model(ids), hm.tensor(np.array([0, 1, 2, 1])))
    loss.backward()
    for name, p in model.named_parameters():
        assert p.grad is not None and np.abs(p.grad.numpy()).sum() > 0, name
    # the padding row learns nothing
    table = model.embedding.weight.grad.numpy()
    assert not table[0].any()


@pytest.mark.parametrize("cls, changes", MODELS)
def test_save_and_load(tmp_path, cls, changes):
    model = build(cls, **changes)
    ids = batch([4, 6])
    hm.save(model, tmp_path / "m.safetensors")
    again = hm.load(tmp_path / "m.safetensors").eval()
    np.testing.assert_allclose(again(ids).numpy(), model(ids).numpy(), rtol=1e-6)


def test_bigram_ids():
    ids = np.array([[3, 4, 5, 0], [7, 0, 0, 0]])
    got = bigram_ids(ids, vocab_size=10, num_buckets=100)
    want_row0 = [3, 4, 5, 0, 10 + (3 * 104729 + 4) % 100, 10 + (4 * 104729 + 5) % 100, 0]
    assert got[0].tolist() == want_row0 and got[1].tolist() == [7, 0, 0, 0, 0, 0, 0]


def _to_torch(tensor):
    return torch.tensor(np.array(tensor.numpy()))


def _copy_into(theirs, named):
    state = {name: _to_torch(value) for name, value in named}
    theirs.load_state_dict(state, strict=True)


def _check_twin(ours, theirs, ids, forward):
    """Logits and the gradient of each shared parameter equal torch's."""
    target = np.array([0, 1, 2, 1, 0][: len(ids)])
    ours_out = ours(ids)
    hm.nn.functional.cross_entropy(ours_out, hm.tensor(target)).backward()
    theirs_out = forward(torch.tensor(ids))
    torch.nn.functional.cross_entropy(theirs_out, torch.tensor(target)).backward()
    np.testing.assert_allclose(ours_out.numpy(), theirs_out.detach().numpy(), atol=2e-5)
    return {n: p for n, p in theirs.named_parameters()}


@requires_torch
def test_fasttext_matches_torch():
    ours = build(FastText)
    theirs = torch.nn.ModuleDict(
        {
            "embedding": torch.nn.EmbeddingBag(V + 50, 8, mode="mean", padding_idx=0),
            "fc": torch.nn.Linear(8, 3),
        }
    )
    _copy_into(theirs, ours.named_parameters())
    ids = batch([7, 2, 1, 9, 4])
    tokens = torch.tensor(bigram_ids(ids, V, 50))
    grads = _check_twin(ours, theirs, ids, lambda _: theirs["fc"](theirs["embedding"](tokens)))
    for name, p in ours.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), grads[name].grad.numpy(), atol=2e-6)


@requires_torch
def test_sentence_cnn_matches_torch():
    ours = build(SentenceCNN)
    theirs = torch.nn.ModuleDict(
        {
            "embedding": torch.nn.Embedding(V, 8, padding_idx=0),
            "convs": torch.nn.ModuleList([torch.nn.Conv1d(8, 5, k) for k in (3, 4, 5)]),
            "fc": torch.nn.Linear(15, 3),
        }
    )
    _copy_into(theirs, ours.named_parameters())
    lengths = torch.tensor([7, 5, 6, 9])
    ids = batch(lengths.tolist())

    def forward(x):
        e = theirs["embedding"](x).transpose(1, 2)
        pooled = []
        for conv, k in zip(theirs["convs"], (3, 4, 5)):
            h = torch.relu(conv(e))
            valid = torch.arange(h.shape[2])[None, :] < (lengths - k + 1)[:, None]
            pooled.append(h.masked_fill(~valid[:, None, :], -math.inf).amax(dim=2))
        return theirs["fc"](torch.cat(pooled, dim=1))

    grads = _check_twin(ours, theirs, ids, forward)
    for name, p in ours.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), grads[name].grad.numpy(), atol=2e-5)


@requires_torch
@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_rnn_classifier_matches_torch_packed_bidirectional(cell):
    ours = build(RNNClassifier, cell=cell, num_layers=2)
    rnn_cls = torch.nn.LSTM if cell == "lstm" else torch.nn.GRU
    theirs = torch.nn.ModuleDict(
        {
            "embedding": torch.nn.Embedding(V, 8, padding_idx=0),
            "rnn": rnn_cls(8, 6, num_layers=2, bidirectional=True, batch_first=True),
            "fc": torch.nn.Linear(12, 3),
        }
    )
    named = []  # forward_layers.L.weight_ih_l0 -> rnn.weight_ih_lL (_reverse for backward)
    for name, value in ours.named_parameters():
        parts = name.split(".")
        if parts[0] in ("forward_layers", "backward_layers"):
            suffix = "_reverse" if parts[0] == "backward_layers" else ""
            name = f"rnn.{parts[2][: -len('l0')]}l{parts[1]}{suffix}"
        named.append((name, value))
    _copy_into(theirs, named)
    lengths = [7, 2, 1, 9, 4]
    ids = batch(lengths)

    def forward(x):
        packed = torch.nn.utils.rnn.pack_padded_sequence(
            theirs["embedding"](x), torch.tensor(lengths), batch_first=True, enforce_sorted=False
        )
        _, state = theirs["rnn"](packed)
        h = state[0] if cell == "lstm" else state
        return theirs["fc"](torch.cat([h[-2], h[-1]], dim=1))

    grads = _check_twin(ours, theirs, ids, forward)
    for name, p in named:
        np.testing.assert_allclose(p.grad.numpy(), grads[name].grad.numpy(), atol=2e-5)


@requires_torch
def test_transformer_classifier_matches_torch():
    ours = build(TransformerClassifier, num_layers=2, dropout=0.0)
    layer = torch.nn.TransformerEncoderLayer(8, 2, 16, 0.0, batch_first=True)
    theirs = torch.nn.ModuleDict(
        {
            "embedding": torch.nn.Embedding(V, 8, padding_idx=0),
            "positions": torch.nn.Embedding(20, 8),
            "encoder": torch.nn.TransformerEncoder(layer, 2, enable_nested_tensor=False),
            "fc": torch.nn.Linear(8, 3),
        }
    )
    _copy_into(theirs, ours.named_parameters())
    lengths = torch.tensor([7, 2, 1, 9, 4])
    ids = batch(lengths.tolist())

    def forward(x):
        real = torch.arange(x.shape[1])[None, :] < lengths[:, None]
        h = theirs["embedding"](x) * math.sqrt(8) + theirs["positions"].weight[: x.shape[1]]
        h = theirs["encoder"](h, src_key_padding_mask=~real)
        return theirs["fc"]((h * real[:, :, None]).sum(1) / lengths[:, None])

    grads = _check_twin(ours, theirs, ids, forward)
    for name, p in ours.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), grads[name].grad.numpy(), atol=3e-5)
