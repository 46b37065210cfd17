"""Neighbourhood algorithms (Surprise's ``knns``): :class:`KNNBasic`, :class:`KNNWithMeans`,
:class:`KNNWithZScore` and :class:`KNNBaseline`.

User-based (default) or item-based from ``sim_options["user_based"]``; the similarity is one of
:mod:`homeml.recommend.similarities`. The ``k`` neighbours of a prediction are those with the
``k`` largest similarities among the users who rated the item (items the user rated), ties in
the trainset's order as ``heapq.nlargest`` takes them; only positive similarities count.
"""

from __future__ import annotations

import numpy as np

from homeml.recommend.algo_base import AlgoBase, PredictionImpossible

__all__ = ["KNNBaseline", "KNNBasic", "KNNWithMeans", "KNNWithZScore"]


class _SymmetricAlgo(AlgoBase):
    """What the four share: ``x`` is the user (user-based) or the item, ``y`` the other one."""

    def __init__(self, k=40, min_k=1, sim_options=None, verbose=True):
        self.k, self.min_k, self.sim_options, self.verbose = k, min_k, sim_options, verbose

    @property
    def _user_based(self) -> bool:
        return (self.sim_options or {}).get("user_based", True)

    def fit(self, trainset):
        super().fit(trainset)
        t = trainset
        if self._user_based:
            self.n_x, self.n_y = t.n_users, t.n_items
            self._x_side = (t.ur_indptr, t.ur_items, t.ur_ratings)
            self._y_side = (t.ir_indptr, t.ir_users, t.ir_ratings)
        else:
            self.n_x, self.n_y = t.n_items, t.n_users
            self._x_side = (t.ir_indptr, t.ir_users, t.ir_ratings)
            self._y_side = (t.ur_indptr, t.ur_items, t.ur_ratings)
        return self

    def switch(self, u_stuff, i_stuff):
        return (u_stuff, i_stuff) if self._user_based else (i_stuff, u_stuff)

    def _known(self, u, i):
        if not (self.trainset.knows_user(u) and self.trainset.knows_item(i)):
            raise PredictionImpossible("User and/or item is unknown.")

    def _neighbours(self, x, y):
        """Ids, similarities and ratings of the k nearest neighbours of x that rated y, by
        decreasing similarity.
        """
        indptr, ids, ratings = self._y_side
        lo, hi = indptr[y], indptr[y + 1]
        ids, ratings = ids[lo:hi], ratings[lo:hi]
        sims = self.sim[x, ids]
        order = np.argsort(-sims, kind="stable")[: self.k]
        ids, sims, ratings = ids[order], sims[order], ratings[order]
        positive = sims > 0
        return ids[positive], sims[positive], ratings[positive]

    def _x_stats(self):
        indptr, _, ratings = self._x_side
        counts = np.diff(indptr)
        means = np.add.reduceat(ratings, indptr[:-1]) / counts if len(ratings) else counts * 0.0
        return counts, means


class KNNBasic(_SymmetricAlgo):
    """``r_ui = sum sim(u, v) r_vi / sum sim(u, v)`` over the k nearest neighbours v.

    Parameters
    ----------
    k : int, default 40
        Most neighbours taken.
    min_k : int, default 1
        Fewer neighbours with positive similarity make the prediction impossible (the global
        mean, ``details["reason"] == "Not enough neighbors."``).
    sim_options : dict, optional
        ``name`` (``"msd"``, ``"cosine"``, ``"pearson"``, ``"pearson_baseline"``),
        ``user_based`` (True), ``min_support`` (1), ``shrinkage`` (100, pearson_baseline).
    verbose : bool, default True
    """

    def fit(self, trainset):
        super().fit(trainset)
        self.sim = self.compute_similarities()
        return self

    def estimate(self, u, i):
        self._known(u, i)
        x, y = self.switch(u, i)
        _, sims, ratings = self._neighbours(x, y)
        if len(sims) < max(self.min_k, 1):  # Surprise divides by zero when min_k == 0
            raise PredictionImpossible("Not enough neighbors.")
        return float(np.sum(sims * ratings) / np.sum(sims)), {"actual_k": len(sims)}


class KNNWithMeans(KNNBasic):
    """KNNBasic on ratings centred on each neighbour's mean, plus the mean of ``u`` (``i``)."""

    def fit(self, trainset):
        super().fit(trainset)
        _, self.means = self._x_stats()
        return self

    def estimate(self, u, i):
        self._known(u, i)
        x, y = self.switch(u, i)
        ids, sims, ratings = self._neighbours(x, y)
        est = self.means[x]
        if len(sims) >= self.min_k and len(sims):
            est += np.sum(sims * (ratings - self.means[ids])) / np.sum(sims)
        return float(est), {"actual_k": len(sims)}


class KNNWithZScore(KNNBasic):
    """KNNBasic on z-scores of each neighbour's ratings, scaled back by ``u``'s (``i``'s)
    standard deviation (the overall one when a user's (item's) is 0).
    """

    def fit(self, trainset):
        super().fit(trainset)
        counts, self.means = self._x_stats()
        indptr, _, ratings = self._x_side
        centred = ratings - np.repeat(self.means, counts)
        sigmas = np.sqrt(np.add.reduceat(centred**2, indptr[:-1]) / counts)
        self.overall_sigma = float(np.std(trainset.ur_ratings))
        self.sigmas = np.where(sigmas == 0.0, self.overall_sigma, sigmas)
        return self

    def estimate(self, u, i):
        self._known(u, i)
        x, y = self.switch(u, i)
        ids, sims, ratings = self._neighbours(x, y)
        est = self.means[x]
        if len(sims) >= self.min_k and len(sims):
            z = (ratings - self.means[ids]) / self.sigmas[ids]
            est += np.sum(sims * z) / np.sum(sims) * self.sigmas[x]
        return float(est), {"actual_k": len(sims)}


class KNNBaseline(_SymmetricAlgo):
    """KNNBasic on the residuals of the baseline ``mu + b_u + b_i`` (Koren 2010), plus the
    baseline. Unknown users or items get the baseline alone (not an impossible prediction).

    Parameters are KNNBasic's plus ``bsl_options`` (see :class:`BaselineOnly`); Surprise
    advises ``sim_options={"name": "pearson_baseline"}``.
    """

    def __init__(self, k=40, min_k=1, sim_options=None, bsl_options=None, verbose=True):
        super().__init__(k=k, min_k=min_k, sim_options=sim_options, verbose=verbose)
        self.bsl_options = bsl_options

    def fit(self, trainset):
        super().fit(trainset)
        self.compute_baselines()
        self.bx, self.by = self.switch(self.bu, self.bi)
        self.sim = self.compute_similarities()
        return self

    def estimate(self, u, i):
        t = self.trainset
        est = t.global_mean
        if t.knows_user(u):
            est += self.bu[u]
        if t.knows_item(i):
            est += self.bi[i]
        if not (t.knows_user(u) and t.knows_item(i)):
            return est
        x, y = self.switch(u, i)
        ids, sims, ratings = self._neighbours(x, y)
        if len(sims) >= self.min_k and len(sims):
            baseline = t.global_mean + self.bx[ids] + self.by[y]
            est += np.sum(sims * (ratings - baseline)) / np.sum(sims)
        return float(est), {"actual_k": len(sims)}
