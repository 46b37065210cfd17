"""``render_mode="human"``: show an environment's ``rgb_array`` frames in a matplotlib window.

:func:`homeml.rl.make` applies :class:`HumanRendering` when asked for ``render_mode="human"`` on
an environment that draws ``rgb_array`` images (as Gymnasium's ``make`` does for environments
without their own window). Without a display it fails at once, saying so.
"""

from __future__ import annotations

import os
import sys

from homeml.rl.env import Wrapper

__all__ = ["HumanRendering", "display_problem"]

# matplotlib backends that only write files
_FILE_BACKENDS = {"agg", "cairo", "pdf", "pgf", "ps", "svg", "template"}


def display_problem() -> str | None:
    """Why no matplotlib window can open here, or ``None`` when one can."""
    try:
        import matplotlib
    except ImportError:
        return "matplotlib is not installed (pip install matplotlib)"
    backend = matplotlib.get_backend()
    name = backend.lower().rpartition(".")[2].removeprefix("backend_")
    if name in _FILE_BACKENDS or "inline" in name:
        return f"matplotlib's backend is {backend!r}, which writes files and opens no window"
    if sys.platform.startswith("linux") and not (
        os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
    ):
        return "there is no display (DISPLAY and WAYLAND_DISPLAY are unset)"
    return None


class HumanRendering(Wrapper):
    """Draw each frame of an ``rgb_array`` environment in a matplotlib window after every
    ``reset`` and ``step`` (at the environment's ``render_fps``).

    Parameters
    ----------
    env : Env
        An environment made with ``render_mode="rgb_array"``.

    Raises
    ------
    ValueError
        When the environment does not render ``rgb_array`` images.
    RuntimeError
        When there is no display to open a window on.
    """

    def __init__(self, env):
        super().__init__(env)
        if env.render_mode != "rgb_array":
            raise ValueError(
                f"HumanRendering shows rgb_array frames: make the environment with "
                f"render_mode='rgb_array', got render_mode={env.render_mode!r}"
            )
        problem = display_problem()
        if problem is not None:
            raise RuntimeError(
                f"render_mode='human' opens a matplotlib window and needs a display, but "
                f"{problem}. Use render_mode='rgb_array' (env.render() returns the image), or "
                f"run where a window can open (a desktop session, or MPLBACKEND=TkAgg)."
            )
        modes = list(env.metadata.get("render_modes", []))
        self.metadata = {**env.metadata, "render_modes": [*modes, "human"]}
        self._figure = None
        self._image = None

    @property
    def render_mode(self):
        return "human"

    def reset(self, *, seed=None, options=None):
        result = self.env.reset(seed=seed, options=options)
        self._show()
        return result

    def step(self, action):
        result = self.env.step(action)
        self._show()
        return result

    def render(self):
        """Frames are shown by ``reset`` and ``step``; like Gymnasium's, this returns None."""
        return None

    def _show(self) -> None:
        import matplotlib.pyplot as plt

        frame = self.env.render()
        if frame is None:
            return
        if self._figure is None or not plt.fignum_exists(self._figure.number):
            self._figure, axes = plt.subplots()
            axes.set_axis_off()
            title = self.env.spec.id if self.env.spec is not None else type(self.unwrapped).__name__
            axes.set_title(title)
            self._image = axes.imshow(frame)
            self._figure.tight_layout()
            plt.show(block=False)
        else:
            self._image.set_data(frame)
        self._figure.canvas.draw_idle()
        plt.pause(1.0 / self.metadata.get("render_fps", 30))

    def close(self):
        if self._figure is not None:
            import matplotlib.pyplot as plt

            plt.close(self._figure)
            self._figure = self._image = None
        return self.env.close()
