"""EmpiricalCovariance and MinCovDet against scikit-learn, and the chi2 quantiles they use."""

import numpy as np
import pytest
from scipy import stats
from sklearn import covariance as sk_cov

from homeml.learn import EmpiricalCovariance, MinCovDet
from homeml.learn.covariance._chi2 import chi2_cdf, chi2_quantile
from homeml.learn.covariance._robust import consistency_factor, fast_mcd


def _gaussian(n, d=4, seed=0):
    rng = np.random.RandomState(seed)
    A = rng.randn(d, d)
    return rng.multivariate_normal(np.arange(d, dtype=float), A @ A.T + np.eye(d), size=n)


def _contaminated(n=400, d=3, share=0.2, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.randn(n, d)
    n_out = int(share * n)
    X[:n_out] = rng.uniform(6, 10, (n_out, d))
    return X, np.r_[np.ones(n_out), np.zeros(n - n_out)]


@pytest.mark.parametrize("df", [1, 2, 3, 7, 40])
def test_chi2_quantiles_match_scipy(df):
    for q in (0.001, 0.025, 0.5, 0.975, 0.999):
        assert chi2_quantile(q, df) == pytest.approx(stats.chi2.ppf(q, df), rel=1e-12)
    for x in (0.01, 1.0, 5.0, 50.0):
        assert chi2_cdf(x, df) == pytest.approx(stats.chi2.cdf(x, df), rel=1e-12, abs=1e-300)
    with pytest.raises(ValueError, match="q must"):
        chi2_quantile(1.0, df)


@pytest.mark.parametrize("assume_centered", [False, True])
def test_empirical_covariance_matches_scikit_learn(assume_centered):
    X, Q = _gaussian(300), _gaussian(50, seed=1)
    ours = EmpiricalCovariance(assume_centered=assume_centered).fit(X)
    ref = sk_cov.EmpiricalCovariance(assume_centered=assume_centered).fit(X)
    for name in ("location_", "covariance_", "precision_"):
        np.testing.assert_allclose(getattr(ours, name), getattr(ref, name), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(ours.mahalanobis(Q), ref.mahalanobis(Q), rtol=1e-10)
    assert ours.score(Q) == pytest.approx(ref.score(Q), rel=1e-12)
    other = np.cov(Q.T)
    for norm in ("frobenius", "spectral"):
        for scaling in (True, False):
            for squared in (True, False):
                kw = dict(norm=norm, scaling=scaling, squared=squared)
                assert ours.error_norm(other, **kw) == pytest.approx(
                    ref.error_norm(other, **kw), rel=1e-10
                )
    no_precision = EmpiricalCovariance(store_precision=False).fit(X)
    assert no_precision.precision_ is None
    inverse = np.linalg.inv(no_precision.covariance_)
    np.testing.assert_allclose(no_precision.get_precision(), inverse)


@pytest.mark.parametrize("n", [200, 2000])
def test_min_cov_det_on_clean_gaussian_data_is_close_to_scikit_learn(n):
    X = _gaussian(n)
    ours = MinCovDet(random_state=0).fit(X)
    ref = sk_cov.MinCovDet(random_state=0).fit(X)
    scale = np.abs(ref.covariance_).max()
    np.testing.assert_allclose(ours.location_, ref.location_, atol=0.05)
    np.testing.assert_allclose(ours.covariance_, ref.covariance_, atol=0.02 * scale)
    assert np.mean(ours.support_ == ref.support_) > 0.99
    # both are consistent estimators of the true covariance
    emp = np.cov(X.T, bias=True)
    assert np.abs(ours.covariance_ - emp).max() < 0.15 * np.abs(emp).max()
    assert ours.raw_support_.sum() == int(np.ceil(0.5 * (n + X.shape[1] + 1)))


def test_min_cov_det_ignores_outliers_like_scikit_learn():
    X, is_out = _contaminated(share=0.3)
    ours = MinCovDet(random_state=0).fit(X)
    ref = sk_cov.MinCovDet(random_state=0).fit(X)
    np.testing.assert_allclose(ours.location_, ref.location_, atol=1e-8)
    np.testing.assert_allclose(ours.covariance_, ref.covariance_, atol=1e-8)
    assert not ours.support_[is_out == 1].any()  # no outlier in the reweighted support
    assert np.abs(ours.location_).max() < 0.2  # the plain mean is pulled to about 2.4
    np.testing.assert_allclose(ours.dist_, ours.mahalanobis(X), rtol=1e-10)


def test_univariate_mcd_is_the_smallest_variance_half():
    rng = np.random.RandomState(0)
    x = np.r_[rng.randn(270), rng.uniform(8, 12, 30)]
    ours = MinCovDet().fit(x[:, None])
    ref = sk_cov.MinCovDet().fit(x[:, None])
    assert ours.location_[0] == pytest.approx(ref.location_[0], abs=0.05)
    assert ours.covariance_[0, 0] == pytest.approx(ref.covariance_[0, 0], rel=0.1)
    h = ours.raw_support_.sum()
    sorted_x = np.sort(x)
    best = min(np.var(sorted_x[i : i + h]) for i in range(len(x) - h + 1))
    assert np.var(x[ours.raw_support_]) == pytest.approx(best)


def test_fast_mcd_c_steps_never_lose_to_the_empirical_start():
    X, _ = _contaminated(n=1500, share=0.25, seed=2)  # > 600 samples: subsets, then merged
    location, covariance, support, dist = fast_mcd(X, random_state=0)
    h = support.sum()
    # the support is the h closest samples to its own fit, and its determinant is small
    assert set(np.argsort(dist)[:h]) == set(np.flatnonzero(support))
    assert np.linalg.det(covariance) < np.linalg.det(np.cov(X[:h].T, bias=True))
    assert np.abs(location).max() < 0.3


def test_consistency_factor_makes_the_trimmed_covariance_unbiased():
    X = np.random.RandomState(0).randn(200_000, 2)
    d = (X**2).sum(axis=1)
    inner = d < np.quantile(d, 0.6)
    trimmed = np.cov(X[inner].T, bias=True)
    np.testing.assert_allclose(trimmed * consistency_factor(2, 0.6), np.eye(2), atol=0.02)


def test_random_state_reproducible_and_support_fraction():
    X, _ = _contaminated(n=300)
    a = MinCovDet(random_state=5).fit(X)
    b = MinCovDet(random_state=5).fit(X)
    np.testing.assert_array_equal(a.covariance_, b.covariance_)
    c = MinCovDet(support_fraction=0.9, random_state=0).fit(X)
    assert c.raw_support_.sum() == 270


@pytest.mark.parametrize("fraction", [0.0, 1.5, "half"])
def test_invalid_support_fraction(fraction):
    with pytest.raises(ValueError, match="support_fraction"):
        MinCovDet(support_fraction=fraction).fit(_gaussian(50))


@pytest.mark.parametrize("Estimator", [EmpiricalCovariance, MinCovDet])
def test_bad_input(Estimator):
    est = Estimator()
    with pytest.raises(ValueError, match="NaN"):
        est.fit(np.array([[1.0, np.nan], [2.0, 3.0], [0.0, 1.0]]))
    with pytest.raises(ValueError, match="infinity"):
        est.fit(np.array([[1.0, np.inf], [2.0, 3.0], [0.0, 1.0]]))
    with pytest.raises(ValueError, match="0 sample"):
        est.fit(np.empty((0, 2)))
    with pytest.raises(ValueError):
        est.fit([["a", "b"], ["c", "d"]])
    est.fit(_gaussian(60))
    with pytest.raises(ValueError, match="4 features"):
        est.mahalanobis(np.zeros((3, 2)))


def test_all_equal_support_raises():
    X = np.r_[np.zeros((80, 2)), np.random.RandomState(0).randn(20, 2)]
    with pytest.warns(RuntimeWarning, match="singular"):
        with pytest.raises(ValueError, match="equal to 0"):
            MinCovDet(random_state=0).fit(X)
