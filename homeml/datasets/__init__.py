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
from homeml.datasets.labelled_text import load_sentiment, load_sms_spam
from homeml.datasets.mnist import (
    FASHION_MNIST_CLASSES,
    load_fashion_mnist,
    load_mnist,
    read_idx,
)
from homeml.datasets.mnist_canvas import (
    CanvasScenes,
    load_mnist_canvas,
    make_canvas_scenes,
    save_coco,
    to_coco,
)
from homeml.datasets.movielens import (
    MOVIELENS_RELEASES,
    MovieLens,
    load_movielens,
    make_ratings,
)
from homeml.datasets.text import (
    build_dataset,
    build_sequences,
    get_batch,
    load_names,
    load_sentence_pairs,
    load_shakespeare,
    split_names,
    split_sentence_pairs,
)

__all__ = [
    "FASHION_MNIST_CLASSES",
    "MOVIELENS_RELEASES",
    "MovieLens",
    "CanvasScenes",
    "ChecksumError",
    "DatasetNotFoundError",
    "build_dataset",
    "build_sequences",
    "data_dir",
    "fetch",
    "get_batch",
    "load_fashion_mnist",
    "load_mnist",
    "load_mnist_canvas",
    "make_canvas_scenes",
    "load_movielens",
    "load_names",
    "load_sentiment",
    "load_sms_spam",
    "load_sentence_pairs",
    "load_shakespeare",
    "make_ratings",
    "read_idx",
    "save_coco",
    "split_names",
    "split_sentence_pairs",
    "to_coco",
]
