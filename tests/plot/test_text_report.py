"""The text-classification report: a PNG from probabilities, with features or a history, and
texts that matplotlib would otherwise misread ($ as mathtext, control characters)."""

import numpy as np
import pytest

from homeml.plot import plot_text_classification_report

Y = np.array([0, 1, 0, 1, 1])
P = np.array([[0.9, 0.1], [0.2, 0.8], [0.4, 0.6], [0.7, 0.3], [0.1, 0.9]])


def test_writes_a_png_with_features(tmp_path):
    features = ([("hi ", -1.0), ("ok", -0.5)], [("£", 2.0), ("$5", 1.0)])
    path = plot_text_classification_report(
        Y, P, ["ham", "spam"], tmp_path / "r.png", mistakes=["win $5 now \x93"], features=features
    )
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_writes_a_png_with_a_history(tmp_path):
    history = [
        {"epoch": e, "train_loss": 1 / e, "val_loss": 1.2 / e, "val_acc": 0.5} for e in (1, 2)
    ]
    path = plot_text_classification_report(
        Y, P, ["neg", "pos"], tmp_path / "r.png", history=history
    )
    assert path.stat().st_size > 1000


def test_mismatched_probabilities_are_refused(tmp_path):
    with pytest.raises(ValueError, match=r"expected probabilities \(n, classes\)"):
        plot_text_classification_report(Y, P[:3], ["a", "b"], tmp_path / "r.png")
