"""homeml.learn.cluster.SpectralClustering against scikit-learn on the same data."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from homeml.learn.cluster import SpectralClustering
from homeml.learn.cluster._spectral import (
    DENSE_MAX,
    _smallest_eigenvectors,
    cluster_qr,
    discretize,
    spectral_embedding,
)

sklearn = pytest.importorskip("sklearn")
from sklearn import cluster as sc  # noqa: E402
from sklearn import datasets  # noqa: E402
from sklearn.cluster import _spectral as sk_spectral  # noqa: E402
from sklearn.manifold import spectral_embedding as sk_spectral_embedding  # noqa: E402
from sklearn.metrics import adjusted_rand_score, pairwise_distances  # noqa: E402
from sklearn.metrics.pairwise import pairwise_kernels, rbf_kernel  # noqa: E402

ASSIGN = ["kmeans", "discretize", "cluster_qr"]


@pytest.fixture(scope="module")
def moons():
    return datasets.make_moons(400, noise=0.05, random_state=0)


@pytest.fixture(scope="module")
def blobs():
    return datasets.make_blobs(300, n_features=4, centers=4, cluster_std=0.8, random_state=0)


def _fit_both(X, **params):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "not fully connected", in both
        ours = SpectralClustering(random_state=0, **params).fit(X)
        ref = sc.SpectralClustering(random_state=0, **params).fit(X)
    return ours, ref


@pytest.mark.parametrize("assign_labels", ASSIGN)
def test_moons_nearest_neighbors_same_partition_as_sklearn(moons, assign_labels):
    X, y = moons
    ours, ref = _fit_both(
        X, n_clusters=2, affinity="nearest_neighbors", n_neighbors=10, assign_labels=assign_labels
    )
    assert adjusted_rand_score(ours.labels_, ref.labels_) == 1.0
    assert adjusted_rand_score(ours.labels_, y) == 1.0  # the two moons, which k-means misses
    np.testing.assert_array_equal(ours.affinity_matrix_, ref.affinity_matrix_.toarray())


@pytest.mark.parametrize("assign_labels", ASSIGN)
@pytest.mark.parametrize("gamma", [0.1, 1.0])
def test_blobs_rbf_same_partition_as_sklearn(blobs, assign_labels, gamma):
    X, y = blobs
    ours, ref = _fit_both(X, n_clusters=4, gamma=gamma, assign_labels=assign_labels)
    assert adjusted_rand_score(ours.labels_, ref.labels_) == 1.0
    assert adjusted_rand_score(ours.labels_, y) == 1.0
    np.testing.assert_allclose(ours.affinity_matrix_, ref.affinity_matrix_, rtol=1e-12, atol=1e-14)
    if assign_labels != "cluster_qr":
        # the same random numbers reach the same k-means / rotation seeding: same label names
        np.testing.assert_array_equal(ours.labels_, ref.labels_)


def test_precomputed_affinities_match_sklearn(moons, blobs):
    X, y = blobs
    A = rbf_kernel(X, gamma=0.1)
    ours, ref = _fit_both(A, n_clusters=4, affinity="precomputed")
    assert adjusted_rand_score(ours.labels_, ref.labels_) == 1.0
    np.testing.assert_array_equal(
        ours.labels_, SpectralClustering(4, gamma=0.1, random_state=0).fit(X).labels_
    )
    X, y = moons
    D = pairwise_distances(X)
    ours, ref = _fit_both(D, n_clusters=2, affinity="precomputed_nearest_neighbors")
    assert adjusted_rand_score(ours.labels_, ref.labels_) == 1.0
    assert adjusted_rand_score(ours.labels_, y) == 1.0
    np.testing.assert_array_equal(ours.affinity_matrix_, ref.affinity_matrix_.toarray())


@pytest.mark.parametrize(
    "affinity, params",
    [
        ("laplacian", {"gamma": 0.5}),
        ("poly", {"degree": 2, "coef0": 1.0, "gamma": 0.05}),
        ("cosine", {}),
        ("sigmoid", {"gamma": 0.01, "coef0": 1.0}),
    ],
)
def test_other_kernels_build_sklearn_affinity(blobs, affinity, params):
    X = blobs[0] - blobs[0].min(axis=0)  # positive data: cosine affinities are >= 0
    ours, ref = _fit_both(X, n_clusters=4, affinity=affinity, **params)
    np.testing.assert_allclose(ours.affinity_matrix_, ref.affinity_matrix_, rtol=1e-10, atol=1e-12)
    expected = pairwise_kernels(
        X, metric=affinity, filter_params=True, **{"gamma": 1.0, "degree": 3, "coef0": 1, **params}
    )
    np.testing.assert_allclose(ours.affinity_matrix_, expected, rtol=1e-10, atol=1e-12)
    if affinity in ("laplacian", "cosine"):  # similarities that make sense as graph weights
        assert adjusted_rand_score(ours.labels_, ref.labels_) == 1.0


def test_callable_affinity_and_kernel_params(blobs):
    X, y = blobs

    def affinity(x, y, scale=1.0):  # two samples in, one number out (scikit-learn's contract)
        return np.exp(-((x - y) ** 2).sum() / scale)

    X = X[:120]
    ours, ref = _fit_both(X, n_clusters=4, affinity=affinity, kernel_params={"scale": 10.0})
    np.testing.assert_allclose(ours.affinity_matrix_, rbf_kernel(X, gamma=0.1), rtol=1e-12)
    np.testing.assert_allclose(ours.affinity_matrix_, ref.affinity_matrix_, rtol=1e-12)
    assert adjusted_rand_score(ours.labels_, ref.labels_) == 1.0


@pytest.mark.parametrize("n_components", [2, 4, 6])
def test_embedding_and_label_assignment_match_sklearn_functions(blobs, n_components):
    A = rbf_kernel(blobs[0], gamma=0.05)
    ours = spectral_embedding(A, n_components)
    ref = sk_spectral_embedding(A, n_components=n_components, drop_first=False, random_state=0)
    np.testing.assert_allclose(ours, ref, atol=1e-10 * np.abs(ref).max())
    np.testing.assert_array_equal(
        discretize(ours, random_state=3), sk_spectral.discretize(ref.copy(), random_state=3)
    )
    np.testing.assert_array_equal(cluster_qr(ours), sk_spectral.cluster_qr(ref))


def test_large_graphs_use_shift_invert_with_the_same_result():
    """Above DENSE_MAX samples the embedding comes from shift-invert Krylov iteration instead
    of a full eigh: the same vectors as scikit-learn's ARPACK, and as eigh."""
    X, y = datasets.make_blobs(
        DENSE_MAX + 300, n_features=5, centers=5, cluster_std=1.5, random_state=1
    )
    A = rbf_kernel(X, gamma=0.05)
    ours = spectral_embedding(A, 5)
    ref = sk_spectral_embedding(A, n_components=5, drop_first=False, random_state=0)
    np.testing.assert_allclose(ours, ref, atol=1e-8 * np.abs(ref).max())
    ours, ref = _fit_both(X, n_clusters=5, gamma=0.05)
    np.testing.assert_array_equal(ours.labels_, ref.labels_)
    X, y = datasets.make_moons(DENSE_MAX + 300, noise=0.05, random_state=1)
    ours, ref = _fit_both(X, n_clusters=2, affinity="nearest_neighbors", n_neighbors=15)
    assert adjusted_rand_score(ours.labels_, ref.labels_) == 1.0
    assert adjusted_rand_score(ours.labels_, y) == 1.0
    # the smallest eigenpairs of a Laplacian with a clustered spectrum, against eigh
    L = np.eye(len(A)) - A / np.sqrt(np.outer(A.sum(0), A.sum(0)))
    vectors = _smallest_eigenvectors(L, 4, np.sqrt(A.sum(0)))
    exact = np.linalg.eigh(L)[1][:, :4]
    np.testing.assert_allclose(np.abs(vectors.T @ exact), np.eye(4), atol=1e-8)
    # negative affinities (not a positive semi-definite Laplacian): eigh, the smallest ones
    L = np.diag(np.linspace(-1.0, 2.0, DENSE_MAX + 10))
    np.testing.assert_allclose(
        np.abs(_smallest_eigenvectors(L, 2, np.ones(len(L)))), np.eye(len(L))[:, :2]
    )


