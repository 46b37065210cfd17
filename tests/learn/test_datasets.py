"""homeml.learn.datasets against sklearn.datasets: the generators draw the same arrays for the
same random_state (bit for bit, over hypothesis-chosen parameters), the loaders return the same
data, names and layout."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import homeml.learn.datasets as hd
from homeml.learn._param_validation import InvalidParameterError

skd = pytest.importorskip("sklearn.datasets", reason="scikit-learn is the reference")

seeds = st.integers(0, 2**31 - 1)
noises = st.one_of(st.none(), st.floats(0, 2))


def assert_same(ours, theirs):
    ours = ours if isinstance(ours, tuple) else (ours,)
    theirs = theirs if isinstance(theirs, tuple) else (theirs,)
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs):
        a, b = np.asarray(a), np.asarray(b)
        assert a.dtype == b.dtype and a.shape == b.shape
        np.testing.assert_array_equal(a, b)


def same_draws(name, **kwargs):
    """Both libraries, same seed: equal outputs, and a shared RandomState left in the same state."""
    assert_same(getattr(hd, name)(**kwargs), getattr(skd, name)(**kwargs))
    seed = kwargs.pop("random_state")
    ours, theirs = np.random.RandomState(seed), np.random.RandomState(seed)
    getattr(hd, name)(random_state=ours, **kwargs)
    getattr(skd, name)(random_state=theirs, **kwargs)
    assert ours.randint(2**31) == theirs.randint(2**31)


@given(
    n=st.one_of(st.integers(1, 60), st.tuples(st.integers(0, 30), st.integers(0, 30))),
    shuffle=st.booleans(),
    noise=noises,
    seed=seeds,
)
def test_make_moons(n, shuffle, noise, seed):
    if n == (0, 0):
        return
    same_draws("make_moons", n_samples=n, shuffle=shuffle, noise=noise, random_state=seed)


@given(
    n=st.one_of(st.integers(0, 60), st.tuples(st.integers(0, 30), st.integers(0, 30))),
    shuffle=st.booleans(),
    noise=noises,
    factor=st.floats(0, 0.99),
    seed=seeds,
)
def test_make_circles(n, shuffle, noise, factor, seed):
    same_draws(
        "make_circles", n_samples=n, shuffle=shuffle, noise=noise, factor=factor, random_state=seed
    )


@given(
    n=st.one_of(st.integers(1, 60), st.lists(st.integers(0, 15), min_size=1, max_size=4)),
    n_features=st.integers(1, 4),
    centers=st.one_of(st.none(), st.integers(1, 5)),
    std=st.one_of(st.floats(0, 3), st.just("per-center")),
    shuffle=st.booleans(),
    seed=seeds,
)
def test_make_blobs(n, n_features, centers, std, shuffle, seed):
    if isinstance(n, list):
        centers = None
        n_centers = len(n)
    else:
        n_centers = 3 if centers is None else centers
    if std == "per-center":
        std = list(np.linspace(0.5, 2, n_centers))
    same_draws(
        "make_blobs",
        n_samples=n,
        n_features=n_features,
        centers=centers,
        cluster_std=std,
        shuffle=shuffle,
        random_state=seed,
        return_centers=True,
    )


def test_make_blobs_with_given_centres():
    centers = [[0.0, 1.0, 2.0], [3.0, -1.0, 0.5]]
    same_draws("make_blobs", n_samples=11, centers=centers, random_state=4)
    same_draws("make_blobs", n_samples=[3, 5], centers=centers, random_state=4)


@st.composite
def classification_params(draw):
    n_informative = draw(st.integers(1, 6))
    n_classes = draw(st.integers(1, 4))
    per_class_limit = max(1, (2**n_informative) // n_classes)
    n_clusters_per_class = draw(st.integers(1, min(3, per_class_limit)))
    if n_classes * n_clusters_per_class > 2**n_informative:
        n_classes = 1
    n_redundant = draw(st.integers(0, 3))
    n_repeated = draw(st.integers(0, 2))
    n_features = n_informative + n_redundant + n_repeated + draw(st.integers(0, 4))
    weights = draw(
        st.one_of(
            st.none(),
            st.lists(st.floats(0.05, 1.0), min_size=n_classes, max_size=n_classes),
            st.lists(st.floats(0.05, 0.3), min_size=n_classes - 1, max_size=n_classes - 1),
        )
    )
    if weights is not None and len(weights) == 0:
        weights = None
    return dict(
        n_samples=draw(st.integers(1, 80)),
        n_features=n_features,
        n_informative=n_informative,
        n_redundant=n_redundant,
        n_repeated=n_repeated,
        n_classes=n_classes,
        n_clusters_per_class=n_clusters_per_class,
        weights=weights,
        flip_y=draw(st.floats(0, 0.5)),
        class_sep=draw(st.floats(0.1, 3)),
        hypercube=draw(st.booleans()),
        shift=draw(st.sampled_from([0.0, None, 1.5])),
        scale=draw(st.sampled_from([1.0, None, 0.5])),
        shuffle=draw(st.booleans()),
        random_state=draw(seeds),
    )


@given(classification_params())
def test_make_classification(params):
    same_draws("make_classification", **params)


@pytest.mark.parametrize(
    "n_informative, n_classes, n_clusters_per_class",
    [(33, 3, 2), (8, 16, 16), (7, 64, 2), (10, 2, 2)],  # >30 dims, reservoir, permutation, tracking
)
def test_make_classification_every_way_of_picking_vertices(
    n_informative, n_classes, n_clusters_per_class
):
    same_draws(
        "make_classification",
        n_samples=300,
        n_features=n_informative + 2,
        n_informative=n_informative,
        n_redundant=1,
        n_classes=n_classes,
        n_clusters_per_class=n_clusters_per_class,
        random_state=0,
    )


def test_make_classification_bunch():
    ours = hd.make_classification(n_features=8, n_repeated=1, random_state=2, return_X_y=False)
    theirs = skd.make_classification(n_features=8, n_repeated=1, random_state=2, return_X_y=False)
    assert_same((ours.X, ours.y), (theirs.X, theirs.y))
    assert ours.feature_info == theirs.feature_info


@given(
    n_samples=st.integers(1, 40),
    n_features=st.integers(1, 12),
    n_informative=st.integers(0, 12),
    n_targets=st.integers(1, 3),
    bias=st.floats(-5, 5),
    effective_rank=st.one_of(st.none(), st.integers(1, 6)),
    tail_strength=st.floats(0, 1),
    noise=st.floats(0, 3),
    shuffle=st.booleans(),
    seed=seeds,
)
def test_make_regression(
    n_samples,
    n_features,
    n_informative,
    n_targets,
    bias,
    effective_rank,
    tail_strength,
    noise,
    shuffle,
    seed,
):
    same_draws(
        "make_regression",
        n_samples=n_samples,
        n_features=n_features,
        n_informative=n_informative,
        n_targets=n_targets,
        bias=bias,
        effective_rank=effective_rank,
        tail_strength=tail_strength,
        noise=noise,
        shuffle=shuffle,
        coef=True,
        random_state=seed,
    )


@given(
    n_samples=st.integers(1, 40),
    n_features=st.integers(1, 40),
    effective_rank=st.integers(1, 10),
    tail_strength=st.floats(0, 1),
    seed=seeds,
)
def test_make_low_rank_matrix(n_samples, n_features, effective_rank, tail_strength, seed):
    same_draws(
        "make_low_rank_matrix",
        n_samples=n_samples,
        n_features=n_features,
        effective_rank=effective_rank,
        tail_strength=tail_strength,
        random_state=seed,
    )


@given(n=st.integers(1, 60), noise=st.floats(0, 2), hole=st.booleans(), seed=seeds)
def test_make_swiss_roll(n, noise, hole, seed):
    same_draws("make_swiss_roll", n_samples=n, noise=noise, hole=hole, random_state=seed)


@given(n=st.integers(1, 60), noise=st.floats(0, 2), seed=seeds)
def test_make_s_curve(n, noise, seed):
    same_draws("make_s_curve", n_samples=n, noise=noise, random_state=seed)


@given(n=st.integers(1, 60), n_features=st.integers(5, 12), noise=st.floats(0, 2), seed=seeds)
def test_make_friedman1(n, n_features, noise, seed):
    same_draws("make_friedman1", n_samples=n, n_features=n_features, noise=noise, random_state=seed)


@pytest.mark.parametrize(
    "call",
    [
        lambda: hd.make_moons(n_samples=0),
        lambda: hd.make_circles(factor=1.0),
        lambda: hd.make_blobs(cluster_std=-1.0),
        lambda: hd.make_classification(flip_y=2.0),
        lambda: hd.make_friedman1(n_features=4),
        lambda: hd.make_swiss_roll(noise=-0.1),
    ],
)
def test_bad_parameters_are_refused(call):
    with pytest.raises(InvalidParameterError):
        call()


def test_inconsistent_arguments_name_the_problem():
    with pytest.raises(ValueError, match="n_features"):
        hd.make_classification(n_features=3, n_informative=2, n_redundant=2)
    with pytest.raises(ValueError, match="2\\*\\*n_informative"):
        hd.make_classification(n_informative=1, n_classes=3)
    with pytest.raises(ValueError, match="weights"):
        hd.make_classification(weights=[0.1, 0.2, 0.7])
    with pytest.raises(ValueError, match="cluster_std"):
        hd.make_blobs(centers=2, cluster_std=[1.0, 2.0, 3.0])


# --- the bundled data sets ---

LOADERS = ["iris", "wine", "breast_cancer", "digits", "diabetes"]


@pytest.mark.parametrize("name", LOADERS)
def test_loaded_data_equal_scikit_learns(name):
    ours, theirs = getattr(hd, f"load_{name}")(), getattr(skd, f"load_{name}")()
    assert sorted(ours) == sorted(theirs)
    for key in ("data", "target", "target_names", "images"):
        if key in theirs:
            assert_same(ours[key], theirs[key])
    assert list(ours.feature_names) == list(theirs.feature_names)
    assert type(ours.feature_names) is type(theirs.feature_names)
    assert ours.frame is None
    assert "Source" in ours.DESCR or "Efron" in ours.DESCR
    assert_same(
        getattr(hd, f"load_{name}")(return_X_y=True), getattr(skd, f"load_{name}")(return_X_y=True)
    )


@pytest.mark.parametrize("name", LOADERS)
def test_as_frame_equals_scikit_learns(name):
    pd = pytest.importorskip("pandas", reason="as_frame needs pandas")
    ours = getattr(hd, f"load_{name}")(as_frame=True)
    theirs = getattr(skd, f"load_{name}")(as_frame=True)
    pd.testing.assert_frame_equal(ours.frame, theirs.frame)
    pd.testing.assert_frame_equal(ours.data, theirs.data)
    pd.testing.assert_series_equal(ours.target, theirs.target)
    X, y = getattr(hd, f"load_{name}")(as_frame=True, return_X_y=True)
    pd.testing.assert_frame_equal(X, theirs.data)


@pytest.mark.parametrize("n_class", [1, 4, 10])
def test_load_digits_n_class(n_class):
    ours, theirs = hd.load_digits(n_class=n_class), skd.load_digits(n_class=n_class)
    assert_same((ours.data, ours.target, ours.images), (theirs.data, theirs.target, theirs.images))


def test_load_diabetes_unscaled():
    assert_same(hd.load_diabetes(scaled=False).data, skd.load_diabetes(scaled=False).data)


def test_every_data_file_has_its_source_written_next_to_it():
    folder = Path(hd.__file__).parent / "data"
    sources = (folder / "SOURCES.md").read_text(encoding="utf-8")
    files = sorted(p.name for p in folder.glob("*.csv.gz"))
    assert len(files) == len(LOADERS)
    for name in files:
        assert f"`{name}`" in sources
