"""GaussianMixture against scikit-learn: same initial parameters give the same fit, and each
library's own initialisation reaches the same average log-likelihood (within 0.5%)."""

import numpy as np
import pytest
from sklearn import mixture as sk_mixture
from sklearn.datasets import load_iris, make_blobs

from homeml.learn import ConvergenceWarning, GaussianMixture

COVARIANCE_TYPES = ["full", "tied", "diag", "spherical"]


@pytest.fixture(scope="module")
def blobs():
    X, _ = make_blobs(
        500, n_features=3, centers=4, cluster_std=[1.0, 2.0, 0.5, 1.5], random_state=0
    )
    return X


def _initial_parameters(X, k, covariance_type, seed=1):
    rng = np.random.RandomState(seed)
    d = X.shape[1]
    precisions = {
        "full": np.stack([np.eye(d) * (i + 1) for i in range(k)]),
        "tied": np.eye(d) * 0.5,
        "diag": rng.uniform(0.5, 2.0, (k, d)),
        "spherical": rng.uniform(0.5, 2.0, k),
    }[covariance_type]
    weights = rng.uniform(1, 2, k)
    return dict(
        weights_init=weights / weights.sum(),
        precisions_init=precisions,
        means_init=X[rng.choice(len(X), k, replace=False)],
    )


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_same_initial_parameters_give_scikit_learns_fit(blobs, covariance_type):
    params = dict(
        n_components=4,
        covariance_type=covariance_type,
        tol=1e-8,
        max_iter=300,
        **_initial_parameters(blobs, 4, covariance_type),
    )
    ours = GaussianMixture(init_params="random", **params).fit(blobs)
    ref = sk_mixture.GaussianMixture(init_params="random", **params).fit(blobs)
    assert ours.converged_ and ours.n_iter_ == ref.n_iter_
    for name in ("weights_", "means_", "covariances_", "precisions_", "precisions_cholesky_"):
        np.testing.assert_allclose(
            getattr(ours, name), getattr(ref, name), rtol=1e-7, atol=1e-9, err_msg=name
        )
    np.testing.assert_allclose(ours.lower_bound_, ref.lower_bound_, rtol=1e-10)
    np.testing.assert_allclose(ours.lower_bounds_, ref.lower_bounds_, rtol=1e-10)
    Q = blobs[::7] + 0.3
    np.testing.assert_allclose(ours.score_samples(Q), ref.score_samples(Q), rtol=1e-9)
    np.testing.assert_allclose(ours.predict_proba(Q), ref.predict_proba(Q), atol=1e-9)
    np.testing.assert_array_equal(ours.predict(Q), ref.predict(Q))
    np.testing.assert_allclose(ours.bic(Q), ref.bic(Q), rtol=1e-9)
    np.testing.assert_allclose(ours.aic(Q), ref.aic(Q), rtol=1e-9)


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
@pytest.mark.parametrize("init_params", ["kmeans", "k-means++", "random", "random_from_data"])
def test_own_initialisation_reaches_scikit_learns_log_likelihood(covariance_type, init_params):
    X = load_iris().data
    kwargs = dict(
        n_components=3,
        covariance_type=covariance_type,
        init_params=init_params,
        n_init=3,
        random_state=0,
    )
    ours = GaussianMixture(**kwargs).fit(X).score(X)
    ref = sk_mixture.GaussianMixture(**kwargs).fit(X).score(X)
    assert abs(ours - ref) <= 0.005 * abs(ref), (ours, ref)


def test_default_init_on_blobs_matches(blobs):
    ours = GaussianMixture(4, random_state=0).fit(blobs)
    ref = sk_mixture.GaussianMixture(4, random_state=0).fit(blobs)
    assert abs(ours.score(blobs) - ref.score(blobs)) <= 0.005 * abs(ref.score(blobs))
    assert ours.converged_


def test_fit_predict_equals_predict_and_probabilities_sum_to_one(blobs):
    gm = GaussianMixture(4, init_params="k-means++", max_iter=3, random_state=0)
    with pytest.warns(ConvergenceWarning):
        labels = gm.fit_predict(blobs)
    np.testing.assert_array_equal(labels, gm.predict(blobs))
    np.testing.assert_allclose(gm.predict_proba(blobs).sum(axis=1), 1.0)
    assert gm.score(blobs) == pytest.approx(gm.score_samples(blobs).mean())


