"""Mean shift: move seeds uphill on a flat-kernel density estimate, keep the distinct peaks.

Each seed (every point, or the centres of a grid of bins with ``bin_seeding``) moves to the mean
of the points within ``bandwidth`` of it until it moves less than ``1e-3 * bandwidth``. All seeds
move together: one radius query (KD-tree) per iteration serves every seed still moving, and the
means are per-seed sums over the flattened neighbour lists. Converged seeds are ranked by how
many points they hold; a peak within ``bandwidth`` of a stronger one is dropped; each point
joins its nearest peak.
"""

from __future__ import annotations

import numbers
import warnings

import numpy as np

from homeml.learn._parallel import parallel_map, split_rows
from homeml.learn._param_validation import Integral, Interval, Real
from homeml.learn.base import (
    BaseEstimator,
    ClusterMixin,
    check_array,
    check_is_fitted,
    check_random_state,
)
from homeml.learn.neighbors import NearestNeighbors


def estimate_bandwidth(X, *, quantile=0.3, n_samples=None, random_state=0, n_jobs=None):
    """A bandwidth for :class:`MeanShift`: the mean distance of each point to its k-th nearest
    point (itself counted first), with ``k = quantile * n_samples``.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
    quantile : float in [0, 1], default=0.3
        Fraction of the points a neighbourhood should hold (0.5: median pairwise distance).
    n_samples : int, default=None
        Use this many points drawn at random (None: all of them).
    random_state : int, RandomState instance or None, default=0
        Seed of that draw.
    n_jobs : int, default=None
        Accepted for compatibility.

    Returns
    -------
    bandwidth : float
    """
    X = check_array(X)
    if not isinstance(quantile, numbers.Real) or not 0 <= quantile <= 1:
        raise ValueError(f"quantile must be a number in [0, 1]; got {quantile!r}.")
    if n_samples is not None:
        if not isinstance(n_samples, numbers.Integral) or n_samples < 1:
            raise ValueError(f"n_samples must be None or an integer >= 1; got {n_samples!r}.")
        X = X[check_random_state(random_state).permutation(X.shape[0])[:n_samples]]
    k = max(1, int(X.shape[0] * quantile))
    dist = NearestNeighbors(n_neighbors=k).fit(X).kneighbors(X)[0]
    return float(dist[:, -1].sum() / X.shape[0])


def _bin_seeds(X, bin_size, min_bin_freq):
    """Centres of the grid cells (side ``bin_size``) holding at least ``min_bin_freq`` points,
    in order of first occurrence; the points themselves when every point has its own cell."""
    if bin_size == 0:
        return X
    cells, first, counts = np.unique(
        np.round(X / bin_size), axis=0, return_index=True, return_counts=True
    )
    keep = counts >= min_bin_freq
    seeds = cells[keep][np.argsort(first[keep], kind="stable")]
    if len(seeds) == len(X):
        warnings.warn(
            f"Binning data failed with provided bin_size={bin_size:f}, using data points as seeds.",
            stacklevel=3,
        )
        return X
    return seeds * bin_size


def _shift_seeds(X, seeds, bandwidth, max_iter):
    """Move every seed to its local mean until it settles.

    Returns the final means, the number of points within ``bandwidth`` at the last step (0: the
    seed lost its neighbours and is discarded) and the iterations each seed completed.
    """
    # the KD-tree measures exact differences: a seed on a point finds it even at bandwidth 0
    index = NearestNeighbors(radius=bandwidth, algorithm="kd_tree").fit(X)
    means = np.array(seeds, dtype=np.float64)
    held = np.zeros(len(means), dtype=np.int64)
    completed = np.zeros(len(means), dtype=np.int64)
    moving = np.arange(len(means))
    stop = 1e-3 * bandwidth
    while moving.size:
        parts = index.radius_neighbors(means[moving], return_distance=False)
        counts = np.fromiter(map(len, parts), dtype=np.int64, count=len(parts))
        held[moving] = counts
        found = counts > 0
        moving, counts, parts = moving[found], counts[found], parts[found]
        if not moving.size:
            break
        # per-seed sums of the neighbours' coordinates over the concatenated lists
        starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
        new = np.add.reduceat(X[np.concatenate(parts)], starts, axis=0) / counts[:, None]
        shift = np.linalg.norm(new - means[moving], axis=1)
        means[moving] = new
        done = (shift <= stop) | (completed[moving] == max_iter)
        moving = moving[~done]
        completed[moving] += 1
    return means, held, completed


