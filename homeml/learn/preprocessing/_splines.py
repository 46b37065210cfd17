"""SplineTransformer: a B-spline basis of each feature (uniform or quantile knots).

The basis is evaluated with de Boor's recurrence (:class:`BSplineBasis`), on the polynomial
piece of the knot interval of each value, the piece of the first or last interval outside the
knots, as ``scipy.interpolate.BSpline`` does.
"""

from __future__ import annotations

from numbers import Integral

import numpy as np
import scipy.sparse as sp

from homeml.learn._param_validation import Interval, StrOptions
from homeml.learn.base import BaseEstimator, TransformerMixin, check_is_fitted
from homeml.learn.preprocessing._common import input_feature_names
from homeml.learn.preprocessing._discretization import weighted_percentile
from homeml.learn.validation import check_array, check_sample_weight


class BSplineBasis:
    """B-splines of degree ``k`` on knots ``t`` combined by the rows of ``c``: ``B(x) @ c``.

    Parameters
    ----------
    t : ndarray of shape (n_knots,)
        The (extended) knot vector.
    c : ndarray of shape (n_knots - k - 1, n_outputs)
        The coefficients of each output.
    k : int
        The degree.
    extrapolate : bool
        Outside ``[t[k], t[n]]``, extend the end pieces (True) or return NaN (False).
    """

    def __init__(self, t, c, k: int, extrapolate: bool):
        self.t, self.c, self.k, self.extrapolate = t, c, k, extrapolate

    def _interval(self, x):
        n = len(self.t) - self.k - 1
        return np.clip(np.searchsorted(self.t, x, side="right") - 1, self.k, n - 1)

    def _basis(self, x, interval, degree):
        """Values of the ``degree + 1`` B-splines of that degree nonzero on each interval."""
        t = self.t
        h = np.zeros((len(x), degree + 1))
        h[:, 0] = 1.0
        for j in range(1, degree + 1):
            previous = h[:, :j].copy()
            h[:, 0] = 0.0
            for m in range(1, j + 1):
                right = t[interval + m]
                left = t[interval + m - j]
                with np.errstate(invalid="ignore", divide="ignore"):
                    w = np.where(right != left, previous[:, m - 1] / (right - left), 0.0)
                h[:, m - 1] += w * (right - x)
                h[:, m] = w * (x - left)
        return h

    def basis(self, x, nu: int = 0) -> np.ndarray:
        """The matrix (len(x), n_basis) of the basis functions (``nu=1``: their derivatives)."""
        x = np.asarray(x, dtype=np.float64)
        k, t = self.k, self.t
        n = len(t) - k - 1
        interval = self._interval(x)
        if nu == 0:
            values = self._basis(x, interval, k)
        elif k == 0:
            values = np.zeros((len(x), 1))
        else:
            lower = self._basis(x, interval, k - 1)  # B_{l-k+1..l, k-1}
            padded = np.zeros((len(x), k + 2))
            padded[:, 1:-1] = lower
            values = np.zeros((len(x), k + 1))
            for m in range(k + 1):
                i = interval - k + m
                with np.errstate(invalid="ignore", divide="ignore"):
                    d1 = t[i + k] - t[i]
                    d2 = t[i + k + 1] - t[i + 1]
                    a = np.where(d1 > 0, padded[:, m] / d1, 0.0)
                    b = np.where(d2 > 0, padded[:, m + 1] / d2, 0.0)
                values[:, m] = k * (a - b)
        out = np.zeros((len(x), n))
        rows = np.arange(len(x))
        for m in range(k + 1):
            out[rows, interval - k + m] = values[:, m]
        if not self.extrapolate:
            outside = (x < t[k]) | (x > t[n])
            out[outside] = np.nan
        out[np.isnan(x)] = np.nan
        return out

    def __call__(self, x, nu: int = 0) -> np.ndarray:
        scalar = np.ndim(x) == 0
        out = _combine(self.basis(np.atleast_1d(x), nu), self.c)
        return out[0] if scalar else out


def _combine(basis, c):
    """``basis @ c``, without a matrix product for the coefficients the transformer builds: the
    identity, with the first rows repeated below it for periodic splines (then the last basis
    functions wrap onto the first columns)."""
    n_rows, n_cols = c.shape
    extra = n_rows - n_cols
    eye = np.eye(n_cols)
    if extra >= 0 and np.array_equal(c[:n_cols], eye) and np.array_equal(c[n_cols:], eye[:extra]):
        out = basis[:, :n_cols].copy()
        out[:, :extra] += basis[:, n_cols:]
        return out
    return basis @ c


