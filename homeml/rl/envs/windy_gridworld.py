"""Windy grid world (Sutton & Barto Example 6.5, Exercises 6.9 and 6.10).

A 7 x 10 grid, start S = (3, 0), goal G = (3, 7), reward -1 per step until the goal. A crosswind
pushes the agent up by ``WIND[col]`` cells (the wind of the column it moves from):
0 0 0 1 1 1 2 2 1 0. Moves off the grid are clipped to the edge.

Actions: 0 up, 1 right, 2 down, 3 left; with ``king_moves`` also 4 up-right, 5 down-right,
6 down-left, 7 up-left, and with ``stay_action`` (Exercise 6.9's ninth action, needs king moves)
8 stay. With ``stochastic_wind`` (Exercise 6.10) the wind in windy columns is one more, one less
or the mean value, each with probability 1/3.
"""

from __future__ import annotations

import numpy as np

from homeml.rl.envs._draw import draw_grid
from homeml.rl.envs._tabular_env import TabularEnv, colorize, grid_model

__all__ = ["WindyGridWorld"]

WIND = (0, 0, 0, 1, 1, 1, 2, 2, 1, 0)
MOVES = ((-1, 0), (0, 1), (1, 0), (0, -1), (-1, 1), (1, 1), (1, -1), (-1, -1), (0, 0))
START, GOAL = (3, 0), (3, 7)


class WindyGridWorld(TabularEnv):
    """The windy grid world (see the module docstring).

    Parameters
    ----------
    render_mode : {"ansi", "rgb_array"} or None
    king_moves : bool, default False
        Eight actions including the diagonals (Exercise 6.9).
    stay_action : bool, default False
        A ninth action that moves only with the wind (requires ``king_moves``).
    stochastic_wind : bool, default False
        The wind varies by -1, 0, +1 with probability 1/3 each where it blows (Exercise 6.10).
    """

    def __init__(
        self, render_mode=None, king_moves=False, stay_action=False, stochastic_wind=False
    ):
        if stay_action and not king_moves:
            raise ValueError(
                "WindyGridWorld stay_action=True needs king_moves=True "
                "(Exercise 6.9's ninth action)"
            )
        self.shape = self.nrow, self.ncol = (7, 10)
        self.king_moves, self.stay_action = king_moves, stay_action
        self.stochastic_wind = stochastic_wind
        n_actions = 9 if stay_action else 8 if king_moves else 4

        def move(row, col, a):
            if (row, col) == GOAL:
                return None
            winds = [WIND[col]]
            if stochastic_wind and WIND[col]:
                winds = [WIND[col] - 1, WIND[col], WIND[col] + 1]
            outcomes = []
            for wind in winds:
                r = min(max(row + MOVES[a][0] - wind, 0), 6)
                c = min(max(col + MOVES[a][1], 0), 9)
                outcomes.append((1 / len(winds), (r, c), -1, (r, c) == GOAL))
            return outcomes

        self._set_model(*grid_model(self.shape, move, n_actions, [START[0] * 10 + START[1]]))
        self._check_render_mode(render_mode)

    def _render_text(self) -> str:
        grid = [["."] * 10 for _ in range(7)]
        grid[START[0]][START[1]], grid[GOAL[0]][GOAL[1]] = "S", "G"
        row, col = divmod(self.s, 10)
        grid[row][col] = colorize(grid[row][col], "red", highlight=True)
        return "\n".join("".join(line) for line in grid) + "\n" + "".join(map(str, WIND)) + "\n"

    def _render_rgb(self) -> np.ndarray:
        shade = np.array([255 - 40 * w for w in WIND])
        colors = np.stack([np.tile(shade, (7, 1))] * 2 + [np.full((7, 10), 255)], axis=-1)
        colors[START], colors[GOAL] = (200, 225, 245), (90, 190, 90)
        return draw_grid(colors, 48, agent=divmod(self.s, 10))
