"""Co-clustering (George & Merugu 2005), as Surprise implements it: users and items are put in
clusters, and ``r_ui = avg(cocluster) + (mean_u - avg(user cluster)) + (mean_i - avg(item
cluster))``. Clusters start at random (``random_state``) and are improved by ``n_epochs``
rounds of reassigning each user, then each item, to the cluster with the least squared error.

Surprise's loop holds ratings in a C ``int``: its cluster averages and errors use ratings
truncated toward zero (3.5 counts as 3); the same is done here, so that results agree for every
rating scale (for integer ratings it changes nothing). Users' and items' means use the ratings
themselves.
"""

from __future__ import annotations

import numba
import numpy as np

from homeml.recommend.algo_base import AlgoBase, get_rng

__all__ = ["CoClustering"]


class CoClustering(AlgoBase):
    """Collaborative filtering by co-clustering.

    Parameters
    ----------
    n_cltr_u, n_cltr_i : int, default 3
        Numbers of user and item clusters.
    n_epochs : int, default 20
    random_state : int, RandomState or None
        Seed of the initial clusters.
    verbose : bool, default False
    """

    def __init__(self, n_cltr_u=3, n_cltr_i=3, n_epochs=20, random_state=None, verbose=False):
        self.n_cltr_u, self.n_cltr_i, self.n_epochs = n_cltr_u, n_cltr_i, n_epochs
        self.random_state, self.verbose = random_state, verbose

    def fit(self, trainset):
        super().fit(trainset)
        t = trainset
        rng = get_rng(self.random_state)
        cltr_u = rng.randint(self.n_cltr_u, size=t.n_users).astype(np.int64)
        cltr_i = rng.randint(self.n_cltr_i, size=t.n_items).astype(np.int64)
        self.user_mean = np.add.reduceat(t.ur_ratings, t.ur_indptr[:-1]) / np.diff(t.ur_indptr)
        self.item_mean = np.add.reduceat(t.ir_ratings, t.ir_indptr[:-1]) / np.diff(t.ir_indptr)
        int_ur = np.trunc(t.ur_ratings)
        int_ir = np.trunc(t.ir_ratings)
        averages = _co_cluster(t.ur_indptr, t.ur_items, int_ur, t.ir_indptr, t.ir_users, int_ir,
                               cltr_u, cltr_i, self.user_mean, self.item_mean, t.global_mean,
                               self.n_cltr_u, self.n_cltr_i, int(self.n_epochs))  # fmt: skip
        self.cltr_u, self.cltr_i = cltr_u, cltr_i
        self.avg_cltr_u, self.avg_cltr_i, self.avg_cocltr = averages
        return self

    def estimate(self, u, i):
        t = self.trainset
        if not (t.knows_user(u) and t.knows_item(i)):
            return t.global_mean
        uc, ic = self.cltr_u[u], self.cltr_i[i]
        return (self.avg_cocltr[uc, ic] + self.user_mean[u] - self.avg_cltr_u[uc]
                + self.item_mean[i] - self.avg_cltr_i[ic])  # fmt: skip


@numba.njit(cache=True)
def _averages(ur_ptr, ur_items, ur_r, cltr_u, cltr_i, mu, n_u, n_i):
    count_u, count_i = np.zeros(n_u), np.zeros(n_i)
    count_co = np.zeros((n_u, n_i))
    sum_u, sum_i, sum_co = np.zeros(n_u), np.zeros(n_i), np.zeros((n_u, n_i))
    for u in range(len(ur_ptr) - 1):
        uc = cltr_u[u]
        for k in range(ur_ptr[u], ur_ptr[u + 1]):
            ic, r = cltr_i[ur_items[k]], ur_r[k]
            count_u[uc] += 1
            count_i[ic] += 1
            count_co[uc, ic] += 1
            sum_u[uc] += r
            sum_i[ic] += r
            sum_co[uc, ic] += r
    avg_u = np.where(count_u > 0, sum_u / np.maximum(count_u, 1), mu)
    avg_i = np.where(count_i > 0, sum_i / np.maximum(count_i, 1), mu)
    avg_co = np.where(count_co > 0, sum_co / np.maximum(count_co, 1), mu)
    return avg_u, avg_i, avg_co


@numba.njit(cache=True)
def _co_cluster(ur_ptr, ur_items, ur_r, ir_ptr, ir_users, ir_r, cltr_u, cltr_i, user_mean,
                item_mean, mu, n_u, n_i, n_epochs):  # fmt: skip
    for _ in range(n_epochs):
        avg_u, avg_i, avg_co = _averages(ur_ptr, ur_items, ur_r, cltr_u, cltr_i, mu, n_u, n_i)
        for u in range(len(ur_ptr) - 1):
            errors = np.zeros(n_u)
            for uc in range(n_u):
                for k in range(ur_ptr[u], ur_ptr[u + 1]):
                    i = ur_items[k]
                    ic = cltr_i[i]
                    est = avg_co[uc, ic] + user_mean[u] - avg_u[uc] + item_mean[i] - avg_i[ic]
                    errors[uc] += (ur_r[k] - est) ** 2
            cltr_u[u] = np.argmin(errors)
        for i in range(len(ir_ptr) - 1):
            errors = np.zeros(n_i)
            for ic in range(n_i):
                for k in range(ir_ptr[i], ir_ptr[i + 1]):
                    u = ir_users[k]
                    uc = cltr_u[u]
                    est = avg_co[uc, ic] + user_mean[u] - avg_u[uc] + item_mean[i] - avg_i[ic]
                    errors[ic] += (ir_r[k] - est) ** 2
            cltr_i[i] = np.argmin(errors)
    return _averages(ur_ptr, ur_items, ur_r, cltr_u, cltr_i, mu, n_u, n_i)
