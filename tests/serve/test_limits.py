"""The server's limits against a real ``homeml serve`` process on 127.0.0.1: pictures (size,
aspect ratio, peak memory), slow and idle clients (raw sockets), and --limit-concurrency.
Every test is bounded by socket timeouts and stops its server."""

from __future__ import annotations

import contextlib
import io
import os
import socket
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import numpy as np
import pytest
from fastapi.testclient import TestClient
from PIL import Image, ImageDraw
from support import free_port

import homeml as hm
from homeml.jobs import digits
from homeml.models import build_model
from homeml.serve import create_app

MNIST = digits.DATASETS["mnist"]


@pytest.fixture(scope="module")
def digit_model(tmp_path_factory):
    hm.manual_seed(1)
    meta = {
        "classes": MNIST["classes"],
        "mean": MNIST["mean"],
        "std": MNIST["std"],
        "input_shape": [1, 28, 28],
    }
    path = tmp_path_factory.mktemp("limits") / "digits.safetensors"
    hm.save(build_model("mlp"), path, metadata=meta)
    return path


@contextlib.contextmanager
def server(model_path, *options):
    """``homeml serve`` on a free port; yields (url, process) once /health answers."""
    port = free_port()
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[2]))
    command = [
        sys.executable,
        "-m",
        "homeml.cli",
        "serve",
        str(model_path),
        "--port",
        str(port),
        *map(str, options),
    ]
    log = tempfile.TemporaryFile()
    process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    url, deadline = f"http://127.0.0.1:{port}", time.monotonic() + 30
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
        yield url, process
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        log.close()


