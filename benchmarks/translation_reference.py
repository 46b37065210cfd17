"""The PyTorch seq2seq tutorial's GRU with Bahdanau attention, trained as ``homeml train
translate --model gru-attention`` trains homeml's: the reference for its held-out BLEU.

Both sides use the job's data (:class:`homeml.jobs.translation._Pairs`: the same 90/10 split,
tokenizers built on the training split, the same padded batches), the same sizes (hidden 128,
dropout 0.1 on the embeddings), Adam at 1e-3, gradient clipping at 1.0, the same number of steps,
batch size, seed, batch order and (by default) the same initial weights: PyTorch's model starts
from the weights homeml's job draws (``--own-init`` lets torch draw its own, which adds the
run-to-run spread of a different initialisation to the comparison), and greedy translations
of every held-out sentence scored with the same corpus BLEU and chrF (:mod:`homeml.learn.metrics`,
equal to sacrebleu's). homeml's numbers come from
:func:`homeml.jobs.translation.train` itself.

The full comparison (the job's defaults, 3,000 steps of 32 pairs; minutes on a CPU):

    HOMEML_DATA=../shared/datasets python benchmarks/translation_reference.py

A quick check that it runs: ``--steps 20 --hidden 16``.
"""

from __future__ import annotations

import argparse
import tempfile

import numpy as np
import torch
from torch import nn

import homeml as hm
from homeml.jobs import translation
from homeml.learn.metrics import corpus_bleu, corpus_chrf

PAD, SOS, EOS = 0, 1, 2


class TorchAttnSeq2Seq(nn.Module):
    """The tutorial's EncoderRNN + AttnDecoderRNN, batch first, packed sources, embedding dropout
    (the twin of ``homeml.models.GRUSeq2Seq``, checked equal in tests/models/test_translation.py).
    """

    def __init__(self, v_src: int, v_tgt: int, h: int, dropout: float):
        super().__init__()
        self.src_embedding = nn.Embedding(v_src, h, padding_idx=PAD)
        self.encoder = nn.GRU(h, h, batch_first=True)
        self.tgt_embedding = nn.Embedding(v_tgt, h, padding_idx=PAD)
        self.Wa, self.Ua, self.Va = nn.Linear(h, h), nn.Linear(h, h), nn.Linear(h, 1)
        self.decoder = nn.GRU(2 * h, h, batch_first=True)
        self.out = nn.Linear(h, v_tgt)
        self.dropout = nn.Dropout(dropout)

    def encode(self, src):
        pad = src == PAD
        packed = nn.utils.rnn.pack_padded_sequence(
            self.dropout(self.src_embedding(src)), (~pad).sum(1), batch_first=True,
            enforce_sorted=False,
        )  # fmt: skip
        keys, hidden = self.encoder(packed)
        keys, _ = nn.utils.rnn.pad_packed_sequence(
            keys, batch_first=True, total_length=src.shape[1]
        )
        return keys, hidden, pad

    def step(self, tokens, hidden, keys, pad):
        embedded = self.dropout(self.tgt_embedding(tokens))
        query = hidden.permute(1, 0, 2)
        scores = self.Va(torch.tanh(self.Wa(query) + self.Ua(keys))).squeeze(2).unsqueeze(1)
        weights = torch.softmax(scores.masked_fill(pad[:, None, :], float("-inf")), dim=-1)
        output, hidden = self.decoder(torch.cat((embedded, torch.bmm(weights, keys)), 2), hidden)
        return self.out(output), hidden

    def forward(self, src, tgt_in):
        keys, hidden, pad = self.encode(src)
        logits = []
        for t in range(tgt_in.shape[1]):
            step_logits, hidden = self.step(tgt_in[:, t : t + 1], hidden, keys, pad)
            logits.append(step_logits)
        return torch.cat(logits, dim=1)

    @torch.no_grad()
    def greedy(self, src, max_len):
        keys, hidden, pad = self.encode(src)
        token = torch.full((len(src), 1), SOS, dtype=torch.long)
        done = torch.zeros(len(src), dtype=torch.bool)
        out = []
        for _ in range(max_len):
            logits, hidden = self.step(token, hidden, keys, pad)
            token = logits[:, -1].argmax(-1, keepdim=True).masked_fill(done[:, None], PAD)
            out.append(token)
            done |= token[:, 0] == EOS
            if done.all():
                break
        return torch.cat(out, dim=1).numpy()


