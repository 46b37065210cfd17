"""Ridge by iterative solvers on a linear operator: conjugate gradients (``"sparse_cg"``) and
LSQR (``"lsqr"``), from ``scipy.sparse.linalg``. They only multiply by ``X`` and ``X'``, so a
CSR matrix of text features is never densified, and the centring that fits the intercept is
folded into the products instead of being subtracted from the (sparse) matrix.

With per-sample weights ``s`` the rows of ``X`` and ``y`` arrive multiplied by ``sqrt(s)``; the
centred matrix is then ``sqrt(S) (X - 1 x_offset')`` = ``X_scaled - sqrt(s) x_offset'``.
"""

from __future__ import annotations

import numpy as np
from scipy.sparse import linalg as sparse_linalg


def centred_operator(X, X_offset=None, root_weights=None):
    """``X - root_weights x_offset'`` as a ``LinearOperator`` (just ``X`` without offset).

    Parameters
    ----------
    X : ndarray or sparse matrix of shape (n_samples, n_features)
        Rows already multiplied by ``root_weights``.
    X_offset : ndarray of shape (n_features,) or None
        The (weighted) column means subtracted implicitly.
    root_weights : ndarray of shape (n_samples,) or None
        Square roots of the sample weights (ones when None).
    """
    if X_offset is None:
        return sparse_linalg.aslinearoperator(X)
    if root_weights is None:
        root_weights = np.ones(X.shape[0])

    def matvec(b):  # (X - r x_offset') b
        return X @ b - root_weights * (X_offset @ b)

    def rmatvec(b):  # (X - r x_offset')' b
        return X.T @ b - X_offset * (root_weights @ b)

    return sparse_linalg.LinearOperator(X.shape, matvec=matvec, rmatvec=rmatvec, dtype=np.float64)


def ridge_conjugate_gradient(operator, Y, alphas, *, tol, max_iter):
    """Solve each target's ridge system by conjugate gradients (scikit-learn's ``sparse_cg``).

    With at least as many samples as features: ``(X'X + alpha I) w = X'y``; otherwise the
    kernel form ``(XX' + alpha I) d = y``, ``w = X'd`` (a system the size of the samples).

    Returns ``(coef, n_iter)``: coef of shape (n_targets, n_features) and the CG iterations
    each target took.
    """
    n_samples, n_features = operator.shape
    kernel = n_features > n_samples
    coef = np.empty((Y.shape[1], n_features))
    n_iter = np.zeros(Y.shape[1], dtype=np.int32)
    for k, alpha in enumerate(alphas):
        if kernel:

            def gram_matvec(v, alpha=alpha):  # (XX' + alpha I) v
                return operator.matvec(operator.rmatvec(v)) + alpha * v

            size, rhs = n_samples, Y[:, k]
        else:

            def gram_matvec(v, alpha=alpha):  # (X'X + alpha I) v
                return operator.rmatvec(operator.matvec(v)) + alpha * v

            size, rhs = n_features, operator.rmatvec(Y[:, k])
        system = sparse_linalg.LinearOperator((size, size), matvec=gram_matvec, dtype=np.float64)

        def count(_, k=k):
            n_iter[k] += 1

        solution, info = sparse_linalg.cg(system, rhs, rtol=tol, maxiter=max_iter, callback=count)
        if info < 0:
            raise ValueError(f"Conjugate gradients failed with error code {info}.")
        coef[k] = operator.rmatvec(solution) if kernel else solution
    return coef, np.maximum(n_iter, 1)


def ridge_lsqr(operator, Y, alphas, *, tol, max_iter):
    """Solve each target's ridge problem with LSQR: ``min ||y - X w||^2 + alpha ||w||^2``
    (LSQR's damping is ``sqrt(alpha)``; scikit-learn's ``lsqr`` solver).

    Returns ``(coef, n_iter)`` as :func:`ridge_conjugate_gradient`.
    """
    coef = np.empty((Y.shape[1], operator.shape[1]))
    n_iter = np.empty(Y.shape[1], dtype=np.int32)
    for k, alpha in enumerate(alphas):
        result = sparse_linalg.lsqr(
            operator, Y[:, k], damp=np.sqrt(alpha), atol=tol, btol=tol, iter_lim=max_iter
        )
        coef[k], n_iter[k] = result[0], result[2]
    return coef, n_iter
