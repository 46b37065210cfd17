"""set_output(transform="pandas") on transformers, Pipeline and ColumnTransformer: scikit-learn's
own set_output checks on every homeml transformer that offers it, and the same DataFrames as
scikit-learn's for the same pipelines."""

from __future__ import annotations

import numpy as np
import pytest
from test_sklearn_checks import _estimators

import homeml.learn as hl

pd = pytest.importorskip("pandas", reason="pandas output needs pandas")
sk_checks = pytest.importorskip("sklearn.utils.estimator_checks", reason="scikit-learn reference")
import sklearn  # noqa: E402
import sklearn.compose  # noqa: E402
import sklearn.decomposition  # noqa: E402
import sklearn.pipeline  # noqa: E402
import sklearn.preprocessing  # noqa: E402

# one instance per class (the last of the checks' list: for TSNE the exact method, quicker)
WITH_SET_OUTPUT = list(
    {type(e).__name__: e for e in _estimators() if hasattr(e, "set_output")}.values()
)


def test_the_transformers_with_output_names_offer_set_output():
    names = {type(e).__name__ for e in WITH_SET_OUTPUT}
    assert {"StandardScaler", "OneHotEncoder", "PCA", "ColumnTransformer", "Pipeline"} <= names
    assert not hasattr(hl.LogisticRegression(), "set_output")


@pytest.mark.parametrize("estimator", WITH_SET_OUTPUT, ids=lambda e: type(e).__name__)
def test_scikit_learns_set_output_checks(estimator):
    name = type(estimator).__name__
    sk_checks.check_set_output_transform(name, estimator)
    sk_checks.check_set_output_transform_pandas(name, estimator)


def frame():
    rng = np.random.RandomState(0)
    return pd.DataFrame(
        {
            "age": rng.uniform(20, 60, 12),
            "income": rng.lognormal(3, 1, 12),
            "city": rng.choice(["paris", "lyon", "nice"], 12),
            "rooms": rng.randint(1, 6, 12),
        },
        index=[f"row{i}" for i in range(12)],
    )


def twins(build):
    """The same construction from homeml.learn and from scikit-learn's modules."""
    sk = {
        "StandardScaler": sklearn.preprocessing.StandardScaler,
        "OneHotEncoder": sklearn.preprocessing.OneHotEncoder,
        "MinMaxScaler": sklearn.preprocessing.MinMaxScaler,
        "PCA": sklearn.decomposition.PCA,
        "ColumnTransformer": sklearn.compose.ColumnTransformer,
        "make_pipeline": sklearn.pipeline.make_pipeline,
    }
    return build(hl), build(type("sk", (), {k: staticmethod(v) for k, v in sk.items()}))


BUILDS = {
    "scaler": lambda m: m.StandardScaler(),
    "pipeline": lambda m: m.make_pipeline(m.StandardScaler(), m.PCA(n_components=2)),
    "column transformer": lambda m: m.ColumnTransformer(
        [
            ("num", m.StandardScaler(), ["age", "income"]),
            ("cat", m.OneHotEncoder(sparse_output=False), ["city"]),
        ],
        remainder="passthrough",
    ),
    "pipeline of a column transformer": lambda m: m.make_pipeline(
        m.ColumnTransformer(
            [("cat", m.OneHotEncoder(sparse_output=False), ["city"])],
            remainder=m.MinMaxScaler(),
            verbose_feature_names_out=False,
        ),
        m.StandardScaler(),
    ),
}


@pytest.mark.parametrize("build", BUILDS.values(), ids=BUILDS.keys())
def test_pandas_output_equals_scikit_learns(build):
    X = frame()
    if build is BUILDS["scaler"] or build is BUILDS["pipeline"]:
        X = X[["age", "income", "rooms"]]
    ours, theirs = twins(build)
    ours.set_output(transform="pandas")
    theirs.set_output(transform="pandas")
    expected = theirs.fit_transform(X)
    got = ours.fit_transform(X)
    pd.testing.assert_frame_equal(got, expected, check_dtype=True, rtol=1e-10)
    pd.testing.assert_frame_equal(ours.transform(X.iloc[3:8]), theirs.transform(X.iloc[3:8]))


def test_default_output_is_unchanged_and_can_be_restored():
    X = frame()[["age", "income"]]
    scaler = hl.StandardScaler()
    plain = scaler.fit_transform(X)
    assert isinstance(plain, np.ndarray)
    assert isinstance(scaler.set_output(transform="pandas").transform(X), pd.DataFrame)
    assert hl.clone(scaler).fit_transform(X).columns.tolist() == ["age", "income"]
    np.testing.assert_array_equal(scaler.set_output(transform="default").transform(X), plain)
    assert scaler.set_output(transform=None) is scaler


def test_bad_settings_name_the_problem():
    with pytest.raises(ValueError, match="polars"):
        hl.StandardScaler().set_output(transform="polars")
    with pytest.raises(ValueError, match="sparse"):
        hl.CountVectorizer().set_output(transform="pandas").fit_transform(["ab cd", "cd ef"])
