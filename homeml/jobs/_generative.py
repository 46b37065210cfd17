"""What the GAN and VAE jobs share: their data in [0, 1], image grids as PNG, the classifier that
scores samples, and loading a run to draw images from it (``homeml sample``, ``homeml serve``).
"""

from __future__ import annotations

import io as _io
import json
from pathlib import Path

import numpy as np

import homeml as hm
from homeml import io
from homeml.jobs._kinds import GENERATOR_KINDS
from homeml.jobs.digits import DATASETS, load_run
from homeml.models.scores import class_coverage, classifier_outputs, classifier_score
from homeml.models.scores import frechet_distance as _frechet

KINDS = GENERATOR_KINDS  # the "kind" metadata of a generative run's model.safetensors
MAX_IMAGES = 256  # most images one `homeml sample` or POST /v1/generate draws
SCORER_EPOCHS = 1  # the scoring CNN a job trains when no classifier run is found


def load_images(dataset: str, data_dir=None, limit=None, test_limit=None):
    """((train images (N, 28, 28) float32 in [0, 1], labels), (test images, labels))."""
    if dataset not in DATASETS:
        raise ValueError(f"unknown dataset {dataset!r}; choose one of {', '.join(DATASETS)}")
    (x_train, y_train), (x_test, y_test) = DATASETS[dataset]["load"](data_dir=data_dir)
    x_train, y_train = x_train[:limit], y_train[:limit]
    x_test, y_test = x_test[:test_limit], y_test[:test_limit]
    scale = np.float32(1 / 255)
    return (x_train * scale, y_train.astype(np.int64)), (x_test * scale, y_test.astype(np.int64))


