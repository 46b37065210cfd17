"""The estimator contract, written once for every ``homeml.learn`` estimator.

The contract's input validation (``check_array``, ``check_is_fitted``, ...) is written once in
``homeml/learn/validation.py`` and its errors in ``exceptions.py``; both are re-exported here, so
``from homeml.learn.base import check_is_fitted`` is the one import an estimator needs.

An estimator follows scikit-learn's rules so that scikit-learn's own ``clone``, ``Pipeline``,
``GridSearchCV`` and ``parametrize_with_checks`` work on it:

- ``__init__`` only stores its keyword arguments under the same names (no validation, no logic);
- ``fit(X, y)`` validates the data with :meth:`BaseEstimator._validate_data`, learns attributes
  whose names end in ``_`` and returns ``self``;
- ``predict``/``transform``/... call :func:`check_is_fitted` and ``_validate_data(X, reset=False)``;
- randomness comes from ``check_random_state(self.random_state)`` inside ``fit`` only.

Estimator tags (what input an estimator accepts, whether it needs ``y``, ...) are a flat dict from
:meth:`BaseEstimator._homeml_tags`; subclasses extend it with ``{**super()._homeml_tags(), ...}``.
``__sklearn_tags__`` translates that dict for scikit-learn when scikit-learn is installed.
"""

from __future__ import annotations

import functools
import warnings

import numpy as np

from homeml._params import ParamsMixin, clone  # noqa: F401 (clone re-exported)
from homeml.learn import _set_output
from homeml.learn._param_validation import validate_parameter_constraints
from homeml.learn.exceptions import (  # noqa: F401 (re-exported: the contract's errors)
    ConvergenceWarning,
    DataConversionWarning,
    NotFittedError,
    not_fitted_error_type,
)
from homeml.learn.validation import (  # noqa: F401 (re-exported: validation, written once)
    _has_fitted_attributes,
    _num_samples,
    check_array,
    check_classification_targets,
    check_consistent_length,
    check_is_fitted,
    check_random_state,
    check_sample_weight,
    check_target,
    column_or_1d,
    encode_classes,
    require_two_classes,
    type_of_target,
)

# ----------------------------------------------------------------------------------------------
# The estimator base class and mixins
# ----------------------------------------------------------------------------------------------

_DEFAULT_TAGS = {
    "estimator_type": None,
    "requires_y": False,
    "requires_fit": True,
    "allow_nan": False,
    "positive_only": False,  # X must be non-negative (e.g. MultinomialNB)
    "pairwise": False,  # X is a precomputed kernel or distance matrix
    "categorical": False,  # X may hold categories (encoders)
    "string": False,  # X may hold strings (encoders)
    "two_d_array": True,  # X is 2-D (False: a list of documents, for the text vectorizers)
    "sparse": False,  # X may be a SciPy sparse matrix (CSR): text features, linear models, NB
    "one_d_labels": False,  # fit(y) with 1-D labels only, no X (LabelEncoder)
    "multi_output": False,  # y may be 2-D
    "single_output": True,
    "multi_class": True,
    "multi_label": False,
    "poor_score": False,  # scikit-learn's "fits well on easy data" checks do not apply
    "preserves_dtype": ["float64"],
    "non_deterministic": False,
    "no_validation": False,
}


