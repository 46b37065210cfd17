"""t-distributed Stochastic Neighbor Embedding (van der Maaten & Hinton, 2008).

Input similarities: per point, a Gaussian over its neighbours whose width is found by binary
search so that its perplexity (2^entropy) is the requested one; these conditional
probabilities are symmetrised into joint probabilities P. The embedding's similarities Q use a
Student-t kernel, and gradient descent (momentum, per-coordinate gains) minimises KL(P || Q):
first 250 iterations with P exaggerated and momentum 0.5, then momentum 0.8.

``method="exact"`` uses all pairs (O(n^2) per iteration); ``"barnes_hut"`` keeps P on the
3 * perplexity nearest neighbours and approximates the repulsion with a tree (O(n log n)),
see ``_barnes_hut.py``.
"""

from __future__ import annotations

import numba
import numpy as np

from homeml.learn._param_validation import Integral, Interval, Real, StrOptions
from homeml.learn.base import BaseEstimator, TransformerMixin, check_random_state
from homeml.learn.manifold._barnes_hut import kl_gradient_barnes_hut
from homeml.learn.manifold._utils import check_metric, check_precomputed, pairwise_distances
from homeml.learn.metrics.pairwise import _euclidean_distances
from homeml.learn.neighbors import NearestNeighbors

MACHINE_EPSILON = np.finfo(np.double).eps
EXPLORATION_ITER = 250  # iterations with early exaggeration
CHECK_EVERY = 50  # iterations between convergence checks
PERPLEXITY_TOLERANCE = 1e-5
MIN_GAIN = 0.01


@numba.njit(cache=True, parallel=True)
def conditional_probabilities(sq_distances, perplexity, neighbors_only):
    """Rows p_{j|i} of Gaussians over ``sq_distances`` (n, k) with the given perplexity.

    Binary search on the precision beta of each row (100 steps at most). With the full
    (n, n) matrix (``neighbors_only=False``) the diagonal is skipped.
    """
    n, k = sq_distances.shape
    P = np.zeros((n, k))
    target = np.log(perplexity)
    for i in numba.prange(n):
        beta, beta_lo, beta_hi = 1.0, -np.inf, np.inf
        for _ in range(100):
            total = 0.0
            for j in range(k):
                if neighbors_only or j != i:
                    P[i, j] = np.exp(-sq_distances[i, j] * beta)
                    total += P[i, j]
            if total == 0.0:
                total = 1e-8
            weighted = 0.0
            for j in range(k):
                P[i, j] /= total
                weighted += sq_distances[i, j] * P[i, j]
            entropy_gap = np.log(total) + beta * weighted - target
            if abs(entropy_gap) <= PERPLEXITY_TOLERANCE:
                break
            if entropy_gap > 0.0:  # too flat: sharpen
                beta_lo = beta
                beta = beta * 2.0 if beta_hi == np.inf else (beta + beta_hi) / 2.0
            else:
                beta_hi = beta
                beta = beta / 2.0 if beta_lo == -np.inf else (beta + beta_lo) / 2.0
    return P


def joint_probabilities_exact(sq_distances, perplexity):
    """Dense symmetric P (n, n): zero diagonal, off-diagonal entries at least machine eps."""
    cond = conditional_probabilities(np.ascontiguousarray(sq_distances), perplexity, False)
    P = cond + cond.T
    P /= max(P.sum(), MACHINE_EPSILON)
    P = np.maximum(P, MACHINE_EPSILON)
    np.fill_diagonal(P, 0.0)
    return P


