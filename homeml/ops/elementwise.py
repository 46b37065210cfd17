"""Elementwise operations: arithmetic, math functions, activations, selection and casts.

Each class is one operation with its forward and backward side by side. Binary operations
broadcast; their backward returns gradients in the broadcast shape and the engine sums them back.
"""

from __future__ import annotations

import math

import numpy as np

from homeml.ops import special
from homeml.tensor import Function, Tensor

# ----------------------------------------------------------------------------- arithmetic


class Add(Function):
    def forward(self, a, b):
        return a + b

    def backward(self, grad):
        return grad, grad


class Sub(Function):
    def forward(self, a, b):
        return a - b

    def backward(self, grad):
        return grad, (-grad if self.needs_input_grad[1] else None)


class Mul(Function):
    _saved_for = {"a": 1, "b": 0}

    def forward(self, a, b):
        self.a, self.b = a, b
        return a * b

    def backward(self, grad):
        needs = self.needs_input_grad
        return (grad * self.b if needs[0] else None), (grad * self.a if needs[1] else None)


class Div(Function):
    _saved_for = {"out": 1}

    def forward(self, a, b):
        self.b = b
        self.out = out = a / b
        return out

    def backward(self, grad):
        needs = self.needs_input_grad
        ga = grad / self.b if needs[0] else None
        gb = -grad * self.out / self.b if needs[1] else None
        return ga, gb


class Pow(Function):
    """``a ** b`` for tensors or scalars on either side."""

    _saved_for = {"out": 1}

    def forward(self, a, b):
        self.a, self.b = a, b
        self.out = out = np.power(a, b)
        return out

    def backward(self, grad):
        a, b = self.a, self.b
        ga = gb = None
        with np.errstate(divide="ignore", invalid="ignore"):
            if self.needs_input_grad[0]:
                # d/da a^b = b a^(b-1), defined as 0 where b == 0 (PyTorch's convention)
                ga = np.where(b == 0, 0, grad * b * np.power(a, b - 1))
            if self.needs_input_grad[1]:
                # d/db a^b = a^b log a, defined as 0 where a == 0 and b >= 0
                gb = np.where((a == 0) & (b >= 0), 0, grad * self.out * np.log(a))
        return ga, gb


class Neg(Function):
    def forward(self, a):
        return -a

    def backward(self, grad):
        return -grad


# ----------------------------------------------------------------------------- math functions


class Exp(Function):
    def forward(self, a):
        self.out = out = np.exp(a)
        return out

    def backward(self, grad):
        return grad * self.out


class Log(Function):
    def forward(self, a):
        self.a = a
        return np.log(a)

    def backward(self, grad):
        return grad / self.a


class Sqrt(Function):
    def forward(self, a):
        self.out = out = np.sqrt(a)
        return out

    def backward(self, grad):
        return grad / (2 * self.out)


class Abs(Function):
    def forward(self, a):
        self.a = a
        return np.abs(a)

    def backward(self, grad):
        return grad * np.sign(self.a)


class Sin(Function):
    def forward(self, a):
        self.a = a
        return np.sin(a)

    def backward(self, grad):
        return grad * np.cos(self.a)


class Cos(Function):
    def forward(self, a):
        self.a = a
        return np.cos(a)

    def backward(self, grad):
        return grad * -np.sin(self.a)


class Tanh(Function):
    def forward(self, a):
        self.out = out = np.tanh(a)
        return out

    def backward(self, grad):
        out = self.out
        return grad * (1 - out * out)


class Sigmoid(Function):
    def forward(self, a):
        # exp(-|a|) never overflows; the two branches agree and each is exact in its half
        e = np.exp(-np.abs(a))
        s = 1 / (1 + e)
        self.out = out = np.where(a >= 0, s, e * s)
        return out

    def backward(self, grad):
        out = self.out
        return grad * (out * (1 - out))


class Relu(Function):
    def forward(self, a):
        self.out = out = np.maximum(a, 0)
        return out

    def backward(self, grad):
        return grad * (self.out > 0)


class LeakyRelu(Function):
    def forward(self, a, negative_slope=0.01):
        self.slope = np.where(a > 0, 1, negative_slope).astype(a.dtype, copy=False)
        return a * self.slope

    def backward(self, grad):
        return grad * self.slope


class Gelu(Function):
    """x * Phi(x), Phi the standard normal CDF (``approximate="none"``, PyTorch's default)."""

    def forward(self, a):
        self.a = a
        self.cdf = cdf = special.normal_cdf(a).astype(a.dtype, copy=False)
        return a * cdf

    def backward(self, grad):
        a = self.a
        return grad * (self.cdf + a * special.normal_pdf(a).astype(a.dtype, copy=False))


