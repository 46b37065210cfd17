"""Translation models against PyTorch (the seq2seq tutorial's attention GRU, built here with
packed sequences; the nn.Transformer tutorial's model), decoding, and the save/load round trip."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

import homeml as hm
from homeml.models import (
    CONFIGS,
    GRUSeq2Seq,
    Seq2SeqConfig,
    TransformerSeq2Seq,
    TransformerSeq2SeqConfig,
)
from homeml.models.translation import beam_search, greedy_decode

torch = pytest.importorskip("torch")
tnn = torch.nn
F = torch.nn.functional

PAD, SOS, EOS = 0, 1, 2
# right-padded batches: sentences of 4, 2 and 3 real tokens
SRC = np.array([[5, 6, 7, 2, 0], [8, 2, 0, 0, 0], [9, 10, 2, 0, 0]])
TGT_IN = np.array([[1, 4, 5, 6], [1, 7, 0, 0], [1, 8, 9, 0]])


class TorchAttnSeq2Seq(tnn.Module):
    """The tutorial's EncoderRNN + AttnDecoderRNN, batch first, with packed source sequences."""

    def __init__(self, v_src: int, v_tgt: int, h: int):
        super().__init__()
        self.src_embedding = tnn.Embedding(v_src, h, padding_idx=PAD)
        self.encoder = tnn.GRU(h, h, batch_first=True)
        self.tgt_embedding = tnn.Embedding(v_tgt, h, padding_idx=PAD)
        self.attention = tnn.Module()
        self.attention.Wa, self.attention.Ua = tnn.Linear(h, h), tnn.Linear(h, h)
        self.attention.Va = tnn.Linear(h, 1)
        self.decoder = tnn.GRU(2 * h, h, batch_first=True)
        self.out = tnn.Linear(h, v_tgt)

    def forward(self, src, tgt):
        pad = src == PAD
        lengths = (~pad).sum(1)
        packed = tnn.utils.rnn.pack_padded_sequence(
            self.src_embedding(src), lengths, batch_first=True, enforce_sorted=False
        )
        keys, hidden = self.encoder(packed)
        keys, _ = tnn.utils.rnn.pad_packed_sequence(
            keys, batch_first=True, total_length=src.shape[1]
        )
        att, logits = self.attention, []
        for t in range(tgt.shape[1]):
            embedded = self.tgt_embedding(tgt[:, t : t + 1])
            query = hidden.permute(1, 0, 2)
            scores = att.Va(torch.tanh(att.Wa(query) + att.Ua(keys))).squeeze(2).unsqueeze(1)
            weights = F.softmax(scores.masked_fill(pad[:, None, :], float("-inf")), dim=-1)
            context = torch.bmm(weights, keys)
            output, hidden = self.decoder(torch.cat((embedded, context), dim=2), hidden)
            logits.append(self.out(output))
        return torch.cat(logits, dim=1)


def _compare_with_torch(model, reference):
    reference.load_state_dict({k: torch.tensor(v.numpy()) for k, v in model.state_dict().items()})
    weights = np.random.default_rng(0).standard_normal((*TGT_IN.shape, 11)).astype(np.float32)
    ours = model(SRC, TGT_IN)
    theirs = reference(torch.tensor(SRC), torch.tensor(TGT_IN))
    np.testing.assert_allclose(ours.numpy(), theirs.detach().numpy(), rtol=1e-4, atol=1e-5)
    (ours * hm.tensor(weights)).sum().backward()
    (theirs * torch.tensor(weights)).sum().backward()
    grads = dict(reference.named_parameters())
    names = [name for name, _ in model.named_parameters()]
    assert sorted(names) == sorted(grads)
    for name, param in model.named_parameters():
        assert param.grad is not None, name
        np.testing.assert_allclose(
            param.grad.numpy(), grads[name].grad.numpy(), rtol=1e-4, atol=1e-5, err_msg=name
        )


def test_gru_attention_logits_and_gradients_match_torch():
    hm.manual_seed(0)
    model = GRUSeq2Seq(Seq2SeqConfig(src_vocab_size=12, tgt_vocab_size=11, hidden_size=8,
                                     dropout=0.0))  # fmt: skip
    _compare_with_torch(model, TorchAttnSeq2Seq(12, 11, 8))


class TorchSeq2SeqTransformer(tnn.Module):
    """The nn.Transformer tutorial's Seq2SeqTransformer, batch first, same attribute names."""

    def __init__(self, c: TransformerSeq2SeqConfig):
        super().__init__()
        d = c.d_model
        self.d = d
        self.src_embedding = tnn.Embedding(c.src_vocab_size, d, padding_idx=PAD)
        self.tgt_embedding = tnn.Embedding(c.tgt_vocab_size, d, padding_idx=PAD)
        self.transformer = tnn.Transformer(d, c.nhead, c.num_encoder_layers,
                                           c.num_decoder_layers, c.dim_feedforward, 0.0,
                                           batch_first=True)  # fmt: skip
        self.generator = tnn.Linear(d, c.tgt_vocab_size)
        pos = torch.arange(c.max_len)[:, None]
        div = torch.exp(-torch.arange(0, d, 2) * math.log(10000.0) / d)
        self.pe = torch.zeros(c.max_len, d)
        self.pe[:, 0::2], self.pe[:, 1::2] = torch.sin(pos * div), torch.cos(pos * div)

    def forward(self, src, tgt):
        T = tgt.shape[1]
        x = self.src_embedding(src) * math.sqrt(self.d) + self.pe[: src.shape[1]]
        y = self.tgt_embedding(tgt) * math.sqrt(self.d) + self.pe[:T]
        out = self.transformer(
            x,
            y,
            tgt_mask=torch.ones(T, T, dtype=torch.bool).triu(1),  # True: not allowed
            src_key_padding_mask=src == PAD,
            tgt_key_padding_mask=tgt == PAD,
            memory_key_padding_mask=src == PAD,
        )
        return self.generator(out)


