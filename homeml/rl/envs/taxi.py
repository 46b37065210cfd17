"""Taxi (Dietterich 2000), as Gymnasium's Taxi-v3/v4: pick up a passenger and drop them off.

A 5 x 5 grid with walls and four stands R, G, Y, B. State ``((row * 5 + col) * 5 + passenger)
* 4 + destination`` (passenger 4 = in the taxi), 500 states. Actions: 0 south, 1 north, 2 east,
3 west, 4 pickup, 5 dropoff. Reward -1 per step, +20 for a correct drop-off (which ends the
episode), -10 for an illegal pickup or drop-off. ``is_rainy`` makes moves slip sideways;
``fickle_passenger`` may change the destination once, after the first move with the passenger.
``P``, the start states and ``info["action_mask"]`` are Gymnasium's.
"""

from __future__ import annotations

import numpy as np

from homeml.rl.envs._draw import draw_grid
from homeml.rl.envs._tabular_env import TabularEnv, colorize

__all__ = ["Taxi"]

MAP = [
    "+---------+",
    "|R: | : :G|",
    "| : | : : |",
    "| : : : : |",
    "| | : | : |",
    "|Y| : |B: |",
    "+---------+",
]
LOCS = [(0, 0), (0, 4), (4, 0), (4, 3)]
# Intended move, then the two lateral slips, for actions south, north, east, west.
RAINY_MOVES = {
    0: ((1, 0), (0, 1), (0, -1)),
    1: ((-1, 0), (0, -1), (0, 1)),
    2: ((0, 1), (-1, 0), (1, 0)),
    3: ((0, -1), (1, 0), (-1, 0)),
}


def encode(row: int, col: int, passenger: int, destination: int) -> int:
    """The state number of a taxi position, passenger location and destination."""
    return ((row * 5 + col) * 5 + passenger) * 4 + destination


def decode(state: int) -> tuple[int, int, int, int]:
    """``(row, col, passenger, destination)`` of a state number."""
    state, destination = divmod(int(state), 4)
    state, passenger = divmod(state, 5)
    row, col = divmod(state, 5)
    return row, col, passenger, destination


