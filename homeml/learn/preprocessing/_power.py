"""PowerTransformer: Yeo-Johnson and Box-Cox, each feature's lambda by maximum likelihood.

The lambda that maximises the profile log-likelihood of a normal model of the transformed
feature is found by Brent's bounded minimisation (golden-section steps with parabolic
interpolation, :func:`brent_minimize`), the algorithm of ``scipy.optimize.fminbound``.
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from homeml.learn._param_validation import StrOptions
from homeml.learn.base import BaseEstimator, TransformerMixin, check_is_fitted
from homeml.learn.preprocessing._common import OneToOneFeatureNamesMixin
from homeml.learn.preprocessing._scalers import StandardScaler
from homeml.learn.validation import check_array

_FLOATS = [np.float64, np.float32]


def brent_minimize(f, a: float, b: float, xatol: float = 1e-5, maxiter: int = 500) -> float:
    """The minimiser of ``f`` on ``[a, b]`` by Brent's method (golden section + parabolas)."""
    sqrt_eps = math.sqrt(2.2e-16)
    golden_mean = 0.5 * (3.0 - math.sqrt(5.0))
    fulc = nfc = xf = a + golden_mean * (b - a)
    rat = e = 0.0
    fx = f(xf)
    ffulc = fnfc = fx
    xm = 0.5 * (a + b)
    tol1 = sqrt_eps * abs(xf) + xatol / 3.0
    tol2 = 2.0 * tol1
    for _ in range(maxiter):
        if abs(xf - xm) <= tol2 - 0.5 * (b - a):
            break
        golden = True
        if abs(e) > tol1:  # try a parabola through the three best points
            golden = False
            r = (xf - nfc) * (fx - ffulc)
            q = (xf - fulc) * (fx - fnfc)
            p = (xf - fulc) * q - (xf - nfc) * r
            q = 2.0 * (q - r)
            if q > 0.0:
                p = -p
            q = abs(q)
            r, e = e, rat
            if abs(p) < abs(0.5 * q * r) and q * (a - xf) < p < q * (b - xf):
                rat = p / q
                x = xf + rat
                if (x - a) < tol2 or (b - x) < tol2:
                    rat = tol1 * (np.sign(xm - xf) + ((xm - xf) == 0))
            else:
                golden = True
        if golden:
            e = (a - xf) if xf >= xm else (b - xf)
            rat = golden_mean * e
        x = xf + (np.sign(rat) + (rat == 0)) * max(abs(rat), tol1)
        fu = f(x)
        if fu <= fx:
            if x >= xf:
                a = xf
            else:
                b = xf
            fulc, ffulc = nfc, fnfc
            nfc, fnfc = xf, fx
            xf, fx = x, fu
        else:
            if x < xf:
                a = x
            else:
                b = x
            if fu <= fnfc or nfc == xf:
                fulc, ffulc = nfc, fnfc
                nfc, fnfc = x, fu
            elif fu <= ffulc or fulc == xf or fulc == nfc:
                fulc, ffulc = x, fu
        xm = 0.5 * (a + b)
        tol1 = sqrt_eps * abs(xf) + xatol / 3.0
        tol2 = 2.0 * tol1
    return float(xf)


def _log_var_of_exp(z: np.ndarray) -> float:
    """``log(var(exp(z)))`` without overflow."""
    top = np.max(z)
    return float(np.log(np.var(np.exp(z - top))) + 2.0 * top)


def yeo_johnson(x: np.ndarray, lmbda: float) -> np.ndarray:
    """The Yeo-Johnson transform of ``x`` with parameter ``lmbda``."""
    out = np.empty_like(x)
    pos = x >= 0
    neg = x < 0
    if abs(lmbda) < np.spacing(1.0):
        out[pos] = np.log1p(x[pos])
    else:
        out[pos] = np.expm1(lmbda * np.log1p(x[pos])) / lmbda
    if abs(lmbda - 2) > np.spacing(1.0):
        out[neg] = -np.expm1((2 - lmbda) * np.log1p(-x[neg])) / (2 - lmbda)
    else:
        out[neg] = -np.log1p(-x[neg])
    out[np.isnan(x)] = np.nan
    return out


