"""Multidimensional scaling with SMACOF (Scaling by MAjorizing a COmplicated Function).

SMACOF minimises the raw stress sum_{i<j} (d_ij(X) - dhat_ij)^2 by repeating the Guttman
transform X <- B(X) X / n, which never increases it (de Leeuw, 1977). Metric MDS fits the
dissimilarities themselves (dhat = delta); non-metric MDS fits disparities dhat, the isotonic
regression of the current distances on the dissimilarities' order (Kruskal, 1964), rescaled at
each iteration so that sum dhat^2 = n(n - 1) / 2; zero dissimilarities count as missing.
"""

from __future__ import annotations

import warnings

import numba
import numpy as np

from homeml.learn._parallel import parallel_map
from homeml.learn._param_validation import Hidden, Integral, Interval, Real, StrOptions
from homeml.learn.base import BaseEstimator, check_random_state
from homeml.learn.manifold._utils import METRICS, check_precomputed, pairwise_distances
from homeml.learn.metrics.pairwise import _euclidean_distances

TIE_RESOLUTION = np.finfo(np.float64).resolution  # 1e-15


@numba.njit(cache=True)
def _pool_adjacent_violators(y, w):
    """Non-decreasing least-squares fit of ``y`` (weights ``w``), in sorted order."""
    n = len(y)
    value, weight, size = np.empty(n), np.empty(n), np.empty(n, dtype=np.int64)
    blocks = 0
    for i in range(n):
        value[blocks], weight[blocks], size[blocks] = y[i], w[i], 1
        blocks += 1
        while blocks > 1 and value[blocks - 2] > value[blocks - 1]:  # merge violators
            a, b = blocks - 2, blocks - 1
            total = weight[a] + weight[b]
            value[a] = (value[a] * weight[a] + value[b] * weight[b]) / total
            weight[a], size[a] = total, size[a] + size[b]
            blocks -= 1
    out = np.empty(n)
    pos = 0
    for b in range(blocks):
        out[pos : pos + size[b]] = value[b]
        pos += size[b]
    return out


@numba.njit(cache=True)
def _tie_blocks(xs):
    """Block index of each sorted value: a block starts where a value exceeds the block's first
    one by at least TIE_RESOLUTION (scikit-learn's rule, so dissimilarities that differ only by
    rounding count as ties)."""
    block = np.empty(len(xs), dtype=np.int64)
    current, b = xs[0], 0
    for i in range(len(xs)):
        if xs[i] - current >= TIE_RESOLUTION:
            current, b = xs[i], b + 1
        block[i] = b
    return block


def isotonic_regression(x, y):
    """Least-squares fit of ``y`` non-decreasing in ``x``; tied ``x`` share one fitted value
    (their ``y`` are averaged first)."""
    order = np.lexsort((y, x))
    block = _tie_blocks(x[order])
    counts = np.bincount(block).astype(np.float64)
    means = np.bincount(block, weights=y[order]) / counts
    fitted = np.empty(len(x))
    fitted[order] = _pool_adjacent_violators(means, counts)[block]
    return fitted


def smacof_single(
    dissimilarities,
    *,
    metric_mds,
    n_components,
    init,
    max_iter,
    eps,
    random_state,
    normalized_stress,
    verbose=0,
):
    """One SMACOF run; returns (embedding, stress, n_iter)."""
    n = dissimilarities.shape[0]
    upper = np.triu(np.ones((n, n), dtype=bool), k=1)
    observed = upper & (dissimilarities != 0)  # non-metric: zeros are missing values
    if init is None:
        X = random_state.uniform(size=n * n_components).reshape(n, n_components)
    else:
        X = np.array(init, dtype=np.float64)
        if X.ndim != 2 or X.shape[0] != n:
            raise ValueError(f"init matrix should be of shape ({n}, n_components); got {X.shape}.")
    distances = _euclidean_distances(X, X)
    old_stress = None
    for it in range(max_iter):
        if metric_mds:
            disparities = dissimilarities
        else:
            fitted = (
                dissimilarities[observed]
                if it == 0
                else isotonic_regression(dissimilarities[observed], distances[observed])
            )
            disparities = np.zeros((n, n))
            disparities[observed] = fitted
            disparities *= np.sqrt((n * (n - 1) / 2) / (disparities**2).sum())
            disparities = disparities + disparities.T
        # Guttman transform: B has -dhat_ij / d_ij off the diagonal, rows summing to zero
        distances[distances == 0] = 1e-5
        ratio = disparities / distances
        B = -ratio
        B[np.diag_indices(n)] += ratio.sum(axis=1)
        X = B @ X / n
        distances = _euclidean_distances(X, X)
        stress = ((distances - disparities) ** 2).sum() / 2
        if verbose >= 2:
            print(f"Iteration {it}, stress {stress:.4f}")
        if old_stress is not None and (old_stress - stress) / ((distances**2).sum() / 2) < eps:
            if verbose:
                print(f"Convergence criterion reached (iteration {it}).")
            break
        old_stress = stress
    if normalized_stress:  # Kruskal's stress-1
        stress = np.sqrt(stress / ((distances**2).sum() / 2))
    return X, stress, it + 1


