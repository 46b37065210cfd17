"""Matrix factorization for ratings: :class:`SVD` (Funk's biased SGD), :class:`SVDpp` (Koren's
SVD++, with implicit feedback) and :class:`NMF` (non-negative, Luo et al. 2014).

The loops follow Surprise's exactly: the same initialisation from ``random_state`` (a
``numpy.random.RandomState``, factors drawn ``pu`` then ``qi`` (then ``yj``)), no shuffling,
ratings visited user by user in the trainset's order, and the same update order inside a step,
so that with the same seed the factors are the same. The loops are compiled with Numba.
"""

from __future__ import annotations

import numba
import numpy as np

from homeml.recommend.algo_base import AlgoBase, PredictionImpossible, get_rng

__all__ = ["NMF", "SVD", "SVDpp"]


def _pick(value, default):
    return default if value is None else value


class SVD(AlgoBase):
    """``r_ui = mu + b_u + b_i + q_i . p_u``, fitted by SGD on the regularised squared error.

    Parameters
    ----------
    n_factors : int, default 100
    n_epochs : int, default 20
    biased : bool, default True
        Without biases, ``r_ui = q_i . p_u`` (probabilistic matrix factorization).
    init_mean, init_std_dev : float, default 0 and 0.1
        Normal distribution of the initial factors.
    lr_all, reg_all : float, default 0.005 and 0.02
        Learning rate and regularisation of every parameter, unless ``lr_bu``, ``lr_bi``,
        ``lr_pu``, ``lr_qi``, ``reg_bu``, ``reg_bi``, ``reg_pu``, ``reg_qi`` are given.
    random_state : int, RandomState or None
        Seed of the initialisation.
    verbose : bool, default False
    """

    def __init__(self, n_factors=100, n_epochs=20, biased=True, init_mean=0, init_std_dev=0.1,
                 lr_all=0.005, reg_all=0.02, lr_bu=None, lr_bi=None, lr_pu=None, lr_qi=None,
                 reg_bu=None, reg_bi=None, reg_pu=None, reg_qi=None, random_state=None,
                 verbose=False):  # fmt: skip
        self.n_factors, self.n_epochs, self.biased = n_factors, n_epochs, biased
        self.init_mean, self.init_std_dev = init_mean, init_std_dev
        self.lr_all, self.reg_all = lr_all, reg_all
        self.lr_bu, self.lr_bi, self.lr_pu, self.lr_qi = lr_bu, lr_bi, lr_pu, lr_qi
        self.reg_bu, self.reg_bi, self.reg_pu, self.reg_qi = reg_bu, reg_bi, reg_pu, reg_qi
        self.random_state, self.verbose = random_state, verbose

    def _rates(self, names):
        return [
            float(_pick(getattr(self, n), self.lr_all if n.startswith("lr") else self.reg_all))
            for n in names
        ]

    def fit(self, trainset):
        super().fit(trainset)
        rng = get_rng(self.random_state)
        t = trainset
        size = (t.n_users, self.n_factors)
        pu = rng.normal(self.init_mean, self.init_std_dev, size=size)
        qi = rng.normal(self.init_mean, self.init_std_dev, size=(t.n_items, self.n_factors))
        bu, bi = np.zeros(t.n_users), np.zeros(t.n_items)
        rates = self._rates(["lr_bu", "lr_bi", "lr_pu", "lr_qi", "reg_bu", "reg_bi", "reg_pu",
                             "reg_qi"])  # fmt: skip
        mu = t.global_mean if self.biased else 0.0
        _svd_epochs(t.all_users_array, t.ur_items, t.ur_ratings, bu, bi, pu, qi, mu,
                    bool(self.biased), int(self.n_epochs), *rates)  # fmt: skip
        self.bu, self.bi, self.pu, self.qi = bu, bi, pu, qi
        return self

    def estimate(self, u, i):
        known_user, known_item = self.trainset.knows_user(u), self.trainset.knows_item(i)
        if self.biased:
            est = self.trainset.global_mean
            if known_user:
                est += self.bu[u]
            if known_item:
                est += self.bi[i]
            if known_user and known_item:
                est += np.dot(self.qi[i], self.pu[u])
            return est
        if known_user and known_item:
            return np.dot(self.qi[i], self.pu[u])
        raise PredictionImpossible("User and item are unknown.")


@numba.njit(cache=True)
def _svd_epochs(users, items, ratings, bu, bi, pu, qi, mu, biased, n_epochs,
                lr_bu, lr_bi, lr_pu, lr_qi, reg_bu, reg_bi, reg_pu, reg_qi):  # fmt: skip
    n_factors = pu.shape[1]
    for _ in range(n_epochs):
        for k in range(len(ratings)):
            u, i, r = users[k], items[k], ratings[k]
            dot = 0.0
            for f in range(n_factors):
                dot += qi[i, f] * pu[u, f]
            err = r - (mu + bu[u] + bi[i] + dot)
            if biased:
                bu[u] += lr_bu * (err - reg_bu * bu[u])
                bi[i] += lr_bi * (err - reg_bi * bi[i])
            for f in range(n_factors):
                puf, qif = pu[u, f], qi[i, f]
                pu[u, f] += lr_pu * (err * qif - reg_pu * puf)
                qi[i, f] += lr_qi * (err * puf - reg_qi * qif)


