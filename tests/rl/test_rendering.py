"""render_mode="human": a matplotlib window for environments that draw rgb_array images, and a
clear error where no window can open (these tests run headless)."""

import warnings

import matplotlib
import numpy as np
import pytest

from homeml import rl
from homeml.rl.wrappers import HumanRendering, rendering

matplotlib.use("Agg")  # headless, as in CI
import matplotlib.pyplot as plt  # noqa: E402


def test_human_mode_without_a_display_says_so():
    with pytest.raises(
        RuntimeError,
        match=(
            r"render_mode='human' opens a matplotlib window and needs a display, but "
            r"matplotlib's backend is '[Aa]gg'.*render_mode='rgb_array'"
        ),
    ):
        rl.make("CartPole-v1", render_mode="human")


def test_no_display_variable_is_reported(monkeypatch):
    monkeypatch.setattr(matplotlib, "get_backend", lambda: "TkAgg")
    monkeypatch.setattr(rendering.sys, "platform", "linux")
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    assert rendering.display_problem() == (
        "there is no display (DISPLAY and WAYLAND_DISPLAY are unset)"
    )
    monkeypatch.setenv("DISPLAY", ":0")
    assert rendering.display_problem() is None
    monkeypatch.setattr(
        matplotlib, "get_backend", lambda: "module://matplotlib_inline.backend_inline"
    )
    assert "opens no window" in rendering.display_problem()


@pytest.mark.parametrize("name", ["CartPole-v1", "FrozenLake-v1", "MountainCar-v0"])
def test_human_mode_shows_each_frame_in_a_window(monkeypatch, name):
    monkeypatch.setattr(rendering, "display_problem", lambda: None)  # pretend a display
    monkeypatch.setattr(plt, "pause", lambda interval: None)  # no real event loop headless
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # Agg: "cannot be shown"
        env = rl.make(name, render_mode="human")
        assert env.render_mode == "human" and env.unwrapped.render_mode == "rgb_array"
        assert isinstance(env.env, HumanRendering) and env.spec.max_episode_steps
        assert env.metadata["render_modes"][-1] == "human"
        env.reset(seed=0)
        env.action_space.seed(0)
        figure = env.env._figure
        for _ in range(3):
            *_, terminated, truncated, _ = env.step(env.action_space.sample())
            if terminated or truncated:  # a slippery FrozenLake may end in a hole at once
                env.reset()
            shown = np.asarray(env.env._image.get_array())
            np.testing.assert_array_equal(shown, env.unwrapped.render())
        assert env.env._figure is figure  # one window, updated
        assert env.render() is None
        env.close()
    assert not plt.fignum_exists(figure.number)


def test_human_mode_needs_images():
    with pytest.raises(ValueError, match=r"render_mode in \['ansi'\] or None, got 'human'"):
        rl.make("Blackjack-v1", render_mode="human")
    with pytest.raises(ValueError, match="make the environment with render_mode='rgb_array'"):
        HumanRendering(rl.make("CartPole-v1"))
