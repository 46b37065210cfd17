"""The report of a generative run (GAN or VAE): curves over epochs and image panels, one PNG."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np

from homeml.io import atomic_write
from homeml.plot._training import _pyplot


def plot_generative_report(path, epochs, curves: dict, panels: dict, title: str = "") -> None:
    """Write a report: one axes per entry of ``curves`` (``{axes title: {line label: values per
    epoch}}``, a line skipped when all its values are None) above one image per entry of
    ``panels`` (``{panel title: uint8 grayscale picture}``).
    """
    from matplotlib.ticker import MaxNLocator

    plt = _pyplot()
    columns = max(len(curves), len(panels), 1)
    fig = plt.figure(figsize=(4.6 * columns, 9), layout="constrained")
    grid = fig.add_gridspec(2, columns, height_ratios=[0.8, 1])
    for i, (name, lines) in enumerate(curves.items()):
        ax = fig.add_subplot(grid[0, i])
        for label, values in lines.items():
            points = [(e, v) for e, v in zip(epochs, values) if v is not None]
            if points:
                ax.plot(*zip(*points), "-o", ms=3, label=label)
        ax.set(title=name, xlabel="epoch")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    for i, (name, picture) in enumerate(panels.items()):
        ax = fig.add_subplot(grid[1, i])
        ax.imshow(np.asarray(picture), cmap="gray", vmin=0, vmax=255)
        ax.set_title(name, fontsize=9)
        ax.axis("off")
    fig.suptitle(title or "generative model report")
    buffer = io.BytesIO()
    try:
        fig.savefig(buffer, format=Path(path).suffix.lstrip(".") or "png", dpi=100)
    finally:
        plt.close(fig)
    atomic_write(path, [buffer.getvalue()])
