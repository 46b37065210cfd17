"""Load on `homeml serve`: throughput and latency of MNIST predictions over HTTP.

Starts a real server process on a free port of 127.0.0.1 serving an MNIST classifier (its
weights do not matter for speed), sends a bounded number of requests with a fixed number in
flight, checks every answer, prints requests per second and latency percentiles, and stops.

    python benchmarks/bench_serve.py                      # 5,000 requests, 32 in flight
    python benchmarks/bench_serve.py --quick --rows single --models mlp

Rows: ``single`` posts one 1x28x28 image per request, ``batch32`` posts 32 per request; each at
concurrency 1 (the latency a lone client sees) and at ``--concurrency`` (the server saturated;
latency then includes waiting in the queue).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from support import serve_process  # noqa: E402  (the launcher the server tests use)

import homeml as hm  # noqa: E402
from homeml.datasets import load_mnist  # noqa: E402
from homeml.jobs import digits  # noqa: E402
from homeml.models import build_model  # noqa: E402


def save_digit_model(kind: str, folder: Path) -> Path:
    spec = digits.DATASETS["mnist"]
    meta = {
        "dataset": "mnist",
        "classes": spec["classes"],
        "mean": spec["mean"],
        "std": spec["std"],
        "input_shape": [1, 28, 28],
    }
    hm.manual_seed(0)
    path = folder / f"{kind}.safetensors"
    hm.save(build_model(kind), path, metadata=meta)
    return path


def http_post(path: str, body: dict) -> bytes:
    """One HTTP/1.1 keep-alive request, encoded once (the load generator then only sends it)."""
    data = json.dumps(body).encode()
    head = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(data)}\r\n\r\n"
    )
    return head.encode() + data


async def load(url: str, bodies: list, n_requests: int, concurrency: int) -> dict:
    """Send ``n_requests`` POSTs (cycling through ``bodies``), ``concurrency`` at a time, each
    connection kept alive; check every answer's status and number of predictions.

    A bare asyncio client (as load generators such as wrk are): httpx's own cost per request
    was larger than the server's and made its tail latencies.
    """
    host, port = url.removeprefix("http://").split(":")
    requests = [(http_post("/v1/predict", body), len(body["inputs"])) for body in bodies]
    latencies, errors, sent = [], 0, 0

    async def connection():
        nonlocal sent, errors
        reader, writer = await asyncio.open_connection(host, int(port))
        while sent < n_requests:
            request, n_samples = requests[sent % len(requests)]
            sent += 1
            start = time.perf_counter()
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            length = int(re.search(rb"(?i)content-length: *(\d+)", head).group(1))
            answer = await reader.readexactly(length)
            latencies.append(time.perf_counter() - start)
            ok = head.startswith(b"HTTP/1.1 200")
            if not ok or len(json.loads(answer)["predictions"]) != n_samples:
                errors += 1
        writer.close()

    start = time.perf_counter()
    await asyncio.gather(*(connection() for _ in range(concurrency)))
    elapsed = time.perf_counter() - start
    ms = np.array(latencies) * 1000
    return {
        "requests": len(latencies),
        "errors": errors,
        "per_s": len(latencies) / elapsed,
        "p50": float(np.percentile(ms, 50)),
        "p99": float(np.percentile(ms, 99)),
        "mean": statistics.fmean(ms),
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=5000, help="per single row (5000)")
    parser.add_argument(
        "--batch-requests", type=int, default=500, help="per batch32 row (500: 16,000 images)"
    )
    parser.add_argument("--rows", default="single,batch32", help="which rows to run")
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--models", default="mlp,cnn", help="comma-separated: mlp, cnn, lenet5")
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    parser.add_argument("--quick", action="store_true", help="500 requests per row")
    args = parser.parse_args(argv)
    n_single = 500 if args.quick else args.requests
    n_batch = 100 if args.quick else args.batch_requests

    spec = digits.DATASETS["mnist"]
    _, (images, _) = load_mnist()
    x = ((images[:256] / 255.0 - spec["mean"]) / spec["std"]).astype(np.float32)
    singles = [{"inputs": [img[None].tolist()]} for img in x[:64]]  # a batch of one
    batches = [{"inputs": x[i : i + 32, None].tolist()} for i in range(0, 256, 32)]

    print(
        f"homeml serve, {n_single} single / {n_batch} batch32 requests per row, "
        f"workers={args.workers}"
    )
    header = f"{'model':<6} {'row':<8} {'in flight':>9} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8}"
    print(header + f" {'errors':>6}")
    with tempfile.TemporaryDirectory() as folder:
        for kind in args.models.split(","):
            path = save_digit_model(kind, Path(folder))
            with serve_process(path, "--workers", args.workers) as url:
                asyncio.run(load(url, singles, 200, 4))  # warm up
                rows = {"single": (singles, n_single), "batch32": (batches, n_batch)}
                for row in args.rows.split(","):
                    bodies, n_requests = rows[row]
                    for concurrency in (1, args.concurrency):
                        r = asyncio.run(load(url, bodies, n_requests, concurrency))
                        print(
                            f"{kind:<6} {row:<8} {concurrency:>9} {r['per_s']:>8.0f} "
                            f"{r['p50']:>8.2f} {r['p99']:>8.2f} {r['errors']:>6}",
                            flush=True,
                        )


if __name__ == "__main__":
    main()
