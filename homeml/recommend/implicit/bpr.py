"""Bayesian personalised ranking (Rendle et al. 2009) by SGD, as implicit's CPU
``BayesianPersonalizedRanking`` runs it: each epoch draws as many (user, liked item) pairs as
there are nonzeros, uniformly among them, and a negative item as the item of another random
nonzero (so popular items are drawn more often); a negative the user liked is skipped when
``verify_negative_samples``. Items carry a bias in their last factor (users a constant 1).

implicit draws with C++ generators on several threads; here one NumPy generator draws in order,
so the factors differ from implicit's but follow the same updates (the tests compare the
ranking quality).
"""

from __future__ import annotations

import numba
import numpy as np

from homeml.recommend.implicit._base import MatrixFactorizationBase, check_user_items

__all__ = ["BayesianPersonalizedRanking"]


class BayesianPersonalizedRanking(MatrixFactorizationBase):
    """BPR matrix factorization for implicit feedback.

    Parameters
    ----------
    factors : int, default 100
    learning_rate : float, default 0.01
    regularization : float, default 0.01
    dtype : numpy dtype, default float32
    iterations : int, default 100
    verify_negative_samples : bool, default True
    random_state : int, Generator or None
    """

    def __init__(self, factors=100, learning_rate=0.01, regularization=0.01, dtype=np.float32,
                 iterations=100, verify_negative_samples=True, random_state=None):  # fmt: skip
        self.factors, self.learning_rate, self.regularization = (
            factors,
            learning_rate,
            regularization,
        )
        self.dtype, self.iterations = dtype, iterations
        self.verify_negative_samples, self.random_state = verify_negative_samples, random_state

    def fit(self, user_items, show_progress=False, callback=None):
        """Fit on a user x item CSR matrix (nonzero = liked; values are ignored)."""
        user_items = check_user_items(user_items).astype(np.float32)
        user_items.sort_indices()
        n_users, n_items = user_items.shape
        dtype = np.dtype(self.dtype)
        rng = np.random.default_rng(self.random_state)
        counts = np.diff(user_items.indptr)
        userids = np.repeat(np.arange(n_users), counts).astype(np.int64)
        Y = (rng.random((n_items, self.factors + 1), dtype=dtype) - dtype.type(0.5)) / dtype.type(
            self.factors
        )
        Y[np.bincount(user_items.indices, minlength=n_items) == 0] = 0
        X = (rng.random((n_users, self.factors + 1), dtype=dtype) - dtype.type(0.5)) / dtype.type(
            self.factors
        )
        X[counts == 0] = 0
        X[:, self.factors] = 1.0
        nnz = len(user_items.data)
        indices = user_items.indices.astype(np.int64)
        indptr = user_items.indptr.astype(np.int64)
        self.train_auc_ = []
        for epoch in range(self.iterations):
            liked = rng.integers(0, nnz, nnz)
            disliked = rng.integers(0, nnz, nnz)
            correct, skipped = _bpr_epoch(userids, indices, indptr, X, Y, liked, disliked,
                                          dtype.type(self.learning_rate),
                                          dtype.type(self.regularization),
                                          bool(self.verify_negative_samples))  # fmt: skip
            self.train_auc_.append(correct / max(nnz - skipped, 1))
            if callback:
                callback(epoch, 0.0, correct, skipped)
        self.user_factors, self.item_factors = X, Y
        return self


@numba.njit(cache=True)
def _liked(indptr, indices, u, item):
    lo, hi = indptr[u], indptr[u + 1]
    k = np.searchsorted(indices[lo:hi], item)
    return k < hi - lo and indices[lo + k] == item


@numba.njit(cache=True)
def _bpr_epoch(userids, indices, indptr, X, Y, liked_draws, disliked_draws, lr, reg, verify):
    factors = X.shape[1] - 1
    correct = skipped = 0
    for s in range(len(liked_draws)):
        liked_index = liked_draws[s]
        u, i = userids[liked_index], indices[liked_index]
        j = indices[disliked_draws[s]]
        if verify and _liked(indptr, indices, u, j):
            skipped += 1
            continue
        score = 0.0
        for f in range(factors + 1):
            score += X[u, f] * (Y[i, f] - Y[j, f])
        z = 1.0 / (1.0 + np.exp(score))
        if z < 0.5:
            correct += 1
        for f in range(factors):
            temp = X[u, f]
            X[u, f] += lr * (z * (Y[i, f] - Y[j, f]) - reg * X[u, f])
            Y[i, f] += lr * (z * temp - reg * Y[i, f])
            Y[j, f] += lr * (-z * temp - reg * Y[j, f])
        Y[i, factors] += lr * (z - reg * Y[i, factors])
        Y[j, factors] += lr * (-z - reg * Y[j, factors])
    return correct, skipped
