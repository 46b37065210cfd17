"""hm.save / hm.load for fitted homeml.learn estimators and pipelines: exact round trips of
predictions and parameters, string labels, no pickle, and clear errors for damaged, foreign,
newer or unsupported content."""

from __future__ import annotations

import json
import pickle

import numpy as np
import pytest
from support import edit_homeml_info, split_file

import homeml as hm
import homeml.learn as L
from homeml.io import FORMAT_VERSION, ModelFileError

# ----------------------------------------------------------------------------- helpers

RNG = np.random.RandomState(0)
X = RNG.randn(60, 4)
Y_STR = np.array(["ant", "bee", "cat"])[(X[:, 0] > 0).astype(int) + (X[:, 1] > 0.5)]
Y_REG = X @ np.array([1.0, 2.0, 3.0, 4.0]) + 0.1 * RNG.randn(60)
X_CAT = np.array([["x", "p"], ["y", "q"], ["x", "q"], ["z", "p"]] * 5, dtype=object)

METHODS = ("predict", "predict_proba", "decision_function", "transform", "score_samples")


def assert_same(a, b):
    """Recursive exact equality of parameter values (arrays, estimators, containers)."""
    assert type(a) is type(b), (a, b)
    if isinstance(a, L.BaseEstimator):
        assert_same(a.get_params(deep=False), b.get_params(deep=False))
    elif isinstance(a, np.ndarray):
        assert a.dtype == b.dtype and np.array_equal(a, b)
    elif isinstance(a, dict):
        assert list(a) == list(b)
        for key in a:
            assert_same(a[key], b[key])
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b)
        for x, y in zip(a, b):
            assert_same(x, y)
    elif isinstance(a, float) and np.isnan(a):
        assert np.isnan(b)
    else:
        assert a == b


def fitted_cases():
    return [
        (L.LinearRegression(), X, Y_REG),
        (L.Ridge(alpha=0.5), X, Y_REG),
        (L.RidgeClassifier(alpha=0.5, class_weight="balanced"), X, Y_STR),
        (L.RidgeClassifierCV(store_cv_results=True), X, Y_STR),
        (L.LogisticRegression(C=0.5), X, Y_STR),
        (L.SGDClassifier(random_state=0), X, Y_STR),
        (L.DecisionTreeClassifier(max_depth=4, random_state=0), X, Y_STR),
        (L.DecisionTreeRegressor(random_state=0), X, Y_REG),
        (L.RandomForestClassifier(n_estimators=5, random_state=0), X, Y_STR),
        (L.HistGradientBoostingClassifier(max_iter=10), X, Y_STR),
        (L.GradientBoostingRegressor(n_estimators=10, random_state=0), X, Y_REG),
        (L.SVC(probability=False), X, Y_STR),
        (L.KNeighborsClassifier(n_neighbors=3), X, Y_STR),
        (L.GaussianNB(), X, Y_STR),
        (L.StandardScaler(), X, None),
        (L.MaxAbsScaler(), X, None),
        (L.OneHotEncoder(), X_CAT, None),
        (L.PCA(n_components=2), X, None),
        (L.LatentDirichletAllocation(n_components=2, max_iter=3, random_state=0), abs(X), None),
        (L.KMeans(n_clusters=3, n_init=1, random_state=0), X, None),
        (L.GaussianMixture(n_components=2, random_state=0), X, None),
        (L.IsolationForest(n_estimators=5, random_state=0), X, None),
        (L.Isomap(n_neighbors=5, n_components=2), X, None),
        (L.AdaBoostClassifier(n_estimators=5, random_state=0), X, Y_STR),
        (L.LinearDiscriminantAnalysis(), X, Y_STR),
        (L.MiniBatchKMeans(n_clusters=3, n_init=1, random_state=0), X, None),
        (L.GridSearchCV(L.LogisticRegression(), {"C": [0.1, 1.0]}, cv=2), X, Y_STR),
        (L.MLPClassifier((5,), max_iter=20, random_state=0), X, Y_STR),
        (
            L.MLPRegressor(hidden_layer_sizes=(4, 3), solver="sgd", max_iter=5, random_state=0),
            X,
            Y_REG,
        ),
        (
            L.VotingClassifier(
                [("lr", L.LogisticRegression()), ("nb", L.GaussianNB())], voting="soft"
            ),
            X,
            Y_STR,
        ),
        (L.Pipeline([("scale", L.StandardScaler()), ("clf", L.LogisticRegression())]), X, Y_STR),
        # preprocessing, composition and feature selection of the scikit-learn gallery
        (L.KBinsDiscretizer(n_bins=3, encode="onehot-dense"), X, None),
        (L.QuantileTransformer(n_quantiles=20, output_distribution="normal"), X, None),
        (L.PowerTransformer(), X, None),
        (L.SplineTransformer(n_knots=4, extrapolation="periodic"), X, None),
        (L.FeatureUnion([("pca", L.PCA(n_components=2)), ("pass", "passthrough")]), X, None),
        (L.TransformedTargetRegressor(L.Ridge(), transformer=L.StandardScaler()), X, Y_REG),
        (L.SelectKBest(L.f_regression, k=2), X, Y_REG),
        (L.SelectPercentile(L.chi2, percentile=50), abs(X), Y_STR),
        (L.VarianceThreshold(0.5), X, None),
        (L.RFE(L.LogisticRegression(), n_features_to_select=2), X, Y_STR),
        (L.SelectFromModel(L.Ridge(), max_features=2), X, Y_REG),
        (
            L.ColumnTransformer([("s", L.StandardScaler(), [0, 1]), ("p", "passthrough", [2])]),
            X,
            None,
        ),
    ]


