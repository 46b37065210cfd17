"""``torch.amp``: mixed precision has nothing to do on homeml's float32 CPU engine, so
``autocast`` changes no dtype and ``GradScaler`` passes the loss and the step straight through
(float32 gradients do not underflow the way float16 ones do).
"""

from __future__ import annotations

import contextlib


class GradScaler:
    """Accepted so that training loops written for float16 run unchanged; scales nothing.

    ``scale(loss)`` returns ``loss``, ``step(optimizer)`` calls ``optimizer.step()``, and
    ``unscale_``/``update`` do nothing.
    """

    def __init__(
        self,
        device="cuda",
        init_scale=2.0**16,
        growth_factor=2.0,
        backoff_factor=0.5,
        growth_interval=2000,
        enabled=True,
    ):
        self._enabled = bool(enabled)

    def is_enabled(self) -> bool:
        return self._enabled

    def scale(self, outputs):
        return outputs

    def unscale_(self, optimizer) -> None:
        pass

    def step(self, optimizer, *args, **kwargs):
        return optimizer.step(*args, **kwargs)

    def update(self, new_scale=None) -> None:
        pass

    def get_scale(self) -> float:
        return 1.0

    def state_dict(self) -> dict:
        return {}

    def load_state_dict(self, state_dict) -> None:
        pass


class autocast(contextlib.ContextDecorator):  # noqa: N801 - PyTorch's name
    """A context manager (and decorator) that leaves dtypes as they are: homeml computes in the
    tensors' own dtypes.
    """

    def __init__(self, device_type="cpu", dtype=None, enabled=True, cache_enabled=None):
        self.device_type, self.dtype, self.enabled = device_type, dtype, enabled

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False