def test_random_state_reproducible_and_n_init_keeps_the_best(blobs):
    one = GaussianMixture(4, init_params="random", random_state=3, max_iter=20, tol=0)
    two = GaussianMixture(4, init_params="random", random_state=3, max_iter=20, tol=0)
    with pytest.warns(ConvergenceWarning):
        one.fit(blobs), two.fit(blobs)
    np.testing.assert_array_equal(one.means_, two.means_)
    five = GaussianMixture(4, init_params="random", random_state=3, max_iter=20, tol=0, n_init=5)
    with pytest.warns(ConvergenceWarning):
        five.fit(blobs)
    assert five.lower_bound_ >= one.lower_bound_  # the first of the five is `one`


def test_warm_start_continues_from_previous_fit(blobs):
    gm = GaussianMixture(4, init_params="k-means++", random_state=0, warm_start=True, max_iter=2)
    with pytest.warns(ConvergenceWarning):
        gm.fit(blobs)
    first = gm.lower_bound_
    gm.set_params(max_iter=200)
    gm.fit(blobs)
    cold = GaussianMixture(4, init_params="k-means++", random_state=0).fit(blobs)
    assert gm.converged_ and gm.lower_bound_ >= first
    assert gm.lower_bound_ == pytest.approx(cold.lower_bound_, rel=1e-3)


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_sample_draws_from_the_fitted_mixture(blobs, covariance_type):
    gm = GaussianMixture(4, covariance_type=covariance_type, random_state=0).fit(blobs)
    X, y = gm.sample(20_000)
    assert X.shape == (20_000, 3) and y.shape == (20_000,)
    np.testing.assert_allclose(np.bincount(y, minlength=4) / 20_000, gm.weights_, atol=0.02)
    for k in range(4):
        np.testing.assert_allclose(X[y == k].mean(axis=0), gm.means_[k], atol=0.15)
    np.testing.assert_array_equal(gm.sample(5)[0], gm.sample(5)[0])  # random_state fixed
    with pytest.raises(ValueError, match="n_samples"):
        gm.sample(0)


def test_bic_selects_the_true_number_of_components(blobs):
    bics = [GaussianMixture(k, random_state=0).fit(blobs).bic(blobs) for k in range(1, 7)]
    assert int(np.argmin(bics)) + 1 == 4


def test_collapsed_component_raises_a_clear_error():
    X = np.vstack([np.zeros((10, 2)), np.ones((10, 2))])
    with pytest.raises(ValueError, match="ill-defined empirical covariance"):
        GaussianMixture(2, reg_covar=0, init_params="k-means++", random_state=0).fit(X)


@pytest.mark.parametrize(
    "params, message",
    [
        (dict(n_components=0), "n_components"),
        (dict(covariance_type="banana"), "covariance_type"),
        (dict(init_params="banana"), "init_params"),
        (dict(tol=-1.0), "tol"),
        (dict(reg_covar=-1.0), "reg_covar"),
        (dict(max_iter=-1), "max_iter"),
        (dict(n_init=0), "n_init"),
        (dict(n_components=2, weights_init=[0.5, 0.2]), "sum to 1"),
        (dict(n_components=2, weights_init=[1.0]), "weights_init must have shape"),
        (dict(n_components=2, means_init=np.zeros((3, 3))), "means_init must have shape"),
        (dict(n_components=1, precisions_init=-np.eye(3)[None]), "positive-definite"),
        (
            dict(n_components=1, covariance_type="diag", precisions_init=np.zeros((1, 3))),
            "positive",
        ),
        (dict(n_components=1000), "n_samples >= n_components"),
    ],
)
def test_invalid_parameters_raise_in_fit(blobs, params, message):
    with pytest.raises(ValueError, match=message):
        GaussianMixture(**params).fit(blobs)


def test_bad_input(blobs):
    gm = GaussianMixture(2, random_state=0)
    for bad in (np.array([[1.0, np.nan], [2.0, 3.0]]), np.array([[1.0, np.inf], [2.0, 3.0]])):
        with pytest.raises(ValueError, match="NaN|infinity"):
            gm.fit(bad)
    with pytest.raises(ValueError, match="0 sample"):
        gm.fit(np.empty((0, 3)))
    with pytest.raises(ValueError):
        gm.fit([["a", "b"], ["c", "d"]])
    gm.fit(blobs)
    with pytest.raises(ValueError, match="3 features"):
        gm.predict(blobs[:, :2])
    with pytest.raises(ValueError, match="NaN"):
        gm.score_samples(np.full((2, 3), np.nan))


def test_verbose_prints_progress(blobs, capsys):
    GaussianMixture(2, random_state=0, verbose=2, verbose_interval=1).fit(blobs)
    out = capsys.readouterr().out
    assert "Initialization 0" in out and "Iteration 1" in out
