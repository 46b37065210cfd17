"""homeml.learn.pipeline (Pipeline, make_pipeline, ColumnTransformer) against sklearn's."""

from __future__ import annotations

import numpy as np
import pytest

from homeml.learn import (
    ColumnTransformer,
    LogisticRegression,
    MinMaxScaler,
    NotFittedError,
    OneHotEncoder,
    Pipeline,
    PolynomialFeatures,
    Ridge,
    SimpleImputer,
    StandardScaler,
    make_column_transformer,
    make_pipeline,
)
from homeml.learn import model_selection as hm

sklearn = pytest.importorskip("sklearn")
pd = pytest.importorskip("pandas")
from sklearn import compose as skc  # noqa: E402
from sklearn import pipeline as skpipe  # noqa: E402
from sklearn import preprocessing as skp  # noqa: E402
from sklearn.datasets import load_breast_cancer, load_iris  # noqa: E402
from sklearn.impute import SimpleImputer as SkImputer  # noqa: E402
from sklearn.linear_model import LogisticRegression as SkLogistic  # noqa: E402
from sklearn.model_selection import GridSearchCV as SkGridSearchCV  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

IRIS_X, IRIS_Y = load_iris(return_X_y=True)
CANCER_X, CANCER_Y = load_breast_cancer(return_X_y=True)


@pytest.fixture(autouse=True, scope="module")
def one_blas_thread():
    # small matrices: BLAS threads only add contention on a shared 2-core machine
    with threadpool_limits(limits=1):
        yield


# -- Pipeline ------------------------------------------------------------------------------------


def test_pipeline_fit_predict_score_equal_the_steps_by_hand():
    pipe = Pipeline([("scale", StandardScaler()), ("clf", LogisticRegression(C=0.5))])
    assert pipe.fit(CANCER_X, CANCER_Y) is pipe
    scaler = StandardScaler().fit(CANCER_X)
    model = LogisticRegression(C=0.5).fit(scaler.transform(CANCER_X), CANCER_Y)
    Xs = scaler.transform(CANCER_X)
    np.testing.assert_array_equal(pipe.predict(CANCER_X), model.predict(Xs))
    np.testing.assert_allclose(pipe.predict_proba(CANCER_X), model.predict_proba(Xs))
    np.testing.assert_allclose(pipe.decision_function(CANCER_X), model.decision_function(Xs))
    assert pipe.score(CANCER_X, CANCER_Y) == model.score(Xs, CANCER_Y)
    assert pipe.score(CANCER_X, CANCER_Y) > 0.97
    np.testing.assert_array_equal(pipe.classes_, [0, 1])
    assert pipe.n_features_in_ == 30
    assert not hasattr(pipe, "transform")  # the final step has no transform
    # the steps were fitted in place, as scikit-learn's Pipeline does
    np.testing.assert_allclose(pipe.named_steps["scale"].mean_, scaler.mean_)


def test_pipeline_matches_sklearn_pipeline_of_the_same_steps():
    ours = make_pipeline(StandardScaler(), PolynomialFeatures(2), Ridge(alpha=3.0))
    theirs = skpipe.make_pipeline(
        skp.StandardScaler(), skp.PolynomialFeatures(2), sklearn.linear_model.Ridge(alpha=3.0)
    )
    X, y = IRIS_X[:, :3], IRIS_X[:, 3]
    np.testing.assert_allclose(ours.fit(X, y).predict(X), theirs.fit(X, y).predict(X), rtol=1e-8)
    assert ours.score(X, y) == pytest.approx(theirs.score(X, y), rel=1e-10)
    np.testing.assert_array_equal(
        ours[:-1].get_feature_names_out(["a", "b", "c"]),
        theirs[:-1].get_feature_names_out(["a", "b", "c"]),
    )


def test_transformer_pipeline_transform_fit_transform_and_inverse():
    pipe = make_pipeline(StandardScaler(), MinMaxScaler(feature_range=(-1, 1)))
    theirs = skpipe.make_pipeline(skp.StandardScaler(), skp.MinMaxScaler(feature_range=(-1, 1)))
    out = pipe.fit_transform(IRIS_X)
    np.testing.assert_allclose(out, theirs.fit_transform(IRIS_X), rtol=1e-12)
    np.testing.assert_allclose(pipe.transform(IRIS_X), out)
    np.testing.assert_allclose(pipe.inverse_transform(out), IRIS_X, rtol=1e-12)
    assert out.min() == -1 and out.max() == 1
    assert not hasattr(pipe, "predict")


