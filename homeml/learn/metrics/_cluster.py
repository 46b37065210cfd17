"""Scores of a clustering: against true labels (ARI, NMI, AMI, V-measure) or from the data alone
(silhouette, Davies-Bouldin, Calinski-Harabasz).

Label-comparison scores start from the contingency table ``C[i, j]`` = number of samples of true
class ``i`` put in cluster ``j``; entropies and mutual information use natural logarithms, as
scikit-learn does. The silhouette walks over rows in chunks, so it never holds the full
``n x n`` distance matrix.
"""

from __future__ import annotations

import math
import numbers
import warnings

import numpy as np

from homeml.learn.base import check_array, check_random_state, column_or_1d, type_of_target
from homeml.learn.metrics.pairwise import _euclidean_distances

_AVERAGE_METHODS = ("min", "geometric", "arithmetic", "max")
_CHUNK_BYTES = 64 * 2**20  # size of one (rows x n_samples) distance block of the silhouette


# -- label comparison ---------------------------------------------------------------------------


def _check_clusterings(labels_true, labels_pred):
    """Both labelings as 1-D arrays of the same length, with a warning for continuous values."""
    checked = []
    for name, labels in (("labels_true", labels_true), ("labels_pred", labels_pred)):
        labels = np.asarray(labels.to_numpy() if hasattr(labels, "to_numpy") else labels)
        if labels.ndim != 1:
            raise ValueError(f"{name} must be 1D: shape is {labels.shape}")
        if labels.size and type_of_target(labels) == "continuous":
            warnings.warn(
                f"Clustering metrics expects discrete values but received continuous values "
                f"for label, and {name} values are {labels[:5]}...",
                UserWarning,
                stacklevel=3,
            )
        checked.append(labels)
    if len(checked[0]) != len(checked[1]):
        raise ValueError(
            "Found input variables with inconsistent numbers of samples: "
            f"[{len(checked[0])}, {len(checked[1])}]"
        )
    return checked


def _codes(labels) -> tuple[int, np.ndarray]:
    """Number of distinct labels and each sample's code 0..k-1."""
    uniques, codes = np.unique(labels, return_inverse=True)
    return len(uniques), codes.reshape(-1)


def contingency_matrix(labels_true, labels_pred, *, eps=None, sparse=False, dtype=np.int64):
    """Counts of samples per (true class, predicted cluster), classes and clusters sorted.

    Parameters
    ----------
    labels_true, labels_pred : array-like of shape (n_samples,)
    eps : float or None
        Added to every cell (the result is then float).
    sparse : bool
        Must be False: homeml returns a dense ndarray (scikit-learn can return a SciPy matrix).
    dtype : numeric type
        Type of the counts when ``eps`` is None.

    Returns
    -------
    ndarray of shape (n_classes_true, n_clusters_pred)
    """
    if sparse:
        raise ValueError("sparse=True is not supported: homeml returns a dense contingency matrix.")
    n_true, codes_true = _codes(labels_true)
    n_pred, codes_pred = _codes(labels_pred)
    matrix = np.zeros((n_true, n_pred), dtype=np.int64)
    np.add.at(matrix, (codes_true, codes_pred), 1)
    if eps is not None:
        return matrix.astype(np.float64) + eps
    return matrix.astype(dtype, copy=False)


def pair_confusion_matrix(labels_true, labels_pred) -> np.ndarray:
    """2 x 2 counts of ordered sample pairs: ``[[together in neither, only in pred],
    [only in true, together in both]]`` ("together" = same class or same cluster)."""
    labels_true, labels_pred = _check_clusterings(labels_true, labels_pred)
    n = np.int64(labels_true.shape[0])
    C = contingency_matrix(labels_true, labels_pred)
    n_c, n_k = C.sum(axis=1), C.sum(axis=0)  # class sizes, cluster sizes
    sum_squares = np.sum(C.astype(np.int64) ** 2)
    both = sum_squares - n
    only_pred = np.dot(n_k, n_k) - sum_squares
    only_true = np.dot(n_c, n_c) - sum_squares
    neither = n * n - only_pred - only_true - sum_squares
    return np.array([[neither, only_pred], [only_true, both]], dtype=np.int64)