class BaseEstimator(ParamsMixin):
    """Base class of every estimator: tags and validated input; parameters and repr come from
    :class:`~homeml._params.ParamsMixin`, shared with ``homeml.rl``'s agents.

    Subclasses list their parameters as explicit keyword arguments of ``__init__`` (no ``*args``,
    no ``**kwargs``) and store each one unchanged under its own name.
    """

    # -- hyper-parameters ------------------------------------------------------------------------

    # {parameter name: [accepted values]}, checked by _validate_params (see _param_validation.py)
    _homeml_constraints: dict = {}

    def _validate_params(self) -> None:
        """Check the parameters against ``_homeml_constraints``, then the rules that tie several
        together (:meth:`_check_param_combinations`); call first in ``fit``."""
        validate_parameter_constraints(
            self._homeml_constraints, self.get_params(deep=False), type(self).__name__
        )
        self._check_param_combinations()

    def _check_param_combinations(self) -> None:
        """Raise for values that are valid alone but not together (none by default)."""

    # -- tags ------------------------------------------------------------------------------------

    def _homeml_tags(self) -> dict:
        """Flat dict of what this estimator accepts; extend with ``{**super()._homeml_tags()}``."""
        return dict(_DEFAULT_TAGS)

    def __sklearn_tags__(self):
        from sklearn.utils import (
            ClassifierTags,
            InputTags,
            RegressorTags,
            Tags,
            TargetTags,
            TransformerTags,
        )

        t = self._homeml_tags()
        kind = t["estimator_type"]
        return Tags(
            estimator_type=kind,
            target_tags=TargetTags(
                required=t["requires_y"],
                one_d_labels=t["one_d_labels"],
                multi_output=t["multi_output"],
                single_output=t["single_output"],
            ),
            transformer_tags=(
                TransformerTags(preserves_dtype=list(t["preserves_dtype"]))
                if hasattr(self, "transform") or hasattr(type(self), "fit_transform")
                else None
            ),
            classifier_tags=(
                ClassifierTags(
                    poor_score=t["poor_score"],
                    multi_class=t["multi_class"],
                    multi_label=t["multi_label"],
                )
                if kind == "classifier"
                else None
            ),
            regressor_tags=(
                RegressorTags(poor_score=t["poor_score"]) if kind == "regressor" else None
            ),
            non_deterministic=t["non_deterministic"],
            requires_fit=t["requires_fit"],
            no_validation=t["no_validation"],
            input_tags=InputTags(
                allow_nan=t["allow_nan"],
                positive_only=t["positive_only"],
                pairwise=t["pairwise"],
                categorical=t["categorical"],
                string=t["string"],
                sparse=t["sparse"],
                two_d_array=t["two_d_array"] and not t["one_d_labels"],
                one_d_array=t["one_d_labels"],
            ),
        )

    def __sklearn_is_fitted__(self) -> bool:
        return _has_fitted_attributes(self)

    # -- validated input -------------------------------------------------------------------------

    def _validate_data(
        self,
        X,
        y=None,
        *,
        reset: bool = True,
        y_required: bool | None = None,
        multi_output: bool = False,
        y_numeric: bool = False,
        **check_params,
    ):
        """Check ``X`` (and ``y``), then record (``reset``) or compare the feature count and names.

        With ``reset=True`` (in ``fit``) this sets ``n_features_in_`` and, for a DataFrame with
        string column names, ``feature_names_in_``. With ``reset=False`` (in ``predict`` and
        friends) a different number of features or different names raise ``ValueError``.
        ``y`` is required in ``fit`` of estimators tagged ``requires_y`` (classifiers,
        regressors). Returns the checked ``X``, or ``(X, y)`` when ``y`` is given or required.
        """
        name = type(self).__name__
        if y_required is None:  # supervised estimators need y in fit
            y_required = reset and self._homeml_tags()["requires_y"]
        if y_required and y is None:
            raise ValueError(f"{name} requires y to be passed, but the target y is None.")
        self._check_feature_names(X, reset=reset)
        check_params.setdefault("allow_nan", self._homeml_tags()["allow_nan"])
        X = check_array(X, estimator=self, **check_params)
        self._check_n_features(X, reset=reset)
        if y is None and not y_required:
            return X
        y = check_target(y, estimator=self, multi_output=multi_output, y_numeric=y_numeric)
        check_consistent_length(X, y)
        return X, y

    def _check_n_features(self, X, reset: bool) -> None:
        n_features = X.shape[1] if X.ndim >= 2 else 1
        if reset:
            self.n_features_in_ = n_features
            return
        expected = getattr(self, "n_features_in_", None)
        if expected is not None and n_features != expected:
            raise ValueError(
                f"X has {n_features} features, but {type(self).__name__} is expecting "
                f"{expected} features as input."
            )

    def _check_feature_names(self, X, reset: bool) -> None:
        names = _feature_names(X)
        if reset:
            if names is not None:
                self.feature_names_in_ = names
            elif hasattr(self, "feature_names_in_"):
                del self.feature_names_in_
            return
        fitted = getattr(self, "feature_names_in_", None)
        cls = type(self).__name__
        if fitted is None and names is None:
            return
        if names is None:
            warnings.warn(
                f"X does not have valid feature names, but {cls} was fitted with feature names",
                UserWarning,
                stacklevel=3,
            )
            return
        if fitted is None:
            warnings.warn(
                f"X has feature names, but {cls} was fitted without feature names",
                UserWarning,
                stacklevel=3,
            )
            return
        if len(fitted) == len(names) and np.all(fitted == names):
            return
        unseen = sorted(set(names) - set(fitted))
        missing = sorted(set(fitted) - set(names))
        message = "The feature names should match those that were passed during fit.\n"
        if unseen:
            message += "Feature names unseen at fit time:\n" + _bullet_list(unseen)
        if missing:
            message += "Feature names seen at fit time, yet now missing:\n" + _bullet_list(missing)
        if not unseen and not missing:
            message += "Feature names must be in the same order as they were in fit.\n"
        raise ValueError(message)


class ClassifierMixin:
    """Mixin for classifiers: ``score`` is the mean accuracy."""

    def _homeml_tags(self) -> dict:
        return {**super()._homeml_tags(), "estimator_type": "classifier", "requires_y": True}

    def score(self, X, y, sample_weight=None) -> float:
        """Mean accuracy of ``self.predict(X)`` against ``y``."""
        from homeml.learn.metrics import accuracy_score

        return accuracy_score(y, self.predict(X), sample_weight=sample_weight)


