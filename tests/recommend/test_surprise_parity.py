"""homeml.recommend against scikit-surprise itself on the same synthetic ratings and folds:
same splits, same predictions (to rounding), same fall-backs, same accuracy measures."""

from __future__ import annotations

import numpy as np
import pytest

import homeml.recommend as hr
from homeml.datasets import make_ratings

surprise = pytest.importorskip("surprise", reason="scikit-surprise is the reference")


@pytest.fixture(scope="module")
def frame():
    return make_ratings(120, 90, rank=3, density=0.12, noise=0.4, seed=0, integer=True)[
        ["user_id", "item_id", "rating"]
    ]


@pytest.fixture(scope="module")
def data(frame):
    return (
        surprise.Dataset.load_from_df(frame, surprise.Reader(rating_scale=(1, 5))),
        hr.Dataset.load_from_df(frame, hr.Reader(rating_scale=(1, 5))),
    )


@pytest.fixture(scope="module")
def split(data):
    s_train, s_test = surprise.model_selection.train_test_split(data[0], test_size=0.25,
                                                               random_state=1)  # fmt: skip
    h_train, h_test = hr.model_selection.train_test_split(data[1], test_size=0.25, random_state=1)
    return s_train, s_test, h_train, h_test


CASES = [
    ("SVD", {"random_state": 0}),
    ("SVD", {"random_state": 3, "biased": False, "n_factors": 7, "lr_pu": 0.01}),
    ("SVDpp", {"random_state": 0, "n_epochs": 4}),
    ("NMF", {"random_state": 0, "n_epochs": 20}),
    ("NMF", {"random_state": 0, "biased": True, "n_epochs": 20}),
    ("BaselineOnly", {}),
    ("BaselineOnly", {"bsl_options": {"method": "sgd", "n_epochs": 7}}),
    ("SlopeOne", {}),
    ("CoClustering", {"random_state": 0}),
    ("KNNBasic", {"verbose": False}),
    ("KNNBasic", {"k": 5, "min_k": 3, "sim_options": {"name": "cosine", "user_based": False}}),
    ("KNNWithMeans", {"k": 10, "sim_options": {"name": "pearson", "min_support": 2}}),
    ("KNNWithZScore", {"sim_options": {"name": "msd", "user_based": False}}),
    ("KNNBaseline", {"sim_options": {"name": "pearson_baseline"}}),
    ("KNNBaseline", {"k": 15, "sim_options": {"name": "pearson_baseline", "user_based": False,
                                              "shrinkage": 10}, "bsl_options": {"method": "sgd"}}),
]  # fmt: skip


@pytest.mark.parametrize("name, params", CASES, ids=[f"{n}-{i}" for i, (n, _) in enumerate(CASES)])
def test_same_predictions_as_surprise(split, name, params):
    s_train, s_test, h_train, h_test = split
    assert h_test == s_test
    ours = getattr(hr, name)(**params).fit(h_train).test(h_test)
    theirs = getattr(surprise, name)(**params).fit(s_train).test(s_test)
    np.testing.assert_allclose([p.est for p in ours], [p.est for p in theirs], atol=1e-9)
    assert [p.details for p in ours] == [p.details for p in theirs]
    assert hr.accuracy.rmse(ours, verbose=False) == pytest.approx(
        surprise.accuracy.rmse(theirs, verbose=False), abs=1e-9
    )


def test_fitted_factors_equal_surprise(split):
    s_train, _, h_train, _ = split
    ours = hr.SVDpp(n_epochs=2, random_state=5).fit(h_train)
    theirs = surprise.SVDpp(n_epochs=2, random_state=5).fit(s_train)
    for name in ("bu", "bi", "pu", "qi", "yj"):
        np.testing.assert_allclose(getattr(ours, name), getattr(theirs, name), atol=1e-12)


