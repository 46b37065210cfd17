"""homeml.learn.discriminant_analysis against scikit-learn on the same data."""

from __future__ import annotations

import numpy as np
import pytest

from homeml.learn import discriminant_analysis as hda
from homeml.learn.base import NotFittedError

sklearn = pytest.importorskip("sklearn")
from sklearn import datasets  # noqa: E402
from sklearn import discriminant_analysis as sda  # noqa: E402
from sklearn.model_selection import cross_val_score  # noqa: E402

LOADERS = ["iris", "wine", "breast_cancer", "digits", "synthetic"]
LDA_SOLVERS = [
    {},
    {"solver": "lsqr"},
    {"solver": "eigen"},
    {"solver": "lsqr", "shrinkage": "auto"},
    {"solver": "eigen", "shrinkage": "auto"},
    {"solver": "eigen", "shrinkage": 0.2},
    {"priors": [0.5, 0.3, 0.2], "n_components": 1, "store_covariance": True},
]


def _data(loader):
    if loader == "synthetic":
        return datasets.make_classification(600, 10, n_informative=5, n_classes=3, random_state=0)
    return getattr(datasets, f"load_{loader}")(return_X_y=True)


def _same_columns_up_to_sign(a, b, tol):
    assert a.shape == b.shape
    signs = np.sign(np.sum(a * b, axis=0))
    np.testing.assert_allclose(a * signs, b, atol=tol * max(1.0, np.abs(b).max()))


