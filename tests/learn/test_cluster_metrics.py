"""Clustering metrics against sklearn.metrics: hypothesis-drawn labelings and random data."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from homeml.learn import metrics
from homeml.learn.metrics import _cluster

sk = pytest.importorskip("sklearn.metrics")
sk_cluster = pytest.importorskip("sklearn.metrics.cluster")
sk_supervised = pytest.importorskip("sklearn.metrics.cluster._supervised")
sk_emi = pytest.importorskip(
    "sklearn.metrics.cluster._expected_mutual_info_fast"
).expected_mutual_information

LABEL_SCORES = [
    "adjusted_rand_score",
    "rand_score",
    "mutual_info_score",
    "normalized_mutual_info_score",
    "adjusted_mutual_info_score",
    "homogeneity_score",
    "completeness_score",
    "v_measure_score",
]
AVERAGES = ["min", "geometric", "arithmetic", "max"]


@st.composite
def labelings(draw, max_size=60):
    """Two labelings of the same samples: few or many groups, any label values."""
    n = draw(st.integers(1, max_size))
    k_true, k_pred = draw(st.integers(1, 8)), draw(st.integers(1, 12))
    values = st.sampled_from([-1, 0, 3, 7, 100, 2, 5, 9, 11, 13, 17, 21])
    true = draw(st.lists(st.integers(0, k_true - 1), min_size=n, max_size=n))
    pred = draw(st.lists(values.filter(lambda v: v < 100 or k_pred > 4), min_size=n, max_size=n))
    return np.array(true), np.array(pred)


def ami_is_zero_over_zero(true, pred, method):
    """AMI = (MI - E[MI]) / (mean(H) - E[MI]) is exactly 0 / 0 when one labeling puts every
    sample alone (then MI = E[MI] = H(other)) and the mean equals H(other); the floats give
    rounding noise there (scikit-learn returns 0.5, 1.33, ...), homeml returns the limit 1."""
    n, k_true, k_pred = len(true), len(np.unique(true)), len(np.unique(pred))
    if n < 2 or min(k_true, k_pred) == 1 or n not in (k_true, k_pred):
        return False
    return method == "min" or k_true == k_pred == n


def test_ami_zero_over_zero_cases():
    true, singletons = [0, 0, 1, 1, 1, 2], [5, 4, 3, 2, 1, 0]
    assert metrics.adjusted_mutual_info_score(true, singletons, average_method="min") == 1.0
    assert metrics.adjusted_mutual_info_score(singletons, true, average_method="min") == 1.0
    for method in ("geometric", "arithmetic", "max"):  # numerator 0, denominator > 0
        ours = metrics.adjusted_mutual_info_score(true, singletons, average_method=method)
        assert ours == 0.0
        assert sk.adjusted_mutual_info_score(
            true, singletons, average_method=method
        ) == pytest.approx(0.0, abs=1e-12)
    for method in AVERAGES:  # both all singletons: a perfect match
        assert (
            metrics.adjusted_mutual_info_score(singletons, np.arange(6), average_method=method)
            == 1.0
        )
        assert sk.adjusted_mutual_info_score(singletons, np.arange(6), average_method=method) == 1.0


@settings(max_examples=150, deadline=None)
@given(labelings())
def test_label_scores_match_scikit_learn(pair):
    true, pred = pair
    for name in LABEL_SCORES:
        ours, theirs = getattr(metrics, name)(true, pred), getattr(sk, name)(true, pred)
        assert ours == pytest.approx(theirs, abs=1e-10), name
        assert isinstance(ours, float), name
    for method in AVERAGES:
        for name in ("normalized_mutual_info_score", "adjusted_mutual_info_score"):
            ours = getattr(metrics, name)(true, pred, average_method=method)
            if name == "adjusted_mutual_info_score" and ami_is_zero_over_zero(true, pred, method):
                assert ours == 1.0  # scikit-learn returns rounding noise here (see below)
                continue
            theirs = getattr(sk, name)(true, pred, average_method=method)
            assert ours == pytest.approx(theirs, abs=1e-10), (name, method)
    assert _cluster.entropy(true) == pytest.approx(sk_supervised._entropy(true), abs=1e-12)
    C = metrics.contingency_matrix(true, pred)
    assert _cluster.expected_mutual_information(C, len(true)) == pytest.approx(
        sk_emi(C, len(true)), abs=1e-11
    )
    np.testing.assert_array_equal(
        metrics.contingency_matrix(true, pred), sk_cluster.contingency_matrix(true, pred)
    )
    np.testing.assert_array_equal(
        metrics.pair_confusion_matrix(true, pred), sk_cluster.pair_confusion_matrix(true, pred)
    )
    for ours, theirs in zip(
        metrics.homogeneity_completeness_v_measure(true, pred, beta=0.5),
        sk.homogeneity_completeness_v_measure(true, pred, beta=0.5),
        strict=True,
    ):
        assert ours == pytest.approx(theirs, abs=1e-10)


def test_label_scores_on_a_large_random_labeling():
    rng = np.random.RandomState(0)
    true, pred = rng.randint(0, 30, 5000), rng.randint(0, 50, 5000)
    pred[:2500] = true[:2500]  # half agree
    for name in LABEL_SCORES:
        assert getattr(metrics, name)(true, pred) == pytest.approx(
            getattr(sk, name)(true, pred), abs=1e-10
        ), name


def test_label_scores_take_any_label_values_and_are_symmetric_where_expected():
    true = ["cat", "cat", "dog", "dog", "bird", "bird"]
    pred = [2.5, 2.5, 1.0, 1.0, 1.0, 7.0]
    for name in LABEL_SCORES:
        assert getattr(metrics, name)(true, pred) == pytest.approx(
            getattr(sk, name)(true, pred), abs=1e-10
        ), name
    # a perfect labeling up to renaming
    assert metrics.adjusted_rand_score([0, 0, 1, 1], [5, 5, 3, 3]) == 1.0
    assert metrics.normalized_mutual_info_score([0, 0, 1, 1], [1, 1, 0, 0]) == 1.0
    assert metrics.adjusted_rand_score([], []) == 1.0
    assert metrics.v_measure_score([], []) == 1.0


def test_contingency_matrix_options_and_label_errors():
    true, pred = [0, 0, 1, 2], [1, 1, 0, 0]
    np.testing.assert_allclose(
        metrics.contingency_matrix(true, pred, eps=0.5),
        sk_cluster.contingency_matrix(true, pred, eps=0.5),
    )
    assert metrics.contingency_matrix(true, pred, dtype=np.float32).dtype == np.float32
    with pytest.raises(ValueError, match="sparse"):
        metrics.contingency_matrix(true, pred, sparse=True)
    with pytest.raises(ValueError, match="labels_true must be 1D"):
        metrics.adjusted_rand_score([[0, 1]], [0, 1])
    with pytest.raises(ValueError, match="labels_pred must be 1D"):
        metrics.normalized_mutual_info_score([0, 1], [[0, 1]])
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        metrics.adjusted_rand_score([0, 1, 1], [0, 1])
    with pytest.raises(ValueError, match="average_method"):
        metrics.normalized_mutual_info_score(true, pred, average_method="median")
    with pytest.raises(ValueError, match="average_method"):
        metrics.adjusted_mutual_info_score(true, pred, average_method="mean")
    with pytest.warns(UserWarning, match="continuous values"):
        metrics.adjusted_rand_score([0.1, 0.2, 0.3], [0, 1, 1])
    given = metrics.contingency_matrix(true, pred)
    assert metrics.mutual_info_score(None, None, contingency=given) == pytest.approx(
        sk.mutual_info_score(None, None, contingency=given)
    )


# -- scores from the data -----------------------------------------------------------------------


def blobs(n=600, n_features=4, k=4, seed=0):
    rng = np.random.RandomState(seed)
    centres = rng.normal(0, 4, (k, n_features))
    labels = rng.randint(0, k, n)
    return centres[labels] + rng.normal(0, 1.5, (n, n_features)), labels


@pytest.mark.parametrize(
    "metric",
    ["euclidean", "l2", "sqeuclidean", "manhattan", "cityblock", "l1", "chebyshev", "cosine"],
)
def test_silhouette_matches_scikit_learn(metric):
    X, labels = blobs()
    np.testing.assert_allclose(
        metrics.silhouette_samples(X, labels, metric=metric),
        sk.silhouette_samples(X, labels, metric=metric),
        atol=1e-10,
    )
    assert metrics.silhouette_score(X, labels, metric=metric) == pytest.approx(
        sk.silhouette_score(X, labels, metric=metric), abs=1e-10
    )


def test_silhouette_precomputed_callable_sampled_and_singletons():
    X, labels = blobs(n=200)
    D = sk.pairwise_distances(X)
    np.testing.assert_allclose(
        metrics.silhouette_samples(D, labels, metric="precomputed"),
        sk.silhouette_samples(D, labels, metric="precomputed"),
        atol=1e-10,
    )

    def taxicab(u, v):
        return np.abs(u - v).sum()

    np.testing.assert_allclose(
        metrics.silhouette_samples(X[:60], labels[:60], metric=taxicab),
        sk.silhouette_samples(X[:60], labels[:60], metric="manhattan"),
        atol=1e-10,
    )
    for seed in (0, 7):  # the same subset as scikit-learn's for the same seed
        assert metrics.silhouette_score(
            X, labels, sample_size=80, random_state=seed
        ) == pytest.approx(
            sk.silhouette_score(X, labels, sample_size=80, random_state=seed), abs=1e-10
        )
        assert metrics.silhouette_score(
            D, labels, metric="precomputed", sample_size=80, random_state=seed
        ) == pytest.approx(
            sk.silhouette_score(D, labels, metric="precomputed", sample_size=80, random_state=seed),
            abs=1e-10,
        )
    alone = labels.copy()
    alone[0] = 99  # a cluster of one: its silhouette is 0 by convention
    ours = metrics.silhouette_samples(X, alone)
    assert ours[0] == 0.0
    np.testing.assert_allclose(ours, sk.silhouette_samples(X, alone), atol=1e-10)
    names = np.array(["a", "b", "c", "d"])[labels]
    assert metrics.silhouette_score(X, names) == pytest.approx(sk.silhouette_score(X, names))


def test_silhouette_works_in_chunks_without_the_full_distance_matrix(monkeypatch):
    X, labels = blobs(n=10_000, n_features=3, k=5)
    full_matrix_bytes = 8 * 10_000**2  # 800 MB
    tracemalloc.start()
    try:
        ours = metrics.silhouette_samples(X, labels)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < full_matrix_bytes / 5
    np.testing.assert_allclose(ours, sk.silhouette_samples(X, labels), atol=1e-10)
    # many small chunks give the same values as one block
    monkeypatch.setattr(_cluster, "_CHUNK_BYTES", 8 * 10_000 * 7)
    np.testing.assert_allclose(
        metrics.silhouette_samples(X[:2000], labels[:2000]),
        sk.silhouette_samples(X[:2000], labels[:2000]),
        atol=1e-10,
    )


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_davies_bouldin_and_calinski_harabasz_match_scikit_learn(seed):
    X, labels = blobs(n=500, n_features=1 + seed * 3, k=2 + seed, seed=seed)
    assert metrics.davies_bouldin_score(X, labels) == pytest.approx(
        sk.davies_bouldin_score(X, labels), rel=1e-10
    )
    assert metrics.calinski_harabasz_score(X, labels) == pytest.approx(
        sk.calinski_harabasz_score(X, labels), rel=1e-10
    )


def test_data_scores_degenerate_cases_match_scikit_learn():
    X = np.array([[0.0, 0.0], [0.0, 0.0], [1.0, 1.0], [1.0, 1.0]])
    labels = [0, 0, 1, 1]  # no spread inside the clusters
    assert metrics.calinski_harabasz_score(X, labels) == sk.calinski_harabasz_score(X, labels)
    assert metrics.davies_bouldin_score(X, labels) == sk.davies_bouldin_score(X, labels)
    same = np.zeros((4, 2))  # all centres equal
    assert metrics.davies_bouldin_score(same, labels) == sk.davies_bouldin_score(same, labels)


@pytest.mark.parametrize(
    "score",
    ["silhouette_score", "silhouette_samples", "davies_bouldin_score", "calinski_harabasz_score"],
)
def test_data_scores_refuse_bad_input(score):
    X, labels = blobs(n=20)
    f = getattr(metrics, score)
    with pytest.raises(ValueError, match="Number of labels is 1"):
        f(X, np.zeros(20))
    with pytest.raises(ValueError, match="Number of labels is 20"):
        f(X, np.arange(20))
    with pytest.raises(ValueError, match="inconsistent"):
        f(X, labels[:-1])
    X_bad = X.copy()
    X_bad[3, 1] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        f(X_bad, labels)
    X_bad[3, 1] = np.inf
    with pytest.raises(ValueError, match="infinity"):
        f(X_bad, labels)
    with pytest.raises(ValueError, match="must hold numbers"):
        f(np.array([["a", "b"]] * 20), labels)
    with pytest.raises(ValueError):
        f(np.empty((0, 2)), [])


def test_silhouette_refuses_unknown_metrics_and_bad_precomputed_matrices():
    X, labels = blobs(n=20)
    with pytest.raises(ValueError, match="metric must be one of"):
        metrics.silhouette_score(X, labels, metric="hamming-ish")
    D = sk.pairwise_distances(X) + 1.0
    with pytest.raises(ValueError, match="non-zero elements on the diagonal"):
        metrics.silhouette_samples(D, labels, metric="precomputed")
    with pytest.raises(ValueError, match="square"):
        metrics.silhouette_samples(X, labels, metric="precomputed")
    # scikit-learn's diagonal tolerance is 100 eps of the given float type
    D32 = sk.pairwise_distances(X).astype(np.float32)
    np.fill_diagonal(D32, 1e-6)
    np.testing.assert_allclose(
        metrics.silhouette_samples(D32, labels, metric="precomputed"),
        sk.silhouette_samples(D32, labels, metric="precomputed"),
        atol=1e-6,
    )
    D_int = np.round(sk.pairwise_distances(X)).astype(np.int64)
    np.fill_diagonal(D_int, 1)
    with pytest.raises(ValueError, match="non-zero elements on the diagonal"):
        metrics.silhouette_samples(D_int, labels, metric="precomputed")
    with pytest.raises(ValueError, match="sample_size"):
        metrics.silhouette_score(X, labels, sample_size=0)
