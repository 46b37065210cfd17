"""k-nearest-neighbours classification and regression, and the unsupervised neighbour search."""

from __future__ import annotations

import numpy as np

from homeml.learn._param_validation import Interval, Real
from homeml.learn.base import (
    ClassifierMixin,
    RegressorMixin,
    encode_classes,
    require_two_classes,
)
from homeml.learn.neighbors._base import WEIGHTS_CONSTRAINT, NeighborsBase, neighbor_weights

_PARAMS_DOC = """
    n_neighbors : int, default=5
        Number of neighbours that vote (or are averaged).
    weights : {"uniform", "distance"} or callable, default="uniform"
        ``"distance"`` weighs each neighbour by 1/distance; a callable maps the (n_queries, k)
        distance array to weights of the same shape.
    algorithm : {"auto", "brute", "kd_tree", "ball_tree"}, default="auto"
        ``"brute"`` compares every pair (on BLAS); ``"kd_tree"`` (and ``"ball_tree"``, served by
        the same KD-tree) prunes the search; ``"auto"`` picks the tree in at most 15 dimensions.
    leaf_size : int, default=30
        Leaf size of the KD-tree.
    p : float, default=2
        Minkowski power (2: Euclidean, 1: Manhattan).
    metric : {"minkowski", "euclidean", "manhattan", "chebyshev", "cosine"}, default="minkowski"
        ``"cosine"`` needs brute force.
    metric_params : dict, default=None
        May hold ``"p"``.
    n_jobs : int, default=None
        Accepted for compatibility; the Numba kernels use all cores.
"""


class _KNeighborsBase(NeighborsBase):
    """The parameters the k-nearest-neighbours classifier and regressor share."""

    _homeml_constraints = {**NeighborsBase._homeml_constraints, "weights": WEIGHTS_CONSTRAINT}

    def _homeml_tags(self) -> dict:
        return {**super()._homeml_tags(), "sparse": self._sparse_ok()}

    def __init__(
        self,
        n_neighbors=5,
        *,
        weights="uniform",
        algorithm="auto",
        leaf_size=30,
        p=2,
        metric="minkowski",
        metric_params=None,
        n_jobs=None,
    ):
        self.n_neighbors = n_neighbors
        self.weights = weights
        self.algorithm = algorithm
        self.leaf_size = leaf_size
        self.p = p
        self.metric = metric
        self.metric_params = metric_params
        self.n_jobs = n_jobs


class KNeighborsClassifier(ClassifierMixin, _KNeighborsBase):
    __doc__ = f"""Classifier voting among the k nearest training samples.

    Parameters
    ----------{_PARAMS_DOC}
    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    effective_metric_ : str
    effective_metric_params_ : dict
    n_features_in_ : int
    n_samples_fit_ : int
    """

    def fit(self, X, y):
        """Store the training samples and their labels in the search index."""
        self._validate_params()
        X, y = self._validate_data(X, y, accept_sparse="csr")
        self.classes_, self._y = encode_classes(y, self)
        require_two_classes(self.classes_, self)
        return self._fit_index(X)

    def predict_proba(self, X):
        """Share of the (weighted) neighbour votes for each class, shape (n_queries, n_classes)."""
        dist, ind = self.kneighbors(X)
        weights = neighbor_weights(dist, self.weights)
        if weights is None:
            weights = np.ones(ind.shape)
        n_queries, n_classes = ind.shape[0], len(self.classes_)
        rows = np.repeat(np.arange(n_queries), ind.shape[1])
        votes = np.bincount(
            rows * n_classes + self._y[ind].ravel(),
            weights=weights.ravel(),
            minlength=n_queries * n_classes,
        ).reshape(n_queries, n_classes)
        total = votes.sum(axis=1, keepdims=True)
        total[total == 0] = 1.0
        return votes / total

    def predict(self, X):
        """The class with the most (weighted) votes; ties go to the first class in ``classes_``."""
        proba = self.predict_proba(X)
        return self.classes_[np.argmax(proba, axis=1)]


