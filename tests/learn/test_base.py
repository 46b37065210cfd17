"""The estimator contract and input validation of homeml.learn.base.

Four minimal estimators written here (a nearest-centroid classifier, a least-squares regressor, a
centring transformer and a two-centre clusterer) go through scikit-learn's own checks, so that any
family built on the base starts from a base that passes them.
"""

from __future__ import annotations

import pickle
import warnings

import numpy as np
import pytest

from homeml.learn import base
from homeml.learn.base import (
    BaseEstimator,
    ClassifierMixin,
    ClusterMixin,
    DataConversionWarning,
    NotFittedError,
    RegressorMixin,
    TransformerMixin,
    check_array,
    check_is_fitted,
    clone,
    type_of_target,
)

sklearn = pytest.importorskip("sklearn")
from sklearn.utils.estimator_checks import parametrize_with_checks  # noqa: E402


class CentroidClassifier(ClassifierMixin, BaseEstimator):
    def __init__(self, shrink=0.0):
        self.shrink = shrink

    def fit(self, X, y):
        X, y = self._validate_data(X, y)
        self.classes_, codes = base.encode_classes(y)
        base.require_two_classes(self.classes_, self)
        self.centroids_ = np.stack([X[codes == k].mean(axis=0) for k in range(len(self.classes_))])
        return self

    def predict(self, X):
        check_is_fitted(self)
        X = self._validate_data(X, reset=False)
        d = ((X[:, None, :] - self.centroids_[None]) ** 2).sum(-1)
        return self.classes_[d.argmin(axis=1)]


class LeastSquares(RegressorMixin, BaseEstimator):
    def __init__(self, fit_intercept=True):
        self.fit_intercept = fit_intercept

    def fit(self, X, y):
        X, y = self._validate_data(X, y, y_numeric=True)
        A = np.hstack([X, np.ones((len(X), 1))]) if self.fit_intercept else X
        w = np.linalg.lstsq(A, y, rcond=None)[0]
        self.coef_, self.intercept_ = (w[:-1], w[-1]) if self.fit_intercept else (w, 0.0)
        return self

    def predict(self, X):
        check_is_fitted(self)
        return self._validate_data(X, reset=False) @ self.coef_ + self.intercept_


class Centring(TransformerMixin, BaseEstimator):
    def __init__(self, with_mean=True):
        self.with_mean = with_mean

    def fit(self, X, y=None):
        X = self._validate_data(X)
        self.mean_ = X.mean(axis=0) if self.with_mean else np.zeros(X.shape[1], X.dtype)
        return self

    def transform(self, X):
        check_is_fitted(self)
        X = self._validate_data(X, reset=False)
        return X - self.mean_.astype(X.dtype)


class TwoCentres(ClusterMixin, BaseEstimator):
    def __init__(self, random_state=None):
        self.random_state = random_state

    def fit(self, X, y=None):
        X = self._validate_data(X, ensure_min_samples=2)
        rng = base.check_random_state(self.random_state)
        centres = X[rng.choice(len(X), 2, replace=False)]
        for _ in range(20):
            labels = ((X[:, None] - centres[None]) ** 2).sum(-1).argmin(1)
            centres = np.stack(
                [X[labels == k].mean(0) if np.any(labels == k) else centres[k] for k in range(2)]
            )
        self.cluster_centers_, self.labels_ = centres, labels
        return self

    def predict(self, X):
        check_is_fitted(self)
        X = self._validate_data(X, reset=False)
        return ((X[:, None] - self.cluster_centers_[None]) ** 2).sum(-1).argmin(1)


@parametrize_with_checks([CentroidClassifier(), LeastSquares(), Centring(), TwoCentres()])
def test_minimal_estimators_pass_sklearn_checks(estimator, check):
    check(estimator)


# -- parameters, clone, repr ---------------------------------------------------------------------


def test_get_set_params_and_clone_match_sklearn():
    est = CentroidClassifier(shrink=0.5)
    assert est.get_params() == {"shrink": 0.5}
    assert est.set_params(shrink=1.0) is est and est.shrink == 1.0
    with pytest.raises(ValueError, match="Invalid parameter 'shrnk'.*Valid parameters are"):
        est.set_params(shrnk=1)
    copy = clone(est)
    assert copy is not est and copy.get_params() == est.get_params()
    assert sklearn.base.clone(est).get_params() == est.get_params()


def test_nested_params():
    class Holder(BaseEstimator):
        def __init__(self, inner=None, alpha=1):
            self.inner, self.alpha = inner, alpha

    h = Holder(inner=LeastSquares())
    assert h.get_params()["inner__fit_intercept"] is True
    h.set_params(inner__fit_intercept=False, alpha=2)
    assert h.inner.fit_intercept is False and h.alpha == 2
    assert clone(h).inner is not h.inner


def test_repr_shows_changed_parameters_only():
    assert repr(LeastSquares()) == "LeastSquares()"
    assert repr(LeastSquares(fit_intercept=False)) == "LeastSquares(fit_intercept=False)"


