"""homeml.learn.preprocessing against sklearn.preprocessing / sklearn.impute (to 1e-12)."""

from __future__ import annotations

import numpy as np
import pytest

from homeml.learn import preprocessing as hp

skp = pytest.importorskip("sklearn.preprocessing")
from sklearn.impute import SimpleImputer as SkImputer  # noqa: E402

TOL = dict(rtol=1e-12, atol=1e-12)
rng = np.random.default_rng(0)
X = rng.normal(5, 3, (60, 4))
X_nan = X.copy()
X_nan[rng.random(X.shape) < 0.1] = np.nan


@pytest.mark.parametrize("kwargs", [{}, {"with_mean": False}, {"with_std": False}])
@pytest.mark.parametrize("data", [X, X_nan])
def test_standard_scaler_matches_sklearn(kwargs, data):
    w = rng.uniform(0.5, 2, len(data))
    for sw in (None, w):
        ours = hp.StandardScaler(**kwargs).fit(data, sample_weight=sw)
        theirs = skp.StandardScaler(**kwargs).fit(data, sample_weight=sw)
        for name in ("mean_", "var_", "scale_", "n_samples_seen_"):
            a, b = getattr(ours, name), getattr(theirs, name)
            assert (a is None) == (b is None)
            if b is not None:
                np.testing.assert_allclose(a, b, **TOL)
        np.testing.assert_allclose(ours.transform(data), theirs.transform(data), **TOL)
        np.testing.assert_allclose(ours.inverse_transform(ours.transform(data)), data, rtol=1e-12)


def test_standard_scaler_partial_fit_and_float32():
    ours, theirs = hp.StandardScaler(), skp.StandardScaler()
    for chunk in np.array_split(X_nan, 3):
        ours.partial_fit(chunk)
        theirs.partial_fit(chunk)
    np.testing.assert_allclose(ours.mean_, theirs.mean_, **TOL)
    np.testing.assert_allclose(ours.var_, theirs.var_, **TOL)
    np.testing.assert_array_equal(ours.n_samples_seen_, theirs.n_samples_seen_)
    assert hp.StandardScaler().fit_transform(X.astype(np.float32)).dtype == np.float32
    constant = np.ones((5, 2))
    np.testing.assert_array_equal(hp.StandardScaler().fit(constant).scale_, [1.0, 1.0])


@pytest.mark.parametrize("kwargs", [{}, {"feature_range": (-2, 3)}, {"clip": True}])
def test_min_max_scaler_matches_sklearn(kwargs):
    new = X * 1.5
    ours, theirs = hp.MinMaxScaler(**kwargs).fit(X_nan), skp.MinMaxScaler(**kwargs).fit(X_nan)
    for name in ("data_min_", "data_max_", "scale_", "min_"):
        np.testing.assert_allclose(getattr(ours, name), getattr(theirs, name), **TOL)
    np.testing.assert_allclose(ours.transform(new), theirs.transform(new), **TOL)
    np.testing.assert_allclose(
        ours.inverse_transform(ours.transform(new)),
        theirs.inverse_transform(theirs.transform(new)),
        **TOL,
    )
    with pytest.raises(ValueError, match="feature range"):
        hp.MinMaxScaler(feature_range=(1, 0)).fit(X)


@pytest.mark.parametrize(
    "kwargs", [{}, {"quantile_range": (10, 90)}, {"with_centering": False}, {"unit_variance": True}]
)
def test_robust_scaler_matches_sklearn(kwargs):
    ours, theirs = hp.RobustScaler(**kwargs).fit(X_nan), skp.RobustScaler(**kwargs).fit(X_nan)
    np.testing.assert_allclose(ours.transform(X_nan), theirs.transform(X_nan), **TOL)


@pytest.mark.parametrize("norm", ["l1", "l2", "max"])
def test_normalizer_matches_sklearn(norm):
    data = np.vstack([X - 5, np.zeros(4)])
    np.testing.assert_allclose(
        hp.Normalizer(norm).fit_transform(data),
        skp.Normalizer(norm=norm).fit_transform(data),
        **TOL,
    )


CATS = np.array([["a", "x"], ["b", "y"], ["a", "z"], ["c", "y"]], dtype=object)


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"drop": "first"},
        {"drop": "if_binary"},
        {"handle_unknown": "ignore"},
        {"dtype": np.int32},
        {"categories": [["c", "b", "a"], ["x", "y", "z"]]},
    ],
)
def test_one_hot_encoder_matches_sklearn(kwargs):
    data = np.column_stack([CATS, np.array([1, 2, 1, 3])]).astype(object)
    data[:, 2] = data[:, 2].astype(int)
    if "categories" in kwargs:
        data = CATS
    ours = hp.OneHotEncoder(**kwargs).fit(data)
    theirs = skp.OneHotEncoder(sparse_output=False, **kwargs).fit(data)
    out = ours.transform(data)
    np.testing.assert_array_equal(out, theirs.transform(data))
    assert out.dtype == theirs.transform(data).dtype
    for a, b in zip(ours.categories_, theirs.categories_):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(ours.get_feature_names_out(), theirs.get_feature_names_out())
    np.testing.assert_array_equal(ours.inverse_transform(out), theirs.inverse_transform(out))