_GELU_K = math.sqrt(2 / math.pi)


class GeluTanh(Function):
    """0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))) (``approximate="tanh"``).

    Computed as x * sigmoid(2u), u the tanh argument (the same function): 1 + tanh(u) and
    1 - tanh(u)^2 cancel catastrophically in the tails, sigmoid(2u) and sigmoid(-2u) do not.
    """

    def forward(self, a):
        self.a = a
        # In place where we can: this runs on the (B, T, 4C) MLP activations of a transformer.
        # On a flat copy: NumPy turns 0-d results into scalars, which take no out=.
        x = a.reshape(-1)
        z = x * 0.044715  # the order of 0.044715 * a * a * a
        z *= x
        z *= x
        z += x
        z *= 2 * _GELU_K
        inv = np.abs(z)
        np.negative(inv, out=inv)
        np.exp(inv, out=inv)  # exp(-|z|): never overflows
        inv += 1
        np.reciprocal(inv, out=inv)  # 1 / (1 + exp(-|z|))
        # sigmoid(z) = exp(min(z, 0)) / (1 + exp(-|z|)) and sigmoid(-z) = exp(-max(z, 0)) / (...):
        # the same numbers as choosing by the sign of z, without np.where (slow on floats).
        s = np.minimum(z, 0)
        np.exp(s, out=s)
        s *= inv
        s_neg = np.maximum(z, 0, out=z)
        np.negative(s_neg, out=s_neg)
        np.exp(s_neg, out=s_neg)
        s_neg *= inv
        self.s, self.s_neg = s.reshape(a.shape), s_neg.reshape(a.shape)
        return a * self.s

    def backward(self, grad):
        a, s = self.a, self.s
        dz = 2 * _GELU_K * (1 + 3 * 0.044715 * a * a)
        return grad * (s + a * (s * self.s_neg) * dz)


class Softplus(Function):
    """log(1 + exp(beta x)) / beta, and x itself where beta x > threshold (as PyTorch)."""

    def forward(self, a, beta=1.0, threshold=20.0):
        self.linear = linear = a * beta > threshold
        self.beta_a = beta_a = a * beta
        return np.where(linear, a, np.logaddexp(0, beta_a) / beta)

    def backward(self, grad):
        e = np.exp(-np.abs(self.beta_a))
        sig = np.where(self.beta_a >= 0, 1 / (1 + e), e / (1 + e))
        return grad * np.where(self.linear, 1, sig)


class Clamp(Function):
    def forward(self, a, min=None, max=None):
        self.a, self.lo, self.hi = a, min, max
        return np.clip(a, min, max)

    def backward(self, grad):
        a = self.a
        inside = np.ones(a.shape, dtype=bool)
        if self.lo is not None:
            inside &= a >= self.lo
        if self.hi is not None:
            inside &= a <= self.hi
        return grad * inside


class Maximum(Function):
    """Elementwise maximum; at ties the gradient is shared equally (as PyTorch)."""

    def forward(self, a, b):
        self.a, self.b = a, b
        return np.maximum(a, b)

    def backward(self, grad):
        a, b = self.a, self.b
        return _split_by_winner(grad, a == b, a < b, a > b)


class Minimum(Function):
    def forward(self, a, b):
        self.a, self.b = a, b
        return np.minimum(a, b)

    def backward(self, grad):
        a, b = self.a, self.b
        return _split_by_winner(grad, a == b, a > b, a < b)


def _split_by_winner(grad, tie, a_loses, b_loses):
    """Each input gets the gradient unless it lost; ties halve it. A nan loses nowhere (it is the
    result), so both inputs get the whole gradient there, as in PyTorch."""
    zero = np.zeros((), dtype=grad.dtype)
    shared = np.where(tie, grad * 0.5, grad)
    return np.where(a_loses, zero, shared), np.where(b_loses, zero, shared)