class KNeighborsRegressor(RegressorMixin, _KNeighborsBase):
    __doc__ = f"""Regressor averaging the targets of the k nearest training samples.

    Parameters
    ----------{_PARAMS_DOC}
    Attributes
    ----------
    effective_metric_ : str
    effective_metric_params_ : dict
    n_features_in_ : int
    n_samples_fit_ : int
    """

    def _homeml_tags(self) -> dict:
        return {**super()._homeml_tags(), "multi_output": True}

    def fit(self, X, y):
        """Store the training samples and their targets (1-D, or 2-D for several outputs)."""
        self._validate_params()
        X, y = self._validate_data(X, y, multi_output=True, y_numeric=True, accept_sparse="csr")
        self._y = y.astype(np.float64)
        return self._fit_index(X)

    def predict(self, X):
        """Mean (or weighted mean) of the neighbours' targets."""
        dist, ind = self.kneighbors(X)
        weights = neighbor_weights(dist, self.weights)
        neigh_y = self._y[ind]  # (n_queries, k) or (n_queries, k, n_outputs)
        if weights is None:
            return neigh_y.mean(axis=1)
        if neigh_y.ndim == 3:
            weights = weights[:, :, None]
        return (neigh_y * weights).sum(axis=1) / weights.sum(axis=1)


class NearestNeighbors(NeighborsBase):
    """Unsupervised neighbour search: k-nearest and radius queries over the fitted points.

    Parameters
    ----------
    n_neighbors : int, default=5
        Default number of neighbours of ``kneighbors``.
    radius : float, default=1.0
        Default radius of ``radius_neighbors``.
    algorithm, leaf_size, metric, p, metric_params, n_jobs
        As in :class:`KNeighborsClassifier`.

    Attributes
    ----------
    effective_metric_ : str
    effective_metric_params_ : dict
    n_features_in_ : int
    n_samples_fit_ : int
    """

    _homeml_constraints = {
        **NeighborsBase._homeml_constraints,
        "radius": [Interval(Real, 0, None, closed="left")],
    }

    def __init__(
        self,
        *,
        n_neighbors=5,
        radius=1.0,
        algorithm="auto",
        leaf_size=30,
        metric="minkowski",
        p=2,
        metric_params=None,
        n_jobs=None,
    ):
        self.n_neighbors = n_neighbors
        self.radius = radius
        self.algorithm = algorithm
        self.leaf_size = leaf_size
        self.metric = metric
        self.p = p
        self.metric_params = metric_params
        self.n_jobs = n_jobs

    def _homeml_tags(self) -> dict:
        return {**super()._homeml_tags(), "sparse": self._sparse_ok()}

    def fit(self, X, y=None):
        """Index the points ``X`` (``y`` is ignored)."""
        self._validate_params()
        return self._fit_index(self._validate_data(X, accept_sparse="csr"))

    def radius_neighbors(self, X=None, radius=None, return_distance=True, sort_results=False):
        """Fitted points within ``radius`` (inclusive) of each query.

        Parameters
        ----------
        X : array-like of shape (n_queries, n_features), default=None
            None means the fitted points, each excluded from its own neighbours.
        radius : float, default=None
            Defaults to the estimator's ``radius``.
        return_distance : bool, default=True
        sort_results : bool, default=False
            Sort each query's neighbours by distance.

        Returns
        -------
        neigh_dist : object ndarray of shape (n_queries,)
            Only with ``return_distance``: per query, an array of distances.
        neigh_ind : object ndarray of shape (n_queries,)
            Per query, an array of indices into the fitted points.
        """
        if sort_results and not return_distance:
            raise ValueError("return_distance must be True if sort_results is True.")
        return self._radius_neighbors(X, radius, return_distance, sort_results)

    def radius_neighbors_graph(self, X=None, radius=None, mode="connectivity", sort_results=False):
        """Dense (n_queries, n_samples_fit) matrix: 1 (or the distance) for points in radius.

        scikit-learn returns a SciPy CSR matrix; homeml returns a dense ndarray.
        """
        if mode not in ("connectivity", "distance"):
            raise ValueError(f'mode must be "connectivity" or "distance"; got "{mode}".')
        dist, ind = self._radius_neighbors(X, radius, True, False)
        graph = np.zeros((len(ind), self.n_samples_fit_))
        for i, (d, j) in enumerate(zip(dist, ind)):
            graph[i, j] = 1.0 if mode == "connectivity" else d
        return graph