def test_indexing_slicing_and_named_steps():
    scaler, poly, ridge = StandardScaler(), PolynomialFeatures(), Ridge()
    pipe = Pipeline([("scale", scaler), ("poly", poly), ("ridge", ridge)])
    assert len(pipe) == 3
    assert pipe[0] is scaler and pipe[-1] is ridge and pipe["poly"] is poly
    assert pipe.named_steps["ridge"] is ridge and pipe.named_steps.scale is scaler
    head = pipe[:2]
    assert isinstance(head, Pipeline) and [n for n, _ in head.steps] == ["scale", "poly"]
    assert head[1] is poly  # a slice shares the step objects
    pipe.fit(IRIS_X[:, :3], IRIS_X[:, 3])
    np.testing.assert_allclose(
        pipe[:-1].transform(IRIS_X[:, :3]), poly.transform(scaler.transform(IRIS_X[:, :3]))
    )
    with pytest.raises(ValueError, match="step of 1"):
        pipe[::2]
    with pytest.raises(KeyError):
        pipe["nope"]
    with pytest.raises(IndexError):
        pipe[5]


def test_make_pipeline_names_steps_like_sklearn():
    ours = make_pipeline(StandardScaler(), StandardScaler(), "passthrough", LogisticRegression())
    theirs = skpipe.make_pipeline(
        skp.StandardScaler(), skp.StandardScaler(), "passthrough", SkLogistic()
    )
    assert (
        [n for n, _ in ours.steps]
        == [n for n, _ in theirs.steps]
        == ["standardscaler-1", "standardscaler-2", "passthrough", "logisticregression"]
    )
    assert (
        make_column_transformer((StandardScaler(), [0]), (OneHotEncoder(), [1])).transformers[1][0]
        == "onehotencoder"
    )


@pytest.mark.parametrize("skip", ["passthrough", None])
def test_passthrough_and_none_steps_are_skipped(skip):
    model = LogisticRegression(max_iter=1000)
    pipe = Pipeline([("scale", skip), ("clf", model)]).fit(IRIS_X, IRIS_Y)
    np.testing.assert_array_equal(
        pipe.predict(IRIS_X), sklearn.base.clone(model).fit(IRIS_X, IRIS_Y).predict(IRIS_X)
    )
    only = Pipeline([("scale", StandardScaler()), ("last", skip)])
    np.testing.assert_allclose(only.fit_transform(IRIS_X), StandardScaler().fit_transform(IRIS_X))
    np.testing.assert_allclose(only.transform(IRIS_X), StandardScaler().fit_transform(IRIS_X))
    # a step can be switched off through set_params
    pipe = make_pipeline(StandardScaler(), MinMaxScaler())
    pipe.set_params(minmaxscaler=skip)
    np.testing.assert_allclose(pipe.fit_transform(IRIS_X), StandardScaler().fit_transform(IRIS_X))


def test_step_params_in_get_and_set_params():
    pipe = Pipeline([("scale", StandardScaler()), ("clf", LogisticRegression())])
    params = pipe.get_params()
    assert params["clf__C"] == 1.0 and params["scale__with_mean"] is True
    assert params["clf"] is pipe.steps[1][1] and params["steps"] is pipe.steps
    assert set(params) == set(skpipe.Pipeline(pipe.steps).get_params())
    assert set(pipe.get_params(deep=False)) == {"steps", "memory", "transform_input", "verbose"}
    pipe.set_params(clf__C=0.1, scale__with_mean=False)
    assert pipe.named_steps.clf.C == 0.1 and pipe.named_steps.scale.with_mean is False
    new = Ridge()
    pipe.set_params(clf=new)
    assert pipe.steps[1] == ("clf", new)
    cloned = sklearn.base.clone(pipe)
    assert cloned.named_steps.clf is not new and cloned.named_steps.scale.with_mean is False
    with pytest.raises(ValueError, match="Invalid parameter 'svm'"):
        pipe.set_params(svm__C=1.0)