class ClampTensor(Function):
    """``min(max(a, lo), hi)`` with tensor bounds (broadcast); ``lo`` or ``hi`` may be None.

    Gradients follow PyTorch: the input gets it where ``lo <= a <= hi``; ``lo`` where ``a < lo``
    (and ``lo < hi``); ``hi`` where ``a > hi``, or everywhere ``hi < lo`` (the result is ``hi``).
    """

    def forward(self, a, lo, hi):
        self.a, self.lo, self.hi = a, lo, hi
        out = a if lo is None else np.maximum(a, lo)
        return out if hi is None else np.minimum(out, hi)

    def backward(self, grad):
        a, lo, hi = self.a, self.lo, self.hi
        needs = self.needs_input_grad
        zero = np.zeros((), dtype=grad.dtype)
        ga = glo = ghi = None
        if needs[0]:
            if lo is None:
                inside = a <= hi
            else:
                inside = a >= lo if hi is None else (a >= lo) & (a <= hi)
            ga = np.where(inside, grad, zero)
        if needs[1]:
            below = a < lo if hi is None else (a < lo) & (lo < hi)
            glo = np.where(below, grad, zero)
        if needs[2]:
            above = a > hi if lo is None else (a > hi) | (hi < lo)
            ghi = np.where(above, grad, zero)
        return ga, glo, ghi


# ----------------------------------------------------------------------------- selection, casts


class Where(Function):
    def forward(self, condition, a, b):
        self.condition = condition = np.asarray(condition, dtype=bool)
        return np.where(condition, a, b)

    def backward(self, grad):
        c = self.condition
        zero = np.zeros((), dtype=grad.dtype)
        return None, np.where(c, grad, zero), np.where(c, zero, grad)


class MaskedFill(Function):
    def forward(self, a, mask, value=0.0):
        self.mask = mask = np.asarray(mask, dtype=bool)
        return np.where(mask, np.asarray(value, dtype=a.dtype), a)

    def backward(self, grad):
        return np.where(self.mask, np.zeros((), dtype=grad.dtype), grad), None


class Cast(Function):
    def forward(self, a, dtype):
        return a.astype(dtype)

    def backward(self, grad):
        return grad  # the engine casts it back to the input's dtype


class Clone(Function):
    def forward(self, a):
        return a.copy()

    def backward(self, grad):
        return grad


# ----------------------------------------------------------------------------- functions


def add(input, other):
    return Add.apply(input, other)


def sub(input, other):
    return Sub.apply(input, other)


def mul(input, other):
    return Mul.apply(input, other)


def div(input, other):
    return Div.apply(input, other)


def pow(input, exponent):
    return Pow.apply(input, exponent)


def neg(input):
    return Neg.apply(input)


def exp(input):
    return Exp.apply(input)


def log(input):
    return Log.apply(input)


def sqrt(input):
    return Sqrt.apply(input)


def abs(input):
    return Abs.apply(input)


def sin(input):
    return Sin.apply(input)


def cos(input):
    return Cos.apply(input)


def tanh(input):
    return Tanh.apply(input)


def sigmoid(input):
    return Sigmoid.apply(input)


def relu(input, inplace=False):
    """max(x, 0); ``inplace`` as in ``torch.nn.functional.relu`` (see :func:`_maybe_inplace`)."""
    return _maybe_inplace(input, Relu.apply(input), inplace)


def leaky_relu(input, negative_slope=0.01, inplace=False):
    return _maybe_inplace(input, LeakyRelu.apply(input, negative_slope=negative_slope), inplace)


def _maybe_inplace(input, out, inplace):
    """With ``inplace=True`` write ``out`` into ``input`` and return it, when no gradient is being
    recorded through it; otherwise (homeml records no in-place operations) return the new tensor,
    so that ``x = F.relu(x, inplace=True)`` works either way."""
    if inplace and not out.requires_grad and isinstance(input, Tensor):
        return input.copy_(out)
    return out


def gelu(input, approximate="none"):
    """Gaussian error linear unit; ``approximate`` is ``"none"`` (exact) or ``"tanh"``."""
    if approximate == "none":
        return Gelu.apply(input)
    if approximate == "tanh":
        return GeluTanh.apply(input)
    raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")


def softplus(input, beta=1.0, threshold=20.0):
    return Softplus.apply(input, beta=beta, threshold=threshold)


def clamp(input, min=None, max=None):
    """Limit values to ``[min, max]`` (either may be None; either may be a tensor)."""
    if min is None and max is None:
        raise ValueError("clamp: at least one of min and max must be given")
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        return ClampTensor.apply(input, min, max)
    return Clamp.apply(input, min=min, max=max)


clip = clamp


def maximum(input, other):
    return Maximum.apply(input, other)


def minimum(input, other):
    return Minimum.apply(input, other)


def where(condition, input, other):
    """Pick ``input`` where ``condition`` is true and ``other`` elsewhere (both broadcast)."""
    return Where.apply(condition, input, other)


def masked_fill(input, mask, value):
    """Replace the entries of ``input`` where ``mask`` is true by ``value``."""
    if isinstance(value, Tensor):
        value = value.item()
    return MaskedFill.apply(input, mask, value=value)