def classical_mds(dissimilarities, n_components):
    """Torgerson's classical scaling: top eigenvectors of the double-centred -D^2 / 2."""
    B = -0.5 * dissimilarities**2
    B -= B.mean(axis=0)
    B -= B.mean(axis=1, keepdims=True)
    values, vectors = np.linalg.eigh(B)
    values, vectors = values[::-1][:n_components], vectors[:, ::-1][:, :n_components]
    vectors = vectors * _largest_positive(vectors)
    return np.sqrt(np.maximum(values, 0.0)) * vectors


def _largest_positive(vectors):
    """Per column, the sign making its largest-magnitude entry positive."""
    signs = np.sign(vectors[np.argmax(np.abs(vectors), axis=0), np.arange(vectors.shape[1])])
    return np.where(signs == 0, 1.0, signs)


def _smacof_task(dissimilarities, init, options):
    return smacof_single(dissimilarities, init=init, **options)


class MDS(BaseEstimator):
    """Multidimensional scaling by SMACOF (metric or non-metric).

    Parameters
    ----------
    n_components : int, default=2
    metric_mds : bool, default=True
        Metric MDS (fit the dissimilarities) or non-metric (fit only their order).
    n_init : int, default=1
        Runs from different random starts; the lowest stress wins.
    init : {"random", "classical_mds"}, default="warn"
        Starting configuration; "warn" (the default) means "random" with a FutureWarning, as
        scikit-learn does until its default changes to "classical_mds".
    max_iter : int, default=300
    verbose : int, default=0
    eps : float, default=1e-6
        Stop when the stress decrease, relative to sum d_ij^2 / 2, is below this.
    n_jobs : int, default=None
        The ``n_init`` runs at once, through ``joblib.Parallel``; their random starts are drawn
        first, in order, so the result does not depend on it.
    random_state : int, RandomState or None, default=None
    dissimilarity : {"euclidean", "precomputed"}, default="deprecated"
        Deprecated name of ``metric`` (FutureWarning).
    metric : str, default="euclidean"
        Metric of the input space, or "precomputed" (X is a symmetric dissimilarity matrix).
        A bool here means ``metric_mds`` (deprecated, FutureWarning).
    metric_params : dict, default=None
        ``{"p": ...}`` for "minkowski".
    normalized_stress : bool or "auto", default="auto"
        Report Kruskal's stress-1 instead of raw stress; "auto" means ``not metric_mds``.

    Attributes
    ----------
    embedding_ : ndarray of shape (n_samples, n_components)
    stress_ : float
        Final stress of the best run (raw, or stress-1 when normalised).
    dissimilarity_matrix_ : ndarray of shape (n_samples, n_samples)
    n_iter_ : int
        Iterations of the best run.
    n_features_in_ : int
    """

    _homeml_constraints = {
        "n_components": [Interval(Integral, 1, None, closed="left")],
        "metric_mds": ["boolean"],
        "n_init": [Interval(Integral, 1, None, closed="left")],
        "init": [StrOptions({"random", "classical_mds"}), Hidden(StrOptions({"warn"}))],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "verbose": ["verbose"],
        "eps": [Interval(Real, 0.0, None, closed="left")],
        "random_state": ["random_state"],
        "dissimilarity": [
            StrOptions({"euclidean", "precomputed"}),
            Hidden(StrOptions({"deprecated"})),
        ],
        "metric_params": [dict, None],
        "normalized_stress": ["boolean", StrOptions({"auto"})],
    }

    def __init__(
        self,
        n_components=2,
        *,
        metric_mds=True,
        n_init=1,
        init="warn",
        max_iter=300,
        verbose=0,
        eps=1e-6,
        n_jobs=None,
        random_state=None,
        dissimilarity="deprecated",
        metric="euclidean",
        metric_params=None,
        normalized_stress="auto",
    ):
        self.n_components = n_components
        self.metric_mds = metric_mds
        self.n_init = n_init
        self.init = init
        self.max_iter = max_iter
        self.verbose = verbose
        self.eps = eps
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.dissimilarity = dissimilarity
        self.metric = metric
        self.metric_params = metric_params
        self.normalized_stress = normalized_stress

    def _homeml_tags(self) -> dict:
        return {
            **super()._homeml_tags(),
            "pairwise": "precomputed" in (self.dissimilarity, self.metric),
        }

    def fit(self, X, y=None, init=None):
        """Compute the embedding of ``X`` (``init``: optional starting configuration)."""
        self.fit_transform(X, init=init)
        return self

    def fit_transform(self, X, y=None, init=None):
        """Compute and return the embedding of ``X``, shape (n_samples, n_components)."""
        metric, metric_mds, start = self._resolve_params()
        X = self._validate_data(X).astype(np.float64, copy=False)
        if X.shape[0] == X.shape[1] and metric != "precomputed":
            warnings.warn(
                "The provided input is a square matrix. Note that ``fit`` constructs "
                "a dissimilarity matrix from data and will treat rows as samples and "
                "columns as features. To use a pre-computed dissimilarity matrix, set "
                "``metric='precomputed'``.",
                UserWarning,
                stacklevel=2,
            )
        if metric == "precomputed":
            D = check_precomputed(X)
            if not np.allclose(D, D.T):
                raise ValueError(
                    "Array must be symmetric: a precomputed dissimilarity matrix "
                    "has D[i, j] == D[j, i]."
                )
            self.dissimilarity_matrix_ = D
        else:
            self.dissimilarity_matrix_ = pairwise_distances(X, metric, self.metric_params)
        normalized = (
            (not metric_mds) if self.normalized_stress == "auto" else bool(self.normalized_stress)
        )
        n_init = self.n_init
        if init is None and start == "classical_mds":
            init = classical_mds(self.dissimilarity_matrix_, self.n_components)
        if init is not None:  # one deterministic start: repeated runs would be identical
            init = np.asarray(init, dtype=np.float64)
            if n_init != 1:
                warnings.warn(
                    "Explicit initial positions passed: performing only one init of "
                    f"the MDS instead of {n_init}",
                    UserWarning,
                    stacklevel=2,
                )
            n_init = 1
        random_state = check_random_state(self.random_state)
        n = self.dissimilarity_matrix_.shape[0]
        # every run's random start drawn here, in order: the runs match the sequential ones
        # whatever n_jobs is, and can go to joblib workers
        starts = [
            init
            if init is not None
            else random_state.uniform(size=n * self.n_components).reshape(n, self.n_components)
            for _ in range(n_init)
        ]
        options = {
            "metric_mds": metric_mds,
            "n_components": self.n_components,
            "max_iter": self.max_iter,
            "eps": self.eps,
            "random_state": None,
            "normalized_stress": normalized,
            "verbose": self.verbose,
        }
        tasks = [(self.dissimilarity_matrix_, start, options) for start in starts]
        best = None
        for run in parallel_map(_smacof_task, tasks, self.n_jobs):
            if best is None or run[1] < best[1]:
                best = run
        self.embedding_, stress, self.n_iter_ = best
        self.stress_ = float(stress)
        return self.embedding_

    def _resolve_params(self):
        """Validate the parameters; return (metric, metric_mds, init) after deprecations."""
        self._validate_params()
        start = self.init
        if start == "warn":
            warnings.warn(
                "The default value of `init` will change from 'random' to "
                "'classical_mds' in 1.10. To suppress this warning, provide some "
                "value of `init`.",
                FutureWarning,
                stacklevel=3,
            )
            start = "random"
        metric, metric_mds = self.metric, self.metric_mds
        if isinstance(self.metric, bool):
            warnings.warn(
                f"Use metric_mds={self.metric} instead of metric={self.metric}. The "
                "support for metric={True/False} will be dropped in 1.10.",
                FutureWarning,
                stacklevel=3,
            )
            metric, metric_mds = "euclidean", self.metric
        elif metric not in METRICS:
            raise ValueError(f"metric must be one of {sorted(METRICS)}; got {metric!r}.")
        if self.dissimilarity != "deprecated":
            if not isinstance(self.metric, bool) and self.metric != "euclidean":
                raise ValueError(
                    "You provided both `dissimilarity` and `metric`. Please use only `metric`."
                )
            warnings.warn(
                "The `dissimilarity` parameter is deprecated and will be removed in "
                "1.10. Use `metric` instead.",
                FutureWarning,
                stacklevel=3,
            )
            metric = self.dissimilarity
        return metric, bool(metric_mds), start
