"""homeml.learn's table of public names is generated from the families' ``__all__``."""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest

import homeml.learn as learn


@pytest.mark.parametrize("family", learn._FAMILIES)
def test_the_table_holds_each_familys_all_and_every_name_resolves(family):
    module = importlib.import_module(f"homeml.learn.{family}")
    assert learn._public_names(family) == list(module.__all__)
    for name in module.__all__:
        assert learn._MODULE_OF[name] == family
        assert getattr(learn, name) is getattr(module, name)


def test_names_once_missing_from_the_hand_written_table():
    for name in ("ParameterGrid", "check_cv", "fast_mcd", "ParameterSampler"):
        assert name in learn.__all__


def test_reading_the_table_imports_no_family():
    code = (
        "import sys, homeml.learn\n"
        "loaded = [m for m in sys.modules if m.startswith('homeml.learn.')]\n"
        "print(sorted(m for m in loaded if m.split('.')[2] in homeml.learn._FAMILIES))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
