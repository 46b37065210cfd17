"""What every split search shares: the compile decorator, tie rules and the random generator.

The generator is scikit-learn's xorshift32 step for trees, seeded like scikit-learn's
(``random_state.randint(0, 2**31 - 1)``), so that features are drawn in the same order and ties
between equally good features are broken the same way.
"""

from __future__ import annotations

import numba
import numpy as np

# error_model="numpy": divisions skip the ZeroDivisionError check (hot loops divide by weights)
jit = numba.njit(cache=True, nogil=True, error_model="numpy")

FEATURE_THRESHOLD = 1e-7  # feature values closer than this are treated as equal
EPSILON = np.finfo(np.float64).eps
RAND_R_MAX = 0x7FFFFFFF


@jit
def rand_r(state):
    """xorshift32 step of scikit-learn's tree generator; ``state`` is a 1-element uint64 array."""
    mask = np.uint64(0xFFFFFFFF)
    seed = state[0]
    if seed == np.uint64(0):
        seed = np.uint64(1)
    seed ^= (seed << np.uint64(13)) & mask
    seed ^= seed >> np.uint64(17)
    seed ^= (seed << np.uint64(5)) & mask
    state[0] = seed
    return np.int64(seed % np.uint64(RAND_R_MAX + 1))


@jit
def rand_int(low, high, state):
    return low + rand_r(state) % (high - low)


@jit
def rand_uniform(low, high, state):
    return (high - low) * rand_r(state) / RAND_R_MAX + low


@jit
def midpoint_threshold(x_here, x_next):
    """The split between two consecutive sorted values: their midpoint, or ``x_here`` when the
    midpoint rounds up to ``x_next`` or overflows (scikit-learn's rule)."""
    threshold = x_here / 2.0 + x_next / 2.0
    if threshold == x_next or np.isinf(threshold):
        threshold = x_here
    return threshold


@jit
def random_threshold(lo, hi, rng):
    """A threshold drawn uniformly in ``[lo, hi)`` (``lo`` should the draw reach ``hi``)."""
    threshold = rand_uniform(lo, hi, rng)
    return lo if threshold == hi else threshold