def image_grid(images, columns: int | None = None, pad: int = 2) -> np.ndarray:
    """Images (N, 28, 28) (or (N, 1, 28, 28)) in [0, 1] -> one uint8 picture of them in rows of
    ``columns`` (default: a square), ``pad`` black pixels apart.
    """
    images = np.asarray(images, np.float32).reshape(-1, 28, 28)
    n = len(images)
    columns = columns or max(1, int(np.ceil(np.sqrt(n))))
    rows = -(-n // columns)
    size = 28 + pad
    grid = np.zeros((rows * size + pad, columns * size + pad), np.float32)
    for i, image in enumerate(images):
        r, c = divmod(i, columns)
        grid[pad + r * size : pad + r * size + 28, pad + c * size : pad + c * size + 28] = image
    return np.round(np.clip(grid, 0, 1) * 255).astype(np.uint8)


def png_bytes(picture: np.ndarray, scale: int = 1) -> bytes:
    """A uint8 grayscale picture as PNG bytes, each pixel ``scale`` x ``scale``."""
    from PIL import Image

    if scale > 1:
        picture = picture.repeat(scale, 0).repeat(scale, 1)
    buffer = _io.BytesIO()
    Image.fromarray(picture, mode="L").save(buffer, format="PNG")
    return buffer.getvalue()


def write_png(path, picture: np.ndarray, scale: int = 1) -> None:
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    io.atomic_write(path, [png_bytes(picture, scale)])


def write_json(path, value) -> None:
    io.atomic_write(path, [json.dumps(value, indent=2).encode()])


class Scorer:
    """The classifier that judges samples: its probabilities and penultimate features, and the
    test set's features to compare samples with (the Fréchet distance).

    Parameters
    ----------
    run_dir : str or Path
        A ``homeml train mnist|fashion-mnist`` run folder (its CNN, mean and std).
    reference_images : array, optional
        Real images (N, 28, 28) in [0, 1] whose features samples are compared with.
    """

    def __init__(self, run_dir, reference_images=None):
        self.net, meta = load_run(run_dir, needs=("mean", "std", "dataset", "classes"))
        self.mean, self.std, self.path = float(meta["mean"]), float(meta["std"]), str(run_dir)
        self.num_classes = len(meta["classes"])
        self.reference, self.reference_score = None, None
        if reference_images is not None:
            probs, self.reference = self.outputs(reference_images)
            # the same score of real images: what a perfect generator would get from this
            # classifier (a label-smoothed one is never fully confident, so it stays below 10)
            self.reference_score = classifier_score(probs)

    def outputs(self, images) -> tuple[np.ndarray, np.ndarray]:
        """(probabilities, features) of images (N, 28, 28) in [0, 1]."""
        return classifier_outputs(self.net, images, self.mean, self.std)

    def score(self, images, labels=None) -> dict:
        """Classifier score, Fréchet distance to the reference images, class coverage and, when
        the images were asked for as ``labels``, the share classified as asked.
        """
        probs, features = self.outputs(images)
        predicted = probs.argmax(1)
        coverage = class_coverage(predicted, self.num_classes)
        scores = {
            "classifier_score": classifier_score(probs),
            "classes_covered": coverage["covered"],
            "smallest_class_fraction": coverage["smallest_fraction"],
        }
        if self.reference is not None:
            scores["frechet_distance"] = _frechet(features, self.reference)
            scores["real_classifier_score"] = self.reference_score
        if labels is not None:
            scores["label_accuracy"] = float((predicted == np.asarray(labels)).mean())
        return scores


def scorer_run(dataset: str, classifier=None, runs="runs", data_dir=None, progress=True) -> Path:
    """The classifier run that scores samples of ``dataset``: ``classifier`` when given, else
    ``runs/DATASET-cnn`` (``homeml train DATASET``'s default folder) when it exists, else
    ``runs/DATASET-scorer``, trained there first (CNN, ``SCORER_EPOCHS`` epochs) if missing.
    """
    if classifier is not None:
        return Path(classifier)
    for name in (f"{dataset}-cnn", f"{dataset}-scorer"):
        if (Path(runs) / name / "model.safetensors").exists():
            return Path(runs) / name
    from homeml.jobs.digits import train

    out = Path(runs) / f"{dataset}-scorer"
    if progress:
        print(f"training the scoring classifier of {dataset} into {out} (once)")
    train(
        dataset=dataset,
        model="cnn",
        epochs=SCORER_EPOCHS,
        out=out,
        data_dir=data_dir,
        augment=False,
        progress=progress,
    )
    return out


def load_generative_run(run_dir):
    """(model in eval mode, metadata) of a ``homeml train mnist-gan|mnist-vae`` run."""
    path = Path(run_dir) / "model.safetensors"
    if not path.exists():
        raise FileNotFoundError(f"no model.safetensors in {run_dir}; run `homeml train` first")
    meta = io.load_metadata(path)
    if meta.get("kind") not in KINDS:
        raise io.ModelFileError(
            f"{path}: not a generative run (metadata kind {meta.get('kind')!r}, expected one of "
            f"{', '.join(KINDS)})"
        )
    model = io.load(path)
    return model.eval(), meta


def is_generative_run(path) -> bool:
    """Whether the model file (or run folder) ``path`` holds a GAN generator or a VAE."""
    path = Path(path)
    if path.is_dir():
        path = path / "model.safetensors"
    try:
        return io.load_metadata(path).get("kind") in KINDS
    except Exception:  # not a model file: the caller's own checks say why
        return False


def generate_images(model, meta: dict, num: int, label=None, seed=None) -> np.ndarray:
    """``num`` images (num, 28, 28) in [0, 1] from a generative run's model.

    ``label`` (a class index) is for conditional GANs, which otherwise cycle through the
    classes; the same ``seed`` gives the same images.
    """
    if isinstance(num, bool) or not isinstance(num, int) or not 1 <= num <= MAX_IMAGES:
        raise ValueError(f"num must be an integer in 1..{MAX_IMAGES}, got {num!r}")
    num_classes = int(meta.get("num_classes", 0))
    if label is not None:
        if not num_classes:
            raise ValueError(f"this {meta['kind']} is not conditional: it takes no label")
        if isinstance(label, bool) or not isinstance(label, int) or not 0 <= label < num_classes:
            raise ValueError(f"label must be a class index in 0..{num_classes - 1}, got {label!r}")
    generator = hm.Generator(seed) if seed is not None else None
    with hm.no_grad():
        if meta["kind"] == "vae":
            return model.sample(num, generator=generator).numpy().reshape(num, 28, 28)
        z = hm.randn(num, model.latent_dim, generator=generator)
        labels = None
        if num_classes:
            labels = np.full(num, label) if label is not None else np.arange(num) % num_classes
        images = model(z, labels).numpy()
    return ((images + 1) / 2).reshape(num, 28, 28)
