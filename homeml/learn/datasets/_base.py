"""The small classic data sets shipped inside the package (``data/``, see ``data/SOURCES.md``).

Each file is a gzipped CSV: a header naming the columns (the features, then ``target``) and one
sample per line. The loaders return what scikit-learn's loaders of the same names return.
"""

from __future__ import annotations

import gzip
from importlib import resources

import numpy as np

from homeml.learn.base import Bunch

DATA_MODULE = "homeml.learn.datasets.data"

_DESCR = {
    "iris": """Iris plants
===========

150 flowers, 50 of each of three species of iris (setosa, versicolor, virginica), measured by
Edgar Anderson and published by R. A. Fisher (1936, "The use of multiple measurements in
taxonomic problems"). Four features, in cm: sepal length, sepal width, petal length, petal
width. Two values of sample 35 and 38 follow Fisher's article (the UCI copy once differed).
Source: UCI Machine Learning Repository, doi:10.24432/C56C76 (CC BY 4.0).
""",
    "wine": """Wine recognition
================

178 wines grown in one region of Italy by three cultivators (class_0, class_1, class_2: 59, 71
and 48 wines), with 13 chemical measurements each (alcohol, malic acid, ash, ..., proline).
Forina, M. et al., PARVUS. Source: UCI Machine Learning Repository, doi:10.24432/C5PC7J
(CC BY 4.0).
""",
    "breast_cancer": """Breast cancer Wisconsin (diagnostic)
====================================

569 fine-needle aspirates of breast masses, 212 malignant and 357 benign. For ten properties of
the cell nuclei in the image (radius, texture, perimeter, area, smoothness, compactness,
concavity, concave points, symmetry, fractal dimension) the mean, the standard error and the
worst (largest) value: 30 features. Wolberg, Street and Mangasarian (1995). Source: UCI Machine
Learning Repository, doi:10.24432/C5DW2B (CC BY 4.0).
""",
    "digits": """Optical recognition of handwritten digits
=========================================

1797 handwritten digits 0-9 as 8x8 images; each pixel counts the set pixels (0-16) of a 4x4
block of the original 32x32 bitmap. Alpaydin and Kaynak (1998). Source: the test part of the
UCI Machine Learning Repository data set, doi:10.24432/C50P49 (CC BY 4.0).
""",
    "diabetes": """Diabetes
========

442 diabetes patients: age, sex, body mass index, average blood pressure and six blood serum
measurements (s1-s6), and as target a measure of disease progression one year later. With
scaled=True each feature is centred and scaled to unit Euclidean norm (standard deviation
times the square root of the number of samples). Efron, Hastie, Johnstone and Tibshirani (2004),
"Least Angle Regression", Annals of Statistics 32(2); data published by the authors with the
article.
""",
}


def _read(name: str):
    """(header, values) of ``data/<name>.csv.gz``."""
    path = resources.files("homeml.learn.datasets") / "data" / f"{name}.csv.gz"
    with path.open("rb") as raw, gzip.open(raw, "rt", encoding="utf-8") as text:
        header = text.readline().rstrip("\n").split(",")
        values = np.loadtxt(text, delimiter=",", dtype=np.float64, ndmin=2)
    return header, values


def _framed(name, data, target, feature_names):
    """scikit-learn's ``as_frame=True`` layout: one frame, ``X`` its features, ``y`` its target."""
    try:
        import pandas as pd
    except ImportError as error:  # pragma: no cover - pandas is a test dependency
        raise ImportError(f"{name} with as_frame=True requires pandas.") from error
    names = list(feature_names)
    frame = pd.concat([pd.DataFrame(data, columns=names), pd.DataFrame({"target": target})], axis=1)
    return frame, frame[names], frame["target"]


def _load(name, *, return_X_y, as_frame, target_names):
    header, values = _read(name)
    feature_names = header[:-1]
    data, target = values[:, :-1], values[:, -1].astype(int)
    frame = None
    if as_frame:
        frame, data, target = _framed(f"load_{name}", data, target, feature_names)
    if return_X_y:
        return data, target
    return Bunch(
        data=data,
        target=target,
        frame=frame,
        target_names=target_names,
        DESCR=_DESCR[name],
        feature_names=feature_names,
        filename=f"{name}.csv.gz",
        data_module=DATA_MODULE,
    )


