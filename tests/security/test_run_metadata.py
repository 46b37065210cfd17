"""`homeml predict` and `homeml evaluate` say which metadata a model lacks (regression:
``KeyError: 'mean'``) and refuse std 0 (regression: printed nan)."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

import homeml as hm
from homeml.cli import main
from homeml.models import build_model

GOOD = {"dataset": "mnist", "mean": 0.1307, "std": 0.3081, "classes": [str(i) for i in range(10)]}


def run_with(tmp_path, **changes):
    meta = {k: v for k, v in {**GOOD, **changes}.items() if v is not None}
    run = tmp_path / "run"
    hm.save(build_model("mlp"), run / "model.safetensors", metadata=meta)
    image = tmp_path / "digit.png"
    pixels = np.zeros((28, 28), dtype=np.uint8)
    pixels[6:22, 13:15] = 255  # a "1"
    Image.fromarray(pixels).save(image)
    return run, image


@pytest.mark.parametrize("missing", ["mean", "std", "classes"])
def test_predict_names_the_missing_metadata(tmp_path, capsys, missing):
    run, image = run_with(tmp_path, **{missing: None})
    with pytest.raises(SystemExit) as stop:
        main(["predict", str(run), str(image)])
    assert stop.value.code == 1
    err = capsys.readouterr().err
    assert f"lacks {missing}" in err and "Traceback" not in err


@pytest.mark.parametrize("missing", ["mean", "dataset"])
def test_evaluate_names_the_missing_metadata(tmp_path, capsys, missing):
    run, _ = run_with(tmp_path, **{missing: None})
    with pytest.raises(SystemExit):
        main(["evaluate", str(run)])
    assert f"lacks {missing}" in capsys.readouterr().err


@pytest.mark.parametrize(
    "changes, words",
    [
        ({"std": 0}, "std must be > 0"),
        ({"std": -1.0}, "std must be > 0"),
        ({"mean": "0.1"}, "mean must be a finite number"),
        ({"mean": float("nan")}, "mean must be a finite number"),
        ({"classes": ["a", "b"]}, "10 outputs but its metadata names 2 classes"),
        ({"classes": []}, "classes must be a non-empty list"),
    ],
)
def test_unusable_metadata_is_refused_with_one_line(tmp_path, capsys, changes, words):
    run, image = run_with(tmp_path, **changes)
    with pytest.raises(SystemExit):
        main(["predict", str(run), str(image)])
    err = capsys.readouterr().err
    assert words in err and err.count("\n") == 1


def test_evaluate_refuses_an_unknown_dataset(tmp_path, capsys):
    run, _ = run_with(tmp_path, dataset="cifar")
    with pytest.raises(SystemExit):
        main(["evaluate", str(run)])
    assert "dataset 'cifar' is not one of" in capsys.readouterr().err


def test_a_run_holding_an_estimator_is_refused(tmp_path, capsys, model_files):
    estimator, _ = model_files["estimator"]
    hm.save(estimator, tmp_path / "run" / "model.safetensors", metadata=GOOD)
    with pytest.raises(SystemExit):
        main(["evaluate", str(tmp_path / "run")])
    assert "not a trained network" in capsys.readouterr().err
