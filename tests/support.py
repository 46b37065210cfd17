"""Shared test tools: the PyTorch reference (optional), finite-difference gradient checks,
safetensors file surgery and a real `homeml serve` process."""

from __future__ import annotations

import contextlib
import json
import os
import socket
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pytest

import homeml as hm

try:
    import torch
except ImportError:  # a new user's `pytest` passes without torch; CI installs it
    torch = None

requires_torch = pytest.mark.skipif(
    torch is None, reason="PyTorch is not installed (pip install torch==2.13.0); CI installs it"
)


def dataset_skip_reason(*datasets: str) -> str | None:
    """Why a test of ``datasets`` ("mnist", "fashion-mnist", "names", "tinyshakespeare",
    "eng-fra")
    cannot run, or None when all their files are in the data folder (tests never download)."""
    from homeml.datasets import data_dir
    from homeml.datasets.mnist import FASHION_MNIST_FILES, MNIST_FILES

    files = {
        "mnist": MNIST_FILES,
        "fashion-mnist": FASHION_MNIST_FILES,
        "names": ("names.txt",),
        "tinyshakespeare": ("input.txt",),
        "eng-fra": ("eng-fra.txt",),
        "sms-spam-collection": ("SMSSpamCollection",),
        "sentiment-labelled-sentences": (
            "amazon_cells_labelled.txt",
            "imdb_labelled.txt",
            "yelp_labelled.txt",
        ),
    }
    root = data_dir()
    missing = [root / name / file for name in datasets for file in files[name]]
    missing = [str(path) for path in missing if not path.is_file()]
    if not missing:
        return None
    folders = " and ".join(f"$HOMEML_DATA/{name}/" for name in datasets)
    return (
        f"needs the {' and '.join(datasets)} files in {folders} (HOMEML_DATA defaults to "
        f"~/.cache/homeml; `homeml train mnist` downloads MNIST there, see the README's "
        f"'The MNIST job'; names and tiny shakespeare: the URLs in homeml/datasets/text.py); "
        f"missing: {', '.join(missing[:2])}{', ...' if len(missing) > 2 else ''}"
    )


def requires_datasets(*datasets: str):
    """A skip mark for tests that read ``datasets`` (see :func:`dataset_skip_reason`)."""
    reason = dataset_skip_reason(*datasets)
    return pytest.mark.skipif(reason is not None, reason=reason or "")


def skip_without_datasets(*datasets: str) -> None:
    """In a fixture: skip the tests that use it unless ``datasets`` are present."""
    reason = dataset_skip_reason(*datasets)
    if reason:
        pytest.skip(reason)


requires_mnist = requires_datasets("mnist")


def numerical_gradients(fn, arrays, weights, eps=1e-6):
    """Central differences of ``sum(fn(*arrays) * weights)`` with respect to each array."""
    arrays = [np.array(a, dtype=np.float64) for a in arrays]

    def loss():
        out = fn(*[hm.tensor(a) for a in arrays])
        return float((out.numpy().astype(np.float64) * weights).sum())

    grads = []
    for a in arrays:
        g = np.zeros_like(a)
        for index in np.ndindex(a.shape):
            saved = a[index]
            a[index] = saved + eps
            up = loss()
            a[index] = saved - eps
            down = loss()
            a[index] = saved
            g[index] = (up - down) / (2 * eps)
        grads.append(g)
    return grads


def analytic_gradients(fn, arrays, weights):
    """homeml's gradients of ``sum(fn(*arrays) * weights)`` (float64 inputs)."""
    tensors = [hm.tensor(np.array(a, dtype=np.float64), requires_grad=True) for a in arrays]
    out = fn(*tensors)
    (out * hm.tensor(weights)).sum().backward()
    return out, [t.grad.numpy() if t.grad is not None else np.zeros(t.shape) for t in tensors]


def check_gradients(fn, *arrays, rtol=1e-5, atol=1e-6, seed=0):
    """Assert homeml's gradients of ``fn`` match central finite differences in float64."""
    arrays = [np.array(a, dtype=np.float64) for a in arrays]
    out = fn(*[hm.tensor(a) for a in arrays])
    weights = np.random.default_rng(seed).standard_normal(out.shape)
    _, analytic = analytic_gradients(fn, arrays, weights)
    numeric = numerical_gradients(fn, arrays, weights)
    for i, (got, want) in enumerate(zip(analytic, numeric)):
        np.testing.assert_allclose(
            got, want, rtol=rtol, atol=atol, err_msg=f"gradient of input {i}"
        )