class RegressorMixin:
    """Mixin for regressors: ``score`` is the coefficient of determination R^2."""

    def _homeml_tags(self) -> dict:
        return {**super()._homeml_tags(), "estimator_type": "regressor", "requires_y": True}

    def score(self, X, y, sample_weight=None) -> float:
        """R^2 of ``self.predict(X)`` against ``y``."""
        from homeml.learn.metrics import r2_score

        return r2_score(y, self.predict(X), sample_weight=sample_weight)


def available_if(check, message: str | None = None):
    """Decorator: the method exists only when ``check(self)`` is true.

    scikit-learn and users test ``hasattr(est, "predict_proba")``, so an unavailable method must
    raise ``AttributeError`` on attribute access, not on the call. ``check`` may raise
    ``AttributeError`` itself with its own explanation; otherwise ``message`` is used.
    """
    return lambda method: _AvailableIf(method, check, message)


class _AvailableIf:
    def __init__(self, method, check, message):
        self.method, self.check, self.message = method, check, message
        functools.update_wrapper(self, method)

    def __get__(self, obj, owner=None):
        if obj is None:
            return self
        if not self.check(obj):
            raise AttributeError(
                self.message
                or f"This {type(obj).__name__} has no attribute {self.method.__name__!r}."
            )
        return self.method.__get__(obj, owner)


class SetOutputMixin:
    """``set_output`` for transformers with ``get_feature_names_out``; a subclass's own
    ``transform`` and ``fit_transform`` are wrapped to honour it (see ``_set_output.py``).

    A class opts out with ``class C(..., auto_wrap_output=False)`` (pipelines pass the setting
    on to their steps instead).
    """

    def __init_subclass__(cls, auto_wrap_output: bool = True, **kwargs):
        super().__init_subclass__(**kwargs)
        if not auto_wrap_output:
            return
        for name in _set_output.WRAPPED:
            method = cls.__dict__.get(name)
            if callable(method) and not getattr(method, "_homeml_wraps_output", False):
                setattr(cls, name, _set_output.wrap_output(method))

    @available_if(lambda est: hasattr(est, "get_feature_names_out"))
    def set_output(self, *, transform=None):
        """Choose the container of ``transform`` and ``fit_transform``'s output.

        Parameters
        ----------
        transform : {"default", "pandas"} or None, default=None
            "pandas": a DataFrame with the ``get_feature_names_out()`` columns and the input's
            index; "default": the transformer's own output (NumPy); None: unchanged.

        Returns
        -------
        self
        """
        _set_output.check_transform_option(transform)
        if transform is not None:
            self._sklearn_output_config = {"transform": transform}
        return self


class TransformerMixin(SetOutputMixin):
    """Mixin for transformers: ``fit_transform`` is ``fit`` then ``transform``."""

    def fit_transform(self, X, y=None, **fit_params):
        """Fit to ``X`` (and ``y``) and return the transformed ``X``."""
        if y is None:
            return self.fit(X, **fit_params).transform(X)
        return self.fit(X, y, **fit_params).transform(X)


class ClusterMixin:
    """Mixin for clustering estimators: ``fit_predict`` returns ``labels_``."""

    def _homeml_tags(self) -> dict:
        return {**super()._homeml_tags(), "estimator_type": "clusterer"}

    def fit_predict(self, X, y=None, **fit_params):
        """Fit to ``X`` and return the cluster label of each sample."""
        self.fit(X, **fit_params)
        return self.labels_


class OutlierMixin:
    """Mixin for outlier detectors: ``fit_predict`` returns +1 for inliers and -1 for outliers."""

    def _homeml_tags(self) -> dict:
        return {**super()._homeml_tags(), "estimator_type": "outlier_detector"}

    def fit_predict(self, X, y=None, **fit_params):
        """Fit to ``X`` and return +1 (inlier) or -1 (outlier) for each sample."""
        return self.fit(X, **fit_params).predict(X)


class MetaEstimatorMixin:
    """Marks estimators built from other estimators (pipelines, ensembles of given estimators)."""


class Bunch(dict):
    """A dict whose keys are also attributes (``pipe.named_steps.scaler``)."""

    def __getattr__(self, key):
        try:
            return self[key]
        except KeyError:
            raise AttributeError(key) from None

    def __dir__(self):
        return list(self.keys())


# ----------------------------------------------------------------------------------------------
# helpers
# ----------------------------------------------------------------------------------------------


def _feature_names(X):
    """Column names of a DataFrame as an object array when they are all strings, else None."""
    columns = getattr(X, "columns", None)
    if columns is None or not hasattr(X, "dtypes"):
        return None
    names = np.asarray(columns, dtype=object)
    if len(names) and all(isinstance(n, str) for n in names):
        return names
    kinds = sorted({type(n).__name__ for n in names})
    if "str" in kinds:
        raise TypeError(
            "Feature names are only supported if all input features have string names, but your "
            f"input has {kinds} as feature name / column name types. Convert them all to str, "
            "e.g. X.columns = X.columns.astype(str)."
        )
    return None


def _bullet_list(names: list, limit: int = 5) -> str:
    lines = [f"- {n}\n" for n in names[:limit]]
    if len(names) > limit:
        lines.append("- ...\n")
    return "".join(lines)
