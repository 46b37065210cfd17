"""Weight initialisation, as ``torch.nn.init``: in place, without recording gradients."""

from __future__ import annotations

import contextlib
import contextvars
import math
from typing import TYPE_CHECKING

import numpy as np

from homeml.creation import default_generator
from homeml.ops.special import normal_cdf

if TYPE_CHECKING:
    from homeml.creation import Generator
    from homeml.tensor import Tensor

_SKIP = contextvars.ContextVar("homeml_skip_init", default=False)


@contextlib.contextmanager
def skip_init():
    """Within this block the init functions leave tensors as they are (uninitialised memory).

    Used to build a module whose values will all be overwritten, such as one loaded from a file:
    no random numbers are drawn and untouched memory is not committed.
    """
    token = _SKIP.set(True)
    try:
        yield
    finally:
        _SKIP.reset(token)


def _fill(tensor, values):
    tensor._data[...] = values  # in place: parameters keep their identity
    return tensor


def _rng(generator):
    return (generator or default_generator).rng


def calculate_gain(nonlinearity: str, param=None) -> float:
    """The recommended scale for a nonlinearity (PyTorch's table)."""
    linear = (
        "linear",
        "conv1d",
        "conv2d",
        "conv3d",
        "conv_transpose1d",
        "conv_transpose2d",
        "conv_transpose3d",
        "sigmoid",
    )
    if nonlinearity in linear:
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            slope = 0.01
        elif isinstance(param, bool) or not isinstance(param, (int, float)):
            # like torch: True/False or a string is a mistake, not a slope
            raise ValueError(f"calculate_gain: negative_slope must be a number, got {param!r}")
        else:
            slope = param
        return math.sqrt(2.0 / (1 + slope**2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"calculate_gain: unsupported nonlinearity {nonlinearity!r}")


def fan_in_and_fan_out(tensor) -> tuple[int, int]:
    """Fan-in and fan-out of a weight shaped (out, in, *kernel)."""
    if tensor.ndim < 2:
        raise ValueError(f"fan in/out need a tensor with at least 2 dimensions, got {tensor.shape}")
    receptive = int(np.prod(tensor.shape[2:])) if tensor.ndim > 2 else 1
    return tensor.shape[1] * receptive, tensor.shape[0] * receptive


def uniform_(
    tensor: Tensor, a: float = 0.0, b: float = 1.0, generator: Generator | None = None
) -> Tensor:
    """Fill ``tensor`` in place from U(a, b)."""
    if _SKIP.get():
        return tensor
    return _fill(tensor, _rng(generator).uniform(a, b, tensor.shape))


def normal_(
    tensor: Tensor, mean: float = 0.0, std: float = 1.0, generator: Generator | None = None
) -> Tensor:
    """Fill ``tensor`` in place from N(mean, std^2)."""
    if _SKIP.get():
        return tensor
    return _fill(tensor, _rng(generator).normal(mean, std, tensor.shape))


def constant_(tensor: Tensor, val: float) -> Tensor:
    """Fill ``tensor`` in place with ``val``."""
    if _SKIP.get():
        return tensor
    return _fill(tensor, val)


def zeros_(tensor: Tensor) -> Tensor:
    """Fill ``tensor`` in place with 0."""
    if _SKIP.get():
        return tensor
    return _fill(tensor, 0)


def ones_(tensor: Tensor) -> Tensor:
    """Fill ``tensor`` in place with 1."""
    if _SKIP.get():
        return tensor
    return _fill(tensor, 1)


def eye_(tensor: Tensor) -> Tensor:
    """Fill a 2-D ``tensor`` in place with the identity."""
    if _SKIP.get():
        return tensor
    if tensor.ndim != 2:
        raise ValueError(f"eye_ needs a 2-D tensor, got shape {tensor.shape}")
    return _fill(tensor, np.eye(*tensor.shape))


def xavier_uniform_(
    tensor: Tensor, gain: float = 1.0, generator: Generator | None = None
) -> Tensor:
    """Glorot uniform initialisation, in place."""
    fan_in, fan_out = fan_in_and_fan_out(tensor)
    bound = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return uniform_(tensor, -bound, bound, generator)


def xavier_normal_(tensor: Tensor, gain: float = 1.0, generator: Generator | None = None) -> Tensor:
    """Glorot normal initialisation, in place."""
    fan_in, fan_out = fan_in_and_fan_out(tensor)
    return normal_(tensor, 0.0, gain * math.sqrt(2.0 / (fan_in + fan_out)), generator)


def _kaiming_std(tensor, a, mode, nonlinearity):
    fan_in, fan_out = fan_in_and_fan_out(tensor)
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"mode must be 'fan_in' or 'fan_out', got {mode!r}")
    fan = fan_in if mode == "fan_in" else fan_out
    return calculate_gain(nonlinearity, a) / math.sqrt(fan)


def kaiming_uniform_(
    tensor: Tensor,
    a: float = 0.0,
    mode: str = "fan_in",
    nonlinearity: str = "leaky_relu",
    generator: Generator | None = None,
) -> Tensor:
    """He uniform initialisation, in place."""
    bound = math.sqrt(3.0) * _kaiming_std(tensor, a, mode, nonlinearity)
    return uniform_(tensor, -bound, bound, generator)


