"""Sequential minimal optimisation (SMO) for the kernel SVM dual, compiled with Numba.

The solver handles the generic dual that C-SVC and epsilon-SVR both reduce to::

    min_a  1/2 a^T Q a + p^T a    subject to  y^T a = 0,  0 <= a_t <= C_t,

with ``y_t = +-1`` and ``Q_st = y_s y_t K(x_s, x_t)``. Each variable ``t`` refers to a training
sample ``sample_of[t]`` (epsilon-SVR has two variables per sample), so kernel rows are computed
per sample and kept in a least-recently-used cache of ``n_slots`` rows.

Each iteration picks the pair ``(i, j)`` with the second-order working-set selection "WSS3" of
Fan, Chen & Lin (2005), *Working set selection using second order information for training
support vector machines* (JMLR 6), solves the two-variable sub-problem in closed form, clips it
to the box, and updates the gradient ``G = Q a + p``. It stops when the maximal violating pair
violates the KKT conditions by less than ``tol`` (``m(a) - M(a) < tol``).
"""

from __future__ import annotations

import numba
import numpy as np

LINEAR, POLY, RBF, SIGMOID, PRECOMPUTED = 0, 1, 2, 3, 4
TAU = 1e-12  # replaces a non-positive curvature (indefinite kernels such as sigmoid)


@numba.njit(cache=True, fastmath=True)
def _fill_kernel_row(X, sq_norms, s, kernel, gamma, coef0, degree, row):
    """``row[t] = K(x_s, x_t)`` for every sample ``t``; X is the Gram matrix when precomputed."""
    n, d = X.shape
    if kernel == PRECOMPUTED:
        for t in range(n):
            row[t] = X[s, t]
        return
    for t in range(n):
        dot = 0.0
        for f in range(d):
            dot += X[s, f] * X[t, f]
        if kernel == LINEAR:
            row[t] = dot
        elif kernel == POLY:
            row[t] = (gamma * dot + coef0) ** degree
        elif kernel == RBF:
            row[t] = np.exp(-gamma * (sq_norms[s] + sq_norms[t] - 2.0 * dot))
        else:
            row[t] = np.tanh(gamma * dot + coef0)


@numba.njit(cache=True)
def _kernel_diagonal(X, sq_norms, kernel, gamma, coef0, degree):
    n = X.shape[0]
    diag = np.empty(n)
    for s in range(n):
        if kernel == PRECOMPUTED:
            diag[s] = X[s, s]
        elif kernel == LINEAR:
            diag[s] = sq_norms[s]
        elif kernel == POLY:
            diag[s] = (gamma * sq_norms[s] + coef0) ** degree
        elif kernel == RBF:
            diag[s] = 1.0
        else:
            diag[s] = np.tanh(gamma * sq_norms[s] + coef0)
    return diag


@numba.njit(cache=True)
def _cached_row(
    s, cache, slot_of, owner, last_used, clock, X, sq_norms, kernel, gamma, coef0, degree
):
    """Kernel row of sample ``s`` from the cache, computing it (and evicting the LRU) on a miss."""
    clock[0] += 1
    slot = slot_of[s]
    if slot < 0:
        if clock[1] < cache.shape[0]:  # a free slot is left
            slot = clock[1]
            clock[1] += 1
        else:
            slot = np.argmin(last_used)
            slot_of[owner[slot]] = -1
        owner[slot] = s
        slot_of[s] = slot
        _fill_kernel_row(X, sq_norms, s, kernel, gamma, coef0, degree, cache[slot])
    last_used[slot] = clock[0]
    return cache[slot]


