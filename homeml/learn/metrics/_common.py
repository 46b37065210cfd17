"""What every metric shares: the ill-defined-metric warning and sample weights."""

from __future__ import annotations

import numpy as np

from homeml.learn.base import column_or_1d
from homeml.learn.exceptions import UndefinedMetricWarning  # noqa: F401 (defined with the others)


def _weights(sample_weight, n: int) -> np.ndarray:
    return np.ones(n) if sample_weight is None else column_or_1d(sample_weight).astype(np.float64)