def joint_probabilities_nn(sq_distances, neighbors, perplexity):
    """Symmetric sparse P from each point's k nearest neighbours, as CSR (indptr, indices,
    data): p_ij = (p_{j|i} + p_{i|j}) / sum."""
    n, k = neighbors.shape
    cond = conditional_probabilities(np.ascontiguousarray(sq_distances), perplexity, True)
    rows = np.repeat(np.arange(n), k)
    cols = neighbors.ravel()
    # both directions, then duplicates (i in j's list and j in i's) summed
    keys = np.concatenate([rows * n + cols, cols * n + rows])
    values = np.concatenate([cond.ravel(), cond.ravel()])
    order = np.argsort(keys, kind="stable")
    keys, values = keys[order], values[order]
    first = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
    data = np.add.reduceat(values, first)
    data /= max(data.sum(), MACHINE_EPSILON)
    unique = keys[first]
    indices = unique % n
    indptr = np.searchsorted(unique // n, np.arange(n + 1))
    return indptr.astype(np.int64), indices.astype(np.int64), data


def kl_gradient_exact(Y, P, dof, compute_error=True):
    """KL divergence of P and Q over all pairs and its gradient, shape (n, d)."""
    d2 = _euclidean_distances(Y, Y, squared=True)
    W = (1.0 + d2 / dof) ** (-(dof + 1.0) / 2.0)  # unnormalised Student-t kernel
    np.fill_diagonal(W, 0.0)
    Q = np.maximum(W / W.sum(), MACHINE_EPSILON)
    np.fill_diagonal(Q, 0.0)
    error = np.nan
    if compute_error:
        off = ~np.eye(len(Y), dtype=bool)
        error = float(np.sum(P[off] * np.log(np.maximum(P[off], MACHINE_EPSILON) / Q[off])))
    PQW = (P - Q) * W
    grad = PQW.sum(axis=1)[:, None] * Y - PQW @ Y
    grad *= 2.0 * (dof + 1.0) / dof
    return error, grad


def gradient_descent(
    objective,
    y0,
    *,
    start,
    max_iter,
    momentum,
    learning_rate,
    n_iter_without_progress,
    min_grad_norm,
    verbose,
):
    """Iterations ``start .. max_iter - 1`` of gradient descent with momentum and gains.

    Gains grow by 0.2 where the gradient keeps the sign of the last update's direction and
    shrink by 0.8 where it flips (floored at MIN_GAIN). Every CHECK_EVERY iterations the KL
    divergence is computed; the phase stops when it has not improved for
    ``n_iter_without_progress`` iterations or the gradient norm is below ``min_grad_norm``.
    Like scikit-learn, each phase starts from a zero update and unit gains.
    Returns (y, error, last i).
    """
    y = y0.copy()
    update, gains = np.zeros_like(y), np.ones_like(y)
    error, best_error, best_iter = np.finfo(float).max, np.finfo(float).max, start
    i = start
    for i in range(start, max_iter):
        check = (i + 1) % CHECK_EVERY == 0
        error, grad = objective(y, check or i == max_iter - 1)
        same_direction = update * grad < 0.0
        gains[same_direction] += 0.2
        gains[~same_direction] *= 0.8
        np.maximum(gains, MIN_GAIN, out=gains)
        grad *= gains
        update *= momentum
        update -= learning_rate * grad
        y += update
        if check:
            grad_norm = np.sqrt(np.sum(grad * grad))
            if verbose >= 2:
                print(
                    f"[t-SNE] Iteration {i + 1}: error = {error:.7f}, "
                    f"gradient norm = {grad_norm:.7f}"
                )
            if error < best_error:
                best_error, best_iter = error, i
            elif i - best_iter > n_iter_without_progress:
                break
            if grad_norm <= min_grad_norm:
                break
    return y, error, i


class TSNE(TransformerMixin, BaseEstimator):
    """T-distributed Stochastic Neighbor Embedding.

    Parameters
    ----------
    n_components : int, default=2
        Dimension of the embedding (at most 3 with ``method="barnes_hut"``).
    perplexity : float, default=30.0
        Effective number of neighbours of each point; must be below ``n_samples``.
    early_exaggeration : float, default=12.0
        Factor on P during the first 250 iterations (>= 1).
    learning_rate : float or "auto", default="auto"
        "auto" is ``max(n_samples / early_exaggeration / 4, 50)``.
    max_iter : int, default=1000
        Total iterations (>= 250).
    n_iter_without_progress : int, default=300
        Stop after this many iterations without a lower KL divergence (checked every 50).
    min_grad_norm : float, default=1e-7
        Stop when the gradient norm falls below this.
    metric : str, default="euclidean"
        "euclidean", "manhattan", "chebyshev", "minkowski", "cosine" or "precomputed" (X is a
        square distance matrix). Distances are squared before the perplexity search.
    metric_params : dict, default=None
        ``{"p": ...}`` for "minkowski".
    init : {"pca", "random"} or ndarray of shape (n_samples, n_components), default="pca"
        "pca": the principal components, scaled so the first has standard deviation 1e-4;
        "random": Gaussian with standard deviation 1e-4.
    verbose : int, default=0
    random_state : int, RandomState or None, default=None
        Seeds the random initialisation.
    method : {"barnes_hut", "exact"}, default="barnes_hut"
    angle : float, default=0.5
        Barnes-Hut accuracy: a cell is summarised when width / distance < angle (0 to 1).
    n_jobs : int, default=None
        Blocks of neighbour queries run at once, through ``joblib.Parallel`` (None: 1 unless a
        joblib ``parallel_backend`` says otherwise).

    Attributes
    ----------
    embedding_ : ndarray of shape (n_samples, n_components)
    kl_divergence_ : float
        KL divergence after optimisation.
    n_iter_ : int
        Index of the last iteration run.
    learning_rate_ : float
        The learning rate used.
    n_features_in_ : int
    """

    _homeml_constraints = {
        "n_components": [Interval(Integral, 1, None, closed="left")],
        "perplexity": [Interval(Real, 0, None, closed="neither")],
        "early_exaggeration": [Interval(Real, 1, None, closed="left")],
        "learning_rate": [StrOptions({"auto"}), Interval(Real, 0, None, closed="neither")],
        "max_iter": [Interval(Integral, EXPLORATION_ITER, None, closed="left")],
        "n_iter_without_progress": [Interval(Integral, -1, None, closed="left")],
        "min_grad_norm": [Interval(Real, 0, None, closed="left")],
        "metric_params": [dict, None],
        "init": [StrOptions({"pca", "random"}), np.ndarray],
        "verbose": ["verbose"],
        "random_state": ["random_state"],
        "method": [StrOptions({"barnes_hut", "exact"})],
        "angle": [Interval(Real, 0, 1, closed="both")],
    }

    def __init__(
        self,
        n_components=2,
        *,
        perplexity=30.0,
        early_exaggeration=12.0,
        learning_rate="auto",
        max_iter=1000,
        n_iter_without_progress=300,
        min_grad_norm=1e-7,
        metric="euclidean",
        metric_params=None,
        init="pca",
        verbose=0,
        random_state=None,
        method="barnes_hut",
        angle=0.5,
        n_jobs=None,
    ):
        self.n_components = n_components
        self.perplexity = perplexity
        self.early_exaggeration = early_exaggeration
        self.learning_rate = learning_rate
        self.max_iter = max_iter
        self.n_iter_without_progress = n_iter_without_progress
        self.min_grad_norm = min_grad_norm
        self.metric = metric
        self.metric_params = metric_params
        self.init = init
        self.verbose = verbose
        self.random_state = random_state
        self.method = method
        self.angle = angle
        self.n_jobs = n_jobs

    def _homeml_tags(self) -> dict:
        return {**super()._homeml_tags(), "pairwise": self.metric == "precomputed"}

    def fit(self, X, y=None):
        """Compute the embedding of ``X`` (stored in ``embedding_``); ``y`` is ignored."""
        self.fit_transform(X)
        return self

    def fit_transform(self, X, y=None):
        """Compute and return the embedding of ``X``, shape (n_samples, n_components)."""
        self._validate_params()
        X = self._validate_data(X, ensure_min_samples=2)
        X = X.astype(np.float64, copy=False)
        n = X.shape[0]
        if self.perplexity >= n:
            raise ValueError(f"perplexity ({self.perplexity}) must be less than n_samples ({n})")
        if self.metric == "precomputed":
            if isinstance(self.init, str) and self.init == "pca":
                raise ValueError(
                    'The parameter init="pca" cannot be used with metric="precomputed".'
                )
            check_precomputed(X)
        self.learning_rate_ = (
            max(n / self.early_exaggeration / 4, 50.0)
            if isinstance(self.learning_rate, str)
            else float(self.learning_rate)
        )
        P = self._input_probabilities(X)
        Y0 = self._initial_embedding(X, check_random_state(self.random_state))
        self.embedding_ = self._optimize(P, Y0)
        return self.embedding_

    def _check_param_combinations(self) -> None:
        """The rules that tie parameters together (the table checks each one alone)."""
        if self.method == "barnes_hut" and self.n_components > 3:
            raise ValueError(
                "'n_components' should be inferior to 4 for the barnes_hut "
                "algorithm as it relies on quad-tree or oct-tree."
            )
        check_metric(self.metric, self.metric_params)

    def _input_probabilities(self, X):
        n = X.shape[0]
        if self.method == "exact":
            if self.metric == "precomputed":
                D = X**2
            elif self.metric == "euclidean":
                D = pairwise_distances(X, "sqeuclidean")
            else:
                D = pairwise_distances(X, self.metric, self.metric_params) ** 2
            return joint_probabilities_exact(D, self.perplexity)
        k = min(n - 1, int(3.0 * self.perplexity + 1))
        if self.verbose:
            print(f"[t-SNE] Computing {k} nearest neighbors...")
        if self.metric == "precomputed":
            D = X.copy()
            np.fill_diagonal(D, np.inf)
            ind = np.argpartition(D, k - 1, axis=1)[:, :k]
            dist = np.take_along_axis(D, ind, axis=1)
        else:
            knn = NearestNeighbors(
                n_neighbors=k,
                metric=self.metric,
                metric_params=self.metric_params,
                n_jobs=self.n_jobs,
            )
            dist, ind = knn.fit(X).kneighbors()
        return joint_probabilities_nn(dist**2, ind, self.perplexity)

    def _initial_embedding(self, X, random_state):
        n, k = X.shape[0], self.n_components
        if isinstance(self.init, np.ndarray):
            Y = np.array(self.init, dtype=np.float64)
            if Y.shape != (n, k):
                raise ValueError(f"init array must have shape ({n}, {k}); got {Y.shape}.")
            return Y
        if self.init == "random":
            return 1e-4 * random_state.standard_normal(size=(n, k))
        Y = _pca_scores(X, k)
        # scaled so the first component has the standard deviation of the random init
        return Y / np.std(Y[:, 0]) * 1e-4

    def _optimize(self, P, Y0):
        n, d = Y0.shape
        dof = max(d - 1, 1)  # degrees of freedom of the Student-t kernel

        if self.method == "exact":

            def objective(y, compute_error):
                error, grad = kl_gradient_exact(y.reshape(n, d), P_now, dof, compute_error)
                return error, grad.ravel()
        else:

            def objective(y, compute_error):
                error, grad = kl_gradient_barnes_hut(
                    y.reshape(n, d),
                    (P_now[0], P_now[1], P_now[2]),
                    dof,
                    self.angle,
                    compute_error,
                )
                return error, grad.ravel()

        exaggerate = (
            (lambda P, f: P * f)
            if self.method == "exact"
            else (lambda P, f: (P[0], P[1], P[2] * f))
        )
        common = dict(
            learning_rate=self.learning_rate_,
            min_grad_norm=self.min_grad_norm,
            verbose=self.verbose,
        )
        P_now = exaggerate(P, self.early_exaggeration)
        y, error, it = gradient_descent(
            objective,
            Y0.ravel(),
            start=0,
            max_iter=EXPLORATION_ITER,
            momentum=0.5,
            n_iter_without_progress=EXPLORATION_ITER,
            **common,
        )
        if self.verbose:
            print(
                f"[t-SNE] KL divergence after {it + 1} iterations with early "
                f"exaggeration: {error:f}"
            )
        P_now = P
        if it < EXPLORATION_ITER or self.max_iter > EXPLORATION_ITER:
            y, error, it = gradient_descent(
                objective,
                y,
                start=it + 1,
                max_iter=self.max_iter,
                momentum=0.8,
                n_iter_without_progress=self.n_iter_without_progress,
                **common,
            )
        if self.verbose:
            print(f"[t-SNE] KL divergence after {it + 1} iterations: {error:f}")
        self.n_iter_ = it
        self.kl_divergence_ = float(error)
        return y.reshape(n, d)

    def get_feature_names_out(self, input_features=None):
        """Output feature names ``tsne0, tsne1, ...``."""
        return np.asarray([f"tsne{i}" for i in range(self.embedding_.shape[1])], dtype=object)


def _pca_scores(X, k):
    """Scores of the k leading principal components of X, each component's sign fixed so
    that its largest-magnitude loading is positive (scikit-learn's PCA convention)."""
    Xc = X - X.mean(axis=0)
    n, f = Xc.shape
    if n >= f:  # eigenvectors of the (f, f) covariance are cheaper than an (n, f) SVD
        values, vectors = np.linalg.eigh(Xc.T @ Xc)
        components = vectors[:, np.argsort(values)[::-1][:k]].T
    else:
        components = np.linalg.svd(Xc, full_matrices=False)[2][:k]
    k_eff = components.shape[0]
    signs = np.sign(components[np.arange(k_eff), np.argmax(np.abs(components), axis=1)])
    components *= np.where(signs == 0, 1.0, signs)[:, None]
    scores = Xc @ components.T
    if k_eff < k:  # fewer features than components: pad with zeros
        scores = np.hstack([scores, np.zeros((n, k - k_eff))])
    return scores
