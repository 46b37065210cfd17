"""The attention heatmap of a translation: a PNG written atomically, a figure otherwise."""

from __future__ import annotations

import numpy as np
import pytest

from homeml.plot import attention_heatmap


def test_writes_a_png_and_returns_a_figure(tmp_path):
    weights = np.random.default_rng(0).dirichlet(np.ones(4), size=3)  # (T=3, S=4)
    source, target = ["je", "suis", "la", "<eos>"], ["i", "am", "<eos>"]
    path = attention_heatmap(weights, source, target, tmp_path / "attention.png")
    assert path == tmp_path / "attention.png"
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert [p.name for p in tmp_path.iterdir()] == ["attention.png"]  # no temporary left
    fig = attention_heatmap(weights, source, target)
    try:
        assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == source
    finally:
        import matplotlib.pyplot as plt

        plt.close(fig)


def test_shape_mismatch_is_named(tmp_path):
    with pytest.raises(ValueError, match="3 target and 2 source tokens"):
        attention_heatmap(np.ones((3, 4)), ["a", "b"], ["x", "y", "z"], tmp_path / "a.png")
    assert not list(tmp_path.iterdir())
