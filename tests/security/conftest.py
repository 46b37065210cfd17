"""Model files made in the tests themselves: one of each family, saved once per session."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/support.py
sys.path.insert(0, str(Path(__file__).resolve().parent))  # security_models.py

from security_models import MAKERS  # noqa: E402

import homeml as hm  # noqa: E402


@pytest.fixture(scope="session")
def model_files(tmp_path_factory):
    """``{family: (object, path)}`` of freshly saved files (copy before editing one)."""
    folder = tmp_path_factory.mktemp("models")
    files = {}
    for family, make in MAKERS.items():
        obj = make()
        path = folder / f"{family}.safetensors"
        hm.save(obj, path, metadata={"classes": ["a", "b", "c"]})
        files[family] = (obj, path)
    return files