def test_unknown_users_and_items_fall_back_like_surprise(split):
    s_train, _, h_train, _ = split
    for name in ("SVD", "KNNBasic", "KNNBaseline", "SlopeOne", "CoClustering", "NMF"):
        seeded = {"random_state": 0} if name in ("SVD", "CoClustering", "NMF") else {}
        ours = getattr(hr, name)(**seeded).fit(h_train)
        theirs = getattr(surprise, name)(**seeded).fit(s_train)
        for uid, iid in ((1, -5), (-7, 3), (-7, -5)):
            a, b = ours.predict(uid, iid, r_ui=4), theirs.predict(uid, iid, r_ui=4)
            assert a.est == pytest.approx(b.est, abs=1e-9), (name, uid, iid)
            assert a.details == b.details
    pred = hr.NMF().fit(h_train).predict(-7, 3)
    assert pred.details == {"was_impossible": True, "reason": "User and item are unknown."}
    assert pred.est == pytest.approx(h_train.global_mean)


def test_predictions_are_clipped_unless_told(frame):
    narrow = hr.Dataset.load_from_df(frame, hr.Reader(rating_scale=(2, 4)))
    algo = hr.SVD(random_state=0, n_epochs=40).fit(narrow.build_full_trainset())
    raw = [algo.predict(u, i, clip=False).est for u in range(1, 40) for i in range(1, 40)]
    clipped = [algo.predict(u, i).est for u in range(1, 40) for i in range(1, 40)]
    assert max(raw) > 4 and min(raw) < 2  # the unclipped estimates leave the scale
    assert min(clipped) == 2 and max(clipped) == 4
    assert str(algo.predict(1, 2, 3)).startswith("user: 1          item: 2          r_ui = 3.00")


def test_same_folds_and_cross_validation_as_surprise(data):
    s_data, h_data = data
    s_folds = list(surprise.model_selection.KFold(3, random_state=2).split(s_data))
    h_folds = list(hr.model_selection.KFold(3, random_state=2).split(h_data))
    for (st, se), (ht, he) in zip(s_folds, h_folds):
        assert se == he and st.build_testset() == ht.build_testset()
    s_rep = surprise.model_selection.RepeatedKFold(2, 2, random_state=5).split(s_data)
    h_rep = hr.model_selection.RepeatedKFold(2, 2, random_state=5).split(h_data)
    assert [t for _, t in s_rep] == [t for _, t in h_rep]
    s_ss = surprise.model_selection.ShuffleSplit(2, test_size=50, train_size=0.5, random_state=3)
    h_ss = hr.model_selection.ShuffleSplit(2, test_size=50, train_size=0.5, random_state=3)
    for (st, se), (ht, he) in zip(s_ss.split(s_data), h_ss.split(h_data)):
        assert se == he and st.build_testset() == ht.build_testset()
    loo_s = list(surprise.model_selection.LeaveOneOut(2, random_state=0, min_n_ratings=3)
                 .split(s_data))  # fmt: skip
    loo_h = list(hr.model_selection.LeaveOneOut(2, random_state=0, min_n_ratings=3).split(h_data))
    assert [t for _, t in loo_s] == [t for _, t in loo_h]
    ours = hr.model_selection.cross_validate(hr.SVD(random_state=0), h_data, cv=hr.model_selection
                                             .KFold(3, random_state=4))  # fmt: skip
    theirs = surprise.model_selection.cross_validate(
        surprise.SVD(random_state=0), s_data, cv=surprise.model_selection.KFold(3, random_state=4)
    )
    for key in ("test_rmse", "test_mae"):
        np.testing.assert_allclose(ours[key], theirs[key], atol=0.003)
    assert len(ours["fit_time"]) == 3


def test_grid_search_finds_what_surprise_finds(data):
    s_data, h_data = data
    grid = {"n_epochs": [5, 10], "lr_all": [0.002, 0.01], "random_state": [0]}
    ours = hr.model_selection.GridSearchCV(
        hr.SVD,
        grid,
        measures=["rmse", "fcp"],
        cv=hr.model_selection.KFold(3, random_state=0),
        refit=True,
    )
    theirs = surprise.model_selection.GridSearchCV(
        surprise.SVD,
        grid,
        measures=["rmse", "fcp"],
        cv=surprise.model_selection.KFold(3, random_state=0),
    )
    ours.fit(h_data)
    theirs.fit(s_data)  # fmt: skip
    assert ours.best_params == theirs.best_params
    for m in ("rmse", "fcp"):
        assert ours.best_score[m] == pytest.approx(theirs.best_score[m], abs=1e-9)
        np.testing.assert_array_equal(
            ours.cv_results[f"rank_test_{m}"], theirs.cv_results[f"rank_test_{m}"]
        )
    assert ours.predict(1, 2).details["was_impossible"] is False
    knn = hr.model_selection.GridSearchCV(
        hr.KNNBasic,
        {"k": [5], "sim_options": {"name": ["msd", "cosine"], "user_based": [False]}},
        cv=2,
    )
    assert [p["sim_options"]["name"] for p in knn.param_combinations] == ["msd", "cosine"]


