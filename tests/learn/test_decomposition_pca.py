"""PCA, IncrementalPCA, TruncatedSVD and KernelPCA against scikit-learn on the same data."""

import numpy as np
import pytest

from homeml.learn.decomposition import PCA, IncrementalPCA, KernelPCA, TruncatedSVD

skd = pytest.importorskip("sklearn.decomposition")

rng = np.random.RandomState(0)
X = rng.randn(300, 20) @ rng.randn(20, 20) + 3.0  # correlated features, non-zero mean
X_TEST = rng.randn(40, 20) @ rng.randn(20, 20)
X_WIDE = rng.randn(40, 120)  # n_features > n_samples


def assert_same_pca(a, b, atol=1e-6):
    assert a.n_components_ == b.n_components_
    np.testing.assert_allclose(a.components_, b.components_, atol=atol)
    np.testing.assert_allclose(a.singular_values_, b.singular_values_, rtol=1e-6)
    np.testing.assert_allclose(a.explained_variance_, b.explained_variance_, rtol=1e-6)
    np.testing.assert_allclose(a.explained_variance_ratio_, b.explained_variance_ratio_, rtol=1e-6)
    np.testing.assert_allclose(a.mean_, b.mean_, atol=1e-10)
    np.testing.assert_allclose(a.noise_variance_, b.noise_variance_, rtol=1e-6, atol=1e-12)


@pytest.mark.parametrize("solver", ["full", "covariance_eigh", "arpack"])
@pytest.mark.parametrize("n_components", [5, 0.8, "mle", None])
def test_pca_exact_solvers_match_sklearn(solver, n_components):
    if solver == "arpack" and not isinstance(n_components, int):
        n_components = 7
    kw = dict(n_components=n_components, svd_solver=solver)
    ours, ref = PCA(**kw), skd.PCA(**kw)
    np.testing.assert_allclose(ours.fit_transform(X), ref.fit_transform(X), atol=1e-6)
    assert_same_pca(ours, ref)
    np.testing.assert_allclose(ours.transform(X_TEST), ref.transform(X_TEST), atol=1e-6)
    np.testing.assert_allclose(ours.get_covariance(), ref.get_covariance(), atol=1e-6)
    np.testing.assert_allclose(ours.get_precision(), ref.get_precision(), atol=1e-6)
    np.testing.assert_allclose(ours.score_samples(X_TEST), ref.score_samples(X_TEST), rtol=1e-6)
    assert ours.score(X_TEST) == pytest.approx(ref.score(X_TEST), rel=1e-6)


def test_pca_randomized_matches_exact_answer():
    # the random draws are the same Gaussian test matrix, but scikit-learn normalises power
    # iterations by LU and homeml by QR: compare both with the exact SVD, tightly
    ours = PCA(5, svd_solver="randomized", random_state=0).fit(X)
    exact = skd.PCA(5, svd_solver="full").fit(X)
    assert_same_pca(ours, exact, atol=1e-6)
    ref = skd.PCA(5, svd_solver="randomized", random_state=0).fit(X)
    assert_same_pca(ours, ref, atol=1e-6)


def test_pca_auto_policy_and_wide_data():
    assert PCA(5).fit(X)._fit_svd_solver == "covariance_eigh"
    big = rng.randn(600, 100)
    assert PCA(5).fit(np.hstack([big] * 7))._fit_svd_solver == "randomized"  # 600 x 700
    assert PCA(0.5).fit(np.hstack([big] * 7))._fit_svd_solver == "full"
    for n in (10, None):
        ours, ref = PCA(n).fit(X_WIDE), skd.PCA(n).fit(X_WIDE)
        assert_same_pca(ours, ref)


