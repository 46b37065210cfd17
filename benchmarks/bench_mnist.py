"""Train the same networks on the same MNIST batches in homeml and PyTorch (CPU) and compare.

    python benchmarks/bench_mnist.py [--steps 200] [--repeats 3]   # MNIST from $HOMEML_DATA/mnist/

For each architecture (MLP 784-128-10, LeNet-5 and the default CNN of ``homeml train mnist``,
all at batch 64 with SGD + momentum and cross-entropy), both libraries start from the same
weights and see the same batches. Timing runs in this process, interleaved so machine noise
hits both alike; it prints the median time per training step, the implied time for one epoch
of 60,000 images, and the ratio homeml / PyTorch (below 1 means homeml is faster). Peak memory
is measured in a fresh child process per library and model: the rise of the peak resident set
over what the process held before training started.
"""

from __future__ import annotations

import argparse
import multiprocessing
import statistics
import time

import numpy as np
import torch

import homeml as hm
from homeml import nn
from homeml.datasets import load_mnist
from homeml.models import LeNet5, build_model

BATCH = 64
EPOCH_IMAGES = 60_000


def homeml_model(name):
    hm.manual_seed(0)
    if name == "mlp":
        return nn.Sequential(nn.Flatten(), nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10))
    return LeNet5() if name == "lenet5" else build_model("cnn")


def torch_twin(name, source):
    """The same architecture in PyTorch, with the homeml model's weights copied in."""
    tn = torch.nn
    if name == "mlp":
        model = tn.Sequential(tn.Flatten(), tn.Linear(784, 128), tn.ReLU(), tn.Linear(128, 10))
    elif name == "lenet5":
        model = tn.Sequential(
            tn.Conv2d(1, 6, 5, padding=2),
            tn.ReLU(),
            tn.MaxPool2d(2),
            tn.Conv2d(6, 16, 5),
            tn.ReLU(),
            tn.MaxPool2d(2),
            tn.Flatten(),
            tn.Linear(400, 120),
            tn.ReLU(),
            tn.Linear(120, 84),
            tn.ReLU(),
            tn.Linear(84, 10),
        )
    else:
        model = tn.Sequential(
            tn.Conv2d(1, 32, 3, padding=1, bias=False),
            tn.BatchNorm2d(32),
            tn.ReLU(),
            tn.MaxPool2d(2),
            tn.Conv2d(32, 64, 3, padding=1, bias=False),
            tn.BatchNorm2d(64),
            tn.ReLU(),
            tn.MaxPool2d(2),
            tn.Flatten(),
            tn.Dropout(0.25),
            tn.Linear(64 * 7 * 7, 128),
            tn.ReLU(),
            tn.Dropout(0.25),
            tn.Linear(128, 10),
        )
    state = {k: torch.tensor(v.numpy()) for k, v in source.state_dict().items()}
    model.load_state_dict(state)
    return model


def batches(steps):
    """``steps`` normalised (64, 1, 28, 28) float32 batches of real MNIST, with labels."""
    (x, y), _ = load_mnist()
    rng = np.random.default_rng(0)
    order = rng.permutation(len(x))[: steps * BATCH]
    images = ((x[order] / 255.0 - 0.1307) / 0.3081).astype(np.float32).reshape(-1, 1, 28, 28)
    return [(images[i : i + BATCH], y[order][i : i + BATCH]) for i in range(0, len(order), BATCH)]


def make_trainer(lib, name, data):
    """A function that runs one pass over ``data`` (training steps) in the given library."""
    model = homeml_model(name)
    if lib == "torch":
        model = torch_twin(name, model)
        optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
        loss_fn = torch.nn.CrossEntropyLoss()
        data = [(torch.from_numpy(x), torch.from_numpy(y)) for x, y in data]
    else:
        optimizer = hm.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
        loss_fn = nn.CrossEntropyLoss()
        data = [(hm.tensor(x), hm.tensor(y)) for x, y in data]
    model.train()

    def run():
        for x, y in data:
            optimizer.zero_grad()
            loss = loss_fn(model(x), y)
            loss.backward()
            optimizer.step()
        return float(loss.item())

    return run


def peak_memory_child(lib, name, steps, queue):
    data = batches(steps)
    run = make_trainer(lib, name, data)
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")  # reset the peak-RSS counter (VmHWM) to the current RSS
    before = _status_kib("VmRSS")
    run()
    queue.put((_status_kib("VmHWM") - before) / 1024)


def _status_kib(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"{field} not found in /proc/self/status")


def peak_memory_mib(lib, name, steps):
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    child = context.Process(target=peak_memory_child, args=(lib, name, steps, queue))
    child.start()
    result = queue.get()
    child.join()
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=200, help="training steps per timing")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--models", default="mlp,lenet5,cnn")
    parser.add_argument("--no-memory", action="store_true")
    args = parser.parse_args()
    print(f"numpy {np.__version__}, torch {torch.__version__} ({torch.get_num_threads()} threads)")
    print(f"batch {BATCH}, {args.steps} steps per timing, median of {args.repeats}")
    data = batches(args.steps)
    for name in args.models.split(","):
        runs = {lib: make_trainer(lib, name, data) for lib in ("homeml", "torch")}
        times = {lib: [] for lib in runs}
        for run in runs.values():
            run()  # warm up
        for _ in range(args.repeats):
            for lib, run in runs.items():
                start = time.perf_counter()
                run()
                times[lib].append((time.perf_counter() - start) / args.steps)
        step = {lib: statistics.median(t) for lib, t in times.items()}
        epoch = {lib: s * EPOCH_IMAGES / BATCH for lib, s in step.items()}
        line = (
            f"{name:<7} step: homeml {step['homeml'] * 1e3:6.2f} ms  torch "
            f"{step['torch'] * 1e3:6.2f} ms | epoch: homeml {epoch['homeml']:6.1f} s  torch "
            f"{epoch['torch']:6.1f} s | ratio {step['homeml'] / step['torch']:.2f}"
        )
        if not args.no_memory:
            mem = {lib: peak_memory_mib(lib, name, min(args.steps, 50)) for lib in runs}
            line += (
                f" | peak MiB: homeml {mem['homeml']:.0f} torch {mem['torch']:.0f} "
                f"ratio {mem['homeml'] / max(mem['torch'], 1e-9):.2f}"
            )
        print(line, flush=True)


if __name__ == "__main__":
    main()
