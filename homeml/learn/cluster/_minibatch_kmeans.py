"""Mini-batch k-means: :class:`MiniBatchKMeans` moves the centres with small random batches,
step for step as scikit-learn does (weighted batch draws, smoothed inertia, random
reassignment of starved centres)."""

from __future__ import annotations

import warnings

import numpy as np

from homeml.learn._param_validation import Integral, Interval, Real
from homeml.learn.base import (
    check_random_state,
    check_sample_weight,
)
from homeml.learn.cluster import _kmeans_steps as steps
from homeml.learn.cluster._kmeans import _BaseKMeans

__all__ = ["MiniBatchKMeans"]


class MiniBatchKMeans(_BaseKMeans):
    """K-means on small random batches: each batch pulls its centres towards its samples with a
    step of one over the weight that centre has seen so far (Sculley 2010).

    Parameters
    ----------
    n_clusters : int, default=8
    init : {"k-means++", "random"}, callable or array-like, default="k-means++"
        As in :class:`KMeans`; the seeding runs on ``init_size`` random samples.
    max_iter : int, default=100
        Most passes over the data (in batches).
    batch_size : int, default=1024
        Samples per batch.
    verbose : int, default=0
    compute_labels : bool, default=True
        Compute ``labels_`` and ``inertia_`` on the whole data after fitting.
    random_state : int, RandomState instance or None, default=None
        Seeds the initialisation, the batches and the reassignments.
    tol : float, default=0.0
        Stop when the summed squared centre moves of a batch are at most ``tol`` times the mean
        feature variance (0 disables this test).
    max_no_improvement : int or None, default=10
        Stop after this many batches without improving the smoothed batch inertia (None: never).
    init_size : int or None, default=None
        Samples used for seeding; default ``3 * batch_size`` (at least ``3 * n_clusters``).
    n_init : "auto" or int, default="auto"
        Seedings compared on a held sample of ``init_size`` rows; ``"auto"``: 1 for
        ``"k-means++"`` and given centres, 3 for ``"random"`` or a callable.
    reassignment_ratio : float, default=0.01
        Centres that have seen less than this fraction of the weight of the busiest centre are
        moved to random samples of the batch (now and then, or when a centre has seen nothing).

    Attributes
    ----------
    cluster_centers_ : ndarray of shape (n_clusters, n_features)
    labels_ : ndarray of shape (n_samples,)
        Only with ``compute_labels``.
    inertia_ : float
        Inertia on the whole data with ``compute_labels``, else the smoothed batch estimate.
    n_iter_ : int
        Passes over the data.
    n_steps_ : int
        Batches processed.
    counts_ : ndarray of shape (n_clusters,)
        Weight of the samples each centre has seen.
    init_size_ : int
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (n_features_in_,)
    """

    _random_n_init = 3

    _homeml_constraints = {
        **_BaseKMeans._homeml_constraints,
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "compute_labels": ["boolean"],
        "max_no_improvement": [Interval(Integral, 0, None, closed="left"), None],
        "init_size": [Interval(Integral, 1, None, closed="left"), None],
        "reassignment_ratio": [Interval(Real, 0, None, closed="left")],
    }

    def __init__(
        self,
        n_clusters=8,
        *,
        init="k-means++",
        max_iter=100,
        batch_size=1024,
        verbose=0,
        compute_labels=True,
        random_state=None,
        tol=0.0,
        max_no_improvement=10,
        init_size=None,
        n_init="auto",
        reassignment_ratio=0.01,
    ):
        self.n_clusters = n_clusters
        self.init = init
        self.max_iter = max_iter
        self.batch_size = batch_size
        self.verbose = verbose
        self.compute_labels = compute_labels
        self.random_state = random_state
        self.tol = tol
        self.max_no_improvement = max_no_improvement
        self.init_size = init_size
        self.n_init = n_init
        self.reassignment_ratio = reassignment_ratio

    def _resolve_minibatch(self, X):
        """The seeding (as k-means), the batch size and the seeding sample size for ``X``."""
        init, n_init = self._resolve_init(X)
        self._batch_size = min(self.batch_size, X.shape[0])
        init_size = 3 * self._batch_size if self.init_size is None else self.init_size
        if init_size < self.n_clusters:
            if self.init_size is not None:
                warnings.warn(
                    f"init_size={init_size} should be larger than n_clusters="
                    f"{self.n_clusters}. Setting it to 3*n_clusters",
                    RuntimeWarning,
                    stacklevel=3,
                )
            init_size = 3 * self.n_clusters
        self.init_size_ = min(init_size, X.shape[0])
        return init, n_init

    def _start(self, X, w, init, n_init, rng, held=True):
        """Seed the centres; with ``held`` (``fit``), ``n_init`` times, keeping the centres of
        lowest inertia on a held random sample of ``init_size_`` rows (the first
        ``partial_fit`` seeds once, as scikit-learn's)."""
        x_sq = np.einsum("ij,ij->i", X, X)
        rows = rng.randint(0, X.shape[0], self.init_size_) if held else None
        best, best_inertia = None, np.inf
        for i in range(n_init if held else 1):
            centers = self._init_centroids(X, x_sq, init, rng, w, init_size=self.init_size_)
            inertia = steps.labels_inertia(X[rows], w[rows], centers)[1] if held else 0.0
            if self.verbose and held:
                print(f"Inertia for init {i + 1}/{n_init}: {inertia}")
            if best is None or inertia < best_inertia:
                best, best_inertia = centers, inertia
        self._centers = best
        self.counts_ = np.zeros(self.n_clusters)
        self._since_reassign = 0
        self.n_steps_ = 0

    def _step(self, X, w, rng):
        """One batch: assign, move each centre to the running weighted mean, reassign the
        neglected centres now and then. Returns the batch inertia before the move and the
        summed squared centre moves."""
        centers, counts = self._centers, self.counts_
        self._since_reassign += self._batch_size
        reassign = (counts == 0).any() or self._since_reassign >= 10 * self.n_clusters
        labels = np.empty(X.shape[0], dtype=np.int32)
        chunks = steps.n_chunks(X.shape[0], self.n_clusters, X.shape[1])
        with steps.threads_for(X.size * self.n_clusters):
            sums, batch_w = steps.lloyd_assign(X, w, centers, labels, chunks, True)
            batch_inertia = steps.inertia(X, w, centers, labels, chunks)
        new = centers.copy()
        seen = batch_w > 0
        total = counts[seen] + batch_w[seen]
        new[seen] = (centers[seen] * counts[seen, None] + sums[seen]) / total[:, None]
        counts[seen] = total
        if reassign:
            self._since_reassign = 0
            if self.reassignment_ratio > 0:
                self._reassign(X, new, counts, rng)
        self._centers = new
        return batch_inertia, ((new - centers) ** 2).sum()

    def _reassign(self, X, centers, counts, rng):
        """Move the centres that have seen under ``reassignment_ratio`` times the weight of the
        busiest one to random samples of the batch (uniformly drawn, as scikit-learn's)."""
        low = counts < self.reassignment_ratio * counts.max()
        if low.sum() > 0.5 * X.shape[0]:  # never more than half the batch
            low[np.argsort(counts, kind="stable")[int(0.5 * X.shape[0]) :]] = False
        n_low = int(low.sum())
        if n_low:
            picks = rng.choice(X.shape[0], size=n_low, replace=False)
            centers[low] = X[picks]
            # not back to 0, which would make them instantly reassigned again
            counts[low] = counts[~low].min()
            if self.verbose:
                print(f"[MiniBatchKMeans] Reassigning {n_low} cluster centers.")

    def fit(self, X, y=None, sample_weight=None):
        """Compute the centres with mini-batches of ``X``.

        The batches are drawn with probability proportional to ``sample_weight`` (then count
        once each), as in scikit-learn 1.9; ``inertia_`` uses the weights.
        """
        self._validate_params()
        X, w = self._fit_input(X, sample_weight)
        init, n_init = self._resolve_minibatch(X)
        X64 = np.ascontiguousarray(X, dtype=np.float64)
        if not isinstance(init, str) and not callable(init):
            init = np.asarray(init, dtype=np.float64)
        n = X64.shape[0]
        tol = steps.tolerance(X64, self.tol)
        rng = check_random_state(self.random_state)
        self._start(X64, w, init, n_init, rng)
        batch = self._batch_size
        p = w / w.sum()
        unit = np.ones(batch)
        smooth = min(1.0, 2.0 * batch / (n + 1))  # weight of a new batch in the moving average
        ewa = best_ewa = None
        no_improvement = 0
        n_steps = (self.max_iter * n) // batch
        step = 0
        for step in range(1, n_steps + 1):
            rows = rng.choice(n, batch, p=p, replace=True)
            batch_inertia, shift = self._step(X64[rows], unit, rng)
            if step == 1:  # the first batch measured the seeding, not the updates
                continue
            batch_inertia /= batch
            ewa = batch_inertia if ewa is None else ewa * (1 - smooth) + batch_inertia * smooth
            if self.verbose:
                print(
                    f"Minibatch step {step}/{n_steps}: mean batch inertia: {batch_inertia}, "
                    f"ewa inertia: {ewa}"
                )
            if tol > 0 and shift <= tol:
                break
            if best_ewa is None or ewa < best_ewa:
                best_ewa, no_improvement = ewa, 0
            else:
                no_improvement += 1
            if self.max_no_improvement is not None and no_improvement >= self.max_no_improvement:
                break
        self.n_steps_ = step
        self.n_iter_ = int(np.ceil(step * batch / n))
        self._finish(X, self._centers)
        if self.compute_labels:
            self.labels_, inertia = steps.labels_inertia(X64, w, self._centers)
            self.inertia_ = float(inertia)
        else:
            self.inertia_ = float((ewa if ewa is not None else 0.0) * w.sum())
        return self

    def partial_fit(self, X, y=None, sample_weight=None):
        """Update the centres with one batch ``X`` (the first call also seeds them, once)."""
        self._validate_params()
        first = not hasattr(self, "cluster_centers_")
        if first:
            X, w = self._fit_input(X, sample_weight)
            init, _ = self._resolve_minibatch(X)
            if not isinstance(init, str) and not callable(init):
                init = np.asarray(init, dtype=np.float64)
        else:
            X = self._check_test_data(X)
            w = check_sample_weight(sample_weight, X)
        # one random stream across the calls (a later fit starts its own, as scikit-learn's)
        if not hasattr(self, "_partial_rng"):
            self._partial_rng = check_random_state(self.random_state)
        rng = self._partial_rng
        X64 = np.ascontiguousarray(X, dtype=np.float64)
        if first:
            self._start(X64, w, init, 1, rng, held=False)
        self._step(X64, w, rng)
        self.n_steps_ += 1
        self._finish(X, self._centers)
        if self.compute_labels:
            self.labels_, inertia = steps.labels_inertia(X64, w, self._centers)
            self.inertia_ = float(inertia)
        return self
