"""homeml.learn.svm against scikit-learn's libsvm/liblinear on the same data."""

from __future__ import annotations

import numpy as np
import pytest

sklearn = pytest.importorskip("sklearn")
from sklearn import datasets, svm  # noqa: E402
from sklearn.model_selection import StratifiedKFold, cross_val_score, train_test_split  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

from homeml.learn import SVC, SVR, LinearSVC  # noqa: E402
from homeml.learn.base import ConvergenceWarning, NotFittedError  # noqa: E402


def standardised(loader):
    X, y = loader(return_X_y=True)
    return StandardScaler().fit_transform(X), y


@pytest.fixture(scope="module")
def cancer():
    return standardised(datasets.load_breast_cancer)


@pytest.fixture(scope="module")
def wine():
    return standardised(datasets.load_wine)


def assert_same_decision(ours, theirs, X, rtol=1e-3):
    d_ours, d_theirs = ours.decision_function(X), theirs.decision_function(X)
    assert d_ours.shape == d_theirs.shape
    scale = np.abs(d_theirs).max()
    np.testing.assert_allclose(d_ours, d_theirs, atol=rtol * scale)
    assert np.mean(ours.predict(X) == theirs.predict(X)) >= 0.99


# -- the SMO solution is scikit-learn's ---------------------------------------------------------


@pytest.mark.parametrize("kernel", ["rbf", "linear", "poly", "sigmoid"])
def test_binary_svc_dual_solution_matches_sklearn(cancer, kernel):
    X, y = cancer
    ours, theirs = SVC(kernel=kernel).fit(X, y), svm.SVC(kernel=kernel).fit(X, y)
    assert_same_decision(ours, theirs, X)
    assert len(set(ours.support_) ^ set(theirs.support_)) <= 0.01 * len(theirs.support_)
    if np.array_equal(ours.support_, theirs.support_):
        np.testing.assert_allclose(ours.dual_coef_, theirs.dual_coef_, atol=1e-2 * ours.C)
        np.testing.assert_array_equal(ours.support_vectors_, theirs.support_vectors_)
    np.testing.assert_allclose(ours.intercept_, theirs.intercept_, atol=1e-3)
    np.testing.assert_array_equal(ours.n_support_, theirs.n_support_)


def test_multiclass_layout_matches_libsvm(wine):
    X, y = wine
    for shape in ("ovr", "ovo"):
        ours = SVC(C=10, decision_function_shape=shape).fit(X, y)
        theirs = svm.SVC(C=10, decision_function_shape=shape).fit(X, y)
        assert_same_decision(ours, theirs, X)
    np.testing.assert_array_equal(ours.support_, theirs.support_)
    np.testing.assert_array_equal(ours.n_support_, theirs.n_support_)
    assert ours.dual_coef_.shape == theirs.dual_coef_.shape == (2, len(theirs.support_))
    np.testing.assert_allclose(ours.dual_coef_, theirs.dual_coef_, atol=1e-2)
    np.testing.assert_allclose(ours.intercept_, theirs.intercept_, atol=1e-3)
    assert ours.decision_function(X).shape == (len(X), 3)


def test_linear_kernel_coef_and_gamma(cancer):
    X, y = cancer
    ours, theirs = SVC(kernel="linear", C=0.1).fit(X, y), svm.SVC(kernel="linear", C=0.1).fit(X, y)
    np.testing.assert_allclose(ours.coef_, theirs.coef_, atol=1e-3 * np.abs(theirs.coef_).max())
    assert not hasattr(SVC().fit(X, y), "coef_")
    for gamma in ("scale", "auto", 0.05):
        assert SVC(gamma=gamma).fit(X, y)._gamma == pytest.approx(
            svm.SVC(gamma=gamma).fit(X, y)._gamma
        )


def test_class_weight_and_sample_weight_match_sklearn(wine):
    X, y = wine
    weights = np.random.RandomState(0).uniform(0.2, 3.0, len(y))
    for kwargs in ({"class_weight": "balanced"}, {"class_weight": {0: 3.0, 2: 0.5}}):
        ours = SVC(gamma=0.1, **kwargs).fit(X, y, sample_weight=weights)
        theirs = svm.SVC(gamma=0.1, **kwargs).fit(X, y, sample_weight=weights)
        assert_same_decision(ours, theirs, X)
        np.testing.assert_allclose(ours.class_weight_, theirs.class_weight_)
    ours = SVR(gamma=0.1).fit(X, y, sample_weight=weights)
    theirs = svm.SVR(gamma=0.1).fit(X, y, sample_weight=weights)
    np.testing.assert_allclose(ours.predict(X), theirs.predict(X), atol=1e-3)


