"""The simplest predictors: :class:`NormalPredictor` (a random rating from the ratings'
normal distribution) and :class:`BaselineOnly` (``mu + b_u + b_i``, biases by ALS or SGD).
"""

from __future__ import annotations

import numpy as np

from homeml.recommend.algo_base import AlgoBase

__all__ = ["BaselineOnly", "NormalPredictor"]


class NormalPredictor(AlgoBase):
    """A rating drawn from ``N(mu, sigma)``, the normal distribution fitted to the ratings by
    maximum likelihood. Draws come from NumPy's global generator, as in Surprise (so
    ``np.random.seed`` makes them repeatable, and equal to Surprise's).
    """

    def __init__(self):
        pass

    def fit(self, trainset):
        super().fit(trainset)
        r = trainset.ur_ratings
        self.sigma = float(np.sqrt(np.sum((r - trainset.global_mean) ** 2) / trainset.n_ratings))
        return self

    def estimate(self, u, i):
        return np.random.normal(self.trainset.global_mean, self.sigma)


class BaselineOnly(AlgoBase):
    """``r_ui = mu + b_u + b_i`` (Koren 2010), biases by ALS (default) or SGD.

    Parameters
    ----------
    bsl_options : dict, optional
        ``{"method": "als", "n_epochs": 10, "reg_u": 15, "reg_i": 10}`` or ``{"method": "sgd",
        "n_epochs": 20, "reg": 0.02, "learning_rate": 0.005}`` (Surprise's keys and defaults).
    verbose : bool, default True
        Accepted for Surprise's signature.
    """

    def __init__(self, bsl_options=None, verbose=True):
        self.bsl_options = bsl_options
        self.verbose = verbose

    def fit(self, trainset):
        super().fit(trainset)
        self.compute_baselines()
        return self

    def estimate(self, u, i):
        est = self.trainset.global_mean
        if self.trainset.knows_user(u):
            est += self.bu[u]
        if self.trainset.knows_item(i):
            est += self.bi[i]
        return est