def rand_score(labels_true, labels_pred) -> float:
    """Fraction of sample pairs on which the two labelings agree (same group in both or in
    neither); 1.0 for fewer than two samples or a single group in each."""
    matrix = pair_confusion_matrix(labels_true, labels_pred)
    agree, total = matrix.diagonal().sum(), matrix.sum()
    if agree == total or total == 0:
        return 1.0
    return float(agree / total)


def adjusted_rand_score(labels_true, labels_pred) -> float:
    """Rand index corrected for chance: 0 for random labelings, 1 for identical ones (up to a
    renaming), negative when worse than chance.

    Parameters
    ----------
    labels_true, labels_pred : array-like of shape (n_samples,)

    Returns
    -------
    float in [-0.5, 1]
    """
    (neither, only_pred), (only_true, both) = pair_confusion_matrix(labels_true, labels_pred)
    neither, only_pred, only_true, both = (int(v) for v in (neither, only_pred, only_true, both))
    if only_true == 0 and only_pred == 0:  # identical partitions, including the trivial ones
        return 1.0
    numerator = 2.0 * (both * neither - only_true * only_pred)
    denominator = (both + only_true) * (only_true + neither) + (both + only_pred) * (
        only_pred + neither
    )
    return float(numerator / denominator)


def entropy(labels) -> float:
    """Shannon entropy (natural log) of a labeling; 1.0 for an empty one, as scikit-learn."""
    labels = np.asarray(labels)
    if labels.size == 0:
        return 1.0
    counts = np.bincount(_codes(labels)[1]).astype(np.float64)
    counts = counts[counts > 0]
    total = counts.sum()
    return float(max(0.0, -np.sum((counts / total) * (np.log(counts) - np.log(total)))))


def mutual_info_score(labels_true, labels_pred, *, contingency=None) -> float:
    """Mutual information (natural log) between two labelings of the same samples.

    Parameters
    ----------
    labels_true, labels_pred : array-like of shape (n_samples,)
        Ignored when ``contingency`` is given (pass None for both then).
    contingency : ndarray of shape (n_classes, n_clusters) or None
        A contingency matrix to use instead of the labels.

    Returns
    -------
    float (>= 0)
    """
    if contingency is None:
        labels_true, labels_pred = _check_clusterings(labels_true, labels_pred)
        contingency = contingency_matrix(labels_true, labels_pred)
    else:
        contingency = check_array(contingency, name="contingency", dtype=[np.int64, np.float64])
    contingency = np.asarray(contingency, dtype=np.float64)
    n_i, n_j = contingency.sum(axis=1), contingency.sum(axis=0)
    if n_i.size == 1 or n_j.size == 1:  # a single group has zero entropy, and MI <= entropy
        return 0.0
    rows, cols = np.nonzero(contingency)
    n_ij = contingency[rows, cols]
    total = contingency.sum()
    # sum p_ij * log(p_ij / (p_i p_j)) with p = n / N, on the non-empty cells only; the terms
    # are grouped as scikit-learn groups them so that perfect matches give exactly 1.0 later
    p_ij = n_ij / total
    log_outer = -np.log(n_i[rows] * n_j[cols]) + math.log(n_i.sum()) + math.log(n_j.sum())
    terms = p_ij * (np.log(n_ij) - math.log(total)) + p_ij * log_outer
    terms[np.abs(terms) < np.finfo(np.float64).eps] = 0.0  # rounding noise, not information
    return float(max(np.sum(terms), 0.0))


def _generalized_mean(u: float, v: float, average_method: str) -> float:
    if average_method not in _AVERAGE_METHODS:
        raise ValueError(
            f"average_method must be one of {_AVERAGE_METHODS}; got {average_method!r}."
        )
    if average_method == "min":
        return min(u, v)
    if average_method == "geometric":
        return float(np.sqrt(u * v))
    if average_method == "arithmetic":
        return (u + v) / 2.0
    return max(u, v)


