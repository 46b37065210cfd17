"""Outlier detectors against scikit-learn: IsolationForest, LocalOutlierFactor, EllipticEnvelope.

LocalOutlierFactor is deterministic and must match exactly (1e-10); the two others are compared
by how they rank samples with planted outliers (Spearman correlation, ROC AUC).
"""

import numpy as np
import pytest
from scipy.stats import spearmanr
from sklearn import covariance as sk_cov
from sklearn import ensemble as sk_ensemble
from sklearn import neighbors as sk_neighbors
from sklearn.metrics import roc_auc_score

from homeml.learn import EllipticEnvelope, IsolationForest, LocalOutlierFactor
from homeml.learn.ensemble._iforest import average_path_length


def _planted(n=600, n_out=40, d=4, seed=0):
    """Gaussian inliers and uniform outliers; labels 1 for the outliers."""
    rng = np.random.RandomState(seed)
    X = np.r_[rng.randn(n, d), rng.uniform(-7, 7, (n_out, d))]
    return X, np.r_[np.zeros(n), np.ones(n_out)]


# -- IsolationForest -----------------------------------------------------------------------------


def test_average_path_length_matches_scikit_learn():
    from sklearn.ensemble._iforest import _average_path_length

    n = np.array([0, 1, 2, 3, 10, 256, 1e6])
    np.testing.assert_allclose(average_path_length(n), _average_path_length(n), rtol=1e-12)


def test_isolation_forest_ranks_outliers_like_scikit_learn():
    X, y = _planted()
    ours = IsolationForest(random_state=0).fit(X).score_samples(X)
    ref = sk_ensemble.IsolationForest(random_state=0).fit(X).score_samples(X)
    ref_other_seed = sk_ensemble.IsolationForest(random_state=1).fit(X).score_samples(X)
    # homeml agrees with scikit-learn about as well as scikit-learn agrees with itself
    baseline = spearmanr(ref, ref_other_seed)[0]
    assert spearmanr(ours, ref)[0] > baseline - 0.02
    assert roc_auc_score(y, -ours) > roc_auc_score(y, -ref) - 0.01
    assert roc_auc_score(y, -ours) > 0.95
    assert abs(ours.mean() - ref.mean()) < 0.01  # same normalisation of the path lengths


def test_isolation_forest_score_is_the_normalised_path_length():
    X, _ = _planted(n=200, n_out=10)
    forest = IsolationForest(n_estimators=3, max_samples=64, random_state=0).fit(X)
    depths = np.zeros(len(X))
    for tree in forest.estimators_:
        assert tree.n_node_samples[0] == 64
        for i, x in enumerate(X):
            node, depth = 0, 0
            while tree.children_left[node] >= 0:
                go_left = x[tree.feature[node]] <= tree.threshold[node]
                node = tree.children_left[node] if go_left else tree.children_right[node]
                depth += 1
            assert depth <= 6  # ceil(log2(64))
            depths[i] += depth + average_path_length([tree.n_node_samples[node]])[0]
    expected = -(2.0 ** (-depths / 3 / average_path_length([64])[0]))
    np.testing.assert_allclose(forest.score_samples(X), expected, rtol=1e-12)


def test_isolation_forest_contamination_and_offset():
    X, y = _planted()
    auto = IsolationForest(random_state=0).fit(X)
    assert auto.offset_ == -0.5
    np.testing.assert_allclose(auto.decision_function(X), auto.score_samples(X) + 0.5)
    forest = IsolationForest(contamination=0.1, random_state=0)
    labels = forest.fit_predict(X)
    assert np.mean(labels == -1) == pytest.approx(0.1, abs=0.005)
    assert forest.offset_ == pytest.approx(np.percentile(forest.score_samples(X), 10))
    np.testing.assert_array_equal(labels, forest.predict(X))
    assert set(np.unique(labels)) == {-1, 1}


