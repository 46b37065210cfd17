"""NMF's beta-divergences and multiplicative-update solver (Fevotte & Idier 2011), for dense
or CSR ``X`` (on CSR the terms that involve ``X`` are computed on its nonzeros only)."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

EPSILON = np.finfo(np.float32).eps  # floor of W @ H where it divides (as scikit-learn)


def _rows(X):
    """The row of each stored entry of the CSR matrix ``X``."""
    return np.repeat(np.arange(X.shape[0]), np.diff(X.indptr))


def _wh_at_nonzeros(W, H, X):
    """``(W @ H)[i, j]`` at the stored entries ``(i, j)`` of the CSR matrix ``X``."""
    return np.einsum("nk,kn->n", W[_rows(X)], H[:, X.indices])


def beta_divergence(X, W, H, beta: float, square_root: bool = False) -> float:
    """Beta-divergence between ``X`` and ``W @ H`` (beta=2: half the squared Frobenius norm;
    ``square_root`` returns ``sqrt(2 * divergence)``, scikit-learn's ``reconstruction_err_``)."""
    sparse = sp.issparse(X)
    if beta == 2:
        if sparse:  # |X|^2 - 2 <X, WH> + |WH|^2, without forming the dense X - WH
            cross = float(np.sum(np.asarray(X @ H.T) * W))
            value = 0.5 * (X.data @ X.data - 2 * cross + np.sum((W.T @ W) * (H @ H.T)))
        else:
            value = 0.5 * float(np.sum((X - W @ H) ** 2))
    else:
        # terms with x = 0 reduce to the sum of W @ H (handled apart)
        if sparse:
            positive = X.data > EPSILON
            x, wh = X.data[positive], _wh_at_nonzeros(W, H, X)[positive]
        else:
            positive = X > EPSILON
            x, wh = X[positive], (W @ H)[positive]
        wh = np.maximum(wh, EPSILON)
        if beta == 1:
            value = float(x @ np.log(x / wh) + W.sum(axis=0) @ H.sum(axis=1) - x.sum())
        elif beta == 0:
            ratio = x / wh
            value = float(np.sum(ratio) - np.prod(X.shape) - np.sum(np.log(ratio)))
        else:
            value = float(
                np.sum(x**beta)
                - beta * (x @ wh ** (beta - 1))
                + (beta - 1) * np.sum((W @ H) ** beta)
            ) / (beta * (beta - 1))
    if square_root:
        return float(np.sqrt(2 * max(value, 0.0)))
    return value


def _mu_factor(X, W, H, beta, l1, l2, gamma, for_W: bool):
    """The multiplicative factor of ``W`` (``for_W``) or ``H``: the ratio of the negative to the
    positive part of the loss gradient, so that the factor stays non-negative."""
    if beta == 2:
        if for_W:
            numerator, denominator = np.asarray(X @ H.T), W @ (H @ H.T)
        else:
            numerator, denominator = np.asarray((X.T @ W).T), (W.T @ W) @ H
    else:
        WH = W @ H
        if sp.issparse(X):  # X / WH (or X * WH^(beta-2)) is zero where X is: keep it sparse
            safe = WH[_rows(X), X.indices]
            safe = np.maximum(safe, EPSILON) if beta < 2 else safe
            values = X.data / safe if beta == 1 else X.data * safe ** (beta - 2)
            weighted = sp.csr_matrix((values, X.indices, X.indptr), shape=X.shape)
            numerator = np.asarray(weighted @ H.T if for_W else (weighted.T @ W).T)
        else:
            safe = np.maximum(WH, EPSILON) if beta < 2 else WH
            weighted = X / safe if beta == 1 else X * safe ** (beta - 2)
            numerator = weighted @ H.T if for_W else W.T @ weighted
        if beta == 1:
            if for_W:
                denominator = np.broadcast_to(H.sum(axis=1)[None, :], W.shape).copy()
            else:
                sums = W.sum(axis=0)
                sums[sums == 0] = 1.0
                denominator = np.broadcast_to(sums[:, None], H.shape).copy()
        else:
            powered = (np.maximum(WH, EPSILON) if beta < 1 else WH) ** (beta - 1)
            denominator = powered @ H.T if for_W else W.T @ powered
    if l1 > 0:
        denominator += l1
    if l2 > 0:
        denominator = denominator + l2 * (W if for_W else H)
    denominator[denominator == 0] = EPSILON
    factor = numerator / denominator
    return factor**gamma if gamma != 1 else factor


def fit_multiplicative_update(X, W, H, beta, tol, max_iter, reg, update_H):
    """Multiplicative updates; every 10 iterations stop when the error improved by less than
    ``tol`` times the initial error."""
    l1_W, l1_H, l2_W, l2_H = reg
    gamma = 1.0 / (2.0 - beta) if beta < 1 else (1.0 / (beta - 1.0) if beta > 2 else 1.0)
    W, H = W.copy(), H.copy()
    initial = previous = beta_divergence(X, W, H, beta, square_root=True)
    tiny = np.finfo(np.float64).eps
    for n_iter in range(1, max_iter + 1):
        W *= _mu_factor(X, W, H, beta, l1_W, l2_W, gamma, for_W=True)
        if beta < 1:
            W[W < tiny] = 0.0
        if update_H:
            H *= _mu_factor(X, W, H, beta, l1_H, l2_H, gamma, for_W=False)
            if beta <= 1:
                H[H < tiny] = 0.0
        if tol > 0 and n_iter % 10 == 0:
            error = beta_divergence(X, W, H, beta, square_root=True)
            if (previous - error) / initial < tol:
                break
            previous = error
    return W, H, n_iter