def test_pca_whiten_and_inverse_transform():
    ours, ref = PCA(6, whiten=True).fit(X), skd.PCA(6, whiten=True).fit(X)
    Z = ours.transform(X)
    np.testing.assert_allclose(Z, ref.transform(X), atol=1e-8)
    np.testing.assert_allclose(Z.std(axis=0, ddof=1), 1.0, rtol=1e-8)
    np.testing.assert_allclose(ours.inverse_transform(Z), ref.inverse_transform(Z), atol=1e-8)
    np.testing.assert_allclose(ours.get_precision(), ref.get_precision(), atol=1e-8)
    full = PCA().fit(X)  # every component kept: the round trip is exact
    np.testing.assert_allclose(full.inverse_transform(full.transform(X)), X, atol=1e-8)


def test_pca_copy_false_and_float32():
    X32 = X.astype(np.float32)
    assert PCA(3).fit_transform(X32).dtype == np.float32
    Xc = X.copy()
    Z = PCA(3, svd_solver="full", copy=False).fit_transform(Xc)
    np.testing.assert_allclose(Z, skd.PCA(3, svd_solver="full").fit_transform(X), atol=1e-8)
    assert list(PCA(2).fit(X).get_feature_names_out()) == ["pca0", "pca1"]


@pytest.mark.parametrize(
    "bad, message",
    [
        (dict(n_components=1.5), "n_components"),
        (dict(n_components=-1), "n_components"),
        (dict(svd_solver="lapack"), "svd_solver"),
        (dict(n_components=30), "between 0 and"),
        (dict(n_components="mle", svd_solver="randomized"), "cannot be a string"),
        (dict(n_components=20, svd_solver="arpack"), "strictly less"),
        (dict(power_iteration_normalizer="Cholesky"), "power_iteration_normalizer"),
    ],
)
def test_pca_bad_parameters(bad, message):
    with pytest.raises(ValueError, match=message):
        PCA(**bad).fit(X)


@pytest.mark.parametrize("Estimator", [PCA, IncrementalPCA, TruncatedSVD, KernelPCA])
def test_bad_input(Estimator):
    for bad in (
        np.full((5, 3), np.nan),
        np.full((5, 3), np.inf),
        np.empty((0, 3)),
        [["a", "b"], ["c", "d"]],
    ):
        with pytest.raises(ValueError):
            Estimator().fit(bad)
    est = Estimator().fit(X[:50, :5])
    with pytest.raises(ValueError, match="features"):
        est.transform(X[:5, :4])


def test_randomized_reproducible():
    a = PCA(4, svd_solver="randomized", random_state=3).fit_transform(X_WIDE)
    b = PCA(4, svd_solver="randomized", random_state=3).fit_transform(X_WIDE)
    np.testing.assert_array_equal(a, b)
    a = TruncatedSVD(4, random_state=3).fit_transform(X_WIDE)
    np.testing.assert_array_equal(a, TruncatedSVD(4, random_state=3).fit_transform(X_WIDE))


@pytest.mark.parametrize("batch_size, n_components", [(None, None), (25, 3), (40, 5)])
def test_incremental_pca_matches_sklearn(batch_size, n_components):
    ours = IncrementalPCA(n_components, batch_size=batch_size).fit(X)
    ref = skd.IncrementalPCA(n_components, batch_size=batch_size).fit(X)
    assert_same_pca(ours, ref)
    np.testing.assert_allclose(ours.var_, ref.var_, rtol=1e-10)
    assert ours.n_samples_seen_ == ref.n_samples_seen_ == len(X)
    np.testing.assert_allclose(ours.transform(X_TEST), ref.transform(X_TEST), atol=1e-6)


def test_incremental_pca_partial_fit_and_whiten():
    ours, ref = IncrementalPCA(4, whiten=True), skd.IncrementalPCA(4, whiten=True)
    for rows in (slice(0, 100), slice(100, 170), slice(170, 300)):
        ours.partial_fit(X[rows])
        ref.partial_fit(X[rows])
    assert_same_pca(ours, ref)
    np.testing.assert_allclose(ours.transform(X_TEST), ref.transform(X_TEST), atol=1e-6)
    # close to batch PCA on all the data
    exact = PCA(4).fit(X)
    np.testing.assert_allclose(np.abs(ours.components_), np.abs(exact.components_), atol=0.05)
    with pytest.raises(ValueError, match="less or equal"):
        IncrementalPCA(10).partial_fit(X[:5])


