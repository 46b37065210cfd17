"""CartPole: balance a pole on a cart (Barto, Sutton & Anderson 1983), as Gymnasium's CartPole-v1.

Observation: ``[x, x_dot, theta, theta_dot]`` (float32). Actions: 0 push left, 1 push right
(force 10 N). Euler integration with ``tau = 0.02`` s, the same equations, constants and
thresholds as Gymnasium (|x| > 2.4 or |theta| > 12 degrees ends the episode), reward +1 per step
(or Sutton & Barto's 0 per step and -1 on failure with ``sutton_barto_reward=True``). The state is
kept in Python floats (float64), so seeded episodes follow Gymnasium's to float32 exactness.
"""

from __future__ import annotations

import math

import numpy as np

from homeml.rl.env import Env
from homeml.rl.envs._draw import fill_disc, fill_polygon
from homeml.rl.spaces import Box, Discrete

__all__ = ["CartPole", "reset_bounds"]


def reset_bounds(options, low: float, high: float) -> tuple[float, float]:
    """``options["low"]``/``options["high"]`` (Gymnasium's reset options) or the defaults."""
    if options is None:
        return low, high
    try:
        low, high = float(options.get("low", low)), float(options.get("high", high))
    except (TypeError, ValueError):
        raise ValueError(f"reset options low/high must be numbers, got {options!r}") from None
    if low > high:
        raise ValueError(f"reset option low ({low}) must not exceed high ({high})")
    return low, high


class CartPole(Env):
    """The cart-pole balancing task (see the module docstring).

    Parameters
    ----------
    sutton_barto_reward : bool, default False
        Reward 0 per step and -1 on failure instead of +1 per step.
    render_mode : {"rgb_array"} or None
    """

    metadata = {"render_modes": ["rgb_array"], "render_fps": 50}

    def __init__(self, sutton_barto_reward: bool = False, render_mode=None):
        self._sutton_barto_reward = sutton_barto_reward
        self.gravity = 9.8
        self.masscart = 1.0
        self.masspole = 0.1
        self.total_mass = self.masspole + self.masscart
        self.length = 0.5  # half the pole's length
        self.polemass_length = self.masspole * self.length
        self.force_mag = 10.0
        self.tau = 0.02
        self.theta_threshold_radians = 12 * 2 * math.pi / 360
        self.x_threshold = 2.4
        high = np.array(
            [self.x_threshold * 2, np.inf, self.theta_threshold_radians * 2, np.inf],
            dtype=np.float32,
        )
        self.action_space = Discrete(2)
        self.observation_space = Box(-high, high, dtype=np.float32)
        self.state = None
        self._check_render_mode(render_mode)

    def reset(self, *, seed=None, options=None):
        """Start with every state variable uniform in [-0.05, 0.05] (``options`` low/high)."""
        super().reset(seed=seed)
        low, high = reset_bounds(options, -0.05, 0.05)
        self.state = tuple(self.np_random.uniform(low=low, high=high, size=(4,)).tolist())
        return np.array(self.state, dtype=np.float32), {}

    def step(self, action):
        """Push the cart; returns ``(obs, reward, terminated, False, {})``."""
        if self._needs_reset is not False:
            self._raise_reset_needed()
        if action.__class__ is not int and not self.action_space.contains(action):
            self._raise_invalid_action(action)
        if action == 1:
            force = self.force_mag
        elif action == 0:
            force = -self.force_mag
        else:
            self._raise_invalid_action(action)
        x, x_dot, theta, theta_dot = self.state
        costheta = math.cos(theta)
        sintheta = math.sin(theta)
        # The same expressions, in the same order, as Gymnasium's CartPoleEnv.step.
        temp = (force + self.polemass_length * (theta_dot * theta_dot) * sintheta) / self.total_mass
        thetaacc = (self.gravity * sintheta - costheta * temp) / (
            self.length * (4.0 / 3.0 - self.masspole * (costheta * costheta) / self.total_mass)
        )
        xacc = temp - self.polemass_length * thetaacc * costheta / self.total_mass
        x = x + self.tau * x_dot
        x_dot = x_dot + self.tau * xacc
        theta = theta + self.tau * theta_dot
        theta_dot = theta_dot + self.tau * thetaacc
        self.state = (x, x_dot, theta, theta_dot)
        terminated = (
            x < -self.x_threshold
            or x > self.x_threshold
            or theta < -self.theta_threshold_radians
            or theta > self.theta_threshold_radians
        )
        if terminated:
            self._needs_reset = True
            reward = -1.0 if self._sutton_barto_reward else 1.0
        else:
            reward = 0.0 if self._sutton_barto_reward else 1.0
        return np.array(self.state, dtype=np.float32), reward, terminated, False, {}

    def render(self):
        """A 400 x 600 RGB image of the cart and pole (Gymnasium's layout), or None."""
        if self.render_mode is None or self.state is None:
            return None
        width, height = 600, 400
        scale = width / (self.x_threshold * 2)
        image = np.full((height, width, 3), 255, dtype=np.uint8)
        x, _, theta, _ = self.state
        cart_x, cart_y = x * scale + width / 2.0, 100.0  # y measured upward from the bottom
        axle = cart_y + 30.0 / 4.0

        def to_image(points):
            return [(px, height - py) for px, py in points]

        fill_polygon(
            image,
            to_image(
                [
                    (cart_x - 25, cart_y - 15),
                    (cart_x - 25, cart_y + 15),
                    (cart_x + 25, cart_y + 15),
                    (cart_x + 25, cart_y - 15),
                ]
            ),
            (0, 0, 0),
        )
        pole_length = scale * 2 * self.length
        cos, sin = math.cos(-theta), math.sin(-theta)
        corners = [(-5.0, -5.0), (-5.0, pole_length - 5.0), (5.0, pole_length - 5.0), (5.0, -5.0)]
        pole = [(cart_x + cx * cos - cy * sin, axle + cx * sin + cy * cos) for cx, cy in corners]
        fill_polygon(image, to_image(pole), (202, 152, 101))
        fill_disc(image, cart_x, height - axle, 5.0, (129, 132, 203))
        image[height - int(cart_y), :] = 0
        return image
