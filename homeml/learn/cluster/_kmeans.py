"""k-means clustering: :class:`KMeans` (Lloyd or Elkan iterations), its seeding and the base it
shares with :class:`MiniBatchKMeans` (``_minibatch_kmeans.py``).

Both minimise the inertia, the weighted sum of squared distances of the samples to their nearest
centre. :class:`KMeans` alternates full assignment and mean steps from ``n_init`` seedings
(greedy k-means++ by default) and keeps the best run; :class:`MiniBatchKMeans` moves the centres
with small random batches. The iterations and their Numba kernels live in ``_kmeans_steps.py``.
"""

from __future__ import annotations

import warnings

import numpy as np

from homeml.learn._param_validation import (
    Integral,
    Interval,
    Real,
    StrOptions,
    validate_parameter_constraints,
)
from homeml.learn.base import (
    BaseEstimator,
    ClusterMixin,
    ConvergenceWarning,
    TransformerMixin,
    check_array,
    check_is_fitted,
    check_random_state,
    check_sample_weight,
)
from homeml.learn.cluster import _kmeans_steps as steps
from homeml.learn.metrics.pairwise import _euclidean_distances

__all__ = ["KMeans", "kmeans_plusplus"]

_AT_LEAST_ONE = Interval(Integral, 1, None, closed="left")


# ----------------------------------------------------------------------------------------------
# seeding
# ----------------------------------------------------------------------------------------------


def kmeans_plusplus(
    X,
    n_clusters,
    *,
    sample_weight=None,
    x_squared_norms=None,
    random_state=None,
    n_local_trials=None,
):
    """Greedy k-means++ seeding (Arthur and Vassilvitskii 2007, with local trials).

    The first centre is a sample drawn with probability proportional to its weight; each next
    one is the best of ``n_local_trials`` candidates drawn with probability proportional to
    weight times squared distance to the nearest centre so far, "best" meaning the candidate
    that lowers the total potential (inertia) most.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
    n_clusters : int
        Number of centres to pick.
    sample_weight : array-like of shape (n_samples,), default=None
    x_squared_norms : array-like of shape (n_samples,), default=None
        Squared Euclidean norms of the rows of ``X`` (computed when None).
    random_state : int, RandomState instance or None, default=None
    n_local_trials : int, default=None
        Candidates per centre; default ``2 + int(log(n_clusters))``.

    Returns
    -------
    centers : ndarray of shape (n_clusters, n_features)
    indices : ndarray of shape (n_clusters,)
        Row of ``X`` each centre was taken from.
    """
    X = check_array(X, dtype=[np.float64, np.float32])
    w = check_sample_weight(sample_weight, X)
    validate_parameter_constraints(
        {"n_clusters": [_AT_LEAST_ONE], "n_local_trials": [_AT_LEAST_ONE, None]},
        {"n_clusters": n_clusters, "n_local_trials": n_local_trials},
        "kmeans_plusplus",
    )
    if X.shape[0] < n_clusters:
        raise ValueError(f"n_samples={X.shape[0]} should be >= n_clusters={n_clusters}.")
    X64 = np.asarray(X, dtype=np.float64)
    if x_squared_norms is None:
        x_sq = np.einsum("ij,ij->i", X64, X64)
    else:
        x_sq = check_array(x_squared_norms, name="x_squared_norms", ensure_2d=False)
        if x_sq.shape != (X.shape[0],):
            raise ValueError(
                f"The length of x_squared_norms {x_sq.shape[0]} should be equal "
                f"to the length of n_samples {X.shape[0]}."
            )
    rng = check_random_state(random_state)
    x_sq = x_sq.astype(np.float64, copy=False)
    centers, indices = _kmeans_plusplus(X64, n_clusters, w, x_sq, rng, n_local_trials)
    return centers.astype(X.dtype, copy=False), indices


