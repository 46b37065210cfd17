"""The report of a language-model run (loss curves and text samples), and a translation's
attention heatmap.
"""

from __future__ import annotations

import io
import os
from collections.abc import Sequence
from pathlib import Path

from homeml.io import atomic_write
from homeml.plot._training import _pyplot

_MAX_SAMPLE_LINES = 30  # what fits the text panel at its font size


def plot_language_report(
    history,
    samples: str | Sequence[str] | Sequence[tuple[int, str]],
    path: str | os.PathLike,
    title: str = "language model",
) -> Path:
    """Write ``report.png``-style figure: train/val loss against iteration, and text samples.

    Parameters
    ----------
    history : TrainingHistory or list of dict
        Rows with ``iter``, ``train_loss`` and ``val_loss`` (what
        :func:`homeml.train_steps.fit_iterations` returns).
    samples : str, list of str, or list of (iteration, str)
        Generated text; with iterations (:class:`~homeml.train_steps.SampleCallback`'s
        ``samples``) the last one is shown, headed by its iteration.
    path : path
        The image file, written atomically (format from the suffix, PNG by default).
    title : str
        The figure's title (e.g. the model's name).

    Returns
    -------
    pathlib.Path
        ``path``.
    """
    rows = list(getattr(history, "rows", history))
    if not rows:
        raise ValueError("the history is empty: nothing to plot")
    heading, text = _sample_text(samples)
    plt = _pyplot()
    fig, (ax_loss, ax_text) = plt.subplots(
        1, 2, figsize=(13, 5), gridspec_kw={"width_ratios": [1.2, 1]}
    )
    try:
        iters = [row["iter"] for row in rows]
        for key, style in (("train_loss", "-o"), ("val_loss", "-s")):
            values = [row.get(key) for row in rows]
            if any(v is not None for v in values):
                ax_loss.plot(iters, values, style, markersize=3, label=key.replace("_", " "))
        fig.suptitle(title)
        ax_loss.set(
            title="train and validation loss", xlabel="iteration", ylabel="cross-entropy (nats)"
        )
        ax_loss.grid(alpha=0.3)
        ax_loss.legend()
        ax_text.axis("off")
        ax_text.set_title(heading)
        # monospace: generated text keeps its columns and line breaks
        ax_text.text(
            0.0,
            1.0,
            text,
            va="top",
            ha="left",
            family="monospace",
            # names are short: larger letters; running text needs room for its lines
            fontsize=11 if max(map(len, text.splitlines() or [""])) <= 30 else 8,
            transform=ax_text.transAxes,
            wrap=True,
        )
        fig.tight_layout()
        buffer = io.BytesIO()
        fig.savefig(buffer, format=Path(path).suffix.lstrip(".") or "png", dpi=110)
    finally:
        plt.close(fig)  # figures left open accumulate in long sessions
    atomic_write(path, [buffer.getvalue()])
    return Path(path)


def _sample_text(samples) -> tuple[str, str]:
    """(heading, text) of what the samples panel shows, at most ``_MAX_SAMPLE_LINES`` lines."""
    heading = "samples"
    if isinstance(samples, str):
        text = samples
    else:
        items = list(samples)
        if items and isinstance(items[-1], tuple):
            iteration, text = items[-1]
            heading = f"samples at iteration {iteration}"
        else:
            text = "\n".join(str(s) for s in items)
    lines = text.splitlines() or ["(no samples)"]
    if len(lines) > _MAX_SAMPLE_LINES:
        lines = [*lines[:_MAX_SAMPLE_LINES], "..."]
    return heading, "\n".join(line[:100] for line in lines)


