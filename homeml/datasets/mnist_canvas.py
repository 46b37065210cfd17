"""MNIST canvas scenes: several MNIST digits on one canvas, for detection and segmentation.

Each scene places 1 to 5 MNIST digits, each scaled to 12..40 pixels, on a 96 x 96 canvas, with a
bounded overlap between their boxes. Training scenes draw only training digits and test scenes
only test digits. Every scene comes from its own seeded random stream
(``numpy.random.default_rng([seed, split, index])``), so a scene does not depend on how many
others are made, and the same arguments always give the same scenes.

Conventions
-----------
- ``images``: uint8, shape (N, H, W), 0 = black background, 255 = full ink (as MNIST).
- ``boxes[i]``: float32, shape (k, 4), ``xyxy`` in pixel-edge coordinates: ``x1, y1`` is the
  top-left corner of the first ink pixel and ``x2, y2`` the bottom-right corner of the last
  (``x2 = last ink column + 1``), so ``(x2 - x1) * (y2 - y1)`` counts the pixels of the box and
  ``image[y1:y2, x1:x2]`` crops it. Ink is a pixel of the scaled digit with value > 0.
- ``labels[i]``: int64, shape (k,), the digits 0..9.
- ``masks``: uint8, shape (N, H, W), 0 = background, ``digit + 1`` (1..10) where a digit has ink;
  where two digits' ink meets, the digit drawn later (later in ``boxes[i]``) owns the pixel, and the
  image holds the brighter of the two. Clutter and noise are background (0).
- COCO export: ``category_id = digit + 1`` (the mask value), category names ``"0"`` .. ``"9"``,
  ``bbox = [x1, y1, x2 - x1, y2 - y1]``, ``area`` = the box area, ``iscrowd = 0``.

>>> from homeml.datasets import load_mnist_canvas
>>> train, test = load_mnist_canvas(num_train=100, num_test=10)  # doctest: +SKIP
>>> train.images.shape, train.boxes[0], train.labels[0]  # doctest: +SKIP
"""

from __future__ import annotations

import hashlib
import io
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from homeml._storage import atomic_write

CATEGORY_OFFSET = 1  # mask value and COCO category id of digit d: d + 1 (0 is background)
_SPLITS = {"train": 0, "test": 1}


@dataclass
class CanvasScenes:
    """Scenes of MNIST digits on a canvas (see the module docstring for the conventions).

    Attributes
    ----------
    images, masks : numpy.ndarray
        uint8 arrays of shape (N, H, W): the pictures and their per-pixel classes.
    boxes : list of numpy.ndarray
        Per scene, float32 (k, 4) ``xyxy`` boxes tight around each digit's ink.
    labels : list of numpy.ndarray
        Per scene, int64 (k,) digits 0..9.
    sources : list of numpy.ndarray
        Per scene, int64 (k,) indices of the digits in their MNIST split.
    placements : list of numpy.ndarray
        Per scene, int64 (k, 3): the side of the scaled digit and the column and row of its
        top-left corner on the canvas.
    split : str
        ``"train"`` or ``"test"``: the MNIST split the digits come from.
    """

    images: np.ndarray
    masks: np.ndarray
    boxes: list[np.ndarray] = field(default_factory=list)
    labels: list[np.ndarray] = field(default_factory=list)
    sources: list[np.ndarray] = field(default_factory=list)
    placements: list[np.ndarray] = field(default_factory=list)
    split: str = "train"

    def __len__(self) -> int:
        return len(self.images)

    def __getitem__(self, index: int) -> tuple[np.ndarray, dict]:
        """Scene ``index`` for a data loader: the image as float32 (1, H, W) in [0, 1], and a
        target dict with ``boxes`` (float32 (k, 4) xyxy), ``labels`` (int64 digits 0..9) and
        ``mask`` (int64 (H, W), 0 = background, digit + 1).
        """
        image = self.images[index].astype(np.float32)[None] / 255.0
        target = {
            "boxes": self.boxes[index],
            "labels": self.labels[index],
            "mask": self.masks[index].astype(np.int64),
        }
        return image, target