def test_accuracy_measures_equal_surprise(split):
    s_train, s_test, _, _ = split
    predictions = surprise.SVD(random_state=0).fit(s_train).test(s_test)
    for name in ("rmse", "mae", "mse", "fcp"):
        assert getattr(hr.accuracy, name)(predictions, verbose=False) == pytest.approx(
            getattr(surprise.accuracy, name)(predictions, verbose=False), abs=1e-12
        )
    with pytest.raises(ValueError, match="Prediction list is empty"):
        hr.accuracy.rmse([])


def test_normal_predictor_draws_what_surprise_draws(split):
    s_train, s_test, h_train, h_test = split
    np.random.seed(0)
    theirs = [p.est for p in surprise.NormalPredictor().fit(s_train).test(s_test[:50])]
    np.random.seed(0)
    ours = [p.est for p in hr.NormalPredictor().fit(h_train).test(h_test[:50])]
    np.testing.assert_allclose(ours, theirs, atol=1e-12)


def test_neighbours_are_surprises(split):
    s_train, _, h_train, _ = split
    options = {"sim_options": {"name": "pearson", "user_based": False}, "verbose": False}
    ours = hr.KNNBasic(**options).fit(h_train)
    theirs = surprise.KNNBasic(**options).fit(s_train)
    np.testing.assert_allclose(ours.sim, theirs.sim, atol=1e-12)
    for iid in (0, 5, 17):
        assert ours.get_neighbors(iid, 7) == theirs.get_neighbors(iid, 7)


def test_trainset_ids_and_anti_testset(data):
    s_train = data[0].build_full_trainset()
    h_train = data[1].build_full_trainset()
    assert h_train.n_users == s_train.n_users and h_train.n_items == s_train.n_items
    assert h_train.to_inner_uid(7) == s_train.to_inner_uid(7)
    assert h_train.to_raw_iid(3) == s_train.to_raw_iid(3)
    assert h_train.ur[5] == s_train.ur[5] and h_train.ir[2] == s_train.ir[2]
    assert sorted(h_train.build_anti_testset()) == sorted(s_train.build_anti_testset())
    with pytest.raises(ValueError, match="User 99999 is not part of the trainset"):
        h_train.to_inner_uid(99999)


def test_bad_input_is_refused(frame):
    with pytest.raises(ValueError, match="3 columns"):
        hr.Dataset.load_from_df(frame.assign(x=1), hr.Reader())
    with pytest.raises(ValueError, match="low < high"):
        hr.Reader(rating_scale=(5, 1))
    with pytest.raises(ValueError, match="Wrong sim name 'euclid'"):
        hr.KNNBasic(sim_options={"name": "euclid"}).fit(
            hr.Dataset.load_from_df(frame, hr.Reader()).build_full_trainset()
        )
    with pytest.raises(ValueError, match="not fitted"):
        hr.SVD().predict(1, 2)


def test_load_from_file_reads_what_surprise_reads(frame, tmp_path):
    path = tmp_path / "ratings.csv"
    path.write_text("user;item;rating;ts\n" + "".join(
        f"{u};{i};{r};{k}\n" for k, (u, i, r) in enumerate(frame.itertuples(index=False))
    ))  # fmt: skip
    kwargs = {"line_format": "user item rating timestamp", "sep": ";", "skip_lines": 1}
    ours = hr.Dataset.load_from_file(path, hr.Reader(**kwargs))
    theirs = surprise.Dataset.load_from_file(str(path), surprise.Reader(**kwargs))
    assert ours.raw_ratings == theirs.raw_ratings
