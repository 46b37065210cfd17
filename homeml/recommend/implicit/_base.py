"""What implicit's matrix-factorization models share: ``recommend`` and ``similar_items`` on
``user_factors`` and ``item_factors``, with implicit's argument checks and order of results.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp

from homeml._params import ParamsMixin

__all__ = ["MatrixFactorizationBase", "check_user_items", "topk"]


def check_user_items(user_items, name: str = "user_items") -> sp.csr_matrix:
    """A user x item ``scipy.sparse.csr_matrix`` of finite values, or a clear error."""
    if not sp.issparse(user_items):
        raise TypeError(
            f"{name} must be a scipy.sparse CSR matrix (users x items), got {type(user_items)}"
        )
    user_items = sp.csr_matrix(user_items)
    if user_items.ndim != 2 or 0 in user_items.shape:
        raise ValueError(f"{name} must be a non-empty 2-D matrix, got shape {user_items.shape}")
    if not np.all(np.isfinite(user_items.data)):
        raise ValueError(f"{name} holds NaN or inf values")
    return user_items


def topk(scores: np.ndarray, k: int):
    """Indices and values of the ``k`` largest entries of each row, largest first (ties: the
    larger index first, as implicit's heap orders (value, index) pairs).
    """
    k = min(k, scores.shape[1])
    cols = np.arange(scores.shape[1])
    ids = np.empty((scores.shape[0], k), dtype=np.int32)
    for row in range(scores.shape[0]):
        order = np.lexsort((-cols, -scores[row]))[:k]
        ids[row] = order
    return ids, np.take_along_axis(scores, ids.astype(np.int64), axis=1)


class MatrixFactorizationBase(ParamsMixin):
    """``recommend``, ``similar_items``, ``similar_users`` for a fitted factor model."""

    user_factors: Any = None
    item_factors: Any = None

    def _check_fitted(self):
        if self.item_factors is None:
            raise ValueError(f"this {type(self).__name__} is not fitted: call fit(user_items)")

    def recommend(self, userid, user_items=None, N=10, filter_already_liked_items=True,
                  filter_items=None, recalculate_user=False, items=None):  # fmt: skip
        """The ``N`` items with the highest ``user . item`` scores for a user (or an array of
        users), as ``(ids, scores)``.

        Parameters
        ----------
        userid : int or array of int
        user_items : scipy.sparse.csr_matrix
            The rows of ``userid`` in the user x item matrix (one row per user): the items to
            leave out when ``filter_already_liked_items``.
        N : int, default 10
        filter_already_liked_items : bool, default True
        filter_items : array of int, optional
            Items never to recommend.
        recalculate_user : bool
            Not supported (raises ``NotImplementedError`` when True).
        items : array of int, optional
            Rank only these items.
        """
        self._check_fitted()
        if recalculate_user:
            raise NotImplementedError("recalculate_user is not supported")
        scalar = np.isscalar(userid)
        users = np.atleast_1d(np.asarray(userid))
        if users.size and (users.min() < 0 or users.max() >= self.user_factors.shape[0]):
            raise IndexError(f"userid must be in [0, {self.user_factors.shape[0]}), got {userid}")
        if filter_already_liked_items:
            user_items = check_user_items(user_items)
            if user_items.shape[0] != len(users):
                raise ValueError("user_items must contain 1 row for every user in userids")
        item_factors = self.item_factors
        if items is not None:
            if filter_items is not None:
                raise ValueError("Can't set both items and filter_items in recommend call")
            items = np.sort(np.asarray(items))
            item_factors = item_factors[items]
        scores = self.user_factors[users] @ item_factors.T
        neginf = -np.finfo(scores.dtype).max
        if filter_already_liked_items:
            for row in range(len(users)):
                liked = user_items[row].indices
                if items is not None:
                    liked = np.searchsorted(items, liked[np.isin(liked, items)])
                scores[row, liked] = neginf
        if filter_items is not None:
            scores[:, np.asarray(filter_items)] = neginf
        ids, values = topk(scores, N)
        if items is not None:
            ids = items[ids]
        return (ids[0], values[0]) if scalar else (ids, values)

    @property
    def item_norms(self):
        norms = np.linalg.norm(self.item_factors, axis=-1)
        norms[norms == 0] = 1e-10
        return norms

    def similar_items(self, itemid, N=10, recalculate_item=False, item_users=None,
                      filter_items=None, items=None):  # fmt: skip
        """The ``N`` items most similar to ``itemid`` by the cosine of their factors (the item
        itself first), as ``(ids, scores)``.
        """
        self._check_fitted()
        if recalculate_item:
            raise NotImplementedError("recalculate_item is not supported")
        norms = self.item_norms
        factor = np.atleast_2d(self.item_factors[itemid])
        norm = np.atleast_1d(norms[itemid])
        factors = self.item_factors
        if items is not None:
            items = np.asarray(items)
            factors, norms = factors[items], norms[items]
        scores = factor @ factors.T / norms
        if filter_items is not None:
            scores[:, np.asarray(filter_items)] = -np.finfo(scores.dtype).max
        ids, values = topk(scores, N)
        values = values / norm[:, None]
        if items is not None:
            ids = items[ids]
        return (ids[0], values[0]) if np.isscalar(itemid) else (ids, values)

    def similar_users(self, userid, N=10, filter_users=None, users=None):
        """The ``N`` users most similar to ``userid`` by the cosine of their factors."""
        swapped = _Swapped(self.item_factors, self.user_factors)
        return swapped.similar_items(userid, N, filter_items=filter_users, items=users)


class _Swapped(MatrixFactorizationBase):
    def __init__(self, user_factors=None, item_factors=None):
        self.user_factors, self.item_factors = user_factors, item_factors
