"""PolynomialFeatures: every product of input features up to a given degree."""

from __future__ import annotations

import numbers
from itertools import chain, combinations, combinations_with_replacement

import numpy as np

from homeml.learn._param_validation import StrOptions
from homeml.learn.base import BaseEstimator, TransformerMixin, check_is_fitted
from homeml.learn.preprocessing._common import input_feature_names


class PolynomialFeatures(TransformerMixin, BaseEstimator):
    """Polynomial and interaction features: ``[1, a, b, a^2, ab, b^2]`` for degree 2.

    Parameters
    ----------
    degree : int or (min_degree, max_degree)
        Highest total degree (or the range of degrees) of the products.
    interaction_only : bool
        Only products of distinct features (``ab``, not ``a^2``).
    include_bias : bool
        Start with a column of ones (the degree-0 term).
    order : {"C", "F"}
        Memory layout of the output.

    Attributes
    ----------
    powers_ : ndarray of shape (n_output_features_, n_features_in_)
        ``powers_[i, j]``: exponent of input feature j in output feature i.
    n_output_features_ : int
    """

    _homeml_constraints = {
        "interaction_only": ["boolean"],
        "include_bias": ["boolean"],
        "order": [StrOptions({"C", "F"})],
    }

    def __init__(self, degree=2, *, interaction_only=False, include_bias=True, order="C"):
        self.degree = degree
        self.interaction_only = interaction_only
        self.include_bias = include_bias
        self.order = order

    def _homeml_tags(self) -> dict:
        return {**super()._homeml_tags(), "preserves_dtype": ["float64", "float32"]}

    def _degrees(self) -> tuple[int, int]:
        degree = self.degree
        is_int = isinstance(degree, numbers.Integral) and not isinstance(degree, bool)
        if is_int and degree >= 0:
            low, high = 0, int(degree)
        elif (
            isinstance(degree, tuple)
            and len(degree) == 2
            and all(isinstance(d, numbers.Integral) and not isinstance(d, bool) for d in degree)
            and 0 <= degree[0] <= degree[1]
        ):
            low, high = int(degree[0]), int(degree[1])
        else:
            raise ValueError(
                f"degree must be a non-negative int or a tuple (min_degree, "
                f"max_degree) with 0 <= min_degree <= max_degree; got {degree!r}."
            )
        if high == 0 and not self.include_bias:
            raise ValueError(
                "Setting degree to zero and include_bias to False would result in "
                "an empty output array."
            )
        return low, high

    def _combinations(self, n_features: int):
        low, high = self._degrees()
        pick = combinations if self.interaction_only else combinations_with_replacement
        terms = chain.from_iterable(
            pick(range(n_features), d) for d in range(max(1, low), high + 1)
        )
        return list(chain([()], terms) if self.include_bias else terms)

    def fit(self, X, y=None):
        """Work out the output terms for ``X``'s number of features."""
        self._validate_params()
        X = self._validate_data(X, reset=True, dtype=[np.float64, np.float32])
        self._terms = self._combinations(X.shape[1])
        powers = np.zeros((len(self._terms), X.shape[1]), dtype=np.int64)
        for i, term in enumerate(self._terms):
            np.add.at(powers[i], list(term), 1)
        self.powers_ = powers
        self.n_output_features_ = len(self._terms)
        return self

    def transform(self, X):
        """The products, shape (n_samples, n_output_features_)."""
        check_is_fitted(self)
        X = self._validate_data(X, reset=False, dtype=[np.float64, np.float32])
        out = np.empty((X.shape[0], self.n_output_features_), dtype=X.dtype, order=self.order)
        column_of = {}  # each product reuses the product of its first d-1 factors
        for i, term in enumerate(self._terms):
            if not term:
                out[:, i] = 1
            elif len(term) == 1:
                out[:, i] = X[:, term[0]]
            elif term[:-1] in column_of:
                np.multiply(out[:, column_of[term[:-1]]], X[:, term[-1]], out=out[:, i])
            else:  # the lower-degree prefix is not an output (min_degree > 1)
                out[:, i] = np.prod(X[:, list(term)], axis=1)
            column_of[term] = i
        return out

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        """Names like ``"1"``, ``"x0"``, ``"x0^2"``, ``"x0 x1"``."""
        check_is_fitted(self)
        names = input_feature_names(self, input_features)
        out = []
        for row in self.powers_:
            used = np.flatnonzero(row)
            out.append(
                " ".join(names[j] if row[j] == 1 else f"{names[j]}^{row[j]}" for j in used)
                if len(used)
                else "1"
            )
        return np.asarray(out, dtype=object)
