"""homeml on a 2-worker Dask LocalCluster against one process, on the same workloads.

    HOMEML_DATA=/work/shared/datasets python benchmarks/bench_dask.py [--repeats 3] [--limit 12000]

1. RandomForestClassifier(100 trees) fit: ``n_jobs=1`` vs ``joblib.parallel_backend("dask")``.
2. GridSearchCV (LogisticRegression, 8 candidates x 3 folds): ``n_jobs=1`` vs the dask backend.
3. One epoch of the MNIST MLP (784-512-256-10, AdamW, batch 128): one process vs
   ``DistributedDataParallel`` on 2 workers (64 samples each per step); the communication share
   is the part of a data-parallel step not spent computing a half batch's gradients.
4. A model of how the data-parallel step scales with workers n:
   ``t(n) = t_grad(B / n) + t_comm(n) + t_sched``, with ``t_comm(n) = (n - 1) G / bandwidth +
   latency`` for the all-gather (n <= 4) and ``2 ceil(log2 n) (G / bandwidth + latency)`` for
   the reduction tree, G the gradient bytes, the bandwidth and latency of a worker-to-worker
   transfer measured here, and t_sched the rest of the measured 2-worker step (the scheduler's
   round trips, sending the shards).

The workers are one-thread processes (``threads_per_worker=1``); the one-process runs use one
Numba/BLAS thread too (``OMP_NUM_THREADS=1`` is set below), so the ratio is 1 core against 2. The
machine is shared with other jobs: speed-ups are depressed and noisy; medians are printed.
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

import argparse  # noqa: E402
import math  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402

import distributed  # noqa: E402
import joblib  # noqa: E402
import numpy as np  # noqa: E402

import homeml as hm  # noqa: E402
from homeml import nn, optim  # noqa: E402
from homeml.data import DataLoader, TensorDataset  # noqa: E402
from homeml.datasets import load_mnist  # noqa: E402
from homeml.distributed import DistributedDataParallel  # noqa: E402
from homeml.learn.ensemble import RandomForestClassifier  # noqa: E402
from homeml.learn.linear_model import LogisticRegression  # noqa: E402
from homeml.learn.model_selection import GridSearchCV  # noqa: E402
from homeml.models import MLP  # noqa: E402
from homeml.train import fit  # noqa: E402


def timed(func, repeats):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def on_dask(func):
    def run():
        with joblib.parallel_backend("dask"):
            func()

    return run


def estimators(repeats):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(4000, 20))
    y = (X[:, :3].sum(axis=1) + 0.5 * rng.normal(size=4000) > 0).astype(int)
    forest = lambda: RandomForestClassifier(100, max_depth=10, random_state=0)  # noqa: E731
    grid = {"C": [0.01, 0.1, 1.0, 10.0], "fit_intercept": [True, False]}
    search = lambda: GridSearchCV(LogisticRegression(max_iter=500), grid, cv=3)  # noqa: E731
    for name, make, data in (
        ("RandomForest(100 trees) fit", forest, (X, y)),
        ("GridSearchCV(8 x 3 folds) fit", search, (X, y)),
    ):
        make().fit(*data)  # compile the Numba kernels here and on the workers first
        on_dask(lambda m=make, d=data: m().fit(*d))()
        one = timed(lambda m=make, d=data: m().set_params(n_jobs=1).fit(*d), repeats)
        two = timed(on_dask(lambda m=make, d=data: m().fit(*d)), repeats)
        print(
            f"{name:32s} n_jobs=1 {one:7.2f} s   dask 2 workers {two:7.2f} s   "
            f"speed-up {one / two:4.2f}x"
        )


def mnist_epoch(client, limit, repeats):
    (x, y), _ = load_mnist()
    x = (x[:limit].reshape(limit, -1) / 255.0).astype(np.float32)
    y = y[:limit].astype(np.int64)

    def run(data_parallel):
        hm.manual_seed(0)
        model = MLP(dropout=0.0)
        optimizer = optim.AdamW(model.parameters(), lr=1e-3)
        loader = DataLoader(TensorDataset(x, y), batch_size=128, shuffle=True)
        start = time.perf_counter()
        fit(
            model,
            optimizer,
            nn.CrossEntropyLoss(),
            loader,
            epochs=1,
            progress=False,
            data_parallel=data_parallel,
        )
        return time.perf_counter() - start, len(loader)

    one = statistics.median(run(None)[0] for _ in range(repeats))
    ddps = [DistributedDataParallel(client) for _ in range(repeats)]
    two, steps = zip(*(run(d) for d in ddps))
    two, steps = statistics.median(two), steps[0]
    # a half batch's forward and backward, here: what each worker computes per step
    hm.manual_seed(0)
    model, loss_fn = MLP(dropout=0.0), nn.CrossEntropyLoss()
    xb, yb = hm.tensor(x[:64]), hm.tensor(y[:64])

    def half_batch():
        model.zero_grad()
        loss_fn(model(xb), yb).backward()

    t_grad = timed(half_batch, 50)
    step = two / steps
    grad_bytes = ddps[0].gradient_bytes
    print(
        f"MNIST MLP epoch ({limit} images)   one process {one:7.2f} s   "
        f"DDP 2 workers {two:7.2f} s   speed-up {one / two:4.2f}x"
    )
    print(
        f"  per step: {1000 * step:.1f} ms; half-batch gradient {1000 * t_grad:.1f} ms; "
        f"communication and scheduling share {max(0.0, 1 - t_grad / step):.0%}; "
        f"gradient {grad_bytes / 1e6:.2f} MB"
    )
    return t_grad, grad_bytes, step, one / steps


def _nothing():
    return None


def round_trip(client):
    """Median seconds of an empty task, submitted and waited for: the scheduling floor."""
    worker = sorted(client.nthreads())[0]
    samples = []
    for _ in range(20):
        start = time.perf_counter()
        client.submit(_nothing, workers=[worker], pure=False).result()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def _payload(n_bytes):
    return np.ones(n_bytes // 8)


def _size(array):
    return array.nbytes


def bandwidth(client):
    """(bytes/s, latency s) of a worker-to-worker transfer, from 1 MB and 20 MB arrays."""
    a, b = sorted(client.nthreads())
    times = {}
    for n_bytes in (10**6, 2 * 10**7):
        samples = []
        for _ in range(3):
            data = client.submit(_payload, n_bytes, workers=[a], pure=False)
            distributed.wait(data)
            start = time.perf_counter()
            client.submit(_size, data, workers=[b], pure=False).result()
            samples.append(time.perf_counter() - start)
        times[n_bytes] = statistics.median(samples)
    slope = (times[2 * 10**7] - times[10**6]) / (2 * 10**7 - 10**6)
    return 1 / max(slope, 1e-12), max(times[10**6] - 10**6 * slope, 0.0)


def communication(n, grad_bytes, bw, latency, gather_below=4):
    """Seconds of gradient exchange per step on n workers, as DistributedDataParallel does it."""
    if n <= 1:
        return 0.0
    if n <= gather_below:  # all-gather: each worker pulls n - 1 gradients, one hop
        return (n - 1) * grad_bytes / bw + latency
    return 2 * math.ceil(math.log2(n)) * (grad_bytes / bw + latency)  # tree, then broadcast


def scaling(t_grad64, grad_bytes, measured_step, one_step, bw, latency):
    print(f"worker-to-worker: {bw / 1e9:.2f} GB/s, {1000 * latency:.1f} ms per transfer")
    fixed = max(measured_step - t_grad64 - communication(2, grad_bytes, bw, latency), 0.0)
    print(
        "modelled data-parallel step for batch 128 (t_grad scales with the shard; "
        f"scheduling and shards {1000 * fixed:.1f} ms per step, from the 2-worker run):"
    )
    print(f"  n= 1: {1000 * one_step:7.1f} ms/step (one process, measured)")
    for n in (2, 4, 8, 16):
        t = t_grad64 * 2 / n + communication(n, grad_bytes, bw, latency) + fixed
        print(f"  n={n:2d}: {1000 * t:7.1f} ms/step, speed-up vs one process {one_step / t:4.2f}x")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--limit", type=int, default=12000, help="MNIST images per epoch")
    args = parser.parse_args()
    with distributed.Client(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as client:
        estimators(args.repeats)
        t_grad, grad_bytes, step, one_step = mnist_epoch(client, args.limit, args.repeats)
        scaling(t_grad, grad_bytes, step, one_step, *bandwidth(client))
        print(
            f"empty task round trip (client, scheduler, worker): "
            f"{1000 * round_trip(client):.1f} ms; a data-parallel step waits for about 4"
        )
    print("(machine shared with other jobs: speed-ups are depressed and noisy)")


if __name__ == "__main__":
    main()