def dense(a):
    return np.asarray(a.toarray() if hasattr(a, "toarray") else a)


# ----------------------------------------------------------------------------- round trips


@pytest.mark.parametrize(
    "est, data, y", fitted_cases(), ids=[type(c[0]).__name__ for c in fitted_cases()]
)
def test_fitted_estimators_round_trip_exactly(tmp_path, est, data, y):
    est.fit(data) if y is None else est.fit(data, y)
    path = tmp_path / "est.safetensors"
    hm.save(est, path)
    loaded = hm.load(path)
    assert type(loaded) is type(est)
    assert_same(loaded.get_params(deep=False), est.get_params(deep=False))
    checked = 0
    for name in METHODS:
        if not hasattr(est, name):
            continue
        try:
            expected = dense(getattr(est, name)(data))
        except (AttributeError, NotImplementedError):
            continue
        got = dense(getattr(loaded, name)(data))
        assert got.dtype == expected.dtype, name
        np.testing.assert_array_equal(got, expected, err_msg=name)
        checked += 1
    assert checked >= 1


def test_grid_search_results_keep_their_masks(tmp_path):
    search = L.GridSearchCV(L.Ridge(), {"alpha": [0.1, 1.0]}, cv=2).fit(X, Y_REG)
    hm.save(search, tmp_path / "g.safetensors")
    loaded = hm.load(tmp_path / "g.safetensors")
    column = loaded.cv_results_["param_alpha"]
    assert isinstance(column, np.ma.MaskedArray)
    assert_same(np.ma.getmaskarray(column), np.ma.getmaskarray(search.cv_results_["param_alpha"]))
    assert list(column) == list(search.cv_results_["param_alpha"])
    assert loaded.best_params_ == search.best_params_
    assert loaded.score(X, Y_REG) == search.score(X, Y_REG)  # scorer_ is rebuilt from scoring
    assert (
        "scorer_"
        not in json.loads(split_file(tmp_path / "g.safetensors")[0]["__metadata__"]["homeml"])[
            "estimator"
        ]["state"]
    )


def test_string_class_labels_round_trip(tmp_path):
    clf = L.Pipeline([("s", L.StandardScaler()), ("c", L.LogisticRegression())]).fit(X, Y_STR)
    hm.save(clf, tmp_path / "p.safetensors")
    loaded = hm.load(tmp_path / "p.safetensors")
    assert_same(loaded.classes_, clf.classes_)
    assert set(loaded.predict(X)) == {"ant", "bee", "cat"}
    assert loaded.named_steps["c"].classes_.dtype == clf.named_steps["c"].classes_.dtype


