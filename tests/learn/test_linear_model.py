"""homeml.learn.linear_model against scikit-learn on the same data and hyperparameters.

Closed-form models (LinearRegression, Ridge) must match scikit-learn's coefficients to 1e-6,
iterative convex solvers (Lasso, ElasticNet, LogisticRegression) to 1e-4 at a tight tolerance.
SGD models follow a random path, so they are compared by cross-validated accuracy / R^2.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from homeml.learn import ConvergenceWarning, NotFittedError
from homeml.learn import linear_model as hm

sklearn = pytest.importorskip("sklearn")
from sklearn import datasets  # noqa: E402
from sklearn import linear_model as sk  # noqa: E402
from sklearn.model_selection import KFold, StratifiedKFold, cross_val_score  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

ALL = [
    "LinearRegression",
    "Ridge",
    "Lasso",
    "ElasticNet",
    "LogisticRegression",
    "SGDClassifier",
    "SGDRegressor",
    "Perceptron",
]
CLASSIFIERS = ["LogisticRegression", "SGDClassifier", "Perceptron"]


@pytest.fixture(autouse=True, scope="module")
def one_blas_thread():
    # The matrices here are small: BLAS threads only add contention on a shared machine.
    with threadpool_limits(limits=1):
        yield


def regression_data(n=120, p=8, targets=1, seed=0):
    X, y = datasets.make_regression(n, p, n_targets=targets, noise=5.0, random_state=seed)
    return X, y


def scaled(name):
    X, y = getattr(datasets, f"load_{name}")(return_X_y=True)
    return StandardScaler().fit_transform(X), y


# -- closed form: LinearRegression and Ridge, 1e-6 -----------------------------------------------


@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("targets", [1, 3])
@pytest.mark.parametrize("weighted", [False, True])
def test_linear_regression_matches_sklearn(fit_intercept, targets, weighted):
    X, y = regression_data(targets=targets)
    w = np.random.RandomState(1).uniform(0.1, 2.0, len(X)) if weighted else None
    ours = hm.LinearRegression(fit_intercept=fit_intercept).fit(X, y, sample_weight=w)
    ref = sk.LinearRegression(fit_intercept=fit_intercept).fit(X, y, sample_weight=w)
    assert ours.coef_.shape == ref.coef_.shape
    np.testing.assert_allclose(ours.coef_, ref.coef_, atol=1e-6)
    np.testing.assert_allclose(ours.intercept_, ref.intercept_, atol=1e-6)
    np.testing.assert_allclose(ours.predict(X), ref.predict(X), atol=1e-6)
    assert ours.rank_ == ref.rank_


def test_linear_regression_positive_matches_sklearn():
    X, y = regression_data(p=6)
    y = y - 200 * X[:, 0]  # one coefficient wants to be negative
    ours = hm.LinearRegression(positive=True).fit(X, y)
    ref = sk.LinearRegression(positive=True).fit(X, y)
    assert ours.coef_.min() >= 0 and np.sum(ours.coef_ == 0) >= 1
    np.testing.assert_allclose(ours.coef_, ref.coef_, atol=1e-6)
    np.testing.assert_allclose(ours.intercept_, ref.intercept_, atol=1e-6)


@pytest.mark.parametrize("solver", ["auto", "cholesky", "svd"])
@pytest.mark.parametrize("shape", [(120, 8), (20, 50)])  # tall, and wide (kernel form)
def test_ridge_matches_sklearn(solver, shape):
    X, y = regression_data(*shape, targets=2)
    ours = hm.Ridge(alpha=2.5, solver=solver).fit(X, y)
    ref = sk.Ridge(alpha=2.5, solver="svd" if solver == "svd" else "cholesky").fit(X, y)
    np.testing.assert_allclose(ours.coef_, ref.coef_, atol=1e-6)
    np.testing.assert_allclose(ours.intercept_, ref.intercept_, atol=1e-6)


def test_ridge_per_target_alpha_weights_and_no_intercept():
    X, y = regression_data(targets=3)
    w = np.random.RandomState(0).uniform(0.2, 3.0, len(X))
    for kwargs in [dict(alpha=[0.1, 10.0, 100.0]), dict(alpha=5.0, fit_intercept=False)]:
        ours = hm.Ridge(**kwargs).fit(X, y, sample_weight=w)
        ref = sk.Ridge(**kwargs).fit(X, y, sample_weight=w)
        np.testing.assert_allclose(ours.coef_, ref.coef_, atol=1e-6)
        np.testing.assert_allclose(ours.intercept_, ref.intercept_, atol=1e-6)
    single = hm.Ridge().fit(X, y[:, 0])
    assert single.coef_.shape == (X.shape[1],) and isinstance(single.intercept_, float)


def test_ridge_positive_matches_sklearn():
    X, y = regression_data(p=6)
    y = y - 200 * X[:, 0]
    ours = hm.Ridge(alpha=3.0, positive=True).fit(X, y)
    # scikit-learn solves this case iteratively (bounded L-BFGS), hence the 1e-4 tolerance
    ref = sk.Ridge(alpha=3.0, positive=True, tol=1e-12, max_iter=100_000).fit(X, y)
    assert ours.coef_.min() >= 0 and np.sum(ours.coef_ == 0) >= 1
    np.testing.assert_allclose(ours.coef_, ref.coef_, atol=1e-4)


# -- coordinate descent: Lasso and ElasticNet, 1e-4 ----------------------------------------------

TIGHT = dict(tol=1e-10, max_iter=100_000)


@pytest.mark.parametrize(
    "name, kwargs",
    [
        ("Lasso", dict(alpha=0.5)),
        ("Lasso", dict(alpha=5.0, fit_intercept=False)),
        ("Lasso", dict(alpha=2.0, positive=True)),
        ("ElasticNet", dict(alpha=0.5, l1_ratio=0.3)),
        ("ElasticNet", dict(alpha=1.0, l1_ratio=0.0)),  # pure L2 via coordinate descent
        ("ElasticNet", dict(alpha=2.0, l1_ratio=0.9, selection="random", random_state=0)),
    ],
)
@pytest.mark.parametrize("shape", [(120, 12), (30, 40)])  # covariance form, residual form
def test_coordinate_descent_matches_sklearn(name, kwargs, shape):
    X, y = regression_data(*shape)
    ours = getattr(hm, name)(**kwargs, **TIGHT).fit(X, y)
    ref = getattr(sk, name)(**kwargs, **TIGHT).fit(X, y)
    np.testing.assert_allclose(ours.coef_, ref.coef_, atol=1e-4)
    np.testing.assert_allclose(ours.intercept_, ref.intercept_, atol=1e-4)
    assert ours.dual_gap_ <= 1e-10 * np.sum((y - y.mean()) ** 2) / len(y) + 1e-12


@pytest.mark.parametrize("n_samples, precompute", [(120, False), (15, False), (15, True)])
def test_lasso_sample_weight_and_multi_target_match_sklearn(n_samples, precompute):
    X, y = regression_data(n_samples, p=10, targets=2)
    w = np.random.RandomState(0).uniform(0.1, 3.0, len(X))
    ours = hm.ElasticNet(alpha=0.3, precompute=precompute, **TIGHT).fit(X, y, sample_weight=w)
    ref = sk.ElasticNet(alpha=0.3, **TIGHT).fit(X, y, sample_weight=w)
    np.testing.assert_allclose(ours.coef_, ref.coef_, atol=1e-4)
    np.testing.assert_allclose(ours.intercept_, ref.intercept_, atol=1e-4)
    assert ours.coef_.shape == (2, 10) and len(ours.n_iter_) == 2


def test_lasso_is_sparse_and_warm_start_continues():
    X, y = datasets.make_regression(100, 30, n_informative=4, noise=1.0, random_state=0)
    model = hm.Lasso(alpha=1.0, warm_start=True).fit(X, y)
    assert 4 <= np.sum(model.coef_ != 0) < 30
    first_iters = model.n_iter_
    model.fit(X, y)  # already at the optimum: one sweep confirms it
    assert model.n_iter_ <= first_iters and model.n_iter_ == 1


def test_lasso_warns_when_not_converged():
    X, y = regression_data(p=12)
    with pytest.warns(ConvergenceWarning, match="did not converge"):
        hm.Lasso(alpha=0.01, max_iter=1, tol=1e-12).fit(X, y)


# -- LogisticRegression, 1e-4 --------------------------------------------------------------------


@pytest.mark.parametrize("name", ["iris", "breast_cancer", "wine"])
@pytest.mark.parametrize("C", [0.05, 1.0, 20.0])
def test_logistic_regression_matches_sklearn(name, C):
    X, y = scaled(name)
    ours = hm.LogisticRegression(C=C, tol=1e-10, max_iter=10_000).fit(X, y)
    ref = sk.LogisticRegression(C=C, tol=1e-10, max_iter=10_000).fit(X, y)
    assert ours.coef_.shape == ref.coef_.shape and ours.intercept_.shape == ref.intercept_.shape
    np.testing.assert_allclose(ours.coef_, ref.coef_, atol=1e-4)
    np.testing.assert_allclose(ours.intercept_, ref.intercept_, atol=1e-4)
    np.testing.assert_allclose(ours.predict_proba(X), ref.predict_proba(X), atol=1e-5)


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(C=np.inf),
        dict(penalty=None),
        dict(fit_intercept=False),
        dict(class_weight="balanced"),
        dict(class_weight={0: 3.0, 1: 0.5}),
    ],
)
@pytest.mark.parametrize("binary", [True, False])
def test_logistic_regression_options_match_sklearn(kwargs, binary):
    X, y = datasets.make_classification(
        300, 6, n_informative=3, n_classes=2 if binary else 3, flip_y=0.2, random_state=0
    )
    w = np.random.RandomState(0).uniform(0.2, 2.0, len(y))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # scikit-learn deprecates penalty=
        ref = sk.LogisticRegression(**kwargs, tol=1e-10, max_iter=10_000).fit(X, y, w)
    ours = hm.LogisticRegression(**kwargs, tol=1e-10, max_iter=10_000).fit(X, y, w)
    np.testing.assert_allclose(ours.coef_, ref.coef_, atol=1e-4)
    np.testing.assert_allclose(ours.intercept_, ref.intercept_, atol=1e-4)


def test_logistic_regression_probabilities_and_shapes():
    X, y = scaled("iris")
    labels = np.array(["setosa", "versicolor", "virginica"])[y]
    model = hm.LogisticRegression().fit(X, labels)
    proba = model.predict_proba(X)
    assert proba.shape == (150, 3) and model.decision_function(X).shape == (150, 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    np.testing.assert_allclose(np.exp(model.predict_log_proba(X)), proba)
    assert set(model.predict(X)) <= set(labels) and model.score(X, labels) > 0.95
    binary = hm.LogisticRegression().fit(X, labels == "setosa")
    assert binary.coef_.shape == (1, 4) and binary.decision_function(X).shape == (150,)
    np.testing.assert_array_equal(binary.predict(X), binary.predict_proba(X).argmax(1) == 1)


def test_logistic_regression_warm_start_and_convergence_warning():
    X, y = scaled("breast_cancer")
    with pytest.warns(ConvergenceWarning, match="failed to converge"):
        hm.LogisticRegression(max_iter=2).fit(X, y)
    model = hm.LogisticRegression(warm_start=True, tol=1e-8, max_iter=1000).fit(X, y)
    first = model.n_iter_[0]
    assert model.fit(X, y).n_iter_[0] < first


# -- SGD models ---------------------------------------------------------------------------------


def test_perceptron_is_sgd_with_perceptron_loss():
    X, y = scaled("iris")
    ours = hm.Perceptron(random_state=3).fit(X, y)
    same = hm.SGDClassifier(
        loss="perceptron", learning_rate="constant", eta0=1.0, penalty=None, random_state=3
    ).fit(X, y)
    np.testing.assert_array_equal(ours.coef_, same.coef_)
    assert ours.get_params() == sk.Perceptron().get_params() | {"random_state": 3}


@pytest.mark.parametrize(
    "cls, kwargs, atol",
    [
        ("SGDRegressor", dict(), 1e-8),
        ("SGDRegressor", dict(average=True, learning_rate="adaptive"), 1e-8),
        ("SGDRegressor", dict(loss="epsilon_insensitive", learning_rate="constant"), 1e-8),
        ("SGDClassifier", dict(), 1e-8),
        ("SGDClassifier", dict(loss="log_loss", class_weight="balanced"), 1e-8),
        ("SGDClassifier", dict(average=10, class_weight={0: 3.0}), 1e-8),
        ("SGDClassifier", dict(loss="squared_hinge", learning_rate="invscaling"), 1e-8),
        ("Perceptron", dict(), 1e-8),
        ("SGDClassifier", dict(penalty="l1"), 1e-8),
        ("SGDClassifier", dict(loss="modified_huber", learning_rate="constant"), 1e-8),
        ("SGDRegressor", dict(penalty="elasticnet", average=True), 1e-4),
    ],
)
def test_sgd_without_shuffling_follows_sklearns_path(cls, kwargs, atol):
    # Without shuffling the visiting order is fixed, so the same update rules, schedules,
    # averaging and stopping rule must reproduce scikit-learn's weights.
    if cls == "SGDRegressor":
        X, y = regression_data(n=600, p=6)
    else:
        X, y = datasets.make_classification(
            600, 6, n_classes=3, n_informative=4, weights=[0.5, 0.3], random_state=0
        )
    ours = getattr(hm, cls)(shuffle=False, **kwargs).fit(X, y)
    ref = getattr(sk, cls)(shuffle=False, **kwargs).fit(X, y)
    assert ours.n_iter_ == ref.n_iter_ and ours.t_ == ref.t_
    np.testing.assert_allclose(ours.coef_, ref.coef_, atol=atol * np.abs(ref.coef_).max())
    np.testing.assert_allclose(ours.intercept_, ref.intercept_, atol=atol * np.abs(ref.coef_).max())


@pytest.mark.parametrize("cls", ["SGDClassifier", "Perceptron", "SGDRegressor"])
def test_sgd_random_state_reproducible(cls):
    X, y = scaled("wine")
    a = getattr(hm, cls)(random_state=7).fit(X, y).coef_
    b = getattr(hm, cls)(random_state=7).fit(X, y).coef_
    c = getattr(hm, cls)(random_state=8).fit(X, y).coef_
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


@pytest.mark.parametrize(
    "loss",
    [
        "hinge",
        "log_loss",
        "modified_huber",
        "squared_hinge",
        "perceptron",
        "squared_error",
        "huber",
    ],
)
@pytest.mark.parametrize("penalty", ["l2", "l1", "elasticnet", None])
def test_sgd_classifier_losses_and_penalties_learn(loss, penalty):
    X, y = scaled("breast_cancer")
    kwargs = dict(loss=loss, penalty=penalty, random_state=0, average=True)
    if loss in ("squared_error", "huber"):  # "optimal" steps diverge for these (both libraries)
        kwargs.update(learning_rate="invscaling", eta0=0.01)
    ours = hm.SGDClassifier(**kwargs).fit(X, y).score(X, y)
    ref = sk.SGDClassifier(**kwargs).fit(X, y).score(X, y)
    assert ours > 0.9 and abs(ours - ref) < 0.03


@pytest.mark.parametrize("schedule", ["optimal", "constant", "invscaling", "adaptive"])
def test_sgd_learning_rates(schedule):
    X, y = scaled("diabetes")
    y = (y - y.mean()) / y.std()
    kwargs = dict(learning_rate=schedule, eta0=0.01, random_state=0, alpha=0.01)
    for name in ("SGDRegressor", "SGDClassifier"):
        if name == "SGDRegressor":  # huber: bounded gradients, stable under "optimal" too
            target, kwargs = y, {**kwargs, "loss": "huber", "epsilon": 1.0}
        else:
            target = (y > np.median(y)).astype(int)
        ours = getattr(hm, name)(**kwargs).fit(X, target).score(X, target)
        ref = getattr(sk, name)(**kwargs).fit(X, target).score(X, target)
        assert abs(ours - ref) < 0.05, (name, ours, ref)


def test_sgd_l1_penalty_gives_exact_zeros():
    X, y = datasets.make_classification(400, 40, n_informative=3, n_redundant=0, random_state=0)
    model = hm.SGDClassifier(penalty="l1", alpha=0.01, random_state=0).fit(X, y)
    ref = sk.SGDClassifier(penalty="l1", alpha=0.01, random_state=0).fit(X, y)
    assert np.sum(model.coef_ == 0) >= 0.7 * np.sum(ref.coef_ == 0) > 10
    assert abs(model.score(X, y) - ref.score(X, y)) < 0.03


@pytest.mark.parametrize(
    "loss", ["squared_error", "huber", "epsilon_insensitive", "squared_epsilon_insensitive"]
)
def test_sgd_regressor_losses_match_sklearn(loss):
    X, y = scaled("diabetes")
    kwargs = dict(loss=loss, epsilon=1.0, random_state=0, average=True, max_iter=200)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.simplefilter("ignore", sklearn.exceptions.ConvergenceWarning)
        ours = hm.SGDRegressor(**kwargs).fit(X, y).score(X, y)
        ref = sk.SGDRegressor(**kwargs).fit(X, y).score(X, y)
    assert abs(ours - ref) < 0.05, (ours, ref)


def test_sgd_early_stopping_tol_and_convergence_warning():
    X, y = scaled("digits")
    model = hm.SGDClassifier(early_stopping=True, random_state=0).fit(X, y)
    assert 1 + model.n_iter_no_change <= model.n_iter_ < 100
    with pytest.warns(ConvergenceWarning, match="Maximum number of iteration"):
        hm.SGDRegressor(max_iter=2).fit(*scaled("diabetes"))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert hm.SGDRegressor(max_iter=3, tol=None).fit(*scaled("diabetes")).n_iter_ == 3


def test_sgd_partial_fit():
    X, y = scaled("iris")
    model = hm.SGDClassifier(random_state=0)
    with pytest.raises(ValueError, match="classes must be passed"):
        model.partial_fit(X, y)
    for _ in range(10):
        model.partial_fit(X, y, classes=[0, 1, 2])
    assert model.coef_.shape == (3, 4) and model.score(X, y) > 0.7
    assert model.t_ == 10 * len(X) + 1
    reg = hm.SGDRegressor(random_state=0)
    Xd, yd = scaled("diabetes")
    for _ in range(20):
        reg.partial_fit(Xd, yd)
    assert reg.score(Xd, yd) > 0.45
    with pytest.raises(ValueError, match="X has 3 features"):
        reg.partial_fit(Xd[:, :3], yd)


def test_sgd_probabilities_only_for_probabilistic_losses():
    X, y = scaled("iris")
    assert not hasattr(hm.SGDClassifier(loss="hinge").fit(X, y), "predict_proba")
    for loss in ("log_loss", "modified_huber"):
        model = hm.SGDClassifier(loss=loss, random_state=0).fit(X, y)
        proba = model.predict_proba(X)
        assert proba.shape == (150, 3) and np.all(proba >= 0)
        np.testing.assert_allclose(proba.sum(axis=1), 1.0)
        assert np.mean(proba.argmax(1) == y) > 0.7


def test_sgd_sample_weight_and_class_weight_shift_the_boundary():
    X, y = datasets.make_classification(400, 5, weights=[0.8], flip_y=0.1, random_state=0)
    plain = hm.SGDClassifier(random_state=0, average=True).fit(X, y)
    heavy = hm.SGDClassifier(random_state=0, average=True, class_weight={1: 10.0}).fit(X, y)
    via_weights = hm.SGDClassifier(random_state=0, average=True).fit(
        X, y, sample_weight=np.where(y == 1, 10.0, 1.0)
    )
    assert np.mean(heavy.predict(X) == 1) > np.mean(plain.predict(X) == 1)
    np.testing.assert_allclose(heavy.coef_, via_weights.coef_)


# -- cross-validated scores against scikit-learn ------------------------------------------------

CLASSIFICATION = ["iris", "wine", "breast_cancer", "digits", "make_classification"]
# Same hyperparameters for both libraries; SGD models average a few seeds, since one random path
# on a small dataset moves the accuracy by several points (in scikit-learn too).
CV_SETTINGS = {
    "LogisticRegression": (dict(), 1),
    "SGDClassifier": (dict(average=True), 3),
    "Perceptron": (dict(), 10),
}


def classification_data(name):
    if name == "make_classification":
        return datasets.make_classification(500, 20, n_informative=8, n_classes=3, random_state=0)
    return getattr(datasets, f"load_{name}")(return_X_y=True)


def cv_score(model, X, y, cv):
    return cross_val_score(make_pipeline(StandardScaler(), model), X, y, cv=cv).mean()


@pytest.mark.parametrize("name", CLASSIFICATION)
@pytest.mark.parametrize("cls", CLASSIFIERS)
def test_cross_validated_accuracy_close_to_sklearn(cls, name):
    X, y = classification_data(name)
    kwargs, seeds = CV_SETTINGS[cls]
    if name == "digits":
        seeds = max(1, seeds // 3)
    cv = StratifiedKFold(5, shuffle=True, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.simplefilter("ignore", sklearn.exceptions.ConvergenceWarning)
        ours = np.mean(
            [cv_score(getattr(hm, cls)(random_state=s, **kwargs), X, y, cv) for s in range(seeds)]
        )
        ref = np.mean(
            [cv_score(getattr(sk, cls)(random_state=s, **kwargs), X, y, cv) for s in range(seeds)]
        )
    assert abs(ours - ref) <= 0.015, f"{cls} on {name}: homeml {ours:.4f}, sklearn {ref:.4f}"


@pytest.mark.parametrize("name", ["diabetes", "make_regression"])
@pytest.mark.parametrize(
    "cls, kwargs",
    [
        ("LinearRegression", {}),
        ("Ridge", dict(alpha=1.0)),
        ("Lasso", dict(alpha=0.1)),
        ("ElasticNet", dict(alpha=0.1)),
        ("SGDRegressor", dict(random_state=0)),
    ],
)
def test_cross_validated_r2_close_to_sklearn(cls, kwargs, name):
    if name == "diabetes":
        X, y = datasets.load_diabetes(return_X_y=True)
    else:
        X, y = datasets.make_regression(300, 15, n_informative=8, noise=20.0, random_state=0)
    cv = KFold(5, shuffle=True, random_state=0)
    ours = cv_score(getattr(hm, cls)(**kwargs), X, y, cv)
    ref = cv_score(getattr(sk, cls)(**kwargs), X, y, cv)
    assert abs(ours - ref) <= 0.01, f"{cls} on {name}: homeml {ours:.4f}, sklearn {ref:.4f}"


# -- bad input and hyperparameters --------------------------------------------------------------


def fit_data(cls):
    X, y = scaled("iris")
    return (X, y) if cls in CLASSIFIERS else (X, X[:, 0] * 2.0 + y)


@pytest.mark.parametrize("cls", ALL)
@pytest.mark.parametrize(
    "bad, match",
    [("nan", "NaN"), ("inf", "infinity"), ("empty", r"0 sample\(s\)"), ("string", "numbers")],
)
def test_bad_X_raises_clear_error(cls, bad, match):
    X, y = fit_data(cls)
    if bad == "empty":
        X, y = X[:0], y[:0]
    elif bad == "string":
        X = X.astype(object)
        X[0, 0] = "a"
    else:
        X = X.copy()
        X[3, 1] = np.nan if bad == "nan" else np.inf
    with pytest.raises(ValueError, match=match):
        getattr(hm, cls)().fit(X, y)


@pytest.mark.parametrize("cls", ALL)
def test_wrong_feature_count_and_not_fitted(cls):
    X, y = fit_data(cls)
    with pytest.raises(NotFittedError):
        getattr(hm, cls)().predict(X)
    model = getattr(hm, cls)().fit(X, y)
    with pytest.raises(ValueError, match="X has 3 features, but .* is expecting 4"):
        model.predict(X[:, :3])


@pytest.mark.parametrize("cls", CLASSIFIERS)
def test_one_class_and_continuous_target_refused(cls):
    X, _ = scaled("iris")
    with pytest.raises(ValueError, match="only one class"):
        getattr(hm, cls)().fit(X, np.zeros(len(X)))
    with pytest.raises(ValueError, match="Unknown label type: continuous"):
        getattr(hm, cls)().fit(X, X[:, 0])


@pytest.mark.parametrize(
    "cls, params, match",
    [
        ("Ridge", dict(alpha=-1.0), "alpha"),
        ("Ridge", dict(solver="sag"), "'solver' parameter .* must be a str among"),
        ("Lasso", dict(alpha=-0.5), "'alpha' parameter"),
        ("ElasticNet", dict(l1_ratio=1.5), "'l1_ratio' parameter"),
        ("ElasticNet", dict(selection="best"), "'selection'"),
        ("LogisticRegression", dict(C=0.0), "'C' parameter"),
        ("LogisticRegression", dict(solver="saga"), "'solver'"),
        ("LogisticRegression", dict(l1_ratio=0.5), "only the L2 penalty"),
        ("SGDClassifier", dict(loss="hinge2"), "'loss' parameter"),
        ("SGDClassifier", dict(penalty="l3"), "'penalty'"),
        ("SGDClassifier", dict(learning_rate="fast"), "'learning_rate'"),
        ("SGDClassifier", dict(learning_rate="constant", eta0=0.0), "eta0 must be > 0"),
        ("SGDRegressor", dict(loss="hinge"), "'loss' parameter"),
        ("SGDRegressor", dict(max_iter=0), "'max_iter' parameter"),
        ("Perceptron", dict(validation_fraction=1.0), "validation_fraction"),
    ],
)
def test_invalid_hyperparameters_raise_in_fit(cls, params, match):
    X, y = fit_data(cls)
    model = getattr(hm, cls)(**params)  # __init__ only stores
    with pytest.raises(ValueError, match=match):
        model.fit(X, y)


@pytest.mark.parametrize("cls", ["LinearRegression", "Ridge", "Lasso", "LogisticRegression"])
def test_zero_weight_is_like_removing_the_sample(cls):
    X, y = fit_data(cls)
    w = np.ones(len(X))
    w[::4] = 0.0
    kwargs = dict(tol=1e-10, max_iter=10_000) if cls in ("Lasso", "LogisticRegression") else {}
    if cls == "Lasso":
        kwargs["alpha"] = 0.05
    weighted = getattr(hm, cls)(**kwargs).fit(X, y, sample_weight=w)
    removed = getattr(hm, cls)(**kwargs).fit(X[w > 0], y[w > 0])
    # Lasso's alpha multiplies the mean loss: the sum of weights plays the role of n
    np.testing.assert_allclose(weighted.coef_, removed.coef_, atol=1e-4 if kwargs else 1e-8)


def test_float32_and_lists_and_pandas():
    pd = pytest.importorskip("pandas")
    X, y = scaled("iris")
    frame = pd.DataFrame(X, columns=list("abcd"))
    model = hm.LogisticRegression().fit(frame, y)
    assert list(model.feature_names_in_) == list("abcd")
    assert hm.Ridge().fit(X.astype(np.float32), y).predict(X[:2].astype(np.float32)).shape == (2,)
    assert hm.LinearRegression().fit(X.tolist(), y.tolist()).predict(X[:3].tolist()).shape == (3,)
