"""The GAN and VAE jobs on a few batches, scored by a tiny untrained classifier: the run folder,
metrics that the saved model reproduces, rescoring, ``homeml sample`` and ``homeml train`` for
images, and the image server (POST /v1/generate/images, its 422s)."""

from __future__ import annotations

import base64
import io as bytes_io
import json

import numpy as np
import pytest
from PIL import Image
from support import requires_datasets

import homeml as hm
from homeml import io
from homeml.cli import main
from homeml.jobs import gan, vae
from homeml.jobs._generative import MAX_IMAGES, generate_images, load_generative_run
from homeml.models import CNN
from homeml.models.scores import negative_elbo

pytestmark = requires_datasets("mnist", "fashion-mnist")
TINY = dict(limit=128, test_limit=60, progress=False, score_samples=30)


@pytest.fixture(scope="module")
def classifier(tmp_path_factory):
    """An untrained CNN of width 2 saved as a digits run: checks the plumbing, not the scores."""
    out = tmp_path_factory.mktemp("classifier")
    hm.manual_seed(0)
    meta = {"dataset": "mnist", "classes": [str(i) for i in range(10)], "mean": 0.13, "std": 0.3}
    io.save(CNN(width=2), out / "model.safetensors", metadata=meta)
    return out


@pytest.fixture(scope="module")
def gan_run(tmp_path_factory, classifier):
    out = tmp_path_factory.mktemp("cgan")
    metrics = gan.train(conditional=True, epochs=2, width=4, out=out, classifier=classifier, **TINY)
    return out, metrics


@pytest.fixture(scope="module")
def vae_run(tmp_path_factory, classifier):
    out = tmp_path_factory.mktemp("vae")
    metrics = vae.train(epochs=1, out=out, classifier=classifier, iw_samples=4, **TINY)
    return out, metrics


def test_gan_run_folder_and_rescoring(gan_run, classifier):
    out, metrics = gan_run
    for name in ("model.safetensors", "discriminator.safetensors", "report.png", "run.json"):
        assert (out / name).is_file(), name
    assert sorted(p.name for p in (out / "samples").glob("*.png")) == [
        "epoch_001.png",
        "epoch_002.png",
    ]
    history = json.loads((out / "history.json").read_text())
    assert [row["epoch"] for row in history] == [1, 2] and history[0]["batches"] == 1
    assert metrics["epochs"] == 2 and metrics["train_size"] == 128
    assert 1.0 <= metrics["classifier_score"] <= 10.0
    assert 0.0 <= metrics["label_accuracy"] <= 1.0
    assert 1.0 <= metrics["real_classifier_score"] <= 10.0
    assert json.loads((out / "metrics.json").read_text()) == metrics
    # scoring the saved generators afterwards gives what training measured
    again = gan.score_run(out, classifier=classifier, score_samples=30, test_limit=60)
    keys = ("classifier_score", "frechet_distance", "label_accuracy", "real_classifier_score")
    for key in keys:
        np.testing.assert_allclose(again[key], metrics[key], rtol=1e-6, err_msg=key)
    with Image.open(out / "samples" / "epoch_001.png") as grid:
        assert grid.size == (2 * (10 * 30 + 2), 2 * (10 * 30 + 2))  # 10x10, 2 px apart, x2


def test_vae_run_metrics_match_the_saved_model(vae_run):
    out, metrics = vae_run
    model, meta = load_generative_run(out)
    assert meta["kind"] == "vae" and meta["dataset"] == "mnist"
    (_, _), (x_test, _) = _test_images(60)
    # the job's test loss after epoch 1 used seed 1
    assert negative_elbo(model, x_test, seed=1) == pytest.approx(metrics["test_loss"], rel=1e-6)
    assert metrics["test_log_likelihood"] > -metrics["test_loss"] - 50
    assert {"sample_classifier_score", "sample_frechet_distance"} <= set(metrics)
    again = vae.score_run(out, metrics["classifier"], score_samples=30, test_limit=60)
    for key in ("sample_classifier_score", "sample_frechet_distance"):
        assert again[key] == pytest.approx(metrics[key], rel=1e-6), key
    assert (out / "samples" / "epoch_001.png").is_file() and (out / "report.png").is_file()


