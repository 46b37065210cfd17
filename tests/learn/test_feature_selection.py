"""homeml.learn.feature_selection against sklearn.feature_selection on the same inputs."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

import homeml.learn as hl
from homeml.learn import feature_selection as hfs

skfs = pytest.importorskip("sklearn.feature_selection")
from sklearn import linear_model as sklm  # noqa: E402
from sklearn import tree as sktree  # noqa: E402

rng = np.random.default_rng(0)
X = rng.normal(size=(60, 8))
y_class = (X[:, 0] + X[:, 3] > 0).astype(int) + (X[:, 5] > 1)
y_reg = 2 * X[:, 1] - X[:, 4] + 0.1 * rng.normal(size=60)
X_counts = rng.poisson(2.0, size=(60, 8)).astype(float)
TOL = dict(rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize(
    "name,data,target",
    [
        ("f_classif", X, y_class),
        ("chi2", X_counts, y_class),
        ("chi2", X_counts, y_class > 0),
        ("f_regression", X, y_reg),
        ("r_regression", X, y_reg),
    ],
)
def test_scores_match_sklearn(name, data, target):
    for d in (data, sp.csr_matrix(data)):
        ours, theirs = getattr(hfs, name)(d, target), getattr(skfs, name)(d, target)
        for a, b in zip(np.atleast_2d(ours), np.atleast_2d(theirs), strict=True):
            np.testing.assert_allclose(a, b, **TOL)
    with pytest.raises(ValueError, match="non-negative"):
        hfs.chi2(-X_counts, y_class)


def test_f_regression_options_match_sklearn():
    data = np.c_[X, np.ones(len(X))]
    for kwargs in ({"center": False}, {"force_finite": False}, {}):
        with np.errstate(all="ignore"):
            ours = hfs.f_regression(data, y_reg, **kwargs)
            theirs = skfs.f_regression(data, y_reg, **kwargs)
        for a, b in zip(ours, theirs, strict=True):
            np.testing.assert_allclose(a, b, **TOL)


@pytest.mark.parametrize("k", [1, 3, "all", 0])
def test_select_k_best_matches_sklearn(k):
    ours = hfs.SelectKBest(hfs.f_classif, k=k).fit(X, y_class)
    theirs = skfs.SelectKBest(skfs.f_classif, k=k).fit(X, y_class)
    np.testing.assert_array_equal(ours.get_support(), theirs.get_support())
    np.testing.assert_allclose(ours.scores_, theirs.scores_, **TOL)
    np.testing.assert_allclose(ours.pvalues_, theirs.pvalues_, **TOL)
    if k != 0:
        np.testing.assert_array_equal(ours.transform(X), theirs.transform(X))
        Xt = ours.transform(X)
        np.testing.assert_array_equal(ours.inverse_transform(Xt), theirs.inverse_transform(Xt))
        np.testing.assert_array_equal(ours.get_feature_names_out(), theirs.get_feature_names_out())


@pytest.mark.parametrize("percentile", [10, 30, 50, 100])
def test_select_percentile_matches_sklearn(percentile):
    ours = hfs.SelectPercentile(hfs.f_regression, percentile=percentile).fit(X, y_reg)
    theirs = skfs.SelectPercentile(skfs.f_regression, percentile=percentile).fit(X, y_reg)
    np.testing.assert_array_equal(ours.get_support(), theirs.get_support())
    np.testing.assert_array_equal(ours.get_support(indices=True), theirs.get_support(indices=True))
    Xs = sp.csr_matrix(X)
    np.testing.assert_array_equal(ours.transform(Xs).toarray(), theirs.transform(Xs).toarray())
    back, back_ref = (
        ours.inverse_transform(ours.transform(Xs)),
        theirs.inverse_transform(theirs.transform(Xs)),
    )
    np.testing.assert_array_equal(back.toarray(), back_ref.toarray())


@pytest.mark.parametrize("threshold", [0.0, 0.9])
def test_variance_threshold_matches_sklearn(threshold):
    data = np.c_[X, np.full(len(X), 3.0), X[:, 0] * 0.1]
    data[3, 2] = np.nan
    for d in (data, sp.csr_matrix(np.nan_to_num(data))):
        ours = hfs.VarianceThreshold(threshold).fit(d)
        theirs = skfs.VarianceThreshold(threshold).fit(d)
        np.testing.assert_allclose(ours.variances_, theirs.variances_, rtol=1e-10, atol=1e-14)
        np.testing.assert_array_equal(ours.get_support(), theirs.get_support())
    with pytest.raises(ValueError, match="variance threshold"):
        hfs.VarianceThreshold().fit(np.ones((4, 2)))


@pytest.mark.parametrize("step", [1, 3, 0.25])
@pytest.mark.parametrize("n_features_to_select", [None, 2, 0.5])
def test_rfe_matches_sklearn(step, n_features_to_select):
    kwargs = dict(n_features_to_select=n_features_to_select, step=step)
    ours = hfs.RFE(hl.Ridge(alpha=1.0), **kwargs).fit(X, y_reg)
    theirs = skfs.RFE(sklm.Ridge(alpha=1.0), **kwargs).fit(X, y_reg)
    np.testing.assert_array_equal(ours.ranking_, theirs.ranking_)
    np.testing.assert_array_equal(ours.support_, theirs.support_)
    assert ours.n_features_ == theirs.n_features_
    np.testing.assert_allclose(ours.predict(X), theirs.predict(X), **TOL)
    np.testing.assert_allclose(ours.score(X, y_reg), theirs.score(X, y_reg), **TOL)


def test_rfecv_matches_sklearn():
    ours = hfs.RFECV(hl.Ridge(), step=2, cv=3, min_features_to_select=2).fit(X, y_reg)
    theirs = skfs.RFECV(sklm.Ridge(), step=2, cv=3, min_features_to_select=2).fit(X, y_reg)
    np.testing.assert_array_equal(ours.support_, theirs.support_)
    np.testing.assert_array_equal(ours.ranking_, theirs.ranking_)
    assert set(ours.cv_results_) == set(theirs.cv_results_)
    for key, value in theirs.cv_results_.items():
        np.testing.assert_allclose(ours.cv_results_[key], value, **TOL)
    ours = hfs.RFECV(hl.LogisticRegression(), cv=3).fit(X, y_class)
    theirs = skfs.RFECV(sklm.LogisticRegression(), cv=3).fit(X, y_class)
    np.testing.assert_allclose(
        ours.cv_results_["mean_test_score"], theirs.cv_results_["mean_test_score"], atol=1e-9
    )
    np.testing.assert_array_equal(ours.support_, theirs.support_)


@pytest.mark.parametrize(
    "kwargs", [{}, {"threshold": "median"}, {"threshold": "1.5*mean"}, {"max_features": 2},
               {"threshold": -np.inf, "max_features": lambda X: 3}]
)  # fmt: skip
def test_select_from_model_matches_sklearn(kwargs):
    ours = hfs.SelectFromModel(hl.Ridge(), **kwargs).fit(X, y_reg)
    theirs = skfs.SelectFromModel(sklm.Ridge(), **kwargs).fit(X, y_reg)
    np.testing.assert_array_equal(ours.get_support(), theirs.get_support())
    assert ours.threshold_ == pytest.approx(theirs.threshold_, rel=1e-10)
    np.testing.assert_array_equal(ours.transform(X), theirs.transform(X))
    np.testing.assert_array_equal(ours.get_feature_names_out(), theirs.get_feature_names_out())


def test_select_from_model_trees_prefit_and_multiclass_coef():
    tree = hl.DecisionTreeClassifier(random_state=0).fit(X, y_class)
    ref = sktree.DecisionTreeClassifier(random_state=0).fit(X, y_class)
    np.testing.assert_allclose(tree.feature_importances_, ref.feature_importances_, **TOL)
    ours = hfs.SelectFromModel(tree, prefit=True)
    theirs = skfs.SelectFromModel(ref, prefit=True)
    np.testing.assert_array_equal(ours.transform(X), theirs.transform(X))
    ours = hfs.SelectFromModel(hl.LogisticRegression(), norm_order=2).fit(X, y_class)
    theirs = skfs.SelectFromModel(sklm.LogisticRegression(), norm_order=2).fit(X, y_class)
    np.testing.assert_array_equal(ours.get_support(), theirs.get_support())
    with pytest.raises(hl.NotFittedError, match="prefit"):
        hfs.SelectFromModel(hl.Ridge(), prefit=True).fit(X, y_reg)


@pytest.mark.parametrize("n_neighbors", [1, 3])
def test_mutual_info_regression_matches_sklearn(n_neighbors):
    data = np.c_[X[:, :4], rng.integers(0, 3, 60)]
    for discrete in ("auto", [4], np.array([False, False, False, False, True])):
        kwargs = dict(discrete_features=discrete, n_neighbors=n_neighbors, random_state=0)
        np.testing.assert_allclose(
            hfs.mutual_info_regression(data, y_reg, **kwargs),
            skfs.mutual_info_regression(data, y_reg, **kwargs),
            rtol=1e-10,
            atol=1e-12,
        )


def test_mutual_info_classif_matches_sklearn():
    data = np.c_[X[:, :4], rng.integers(0, 3, 60)]
    for discrete in ("auto", [4], True):
        d = np.round(data) if discrete is True else data
        kwargs = dict(discrete_features=discrete, random_state=1)
        np.testing.assert_allclose(
            hfs.mutual_info_classif(d, y_class, **kwargs),
            skfs.mutual_info_classif(d, y_class, **kwargs),
            rtol=1e-10,
            atol=1e-12,
        )
    counts = sp.csr_matrix(X_counts)
    np.testing.assert_allclose(
        hfs.mutual_info_classif(counts, y_class), skfs.mutual_info_classif(counts, y_class)
    )
    with pytest.raises(ValueError, match="continuous"):
        hfs.mutual_info_classif(counts, y_class, discrete_features=False)
    ours = hfs.SelectKBest(hfs.mutual_info_classif, k=2).fit(X, y_class)
    assert ours.get_support().sum() == 2