class MeanShift(ClusterMixin, BaseEstimator):
    """Mean-shift clustering with a flat kernel.

    Parameters
    ----------
    bandwidth : float, default=None
        Radius of the kernel; None: :func:`estimate_bandwidth` of the data.
    seeds : array-like of shape (n_seeds, n_features), default=None
        Starting points; None: the data points, or the bin centres with ``bin_seeding``.
    bin_seeding : bool, default=False
        Seed from a grid of cells of side ``bandwidth`` (fewer seeds, faster).
    min_bin_freq : int, default=1
        Only cells with at least this many points give a seed.
    cluster_all : bool, default=True
        Assign every point to its nearest peak; False: points farther than ``bandwidth`` from
        every peak are labelled -1.
    n_jobs : int, default=None
        Jobs that move the seeds (through joblib, so ``parallel_backend("dask")`` applies); the
        result does not depend on it.
    max_iter : int, default=300
        Most iterations of a seed.

    Attributes
    ----------
    cluster_centers_ : ndarray of shape (n_clusters, n_features)
        The peaks, strongest first.
    labels_ : ndarray of shape (n_samples,)
    n_iter_ : int
        Most iterations any seed made.
    n_features_in_ : int
    """

    _homeml_constraints = {
        "bandwidth": [Interval(Real, 0, None, closed="neither"), None],
        "seeds": ["array-like", None],
        "bin_seeding": ["boolean"],
        "min_bin_freq": [Interval(Integral, 1, None, closed="left")],
        "cluster_all": ["boolean"],
        "max_iter": [Interval(Integral, 0, None, closed="left")],
    }

    def __init__(
        self,
        *,
        bandwidth=None,
        seeds=None,
        bin_seeding=False,
        min_bin_freq=1,
        cluster_all=True,
        n_jobs=None,
        max_iter=300,
    ):
        self.bandwidth = bandwidth
        self.seeds = seeds
        self.bin_seeding = bin_seeding
        self.min_bin_freq = min_bin_freq
        self.cluster_all = cluster_all
        self.n_jobs = n_jobs
        self.max_iter = max_iter

    def fit(self, X, y=None):
        """Find the peaks of ``X``'s density and assign each point to one.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : ignored

        Returns
        -------
        self : MeanShift
        """
        self._validate_params()
        X = self._validate_data(X)
        bandwidth = estimate_bandwidth(X) if self.bandwidth is None else float(self.bandwidth)
        if self.seeds is not None:
            seeds = check_array(self.seeds, name="seeds")
        elif self.bin_seeding:
            seeds = _bin_seeds(X, bandwidth, self.min_bin_freq)
        else:
            seeds = X
        # seeds move independently: chunks of them run as joblib tasks, results in seed order
        tasks = [
            (X, seeds[rows], bandwidth, self.max_iter)
            for rows in split_rows(len(seeds), self.n_jobs)
        ]
        parts = parallel_map(_shift_seeds, tasks, self.n_jobs)
        means, held, completed = (np.concatenate(part) for part in zip(*parts))
        self.n_iter_ = int(completed.max(initial=0))
        kept = held > 0
        if not kept.any():
            raise ValueError(
                f"No point was within bandwidth={bandwidth:f} of any seed. Try a different "
                "seeding strategy or increase the bandwidth."
            )
        # identical peaks count once, with the strength of the last seed that reached them
        means, held = means[kept][::-1], held[kept][::-1]
        means, first = np.unique(means, axis=0, return_index=True)
        held = held[first]
        # strongest first; ties broken by the coordinates, largest first
        order = np.lexsort((*means.T[::-1], held))[::-1]
        peaks = means[order]
        unique = np.ones(len(peaks), dtype=bool)
        for i in range(len(peaks)):
            if unique[i]:  # a peak drops the weaker peaks within bandwidth of it
                near = np.sqrt(((peaks - peaks[i]) ** 2).sum(axis=1)) <= bandwidth
                unique[near] = False
                unique[i] = True
        self.cluster_centers_ = peaks[unique]
        self._bandwidth = bandwidth
        dist, nearest = self._nearest_center(X)
        if self.cluster_all:
            self.labels_ = nearest
        else:
            self.labels_ = np.where(dist <= bandwidth, nearest, -1)
        return self

    def _nearest_center(self, X):
        dist, ind = NearestNeighbors(n_neighbors=1).fit(self.cluster_centers_).kneighbors(X)
        return dist[:, 0], ind[:, 0]

    def predict(self, X):
        """Index of the nearest peak of each row of ``X``."""
        check_is_fitted(self)
        X = self._validate_data(X, reset=False)
        return self._nearest_center(X)[1]