def _trivial_agreement(labels_true, labels_pred) -> bool:
    """Both labelings are one single group (or empty): perfect agreement by convention."""
    n_true, n_pred = len(np.unique(labels_true)), len(np.unique(labels_pred))
    return n_true == n_pred and n_true in (0, 1)


def normalized_mutual_info_score(labels_true, labels_pred, *, average_method="arithmetic"):
    """Mutual information divided by a mean of the two entropies, in [0, 1].

    Parameters
    ----------
    labels_true, labels_pred : array-like of shape (n_samples,)
    average_method : {"min", "geometric", "arithmetic", "max"}
        How the two entropies are averaged into the normaliser.

    Returns
    -------
    float
    """
    labels_true, labels_pred = _check_clusterings(labels_true, labels_pred)
    _generalized_mean(0.0, 0.0, average_method)  # validates the name even on trivial input
    if _trivial_agreement(labels_true, labels_pred):
        return 1.0
    mi = mutual_info_score(None, None, contingency=contingency_matrix(labels_true, labels_pred))
    if mi == 0:  # independent labelings (e.g. one of them a single group)
        return 0.0
    normalizer = _generalized_mean(entropy(labels_true), entropy(labels_pred), average_method)
    return float(mi / max(normalizer, np.finfo(np.float64).eps))


def _log_factorials(n: int) -> np.ndarray:
    """``log(k!)`` for k = 0..n. ``math.lgamma`` is correctly rounded here; a cumulative sum of
    logs drifts (2.7e-7 off at n = 10**6), which the chance correction amplifies."""
    return np.fromiter((math.lgamma(k + 1) for k in range(n + 1)), np.float64, count=n + 1)


def expected_mutual_information(contingency, n_samples: int) -> float:
    """Expected mutual information of two random labelings with the same group sizes as the
    contingency table (hypergeometric model of Vinh, Epps and Bailey, 2009)."""
    contingency = np.asarray(contingency)
    a = contingency.sum(axis=1).astype(np.int64)  # class sizes
    b = contingency.sum(axis=0).astype(np.int64)  # cluster sizes
    N = int(n_samples)
    if len(a) == 1 or len(b) == 1:
        return 0.0
    log_fact = _log_factorials(N)
    max_nij = int(min(a.max(), b.max()))
    nij = np.arange(1, max_nij + 1)  # possible cell counts, nij = 0 adds nothing
    # term_1[n] = n / N and term_2[i, j, n] = log(N n / (a_i b_j)), built per class row below
    expected = 0.0
    for a_i in a:
        start = np.maximum(1, a_i + b - N)  # (n_clusters,) smallest feasible n_ij
        stop = np.minimum(a_i, b)  # largest feasible n_ij
        n = nij[None, :]
        feasible = (n >= start[:, None]) & (n <= stop[:, None])
        n_safe = np.where(feasible, n, 1)
        b_col = b[:, None]
        # log of the hypergeometric probability of n_ij = n
        log_prob = (
            log_fact[a_i]
            + log_fact[b_col]
            + log_fact[N - a_i]
            + log_fact[N - b_col]
            - log_fact[N]
            - log_fact[n_safe]
            - log_fact[np.maximum(a_i - n_safe, 0)]
            - log_fact[np.maximum(b_col - n_safe, 0)]
            - log_fact[np.maximum(N - a_i - b_col + n_safe, 0)]
        )
        mi_term = (n_safe / N) * (np.log(N * n_safe) - np.log(a_i * b_col))
        expected += np.sum(np.where(feasible, mi_term * np.exp(log_prob), 0.0))
    return float(expected)


