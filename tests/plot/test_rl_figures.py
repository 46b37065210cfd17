"""Figures for reinforcement learning: returns over training, state values on a grid."""

from __future__ import annotations

import numpy as np
import pytest

from homeml.plot import plot_returns, plot_state_values
from homeml.rl import EpisodeHistory


def test_plot_returns_and_state_values():
    history = EpisodeHistory(np.arange(10.0), np.ones(10, dtype=np.int64))
    ax = plot_returns(history, window=3)
    rolling, raw = ax.lines
    np.testing.assert_allclose(rolling.get_ydata(), [0, 0.5, 1, 2, 3, 4, 5, 6, 7, 8])
    np.testing.assert_array_equal(raw.get_ydata(), np.arange(10.0))
    assert len(plot_returns([1.0, 2.0]).lines) == 2  # plain returns work too
    with pytest.raises(ValueError, match="no episodes"):
        plot_returns([])
    with pytest.raises(ValueError, match="window must be a positive integer"):
        plot_returns(history, window=0)

    ax = plot_state_values(np.arange(16.0), shape=(4, 4))
    assert [t.get_text() for t in ax.texts][:3] == ["0.0", "1.0", "2.0"]
    with pytest.raises(ValueError, match="do not fill a grid of shape"):
        plot_state_values(np.arange(15.0), shape=(4, 4))
    with pytest.raises(ValueError, match=r"expected values of shape \(rows, cols\)"):
        plot_state_values(np.arange(16.0))