def test_zero_weight_is_removing_the_sample(wine):
    X, y = wine
    weights = np.ones(len(y))
    weights[::3] = 0
    keep = weights > 0
    a = SVC(gamma=0.1).fit(X, y, sample_weight=weights)
    b = SVC(gamma=0.1).fit(X[keep], y[keep])
    np.testing.assert_allclose(a.decision_function(X), b.decision_function(X), atol=1e-10)


def test_precomputed_and_callable_kernels_match_rbf(wine):
    X, y = wine
    X_train, X_test, y_train, _ = train_test_split(X, y, random_state=0)

    def rbf(A, B):
        sq = (A**2).sum(1)[:, None] + (B**2).sum(1)[None] - 2 * A @ B.T
        return np.exp(-0.1 * sq)

    direct = SVC(gamma=0.1).fit(X_train, y_train)
    pre = SVC(kernel="precomputed").fit(rbf(X_train, X_train), y_train)
    call = SVC(kernel=rbf).fit(X_train, y_train)
    expected = direct.decision_function(X_test)
    np.testing.assert_allclose(pre.decision_function(rbf(X_test, X_train)), expected, atol=1e-8)
    np.testing.assert_allclose(call.decision_function(X_test), expected, atol=1e-8)
    assert pre._homeml_tags()["pairwise"] and not direct._homeml_tags()["pairwise"]
    with pytest.raises(ValueError, match="square"):
        SVC(kernel="precomputed").fit(X_train, y_train)


# -- SVR -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("kwargs", [{}, {"C": 100.0}, {"kernel": "linear", "epsilon": 0.5}])
def test_svr_matches_sklearn_on_diabetes(kwargs):
    X, y = standardised(datasets.load_diabetes)
    ours, theirs = SVR(**kwargs).fit(X, y), svm.SVR(**kwargs).fit(X, y)
    np.testing.assert_allclose(ours.predict(X), theirs.predict(X), atol=1e-3 * np.ptp(y))
    np.testing.assert_allclose(ours.intercept_, theirs.intercept_, rtol=1e-3)
    assert abs(len(ours.support_) - len(theirs.support_)) <= 2
    assert ours.dual_coef_.shape == (1, len(ours.support_))


def test_svr_r2_within_001_of_sklearn():
    X, y = standardised(datasets.load_diabetes)
    Xr, yr = datasets.make_regression(400, 10, noise=10.0, random_state=0)
    Xr = StandardScaler().fit_transform(Xr)
    for (X_, y_), C in (((X, y), 100.0), ((Xr, yr), 1000.0)):
        X_tr, X_te, y_tr, y_te = train_test_split(X_, y_, random_state=0)
        ours = SVR(C=C).fit(X_tr, y_tr).score(X_te, y_te)
        theirs = svm.SVR(C=C).fit(X_tr, y_tr).score(X_te, y_te)
        assert abs(ours - theirs) < 0.01, (ours, theirs)


# -- cross-validated accuracy -------------------------------------------------------------------


def _classification_data():
    X, y = datasets.make_classification(600, 20, n_informative=8, n_classes=3, random_state=0)
    return [
        datasets.load_iris(return_X_y=True),
        datasets.load_wine(return_X_y=True),
        datasets.load_breast_cancer(return_X_y=True),
        datasets.load_digits(return_X_y=True),
        (X, y),
    ]


@pytest.mark.parametrize("name", ["SVC", "LinearSVC"])
def test_cross_validated_accuracy_within_1_5_points(name):
    ours_cls, theirs_cls = {"SVC": (SVC, svm.SVC), "LinearSVC": (LinearSVC, svm.LinearSVC)}[name]
    folds = StratifiedKFold(5, shuffle=True, random_state=0)
    for X, y in _classification_data():
        ours = cross_val_score(make_pipeline(StandardScaler(), ours_cls()), X, y, cv=folds)
        theirs = cross_val_score(make_pipeline(StandardScaler(), theirs_cls()), X, y, cv=folds)
        assert abs(ours.mean() - theirs.mean()) <= 0.015, (ours.mean(), theirs.mean())