def _test_images(n):
    from homeml.jobs._generative import load_images

    return load_images("mnist", test_limit=n, limit=1)


def test_generate_images_seeds_labels_and_limits(gan_run, vae_run):
    model, meta = load_generative_run(gan_run[0])
    a = generate_images(model, meta, 6, label=3, seed=5)
    np.testing.assert_array_equal(a, generate_images(model, meta, 6, label=3, seed=5))
    assert a.shape == (6, 28, 28) and a.min() >= 0 and a.max() <= 1
    assert not np.array_equal(a, generate_images(model, meta, 6, label=4, seed=5))
    with pytest.raises(ValueError, match=f"1..{MAX_IMAGES}"):
        generate_images(model, meta, MAX_IMAGES + 1)
    with pytest.raises(ValueError, match="0..9"):
        generate_images(model, meta, 2, label=10)
    vae_model, vae_meta = load_generative_run(vae_run[0])
    with pytest.raises(ValueError, match="not conditional"):
        generate_images(vae_model, vae_meta, 2, label=1)


def test_sample_command_writes_a_grid(gan_run, vae_run, tmp_path, capsys):
    path = tmp_path / "grid.png"
    assert main(["sample", str(gan_run[0]), "--num", "9", "--label", "7", "--out", str(path)]) == 0
    with Image.open(path) as grid:
        assert grid.size == (2 * (3 * 30 + 2),) * 2
    with pytest.raises(SystemExit):
        main(["sample", str(vae_run[0]), "--label", "1", "--out", str(path)])
    assert "not conditional" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["sample", str(vae_run[0]), "--prompt", "ab"])
    assert "language runs" in capsys.readouterr().err


def test_train_command_for_images(tmp_path, classifier, capsys):
    out = tmp_path / "gan"
    argv = ["train", "mnist-gan", "--dataset", "fashion-mnist", "--epochs", "1", "--limit", "64"]
    argv += ["--width", "2", "--classifier", str(classifier), "--out", str(out), "--quiet"]
    argv += ["--max-minutes", "10"]
    assert main(argv) == 0
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["dataset"] == "fashion-mnist" and metrics["model"] == "dcgan"
    assert io.load_metadata(out / "model.safetensors")["classes"][0] == "T-shirt/top"
    for bad, message in (
        (["train", "mnist-vae", "--width", "3"], "--width is not an option"),
        (["train", "mnist-vae", "--max-iters", "3"], "--max-iters is not an option"),
        (["train", "mnist-gan", "--conv"], "--conv is not an option"),
        (["train", "mnist", "--conditional"], "--conditional is for `homeml train mnist-gan`"),
    ):
        with pytest.raises(SystemExit):
            main(bad)
        assert message in capsys.readouterr().err


def test_image_server(gan_run):
    from fastapi.testclient import TestClient

    from homeml.serve import create_app

    client = TestClient(create_app(gan_run[0]))
    answer = client.post("/v1/generate/images", json={"num": 4, "label": 2, "seed": 3})
    assert answer.status_code == 200 and answer.headers["content-type"] == "image/png"
    with Image.open(bytes_io.BytesIO(answer.content)) as grid:
        assert grid.size == (2 * (2 * 30 + 2),) * 2
    answer = client.post("/v1/generate/images", json={"num": 3, "seed": 3, "format": "images"})
    images = answer.json()["images"]
    assert len(images) == 3
    with Image.open(bytes_io.BytesIO(base64.b64decode(images[0]))) as first:
        pixels = np.asarray(first)
    model, meta = load_generative_run(gan_run[0])
    want = np.round(generate_images(model, meta, 3, seed=3)[0] * 255)
    np.testing.assert_array_equal(pixels, want)
    for body in ({"num": MAX_IMAGES + 1}, {"num": 2, "label": 10}, {"num": 0}, {"prompt": "a"}):
        answer = client.post("/v1/generate/images", json=body)
        assert answer.status_code == 422, body
        assert "num" in answer.json()["detail"] or "label" in answer.json()["detail"]
    info = client.get("/v1/model").json()
    assert info["kind"] == "image-generator" and info["family"] == "gan"
    assert client.post("/v1/generate", json={"prompt": "a"}).status_code in (404, 405)
