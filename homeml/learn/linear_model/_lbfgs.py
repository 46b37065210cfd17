"""Limited-memory BFGS for smooth unconstrained minimisation (Nocedal & Wright, Alg. 7.4/7.5).

The search direction is ``-H g`` where ``H`` approximates the inverse Hessian from the last
``history`` pairs ``(s, y) = (step, change of gradient)`` via the two-loop recursion; each step is
accepted by a backtracking line search with the Armijo sufficient-decrease condition.
"""

from __future__ import annotations

from collections import deque

import numpy as np

_FTOL = 64 * np.finfo(float).eps  # L-BFGS-B's default factr=1e7 is close to this


def _two_loop(gradient, pairs):
    """Return ``H @ gradient`` for the L-BFGS inverse-Hessian approximation ``H``."""
    q = gradient.copy()
    alphas = []
    for s, y, rho in reversed(pairs):
        a = rho * (s @ q)
        q -= a * y
        alphas.append(a)
    if pairs:
        s, y, _ = pairs[-1]
        q *= (s @ y) / (y @ y)  # scale the initial Hessian like the most recent curvature
    for (s, y, rho), a in zip(pairs, reversed(alphas)):
        q += s * (a - rho * (y @ q))
    return q


def minimize_lbfgs(fun, x0, *, max_iter=100, gtol=1e-4, ftol=_FTOL, history=10, max_fun=None):
    """Minimise ``fun`` (returning ``(value, gradient)``) from ``x0``.

    Stops when the largest absolute gradient component is ``<= gtol``, when the relative decrease
    of the value falls below ``ftol``, after ``max_iter`` iterations, or (not converged) once
    ``fun`` has been called ``max_fun`` times (None: no limit).

    Returns
    -------
    x : ndarray
    n_iter : int
        Iterations run.
    converged : bool
        False when ``max_iter`` was reached first.
    """
    x = np.array(x0, dtype=np.float64)
    value, gradient = fun(x)
    calls = 1
    pairs: deque = deque(maxlen=history)
    for n_iter in range(max_iter):
        if np.max(np.abs(gradient), initial=0.0) <= gtol:
            return x, n_iter, True
        direction = -_two_loop(gradient, pairs)
        slope = gradient @ direction
        if slope >= 0:  # not a descent direction (lost curvature): restart from steepest descent
            pairs.clear()
            direction, slope = -gradient, -(gradient @ gradient)
        step = 1.0 if pairs else min(1.0, 1.0 / np.linalg.norm(gradient))
        for _ in range(60):  # backtracking: halve (or interpolate) until Armijo holds
            if max_fun is not None and calls >= max_fun:
                return x, n_iter, False
            x_new = x + step * direction
            value_new, gradient_new = fun(x_new)
            calls += 1
            if value_new <= value + 1e-4 * step * slope:
                break
            # minimiser of the quadratic through value, slope and value_new, kept in [0.1, 0.5]
            denom = 2.0 * (value_new - value - step * slope)
            trial = -slope * step * step / denom if denom > 0 else 0.5 * step
            step = min(max(trial, 0.1 * step), 0.5 * step)
        else:
            return x, n_iter + 1, False  # no decrease possible: at machine precision
        s, y = x_new - x, gradient_new - gradient
        if s @ y > 1e-10 * (y @ y):  # keep only pairs with positive curvature
            pairs.append((s, y, 1.0 / (s @ y)))
        decrease = value - value_new
        x, value, gradient = x_new, value_new, gradient_new
        if decrease <= ftol * max(abs(value), abs(value + decrease), 1.0):
            return x, n_iter + 1, True  # converged in value, like L-BFGS-B's factr test
    return x, max_iter, np.max(np.abs(gradient), initial=0.0) <= gtol