def _resize_matrix(n_out: int, n_in: int) -> np.ndarray:
    """(n_out, n_in) weights of an antialiased linear (triangle) resize, rows summing to 1."""
    scale = n_in / n_out
    support = max(scale, 1.0)  # widen the triangle when shrinking: antialiasing
    centers = (np.arange(n_out) + 0.5) * scale - 0.5  # align_corners=False
    dist = np.abs(centers[:, None] - np.arange(n_in)[None, :]) / support
    weights = np.clip(1.0 - dist, 0.0, None)
    return weights / weights.sum(axis=1, keepdims=True)


def scale_digit(digit: np.ndarray, size: int) -> np.ndarray:
    """A 28 x 28 uint8 digit resized to ``size`` x ``size`` (antialiased linear), as uint8."""
    m = _resize_matrix(size, digit.shape[0])
    n = _resize_matrix(size, digit.shape[1])
    out = m @ digit.astype(np.float64) @ n.T
    return np.clip(np.rint(out), 0, 255).astype(np.uint8)


def _ink_box(patch: np.ndarray) -> tuple[int, int, int, int] | None:
    rows = np.flatnonzero(patch.any(axis=1))
    cols = np.flatnonzero(patch.any(axis=0))
    if rows.size == 0:
        return None
    return int(cols[0]), int(rows[0]), int(cols[-1]) + 1, int(rows[-1]) + 1


def _iou(box: np.ndarray, others: np.ndarray) -> np.ndarray:
    lt = np.maximum(box[:2], others[:, :2])
    rb = np.minimum(box[2:], others[:, 2:])
    inter = np.prod(np.clip(rb - lt, 0, None), axis=1)
    area = np.prod(box[2:] - box[:2])
    areas = np.prod(others[:, 2:] - others[:, :2], axis=1)
    return inter / (area + areas - inter)


