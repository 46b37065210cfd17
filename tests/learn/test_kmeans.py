"""homeml.learn.cluster KMeans, MiniBatchKMeans and kmeans_plusplus against scikit-learn."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from homeml.learn.cluster import KMeans, MiniBatchKMeans
from homeml.learn.cluster._kmeans import kmeans_plusplus
from homeml.learn.exceptions import ConvergenceWarning, NotFittedError

sklearn = pytest.importorskip("sklearn")
from sklearn import cluster as sc  # noqa: E402
from sklearn import datasets  # noqa: E402


@pytest.fixture(scope="module")
def iris():
    return datasets.load_iris().data


@pytest.fixture(scope="module")
def digits():
    return datasets.load_digits().data


@pytest.fixture(scope="module")
def blobs():
    return datasets.make_blobs(3000, n_features=6, centers=8, cluster_std=1.5, random_state=0)[0]


def _jittered_rows(X, k, seed):
    """k rows of X moved a little: digits are integers, and a sample exactly halfway between
    two starting centres would be labelled by rounding, differently by each library."""
    rng = np.random.default_rng(seed)
    return X[rng.choice(len(X), k, replace=False)] + rng.normal(scale=1e-3, size=(k, X.shape[1]))


def _same_fit(ours, ref, rtol=1e-6):
    assert ours.inertia_ == pytest.approx(ref.inertia_, rel=rtol)
    np.testing.assert_array_equal(ours.labels_, ref.labels_)
    np.testing.assert_allclose(ours.cluster_centers_, ref.cluster_centers_, rtol=1e-7, atol=1e-9)
    assert ours.n_iter_ == ref.n_iter_


# ---------------------------------------------------------------------------------------------
# KMeans
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("algorithm", ["lloyd", "elkan"])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("data, k", [("iris", 3), ("digits", 10)])
def test_same_initial_centres_reach_sklearn_fit(request, data, k, algorithm, weighted):
    X = request.getfixturevalue(data)
    init = _jittered_rows(X, k, seed=k)
    w = np.random.default_rng(1).uniform(0.2, 3.0, len(X)) if weighted else None
    ours = KMeans(k, init=init, n_init=1, algorithm=algorithm).fit(X, sample_weight=w)
    ref = sc.KMeans(k, init=init, n_init=1, algorithm=algorithm).fit(X, sample_weight=w)
    _same_fit(ours, ref)


@pytest.mark.parametrize("tol, max_iter", [(0.0, 300), (1e-2, 300), (0.5, 300), (1e-4, 2)])
def test_stopping_rules_match_sklearn(blobs, tol, max_iter):
    init = _jittered_rows(blobs, 8, seed=3)
    for algorithm in ("lloyd", "elkan"):
        ours = KMeans(8, init=init, n_init=1, tol=tol, max_iter=max_iter, algorithm=algorithm)
        ref = sc.KMeans(8, init=init, n_init=1, tol=tol, max_iter=max_iter, algorithm=algorithm)
        _same_fit(ours.fit(blobs), ref.fit(blobs))


@pytest.mark.parametrize("init", ["k-means++", "random"])
def test_own_seeding_within_one_percent_of_sklearn(iris, digits, init):
    for X, k in ((iris, 3), (digits, 10)):
        for seed in (0, 1):
            ours = KMeans(k, init=init, n_init=10, random_state=seed).fit(X)
            ref = sc.KMeans(k, init=init, n_init=10, random_state=seed).fit(X)
            assert ours.inertia_ == pytest.approx(ref.inertia_, rel=0.01)
            assert ours.inertia_ <= (80.0 if k == 3 else 1.18e6)  # iris ~78.85, digits ~1.165e6
            assert np.unique(ours.labels_).size == k


def test_kmeans_plusplus_draws_the_same_centres_as_sklearn(digits, blobs):
    w = np.random.default_rng(0).uniform(0.5, 2.0, len(blobs))
    for X, k, sw in ((digits, 10, None), (blobs, 8, w), (blobs[:, :2], 5, None)):
        for seed in range(3):
            centers, indices = kmeans_plusplus(X, k, sample_weight=sw, random_state=seed)
            ref_centers, ref_indices = sc.kmeans_plusplus(X, k, sample_weight=sw, random_state=seed)
            np.testing.assert_array_equal(indices, ref_indices)
            np.testing.assert_array_equal(centers, X[indices])
    # and so does KMeans itself from the same random_state (the whole run is the same)
    for init in ("k-means++", "random"):
        _same_fit(
            KMeans(8, init=init, n_init=3, random_state=5).fit(blobs),
            sc.KMeans(8, init=init, n_init=3, random_state=5).fit(blobs),
        )


def test_predict_transform_score_match_sklearn(blobs):
    init = _jittered_rows(blobs, 8, seed=4)
    train, test = blobs[:2000], blobs[2000:]
    ours = KMeans(8, init=init, n_init=1).fit(train)
    ref = sc.KMeans(8, init=init, n_init=1).fit(train)
    np.testing.assert_array_equal(ours.predict(test), ref.predict(test))
    np.testing.assert_allclose(ours.transform(test), ref.transform(test), rtol=1e-9)
    w = np.random.default_rng(2).uniform(0, 2, len(test))
    assert ours.score(test) == pytest.approx(ref.score(test), rel=1e-9)
    assert ours.score(test, sample_weight=w) == pytest.approx(
        ref.score(test, sample_weight=w), rel=1e-9
    )
    np.testing.assert_array_equal(KMeans(8, init=init, n_init=1).fit_predict(train), ref.labels_)
    np.testing.assert_allclose(
        KMeans(8, init=init, n_init=1).fit_transform(train), ref.transform(train), rtol=1e-9
    )
    assert list(ours.get_feature_names_out()) == [f"kmeans{i}" for i in range(8)]
    # the distances of transform are those to the centres, the labels their argmin
    np.testing.assert_array_equal(ours.transform(test).argmin(axis=1), ours.predict(test))


def test_integer_sample_weight_equals_repeated_rows(blobs):
    X = blobs[:400]
    w = np.random.default_rng(3).integers(1, 4, len(X))
    init = _jittered_rows(X, 5, seed=6)
    for algorithm in ("lloyd", "elkan"):
        weighted = KMeans(5, init=init, n_init=1, algorithm=algorithm).fit(X, sample_weight=w)
        repeated = KMeans(5, init=init, n_init=1, algorithm=algorithm).fit(np.repeat(X, w, 0))
        assert weighted.inertia_ == pytest.approx(repeated.inertia_, rel=1e-10)
        np.testing.assert_allclose(weighted.cluster_centers_, repeated.cluster_centers_, rtol=1e-10)
        np.testing.assert_array_equal(np.repeat(weighted.labels_, w), repeated.labels_)


def test_empty_cluster_is_moved_as_in_sklearn(blobs):
    # two starting centres far from every sample: they get nothing and take the farthest points
    init = np.vstack([blobs[:3], np.full((2, blobs.shape[1]), 100.0)])
    for algorithm in ("lloyd", "elkan"):
        ours = KMeans(5, init=init, n_init=1, algorithm=algorithm).fit(blobs)
        _same_fit(ours, sc.KMeans(5, init=init, n_init=1, algorithm=algorithm).fit(blobs))
        assert np.unique(ours.labels_).size == 5


def test_dtype_copy_x_warnings_and_verbose(blobs, capsys):
    X32 = blobs.astype(np.float32)
    ours = KMeans(8, n_init=1, random_state=0).fit(X32)
    ref = sc.KMeans(8, n_init=1, random_state=0).fit(X32)
    assert ours.cluster_centers_.dtype == np.float32 and ours.transform(X32).dtype == np.float32
    assert ours.inertia_ == pytest.approx(ref.inertia_, rel=1e-5)
    # copy_x=False centres the data in place and puts it back
    X = blobs.copy()
    ours = KMeans(8, n_init=1, random_state=0, copy_x=False).fit(X)
    np.testing.assert_allclose(X, blobs, atol=1e-12)
    ref = sc.KMeans(8, n_init=1, random_state=0).fit(blobs)
    assert ours.inertia_ == pytest.approx(ref.inertia_, rel=1e-9)
    # duplicates: fewer distinct clusters than asked
    with pytest.warns(ConvergenceWarning, match="Number of distinct clusters"):
        KMeans(3, n_init=1, random_state=0).fit(np.repeat(blobs[:2], 5, axis=0))
    with pytest.warns(RuntimeWarning, match="Explicit initial center position passed"):
        KMeans(2, init=blobs[:2], n_init=3).fit(blobs)
    with pytest.warns(RuntimeWarning, match="elkan"):
        KMeans(1, algorithm="elkan").fit(blobs)
    KMeans(3, n_init=1, random_state=0, verbose=1).fit(blobs[:100])
    assert "Converged at iteration" in capsys.readouterr().out

    # a callable init gets (X, n_clusters, random_state) and, being random, 10 tries by default
    def pick(X, k, random_state):
        return X[random_state.choice(len(X), k, replace=False)]

    _same_fit(
        KMeans(3, init=pick, random_state=0).fit(blobs),
        sc.KMeans(3, init=pick, random_state=0).fit(blobs),
    )


# ---------------------------------------------------------------------------------------------
# MiniBatchKMeans
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("init", ["k-means++", "random"])
def test_minibatch_follows_sklearn_steps(blobs, init):
    """Same random_state, same draws: the same batches, seeding and reassignments as
    scikit-learn, so the same centres up to rounding (checked to 1e-6 relative)."""
    w = np.random.default_rng(4).uniform(0.5, 2.0, len(blobs))
    for sw in (None, w):
        ours = MiniBatchKMeans(8, init=init, batch_size=256, random_state=1)
        ref = sc.MiniBatchKMeans(8, init=init, batch_size=256, random_state=1)
        ours.fit(blobs, sample_weight=sw)
        ref.fit(blobs, sample_weight=sw)
        assert ours.n_steps_ == ref.n_steps_ and ours.n_iter_ == ref.n_iter_
        np.testing.assert_allclose(ours.cluster_centers_, ref.cluster_centers_, rtol=1e-6)
        assert ours.inertia_ == pytest.approx(ref.inertia_, rel=1e-6)
        np.testing.assert_array_equal(ours.labels_, ref.labels_)
    # without labels, inertia_ is the smoothed batch inertia times the total weight
    ours = MiniBatchKMeans(8, compute_labels=False, random_state=2, tol=1e-3).fit(blobs)
    ref = sc.MiniBatchKMeans(8, compute_labels=False, random_state=2, tol=1e-3).fit(blobs)
    assert not hasattr(ours, "labels_") and ours.inertia_ == pytest.approx(ref.inertia_, rel=1e-6)


def test_minibatch_inertia_close_to_sklearn_and_to_full_kmeans():
    """On well-separated blobs every seed finds the right partition, and mini-batch noise in the
    centres costs ~0.1-0.4% of inertia over full-batch k-means (seen over many seeds). So: the
    mean over seeds within 0.5% of scikit-learn's, and each run within 1% of full k-means; a
    wrong update rule or learning rate misses both by far more."""
    X = datasets.make_blobs(4000, n_features=5, centers=5, cluster_std=1.0, random_state=2)[0]
    ours = [MiniBatchKMeans(5, random_state=s, batch_size=128).fit(X).inertia_ for s in range(5)]
    ref = [sc.MiniBatchKMeans(5, random_state=s, batch_size=128).fit(X).inertia_ for s in range(5)]
    full = KMeans(5, n_init=5, random_state=0).fit(X).inertia_
    assert np.mean(ours) == pytest.approx(np.mean(ref), rel=0.005)
    assert max(ours) <= 1.01 * full


def test_partial_fit_streams_like_sklearn(blobs):
    ours, ref = MiniBatchKMeans(8, random_state=0), sc.MiniBatchKMeans(8, random_state=0)
    w = np.random.default_rng(5).uniform(0.5, 2.0, len(blobs))
    for start in range(0, len(blobs), 300):
        rows = slice(start, start + 300)
        ours.partial_fit(blobs[rows], sample_weight=w[rows])
        ref.partial_fit(blobs[rows], sample_weight=w[rows])
        np.testing.assert_allclose(ours.cluster_centers_, ref.cluster_centers_, rtol=1e-6)
    assert ours.n_steps_ == ref.n_steps_ == 10
    assert ours.inertia_ == pytest.approx(ref.inertia_, rel=1e-6)
    np.testing.assert_array_equal(ours.predict(blobs), ref.predict(blobs))
    # the streamed centres are a good clustering of all the data
    full = KMeans(8, n_init=5, random_state=0).fit(blobs).inertia_
    assert -ours.score(blobs) <= 1.05 * full
    # partial_fit after fit goes on from the fitted centres
    ours = MiniBatchKMeans(8, random_state=0).fit(blobs)
    ref = sc.MiniBatchKMeans(8, random_state=0).fit(blobs)
    ours.partial_fit(blobs[:200])
    ref.partial_fit(blobs[:200])
    np.testing.assert_allclose(ours.cluster_centers_, ref.cluster_centers_, rtol=1e-6)
    assert ours.n_steps_ == ref.n_steps_


# ---------------------------------------------------------------------------------------------
# bad input
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "make, fit_args, error, match",
    [
        (lambda: KMeans(2), ([[0.0, np.nan], [1.0, 2.0], [3.0, 1.0]],), ValueError, "NaN"),
        (lambda: KMeans(2), (np.empty((0, 3)),), ValueError, "0 sample"),
        (lambda: KMeans(2), (np.arange(5.0),), ValueError, "Expected 2D array"),
        (
            lambda: KMeans(30),
            (np.zeros((20, 2)),),
            ValueError,
            "n_samples=20 should be >= n_clusters=30",
        ),
        (lambda: KMeans(0), (np.zeros((20, 2)),), ValueError, "'n_clusters' parameter of KMeans"),
        (lambda: KMeans(2, algorithm="full"), (np.zeros((20, 2)),), ValueError, "'algorithm'"),
        (lambda: KMeans(2, init="kmeans"), (np.zeros((20, 2)),), ValueError, "'init'"),
        (
            lambda: KMeans(2, init=np.zeros((3, 2))),
            (np.zeros((20, 2)),),
            ValueError,
            r"initial centers \(3, 2\) does not match the number of clusters 2",
        ),
        (
            lambda: KMeans(2, init=np.zeros((2, 3))),
            (np.zeros((20, 2)),),
            ValueError,
            "does not match the number of features",
        ),
        (lambda: KMeans(2, tol=-1.0), (np.zeros((20, 2)),), ValueError, "'tol'"),
        (lambda: KMeans(2, max_iter=0), (np.zeros((20, 2)),), ValueError, "'max_iter'"),
        (lambda: KMeans(2, n_init=0), (np.zeros((20, 2)),), ValueError, "'n_init'"),
        (lambda: KMeans(2), (np.zeros((20, 2)), None, np.ones(3)), ValueError, "sample_weight"),
        (lambda: KMeans(2), (np.zeros((20, 2)), None, np.zeros(20)), ValueError, "non-zero"),
        (lambda: KMeans(2), (np.zeros((20, 2)), None, -np.ones(20)), ValueError, "Negative"),
        (
            lambda: MiniBatchKMeans(2, batch_size=0),
            (np.zeros((20, 2)),),
            ValueError,
            "'batch_size'",
        ),
        (
            lambda: MiniBatchKMeans(2, reassignment_ratio=-1.0),
            (np.zeros((20, 2)),),
            ValueError,
            "'reassignment_ratio'",
        ),
        (lambda: MiniBatchKMeans(2), ([[np.inf, 0.0]] * 5,), ValueError, "infinity"),
    ],
)
def test_bad_input_and_parameters_get_clear_errors(make, fit_args, error, match):
    with pytest.raises(error, match=match):
        make().fit(*fit_args)


def test_errors_after_fit_and_in_kmeans_plusplus():
    X = np.random.default_rng(0).normal(size=(30, 3))
    for est in (KMeans(2), MiniBatchKMeans(2)):
        with pytest.raises(NotFittedError):
            est.predict(X)
        est.fit(X)
        with pytest.raises(ValueError, match="X has 2 features, but .* is expecting 3"):
            est.predict(X[:, :2])
        with pytest.raises(ValueError, match="NaN"):
            est.transform(np.full((2, 3), np.nan))
    with pytest.raises(ValueError, match="X has 2 features"):
        MiniBatchKMeans(2).partial_fit(X).partial_fit(X[:, :2])
    with pytest.raises(ValueError, match="n_samples=30 should be >= n_clusters=40"):
        kmeans_plusplus(X, 40)
    with pytest.raises(ValueError, match="'n_local_trials'"):
        kmeans_plusplus(X, 2, n_local_trials=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a plain fit warns about nothing
        KMeans(2, random_state=0).fit(X)
