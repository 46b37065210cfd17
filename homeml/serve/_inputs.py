"""Checking request inputs: numbers only, regular shapes, finite values, and pixel scales."""

from __future__ import annotations

import numpy as np


class InputError(ValueError):
    """A request whose inputs the model cannot take (answered with 422)."""


class ModelCheckError(ValueError):
    """A model that cannot be served (it fails on a zero input, its classes do not match its
    outputs, its input shape is unknown...): the server refuses to start.
    """


# How pixel values may be sent to a model whose metadata holds its normalisation (mean, std).
SCALES = {
    "0-255": "pixel values from 0 (black) to 255 (white), integers as in a PNG",
    "0-1": "pixel values from 0 to 1, as after dividing by 255",
    "normalized": "values already normalised with the model's mean and std: (x - mean) / std",
}

ALL_NUMBERS = object()


def first_non_number(values):
    """The first item of nested lists that is not an int or float (bool and str are not
    numbers here, though NumPy would convert them), or ``ALL_NUMBERS`` (every item is one).
    """
    if type(values) is not list:
        return values
    stack = [values]
    while stack:
        for item in stack.pop():
            kind = type(item)
            if kind is list:
                stack.append(item)
            elif kind is not float and kind is not int:
                return item
    return ALL_NUMBERS


def to_array(values, expected: str) -> np.ndarray:
    """Nested JSON lists of numbers as a finite, non-empty float64 array, or InputError."""
    odd = first_non_number(values)
    if odd is not ALL_NUMBERS:
        raise InputError(
            f"inputs must be (nested lists of) numbers, got {odd!r:.40} "
            f"({type(odd).__name__}); expected {expected}"
        )
    try:
        x = np.asarray(values, dtype=np.float64)
    except (ValueError, TypeError, OverflowError):  # ragged lists; integers past float64
        raise InputError(
            f"inputs must be a (nested) list of numbers with a regular shape and within "
            f"float64's range; expected {expected}"
        ) from None
    if x.size == 0:
        raise InputError(f"inputs are empty; expected {expected}")
    if not np.isfinite(x).all():
        raise InputError(f"inputs hold NaN or infinite values; expected {expected}")
    return x


def infer_scale(x: np.ndarray) -> str:
    """The scale pixel values were most likely sent in: normalised pictures have negative
    values (the background), 0-1 pictures none above 1, 0-255 ones whole numbers.
    """
    low, high = float(x.min()), float(x.max())
    if low >= 0 and high <= 1:
        return "0-1"
    if low >= 0 and high <= 255 and bool(np.all(x == np.round(x))):
        return "0-255"
    return "normalized"


def normalise(x: np.ndarray, scale: str, mean: float, std: float) -> np.ndarray:
    """Pixels sent in ``scale`` as the model takes them, ``(x / 255 - mean) / std`` for 0-255;
    values outside the declared scale are refused.
    """
    if scale == "normalized":
        return x
    top = 255.0 if scale == "0-255" else 1.0
    if x.min() < 0 or x.max() > top:
        raise InputError(
            f'inputs declared as "scale": "{scale}" must lie in [0, {top:g}], got values from '
            f"{x.min():.4g} to {x.max():.4g}"
        )
    return (x / top - mean) / std


def check_finite_outputs(values: np.ndarray, expected: str) -> None:
    """Finite inputs can still overflow inside a model; NaN would go out as JSON null."""
    if not np.isfinite(values).all():
        raise InputError(
            f"the model's outputs are not finite for these inputs (they overflowed); "
            f"expected {expected} with values of a sensible size"
        )