# the "passthrough" candidates fit unscaled breast-cancer data, which lbfgs does not finish
@pytest.mark.filterwarnings("ignore::homeml.learn.ConvergenceWarning")
def test_pipeline_in_homeml_and_sklearn_grid_search():
    pipe = make_pipeline(StandardScaler(), LogisticRegression())
    grid = {
        "logisticregression__C": [0.01, 0.1, 1.0],
        "standardscaler": [StandardScaler(), "passthrough"],
    }
    ours = hm.GridSearchCV(pipe, grid, cv=3).fit(CANCER_X, CANCER_Y)
    theirs = SkGridSearchCV(pipe, grid, cv=3).fit(CANCER_X, CANCER_Y)
    np.testing.assert_allclose(
        ours.cv_results_["mean_test_score"], theirs.cv_results_["mean_test_score"], rtol=1e-12
    )
    assert ours.best_index_ == theirs.best_index_
    assert (
        ours.best_params_["logisticregression__C"] == theirs.best_params_["logisticregression__C"]
    )
    assert isinstance(ours.best_estimator_, Pipeline)
    np.testing.assert_array_equal(ours.predict(CANCER_X), theirs.predict(CANCER_X))
    # the same pipeline made of scikit-learn steps, searched by homeml
    sk_pipe = skpipe.make_pipeline(skp.StandardScaler(), SkLogistic())
    sk_grid = {"logisticregression__C": [0.01, 0.1, 1.0]}
    np.testing.assert_allclose(
        hm.GridSearchCV(sk_pipe, sk_grid, cv=3)
        .fit(CANCER_X, CANCER_Y)
        .cv_results_["mean_test_score"],
        SkGridSearchCV(sk_pipe, sk_grid, cv=3)
        .fit(CANCER_X, CANCER_Y)
        .cv_results_["mean_test_score"],
        rtol=1e-12,
    )


def test_fit_params_are_routed_to_steps():
    weights = np.where(CANCER_Y == 1, 1.0, 3.0)
    pipe = make_pipeline(StandardScaler(), LogisticRegression())
    pipe.fit(CANCER_X, CANCER_Y, logisticregression__sample_weight=weights)
    Xs = StandardScaler().fit_transform(CANCER_X)
    by_hand = LogisticRegression().fit(Xs, CANCER_Y, sample_weight=weights)
    np.testing.assert_allclose(pipe[-1].coef_, by_hand.coef_)
    with pytest.raises(ValueError, match="stepname__parameter"):
        pipe.fit(CANCER_X, CANCER_Y, sample_weight=weights)


def test_pipeline_bad_input_gives_clear_errors():
    with pytest.raises(TypeError, match="intermediate steps should be transformers"):
        Pipeline([("clf", LogisticRegression()), ("scale", StandardScaler())]).fit(IRIS_X, IRIS_Y)
    with pytest.raises(TypeError, match="Last step of Pipeline should implement fit"):
        Pipeline([("scale", StandardScaler()), ("last", 3)]).fit(IRIS_X, IRIS_Y)
    with pytest.raises(ValueError, match="Names provided are not unique"):
        Pipeline([("a", StandardScaler()), ("a", LogisticRegression())]).fit(IRIS_X, IRIS_Y)
    with pytest.raises(ValueError, match="must not contain __"):
        Pipeline([("a__b", StandardScaler()), ("c", LogisticRegression())]).fit(IRIS_X, IRIS_Y)
    with pytest.raises(ValueError, match="conflict with constructor arguments"):
        Pipeline([("steps", StandardScaler()), ("c", LogisticRegression())]).fit(IRIS_X, IRIS_Y)
    with pytest.raises(TypeError, match=r"list of \(name, estimator\) tuples"):
        Pipeline([StandardScaler(), LogisticRegression()]).fit(IRIS_X, IRIS_Y)
    with pytest.raises(ValueError, match="empty"):
        Pipeline([]).fit(IRIS_X, IRIS_Y)
    with pytest.raises(NotFittedError):
        make_pipeline(StandardScaler(), LogisticRegression()).predict(IRIS_X)
    fitted = make_pipeline(StandardScaler(), LogisticRegression()).fit(IRIS_X, IRIS_Y)
    with pytest.raises(ValueError, match="X has 3 features, but StandardScaler is expecting 4"):
        fitted.predict(IRIS_X[:, :3])


# -- ColumnTransformer ---------------------------------------------------------------------------


def _mixed_frame():
    rng = np.random.RandomState(0)
    return pd.DataFrame(
        {
            "age": rng.randint(18, 80, 40).astype(float),
            "income": rng.lognormal(10, 1, 40),
            "city": rng.choice(["Oslo", "Paris", "Lima"], 40),
            "height": rng.normal(170, 10, 40),
            "pet": rng.choice(["cat", "dog"], 40),
        }
    )


NUMBERS = np.random.RandomState(1).normal(3, 2, (30, 5))


