"""The constraint tables: messages and error class as scikit-learn's InvalidParameterError."""

from numbers import Integral, Real

import numpy as np
import pytest

from homeml.learn._param_validation import (
    Interval,
    InvalidParameterError,
    Options,
    RealNotInt,
    StrOptions,
    validate_parameter_constraints,
)
from homeml.learn.base import BaseEstimator

CONSTRAINTS = {
    "n": [Interval(Integral, 1, None, closed="left")],
    "frac": [
        Interval(RealNotInt, 0, 1, closed="right"),
        Interval(Integral, 1, None, closed="left"),
    ],
    "tol": [Interval(Real, 0, None, closed="neither")],
    "how": [StrOptions({"b", "a"}), callable, None],
    "seed": ["random_state"],
    "flag": ["boolean"],
    "data": ["array-like"],
    "kind": [Options(int, {2, 3}), dict],
}
GOOD = {
    "n": 3,
    "frac": 0.5,
    "tol": 1e-3,
    "how": "a",
    "seed": None,
    "flag": True,
    "data": [1, 2],
    "kind": 2,
}


def check(**params):
    validate_parameter_constraints(CONSTRAINTS, {**GOOD, **params}, "Thing")


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"n": np.int64(7)},
        {"frac": 1.0},
        {"frac": 5},
        {"tol": 2},
        {"how": len},
        {"how": None},
        {"seed": 3},
        {"seed": np.random.RandomState(0)},
        {"flag": np.bool_(False)},
        {"data": np.zeros(3)},
        {"kind": {}},
        {"unlisted": object()},
    ],
)
def test_accepted_values(params):
    check(**params)


@pytest.mark.parametrize(
    "params, message",
    [
        (
            {"n": 0},
            "The 'n' parameter of Thing must be an int in the range [1, inf). Got 0 instead.",
        ),
        ({"n": 2.0}, "must be an int in the range [1, inf). Got 2.0 instead."),
        ({"n": True}, "Got True instead."),
        ({"frac": 0.0}, "must be a float in the range (0, 1] or an int in the range [1, inf)."),
        ({"tol": 0}, "must be a float in the range (0, inf). Got 0 instead."),
        ({"tol": float("nan")}, "Got nan instead."),
        ({"how": "c"}, "must be a str among {'a', 'b'}, a callable or None. Got 'c' instead."),
        ({"seed": -1}, "must be an int in the range [0, 4294967295], an instance of "),
        ({"flag": 1}, "must be an instance of 'bool' or an instance of 'numpy.bool'. Got 1"),
        ({"data": "text"}, "must be an array-like. Got 'text' instead."),
        ({"kind": 4}, "must be an int among {2, 3} or an instance of 'dict'. Got 4 instead."),
    ],
)
def test_refused_values_name_parameter_expected_and_received(params, message):
    with pytest.raises(InvalidParameterError) as info:
        check(**params)
    assert message in str(info.value)
    assert isinstance(info.value, ValueError) and isinstance(info.value, TypeError)


def test_estimator_validate_params_uses_its_table():
    class Est(BaseEstimator):
        _homeml_constraints = {"alpha": [Interval(Real, 0, None, closed="left")]}

        def __init__(self, alpha=1.0):
            self.alpha = alpha

    Est()._validate_params()
    with pytest.raises(
        ValueError,
        match=r"The 'alpha' parameter of Est must be a float in the "
        r"range \[0, inf\)\. Got -1 instead\.",
    ):
        Est(alpha=-1)._validate_params()


def test_combination_rules_run_after_the_table():
    class Est(BaseEstimator):
        _homeml_constraints = {
            "low": [Interval(Real, 0, None, closed="left")],
            "high": [Interval(Real, 0, None, closed="left")],
        }

        def __init__(self, low=0.0, high=1.0):
            self.low = low
            self.high = high

        def _check_param_combinations(self):
            if self.low > self.high:
                raise ValueError("low must not exceed high")

    Est()._validate_params()
    with pytest.raises(InvalidParameterError, match="'low' parameter"):
        Est(low=-1.0)._validate_params()
    with pytest.raises(ValueError, match="low must not exceed high"):
        Est(low=2.0)._validate_params()


def test_same_wording_as_sklearn():
    sk_validation = pytest.importorskip("sklearn.utils._param_validation")
    constraints = {"n": [Interval(Integral, 1, None, closed="left"), None]}
    sk_constraints = {"n": [sk_validation.Interval(Integral, 1, None, closed="left"), None]}
    with pytest.raises(InvalidParameterError) as ours:
        validate_parameter_constraints(constraints, {"n": 0}, "Thing")
    with pytest.raises(sk_validation.InvalidParameterError) as theirs:
        sk_validation.validate_parameter_constraints(sk_constraints, {"n": 0}, "Thing")
    assert str(ours.value) == str(theirs.value)
