"""Time a BiLSTM text classifier's training step in homeml against the same model in PyTorch.

    HOMEML_DATA=/work/shared/datasets python benchmarks/bench_text_models.py [--steps 30]
        [--repeats 5] [--batch-size 32] [--cell lstm|gru]

The model is :class:`homeml.models.RNNClassifier` (embedding 64, one bidirectional layer of 64
per direction, the last real state of each direction, a linear layer) and its PyTorch twin
written the way a PyTorch user would: ``nn.Embedding``, ``nn.LSTM(bidirectional=True)`` over a
``pack_padded_sequence``, ``h_n`` of both directions, ``nn.Linear``. Both start from the same
weights and see the same batches: SMS Spam Collection messages as WordTokenizer ids (cut to 60
words), ``steps`` batches drawn once with a fixed seed. A step is forward, cross-entropy,
backward and an Adam update. Each repeat times ``steps`` steps of each library (alternating
which goes first); the medians and the ratio homeml / PyTorch (below 1: homeml is faster) are
printed, with the logits' largest difference after the first step as a check.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import torch

import homeml as hm
from homeml import nn, optim
from homeml.datasets import load_sms_spam
from homeml.models import RNNClassifier, TextClassifierConfig
from homeml.text import WordTokenizer


def batches(steps: int, batch_size: int, max_len: int = 60) -> tuple[int, list]:
    texts, labels = load_sms_spam()
    tokenizer = WordTokenizer.from_texts(texts)
    rows = [tokenizer.encode(t)[:max_len] or [WordTokenizer.unk_id] for t in texts]
    y = np.array([label == "spam" for label in labels], dtype=np.int64)
    rng = np.random.default_rng(0)
    out = []
    for _ in range(steps):
        pick = rng.integers(0, len(rows), batch_size)
        lengths = np.array([len(rows[i]) for i in pick])
        ids = np.zeros((batch_size, lengths.max()), dtype=np.int64)
        for j, i in enumerate(pick):
            ids[j, : lengths[j]] = rows[i]
        out.append((ids, lengths, y[pick]))
    return tokenizer.vocab_size, out


class TorchBiRNN(torch.nn.Module):
    def __init__(self, vocab: int, cell: str, embed: int = 64, hidden: int = 64):
        super().__init__()
        self.embedding = torch.nn.Embedding(vocab, embed, padding_idx=0)
        kind = torch.nn.LSTM if cell == "lstm" else torch.nn.GRU
        self.rnn = kind(embed, hidden, batch_first=True, bidirectional=True)
        self.fc = torch.nn.Linear(2 * hidden, 2)
        self.cell = cell

    def forward(self, ids, lengths):
        packed = torch.nn.utils.rnn.pack_padded_sequence(
            self.embedding(ids), lengths, batch_first=True, enforce_sorted=False
        )
        _, state = self.rnn(packed)
        h = state[0] if self.cell == "lstm" else state
        return self.fc(torch.cat([h[-2], h[-1]], dim=1))


def twins(vocab: int, cell: str):
    hm.manual_seed(0)
    config = TextClassifierConfig(vocab_size=vocab, num_classes=2, embed_dim=64, hidden_size=64)
    config.cell, config.dropout = cell, 0.0
    ours = RNNClassifier(config)
    theirs = TorchBiRNN(vocab, cell)
    state = {}
    for name, value in ours.named_parameters():
        parts = name.split(".")
        if parts[0] in ("forward_layers", "backward_layers"):
            suffix = "_reverse" if parts[0] == "backward_layers" else ""
            name = f"rnn.{parts[2][: -len('l0')]}l{parts[1]}{suffix}"
        state[name] = torch.tensor(np.array(value.numpy()))
    theirs.load_state_dict(state)
    return ours, theirs


def run_homeml(model, optimizer, data) -> np.ndarray:
    first = None
    for ids, _, y in data:
        logits = model(ids)
        loss = nn.functional.cross_entropy(logits, hm.tensor(y))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        first = logits.numpy() if first is None else first
    return first


def run_torch(model, optimizer, data) -> np.ndarray:
    first = None
    for ids, lengths, y in data:
        logits = model(torch.from_numpy(ids), torch.from_numpy(lengths))
        loss = torch.nn.functional.cross_entropy(logits, torch.from_numpy(y))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        first = logits.detach().numpy() if first is None else first
    return first


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--cell", choices=["lstm", "gru"], default="lstm")
    args = parser.parse_args()
    vocab, data = batches(args.steps, args.batch_size)
    ours, theirs = twins(vocab, args.cell)
    ours.train()
    check = np.abs(
        run_homeml(ours, optim.Adam(ours.parameters(), lr=1e-3), data[:1])
        - run_torch(theirs, torch.optim.Adam(theirs.parameters(), lr=1e-3), data[:1])
    ).max()
    ours, theirs = twins(vocab, args.cell)  # fresh weights for the timing
    runners = {
        "homeml": (run_homeml, ours, optim.Adam(ours.parameters(), lr=1e-3)),
        "torch": (run_torch, theirs, torch.optim.Adam(theirs.parameters(), lr=1e-3)),
    }
    times: dict[str, list[float]] = {name: [] for name in runners}
    for repeat in range(args.repeats):
        order = list(runners) if repeat % 2 == 0 else list(runners)[::-1]
        for name in order:
            fn, model, optimizer = runners[name]
            start = time.perf_counter()
            fn(model, optimizer, data)
            times[name].append((time.perf_counter() - start) / args.steps)
    median = {name: statistics.median(t) for name, t in times.items()}
    print(
        f"Bi{args.cell.upper()} classifier training step (batch {args.batch_size}, vocab "
        f"{vocab:,}, embed 64, hidden 64x2; torch threads {torch.get_num_threads()}): "
        f"homeml {median['homeml'] * 1e3:.1f} ms, torch {median['torch'] * 1e3:.1f} ms, "
        f"ratio homeml/torch {median['homeml'] / median['torch']:.2f} "
        f"(first-step logits differ by at most {check:.1e})"
    )


if __name__ == "__main__":
    main()
