"""Every n_jobs of homeml.learn runs through joblib, so ``joblib.parallel_backend("dask")`` runs
it on a Dask cluster (here a 2-worker LocalCluster of one-thread processes), with results equal to
``n_jobs=1``; each task's Numba kernels get the worker's thread budget."""

from __future__ import annotations

import numba
import numpy as np
import pytest

joblib = pytest.importorskip("joblib")
distributed = pytest.importorskip("distributed", reason="pip install distributed; CI installs it")

from homeml.learn import (  # noqa: E402
    cluster,
    ensemble,
    manifold,
    model_selection,
    neighbors,
    semi_supervised,
)
from homeml.learn._parallel import parallel_map, thread_budget  # noqa: E402
from homeml.learn.linear_model import LogisticRegression, Ridge, SGDClassifier  # noqa: E402
from homeml.learn.tree import DecisionTreeClassifier  # noqa: E402


@pytest.fixture(scope="module")
def client():
    with distributed.Client(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as c:
        yield c


def _data(n=120, d=5, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    y = (X[:, 0] + 0.5 * X[:, 1] + 0.3 * rng.normal(size=n) > 0).astype(int)
    return X, y


def _on_cluster(make):
    """``make()`` under joblib's dask backend; fails unless some of its work ran on the workers."""
    with distributed.get_task_stream() as stream, joblib.parallel_backend("dask"):
        out = make()
    assert stream.data, "nothing ran on the cluster"
    return out


def test_forests_on_the_cluster_equal_n_jobs_1(client):
    X, y = _data()
    for cls in (ensemble.RandomForestClassifier, ensemble.ExtraTreesRegressor):
        target = y if cls is ensemble.RandomForestClassifier else X[:, 0] + y
        make = lambda c=cls: c(n_estimators=8, max_depth=4, random_state=3)  # noqa: E731
        one = make().set_params(n_jobs=1).fit(X, target)
        many = _on_cluster(lambda m=make, t=target: m().fit(X, t))
        assert len(many.estimators_) == 8
        np.testing.assert_array_equal(many.predict(X), one.predict(X))
        for a, b in zip(one.estimators_, many.estimators_):
            np.testing.assert_array_equal(a.tree_.threshold, b.tree_.threshold)
    one = ensemble.IsolationForest(n_estimators=10, random_state=0).fit(X)
    many = _on_cluster(lambda: ensemble.IsolationForest(n_estimators=10, random_state=0).fit(X))
    np.testing.assert_array_equal(many.score_samples(X), one.score_samples(X))
    for a, b in zip(one.estimators_samples_, many.estimators_samples_):
        np.testing.assert_array_equal(a, b)


def test_model_selection_on_the_cluster_equals_n_jobs_1(client):
    X, y = _data()
    grid = {"C": [0.1, 1.0], "fit_intercept": [True, False]}
    one = model_selection.GridSearchCV(LogisticRegression(), grid, cv=3, n_jobs=1).fit(X, y)
    many = _on_cluster(
        lambda: model_selection.GridSearchCV(LogisticRegression(), grid, cv=3).fit(X, y)
    )
    np.testing.assert_allclose(
        many.cv_results_["mean_test_score"], one.cv_results_["mean_test_score"]
    )
    assert many.best_params_ == one.best_params_
    dist = {"max_depth": [1, 2, 3, 4], "min_samples_leaf": [1, 5]}
    make = lambda: model_selection.RandomizedSearchCV(  # noqa: E731
        DecisionTreeClassifier(random_state=0), dist, n_iter=4, cv=3, random_state=1
    )
    np.testing.assert_array_equal(
        _on_cluster(lambda: make().fit(X, y)).cv_results_["mean_test_score"],
        make().fit(X, y).cv_results_["mean_test_score"],
    )
    r1 = model_selection.cross_validate(Ridge(), X, X[:, 0], cv=4, n_jobs=1)
    r2 = _on_cluster(lambda: model_selection.cross_validate(Ridge(), X, X[:, 0], cv=4))
    np.testing.assert_array_equal(r2["test_score"], r1["test_score"])
    s2 = _on_cluster(lambda: model_selection.cross_val_score(Ridge(), X, X[:, 0], cv=4))
    np.testing.assert_array_equal(s2, r1["test_score"])
    c1 = model_selection.learning_curve(Ridge(), X, X[:, 0], cv=3, shuffle=True, random_state=0)
    c2 = _on_cluster(
        lambda: model_selection.learning_curve(
            Ridge(), X, X[:, 0], cv=3, shuffle=True, random_state=0, n_jobs=2
        )
    )
    for a, b in zip(c1, c2):
        np.testing.assert_array_equal(a, b)


def test_voting_neighbours_and_mds_on_the_cluster_equal_n_jobs_1(client):
    X, y = _data()
    pairs = [("lr", LogisticRegression()), ("tree", DecisionTreeClassifier(random_state=0))]
    one = ensemble.VotingClassifier(pairs, voting="soft", n_jobs=1).fit(X, y)
    many = _on_cluster(lambda: ensemble.VotingClassifier(pairs, voting="soft").fit(X, y))
    np.testing.assert_allclose(many.predict_proba(X), one.predict_proba(X))
    for algorithm in ("brute", "kd_tree"):
        index = neighbors.NearestNeighbors(n_neighbors=4, algorithm=algorithm).fit(X)
        d1, i1 = index.kneighbors(X[:30])
        d2, i2 = _on_cluster(lambda i=index: i.set_params(n_jobs=-1).kneighbors(X[:30]))
        np.testing.assert_array_equal(i2, i1)
        np.testing.assert_allclose(d2, d1)
        r1 = index.set_params(n_jobs=1).radius_neighbors(X[:30], radius=1.5)
        r2 = _on_cluster(lambda i=index: i.set_params(n_jobs=2).radius_neighbors(X[:30], 1.5))
        for a, b in zip(r1[1], r2[1]):
            np.testing.assert_array_equal(np.sort(a), np.sort(b))
    y3 = np.digitize(X[:, 1], [-0.5, 0.5])  # one-vs-rest: three binary problems at once
    sgd = lambda: SGDClassifier(random_state=0)  # noqa: E731
    np.testing.assert_array_equal(
        _on_cluster(lambda: sgd().fit(X, y3)).coef_, sgd().set_params(n_jobs=1).fit(X, y3).coef_
    )
    db = lambda: cluster.DBSCAN(eps=1.2, min_samples=4)  # noqa: E731
    np.testing.assert_array_equal(
        _on_cluster(lambda: db().fit(X).labels_), db().set_params(n_jobs=1).fit(X).labels_
    )
    partly = np.where(np.arange(len(y)) % 3 == 0, y, -1)
    spread = lambda: semi_supervised.LabelSpreading(kernel="knn")  # noqa: E731
    np.testing.assert_allclose(
        _on_cluster(lambda: spread().fit(X, partly).label_distributions_),
        spread().set_params(n_jobs=1).fit(X, partly).label_distributions_,
    )
    mds = lambda: manifold.MDS(n_init=3, max_iter=50, init="random", random_state=0)  # noqa: E731
    one = mds().set_params(n_jobs=1).fit(X[:40])
    many = _on_cluster(lambda: mds().fit(X[:40]))
    np.testing.assert_allclose(many.embedding_, one.embedding_)
    assert many.stress_ == one.stress_


def test_mean_shift_and_spectral_clustering_on_the_cluster_equal_n_jobs_1(client):
    X, _ = _data()
    shift = lambda: cluster.MeanShift(bandwidth=1.5)  # noqa: E731  (seeds: every point)
    one = shift().set_params(n_jobs=1).fit(X)
    many = _on_cluster(lambda: shift().fit(X))
    np.testing.assert_allclose(many.cluster_centers_, one.cluster_centers_)
    np.testing.assert_array_equal(many.labels_, one.labels_)
    assert many.n_iter_ == one.n_iter_
    spectral = lambda: cluster.SpectralClustering(  # noqa: E731
        3, affinity="nearest_neighbors", n_neighbors=8, random_state=0
    )
    np.testing.assert_array_equal(
        _on_cluster(lambda: spectral().fit(X).labels_),
        spectral().set_params(n_jobs=1).fit(X).labels_,
    )


def test_column_transformer_on_the_cluster_equals_n_jobs_1(client):
    from homeml.learn.pipeline import ColumnTransformer
    from homeml.learn.preprocessing import MinMaxScaler, StandardScaler

    X, _ = _data()
    columns = lambda: ColumnTransformer(  # noqa: E731
        [("std", StandardScaler(), [0, 1]), ("minmax", MinMaxScaler(), [2, 3])],
        remainder="passthrough",
    )
    one = columns().set_params(n_jobs=1)
    expected = one.fit_transform(X)
    many = columns()
    np.testing.assert_array_equal(_on_cluster(lambda: many.fit_transform(X)), expected)
    np.testing.assert_array_equal(many.transformers_[0][1].mean_, one.transformers_[0][1].mean_)


def _numba_threads_in_a_kernel(_):
    return numba.get_num_threads(), numba.config.NUMBA_NUM_THREADS


def test_numba_uses_the_worker_thread_budget(client, monkeypatch):
    # the workers' Numba started with every core of the machine; a one-thread worker uses one
    threads = _on_cluster(lambda: parallel_map(_numba_threads_in_a_kernel, [(0,), (1,)], 2))
    assert [t[0] for t in threads] == [1, 1]
    if threads[0][1] == 1:
        pytest.skip("this machine has one core: the budget cannot be seen to cut anything")
    # without the budget, the same call on a worker sees all of Numba's threads
    raw = client.submit(_numba_threads_in_a_kernel, 0, pure=False).result()
    assert raw[0] == raw[1] > 1
    # an estimator's own sequential work inside a Dask task keeps to the budget too
    inside = client.submit(parallel_map, _numba_threads_in_a_kernel, [(0,), (1,)], 1, pure=False)
    assert [t[0] for t in inside.result()] == [1, 1]
    monkeypatch.setenv("HOMEML_NUM_THREADS", "1")
    assert thread_budget() == 1
    monkeypatch.setenv("HOMEML_NUM_THREADS", "999")
    assert thread_budget() == numba.config.NUMBA_NUM_THREADS