def box_cox(x: np.ndarray, lmbda: float) -> np.ndarray:
    """The Box-Cox transform of positive ``x`` with parameter ``lmbda``."""
    if abs(lmbda) < 1e-19:
        return np.log(x)
    return np.expm1(lmbda * np.log(x)) / lmbda


def _yeo_johnson_neg_llf(lmbda: float, x: np.ndarray) -> float:
    n = len(x)
    trans = yeo_johnson(x, lmbda)
    var = np.var(trans)
    if not var >= np.finfo(np.float64).tiny:
        return -np.inf  # as scipy: a zero variance gives an infinite likelihood, clipped
    return -(-n / 2 * math.log(var) + (lmbda - 1) * np.sum(np.sign(x) * np.log1p(np.abs(x))))


def _box_cox_neg_llf(lmbda: float, logx: np.ndarray) -> float:
    n = len(logx)
    if abs(lmbda) < 1e-19:
        logvar = math.log(np.var(logx))
    else:
        logvar = _log_var_of_exp(lmbda * logx) - 2.0 * math.log(abs(lmbda))
    return -((lmbda - 1) * np.sum(logx) - n / 2 * logvar)


def _yeo_johnson_lambda(x: np.ndarray) -> float:
    x = x[~np.isnan(x)]
    if np.all(x == 0):
        return 1.0
    # the bounds scipy uses: no power of 1 + |x| over- or underflows
    log1p_max = math.log1p(20 * np.max(np.abs(x)))
    log_eps = math.log(np.finfo(np.float64).eps)
    lb = (math.log(np.finfo(np.float64).tiny) - log_eps) / 2 / log1p_max
    ub = (math.log(np.finfo(np.float64).max) + log_eps) / 2 / log1p_max
    if np.all(x < 0):
        lb, ub = 2 - ub, 2 - lb
    elif np.any(x < 0):
        lb, ub = max(2 - ub, lb), min(2 - lb, ub)
    return brent_minimize(lambda lm: _yeo_johnson_neg_llf(lm, x), lb, ub, xatol=1.48e-8)


def _box_cox_lambda(x: np.ndarray) -> float:
    x = x[~np.isnan(x)]
    if len(x) == 0:
        return np.nan
    logx = np.log(x)
    spread = max(float(np.max(np.abs(logx))), 1e-300)
    bound = (math.log(np.finfo(np.float64).max) / 2) / spread  # x**lambda stays finite
    bound = min(bound, 1e3)
    return brent_minimize(lambda lm: _box_cox_neg_llf(lm, logx), -bound, bound, xatol=1.48e-8)


