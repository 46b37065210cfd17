"""MNIST / Fashion-MNIST loaders on the real files, and the IDX parser on broken ones."""

from __future__ import annotations

import gzip
import hashlib
import os
import struct

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from homeml.datasets import (
    FASHION_MNIST_CLASSES,
    load_fashion_mnist,
    load_mnist,
    read_idx,
)
from homeml.datasets.mnist import MNIST_FILES

# Published per-class counts of MNIST (LeCun et al.), digits 0..9.
MNIST_TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
MNIST_TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
# sha256 of the decompressed IDX files (shared/datasets/*/SOURCE.md)
MNIST_RAW_SHA256 = {
    "train-images": "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
    "t10k-labels": "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
}
FASHION_RAW_SHA256 = {
    "train-images": "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
    "t10k-labels": "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
}


@pytest.fixture(scope="module")
def mnist(real_data):
    return load_mnist(real_data, download=False)


@pytest.fixture(scope="module")
def fashion(real_data):
    return load_fashion_mnist(real_data, download=False)


def idx_bytes(array: np.ndarray, code: int) -> bytes:
    """Encode an array as an IDX file (big-endian), the way the format's authors did."""
    header = struct.pack(">BBBB", 0, 0, code, array.ndim)
    header += b"".join(struct.pack(">I", n) for n in array.shape)
    return header + array.astype(array.dtype.newbyteorder(">")).tobytes()


# ------------------------------------------------------------------ real data


@pytest.mark.parametrize("which", ["mnist", "fashion"])
def test_shapes_dtypes_and_label_range(which, request):
    (x_train, y_train), (x_test, y_test) = request.getfixturevalue(which)
    assert x_train.shape == (60000, 28, 28) and x_test.shape == (10000, 28, 28)
    assert y_train.shape == (60000,) and y_test.shape == (10000,)
    assert x_train.dtype == np.uint8 and x_test.dtype == np.uint8
    assert y_train.dtype == np.int64 and y_test.dtype == np.int64
    for y in (y_train, y_test):
        assert y.min() == 0 and y.max() == 9
    assert x_train.max() == 255 and x_train.min() == 0
    assert x_train.flags.writeable and y_train.flags.writeable


def test_mnist_class_counts_and_pixel_mean(mnist):
    (x_train, y_train), (x_test, y_test) = mnist
    assert np.bincount(y_train).tolist() == MNIST_TRAIN_COUNTS
    assert np.bincount(y_test).tolist() == MNIST_TEST_COUNTS
    # the well-known normalisation constants: mean 0.1307, std 0.3081 (of pixels / 255)
    assert x_train.mean() == pytest.approx(33.318421, abs=1e-5)
    counts = np.bincount(x_train.ravel(), minlength=256)  # pixel-value histogram: a cheap std
    values = np.arange(256) / 255.0
    mean = counts @ values / counts.sum()
    assert np.sqrt(counts @ (values - mean) ** 2 / counts.sum()) == pytest.approx(0.3081, abs=1e-4)
    assert x_test.mean() == pytest.approx(33.791224, abs=1e-5)
    assert y_train[:10].tolist() == [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]


def test_fashion_class_counts_pixel_mean_and_names(fashion):
    (x_train, y_train), (x_test, y_test) = fashion
    assert np.bincount(y_train).tolist() == [6000] * 10
    assert np.bincount(y_test).tolist() == [1000] * 10
    assert x_train.mean() == pytest.approx(72.940352, abs=1e-5)  # 0.2860 * 255
    assert len(FASHION_MNIST_CLASSES) == 10 == len(set(FASHION_MNIST_CLASSES))
    assert FASHION_MNIST_CLASSES[0] == "T-shirt/top" and FASHION_MNIST_CLASSES[9] == "Ankle boot"
    assert y_train[:5].tolist() == [9, 0, 0, 3, 0]  # ankle boot, t-shirt, t-shirt, dress, ...


@pytest.mark.parametrize(
    "which, digests", [("mnist", MNIST_RAW_SHA256), ("fashion", FASHION_RAW_SHA256)]
)
def test_arrays_hold_exactly_the_published_bytes(which, digests, request):
    """Re-encoding the parsed arrays gives the published sha256 of the decompressed files."""
    (x_train, _), (_, y_test) = request.getfixturevalue(which)
    assert hashlib.sha256(idx_bytes(x_train, 0x08)).hexdigest() == digests["train-images"]
    encoded = idx_bytes(y_test.astype(np.uint8), 0x08)
    assert hashlib.sha256(encoded).hexdigest() == digests["t10k-labels"]


def test_raw_and_gzipped_files_read_the_same(real_data, tmp_path):
    for name in ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"):
        gz = real_data / "mnist" / name
        raw = tmp_path / name.removesuffix(".gz")
        raw.write_bytes(gzip.decompress(gz.read_bytes()))
        np.testing.assert_array_equal(read_idx(raw), read_idx(gz))
    assert read_idx(raw, magic=0x00000801).shape == (10000,)


@given(
    code_dtype=st.sampled_from(
        [
            (0x08, np.uint8),
            (0x09, np.int8),
            (0x0B, np.int16),
            (0x0C, np.int32),
            (0x0D, np.float32),
            (0x0E, np.float64),
        ]
    ),
    shape=st.lists(st.integers(0, 5), min_size=1, max_size=4),
    compress=st.booleans(),
    seed=st.integers(0, 2**32 - 1),
)
def test_read_idx_round_trips_every_type(code_dtype, shape, compress, seed, tmp_path_factory):
    code, dtype = code_dtype
    rng = np.random.default_rng(seed)
    array = (rng.standard_normal(shape) * 1000).astype(dtype)
    data = idx_bytes(array, code)
    path = tmp_path_factory.mktemp("idx") / ("a.idx.gz" if compress else "a.idx")
    path.write_bytes(gzip.compress(data) if compress else data)
    result = read_idx(path)
    assert result.dtype == np.dtype(dtype) and result.dtype.isnative
    assert result.shape == tuple(shape)
    np.testing.assert_array_equal(result, array)


