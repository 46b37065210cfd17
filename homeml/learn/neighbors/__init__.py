"""Nearest neighbours: k-NN classification and regression, neighbour search and a KD-tree.

- ``_brute.py``: chunked brute-force search (BLAS distances, Numba top-k selection)
- ``_kd_tree.py``: :class:`KDTree`, built and queried with Numba
- ``_graph.py``: :func:`kneighbors_graph`, :func:`radius_neighbors_graph` (dense arrays)
- ``_base.py``: parameters, index fitting, ``kneighbors`` / ``radius_neighbors`` / graphs
- ``_estimators.py``: :class:`KNeighborsClassifier`, :class:`KNeighborsRegressor`,
  :class:`NearestNeighbors`
"""

from homeml.learn.neighbors._estimators import (
    KNeighborsClassifier,
    KNeighborsRegressor,
    NearestNeighbors,
)
from homeml.learn.neighbors._graph import kneighbors_graph, radius_neighbors_graph
from homeml.learn.neighbors._kd_tree import KDTree
from homeml.learn.neighbors._lof import LocalOutlierFactor

__all__ = ["KDTree", "KNeighborsClassifier", "KNeighborsRegressor", "NearestNeighbors"]
__all__ += ["kneighbors_graph", "radius_neighbors_graph"]
__all__ += ["LocalOutlierFactor"]