def attention_heatmap(
    weights,
    source_tokens: Sequence[str],
    target_tokens: Sequence[str],
    path: str | os.PathLike | None = None,
    title: str = "attention",
):
    """Draw a translation's attention weights: one row per output token, one column per input.

    Parameters
    ----------
    weights : array-like, (T, S)
        Attention of each of the T generated tokens over the S source tokens (what
        ``GRUSeq2Seq.translate`` returns); rows usually sum to 1.
    source_tokens : sequence of str
        The S column labels (the source words, ``<eos>`` included).
    target_tokens : sequence of str
        The T row labels (the generated words).
    path : path, optional
        Write the figure there atomically (format from the suffix, PNG by default) and close it.
    title : str
        The figure's title.

    Returns
    -------
    matplotlib.figure.Figure or pathlib.Path
        The figure when ``path`` is None (the caller closes it), else ``path``.
    """
    import numpy as np

    array = np.asarray(weights, dtype=np.float64)
    if array.ndim != 2:
        raise ValueError(f"weights must be a (target, source) matrix, got shape {array.shape}")
    if array.shape != (len(target_tokens), len(source_tokens)):
        raise ValueError(
            f"weights are {array.shape[0]}x{array.shape[1]} but there are {len(target_tokens)} "
            f"target and {len(source_tokens)} source tokens"
        )
    if not np.isfinite(array).all():
        raise ValueError("weights hold NaN or infinite values")
    plt = _pyplot()
    width = 1.5 + 0.45 * max(len(source_tokens), 4)
    height = 1.2 + 0.4 * max(len(target_tokens), 4)
    fig, ax = plt.subplots(figsize=(width, height))
    try:
        image = ax.imshow(array, cmap="bone", vmin=0.0, vmax=max(1.0, float(array.max())))
        fig.colorbar(image, ax=ax, fraction=0.046, pad=0.04)
        ax.set_xticks(range(len(source_tokens)), list(source_tokens), rotation=90)
        ax.set_yticks(range(len(target_tokens)), list(target_tokens))
        ax.set(xlabel="source", ylabel="output", title=title)
        fig.tight_layout()
        if path is None:
            return fig
        buffer = io.BytesIO()
        fig.savefig(buffer, format=Path(path).suffix.lstrip(".") or "png", dpi=110)
    except BaseException:
        plt.close(fig)
        raise
    plt.close(fig)
    atomic_write(path, [buffer.getvalue()])
    return Path(path)


def plot_translation_report(
    history,
    samples: str,
    path: str | os.PathLike,
    attention: tuple | None = None,
    title: str = "translation",
) -> Path:
    """Write a translation run's ``report.png``: the losses, BLEU over training, and one
    sentence's attention (GRU) or the sample translations.

    Parameters
    ----------
    history : TrainingHistory or list of dict
        Rows with ``iter``, ``train_loss``, ``val_loss`` and, at some of them, ``bleu``.
    samples : str
        Sample translations, shown when there is no attention to draw.
    path : path
        The image file, written atomically (format from the suffix, PNG by default).
    attention : (weights, source_tokens, target_tokens), optional
        As :func:`attention_heatmap` takes them: (T, S) weights and their labels.
    title : str
        The figure's title.

    Returns
    -------
    pathlib.Path
        ``path``.
    """
    import numpy as np

    rows = list(getattr(history, "rows", history))
    if not rows:
        raise ValueError("the history is empty: nothing to plot")
    plt = _pyplot()
    fig, (ax_loss, ax_bleu, ax_third) = plt.subplots(
        1, 3, figsize=(17, 5), gridspec_kw={"width_ratios": [1, 1, 1.1]}
    )
    try:
        iters = [row["iter"] for row in rows]
        for key, style in (("train_loss", "-o"), ("val_loss", "-s")):
            ax_loss.plot(iters, [row.get(key) for row in rows], style, markersize=3,
                         label=key.replace("_", " "))  # fmt: skip
        ax_loss.set(title="loss (teacher forcing)", xlabel="iteration", ylabel="cross-entropy")
        ax_loss.grid(alpha=0.3)
        ax_loss.legend()
        scored = [(row["iter"], row["bleu"]) for row in rows if row.get("bleu") is not None]
        if scored:
            ax_bleu.plot(*zip(*scored, strict=True), "-o", markersize=4, color="tab:green")
        ax_bleu.set(title="held-out BLEU (greedy)", xlabel="iteration", ylabel="BLEU")
        ax_bleu.grid(alpha=0.3)
        if attention is not None:
            weights, source_tokens, target_tokens = attention
            array = np.asarray(weights, dtype=np.float64)
            ax_third.imshow(
                array, cmap="bone", vmin=0.0, vmax=max(1.0, float(array.max())), aspect="auto"
            )
            ax_third.set_xticks(range(len(source_tokens)), list(source_tokens), rotation=90)
            ax_third.set_yticks(range(len(target_tokens)), list(target_tokens))
            ax_third.set(xlabel="source", ylabel="output", title="attention")
        else:
            ax_third.axis("off")
            ax_third.set_title("held-out translations")
            ax_third.text(0.0, 1.0, _sample_text(samples)[1], va="top", ha="left",
                          family="monospace", fontsize=8, transform=ax_third.transAxes)  # fmt: skip
        fig.suptitle(title)
        fig.tight_layout()
        buffer = io.BytesIO()
        fig.savefig(buffer, format=Path(path).suffix.lstrip(".") or "png", dpi=100)
    finally:
        plt.close(fig)
    atomic_write(path, [buffer.getvalue()])
    return Path(path)
