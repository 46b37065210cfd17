"""Shared fixtures for dataset tests: where the real files are, and a local HTTP mirror."""

from __future__ import annotations

import hashlib
import http.server
import shutil
import socket
import threading
from functools import partial
from pathlib import Path

import pytest

from homeml.datasets import data_dir
from homeml.datasets.mnist import MNIST_FILES

MNIST_NAMES = tuple(MNIST_FILES)


def shared_datasets_dir() -> Path:
    """Where the real files are: ``$HOMEML_DATA``, default ``~/.cache/homeml``."""
    return data_dir()


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture(scope="session")
def real_data() -> Path:
    """Root folder holding the verified ``mnist/`` and ``fashion-mnist/`` copies."""
    root = shared_datasets_dir()
    missing = [
        f"{folder}/{name}"
        for folder in ("mnist", "fashion-mnist")
        for name in MNIST_NAMES
        if not (root / folder / name).is_file()
    ]
    if missing:
        pytest.skip(
            f"needs the real mnist and fashion-mnist files in {root}/ (served from 127.0.0.1 "
            "to test downloads): set HOMEML_DATA to the folder holding mnist/ and "
            "fashion-mnist/ (default ~/.cache/homeml; `homeml train mnist` and `homeml train "
            f"fashion-mnist` download them there); missing: {', '.join(missing[:2])}, ..."
        )
    return root


@pytest.fixture(autouse=True)
def _local_only(monkeypatch):
    """Keep test traffic on 127.0.0.1 even if a proxy is configured in the environment."""
    for var in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")


class _Handler(http.server.SimpleHTTPRequestHandler):
    """Static files, a request log, ``/truncated/<path>``: announces the full length of
    ``<path>`` but sends only half of it, then closes the connection, and ``/endless/<path>``:
    announces no length and sends ``<path>`` followed by up to 64 MiB of zeros."""

    requests: list  # set per server

    def do_GET(self):
        self.requests.append(self.path)
        if self.path.startswith("/truncated/"):
            data = Path(self.directory, self.path.removeprefix("/truncated/")).read_bytes()
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data[: len(data) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        if self.path.startswith("/endless/"):
            # no Content-Length: the file, then zeros until 64 MiB or the client leaves
            data = Path(self.directory, self.path.removeprefix("/endless/")).read_bytes()
            self.send_response(200)
            self.end_headers()
            self.close_connection = True
            try:
                self.wfile.write(data)
                for _ in range(64):
                    self.wfile.write(bytes(1 << 20))
                self.sent_everything = True
            except OSError:  # the client cut the stream: what the test wants
                pass
            return
        super().do_GET()

    def log_message(self, format, *args):  # keep test output quiet
        pass


class LocalMirror:
    """A running HTTP server on 127.0.0.1 serving ``root``; ``url`` ends with a slash."""

    def __init__(self, root: Path):
        self.root = root
        self.requests: list[str] = []
        handler = type("Handler", (_Handler,), {"requests": self.requests})
        self.server = http.server.ThreadingHTTPServer(
            ("127.0.0.1", 0), partial(handler, directory=str(root))
        )
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()


@pytest.fixture(scope="module")
def _mirror_server(real_data, tmp_path_factory):
    """Serves ``good/`` (copies of the four real MNIST .gz files) and ``bad/`` (a corrupted copy
    of the test labels: one byte flipped, same size)."""
    root = tmp_path_factory.mktemp("mirror")
    (root / "good").mkdir()
    (root / "bad").mkdir()
    for name in MNIST_NAMES:
        shutil.copyfile(real_data / "mnist" / name, root / "good" / name)
    data = bytearray((real_data / "mnist" / "t10k-labels-idx1-ubyte.gz").read_bytes())
    data[len(data) // 2] ^= 0xFF
    (root / "bad" / "t10k-labels-idx1-ubyte.gz").write_bytes(bytes(data))
    mirror = LocalMirror(root)
    yield mirror
    mirror.close()


@pytest.fixture
def mirror(_mirror_server) -> LocalMirror:
    """The module's local mirror, with an empty request log."""
    _mirror_server.requests.clear()
    return _mirror_server


@pytest.fixture
def dead_url() -> str:
    """A 127.0.0.1 URL where nothing listens (connection refused): being offline."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/"


@pytest.fixture
def serve_folder():
    """Start a :class:`LocalMirror` on a folder: ``serve_folder(path) -> mirror``; all are
    closed at the end of the test."""
    started: list[LocalMirror] = []

    def start(root: Path) -> LocalMirror:
        started.append(LocalMirror(root))
        return started[-1]

    yield start
    for mirror in started:
        mirror.close()
