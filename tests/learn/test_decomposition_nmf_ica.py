"""NMF and FastICA against scikit-learn on the same data."""

import warnings

import numpy as np
import pytest

from homeml.learn.base import ConvergenceWarning
from homeml.learn.decomposition import NMF, FastICA

skd = pytest.importorskip("sklearn.decomposition")

rng = np.random.RandomState(0)
X_POS = np.abs(rng.randn(100, 5)) @ np.abs(rng.randn(5, 20)) + 0.1 * np.abs(rng.randn(100, 20))


def fit_both(kw, **fit):
    ours, ref = NMF(**kw), skd.NMF(**kw)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.simplefilter("ignore", UserWarning)
        return ours, ours.fit_transform(X_POS, **fit), ref, ref.fit_transform(X_POS, **fit)


@pytest.mark.parametrize(
    "solver, beta_loss",
    [
        ("cd", "frobenius"),
        ("mu", "frobenius"),
        ("mu", "kullback-leibler"),
        ("mu", 1.5),
        ("mu", "itakura-saito"),
    ],
)
@pytest.mark.parametrize("init", ["nndsvd", "nndsvda", "nndsvdar", "random"])
def test_nmf_matches_sklearn(solver, beta_loss, init):
    kw = dict(
        n_components=5,
        init=init,
        solver=solver,
        beta_loss=beta_loss,
        random_state=0,
        max_iter=300,
        alpha_W=0.01,
        l1_ratio=0.5,
    )
    ours, W, ref, W_ref = fit_both(kw)
    # same starting point and the same updates: W and H agree far inside "a few percent"
    assert ours.reconstruction_err_ == pytest.approx(ref.reconstruction_err_, rel=1e-6)
    assert ours.n_iter_ == ref.n_iter_
    np.testing.assert_allclose(W, W_ref, atol=1e-6 * W_ref.max())
    np.testing.assert_allclose(ours.components_, ref.components_, atol=1e-6 * W_ref.max())
    if beta_loss == "kullback-leibler":
        return  # scikit-learn's KL transform adds the L1 penalty again at every iteration
    np.testing.assert_allclose(
        ours.transform(X_POS[:10]), ref.transform(X_POS[:10]), atol=1e-6 * W_ref.max()
    )


def test_nmf_kl_transform_without_penalty_and_custom_init():
    kw = dict(
        n_components=4,
        solver="mu",
        beta_loss="kullback-leibler",
        max_iter=200,
        random_state=0,
        init="random",
    )
    ours, _, ref, _ = fit_both(kw)
    np.testing.assert_allclose(ours.transform(X_POS[:10]), ref.transform(X_POS[:10]), atol=1e-6)
    W0, H0 = np.abs(rng.randn(100, 4)), np.abs(rng.randn(4, 20))
    ours, W, ref, W_ref = fit_both(dict(n_components=4, init="custom"), W=W0, H=H0)
    np.testing.assert_allclose(W, W_ref, atol=1e-6)
    np.testing.assert_allclose(ours.inverse_transform(W), W_ref @ ref.components_, atol=1e-5)


def test_nmf_default_and_penalties_reduce_size():
    ours, _, ref, _ = fit_both(dict(n_components=6, random_state=0))
    assert ours.reconstruction_err_ == pytest.approx(ref.reconstruction_err_, rel=0.02)
    assert ours.n_components_ == 6 and ours.components_.min() >= 0
    plain = NMF(5, random_state=0, max_iter=400).fit(X_POS)
    sparse = NMF(5, random_state=0, max_iter=400, alpha_W=0.5, l1_ratio=1.0).fit(X_POS)
    assert (sparse.components_ == 0).sum() > (plain.components_ == 0).sum()
    assert NMF(5, random_state=0).fit(X_POS).get_feature_names_out()[0] == "nmf0"


def test_nmf_bad_input_and_parameters():
    with pytest.raises(ValueError, match="Negative values"):
        NMF(2).fit(-X_POS)
    with pytest.raises(ValueError, match="beta_loss"):
        NMF(2, solver="cd", beta_loss="kullback-leibler").fit(X_POS)
    with pytest.raises(ValueError, match="solver"):
        NMF(2, solver="als").fit(X_POS)
    with pytest.raises(ValueError, match="l1_ratio"):
        NMF(2, l1_ratio=2.0).fit(X_POS)
    with pytest.raises(ValueError, match="wrong shape"):
        NMF(2, init="custom").fit(X_POS, W=np.ones((100, 3)), H=np.ones((2, 20)))
    with pytest.raises(ValueError, match="zeros"):
        NMF(2, solver="mu", beta_loss="itakura-saito").fit(np.vstack([X_POS, 0 * X_POS[:1]]))
    for bad in (np.full((5, 3), np.nan), np.empty((0, 3)), [["a", "b"], ["c", "d"]]):
        with pytest.raises(ValueError):
            NMF(2).fit(bad)
    with pytest.raises(ValueError, match="features"):
        NMF(2, random_state=0).fit(X_POS).transform(X_POS[:, :5])
    with pytest.warns(ConvergenceWarning):
        NMF(5, max_iter=2, random_state=0).fit(X_POS)