@pytest.mark.parametrize(
    "columns", [[0, 2], slice(1, 4), np.array([True, False, True, False, True]), [-1]]
)
@pytest.mark.parametrize("remainder", ["drop", "passthrough", "scaler"])
def test_column_transformer_on_arrays_equals_sklearn(columns, remainder):
    def build(module, scaler, minmax):
        rest = scaler() if remainder == "scaler" else remainder
        return module.ColumnTransformer(
            [("scale", scaler(), columns), ("mm", minmax(), [4])], remainder=rest
        )

    ours = build(_HomemlCompose, StandardScaler, MinMaxScaler)
    theirs = build(skc, skp.StandardScaler, skp.MinMaxScaler)
    out = ours.fit_transform(NUMBERS)
    np.testing.assert_allclose(out, theirs.fit_transform(NUMBERS), rtol=1e-12)
    np.testing.assert_allclose(
        ours.transform(NUMBERS[:7]), theirs.transform(NUMBERS[:7]), rtol=1e-12
    )
    np.testing.assert_array_equal(ours.get_feature_names_out(), theirs.get_feature_names_out())
    assert ours.output_indices_ == theirs.output_indices_
    assert [t[0] for t in ours.transformers_] == [t[0] for t in theirs.transformers_]


class _HomemlCompose:
    ColumnTransformer = ColumnTransformer


def test_column_transformer_scalar_column_gives_1d_input_like_sklearn():
    def shape_of(column):  # the number of dimensions the transformer was handed, per row
        return np.full((len(column), 1), float(np.ndim(column)))

    for module in (_HomemlCompose, skc):
        ct = module.ColumnTransformer(
            [
                ("one", skp.FunctionTransformer(shape_of), 2),
                ("two", skp.FunctionTransformer(shape_of), [2]),
            ]
        )
        np.testing.assert_array_equal(ct.fit_transform(NUMBERS)[0], [1.0, 2.0])


def test_column_transformer_on_dataframe_names_equals_sklearn():
    frame = _mixed_frame()
    spec = dict(num=["age", "income"], cat=["city", "pet"])
    ours = ColumnTransformer(
        [("num", StandardScaler(), spec["num"]), ("cat", OneHotEncoder(), spec["cat"])],
        remainder="passthrough",
    )
    theirs = skc.ColumnTransformer(
        [
            ("num", skp.StandardScaler(), spec["num"]),
            ("cat", skp.OneHotEncoder(sparse_output=False), spec["cat"]),
        ],
        remainder="passthrough",
    )
    out = ours.fit_transform(frame)
    np.testing.assert_allclose(
        out.astype(float), theirs.fit_transform(frame).astype(float), rtol=1e-12
    )
    np.testing.assert_array_equal(ours.get_feature_names_out(), theirs.get_feature_names_out())
    assert list(ours.get_feature_names_out()) == [
        "num__age",
        "num__income",
        "cat__city_Lima",
        "cat__city_Oslo",
        "cat__city_Paris",
        "cat__pet_cat",
        "cat__pet_dog",
        "remainder__height",
    ]
    np.testing.assert_array_equal(ours.feature_names_in_, frame.columns)
    assert ours.named_transformers_["cat"].categories_[1].tolist() == ["cat", "dog"]
    assert ours.named_transformers_.num is ours.transformers_[0][1]
    # columns given in another order at transform time are refused, as in scikit-learn
    with pytest.raises(ValueError, match="feature names should match"):
        ours.transform(frame[frame.columns[::-1]])
    # a name slice and a callable select columns too
    by_slice = ColumnTransformer([("s", StandardScaler(), slice("age", "income"))]).fit(frame)
    by_call = ColumnTransformer([("s", StandardScaler(), lambda X: ["age", "income"])]).fit(frame)
    np.testing.assert_allclose(by_slice.transform(frame), by_call.transform(frame))
    np.testing.assert_allclose(by_slice.transform(frame), out[:, :2].astype(float))


def test_column_transformer_in_a_pipeline_with_imputer_and_verbose_names_off():
    frame = _mixed_frame()
    frame.loc[::7, "income"] = np.nan
    prep = ColumnTransformer(
        [
            ("num", make_pipeline(SimpleImputer(), StandardScaler()), ["age", "income", "height"]),
            ("cat", OneHotEncoder(handle_unknown="ignore"), ["city"]),
        ],
        verbose_feature_names_out=False,
    )
    sk_prep = skc.ColumnTransformer(
        [
            (
                "num",
                skpipe.make_pipeline(SkImputer(), skp.StandardScaler()),
                ["age", "income", "height"],
            ),
            ("cat", skp.OneHotEncoder(handle_unknown="ignore", sparse_output=False), ["city"]),
        ],
        verbose_feature_names_out=False,
    )
    np.testing.assert_allclose(prep.fit_transform(frame), sk_prep.fit_transform(frame), rtol=1e-12)
    np.testing.assert_array_equal(prep.get_feature_names_out(), sk_prep.get_feature_names_out())
    y = (frame["height"] > 170).to_numpy()
    model = make_pipeline(prep, LogisticRegression()).fit(frame, y)
    assert model.score(frame, y) > 0.9
    assert model.predict(frame.iloc[:3]).shape == (3,)