def make_canvas_scenes(
    digits: np.ndarray,
    digit_labels: np.ndarray,
    num_scenes: int,
    *,
    split: str = "train",
    seed: int = 0,
    canvas_size: int = 96,
    min_digits: int = 1,
    max_digits: int = 5,
    min_size: int = 12,
    max_size: int = 40,
    max_iou: float = 0.2,
    noise: float = 0.0,
    clutter: int = 0,
    max_tries: int = 50,
) -> CanvasScenes:
    """Make ``num_scenes`` scenes from the given digits (one MNIST split).

    Parameters
    ----------
    digits : numpy.ndarray
        uint8 images of shape (M, 28, 28) to draw from.
    digit_labels : numpy.ndarray
        Their labels, shape (M,), values 0..9.
    num_scenes : int
        How many scenes.
    split : {"train", "test"}
        Which split the digits are; part of each scene's random stream.
    seed : int
        Seed; scene ``i`` uses ``numpy.random.default_rng([seed, split_code, i])``.
    canvas_size : int
        Side of the square canvas in pixels.
    min_digits, max_digits : int
        Bounds (inclusive) of the number of digits per scene. A digit that finds no place
        within ``max_tries`` is left out, so a crowded scene may hold fewer (never fewer than 1).
    min_size, max_size : int
        Bounds (inclusive) of the side of a scaled digit.
    max_iou : float
        The largest IoU allowed between the boxes of two digits of one scene.
    noise : float
        Standard deviation of Gaussian noise added to the image (0..255 units; 0 for none).
    clutter : int
        Number of 8 x 8 fragments of random digits scattered under the digits (background).
    max_tries : int
        Placement attempts per digit.

    Returns
    -------
    CanvasScenes
    """
    if split not in _SPLITS:
        raise ValueError(f"split must be 'train' or 'test', got {split!r}")
    digits = np.asarray(digits)
    digit_labels = np.asarray(digit_labels)
    if digits.ndim != 3 or digits.dtype != np.uint8 or len(digits) == 0:
        raise ValueError(
            f"digits must be a non-empty uint8 array (M, h, w), got {digits.dtype} {digits.shape}"
        )
    if digit_labels.shape != (len(digits),):
        raise ValueError(f"digit_labels must have shape ({len(digits)},), got {digit_labels.shape}")
    if not 1 <= min_digits <= max_digits:
        raise ValueError(f"need 1 <= min_digits <= max_digits, got {min_digits}, {max_digits}")
    if not 1 <= min_size <= max_size <= canvas_size:
        raise ValueError(
            f"need 1 <= min_size <= max_size <= canvas_size, got {min_size}, {max_size}, "
            f"{canvas_size}"
        )
    if not 0.0 <= max_iou <= 1.0:
        raise ValueError(f"max_iou must be in [0, 1], got {max_iou}")
    if num_scenes < 0:
        raise ValueError(f"num_scenes must be >= 0, got {num_scenes}")
    scaled_cache: dict[tuple[int, int], np.ndarray] = {}
    images = np.zeros((num_scenes, canvas_size, canvas_size), np.uint8)
    masks = np.zeros_like(images)
    out = CanvasScenes(images, masks, split=split)
    for i in range(num_scenes):
        rng = np.random.default_rng([seed, _SPLITS[split], i])
        image, mask = images[i], masks[i]
        for _ in range(clutter):
            src = digits[rng.integers(len(digits))]
            y, x = rng.integers(0, src.shape[0] - 8, size=2)
            cy, cx = rng.integers(0, canvas_size - 8, size=2)
            view = image[cy : cy + 8, cx : cx + 8]
            np.maximum(view, src[y : y + 8, x : x + 8], out=view)
        k = int(rng.integers(min_digits, max_digits + 1))
        boxes: list[np.ndarray] = []
        labels: list[int] = []
        sources: list[int] = []
        places: list[tuple[int, int, int]] = []
        for _ in range(k):
            for _try in range(max_tries):
                idx = int(rng.integers(len(digits)))
                size = int(rng.integers(min_size, max_size + 1))
                x0, y0 = (int(v) for v in rng.integers(0, canvas_size - size + 1, size=2))
                key = (idx, size)
                if key not in scaled_cache:
                    scaled_cache[key] = scale_digit(digits[idx], size)
                patch = scaled_cache[key]
                ink = _ink_box(patch)
                if ink is None:
                    continue
                box = np.array([x0 + ink[0], y0 + ink[1], x0 + ink[2], y0 + ink[3]], np.float64)
                if boxes and _iou(box, np.array(boxes)).max() > max_iou:
                    continue
                view = image[y0 : y0 + size, x0 : x0 + size]
                np.maximum(view, patch, out=view)
                mask[y0 : y0 + size, x0 : x0 + size][patch > 0] = (
                    int(digit_labels[idx]) + CATEGORY_OFFSET
                )
                boxes.append(box)
                labels.append(int(digit_labels[idx]))
                sources.append(idx)
                places.append((size, x0, y0))
                break
        if noise > 0:
            noisy = image + rng.normal(0.0, noise, size=image.shape)
            image[...] = np.clip(np.rint(noisy), 0, 255).astype(np.uint8)
        out.boxes.append(np.array(boxes, np.float32).reshape(-1, 4))
        out.labels.append(np.array(labels, np.int64))
        out.sources.append(np.array(sources, np.int64))
        out.placements.append(np.array(places, np.int64).reshape(-1, 3))
        if len(scaled_cache) > 4096:
            scaled_cache.clear()
    return out