def adjusted_mutual_info_score(labels_true, labels_pred, *, average_method="arithmetic"):
    """Mutual information corrected for chance: ``(MI - E[MI]) / (mean(H_true, H_pred) - E[MI])``.

    Parameters
    ----------
    labels_true, labels_pred : array-like of shape (n_samples,)
    average_method : {"min", "geometric", "arithmetic", "max"}

    Returns
    -------
    float (1 for identical labelings, about 0 for random ones)
    """
    labels_true, labels_pred = _check_clusterings(labels_true, labels_pred)
    _generalized_mean(0.0, 0.0, average_method)
    if _trivial_agreement(labels_true, labels_pred):
        return 1.0
    C = contingency_matrix(labels_true, labels_pred)
    if 1 in C.shape:  # one side is a single group: no information, whatever the other side
        return 0.0
    n = len(labels_true)
    if n in C.shape:
        # One side puts every sample alone: every table with these margins has MI = H(other),
        # so MI = E[MI] = H(other) exactly and the float ratio below would be rounding noise.
        # AMI is 0 / (mean - H(other)), i.e. 0, unless the mean equals H(other) ("min", or both
        # sides all singletons): then it is 0 / 0, which scikit-learn's eps guard means as 1.
        both_singletons = C.shape == (n, n)
        return 1.0 if average_method == "min" or both_singletons else 0.0
    mi = mutual_info_score(None, None, contingency=C)
    emi = expected_mutual_information(C, len(labels_true))
    normalizer = _generalized_mean(entropy(labels_true), entropy(labels_pred), average_method)
    denominator = normalizer - emi
    # keep the sign of the denominator while avoiding a division by (almost) zero
    eps = np.finfo(np.float64).eps
    denominator = min(denominator, -eps) if denominator < 0 else max(denominator, eps)
    numerator = mi - emi
    numerator = min(numerator, -eps) if numerator < 0 else max(numerator, eps)
    return float(numerator / denominator)


def homogeneity_completeness_v_measure(labels_true, labels_pred, *, beta=1.0):
    """Homogeneity (each cluster holds one class), completeness (each class sits in one
    cluster) and their weighted harmonic mean, the V-measure.

    Returns
    -------
    (homogeneity, completeness, v_measure) : tuple of floats in [0, 1]
    """
    labels_true, labels_pred = _check_clusterings(labels_true, labels_pred)
    if len(labels_true) == 0:
        return 1.0, 1.0, 1.0
    entropy_true, entropy_pred = entropy(labels_true), entropy(labels_pred)
    mi = mutual_info_score(None, None, contingency=contingency_matrix(labels_true, labels_pred))
    homogeneity = mi / entropy_true if entropy_true else 1.0
    completeness = mi / entropy_pred if entropy_pred else 1.0
    if homogeneity + completeness == 0.0:
        v_measure = 0.0
    else:
        v_measure = (1 + beta) * homogeneity * completeness / (beta * homogeneity + completeness)
    return float(homogeneity), float(completeness), float(v_measure)


def homogeneity_score(labels_true, labels_pred) -> float:
    """1.0 when every cluster holds samples of a single class."""
    return homogeneity_completeness_v_measure(labels_true, labels_pred)[0]


def completeness_score(labels_true, labels_pred) -> float:
    """1.0 when all samples of a class are in the same cluster."""
    return homogeneity_completeness_v_measure(labels_true, labels_pred)[1]


def v_measure_score(labels_true, labels_pred, *, beta=1.0) -> float:
    """Weighted harmonic mean of homogeneity and completeness (``beta`` weighs completeness)."""
    return homogeneity_completeness_v_measure(labels_true, labels_pred, beta=beta)[2]


# -- scores from the data -----------------------------------------------------------------------


def _check_X_labels(X, labels):
    X = check_array(X, name="X")
    labels = column_or_1d(labels)
    if len(labels) != X.shape[0]:
        raise ValueError(
            "Found input variables with inconsistent numbers of samples: "
            f"[{X.shape[0]}, {len(labels)}]"
        )
    n_labels, codes = _codes(labels)
    if not 1 < n_labels < X.shape[0]:
        raise ValueError(
            f"Number of labels is {n_labels}. Valid values are 2 to n_samples - 1 (inclusive)"
        )
    return X, codes, n_labels


