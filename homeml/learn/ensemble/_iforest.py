"""IsolationForest: outliers are the samples that random splits isolate quickly.

Each tree is grown on a small random subsample (``max_samples``, 256 by default) by splitting
on a random feature at a uniform random threshold between the node's minimum and maximum, until
every sample is alone or the depth reaches ``ceil(log2(max_samples))``. An outlier sits far from
the rest, so it is cut off after few splits: its path from the root is short. A sample's path
length in one tree is its leaf's depth plus ``c(size of the leaf)``, the average path length of
an unbuilt subtree on that many samples; the score is ``-2 ** (-mean path / c(max_samples))``
(Liu, Ting and Zhou, 2008), about -1 for clear outliers and above -0.5 for normal samples.

Trees are stored in a compact array form (:class:`IsolationTree`); growing and scoring are
Numba loops.
"""

from __future__ import annotations

import numbers
import warnings

import numba
import numpy as np

from homeml.learn._parallel import parallel_map, split_rows
from homeml.learn._param_validation import Integral, Interval, Real, RealNotInt, StrOptions
from homeml.learn.base import (
    BaseEstimator,
    OutlierMixin,
    check_is_fitted,
    check_random_state,
    check_sample_weight,
)

__all__ = ["IsolationForest", "IsolationTree"]

_MAX_SEED = np.iinfo(np.int32).max


def average_path_length(n_samples) -> np.ndarray:
    """``c(n)``: the mean path length of an unsuccessful search in a binary search tree of n
    points, ``2 H(n - 1) - 2 (n - 1) / n`` with ``H(i) ~ ln(i) + Euler's constant``; 0 for
    n <= 1 and 1 for n = 2."""
    n = np.asarray(n_samples, dtype=np.float64)
    out = np.zeros_like(n)
    big = n > 2
    out[n == 2] = 1.0
    nb = n[big]
    out[big] = 2.0 * (np.log(nb - 1.0) + np.euler_gamma) - 2.0 * (nb - 1.0) / nb
    return out


class IsolationTree:
    """One isolation tree as parallel arrays over its nodes (node 0 is the root).

    Attributes
    ----------
    feature : ndarray of int
        Feature (column of the full X) each internal node splits on; -1 at leaves.
    threshold : ndarray of float
        Samples with ``x[feature] <= threshold`` go left.
    children_left, children_right : ndarray of int
        Child node indices; -1 at leaves.
    n_node_samples : ndarray of int
        Training (subsample) points that reached each node.
    path_length : ndarray of float
        At each node: its depth plus ``c(n_node_samples)``, the path length of a sample that
        ends there.
    """

    def __init__(self, feature, threshold, children_left, children_right, n_node_samples, depth):
        self.feature = feature
        self.threshold = threshold
        self.children_left = children_left
        self.children_right = children_right
        self.n_node_samples = n_node_samples
        self.path_length = depth + average_path_length(n_node_samples)

    @property
    def node_count(self) -> int:
        return len(self.feature)


@numba.njit(cache=True)
def _grow(X, features, max_depth, seed):
    """Grow one isolation tree on the rows of ``X`` using the columns ``features``."""
    np.random.seed(seed)
    m = X.shape[0]
    capacity = max(2 * m - 1, 1)
    feature = np.full(capacity, -1, dtype=np.int64)
    threshold = np.zeros(capacity)
    left = np.full(capacity, -1, dtype=np.int64)
    right = np.full(capacity, -1, dtype=np.int64)
    n_node = np.zeros(capacity, dtype=np.int64)
    depth = np.zeros(capacity)
    rows = np.arange(m)
    order = features.copy()
    # stack of (node, first row, end row); node 0 spans all rows
    stack = [(0, 0, m)]
    count = 1
    while len(stack) > 0:
        node, start, end = stack.pop()
        n_node[node] = end - start
        if end - start <= 1 or depth[node] >= max_depth:
            continue
        # features in random order; the first one not constant in this node is used
        np.random.shuffle(order)
        chosen, low, high = -1, 0.0, 0.0
        for f in order:
            low, high = np.inf, -np.inf
            for i in range(start, end):
                v = X[rows[i], f]
                low, high = min(low, v), max(high, v)
            if high > low:
                chosen = f
                break
        if chosen < 0:
            continue  # all samples identical: a leaf
        cut = low + np.random.random() * (high - low)
        # partition rows[start:end]: x <= cut first
        i, j = start, end - 1
        while i <= j:
            if X[rows[i], chosen] <= cut:
                i += 1
            else:
                rows[i], rows[j] = rows[j], rows[i]
                j -= 1
        feature[node], threshold[node] = chosen, cut
        left[node], right[node] = count, count + 1
        depth[count] = depth[count + 1] = depth[node] + 1
        stack.append((count + 1, i, end))
        stack.append((count, start, i))
        count += 2
    return (
        feature[:count],
        threshold[:count],
        left[:count],
        right[:count],
        n_node[:count],
        depth[:count],
    )


