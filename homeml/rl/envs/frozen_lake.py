"""FrozenLake: cross a frozen lake from S to G without falling into a hole H (Gymnasium's v1).

Actions: 0 left, 1 down, 2 right, 3 up. On slippery ice the agent moves in the intended
direction with probability ``success_rate`` (1/3) and to each perpendicular side with
``(1 - success_rate) / 2``. Reaching G gives reward 1 and ends the episode, a hole ends it with 0.
``P`` is identical to Gymnasium's ``FrozenLakeEnv``, and a seed gives the same trajectory.
"""

from __future__ import annotations

import numpy as np

from homeml.rl.envs._draw import draw_grid
from homeml.rl.envs._tabular_env import TabularEnv, colorize, grid_model
from homeml.rl.spaces import np_random

__all__ = ["FrozenLake", "generate_random_map", "MAPS"]

LEFT, DOWN, RIGHT, UP = 0, 1, 2, 3

MAPS = {
    "4x4": ["SFFF", "FHFH", "FFFH", "HFFG"],
    "8x8": [
        "SFFFFFFF",
        "FFFFFFFF",
        "FFFHFFFF",
        "FFFFFHFF",
        "FFFHFFFF",
        "FHHFFFHF",
        "FHFFHFHF",
        "FFFHFFFG",
    ],
}
_CELL_COLORS = {
    b"S": (200, 225, 245),
    b"F": (220, 238, 250),
    b"H": (40, 60, 110),
    b"G": (90, 190, 90),
}


def _reachable(board, size: int) -> bool:
    """Whether G can be reached from the top-left corner without crossing a hole."""
    frontier, seen = [(0, 0)], set()
    while frontier:
        r, c = frontier.pop()
        if (r, c) in seen:
            continue
        seen.add((r, c))
        for dr, dc in ((1, 0), (0, 1), (-1, 0), (0, -1)):
            rr, cc = r + dr, c + dc
            if 0 <= rr < size and 0 <= cc < size:
                if board[rr][cc] == "G":
                    return True
                if board[rr][cc] != "H":
                    frontier.append((rr, cc))
    return False


def generate_random_map(size: int = 8, p: float = 0.8, seed=None) -> list[str]:
    """A random ``size`` x ``size`` map with a path from S to G (Gymnasium's algorithm and draws).

    Parameters
    ----------
    size : int >= 2
        Side of the square map.
    p : float in (0, 1]
        Probability that a cell is frozen (F) rather than a hole (H).
    seed : int or None
        The same seed gives the same map as ``gymnasium``'s ``generate_random_map``.
    """
    if isinstance(size, bool) or not isinstance(size, (int, np.integer)) or size < 2:
        raise ValueError(f"generate_random_map needs an integer size >= 2, got {size!r}")
    if not 0 < p <= 1:
        raise ValueError(f"generate_random_map needs 0 < p <= 1, got {p!r}")
    rng, _ = np_random(seed)
    while True:
        board = rng.choice(["F", "H"], (size, size), p=[p, 1 - p])
        board[0][0] = "S"
        board[-1][-1] = "G"
        if _reachable(board, size):
            return ["".join(row) for row in board]


def _check_desc(desc) -> np.ndarray:
    if isinstance(desc, (str, bytes)):
        raise ValueError(
            f"FrozenLake desc must be a list of rows (strings), got the single string {desc!r}; "
            f"e.g. desc=['SF', 'HG']"
        )
    try:
        rows = ["".join(r) if not isinstance(r, (str, bytes)) else r for r in desc]
        rows = [r.decode() if isinstance(r, bytes) else r for r in rows]
    except TypeError:
        raise ValueError(f"FrozenLake desc must be a list of strings, got {desc!r}") from None
    if not rows or not rows[0]:
        raise ValueError(f"FrozenLake desc must be a non-empty list of strings, got {desc!r}")
    if len({len(r) for r in rows}) != 1:
        raise ValueError(
            f"FrozenLake desc rows must all have the same length, got lengths "
            f"{[len(r) for r in rows]} in {rows}"
        )
    bad = sorted(set("".join(rows)) - set("SFHG"))
    if bad:
        raise ValueError(
            f"FrozenLake desc may only contain the letters S, F, H, G; got {bad} in {rows}"
        )
    if "S" not in "".join(rows):
        raise ValueError(f"FrozenLake desc needs a start cell 'S', got {rows}")
    return np.asarray(rows, dtype="c")


