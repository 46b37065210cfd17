"""TransformedTargetRegressor: fit a regressor on a transformed target, predict back."""

from __future__ import annotations

import warnings

import numpy as np

from homeml.learn.base import BaseEstimator, RegressorMixin, check_is_fitted, clone
from homeml.learn.validation import check_array


class TransformedTargetRegressor(RegressorMixin, BaseEstimator):
    """Regress on ``transformer.transform(y)`` (or ``func(y)``) and invert the predictions.

    Parameters
    ----------
    regressor : estimator or None
        The regressor (None: :class:`~homeml.learn.LinearRegression`), cloned in fit.
    transformer : transformer or None
        Fitted on ``y``; cannot be given with ``func``/``inverse_func``.
    func, inverse_func : callable or None
        The target transform and its inverse, given together (both None: the identity).
    check_inverse : bool
        Warn when the inverse does not give back ``y`` on a sample of it.

    Attributes
    ----------
    regressor_ : estimator
        The fitted regressor.
    transformer_ : transformer
        The fitted target transformer.
    """

    def __init__(
        self, regressor=None, *, transformer=None, func=None, inverse_func=None, check_inverse=True
    ):
        self.regressor = regressor
        self.transformer = transformer
        self.func = func
        self.inverse_func = inverse_func
        self.check_inverse = check_inverse

    def _homeml_tags(self) -> dict:
        inner = self.regressor
        sparse = (
            inner._homeml_tags().get("sparse", False) if hasattr(inner, "_homeml_tags") else False
        )
        return {
            **super()._homeml_tags(),
            "poor_score": True,
            "multi_output": True,
            "sparse": sparse,
        }

    def _fit_transformer(self, y):
        from homeml.learn.preprocessing import FunctionTransformer

        if self.transformer is not None and (
            self.func is not None or self.inverse_func is not None
        ):
            raise ValueError(
                "'transformer' and functions 'func'/'inverse_func' cannot both be set."
            )
        if self.transformer is not None:
            self.transformer_ = clone(self.transformer)
        else:
            if (self.func is None) != (self.inverse_func is None):
                given, missing = (
                    ("func", "inverse_func") if self.func is not None else ("inverse_func", "func")
                )
                raise ValueError(
                    f"When '{given}' is provided, '{missing}' must also be provided. If "
                    f"{missing} is supposed to be the default, you need to explicitly pass it the "
                    "identity function."
                )
            self.transformer_ = FunctionTransformer(
                func=self.func,
                inverse_func=self.inverse_func,
                validate=True,
                check_inverse=self.check_inverse,
            )
        self.transformer_.fit(y)
        if self.check_inverse:
            sample = y[:: max(1, y.shape[0] // 10)]
            back = self.transformer_.inverse_transform(self.transformer_.transform(sample))
            if not np.allclose(sample, back):
                warnings.warn(
                    "The provided functions or transformer are not strictly inverse of each "
                    "other. If you are sure you want to proceed regardless, set "
                    "'check_inverse=False'",
                    UserWarning,
                    stacklevel=3,
                )

    def fit(self, X, y, **fit_params):
        """Fit the target transformer on ``y``, then the regressor on ``X`` and the new target."""
        if y is None:
            raise ValueError(
                f"This {type(self).__name__} estimator requires y to be passed, but the target "
                "y is None."
            )
        y = check_array(y, name="y", ensure_2d=False, allow_nd=True, dtype="numeric")
        self._training_dim = y.ndim
        y_2d = y.reshape(-1, 1) if y.ndim == 1 else y
        self._fit_transformer(y_2d)
        y_trans = self.transformer_.transform(y_2d)
        if hasattr(y_trans, "toarray"):
            y_trans = y_trans.toarray()
        y_trans = np.asarray(y_trans)
        if y_trans.ndim == 2 and y_trans.shape[1] == 1 and self._training_dim == 1:
            y_trans = y_trans[:, 0]
        if self.regressor is None:
            from homeml.learn.linear_model import LinearRegression

            self.regressor_ = LinearRegression()
        else:
            self.regressor_ = clone(self.regressor)
        self.regressor_.fit(X, y_trans, **fit_params)
        if hasattr(self.regressor_, "feature_names_in_"):
            self.feature_names_in_ = self.regressor_.feature_names_in_
        return self

    def predict(self, X, **predict_params):
        """The regressor's predictions, taken back through the inverse transform."""
        check_is_fitted(self, "regressor_")
        pred = np.asarray(self.regressor_.predict(X, **predict_params))
        back = self.transformer_.inverse_transform(pred.reshape(-1, 1) if pred.ndim == 1 else pred)
        back = np.asarray(back)
        if self._training_dim == 1 and back.ndim == 2 and back.shape[1] == 1:
            back = back[:, 0]
        return back

    @property
    def n_features_in_(self) -> int:
        """The number of features the regressor saw in fit."""
        check_is_fitted(self, "regressor_")
        return self.regressor_.n_features_in_

    def __sklearn_is_fitted__(self) -> bool:
        return hasattr(self, "regressor_")
