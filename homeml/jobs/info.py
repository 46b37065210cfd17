"""The ``homeml info`` job: versions, the data folder, and which datasets are already there."""

from __future__ import annotations

import os
import platform

import numpy as np

import homeml
from homeml.datasets import data_dir


def info_lines() -> list[str]:
    """The lines ``homeml info`` prints."""
    lines = [
        f"homeml {homeml.__version__}",
        f"python {platform.python_version()}, numpy {np.__version__}",
    ]
    source = "from HOMEML_DATA" if os.environ.get("HOMEML_DATA") else "default; set HOMEML_DATA"
    lines.append(f"data directory: {data_dir()} ({source})")
    for name in ("mnist", "fashion-mnist"):
        where = data_dir() / name
        count = len(list(where.glob("*.gz"))) if where.is_dir() else 0
        found = f"{count} of 4 files" if count else "not downloaded yet"
        lines.append(f"  {name + '/':15} {found}")
    return lines