@numba.njit(cache=True)
def smo_solve(X, kernel, gamma, coef0, degree, sample_of, y, p, C, tol, max_iter, n_slots):
    """Solve the dual above; return ``(alpha, rho, n_iter, converged)``.

    The decision function is ``f(x) = sum_t y_t alpha_t K(x_{sample_of[t]}, x) - rho``.
    ``max_iter < 0`` means no limit other than LIBSVM's safeguard ``max(10^7, 100 l)``.
    """
    n = X.shape[0]
    n_var = y.shape[0]
    sq_norms = np.zeros(n)
    if kernel != PRECOMPUTED:
        for s in range(n):
            for f in range(X.shape[1]):
                sq_norms[s] += X[s, f] * X[s, f]
    diag = _kernel_diagonal(X, sq_norms, kernel, gamma, coef0, degree)
    n_slots = max(2, min(n_slots, n))
    cache = np.empty((n_slots, n))
    slot_of = np.full(n, -1, dtype=np.int64)
    owner = np.full(n_slots, -1, dtype=np.int64)
    last_used = np.zeros(n_slots, dtype=np.int64)
    clock = np.zeros(2, dtype=np.int64)  # [time stamp, slots in use]

    alpha = np.zeros(n_var)
    G = p.copy()  # gradient Q alpha + p at alpha = 0
    limit = max_iter if max_iter >= 0 else max(10_000_000, 100 * n_var)
    n_iter = 0
    converged = False
    while n_iter < limit:
        # i: the variable that violates the KKT conditions most (first order)
        g_max = -np.inf
        i = -1
        for t in range(n_var):
            if y[t] > 0:
                if alpha[t] < C[t] and -G[t] >= g_max:
                    g_max = -G[t]
                    i = t
            elif alpha[t] > 0 and G[t] >= g_max:
                g_max = G[t]
                i = t
        if i < 0:
            converged = True
            break
        K_i = _cached_row(
            sample_of[i],
            cache,
            slot_of,
            owner,
            last_used,
            clock,
            X,
            sq_norms,
            kernel,
            gamma,
            coef0,
            degree,
        )
        # j: the partner that decreases the objective most (second order)
        g_max2 = -np.inf
        j = -1
        best = np.inf
        d_i = diag[sample_of[i]]
        for t in range(n_var):
            if y[t] > 0:
                if alpha[t] <= 0:
                    continue
                g = G[t]
            else:
                if alpha[t] >= C[t]:
                    continue
                g = -G[t]
            if g >= g_max2:
                g_max2 = g
            grad_diff = g_max + g
            if grad_diff > 0:
                # curvature along the pair direction: K_ii + K_tt - 2 K_it (for either sign of y_t)
                quad = d_i + diag[sample_of[t]] - 2.0 * K_i[sample_of[t]]
                if quad <= 0:
                    quad = TAU
                gain = -grad_diff * grad_diff / quad
                if gain <= best:
                    best = gain
                    j = t
        if g_max + g_max2 < tol or j < 0:
            converged = True
            break
        n_iter += 1
        K_j = _cached_row(
            sample_of[j],
            cache,
            slot_of,
            owner,
            last_used,
            clock,
            X,
            sq_norms,
            kernel,
            gamma,
            coef0,
            degree,
        )
        _update_pair(i, j, y, C, alpha, G, K_i, K_j, diag, sample_of)
    rho = _compute_rho(y, G, alpha, C)
    return alpha, rho, n_iter, converged


@numba.njit(cache=True)
def _update_pair(i, j, y, C, alpha, G, K_i, K_j, diag, sample_of):
    """Minimise over (alpha_i, alpha_j) keeping y^T alpha fixed, clip to the box, update G."""
    C_i, C_j = C[i], C[j]
    old_i, old_j = alpha[i], alpha[j]
    quad = diag[sample_of[i]] + diag[sample_of[j]] - 2.0 * K_i[sample_of[j]]
    if quad <= 0:
        quad = TAU
    if y[i] != y[j]:  # alpha_i - alpha_j is constant
        delta = (-G[i] - G[j]) / quad
        diff = old_i - old_j
        alpha[i] += delta
        alpha[j] += delta
        if diff > 0:
            if alpha[j] < 0:
                alpha[j] = 0.0
                alpha[i] = diff
        elif alpha[i] < 0:
            alpha[i] = 0.0
            alpha[j] = -diff
        if diff > C_i - C_j:
            if alpha[i] > C_i:
                alpha[i] = C_i
                alpha[j] = C_i - diff
        elif alpha[j] > C_j:
            alpha[j] = C_j
            alpha[i] = C_j + diff
    else:  # alpha_i + alpha_j is constant
        delta = (G[i] - G[j]) / quad
        total = old_i + old_j
        alpha[i] -= delta
        alpha[j] += delta
        if total > C_i:
            if alpha[i] > C_i:
                alpha[i] = C_i
                alpha[j] = total - C_i
        elif alpha[j] < 0:
            alpha[j] = 0.0
            alpha[i] = total
        if total > C_j:
            if alpha[j] > C_j:
                alpha[j] = C_j
                alpha[i] = total - C_j
        elif alpha[i] < 0:
            alpha[i] = 0.0
            alpha[j] = total
    # G_t += Q_ti d_i + Q_tj d_j  with  Q_ts = y_t y_s K_ts
    step_i = y[i] * (alpha[i] - old_i)
    step_j = y[j] * (alpha[j] - old_j)
    for t in range(G.shape[0]):
        s = sample_of[t]
        G[t] += y[t] * (K_i[s] * step_i + K_j[s] * step_j)


@numba.njit(cache=True)
def _compute_rho(y, G, alpha, C):
    """Offset: mean of y_t G_t over free variables, else the middle of the feasible interval."""
    upper, lower = np.inf, -np.inf
    n_free, total = 0, 0.0
    for t in range(y.shape[0]):
        yG = y[t] * G[t]
        if alpha[t] >= C[t]:
            if y[t] < 0:
                upper = min(upper, yG)
            else:
                lower = max(lower, yG)
        elif alpha[t] <= 0:
            if y[t] > 0:
                upper = min(upper, yG)
            else:
                lower = max(lower, yG)
        else:
            n_free += 1
            total += yG
    if n_free > 0:
        return total / n_free
    return (upper + lower) / 2.0
