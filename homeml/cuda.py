"""``torch.cuda``'s queries, answered for a CPU-only library: no CUDA device is available."""

from __future__ import annotations

from homeml import amp  # noqa: F401 - torch.cuda.amp.GradScaler, as older scripts spell it
from homeml.device import check_device


def is_available() -> bool:
    """False: homeml computes on the CPU."""
    return False


def device_count() -> int:
    """0: no CUDA device."""
    return 0


def manual_seed(seed: int) -> None:
    """Accepted and ignored (there is no CUDA generator); seed with ``homeml.manual_seed``."""


manual_seed_all = manual_seed


def is_bf16_supported() -> bool:
    """False (``homeml.bfloat16`` computes in float32)."""
    return False


def current_device() -> int:
    """Raises homeml's CPU-only error: there is no current CUDA device."""
    check_device("cuda")  # raises the CPU-only error
    return 0


def synchronize(device=None) -> None:
    """Raises homeml's CPU-only error, as ``torch.cuda.synchronize`` does without CUDA."""
    check_device("cuda")


def empty_cache() -> None:
    """Nothing to free: accepted for compatibility."""
