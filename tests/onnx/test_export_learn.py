"""homeml.onnx.export of fitted homeml.learn estimators: onnxruntime reproduces homeml.

homeml is evaluated on the same float32 input as onnxruntime (it computes in float64, the
exported graph in float32), and the outputs must agree to 1e-5 relative, plus an absolute
term of 1e-5 of the output's scale for entries near 0 (probabilities: 1e-6 absolute).
"""

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from sklearn.datasets import load_breast_cancer, load_diabetes, load_iris, make_classification

from homeml.learn.cluster import KMeans
from homeml.learn.decomposition import PCA
from homeml.learn.ensemble import (
    ExtraTreesClassifier,
    ExtraTreesRegressor,
    RandomForestClassifier,
    RandomForestRegressor,
)
from homeml.learn.linear_model import (
    ElasticNet,
    Lasso,
    LinearRegression,
    LogisticRegression,
    Ridge,
)
from homeml.learn.naive_bayes import GaussianNB
from homeml.learn.pipeline import Pipeline
from homeml.learn.preprocessing import MinMaxScaler, StandardScaler
from homeml.learn.tree import DecisionTreeClassifier, DecisionTreeRegressor
from homeml.onnx import export

RTOL = 1e-5


def f32(X):
    return np.asarray(X, dtype=np.float32)


@pytest.fixture(scope="module")
def data():
    iris = load_iris()
    cancer = load_breast_cancer()
    diabetes = load_diabetes()
    Xc, yc = make_classification(
        n_samples=300, n_features=8, n_informative=5, n_classes=3, random_state=0
    )
    return {
        "iris": (f32(iris.data), iris.target),
        "cancer": (f32(cancer.data), cancer.target),
        "diabetes": (f32(diabetes.data), diabetes.target),
        "synth": (f32(Xc), yc),
    }


def run(path, X, names):
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    assert [i.name for i in session.get_inputs()] == ["input"]
    assert [o.name for o in session.get_outputs()] == names
    return session.run(names, {"input": X})


def close(got, expected, atol=None):
    expected = np.asarray(expected, dtype=np.float64)
    assert got.dtype == np.float32
    assert got.shape == expected.shape
    if atol is None:
        atol = RTOL * max(np.abs(expected).max(), 1.0)
    np.testing.assert_allclose(got, expected, rtol=RTOL, atol=atol)


def export_checked(est, X, tmp_path):
    path = tmp_path / "model.onnx"
    proto = export(est, path, X[:3])
    onnx.checker.check_model(str(path))
    assert proto.graph.input[0].type.tensor_type.shape.dim[0].dim_param == "batch"
    return path


def batches(X):
    return [X[:1], X]  # batch sizes 1 and many


def check_classifier(est, X, tmp_path):
    path = export_checked(est, X, tmp_path)
    for Xb in batches(X):
        label, proba = run(path, Xb, ["label", "probabilities"])
        expected = est.predict_proba(Xb)
        close(proba, expected, atol=1e-6)
        assert label.dtype == np.int64
        predicted = est.predict(Xb)
        differ = label != predicted
        if differ.any():  # only where the two best probabilities tie
            top2 = np.sort(expected[differ], axis=1)[:, -2:]
            assert np.all(top2[:, 1] - top2[:, 0] < 1e-6)
        assert differ.sum() == 0


def check_regressor(est, X, tmp_path):
    path = export_checked(est, X, tmp_path)
    for Xb in batches(X):
        (out,) = run(path, Xb, ["output"])
        close(out, est.predict(Xb))


def check_transformer(est, X, tmp_path):
    path = export_checked(est, X, tmp_path)
    for Xb in batches(X):
        (out,) = run(path, Xb, ["output"])
        close(out, est.transform(Xb))


@pytest.mark.parametrize(
    "make",
    [
        LinearRegression,
        lambda: Ridge(alpha=0.5),
        lambda: Lasso(alpha=0.05),
        lambda: ElasticNet(alpha=0.01, l1_ratio=0.3),
    ],
    ids=["LinearRegression", "Ridge", "Lasso", "ElasticNet"],
)
def test_linear_regressors(make, data, tmp_path):
    X, y = data["diabetes"]
    check_regressor(make().fit(X, y), X, tmp_path)


def test_linear_regression_multi_target(data, tmp_path):
    X, y = data["diabetes"]
    Y = np.column_stack([y, -2.0 * y + 5.0])
    est = LinearRegression().fit(X, Y)
    check_regressor(est, X, tmp_path)
    (out,) = run(tmp_path / "model.onnx", X, ["output"])
    assert out.shape == (len(X), 2)


