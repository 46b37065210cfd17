"""homeml.learn.tree against scikit-learn's trees on the same data."""

from __future__ import annotations

import numpy as np
import pytest

from homeml.learn.tree import DecisionTreeClassifier, DecisionTreeRegressor, export_text
from homeml.plot import plot_tree

sklearn = pytest.importorskip("sklearn")
from sklearn import datasets  # noqa: E402
from sklearn import tree as sk_tree  # noqa: E402
from sklearn.model_selection import cross_val_score, train_test_split  # noqa: E402


def _classification(n=1500, seed=0):
    X, y = datasets.make_classification(n, 12, n_informative=6, n_classes=3, random_state=seed)
    return train_test_split(X, y, random_state=seed)


@pytest.mark.parametrize("criterion", ["gini", "entropy"])
@pytest.mark.parametrize(
    "params",
    [
        {},
        {"max_depth": 5},
        {"max_leaf_nodes": 20},
        {"min_samples_leaf": 5, "min_samples_split": 12},
    ],
)
def test_deterministic_tree_predicts_like_sklearn(criterion, params):
    X_train, X_test, y_train, y_test = _classification()
    ours = DecisionTreeClassifier(criterion=criterion, random_state=0, **params)
    theirs = sk_tree.DecisionTreeClassifier(criterion=criterion, random_state=0, **params)
    agree = np.mean(
        ours.fit(X_train, y_train).predict(X_test) == theirs.fit(X_train, y_train).predict(X_test)
    )
    assert agree >= 0.99
    assert ours.tree_.node_count == theirs.tree_.node_count
    assert ours.get_depth() == theirs.get_depth()
    assert ours.get_n_leaves() == theirs.get_n_leaves()


def test_tree_arrays_match_sklearn_on_a_shallow_tree():
    X, y = datasets.load_breast_cancer(return_X_y=True)
    ours = DecisionTreeClassifier(max_depth=3, random_state=0).fit(X, y).tree_
    theirs = sk_tree.DecisionTreeClassifier(max_depth=3, random_state=0).fit(X, y).tree_
    for name in ("children_left", "children_right", "feature", "n_node_samples"):
        np.testing.assert_array_equal(getattr(ours, name), getattr(theirs, name))
    for name in ("threshold", "impurity", "weighted_n_node_samples", "value"):
        np.testing.assert_allclose(getattr(ours, name), getattr(theirs, name), atol=1e-12)
    assert ours.max_depth == theirs.max_depth


