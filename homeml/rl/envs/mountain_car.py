"""MountainCar: drive an under-powered car up a hill (Moore 1990), as Gymnasium's MountainCar-v0.

Observation: ``[position, velocity]`` (float32) in [-1.2, 0.6] x [-0.07, 0.07]. Actions: 0 push
left, 1 no push, 2 push right. ``velocity += (action - 1) * 0.001 - 0.0025 cos(3 position)``,
clipped; ``position += velocity``, clipped, and the velocity is zeroed at the left wall. Reward -1
per step; reaching position >= 0.5 ends the episode. Seeded episodes equal Gymnasium's.
"""

from __future__ import annotations

import math

import numpy as np

from homeml.rl.env import Env
from homeml.rl.envs._draw import draw_polyline, fill_disc, fill_polygon
from homeml.rl.envs.cartpole import reset_bounds
from homeml.rl.spaces import Box, Discrete

__all__ = ["MountainCar"]


class MountainCar(Env):
    """The mountain-car task (see the module docstring).

    Parameters
    ----------
    render_mode : {"rgb_array"} or None
    goal_velocity : float, default 0
        The velocity the car needs at the goal.
    """

    metadata = {"render_modes": ["rgb_array"], "render_fps": 30}

    def __init__(self, render_mode=None, goal_velocity=0):
        self.min_position = -1.2
        self.max_position = 0.6
        self.max_speed = 0.07
        self.goal_position = 0.5
        self.goal_velocity = goal_velocity
        self.force = 0.001
        self.gravity = 0.0025
        self.low = np.array([self.min_position, -self.max_speed], dtype=np.float32)
        self.high = np.array([self.max_position, self.max_speed], dtype=np.float32)
        self.action_space = Discrete(3)
        self.observation_space = Box(self.low, self.high, dtype=np.float32)
        self.state = None
        self._check_render_mode(render_mode)

    def reset(self, *, seed=None, options=None):
        """Start at rest at a position uniform in [-0.6, -0.4] (``options`` low/high)."""
        super().reset(seed=seed)
        low, high = reset_bounds(options, -0.6, -0.4)
        self.state = (float(self.np_random.uniform(low=low, high=high)), 0.0)
        return np.array(self.state, dtype=np.float32), {}

    def step(self, action):
        """Push; returns ``(obs, -1.0, terminated, False, {})``."""
        if self._needs_reset is not False:
            self._raise_reset_needed()
        if action.__class__ is not int and not self.action_space.contains(action):
            self._raise_invalid_action(action)
        if not 0 <= action <= 2:
            self._raise_invalid_action(action)
        position, velocity = self.state
        velocity += (action - 1) * self.force + math.cos(3 * position) * (-self.gravity)
        velocity = min(max(velocity, -self.max_speed), self.max_speed)
        position += velocity
        position = min(max(position, self.min_position), self.max_position)
        if position == self.min_position and velocity < 0:
            velocity = 0.0
        terminated = position >= self.goal_position and velocity >= self.goal_velocity
        if terminated:
            self._needs_reset = True
        self.state = (position, velocity)
        return np.array(self.state, dtype=np.float32), -1.0, terminated, False, {}

    @staticmethod
    def _height(xs):
        return np.sin(3 * xs) * 0.45 + 0.55

    def render(self):
        """A 400 x 600 RGB image of the hill, the car and the flag (Gymnasium's layout)."""
        if self.render_mode is None or self.state is None:
            return None
        width, height = 600, 400
        scale = width / (self.max_position - self.min_position)
        image = np.full((height, width, 3), 255, dtype=np.uint8)
        xs = np.linspace(self.min_position, self.max_position, 100)
        track = np.stack(
            [(xs - self.min_position) * scale, height - self._height(xs) * scale], axis=1
        )
        draw_polyline(image, track, (0, 0, 0))
        pos = self.state[0]
        angle = math.cos(3 * pos)
        cos, sin = math.cos(angle), math.sin(angle)
        base_x, base_y = (pos - self.min_position) * scale, 10 + self._height(pos) * scale

        def place(cx, cy):  # rotate a car-frame point, then flip y for the image
            return base_x + cx * cos - cy * sin, height - (base_y + cx * sin + cy * cos)

        fill_polygon(image, [place(-20, 0), place(-20, 20), place(20, 20), place(20, 0)], (0, 0, 0))
        for wheel in (10.0, -10.0):
            wx, wy = place(wheel, 0.0)
            fill_disc(image, wx, wy, 8.0, (128, 128, 128))
        flag_x = (self.goal_position - self.min_position) * scale
        flag_y1 = self._height(self.goal_position) * scale
        flag_y2 = flag_y1 + 50
        draw_polyline(image, [(flag_x, height - flag_y1), (flag_x, height - flag_y2)], (0, 0, 0))
        fill_polygon(
            image,
            [
                (flag_x, height - flag_y2),
                (flag_x, height - flag_y2 + 10),
                (flag_x + 25, height - flag_y2 + 5),
            ],
            (204, 204, 0),
        )
        return image