def test_varargs_init_is_refused():
    class Bad(BaseEstimator):
        def __init__(self, *args):
            self.args = args

    with pytest.raises(TypeError, match=r"\*args"):
        Bad().get_params()


def test_fitted_estimator_pickles():
    est = LeastSquares().fit([[0.0], [1.0], [2.0]], [1.0, 3.0, 5.0])
    again = pickle.loads(pickle.dumps(est))
    np.testing.assert_allclose(again.predict([[3.0]]), [7.0])


# -- validation ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "X, match",
    [
        ([[1.0, np.nan]], "NaN"),
        ([[1.0, np.inf]], "infinity"),
        (np.zeros((0, 3)), r"0 sample\(s\)"),
        (np.zeros((3, 0)), r"0 feature\(s\) \(shape=\(3, 0\)\)"),
        ([1.0, 2.0], "Expected 2D array"),
        (3.0, "scalar array"),
        ([["a", "b"]], "must hold numbers"),
        (np.ones((2, 2, 2)), "dim 3"),
        (np.ones((2, 2), dtype=complex), "Complex data not supported"),
    ],
)
def test_bad_X_gets_a_clear_value_error(X, match):
    with pytest.raises(ValueError, match=match):
        LeastSquares().fit(X, np.zeros(len(np.atleast_1d(X))))


def test_accepted_inputs_lists_ints_float32_readonly():
    assert check_array([[1, 2], [3, 4]]).dtype == np.float64
    assert check_array(np.ones((2, 2), np.float32)).dtype == np.float32
    ro = np.ones((3, 2))
    ro.flags.writeable = False
    est = LeastSquares().fit(ro, np.array([1.0, 2.0, 3.0]))
    assert est.n_features_in_ == 2


def test_sparse_input_is_refused_with_advice():
    scipy_sparse = pytest.importorskip("scipy.sparse")
    with pytest.raises(TypeError, match="sparse.*toarray"):
        check_array(scipy_sparse.csr_matrix(np.eye(3)))


def test_feature_count_mismatch_names_both_counts():
    est = LeastSquares().fit(np.ones((4, 3)) + np.arange(4)[:, None], np.arange(4.0))
    with pytest.raises(ValueError, match="X has 2 features, but LeastSquares is expecting 3"):
        est.predict(np.ones((1, 2)))


def test_not_fitted_error_is_value_and_attribute_error():
    assert issubclass(NotFittedError, ValueError) and issubclass(NotFittedError, AttributeError)
    with pytest.raises(NotFittedError, match="not fitted yet"):
        LeastSquares().predict([[1.0]])


def test_string_labels_kept_in_classes():
    X = np.array([[0.0], [0.1], [1.0], [1.1]])
    clf = CentroidClassifier().fit(X, ["cat", "cat", "dog", "dog"])
    assert list(clf.classes_) == ["cat", "dog"]
    assert list(clf.predict([[0.05], [1.05]])) == ["cat", "dog"]


def test_one_class_and_continuous_targets_are_refused():
    X = np.arange(6.0).reshape(3, 2)
    with pytest.raises(ValueError, match="only one class"):
        CentroidClassifier().fit(X, [1, 1, 1])
    with pytest.raises(ValueError, match="Unknown label type: continuous"):
        CentroidClassifier().fit(X, [0.5, 1.5, 2.25])


def test_column_vector_y_warns_and_is_raveled():
    with pytest.warns(DataConversionWarning, match="column-vector y"):
        LeastSquares().fit(np.arange(6.0).reshape(3, 2), np.array([[1.0], [2.0], [3.0]]))


def test_pandas_dataframe_sets_feature_names_and_checks_them():
    pd = pytest.importorskip("pandas")
    X = pd.DataFrame({"a": [0.0, 1.0, 2.0, 3.0], "b": [1.0, 0.0, 1.0, 5.0]})
    est = LeastSquares().fit(X, pd.Series([1.0, 2.0, 3.0, 4.0]))
    assert list(est.feature_names_in_) == ["a", "b"] and est.feature_names_in_.dtype == object
    with pytest.raises(ValueError, match="Feature names unseen at fit time:\n- c"):
        est.predict(X.rename(columns={"b": "c"}))
    with pytest.warns(UserWarning, match="X does not have valid feature names"):
        est.predict(X.to_numpy())
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        est.predict(X)


@pytest.mark.parametrize(
    "y, kind",
    [
        ([0, 1, 1], "binary"),
        (["a", "b", "c"], "multiclass"),
        ([0.5, 1.0], "continuous"),
        ([1.0, 2.0, 3.0], "multiclass"),
        ([[0, 1], [1, 1]], "multilabel-indicator"),
        ([[0, 2], [1, 1]], "multiclass-multioutput"),
        ([[0.5, 2], [1, 1]], "continuous-multioutput"),
    ],
)
def test_type_of_target_matches_sklearn(y, kind):
    from sklearn.utils.multiclass import type_of_target as sk_type_of_target

    assert type_of_target(y) == kind == sk_type_of_target(np.asarray(y))