def test_nmf_random_state_reproducible():
    a = NMF(4, init="random", random_state=1, max_iter=50, tol=0).fit_transform(X_POS)
    b = NMF(4, init="random", random_state=1, max_iter=50, tol=0).fit_transform(X_POS)
    np.testing.assert_array_equal(a, b)


# ---- FastICA -------------------------------------------------------------------------------

T = np.linspace(0, 8, 2000)
SOURCES = np.c_[np.sin(2 * T), np.sign(np.sin(3 * T)), 2 * ((1.3 * T) % 1) - 1]  # sine/square/saw
MIXING = np.array([[1.0, 1.0, 1.0], [0.5, 2.0, 1.0], [1.5, 1.0, 2.0]])
X_MIX = SOURCES @ MIXING.T + 1.0
W_INIT = np.random.RandomState(1).randn(3, 3)


@pytest.mark.parametrize("algorithm", ["parallel", "deflation"])
@pytest.mark.parametrize("fun", ["logcosh", "exp", "cube"])
def test_fastica_recovers_sources_and_matches_sklearn(algorithm, fun):
    kw = dict(algorithm=algorithm, fun=fun, w_init=W_INIT, max_iter=400)
    ours, ref = FastICA(**kw), skd.FastICA(**kw)
    S, S_ref = ours.fit_transform(X_MIX), ref.fit_transform(X_MIX)
    corr = np.abs(np.corrcoef(S.T, SOURCES.T)[:3, 3:])
    assert sorted(corr.argmax(axis=1)) == [0, 1, 2]  # one estimated source per true source
    assert corr.max(axis=1).min() > 0.99
    np.testing.assert_allclose(S, S_ref, atol=1e-6)
    np.testing.assert_allclose(ours.components_, ref.components_, atol=1e-6)
    np.testing.assert_allclose(ours.mixing_, ref.mixing_, atol=1e-6)
    np.testing.assert_allclose(ours.whitening_, ref.whitening_, atol=1e-6)
    np.testing.assert_allclose(ours.mean_, ref.mean_, atol=1e-12)
    assert ours.n_iter_ == ref.n_iter_
    np.testing.assert_allclose(ours.inverse_transform(ours.transform(X_MIX)), X_MIX, atol=1e-8)


@pytest.mark.parametrize("whiten", ["arbitrary-variance", False])
@pytest.mark.parametrize("solver", ["svd", "eigh"])
def test_fastica_whitening_options(whiten, solver):
    data = (
        X_MIX
        if whiten
        else (X_MIX - X_MIX.mean(0))
        @ FastICA(whiten="unit-variance", w_init=W_INIT).fit(X_MIX).whitening_.T
    )  # already white
    kw = dict(whiten=whiten, w_init=W_INIT, whiten_solver=solver, max_iter=400)
    ours, ref = FastICA(**kw), skd.FastICA(**kw)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        np.testing.assert_allclose(ours.fit_transform(data), ref.fit_transform(data), atol=1e-6)
    np.testing.assert_allclose(ours.mixing_, ref.mixing_, atol=1e-6)
    if whiten is False:
        assert not hasattr(ours, "mean_") and not hasattr(ours, "whitening_")


def test_fastica_n_components_random_state_and_errors():
    a = FastICA(2, random_state=0).fit(X_MIX)
    assert a.components_.shape == (2, 3) and a.mixing_.shape == (3, 2)
    b = FastICA(2, random_state=0).fit(X_MIX)
    np.testing.assert_array_equal(a.components_, b.components_)
    with pytest.raises(ValueError, match="w_init"):
        FastICA(2, w_init=np.eye(3)).fit(X_MIX)
    with pytest.raises(ValueError, match="fun"):
        FastICA(fun="tanh").fit(X_MIX)
    with pytest.raises(ValueError, match="whiten"):
        FastICA(whiten=True).fit(X_MIX)
    with pytest.raises(ValueError, match="alpha"):
        FastICA(fun_args={"alpha": 3}).fit(X_MIX)
    for bad in (
        np.full((5, 3), np.nan),
        np.full((5, 3), np.inf),
        np.empty((0, 3)),
        [["a", "b"], ["c", "d"]],
    ):
        with pytest.raises(ValueError):
            FastICA().fit(bad)
    with pytest.raises(ValueError, match="features"):
        a.transform(X_MIX[:, :2])
    with pytest.warns(ConvergenceWarning):
        FastICA(random_state=0, max_iter=1, tol=1e-12).fit(X_MIX)
