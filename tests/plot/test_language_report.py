"""The language-model report: a valid PNG from a history and samples."""

from __future__ import annotations

import struct

import pytest

from homeml.callbacks import TrainingHistory
from homeml.plot import plot_language_report


def _history():
    return TrainingHistory(
        [
            {"iter": i, "train_loss": 4.2 - i / 100, "val_loss": 4.25 - i / 110, "lr": 1e-3}
            for i in range(0, 201, 50)
        ]
    )


@pytest.mark.parametrize(
    "samples",
    ["ROMEO:\nWhat say you?", ["emma", "liam"], [(0, "xq"), (200, "ava\nmia")], []],
)
def test_report_is_a_png(tmp_path, samples):
    path = plot_language_report(_history(), samples, tmp_path / "report.png")
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])  # the IHDR chunk
    assert width > 500 and height > 200
    assert [p.name for p in tmp_path.iterdir()] == ["report.png"]  # no temporary file left


def test_empty_history_is_refused(tmp_path):
    with pytest.raises(ValueError, match="empty"):
        plot_language_report([], "x", tmp_path / "report.png")
    assert not (tmp_path / "report.png").exists()