class SVDpp(SVD):
    """SVD++: ``r_ui = mu + b_u + b_i + q_i . (p_u + |I_u|^-1/2 sum_{j in I_u} y_j)``.

    Parameters are SVD's (defaults ``n_factors=20``, ``lr_all=0.007``) plus ``lr_yj``,
    ``reg_yj`` for the implicit factors and ``cache_ratings`` (accepted; the compiled loop
    always reads the rated items from the trainset's arrays).
    """

    def __init__(self, n_factors=20, n_epochs=20, init_mean=0, init_std_dev=0.1, lr_all=0.007,
                 reg_all=0.02, lr_bu=None, lr_bi=None, lr_pu=None, lr_qi=None, lr_yj=None,
                 reg_bu=None, reg_bi=None, reg_pu=None, reg_qi=None, reg_yj=None,
                 random_state=None, verbose=False, cache_ratings=False):  # fmt: skip
        self.n_factors, self.n_epochs = n_factors, n_epochs
        self.init_mean, self.init_std_dev = init_mean, init_std_dev
        self.lr_all, self.reg_all = lr_all, reg_all
        self.lr_bu, self.lr_bi, self.lr_pu, self.lr_qi = lr_bu, lr_bi, lr_pu, lr_qi
        self.reg_bu, self.reg_bi, self.reg_pu, self.reg_qi = reg_bu, reg_bi, reg_pu, reg_qi
        self.lr_yj, self.reg_yj, self.cache_ratings = lr_yj, reg_yj, cache_ratings
        self.random_state, self.verbose = random_state, verbose

    biased = True  # SVD++ always has biases

    def fit(self, trainset):
        AlgoBase.fit(self, trainset)
        rng = get_rng(self.random_state)
        t, nf = trainset, self.n_factors
        pu = rng.normal(self.init_mean, self.init_std_dev, size=(t.n_users, nf))
        qi = rng.normal(self.init_mean, self.init_std_dev, size=(t.n_items, nf))
        yj = rng.normal(self.init_mean, self.init_std_dev, size=(t.n_items, nf))
        bu, bi = np.zeros(t.n_users), np.zeros(t.n_items)
        rates = self._rates(["lr_bu", "lr_bi", "lr_pu", "lr_qi", "lr_yj", "reg_bu", "reg_bi",
                             "reg_pu", "reg_qi", "reg_yj"])  # fmt: skip
        _svdpp_epochs(t.ur_indptr, t.ur_items, t.ur_ratings, bu, bi, pu, qi, yj,
                      t.global_mean, int(self.n_epochs), *rates)  # fmt: skip
        self.bu, self.bi, self.pu, self.qi, self.yj = bu, bi, pu, qi, yj
        return self

    def estimate(self, u, i):
        t = self.trainset
        est = t.global_mean
        if t.knows_user(u):
            est += self.bu[u]
        if t.knows_item(i):
            est += self.bi[i]
        if t.knows_user(u) and t.knows_item(i):
            rated, _ = t.user_ratings(u)
            implicit = self.yj[rated].sum(axis=0) / np.sqrt(len(rated))
            est += np.dot(self.qi[i], self.pu[u] + implicit)
        return est


@numba.njit(cache=True)
def _svdpp_epochs(indptr, items, ratings, bu, bi, pu, qi, yj, mu, n_epochs, lr_bu, lr_bi,
                  lr_pu, lr_qi, lr_yj, reg_bu, reg_bi, reg_pu, reg_qi, reg_yj):  # fmt: skip
    n_factors = pu.shape[1]
    implicit = np.zeros(n_factors)
    steps = np.zeros(n_factors)
    for _ in range(n_epochs):
        for u in range(len(indptr) - 1):
            lo, hi = indptr[u], indptr[u + 1]
            sqrt_iu = np.sqrt(hi - lo)
            for k in range(lo, hi):
                i, r = items[k], ratings[k]
                implicit[:] = 0.0
                for m in range(lo, hi):
                    j = items[m]
                    for f in range(n_factors):
                        implicit[f] += yj[j, f] / sqrt_iu
                dot = 0.0
                for f in range(n_factors):
                    dot += qi[i, f] * (pu[u, f] + implicit[f])
                err = r - (mu + bu[u] + bi[i] + dot)
                bu[u] += lr_bu * (err - reg_bu * bu[u])
                bi[i] += lr_bi * (err - reg_bi * bi[i])
                for f in range(n_factors):
                    puf, qif = pu[u, f], qi[i, f]
                    pu[u, f] += lr_pu * (err * qif - reg_pu * puf)
                    qi[i, f] += lr_qi * (err * (puf + implicit[f]) - reg_qi * qif)
                    steps[f] = err * qif / sqrt_iu  # with q_i before this update, as Surprise
                # Surprise loops f outside j; each y_jf update is independent of the others, so
                # j outside (row by row, cache-friendly) gives the same numbers
                for m in range(lo, hi):
                    j = items[m]
                    for f in range(n_factors):
                        yj[j, f] += lr_yj * (steps[f] - reg_yj * yj[j, f])


