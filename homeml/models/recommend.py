"""Neural collaborative filtering: NeuMF (He et al. 2017), GMF and MLP towers fused, trained on
implicit feedback with sampled negatives.

``NeuMF(n_users, n_items, factors, layers)`` maps (user, item) id pairs to a logit:

- GMF: ``p_u^G * q_i^G`` (element-wise, ``factors`` wide);
- MLP: ``[p_u^M ; q_i^M]`` (``layers[0]`` wide) through Linear + ReLU layers of widths
  ``layers[1:]``;
- NeuMF: ``h . [GMF ; MLP]``, a Linear layer on the two concatenated.

Embeddings start N(0, 0.01) as in the paper's code. :func:`sample_negatives` draws, for every
observed pair, ``num_negatives`` items the user did not interact with (uniformly), and
:func:`fit_neumf` minimises the binary cross-entropy of observed (1) against sampled (0) pairs
with Adam, resampling negatives every epoch. :class:`NeuMFRecommender` wraps a trained model in
implicit's ``recommend(userid, user_items, N)`` so that
:mod:`homeml.recommend.implicit.evaluation` scores it like the other recommenders.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

import homeml as hm
from homeml import nn
from homeml.nn import functional as F
from homeml.tensor import Tensor

__all__ = ["NeuMF", "NeuMFRecommender", "fit_neumf", "sample_negatives"]


class NeuMF(nn.Module):
    """NeuMF: generalised matrix factorization and an MLP over user and item embeddings.

    Parameters
    ----------
    n_users, n_items : int
    factors : int, default 8
        Width of the GMF embeddings.
    layers : sequence of int, default (32, 16, 8)
        ``layers[0]`` is the width of the concatenated MLP embeddings (each half of it), the
        rest the widths of the hidden layers.
    """

    def __init__(self, n_users: int, n_items: int, factors: int = 8,
                 layers: Sequence[int] = (32, 16, 8)):  # fmt: skip
        super().__init__()
        layers = tuple(int(w) for w in layers)
        if n_users < 1 or n_items < 1 or factors < 1 or len(layers) < 1 or layers[0] % 2:
            raise ValueError(
                "NeuMF needs n_users, n_items, factors >= 1 and layers[0] even, got "
                f"{n_users}, {n_items}, {factors}, {layers}"
            )
        self.n_users, self.n_items, self.factors, self.layers = n_users, n_items, factors, layers
        self.user_gmf = nn.Embedding(n_users, factors)
        self.item_gmf = nn.Embedding(n_items, factors)
        self.user_mlp = nn.Embedding(n_users, layers[0] // 2)
        self.item_mlp = nn.Embedding(n_items, layers[0] // 2)
        tower: list[nn.Module] = []
        for width_in, width_out in zip(layers[:-1], layers[1:]):
            tower += [nn.Linear(width_in, width_out), nn.ReLU()]
        self.mlp = nn.Sequential(*tower)
        self.predict = nn.Linear(factors + layers[-1], 1)
        for embedding in (self.user_gmf, self.item_gmf, self.user_mlp, self.item_mlp):
            nn.init.normal_(embedding.weight, std=0.01)

    def forward(self, users: Tensor, items: Tensor) -> Tensor:
        """Logits (B,) for user ids (B,) and item ids (B,)."""
        gmf = self.user_gmf(users) * self.item_gmf(items)  # (B, factors)
        mlp = self.mlp(hm.cat([self.user_mlp(users), self.item_mlp(items)], dim=1))  # (B, last)
        return self.predict(hm.cat([gmf, mlp], dim=1)).reshape(-1)


def sample_negatives(user_items, num_negatives: int, rng: np.random.Generator):
    """Every observed (user, item) pair with label 1, and ``num_negatives`` pairs per observed
    one with an item the user has not interacted with, label 0. Returns ``users, items,
    labels`` (int64, int64, float32).
    """
    from homeml.recommend.implicit._base import check_user_items

    user_items = check_user_items(user_items)
    n_items = user_items.shape[1]
    counts = np.diff(user_items.indptr)
    if np.any(counts >= n_items):
        raise ValueError("a user interacted with every item: no negative item to sample")
    pos_users = np.repeat(np.arange(user_items.shape[0]), counts)
    neg_users = np.repeat(pos_users, num_negatives)
    neg_items = rng.integers(0, n_items, len(neg_users))
    liked = user_items.astype(bool)
    bad = np.asarray(liked[neg_users, neg_items]).ravel()
    while bad.any():  # redraw the ones that hit an observed item
        neg_items[bad] = rng.integers(0, n_items, int(bad.sum()))
        bad = np.asarray(liked[neg_users, neg_items]).ravel()
    users = np.concatenate([pos_users, neg_users]).astype(np.int64)
    items = np.concatenate([user_items.indices, neg_items]).astype(np.int64)
    labels = np.concatenate([np.ones(len(pos_users)), np.zeros(len(neg_users))])
    return users, items, labels.astype(np.float32)


def fit_neumf(model: NeuMF, user_items, epochs: int = 10, batch_size: int = 256,
              lr: float = 1e-3, num_negatives: int = 4, seed: int = 0,
              callback: Callable[[int, float], None] | None = None) -> list[float]:  # fmt: skip
    """Train ``model`` on a user x item CSR matrix (nonzero = interaction); returns the mean
    loss of each epoch. ``callback(epoch, loss)`` is called after each epoch.
    """
    rng = np.random.default_rng(seed)
    optimizer = hm.optim.Adam(model.parameters(), lr=lr)
    history = []
    model.train()
    for epoch in range(epochs):
        users, items, labels = sample_negatives(user_items, num_negatives, rng)
        order = rng.permutation(len(labels))
        total = 0.0
        for start in range(0, len(order), batch_size):
            batch = order[start : start + batch_size]
            logits = model(hm.tensor(users[batch]), hm.tensor(items[batch]))
            loss = F.binary_cross_entropy_with_logits(logits, hm.tensor(labels[batch]))
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += float(loss.item()) * len(batch)
        history.append(total / len(order))
        if callback:
            callback(epoch, history[-1])
    model.eval()
    return history


class NeuMFRecommender:
    """implicit's ``recommend``/``similar_items`` over a trained :class:`NeuMF`."""

    def __init__(self, model: NeuMF):
        self.model = model

    def scores(self, userid: int) -> np.ndarray:
        """The model's logits of every item for one user."""
        items = np.arange(self.model.n_items)
        with hm.no_grad():
            logits = self.model(hm.tensor(np.full(len(items), userid)), hm.tensor(items))
        return logits.numpy().astype(np.float64)

    def recommend(self, userid, user_items=None, N=10, filter_already_liked_items=True,
                  filter_items=None, recalculate_user=False, items=None):  # fmt: skip
        """The ``N`` highest-scored items for a user (or users), as ``(ids, scores)``."""
        from homeml.recommend.implicit._base import check_user_items, topk

        scalar = np.isscalar(userid)
        users = np.atleast_1d(np.asarray(userid))
        if users.size and (users.min() < 0 or users.max() >= self.model.n_users):
            raise IndexError(f"userid must be in [0, {self.model.n_users}), got {userid}")
        scores = np.stack([self.scores(int(u)) for u in users])
        neginf = -np.finfo(scores.dtype).max
        if filter_already_liked_items:
            user_items = check_user_items(user_items)
            if user_items.shape[0] != len(users):
                raise ValueError("user_items must contain 1 row for every user in userids")
            for row in range(len(users)):
                scores[row, user_items[row].indices] = neginf
        if filter_items is not None:
            scores[:, np.asarray(filter_items)] = neginf
        if items is not None:
            mask = np.ones(scores.shape[1], dtype=bool)
            mask[np.asarray(items)] = False
            scores[:, mask] = neginf
        ids, values = topk(scores, N)
        return (ids[0], values[0]) if scalar else (ids, values)
