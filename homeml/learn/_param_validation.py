"""Declarative hyper-parameter checks: one constraint table per estimator, checked in one place.

An estimator lists, for each ``__init__`` parameter, the values it accepts::

    _homeml_constraints = {
        "n_clusters": [Interval(Integral, 1, None, closed="left")],
        "init": [StrOptions({"k-means++", "random"}), callable, "array-like"],
        "tol": [Interval(Real, 0, None, closed="left")],
        "random_state": ["random_state"],
    }

and ``fit`` (``partial_fit``, ...) starts with ``self._validate_params()``
(:meth:`homeml.learn.base.BaseEstimator._validate_params`). A value that satisfies none of its
parameter's constraints raises :class:`InvalidParameterError`, a ``ValueError`` and a
``TypeError`` as in scikit-learn, worded as scikit-learn words it::

    The 'n_clusters' parameter of KMeans must be an int in the range [1, inf). Got 0 instead.

A constraint is one of:

- :class:`Hidden` (accepted, not named in the message: a deprecation sentinel);
- :class:`HasMethods` (an object with those methods, e.g. a nested estimator);
- an :class:`Interval` of ``Integral``, ``Real`` or :data:`RealNotInt` numbers (never ``bool``);
- :class:`StrOptions` (a set of strings) or :class:`Options` (a set of values of one type);
- ``None``, ``callable``, a class (the value must be an instance of it);
- the strings ``"array-like"``, ``"random_state"``, ``"boolean"``, ``"verbose"``.

Parameters missing from the table are not checked (nested estimators check their own). Checks
that involve several parameters or the data (``n_components <= n_features``) stay in ``fit``.

This is scikit-learn's ``_parameter_constraints`` idea with homeml's own constraint classes; the
table is named ``_homeml_constraints`` (as the tags are ``_homeml_tags``) because scikit-learn's
estimator checks read an attribute named ``_parameter_constraints`` as holding scikit-learn's
classes.
"""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np

__all__ = [
    "HasMethods",
    "Hidden",
    "Integral",
    "Interval",
    "InvalidParameterError",
    "Options",
    "Real",
    "RealNotInt",
    "StrOptions",
    "validate_parameter_constraints",
]


class InvalidParameterError(ValueError, TypeError):
    """A hyper-parameter of the wrong type or out of range (scikit-learn's class of error)."""


class RealNotInt(Real):
    """A real number that is not an integer: ``Interval(RealNotInt, 0, 1)`` is a fraction."""


RealNotInt.register(float)
RealNotInt.register(np.floating)


class Interval:
    """Numbers of ``type`` between ``left`` and ``right`` (None: unbounded).

    Parameters
    ----------
    type : Integral, Real or RealNotInt
    left, right : number or None
    closed : {"left", "right", "both", "neither"}
        Which bounds belong to the interval.
    """

    def __init__(self, type, left, right, *, closed):
        if closed not in ("left", "right", "both", "neither"):
            raise ValueError(f"closed must be 'left', 'right', 'both' or 'neither'; got {closed!r}")
        self.type, self.left, self.right, self.closed = type, left, right, closed

    def is_satisfied_by(self, value) -> bool:
        if not isinstance(value, self.type) or isinstance(value, (bool, np.bool_)):
            return False
        if self.left is not None:
            left_closed = self.closed in ("left", "both")
            if not (value >= self.left if left_closed else value > self.left):
                return False
        if self.right is not None:
            right_closed = self.closed in ("right", "both")
            if not (value <= self.right if right_closed else value < self.right):
                return False
        return not (self.type is not Integral and value != value)  # NaN is in no interval

    def __str__(self) -> str:
        kind = "an int" if self.type is Integral else "a float"
        left = "-inf" if self.left is None else self.left
        right = "inf" if self.right is None else self.right
        opening = "[" if self.closed in ("left", "both") and self.left is not None else "("
        closing = "]" if self.closed in ("right", "both") and self.right is not None else ")"
        return f"{kind} in the range {opening}{left}, {right}{closing}"


class Options:
    """One of the values in ``options``, each an instance of ``type``."""

    def __init__(self, type, options):
        self.type, self.options = type, set(options)

    def is_satisfied_by(self, value) -> bool:
        return isinstance(value, self.type) and any(_same(value, o) for o in self.options)

    def __str__(self) -> str:
        listed = ", ".join(repr(o) for o in sorted(self.options, key=repr))
        name = {"Integral": "int", "Real": "float"}.get(self.type.__name__, self.type.__name__)
        return f"{'an' if name[0] in 'aeiou' else 'a'} {name} among {{{listed}}}"