def test_transformer_logits_and_gradients_match_torch():
    hm.manual_seed(0)
    config = TransformerSeq2SeqConfig(src_vocab_size=12, tgt_vocab_size=11, d_model=8, nhead=2,
                                      num_encoder_layers=1, num_decoder_layers=1,
                                      dim_feedforward=16, dropout=0.0)  # fmt: skip
    model = TransformerSeq2Seq(config)
    _compare_with_torch(model, TorchSeq2SeqTransformer(config))


@pytest.mark.parametrize("kind", ["gru", "transformer"])
def test_beam_of_one_is_greedy_and_save_load_round_trip(kind, tmp_path):
    hm.manual_seed(1)
    if kind == "gru":
        model = GRUSeq2Seq(Seq2SeqConfig(12, 11, 8))
    else:
        model = TransformerSeq2Seq(TransformerSeq2SeqConfig(12, 11, 8, 2, 1, 1, 16))
    greedy_ids, attention = greedy_decode(model, SRC, max_len=6)
    assert model.training  # decoding restores the mode
    for row, src in enumerate(SRC):
        ids, beam_attention, _ = beam_search(model, src, max_len=6, beam_size=1)
        expected = greedy_ids[row].tolist()
        if EOS in expected:
            expected = expected[: expected.index(EOS) + 1]
        assert ids == expected
        assert model.translate(src, max_len=6)[0] == expected
        if attention is not None:
            np.testing.assert_allclose(beam_attention, attention[row, : len(ids)], atol=1e-6)
            np.testing.assert_allclose(beam_attention.sum(axis=1), 1.0, rtol=1e-5)
            assert (beam_attention[:, (src == PAD)] == 0).all()  # padding gets no attention
    assert len(model.translate(SRC[0], max_len=6, beam_size=3)[0]) <= 6
    hm.save(model, tmp_path / "model.hm")
    loaded = hm.load(tmp_path / "model.hm")
    assert type(loaded) is type(model) and loaded.config == model.config
    model.eval()
    loaded.eval()
    np.testing.assert_array_equal(loaded(SRC, TGT_IN).numpy(), model(SRC, TGT_IN).numpy())
    assert type(model.config).__name__ in CONFIGS


class TableModel:
    """A hand-made decoder: the next-token distribution depends on the last token only."""

    def __init__(self, table):
        self.config = Seq2SeqConfig(pad_id=PAD, sos_id=SOS, eos_id=EOS)
        self.table = np.log(np.asarray(table, dtype=np.float64))
        self.training = False

    def eval(self):
        return self

    def train(self, mode=True):
        return self

    def start_decoding(self, src):
        return ()

    def decode_step(self, prefix, state):
        return self.table[prefix[:, -1]], state, None

    def reorder_state(self, state, rows):
        return state


def test_beam_search_finds_the_best_sequence_greedy_misses():
    # ids: 0 pad, 1 sos, 2 eos, 3 "a", 4 "b". From <sos> "a" is likelier (0.6) but "a" is
    # followed by a flat distribution, while "b" almost surely ends the sentence.
    eps = 1e-9
    table = [
        [eps, eps, 0.2, 0.4, 0.4],  # after pad (unused)
        [eps, eps, 0.05, 0.55, 0.4],  # after <sos>
        [eps, eps, 1.0, eps, eps],  # after <eos> (unused)
        [eps, eps, 0.34, 0.33, 0.33],  # after "a"
        [eps, eps, 0.95, 0.025, 0.025],  # after "b"
    ]
    model = TableModel(table)
    log_table = model.table

    def normalised(seq):
        prev, total = SOS, 0.0
        for token in seq:
            total += log_table[prev, token]
            prev = token
        return total / len(seq)

    candidates = [[*body, EOS] for n in range(0, 3) for body in itertools.product([3, 4], repeat=n)]
    best = max(candidates, key=normalised)
    assert best == [4, EOS]
    greedy, _, _ = beam_search(model, [5, 2], max_len=3, beam_size=1)
    assert greedy == [3, EOS]  # greedy takes "a" first
    ids, attention, score = beam_search(model, [5, 2], max_len=3, beam_size=2)
    assert ids == best and attention is None
    assert score == pytest.approx(normalised(best))


def test_bad_inputs_are_named():
    model = GRUSeq2Seq(Seq2SeqConfig(12, 11, 8))
    with pytest.raises(ValueError, match="src must be"):
        model(np.array([1, 2]), TGT_IN)
    with pytest.raises(ValueError, match="at least one token"):
        model(np.array([[0, 0]]), np.array([[1]]))
    with pytest.raises(ValueError, match="beam_size"):
        beam_search(model, [5, 2], beam_size=0)