def _distance_block(Q, X, X_sq, metric):
    """Distances (len(Q), len(X)) of the rows ``Q`` to all rows of ``X`` under ``metric``."""
    if metric in ("euclidean", "l2", "sqeuclidean"):
        return _euclidean_distances(Q, X, Y_norm_squared=X_sq, squared=metric == "sqeuclidean")
    if metric in ("manhattan", "cityblock", "l1"):
        return np.abs(Q[:, None, :] - X[None, :, :]).sum(axis=2)
    if metric == "chebyshev":
        return np.abs(Q[:, None, :] - X[None, :, :]).max(axis=2)
    if metric == "cosine":  # X holds unit rows already
        norms = np.linalg.norm(Q, axis=1)
        norms[norms == 0] = 1.0
        return np.clip(1.0 - (Q / norms[:, None]) @ X.T, 0.0, 2.0)
    return np.array([[metric(q, x) for x in X] for q in Q], dtype=np.float64)  # callable


_SILHOUETTE_METRICS = (
    "euclidean",
    "l2",
    "sqeuclidean",
    "manhattan",
    "cityblock",
    "l1",
    "chebyshev",
    "cosine",
    "precomputed",
)


def silhouette_samples(X, labels, *, metric="euclidean", **kwds) -> np.ndarray:
    """Silhouette coefficient of each sample: ``(b - a) / max(a, b)`` where ``a`` is its mean
    distance to the other members of its cluster and ``b`` the smallest mean distance to the
    members of another cluster; 0 for a sample alone in its cluster.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features), or (n_samples, n_samples) distances
        with ``metric="precomputed"``.
    labels : array-like of shape (n_samples,)
    metric : str or callable
        One of "euclidean", "l2", "sqeuclidean", "manhattan", "cityblock", "l1", "chebyshev",
        "cosine", "precomputed", or a function of two rows returning their distance.
    **kwds
        Not used (scikit-learn forwards them to its pairwise distance functions); must be empty.

    Returns
    -------
    ndarray of shape (n_samples,)
    """
    if kwds:
        raise TypeError(f"silhouette_samples got unexpected keyword arguments {sorted(kwds)}.")
    if not callable(metric) and metric not in _SILHOUETTE_METRICS:
        raise ValueError(
            f"metric must be one of {_SILHOUETTE_METRICS} or a callable; got {metric!r}."
        )
    X, codes, n_labels = _check_X_labels(X, labels)
    if metric == "precomputed":
        if X.shape[0] != X.shape[1]:
            raise ValueError(f"A precomputed distance matrix must be square; got {X.shape}.")
        # scikit-learn's tolerance: 100 eps of the given float type, exact zeros for integers
        atol = 100 * np.finfo(X.dtype).eps if X.dtype.kind == "f" else 0
        if np.any(np.abs(np.diagonal(X)) > atol):
            raise ValueError(
                "The precomputed distance matrix contains non-zero elements on the diagonal. "
                "Use np.fill_diagonal(X, 0)."
            )
    X = X.astype(np.float64, copy=False)
    n = X.shape[0]
    cluster_sizes = np.bincount(codes, minlength=n_labels).astype(np.float64)
    one_hot = np.zeros((n, n_labels))
    one_hot[np.arange(n), codes] = 1.0
    if metric == "cosine":
        norms = np.linalg.norm(X, axis=1)
        norms[norms == 0] = 1.0
        reference = X / norms[:, None]
    else:
        reference = X
    X_sq = np.einsum("ij,ij->i", X, X)
    per_row_bytes = (
        8 * n * (X.shape[1] if metric in ("manhattan", "cityblock", "l1", "chebyshev") else 1)
    )
    step = max(1, _CHUNK_BYTES // max(per_row_bytes, 1))
    cluster_distance_sums = np.empty((n, n_labels))
    for start in range(0, n, step):
        rows = slice(start, min(start + step, n))
        if metric == "precomputed":
            D = X[rows]
        else:
            D = _distance_block(X[rows], reference, X_sq, metric)
            if isinstance(metric, str):
                # a sample's distance to itself is 0; the expanded form |q|^2 - 2 q.x + |x|^2
                # leaves rounding noise there, which sqrt inflates to ~1e-8 (scikit-learn zeroes
                # this diagonal too)
                D.flat[start :: n + 1] = 0.0
        cluster_distance_sums[rows] = D @ one_hot  # (rows, n_labels) summed distances
    own = cluster_distance_sums[np.arange(n), codes]
    own_size = cluster_sizes[codes] - 1  # the sample itself is not counted
    with np.errstate(divide="ignore", invalid="ignore"):
        a = own / own_size
        means = cluster_distance_sums / cluster_sizes
    means[np.arange(n), codes] = np.inf
    b = means.min(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        s = (b - a) / np.maximum(a, b)
    s[own_size == 0] = 0.0  # scikit-learn's convention for a cluster of one
    return np.nan_to_num(s)


def silhouette_score(
    X, labels, *, metric="euclidean", sample_size=None, random_state=None, **kwds
) -> float:
    """Mean silhouette coefficient over all samples (or a random subset of ``sample_size``).

    Parameters
    ----------
    X, labels, metric, **kwds
        As in :func:`silhouette_samples`.
    sample_size : int or None
        Score a random subset of this many samples (drawn without replacement).
    random_state : None, int or RandomState
        Draws the subset (the same draw as scikit-learn's for the same seed).

    Returns
    -------
    float in [-1, 1]
    """
    if sample_size is not None:
        if not isinstance(sample_size, numbers.Integral) or sample_size < 1:
            raise ValueError(f"sample_size must be a positive integer; got {sample_size!r}.")
        X = check_array(X, name="X")
        labels = column_or_1d(labels)
        indices = check_random_state(random_state).permutation(X.shape[0])[:sample_size]
        if metric == "precomputed":
            X, labels = X[indices][:, indices], labels[indices]
        else:
            X, labels = X[indices], labels[indices]
    return float(np.mean(silhouette_samples(X, labels, metric=metric, **kwds)))


def _centroids(X, codes, n_labels):
    sizes = np.bincount(codes, minlength=n_labels).astype(np.float64)
    sums = np.zeros((n_labels, X.shape[1]))
    np.add.at(sums, codes, X)
    return sums / sizes[:, None], sizes


def calinski_harabasz_score(X, labels) -> float:
    """Between-cluster dispersion over within-cluster dispersion, each divided by its degrees
    of freedom (higher is better).

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
    labels : array-like of shape (n_samples,)

    Returns
    -------
    float
    """
    X, codes, n_labels = _check_X_labels(X, labels)
    X = X.astype(np.float64, copy=False)
    centres, sizes = _centroids(X, codes, n_labels)
    between = np.sum(sizes * np.sum((centres - X.mean(axis=0)) ** 2, axis=1))
    within = np.sum((X - centres[codes]) ** 2)
    if within == 0.0:
        return 1.0
    n = X.shape[0]
    return float(between * (n - n_labels) / (within * (n_labels - 1)))


def davies_bouldin_score(X, labels) -> float:
    """Mean over clusters of the worst ratio (spread_i + spread_j) / distance between centres
    (lower is better; 0 is the minimum).

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
    labels : array-like of shape (n_samples,)

    Returns
    -------
    float
    """
    X, codes, n_labels = _check_X_labels(X, labels)
    X = X.astype(np.float64, copy=False)
    centres, sizes = _centroids(X, codes, n_labels)
    spread = np.zeros(n_labels)  # mean distance of a cluster's points to its centre
    np.add.at(spread, codes, np.linalg.norm(X - centres[codes], axis=1))
    spread /= sizes
    diff = centres[:, None, :] - centres[None, :, :]
    centre_distances = np.sqrt(np.sum(diff**2, axis=2))
    if np.allclose(spread, 0) or np.allclose(centre_distances, 0):
        return 0.0
    centre_distances[centre_distances == 0] = np.inf
    ratios = (spread[:, None] + spread[None, :]) / centre_distances
    return float(np.mean(np.max(ratios, axis=1)))