def _kmeans_plusplus(X, n_clusters, w, x_sq, rng, n_local_trials):
    """:func:`kmeans_plusplus` on checked float64 input (what the estimators call)."""
    n_samples = X.shape[0]
    trials = 2 + int(np.log(n_clusters)) if n_local_trials is None else n_local_trials
    centers = np.empty((n_clusters, X.shape[1]))
    indices = np.empty(n_clusters, dtype=np.int64)
    indices[0] = rng.choice(n_samples, p=w / w.sum())
    centers[0] = X[indices[0]]
    # (n_samples,)
    closest = _euclidean_distances(centers[:1], X, Y_norm_squared=x_sq, squared=True)[0]
    potential = closest @ w
    for c in range(1, n_clusters):
        targets = rng.uniform(size=trials) * potential
        candidates = np.searchsorted(np.cumsum(w * closest), targets)
        np.clip(candidates, None, n_samples - 1, out=candidates)  # rounding at the very end
        candidate_closest = _euclidean_distances(  # (trials, n_samples)
            X[candidates], X, Y_norm_squared=x_sq, squared=True
        )
        np.minimum(closest, candidate_closest, out=candidate_closest)
        potentials = candidate_closest @ w
        best = int(np.argmin(potentials))
        potential, closest = potentials[best], candidate_closest[best]
        indices[c] = candidates[best]
        centers[c] = X[indices[c]]
    return centers, indices


# ----------------------------------------------------------------------------------------------
# estimators
# ----------------------------------------------------------------------------------------------