class StrOptions(Options):
    """One of the strings in ``options``."""

    def __init__(self, options):
        super().__init__(str, options)

    def __str__(self) -> str:
        return f"a str among {{{', '.join(repr(o) for o in sorted(self.options))}}}"


class HasMethods:
    """An object with the named methods (a nested estimator: ``HasMethods(["fit"])``)."""

    def __init__(self, methods):
        self.methods = [methods] if isinstance(methods, str) else list(methods)

    def is_satisfied_by(self, value) -> bool:
        return all(callable(getattr(value, m, None)) for m in self.methods)

    def __str__(self) -> str:
        names = [repr(m) for m in self.methods]
        listed = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"
        return f"an object implementing {listed}"


class Hidden:
    """A value accepted but left out of the error message (a deprecation sentinel)."""

    def __init__(self, constraint):
        self.constraint = make_constraint(constraint)

    def is_satisfied_by(self, value) -> bool:
        return self.constraint.is_satisfied_by(value)


def _same(value, option) -> bool:
    try:
        return bool(value == option)
    except (TypeError, ValueError):
        return False


class _Named:
    """A constraint given by name in the tables ("array-like", "random_state", ...)."""

    def __init__(self, text, test):
        self.text, self.test = text, test

    def is_satisfied_by(self, value) -> bool:
        return self.test(value)

    def __str__(self) -> str:
        return self.text


def _is_array_like(value) -> bool:
    return (
        hasattr(value, "__len__") or hasattr(value, "shape") or hasattr(value, "__array__")
    ) and not isinstance(value, str)


def _is_random_state(value) -> bool:
    if value is None or value is np.random or isinstance(value, np.random.RandomState):
        return True
    return Interval(Integral, 0, 2**32 - 1, closed="both").is_satisfied_by(value)


_NAMED = {
    "array-like": _Named("an array-like", _is_array_like),
    "random_state": _Named(
        "an int in the range [0, 4294967295], an instance of 'numpy.random.RandomState' or None",
        _is_random_state,
    ),
    "boolean": _Named(
        "an instance of 'bool' or an instance of 'numpy.bool'",
        lambda v: isinstance(v, (bool, np.bool_)),
    ),
    "verbose": _Named(
        "an int in the range [0, inf) or a bool",
        lambda v: (
            isinstance(v, (bool, np.bool_))
            or Interval(Integral, 0, None, closed="left").is_satisfied_by(v)
        ),
    ),
}


def make_constraint(constraint):
    """The checker object of one entry of a constraint list."""
    if constraint is None:
        return _Named("None", lambda v: v is None)
    if constraint is callable:
        return _Named("a callable", callable)
    if isinstance(constraint, str):
        if constraint not in _NAMED:
            raise ValueError(f"unknown parameter constraint {constraint!r}")
        return _NAMED[constraint]
    if isinstance(constraint, type):
        name = (
            constraint.__name__
            if constraint.__module__ == "builtins"
            else f"{constraint.__module__}.{constraint.__qualname__}"
        )
        return _Named(f"an instance of {name!r}", lambda v: isinstance(v, constraint))
    if hasattr(constraint, "is_satisfied_by"):
        return constraint
    raise ValueError(f"unknown parameter constraint {constraint!r}")


def validate_parameter_constraints(constraints: dict, params: dict, caller_name: str) -> None:
    """Raise :class:`InvalidParameterError` for the first parameter that meets none of its
    constraints (``constraints`` maps a name to a list; ``"no_validation"`` skips it)."""
    for name, value in params.items():
        allowed = constraints.get(name)
        if allowed is None or allowed == "no_validation":
            continue
        checkers = [make_constraint(c) for c in allowed]
        if any(c.is_satisfied_by(value) for c in checkers):
            continue
        texts = [str(c) for c in checkers if not isinstance(c, Hidden)]
        expected = texts[0] if len(texts) == 1 else f"{', '.join(texts[:-1])} or {texts[-1]}"
        raise InvalidParameterError(
            f"The {name!r} parameter of {caller_name} must be {expected}. Got {value!r} instead."
        )