def test_n_components_warnings_and_verbose(blobs, moons):
    X = blobs[0]
    ours, ref = _fit_both(X, n_clusters=4, n_components=6, gamma=0.1)
    assert adjusted_rand_score(ours.labels_, ref.labels_) == 1.0
    # two far-apart groups with few neighbours: the graph falls apart, as scikit-learn warns
    with pytest.warns(UserWarning, match="not fully connected"):
        SpectralClustering(2, affinity="nearest_neighbors", n_neighbors=3, random_state=0).fit(
            np.vstack([X[:20], X[:20] + 100])
        )
    A = rbf_kernel(X, gamma=0.1)
    A[0, 1] += 0.5  # not symmetric: averaged with its transpose, with scikit-learn's warning
    with pytest.warns(UserWarning, match="not symmetric"):
        ours = SpectralClustering(4, affinity="precomputed", random_state=0).fit(A)
    with pytest.warns(UserWarning, match="not symmetric"):
        ref = sc.SpectralClustering(4, affinity="precomputed", random_state=0).fit(A)
    assert adjusted_rand_score(ours.labels_, ref.labels_) == 1.0
    with pytest.warns(UserWarning, match="affinity=precomputed"):
        SpectralClustering(2, random_state=0).fit(rbf_kernel(X[:50]))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a plain fit on connected data warns about nothing
        SpectralClustering(4, random_state=0, gamma=0.1).fit(X)


@pytest.mark.parametrize(
    "params, X, match",
    [
        ({}, [[0.0, np.nan], [1.0, 2.0], [3.0, 1.0]], "NaN"),
        ({}, np.zeros((1, 3)), "minimum of 2"),
        ({}, np.empty((0, 3)), "0 sample"),
        ({"n_clusters": 0}, np.zeros((5, 2)), "'n_clusters'"),
        (
            {"n_clusters": 30},
            np.random.default_rng(0).normal(size=(10, 2)),
            "n_samples=10 should be",
        ),
        ({"affinity": "foo"}, np.zeros((5, 2)), "'affinity'"),
        ({"assign_labels": "foo"}, np.zeros((5, 2)), "'assign_labels'"),
        ({"eigen_solver": "foo"}, np.zeros((5, 2)), "'eigen_solver'"),
        ({"gamma": -1.0}, np.zeros((5, 2)), "'gamma'"),
        ({"n_init": 0}, np.zeros((5, 2)), "'n_init'"),
        ({"affinity": "precomputed"}, np.zeros((5, 2)), "square"),
        ({"affinity": "nearest_neighbors", "n_neighbors": 50}, np.zeros((5, 2)), "n_neighbors=50"),
    ],
)
def test_bad_input_and_parameters_get_clear_errors(params, X, match):
    with pytest.raises(ValueError, match=match):
        SpectralClustering(**{"n_clusters": 2, **params}).fit(X)
