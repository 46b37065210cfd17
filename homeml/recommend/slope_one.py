"""Slope One (Lemire & Maclachlan 2005), as Surprise implements it: ``r_ui = mean_u +
mean over j in R_i(u) of dev(i, j)``, where ``dev(i, j)`` is the mean of ``r_ui - r_uj`` over
the users who rated both and ``R_i(u)`` the items ``u`` rated that share a user with ``i``.
"""

from __future__ import annotations

import numpy as np

from homeml.recommend.algo_base import AlgoBase, PredictionImpossible
from homeml.recommend.similarities import _matrices

__all__ = ["SlopeOne"]


class SlopeOne(AlgoBase):
    """The Slope One collaborative filtering algorithm (no parameters)."""

    def __init__(self):
        pass

    def fit(self, trainset):
        super().fit(trainset)
        t = trainset
        R, M = _matrices(t.ir_indptr, t.ir_users, t.ir_ratings, t.n_users)  # items x users
        self.freq = M @ M.T
        diff = R @ M.T - M @ R.T  # sum over common users of r_ui - r_uj
        with np.errstate(divide="ignore", invalid="ignore"):
            self.dev = np.where(self.freq > 0, diff / np.where(self.freq > 0, self.freq, 1), 0.0)
        np.fill_diagonal(self.dev, 0.0)
        counts = np.diff(t.ur_indptr)
        self.user_mean = np.add.reduceat(t.ur_ratings, t.ur_indptr[:-1]) / counts
        return self

    def estimate(self, u, i):
        t = self.trainset
        if not (t.knows_user(u) and t.knows_item(i)):
            raise PredictionImpossible("User and/or item is unknown.")
        rated, _ = t.user_ratings(u)
        rated = rated[self.freq[i, rated] > 0]
        est = self.user_mean[u]
        if len(rated):
            est += np.mean(self.dev[i, rated])
        return est
