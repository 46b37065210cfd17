"""The estimator contract and input validation, written once for every ``homeml.learn`` estimator.

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

import copy
import functools
import inspect
import numbers
import sys
import warnings

import numpy as np


class NotFittedError(ValueError, AttributeError):
    """Raised when a method that needs a fitted estimator is called before ``fit``."""


class DataConversionWarning(UserWarning):
    """Warns that input data was converted (e.g. a column-vector ``y`` raveled to 1-D)."""


class ConvergenceWarning(UserWarning):
    """Warns that an iterative solver stopped at its iteration limit before converging."""


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


class BaseEstimator:
    """Base class of every estimator: parameters, repr, tags and validated input.

    Subclasses list their parameters as explicit keyword arguments of ``__init__`` (no ``*args``,
    no ``**kwargs``) and store each one unchanged under its own name.
    """

    @classmethod
    def _get_param_names(cls) -> list[str]:
        init = cls.__init__
        if init is object.__init__:
            return []
        parameters = inspect.signature(init).parameters.values()
        for p in parameters:
            if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
                raise TypeError(
                    f"{cls.__name__}.__init__ must list its parameters explicitly; "
                    f"found {p} (scikit-learn's contract forbids *args and **kwargs)"
                )
        return sorted(p.name for p in parameters if p.name != "self")

    def get_params(self, deep: bool = True) -> dict:
        """Return the estimator's parameters (and, with ``deep``, those of nested estimators)."""
        out = {}
        for name in self._get_param_names():
            value = getattr(self, name)
            if deep and hasattr(value, "get_params") and not isinstance(value, type):
                for sub_name, sub_value in value.get_params().items():
                    out[f"{name}__{sub_name}"] = sub_value
            out[name] = value
        return out

    def set_params(self, **params) -> BaseEstimator:
        """Set parameters; ``step__param`` sets a parameter of a nested estimator."""
        if not params:
            return self
        valid = self.get_params(deep=True)
        nested: dict[str, dict] = {}
        for key, value in params.items():
            name, _, sub_name = key.partition("__")
            if name not in valid:
                raise ValueError(
                    f"Invalid parameter {name!r} for estimator {type(self).__name__}. "
                    f"Valid parameters are: {sorted(self._get_param_names())!r}."
                )
            if sub_name:
                nested.setdefault(name, {})[sub_name] = value
            else:
                setattr(self, name, value)
                valid[name] = value
        for name, sub_params in nested.items():
            valid[name].set_params(**sub_params)
        return self

    def __repr__(self) -> str:
        # Like scikit-learn: show only the parameters that differ from their defaults.
        defaults = {
            name: p.default
            for name, p in inspect.signature(type(self).__init__).parameters.items()
            if name != "self"
        }
        changed = []
        for name in self._get_param_names():
            value = getattr(self, name, None)
            default = defaults.get(name, inspect.Parameter.empty)
            if not _same_value(value, default):
                changed.append(f"{name}={value!r}")
        return f"{type(self).__name__}({', '.join(changed)})"

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
                two_d_array=not t["one_d_labels"],
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


class TransformerMixin:
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


def clone(estimator, *, safe: bool = True):
    """A new unfitted estimator with the same parameters (nested estimators cloned too).

    Parameters
    ----------
    estimator : estimator, or a list/tuple/set of them
    safe : bool
        When False, objects without ``get_params`` are deep-copied instead of refused.
    """
    if isinstance(estimator, (list, tuple, set, frozenset)):
        return type(estimator)(clone(e, safe=safe) for e in estimator)
    if not hasattr(estimator, "get_params") or isinstance(estimator, type):
        if not safe:
            return copy.deepcopy(estimator)
        raise TypeError(
            f"Cannot clone {estimator!r} (type {type(estimator).__name__}): it is not an "
            "estimator (it has no get_params method)."
        )
    params = {k: clone(v, safe=False) for k, v in estimator.get_params(deep=False).items()}
    return type(estimator)(**params)


# ----------------------------------------------------------------------------------------------
# Input validation
# ----------------------------------------------------------------------------------------------


