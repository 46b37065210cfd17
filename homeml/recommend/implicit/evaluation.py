"""Ranking metrics for implicit feedback, as ``implicit.evaluation`` computes them, plus
recall@k and catalogue coverage (which implicit lacks; defined below).

Every metric asks ``model.recommend(users, train_user_items[users], N=K)`` (already-liked items
filtered) for the users that have at least one item in ``test_user_items``, then, per user with
test items ``T`` and top-K list ``L``:

- ``precision@K`` (implicit's): ``sum_u |L ∩ T| / sum_u min(K, |T|)``;
- ``recall@K`` (here): the mean over users of ``|L ∩ T| / |T|``;
- ``MAP@K``: the mean of ``sum_{hits at rank r} (hits so far / r) / min(K, |T|)``;
- ``NDCG@K``: the mean of ``sum_{hits at rank r} 1/log2(r + 1)`` over its ideal value;
- ``AUC@K`` (implicit's): the area under the ROC curve of the ranking, the items past ``K``
  counted as tied;
- catalogue coverage (here): the fraction of the catalogue's items that appear in at least
  one user's top-K list.

Works with any model that has implicit's ``recommend`` signature (homeml's or implicit's own).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from homeml.recommend.implicit._base import check_user_items

__all__ = [
    "AUC_at_k",
    "catalogue_coverage",
    "mean_average_precision_at_k",
    "ndcg_at_k",
    "precision_at_k",
    "ranking_metrics_at_k",
    "recall_at_k",
    "train_test_split",
]


def train_test_split(ratings, train_percentage=0.8, random_state=None):
    """Each nonzero goes to train with probability ``train_percentage``, else to test
    (implicit's split, same draws for the same integer seed).
    """
    ratings = sp.coo_matrix(ratings)
    rng = np.random.default_rng(random_state)
    draw = rng.random(len(ratings.data))
    train, test = draw < train_percentage, draw >= train_percentage

    def part(mask):
        return sp.csr_matrix(
            (ratings.data[mask], (ratings.row[mask], ratings.col[mask])),
            shape=ratings.shape,
            dtype=ratings.dtype,
        )

    test_matrix = part(test)
    test_matrix.data[test_matrix.data < 0] = 0
    test_matrix.eliminate_zeros()
    return part(train), test_matrix


def _top_lists(model, train_user_items, test_user_items, K, batch_size=1000):
    train = check_user_items(train_user_items, "train_user_items")
    test = check_user_items(test_user_items, "test_user_items")
    if train.shape != test.shape:
        raise ValueError(f"train and test matrices differ in shape: {train.shape} vs {test.shape}")
    users = np.flatnonzero(np.diff(test.indptr) > 0).astype(np.int32)
    lists = []
    for start in range(0, len(users), batch_size):
        batch = users[start : start + batch_size]
        ids, _ = model.recommend(batch, train[batch], N=K)
        lists.append(np.asarray(ids))
    ids = np.concatenate(lists) if lists else np.zeros((0, K), dtype=np.int32)
    return users, ids, test


def ranking_metrics_at_k(model, train_user_items, test_user_items, K=10, show_progress=False,
                         num_threads=1):  # fmt: skip
    """``{"precision", "recall", "map", "ndcg", "auc", "coverage"}`` at ``K``."""
    users, ids, test = _top_lists(model, train_user_items, test_user_items, K)
    n_items = test.shape[1]
    cg = 1.0 / np.log2(np.arange(2, K + 2))
    cg_sum = np.cumsum(cg)
    relevant = pr_div = mean_ap = ndcg = mean_auc = recall = 0.0
    for row, u in enumerate(users):
        likes = set(test.indices[test.indptr[u] : test.indptr[u + 1]].tolist())
        n_pos = len(likes)
        n_neg = n_items - n_pos
        pr_div += min(K, n_pos)
        idcg = cg_sum[min(K, n_pos) - 1]
        ap = hit = miss = auc = 0.0
        user_ndcg = 0.0
        for rank in range(K):
            item = int(ids[row, rank]) if rank < ids.shape[1] else -1
            if item in likes:
                hit += 1
                ap += hit / (rank + 1)
                user_ndcg += cg[rank] / idcg
            else:
                miss += 1
                auc += hit
        relevant += hit
        recall += hit / n_pos
        auc += ((hit + n_pos) / 2.0) * (n_neg - miss)
        mean_ap += ap / min(K, n_pos)
        mean_auc += auc / (n_pos * n_neg)
        ndcg += user_ndcg
    total = len(users)
    if total == 0:
        raise ValueError("test_user_items has no nonzero entry: nothing to evaluate")
    shown = np.unique(ids[ids >= 0]) if ids.size else np.array([])
    return {
        "precision": relevant / pr_div,
        "recall": recall / total,
        "map": mean_ap / total,
        "ndcg": float(ndcg / total),
        "auc": mean_auc / total,
        "coverage": len(shown) / n_items,
    }


def precision_at_k(model, train_user_items, test_user_items, K=10, show_progress=False,
                   num_threads=1):  # fmt: skip
    """Implicit's precision@K: hits over ``sum_u min(K, |T_u|)``."""
    return ranking_metrics_at_k(model, train_user_items, test_user_items, K)["precision"]


def recall_at_k(model, train_user_items, test_user_items, K=10, show_progress=False,
                num_threads=1):  # fmt: skip
    """Mean over users of hits@K over the user's number of test items."""
    return ranking_metrics_at_k(model, train_user_items, test_user_items, K)["recall"]


def mean_average_precision_at_k(model, train_user_items, test_user_items, K=10,
                                show_progress=False, num_threads=1):  # fmt: skip
    """Implicit's MAP@K."""
    return ranking_metrics_at_k(model, train_user_items, test_user_items, K)["map"]


def ndcg_at_k(model, train_user_items, test_user_items, K=10, show_progress=False,
              num_threads=1):  # fmt: skip
    """Implicit's NDCG@K (binary relevance)."""
    return ranking_metrics_at_k(model, train_user_items, test_user_items, K)["ndcg"]


def AUC_at_k(model, train_user_items, test_user_items, K=10, show_progress=False,
             num_threads=1):  # fmt: skip
    """Implicit's AUC@K."""
    return ranking_metrics_at_k(model, train_user_items, test_user_items, K)["auc"]


def catalogue_coverage(model, train_user_items, test_user_items, K=10):
    """Fraction of the items that appear in at least one top-K list of the evaluated users."""
    return ranking_metrics_at_k(model, train_user_items, test_user_items, K)["coverage"]