def test_isolation_forest_max_samples_features_and_bootstrap():
    X, _ = _planted(n=300, n_out=0)
    assert IsolationForest(random_state=0).fit(X).max_samples_ == 256
    assert IsolationForest(max_samples=0.5, random_state=0).fit(X).max_samples_ == 150
    with pytest.warns(UserWarning, match="max_samples"):
        assert IsolationForest(max_samples=1000, random_state=0).fit(X).max_samples_ == 300
    forest = IsolationForest(max_features=2, bootstrap=True, random_state=0).fit(X)
    for tree, features, rows in zip(
        forest.estimators_, forest.estimators_features_, forest.estimators_samples_
    ):
        assert len(features) == 2
        assert set(tree.feature[tree.feature >= 0]) <= set(features)
        assert len(rows) == 256
    assert any(len(np.unique(rows)) < 256 for rows in forest.estimators_samples_)


def test_isolation_forest_random_state_warm_start_and_sample_weight():
    X, _ = _planted(n=300, n_out=20)
    full = IsolationForest(n_estimators=20, random_state=4).fit(X)
    again = IsolationForest(n_estimators=20, random_state=4).fit(X)
    np.testing.assert_array_equal(full.score_samples(X), again.score_samples(X))
    warm = IsolationForest(n_estimators=10, random_state=4, warm_start=True).fit(X)
    warm.set_params(n_estimators=20).fit(X)
    assert len(warm.estimators_) == 20
    np.testing.assert_allclose(warm.score_samples(X), full.score_samples(X), rtol=1e-12)
    with pytest.raises(ValueError, match="n_estimators"):
        warm.set_params(n_estimators=5).fit(X)
    weights = np.ones(len(X))
    weights[:100] = 0
    forest = IsolationForest(n_estimators=10, random_state=0).fit(X, sample_weight=weights)
    assert all(rows.min() >= 100 for rows in forest.estimators_samples_)


@pytest.mark.parametrize(
    "params, message",
    [
        (dict(n_estimators=0), "n_estimators"),
        (dict(contamination=0.7), "contamination"),
        (dict(contamination="high"), "contamination"),
        (dict(max_samples=0.0), "max_samples"),
        (dict(max_samples="all"), "max_samples"),
        (dict(max_features=0), "max_features"),
        (dict(max_features=10), "max_features"),
    ],
)
def test_isolation_forest_invalid_parameters(params, message):
    with pytest.raises(ValueError, match=message):
        IsolationForest(**params).fit(_planted(n=50, n_out=0)[0])


# -- LocalOutlierFactor --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "params",
    [
        dict(),
        dict(n_neighbors=5, algorithm="brute"),
        dict(n_neighbors=35, algorithm="kd_tree"),
        dict(n_neighbors=10, metric="manhattan"),
        dict(n_neighbors=10, p=3, algorithm="brute"),
    ],
)
def test_lof_matches_scikit_learn_exactly(params):
    X, y = _planted(n=400, n_out=25, d=3)
    ours = LocalOutlierFactor(**params).fit(X)
    ref = sk_neighbors.LocalOutlierFactor(**params).fit(X)
    np.testing.assert_allclose(
        ours.negative_outlier_factor_, ref.negative_outlier_factor_, rtol=0, atol=1e-10
    )
    assert ours.n_neighbors_ == ref.n_neighbors_ and ours.offset_ == ref.offset_
    assert roc_auc_score(y, -ours.negative_outlier_factor_) > 0.9


def test_lof_contamination_and_fit_predict():
    X, _ = _planted(n=300, n_out=20, d=2)
    ours = LocalOutlierFactor(contamination=0.1)
    ref = sk_neighbors.LocalOutlierFactor(contamination=0.1)
    np.testing.assert_array_equal(ours.fit_predict(X), ref.fit_predict(X))
    assert ours.offset_ == pytest.approx(ref.offset_, abs=1e-10)


def test_lof_novelty_matches_scikit_learn():
    X, _ = _planted(n=300, n_out=20, d=3)
    Q = np.random.RandomState(1).uniform(-4, 4, (60, 3))
    ours = LocalOutlierFactor(novelty=True, n_neighbors=15).fit(X)
    ref = sk_neighbors.LocalOutlierFactor(novelty=True, n_neighbors=15).fit(X)
    np.testing.assert_allclose(ours.score_samples(Q), ref.score_samples(Q), atol=1e-10)
    np.testing.assert_allclose(ours.decision_function(Q), ref.decision_function(Q), atol=1e-10)
    np.testing.assert_array_equal(ours.predict(Q), ref.predict(Q))


