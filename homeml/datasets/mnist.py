"""MNIST and Fashion-MNIST: the IDX file parser and the loaders.

IDX is a tiny big-endian array format: a 4-byte magic number (two zero bytes, a type code, the
number of dimensions), one 4-byte unsigned size per dimension, then the values in C order. MNIST
ships images as ``0x00000803`` (unsigned bytes, 3 dimensions: N x 28 x 28) and labels as
``0x00000801`` (unsigned bytes, 1 dimension: N), each file gzipped.
"""

from __future__ import annotations

import gzip
import math
import zlib
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from homeml.datasets._download import fetch_all

IMAGES_MAGIC = 0x00000803
LABELS_MAGIC = 0x00000801

# type code -> big-endian dtype, as defined by the IDX format
_IDX_TYPES: dict[int, np.dtype] = {
    0x08: np.dtype(">u1"),
    0x09: np.dtype(">i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
_CHUNK = 1 << 22  # bytes per read of the payload

# The four files of both datasets, with the sha256 of the official .gz files
# (see shared/datasets/{mnist,fashion-mnist}/SOURCE.md).
MNIST_FILES = {
    "train-images-idx3-ubyte.gz": (
        "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609"
    ),
    "train-labels-idx1-ubyte.gz": (
        "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c"
    ),
    "t10k-images-idx3-ubyte.gz": (
        "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6"
    ),
    "t10k-labels-idx1-ubyte.gz": (
        "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6"
    ),
}
FASHION_MNIST_FILES = {
    "train-images-idx3-ubyte.gz": (
        "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84"
    ),
    "train-labels-idx1-ubyte.gz": (
        "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845"
    ),
    "t10k-images-idx3-ubyte.gz": (
        "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073"
    ),
    "t10k-labels-idx1-ubyte.gz": (
        "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5"
    ),
}

# Base URLs tried in order (file name appended). Tests and users may replace these lists or pass
# ``mirrors=`` to the loaders.
MNIST_MIRRORS = [
    "https://ossci-datasets.s3.amazonaws.com/mnist/",  # PyTorch's copy (torchvision)
    "https://storage.googleapis.com/cvdf-datasets/mnist/",  # TensorFlow tutorials' copy
]
FASHION_MNIST_MIRRORS = [
    "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/",
    "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",  # Zalando's own bucket
]

FASHION_MNIST_CLASSES = (
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
)


def _describe(magic: int) -> str:
    dtype = _IDX_TYPES.get((magic >> 8) & 0xFF)
    kind = dtype.newbyteorder("=").name if dtype is not None else "unknown type"
    ndim = magic & 0xFF
    return f"0x{magic:08X} ({kind}, {ndim} dimension{'s' if ndim != 1 else ''})"


def read_idx(path, magic: int | None = None) -> np.ndarray:
    """Read an IDX file (gzipped or raw) into a NumPy array.

    Parameters
    ----------
    path : str or os.PathLike
        The file. It is decompressed if it starts with the gzip signature or its name ends in
        ``.gz``.
    magic : int, optional
        The magic number the file must have, type code included (``0x00000803`` for MNIST images,
        ``0x00000801`` for labels). By default any valid IDX magic number is accepted.

    Returns
    -------
    numpy.ndarray
        A writable array in native byte order with the shape given by the header.

    Raises
    ------
    ValueError
        The file is not a valid IDX file: bad gzip data, a wrong or unexpected magic number, a
        truncated header, a payload shorter or longer than the header says. The message names the
        file and what was found.
    """
    path = Path(path)
    with open(path, "rb") as raw:
        gzipped = raw.read(2) == b"\x1f\x8b"
    if path.suffix == ".gz" and not gzipped:
        raise ValueError(f"{path}: not a gzip file (name ends in .gz but no gzip signature)")
    try:
        with gzip.open(path, "rb") if gzipped else open(path, "rb") as f:
            return _parse_idx(f, path, magic)
    except (gzip.BadGzipFile, EOFError, zlib.error) as err:
        raise ValueError(f"{path}: corrupted or truncated gzip data ({err})") from err


def _parse_idx(f, path: Path, expected_magic: int | None) -> np.ndarray:
    head = f.read(4)
    if len(head) < 4:
        raise ValueError(
            f"{path}: {len(head)} bytes long, too short for the 4-byte IDX magic number"
        )
    magic = int.from_bytes(head, "big")
    dtype = _IDX_TYPES.get(head[2])
    if head[:2] != b"\0\0" or dtype is None or head[3] == 0:
        raise ValueError(
            f"{path}: bad IDX magic number 0x{magic:08X}; expected two zero bytes, a type code "
            f"({', '.join(f'0x{c:02X}' for c in _IDX_TYPES)}) and a dimension count of at least 1"
        )
    if expected_magic is not None and magic != expected_magic:
        raise ValueError(
            f"{path}: magic number {_describe(magic)}, expected {_describe(expected_magic)}"
        )
    ndim = head[3]
    dims_bytes = f.read(4 * ndim)
    if len(dims_bytes) < 4 * ndim:
        raise ValueError(
            f"{path}: header truncated: {ndim} dimension sizes need {4 * ndim} bytes after the "
            f"magic number, found {len(dims_bytes)}"
        )
    shape = tuple(int.from_bytes(dims_bytes[i : i + 4], "big") for i in range(0, 4 * ndim, 4))
    expected = math.prod(shape) * dtype.itemsize
    # Read in chunks up to one byte past the expected size: a lying header cannot make us
    # allocate more than the file really holds.
    payload = bytearray()
    while len(payload) <= expected:
        chunk = f.read(min(_CHUNK, expected + 1 - len(payload)))
        if not chunk:
            break
        payload += chunk
    if len(payload) < expected:
        raise ValueError(
            f"{path}: payload truncated: header says shape {shape} of {dtype.newbyteorder('=')}"
            f" = {expected} bytes, but only {len(payload)} bytes follow the header"
        )
    if len(payload) > expected:
        extra = len(payload) - expected
        while chunk := f.read(_CHUNK):
            extra += len(chunk)
        raise ValueError(
            f"{path}: {extra} unexpected bytes after the payload: header says shape {shape} of "
            f"{dtype.newbyteorder('=')} = {expected} bytes"
        )
    array = np.frombuffer(payload, dtype=dtype).reshape(shape)
    if dtype.itemsize > 1:
        array = array.astype(dtype.newbyteorder("="))
    return array


def _load_split(paths: dict, images: str, labels: str, num_classes: int = 10):
    x = read_idx(paths[images], IMAGES_MAGIC)
    y = read_idx(paths[labels], LABELS_MAGIC)
    if x.shape[1:] != (28, 28):
        raise ValueError(f"{paths[images]}: images of shape {x.shape[1:]}, expected (28, 28)")
    if len(x) != len(y):
        raise ValueError(
            f"{paths[images]} holds {len(x)} images but {paths[labels]} holds {len(y)} labels; "
            "the counts must agree"
        )
    if y.size and y.max() >= num_classes:
        raise ValueError(
            f"{paths[labels]}: label {int(y.max())} found, expected labels 0..{num_classes - 1}"
        )
    return x, y.astype(np.int64)


def _load(dataset, files, mirrors, data_dir, download, verify, progress):
    paths = fetch_all(
        dataset,
        files,
        mirrors,
        data_dir=data_dir,
        download=download,
        verify=verify,
        progress=progress,
    )
    train = _load_split(paths, "train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz")
    test = _load_split(paths, "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")
    return train, test


def load_mnist(
    data_dir=None,
    download: bool = True,
    *,
    mirrors: Sequence[str] | None = None,
    verify: bool = False,
    progress: bool = True,
):
    """Load MNIST handwritten digits: ``(x_train, y_train), (x_test, y_test)``.

    The four original gzipped IDX files are looked for in ``<data_dir>/mnist/``; missing ones are
    downloaded from the first of ``MNIST_MIRRORS`` that delivers them (sha256-checked, written
    atomically).

    Parameters
    ----------
    data_dir : str or os.PathLike, optional
        Root data directory; default ``$HOMEML_DATA``, or ``~/.cache/homeml`` if unset.
    download : bool, default True
        Download missing files. If False, missing files raise ``DatasetNotFoundError``.
    mirrors : sequence of str, optional
        Base URLs to try in order instead of ``MNIST_MIRRORS``.
    verify : bool, default False
        Also check the sha256 of files already present (downloads are always checked; present
        files are always parsed strictly, so truncation and corruption are caught either way).
    progress : bool, default True
        Show a progress bar while downloading.

    Returns
    -------
    (x_train, y_train), (x_test, y_test) : tuple of tuples of numpy.ndarray
        Images as uint8 arrays of shape (N, 28, 28) with values 0..255 (N = 60000 for training,
        10000 for test); labels as int64 arrays of shape (N,) with values 0..9.

    Raises
    ------
    DatasetNotFoundError
        Files are missing and could not be downloaded; the message says which files to put where.
    ChecksumError
        A download (or, with ``verify=True``, a present file) has the wrong sha256.
    ValueError
        A file is corrupted or truncated, or image and label counts disagree.
    """
    mirrors = MNIST_MIRRORS if mirrors is None else mirrors
    return _load("mnist", MNIST_FILES, mirrors, data_dir, download, verify, progress)


def load_fashion_mnist(
    data_dir=None,
    download: bool = True,
    *,
    mirrors: Sequence[str] | None = None,
    verify: bool = False,
    progress: bool = True,
):
    """Load Fashion-MNIST (Zalando clothing images): ``(x_train, y_train), (x_test, y_test)``.

    Same layout as :func:`load_mnist`; files live in ``<data_dir>/fashion-mnist/`` and are
    downloaded from ``FASHION_MNIST_MIRRORS`` when missing. Label ``k`` is the class
    ``FASHION_MNIST_CLASSES[k]``.

    Parameters
    ----------
    data_dir : str or os.PathLike, optional
        Root data directory; default ``$HOMEML_DATA``, or ``~/.cache/homeml`` if unset.
    download : bool, default True
        Download missing files. If False, missing files raise ``DatasetNotFoundError``.
    mirrors : sequence of str, optional
        Base URLs to try in order instead of ``FASHION_MNIST_MIRRORS``.
    verify : bool, default False
        Also check the sha256 of files already present (downloads are always checked).
    progress : bool, default True
        Show a progress bar while downloading.

    Returns
    -------
    (x_train, y_train), (x_test, y_test) : tuple of tuples of numpy.ndarray
        uint8 images of shape (N, 28, 28) and int64 labels 0..9 of shape (N,), N = 60000 / 10000.

    Raises
    ------
    DatasetNotFoundError
        Files are missing and could not be downloaded; the message says which files to put where.
    ChecksumError
        A download (or, with ``verify=True``, a present file) has the wrong sha256.
    ValueError
        A file is corrupted or truncated, or image and label counts disagree.
    """
    mirrors = FASHION_MNIST_MIRRORS if mirrors is None else mirrors
    return _load(
        "fashion-mnist", FASHION_MNIST_FILES, mirrors, data_dir, download, verify, progress
    )
