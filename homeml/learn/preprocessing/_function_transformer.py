"""FunctionTransformer: any function of ``X`` as a transformer (stateless)."""

from __future__ import annotations

import warnings

import numpy as np
import scipy.sparse as sp

from homeml.learn.base import BaseEstimator, TransformerMixin, available_if
from homeml.learn.preprocessing._common import input_feature_names


class FunctionTransformer(TransformerMixin, BaseEstimator):
    """Apply ``func`` in ``transform`` and ``inverse_func`` in ``inverse_transform``.

    Parameters
    ----------
    func, inverse_func : callable or None
        The functions (None: the identity), called as ``func(X, **kw_args)``.
    validate : bool
        Check ``X`` (a 2-D numeric array) before calling the function.
    accept_sparse : bool
        With ``validate``: accept a sparse matrix.
    check_inverse : bool
        In fit, warn when ``inverse_func(func(X))`` is not ``X`` on a sample of rows.
    feature_names_out : "one-to-one", callable or None
        How :meth:`get_feature_names_out` names the outputs (a callable gets
        ``(self, input_features)``); None: no such method.
    kw_args, inv_kw_args : dict or None
        Extra keyword arguments of ``func`` and ``inverse_func``.
    """

    def __init__(
        self,
        func=None,
        inverse_func=None,
        *,
        validate=False,
        accept_sparse=False,
        check_inverse=True,
        feature_names_out=None,
        kw_args=None,
        inv_kw_args=None,
    ):
        self.func = func
        self.inverse_func = inverse_func
        self.validate = validate
        self.accept_sparse = accept_sparse
        self.check_inverse = check_inverse
        self.feature_names_out = feature_names_out
        self.kw_args = kw_args
        self.inv_kw_args = inv_kw_args

    def _homeml_tags(self) -> dict:
        return {
            **super()._homeml_tags(),
            "no_validation": not self.validate,
            "requires_fit": False,
            "sparse": not self.validate or bool(self.accept_sparse),
            "allow_nan": True,
        }

    def __sklearn_is_fitted__(self) -> bool:
        return True

    def _check_input(self, X, reset: bool):
        if self.validate:
            return self._validate_data(
                X, reset=reset, accept_sparse=self.accept_sparse, allow_nan=True
            )
        self._check_feature_names(X, reset=reset)
        if reset and hasattr(X, "shape") and len(X.shape) >= 2:
            self.n_features_in_ = X.shape[1]
        return X

    def fit(self, X, y=None):
        """Check ``X`` (with ``validate``) and the inverse (with ``check_inverse``)."""
        if self.feature_names_out not in (None, "one-to-one") and not callable(
            self.feature_names_out
        ):
            raise ValueError(
                f"feature_names_out={self.feature_names_out!r} is invalid. It must either be "
                '"one-to-one" or a callable with two arguments.'
            )
        X = self._check_input(X, reset=True)
        if self.check_inverse and not (self.func is None or self.inverse_func is None):
            self._check_inverse_transform(X)
        return self

    def _check_inverse_transform(self, X):
        rows = slice(None, None, max(1, X.shape[0] // 100))
        round_trip = self.inverse_transform(self.transform(X[rows]))
        dtypes = [X.dtype] if hasattr(X, "dtype") else list(getattr(X, "dtypes", []))
        if not all(isinstance(d, np.dtype) and np.issubdtype(d, np.number) for d in dtypes):
            raise ValueError(
                "'check_inverse' is only supported when all the elements in `X` is numerical."
            )
        before, after = X[rows], round_trip
        if sp.issparse(before):
            before = before.toarray()
        if sp.issparse(after):
            after = after.toarray()
        if not np.allclose(np.asarray(before), np.asarray(after), rtol=1e-7, atol=1e-9):
            warnings.warn(
                "The provided functions are not strictly inverse of each other. If you are sure "
                "you want to proceed regardless, set 'check_inverse=False'.",
                UserWarning,
                stacklevel=3,
            )

    def transform(self, X):
        """``func(X, **kw_args)`` (``X`` itself without ``func``)."""
        X = self._check_input(X, reset=False)
        return _apply(self.func, X, self.kw_args)

    def inverse_transform(self, X):
        """``inverse_func(X, **inv_kw_args)`` (``X`` itself without ``inverse_func``)."""
        if self.validate:
            X = self._validate_data(
                X, reset=False, accept_sparse=self.accept_sparse, allow_nan=True
            )
        return _apply(self.inverse_func, X, self.inv_kw_args)

    @available_if(lambda self: self.feature_names_out is not None)
    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        """Output names: the input names ("one-to-one") or ``feature_names_out(self, names)``."""
        if hasattr(self, "n_features_in_"):
            input_features = input_feature_names(self, input_features)
        elif input_features is not None:
            input_features = np.asarray(input_features, dtype=object)
        if self.feature_names_out == "one-to-one":
            names = input_features
        else:
            names = self.feature_names_out(self, input_features)
        return np.asarray(names, dtype=object)


def _apply(func, X, kw_args):
    if func is None:
        return X
    return func(X, **(kw_args or {}))