class Taxi(TabularEnv):
    """The taxi task (see the module docstring).

    Parameters
    ----------
    render_mode : {"ansi", "rgb_array"} or None
    is_rainy : bool, default False
        Moves go as intended with ``rainy_probability``, else slip to either side.
    fickle_passenger : bool, default False
        With ``fickle_probability`` per episode, the passenger changes destination once.
    rainy_probability, fickle_probability : float
    """

    def __init__(
        self,
        render_mode=None,
        is_rainy=False,
        fickle_passenger=False,
        rainy_probability=0.8,
        fickle_probability=0.3,
    ):
        self.desc = np.asarray(MAP, dtype="c")
        self.locs = LOCS
        self.is_rainy = is_rainy
        self.fickle_passenger = fickle_passenger
        self.rainy_probability = rainy_probability
        self.fickle_probability = fickle_probability
        self.fickle_step = False
        P = {s: {a: [] for a in range(6)} for s in range(500)}
        initial = np.zeros(500)
        for row in range(5):
            for col in range(5):
                for passenger in range(5):
                    for destination in range(4):
                        state = encode(row, col, passenger, destination)
                        if passenger < 4 and passenger != destination:
                            initial[state] += 1
                        for action in range(6):
                            P[state][action] = self._outcomes(
                                row, col, passenger, destination, action
                            )
        self._set_model(P, initial / initial.sum())
        self._masks = [self._action_mask(s) for s in range(500)]
        self._check_render_mode(render_mode)

    def _open(self, row: int, col: int, side: int) -> bool:
        """Whether the taxi can leave (row, col) eastward (side 2) or westward (side 0)."""
        return self.desc[1 + row, 2 * col + side] == b":"

    def _slip(self, row, col, move):
        dr, dc = move
        new_row, new_col = max(0, min(row + dr, 4)), max(0, min(col + dc, 4))
        if dc == 1 and self.desc[1 + new_row, 2 * new_col] != b":":
            return row, col
        if dc == -1 and self.desc[1 + new_row, 2 * new_col + 2] != b":":
            return row, col
        return new_row, new_col

    def _outcomes(self, row, col, passenger, destination, action):
        new_row, new_col, new_passenger = row, col, passenger
        reward, terminated, taxi = -1, False, (row, col)
        can_move = (
            (action == 0 and row < 4)
            or (action == 1 and row > 0)
            or (action == 2 and self._open(row, col, 2))
            or (action == 3 and self._open(row, col, 0))
        )
        if action == 0:
            new_row = min(row + 1, 4)
        elif action == 1:
            new_row = max(row - 1, 0)
        elif action == 2 and self._open(row, col, 2):
            new_col = min(col + 1, 4)
        elif action == 3 and self._open(row, col, 0):
            new_col = max(col - 1, 0)
        elif action == 4:
            if passenger < 4 and taxi == LOCS[passenger]:
                new_passenger = 4
            else:
                reward = -10
        elif action == 5:
            if taxi == LOCS[destination] and passenger == 4:
                new_passenger, terminated, reward = destination, True, 20
            elif taxi in LOCS and passenger == 4:
                new_passenger = LOCS.index(taxi)
            else:
                reward = -10
        intended = encode(new_row, new_col, new_passenger, destination)
        if not self.is_rainy or action > 3:
            return [(1.0, intended, reward, terminated)]
        # Gymnasium's rainy dynamics: blocked moves stay put; open ones may slip sideways.
        lateral = (1.0 - self.rainy_probability) / 2.0
        if can_move:
            left = self._slip(row, col, RAINY_MOVES[action][1])
            right = self._slip(row, col, RAINY_MOVES[action][2])
            dr, dc = RAINY_MOVES[action][0]
            intended = encode(
                max(0, min(row + dr, 4)), max(0, min(col + dc, 4)), new_passenger, destination
            )
        else:
            left = right = taxi
            intended = encode(row, col, new_passenger, destination)
        return [
            (self.rainy_probability, intended, -1, terminated),
            (lateral, encode(*left, new_passenger, destination), -1, terminated),
            (lateral, encode(*right, new_passenger, destination), -1, terminated),
        ]

    def _action_mask(self, state: int) -> np.ndarray:
        row, col, passenger, destination = decode(state)
        mask = np.zeros(6, dtype=np.int8)
        mask[0], mask[1] = row < 4, row > 0
        mask[2] = col < 4 and self._open(row, col, 2)
        mask[3] = col > 0 and self._open(row, col, 0)
        mask[4] = passenger < 4 and (row, col) == LOCS[passenger]
        mask[5] = passenger == 4 and (row, col) in LOCS
        return mask

    def action_mask(self, state: int) -> np.ndarray:
        """The int8 mask of the actions that change the state (Gymnasium's ``action_mask``)."""
        return self._masks[state].copy()

    def encode(self, row, col, passenger, destination) -> int:
        return encode(row, col, passenger, destination)

    def decode(self, state) -> tuple[int, int, int, int]:
        return decode(state)

    def reset(self, *, seed=None, options=None):
        """Draw a start state; info has ``prob`` and ``action_mask``."""
        state, _ = super().reset(seed=seed, options=options)
        self.fickle_step = (
            self.fickle_passenger and self.np_random.random() < self.fickle_probability
        )
        return state, {"prob": 1.0, "action_mask": self._masks[state].copy()}

    def step(self, action):
        """Take ``action``; info has ``prob`` and ``action_mask``."""
        previous = self.s
        _, prob, state, reward, terminated = self._transition(action)
        if self.fickle_step:
            old_row, old_col, old_passenger, old_destination = decode(previous)
            row, col, passenger, _ = decode(state)
            if old_passenger == 4 and (row, col) != (old_row, old_col):
                self.fickle_step = False
                choices = [i for i in range(4) if i != old_destination]
                state = self.s = encode(row, col, passenger, int(self.np_random.choice(choices)))
        return (
            state,
            reward,
            terminated,
            False,
            {"prob": prob, "action_mask": self._masks[state].copy()},
        )

    def _render_text(self) -> str:
        out = [[c.decode() for c in line] for line in self.desc.tolist()]
        row, col, passenger, destination = decode(self.s)
        if passenger < 4:
            out[1 + row][2 * col + 1] = colorize(
                out[1 + row][2 * col + 1], "yellow", highlight=True
            )
            pi, pj = LOCS[passenger]
            out[1 + pi][2 * pj + 1] = colorize(out[1 + pi][2 * pj + 1], "blue", bold=True)
        else:
            cell = out[1 + row][2 * col + 1]
            out[1 + row][2 * col + 1] = colorize(
                "_" if cell == " " else cell, "green", highlight=True
            )
        di, dj = LOCS[destination]
        out[1 + di][2 * dj + 1] = colorize(out[1 + di][2 * dj + 1], "magenta")
        text = "\n".join("".join(line) for line in out) + "\n"
        actions = ["South", "North", "East", "West", "Pickup", "Dropoff"]
        return text + ("\n" if self.lastaction is None else f"  ({actions[self.lastaction]})\n")

    def _render_rgb(self) -> np.ndarray:
        row, col, passenger, destination = decode(self.s)
        colors = np.full((5, 5, 3), 235)
        for (r, c), color in zip(
            LOCS, [(255, 120, 120), (120, 220, 120), (240, 230, 120), (130, 150, 255)], strict=True
        ):
            colors[r, c] = color
        cell = 64
        image = draw_grid(
            colors,
            cell,
            agent=(row, col),
            agent_color=(40, 160, 40) if passenger == 4 else (230, 180, 0),
        )
        for r in range(5):  # walls between columns, drawn from the map's '|' characters
            for c in range(4):
                if self.desc[1 + r, 2 * c + 2] == b"|":
                    image[r * cell : (r + 1) * cell, (c + 1) * cell - 2 : (c + 1) * cell + 2] = 0
        di, dj = LOCS[destination]
        image[di * cell + 4 : di * cell + 10, dj * cell + 4 : (dj + 1) * cell - 4] = (200, 0, 200)
        if passenger < 4:
            pi, pj = LOCS[passenger]
            image[
                (pi + 1) * cell - 10 : (pi + 1) * cell - 4, pj * cell + 4 : (pj + 1) * cell - 4
            ] = (0, 0, 200)
        return image
