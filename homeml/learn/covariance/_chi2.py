"""Quantiles of the chi-squared distribution, for the robust covariance's cut-offs.

The squared Mahalanobis distance of a d-dimensional Gaussian sample follows chi2(d), so MinCovDet
rescales its raw covariance by ``median(distances) / chi2_quantile(0.5, d)`` and keeps the samples
below ``chi2_quantile(0.975, d)`` when it reweights. The CDF is the regularised lower incomplete
gamma function ``P(d / 2, x / 2)``, evaluated by its power series (small x) or its continued
fraction (large x); the quantile inverts it by bisection.
"""

from __future__ import annotations

import math


def regularized_lower_gamma(a: float, x: float) -> float:
    """``P(a, x) = gamma(a, x) / Gamma(a)`` for ``a > 0``, ``x >= 0``."""
    if x <= 0.0:
        return 0.0
    log_prefactor = -x + a * math.log(x) - math.lgamma(a)
    if x < a + 1.0:  # series: sum_n x^n / (a (a+1) ... (a+n)), converges fast here
        term = total = 1.0 / a
        n = 0
        while abs(term) > abs(total) * 1e-16 and n < 10_000:
            n += 1
            term *= x / (a + n)
            total += term
        return min(1.0, total * math.exp(log_prefactor))
    # continued fraction for the upper tail Q = 1 - P (modified Lentz), converges fast here
    tiny = 1e-300
    b = x + 1.0 - a
    c, d = 1.0 / tiny, 1.0 / b
    h = d
    for i in range(1, 10_000):
        an = -i * (i - a)
        b += 2.0
        d = an * d + b
        d = tiny if abs(d) < tiny else d
        c = b + an / c
        c = tiny if abs(c) < tiny else c
        d = 1.0 / d
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < 1e-16:
            break
    return max(0.0, 1.0 - math.exp(log_prefactor) * h)


def chi2_cdf(x: float, df: float) -> float:
    """``P(X <= x)`` for ``X ~ chi2(df)``."""
    return regularized_lower_gamma(df / 2.0, x / 2.0)


def chi2_quantile(q: float, df: float) -> float:
    """The ``x`` with ``chi2_cdf(x, df) == q``, for ``0 < q < 1``."""
    if not 0.0 < q < 1.0:
        raise ValueError(f"q must lie strictly between 0 and 1; got {q!r}.")
    low, high = 0.0, max(1.0, 2.0 * df)
    while chi2_cdf(high, df) < q:
        low, high = high, 2.0 * high
    for _ in range(200):  # bisection: the CDF is monotone, so this cannot fail
        mid = 0.5 * (low + high)
        if chi2_cdf(mid, df) < q:
            low = mid
        else:
            high = mid
        if high - low <= 1e-15 * high:
            break
    return 0.5 * (low + high)
