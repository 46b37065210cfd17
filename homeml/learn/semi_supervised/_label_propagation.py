"""Graph-based semi-supervised classification: ``LabelPropagation`` and ``LabelSpreading``.

Every sample is a node of a similarity graph (an RBF kernel on all pairs, or each sample's
k nearest neighbours); the labels of the labelled nodes flow along the edges until the label
distributions stop changing. Propagation moves labels with the row-normalised graph and clamps
the labelled nodes to their labels (Zhu and Ghahramani, 2002); spreading uses the symmetrically
normalised graph ``D^-1/2 W D^-1/2`` and pulls every node back towards its initial label with
weight ``1 - alpha`` (Zhou et al., 2004).

A k-nearest-neighbour graph is kept as neighbour indices and edge weights, shape
(n_samples, n_neighbors), so a 5,000-sample problem never builds a 5,000 x 5,000 matrix.
"""

from __future__ import annotations

import numbers
import warnings

import numpy as np

from homeml.learn._param_validation import Integral, Interval, Real, StrOptions
from homeml.learn.base import (
    BaseEstimator,
    ClassifierMixin,
    ConvergenceWarning,
    check_classification_targets,
    check_is_fitted,
)
from homeml.learn.metrics.pairwise import euclidean_distances, rbf_kernel
from homeml.learn.neighbors import NearestNeighbors


def unlabeled_mask(y) -> np.ndarray:
    """True where ``y`` holds the unlabelled marker -1 (object arrays may mix -1 and strings)."""
    if y.dtype.kind == "O":
        return np.array([isinstance(v, numbers.Number) and v == -1 for v in y], dtype=bool)
    if y.dtype.kind in "USV":
        return np.zeros(y.shape[0], dtype=bool)  # a string array cannot hold the number -1
    return y == -1


class _KnnGraph:
    """A sparse graph as each row's neighbour indices and edge weights, both (n, k)."""

    def __init__(self, indices, weights):
        self.indices, self.weights = indices, weights

    def __matmul__(self, L):
        return np.einsum("ik,ikc->ic", self.weights, L[self.indices])