def test_column_transformer_params_weights_and_drop():
    ct = ColumnTransformer(
        [("a", StandardScaler(), [0]), ("b", "drop", [1]), ("c", MinMaxScaler(), [2])],
        transformer_weights={"c": 10.0},
    )
    params = ct.get_params()
    assert params["a__with_mean"] is True and params["b"] == "drop"
    ct.set_params(a__with_mean=False)
    assert ct.transformers[0][1].with_mean is False
    ours = ct.fit_transform(NUMBERS)
    theirs = skc.ColumnTransformer(
        [
            ("a", skp.StandardScaler(with_mean=False), [0]),
            ("b", "drop", [1]),
            ("c", skp.MinMaxScaler(), [2]),
        ],
        transformer_weights={"c": 10.0},
    ).fit_transform(NUMBERS)
    np.testing.assert_allclose(ours, theirs, rtol=1e-12)
    assert ours.shape == (30, 2) and ours[:, 1].max() == pytest.approx(10.0)


def test_column_transformer_in_sklearn_grid_search():
    ct = ColumnTransformer([("scale", StandardScaler(), [0, 1, 2, 3])])
    pipe = make_pipeline(ct, LogisticRegression())
    grid = {
        "columntransformer__scale__with_std": [True, False],
        "logisticregression__C": [0.1, 1.0],
    }
    ours = hm.GridSearchCV(pipe, grid, cv=3).fit(IRIS_X, IRIS_Y)
    theirs = SkGridSearchCV(pipe, grid, cv=3).fit(IRIS_X, IRIS_Y)
    np.testing.assert_allclose(
        ours.cv_results_["mean_test_score"], theirs.cv_results_["mean_test_score"], rtol=1e-12
    )


def test_column_transformer_bad_input_gives_clear_errors():
    frame = _mixed_frame()
    with pytest.raises(ValueError, match="not a column of the dataframe: \\['weight'\\]"):
        ColumnTransformer([("s", StandardScaler(), ["weight"])]).fit(frame)
    with pytest.raises(ValueError, match="only supported for dataframes"):
        ColumnTransformer([("s", StandardScaler(), ["age"])]).fit(NUMBERS)
    with pytest.raises(ValueError, match="Column index out of range"):
        ColumnTransformer([("s", StandardScaler(), [0, 9])]).fit(NUMBERS)
    with pytest.raises(ValueError, match="boolean column mask must have 5 entries"):
        ColumnTransformer([("s", StandardScaler(), [True, False])]).fit(NUMBERS)
    with pytest.raises(TypeError, match="should implement fit and transform"):
        ColumnTransformer([("s", LogisticRegression(), [0])]).fit(NUMBERS, np.arange(30) % 2)
    with pytest.raises(ValueError, match="'drop' or 'passthrough'"):
        ColumnTransformer([("s", "keep", [0])]).fit(NUMBERS)
    with pytest.raises(ValueError, match="remainder keyword needs to be one of"):
        ColumnTransformer([("s", StandardScaler(), [0])], remainder="keep").fit(NUMBERS)
    with pytest.raises(TypeError, match=r"list of \(name, transformer, columns\)"):
        ColumnTransformer([("s", StandardScaler())]).fit(NUMBERS)
    with pytest.raises(ValueError, match="Names provided are not unique"):
        ColumnTransformer([("s", StandardScaler(), [0]), ("s", MinMaxScaler(), [1])]).fit(NUMBERS)
    fitted = ColumnTransformer([("s", StandardScaler(), [0])]).fit(NUMBERS)
    with pytest.raises(ValueError, match="X has 4 features, but ColumnTransformer is expecting 5"):
        fitted.transform(NUMBERS[:, :4])
    with pytest.raises(NotFittedError):
        ColumnTransformer([("s", StandardScaler(), [0])]).transform(NUMBERS)
    bad = NUMBERS.copy()
    bad[0, 0] = np.nan
    with pytest.raises(ValueError, match="contains NaN"):  # the inner transformer refuses NaN
        ColumnTransformer([("s", PolynomialFeatures(), [0])]).fit(bad)
