"""Item-item nearest neighbours for implicit feedback, as implicit's ``ItemItemRecommender``,
``CosineRecommender`` and ``BM25Recommender``: each item keeps its ``K`` most similar items
(itself included) by the dot product of the (weighted) item columns; a user's score for an item
is the sum, over the items the user liked, of like weight x similarity.

The similarity of item ``i`` with every item is row ``i`` of ``X^T X`` (``X`` the weighted user x
item matrix), computed by SciPy's sparse product in the same order as implicit's loop; ties
among the ``K`` largest go to the larger item id, as in implicit's heap.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp

from homeml._params import ParamsMixin
from homeml.recommend.implicit._base import check_user_items

__all__ = [
    "BM25Recommender",
    "CosineRecommender",
    "ItemItemRecommender",
    "TFIDFRecommender",
    "bm25_weight",
    "normalize",
    "tfidf_weight",
]


def _top_k_rows(matrix: sp.csr_matrix, K: int) -> sp.csr_matrix:
    """Keep the K largest entries of each row (ties: larger column first)."""
    rows, cols, vals = [], [], []
    for r in range(matrix.shape[0]):
        lo, hi = matrix.indptr[r], matrix.indptr[r + 1]
        c, v = matrix.indices[lo:hi], matrix.data[lo:hi]
        keep = np.lexsort((-c, -v))[:K]
        rows.append(np.full(len(keep), r))
        cols.append(c[keep])
        vals.append(v[keep])
    return sp.csr_matrix(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=matrix.shape
    )


class ItemItemRecommender(ParamsMixin):
    """Item-item neighbours on the raw weights of ``user_items``.

    Parameters
    ----------
    K : int, default 20
        Neighbours kept per item.
    """

    similarity: Any = None

    def __init__(self, K=20):
        self.K = K

    def _weight(self, user_items):
        return user_items

    def fit(self, user_items, show_progress=False, callback=None):
        """Fit on a user x item CSR matrix of weights (counts)."""
        weighted = sp.csr_matrix(self._weight(check_user_items(user_items).astype(np.float64)))
        items = weighted.T.tocsr()
        self.similarity = _top_k_rows(sp.csr_matrix(items @ weighted), self.K)
        return self

    def _check_fitted(self):
        if self.similarity is None:
            raise ValueError(f"this {type(self).__name__} is not fitted: call fit(user_items)")

    def recommend(self, userid, user_items, N=10, filter_already_liked_items=True,
                  filter_items=None, recalculate_user=False, items=None):  # fmt: skip
        """The ``N`` best-scored items for a user (or users) as ``(ids, scores)``; only items
        that share a neighbour with the user's likes have a score. ``user_items`` holds the
        users' rows (one per user).
        """
        self._check_fitted()
        user_items = check_user_items(user_items)
        if not np.isscalar(userid):
            users = np.asarray(userid)
            if user_items.shape[0] != len(users):
                raise ValueError("user_items must contain 1 row for every user in userids")
            results = [
                self.recommend(
                    u,
                    user_items[k],
                    N,
                    filter_already_liked_items,
                    filter_items,
                    recalculate_user,
                    items,
                )  # fmt: skip
                for k, u in enumerate(users)
            ]
            ids = np.full((len(users), N), -1, dtype=np.int32)
            scores = np.zeros((len(users), N))
            for k, (i, s) in enumerate(results):
                ids[k, : len(i)], scores[k, : len(s)] = i, s
            return ids, scores
        row = sp.csr_matrix(user_items[0].astype(np.float64) @ self.similarity)
        candidates, values = row.indices.copy(), row.data.copy()
        liked = user_items[0].indices
        if filter_already_liked_items:
            keep = ~np.isin(candidates, liked)
            candidates, values = candidates[keep], values[keep]
        if filter_items is not None:
            keep = ~np.isin(candidates, filter_items)
            candidates, values = candidates[keep], values[keep]
        if items is not None:
            keep = np.isin(candidates, items)
            candidates, values = candidates[keep], values[keep]
        order = np.lexsort((-candidates, -values))[:N]
        return candidates[order].astype(np.int32), values[order]

    def similar_items(self, itemid, N=10, recalculate_item=False, item_users=None,
                      filter_items=None, items=None):  # fmt: skip
        """The item's kept neighbours, most similar first, as ``(ids, scores)``."""
        self._check_fitted()
        if itemid >= self.similarity.shape[0]:
            return np.array([]), np.array([])
        row = self.similarity[itemid]
        ids, scores = row.indices, row.data
        if filter_items is not None:
            keep = ~np.isin(ids, filter_items)
            ids, scores = ids[keep], scores[keep]
        elif items is not None:
            keep = np.isin(ids, items)
            ids, scores = ids[keep], scores[keep]
        best = np.argsort(scores)[::-1][:N]
        return ids[best], scores[best]


def normalize(X):
    """Scale each row of X to unit L2 norm (rows of zeros stay zero)."""
    X = sp.coo_matrix(X, dtype=np.float64)
    norms = np.sqrt(np.bincount(X.row, X.data**2, minlength=X.shape[0]))
    X.data = X.data / norms[X.row]
    return X


def tfidf_weight(X):
    """TF-IDF on rows as documents: ``sqrt(x) * (log N - log1p(df))``."""
    X = sp.coo_matrix(X, dtype=np.float64)
    idf = np.log(float(X.shape[0])) - np.log1p(np.bincount(X.col, minlength=X.shape[1]))
    X.data = np.sqrt(X.data) * idf[X.col]
    return X


def bm25_weight(X, K1=100, B=0.8):
    """Okapi BM25 on rows as documents (implicit's weighting)."""
    X = sp.coo_matrix(X, dtype=np.float64)
    N = float(X.shape[0])
    idf = np.log(N) - np.log1p(np.bincount(X.col, minlength=X.shape[1]))
    row_sums = np.ravel(X.sum(axis=1))
    length_norm = (1.0 - B) + B * row_sums / row_sums.mean()
    X.data = X.data * (K1 + 1.0) / (K1 * length_norm[X.row] + X.data) * idf[X.col]
    return X


class CosineRecommender(ItemItemRecommender):
    """Item-item neighbours by the cosine of the item columns."""

    def _weight(self, user_items):
        return normalize(user_items.T).T


class TFIDFRecommender(ItemItemRecommender):
    """Item-item neighbours on TF-IDF weights (items as documents of users)."""

    def _weight(self, user_items):
        return normalize(tfidf_weight(user_items.T)).T


class BM25Recommender(ItemItemRecommender):
    """Item-item neighbours on BM25 weights (items as documents of users).

    Parameters
    ----------
    K : int, default 20
    K1 : float, default 1.2
    B : float, default 0.75
    """

    def __init__(self, K=20, K1=1.2, B=0.75):
        self.K, self.K1, self.B = K, K1, B

    def _weight(self, user_items):
        return bm25_weight(user_items.T, self.K1, self.B).T
