"""Implicit-feedback alternating least squares (Hu, Koren & Volinsky 2008), solved by a few
conjugate-gradient steps per user and per item (Takács et al. 2011), as implicit's
``AlternatingLeastSquares`` does it.

The user x item matrix holds confidences ``c_ui`` (counts, weighted by ``alpha``); the model
minimises ``sum_ui c_ui (p_ui - x_u . y_i)^2 + regularization (|x|^2 + |y|^2)`` with
``p_ui = 1`` where ``c_ui > 0`` (unobserved pairs count with confidence 1 and preference 0).
A negative ``c_ui`` means a dislike: confidence ``|c_ui|``, preference 0. Factors start as
``default_rng(random_state).random(...) * 0.01`` (users, then items) and each half-iteration
starts the conjugate gradient from the previous factors, as in implicit; with
``dtype=np.float64`` in both, the factors agree to rounding.
"""

from __future__ import annotations

import numba
import numpy as np

from homeml.recommend.implicit._base import MatrixFactorizationBase, check_user_items

__all__ = ["AlternatingLeastSquares"]


class AlternatingLeastSquares(MatrixFactorizationBase):
    """Implicit ALS (implicit's ``AlternatingLeastSquares`` on the CPU, conjugate gradient).

    Parameters
    ----------
    factors : int, default 100
    regularization : float, default 0.01
    alpha : float, default 1.0
        Multiplies the confidences of ``user_items``.
    dtype : numpy dtype, default float32
    iterations : int, default 15
    cg_steps : int, default 3
        Conjugate-gradient steps per solve.
    calculate_training_loss : bool, default False
        Keep the loss after each iteration in ``loss_history_``.
    random_state : int, Generator or None
    """

    def __init__(self, factors=100, regularization=0.01, alpha=1.0, dtype=np.float32,
                 iterations=15, cg_steps=3, calculate_training_loss=False,
                 random_state=None):  # fmt: skip
        self.factors, self.regularization, self.alpha = factors, regularization, alpha
        self.dtype, self.iterations, self.cg_steps = dtype, iterations, cg_steps
        self.calculate_training_loss, self.random_state = calculate_training_loss, random_state

    def fit(self, user_items, show_progress=False, callback=None):
        """Fit on a user x item CSR matrix of confidences (counts)."""
        Cui = check_user_items(user_items).astype(np.float32)
        if self.alpha != 1.0:
            Cui = self.alpha * Cui
        Ciu = Cui.T.tocsr()
        dtype = np.dtype(self.dtype)
        rng = np.random.default_rng(self.random_state)
        n_users, n_items = Cui.shape
        X = rng.random((n_users, self.factors), dtype=dtype) * dtype.type(0.01)
        Y = rng.random((n_items, self.factors), dtype=dtype) * dtype.type(0.01)
        self.loss_history_ = []
        with _single_threaded_blas():
            self._iterate(Cui, Ciu, X, Y, dtype, callback)
        if not (np.all(np.isfinite(X)) and np.all(np.isfinite(Y))):
            raise ValueError("NaN or inf in the factors: lower the confidences or alpha")
        self.user_factors, self.item_factors = X, Y
        return self

    def _iterate(self, Cui, Ciu, X, Y, dtype, callback):
        for iteration in range(self.iterations):
            _cg_solve(Cui.indptr, Cui.indices, Cui.data.astype(dtype), X, Y,
                      dtype.type(self.regularization), self.cg_steps)  # fmt: skip
            _cg_solve(Ciu.indptr, Ciu.indices, Ciu.data.astype(dtype), Y, X,
                      dtype.type(self.regularization), self.cg_steps)  # fmt: skip
            loss = _loss(Cui, X, Y, self.regularization) if self.calculate_training_loss else None
            if loss is not None:
                self.loss_history_.append(loss)
            if callback:
                callback(iteration, 0.0, loss)


def _single_threaded_blas():
    """The solver makes many tiny BLAS calls (64-wide dot products): threads only add
    synchronisation (3x slower measured with a multi-threaded OpenBLAS), so BLAS is held to one
    thread while it runs, when threadpoolctl is installed (implicit asks the same of its users).
    """
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - threadpoolctl comes with scikit-learn
        import contextlib

        return contextlib.nullcontext()
    return threadpool_limits(1, user_api="blas")


@numba.njit(cache=True)
def _axpy(alpha, x, y):
    """Y += alpha * x, in place."""
    for a in range(len(x)):
        y[a] += alpha * x[a]


@numba.njit(cache=True)
def _cg_solve(indptr, indices, data, X, Y, regularization, cg_steps):
    """Rows of X: a few CG steps on (Y^T C_u Y + reg I) x_u = Y^T C_u p_u, from x_u.

    Dot products and the matrix-vector product go to BLAS (``np.dot``); the updates are written
    out so that nothing is allocated per item.
    """
    n, f = X.shape
    YtY = Y.T @ Y + regularization * np.eye(f, dtype=X.dtype)
    for u in range(n):
        x = X[u]
        if indptr[u] == indptr[u + 1]:
            x[:] = 0
            continue
        r = -np.dot(YtY, x)
        for k in range(indptr[u], indptr[u + 1]):
            i, confidence = indices[k], data[k]
            temp = confidence if confidence > 0 else 0.0
            confidence = abs(confidence)
            _axpy(temp - (confidence - 1) * np.dot(Y[i], x), Y[i], r)
        p = r.copy()
        rsold = np.dot(r, r)
        if rsold < 1e-20:
            continue
        for _ in range(cg_steps):
            Ap = np.dot(YtY, p)
            for k in range(indptr[u], indptr[u + 1]):
                i, confidence = indices[k], abs(data[k])
                _axpy((confidence - 1) * np.dot(Y[i], p), Y[i], Ap)
            alpha = rsold / np.dot(p, Ap)
            _axpy(alpha, p, x)
            _axpy(-alpha, Ap, r)
            rsnew = np.dot(r, r)
            if rsnew < 1e-20:
                break
            ratio = rsnew / rsold
            for a in range(f):
                p[a] = r[a] + ratio * p[a]
            rsold = rsnew


def _loss(Cui, X, Y, regularization) -> float:
    """The confidence-weighted squared error plus the penalty, per unit of confidence."""
    full = float(np.sum((X @ Y.T) ** 2))  # every pair, confidence 1, preference 0
    rows = np.repeat(np.arange(Cui.shape[0]), np.diff(Cui.indptr))
    pred = np.einsum("nf,nf->n", X[rows], Y[Cui.indices])
    c = np.abs(Cui.data)
    p = (Cui.data > 0).astype(float)
    loss = full - np.sum(pred**2) + np.sum(c * (p - pred) ** 2)
    loss += regularization * (np.sum(X**2) + np.sum(Y**2))
    return float(loss / (Cui.shape[0] * Cui.shape[1] + np.sum(c - 1)))