class FrozenLake(TabularEnv):
    """FrozenLake as Gymnasium's ``FrozenLake-v1``.

    Parameters
    ----------
    render_mode : {"ansi", "rgb_array"} or None
    desc : list of str, optional
        A custom map of S (start), F (frozen), H (hole), G (goal); rectangular.
    map_name : {"4x4", "8x8"} or None
        A named map when ``desc`` is None; both None gives ``generate_random_map()``.
    is_slippery : bool, default True
        Whether moves can slip sideways.
    success_rate : float, default 1/3
        Probability of moving as intended on slippery ice.
    reward_schedule : (goal, hole, frozen) rewards, default (1, 0, 0)
    """

    def __init__(
        self,
        render_mode=None,
        desc=None,
        map_name="4x4",
        is_slippery=True,
        success_rate=1.0 / 3.0,
        reward_schedule=(1, 0, 0),
    ):
        if desc is None and map_name is None:
            desc = generate_random_map()
        elif desc is None:
            if map_name not in MAPS:
                raise ValueError(
                    f"FrozenLake map_name must be one of {sorted(MAPS)} (or pass desc), "
                    f"got {map_name!r}"
                )
            desc = MAPS[map_name]
        if not 0 <= success_rate <= 1:
            raise ValueError(f"FrozenLake success_rate must be in [0, 1], got {success_rate!r}")
        self.desc = _check_desc(desc)
        self.nrow, self.ncol = self.desc.shape
        self.is_slippery = is_slippery
        self.reward_range = (min(reward_schedule), max(reward_schedule))
        fail_rate = (1.0 - success_rate) / 2.0
        letters = self.desc

        def outcome(row, col, a):
            if a == LEFT:
                col = max(col - 1, 0)
            elif a == DOWN:
                row = min(row + 1, self.nrow - 1)
            elif a == RIGHT:
                col = min(col + 1, self.ncol - 1)
            else:
                row = max(row - 1, 0)
            letter = letters[row, col]
            reward = reward_schedule[b"GHF".index(letter if letter in b"GHF" else b"F")]
            return (row, col), reward, bytes(letter) in b"GH"

        def move(row, col, a):
            if letters[row, col] in b"GH":
                return None
            if not is_slippery:
                return [(1.0, *outcome(row, col, a))]
            return [
                (success_rate if b == a else fail_rate, *outcome(row, col, b))
                for b in ((a - 1) % 4, a, (a + 1) % 4)
            ]

        starts = np.flatnonzero(self.desc.ravel() == b"S")
        self._set_model(*grid_model(self.desc.shape, move, 4, starts))
        self._check_render_mode(render_mode)

    def _render_text(self) -> str:
        rows = [[c.decode() for c in line] for line in self.desc.tolist()]
        row, col = divmod(self.s, self.ncol)
        rows[row][col] = colorize(rows[row][col], "red", highlight=True)
        header = (
            "\n"
            if self.lastaction is None
            else (f"  ({['Left', 'Down', 'Right', 'Up'][self.lastaction]})\n")
        )
        return header + "\n".join("".join(line) for line in rows) + "\n"

    def _render_rgb(self) -> np.ndarray:
        colors = np.array([[_CELL_COLORS[c] for c in line] for line in self.desc.tolist()])
        return draw_grid(
            colors, 64 if max(self.nrow, self.ncol) <= 8 else 32, agent=divmod(self.s, self.ncol)
        )
