"""CliffWalking (Sutton & Barto Example 6.6), as Gymnasium's ``CliffWalking-v1``.

A 4 x 12 grid; start at the bottom-left (state 36), goal at the bottom-right (47). Each step
costs -1; stepping into the cliff (bottom row between them) costs -100 and sends the agent back
to the start without ending the episode. Actions: 0 up, 1 right, 2 down, 3 left. With
``is_slippery`` the agent moves sideways with probability 1/3 each. ``P`` equals Gymnasium's.
"""

from __future__ import annotations

import numpy as np

from homeml.rl.envs._draw import draw_grid
from homeml.rl.envs._tabular_env import TabularEnv, grid_model

__all__ = ["CliffWalking"]

UP, RIGHT, DOWN, LEFT = 0, 1, 2, 3
MOVES = {UP: (-1, 0), RIGHT: (0, 1), DOWN: (1, 0), LEFT: (0, -1)}


class CliffWalking(TabularEnv):
    """The cliff-walking grid world.

    Parameters
    ----------
    render_mode : {"ansi", "rgb_array"} or None
    is_slippery : bool, default False
        Whether moves can slip to either perpendicular direction (probability 1/3 each).
    """

    def __init__(self, render_mode=None, is_slippery=False):
        self.shape = (4, 12)
        self.start_state_index = 36
        self.is_slippery = is_slippery
        self._cliff = np.zeros(self.shape, dtype=bool)
        self._cliff[3, 1:-1] = True
        start = divmod(self.start_state_index, 12)

        def move(row, col, a):
            directions = [(a - 1) % 4, a, (a + 1) % 4] if is_slippery else [a]
            outcomes = []
            for d in directions:
                dr, dc = MOVES[d]
                r, c = min(max(row + dr, 0), 3), min(max(col + dc, 0), 11)
                if self._cliff[r, c]:
                    outcomes.append((1 / len(directions), start, -100, False))
                else:
                    outcomes.append((1 / len(directions), (r, c), -1, (r, c) == (3, 11)))
            return outcomes

        # Gymnasium gives the cliff and goal cells ordinary moves too (they are never occupied).
        self._set_model(*grid_model(self.shape, move, 4, [self.start_state_index]))
        self._check_render_mode(render_mode)

    def _render_text(self) -> str:
        lines = []
        for row in range(4):
            cells = []
            for col in range(12):
                if self.s == row * 12 + col:
                    cells.append("x")
                elif (row, col) == (3, 11):
                    cells.append("T")
                elif self._cliff[row, col]:
                    cells.append("C")
                else:
                    cells.append("o")
            lines.append("  ".join(cells) + "\n")
        return "".join(lines) + "\n"

    def _render_rgb(self) -> np.ndarray:
        colors = np.full((4, 12, 3), (225, 235, 215))
        colors[self._cliff] = (90, 70, 60)
        colors[3, 0] = (200, 225, 245)
        colors[3, 11] = (90, 190, 90)
        return draw_grid(colors, 48, agent=divmod(self.s, 12))