# ------------------------------------------------------------------ broken files


@pytest.fixture(scope="module")
def labels_raw(real_data) -> bytes:
    """The real, decompressed MNIST test labels (10008 bytes)."""
    return gzip.decompress((real_data / "mnist" / "t10k-labels-idx1-ubyte.gz").read_bytes())


def _flip(data: bytes, index: int) -> bytes:
    out = bytearray(data)
    out[index] ^= 0xFF
    return bytes(out)


BROKEN = {
    # name: (file name, make bytes from the raw labels, phrase the message must contain)
    "bad magic": ("labels.idx", lambda raw: _flip(raw, 0), "bad IDX magic number 0xFF000801"),
    "unknown type": ("labels.idx", lambda raw: b"\0\0\x07\x01" + raw[4:], "bad IDX magic"),
    "zero dims": ("labels.idx", lambda raw: b"\0\0\x08\0" + raw[4:], "bad IDX magic"),
    "empty": ("labels.idx", lambda raw: b"", "0 bytes long"),
    "short header": ("labels.idx", lambda raw: raw[:6], "header truncated"),
    "short payload": ("labels.idx", lambda raw: raw[:-10], "only 9990 bytes follow the header"),
    "short payload gz": (
        "labels.idx.gz",
        lambda raw: gzip.compress(raw[:-1]),
        "payload truncated",
    ),
    "extra bytes": ("labels.idx", lambda raw: raw + b"\0" * 3, "3 unexpected bytes"),
    "truncated gzip": (
        "labels.gz",
        lambda raw: gzip.compress(raw)[:-100],
        "corrupted or truncated gzip",
    ),
    "corrupted gzip": (
        "labels.gz",
        lambda raw: _flip(gzip.compress(raw), 200),
        "corrupted or truncated gzip",
    ),
    "gz name, not gzip": ("labels.gz", lambda raw: raw, "not a gzip file"),
}


@pytest.mark.parametrize("case", list(BROKEN))
def test_broken_files_raise_value_error_naming_file_and_problem(case, labels_raw, tmp_path):
    name, make, phrase = BROKEN[case]
    path = tmp_path / name
    path.write_bytes(make(labels_raw))
    with pytest.raises(ValueError) as info:
        read_idx(path)
    message = str(info.value)
    assert str(path) in message
    assert phrase in message


def test_wrong_kind_of_file_names_both_magic_numbers(real_data):
    path = real_data / "mnist" / "t10k-labels-idx1-ubyte.gz"
    with pytest.raises(
        ValueError,
        match=r"0x00000801 \(uint8, 1 dimension\), expected "
        r"0x00000803 \(uint8, 3 dimensions\)",
    ):
        read_idx(path, magic=0x00000803)


def _data_dir_with(real_data, tmp_path, replacements: dict) -> os.PathLike:
    """A data dir whose mnist/ links to the real files except those in ``replacements``."""
    folder = tmp_path / "mnist"
    folder.mkdir()
    for name in MNIST_FILES:
        if name in replacements:
            (folder / name).write_bytes(replacements[name])
        else:
            (folder / name).symlink_to(real_data / "mnist" / name)
    return tmp_path


def test_loader_rejects_label_image_count_mismatch(real_data, labels_raw, tmp_path):
    labels = np.frombuffer(labels_raw[8:], dtype=np.uint8)[:-1]  # 9999 labels
    bad = {"t10k-labels-idx1-ubyte.gz": gzip.compress(idx_bytes(labels, 0x08))}
    root = _data_dir_with(real_data, tmp_path, bad)
    with pytest.raises(ValueError, match="10000 images but .* 9999 labels"):
        load_mnist(root, download=False)


def test_loader_rejects_out_of_range_label(real_data, labels_raw, tmp_path):
    labels = np.frombuffer(labels_raw[8:], dtype=np.uint8).copy()
    labels[7] = 10
    bad = {"t10k-labels-idx1-ubyte.gz": gzip.compress(idx_bytes(labels, 0x08))}
    root = _data_dir_with(real_data, tmp_path, bad)
    with pytest.raises(ValueError, match="label 10 found, expected labels 0..9"):
        load_mnist(root, download=False)


def test_loader_catches_truncated_local_copy_without_verify(real_data, tmp_path):
    """A truncated .gz in the data dir is not re-hashed by default, but the parser refuses it."""
    name = "t10k-images-idx3-ubyte.gz"
    truncated = (real_data / "mnist" / name).read_bytes()[:500_000]
    root = _data_dir_with(real_data, tmp_path, {name: truncated})
    with pytest.raises(ValueError, match=f"{name}: corrupted or truncated gzip"):
        load_mnist(root, download=False)


def test_loader_rejects_images_of_wrong_size(real_data, tmp_path):
    images = np.zeros((10000, 28, 27), dtype=np.uint8)
    bad = {"t10k-images-idx3-ubyte.gz": gzip.compress(idx_bytes(images, 0x08))}
    root = _data_dir_with(real_data, tmp_path, bad)
    with pytest.raises(ValueError, match=r"images of shape \(28, 27\), expected \(28, 28\)"):
        load_mnist(root, download=False)