def check_array(
    X,
    *,
    name: str = "X",
    dtype="numeric",
    ensure_2d: bool = True,
    allow_nd: bool = False,
    allow_nan: bool = False,
    ensure_min_samples: int = 1,
    ensure_min_features: int = 1,
    copy: bool = False,
    estimator=None,
) -> np.ndarray:
    """Convert ``X`` to a NumPy array and check it, with errors that say what was expected.

    Parameters
    ----------
    X : array-like
        A NumPy array, a list, a pandas DataFrame/Series, or any object with ``__array__``.
    name : str
        What to call the input in error messages (``"X"`` or ``"y"``).
    dtype : "numeric", None, dtype or list of dtypes
        ``"numeric"``: float32/float64 are kept, other numbers become float64, anything else is
        an error. ``None``: keep the dtype (for encoders of strings). A list: keep the dtype if it
        is listed, otherwise convert to the first.
    ensure_2d, allow_nd : bool
        Require exactly 2 dimensions (or allow more with ``allow_nd``).
    allow_nan : bool
        Accept NaN (infinity is always refused in floating input).
    ensure_min_samples, ensure_min_features : int
        Smallest accepted number of rows and (for 2-D input) columns.
    copy : bool
        Return a copy even when no conversion was needed.
    estimator : estimator or None
        Named in error messages.

    Returns
    -------
    numpy.ndarray
    """
    where = f" by {type(estimator).__name__}" if estimator is not None else ""
    if hasattr(X, "toarray") and hasattr(X, "nnz"):
        raise TypeError(
            f"{name} is a sparse matrix, but homeml{where} takes dense input: pass X.toarray()."
        )
    if X is None or isinstance(X, str):
        raise ValueError(
            f"Expected array-like (array or non-string sequence), got {X!r} for {name}."
        )
    array = _as_array(X, name=name, dtype=dtype)
    if np.issubdtype(array.dtype, np.complexfloating):
        raise ValueError(f"Complex data not supported{where}: {name} has dtype {array.dtype}.")
    if ensure_2d:
        if array.ndim == 0:
            raise ValueError(
                f"Expected 2D array for {name}, got scalar array instead: {name}={array!r}."
            )
        if array.ndim == 1:
            raise ValueError(
                f"Expected 2D array for {name}, got 1D array instead (shape {array.shape}). "
                "Reshape your data either using array.reshape(-1, 1) if your data has a single "
                "feature or array.reshape(1, -1) if it contains a single sample."
            )
    if array.ndim > 2 and not allow_nd:
        raise ValueError(
            f"Found array with dim {array.ndim}{where}; expected <= 2 (shape {array.shape})."
        )
    if array.dtype.kind == "f":
        _check_finite(array, name=name, allow_nan=allow_nan)
    n_samples = array.shape[0] if array.ndim else 1
    if ensure_min_samples > 0 and n_samples < ensure_min_samples:
        raise ValueError(
            f"Found array with {n_samples} sample(s) (shape={array.shape}) while a minimum of "
            f"{ensure_min_samples} is required{where}."
        )
    if ensure_2d and ensure_min_features > 0 and array.shape[1] < ensure_min_features:
        raise ValueError(
            f"Found array with {array.shape[1]} feature(s) (shape={array.shape}) while a minimum "
            f"of {ensure_min_features} is required{where}."
        )
    if copy:
        array = array.copy()
    return array


def check_target(y, *, estimator=None, multi_output: bool = False, y_numeric: bool = False):
    """Check a target array: 1-D (or 2-D with ``multi_output``), finite, numeric if asked.

    A column vector ``(n, 1)`` given to a single-output estimator is raveled with a
    :class:`DataConversionWarning`, as scikit-learn does.
    """
    cls = type(estimator).__name__ if estimator is not None else "the estimator"
    if y is None:
        raise ValueError(f"{cls} requires y to be passed, but the target y is None.")
    if multi_output:
        y = check_array(y, name="y", dtype=None, ensure_2d=False, estimator=estimator)
        if y.ndim not in (1, 2):
            raise ValueError(f"y should be a 1d or 2d array, got an array of shape {y.shape}.")
    else:
        y = column_or_1d(y, warn=True)
    if y.dtype.kind == "O" and y_numeric:
        y = _as_array(y, name="y", dtype="numeric")
    if y_numeric and y.dtype.kind in "biu":
        y = y.astype(np.float64)
    if y.dtype.kind == "f":
        _check_finite(y, name="y", allow_nan=False)
    if y.shape[0] == 0:
        raise ValueError(f"Found y with 0 sample(s) while a minimum of 1 is required by {cls}.")
    return y


def column_or_1d(y, *, warn: bool = False) -> np.ndarray:
    """Return ``y`` as a 1-D array; a ``(n, 1)`` column is raveled (with a warning if ``warn``)."""
    y = np.asarray(y.to_numpy() if hasattr(y, "to_numpy") else y)
    if y.ndim == 1:
        return y
    if y.ndim == 2 and y.shape[1] == 1:
        if warn:
            warnings.warn(
                "A column-vector y was passed when a 1d array was expected. Please change the "
                "shape of y to (n_samples, ), for example using ravel().",
                DataConversionWarning,
                stacklevel=3,
            )
        return y.ravel()
    raise ValueError(
        f"y should be a 1d array, got an array of shape {y.shape} instead."
    )