def test_the_file_is_plain_safetensors_with_arrays_outside_the_json(tmp_path):
    est = L.Ridge().fit(X, Y_REG)
    hm.save(est, tmp_path / "r.safetensors", metadata={"score": 0.9})
    header, data = split_file(tmp_path / "r.safetensors")
    info = json.loads(header["__metadata__"]["homeml"])
    assert info["format_version"] == FORMAT_VERSION
    assert info["kind"] == "learn.estimator"
    assert info["estimator"]["class"] == "Ridge"
    assert info["estimator"]["state"]["coef_"] == {"__array__": "a0"}
    start, end = header["a0"]["data_offsets"]
    np.testing.assert_array_equal(np.frombuffer(data[start:end], "<f8"), est.coef_)
    assert hm.io.load_metadata(tmp_path / "r.safetensors") == {"score": 0.9}


def test_odd_values_round_trip(tmp_path):
    est = L.StandardScaler().fit(X)
    est.extra_ = {
        1: (np.float32(0.5), float("nan"), -np.inf, np.float64(np.nan), 2.5),
        "f": np.asfortranarray(np.arange(6.0).reshape(2, 3)),
        "s": slice(1, None),
    }
    hm.save(est, tmp_path / "s.safetensors")
    extra = hm.load(tmp_path / "s.safetensors").extra_
    assert isinstance(extra[1], tuple) and extra[1][0] == np.float32(0.5)
    assert type(extra[1][0]) is np.float32 and np.isnan(extra[1][1]) and extra[1][2] == -np.inf
    assert [type(v) for v in extra[1][1:]] == [float, float, np.float64, float]
    assert np.isnan(extra[1][3]) and extra[1][4] == 2.5
    assert extra["f"].flags.f_contiguous and np.array_equal(extra["f"], est.extra_["f"])
    assert extra["s"] == slice(1, None)


def test_a_random_state_instance_is_restored_exactly(tmp_path):
    est = L.KMeans(n_clusters=2, n_init=1, random_state=np.random.RandomState(3)).fit(X)
    hm.save(est, tmp_path / "k.safetensors")
    loaded = hm.load(tmp_path / "k.safetensors")
    assert isinstance(loaded.random_state, np.random.RandomState)
    assert loaded.random_state.randint(1 << 30) == est.random_state.randint(1 << 30)


def test_saving_and_loading_use_no_pickle(tmp_path, monkeypatch):
    def forbidden(*args, **kwargs):
        raise AssertionError("pickle (or np.load) was used")

    for name in ("dumps", "dump", "load", "loads", "Pickler", "Unpickler"):
        monkeypatch.setattr(pickle, name, forbidden)
    monkeypatch.setattr(np, "load", forbidden)
    est = L.RandomForestClassifier(n_estimators=2, random_state=0).fit(X, Y_STR)
    hm.save(est, tmp_path / "f.safetensors")
    np.testing.assert_array_equal(hm.load(tmp_path / "f.safetensors").predict(X), est.predict(X))


# ----------------------------------------------------------------------------- errors at save


def test_an_unfitted_estimator_is_refused():
    with pytest.raises(L.NotFittedError):
        hm.save(L.LogisticRegression(), "never-written.safetensors")


def test_an_unsupported_attribute_names_itself_and_writes_nothing(tmp_path):
    path = tmp_path / "e.safetensors"
    est = L.StandardScaler().fit(X)
    hm.save(est, path)
    before = path.read_bytes()
    est.hook_ = lambda x: x
    with pytest.raises(TypeError, match=r"StandardScaler\.hook_.*function"):
        hm.save(est, path)
    est.hook_ = np.random.default_rng(0)
    with pytest.raises(TypeError, match=r"hook_.*Generator"):
        hm.save(est, path)
    assert path.read_bytes() == before  # the earlier file is untouched
    nested = L.Pipeline([("s", L.StandardScaler())]).fit(X)
    nested.steps[0][1].cb_ = print
    with pytest.raises(TypeError, match=r"cb_"):
        hm.save(nested, path)


