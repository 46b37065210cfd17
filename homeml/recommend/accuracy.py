"""Accuracy of rating predictions (Surprise's ``accuracy``): :func:`rmse`, :func:`mse`,
:func:`mae` and :func:`fcp` (fraction of concordant pairs, Koren 2011).
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np

__all__ = ["fcp", "mae", "mse", "rmse"]


def _errors(predictions) -> np.ndarray:
    if not predictions:
        raise ValueError("Prediction list is empty.")
    return np.array([float(p[3]) - float(p[2]) for p in predictions])


def mse(predictions, verbose: bool = True) -> float:
    """Mean squared error of ``est`` against ``r_ui``."""
    value = float(np.mean(_errors(predictions) ** 2))
    if verbose:
        print(f"MSE: {value:1.4f}")
    return value


def rmse(predictions, verbose: bool = True) -> float:
    """Root mean squared error of ``est`` against ``r_ui``."""
    value = float(np.sqrt(np.mean(_errors(predictions) ** 2)))
    if verbose:
        print(f"RMSE: {value:1.4f}")
    return value


def mae(predictions, verbose: bool = True) -> float:
    """Mean absolute error of ``est`` against ``r_ui``."""
    value = float(np.mean(np.abs(_errors(predictions))))
    if verbose:
        print(f"MAE:  {value:1.4f}")
    return value


def fcp(predictions, verbose: bool = True) -> float:
    """Fraction of concordant pairs: per user, the pairs of items whose predicted order agrees
    with the true order (``est_i > est_j`` and ``r_i > r_j``) against those that disagree
    (``est_i >= est_j`` and ``r_i < r_j``), each count averaged over the users that have one,
    then ``nc / (nc + nd)`` (Surprise's definition).
    """
    if not predictions:
        raise ValueError("Prediction list is empty.")
    by_user: dict = defaultdict(list)
    for p in predictions:
        by_user[p[0]].append((float(p[2]), float(p[3])))
    nc_u, nd_u = {}, {}
    for u, pairs in by_user.items():
        r, est = np.array(pairs).T
        concordant = int(np.sum((est[:, None] > est[None, :]) & (r[:, None] > r[None, :])))
        discordant = int(np.sum((est[:, None] >= est[None, :]) & (r[:, None] < r[None, :])))
        if concordant:
            nc_u[u] = concordant
        if discordant:
            nd_u[u] = discordant
    nc = np.mean(list(nc_u.values())) if nc_u else 0
    nd = np.mean(list(nd_u.values())) if nd_u else 0
    if nc + nd == 0:
        raise ValueError(
            "cannot compute fcp on this list of prediction. Does every user have at least two "
            "predictions?"
        )
    value = float(nc / (nc + nd))
    if verbose:
        print(f"FCP:  {value:1.4f}")
    return value
