"""The grid worlds of Sutton & Barto's Examples 4.1 and 3.5.

Actions (both grids): 0 up, 1 right, 2 down, 3 left. States are numbered row by row.

- ``GridWorld()`` (Example 4.1): 4 x 4, states 0 and 15 terminal, reward -1 on every step,
  moves off the grid leave the state unchanged. Episodes start uniformly in states 1..14.
  Under the equiprobable random policy with gamma = 1, v = [[0,-14,-20,-22], [-14,-18,-20,-20],
  [-20,-20,-18,-14], [-22,-20,-14,0]].
- ``GridWorld(size=5)`` / ``GridWorld5x5`` (Example 3.5): a continuing task (it never
  terminates; ``make("GridWorld5x5-v0")`` truncates it at 100 steps). From A = (0, 1) every
  action jumps to A' = (4, 1) with +10; from B = (0, 3) to B' = (2, 3) with +5; a move off the
  grid gives -1 and stays; every other move gives 0. Episodes start uniformly in any cell.
"""

from __future__ import annotations

import numpy as np

from homeml.rl.envs._draw import draw_grid
from homeml.rl.envs._tabular_env import TabularEnv, colorize, grid_model

__all__ = ["GridWorld", "GridWorld5x5"]

MOVES = ((-1, 0), (0, 1), (1, 0), (0, -1))
JUMPS = {(0, 1): ((4, 1), 10), (0, 3): ((2, 3), 5)}


class GridWorld(TabularEnv):
    """Sutton & Barto's grid worlds (see the module docstring).

    Parameters
    ----------
    render_mode : {"ansi", "rgb_array"} or None
    size : {4, 5}, default 4
        4: Example 4.1 (episodic, -1 per step); 5: Example 3.5 (continuing, A/B jumps).
    """

    def __init__(self, render_mode=None, size=4):
        if size not in (4, 5):
            raise ValueError(
                f"GridWorld size must be 4 (Sutton & Barto Example 4.1) or 5 (Example 3.5), "
                f"got {size!r}"
            )
        self.size = self.nrow = self.ncol = size
        if size == 4:
            self.terminal_states = (0, 15)
            starts = range(1, 15)

            def move(row, col, a):
                if row * 4 + col in self.terminal_states:
                    return None
                r = min(max(row + MOVES[a][0], 0), 3)
                c = min(max(col + MOVES[a][1], 0), 3)
                return [(1.0, (r, c), -1, r * 4 + c in self.terminal_states)]
        else:
            self.terminal_states = ()
            starts = range(25)

            def move(row, col, a):
                if (row, col) in JUMPS:
                    target, reward = JUMPS[row, col]
                    return [(1.0, target, reward, False)]
                r, c = row + MOVES[a][0], col + MOVES[a][1]
                if not (0 <= r < 5 and 0 <= c < 5):
                    return [(1.0, (row, col), -1, False)]
                return [(1.0, (r, c), 0, False)]

        self._set_model(*grid_model((size, size), move, 4, starts))
        self._check_render_mode(render_mode)

    def _letters(self) -> list[list[str]]:
        grid = [["."] * self.size for _ in range(self.size)]
        for s in self.terminal_states:
            grid[s // self.size][s % self.size] = "T"
        if self.size == 5:
            grid[0][1], grid[4][1], grid[0][3], grid[2][3] = "A", "a", "B", "b"
        return grid

    def _render_text(self) -> str:
        grid = self._letters()
        row, col = divmod(self.s, self.size)
        grid[row][col] = colorize(grid[row][col], "red", highlight=True)
        header = (
            "\n"
            if self.lastaction is None
            else (f"  ({['Up', 'Right', 'Down', 'Left'][self.lastaction]})\n")
        )
        return header + "\n".join("".join(line) for line in grid) + "\n"

    def _render_rgb(self) -> np.ndarray:
        palette = {
            ".": (230, 230, 230),
            "T": (150, 150, 150),
            "A": (90, 190, 90),
            "a": (190, 230, 190),
            "B": (90, 140, 220),
            "b": (190, 210, 240),
        }
        colors = np.array([[palette[c] for c in line] for line in self._letters()])
        return draw_grid(colors, 64, agent=divmod(self.s, self.size))


def GridWorld5x5(render_mode=None) -> GridWorld:
    """Sutton & Barto Example 3.5: ``GridWorld(size=5)``."""
    return GridWorld(render_mode=render_mode, size=5)
