"""Time sequence models, homeml against PyTorch (CPU), on the same workloads in one process.

    OMP_NUM_THREADS=1 python benchmarks/bench_sequence.py [--repeats 5] [--only gpt,lstm,...]

Workloads (float32; each starts from torch's initial weights copied into homeml, and both
libraries see the same batches):

- ``gpt``: one training step of ``homeml.models.GPT`` against a nanoGPT-style torch twin with
  the same parameter names (nanoGPT's CPU settings: 4 layers, 4 heads, width 128, block 64,
  batch 12, vocabulary 65, no dropout, no biases, tied lm_head): forward, cross-entropy,
  backward, AdamW step.
- ``mm-transformer``: makemore's transformer, ``homeml.models.GPT`` with block 16, vocabulary 27,
  4 layers, 4 heads, width 64, biases, batch 32.
- ``wavenet``: ``homeml.models.WaveNet`` (makemore's / Zero to Hero part 5's: block 8,
  embedding 24, hidden 128, batch 32) against a torch twin; logits for the last position only.
- ``lstm-small`` / ``gru-small``: makemore's sizes (embedding 64, hidden 64, 1 layer, batch 32,
  16 steps) and ``lstm-big`` / ``gru-big`` (2 layers of 256, batch 32, 64 steps): embedding,
  recurrence, a linear read-out, cross-entropy, backward and an AdamW step.
- ``generate``: greedy generation (``top_k=1``, nanoGPT's sampling code) of 200 tokens from one
  start token, batch 1, with the GPT above, in tokens per second: ``homeml.models.GPT.generate``
  with its key/value cache against torch's nanoGPT ``generate`` (no cache: the whole cropped
  context again for each token) and against a torch ``generate`` with the same cache written
  here (per layer keys and values, one position a step while the sequence fits in
  ``block_size``, the cropped context recomputed after that, as homeml). ``generate-block``
  is the same for 63 tokens, all of them within ``block_size`` (every step cached).

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

"""

from __future__ import annotations

import argparse
import math
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
import homeml.models  # noqa: E402, F401  (GPT, GPTConfig, WaveNet)

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
MM_GPT_CONFIG = dict(block_size=16, vocab_size=27, n_layer=4, n_head=4, n_embd=64, bias=True)
MM_BATCH = 32
WAVENET_VOCAB, WAVENET_BLOCK, WAVENET_BATCH = 27, 8, 32
GEN_TOKENS = {"generate": 200, "generate-block": GPT_CONFIG["block_size"] - 1}