class BaseLabelPropagation(ClassifierMixin, BaseEstimator):
    """What LabelPropagation and LabelSpreading share: kernels, the iteration, predictions."""

    _variant = "propagation"

    _homeml_constraints = {
        "kernel": [StrOptions({"knn", "rbf"}), callable],
        "gamma": [Interval(Real, 0, None, closed="left")],
        "n_neighbors": [Interval(Integral, 1, None, closed="left")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
    }

    def __init__(
        self, kernel="rbf", *, gamma=20, n_neighbors=7, alpha=1, max_iter=30, tol=1e-3, n_jobs=None
    ):
        self.kernel = kernel
        self.gamma = gamma
        self.n_neighbors = n_neighbors
        self.alpha = alpha
        self.max_iter = max_iter
        self.tol = tol
        self.n_jobs = n_jobs

    # -- parameters and kernels --------------------------------------------------------------

    def _kernel_matrix(self, A, B):
        """Weights (len(A), len(B)) of the rbf or callable kernel; B is A in fit."""
        if self.kernel == "rbf":
            return rbf_kernel(A, B, gamma=self.gamma)
        weights = self.kernel(A, B)
        weights = weights.toarray() if hasattr(weights, "toarray") else np.asarray(weights)
        if weights.shape != (A.shape[0], B.shape[0]):
            raise ValueError(
                f"The kernel callable must return a ({A.shape[0]}, {B.shape[0]}) weight matrix; "
                f"got shape {weights.shape}."
            )
        return weights.astype(np.float64)

    def _knn_indices(self, X):
        """Each fitted sample's n_neighbors nearest fitted samples, itself included (n, k)."""
        k = min(self.n_neighbors, X.shape[0])
        self._nn = NearestNeighbors(n_neighbors=k, n_jobs=self.n_jobs).fit(X)
        return self._nn.kneighbors(X, return_distance=False)

    # -- fit ------------------------------------------------------------------------------------

    def fit(self, X, y):
        """Learn the label distribution of every sample of ``X`` from the labelled ones.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
            Class labels, with -1 for the unlabelled samples (an object array may mix string
            labels and -1).

        Returns
        -------
        self
        """
        self._validate_params()
        X, y = self._validate_data(X, y, dtype=np.float64)
        check_classification_targets(y)
        unlabeled = unlabeled_mask(y)
        if unlabeled.all():
            raise ValueError(
                f"{type(self).__name__} needs at least one labelled sample; every y is -1."
            )
        self.X_ = X
        self.classes_, codes = np.unique(y[~unlabeled], return_inverse=True)
        n_samples, n_classes = X.shape[0], len(self.classes_)
        graph = self._build_graph()

        initial = np.zeros((n_samples, n_classes))
        initial[np.flatnonzero(~unlabeled), codes.reshape(-1)] = 1.0
        if self._variant == "propagation":
            clamped = initial  # labelled rows are reset to their one-hot label every step
        else:
            clamped = (1.0 - self.alpha) * initial  # spreading's pull back to the labels

        L, previous = initial, np.zeros_like(initial)
        n_iter = 0
        while np.abs(L - previous).sum() >= self.tol:  # total L1 change of the last step
            if n_iter == self.max_iter:
                warnings.warn(
                    f"max_iter={self.max_iter} was reached without convergence.",
                    ConvergenceWarning,
                    stacklevel=2,
                )
                break
            previous = L
            L = graph @ L
            if self._variant == "propagation":
                L = _normalize_rows(L)
                L = np.where(unlabeled[:, None], L, clamped)
            else:
                L = self.alpha * L + clamped
            n_iter += 1
        self.n_iter_ = n_iter
        self.label_distributions_ = _normalize_rows(L)
        self.transduction_ = self.classes_[np.argmax(self.label_distributions_, axis=1)]
        return self

    # -- predictions ------------------------------------------------------------------------------

    def predict_proba(self, X):
        """Class probabilities of new samples: their kernel-weighted (or k-nearest) average of
        the fitted label distributions.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples, n_classes)
        """
        check_is_fitted(self)
        X = self._validate_data(X, reset=False, dtype=np.float64)
        if self.kernel == "knn":
            neighbors = self._nn.kneighbors(X, return_distance=False)
            probabilities = self.label_distributions_[neighbors].sum(axis=1)
        elif self.kernel == "rbf":
            # shifting every row's exponent by its largest value changes no ratio but keeps the
            # nearest fitted sample's weight at 1, so far-away queries do not underflow to 0/0
            D = euclidean_distances(X, self.X_, squared=True)
            D -= D.min(axis=1, keepdims=True)
            D *= -self.gamma
            probabilities = np.exp(D, out=D) @ self.label_distributions_
        else:
            probabilities = self._kernel_matrix(self.X_, X).T @ self.label_distributions_
        totals = probabilities.sum(axis=1, keepdims=True)
        with np.errstate(invalid="ignore", divide="ignore"):
            probabilities = probabilities / totals
        # a query with no weight on any labelled mass gets no preference rather than NaN
        probabilities[(totals == 0).ravel()] = 1.0 / len(self.classes_)
        return probabilities

    def predict(self, X):
        """The most probable class of each sample of ``X``."""
        probabilities = self.predict_proba(X)  # checks first that the model is fitted
        return self.classes_[np.argmax(probabilities, axis=1)]


def _normalize_rows(L):
    totals = L.sum(axis=1, keepdims=True)
    totals[totals == 0] = 1.0
    return L / totals


class LabelPropagation(BaseLabelPropagation):
    """Label propagation: labels flow along the row-normalised similarity graph, the labelled
    samples held at their labels.

    Parameters
    ----------
    kernel : {"rbf", "knn"} or callable, default="rbf"
        Similarity graph: ``exp(-gamma * |x - x'|^2)`` on all pairs, each sample linked to its
        ``n_neighbors`` nearest samples (itself included), or a function ``kernel(A, B)``
        returning the (len(A), len(B)) weight matrix.
    gamma : float, default=20
        Width of the rbf kernel.
    n_neighbors : int, default=7
        Neighbours of the knn kernel.
    max_iter : int, default=1000
        Most propagation steps.
    tol : float, default=1e-3
        Stop when the label distributions change by less than this in total (L1).
    n_jobs : int or None
        Blocks of neighbour queries run at once, through ``joblib.Parallel`` (None: 1 unless a
        joblib ``parallel_backend`` says otherwise).

    Attributes
    ----------
    X_ : ndarray of shape (n_samples, n_features)
    classes_ : ndarray of shape (n_classes,)
    label_distributions_ : ndarray of shape (n_samples, n_classes)
    transduction_ : ndarray of shape (n_samples,)
        The label given to each fitted sample.
    n_iter_ : int
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        Only when fitted on a DataFrame with string column names.
    """

    _variant = "propagation"

    def __init__(
        self, kernel="rbf", *, gamma=20, n_neighbors=7, max_iter=1000, tol=1e-3, n_jobs=None
    ):
        super().__init__(
            kernel=kernel,
            gamma=gamma,
            n_neighbors=n_neighbors,
            alpha=None,
            max_iter=max_iter,
            tol=tol,
            n_jobs=n_jobs,
        )

    def _build_graph(self):
        """Transition matrix: each row of the affinities divided by its sum."""
        if self.kernel == "knn":
            indices = self._knn_indices(self.X_)
            return _KnnGraph(indices, np.full(indices.shape, 1.0 / indices.shape[1]))
        W = self._kernel_matrix(self.X_, self.X_)
        W /= W.sum(axis=1, keepdims=True)
        return W


class LabelSpreading(BaseLabelPropagation):
    """Label spreading: labels flow along the normalised graph ``D^-1/2 W D^-1/2`` (no self
    loops) while every sample keeps a pull ``1 - alpha`` towards its given label, so noisy
    labels can change.

    Parameters
    ----------
    kernel : {"rbf", "knn"} or callable, default="rbf"
        As in :class:`LabelPropagation`.
    gamma : float, default=20
    n_neighbors : int, default=7
    alpha : float in (0, 1), default=0.2
        Share of a sample's new distribution taken from its neighbours (the rest from its
        initial label).
    max_iter : int, default=30
    tol : float, default=1e-3
    n_jobs : int or None
        Blocks of neighbour queries run at once, through ``joblib.Parallel`` (None: 1 unless a
        joblib ``parallel_backend`` says otherwise).

    Attributes
    ----------
    X_, classes_, label_distributions_, transduction_, n_iter_, n_features_in_
        As in :class:`LabelPropagation`.
    """

    _variant = "spreading"

    _homeml_constraints = {
        **BaseLabelPropagation._homeml_constraints,
        "alpha": [Interval(Real, 0, 1, closed="neither")],
    }

    def __init__(
        self,
        kernel="rbf",
        *,
        gamma=20,
        n_neighbors=7,
        alpha=0.2,
        max_iter=30,
        tol=1e-3,
        n_jobs=None,
    ):
        super().__init__(
            kernel=kernel,
            gamma=gamma,
            n_neighbors=n_neighbors,
            alpha=alpha,
            max_iter=max_iter,
            tol=tol,
            n_jobs=n_jobs,
        )

    def _build_graph(self):
        """``D^-1/2 W D^-1/2`` with the diagonal of W ignored; D holds the column sums (in-degree
        for the asymmetric knn graph), an isolated node counting as degree 1."""
        if self.kernel == "knn":
            indices = self._knn_indices(self.X_)
            n = indices.shape[0]
            edges = (indices != np.arange(n)[:, None]).astype(np.float64)
            degree = np.bincount(indices.ravel(), weights=edges.ravel(), minlength=n)
            scale = 1.0 / np.sqrt(np.where(degree == 0, 1.0, degree))
            return _KnnGraph(indices, edges * scale[:, None] * scale[indices])
        W = self._kernel_matrix(self.X_, self.X_)
        np.fill_diagonal(W, 0.0)
        degree = W.sum(axis=0)
        scale = 1.0 / np.sqrt(np.where(degree == 0, 1.0, degree))
        W *= scale[:, None]
        W *= scale[None, :]
        return W