def check_consistent_length(*arrays) -> None:
    """Raise ``ValueError`` unless all non-None arrays have the same number of samples."""
    lengths = [_num_samples(a) for a in arrays if a is not None]
    if len(set(lengths)) > 1:
        raise ValueError(f"Found input variables with inconsistent numbers of samples: {lengths}")


def check_is_fitted(estimator, attributes=None) -> None:
    """Raise :class:`NotFittedError` unless ``estimator`` has been fitted.

    Fitted means: the listed ``attributes`` exist, or (by default) some attribute ending in ``_``
    was set by ``fit``.
    """
    if isinstance(estimator, type):
        raise TypeError(f"{estimator.__name__} is a class, not an estimator instance.")
    if attributes is not None:
        names = [attributes] if isinstance(attributes, str) else list(attributes)
        fitted = all(hasattr(estimator, a) for a in names)
    elif hasattr(estimator, "__sklearn_is_fitted__"):
        fitted = estimator.__sklearn_is_fitted__()
    else:
        fitted = _has_fitted_attributes(estimator)
    if not fitted:
        raise _not_fitted_error_type()(
            f"This {type(estimator).__name__} instance is not fitted yet. Call 'fit' with "
            "appropriate arguments before using this estimator."
        )


def check_random_state(seed) -> np.random.RandomState:
    """Turn ``None``, an int or a ``RandomState`` into a ``numpy.random.RandomState``."""
    if seed is None or seed is np.random:
        return np.random.mtrand._rand
    if isinstance(seed, numbers.Integral) and not isinstance(seed, bool):
        return np.random.RandomState(int(seed))
    if isinstance(seed, np.random.RandomState):
        return seed
    raise ValueError(
        f"random_state must be None, an int or a numpy.random.RandomState; got {seed!r}."
    )


def check_sample_weight(sample_weight, X, *, dtype=np.float64) -> np.ndarray:
    """Return per-sample weights as a 1-D float array of length ``len(X)`` (ones when None)."""
    n_samples = _num_samples(X)
    if sample_weight is None:
        return np.ones(n_samples, dtype=dtype)
    if isinstance(sample_weight, numbers.Number):
        return np.full(n_samples, sample_weight, dtype=dtype)
    weights = check_array(
        sample_weight, name="sample_weight", ensure_2d=False, dtype=[dtype, np.float32]
    ).astype(dtype, copy=False)
    if weights.ndim != 1:
        raise ValueError(f"sample_weight must be 1D array or scalar; got shape {weights.shape}.")
    if weights.shape[0] != n_samples:
        raise ValueError(
            f"sample_weight.shape == {weights.shape}, expected ({n_samples},) (one per sample)."
        )
    if np.any(weights < 0):
        raise ValueError("Negative values in sample_weight are not allowed.")
    return weights


def type_of_target(y) -> str:
    """Name the kind of target, like scikit-learn's ``type_of_target``.

    One of ``"binary"``, ``"multiclass"``, ``"continuous"``, ``"multilabel-indicator"``,
    ``"multiclass-multioutput"``, ``"continuous-multioutput"`` or ``"unknown"``.
    """
    y = np.asarray(y.to_numpy() if hasattr(y, "to_numpy") else y)
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if y.ndim not in (1, 2) or y.size == 0:
        return "unknown"
    if y.dtype.kind == "O" and not all(isinstance(v, (str, numbers.Number)) for v in y.flat):
        return "unknown"
    values = np.unique(y.astype(str) if y.dtype.kind == "O" else y)
    integral = y.dtype.kind in "biu" or (
        y.dtype.kind == "f" and np.all(np.isfinite(values)) and np.all(values == np.round(values))
    )
    if y.ndim == 2:
        if len(values) < 3 and integral:
            return "multilabel-indicator"
        return "multiclass-multioutput" if integral or y.dtype.kind in "OUS" else \
            "continuous-multioutput"
    if y.dtype.kind == "f" and not integral:
        return "continuous"
    return "multiclass" if len(values) > 2 else "binary"


def check_classification_targets(y) -> None:
    """Raise ``ValueError`` unless ``y`` holds class labels (not continuous values)."""
    kind = type_of_target(y)
    if kind not in ("binary", "multiclass", "multiclass-multioutput", "multilabel-indicator"):
        raise ValueError(
            f"Unknown label type: {kind}. Maybe you are trying to fit a classifier, which "
            "expects discrete classes, on a regression target with continuous values."
        )


