"""What every training job's run folder shares: the file names and resuming with its settings."""

from __future__ import annotations

import json
from pathlib import Path

from homeml.callbacks import format_duration

__all__ = ["CHECKPOINT", "SETTINGS", "format_duration", "resume_settings"]

CHECKPOINT, SETTINGS = "checkpoint.safetensors", "run.json"


def resume_settings(out: Path, given: dict) -> dict:
    """The settings of the run in ``out``: those left out (None) are taken from it, those given
    must match it (another schedule, model or data would not continue the same run).
    """
    if not (out / CHECKPOINT).exists() or not (out / SETTINGS).exists():
        raise FileNotFoundError(
            f"nothing to resume in {out}: expected {CHECKPOINT} and {SETTINGS} there from an "
            "earlier `homeml train --out` run"
        )
    saved = json.loads((out / SETTINGS).read_text())
    for key, value in given.items():
        if value is not None and value != saved.get(key):
            raise ValueError(
                f"--resume continues the run in {out}, which has {key}={saved.get(key)!r}, "
                f"but got {key}={value!r}; leave the option out or train into a new --out"
            )
    return saved
