"""nanoGPT's CPU command on tiny shakespeare, in PyTorch: the reference for
``homeml train shakespeare``'s validation loss.

The same recipe as the job (:mod:`homeml.jobs.language`): the nanoGPT layout of
``bench_sequence.gpt_class`` (4 layers, 4 heads, 128 wide, block 64, no biases, tied head,
nanoGPT's initialisation with the scaled residual projections), AdamW with decay on matrices
only (weight decay 0.1, betas 0.9/0.99), warmup and cosine decay of the learning rate
(``homeml.train_steps.nanogpt_lr``), gradient clipping at 1.0, batches of 12 from the first 90%
of the text, and the losses estimated on 200 batches of each split every 250 iterations.

    HOMEML_DATA=../shared/datasets python benchmarks/shakespeare_reference.py [--seed 1337]
"""

from __future__ import annotations

import argparse
import math
import time

import numpy as np
import torch
from bench_sequence import gpt_class

from homeml.datasets import text as corpus
from homeml.train_steps import nanogpt_lr

SETTINGS = dict(max_iters=2000, lr=1e-3, min_lr=1e-4, warmup_iters=100, lr_decay_iters=2000)
MODEL = dict(n_layer=4, n_head=4, n_embd=128, block_size=64)
BATCH, EVAL_ITERS, EVAL_INTERVAL = 12, 200, 250


def build(vocab_size: int) -> torch.nn.Module:
    model = gpt_class(torch)(vocab_size=vocab_size, **MODEL)
    for name, param in model.named_parameters():
        if param.ndim == 2:  # nanoGPT: N(0, 0.02), residual projections scaled by depth
            std = 0.02 / math.sqrt(2 * MODEL["n_layer"]) if "proj" in name else 0.02
            torch.nn.init.normal_(param, std=std)
    return model


def estimate(model, data, rng) -> dict:
    model.eval()
    losses = {}
    with torch.no_grad():
        for split in ("train", "val"):
            total = 0.0
            for _ in range(EVAL_ITERS):
                x, y = corpus.get_batch(data[split], MODEL["block_size"], BATCH, rng)
                logits = model(torch.from_numpy(x))
                total += torch.nn.functional.cross_entropy(
                    logits.flatten(0, 1), torch.from_numpy(y).flatten()
                ).item()
            losses[split] = total / EVAL_ITERS
    model.train()
    return losses


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=1337)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    text = corpus.load_shakespeare()
    chars = corpus.char_vocab(text)
    train, val = corpus.split_text(corpus.encode_text(text, chars))
    data = {"train": train, "val": val}
    model = build(len(chars))
    params = [p for p in model.parameters() if p.requires_grad]
    groups = [
        {"params": [p for p in params if p.ndim >= 2], "weight_decay": 0.1},
        {"params": [p for p in params if p.ndim < 2], "weight_decay": 0.0},
    ]
    optimizer = torch.optim.AdamW(groups, lr=SETTINGS["lr"], betas=(0.9, 0.99))
    rng = np.random.default_rng(args.seed)
    start = time.perf_counter()
    for it in range(SETTINGS["max_iters"] + 1):
        if it % EVAL_INTERVAL == 0 or it == SETTINGS["max_iters"]:
            losses = estimate(model, data, np.random.default_rng((args.seed, it)))
            print(f"iter {it}: train {losses['train']:.4f}, val {losses['val']:.4f}", flush=True)
        if it == SETTINGS["max_iters"]:
            break
        lr = nanogpt_lr(
            it,
            SETTINGS["lr"],
            SETTINGS["warmup_iters"],
            SETTINGS["lr_decay_iters"],
            SETTINGS["min_lr"],
        )
        for group in optimizer.param_groups:
            group["lr"] = lr
        x, y = corpus.get_batch(data["train"], MODEL["block_size"], BATCH, rng)
        logits = model(torch.from_numpy(x))
        loss = torch.nn.functional.cross_entropy(
            logits.flatten(0, 1), torch.from_numpy(y).flatten()
        )
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
    print(f"torch, {args.threads} thread(s): {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
