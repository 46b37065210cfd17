"""Time sequence models, homeml against PyTorch (CPU), on the same workloads in one process.

    OMP_NUM_THREADS=1 python benchmarks/bench_sequence.py [--repeats 5] [--only gpt,lstm,...]

Workloads (float32; each starts from torch's initial weights copied into homeml, and both
libraries see the same batches):

- ``gpt``: one training step of a nanoGPT-sized pre-LN GPT (nanoGPT's CPU settings: 4 layers,
  4 heads, width 128, block 64, batch 12, vocabulary 65, no dropout, no biases, tied lm_head):
  forward, cross-entropy, backward, AdamW step.
- ``lstm-small`` / ``gru-small``: makemore's sizes (embedding 64, hidden 64, 1 layer, batch 32,
  16 steps) and ``lstm-big`` / ``gru-big`` (2 layers of 256, batch 32, 64 steps): embedding,
  recurrence, a linear read-out, cross-entropy, backward and an AdamW step.
- ``generate``: greedy generation of 200 tokens, batch 1, with the GPT above and no KV cache
  (the whole cropped context is run again for each token), reported in tokens per second.

Timings interleave the two libraries (noise hits both alike) and print the median per step and
the ratio homeml / torch (below 1: homeml is faster). The thread count comes from
``OMP_NUM_THREADS`` (default 1), applied to NumPy's BLAS and to ``torch.set_num_threads`` alike.

Peak memory (``--memory``): each framework runs the GPT step and the big LSTM in a fresh
``spawn`` subprocess; the figure is the rise of the peak resident set (``VmHWM``, reset through
``/proc/self/clear_refs`` once the model and batches exist) over the resident set at that
moment, across two rounds of training steps (the first creates the optimizer state). It counts
every allocation of the process, NumPy's and torch's alike, which tracemalloc (NumPy only) or
torch.profiler (torch only) could not compare fairly. Caveat: memory that glibc keeps after a
``free`` and hands out again does not rise twice, so the figure is the working set's peak, not
the sum of allocations. homeml's line also shows tracemalloc's peak of its NumPy buffers.

To time ``homeml.models.GPT`` once it exists, change :func:`make_gpt` (one line).
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import statistics
import time
import tracemalloc

THREADS = os.environ.setdefault("OMP_NUM_THREADS", "1")
for _var in ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, THREADS)

import numpy as np  # noqa: E402  (after the thread variables, which BLAS reads at import)
import torch  # noqa: E402

import homeml as hm  # noqa: E402

torch.set_num_threads(int(THREADS))
LIBS = {"homeml": hm, "torch": torch}
GPT_CONFIG = dict(n_layer=4, n_head=4, n_embd=128, block_size=64, vocab_size=65)
GPT_BATCH = 12
RNN_SIZES = {  # name: (cell, embedding, hidden, layers, batch, steps)
    "lstm-small": ("LSTM", 64, 64, 1, 32, 16),
    "gru-small": ("GRU", 64, 64, 1, 32, 16),
    "lstm-big": ("LSTM", 256, 256, 2, 32, 64),
    "gru-big": ("GRU", 256, 256, 2, 32, 64),
}
VOCAB = 65


def gpt_class(lib):
    """A pre-LN GPT (nanoGPT's layout, no biases, no dropout) built from ``lib``'s nn layers."""
    nn, F = lib.nn, lib.nn.functional

    class Block(nn.Module):
        def __init__(self, n_embd, n_head):
            super().__init__()
            self.n_head = n_head
            self.ln_1 = nn.LayerNorm(n_embd, bias=False)
            self.c_attn = nn.Linear(n_embd, 3 * n_embd, bias=False)
            self.c_proj = nn.Linear(n_embd, n_embd, bias=False)
            self.ln_2 = nn.LayerNorm(n_embd, bias=False)
            self.c_fc = nn.Linear(n_embd, 4 * n_embd, bias=False)
            self.gelu = nn.GELU(approximate="tanh")
            self.mlp_proj = nn.Linear(4 * n_embd, n_embd, bias=False)

        def attention(self, x):
            B, T, C = x.shape
            q, k, v = self.c_attn(x).split(C, dim=2)
            q, k, v = (
                t.view(B, T, self.n_head, C // self.n_head).transpose(1, 2) for t in (q, k, v)
            )
            y = F.scaled_dot_product_attention(q, k, v, is_causal=True)  # (B, nh, T, hs)
            return self.c_proj(y.transpose(1, 2).contiguous().view(B, T, C))

        def forward(self, x):
            x = x + self.attention(self.ln_1(x))
            return x + self.mlp_proj(self.gelu(self.c_fc(self.ln_2(x))))

    class GPT(nn.Module):
        def __init__(self, n_layer, n_head, n_embd, block_size, vocab_size):
            super().__init__()
            self.block_size = block_size
            self.wte = nn.Embedding(vocab_size, n_embd)
            self.wpe = nn.Embedding(block_size, n_embd)
            self.h = nn.ModuleList([Block(n_embd, n_head) for _ in range(n_layer)])
            self.ln_f = nn.LayerNorm(n_embd, bias=False)
            self.lm_head = nn.Linear(n_embd, vocab_size, bias=False)
            self.lm_head.weight = self.wte.weight  # tied, as in nanoGPT

        def forward(self, idx):
            pos = lib.arange(idx.shape[1])
            x = self.wte(idx) + self.wpe(pos)
            for block in self.h:
                x = block(x)
            return self.lm_head(self.ln_f(x))  # (B, T, vocab)

    return GPT


def make_gpt(lib):
    model = gpt_class(lib)(**GPT_CONFIG)  # later, for homeml: hm.models.GPT(...)
    if lib is torch:  # nanoGPT's initialisation (homeml loads these weights)
        for param in model.parameters():
            if param.ndim == 2:
                torch.nn.init.normal_(param, std=0.02)
    return model


def rnn_class(lib):
    nn = lib.nn

    class CharRNN(nn.Module):
        def __init__(self, cell, n_embd, hidden, layers):
            super().__init__()
            self.wte = nn.Embedding(VOCAB, n_embd)
            self.rnn = getattr(nn, cell)(n_embd, hidden, layers, batch_first=True)
            self.lm_head = nn.Linear(hidden, VOCAB)

        def forward(self, idx):
            out, _ = self.rnn(self.wte(idx))
            return self.lm_head(out)

    return CharRNN


def twins(build):
    """The same model in both libraries: torch draws the weights, homeml loads them."""
    torch.manual_seed(0)
    models = {"torch": build(torch)}
    models["homeml"] = build(hm)
    state = {k: v.detach().numpy().copy() for k, v in models["torch"].state_dict().items()}
    models["homeml"].load_state_dict(state)
    return models


def token_batches(batch, steps, count, seed=0):
    rng = np.random.default_rng(seed)
    return [
        (rng.integers(0, VOCAB, (batch, steps)), rng.integers(0, VOCAB, (batch, steps)))
        for _ in range(count)
    ]


def make_trainers(build, batch, steps, count=4):
    """One closure per library running ``count`` AdamW training steps on the same batches."""
    trainers = {}
    data = token_batches(batch, steps, count)
    for name, model in twins(build).items():
        lib = LIBS[name]
        optimizer = lib.optim.AdamW(model.parameters(), lr=1e-3)
        pairs = [(lib.tensor(x), lib.tensor(y)) for x, y in data]
        trainers[name] = _trainer(lib, model, optimizer, pairs)
    return trainers


def _trainer(lib, model, optimizer, pairs):
    def run():
        for x, y in pairs:
            logits = model(x)
            loss = lib.nn.functional.cross_entropy(logits.view(-1, VOCAB), y.view(-1))
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
        return len(pairs)

    return run


def make_generators(tokens=200):
    gens = {}
    for name, model in twins(make_gpt).items():
        gens[name] = _generator(LIBS[name], model, tokens)
    return gens


def _generator(lib, model, tokens):
    model.eval()
    block = GPT_CONFIG["block_size"]

    def run():
        idx = lib.zeros((1, 1), dtype=lib.int64)
        with lib.no_grad():
            for _ in range(tokens):
                logits = model(idx[:, -block:])  # no cache: the whole context again
                nxt = logits[:, -1, :].argmax(dim=-1, keepdim=True)
                idx = lib.cat([idx, nxt], dim=1)
        return tokens

    return run


def workloads():
    rnn = {
        name: (lambda s=size: make_trainers(lambda lib: rnn_class(lib)(*_rnn_args(s)), s[4], s[5]))
        for name, size in RNN_SIZES.items()
    }
    return {
        "gpt": lambda: make_trainers(make_gpt, GPT_BATCH, GPT_CONFIG["block_size"]),
        **rnn,
        "generate": make_generators,
    }


def _rnn_args(size):
    cell, n_embd, hidden, layers, _, _ = size
    return cell, n_embd, hidden, layers


def compare(name, runs, repeats):
    """Median seconds per unit (step or token) of each library, interleaved; prints the ratio."""
    times = {lib: [] for lib in runs}
    for run in runs.values():
        run()  # warm up
    for _ in range(repeats):
        for lib, run in runs.items():
            start = time.perf_counter()
            units = run()
            times[lib].append((time.perf_counter() - start) / units)
    med = {lib: statistics.median(t) for lib, t in times.items()}
    ratio = med["homeml"] / med["torch"]
    if name == "generate":
        hm_rate, t_rate = 1 / med["homeml"], 1 / med["torch"]
        print(
            f"{name:<11} homeml {hm_rate:8.1f} tok/s  torch {t_rate:8.1f} tok/s  ratio {ratio:.2f}"
        )
    else:
        print(
            f"{name:<11} homeml {med['homeml'] * 1e3:8.2f} ms  torch {med['torch'] * 1e3:8.2f} ms"
            f"  ratio {ratio:.2f}  (runs {', '.join(_ratios(times))})"
        )
    return ratio


def _ratios(times):
    return [f"{a / b:.2f}" for a, b in zip(times["homeml"], times["torch"])]


def peak_memory_child(lib, name, queue):
    run = workloads()[name]()[lib]
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")  # reset the peak-RSS counter (VmHWM) to the current RSS
    before = _status_kib("VmRSS")
    tracemalloc.start()  # NumPy reports its array buffers to tracemalloc; torch does not
    run()
    run()
    traced = tracemalloc.get_traced_memory()[1] / 2**20
    queue.put(((_status_kib("VmHWM") - before) / 1024, traced))


def _status_kib(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"{field} not found in /proc/self/status")


def peak_memory_mib(lib, name):
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    child = context.Process(target=peak_memory_child, args=(lib, name, queue))
    child.start()
    result = queue.get()
    child.join()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--only", default=",".join(workloads()), help="comma-separated names")
    parser.add_argument("--memory", action="store_true", help="also compare peak memory")
    args = parser.parse_args()
    print(f"numpy {np.__version__}, torch {torch.__version__} ({torch.get_num_threads()} threads)")
    made = workloads()
    for name in args.only.split(","):
        compare(name, made[name](), args.repeats)
    if args.memory:
        for name in ("gpt", "lstm-big"):
            mib = {lib: peak_memory_mib(lib, name) for lib in LIBS}
            rss = {lib: m[0] for lib, m in mib.items()}
            print(
                f"peak memory {name:<9} homeml {rss['homeml']:6.1f} MiB  torch "
                f"{rss['torch']:6.1f} MiB  ratio {rss['homeml'] / max(rss['torch'], 0.1):.2f}"
                f"  (homeml's NumPy arrays by tracemalloc: {mib['homeml'][1]:.1f} MiB)"
            )


if __name__ == "__main__":
    main()
