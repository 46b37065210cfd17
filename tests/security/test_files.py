"""Writes that were interrupted leave nothing behind for long, and the command line reports
file-system errors in one line (regressions: a 62 MB ``.tmp`` left by kill -9 stayed forever;
``homeml`` printed a traceback for PermissionError and NotADirectoryError)."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

import homeml as hm
from homeml import nn
from homeml.cli import main


def dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid  # reaped: no process has this id now (reuse this soon is unlikely)


def test_a_write_removes_what_an_interrupted_write_to_the_same_place_left(tmp_path):
    path = tmp_path / "model.safetensors"
    stale = tmp_path / f".model.safetensors.{dead_pid()}.x1y2z3.tmp"
    stale.write_bytes(b"\0" * 1000)  # a killed process's half-written file
    old_style = tmp_path / ".model.safetensors.abc123.tmp"  # before temporaries named their pid
    old_style.write_bytes(b"\0")
    live = tmp_path / f".model.safetensors.{os.getppid()}.q1w2e3.tmp"  # a writer still running
    live.write_bytes(b"\0")
    other = tmp_path / f".other.safetensors.{dead_pid()}.a1b2c3.tmp"  # another file's business
    other.write_bytes(b"\0")
    hm.save(nn.Linear(2, 2), path)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["model.safetensors", live.name, other.name]
    )


def test_temporary_files_name_their_process(tmp_path, monkeypatch):
    seen = []
    real = os.replace

    def spy(src, dst):
        seen.append(os.path.basename(src))
        real(src, dst)

    monkeypatch.setattr(os, "replace", spy)
    hm.save(np.arange(3), tmp_path / "a.pt")
    assert seen and seen[0].startswith(f".a.pt.{os.getpid()}.") and seen[0].endswith(".tmp")


def test_a_parent_that_is_a_file_is_named(tmp_path):
    (tmp_path / "taken").write_text("x")
    with pytest.raises(NotADirectoryError, match="taken is a file, not a folder"):
        hm.save(nn.Linear(2, 2), tmp_path / "taken" / "deeper" / "m.safetensors")


@pytest.mark.parametrize("where", ["file-parent", "sysfs"])
def test_the_command_line_prints_one_line_for_os_errors(tmp_path, capsys, where):
    (tmp_path / "taken").write_text("x")
    out = tmp_path / "taken" / "run" if where == "file-parent" else "/sys/kernel/homeml-run"
    with pytest.raises(SystemExit) as stop:
        main(["train", "mnist", "--epochs", "1", "--limit", "64", "--quiet", "--out", str(out)])
    assert stop.value.code == 1
    err = capsys.readouterr().err
    assert err.startswith("homeml: error: ") and err.count("\n") == 1, err
    assert "Traceback" not in err