class NMF(AlgoBase):
    """Non-negative matrix factorization by multiplicative updates (Luo et al. 2014), as
    Surprise runs it (``r_ui = q_i . p_u``, or with biases when ``biased``).

    Parameters
    ----------
    n_factors : int, default 15
    n_epochs : int, default 50
    biased : bool, default False
    reg_pu, reg_qi : float, default 0.06
    reg_bu, reg_bi, lr_bu, lr_bi : float, default 0.02, 0.02, 0.005, 0.005
    init_low, init_high : float, default 0 and 1
        Uniform initial factors.
    random_state : int, RandomState or None
    verbose : bool, default False
    """

    def __init__(self, n_factors=15, n_epochs=50, biased=False, reg_pu=0.06, reg_qi=0.06,
                 reg_bu=0.02, reg_bi=0.02, lr_bu=0.005, lr_bi=0.005, init_low=0, init_high=1,
                 random_state=None, verbose=False):  # fmt: skip
        if init_low < 0:
            raise ValueError(f"init_low should be greater than zero, got {init_low}")
        self.n_factors, self.n_epochs, self.biased = n_factors, n_epochs, biased
        self.reg_pu, self.reg_qi, self.reg_bu, self.reg_bi = reg_pu, reg_qi, reg_bu, reg_bi
        self.lr_bu, self.lr_bi = lr_bu, lr_bi
        self.init_low, self.init_high = init_low, init_high
        self.random_state, self.verbose = random_state, verbose

    def fit(self, trainset):
        super().fit(trainset)
        rng = get_rng(self.random_state)
        t = trainset
        pu = rng.uniform(self.init_low, self.init_high, size=(t.n_users, self.n_factors))
        qi = rng.uniform(self.init_low, self.init_high, size=(t.n_items, self.n_factors))
        bu, bi = np.zeros(t.n_users), np.zeros(t.n_items)
        mu = t.global_mean if self.biased else 0.0
        _nmf_epochs(t.all_users_array, t.ur_items, t.ur_ratings, np.diff(t.ur_indptr),
                    np.diff(t.ir_indptr), bu, bi, pu, qi, mu, bool(self.biased),
                    int(self.n_epochs), float(self.reg_pu), float(self.reg_qi),
                    float(self.reg_bu), float(self.reg_bi), float(self.lr_bu),
                    float(self.lr_bi))  # fmt: skip
        self.bu, self.bi, self.pu, self.qi = bu, bi, pu, qi
        return self

    estimate = SVD.estimate


@numba.njit(cache=True)
def _nmf_epochs(users, items, ratings, n_user_ratings, n_item_ratings, bu, bi, pu, qi, mu,
                biased, n_epochs, reg_pu, reg_qi, reg_bu, reg_bi, lr_bu, lr_bi):  # fmt: skip
    n_users, n_factors = pu.shape
    n_items = qi.shape[0]
    user_num, user_denom = np.zeros((n_users, n_factors)), np.zeros((n_users, n_factors))
    item_num, item_denom = np.zeros((n_items, n_factors)), np.zeros((n_items, n_factors))
    for _ in range(n_epochs):
        user_num[:] = 0.0
        user_denom[:] = 0.0
        item_num[:] = 0.0
        item_denom[:] = 0.0
        for k in range(len(ratings)):
            u, i, r = users[k], items[k], ratings[k]
            dot = 0.0
            for f in range(n_factors):
                dot += qi[i, f] * pu[u, f]
            est = mu + bu[u] + bi[i] + dot
            err = r - est
            if biased:
                bu[u] += lr_bu * (err - reg_bu * bu[u])
                bi[i] += lr_bi * (err - reg_bi * bi[i])
            for f in range(n_factors):
                user_num[u, f] += qi[i, f] * r
                user_denom[u, f] += qi[i, f] * est
                item_num[i, f] += pu[u, f] * r
                item_denom[i, f] += pu[u, f] * est
        for u in range(n_users):
            for f in range(n_factors):
                if pu[u, f] != 0:
                    user_denom[u, f] += n_user_ratings[u] * reg_pu * pu[u, f]
                    pu[u, f] *= user_num[u, f] / user_denom[u, f]
        for i in range(n_items):
            for f in range(n_factors):
                if qi[i, f] != 0:
                    item_denom[i, f] += n_item_ratings[i] * reg_qi * qi[i, f]
                    qi[i, f] *= item_num[i, f] / item_denom[i, f]