@pytest.mark.parametrize("name", ["iris", "synth"])
def test_logistic_multinomial(name, data, tmp_path):
    X, y = data[name]
    check_classifier(LogisticRegression(max_iter=500).fit(X, y), X, tmp_path)


def test_logistic_binary(data, tmp_path):
    X, y = data["cancer"]
    X = StandardScaler().fit_transform(X).astype(np.float32)
    check_classifier(LogisticRegression(max_iter=500).fit(X, y), X, tmp_path)


def test_logistic_integer_labels_mapped(data, tmp_path):
    X, y = data["iris"]
    est = LogisticRegression(max_iter=500).fit(X, np.array([10, 20, 35])[y])
    check_classifier(est, X, tmp_path)
    (label,) = run(tmp_path / "model.onnx", X, ["label", "probabilities"])[:1]
    assert set(label) <= {10, 20, 35}


@pytest.mark.parametrize(
    "make",
    [
        StandardScaler,
        lambda: StandardScaler(with_mean=False),
        MinMaxScaler,
        lambda: MinMaxScaler(feature_range=(-1, 2), clip=True),
        lambda: PCA(n_components=3),
        lambda: PCA(n_components=3, whiten=True),
    ],
    ids=[
        "StandardScaler",
        "StandardScaler-nomean",
        "MinMaxScaler",
        "MinMaxScaler-clip",
        "PCA",
        "PCA-whiten",
    ],
)
def test_transformers(make, data, tmp_path):
    X, _ = data["iris"]
    est = make().fit(X[::2])
    # the other half: new data (MinMaxScaler's clip really clips)
    check_transformer(est, X[1::2], tmp_path)


def test_kmeans(data, tmp_path):
    X, _ = data["iris"]
    est = KMeans(n_clusters=3, n_init=3, random_state=0).fit(X)
    path = export_checked(est, X, tmp_path)
    for Xb in batches(X):
        label, distances = run(path, Xb, ["label", "distances"])
        assert label.dtype == np.int64
        np.testing.assert_array_equal(label, est.predict(Xb))
        close(distances, est.transform(Xb))


@pytest.mark.parametrize("name", ["iris", "cancer", "synth"])
def test_gaussian_nb(name, data, tmp_path):
    X, y = data[name]
    if name == "cancer":  # keep the log-likelihoods moderate: probabilities not all 0/1
        X = StandardScaler().fit_transform(X).astype(np.float32)
    check_classifier(GaussianNB().fit(X, y), X, tmp_path)


def test_pipeline_classifier(data, tmp_path):
    X, y = data["cancer"]
    pipe = Pipeline(
        [
            ("scale", StandardScaler()),
            ("skip", "passthrough"),
            ("pca", PCA(n_components=5)),
            ("clf", LogisticRegression(max_iter=500)),
        ]
    ).fit(X, y)
    check_classifier(pipe, X, tmp_path)


def test_pipeline_regressor_and_transformer(data, tmp_path):
    X, y = data["diabetes"]
    pipe = Pipeline([("scale", MinMaxScaler()), ("pca", PCA(whiten=True)), ("reg", Ridge())])
    check_regressor(pipe.fit(X, y), X, tmp_path)
    pipe = Pipeline([("scale", StandardScaler()), ("pca", PCA(n_components=4))]).fit(X)
    check_transformer(pipe, X, tmp_path)


def test_pipeline_final_passthrough(data, tmp_path):
    X, _ = data["iris"]
    pipe = Pipeline(
        [("s", StandardScaler()), ("pca", PCA(n_components=2)), ("end", "passthrough")]
    ).fit(X)
    check_transformer(pipe, X, tmp_path)


def test_pipeline_kmeans_then_naive_bayes(data, tmp_path):
    X, y = data["iris"]
    pipe = Pipeline(
        [
            ("scale", StandardScaler()),
            ("km", KMeans(n_clusters=5, n_init=2, random_state=0)),
            ("nb", GaussianNB()),
        ]
    ).fit(X, y)
    check_classifier(pipe, X, tmp_path)


def test_bad_example_input(data, tmp_path):
    X, y = data["iris"]
    est = LogisticRegression(max_iter=500).fit(X, y)
    with pytest.raises(ValueError, match="4"):
        export(est, tmp_path / "m.onnx", X[:2, :3])
    with pytest.raises(ValueError, match="2-D"):
        export(est, tmp_path / "m.onnx", X[0])
    pipe = Pipeline([("s", StandardScaler()), ("r", Ridge())]).fit(X, y)
    with pytest.raises(ValueError, match="n_features_in_"):
        export(pipe, tmp_path / "m.onnx", np.zeros((1, 5), np.float32))
    assert not (tmp_path / "m.onnx").exists()


