"""``torch.accelerator`` (PyTorch 2.6+): the current accelerator, of which homeml has none."""

from __future__ import annotations


def is_available() -> bool:
    """False: homeml computes on the CPU."""
    return False


def current_accelerator(check_available: bool = False):
    """None: there is no accelerator (scripts then fall back to ``"cpu"``)."""
    return None


def device_count() -> int:
    """0: no accelerator."""
    return 0