def _digit_picture(width, height, mode="RGBA", format="PNG") -> bytes:
    """A dark "1" on white, drawn across the middle of a ``width x height`` picture."""
    picture = Image.new(mode, (width, height), "white")
    side = min(width, height)
    ImageDraw.Draw(picture).line(
        [(width // 2, height // 2 - side // 3), (width // 2, height // 2 + side // 3)],
        fill="black",
        width=max(2, side // 12),
    )
    data = io.BytesIO()
    picture.save(data, format=format)
    return data.getvalue()


def _upload(client_or_url, data):
    files = {"file": ("digit", data)}
    if isinstance(client_or_url, str):
        return httpx.post(f"{client_or_url}/v1/predict/image", files=files, timeout=60)
    return client_or_url.post("/v1/predict/image", files=files)


# --------------------------------------------------------------------------------- pictures


def test_pictures_too_large_or_too_thin_are_refused_from_their_header(digit_model):
    client = TestClient(create_app(digit_model))
    strip = io.BytesIO()
    Image.new("1", (16_000_000, 1), 1).save(strip, format="PNG")  # 15 KB, 16 megapixels
    for data, words in (
        (strip.getvalue(), "16000000 x 1 pixels"),
        (_digit_picture(2001, 2000, mode="L"), "at most 4 megapixels"),
        (_digit_picture(3000, 100, mode="L"), "20 times wider than high"),
        (_digit_picture(50, 1100, mode="L"), "20 times"),
    ):
        response = _upload(client, data)
        assert response.status_code == 422 and words in response.json()["detail"], words
    assert _upload(client, _digit_picture(2000, 2000, mode="L")).status_code == 200
    assert _upload(client, _digit_picture(2000, 100, mode="L")).status_code == 200
    for format in ("TIFF", "PPM", "ICO"):  # formats Pillow reads, but not offered to clients
        response = _upload(client, _digit_picture(64, 64, mode="RGB", format=format))
        assert response.status_code == 422 and "PNG, JPEG, WEBP, GIF, BMP" in response.text
    for format in ("WEBP", "GIF", "BMP"):
        assert _upload(client, _digit_picture(64, 64, mode="RGB", format=format)).status_code == 200


def test_large_pictures_are_read_as_their_small_versions(digit_model):
    """Shrinking before the MNIST preparation changes little: a 2000x2000 photo of a digit
    gives the answer its 280x280 version gives."""
    client = TestClient(create_app(digit_model))
    for format in ("PNG", "JPEG"):
        mode = "RGB" if format == "JPEG" else "RGBA"
        big = _upload(client, _digit_picture(2000, 2000, mode, format)).json()
        small = _upload(client, _digit_picture(280, 280, mode, format)).json()
        assert big["prediction"] == small["prediction"]
        np.testing.assert_allclose(big["probabilities"], small["probabilities"], atol=0.02)


def test_peak_memory_under_concurrent_large_pictures(digit_model):
    """Eight 4-megapixel RGBA uploads at once: the server's peak resident memory (VmHWM, the
    whole process: Python, NumPy, FastAPI, the model) stays under 300 MB."""
    pictures = [
        _digit_picture(2000, 2000, "RGBA", "PNG"),
        _digit_picture(2000, 2000, "RGB", "JPEG"),
    ] * 4
    with server(digit_model) as (url, process):
        with ThreadPoolExecutor(len(pictures)) as pool:
            answers = list(pool.map(lambda data: _upload(url, data), pictures))
        assert [a.status_code for a in answers] == [200] * len(pictures)
        status = Path(f"/proc/{process.pid}/status").read_text()
        peak_kb = int(
            next(line for line in status.splitlines() if line.startswith("VmHWM")).split()[1]
        )
    assert peak_kb < 300 * 1024, f"peak memory {peak_kb / 1024:.0f} MB"


# ----------------------------------------------------------------------------- slow clients


def _closed_within(sock, seconds) -> bytes:
    """Everything the server sends until it closes the connection (within ``seconds``)."""
    sock.settimeout(seconds)
    received = b""
    while True:
        chunk = sock.recv(4096)  # socket.timeout (the test fails) if the server keeps it open
        if not chunk:
            return received
        received += chunk


def test_slow_and_idle_connections_are_closed(digit_model):
    with server(digit_model, "--read-timeout", 1, "--timeout-keep-alive", 1) as (url, _):
        port = int(url.rsplit(":", 1)[1])
        connect = lambda: socket.create_connection(("127.0.0.1", port), timeout=5)  # noqa: E731
        with connect() as idle:  # connects and sends nothing
            started = time.monotonic()
            assert _closed_within(idle, 5) == b""
            assert time.monotonic() - started < 4
        with connect() as trickle:  # half the headers, then nothing
            trickle.sendall(b"POST /v1/predict HTTP/1.1\r\nHost: x\r\nContent-Type: appl")
            assert _closed_within(trickle, 5) == b""
        with connect() as half_body:  # all headers, 10 of 100 body bytes
            half_body.sendall(
                b"POST /v1/predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                b"Content-Length: 100\r\n\r\n" + b'{"inputs":'
            )
            answer = _closed_within(half_body, 5)
            assert answer.startswith(b"HTTP/1.1 408") and b"not received within 1 s" in answer
        with connect() as kept:  # a whole request, then idle on the kept-alive connection
            kept.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
            answer = _closed_within(kept, 5)
            assert answer.startswith(b"HTTP/1.1 200") and answer.endswith(b'{"status":"ok"}')
        with connect() as pipelined:  # two requests at once: both answered, then closed
            pipelined.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n" * 2)
            assert _closed_within(pipelined, 5).count(b"HTTP/1.1 200") == 2
        assert httpx.get(f"{url}/health", timeout=5).status_code == 200  # still serving


def test_limit_concurrency(digit_model):
    with server(digit_model, "--limit-concurrency", 2, "--read-timeout", 20) as (url, _):
        port = int(url.rsplit(":", 1)[1])
        holders = [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(2)]
        try:
            for holder in holders:  # two connections in progress, their requests unfinished
                holder.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n")
            time.sleep(0.3)
            response = httpx.get(f"{url}/health", timeout=5)
            assert response.status_code == 503
        finally:
            for holder in holders:
                holder.close()
        deadline = time.monotonic() + 5
        while httpx.get(f"{url}/health", timeout=5).status_code != 200:
            assert time.monotonic() < deadline
            time.sleep(0.1)


def test_serve_options_are_documented_and_checked(capsys):
    from homeml.cli import main

    with pytest.raises(SystemExit):
        main(["serve", "--help"])
    text = capsys.readouterr().out
    for option in ("--limit-concurrency", "--timeout-keep-alive", "--read-timeout"):
        assert option in text
    for option in ("--limit-concurrency", "--timeout-keep-alive", "--read-timeout"):
        with pytest.raises(SystemExit):
            main(["serve", "x", option, "0"])
        assert "expected a positive" in capsys.readouterr().err


@pytest.mark.parametrize("port", ["80000", "-1", "http"])
def test_a_bad_port_is_one_line(port, capsys):
    from homeml.cli import main

    with pytest.raises(SystemExit) as exit_:
        main(["serve", "model.safetensors", "--port", port])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert "port number" in err and port in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_every_picture_mode_reads_as_homeml_predict_reads_it(digit_model, tmp_path):
    """Below the working size nothing is shrunk: the server's answer is `homeml predict`'s for
    grey, colour, palette, transparent and 16-bit pictures alike."""
    client = TestClient(create_app(digit_model))
    ink = np.zeros((120, 90), dtype=np.uint8)
    ink[20:100, 40:52] = 255  # a "1"
    pictures = {
        "L": Image.fromarray(ink),
        "RGB": Image.fromarray(ink).convert("RGB"),
        "P": Image.fromarray(ink).convert("P"),
        "I;16": Image.fromarray(ink.astype(np.uint16) * 257),
    }
    transparent = np.zeros((120, 90, 4), dtype=np.uint8)
    transparent[..., 3] = ink  # black ink on a see-through background (a canvas export)
    pictures["RGBA"] = Image.fromarray(transparent)
    run = tmp_path / "run"
    run.mkdir()
    (run / "model.safetensors").write_bytes(digit_model.read_bytes())
    for mode, picture in pictures.items():
        data = io.BytesIO()
        picture.save(data, format="PNG")
        expected = digits.predict_image(run, io.BytesIO(data.getvalue()))
        answer = _upload(client, data.getvalue())
        assert answer.status_code == 200, (mode, answer.text)
        assert answer.json()["prediction"] == expected["class"], mode
        np.testing.assert_allclose(
            answer.json()["probabilities"], list(expected["probabilities"].values()), atol=1e-6
        )


def test_at_most_two_pictures_are_decoded_at_once(digit_model, monkeypatch):
    import threading

    from homeml.serve import _app

    lock, active, most = threading.Lock(), [0], [0]
    real = _app.read_digit

    def counting(data):
        with lock:
            active[0] += 1
            most[0] = max(most[0], active[0])
        try:
            time.sleep(0.2)
            return real(data)
        finally:
            with lock:
                active[0] -= 1

    monkeypatch.setattr(_app, "read_digit", counting)
    client = TestClient(create_app(digit_model))
    picture = _digit_picture(100, 100, mode="L")
    with ThreadPoolExecutor(6) as pool:
        answers = list(pool.map(lambda _: _upload(client, picture), range(6)))
    assert [a.status_code for a in answers] == [200] * 6
    assert most[0] == _app.IMAGE_DECODES == 2