def load_mnist_canvas(
    num_train: int = 20_000,
    num_test: int = 2_000,
    *,
    seed: int = 0,
    data_dir=None,
    download: bool = True,
    cache: bool = False,
    cache_dir=None,
    **options,
) -> tuple[CanvasScenes, CanvasScenes]:
    """Training and test canvas scenes made from MNIST's training and test digits.

    Parameters
    ----------
    num_train, num_test : int
        Number of scenes of each split (default 20,000 and 2,000).
    seed : int
        Seed of both splits (each scene has its own stream, see :func:`make_canvas_scenes`).
    data_dir, download
        Passed to :func:`homeml.datasets.load_mnist`.
    cache : bool, default False
        Keep the scenes in a ``.npz`` file (plain arrays, no pickle) named by a digest of every
        argument, and read them from there next time instead of making them again.
    cache_dir : str or os.PathLike, optional
        Where the cache files go; default ``<data_dir>/mnist-canvas/``.
    **options
        Passed to :func:`make_canvas_scenes` (``canvas_size``, ``max_iou``, ``noise``, ...).

    Returns
    -------
    train, test : CanvasScenes
    """
    from homeml.datasets._download import data_dir as root
    from homeml.datasets.mnist import load_mnist

    paths = {}
    if cache:
        folder = Path(cache_dir) if cache_dir is not None else root(data_dir) / "mnist-canvas"
        for split, num in (("train", num_train), ("test", num_test)):
            key = json.dumps([_CACHE_VERSION, split, num, seed, sorted(options.items())])
            digest = hashlib.sha256(key.encode()).hexdigest()[:16]
            paths[split] = folder / f"{split}-{num}-{digest}.npz"
        if all(path.is_file() for path in paths.values()):
            return _read_cache(paths["train"], "train"), _read_cache(paths["test"], "test")
    (x_train, y_train), (x_test, y_test) = load_mnist(data_dir, download, progress=False)
    train = make_canvas_scenes(x_train, y_train, num_train, split="train", seed=seed, **options)
    test = make_canvas_scenes(x_test, y_test, num_test, split="test", seed=seed, **options)
    for split, scenes in (("train", train), ("test", test)):
        if split in paths:
            _write_cache(paths[split], scenes)
    return train, test


_CACHE_VERSION = 1  # bump when the scenes a set of arguments gives change
_RAGGED = ("boxes", "labels", "sources", "placements")


def _write_cache(path: Path, scenes: CanvasScenes) -> None:
    counts = np.array([len(b) for b in scenes.labels], np.int64)
    arrays: dict[str, Any] = {"images": scenes.images, "masks": scenes.masks, "counts": counts}
    for name in _RAGGED:
        parts = getattr(scenes, name)
        arrays[name] = np.concatenate(parts) if parts else np.zeros(0)
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, [buffer.getvalue()])


def _read_cache(path: Path, split: str) -> CanvasScenes:
    with np.load(path, allow_pickle=False) as data:
        arrays = {name: data[name] for name in data.files}
    bounds = np.cumsum(arrays["counts"])[:-1]
    scenes = CanvasScenes(arrays["images"], arrays["masks"], split=split)
    for name in _RAGGED:
        setattr(scenes, name, list(np.split(arrays[name], bounds)) if len(arrays["counts"]) else [])
    scenes.boxes = [b.reshape(-1, 4) for b in scenes.boxes]
    scenes.placements = [p.reshape(-1, 3) for p in scenes.placements]
    return scenes


def to_coco(scenes: CanvasScenes) -> dict:
    """The scenes' boxes as a COCO detection dictionary (images, annotations, categories).

    Image ``i`` gets id ``i + 1`` and file name ``"{split}_{i:06d}.png"`` (no files are written);
    annotation ids count from 1.
    """
    height, width = scenes.images.shape[1:]
    images: list[dict] = []
    annotations: list[dict] = []
    for i, (boxes, labels) in enumerate(zip(scenes.boxes, scenes.labels)):
        images.append(
            {"id": i + 1, "file_name": f"{scenes.split}_{i:06d}.png", "height": int(height),
             "width": int(width)}
        )  # fmt: skip
        for box, label in zip(boxes.tolist(), labels.tolist()):
            w, h = box[2] - box[0], box[3] - box[1]
            annotations.append(
                {
                    "id": len(annotations) + 1,
                    "image_id": i + 1,
                    "category_id": int(label) + CATEGORY_OFFSET,
                    "bbox": [box[0], box[1], w, h],
                    "area": w * h,
                    "iscrowd": 0,
                }
            )
    categories = [
        {"id": d + CATEGORY_OFFSET, "name": str(d), "supercategory": "digit"} for d in range(10)
    ]
    return {"images": images, "annotations": annotations, "categories": categories}


def save_coco(scenes: CanvasScenes, path) -> Path:
    """Write :func:`to_coco` of the scenes as JSON to ``path`` (atomically); return the path."""
    path = Path(path)
    atomic_write(path, [json.dumps(to_coco(scenes)).encode("utf-8")])
    return path