def kaiming_normal_(
    tensor: Tensor,
    a: float = 0.0,
    mode: str = "fan_in",
    nonlinearity: str = "leaky_relu",
    generator: Generator | None = None,
) -> Tensor:
    """He normal initialisation, in place."""
    return normal_(tensor, 0.0, _kaiming_std(tensor, a, mode, nonlinearity), generator)


def trunc_normal_(
    tensor: Tensor,
    mean: float = 0.0,
    std: float = 1.0,
    a: float = -2.0,
    b: float = 2.0,
    generator: Generator | None = None,
) -> Tensor:
    """Samples of N(mean, std^2) conditioned on [a, b] (absolute bounds, as torch's).

    Inverse-CDF sampling, as torch does: a uniform draw between Phi(alpha) and Phi(beta) (the
    standardised bounds) mapped back through the normal quantile, so bounds far in a tail cost
    no more than any others. Both bounds in the upper tail are mirrored into the lower one,
    where the CDF keeps its relative precision.
    """
    if _SKIP.get():
        return tensor
    if not a <= b:
        raise ValueError(f"trunc_normal_: needs a <= b, got a={a}, b={b}")
    if not std > 0:
        raise ValueError(f"trunc_normal_: std must be positive, got {std}")
    alpha, beta = (a - mean) / std, (b - mean) / std
    mirror = alpha + beta > 0
    if mirror:
        alpha, beta = -beta, -alpha
    low, high = normal_cdf(np.array([alpha, beta], dtype=np.float64))
    z = np.clip(_normal_quantile(_rng(generator).uniform(low, high, tensor.shape)), alpha, beta)
    return _fill(tensor, mean + std * (-z if mirror else z))


# Acklam's rational approximation of the standard normal quantile (relative error < 1.2e-9)
_QA = (
    -3.969683028665376e01,
    2.209460984245205e02,
    -2.759285104469687e02,
    1.383577518672690e02,
    -3.066479806614716e01,
    2.506628277459239e00,
)
_QB = (
    -5.447609879822406e01,
    1.615858368580409e02,
    -1.556989798598866e02,
    6.680131188771972e01,
    -1.328068155288572e01,
    1.0,
)
_QC = (
    -7.784894002430293e-03,
    -3.223964580411365e-01,
    -2.400758277161838e00,
    -2.549671010286519e00,
    4.374664141464968e00,
    2.938163982698783e00,
)
_QD = (
    7.784695709041462e-03,
    3.224671290700398e-01,
    2.445134137142996e00,
    3.754408661907416e00,
    1.0,
)


def _normal_quantile(p):
    """Phi^-1(p) for an array of probabilities in [0, 1] (+-inf at 0 and 1), in float64."""
    p = np.asarray(p, dtype=np.float64)
    x = np.where(p < 0.5, -np.inf, np.inf)  # the values at p = 0 and p = 1
    tail = np.minimum(p, 1.0 - p)
    central = tail >= 0.02425
    q = p[central] - 0.5
    r = q * q
    x[central] = q * np.polyval(_QA, r) / np.polyval(_QB, r)
    outer = ~central & (tail > 0)
    t = np.sqrt(-2.0 * np.log(tail[outer]))
    lower_value = np.polyval(_QC, t) / np.polyval(_QD, t)
    x[outer] = np.where(p[outer] < 0.5, lower_value, -lower_value)
    # Halley steps on Phi(x) = p bring the approximation to float64 precision
    finite = np.isfinite(x)
    xf, pf = x[finite], p[finite]
    for _ in range(2):
        with np.errstate(over="ignore", invalid="ignore"):
            error = (normal_cdf(xf) - pf) * math.sqrt(2 * math.pi) * np.exp(0.5 * xf * xf)
            step = error / (1.0 + 0.5 * xf * error)
        xf = xf - np.where(np.isfinite(step), step, 0.0)
    x[finite] = xf
    return x


def orthogonal_(tensor: Tensor, gain: float = 1.0, generator: Generator | None = None) -> Tensor:
    """A (semi-)orthogonal matrix from the QR decomposition of a Gaussian matrix."""
    if _SKIP.get():
        return tensor
    rows = tensor.shape[0]
    cols = tensor.numel() // rows
    flat = _rng(generator).standard_normal((rows, cols))
    if rows < cols:
        flat = flat.T
    q, r = np.linalg.qr(flat)
    q *= np.sign(np.diag(r))  # makes the decomposition unique, hence uniformly distributed
    if rows < cols:
        q = q.T
    return _fill(tensor, gain * q.reshape(tensor.shape))


def default_linear_init_(weight: Tensor, bias: Tensor | None = None) -> None:
    """PyTorch's default for Linear and Conv: kaiming_uniform_(a=sqrt(5)) and a matching bias."""
    kaiming_uniform_(weight, a=math.sqrt(5))
    if bias is not None:
        fan_in, _ = fan_in_and_fan_out(weight)
        bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
        uniform_(bias, -bound, bound)
