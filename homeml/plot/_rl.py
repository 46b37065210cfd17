"""Figures for reinforcement learning: returns over training, state values on a grid."""

from __future__ import annotations

import numpy as np

from homeml.plot._supervised import _axes


def plot_returns(history, window: int = 100, ax=None, label: str | None = None):
    """Each episode's return (faint) and its rolling mean over ``window`` episodes.

    Parameters
    ----------
    history : homeml.rl.EpisodeHistory or array-like of shape (n_episodes,)
        What ``agent.train`` returned, or the returns themselves.
    window : int, default=100
        Episodes in the rolling mean (fewer at the start).
    ax : matplotlib Axes, optional
    label : str, optional
        Legend label of the rolling mean.

    Returns
    -------
    matplotlib Axes
    """
    from homeml.rl.agent import EpisodeHistory

    if not isinstance(history, EpisodeHistory):
        history = EpisodeHistory(np.asarray(history, dtype=np.float64).ravel())
    if len(history) == 0:
        raise ValueError("the history holds no episodes: nothing to plot")
    if not (isinstance(window, (int, np.integer)) and window >= 1):
        raise ValueError(f"window must be a positive integer, got {window!r}")
    ax = _axes(ax)
    episodes = np.arange(1, len(history) + 1)
    (line,) = ax.plot(episodes, history.rolling_mean(window), label=label or f"mean of {window}")
    ax.plot(episodes, history.returns, color=line.get_color(), alpha=0.25, linewidth=0.8)
    ax.set(xlabel="episode", ylabel="return")
    ax.grid(alpha=0.3)
    ax.legend()
    return ax


def plot_state_values(values, shape=None, ax=None, decimals: int = 1, cmap: str = "viridis"):
    """State values of a grid world as a heat map with each value written in its cell.

    Parameters
    ----------
    values : array-like of shape (n_states,) or (rows, cols)
        ``V`` from dynamic programming, Monte Carlo or TD prediction (row-major states).
    shape : (rows, cols), optional
        The grid's shape when ``values`` is flat.
    ax : matplotlib Axes, optional
    decimals : int, default=1
    cmap : str, default="viridis"

    Returns
    -------
    matplotlib Axes
    """
    grid = np.asarray(values, dtype=np.float64)
    if shape is not None:
        if int(np.prod(shape)) != grid.size:
            raise ValueError(f"{grid.size} values do not fill a grid of shape {tuple(shape)}")
        grid = grid.reshape(shape)
    if grid.ndim != 2:
        raise ValueError(
            f"expected values of shape (rows, cols), or flat values with shape=, got {grid.shape}"
        )
    ax = _axes(ax)
    ax.imshow(grid, cmap=cmap)
    middle = (grid.max() + grid.min()) / 2
    for (row, col), value in np.ndenumerate(grid):
        color = "black" if value > middle else "white"
        ax.text(col, row, f"{value:.{decimals}f}", ha="center", va="center", color=color)
    ax.set_xticks([])
    ax.set_yticks([])
    return ax