def test_unfitted(tmp_path):
    x = np.zeros((1, 4), np.float32)
    with pytest.raises(ValueError, match="not fitted"):  # NotFittedError is a ValueError
        export(LinearRegression(), tmp_path / "m.onnx", x)
    pipe = Pipeline([("s", StandardScaler()), ("r", Ridge())])
    with pytest.raises(ValueError, match="not fitted"):
        export(pipe, tmp_path / "m.onnx", x)
    with pytest.raises(ValueError, match="not fitted"):
        export(RandomForestClassifier(), tmp_path / "m.onnx", x)
    assert not (tmp_path / "m.onnx").exists()


def test_unsupported(data, tmp_path):
    from homeml.learn.preprocessing import RobustScaler

    X, y = data["iris"]
    with pytest.raises(NotImplementedError, match="RobustScaler"):
        export(RobustScaler().fit(X), tmp_path / "m.onnx", X)
    pipe = Pipeline([("s", RobustScaler()), ("r", Ridge())]).fit(X, y)
    with pytest.raises(NotImplementedError, match="RobustScaler"):
        export(pipe, tmp_path / "m.onnx", X)
    # a classifier in the middle of a pipeline has no transform to chain
    with pytest.raises(TypeError):
        Pipeline([("c", GaussianNB()), ("r", Ridge())]).fit(X, y)


def test_string_classes_refused(data, tmp_path):
    X, y = data["iris"]
    est = GaussianNB().fit(X, np.array(["a", "b", "c"])[y])
    with pytest.raises(NotImplementedError, match="integer class labels"):
        export(est, tmp_path / "m.onnx", X)


@pytest.mark.parametrize(
    "make",
    [
        lambda: DecisionTreeClassifier(random_state=0),
        lambda: DecisionTreeClassifier(max_depth=3, random_state=0),
        lambda: RandomForestClassifier(n_estimators=15, random_state=0),
        lambda: ExtraTreesClassifier(n_estimators=10, max_depth=5, random_state=0),
    ],
    ids=["DecisionTree", "DecisionTree-depth3", "RandomForest", "ExtraTrees"],
)
@pytest.mark.parametrize("name", ["iris", "cancer", "synth"])
def test_tree_classifiers(make, name, data, tmp_path):
    X, y = data[name]
    est = make().fit(X, y)
    check_classifier(est, X, tmp_path)
    assert any(
        o.domain == "ai.onnx.ml" and o.version == 3
        for o in onnx.load(str(tmp_path / "model.onnx")).opset_import
    )


@pytest.mark.parametrize(
    "make",
    [
        lambda: DecisionTreeRegressor(random_state=0),
        lambda: DecisionTreeRegressor(max_depth=4, random_state=0),
        lambda: RandomForestRegressor(n_estimators=15, random_state=0),
        lambda: ExtraTreesRegressor(n_estimators=10, random_state=0),
    ],
    ids=["DecisionTree", "DecisionTree-depth4", "RandomForest", "ExtraTrees"],
)
def test_tree_regressors(make, data, tmp_path):
    X, y = data["diabetes"]
    check_regressor(make().fit(X, y), X, tmp_path)


def test_tree_thresholds_exact_at_split_values(data, tmp_path):
    """Inputs equal to (the float32 neighbours of) every threshold go the way homeml sends them."""
    X, y = data["iris"]
    est = DecisionTreeRegressor(random_state=0).fit(X, y.astype(float))
    internal = est.tree_.children_left != -1
    rows = []
    for f, t in zip(est.tree_.feature[internal], est.tree_.threshold[internal]):
        t32 = np.float32(t)
        for v in (np.nextafter(t32, -np.inf), t32, np.nextafter(t32, np.inf)):
            row = X[len(rows) % len(X)].copy()
            row[f] = v
            rows.append(row)
    Xt = f32(rows)
    check_regressor(est, Xt, tmp_path)


def test_pipeline_scaler_forest(data, tmp_path):
    X, y = data["synth"]
    pipe = Pipeline(
        [
            ("s", StandardScaler()),
            ("pca", PCA(n_components=5)),
            ("rf", RandomForestClassifier(n_estimators=10, random_state=0)),
        ]
    ).fit(X, y)
    check_classifier(pipe, X, tmp_path)


def test_multi_output_tree_refused(data, tmp_path):
    X, y = data["diabetes"]
    est = DecisionTreeRegressor(max_depth=3).fit(X, np.column_stack([y, y]))
    with pytest.raises(NotImplementedError, match="single-output"):
        export(est, tmp_path / "m.onnx", X)