@pytest.mark.parametrize("algorithm", ["randomized", "arpack"])
def test_truncated_svd_matches_sklearn(algorithm):
    Xp = np.abs(X_WIDE)  # uncentred, like term counts
    ours = TruncatedSVD(5, algorithm=algorithm, random_state=0)
    ref = skd.TruncatedSVD(5, algorithm=algorithm, random_state=0)
    np.testing.assert_allclose(ours.fit_transform(Xp), ref.fit_transform(Xp), atol=1e-6)
    np.testing.assert_allclose(ours.components_, ref.components_, atol=1e-6)
    np.testing.assert_allclose(ours.singular_values_, ref.singular_values_, rtol=1e-6)
    np.testing.assert_allclose(ours.explained_variance_, ref.explained_variance_, rtol=1e-6)
    np.testing.assert_allclose(
        ours.explained_variance_ratio_, ref.explained_variance_ratio_, rtol=1e-6
    )
    np.testing.assert_allclose(
        ours.inverse_transform(ours.transform(Xp[:3])),
        ref.inverse_transform(ref.transform(Xp[:3])),
        atol=1e-6,
    )
    with pytest.raises(ValueError, match="n_components"):
        TruncatedSVD(0).fit(Xp)


@pytest.mark.parametrize("kernel", ["linear", "poly", "rbf", "sigmoid", "cosine"])
@pytest.mark.parametrize("solver", ["dense", "randomized", "arpack"])
def test_kernel_pca_matches_sklearn(kernel, solver):
    Xs = X[:120, :6] / 10
    kw = dict(
        n_components=3,
        kernel=kernel,
        eigen_solver=solver,
        random_state=0,
        gamma={"rbf": 0.5, "sigmoid": 0.01}.get(kernel),
        fit_inverse_transform=kernel != "sigmoid",
        alpha=0.1,
    )  # sigmoid's Gram is singular
    ours, ref = KernelPCA(**kw), skd.KernelPCA(**kw)
    np.testing.assert_allclose(ours.fit_transform(Xs), ref.fit_transform(Xs), atol=1e-6)
    np.testing.assert_allclose(ours.eigenvalues_, ref.eigenvalues_, rtol=1e-6)
    np.testing.assert_allclose(ours.eigenvectors_, ref.eigenvectors_, atol=1e-6)
    Z = ours.transform(X_TEST[:, :6] / 10)
    np.testing.assert_allclose(Z, ref.transform(X_TEST[:, :6] / 10), atol=1e-6)
    if kernel != "sigmoid":
        np.testing.assert_allclose(ours.inverse_transform(Z), ref.inverse_transform(Z), atol=1e-5)


def test_kernel_pca_precomputed_and_zero_eigenvalues():
    K, K_test = X @ X.T, X_TEST @ X.T
    ours, ref = KernelPCA(4, kernel="precomputed").fit(K), skd.KernelPCA(4, kernel="precomputed")
    np.testing.assert_allclose(ours.transform(K_test), ref.fit(K).transform(K_test), atol=1e-6)
    # a linear kernel on 20 features has rank <= 20: n_components=None drops the zero ones
    ours, ref = KernelPCA().fit(X), skd.KernelPCA().fit(X)
    assert ours.eigenvalues_.shape == ref.eigenvalues_.shape == (20,)
    assert KernelPCA(50, remove_zero_eig=True).fit(X).eigenvalues_.shape == (20,)
    assert KernelPCA(50).fit(X).eigenvalues_.shape == (50,)
    with pytest.raises(ValueError, match="precomputed"):
        KernelPCA(kernel="precomputed", fit_inverse_transform=True).fit(K)
    with pytest.raises(ValueError, match="kernel"):
        KernelPCA(kernel="laplacian").fit(X)
    with pytest.raises(Exception, match="fit_inverse_transform"):
        KernelPCA().fit(X).inverse_transform(X[:2, :2])