def encode_classes(y, estimator=None) -> tuple[np.ndarray, np.ndarray]:
    """Check classification labels and return ``(classes_, y_encoded)`` with codes 0..k-1.

    ``classes_`` keeps the original labels (strings too), sorted like ``numpy.unique``.
    """
    check_classification_targets(y)
    classes, encoded = np.unique(y, return_inverse=True)
    return classes, encoded.reshape(-1)


def require_two_classes(classes, estimator) -> None:
    """Raise ``ValueError`` (naming the class) when a classifier sees fewer than two classes."""
    if len(classes) < 2:
        raise ValueError(
            f"{type(estimator).__name__} needs samples of at least 2 classes in the data, but "
            f"the data contains only one class: {classes[0]!r}."
        )


# ----------------------------------------------------------------------------------------------
# helpers
# ----------------------------------------------------------------------------------------------


def _as_array(X, *, name: str, dtype) -> np.ndarray:
    """``np.asarray`` with homeml's dtype rules and clear errors for non-numeric values."""
    if hasattr(X, "to_numpy") and hasattr(X, "dtypes"):  # pandas DataFrame
        X = X.to_numpy()
    elif hasattr(X, "to_numpy"):  # pandas Series
        X = X.to_numpy()
    if dtype is None:
        array = np.asarray(X)
        return array.astype(np.float64) if array.dtype.kind == "O" and _all_numbers(array) \
            else array
    wanted = [np.dtype(d) for d in (dtype if isinstance(dtype, (list, tuple)) else [dtype])] \
        if dtype != "numeric" else [np.dtype(np.float64), np.dtype(np.float32)]
    try:
        array = np.asarray(X)
    except ValueError as error:  # ragged nested lists
        raise ValueError(f"{name} could not be read as an array: {error}") from None
    if array.dtype in wanted:
        return array
    if array.dtype.kind in "USO" or array.dtype.kind == "V":
        try:
            return array.astype(wanted[0])
        except TypeError as error:  # keeps numpy's "argument must be a string or a number"
            raise TypeError(f"{name} must hold numbers; {error}") from None
        except ValueError as error:
            raise ValueError(
                f"{name} must hold numbers, but it holds strings or objects ({error}); encode "
                "categorical columns first (e.g. with OrdinalEncoder or OneHotEncoder)."
            ) from None
    if array.dtype.kind == "c":
        return array
    if array.dtype.kind == "f" and dtype == "numeric":
        return array.astype(np.float64)  # float16 / longdouble
    return array.astype(wanted[0])


def _all_numbers(array: np.ndarray) -> bool:
    return array.size > 0 and all(
        isinstance(v, numbers.Number) and not isinstance(v, bool) for v in array.flat
    )


def _check_finite(array: np.ndarray, *, name: str, allow_nan: bool) -> None:
    # A sum is one fast pass; only when it is not finite do we look for the culprit.
    with np.errstate(over="ignore", invalid="ignore"):
        total = np.sum(array, dtype=np.float64)
    if np.isfinite(total):
        return
    if not allow_nan and np.isnan(array).any():
        raise ValueError(f"Input {name} contains NaN.")
    if np.isinf(array).any():
        raise ValueError(
            f"Input {name} contains infinity or a value too large for {array.dtype!r}."
        )
    if not allow_nan and np.isnan(total):
        raise ValueError(f"Input {name} contains NaN.")


def _num_samples(X) -> int:
    if hasattr(X, "shape") and len(X.shape) > 0:
        return int(X.shape[0])
    if hasattr(X, "__len__"):
        return len(X)
    raise TypeError(f"Expected a sequence or array-like of samples, got {type(X).__name__}.")


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


def _not_fitted_error_type() -> type:
    """homeml's NotFittedError, also a scikit-learn NotFittedError when scikit-learn is loaded.

    Code that already imported scikit-learn (its checks, GridSearchCV) catches its own class;
    homeml itself never imports scikit-learn for this.
    """
    sklearn_exceptions = sys.modules.get("sklearn.exceptions")
    if sklearn_exceptions is None:
        return NotFittedError
    return _both_not_fitted_errors(sklearn_exceptions.NotFittedError)


@functools.cache
def _both_not_fitted_errors(sklearn_error: type) -> type:
    return type("NotFittedError", (NotFittedError, sklearn_error), {"__module__": __name__})


def _has_fitted_attributes(estimator) -> bool:
    return any(k.endswith("_") and not k.startswith("__") for k in vars(estimator))


def _same_value(a, b) -> bool:
    if a is b:
        return True
    if isinstance(a, float) and isinstance(b, float) and np.isnan(a) and np.isnan(b):
        return True
    try:
        return type(a) is type(b) and bool(a == b)
    except (ValueError, TypeError):  # arrays and other non-scalar defaults
        return False