def check_against_torch(hm_fn, torch_fn, *arrays, rtol=None, atol=None, seed=0):
    """Assert forward values and input gradients match PyTorch on the same inputs.

    Tolerances default to 1e-7 relative for float64 and 1e-5 for float32 (the issue's bar).
    """
    if torch is None:
        pytest.skip("PyTorch is not installed")
    arrays = [np.asarray(a) for a in arrays]
    dtype = np.result_type(*arrays)
    if rtol is None:
        rtol = 1e-7 if dtype == np.float64 else 1e-5
    if atol is None:
        atol = 1e-10 if dtype == np.float64 else 1e-6
    hm_inputs = [hm.tensor(a, requires_grad=a.dtype.kind == "f") for a in arrays]
    torch_inputs = [torch.tensor(a, requires_grad=a.dtype.kind == "f") for a in arrays]
    hm_out = hm_fn(*hm_inputs)
    torch_out = torch_fn(*torch_inputs)
    np.testing.assert_allclose(
        hm_out.numpy(), torch_out.detach().numpy(), rtol=rtol, atol=atol, err_msg="forward"
    )
    assert hm_out.dtype == np.dtype(str(torch_out.dtype).replace("torch.", "")), "dtype"
    if not hm_out.requires_grad:
        return
    weights = np.random.default_rng(seed).standard_normal(hm_out.shape).astype(hm_out.dtype)
    (hm_out * hm.tensor(weights)).sum().backward()
    (torch_out * torch.tensor(weights)).sum().backward()
    for i, (h, t) in enumerate(zip(hm_inputs, torch_inputs)):
        if t.grad is None:
            assert h.grad is None or not np.any(h.grad.numpy()), f"input {i} got a gradient"
            continue
        assert h.grad is not None, f"input {i} has no gradient"
        np.testing.assert_allclose(
            h.grad.numpy(), t.grad.numpy(), rtol=rtol, atol=atol, err_msg=f"gradient {i}"
        )


# -- safetensors files, parsed and rewritten independently of homeml.io (tampering tests) ------


def split_file(path):
    """(header dict, data bytes) of a safetensors file."""
    raw = path.read_bytes()
    (size,) = struct.unpack("<Q", raw[:8])
    return json.loads(raw[8 : 8 + size]), raw[8 + size :]


def write_file(path, header, data, resign=False):
    """Write a safetensors file; with ``resign`` its homeml digest is recomputed first."""
    if resign:
        from homeml._storage import digest

        table = {k: v for k, v in header.items() if k != "__metadata__"}
        meta = header["__metadata__"]
        meta["homeml_sha256"] = digest(table, meta["homeml"], data)
    encoded = json.dumps(header).encode()
    encoded += b" " * (-len(encoded) % 8)
    path.write_bytes(struct.pack("<Q", len(encoded)) + encoded + data)


def edit_homeml_info(path, change, resign=True):
    """Rewrite the homeml JSON in the header with ``change(info)``. With ``resign`` the digest is
    recomputed, as anyone crafting a file can: what loading checks beyond the digest is tested."""
    header, data = split_file(path)
    info = json.loads(header["__metadata__"]["homeml"])
    change(info)
    header["__metadata__"]["homeml"] = json.dumps(info)
    write_file(path, header, data, resign=resign)


# ----------------------------------------------------------------------------- homeml serve


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def serve_process(model_path, *options, startup_s=30.0):
    """Run ``homeml serve MODEL_PATH OPTIONS`` on a free port of 127.0.0.1; yield its URL once
    /health answers, stop it afterwards."""
    import httpx

    port = free_port()
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[1]))
    command = [sys.executable, "-m", "homeml.cli", "serve", str(model_path), "--port", str(port)]
    # the server's log goes to a file: a pipe nobody reads fills up and blocks the server
    log = tempfile.TemporaryFile()
    process = subprocess.Popen(
        [*command, *map(str, options)], env=env, stdout=log, stderr=subprocess.STDOUT
    )
    url, deadline = f"http://127.0.0.1:{port}", time.monotonic() + startup_s
    try:
        while True:
            try:
                httpx.get(f"{url}/health", timeout=2).raise_for_status()
                break
            except httpx.TransportError:
                if process.poll() is not None or time.monotonic() > deadline:
                    log.seek(0)
                    raise AssertionError(log.read().decode()) from None
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        log.close()