def test_lof_methods_available_by_mode():
    X, _ = _planted(n=100, n_out=5)
    detection = LocalOutlierFactor().fit(X)
    for name in ("predict", "decision_function", "score_samples"):
        assert not hasattr(detection, name)
        with pytest.raises(AttributeError, match=f"{name} is not available when novelty=False"):
            getattr(detection, name)
    novelty = LocalOutlierFactor(novelty=True).fit(X)
    assert not hasattr(novelty, "fit_predict")
    with pytest.raises(AttributeError, match="fit_predict is not available when novelty=True"):
        novelty.fit_predict(X)


def test_lof_too_many_neighbors_and_duplicates_warn():
    X, _ = _planted(n=10, n_out=0)
    with pytest.warns(UserWarning, match="n_neighbors will be set"):
        lof = LocalOutlierFactor(n_neighbors=50).fit(X)
    assert lof.n_neighbors_ == 9
    duplicates = np.r_[np.zeros((30, 2)), np.random.RandomState(0).randn(5, 2)]
    with pytest.warns(UserWarning, match="Duplicate values"):
        LocalOutlierFactor(n_neighbors=5).fit(duplicates)


def test_lof_invalid_parameters():
    X, _ = _planted(n=50, n_out=0)
    with pytest.raises(ValueError, match="contamination"):
        LocalOutlierFactor(contamination=0.9).fit(X)
    with pytest.raises(ValueError, match="algorithm"):
        LocalOutlierFactor(algorithm="magic").fit(X)
    with pytest.raises(ValueError, match="n_neighbors"):
        LocalOutlierFactor(n_neighbors=0).fit(X)


# -- EllipticEnvelope ----------------------------------------------------------------------------


def test_elliptic_envelope_ranks_outliers_like_scikit_learn():
    X, y = _planted(n=500, n_out=50, d=3)
    ours = EllipticEnvelope(random_state=0).fit(X)
    ref = sk_cov.EllipticEnvelope(random_state=0).fit(X)
    assert spearmanr(ours.score_samples(X), ref.score_samples(X))[0] > 0.999
    auc = roc_auc_score(y, -ours.score_samples(X))
    assert auc >= roc_auc_score(y, -ref.score_samples(X)) - 1e-3
    assert np.mean(ours.predict(X) == ref.predict(X)) > 0.99
    assert ours.offset_ == pytest.approx(ref.offset_, rel=0.05)


def test_elliptic_envelope_threshold_and_score():
    X, y = _planted(n=500, n_out=50, d=3)
    env = EllipticEnvelope(contamination=0.1, random_state=0).fit(X)
    labels = env.predict(X)
    assert np.mean(labels == -1) == pytest.approx(0.1, abs=0.005)
    np.testing.assert_allclose(env.decision_function(X), env.score_samples(X) - env.offset_)
    np.testing.assert_allclose(env.score_samples(X), -env.mahalanobis(X))
    truth = np.where(y == 1, -1, 1)
    assert env.score(X, truth) == pytest.approx(np.mean(labels == truth))
    with pytest.raises(ValueError, match="contamination"):
        EllipticEnvelope(contamination=0.6).fit(X)


@pytest.mark.parametrize(
    "make",
    [
        lambda: IsolationForest(n_estimators=5),
        lambda: LocalOutlierFactor(novelty=True),
        lambda: EllipticEnvelope(),
    ],
)
def test_bad_input(make):
    X, _ = _planted(n=60, n_out=0)
    for bad, message in (
        (np.r_[X[:-1], [[np.nan] * 4]], "NaN"),
        (np.r_[X[:-1], [[np.inf] * 4]], "infinity"),
        (np.empty((0, 4)), "0 sample"),
    ):
        with pytest.raises(ValueError, match=message):
            make().fit(bad)
    with pytest.raises(ValueError):
        make().fit([["a", "b"], ["c", "d"]])
    est = make().fit(X)
    with pytest.raises(ValueError, match="4 features"):
        est.predict(X[:, :3])
