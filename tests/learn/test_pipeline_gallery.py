"""FeatureUnion, make_union, make_column_selector and TransformedTargetRegressor against
scikit-learn's on the same inputs."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

import homeml.learn as hl

sk_pipeline = pytest.importorskip("sklearn.pipeline")
from sklearn import compose as skc  # noqa: E402
from sklearn import decomposition as skd  # noqa: E402
from sklearn import linear_model as sklm  # noqa: E402
from sklearn import preprocessing as skp  # noqa: E402

pd = pytest.importorskip("pandas")

rng = np.random.default_rng(0)
X = rng.normal(size=(40, 4))
y = X @ [1.0, -2.0, 0.5, 0.0] + 0.1 * rng.normal(size=40)


@pytest.mark.parametrize("weights", [None, {"scale": 2.0}])
def test_feature_union_matches_sklearn(weights):
    ours = hl.FeatureUnion(
        [("pca", hl.PCA(n_components=2)), ("scale", hl.StandardScaler()), ("pass", "passthrough"),
         ("gone", "drop")],
        transformer_weights=weights,
    )  # fmt: skip
    theirs = sk_pipeline.FeatureUnion(
        [("pca", skd.PCA(n_components=2)), ("scale", skp.StandardScaler()),
         ("pass", "passthrough"), ("gone", "drop")],
        transformer_weights=weights,
    )  # fmt: skip
    Xt, Xt_ref = ours.fit_transform(X), theirs.fit_transform(X)
    # (PCA components are defined up to sign: compare absolute values of that block)
    np.testing.assert_allclose(np.abs(Xt), np.abs(Xt_ref), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(
        np.abs(ours.fit(X).transform(X[:5])), np.abs(theirs.fit(X).transform(X[:5])), rtol=1e-9
    )
    np.testing.assert_array_equal(ours.get_feature_names_out(), theirs.get_feature_names_out())
    assert ours.n_features_in_ == theirs.n_features_in_
    assert isinstance(ours.named_transformers["scale"], hl.StandardScaler)


def test_make_union_and_sparse_output():
    ours = hl.make_union(hl.StandardScaler(with_mean=False), hl.MaxAbsScaler())
    theirs = sk_pipeline.make_union(skp.StandardScaler(with_mean=False), skp.MaxAbsScaler())
    assert [n for n, _ in ours.transformer_list] == [n for n, _ in theirs.transformer_list]
    Xs = sp.csr_matrix(np.where(np.abs(X) > 1, X, 0))
    Xt, Xt_ref = ours.fit_transform(Xs), theirs.fit_transform(Xs)
    assert sp.issparse(Xt) and sp.issparse(Xt_ref)
    np.testing.assert_allclose(Xt.toarray(), Xt_ref.toarray(), rtol=1e-12)
    empty = hl.FeatureUnion([("a", "drop")]).fit_transform(X)
    assert empty.shape == sk_pipeline.FeatureUnion([("a", "drop")]).fit_transform(X).shape
    with pytest.raises(ValueError, match="weight"):
        hl.FeatureUnion([("a", hl.StandardScaler())], transformer_weights={"b": 1}).fit(X)


def test_make_column_selector_matches_sklearn():
    df = pd.DataFrame(
        {"age": [1.0, 2.0, 3.0], "city": ["a", "b", "a"], "aged": [1, 2, 3], "k": [0.1, 0.2, 0.3]}
    )
    for kwargs in (
        {},
        {"pattern": "^ag"},
        {"dtype_include": np.number},
        {"dtype_exclude": "object", "pattern": "e"},
        {"dtype_include": [float]},
    ):
        assert hl.make_column_selector(**kwargs)(df) == skc.make_column_selector(**kwargs)(df)
    ours = hl.ColumnTransformer(
        [("num", hl.StandardScaler(), hl.make_column_selector(dtype_include=np.number))]
    ).fit_transform(df)
    theirs = skc.ColumnTransformer(
        [("num", skp.StandardScaler(), skc.make_column_selector(dtype_include=np.number))]
    ).fit_transform(df)
    np.testing.assert_allclose(ours, theirs, rtol=1e-12)
    with pytest.raises(ValueError, match="pandas"):
        hl.make_column_selector()(X)


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(func=np.log, inverse_func=np.exp),
        dict(transformer="scaler"),
        dict(),
    ],
)
def test_transformed_target_regressor_matches_sklearn(kwargs):
    target = np.exp(y / 4)
    ours_kwargs, theirs_kwargs = dict(kwargs), dict(kwargs)
    if kwargs.get("transformer") == "scaler":
        ours_kwargs["transformer"] = hl.StandardScaler()
        theirs_kwargs["transformer"] = skp.StandardScaler()
    ours = hl.TransformedTargetRegressor(hl.Ridge(alpha=0.5), **ours_kwargs).fit(X, target)
    theirs = skc.TransformedTargetRegressor(sklm.Ridge(alpha=0.5), **theirs_kwargs).fit(X, target)
    np.testing.assert_allclose(ours.predict(X), theirs.predict(X), rtol=1e-10)
    np.testing.assert_allclose(ours.regressor_.coef_, theirs.regressor_.coef_, rtol=1e-10)
    assert ours.score(X, target) == pytest.approx(theirs.score(X, target), rel=1e-10)
    two = np.c_[target, 2 * target]
    np.testing.assert_allclose(
        hl.TransformedTargetRegressor(hl.Ridge(), **ours_kwargs).fit(X, two).predict(X),
        skc.TransformedTargetRegressor(sklm.Ridge(), **theirs_kwargs).fit(X, two).predict(X),
        rtol=1e-10,
    )


def test_transformed_target_regressor_errors_and_default():
    with pytest.warns(UserWarning, match="not strictly inverse"):
        hl.TransformedTargetRegressor(func=np.exp, inverse_func=np.exp).fit(X, y)
    with pytest.raises(ValueError, match="inverse_func"):
        hl.TransformedTargetRegressor(func=np.exp).fit(X, y)
    with pytest.raises(ValueError, match="cannot both be set"):
        hl.TransformedTargetRegressor(transformer=hl.StandardScaler(), func=np.exp).fit(X, y)
    ours = hl.TransformedTargetRegressor().fit(X, y)
    theirs = skc.TransformedTargetRegressor().fit(X, y)
    np.testing.assert_allclose(ours.predict(X), theirs.predict(X), rtol=1e-10)


def test_feature_union_of_text_vectorizers_matches_sklearn():
    """Word and character n-grams side by side, the classic union: text input has no feature
    count, and the fitted union still transforms (inside a pipeline's cross-validation too)."""
    from sklearn import pipeline as skpipe
    from sklearn.feature_extraction import text as sktext

    from homeml.learn.feature_extraction import text

    docs = ["the cat sat", "a dog barked loudly", "the cat and the dog", "loud cats"] * 3
    y = np.array([0, 1, 0, 1] * 3)
    ours = hl.pipeline.make_union(
        text.TfidfVectorizer(), text.TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 3))
    )
    theirs = skpipe.make_union(
        sktext.TfidfVectorizer(), sktext.TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 3))
    )
    np.testing.assert_allclose(
        ours.fit(docs).transform(docs).toarray(),
        theirs.fit(docs).transform(docs).toarray(),
        rtol=1e-12,
    )
    model = hl.pipeline.make_pipeline(ours, hl.linear_model.LogisticRegression())
    scores = hl.model_selection.cross_val_score(model, docs, y, cv=3)
    assert np.isfinite(scores).all()
