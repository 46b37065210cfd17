"""Toy data sets, shaped like ``sklearn.datasets``: synthetic generators that draw what
scikit-learn's draw for the same ``random_state``, and small classic data sets shipped with the
package (their sources and licences are in ``data/SOURCES.md``).
"""

from homeml.learn.datasets._base import (
    load_breast_cancer,
    load_diabetes,
    load_digits,
    load_iris,
    load_wine,
)
from homeml.learn.datasets._make_classification import make_classification
from homeml.learn.datasets._samples_generator import (
    make_blobs,
    make_circles,
    make_friedman1,
    make_low_rank_matrix,
    make_moons,
    make_regression,
    make_s_curve,
    make_swiss_roll,
)

__all__ = [
    "load_breast_cancer",
    "load_diabetes",
    "load_digits",
    "load_iris",
    "load_wine",
    "make_blobs",
    "make_circles",
    "make_classification",
    "make_friedman1",
    "make_low_rank_matrix",
    "make_moons",
    "make_regression",
    "make_s_curve",
    "make_swiss_roll",
]
