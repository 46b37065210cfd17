"""Reading a file costs what the file holds, never what it declares (regression: a 312-byte file
declaring Linear(10000, 10000) took 11.5 s and 1.2 GB; Embedding(1e8, 64) raised MemoryError; a
``<U200000000`` label array allocated 1.6 GB; deep JSON raised RecursionError; /dev/zero was read
until MemoryError; a FIFO hung)."""

from __future__ import annotations

import json
import os
import shutil
import struct
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from support import edit_homeml_info, split_file, write_file

import homeml as hm
from homeml import nn
from homeml.io import ModelFileError

ROOT = Path(__file__).resolve().parents[2]


def declare(path, architecture):
    hm.save(nn.Linear(2, 2), path)
    edit_homeml_info(path, lambda info: info.update(architecture=architecture))


def linear(n_in, n_out):
    return {"class": "nn.Linear", "args": [n_in, n_out], "kwargs": {}}


MEASURE = """
import resource, sys, time
import homeml as hm
from homeml.io import ModelFileError
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
start = time.perf_counter()
try:
    hm.load(sys.argv[1])
    outcome = "loaded"
except ModelFileError as error:
    outcome = "ModelFileError"
seconds = time.perf_counter() - start
extra_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
print(outcome, seconds, extra_mb)
"""


def test_a_file_declaring_a_huge_layer_fails_fast_and_small(tmp_path):
    path = tmp_path / "huge.safetensors"
    declare(path, linear(10_000, 10_000))  # 10^8 parameters, none of them in the file
    assert path.stat().st_size < 1000
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    result = subprocess.run(
        [sys.executable, "-c", MEASURE, str(path)],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )
    assert result.returncode == 0, result.stderr
    outcome, seconds, extra_mb = result.stdout.split()
    assert outcome == "ModelFileError"
    assert float(extra_mb) < 100, f"loading took {extra_mb} MB more"  # random init: 400+ MB
    assert float(seconds) < 1.0, f"loading took {seconds} s"  # generous: about 0.01 s here


@pytest.mark.parametrize(
    "architecture, words",
    [
        ({"class": "nn.Embedding", "args": [10**8, 64], "kwargs": {}}, "Embedding"),
        ({"class": "nn.Embedding", "args": [10**6, 64], "kwargs": {}}, "fit the architecture"),
        ({"class": "nn.Embedding", "args": [10**12, 10**6], "kwargs": {}}, "Embedding"),
        (linear(2**70, 2), "Linear"),
        (linear(-5, 2), "Linear"),
        ({"class": "nn.LayerNorm", "args": [{"__tuple__": [2**40, 2**40]}], "kwargs": {}}, "Norm"),
    ],
)
def test_absurd_declared_sizes_are_model_file_errors(tmp_path, architecture, words):
    path = tmp_path / "absurd.safetensors"
    declare(path, architecture)
    with pytest.raises(ModelFileError, match=words):
        hm.load(path)


def test_a_huge_label_dtype_is_refused_before_allocating(model_files, tmp_path):
    path = shutil.copy(model_files["estimator"][1], tmp_path / "labels.safetensors")

    def widen(info):
        state = info["estimator"]["state"]
        state["classes_"] = {"__list_array__": ["a", "b"], "dtype": "<U200000000", "shape": [2]}

    edit_homeml_info(path, widen)
    with pytest.raises(ModelFileError, match="more than the file holds"):
        hm.load(path)


def test_deeply_nested_json_is_a_model_file_error(tmp_path):
    path = tmp_path / "deep.safetensors"
    declare(path, linear(2, 2))
    edit_homeml_info(
        path, lambda info: info["metadata"].update(deep=json.loads("[" * 500 + "]" * 500))
    )
    with pytest.raises(ModelFileError, match="nested"):
        hm.load(path)
    header, data = split_file(path)
    text = "[" * 100_000 + "]" * 100_000  # deeper than Python's parser recursion allows
    header["__metadata__"]["homeml"] = header["__metadata__"]["homeml"][:-1] + f', "x": {text}}}'
    write_file(path, header, data, resign=True)
    with pytest.raises(ModelFileError, match="nested"):
        hm.load(path)


def test_a_table_shape_past_64_bits_is_refused(tmp_path):
    path = tmp_path / "big.safetensors"
    hm.save(nn.Linear(2, 2), path)
    header, data = split_file(path)
    header["weight"]["shape"] = [2**70, 2**70]
    write_file(path, header, data, resign=True)
    with pytest.raises(ModelFileError, match="does not fit"):
        hm.load(path)


def test_a_symlink_to_a_device_is_refused(tmp_path):
    link = tmp_path / "zero.safetensors"
    link.symlink_to("/dev/zero")
    with pytest.raises(ModelFileError, match="not a regular file"):
        hm.load(link)


def test_a_fifo_is_refused_without_hanging(tmp_path):
    fifo = tmp_path / "pipe.safetensors"
    os.mkfifo(fifo)
    outcome = []
    worker = threading.Thread(target=lambda: outcome.append(_load_error(fifo)), daemon=True)
    worker.start()
    worker.join(timeout=30)
    if worker.is_alive():  # unblock the reader so the test process can end
        with open(fifo, "wb"):
            pass
        pytest.fail("hm.load blocked on a FIFO")
    assert outcome and isinstance(outcome[0], ModelFileError), outcome
    assert "not a regular file" in str(outcome[0])


def _load_error(path):
    try:
        hm.load(path)
    except Exception as error:  # (the test checks which)
        return error
    return None


def test_a_folder_is_a_model_file_error(tmp_path):
    with pytest.raises(ModelFileError, match="folder"):
        hm.load(tmp_path)


def test_a_header_size_beyond_the_file_is_refused_without_reading_more(tmp_path):
    path = tmp_path / "short.safetensors"
    path.write_bytes(struct.pack("<Q", 2**63) + b"{}")
    with pytest.raises(ModelFileError, match="header claims"):
        hm.load(path)


def test_an_agent_declaring_huge_networks_fails_small(tmp_path):
    from homeml.rl import DQN, make

    agent = DQN(hidden_sizes=(4,), batch_size=4, learning_starts=4, seed=0)
    agent.train(make("CartPole-v1"), 1, progress=False)
    path = tmp_path / "dqn.safetensors"
    hm.save(agent, path)
    edit_homeml_info(path, lambda info: info["state"].update(sizes=[4, 10_000, 10_000, 2]))
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    result = subprocess.run(
        [sys.executable, "-c", MEASURE, str(path)],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )
    assert result.returncode == 0, result.stderr
    outcome, _, extra_mb = result.stdout.split()
    assert outcome == "ModelFileError"
    assert float(extra_mb) < 100, f"loading took {extra_mb} MB more"  # initialised: 800 MB
