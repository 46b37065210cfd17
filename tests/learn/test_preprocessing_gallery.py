"""The gallery's preprocessing transformers against sklearn.preprocessing on the same inputs."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import scipy.sparse as sp

from homeml.learn import preprocessing as hp

skp = pytest.importorskip("sklearn.preprocessing")

rng = np.random.default_rng(0)
X = rng.normal(0, 2, (80, 3))
X_pos = np.exp(rng.normal(0, 1, (80, 3)))
X_nan = X.copy()
X_nan[rng.random(X.shape) < 0.1] = np.nan
W = rng.uniform(0.2, 3, len(X))


def _dense(a):
    return a.toarray() if sp.issparse(a) else np.asarray(a)


@pytest.mark.parametrize("kwargs", [{}, {"neg_label": -1, "pos_label": 2}, {"sparse_output": True}])
@pytest.mark.parametrize(
    "y", [["a", "b", "a"], [3, 1, 2, 3, 1], [1, 1, 1], np.array([[1, 0, 1], [0, 1, 1]])]
)
def test_label_binarizer_matches_sklearn(kwargs, y):
    ours, theirs = hp.LabelBinarizer(**kwargs), skp.LabelBinarizer(**kwargs)
    Y, Y_ref = ours.fit_transform(y), theirs.fit_transform(y)
    assert sp.issparse(Y) == sp.issparse(Y_ref)
    np.testing.assert_array_equal(_dense(Y), _dense(Y_ref))
    np.testing.assert_array_equal(ours.classes_, theirs.classes_)
    assert ours.y_type_ == theirs.y_type_
    np.testing.assert_array_equal(
        _dense(ours.inverse_transform(_dense(Y))), _dense(theirs.inverse_transform(_dense(Y)))
    )
    np.testing.assert_array_equal(
        hp.label_binarize(y, classes=theirs.classes_),
        skp.label_binarize(y, classes=theirs.classes_),
    )


@pytest.mark.parametrize("kwargs", [{}, {"classes": [3, 1, 2, 5]}, {"sparse_output": True}])
def test_multilabel_binarizer_matches_sklearn(kwargs):
    y = [(1, 2), (3,), (), (2, 1, 3)]
    ours, theirs = hp.MultiLabelBinarizer(**kwargs), skp.MultiLabelBinarizer(**kwargs)
    Y, Y_ref = ours.fit_transform(y), theirs.fit_transform(y)
    np.testing.assert_array_equal(_dense(Y), _dense(Y_ref))
    np.testing.assert_array_equal(ours.classes_, theirs.classes_)
    assert ours.inverse_transform(Y) == theirs.inverse_transform(Y_ref)
    with pytest.warns(UserWarning, match="unknown class"):
        unknown = ours.transform([(1, 9)])
    with pytest.warns(UserWarning, match="unknown class"):
        np.testing.assert_array_equal(_dense(unknown), _dense(theirs.transform([(1, 9)])))


@pytest.mark.parametrize("strategy", ["uniform", "quantile", "kmeans"])
@pytest.mark.parametrize("encode", ["onehot", "onehot-dense", "ordinal"])
def test_kbins_matches_sklearn(strategy, encode):
    kwargs = dict(n_bins=[3, 4, 5], strategy=strategy, encode=encode)
    ours, theirs = hp.KBinsDiscretizer(**kwargs).fit(X), skp.KBinsDiscretizer(**kwargs).fit(X)
    for a, b in zip(ours.bin_edges_, theirs.bin_edges_, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-7 if strategy == "kmeans" else 1e-12)
    new = X * 1.3
    Xt, Xt_ref = ours.transform(new), theirs.transform(new)
    assert sp.issparse(Xt) == sp.issparse(Xt_ref)
    np.testing.assert_array_equal(_dense(Xt), _dense(Xt_ref))
    np.testing.assert_allclose(ours.inverse_transform(Xt), theirs.inverse_transform(Xt_ref))
    np.testing.assert_array_equal(ours.get_feature_names_out(), theirs.get_feature_names_out())


@pytest.mark.parametrize("strategy", ["uniform", "quantile"])
@pytest.mark.parametrize("method", ["averaged_inverted_cdf", "inverted_cdf"])
def test_kbins_weights_and_subsample_match_sklearn(strategy, method):
    kwargs = dict(n_bins=4, strategy=strategy, quantile_method=method, encode="ordinal")
    ours = hp.KBinsDiscretizer(**kwargs).fit(X, sample_weight=W)
    theirs = skp.KBinsDiscretizer(**kwargs).fit(X, sample_weight=W)
    for a, b in zip(ours.bin_edges_, theirs.bin_edges_, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12)
    kwargs.update(subsample=30, random_state=3)
    ours = hp.KBinsDiscretizer(**kwargs).fit(X, sample_weight=W)
    theirs = skp.KBinsDiscretizer(**kwargs).fit(X, sample_weight=W)
    for a, b in zip(ours.bin_edges_, theirs.bin_edges_, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12)


def test_function_transformer_matches_sklearn():
    kwargs = dict(func=np.log1p, inverse_func=np.expm1, feature_names_out="one-to-one")
    ours, theirs = hp.FunctionTransformer(**kwargs), skp.FunctionTransformer(**kwargs)
    np.testing.assert_array_equal(ours.fit_transform(X_pos), theirs.fit_transform(X_pos))
    np.testing.assert_array_equal(ours.inverse_transform(X), theirs.inverse_transform(X))
    np.testing.assert_array_equal(ours.get_feature_names_out(), theirs.get_feature_names_out())
    with pytest.warns(UserWarning, match="not strictly inverse"):
        hp.FunctionTransformer(np.sqrt, np.log, validate=True).fit(X_pos)
    identity = hp.FunctionTransformer(kw_args=None)
    assert identity.transform([[1, 2]]) == [[1, 2]]
    assert not hasattr(hp.FunctionTransformer(), "get_feature_names_out")


@pytest.mark.parametrize("distribution", ["uniform", "normal"])
@pytest.mark.parametrize("data", [X, X_nan])
def test_quantile_transformer_matches_sklearn(distribution, data):
    kwargs = dict(n_quantiles=50, output_distribution=distribution)
    ours, theirs = hp.QuantileTransformer(**kwargs), skp.QuantileTransformer(**kwargs)
    Xt, Xt_ref = ours.fit_transform(data), theirs.fit_transform(data)
    np.testing.assert_allclose(ours.quantiles_, theirs.quantiles_, rtol=1e-12)
    np.testing.assert_allclose(Xt, Xt_ref, rtol=1e-10, atol=1e-12)
    new = data * 1.5
    np.testing.assert_allclose(ours.transform(new), theirs.transform(new), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(
        ours.inverse_transform(Xt), theirs.inverse_transform(Xt_ref), rtol=1e-8, atol=1e-10
    )


@pytest.mark.parametrize("ignore_zeros", [False, True])
@pytest.mark.parametrize("subsample", [None, 15])
def test_quantile_transformer_sparse_matches_sklearn(ignore_zeros, subsample):
    data = sp.csc_matrix(np.where(X > 0.5, X, 0))  # ~24 stored entries per column
    kwargs = dict(
        n_quantiles=10, ignore_implicit_zeros=ignore_zeros, subsample=subsample, random_state=0
    )
    ours, theirs = hp.QuantileTransformer(**kwargs), skp.QuantileTransformer(**kwargs)
    Xt, Xt_ref = ours.fit_transform(data), theirs.fit_transform(data)
    np.testing.assert_allclose(ours.quantiles_, theirs.quantiles_, rtol=1e-12)
    assert sp.issparse(Xt) and sp.issparse(Xt_ref)
    np.testing.assert_allclose(Xt.toarray(), Xt_ref.toarray(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(
        ours.inverse_transform(Xt).toarray(), theirs.inverse_transform(Xt_ref).toarray()
    )
    with pytest.raises(ValueError, match="non-negative"):
        hp.QuantileTransformer(n_quantiles=5).fit(sp.csc_matrix(X))


def test_quantile_transformer_subsample_matches_sklearn():
    kwargs = dict(n_quantiles=20, subsample=40, random_state=0)
    ours = hp.QuantileTransformer(**kwargs).fit(X)
    theirs = skp.QuantileTransformer(**kwargs).fit(X)
    np.testing.assert_allclose(ours.quantiles_, theirs.quantiles_, rtol=1e-12)
    with pytest.warns(UserWarning, match="n_quantiles"):
        assert hp.QuantileTransformer().fit(X).n_quantiles_ == len(X)


@pytest.mark.parametrize("standardize", [True, False])
@pytest.mark.parametrize(
    "method,data", [("yeo-johnson", X), ("yeo-johnson", X_nan), ("box-cox", X_pos)]
)
def test_power_transformer_matches_sklearn(method, data, standardize):
    ours = hp.PowerTransformer(method=method, standardize=standardize)
    theirs = skp.PowerTransformer(method=method, standardize=standardize)
    Xt, Xt_ref = ours.fit_transform(data), theirs.fit_transform(data)
    np.testing.assert_allclose(ours.lambdas_, theirs.lambdas_, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(Xt, Xt_ref, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(ours.transform(data), Xt, rtol=1e-12)
    np.testing.assert_allclose(ours.inverse_transform(Xt), data, rtol=1e-8, atol=1e-10)


def test_power_transformer_constant_and_errors():
    data = np.c_[np.ones(10), np.arange(10.0)]
    ours = hp.PowerTransformer().fit(data)
    np.testing.assert_allclose(ours.lambdas_, skp.PowerTransformer().fit(data).lambdas_, rtol=1e-5)
    with pytest.raises(ValueError, match="strictly positive"):
        hp.PowerTransformer(method="box-cox").fit(X)


def test_brent_minimize_finds_a_parabola_minimum():
    from homeml.learn.preprocessing._power import brent_minimize

    assert abs(brent_minimize(lambda x: (x - 0.3) ** 2 + 1, -5, 5, xatol=1e-10) - 0.3) < 1e-8
    assert abs(brent_minimize(lambda x: np.cosh(x - 2), -1, 1) - 1) < 1e-4  # at the bound


# (degree 0 only where scikit-learn's own transformer accepts it: its constant and linear
# extrapolations index ``f_max[-0:]`` and fail, and periodic splines need degree >= 1)
_SPLINE_CASES = [
    (extrapolation, degree)
    for extrapolation in ("constant", "linear", "continue", "periodic", "error")
    for degree in (0, 1, 3)
    if degree > 0 or extrapolation in ("continue", "error")
]


@pytest.mark.parametrize("extrapolation,degree", _SPLINE_CASES)
@pytest.mark.parametrize("knots", ["uniform", "quantile"])
def test_spline_transformer_matches_sklearn(extrapolation, degree, knots):
    kwargs = dict(n_knots=5, degree=degree, knots=knots, extrapolation=extrapolation)
    ours, theirs = hp.SplineTransformer(**kwargs).fit(X), skp.SplineTransformer(**kwargs).fit(X)
    np.testing.assert_allclose(ours.transform(X), theirs.transform(X), rtol=1e-10, atol=1e-12)
    if extrapolation == "error":
        with pytest.raises(ValueError, match="beyond the limits"):
            ours.transform(X * 3)
        return
    new = X * 1.7
    np.testing.assert_allclose(ours.transform(new), theirs.transform(new), rtol=1e-9, atol=1e-11)
    np.testing.assert_array_equal(ours.get_feature_names_out(), theirs.get_feature_names_out())


def test_spline_transformer_options_match_sklearn():
    for kwargs in (
        dict(include_bias=False, sparse_output=True),
        dict(handle_missing="zeros", order="F"),
        dict(knots=np.array([[-3.0, 0, 1, 4]] * 3).T, extrapolation="linear"),
    ):
        data = X_nan if "handle_missing" in kwargs else X
        ours = hp.SplineTransformer(**kwargs).fit(data, sample_weight=W)
        theirs = skp.SplineTransformer(**kwargs).fit(data, sample_weight=W)
        Xt, Xt_ref = ours.transform(data), theirs.transform(data)
        assert sp.issparse(Xt) == sp.issparse(Xt_ref)
        np.testing.assert_allclose(_dense(Xt), _dense(Xt_ref), rtol=1e-10, atol=1e-12)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours = hp.SplineTransformer(knots="quantile").fit(X, sample_weight=W)
        theirs = skp.SplineTransformer(knots="quantile").fit(X, sample_weight=W)
    np.testing.assert_allclose(ours.transform(X), theirs.transform(X), rtol=1e-10, atol=1e-12)