@pytest.mark.parametrize("criterion", ["squared_error", "friedman_mse", "absolute_error"])
def test_regression_tree_matches_sklearn(criterion):
    X, y = datasets.load_diabetes(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
    sk_criterion = "squared_error" if criterion == "friedman_mse" else criterion
    for params in ({"max_depth": 4}, {"max_leaf_nodes": 12}, {"min_samples_leaf": 10}):
        ours = DecisionTreeRegressor(criterion=criterion, random_state=0, **params)
        theirs = sk_tree.DecisionTreeRegressor(criterion=sk_criterion, random_state=0, **params)
        ours.fit(X_train, y_train)
        theirs.fit(X_train, y_train)
        np.testing.assert_allclose(ours.predict(X_test), theirs.predict(X_test), rtol=1e-9)
        np.testing.assert_allclose(
            ours.feature_importances_, theirs.feature_importances_, atol=1e-9
        )


LOADERS = {
    "iris": datasets.load_iris,
    "wine": datasets.load_wine,
    "breast_cancer": datasets.load_breast_cancer,
    "digits": datasets.load_digits,
    "make_classification": lambda return_X_y: datasets.make_classification(
        600, 10, n_informative=5, random_state=0
    ),
}


@pytest.mark.parametrize("dataset", list(LOADERS))
def test_cross_validated_accuracy_close_to_sklearn(dataset):
    X, y = LOADERS[dataset](return_X_y=True)
    ours = cross_val_score(DecisionTreeClassifier(random_state=0), X, y, cv=5).mean()
    theirs = cross_val_score(sk_tree.DecisionTreeClassifier(random_state=0), X, y, cv=5).mean()
    assert abs(ours - theirs) <= 0.015, (ours, theirs)


@pytest.mark.parametrize("loader", ["diabetes", "make_regression"])
def test_regressor_r2_close_to_sklearn(loader):
    if loader == "diabetes":
        X, y = datasets.load_diabetes(return_X_y=True)
    else:
        X, y = datasets.make_regression(400, 8, noise=5.0, random_state=0)
    X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
    for params in ({"max_depth": 5}, {"min_samples_leaf": 5}):
        ours = DecisionTreeRegressor(random_state=0, **params).fit(X_train, y_train)
        theirs = sk_tree.DecisionTreeRegressor(random_state=0, **params).fit(X_train, y_train)
        assert abs(ours.score(X_test, y_test) - theirs.score(X_test, y_test)) <= 0.01


def test_random_splitter_is_reproducible_and_matches_sklearn():
    X_train, X_test, y_train, y_test = _classification()
    a = DecisionTreeClassifier(splitter="random", random_state=3).fit(X_train, y_train)
    b = DecisionTreeClassifier(splitter="random", random_state=3).fit(X_train, y_train)
    c = DecisionTreeClassifier(splitter="random", random_state=4).fit(X_train, y_train)
    np.testing.assert_array_equal(a.tree_.threshold, b.tree_.threshold)
    assert not np.array_equal(a.tree_.threshold, c.tree_.threshold)
    # the same generator as scikit-learn draws the same features and thresholds
    sk = sk_tree.DecisionTreeClassifier(splitter="random", random_state=3).fit(X_train, y_train)
    assert np.mean(a.predict(X_test) == sk.predict(X_test)) >= 0.99
    assert a.tree_.node_count == sk.tree_.node_count


def test_single_feature_and_max_features_subsets_match_sklearn():
    rng = np.random.RandomState(0)
    X = rng.rand(300, 1)
    y = (np.sin(8 * X[:, 0]) > 0).astype(int)
    ours = DecisionTreeClassifier(random_state=0).fit(X, y)
    np.testing.assert_array_equal(ours.predict(X), y)
    X_train, X_test, y_train, _ = _classification()
    for max_features in ("sqrt", 0.5):
        ours = DecisionTreeClassifier(max_features=max_features, random_state=2)
        theirs = sk_tree.DecisionTreeClassifier(max_features=max_features, random_state=2)
        agree = np.mean(
            ours.fit(X_train, y_train).predict(X_test)
            == theirs.fit(X_train, y_train).predict(X_test)
        )
        assert agree >= 0.99


def test_max_features_and_random_state():
    X_train, X_test, y_train, _ = _classification()
    a = DecisionTreeClassifier(max_features="sqrt", random_state=1).fit(X_train, y_train)
    b = DecisionTreeClassifier(max_features="sqrt", random_state=1).fit(X_train, y_train)
    np.testing.assert_array_equal(a.predict(X_test), b.predict(X_test))
    assert a.max_features_ == 3
    for value, expected in ((0.5, 6), (4, 4), ("log2", 3), (None, 12)):
        assert (
            DecisionTreeClassifier(max_features=value).fit(X_train, y_train).max_features_
            == expected
        )


def test_probabilities_strings_and_sample_weight():
    X, y = datasets.load_iris(return_X_y=True)
    names = np.array(["setosa", "versicolor", "virginica"])[y]
    tree = DecisionTreeClassifier(max_depth=2, random_state=0).fit(X, names)
    proba = tree.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert set(tree.predict(X)) <= set(names) and list(tree.classes_) == sorted(set(names))
    np.testing.assert_allclose(np.exp(tree.predict_log_proba(X)), proba)
    # integer weights are the same as repeating samples
    weights = np.random.RandomState(0).randint(0, 3, len(X))
    weighted = DecisionTreeClassifier(random_state=0).fit(X, y, sample_weight=weights)
    repeated = DecisionTreeClassifier(random_state=0).fit(
        np.repeat(X, weights, 0), np.repeat(y, weights)
    )
    np.testing.assert_array_equal(weighted.predict(X), repeated.predict(X))
    sk = sk_tree.DecisionTreeRegressor(max_depth=3, random_state=0)
    ours = DecisionTreeRegressor(criterion="friedman_mse", max_depth=3, random_state=0)
    w = np.random.RandomState(1).rand(len(X))
    np.testing.assert_allclose(
        ours.fit(X, X[:, 0], sample_weight=w).predict(X),
        sk.fit(X, X[:, 0], sample_weight=w).predict(X),
        rtol=1e-6,
    )


def test_class_weight_balanced_matches_sklearn():
    X, y = datasets.load_breast_cancer(return_X_y=True)
    for weight in ("balanced", {0: 3.0, 1: 1.0}):
        ours = DecisionTreeClassifier(max_depth=3, class_weight=weight, random_state=0).fit(X, y)
        sk = sk_tree.DecisionTreeClassifier(max_depth=3, class_weight=weight, random_state=0)
        np.testing.assert_allclose(ours.tree_.value, sk.fit(X, y).tree_.value, atol=1e-12)


def test_multi_output_regression_and_apply():
    X, y = datasets.make_regression(300, 5, n_targets=2, random_state=0)
    ours = DecisionTreeRegressor(max_depth=4, random_state=0).fit(X, y)
    sk = sk_tree.DecisionTreeRegressor(max_depth=4, random_state=0).fit(X, y)
    assert ours.predict(X).shape == (300, 2)
    np.testing.assert_allclose(ours.predict(X), sk.predict(X), rtol=1e-9)
    np.testing.assert_array_equal(ours.apply(X), sk.apply(X))
    np.testing.assert_array_equal(ours.decision_path(X), sk.decision_path(X).toarray())


def test_ccp_alpha_prunes_like_sklearn():
    X, y = datasets.load_breast_cancer(return_X_y=True)
    ours = DecisionTreeClassifier(ccp_alpha=0.01, random_state=0).fit(X, y)
    sk = sk_tree.DecisionTreeClassifier(ccp_alpha=0.01, random_state=0).fit(X, y)
    assert ours.get_n_leaves() == sk.get_n_leaves()
    np.testing.assert_array_equal(ours.predict(X), sk.predict(X))


def test_export_text_matches_sklearn_and_plot_tree_draws():
    X, y = datasets.load_iris(return_X_y=True)
    ours = DecisionTreeClassifier(random_state=0).fit(X, y)
    sk = sk_tree.DecisionTreeClassifier(random_state=0).fit(X, y)
    for kw in (
        {},
        {"max_depth": 1},
        {"show_weights": True, "decimals": 3},
        {"feature_names": ["a", "b", "c", "d"], "class_names": ["x", "y", "z"]},
    ):
        assert export_text(ours, **kw) == sk_tree.export_text(sk, **kw)
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    notes = plot_tree(ours, filled=True, ax=ax, feature_names=["a", "b", "c", "d"])
    assert len(notes) == ours.tree_.node_count
    assert "a <= " in notes[0].get_text() or "d <= " in notes[0].get_text()
    plt.close(fig)
    import homeml.learn.tree

    with pytest.raises(AttributeError, match="from homeml.plot import plot_tree"):
        homeml.learn.tree.plot_tree  # noqa: B018  (drawing lives with the figures)


@pytest.mark.parametrize(
    "bad, message",
    [
        (np.array([[1.0, np.nan], [2.0, 3.0]]), "NaN"),
        (np.array([[1.0, np.inf], [2.0, 3.0]]), "infinity"),
        (np.empty((0, 2)), "0 sample"),
        (np.array([["a", "b"], ["c", "d"]]), "strings"),
    ],
)
def test_bad_input(bad, message):
    with pytest.raises(ValueError, match=message):
        DecisionTreeClassifier().fit(bad, [0, 1][: len(bad)] or [])


def test_errors_for_labels_features_and_parameters():
    X, y = datasets.load_iris(return_X_y=True)
    with pytest.raises(ValueError, match="only one class"):
        DecisionTreeClassifier().fit(X, np.zeros(len(X)))
    tree = DecisionTreeRegressor().fit(X, y)
    with pytest.raises(
        ValueError, match="X has 3 features, but DecisionTreeRegressor is expecting 4"
    ):
        tree.predict(X[:, :3])
    for params, name in (
        ({"criterion": "mse"}, "criterion"),
        ({"max_depth": 0}, "max_depth"),
        ({"min_samples_split": 1}, "min_samples_split"),
        ({"max_features": "all"}, "max_features"),
        ({"splitter": "worst"}, "splitter"),
    ):
        with pytest.raises(ValueError, match=name):
            DecisionTreeRegressor(**params).fit(X, y)
    with pytest.raises(ValueError, match="not fitted"):
        DecisionTreeClassifier().predict(X)
