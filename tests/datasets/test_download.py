"""Checked downloads, against a local HTTP mirror on 127.0.0.1 (fixtures in conftest.py)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pytest

from homeml.datasets import (
    ChecksumError,
    DatasetNotFoundError,
    data_dir,
    fetch,
    load_mnist,
)
from homeml.datasets import mnist as mnist_module
from homeml.datasets.mnist import MNIST_FILES

LABELS = "t10k-labels-idx1-ubyte.gz"


def file_sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def listing(folder: Path) -> list[str]:
    """Every entry in ``folder`` (hidden temporary files included); [] if it does not exist."""
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


# ------------------------------------------------------------------ data directory


def test_data_dir_follows_env_then_default(monkeypatch, tmp_path):
    monkeypatch.setenv("HOMEML_DATA", str(tmp_path))
    assert data_dir() == tmp_path
    assert data_dir(tmp_path / "x") == tmp_path / "x"  # an explicit root wins
    monkeypatch.setenv("HOMEML_DATA", "")
    assert data_dir() == Path.home() / ".cache" / "homeml"
    monkeypatch.delenv("HOMEML_DATA")
    assert data_dir() == Path.home() / ".cache" / "homeml"


def test_fetch_rejects_malformed_sha256(tmp_path):
    with pytest.raises(ValueError, match="64 hex digits, got 'abc'"):
        fetch("mnist", LABELS, [], "abc", data_dir=tmp_path)


# ------------------------------------------------------------------ successful downloads


def test_fetch_downloads_verifies_and_leaves_only_the_file(mirror, tmp_path):
    path = fetch(
        "mnist", LABELS, [mirror.url + "good/" + LABELS], MNIST_FILES[LABELS], data_dir=tmp_path
    )
    assert path == tmp_path / "mnist" / LABELS
    assert file_sha256(path) == MNIST_FILES[LABELS]
    assert listing(tmp_path / "mnist") == [LABELS]  # no temporary file left over
    assert mirror.requests == ["/good/" + LABELS]


def test_load_mnist_downloads_into_homeml_data_then_uses_the_cache(mirror, tmp_path, monkeypatch):
    """Module-level mirrors are injectable; HOMEML_DATA is the default destination."""
    monkeypatch.setattr(mnist_module, "MNIST_MIRRORS", [mirror.url + "good/"])
    monkeypatch.setenv("HOMEML_DATA", str(tmp_path))
    (x_train, y_train), (x_test, y_test) = load_mnist(progress=False)
    assert x_train.shape == (60000, 28, 28) and y_test.shape == (10000,)
    assert np.bincount(y_test).tolist()[:3] == [980, 1135, 1032]
    assert listing(tmp_path / "mnist") == sorted(MNIST_FILES)
    for name, digest in MNIST_FILES.items():
        assert file_sha256(tmp_path / "mnist" / name) == digest
    assert len(mirror.requests) == 4

    load_mnist(progress=False)  # everything is cached now: no request at all
    assert len(mirror.requests) == 4


def test_mirrors_are_tried_in_order(mirror, tmp_path, dead_url):
    """Unreachable, 404 and truncated mirrors are skipped; the first good one wins."""
    urls = [
        dead_url + LABELS,
        mirror.url + "missing/" + LABELS,
        mirror.url + "truncated/good/" + LABELS,
        mirror.url + "good/" + LABELS,
        mirror.url + "never-reached/" + LABELS,
    ]
    path = fetch("mnist", LABELS, urls, MNIST_FILES[LABELS], data_dir=tmp_path, progress=False)
    assert file_sha256(path) == MNIST_FILES[LABELS]
    assert mirror.requests == ["/missing/" + LABELS, "/truncated/good/" + LABELS, "/good/" + LABELS]
    assert listing(tmp_path / "mnist") == [LABELS]


def test_corrupted_mirror_is_skipped_when_a_good_one_follows(mirror, tmp_path):
    urls = [mirror.url + "bad/" + LABELS, mirror.url + "good/" + LABELS]
    path = fetch("mnist", LABELS, urls, MNIST_FILES[LABELS], data_dir=tmp_path, progress=False)
    assert file_sha256(path) == MNIST_FILES[LABELS]
    assert len(mirror.requests) == 2


def test_progress_bar_goes_to_stderr(mirror, tmp_path, capsys):
    url = mirror.url + "good/" + LABELS
    fetch("mnist", LABELS, [url], MNIST_FILES[LABELS], data_dir=tmp_path / "a", progress=True)
    assert LABELS in capsys.readouterr().err
    fetch("mnist", LABELS, [url], MNIST_FILES[LABELS], data_dir=tmp_path / "b", progress=False)
    assert capsys.readouterr().err == ""


# ------------------------------------------------------------------ failures leave nothing behind


def test_corrupted_download_raises_and_leaves_no_file(mirror, tmp_path):
    url = mirror.url + "bad/" + LABELS
    actual = file_sha256(mirror.root / "bad" / LABELS)
    with pytest.raises(ChecksumError) as info:
        fetch("mnist", LABELS, [url], MNIST_FILES[LABELS], data_dir=tmp_path, progress=False)
    message = str(info.value)
    assert LABELS in message and url in message
    assert f"expected {MNIST_FILES[LABELS]}" in message and f"got sha256 {actual}" in message
    assert listing(tmp_path / "mnist") == []  # neither the file nor a temporary one


def test_load_mnist_with_a_corrupted_download_raises_and_writes_nothing(
    real_data, mirror, tmp_path
):
    """Three files are present; the only mirror serves a corrupted fourth."""
    folder = tmp_path / "mnist"
    folder.mkdir()
    for name in MNIST_FILES:
        if name != LABELS:
            (folder / name).symlink_to(real_data / "mnist" / name)
    with pytest.raises(ChecksumError, match=f"sha256 mismatch for {LABELS}"):
        load_mnist(tmp_path, mirrors=[mirror.url + "bad/"], progress=False)
    assert listing(folder) == sorted(name for name in MNIST_FILES if name != LABELS)
    assert mirror.requests == ["/bad/" + LABELS]


def test_connection_lost_mid_download_leaves_no_file(mirror, tmp_path):
    url = mirror.url + "truncated/good/" + LABELS
    with pytest.raises(DatasetNotFoundError, match="connection lost mid-download"):
        fetch("mnist", LABELS, [url], MNIST_FILES[LABELS], data_dir=tmp_path, progress=False)
    assert listing(tmp_path / "mnist") == []


def test_offline_message_names_every_missing_file_and_the_folder(tmp_path, dead_url):
    with pytest.raises(DatasetNotFoundError) as info:
        load_mnist(tmp_path, mirrors=[dead_url], progress=False)
    message = str(info.value)
    assert f"put these files in {tmp_path / 'mnist'}/" in message
    for name, digest in MNIST_FILES.items():
        assert f"{name}  (sha256 {digest})" in message
    assert dead_url in message and "HOMEML_DATA" in message
    assert not (tmp_path / "mnist").exists()  # being offline creates nothing


def test_offline_message_lists_only_the_files_still_missing(real_data, tmp_path, dead_url):
    folder = tmp_path / "mnist"
    folder.mkdir()
    present = ["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"]
    for name in present:
        (folder / name).symlink_to(real_data / "mnist" / name)
    with pytest.raises(DatasetNotFoundError) as info:
        load_mnist(tmp_path, mirrors=[dead_url], progress=False)
    listed = str(info.value).split("put these files in")[-1]
    assert "t10k-images-idx3-ubyte.gz" in listed and "t10k-labels-idx1-ubyte.gz" in listed
    assert not any(name in listed for name in present)


def test_download_false_never_touches_the_network(mirror, tmp_path):
    with pytest.raises(DatasetNotFoundError, match="download=False") as info:
        load_mnist(tmp_path, download=False, mirrors=[mirror.url + "good/"])
    assert str(tmp_path / "mnist") in str(info.value)
    assert mirror.requests == []


# ------------------------------------------------------------------ files already present


def test_present_file_is_trusted_by_default_and_hashed_with_verify(mirror, tmp_path):
    folder = tmp_path / "mnist"
    folder.mkdir()
    (folder / LABELS).write_bytes(b"a user's own (wrong) copy")
    url = mirror.url + "good/" + LABELS
    path = fetch("mnist", LABELS, [url], MNIST_FILES[LABELS], data_dir=tmp_path)
    assert path.read_bytes() == b"a user's own (wrong) copy" and mirror.requests == []

    actual = hashlib.sha256(b"a user's own (wrong) copy").hexdigest()
    with pytest.raises(ChecksumError) as info:
        fetch("mnist", LABELS, [url], MNIST_FILES[LABELS], data_dir=tmp_path, verify=True)
    message = str(info.value)
    assert str(path) in message and actual in message and MNIST_FILES[LABELS] in message
    assert path.read_bytes() == b"a user's own (wrong) copy"  # a user's file is never deleted
    assert mirror.requests == []


def test_present_good_file_passes_verify(real_data, mirror):
    path = fetch(
        "mnist", LABELS, [mirror.url], MNIST_FILES[LABELS], data_dir=real_data, verify=True
    )
    assert path == real_data / "mnist" / LABELS and mirror.requests == []


def test_empty_file_counts_as_missing_and_is_replaced(mirror, tmp_path):
    folder = tmp_path / "mnist"
    folder.mkdir()
    (folder / LABELS).write_bytes(b"")
    url = mirror.url + "good/" + LABELS
    path = fetch("mnist", LABELS, [url], MNIST_FILES[LABELS], data_dir=tmp_path, progress=False)
    assert file_sha256(path) == MNIST_FILES[LABELS]
    assert mirror.requests == ["/good/" + LABELS]


# ------------------------------------------------------------------ hostile mirrors


@pytest.mark.parametrize("bad", ["not a url", "htp://127.0.0.1/x", "http://[::1", "file"])
def test_a_malformed_mirror_url_is_reported_and_the_next_one_tried(mirror, tmp_path, bad):
    # regression: urllib's ValueError for a malformed URL stopped the loop
    good = mirror.url + "good/" + LABELS
    path = fetch(
        "mnist", LABELS, [bad, good], MNIST_FILES[LABELS], data_dir=tmp_path, progress=False
    )
    assert file_sha256(path) == MNIST_FILES[LABELS]
    with pytest.raises(DatasetNotFoundError, match="tried") as error:
        fetch("mnist", LABELS, [bad], MNIST_FILES[LABELS], data_dir=tmp_path / "2", progress=False)
    assert bad in str(error.value)


def test_a_stream_longer_than_the_file_is_cut_off(mirror, tmp_path):
    # regression: 150 MB were written before the digest rejected them
    size = (mirror.root / "good" / LABELS).stat().st_size
    url = mirror.url + "endless/good/" + LABELS
    with pytest.raises(DatasetNotFoundError, match=f"more than the expected {size} bytes"):
        fetch(
            "mnist",
            LABELS,
            [url],
            MNIST_FILES[LABELS],
            data_dir=tmp_path,
            progress=False,
            size=size,
        )
    assert listing(tmp_path / "mnist") == []


def test_a_mirror_announcing_another_size_is_skipped(mirror, tmp_path):
    size = (mirror.root / "good" / LABELS).stat().st_size
    with pytest.raises(DatasetNotFoundError, match=f"announces {size} bytes; the file has 10"):
        fetch(
            "mnist",
            LABELS,
            [mirror.url + "good/" + LABELS],
            MNIST_FILES[LABELS],
            data_dir=tmp_path,
            progress=False,
            size=10,
        )


def test_a_download_removes_what_an_interrupted_one_left(mirror, tmp_path):
    import subprocess
    import sys

    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()  # its pid now names no process
    folder = tmp_path / "mnist"
    folder.mkdir()
    stale = folder / f".{LABELS}.{child.pid}.abc123.part"
    stale.write_bytes(b"half a download")
    fetch(
        "mnist",
        LABELS,
        [mirror.url + "good/" + LABELS],
        MNIST_FILES[LABELS],
        data_dir=tmp_path,
        progress=False,
    )
    assert listing(folder) == [LABELS]