def load_iris(*, return_X_y=False, as_frame=False):
    """The iris data set: 150 flowers, 4 features, 3 classes.

    Parameters
    ----------
    return_X_y : bool, default=False
        Return ``(data, target)`` instead of a Bunch.
    as_frame : bool, default=False
        ``data`` as a pandas DataFrame, ``target`` a Series and ``frame`` both together.

    Returns
    -------
    Bunch with ``data``, ``target``, ``frame``, ``target_names``, ``feature_names``, ``DESCR``,
    ``filename`` and ``data_module``; or ``(data, target)``.
    """
    names = np.array(["setosa", "versicolor", "virginica"])
    return _load("iris", return_X_y=return_X_y, as_frame=as_frame, target_names=names)


def load_wine(*, return_X_y=False, as_frame=False):
    """The wine data set: 178 wines, 13 features, 3 classes (parameters as :func:`load_iris`).

    Returns
    -------
    Bunch or ``(data, target)``, as :func:`load_iris`.
    """
    names = np.array(["class_0", "class_1", "class_2"])
    bunch = _load("wine", return_X_y=return_X_y, as_frame=as_frame, target_names=names)
    if isinstance(bunch, Bunch):  # (scikit-learn names no file for this one)
        del bunch["filename"], bunch["data_module"]
    return bunch


def load_breast_cancer(*, return_X_y=False, as_frame=False):
    """The breast cancer Wisconsin (diagnostic) data set: 569 samples, 30 features, 2 classes
    (0 malignant, 1 benign; parameters as :func:`load_iris`).

    Returns
    -------
    Bunch or ``(data, target)``, as :func:`load_iris`; ``feature_names`` is an array.
    """
    names = np.array(["malignant", "benign"])
    bunch = _load("breast_cancer", return_X_y=return_X_y, as_frame=as_frame, target_names=names)
    if isinstance(bunch, Bunch):
        bunch["feature_names"] = np.array(bunch["feature_names"])
    return bunch


def load_digits(*, n_class=10, return_X_y=False, as_frame=False):
    """The digits data set: 1797 8x8 images of the digits 0-9 (64 features).

    Parameters
    ----------
    n_class : int, default=10
        Keep the digits ``0 .. n_class - 1``.
    return_X_y, as_frame : bool, default=False
        As in :func:`load_iris`.

    Returns
    -------
    Bunch with ``data``, ``target``, ``frame``, ``feature_names``, ``target_names``, ``images``
    (n_samples, 8, 8) and ``DESCR``; or ``(data, target)``.
    """
    if not 0 <= n_class <= 10 or not isinstance(n_class, (int, np.integer)):
        raise ValueError(f"n_class must be an int in [0, 10]; got {n_class!r}.")

    header, values = _read("digits")
    feature_names = header[:-1]
    target = values[:, -1].astype(int)
    data, target = values[target < n_class, :-1], target[target < n_class]
    images = data.reshape(-1, 8, 8)
    frame = None
    if as_frame:
        frame, data, target = _framed("load_digits", data, target, feature_names)
    if return_X_y:
        return data, target
    return Bunch(
        data=data,
        target=target,
        frame=frame,
        feature_names=feature_names,
        target_names=np.arange(10),
        images=images,
        DESCR=_DESCR["digits"],
    )


def load_diabetes(*, return_X_y=False, as_frame=False, scaled=True):
    """The diabetes data set: 442 patients, 10 features, a real-valued target.

    Parameters
    ----------
    return_X_y, as_frame : bool, default=False
        As in :func:`load_iris`.
    scaled : bool, default=True
        Centre each feature and divide it by its standard deviation times
        ``sqrt(n_samples)`` (each column then has unit Euclidean norm).

    Returns
    -------
    Bunch with ``data``, ``target``, ``frame``, ``feature_names``, ``DESCR``,
    ``data_filename``, ``target_filename`` and ``data_module``; or ``(data, target)``.
    """
    header, values = _read("diabetes")
    feature_names = header[:-1]
    data, target = values[:, :-1], values[:, -1]
    if scaled:
        mean, std = data.mean(axis=0), data.std(axis=0)
        data = (data - mean) / std / data.shape[0] ** 0.5
    frame = None
    if as_frame:
        frame, data, target = _framed("load_diabetes", data, target, feature_names)
    if return_X_y:
        return data, target
    return Bunch(
        data=data,
        target=target,
        frame=frame,
        DESCR=_DESCR["diabetes"],
        feature_names=feature_names,
        data_filename="diabetes.csv.gz",
        target_filename="diabetes.csv.gz",
        data_module=DATA_MODULE,
    )