class _BaseKMeans(ClusterMixin, TransformerMixin, BaseEstimator):
    """Shared by the two k-means estimators: parameter checks, seeding, predict, transform."""

    _random_n_init = 10

    _homeml_constraints = {
        "n_clusters": [_AT_LEAST_ONE],
        "init": [StrOptions({"k-means++", "random"}), callable, "array-like"],
        "n_init": [StrOptions({"auto"}), _AT_LEAST_ONE],
        "max_iter": [_AT_LEAST_ONE],
        "tol": [Interval(Real, 0, None, closed="left")],
        "verbose": ["verbose"],
        "random_state": ["random_state"],
    }

    def _homeml_tags(self) -> dict:
        return {**super()._homeml_tags(), "preserves_dtype": ["float64", "float32"]}

    def _resolve_init(self, X):
        """The initial centres (checked against ``X``) and the number of seedings to run."""
        if X.shape[0] < self.n_clusters:
            raise ValueError(f"n_samples={X.shape[0]} should be >= n_clusters={self.n_clusters}.")
        init = self.init
        if not isinstance(init, str) and not callable(init):
            init = check_array(init, name="init", copy=True)
            self._check_center_shape(X, init)
        n_init = self.n_init
        if n_init == "auto":  # random seedings (random, callable) get several tries
            n_init = (
                1 if isinstance(init, np.ndarray) or init == "k-means++" else self._random_n_init
            )
        if not isinstance(init, str) and not callable(init) and n_init != 1:
            warnings.warn(
                "Explicit initial center position passed: performing only one init in "
                f"{type(self).__name__} instead of n_init={n_init}.",
                RuntimeWarning,
                stacklevel=3,
            )
            n_init = 1
        return init, n_init

    def _check_center_shape(self, X, centers):
        if centers.shape[0] != self.n_clusters:
            raise ValueError(
                f"The shape of the initial centers {centers.shape} does not match "
                f"the number of clusters {self.n_clusters}."
            )
        if centers.shape[1] != X.shape[1]:
            raise ValueError(
                f"The shape of the initial centers {centers.shape} does not match "
                f"the number of features of the data {X.shape[1]}."
            )

    def _init_centroids(self, X, x_sq, init, rng, w, init_size=None):
        """Starting centres from ``init``; on a random subset of ``init_size`` rows if given."""
        if init_size is not None and init_size < X.shape[0]:
            subset = rng.randint(0, X.shape[0], init_size)
            X, x_sq, w = X[subset], x_sq[subset], w[subset]
        k = self.n_clusters
        if isinstance(init, str) and init == "k-means++":
            centers, _ = _kmeans_plusplus(X, k, w, x_sq, rng, None)
        elif isinstance(init, str):  # "random": k distinct samples, drawn by weight
            centers = X[rng.choice(X.shape[0], size=k, replace=False, p=w / w.sum())]
        elif callable(init):
            centers = check_array(init(X, k, random_state=rng), name="init(...)", copy=True)
            self._check_center_shape(X, centers)
        else:
            centers = init
        return np.ascontiguousarray(centers, dtype=np.float64)

    def _fit_input(self, X, sample_weight):
        X = self._validate_data(X, dtype=[np.float64, np.float32])
        w = check_sample_weight(sample_weight, X)
        if not np.any(w > 0):
            raise ValueError(
                "Sample weights must contain at least one non-zero number (all "
                "sample_weight values are zero)."
            )
        return X, w

    def _finish(self, X, centers):
        self.cluster_centers_ = centers.astype(X.dtype, copy=False)
        self._n_features_out = self.cluster_centers_.shape[0]

    def _check_test_data(self, X):
        check_is_fitted(self)
        return self._validate_data(X, reset=False, dtype=[np.float64, np.float32])

    def predict(self, X):
        """Index of the closest centre for each sample of ``X``."""
        X = self._check_test_data(X)
        no_weights = np.empty(0)  # not read: labels alone need no weights
        return steps.labels_inertia(X, no_weights, self.cluster_centers_, with_inertia=False)[0]

    def transform(self, X):
        """Euclidean distance of each sample to every centre, shape (n_samples, n_clusters)."""
        X = self._check_test_data(X)
        return self._distances(X)

    def _distances(self, X):
        X64, C = np.asarray(X, dtype=np.float64), self.cluster_centers_.astype(np.float64)
        return _euclidean_distances(X64, C).astype(X.dtype, copy=False)

    def fit_transform(self, X, y=None, sample_weight=None):
        """Fit, then return the distances of ``X`` to the centres (``transform``)."""
        self.fit(X, sample_weight=sample_weight)
        return self._distances(self._check_test_data(X))

    def fit_predict(self, X, y=None, sample_weight=None):
        """Fit and return ``labels_``."""
        return self.fit(X, sample_weight=sample_weight).labels_

    def score(self, X, y=None, sample_weight=None):
        """Opposite of the inertia of ``X`` on the fitted centres (higher is better)."""
        X = self._check_test_data(X)
        w = check_sample_weight(sample_weight, X)
        return -steps.labels_inertia(X, w, self.cluster_centers_)[1]

    def get_feature_names_out(self, input_features=None):
        """Output names of ``transform``: ``"<classname>0"``, ``"<classname>1"``, ..."""
        check_is_fitted(self)
        prefix = type(self).__name__.lower()
        return np.asarray([f"{prefix}{i}" for i in range(self._n_features_out)], dtype=object)


