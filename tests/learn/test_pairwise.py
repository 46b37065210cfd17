"""homeml.learn.metrics.pairwise against sklearn.metrics.pairwise on the same inputs."""

import numpy as np
import pytest

from homeml.learn.metrics import pairwise

sk_pairwise = pytest.importorskip("sklearn.metrics.pairwise")

rng = np.random.default_rng(0)
X = rng.normal(size=(30, 5))
Y = rng.normal(size=(20, 5))
X[3] = 0.0  # a zero row (cosine)


@pytest.mark.parametrize(
    "metric",
    ["euclidean", "sqeuclidean", "manhattan", "cityblock", "l1", "l2", "cosine", "chebyshev"],
)
@pytest.mark.parametrize("other", [None, Y])
def test_pairwise_distances_match_sklearn(metric, other):
    ours = pairwise.pairwise_distances(X, other, metric=metric)
    theirs = sk_pairwise.pairwise_distances(X, other, metric=metric)
    np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12)
    if other is None:
        assert np.all(np.diag(ours) == 0.0)


@pytest.mark.parametrize("p", [1, 1.5, 2, 3])
def test_minkowski_matches_sklearn(p):
    np.testing.assert_allclose(
        pairwise.pairwise_distances(X, Y, metric="minkowski", p=p),
        sk_pairwise.pairwise_distances(X, Y, metric="minkowski", p=p),
        rtol=1e-10,
    )


def test_euclidean_distances_is_bit_identical_to_sklearn():
    for squared in (False, True):
        for other in (None, Y):
            ours = pairwise.euclidean_distances(X, other, squared=squared)
            theirs = sk_pairwise.euclidean_distances(X, other, squared=squared)
            np.testing.assert_array_equal(ours, theirs)
    norms = (X**2).sum(axis=1)
    np.testing.assert_array_equal(
        pairwise.euclidean_distances(Y, X, Y_norm_squared=norms),
        sk_pairwise.euclidean_distances(Y, X, Y_norm_squared=norms),
    )


@pytest.mark.parametrize(
    "name, params",
    [
        ("linear", {}),
        ("poly", {"degree": 2, "gamma": 0.3, "coef0": 0.5}),
        ("polynomial", {}),
        ("rbf", {"gamma": 0.2}),
        ("rbf", {}),
        ("sigmoid", {"gamma": 0.1, "coef0": 0.2}),
        ("laplacian", {"gamma": 0.5}),
        ("cosine", {}),
    ],
)
@pytest.mark.parametrize("other", [None, Y])
def test_pairwise_kernels_match_sklearn(name, params, other):
    ours = pairwise.pairwise_kernels(X, other, metric=name, **params)
    theirs = sk_pairwise.pairwise_kernels(X, other, metric=name, **params)
    np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize(
    "function",
    [
        "linear_kernel",
        "polynomial_kernel",
        "rbf_kernel",
        "sigmoid_kernel",
        "laplacian_kernel",
        "cosine_similarity",
        "cosine_distances",
        "manhattan_distances",
    ],
)
def test_named_functions_match_sklearn(function):
    np.testing.assert_allclose(
        getattr(pairwise, function)(X, Y),
        getattr(sk_pairwise, function)(X, Y),
        rtol=1e-10,
        atol=1e-12,
    )


def test_filter_params_and_callables():
    K = pairwise.pairwise_kernels(X, Y, metric="linear", filter_params=True, gamma=3.0)
    np.testing.assert_allclose(K, X @ Y.T)

    def dot(a, b, scale=1.0):
        return scale * float(a @ b)

    np.testing.assert_allclose(
        pairwise.pairwise_kernels(X, metric=dot, scale=2.0),
        sk_pairwise.pairwise_kernels(X, metric=dot, scale=2.0),
    )
    np.testing.assert_allclose(
        pairwise.pairwise_distances(X, Y, metric=dot),
        sk_pairwise.pairwise_distances(X, Y, metric=dot),
    )


def test_precomputed_and_errors():
    D = pairwise.euclidean_distances(X)
    np.testing.assert_array_equal(pairwise.pairwise_distances(D, metric="precomputed"), D)
    with pytest.raises(ValueError, match="Precomputed metric requires shape"):
        pairwise.pairwise_distances(D[:, :5], metric="precomputed")
    np.testing.assert_array_equal(pairwise.pairwise_kernels(D, metric="precomputed"), D)
    with pytest.raises(ValueError, match="Unknown metric 'nope'"):
        pairwise.pairwise_distances(X, metric="nope")
    with pytest.raises(ValueError, match="Unknown kernel 'nope'"):
        pairwise.pairwise_kernels(X, metric="nope")
    with pytest.raises(ValueError, match="Incompatible dimension"):
        pairwise.euclidean_distances(X, Y[:, :3])
    with pytest.raises(ValueError, match="non-negative"):
        pairwise.pairwise_distances(-D, metric="precomputed")


def test_exported_like_sklearn():
    import homeml.learn.metrics as metrics

    for name in ("pairwise_distances", "pairwise_kernels", "euclidean_distances"):
        assert getattr(metrics, name) is getattr(pairwise, name)
