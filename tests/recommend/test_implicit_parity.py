"""homeml.recommend.implicit against implicit itself on the same synthetic user x item matrix:
same splits, same ALS factors (float64), same item-item similarities and recommendations, the
same metrics on the same model outputs, and BPR's ranking quality."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from homeml.recommend import implicit as hi

implicit = pytest.importorskip("implicit", reason="implicit is the reference")
ie = pytest.importorskip("implicit.evaluation", reason="implicit is the reference")
pytestmark = pytest.mark.filterwarnings(
    "ignore::RuntimeWarning", "ignore::UserWarning", "ignore:Method expects CSR input"
)


def affinity_matrix(n_users=300, n_items=200, rank=4, per_user=15, seed=0):
    """Each user's items drawn by a softmax of a low-rank affinity: a learnable signal."""
    rng = np.random.default_rng(seed)
    scores = rng.normal(size=(n_users, rank)) @ rng.normal(size=(rank, n_items)) * 1.5
    rows, cols = [], []
    for u in range(n_users):
        p = np.exp(scores[u] - scores[u].max())
        items = rng.choice(n_items, size=per_user, replace=False, p=p / p.sum())
        rows += [u] * per_user
        cols += items.tolist()
    counts = rng.integers(1, 4, len(rows)).astype(np.float64)
    return sp.csr_matrix((counts, (rows, cols)), shape=(n_users, n_items))


@pytest.fixture(scope="module")
def split():
    X = affinity_matrix()
    ours = hi.evaluation.train_test_split(X, 0.8, random_state=0)
    theirs = ie.train_test_split(X, 0.8, random_state=0)
    return ours, theirs


def test_same_split_as_implicit(split):
    (train, test), (i_train, i_test) = split
    assert (train != i_train).nnz == 0 and (test != i_test).nnz == 0


def test_als_factors_and_recommendations_equal_implicit(split):
    (train, _), _ = split
    theirs = implicit.als.AlternatingLeastSquares(factors=8, iterations=4, regularization=0.1,
                                                  alpha=2.0, dtype=np.float64, random_state=0,
                                                  num_threads=1)  # fmt: skip
    theirs.fit(train, show_progress=False)
    ours = hi.AlternatingLeastSquares(factors=8, iterations=4, regularization=0.1, alpha=2.0,
                                      dtype=np.float64, random_state=0).fit(train)  # fmt: skip
    np.testing.assert_allclose(ours.user_factors, theirs.user_factors, atol=1e-6)
    np.testing.assert_allclose(ours.item_factors, theirs.item_factors, atol=1e-6)
    users = np.arange(25)
    ids, scores = ours.recommend(users, train[users], N=7)
    i_ids, i_scores = theirs.recommend(users, train[users], N=7)
    np.testing.assert_array_equal(ids, i_ids)
    np.testing.assert_allclose(scores, i_scores, atol=1e-6)
    one, _ = ours.recommend(3, train[3], N=5, filter_items=[int(i_ids[3, 0])])
    assert i_ids[3, 0] not in one and set(train[3].indices).isdisjoint(one)
    for item in (0, 17):
        a, b = ours.similar_items(item, N=6), theirs.similar_items(item, N=6)
        np.testing.assert_array_equal(a[0], b[0])
        np.testing.assert_allclose(a[1], b[1], atol=1e-6)


@pytest.mark.parametrize("name", ["CosineRecommender", "BM25Recommender", "TFIDFRecommender"])
def test_item_item_equal_implicit(split, name):
    (train, _), _ = split
    theirs = getattr(implicit.nearest_neighbours, name)(K=15)
    theirs.fit(train, show_progress=False)
    ours = getattr(hi, name)(K=15).fit(train)
    assert abs(ours.similarity - theirs.similarity).max() < 1e-12
    users = np.arange(30)
    ids, scores = ours.recommend(users, train[users], N=5)
    i_ids, i_scores = theirs.recommend(users, train[users], N=5)
    np.testing.assert_array_equal(ids, i_ids)
    np.testing.assert_allclose(scores, i_scores, atol=1e-12)
    a, b = ours.similar_items(4, N=5), theirs.similar_items(4, N=5)
    np.testing.assert_array_equal(a[0], b[0])


def test_metrics_equal_implicit_on_the_same_model(split):
    (train, test), _ = split
    model = implicit.als.AlternatingLeastSquares(factors=8, iterations=5, random_state=0)
    model.fit(train, show_progress=False)
    ours = hi.evaluation.ranking_metrics_at_k(model, train, test, K=10)
    theirs = ie.ranking_metrics_at_k(model, train, test, K=10, show_progress=False)
    for key in ("precision", "map", "ndcg", "auc"):
        assert ours[key] == pytest.approx(theirs[key], abs=1e-12), key
    for ours_fn, their_fn in (
        (hi.evaluation.precision_at_k, ie.precision_at_k),
        (hi.evaluation.mean_average_precision_at_k, ie.mean_average_precision_at_k),
        (hi.evaluation.ndcg_at_k, ie.ndcg_at_k),
        (hi.evaluation.AUC_at_k, ie.AUC_at_k),
    ):
        assert ours_fn(model, train, test, K=5) == pytest.approx(
            their_fn(model, train, test, K=5, show_progress=False), abs=1e-12
        )


def test_recall_and_coverage_by_their_definitions(split):
    (train, test), _ = split
    model = hi.CosineRecommender(K=10).fit(train)
    users = np.flatnonzero(np.diff(test.indptr))
    ids, _ = model.recommend(users, train[users], N=10)
    recall = np.mean([
        len(set(ids[k]) & set(test[u].indices)) / test[u].nnz for k, u in enumerate(users)
    ])  # fmt: skip
    coverage = len(np.unique(ids[ids >= 0])) / train.shape[1]
    assert hi.evaluation.recall_at_k(model, train, test, K=10) == pytest.approx(recall)
    assert hi.evaluation.catalogue_coverage(model, train, test, K=10) == pytest.approx(coverage)


def test_bpr_ranks_as_well_as_implicit(split):
    (train, test), _ = split
    theirs = implicit.bpr.BayesianPersonalizedRanking(factors=16, iterations=60, random_state=0)
    theirs.fit(train, show_progress=False)
    ours = hi.BayesianPersonalizedRanking(factors=16, iterations=60, random_state=0).fit(train)
    a = hi.evaluation.ranking_metrics_at_k(ours, train, test, K=10)
    b = hi.evaluation.ranking_metrics_at_k(theirs, train, test, K=10)
    assert a["precision"] > 0.1  # far above chance (~0.05 for 15 of 200 items)
    assert a["precision"] >= b["precision"] - 0.03 and a["ndcg"] >= b["ndcg"] - 0.03
    assert ours.train_auc_[-1] > ours.train_auc_[0]


def test_bad_input_is_refused(split):
    (train, _), _ = split
    with pytest.raises(TypeError, match="scipy.sparse CSR"):
        hi.AlternatingLeastSquares().fit(train.toarray())
    model = hi.AlternatingLeastSquares(factors=4, iterations=1, dtype=np.float64).fit(train)
    with pytest.raises(ValueError, match="1 row for every user"):
        model.recommend([0, 1], train[[0]], N=3)
    with pytest.raises(IndexError, match="userid must be in"):
        model.recommend(10_000, train[[0]], N=3)
    with pytest.raises(ValueError, match="not fitted"):
        hi.CosineRecommender().recommend(0, train[[0]])
