"""The model file of a ``homeml train movielens`` run, and top-N recommendations from it.

Whatever the algorithm, ``model.safetensors`` holds a tree (``hm.save``; arrays in safetensors,
the rest JSON, no pickle): the raw user and item ids, the items' titles, the ratings each user
gave in training (to leave them out) and a *scorer*, what the algorithm needs to score every
item for a known user:

- ``factors`` (SVD, SVD++, baseline, ALS, BPR): ``mu + b_u + b_i + x_u . y_i`` (SVD++ stores
  ``p_u + |I_u|^-1/2 sum y_j`` as ``x_u``; the baseline has no factors; ALS and BPR no biases);
- ``knn`` (item-based KNNBaseline): the item-item similarities, biases and ``k``, scored with
  the user's own ratings as Surprise's ``estimate`` does;
- ``neumf``: the network's configuration and weights.

Explicit models' scores are predicted ratings (shown clipped to 1..5, ranked unclipped);
implicit models' are ranking scores.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["Recommender", "bundle_from_explicit", "bundle_from_implicit", "is_recommender"]

KIND = "recommender"


def is_recommender(metadata: dict) -> bool:
    """Whether a model file's metadata is a ``homeml train movielens`` run's."""
    return metadata.get("kind") == KIND


def _csr_rows(indptr, items, ratings=None) -> dict:
    out = {"rated_indptr": np.asarray(indptr, dtype=np.int64),
           "rated_items": np.asarray(items, dtype=np.int64)}  # fmt: skip
    if ratings is not None:
        out["rated_ratings"] = np.asarray(ratings, dtype=np.float64)
    return out


def bundle_from_explicit(algo, name: str, titles: dict) -> dict:
    """The tree of a fitted :mod:`homeml.recommend` algorithm (svd, svdpp, baseline, knn)."""
    t = algo.trainset
    users = [t.to_raw_uid(u) for u in range(t.n_users)]
    items = [t.to_raw_iid(i) for i in range(t.n_items)]
    tree: dict[str, Any] = {
        "algo": name,
        "explicit": True,
        "users": np.asarray(users, dtype=np.int64),
        "items": np.asarray(items, dtype=np.int64),
        "titles": [str(titles.get(i, f"item {i}")) for i in items],
        **_csr_rows(t.ur_indptr, t.ur_items, t.ur_ratings),
    }
    mu = float(t.global_mean)
    if name == "knn-baseline":
        tree["scorer"] = {"kind": "knn", "mu": mu, "bu": algo.bu, "bi": algo.bi,
                          "sim": algo.sim.astype(np.float32), "k": int(algo.k)}  # fmt: skip
        return tree
    if name == "baseline":
        user_vectors, item_vectors = np.zeros((t.n_users, 0)), np.zeros((t.n_items, 0))
    elif name == "svdpp":
        counts = np.diff(t.ur_indptr)
        sums = np.add.reduceat(algo.yj[t.ur_items], t.ur_indptr[:-1], axis=0)
        user_vectors = algo.pu + sums / np.sqrt(counts)[:, None]
        item_vectors = algo.qi
    else:
        user_vectors, item_vectors = algo.pu, algo.qi
    tree["scorer"] = {"kind": "factors", "mu": mu, "bu": algo.bu, "bi": algo.bi,
                      "user_vectors": user_vectors, "item_vectors": item_vectors}  # fmt: skip
    return tree


def bundle_from_implicit(model, name: str, user_ids, item_ids, user_items, titles: dict) -> dict:
    """The tree of a fitted implicit-feedback model (als, bpr, neumf) on ``user_items``."""
    tree: dict[str, Any] = {
        "algo": name,
        "explicit": False,
        "users": np.asarray(user_ids, dtype=np.int64),
        "items": np.asarray(item_ids, dtype=np.int64),
        "titles": [str(titles.get(int(i), f"item {i}")) for i in item_ids],
        **_csr_rows(user_items.indptr, user_items.indices),
    }
    if name == "neumf":
        tree["scorer"] = {
            "kind": "neumf",
            "config": {
                "n_users": model.n_users,
                "n_items": model.n_items,
                "factors": model.factors,
                "layers": list(model.layers),
            },  # fmt: skip
            "state_dict": {k: v.numpy() for k, v in model.state_dict().items()},
        }
        return tree
    n_users, n_items = len(user_ids), len(item_ids)
    tree["scorer"] = {"kind": "factors", "mu": 0.0, "bu": np.zeros(n_users),
                      "bi": np.zeros(n_items),
                      "user_vectors": np.asarray(model.user_factors, dtype=np.float64),
                      "item_vectors": np.asarray(model.item_factors, dtype=np.float64)}  # fmt: skip
    return tree


class Recommender:
    """Top-N recommendations of a saved run (the tree of :func:`bundle_from_explicit` or
    :func:`bundle_from_implicit`).
    """

    def __init__(self, tree: dict):
        try:
            self.algo = str(tree["algo"])
            self.explicit = bool(tree["explicit"])
            self.users = np.asarray(tree["users"]).astype(np.int64)
            self.items = np.asarray(tree["items"]).astype(np.int64)
            self.titles = list(tree["titles"])
            self.indptr = np.asarray(tree["rated_indptr"]).astype(np.int64)
            self.rated = np.asarray(tree["rated_items"]).astype(np.int64)
            self.rated_ratings = tree.get("rated_ratings")
            self.scorer = dict(tree["scorer"])
        except (KeyError, TypeError) as error:
            raise ValueError(f"not a homeml movielens model file: missing {error}") from None
        if len(self.titles) != len(self.items) or len(self.indptr) != len(self.users) + 1:
            raise ValueError("broken movielens model file: ids, titles and ratings disagree")
        self._user_index = {int(u): k for k, u in enumerate(self.users)}
        self._network = None
        if self.scorer.get("kind") == "neumf":
            import homeml as hm
            from homeml.models.recommend import NeuMF

            config = dict(self.scorer["config"])
            self._network = NeuMF(**config)
            weights = self.scorer["state_dict"]
            self._network.load_state_dict({k: hm.tensor(np.asarray(v)) for k, v in weights.items()})
            self._network.eval()

    @classmethod
    def load(cls, path) -> Recommender:
        """Read a run folder's (or a file's) model."""
        from homeml.io import load

        path = Path(path)
        if path.is_dir():
            path = path / "model.safetensors"
        if not path.is_file():
            raise FileNotFoundError(
                f"no model file at {path} (train with `homeml train movielens`)"
            )
        tree = load(path)
        if not isinstance(tree, dict):
            raise ValueError(f"{path} is not a `homeml train movielens` model")
        return cls(tree)

    @property
    def n_items(self) -> int:
        return len(self.items)

    def knows(self, user) -> bool:
        return int(user) in self._user_index

    def scores(self, user) -> np.ndarray:
        """Scores of every item (in ``self.items`` order) for a raw user id."""
        try:
            u = self._user_index[int(user)]
        except (KeyError, TypeError, ValueError):
            raise KeyError(f"unknown user {user!r}: not in the training ratings") from None
        kind = self.scorer["kind"]
        s = self.scorer
        if kind == "factors":
            vectors = np.asarray(s["item_vectors"])
            dot = vectors @ np.asarray(s["user_vectors"])[u] if vectors.shape[1] else 0.0
            return s["mu"] + np.asarray(s["bu"])[u] + np.asarray(s["bi"]) + dot
        if kind == "knn":
            return self._knn_scores(u)
        import homeml as hm

        assert self._network is not None
        with hm.no_grad():
            logits = self._network(hm.tensor(np.full(self.n_items, u)),
                                   hm.tensor(np.arange(self.n_items)))  # fmt: skip
        return logits.numpy().astype(np.float64)

    def _knn_scores(self, u) -> np.ndarray:
        """Item-based KNNBaseline's estimate for every item (Surprise's ``estimate``)."""
        s = self.scorer
        mu, bu, bi = s["mu"], np.asarray(s["bu"]), np.asarray(s["bi"])
        lo, hi = self.indptr[u], self.indptr[u + 1]
        rated = self.rated[lo:hi]
        assert self.rated_ratings is not None
        residual = np.asarray(self.rated_ratings)[lo:hi] - (mu + bi[rated] + bu[u])
        sims = np.asarray(s["sim"], dtype=np.float64)[:, rated]  # (n_items, n_rated)
        order = np.argsort(-sims, axis=1, kind="stable")[:, : int(s["k"])]
        top = np.take_along_axis(sims, order, axis=1)
        top_residual = residual[order]
        positive = top > 0
        weight = np.where(positive, top, 0.0).sum(axis=1)
        total = np.where(positive, top * top_residual, 0.0).sum(axis=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            correction = np.where(weight > 0, total / np.where(weight > 0, weight, 1.0), 0.0)
        return mu + bu[u] + bi + correction

    def recommend(self, user, n: int = 10) -> list[dict]:
        """The ``n`` best-scored items the user did not rate in training: ``[{"item", "title",
        "score"}, ...]`` (explicit models: ``score`` is the predicted rating, clipped to 1..5).
        """
        scores = self.scores(user)
        u = self._user_index[int(user)]
        candidates = np.setdiff1d(
            np.arange(self.n_items), self.rated[self.indptr[u] : self.indptr[u + 1]]
        )
        if n < 1 or n > len(candidates):
            raise ValueError(f"n must be 1 to {len(candidates)} (the items user {user} has not "
                             f"rated), got {n}")  # fmt: skip
        order = candidates[np.lexsort((candidates, -scores[candidates]))][:n]
        shown = np.clip(scores[order], 1, 5) if self.explicit else scores[order]
        return [{"item": int(self.items[i]), "title": self.titles[i], "score": float(v)}
                for i, v in zip(order, shown)]  # fmt: skip
