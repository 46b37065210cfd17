"""Real datasets: local cache under ``$HOMEML_DATA``, checked downloads, and parsers.

>>> from homeml.datasets import load_mnist
>>> (x_train, y_train), (x_test, y_test) = load_mnist()  # doctest: +SKIP
"""

from homeml.datasets._download import (
    ChecksumError,
    DatasetNotFoundError,
    data_dir,
    fetch,
)
from homeml.datasets.mnist import (
    FASHION_MNIST_CLASSES,
    load_fashion_mnist,
    load_mnist,
    read_idx,
)

__all__ = [
    "FASHION_MNIST_CLASSES",
    "ChecksumError",
    "DatasetNotFoundError",
    "data_dir",
    "fetch",
    "load_fashion_mnist",
    "load_mnist",
    "read_idx",
]