class PowerTransformer(OneToOneFeatureNamesMixin, TransformerMixin, BaseEstimator):
    """Make each feature more Gaussian with a power transform, lambda by maximum likelihood.

    Parameters
    ----------
    method : {"yeo-johnson", "box-cox"}
        Yeo-Johnson (any real data) or Box-Cox (strictly positive data).
    standardize : bool
        Standardise the transformed features to zero mean and unit variance.
    copy : bool
        Transform a copy of ``X``.

    Attributes
    ----------
    lambdas_ : ndarray of shape (n_features,)
        The fitted lambda of each feature (1, the identity, for a constant feature under
        Yeo-Johnson).
    """

    _homeml_constraints = {
        "method": [StrOptions({"yeo-johnson", "box-cox"})],
        "standardize": ["boolean"],
        "copy": ["boolean"],
    }

    def __init__(self, method="yeo-johnson", *, standardize=True, copy=True):
        self.method = method
        self.standardize = standardize
        self.copy = copy

    def _homeml_tags(self) -> dict:
        return {**super()._homeml_tags(), "allow_nan": True}

    def _check_input(self, X, in_fit: bool, check_positive=False):
        X = self._validate_data(X, reset=in_fit, dtype=_FLOATS, copy=self.copy, allow_nan=True)
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", r"All-NaN (slice|axis) encountered")
            if check_positive and self.method == "box-cox" and np.nanmin(X) <= 0:
                raise ValueError(
                    "The Box-Cox transformation can only be applied to strictly positive data"
                )
        return X

    def _transform_function(self):
        return box_cox if self.method == "box-cox" else yeo_johnson

    def fit(self, X, y=None):
        """Estimate the lambda of each feature (and the standardisation)."""
        self._fit(X, force_transform=False)
        return self

    def fit_transform(self, X, y=None):
        """Fit, then return the transformed ``X``."""
        return self._fit(X, force_transform=True)

    def _fit(self, X, force_transform: bool):
        self._validate_params()
        X = self._check_input(X, in_fit=True, check_positive=True)
        if not self.copy and not force_transform:
            X = X.copy()
        n_samples = X.shape[0]
        mean = np.mean(X, axis=0, dtype=np.float64)
        var = np.var(X, axis=0, dtype=np.float64)
        optimise = _box_cox_lambda if self.method == "box-cox" else _yeo_johnson_lambda
        transform = self._transform_function()
        eps = np.finfo(np.float64).eps
        with np.errstate(invalid="ignore"):
            self.lambdas_ = np.empty(X.shape[1], dtype=X.dtype)
            for i in range(X.shape[1]):
                constant = var[i] <= n_samples * eps * var[i] + (n_samples * mean[i] * eps) ** 2
                if self.method == "yeo-johnson" and constant:
                    self.lambdas_[i] = 1.0
                    continue
                self.lambdas_[i] = optimise(X[:, i].astype(np.float64))
                if self.standardize or force_transform:
                    X[:, i] = transform(X[:, i], self.lambdas_[i])
        if self.standardize:
            self._scaler = StandardScaler(copy=False).set_output(transform="default")
            if force_transform:
                X = self._scaler.fit_transform(X)
            else:
                self._scaler.fit(X)
        return X

    def transform(self, X):
        """Apply each feature's power transform (then the standardisation)."""
        check_is_fitted(self)
        X = self._check_input(X, in_fit=False, check_positive=True)
        transform = self._transform_function()
        with np.errstate(invalid="ignore"):
            for i, lmbda in enumerate(self.lambdas_):
                X[:, i] = transform(X[:, i], lmbda)
        if self.standardize:
            X = self._scaler.transform(X)
        return X

    def inverse_transform(self, X):
        """Undo :meth:`transform` (the standardisation, then each power transform)."""
        check_is_fitted(self)
        X = check_array(X, dtype=_FLOATS, copy=self.copy, allow_nan=True, estimator=self)
        if X.shape[1] != self.n_features_in_:
            raise ValueError(
                f"X has {X.shape[1]} features, but PowerTransformer is expecting "
                f"{self.n_features_in_} features as input."
            )
        if self.standardize:
            X = self._scaler.inverse_transform(X)
        inverse = _inverse_box_cox if self.method == "box-cox" else _inverse_yeo_johnson
        with np.errstate(invalid="ignore"):
            for i, lmbda in enumerate(self.lambdas_):
                X[:, i] = inverse(X[:, i], lmbda)
        return X


def _inverse_box_cox(y, lmbda):
    if abs(lmbda) < 1e-19:
        return np.exp(y)
    return np.exp(np.log1p(lmbda * y) / lmbda)


def _inverse_yeo_johnson(x, lmbda):
    out = np.zeros_like(x)
    pos = x >= 0
    if abs(lmbda) < np.spacing(1.0):
        out[pos] = np.exp(x[pos]) - 1
    else:
        out[pos] = np.power(x[pos] * lmbda + 1, 1 / lmbda) - 1
    if abs(lmbda - 2) > np.spacing(1.0):
        out[~pos] = 1 - np.power(-(2 - lmbda) * x[~pos] + 1, 1 / (2 - lmbda))
    else:
        out[~pos] = 1 - np.exp(-x[~pos])
    return out
