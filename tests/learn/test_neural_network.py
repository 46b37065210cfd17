"""MLPClassifier and MLPRegressor against scikit-learn's: with the same random_state the SGD and
Adam solvers give the same weights and loss curves (same Glorot draws, shuffles, validation split
and update order); homeml's own L-BFGS scores within a point of scikit-learn's on the bundled data
sets; the gradients match central finite differences."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import scipy.sparse as sp

import homeml
from homeml.learn import datasets
from homeml.learn.base import ConvergenceWarning
from homeml.learn.neural_network import MLPClassifier, MLPRegressor

sk_nn = pytest.importorskip("sklearn.neural_network", reason="scikit-learn is the reference")

RTOL = 1e-9  # logistic outputs differ from scipy's expit by an ulp now and then


def classification(n_classes=3, n=120, seed=0):
    return datasets.make_classification(
        n, 6, n_informative=4, n_classes=n_classes, random_state=seed
    )


def regression(n_targets=1, seed=0):
    X, y = datasets.make_regression(90, 5, n_targets=n_targets, noise=1.0, random_state=seed)
    return X, y / 100


def fit_both(kind, params, X, y, **fit_kwargs):
    ours = (MLPClassifier if kind == "C" else MLPRegressor)(**params)
    theirs = (sk_nn.MLPClassifier if kind == "C" else sk_nn.MLPRegressor)(**params)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours.fit(X, y, **fit_kwargs)
        theirs.fit(X, y, **fit_kwargs)
    return ours, theirs


def assert_same_network(ours, theirs, rtol=RTOL):
    assert ours.n_iter_ == theirs.n_iter_
    assert ours.out_activation_ == theirs.out_activation_
    assert ours.n_layers_ == theirs.n_layers_ and ours.n_outputs_ == theirs.n_outputs_
    for a, b in zip(ours.coefs_ + ours.intercepts_, theirs.coefs_ + theirs.intercepts_):
        assert a.dtype == b.dtype
        np.testing.assert_allclose(a, b, rtol=rtol, atol=1e-12)
    if hasattr(theirs, "loss_curve_"):
        np.testing.assert_allclose(ours.loss_curve_, theirs.loss_curve_, rtol=rtol)
        if theirs.best_loss_ is None:
            assert ours.best_loss_ is None
        else:
            np.testing.assert_allclose(ours.best_loss_, theirs.best_loss_, rtol=rtol)
        if theirs.validation_scores_ is None:
            assert ours.validation_scores_ is None
        else:
            np.testing.assert_allclose(
                ours.validation_scores_, theirs.validation_scores_, rtol=rtol
            )
    assert ours.t_ == theirs.t_


STOCHASTIC = [
    dict(solver="adam"),
    dict(solver="adam", activation="tanh", hidden_layer_sizes=(7, 5), alpha=0.01),
    dict(solver="adam", activation="logistic", batch_size=16, beta_1=0.8, epsilon=1e-6),
    dict(solver="adam", activation="identity", shuffle=False),
    dict(solver="adam", early_stopping=True, validation_fraction=0.2, n_iter_no_change=3),
    dict(solver="sgd", learning_rate_init=0.05),
    dict(solver="sgd", learning_rate="invscaling", learning_rate_init=0.2, power_t=0.3),
    dict(solver="sgd", learning_rate="adaptive", tol=0.05, n_iter_no_change=2),
    dict(solver="sgd", nesterovs_momentum=False, momentum=0.5, batch_size=50),
    dict(solver="sgd", momentum=0.0, activation="tanh", early_stopping=True),
]


@pytest.mark.parametrize("params", STOCHASTIC, ids=str)
@pytest.mark.parametrize("n_classes", [2, 3])
def test_classifier_equals_scikit_learn(params, n_classes):
    X, y = classification(n_classes)
    params = {"hidden_layer_sizes": (10,), "max_iter": 15, "random_state": 3, **params}
    ours, theirs = fit_both("C", params, X, y)
    assert_same_network(ours, theirs)
    np.testing.assert_array_equal(ours.classes_, theirs.classes_)
    np.testing.assert_allclose(ours.predict_proba(X), theirs.predict_proba(X), rtol=RTOL)
    np.testing.assert_array_equal(ours.predict(X), theirs.predict(X))


@pytest.mark.parametrize("params", STOCHASTIC, ids=str)
def test_regressor_equals_scikit_learn(params):
    X, y = regression()
    params = {"hidden_layer_sizes": (10,), "max_iter": 15, "random_state": 3, **params}
    ours, theirs = fit_both("R", params, X, y)
    assert_same_network(ours, theirs)
    np.testing.assert_allclose(ours.predict(X), theirs.predict(X), rtol=RTOL, atol=1e-12)


@pytest.mark.parametrize(
    "case",
    ["multilabel", "multi-output", "poisson", "sample_weight", "float32", "sparse", "strings"],
)
def test_other_targets_and_inputs_equal_scikit_learn(case):
    params = dict(hidden_layer_sizes=(8,), max_iter=10, random_state=0, solver="adam")
    kind, fit_kwargs = "C", {}
    X, y = classification(3)
    if case == "multilabel":
        y = np.stack([y == 0, y == 1, y != 1], axis=1).astype(int)
    elif case == "multi-output":
        kind, (X, y) = "R", regression(n_targets=3)
    elif case == "poisson":
        kind, params["loss"] = "R", "poisson"
        X, y = regression()
        y = np.round(np.abs(y) * 5)
    elif case == "sample_weight":
        fit_kwargs["sample_weight"] = np.random.RandomState(0).randint(0, 4, len(y))
    elif case == "float32":
        X = X.astype(np.float32)
    elif case == "sparse":
        X = sp.csr_matrix(np.where(np.abs(X) > 1, X, 0))
    else:
        y = np.array(["ant", "bee", "cat"])[y]
    ours, theirs = fit_both(kind, params, X, y, **fit_kwargs)
    rtol = 2e-5 if case == "float32" else RTOL
    assert_same_network(ours, theirs, rtol=rtol)
    method = "predict_proba" if kind == "C" else "predict"
    np.testing.assert_allclose(
        getattr(ours, method)(X), getattr(theirs, method)(X), rtol=rtol, atol=1e-7
    )


def test_partial_fit_and_warm_start_equal_scikit_learn():
    X, y = classification(3)
    params = dict(hidden_layer_sizes=(6,), random_state=1, solver="sgd")
    ours, theirs = MLPClassifier(**params), sk_nn.MLPClassifier(**params)
    for start in (0, 40, 80, 0):
        rows = slice(start, start + 40)
        ours.partial_fit(X[rows], y[rows], classes=[0, 1, 2])
        theirs.partial_fit(X[rows], y[rows], classes=[0, 1, 2])
    assert_same_network(ours, theirs)

    params = dict(hidden_layer_sizes=(6,), random_state=1, max_iter=5, warm_start=True)
    ours, theirs = fit_both("R", params, *regression())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ours.fit(*regression(seed=1))
        theirs.fit(*regression(seed=1))
    assert_same_network(ours, theirs)


@pytest.mark.parametrize("activation", ["identity", "logistic", "tanh", "relu"])
@pytest.mark.parametrize("kind", ["binary", "multiclass", "multilabel", "squared", "poisson"])
def test_gradients_match_finite_differences(activation, kind):
    rng = np.random.RandomState(0)
    X = rng.randn(12, 4)
    if kind in ("squared", "poisson"):
        est = MLPRegressor(loss="squared_error" if kind == "squared" else "poisson")
        y = rng.poisson(2.0, size=(12, 2)).astype(float)
    else:
        est = MLPClassifier()
        y = {"binary": rng.randint(0, 2, 12), "multiclass": rng.randint(0, 3, 12)}.get(
            kind, rng.randint(0, 2, (12, 3))
        )
    alpha = 0.0 if kind == "squared" else 0.1
    est.set_params(
        hidden_layer_sizes=(5, 3), activation=activation, alpha=alpha, solver="lbfgs", max_iter=1
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(X, y)
    _, Y = est._validate_input(X, y, incremental=True, reset=False)
    Y = Y.reshape(len(X), -1)
    weights = rng.rand(12)
    shapes = [c.shape for c in est.coefs_] + [b.shape for b in est.intercepts_]
    params = [rng.randn(*s) * 0.5 for s in shapes]
    n = len(est.coefs_)

    def loss_and_grads(arrays):
        est.coefs_, est.intercepts_ = [a.copy() for a in arrays[:n]], [a.copy() for a in arrays[n:]]
        layers = [X] + [None] * n
        cg = [np.empty_like(a) for a in arrays[:n]]
        ig = [np.empty_like(a) for a in arrays[n:]]
        loss, cg, ig = est._backprop(X, Y, weights, layers, [None] * n, cg, ig)
        return loss, cg + ig

    _, analytic = loss_and_grads(params)
    if kind == "squared":
        # as in scikit-learn, the squared loss is averaged over the outputs but its gradient is
        # that of their sum: n_outputs times the loss's own gradient (alpha is 0 here: the
        # penalty's gradient is not scaled)
        analytic = [g / Y.shape[1] for g in analytic]
    eps = 1e-6
    for p, g in zip(params, analytic):
        for index in np.ndindex(p.shape):
            old = p[index]
            p[index] = old + eps
            up = loss_and_grads(params)[0]
            p[index] = old - eps
            down = loss_and_grads(params)[0]
            p[index] = old
            if activation == "relu" and abs(up + down - 2 * loss_and_grads(params)[0]) > 1e-7:
                continue  # a kink of relu between the two points
            np.testing.assert_allclose(g[index], (up - down) / (2 * eps), rtol=1e-5, atol=1e-7)


def _scaled(X):
    return (X - X.mean(axis=0)) / np.where(X.std(axis=0) > 0, X.std(axis=0), 1)


@pytest.mark.parametrize("name", ["iris", "wine", "breast_cancer", "digits", "diabetes"])
@pytest.mark.parametrize("solver", ["lbfgs"])  # (sgd and adam: the same weights, tested above)
def test_scores_on_the_bundled_data_within_a_point_of_scikit_learns(name, solver):
    X, y = getattr(datasets, f"load_{name}")(return_X_y=True)
    X = _scaled(X)
    if name == "diabetes":
        y = (y - y.mean()) / y.std()
    rows = np.random.RandomState(0).permutation(len(y))
    train, test = rows[: len(y) * 3 // 4], rows[len(y) * 3 // 4 :]
    kind = "R" if name == "diabetes" else "C"
    max_iter = 60 if solver == "lbfgs" else 200
    params = dict(hidden_layer_sizes=(20,), random_state=0, max_iter=max_iter, alpha=1e-3)
    if name == "diabetes":
        params["alpha"] = 10.0
    ours, theirs = fit_both(kind, {**params, "solver": solver}, X[train], y[train])
    ours_score, theirs_score = ours.score(X[test], y[test]), theirs.score(X[test], y[test])
    assert abs(ours_score - theirs_score) <= 0.01 + 1e-12
    if kind == "C":
        assert ours_score > 0.85


def test_lbfgs_limits_and_attributes():
    X, y = classification(2)
    est = MLPClassifier((5,), solver="lbfgs", max_fun=6, random_state=0)
    with pytest.warns(ConvergenceWarning, match="lbfgs"):
        est.fit(X, y)
    assert est.n_iter_ < 6 and np.isfinite(est.loss_)
    assert not hasattr(est, "loss_curve_")
    est = MLPClassifier((5,), solver="lbfgs", max_iter=300, tol=1e-6, random_state=0).fit(X, y)
    assert est.loss_ < 0.2


def test_errors_name_the_problem():
    X, y = classification(3)
    with pytest.raises(ValueError, match="classes must be passed"):
        MLPClassifier().partial_fit(X, y)
    with pytest.raises(AttributeError, match="partial_fit is only available"):
        getattr(MLPClassifier(solver="lbfgs"), "partial_fit")  # noqa: B009
    with pytest.raises(ValueError, match="early_stopping"):
        MLPRegressor(early_stopping=True).partial_fit(X, y.astype(float))
    with pytest.raises(ValueError, match="poisson"):
        MLPRegressor(loss="poisson").fit(X, y - 1.0)
    with pytest.raises(ValueError, match="hidden_layer_sizes"):
        MLPClassifier(hidden_layer_sizes=(3, 0)).fit(X, y)
    with pytest.raises(ValueError, match="layers of"):
        est = MLPRegressor(hidden_layer_sizes=(4,), max_iter=1, warm_start=True)
        est.fit(X, y.astype(float))
        est.set_params(hidden_layer_sizes=(5,)).fit(X, y.astype(float))
    with pytest.raises(ValueError, match="not in"):
        MLPClassifier(max_iter=1).partial_fit(X, y, classes=[0, 1, 2]).partial_fit(X, y + 1)


def test_a_saved_network_predicts_and_keeps_training_the_same(tmp_path):
    X, y = classification(3)
    est = MLPClassifier((6,), solver="adam", random_state=0, max_iter=3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(X, y)
    homeml.save(est, tmp_path / "mlp.safetensors")
    loaded = homeml.load(tmp_path / "mlp.safetensors")
    np.testing.assert_array_equal(loaded.predict_proba(X), est.predict_proba(X))
    est.partial_fit(X, y)
    loaded.partial_fit(X, y)
    for a, b in zip(est.coefs_, loaded.coefs_):
        np.testing.assert_array_equal(a, b)
