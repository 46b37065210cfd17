"""Probabilities for SVC: Platt scaling of decision values and pairwise coupling.

Platt's sigmoid ``P(y=+1 | f) = 1 / (1 + exp(A f + B))`` is fitted by Newton's method with a
backtracking line search on the regularised targets of Lin, Lin & Weng (2007), *A note on Platt's
probabilistic outputs for support vector machines*. Pairwise probabilities ``r_ij`` of a
multiclass one-vs-one SVM are coupled into class probabilities by the second method of Wu, Lin &
Weng (2004), *Probability estimates for multi-class classification by pairwise coupling*.
"""

from __future__ import annotations

import numpy as np

MIN_PROB = 1e-7  # pairwise probabilities are kept inside [MIN_PROB, 1 - MIN_PROB]


def _sigmoid_loss(decision, targets, A, B) -> float:
    z = decision * A + B
    # t z + log(1 + exp(-z)) written stably for both signs of z
    per_sample = np.where(z >= 0, targets * z, (targets - 1) * z) + np.log1p(np.exp(-np.abs(z)))
    return float(np.sum(per_sample))


def fit_sigmoid(decision: np.ndarray, positive: np.ndarray) -> tuple[float, float]:
    """Fit Platt's ``(A, B)`` to decision values and boolean labels (True: the +1 class)."""
    n_pos = float(np.sum(positive))
    n_neg = float(len(positive) - n_pos)
    targets = np.where(positive, (n_pos + 1) / (n_pos + 2), 1 / (n_neg + 2))
    A, B = 0.0, float(np.log((n_neg + 1) / (n_pos + 1)))
    loss = _sigmoid_loss(decision, targets, A, B)
    for _ in range(100):
        p = predict_sigmoid(decision, A, B)  # P(+1)
        weight = p * (1 - p)
        h11 = 1e-12 + np.sum(decision * decision * weight)
        h22 = 1e-12 + np.sum(weight)
        h21 = np.sum(decision * weight)
        residual = targets - p
        g1, g2 = np.sum(decision * residual), np.sum(residual)
        if abs(g1) < 1e-5 and abs(g2) < 1e-5:
            break
        det = h11 * h22 - h21 * h21
        dA = -(h22 * g1 - h21 * g2) / det
        dB = -(-h21 * g1 + h11 * g2) / det
        slope = g1 * dA + g2 * dB
        step = 1.0
        while step >= 1e-10:  # backtracking (Armijo) line search
            new_A, new_B = A + step * dA, B + step * dB
            new_loss = _sigmoid_loss(decision, targets, new_A, new_B)
            if new_loss < loss + 1e-4 * step * slope:
                A, B, loss = new_A, new_B, new_loss
                break
            step /= 2
        else:
            break  # the line search failed: keep the current (A, B)
    return float(A), float(B)


def predict_sigmoid(decision: np.ndarray, A: float, B: float) -> np.ndarray:
    """``1 / (1 + exp(A f + B))`` without overflow."""
    z = decision * A + B
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, e / (1 + e), 1 / (1 + e))


def couple_pairwise(pairwise: np.ndarray, n_classes: int) -> np.ndarray:
    """Class probabilities (n_samples, k) from pairwise ``P(class i | i or j)``, pairs i < j.

    ``pairwise`` has one column per pair in the order (0,1), (0,2), ..., (1,2), ...
    """
    n = pairwise.shape[0]
    r = np.zeros((n, n_classes, n_classes))  # r[:, i, j] = P(i | i or j)
    k = 0
    for i in range(n_classes):
        for j in range(i + 1, n_classes):
            r[:, i, j] = np.clip(pairwise[:, k], MIN_PROB, 1 - MIN_PROB)
            r[:, j, i] = 1 - r[:, i, j]
            k += 1
    if n_classes == 2:  # the coupling's fixed point is exact here
        return np.stack([r[:, 0, 1], r[:, 1, 0]], axis=1)
    # Q[t, t] = sum_j r_jt^2,  Q[t, j] = -r_jt r_tj; minimise p^T Q p subject to sum(p) = 1
    Q = -np.transpose(r, (0, 2, 1)) * r
    idx = np.arange(n_classes)
    Q[:, idx, idx] = np.sum(r**2, axis=1) - r[:, idx, idx] ** 2
    p = np.full((n, n_classes), 1.0 / n_classes)
    active = np.ones(n, dtype=bool)
    eps = 0.005 / n_classes
    for _ in range(max(100, n_classes)):
        Qa, pa = Q[active], p[active]
        Qp = np.einsum("ntj,nj->nt", Qa, pa)
        pQp = np.sum(pa * Qp, axis=1)
        done = np.max(np.abs(Qp - pQp[:, None]), axis=1) < eps
        for t in range(n_classes):  # coordinate-wise updates keep p on the simplex
            diff = (pQp - Qp[:, t]) / Qa[:, t, t]
            pa[:, t] += diff
            scale = 1 + diff
            pQp = (pQp + diff * (diff * Qa[:, t, t] + 2 * Qp[:, t])) / scale**2
            Qp = (Qp + diff[:, None] * Qa[:, t, :]) / scale[:, None]
            pa /= scale[:, None]
        rows = np.flatnonzero(active)
        p[rows[~done]] = pa[~done]
        active[rows[done]] = False
        if not active.any():
            break
    return p