# -- LinearSVC -----------------------------------------------------------------------------------


@pytest.mark.parametrize("loss", ["squared_hinge", "hinge"])
def test_linear_svc_dual_matches_liblinear(wine, loss):
    X, y = wine
    for labels in (y, y == 1):  # one-vs-rest and binary
        kwargs = {
            "loss": loss,
            "dual": True,
            "tol": 1e-8,
            "max_iter": 100_000,
            "C": 0.5,
            "class_weight": {1: 2.0},
        }
        ours, theirs = LinearSVC(**kwargs).fit(X, labels), svm.LinearSVC(**kwargs).fit(X, labels)
        np.testing.assert_allclose(ours.coef_, theirs.coef_, atol=1e-4)
        np.testing.assert_allclose(ours.intercept_, theirs.intercept_, atol=1e-4)
        assert_same_decision(ours, theirs, X)


def test_linear_svc_primal_matches_liblinear(cancer):
    X, y = cancer
    for extra in ({}, {"fit_intercept": False}, {"intercept_scaling": 10.0}):
        kwargs = {"dual": False, "tol": 1e-8, **extra}
        ours, theirs = LinearSVC(**kwargs).fit(X, y), svm.LinearSVC(**kwargs).fit(X, y)
        np.testing.assert_allclose(ours.coef_, theirs.coef_, atol=1e-4)
        np.testing.assert_allclose(ours.intercept_, theirs.intercept_, atol=1e-4)
    assert ours.coef_.shape == (1, X.shape[1]) and ours.intercept_.shape == (1,)


def test_linear_svc_random_state_reproducible_and_converges(wine):
    X, y = wine
    a = LinearSVC(dual=True, random_state=3).fit(X, y)
    b = LinearSVC(dual=True, random_state=3).fit(X, y)
    np.testing.assert_array_equal(a.coef_, b.coef_)
    with pytest.warns(ConvergenceWarning):
        LinearSVC(dual=True, max_iter=2, C=100.0).fit(X, y)
    with pytest.raises(ValueError, match="hinge"):
        LinearSVC(loss="hinge", dual=False).fit(X, y)


# -- probabilities and decision shapes ----------------------------------------------------------


def test_predict_proba_close_to_sklearn_and_sums_to_one(wine):
    X, y = wine
    X_tr, X_te, y_tr, _ = train_test_split(X, y, random_state=0)
    for labels in (y_tr, y_tr == 0):
        ours = SVC(probability=True, random_state=0).fit(X_tr, labels)
        with pytest.warns(FutureWarning):  # scikit-learn 1.9 deprecates probability=True
            theirs = svm.SVC(probability=True, random_state=0).fit(X_tr, labels)
        p = ours.predict_proba(X_te)
        np.testing.assert_allclose(p.sum(axis=1), 1.0, atol=1e-12)
        assert np.abs(p - theirs.predict_proba(X_te)).max() < 0.15
        np.testing.assert_allclose(ours.predict_log_proba(X_te), np.log(p))
        again = SVC(probability=True, random_state=0).fit(X_tr, labels)
        np.testing.assert_array_equal(again.predict_proba(X_te), p)
    assert not hasattr(SVC().fit(X, y), "predict_proba")


def test_decision_shapes_string_labels_and_break_ties():
    X, y = datasets.load_iris(return_X_y=True)
    names = np.array(["setosa", "versicolor", "virginica"])[y]
    clf = SVC(decision_function_shape="ovo").fit(X, names)
    assert clf.decision_function(X).shape == (150, 3)
    assert set(clf.predict(X)) <= set(names) and clf.score(X, names) > 0.9
    X4 = np.vstack([X, X[:40] + 5])
    y4 = np.concatenate([y, np.full(40, 3)])
    assert SVC(decision_function_shape="ovo").fit(X4, y4).decision_function(X4).shape == (190, 6)
    ovr = SVC(break_ties=True).fit(X4, y4)
    assert ovr.decision_function(X4).shape == (190, 4)
    np.testing.assert_array_equal(ovr.predict(X4), np.argmax(ovr.decision_function(X4), axis=1))
    theirs = svm.SVC(break_ties=True).fit(X4, y4)
    assert np.mean(ovr.predict(X4) == theirs.predict(X4)) >= 0.99
    with pytest.raises(ValueError, match="break_ties"):
        SVC(break_ties=True, decision_function_shape="ovo").fit(X, y).predict(X)
    binary = SVC().fit(X[:100], y[:100])
    assert binary.decision_function(X).shape == (150,)
    assert binary.dual_coef_.shape == (1, len(binary.support_))


