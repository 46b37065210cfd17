"""NumPy drawing for ``render_mode="rgb_array"``: filled polygons, discs, lines and grids.

Images are ``(height, width, 3)`` uint8 arrays with row 0 at the top. Shapes are given in pixel
coordinates ``(x, y)`` with y measured downward, and are filled where pixel centres fall inside.
"""

from __future__ import annotations

import numpy as np


def _box(image, xs, ys):
    """The integer pixel window covering the given coordinates, clipped to the image."""
    height, width = image.shape[:2]
    x0, x1 = max(int(np.floor(min(xs))), 0), min(int(np.ceil(max(xs))) + 1, width)
    y0, y1 = max(int(np.floor(min(ys))), 0), min(int(np.ceil(max(ys))) + 1, height)
    return x0, x1, y0, y1


def fill_polygon(image: np.ndarray, points, color) -> None:
    """Fill a convex polygon (vertices in order, either orientation) in place."""
    points = np.asarray(points, dtype=np.float64)
    x0, x1, y0, y1 = _box(image, points[:, 0], points[:, 1])
    if x0 >= x1 or y0 >= y1:
        return
    px = np.arange(x0, x1) + 0.5
    py = (np.arange(y0, y1) + 0.5)[:, None]
    inside_pos = np.ones((y1 - y0, x1 - x0), dtype=bool)
    inside_neg = np.ones_like(inside_pos)
    for (ax, ay), (bx, by) in zip(points, np.roll(points, -1, axis=0), strict=True):
        cross = (bx - ax) * (py - ay) - (by - ay) * (px - ax)
        inside_pos &= cross >= 0
        inside_neg &= cross <= 0
    image[y0:y1, x0:x1][inside_pos | inside_neg] = color


def fill_disc(image: np.ndarray, cx: float, cy: float, radius: float, color) -> None:
    """Fill a disc in place."""
    x0, x1, y0, y1 = _box(image, (cx - radius, cx + radius), (cy - radius, cy + radius))
    if x0 >= x1 or y0 >= y1:
        return
    px = np.arange(x0, x1) + 0.5 - cx
    py = (np.arange(y0, y1) + 0.5)[:, None] - cy
    image[y0:y1, x0:x1][px * px + py * py <= radius * radius] = color


def draw_polyline(image: np.ndarray, points, color, width: float = 1.5) -> None:
    """Draw connected segments as thin quadrilaterals."""
    points = np.asarray(points, dtype=np.float64)
    for a, b in zip(points[:-1], points[1:], strict=True):
        direction = b - a
        length = np.hypot(*direction)
        if length == 0:
            continue
        normal = np.array([-direction[1], direction[0]]) / length * (width / 2)
        fill_polygon(image, [a + normal, b + normal, b - normal, a - normal], color)


def draw_grid(
    cell_colors: np.ndarray,
    cell: int = 48,
    agent=None,
    agent_color=(220, 40, 40),
    line_color=(180, 200, 230),
) -> np.ndarray:
    """An image of a grid world: one coloured square per cell, grid lines, the agent as a disc.

    Parameters
    ----------
    cell_colors : ndarray of shape (n_rows, n_cols, 3)
        The colour of each cell.
    cell : int
        Cell size in pixels.
    agent : (row, col) or None
        Where to draw the agent.
    """
    n_rows, n_cols = cell_colors.shape[:2]
    image = np.repeat(np.repeat(np.asarray(cell_colors, dtype=np.uint8), cell, 0), cell, 1)
    image[::cell, :] = line_color
    image[:, ::cell] = line_color
    image[-1, :] = line_color
    image[:, -1] = line_color
    if agent is not None:
        row, col = agent
        fill_disc(image, (col + 0.5) * cell, (row + 0.5) * cell, cell * 0.3, agent_color)
    return image
