"""What every rating-prediction algorithm shares (Surprise's ``AlgoBase``): ``fit``,
``predict`` with the fall-back for unknown users and items, ``test``, the baselines and the
similarity matrices; and :class:`Prediction`.

``predict(uid, iid)`` turns raw ids into inner ids (an unknown one becomes ``"UKN__<raw id>"``,
as in Surprise) and calls the algorithm's ``estimate``; when that raises
:class:`PredictionImpossible` the prediction is the trainset's mean rating and
``details["was_impossible"]`` is True with the reason in ``details["reason"]``. Estimates are
clipped to the rating scale unless ``clip=False``.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numba
import numpy as np

from homeml._params import ParamsMixin

__all__ = ["AlgoBase", "Prediction", "PredictionImpossible"]


class PredictionImpossible(Exception):
    """The algorithm cannot estimate this rating (unknown user or item, too few neighbours)."""


class Prediction(NamedTuple):
    """One prediction: raw ids, the true rating (or None), the estimate and details."""

    uid: object
    iid: object
    r_ui: float | None
    est: float
    details: dict

    def __str__(self) -> str:
        s = f"user: {self.uid!s:<10} item: {self.iid!s:<10} "
        s += f"r_ui = {self.r_ui:1.2f}   " if self.r_ui is not None else "r_ui = None   "
        return s + f"est = {self.est:1.2f}   {self.details}"


class AlgoBase(ParamsMixin):
    """Base class of the rating-prediction algorithms (Surprise's ``AlgoBase``)."""

    trainset: Any = None  # the Trainset of the last fit
    bu: Any = None  # baselines, once computed
    bi: Any = None
    sim: Any = None  # similarity matrix (neighbourhood algorithms)

    def fit(self, trainset):
        """Fit on a :class:`~homeml.recommend.dataset.Trainset`; returns self."""
        self.trainset = trainset
        self.bu = self.bi = None  # baselines are computed again for a new trainset
        return self

    def _check_fitted(self):
        if self.trainset is None:
            raise ValueError(f"this {type(self).__name__} is not fitted: call fit(trainset) first")

    def estimate(self, u, i):  # pragma: no cover - every algorithm overrides it
        raise NotImplementedError

    def predict(self, uid, iid, r_ui=None, clip: bool = True, verbose: bool = False) -> Prediction:
        """Predict the rating of raw user ``uid`` for raw item ``iid``.

        Parameters
        ----------
        uid, iid : raw ids
            As in the Dataset (strings for the built-in datasets).
        r_ui : float, optional
            The true rating, kept in the Prediction.
        clip : bool, default True
            Clip the estimate to the trainset's rating scale.
        verbose : bool, default False
            Print the prediction.

        Returns
        -------
        Prediction
        """
        self._check_fitted()
        try:
            iuid = self.trainset.to_inner_uid(uid)
        except ValueError:
            iuid = "UKN__" + str(uid)
        try:
            iiid = self.trainset.to_inner_iid(iid)
        except ValueError:
            iiid = "UKN__" + str(iid)
        details: dict = {}
        try:
            est = self.estimate(iuid, iiid)
            if isinstance(est, tuple):
                est, details = est
            details["was_impossible"] = False
        except PredictionImpossible as err:
            est = self.default_prediction()
            details["was_impossible"] = True
            details["reason"] = str(err)
        est = float(est)
        if clip:
            low, high = self.trainset.rating_scale
            est = max(low, min(high, est))
        pred = Prediction(uid, iid, r_ui, est, details)
        if verbose:
            print(pred)
        return pred

    def default_prediction(self) -> float:
        """The trainset's mean rating: the prediction when ``estimate`` is impossible."""
        return self.trainset.global_mean

    def test(self, testset, verbose: bool = False) -> list:
        """Predictions for ``[(raw user, raw item, true rating), ...]``."""
        return [self.predict(u, i, r, verbose=verbose) for (u, i, r) in testset]

    # ------------------------------------------------------------------ baselines
    def compute_baselines(self):
        """User and item biases ``bu, bi`` by ALS or SGD, from ``bsl_options`` (Surprise's
        ``method``, ``n_epochs``, ``reg_u``/``reg_i`` for ALS, ``reg``/``learning_rate`` for
        SGD). Computed once per trainset.
        """
        if getattr(self, "bu", None) is not None:
            return self.bu, self.bi
        options = getattr(self, "bsl_options", None) or {}
        method = options.get("method", "als")
        t = self.trainset
        if method == "als":
            self.bu, self.bi = _baseline_als(
                t.ur_indptr, t.ur_items, t.ur_ratings, t.ir_indptr, t.ir_users, t.ir_ratings,
                t.global_mean, int(options.get("n_epochs", 10)),
                float(options.get("reg_u", 15)), float(options.get("reg_i", 10)),
            )  # fmt: skip
        elif method == "sgd":
            self.bu, self.bi = _baseline_sgd(
                t.all_users_array, t.ur_items, t.ur_ratings, t.n_users, t.n_items,
                t.global_mean, int(options.get("n_epochs", 20)),
                float(options.get("reg", 0.02)), float(options.get("learning_rate", 0.005)),
            )  # fmt: skip
        else:
            raise ValueError(f"Invalid method {method!r} for baseline computation. Available "
                             "methods are als and sgd.")  # fmt: skip
        return self.bu, self.bi

    def compute_similarities(self):
        """The similarity matrix of users (or items) named by ``sim_options``."""
        from homeml.recommend.similarities import compute_similarities

        return compute_similarities(self)

    def get_neighbors(self, iid, k: int) -> list:
        """The ``k`` nearest neighbours (inner ids) of inner id ``iid`` by the similarity."""
        if getattr(self, "sim", None) is None:
            raise ValueError("this algorithm has no similarity matrix (fit a KNN algorithm)")
        others = np.delete(np.arange(self.sim.shape[0]), iid)
        order = np.argsort(-self.sim[iid, others], kind="stable")[:k]
        return others[order].tolist()


@numba.njit(cache=True)
def _baseline_als(ur_ptr, ur_items, ur_r, ir_ptr, ir_users, ir_r, mu, n_epochs, reg_u, reg_i):
    n_users, n_items = len(ur_ptr) - 1, len(ir_ptr) - 1
    bu, bi = np.zeros(n_users), np.zeros(n_items)
    for _ in range(n_epochs):
        for i in range(n_items):
            dev = 0.0
            for k in range(ir_ptr[i], ir_ptr[i + 1]):
                dev += ir_r[k] - mu - bu[ir_users[k]]
            bi[i] = dev / (reg_i + (ir_ptr[i + 1] - ir_ptr[i]))
        for u in range(n_users):
            dev = 0.0
            for k in range(ur_ptr[u], ur_ptr[u + 1]):
                dev += ur_r[k] - mu - bi[ur_items[k]]
            bu[u] = dev / (reg_u + (ur_ptr[u + 1] - ur_ptr[u]))
    return bu, bi


@numba.njit(cache=True)
def _baseline_sgd(users, items, ratings, n_users, n_items, mu, n_epochs, reg, lr):
    bu, bi = np.zeros(n_users), np.zeros(n_items)
    for _ in range(n_epochs):
        for k in range(len(ratings)):
            u, i = users[k], items[k]
            err = ratings[k] - (mu + bu[u] + bi[i])
            bu[u] += lr * (err - reg * bu[u])
            bi[i] += lr * (err - reg * bi[i])
    return bu, bi


def get_rng(random_state):
    """Surprise's ``get_rng``: None -> NumPy's global RandomState, an int -> a new
    ``RandomState(seed)``, a RandomState -> itself.
    """
    if random_state is None:
        return np.random.mtrand._rand
    if isinstance(random_state, (int, np.integer)):
        return np.random.RandomState(int(random_state))
    if isinstance(random_state, np.random.RandomState):
        return random_state
    raise ValueError(
        f"random_state must be None, an int or a numpy.random.RandomState, got {random_state!r}"
    )
