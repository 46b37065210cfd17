"""Time the autograd engine against PyTorch (CPU) on the same workloads, in one process.

    python benchmarks/bench_engine.py [--repeats 7]

(a) small ops: a 10-op expression on 32x32 float32 tensors, forward and backward, many times;
    this measures per-op overhead. (b) matmul-heavy: a two-layer product chain on 1024x1024
    float32, forward and backward. Prints the median time per iteration of each library and the
    ratio homeml / PyTorch (below 1 means homeml is faster).
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import torch

import homeml as hm


def small_ops(lib, a, b):
    c = a * b
    d = c + a
    e = d.tanh()
    f = e @ b
    g = f.relu()
    h = g - a
    i = h.exp()
    j = i * 0.5
    k = j.sigmoid()
    return k.sum()  # 10 operations


def matmul_heavy(lib, a, b, c):
    return ((a @ b).relu() @ c).sum()


def time_per_iter(step, iterations):
    start = time.perf_counter()
    for _ in range(iterations):
        step()
    return (time.perf_counter() - start) / iterations


def compare(name, make_step, iterations, repeats, per=1):
    steps = {lib: make_step(lib) for lib in ("homeml", "torch")}  # same data for both
    times = {lib: [] for lib in steps}
    for step in steps.values():
        step()  # warm up
    for _ in range(repeats):  # interleaved, so that machine noise hits both alike
        for lib, step in steps.items():
            times[lib].append(time_per_iter(step, iterations))
    median = {lib: statistics.median(t) for lib, t in times.items()}
    ratio = median["homeml"] / median["torch"]
    print(
        f"{name:<34} homeml {median['homeml'] * 1e6 / per:9.1f} us   "
        f"torch {median['torch'] * 1e6 / per:9.1f} us   ratio {ratio:.2f}"
    )
    return ratio


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    print(f"numpy {np.__version__}, torch {torch.__version__} ({torch.get_num_threads()} threads)")

    small = [rng.standard_normal((32, 32)).astype(np.float32) for _ in range(2)]
    big = [rng.standard_normal((1024, 1024)).astype(np.float32) / 32 for _ in range(3)]

    def make(fn, arrays):
        def make_step(lib):
            if lib == "homeml":
                ts = [hm.tensor(x, requires_grad=True) for x in arrays]
            else:
                ts = [torch.tensor(x, requires_grad=True) for x in arrays]

            def step():
                fn(lib, *ts).backward()

            return step

        return make_step

    compare("(a) 10 small ops fwd+bwd, per op", make(small_ops, small), 2000, args.repeats, per=10)
    compare("(b) 1024^2 matmul chain fwd+bwd", make(matmul_heavy, big), 5, args.repeats)


if __name__ == "__main__":
    main()