@pytest.mark.parametrize("loader", ["iris", "wine"])
@pytest.mark.parametrize("params", LDA_SOLVERS)
def test_lda_matches_sklearn(loader, params):
    X, y = _data(loader)
    ours = hda.LinearDiscriminantAnalysis(**params).fit(X, y)
    ref = sda.LinearDiscriminantAnalysis(**params).fit(X, y)
    np.testing.assert_allclose(ours.predict_proba(X), ref.predict_proba(X), atol=1e-6)
    np.testing.assert_allclose(ours.predict_log_proba(X), ref.predict_log_proba(X), atol=1e-6)
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(ours.intercept_, ref.intercept_, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(ours.means_, ref.means_, rtol=1e-12)
    np.testing.assert_allclose(ours.priors_, ref.priors_)
    np.testing.assert_array_equal(ours.predict(X), ref.predict(X))
    if params.get("solver", "svd") != "lsqr":
        np.testing.assert_allclose(
            ours.explained_variance_ratio_, ref.explained_variance_ratio_, atol=1e-10
        )
        _same_columns_up_to_sign(ours.transform(X), ref.transform(X), 1e-8)
        used = ref.explained_variance_ratio_.size  # other eigenvectors span a null space
        _same_columns_up_to_sign(ours.scalings_[:, :used], ref.scalings_[:, :used], 1e-8)
    if hasattr(ref, "covariance_"):
        np.testing.assert_allclose(ours.covariance_, ref.covariance_, rtol=1e-8, atol=1e-12)
    if params.get("solver", "svd") == "svd":
        np.testing.assert_allclose(ours.xbar_, ref.xbar_)


def test_lda_binary_shapes_and_decision_function():
    X, y = _data("breast_cancer")
    ours = hda.LinearDiscriminantAnalysis().fit(X, y)
    ref = sda.LinearDiscriminantAnalysis().fit(X, y)
    assert ours.coef_.shape == (1, 30) and ours.intercept_.shape == (1,)
    assert ours.decision_function(X).shape == (len(y),) and ours.transform(X).shape == (len(y), 1)
    np.testing.assert_allclose(
        ours.decision_function(X), ref.decision_function(X), rtol=1e-6, atol=1e-8
    )
    np.testing.assert_allclose(ours.predict_proba(X), ref.predict_proba(X), atol=1e-6)
    assert list(ours.get_feature_names_out()) == list(ref.get_feature_names_out())


@pytest.mark.parametrize("loader", ["iris", "wine", "breast_cancer"])
@pytest.mark.parametrize(
    "params",
    [
        {},
        {"reg_param": 0.1},
        {"solver": "eigen", "shrinkage": "auto"},
        {"priors": [0.2, 0.5, 0.3], "store_covariance": True, "reg_param": 0.01},
    ],
)
def test_qda_matches_sklearn(loader, params):
    X, y = _data(loader)
    if loader == "breast_cancer":
        if "priors" in params:
            params = {**params, "priors": [0.4, 0.6]}
        # tiny-variance features: regularise (svd) or accept small eigenvalues (eigen)
        extra = {"tol": 1e-12} if params.get("solver") == "eigen" else {"reg_param": 0.05}
        params = {**extra, **params}
    ref = sda.QuadraticDiscriminantAnalysis(**params).fit(X, y)
    ours = hda.QuadraticDiscriminantAnalysis(**params).fit(X, y)
    np.testing.assert_allclose(ours.predict_proba(X), ref.predict_proba(X), atol=1e-6)
    np.testing.assert_allclose(ours.means_, ref.means_, rtol=1e-12)
    for s, s_ref, r, r_ref in zip(ours.scalings_, ref.scalings_, ours.rotations_, ref.rotations_):
        np.testing.assert_allclose(s, s_ref, rtol=1e-7)
        _same_columns_up_to_sign(r, r_ref, 1e-6)
    if "store_covariance" in params:
        for c, c_ref in zip(ours.covariance_, ref.covariance_):
            np.testing.assert_allclose(c, c_ref, rtol=1e-8, atol=1e-12)
    assert ours.decision_function(X).shape == (
        (len(y),) if len(ref.classes_) == 2 else (len(y), len(ref.classes_))
    )


@pytest.mark.parametrize("loader", LOADERS)
@pytest.mark.parametrize(
    "name, params",
    [("LinearDiscriminantAnalysis", {}), ("QuadraticDiscriminantAnalysis", {"reg_param": 0.5})],
)
def test_cv_accuracy_matches_sklearn(loader, name, params):
    X, y = _data(loader)
    acc = cross_val_score(getattr(hda, name)(**params), X, y, cv=5).mean()
    acc_ref = cross_val_score(getattr(sda, name)(**params), X, y, cv=5).mean()
    assert abs(acc - acc_ref) <= 0.015, (acc, acc_ref)


@pytest.mark.parametrize("name", ["LinearDiscriminantAnalysis", "QuadraticDiscriminantAnalysis"])
def test_bad_input_and_string_labels(name):
    X, y = _data("iris")
    make = getattr(hda, name)
    for bad, match in [
        (np.full((4, 2), np.nan), "NaN"),
        (np.full((4, 2), np.inf), "infinity"),
        (np.zeros((0, 2)), "0 sample"),
        ([["a", "b"]] * 4, "must hold numbers"),
    ]:
        with pytest.raises(ValueError, match=match):
            make().fit(bad, y[: len(bad)])
    with pytest.raises(ValueError, match="only one class"):
        make().fit(X[:10], y[:10])
    with pytest.raises(ValueError, match="X has 2 features, but .* is expecting 4"):
        make().fit(X, y).predict(X[:, :2])
    with pytest.raises(NotFittedError):
        make().predict(X)
    with pytest.raises(ValueError, match="solver"):
        make(solver="newton").fit(X, y)
    labels = np.array(["a", "b", "c"])[y]
    est = make().fit(X, labels)
    assert list(est.classes_) == ["a", "b", "c"] and set(est.predict(X)) <= {"a", "b", "c"}
    np.testing.assert_allclose(est.predict_proba(X).sum(axis=1), 1.0)


def test_parameter_errors():
    X, y = _data("iris")
    with pytest.raises(NotImplementedError, match="shrinkage"):
        hda.LinearDiscriminantAnalysis(shrinkage="auto").fit(X, y)
    with pytest.raises(ValueError, match="shrinkage"):
        hda.LinearDiscriminantAnalysis(solver="lsqr", shrinkage=2.0).fit(X, y)
    with pytest.raises(ValueError, match="n_components"):
        hda.LinearDiscriminantAnalysis(n_components=3).fit(X, y)
    with pytest.raises(NotImplementedError, match="lsqr"):
        hda.LinearDiscriminantAnalysis(solver="lsqr").fit(X, y).transform(X)
    with pytest.warns(UserWarning, match="Renormalizing"):
        hda.LinearDiscriminantAnalysis(priors=[1.0, 1.0, 2.0]).fit(X, y)
    with pytest.raises(ValueError, match="reg_param"):
        hda.QuadraticDiscriminantAnalysis(reg_param=2.0).fit(X, y)
    with pytest.raises(np.linalg.LinAlgError, match="not full rank"):
        hda.QuadraticDiscriminantAnalysis().fit(*_data("digits"))
