"""Similarity matrices between users (or items) for the neighbourhood algorithms, as Surprise
defines them: ``cosine``, ``msd`` (mean squared difference), ``pearson`` and
``pearson_baseline`` (Pearson on baseline residuals, shrunk by the support).

Each similarity is a sum over the items (users) two users (items) have both rated. Surprise
loops over those pairs; here the same sums come from matrix products of the dense rating matrix
``R`` (zeros where there is no rating) and its mask ``M``: ``R R^T`` is the sum of ``r_i r_j``,
``M M^T`` the support, ``(R*R) M^T`` the sum of ``r_i^2`` over the common ones. The results
equal Surprise's up to the rounding of the sums (exactly, for integer ratings). A user-item pair
rated twice is counted once here (Surprise counts it twice).
"""

from __future__ import annotations

import numpy as np

__all__ = ["SIMILARITIES", "compute_similarities", "cosine", "msd", "pearson", "pearson_baseline"]


def _matrices(indptr, ids, ratings, n_y):
    """Dense ``R`` (n_x, n_y) and mask ``M`` from one side's CSR arrays."""
    n_x = len(indptr) - 1
    rows = np.repeat(np.arange(n_x), np.diff(indptr))
    R = np.zeros((n_x, n_y))
    M = np.zeros((n_x, n_y))
    R[rows, ids] = ratings
    M[rows, ids] = 1.0
    return R, M


def _finish(sim, freq, min_support):
    sim[freq < min_support] = 0.0
    np.fill_diagonal(sim, 1.0)
    return sim


def cosine(R, M, min_support=1):
    """``sum r_i r_j / sqrt(sum r_i^2 sum r_j^2)`` over the common ratings."""
    freq = M @ M.T
    prods = R @ R.T
    sqi = (R * R) @ M.T
    denom = np.sqrt(sqi * sqi.T)
    with np.errstate(divide="ignore", invalid="ignore"):
        sim = np.where(denom > 0, prods / np.where(denom > 0, denom, 1.0), 0.0)
    return _finish(sim, freq, min_support)


def msd(R, M, min_support=1):
    """``1 / (mean squared difference + 1)`` over the common ratings."""
    freq = M @ M.T
    sqi = (R * R) @ M.T
    sq_diff = np.maximum(sqi + sqi.T - 2.0 * (R @ R.T), 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        sim = 1.0 / (sq_diff / np.where(freq > 0, freq, 1.0) + 1.0)
    return _finish(sim, freq, min_support)


def pearson(R, M, min_support=1):
    """Pearson's correlation over the common ratings (0 when a variance is 0)."""
    freq = M @ M.T
    prods = R @ R.T
    sqi = (R * R) @ M.T
    si = R @ M.T  # si[a, b]: sum of a's ratings over the items b rated too
    num = freq * prods - si * si.T
    denom2 = (freq * sqi - si**2) * (freq * sqi.T - si.T**2)
    denom = np.sqrt(np.maximum(denom2, 0.0))
    with np.errstate(divide="ignore", invalid="ignore"):
        sim = np.where(denom > 0, num / np.where(denom > 0, denom, 1.0), 0.0)
    return _finish(sim, freq, min_support)


def pearson_baseline(R, M, min_support, global_mean, bx, by, shrinkage=100):
    """Pearson on the residuals ``r - (mu + b_x + b_y)``, times ``(n - 1) / (n - 1 +
    shrinkage)`` for a support of ``n`` (at least 2).

    Computed in place where it can: the (n_x, n_x) matrices are the memory of a fit.
    """
    D = R - (global_mean + bx[:, None] + by[None, :])
    D *= M
    sim = D @ D.T  # the products of residuals
    D *= D
    sqi = D @ M.T
    del D
    denom = sqi * sqi.T
    del sqi
    np.sqrt(denom, out=denom)
    np.divide(sim, denom, out=sim, where=denom > 0)
    sim[denom <= 0] = 0.0
    del denom
    freq = M @ M.T
    factor = freq - 1
    factor /= factor + shrinkage
    sim *= factor
    del factor
    return _finish(sim, freq, max(2, min_support))


SIMILARITIES = {
    "cosine": cosine,
    "msd": msd,
    "pearson": pearson,
    "pearson_baseline": pearson_baseline,  # called with the baselines (below)
}


def compute_similarities(algo):
    """The similarity matrix that ``algo.sim_options`` names, on ``algo.trainset``: between
    users when ``user_based`` (default True), else between items.
    """
    options = algo.sim_options or {}
    t = algo.trainset
    user_based = options.get("user_based", True)
    name = str(options.get("name", "msd")).lower()
    if name not in SIMILARITIES:
        raise ValueError(
            f"Wrong sim name {name!r}. Allowed values are {', '.join(sorted(SIMILARITIES))}."
        )
    min_support = int(options.get("min_support", 1))
    if user_based:
        R, M = _matrices(t.ur_indptr, t.ur_items, t.ur_ratings, t.n_items)
    else:
        R, M = _matrices(t.ir_indptr, t.ir_users, t.ir_ratings, t.n_users)
    if name == "pearson_baseline":
        bu, bi = algo.compute_baselines()
        bx, by = (bu, bi) if user_based else (bi, bu)
        return pearson_baseline(
            R, M, min_support, t.global_mean, bx, by, float(options.get("shrinkage", 100))
        )
    return {"cosine": cosine, "msd": msd, "pearson": pearson}[name](R, M, min_support)