def torch_gpt_class():
    """nanoGPT's ``model.py`` in torch, with its parameter names (the twin of homeml's GPT)."""
    nn, F = torch.nn, torch.nn.functional

    class CausalSelfAttention(nn.Module):
        def __init__(self, cfg):
            super().__init__()
            self.c_attn = nn.Linear(cfg.n_embd, 3 * cfg.n_embd, bias=cfg.bias)
            self.c_proj = nn.Linear(cfg.n_embd, cfg.n_embd, bias=cfg.bias)
            self.n_head, self.n_embd = cfg.n_head, cfg.n_embd

        def forward(self, x, cache=None):
            B, T, C = x.shape
            q, k, v = self.c_attn(x).split(self.n_embd, dim=2)
            q, k, v = (
                t.view(B, T, self.n_head, C // self.n_head).transpose(1, 2) for t in (q, k, v)
            )
            causal = True
            if cache:  # one new position: it sees every cached key
                k, v = torch.cat([cache[0], k], dim=2), torch.cat([cache[1], v], dim=2)
                causal = False
            if cache is not None:
                cache[:] = [k, v]
            y = F.scaled_dot_product_attention(q, k, v, is_causal=causal)
            return self.c_proj(y.transpose(1, 2).contiguous().view(B, T, C))

    class MLP(nn.Module):
        def __init__(self, cfg):
            super().__init__()
            self.c_fc = nn.Linear(cfg.n_embd, 4 * cfg.n_embd, bias=cfg.bias)
            self.gelu = nn.GELU(approximate="tanh")
            self.c_proj = nn.Linear(4 * cfg.n_embd, cfg.n_embd, bias=cfg.bias)

        def forward(self, x):
            return self.c_proj(self.gelu(self.c_fc(x)))

    class Block(nn.Module):
        def __init__(self, cfg):
            super().__init__()
            self.ln_1 = nn.LayerNorm(cfg.n_embd, bias=cfg.bias)
            self.attn = CausalSelfAttention(cfg)
            self.ln_2 = nn.LayerNorm(cfg.n_embd, bias=cfg.bias)
            self.mlp = MLP(cfg)

        def forward(self, x, cache=None):
            x = x + self.attn(self.ln_1(x), cache)
            return x + self.mlp(self.ln_2(x))

    class GPT(nn.Module):
        def __init__(self, cfg):
            super().__init__()
            self.config = cfg
            self.transformer = nn.ModuleDict(
                dict(
                    wte=nn.Embedding(cfg.vocab_size, cfg.n_embd),
                    wpe=nn.Embedding(cfg.block_size, cfg.n_embd),
                    h=nn.ModuleList([Block(cfg) for _ in range(cfg.n_layer)]),
                    ln_f=nn.LayerNorm(cfg.n_embd, bias=cfg.bias),
                )
            )
            self.lm_head = nn.Linear(cfg.n_embd, cfg.vocab_size, bias=False)
            self.transformer.wte.weight = self.lm_head.weight  # tied, as in nanoGPT
            for name, p in self.named_parameters():  # nanoGPT's initialisation
                if p.ndim == 2:
                    std = 0.02 / math.sqrt(2 * cfg.n_layer) if "c_proj" in name else 0.02
                    torch.nn.init.normal_(p, std=std)
                else:
                    torch.nn.init.ones_(p) if "ln" in name else torch.nn.init.zeros_(p)

        def forward(self, idx, targets=None, start=0, caches=None):
            t = idx.shape[1]
            pos = torch.arange(start, start + t, dtype=torch.long)
            x = self.transformer.wte(idx) + self.transformer.wpe(pos)
            for i, block in enumerate(self.transformer.h):
                x = block(x, None if caches is None else caches[i])
            logits = self.lm_head(self.transformer.ln_f(x))
            loss = None
            if targets is not None:
                loss = F.cross_entropy(
                    logits.view(-1, logits.size(-1)), targets.view(-1), ignore_index=-1
                )
            return logits, loss

        @torch.no_grad()
        def generate(self, idx, max_new_tokens, temperature=1.0, top_k=None):
            """nanoGPT's generate: the whole cropped context again for each token."""
            for _ in range(max_new_tokens):
                idx_cond = idx[:, -self.config.block_size :]
                logits, _ = self(idx_cond)
                idx = torch.cat([idx, _sample(logits[:, -1, :], temperature, top_k)], dim=1)
            return idx

        @torch.no_grad()
        def generate_cached(self, idx, max_new_tokens, temperature=1.0, top_k=None):
            """The same with a key/value cache per layer (homeml's ``use_cache=True``): one
            position a step while the sequence fits in ``block_size``, then cropped and recomputed.
            """
            block, caches = self.config.block_size, None
            for _ in range(max_new_tokens):
                t = idx.shape[1]
                if t <= block:
                    if caches is None:
                        caches = [[] for _ in self.transformer.h]
                        logits, _ = self(idx, start=0, caches=caches)
                    else:
                        logits, _ = self(idx[:, -1:], start=t - 1, caches=caches)
                else:
                    caches = None
                    logits, _ = self(idx[:, -block:])
                idx = torch.cat([idx, _sample(logits[:, -1, :], temperature, top_k)], dim=1)
            return idx

    return GPT


def _sample(logits, temperature, top_k):
    """nanoGPT's sampling of one token per row from last-position logits."""
    logits = logits / temperature
    if top_k is not None:
        v, _ = torch.topk(logits, min(top_k, logits.size(-1)))
        logits[logits < v[:, [-1]]] = -float("Inf")
    probs = torch.nn.functional.softmax(logits, dim=-1)
    return torch.multinomial(probs, num_samples=1)


def make_gpt(lib, config=None):
    """homeml.models.GPT, or its nanoGPT twin in torch (whose weights homeml then loads)."""
    config = GPT_CONFIG if config is None else config
    if lib is torch:
        return torch_gpt_class()(hm.models.GPTConfig(**config))
    return hm.models.GPT(hm.models.GPTConfig(**config))


def wavenet_class(lib):
    """makemore's WaveNet: homeml.models.WaveNet, or the same layers in torch."""
    if lib is hm:
        return lambda: hm.models.WaveNet(WAVENET_VOCAB, WAVENET_BLOCK, 24, 128)
    nn = torch.nn

    class FlattenConsecutive(nn.Module):
        def __init__(self, n):
            super().__init__()
            self.n = n

        def forward(self, x):
            b, t, c = x.shape
            x = x.reshape(b, t // self.n, c * self.n)
            return x.squeeze(1) if x.shape[1] == 1 else x

    class WaveNet(nn.Module):
        def __init__(self, vocab=WAVENET_VOCAB, n_embd=24, n_hidden=128, levels=3):
            super().__init__()
            layers = [nn.Embedding(vocab, n_embd)]
            width = n_embd
            for _ in range(levels):
                layers += [
                    FlattenConsecutive(2),
                    nn.Linear(width * 2, n_hidden, bias=False),
                    nn.BatchNorm1d(n_hidden),
                    nn.Tanh(),
                ]
                width = n_hidden
            layers.append(nn.Linear(n_hidden, vocab))
            self.layers = nn.Sequential(*layers)

        def forward(self, idx, targets=None):
            x = idx
            for layer in self.layers:
                if isinstance(layer, nn.BatchNorm1d) and x.ndim == 3:
                    shape = x.shape
                    x = layer(x.reshape(-1, shape[-1])).reshape(shape)
                else:
                    x = layer(x)
            return x, None

    return WaveNet


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


def token_batches(batch, steps, count, vocab=VOCAB, target_steps=None, seed=0):
    rng = np.random.default_rng(seed)
    target_shape = (batch, steps) if target_steps is None else (batch,)
    return [
        (rng.integers(0, vocab, (batch, steps)), rng.integers(0, vocab, target_shape))
        for _ in range(count)
    ]


def make_trainers(build, batch, steps, count=4, vocab=VOCAB, last_only=False):
    """One closure per library running ``count`` AdamW training steps on the same batches."""
    trainers = {}
    data = token_batches(batch, steps, count, vocab, 1 if last_only else None)
    for name, model in twins(build).items():
        lib = LIBS[name]
        optimizer = lib.optim.AdamW(model.parameters(), lr=1e-3)
        pairs = [(lib.tensor(x), lib.tensor(y)) for x, y in data]
        trainers[name] = _trainer(lib, model, optimizer, pairs, vocab)
    return trainers


def _trainer(lib, model, optimizer, pairs, vocab):
    def run():
        for x, y in pairs:
            logits = model(x)
            if isinstance(logits, tuple):  # the GPT and WaveNet return (logits, loss)
                logits = logits[0]
            loss = lib.nn.functional.cross_entropy(logits.reshape(-1, vocab), y.reshape(-1))
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
        return len(pairs)

    return run


def make_generators(tokens):
    models = twins(make_gpt)
    for model in models.values():
        model.eval()

    def run_homeml():
        idx = hm.zeros((1, 1), dtype=hm.int64)
        models["homeml"].generate(idx, tokens, top_k=1)  # with its key/value cache
        return tokens

    def run_torch(method):
        def run():
            getattr(models["torch"], method)(torch.zeros((1, 1), dtype=torch.long), tokens, top_k=1)
            return tokens

        return run

    return {
        "homeml": run_homeml,
        "torch": run_torch("generate"),
        "torch-cache": run_torch("generate_cached"),
    }


def workloads():
    rnn = {
        name: (lambda s=size: make_trainers(lambda lib: rnn_class(lib)(*_rnn_args(s)), s[4], s[5]))
        for name, size in RNN_SIZES.items()
    }
    return {
        "gpt": lambda: make_trainers(make_gpt, GPT_BATCH, GPT_CONFIG["block_size"]),
        "mm-transformer": lambda: make_trainers(
            lambda lib: make_gpt(lib, MM_GPT_CONFIG),
            MM_BATCH,
            MM_GPT_CONFIG["block_size"],
            vocab=MM_GPT_CONFIG["vocab_size"],
        ),
        "wavenet": lambda: make_trainers(
            lambda lib: wavenet_class(lib)(),
            WAVENET_BATCH,
            WAVENET_BLOCK,
            vocab=WAVENET_VOCAB,
            last_only=True,
        ),
        **rnn,
        **{name: (lambda n=n: make_generators(n)) for name, n in GEN_TOKENS.items()},
    }


def _rnn_args(size):
    cell, n_embd, hidden, layers, _, _ = size
    return cell, n_embd, hidden, layers


def compare(name, runs, repeats):
    """Median seconds per unit (step or token) of each runner, interleaved; prints homeml's
    ratio to each other runner (below 1: homeml is faster).
    """
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
    if name.startswith("generate"):
        rates = "  ".join(f"{lib} {1 / m:7.1f} tok/s" for lib, m in med.items())
        ratios = "  ".join(
            f"ratio vs {lib} {med['homeml'] / m:.2f}" for lib, m in med.items() if lib != "homeml"
        )
        print(f"{name:<14} {rates}  {ratios}  (time per token, homeml / torch)")
    else:
        print(
            f"{name:<14} homeml {med['homeml'] * 1e3:8.2f} ms  torch {med['torch'] * 1e3:8.2f} ms"
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
