"""``homeml.utils.data`` is :mod:`homeml.data`, so ``from torch.utils.data import ...`` ports
by changing ``torch`` to ``homeml``.
"""

import sys

from homeml import data

sys.modules[__name__ + ".data"] = data

__all__ = ["data"]