@numba.njit(cache=True)
def _total_path_length(X, feature, threshold, left, right, path_length, roots):
    """Sum over the trees (roots into the concatenated node arrays) of each sample's path."""
    out = np.zeros(X.shape[0])
    for i in range(X.shape[0]):
        total = 0.0
        for root in roots:
            node = root
            while left[node] >= 0:
                node = left[node] if X[i, feature[node]] <= threshold[node] else right[node]
            total += path_length[node]
        out[i] = total
    return out


def _isolation_trees(X, candidates, seeds, settings):
    """``(tree, features, rows)`` of each seed: its subsample, features and tree come from it."""
    max_samples, n_features, bootstrap, max_depth = settings
    d = X.shape[1]
    out = []
    for seed in seeds:
        rng = np.random.RandomState(seed)
        if bootstrap:
            rows = candidates[rng.randint(0, len(candidates), max_samples)]
        else:
            rows = candidates[rng.choice(len(candidates), max_samples, replace=False)]
        features = (
            np.sort(rng.choice(d, n_features, replace=False)) if n_features < d else np.arange(d)
        )
        arrays = _grow(X[rows], features, max_depth, rng.randint(_MAX_SEED))
        out.append((IsolationTree(*arrays), features, rows))
    return out


class IsolationForest(OutlierMixin, BaseEstimator):
    """Isolation Forest outlier detector.

    Parameters
    ----------
    n_estimators : int, default=100
        Number of trees.
    max_samples : "auto", int or float, default="auto"
        Subsample size of each tree: "auto" is ``min(256, n_samples)``, a float is a share of
        the samples.
    contamination : "auto" or float in (0, 0.5], default="auto"
        Expected share of outliers: the threshold ``offset_`` is that quantile of the training
        scores; "auto" uses -0.5, the score of a sample as deep as average.
    max_features : int or float, default=1.0
        Features each tree may split on (drawn without replacement per tree).
    bootstrap : bool, default=False
        Draw each subsample with replacement.
    n_jobs : int, default=None
        Jobs growing the trees, through ``joblib.Parallel`` (None: 1 unless a joblib
        ``parallel_backend`` says otherwise); the forest does not depend on it.
    random_state : int, RandomState instance or None, default=None
    verbose : int, default=0
        Accepted for compatibility.
    warm_start : bool, default=False
        Keep the fitted trees and add trees up to ``n_estimators``.

    Attributes
    ----------
    estimators_ : list of IsolationTree
        The trees, each as node arrays (not scikit-learn ``ExtraTreeRegressor`` objects).
    estimators_features_ : list of ndarray
        Features each tree could use.
    estimators_samples_ : list of ndarray
        Rows of the training data each tree was grown on.
    max_samples_ : int
        The subsample size used.
    offset_ : float
        ``decision_function = score_samples - offset_``.
    n_features_in_ : int
    """

    _homeml_constraints = {
        "n_estimators": [Interval(Integral, 1, None, closed="left")],
        "max_samples": [
            StrOptions({"auto"}),
            Interval(Integral, 1, None, closed="left"),
            Interval(RealNotInt, 0, 1, closed="right"),
        ],
        "contamination": [StrOptions({"auto"}), Interval(Real, 0, 0.5, closed="right")],
        "max_features": [
            Interval(Integral, 1, None, closed="left"),
            Interval(Real, 0, 1, closed="right"),
        ],
        "bootstrap": ["boolean"],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
        "warm_start": ["boolean"],
    }

    def __init__(
        self,
        *,
        n_estimators=100,
        max_samples="auto",
        contamination="auto",
        max_features=1.0,
        bootstrap=False,
        n_jobs=None,
        random_state=None,
        verbose=0,
        warm_start=False,
    ):
        self.n_estimators = n_estimators
        self.max_samples = max_samples
        self.contamination = contamination
        self.max_features = max_features
        self.bootstrap = bootstrap
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.verbose = verbose
        self.warm_start = warm_start

    def fit(self, X, y=None, sample_weight=None):
        """Grow the trees on random subsamples of ``X`` and set the threshold ``offset_``.

        Samples whose ``sample_weight`` is 0 never enter a subsample; as in scikit-learn, other
        weights do not change the random splits.
        """
        self._validate_params()
        X = np.ascontiguousarray(self._validate_data(X), dtype=np.float64)
        n, d = X.shape
        weights = check_sample_weight(sample_weight, X)
        if np.any(weights < 0):
            raise ValueError("sample_weight must be non-negative.")
        candidates = np.flatnonzero(weights > 0) if sample_weight is not None else np.arange(n)
        if len(candidates) == 0:
            raise ValueError("sample_weight is zero for every sample: nothing to fit.")
        self.max_samples_ = self._subsample_size(len(candidates))
        n_features = (
            self.max_features
            if isinstance(self.max_features, numbers.Integral)
            else max(1, int(self.max_features * d))
        )
        if n_features > d:
            raise ValueError(f"max_features must be <= n_features ({d}); got {n_features}.")
        max_depth = int(np.ceil(np.log2(max(self.max_samples_, 2))))

        if not self.warm_start or not hasattr(self, "estimators_"):
            self.estimators_, self.estimators_features_, self.estimators_samples_ = [], [], []
        n_old = len(self.estimators_)
        if self.n_estimators < n_old:
            raise ValueError(
                f"n_estimators={self.n_estimators} must be larger or equal to "
                f"len(estimators_)={n_old} when warm_start==True"
            )
        if self.n_estimators == n_old:
            warnings.warn(
                "Warm-start fitting without increasing n_estimators does not fit new trees.",
                stacklevel=2,
            )
        # one seed per tree, drawn for all trees: warm-starting 5 then 10 equals 10 at once
        seeds = check_random_state(self.random_state).randint(_MAX_SEED, size=self.n_estimators)
        settings = (self.max_samples_, n_features, bool(self.bootstrap), max_depth)
        chunks = split_rows(len(seeds) - n_old, self.n_jobs)
        tasks = [(X, candidates, seeds[n_old + c], settings) for c in chunks]
        for grown in parallel_map(_isolation_trees, tasks, self.n_jobs):
            for tree, features, rows in grown:
                self.estimators_.append(tree)
                self.estimators_features_.append(features)
                self.estimators_samples_.append(rows)
        self._flatten()

        if self.contamination == "auto":
            self.offset_ = -0.5
        else:
            self.offset_ = float(np.percentile(self._score(X), 100.0 * self.contamination))
        return self

    def _subsample_size(self, n):
        ms = self.max_samples
        if isinstance(ms, str) and ms == "auto":
            return min(256, n)
        if isinstance(ms, numbers.Integral) and not isinstance(ms, bool) and ms >= 1:
            if ms > n:
                warnings.warn(
                    f"max_samples ({ms}) is greater than the total number of samples ({n}). "
                    "max_samples will be set to n_samples for estimation.",
                    stacklevel=3,
                )
            return min(int(ms), n)
        if isinstance(ms, numbers.Real) and not isinstance(ms, bool) and 0 < ms <= 1:
            return max(1, int(ms * n))
        raise ValueError(
            f"max_samples must be 'auto', an int >= 1 or a float in (0, 1]; got {ms!r}."
        )

    def _flatten(self):
        """Concatenate the trees' node arrays (child indices shifted) for the scoring loop."""
        sizes = [t.node_count for t in self.estimators_]
        offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)

        def shifted(children, offset):
            return np.where(children >= 0, children + offset, -1)

        trees = self.estimators_
        self._forest = (
            np.concatenate([t.feature for t in trees]),
            np.concatenate([t.threshold for t in trees]),
            np.concatenate([shifted(t.children_left, o) for t, o in zip(trees, offsets)]),
            np.concatenate([shifted(t.children_right, o) for t, o in zip(trees, offsets)]),
            np.concatenate([t.path_length for t in trees]),
            offsets,
        )

    def _score(self, X):
        total = _total_path_length(X, *self._forest)
        mean_path = total / len(self.estimators_)
        normaliser = float(average_path_length(self.max_samples_))
        # a single-sample subsample isolates nothing: every sample scores as average (-0.5)
        ratio = mean_path / normaliser if normaliser > 0 else np.ones_like(mean_path)
        return -(2.0**-ratio)

    def score_samples(self, X):
        """Minus the anomaly score of each sample: about -1 for outliers, above -0.5 for normal
        samples (lower: more abnormal)."""
        check_is_fitted(self)
        X = np.ascontiguousarray(self._validate_data(X, reset=False), dtype=np.float64)
        return self._score(X)

    def decision_function(self, X):
        """``score_samples(X) - offset_``: negative for outliers."""
        return self.score_samples(X) - self.offset_

    def predict(self, X):
        """+1 for inliers, -1 for outliers."""
        return np.where(self.decision_function(X) < 0, -1, 1)