def homeml_initial_weights(data, settings: dict) -> dict:
    """The weights :func:`homeml.jobs.translation.train` starts from, under torch's names."""
    hm.manual_seed(settings["seed"])  # as the job does just before building its model
    net = translation.build_model(
        settings, data.src_tok.vocab_size, data.tgt_tok.vocab_size, data.max_len
    )
    return {
        name.removeprefix("attention."): torch.tensor(value.numpy())
        for name, value in net.state_dict().items()
    }


def torch_run(data, settings: dict, same_init: bool) -> dict:
    torch.manual_seed(settings["seed"])
    model = TorchAttnSeq2Seq(
        data.src_tok.vocab_size, data.tgt_tok.vocab_size, settings["hidden_size"],
        settings["dropout"],
    )  # fmt: skip
    if same_init:
        model.load_state_dict(homeml_initial_weights(data, settings))
    optimizer = torch.optim.Adam(model.parameters(), lr=settings["lr"])
    rng = np.random.default_rng(settings["seed"])
    for _ in range(settings["max_iters"]):
        x, y = data.batch("train", rng)
        target = translation._trim(y)
        src, tgt_in = translation._trim(x[:, 0]), x[:, 1, : target.shape[1]]
        logits = model(torch.tensor(src), torch.tensor(tgt_in))
        loss = nn.functional.cross_entropy(
            logits.reshape(-1, logits.shape[-1]), torch.tensor(target.reshape(-1)), ignore_index=PAD
        )
        optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), settings["grad_clip"])
        optimizer.step()
    model.eval()
    sources = [s for s, _ in data.ids["val"]]
    texts = []
    for start in range(0, len(sources), 64):
        part = sources[start : start + 64]
        src = np.zeros((len(part), max(map(len, part))), dtype=np.int64)
        for i, ids in enumerate(part):
            src[i, : len(ids)] = ids
        texts += [data.tgt_tok.decode(row) for row in model.greedy(torch.tensor(src), data.max_len)]
    references = data.references(data.test_pairs)
    return {
        "bleu": round(corpus_bleu(texts, [references]).score, 2),
        "chrf": round(corpus_chrf(texts, [references]).score, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--direction", default="fra-eng", choices=translation.DIRECTIONS)
    parser.add_argument("--steps", type=int, help="optimizer steps (default: the job's, 3000)")
    parser.add_argument("--batch-size", type=int, help="default: the job's, 32")
    parser.add_argument("--hidden", type=int, help="default: the job's, 128")
    parser.add_argument("--seed", type=int, default=1337)
    parser.add_argument("--data", help="a tab-separated pairs file (default the eng-fra pairs)")
    parser.add_argument(
        "--own-init", action="store_true", help="torch draws its own initial weights"
    )
    args = parser.parse_args()
    settings = translation.defaults("gru-attention")
    settings.update(direction=args.direction, seed=args.seed, data_file=args.data)
    for key, value in (
        ("max_iters", args.steps), ("batch_size", args.batch_size), ("hidden_size", args.hidden)
    ):  # fmt: skip
        if value is not None:
            settings[key] = value
    overrides = {"hidden_size": settings["hidden_size"]}
    overrides["eval_interval"] = settings["max_iters"]  # the losses at the start and the end
    with tempfile.TemporaryDirectory() as out:
        ours = translation.train(
            args.direction, "gru-attention", max_iters=settings["max_iters"],
            batch_size=settings["batch_size"], seed=args.seed, out=out, data_file=args.data,
            progress=False, overrides=overrides,
        )  # fmt: skip
    theirs = torch_run(translation._Pairs(settings), settings, same_init=not args.own_init)
    print(
        f"{args.direction}, GRU with attention, hidden {settings['hidden_size']}, "
        f"{settings['max_iters']} steps of {settings['batch_size']}, seed {args.seed}, "
        f"{ours['test_pairs']} held-out pairs (greedy), "
        f"{'own' if args.own_init else 'the same'} initial weights"
    )
    print(f"{'':10} {'BLEU':>7} {'chrF':>7}")
    for name, result in (("homeml", ours), ("pytorch", theirs)):
        print(f"{name:10} {result['bleu']:7.2f} {result['chrf']:7.2f}")


if __name__ == "__main__":
    main()
