"""Input validation for every homeml.learn estimator, written once (re-exported by ``base``).

Each function turns what a user passes (lists, NumPy arrays of any numeric dtype, read-only
arrays, pandas DataFrames and Series) into checked NumPy arrays, or raises an error that says
what was expected and what came.
"""

from __future__ import annotations

import numbers
import warnings

import numpy as np

from homeml.learn.exceptions import DataConversionWarning, not_fitted_error_type


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
    accept_sparse: bool | str | tuple | list = False,
):
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
    accept_sparse : bool, str or sequence of str, default=False
        Accept a SciPy sparse matrix: ``True`` in any format, a format name (``"csr"``) or a
        list of them (converted to the first when in another). ``False``: sparse input is an
        error that asks for ``X.toarray()``.

    Returns
    -------
    numpy.ndarray, or a scipy.sparse matrix when ``accept_sparse`` lets one through
    """
    where = f" by {type(estimator).__name__}" if estimator is not None else ""
    if hasattr(X, "toarray") and hasattr(X, "nnz"):
        if not accept_sparse:
            raise TypeError(
                f"{name} is a sparse matrix, but homeml{where} takes dense input: pass X.toarray()."
            )
        return _check_sparse(
            X,
            accept_sparse=accept_sparse,
            name=name,
            dtype=dtype,
            allow_nan=allow_nan,
            ensure_min_samples=ensure_min_samples,
            ensure_min_features=ensure_min_features,
            copy=copy,
            where=where,
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
    raise ValueError(f"y should be a 1d array, got an array of shape {y.shape} instead.")


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
        raise not_fitted_error_type()(
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


def check_sample_weight(sample_weight, X, *, dtype=np.float64, allow_negative=False) -> np.ndarray:
    """Return per-sample weights as a 1-D float array of length ``len(X)`` (ones when None).

    Negative weights are refused unless ``allow_negative`` (DBSCAN gives them a meaning).
    """
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
    if not allow_negative and np.any(weights < 0):
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
        return (
            "multiclass-multioutput"
            if integral or y.dtype.kind in "OUS"
            else "continuous-multioutput"
        )
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


# helpers


def _check_sparse(
    X,
    *,
    accept_sparse,
    name,
    dtype,
    allow_nan,
    ensure_min_samples,
    ensure_min_features,
    copy,
    where,
):
    """``check_array`` for a SciPy sparse matrix: format, dtype, finiteness and size."""
    import scipy.sparse as sp

    formats = [accept_sparse] if isinstance(accept_sparse, str) else accept_sparse
    if formats is not True and X.format not in formats:
        X = getattr(sp, f"{formats[0]}_matrix")(X)
        copy = False
    elif not sp.isspmatrix(X):  # a sparse array (csr_array, ...): homeml returns matrices
        X = getattr(sp, f"{X.format}_matrix")(X)
        copy = False
    if X.ndim != 2:
        raise ValueError(f"Expected a 2D sparse matrix for {name}, got shape {X.shape}.")
    if dtype is not None:
        if dtype == "numeric":
            wanted = [np.dtype(np.float64), np.dtype(np.float32)]
        else:
            wanted = [np.dtype(d) for d in (dtype if isinstance(dtype, (list, tuple)) else [dtype])]
        if X.dtype not in wanted:
            if X.dtype.kind not in "biuf":
                raise ValueError(f"{name} must hold numbers; it has dtype {X.dtype}.")
            X = X.astype(wanted[0])
            copy = False
    if copy:
        X = X.copy()
    if X.dtype.kind == "f":
        _check_finite(X.data, name=name, allow_nan=allow_nan)
    n_samples, n_features = X.shape
    if ensure_min_samples > 0 and n_samples < ensure_min_samples:
        raise ValueError(
            f"Found array with {n_samples} sample(s) (shape={X.shape}) while a minimum of "
            f"{ensure_min_samples} is required{where}."
        )
    if ensure_min_features > 0 and n_features < ensure_min_features:
        raise ValueError(
            f"Found array with {n_features} feature(s) (shape={X.shape}) while a minimum "
            f"of {ensure_min_features} is required{where}."
        )
    return X


def _as_array(X, *, name: str, dtype) -> np.ndarray:
    """``np.asarray`` with homeml's dtype rules and clear errors for non-numeric values."""
    if hasattr(X, "to_numpy") and hasattr(X, "dtypes"):  # pandas DataFrame
        X = X.to_numpy()
    elif hasattr(X, "to_numpy"):  # pandas Series
        X = X.to_numpy()
    if dtype is None:
        array = np.asarray(X)
        return (
            array.astype(np.float64) if array.dtype.kind == "O" and _all_numbers(array) else array
        )
    wanted = (
        [np.dtype(d) for d in (dtype if isinstance(dtype, (list, tuple)) else [dtype])]
        if dtype != "numeric"
        else [np.dtype(np.float64), np.dtype(np.float32)]
    )
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


def _has_fitted_attributes(estimator) -> bool:
    return any(k.endswith("_") and not k.startswith("__") for k in vars(estimator))