# -- bad input -----------------------------------------------------------------------------------


@pytest.mark.parametrize("make", [SVC, SVR, LinearSVC])
def test_bad_input_is_refused_clearly(make):
    X = np.random.RandomState(0).randn(20, 3)
    y = np.arange(20) % 2
    for bad, match in (
        (np.where(X > 1, np.nan, X), "NaN"),
        (np.where(X > 1, np.inf, X), "inf"),
        (np.zeros((0, 3)), "0 sample"),
        ([["a", "b", "c"]] * 20, "numbers"),
    ):
        with pytest.raises(ValueError, match=match):
            make().fit(bad, y)
    with pytest.raises(NotFittedError):
        make().predict(X)
    with pytest.raises(ValueError, match="3 features"):
        make().fit(X, y).predict(X[:, :2])
    if make is not SVR:
        with pytest.raises(ValueError, match="only one class"):
            make().fit(X, np.zeros(20))
    with pytest.raises(ValueError, match="'C'"):
        make(C=-1.0).fit(X, y)
    with pytest.raises(ValueError, match="zero or negative weights"):
        make().fit(X, y, sample_weight=np.zeros(20))


def test_bad_hyperparameters_name_the_parameter():
    X, y = np.random.RandomState(0).randn(20, 3), np.arange(20) % 2
    for kwargs, match in (
        ({"kernel": "cubic"}, "kernel"),
        ({"gamma": "wide"}, "gamma"),
        ({"gamma": -1.0}, "gamma"),
        ({"degree": 2.5}, "degree"),
        ({"decision_function_shape": "ovx"}, "decision_function_shape"),
        ({"class_weight": "even"}, "class_weight"),
        ({"max_iter": 0}, "max_iter"),
        ({"tol": 0.0}, "tol"),
    ):
        with pytest.raises(ValueError, match=match):
            SVC(**kwargs).fit(X, y)
    with pytest.raises(ValueError, match="epsilon"):
        SVR(epsilon=-0.1).fit(X, y)
    with pytest.raises(ValueError, match="penalty"):
        LinearSVC(penalty="l1").fit(X, y)


def test_max_iter_stops_with_a_convergence_warning(cancer):
    X, y = cancer
    with pytest.warns(ConvergenceWarning, match="max_iter"):
        clf = SVC(max_iter=5).fit(X, y)
    assert clf.n_iter_[0] == 5


# ----------------------------------------------------------------------------- overflowing inputs


@pytest.mark.parametrize(
    "make",
    [
        lambda m: m.SVC(),
        lambda m: m.SVC(kernel="poly"),
        lambda m: m.SVC(kernel="sigmoid"),
        lambda m: m.SVC(kernel="linear"),
        lambda m: m.SVC(gamma="auto"),
        lambda m: m.SVR(),
    ],
)
@pytest.mark.parametrize("scale", [1.0, 1e160, 1e300])
def test_values_too_large_for_squares_raise_as_scikit_learn(make, scale):
    # regression: 1e160 gave gamma_ = 0 (X.var() overflowed) and a one-class model, silently
    import homeml.learn.svm as hsvm

    rng = np.random.default_rng(0)
    X = rng.standard_normal((20, 3)) * scale
    y = (X[:, 0] > 0).astype(int)
    outcomes = []
    for module in (svm, hsvm):
        try:
            make(module).fit(X, y)
            outcomes.append("fitted")
        except ValueError as error:
            outcomes.append(str(error))
    assert outcomes[0] == outcomes[1]
    assert ("not finite" in outcomes[1]) == (scale > 1)