class SplineTransformer(TransformerMixin, BaseEstimator):
    """Expand each feature into a B-spline basis of ``n_knots + degree - 1`` columns.

    Parameters
    ----------
    n_knots : int
        The number of knots inside the range of each feature (ignored with array ``knots``).
    degree : int
        The degree of the polynomial pieces.
    knots : {"uniform", "quantile"} or array-like of shape (n_knots, n_features)
        Evenly spaced between min and max, at quantiles, or these positions.
    extrapolation : {"error", "constant", "linear", "continue", "periodic"}
        Outside the knots: raise, keep the boundary values, extend linearly, extend the end
        polynomials, or wrap around (periodic splines).
    include_bias : bool
        Keep the last spline of each feature (they sum to one, a constant column).
    order : {"C", "F"}
        Memory order of the dense output.
    handle_missing : {"error", "zeros"}
        Refuse NaN, or give NaN rows all-zero splines.
    sparse_output : bool
        Return a CSR matrix.

    Attributes
    ----------
    bsplines_ : list of BSplineBasis
        The spline basis of each feature.
    n_features_out_ : int
        The number of output columns.
    """

    _homeml_constraints = {
        "n_knots": [Interval(Integral, 2, None, closed="left")],
        "degree": [Interval(Integral, 0, None, closed="left")],
        "knots": [StrOptions({"uniform", "quantile"}), "array-like"],
        "extrapolation": [StrOptions({"error", "constant", "linear", "continue", "periodic"})],
        "include_bias": ["boolean"],
        "order": [StrOptions({"C", "F"})],
        "handle_missing": [StrOptions({"error", "zeros"})],
        "sparse_output": ["boolean"],
    }

    def __init__(
        self,
        n_knots=5,
        degree=3,
        *,
        knots="uniform",
        extrapolation="constant",
        include_bias=True,
        order="C",
        handle_missing="error",
        sparse_output=False,
    ):
        self.n_knots = n_knots
        self.degree = degree
        self.knots = knots
        self.extrapolation = extrapolation
        self.include_bias = include_bias
        self.order = order
        self.handle_missing = handle_missing
        self.sparse_output = sparse_output

    def _homeml_tags(self) -> dict:
        return {**super()._homeml_tags(), "allow_nan": self.handle_missing == "zeros"}

    def _check_X(self, X, reset: bool):
        try:
            return self._validate_data(
                X, reset=reset, ensure_min_samples=2 if reset else 1,
                allow_nan=self.handle_missing == "zeros",
            )  # fmt: skip
        except ValueError as error:
            if "NaN" in str(error) and self.handle_missing == "error":
                raise ValueError(
                    "Input X contains NaN values and `SplineTransformer` is configured to error "
                    "in this case (handle_missing='error'). To avoid this error, set "
                    "handle_missing='zeros' to encode missing values as splines with value 0 "
                    "or ensure no missing values in X."
                ) from error
            raise

    @staticmethod
    def _base_knots(X, n_knots, knots, sample_weight):
        if knots == "quantile":
            levels = 100 * np.linspace(0, 1, n_knots)
            if sample_weight is None:
                return np.nanpercentile(X, levels, axis=0)
            columns = [
                weighted_percentile(X[:, j], sample_weight, levels, average=False)
                for j in range(X.shape[1])
            ]
            return np.column_stack(columns)
        rows = slice(None) if sample_weight is None else sample_weight > 0
        lo, hi = np.zeros(X.shape[1]), np.zeros(X.shape[1])
        for j in range(X.shape[1]):
            x = X[rows, j]
            if not np.all(np.isnan(x)):
                lo[j], hi[j] = np.nanmin(x), np.nanmax(x)
        return np.linspace(lo, hi, num=n_knots, endpoint=True, dtype=np.float64)

    def fit(self, X, y=None, sample_weight=None):
        """Place the knots of each feature and build its spline basis."""
        self._validate_params()
        X = self._check_X(X, reset=True)
        if sample_weight is not None:
            sample_weight = check_sample_weight(sample_weight, X, dtype=X.dtype)
            if not sample_weight.any():
                raise ValueError("Sample weights must contain at least one non-zero number.")
        n_features = X.shape[1]
        if isinstance(self.knots, str):
            base = self._base_knots(X, self.n_knots, self.knots, sample_weight)
        else:
            base = check_array(self.knots, dtype=np.float64, name="knots")
            if base.shape[0] < 2:
                raise ValueError("Number of knots, knots.shape[0], must be >= 2.")
            if base.shape[1] != n_features:
                raise ValueError("knots.shape[1] == n_features is violated.")
            if not np.all(np.diff(base, axis=0) > 0):
                raise ValueError("knots must be sorted without duplicates.")
        n_knots, degree = base.shape[0], self.degree
        periodic = self.extrapolation == "periodic"
        if periodic and n_knots <= degree:
            raise ValueError(
                f"Periodic splines require degree < n_knots. Got n_knots={n_knots} and "
                f"degree={degree}."
            )
        n_splines = n_knots - 1 if periodic else n_knots + degree - 1
        if periodic:
            period = base[-1] - base[0]
            knots = np.r_[base[-(degree + 1) : -1] - period, base, base[1 : degree + 1] + period]
        else:
            step_lo, step_hi = base[1] - base[0], base[-1] - base[-2]
            knots = np.r_[
                np.linspace(base[0] - degree * step_lo, base[0] - step_lo, num=degree),
                base,
                np.linspace(base[-1] + step_hi, base[-1] + degree * step_hi, num=degree),
            ]
        coef = np.eye(n_splines)
        if periodic:
            coef = np.concatenate((coef, coef[:degree, :]))
        extrapolate = self.extrapolation in ("periodic", "continue")
        self.bsplines_ = [
            BSplineBasis(knots[:, j], coef, degree, extrapolate) for j in range(n_features)
        ]
        self.n_features_out_ = n_features * n_splines - n_features * (1 - self.include_bias)
        return self

    def transform(self, X):
        """The spline basis values of each feature, side by side."""
        check_is_fitted(self)
        X = self._check_X(X, reset=False)
        n_samples, n_features = X.shape
        n_splines = self.bsplines_[0].c.shape[1]
        degree = self.degree
        dtype = X.dtype if X.dtype in (np.float64, np.float32) else np.float64
        XBS = np.zeros((n_samples, n_features * n_splines), dtype=dtype, order=self.order)
        for f in range(n_features):
            spl, column = self.bsplines_[f], X[:, f]
            cols = slice(f * n_splines, (f + 1) * n_splines)
            nan_rows = np.isnan(column)
            if self.extrapolation in ("continue", "error", "periodic"):
                x = column
                if self.extrapolation == "periodic":
                    n = spl.t.size - spl.k - 1
                    width = spl.t[n] - spl.t[spl.k]
                    x = spl.t[spl.k] + (column - spl.t[spl.k]) % width if width > 0 else 0 * x
                XBS[:, cols] = spl(x)
                XBS[nan_rows, cols] = 0
            else:
                xmin, xmax = spl.t[degree], spl.t[-degree - 1]
                f_min, f_max = spl(xmin), spl(xmax)
                inside = (xmin <= column) & (column <= xmax)
                XBS[inside, cols] = spl(column[inside])
            if self.extrapolation == "error" and np.any(np.isnan(XBS[:, cols])):
                raise ValueError("`X` contains values beyond the limits of the knots.")
            if self.extrapolation == "constant":
                below, above = column < xmin, column > xmax
                if degree > 0:
                    XBS[below, f * n_splines : f * n_splines + degree] = f_min[:degree]
                    XBS[above, (f + 1) * n_splines - degree : (f + 1) * n_splines] = f_max[-degree:]
            elif self.extrapolation == "linear":
                fp_min, fp_max = spl(xmin, nu=1), spl(xmax, nu=1)
                if degree <= 1:  # (as scikit-learn: the raised degree carries to later features)
                    degree += 1
                below, above = column < xmin, column > xmax
                for j in range(degree):
                    XBS[below, f * n_splines + j] = f_min[j] + (column[below] - xmin) * fp_min[j]
                    k = n_splines - 1 - j
                    XBS[above, f * n_splines + k] = f_max[k] + (column[above] - xmax) * fp_max[k]
        if not self.include_bias:
            XBS = XBS[:, [j for j in range(XBS.shape[1]) if (j + 1) % n_splines != 0]]
        return sp.csr_matrix(XBS) if self.sparse_output else XBS

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        """``<input>_sp_<j>`` for each spline j of each input feature."""
        check_is_fitted(self, "n_features_in_")
        n_splines = self.bsplines_[0].c.shape[1]
        names = input_feature_names(self, input_features)
        return np.asarray(
            [f"{name}_sp_{j}" for name in names for j in range(n_splines - 1 + self.include_bias)],
            dtype=object,
        )
