"""The training report's curves: what the loss is, whole-number epochs, the report file."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402

from homeml.plot import training_report  # noqa: E402
from homeml.plot._training import plot_history  # noqa: E402
from homeml.train import TrainingHistory  # noqa: E402

HISTORY = TrainingHistory(
    [
        {
            "epoch": e,
            "train_loss": 1.0 / e,
            "train_acc": 0.8 + e / 100,
            "val_loss": 1.1 / e,
            "val_acc": 0.79 + e / 100,
            "lr": 1e-3,
            "seconds": 3.0,
        }
        for e in range(1, 4)
    ]
)


def test_loss_curves_say_what_they_measure_and_epochs_are_whole():
    fig, (ax_loss, ax_acc) = plt.subplots(1, 2)
    try:
        plot_history(HISTORY, ax_loss, ax_acc, "loss with label smoothing 0.05", test_loss=0.02)
        assert ax_loss.get_title() == "loss with label smoothing 0.05"
        labels = [line.get_label() for line in ax_loss.get_lines()]
        assert labels == ["train loss", "val loss", "test loss (plain cross-entropy)"]
        assert ax_loss.get_lines()[2].get_ydata()[0] == 0.02
        fig.canvas.draw()
        for ax in (ax_loss, ax_acc):
            ticks = [t for t in ax.get_xticks() if 1 <= t <= 3]
            assert ticks and all(float(t).is_integer() for t in ticks), ticks
    finally:
        plt.close(fig)


def test_plain_loss_by_default(tmp_path):
    fig, (ax_loss, ax_acc) = plt.subplots(1, 2)
    try:
        plot_history(HISTORY, ax_loss, ax_acc)
        assert ax_loss.get_title() == "loss" and len(ax_loss.get_lines()) == 2
    finally:
        plt.close(fig)
    y = np.arange(20) % 10
    images = np.zeros((20, 28, 28), np.uint8)
    training_report(
        tmp_path / "r.png",
        HISTORY,
        y,
        (y + 1) % 10,
        images,
        title="t",
        loss_label="loss with label smoothing 0.05",
        test_loss=0.1,
    )
    assert Image.open(tmp_path / "r.png").size[0] > 1000
