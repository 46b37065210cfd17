"""dask-ml's wrappers with homeml estimators, on dask arrays and dask DataFrames: Incremental
feeds the blocks, in order, to partial_fit (the same model as calling partial_fit on the same
blocks by hand); ParallelPostFit predicts block by block (the same as in memory). Dask's
synchronous scheduler: the wrappers' logic is what is tested here, not the cluster."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

dask = pytest.importorskip("dask", reason="pip install 'dask[array,dataframe]'; CI installs it")
da = pytest.importorskip("dask.array")
dd = pytest.importorskip("dask.dataframe")
pd = pytest.importorskip("pandas")
wrappers = pytest.importorskip("dask_ml.wrappers", reason="pip install dask-ml; CI installs it")

from homeml.learn import cluster, decomposition, ensemble, linear_model, naive_bayes  # noqa: E402

_RNG = np.random.default_rng(0)
X = _RNG.normal(size=(300, 4))
Y = (X[:, 0] - X[:, 2] > 0).astype(int)
Y_REG = X @ np.array([1.0, -2.0, 0.5, 3.0]) + 0.1 * _RNG.normal(size=300)
CHUNK = 75


@pytest.fixture(autouse=True)
def _synchronous():
    with dask.config.set(scheduler="synchronous"), warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # dask-ml on newer pandas/scikit-learn
        yield


def _by_hand(estimator, X, y=None, **first):
    for i, start in enumerate(range(0, len(X), CHUNK)):
        rows = slice(start, start + CHUNK)
        args = (X[rows],) if y is None else (X[rows], y[rows])
        estimator.partial_fit(*args, **(first if i == 0 or y is not None else {}))
    return estimator


@pytest.mark.parametrize(
    "make, target, kwargs",
    [
        (lambda: linear_model.SGDClassifier(random_state=0), "class", {"classes": [0, 1]}),
        (lambda: linear_model.PassiveAggressiveRegressor(random_state=0), "reg", {}),
        (lambda: naive_bayes.GaussianNB(), "class", {"classes": [0, 1]}),
        (lambda: cluster.MiniBatchKMeans(3, random_state=0), None, {}),
        (lambda: decomposition.IncrementalPCA(2), None, {}),
    ],
    ids=["SGDClassifier", "PassiveAggressiveRegressor", "GaussianNB", "MiniBatchKMeans", "IPCA"],
)
def test_incremental_equals_partial_fit_on_the_same_blocks(make, target, kwargs):
    y = {"class": Y, "reg": Y_REG, None: None}[target]
    dX = da.from_array(X, chunks=(CHUNK, 4))
    dy = None if y is None else da.from_array(y, chunks=CHUNK)
    # IncrementalPCA has no score (nor scikit-learn's): the wrapper then needs a scorer
    scoring = None if hasattr(make(), "score") else (lambda est, X, y=None: 0.0)
    inc = wrappers.Incremental(make(), shuffle_blocks=False, scoring=scoring)
    inc.fit(dX, dy, **kwargs)
    ref = _by_hand(make(), X, y, **kwargs)
    for name in ("coef_", "intercept_", "theta_", "var_", "cluster_centers_", "components_"):
        if hasattr(ref, name):
            np.testing.assert_allclose(getattr(inc.estimator_, name), getattr(ref, name))
    if target is not None:  # the wrapper predicts lazily, block by block
        np.testing.assert_allclose(inc.predict(dX).compute(), ref.predict(X))


def test_incremental_on_a_dask_dataframe():
    frame = dd.from_pandas(pd.DataFrame(X, columns=list("abcd")), npartitions=4)
    labels = dd.from_pandas(pd.Series(Y), npartitions=4)
    inc = wrappers.Incremental(linear_model.SGDClassifier(random_state=0), shuffle_blocks=False)
    inc.fit(frame.to_dask_array(lengths=True), labels.to_dask_array(lengths=True), classes=[0, 1])
    sizes = frame.map_partitions(len).compute().tolist()
    bounds = np.cumsum([0, *sizes])
    ref = linear_model.SGDClassifier(random_state=0)
    for a, b in zip(bounds[:-1], bounds[1:]):
        ref.partial_fit(X[a:b], Y[a:b], classes=[0, 1])
    np.testing.assert_allclose(inc.estimator_.coef_, ref.coef_)


def test_parallel_post_fit_predicts_like_in_memory():
    forest = ensemble.RandomForestClassifier(n_estimators=10, random_state=0)
    post = wrappers.ParallelPostFit(forest).fit(X, Y)  # fitted in memory, predicted by blocks
    in_memory = ensemble.RandomForestClassifier(n_estimators=10, random_state=0).fit(X, Y)
    dX = da.from_array(X, chunks=(CHUNK, 4))
    np.testing.assert_array_equal(post.predict(dX).compute(), in_memory.predict(X))
    np.testing.assert_allclose(post.predict_proba(dX).compute(), in_memory.predict_proba(X))
    frame = dd.from_pandas(pd.DataFrame(X, columns=list("abcd")), npartitions=3)
    np.testing.assert_array_equal(np.asarray(post.predict(frame).compute()), in_memory.predict(X))
    pca = wrappers.ParallelPostFit(decomposition.IncrementalPCA(2)).fit(X)
    np.testing.assert_allclose(
        pca.transform(dX).compute(), decomposition.IncrementalPCA(2).fit(X).transform(X)
    )