def test_a_subclass_outside_homeml_learn_is_refused(tmp_path):
    class MyScaler(L.StandardScaler):
        pass

    with pytest.raises(TypeError, match="only homeml.learn's public estimators"):
        hm.save(MyScaler().fit(X), tmp_path / "m.safetensors")


# ----------------------------------------------------------------------------- errors at load


@pytest.fixture
def saved(tmp_path):
    path = tmp_path / "p.safetensors"
    hm.save(L.Pipeline([("s", L.StandardScaler()), ("c", L.GaussianNB())]).fit(X, Y_STR), path)
    return path


@pytest.mark.parametrize("name", ["Evil", "os.system", "clone", "homeml.io.save", "export_text"])
def test_an_unknown_class_name_is_refused(saved, name):
    edit_homeml_info(
        saved,
        lambda info: info["estimator"]["params"]["steps"][0]["__tuple__"][1][
            "__estimator__"
        ].__setitem__("class", name),
    )
    with pytest.raises(ModelFileError, match=f"unknown class {name!r}"):
        hm.load(saved)


def test_an_unknown_helper_class_is_refused(tmp_path):
    path = tmp_path / "t.safetensors"
    hm.save(L.DecisionTreeRegressor(max_depth=2).fit(X, Y_REG), path)
    edit_homeml_info(
        path,
        lambda info: info["estimator"]["state"]["tree_"].__setitem__(
            "__object__", "subprocess.Popen"
        ),
    )
    with pytest.raises(ModelFileError, match="unknown class 'subprocess.Popen'"):
        hm.load(path)


@pytest.mark.parametrize("name", ["eval", "os.system", "clone", "SelectKBest"])
def test_an_unknown_function_name_is_refused(tmp_path, name):
    path = tmp_path / "k.safetensors"
    hm.save(L.SelectKBest(L.f_regression, k=2).fit(X, Y_REG), path)
    edit_homeml_info(
        path,
        lambda info: info["estimator"]["params"]["score_func"].__setitem__("__function__", name),
    )
    with pytest.raises(ModelFileError, match="unknown function"):
        hm.load(path)


def test_a_callable_that_is_not_a_known_function_is_refused(tmp_path):
    est = L.SelectKBest(lambda X, y: np.ones(X.shape[1]), k=1).fit(X, Y_REG)
    with pytest.raises(TypeError, match="score_func"):
        hm.save(est, tmp_path / "k.safetensors")


def test_a_newer_format_version_is_refused(saved):
    edit_homeml_info(saved, lambda info: info.__setitem__("format_version", FORMAT_VERSION + 1))
    with pytest.raises(ModelFileError, match="newer than this homeml understands"):
        hm.load(saved)


@pytest.mark.parametrize("keep", [4, 100, -8])
def test_a_truncated_file_is_refused(saved, keep):
    raw = saved.read_bytes()
    saved.write_bytes(raw[:keep])
    with pytest.raises(ModelFileError):
        hm.load(saved)


def test_tampered_weights_are_refused(saved):
    raw = bytearray(saved.read_bytes())
    raw[-1] ^= 0xFF
    saved.write_bytes(bytes(raw))
    with pytest.raises(ModelFileError, match="checksum"):
        hm.load(saved)


def test_damaged_params_are_a_model_file_error(saved):
    edit_homeml_info(saved, lambda info: info["estimator"]["params"].__setitem__("bogus", 1))
    with pytest.raises(ModelFileError, match="do not build Pipeline"):
        hm.load(saved)


@pytest.mark.parametrize("key", ["__class__", "__dict__", "not an identifier"])
def test_a_state_key_that_is_not_a_plain_attribute_is_refused(saved, key):
    edit_homeml_info(saved, lambda info: info["estimator"]["state"].__setitem__(key, "x"))
    with pytest.raises(ModelFileError, match="invalid attribute"):
        hm.load(saved)


@pytest.mark.parametrize("key", ["predict", "classes_", "fit"])
def test_state_cannot_shadow_methods_or_properties(saved, key):
    edit_homeml_info(saved, lambda info: info["estimator"]["state"].__setitem__(key, 1))
    with pytest.raises(ModelFileError, match=f"sets Pipeline.{key}, which is a class attribute"):
        hm.load(saved)