class KMeans(_BaseKMeans):
    """K-means clustering with Lloyd's or Elkan's algorithm.

    Parameters
    ----------
    n_clusters : int, default=8
        Number of clusters (centres).
    init : {"k-means++", "random"}, callable or array of shape (n_clusters, n_features), \
default="k-means++"
        Seeding: greedy k-means++ (``2 + int(log(n_clusters))`` candidates per centre, the one
        that lowers the inertia most is kept), ``n_clusters`` random samples, given centres, or
        ``init(X, n_clusters, random_state=...)`` returning them.
    n_init : "auto" or int, default="auto"
        Number of seedings; the run with the lowest inertia is kept. ``"auto"``: 1 for
        ``"k-means++"`` and given centres, 10 for ``"random"`` or a callable.
    max_iter : int, default=300
        Most iterations of one run.
    tol : float, default=1e-4
        A run stops when the summed squared centre moves are at most ``tol`` times the mean
        feature variance (or when no label changes).
    verbose : int, default=0
        Print the inertia at each iteration.
    random_state : int, RandomState instance or None, default=None
        Seeds the initialisation.
    copy_x : bool, default=True
        The data are centred (the mean subtracted) before the iterations, which keeps the
        distance expansion precise. With ``copy_x=False`` a float64 C-ordered ``X`` is centred
        in place and restored afterwards (up to rounding) instead of copied.
    algorithm : {"lloyd", "elkan"}, default="lloyd"
        ``"elkan"`` skips distance computations with the triangle inequality (it keeps an
        (n_samples, n_clusters) array of lower bounds); both give the same clustering.

    Attributes
    ----------
    cluster_centers_ : ndarray of shape (n_clusters, n_features)
    labels_ : ndarray of shape (n_samples,)
        Cluster of each training sample.
    inertia_ : float
        Weighted sum of squared distances of the samples to their closest centre.
    n_iter_ : int
        Iterations of the best run.
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Only when ``X`` had string column names.
    """

    _homeml_constraints = {
        **_BaseKMeans._homeml_constraints,
        "copy_x": ["boolean"],
        "algorithm": [StrOptions({"lloyd", "elkan"})],
    }

    def __init__(
        self,
        n_clusters=8,
        *,
        init="k-means++",
        n_init="auto",
        max_iter=300,
        tol=1e-4,
        verbose=0,
        random_state=None,
        copy_x=True,
        algorithm="lloyd",
    ):
        self.n_clusters = n_clusters
        self.init = init
        self.n_init = n_init
        self.max_iter = max_iter
        self.tol = tol
        self.verbose = verbose
        self.random_state = random_state
        self.copy_x = copy_x
        self.algorithm = algorithm

    def fit(self, X, y=None, sample_weight=None):
        """Compute the k-means clustering of ``X`` (``sample_weight``: weight of each sample)."""
        self._validate_params()
        X, w = self._fit_input(X, sample_weight)
        init, n_init = self._resolve_init(X)
        algorithm = self.algorithm
        if algorithm == "elkan" and self.n_clusters == 1:
            warnings.warn(
                "algorithm='elkan' doesn't make sense for a single cluster. Using 'lloyd' instead.",
                RuntimeWarning,
                stacklevel=2,
            )
            algorithm = "lloyd"
        rng = check_random_state(self.random_state)
        in_place = (
            not self.copy_x and X.dtype == np.float64 and X.flags.c_contiguous and X.flags.writeable
        )
        Xc = X if in_place else np.array(X, dtype=np.float64, order="C")
        x_mean = Xc.mean(axis=0)
        Xc -= x_mean  # centred data: |x|^2 + |c|^2 - 2 x.c loses fewer digits
        if not isinstance(init, str) and not callable(init):
            init = init - x_mean
        x_sq = np.einsum("ij,ij->i", Xc, Xc)
        tol = steps.tolerance(Xc, self.tol, x_sq)
        best = None
        try:
            for _ in range(n_init):
                centers = self._init_centroids(Xc, x_sq, init, rng, w)
                if self.verbose:
                    print("Initialization complete")
                run = steps.run_kmeans(
                    Xc,
                    w,
                    centers,
                    algorithm=algorithm,
                    max_iter=self.max_iter,
                    tol=tol,
                    verbose=self.verbose,
                )
                if best is None or (
                    run[1] < best[1] and not steps.same_clustering(run[0], best[0], self.n_clusters)
                ):
                    best = run
        finally:
            if in_place:
                Xc += x_mean
        labels, inertia, centers, n_iter = best
        distinct = np.unique(labels).size
        if distinct < self.n_clusters:
            warnings.warn(
                f"Number of distinct clusters ({distinct}) found smaller than n_clusters "
                f"({self.n_clusters}). Possibly due to duplicate points in X.",
                ConvergenceWarning,
                stacklevel=2,
            )
        self._finish(X, centers + x_mean)
        self.labels_, self.inertia_, self.n_iter_ = labels, float(inertia), n_iter
        return self