def test_one_hot_encoder_unknown_and_sparse_and_dataframe():
    enc = hp.OneHotEncoder().fit(CATS)
    with pytest.raises(ValueError, match=r"Found unknown categories \['q'\] in column 0"):
        enc.transform([["q", "x"]])
    ignore = hp.OneHotEncoder(handle_unknown="ignore").fit(CATS)
    np.testing.assert_array_equal(ignore.transform([["q", "x"]]), [[0, 0, 0, 1, 0, 0]])
    with pytest.raises(ValueError, match="sparse_output=True is not supported"):
        hp.OneHotEncoder(sparse_output=True).fit(CATS)
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame({"city": ["Paris", "Oslo", "Paris"], "size": [1.0, 2.0, 2.0]})
    ours, theirs = hp.OneHotEncoder().fit(frame), skp.OneHotEncoder(sparse_output=False).fit(frame)
    np.testing.assert_array_equal(ours.transform(frame), theirs.transform(frame))
    np.testing.assert_array_equal(ours.get_feature_names_out(), theirs.get_feature_names_out())


def test_ordinal_encoder_matches_sklearn():
    data = np.array([["a", 1.0], ["b", np.nan], ["a", 3.0]], dtype=object)
    data_num = np.array([[1.0, 5.0], [np.nan, 5.0], [2.0, 7.0]])
    for d in (data_num, CATS):
        ours, theirs = hp.OrdinalEncoder().fit(d), skp.OrdinalEncoder().fit(d)
        np.testing.assert_array_equal(ours.transform(d), theirs.transform(d))
        np.testing.assert_array_equal(
            ours.inverse_transform(ours.transform(d)), theirs.inverse_transform(theirs.transform(d))
        )
    kwargs = dict(handle_unknown="use_encoded_value", unknown_value=-1, encoded_missing_value=-2)
    ours, theirs = (
        hp.OrdinalEncoder(**kwargs).fit(data_num),
        skp.OrdinalEncoder(**kwargs).fit(data_num),
    )
    new = np.array([[9.0, 5.0], [np.nan, 7.0]])
    np.testing.assert_array_equal(ours.transform(new), theirs.transform(new))
    with pytest.raises(ValueError, match="already used"):
        hp.OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=0).fit(CATS)
    del data


def test_label_encoder_matches_sklearn():
    y = ["paris", "tokyo", "paris", "amsterdam"]
    ours, theirs = hp.LabelEncoder().fit(y), skp.LabelEncoder().fit(y)
    np.testing.assert_array_equal(ours.classes_, theirs.classes_)
    np.testing.assert_array_equal(ours.transform(y), theirs.transform(y))
    np.testing.assert_array_equal(ours.inverse_transform([2, 0]), ["tokyo", "amsterdam"])
    with pytest.raises(ValueError, match="previously unseen labels"):
        ours.transform(["rome"])


@pytest.mark.parametrize(
    "kwargs",
    [{}, {"degree": 3}, {"interaction_only": True}, {"include_bias": False}, {"degree": (2, 3)}],
)
def test_polynomial_features_match_sklearn(kwargs):
    ours, theirs = hp.PolynomialFeatures(**kwargs).fit(X), skp.PolynomialFeatures(**kwargs).fit(X)
    np.testing.assert_array_equal(ours.powers_, theirs.powers_)
    np.testing.assert_allclose(ours.transform(X), theirs.transform(X), rtol=1e-12)
    np.testing.assert_array_equal(
        ours.get_feature_names_out(["a", "b", "c", "d"]),
        theirs.get_feature_names_out(["a", "b", "c", "d"]),
    )


@pytest.mark.parametrize("strategy", ["mean", "median", "most_frequent", "constant"])
def test_simple_imputer_matches_sklearn(strategy):
    data = np.round(X_nan)
    data[:, 3] = np.nan
    kwargs = dict(strategy=strategy, add_indicator=True)
    ours, theirs = hp.SimpleImputer(**kwargs).fit(data), SkImputer(**kwargs).fit(data)
    np.testing.assert_allclose(
        np.asarray(ours.statistics_, float), np.asarray(theirs.statistics_, float), **TOL
    )
    # scikit-learn 1.9 drops the all-missing column 3 with a warning for every strategy,
    # "constant" included (its statistic is NaN), unless keep_empty_features=True
    with pytest.warns(UserWarning, match=r"Skipping features without any observed values: \[3\]"):
        got = ours.transform(data)
    np.testing.assert_allclose(got, theirs.transform(data), **TOL)
    np.testing.assert_array_equal(ours.get_feature_names_out(), theirs.get_feature_names_out())
    fill = 7.0 if strategy == "constant" else None
    kept = dict(kwargs, keep_empty_features=True, fill_value=fill)
    ours, theirs = hp.SimpleImputer(**kept).fit(data), SkImputer(**kept).fit(data)
    np.testing.assert_allclose(
        np.asarray(ours.statistics_, float), np.asarray(theirs.statistics_, float), **TOL
    )
    np.testing.assert_allclose(ours.transform(data), theirs.transform(data), **TOL)
    np.testing.assert_array_equal(ours.get_feature_names_out(), theirs.get_feature_names_out())
    strings = np.array([["a", "x"], [None, "x"], ["a", None], ["b", "y"]], dtype=object)
    for s in ("most_frequent", "constant"):
        ours = hp.SimpleImputer(strategy=s, missing_values=None).fit_transform(strings)
        theirs = SkImputer(strategy=s, missing_values=None).fit_transform(strings)
        np.testing.assert_array_equal(ours, theirs)


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="infinity"):
        hp.StandardScaler().fit([[1.0, np.inf]])
    with pytest.raises(ValueError, match="X has 3 features, but StandardScaler is expecting 4"):
        hp.StandardScaler().fit(X).transform(X[:, :3])
    with pytest.raises(ValueError, match="non-numeric"):
        hp.SimpleImputer().fit(CATS)
    with pytest.raises(ValueError, match="degree"):
        hp.PolynomialFeatures(degree=-1).fit(X)
