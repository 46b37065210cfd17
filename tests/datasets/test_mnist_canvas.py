"""MNIST canvas scenes: determinism, the split's digits only, tight boxes, masks, overlap, COCO."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from homeml.datasets import load_mnist, load_mnist_canvas, make_canvas_scenes, save_coco, to_coco
from homeml.datasets.mnist_canvas import scale_digit
from tests.support import requires_mnist

pytestmark = requires_mnist


@pytest.fixture(scope="module")
def mnist():
    return load_mnist(download=False, progress=False)


@pytest.fixture(scope="module")
def scenes():
    return load_mnist_canvas(num_train=60, num_test=30, seed=3, download=False)


def _iou(a, b):
    w = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    h = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = w * h
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union


def _equal(a, b):
    assert np.array_equal(a.images, b.images) and np.array_equal(a.masks, b.masks)
    for name in ("boxes", "labels", "sources", "placements"):
        for x, y in zip(getattr(a, name), getattr(b, name), strict=True):
            assert np.array_equal(x, y), name


def test_same_arguments_same_scenes_and_a_scene_does_not_depend_on_the_count(mnist, scenes):
    train, test = load_mnist_canvas(num_train=60, num_test=30, seed=3, download=False)
    _equal(train, scenes[0])
    _equal(test, scenes[1])
    (x, y), _ = mnist
    first = make_canvas_scenes(x, y, 10, split="train", seed=3)
    assert np.array_equal(first.images, train.images[:10])
    other = make_canvas_scenes(x, y, 10, split="train", seed=4)
    assert not np.array_equal(other.images, first.images)
    assert train.images.shape == (60, 96, 96) and train.images.dtype == np.uint8


def test_defaults_are_20000_and_2000_scenes():
    import inspect

    params = inspect.signature(load_mnist_canvas).parameters
    assert params["num_train"].default == 20_000 and params["num_test"].default == 2_000


@pytest.mark.parametrize("split", [0, 1])
def test_each_split_is_drawn_from_its_own_mnist_digits_only(mnist, scenes, split):
    x, y = mnist[split]
    data = scenes[split]
    assert data.split == ("train", "test")[split]
    for image, mask, labels, sources, places in zip(
        data.images, data.masks, data.labels, data.sources, data.placements
    ):
        assert 1 <= len(labels) <= 5
        assert np.array_equal(labels, y[sources])
        # the scene is exactly the brightest of its scaled digits, taken from this split, and
        # each ink pixel's class is the digit drawn last there
        redrawn, classes = np.zeros_like(image), np.zeros_like(image)
        for src, label, (size, x0, y0) in zip(sources, labels, places):
            assert 12 <= size <= 40
            patch = scale_digit(x[src], size)
            view = redrawn[y0 : y0 + size, x0 : x0 + size]
            np.maximum(view, patch, out=view)
            classes[y0 : y0 + size, x0 : x0 + size][patch > 0] = label + 1
        assert np.array_equal(redrawn, image)
        assert np.array_equal(classes, mask)


def test_scale_digit_matches_pillow_antialiased_bilinear(mnist):
    image = pytest.importorskip("PIL.Image")
    (x, _), _ = mnist
    assert np.array_equal(scale_digit(x[0], 28), x[0])
    for i, size in [(1, 12), (2, 19), (3, 40)]:
        want = np.asarray(image.fromarray(x[i]).resize((size, size), image.Resampling.BILINEAR))
        np.testing.assert_allclose(scale_digit(x[i], size).astype(int), want, atol=1)


def test_boxes_are_tight_around_each_digits_ink(mnist, scenes):
    for split in (0, 1):
        x, _ = mnist[split]
        data = scenes[split]
        for boxes, sources, places in zip(data.boxes, data.sources, data.placements):
            assert boxes.dtype == np.float32 and boxes.shape == (len(sources), 4)
            for box, src, (size, x0, y0) in zip(boxes, sources, places):
                ys, xs = np.nonzero(scale_digit(x[src], size))
                want = [x0 + xs.min(), y0 + ys.min(), x0 + xs.max() + 1, y0 + ys.max() + 1]
                assert box.tolist() == want
                assert 0 <= box[0] < box[2] <= 96 and 0 <= box[1] < box[3] <= 96


def test_masks_agree_with_boxes_and_ink(scenes):
    for data in scenes:
        for image, mask, boxes, labels in zip(data.images, data.masks, data.boxes, data.labels):
            assert np.array_equal(mask > 0, image > 0)  # no noise or clutter: ink is the digits
            assert set(np.unique(mask)) <= {0, *(labels + 1).tolist()}
            inside = np.zeros(mask.shape, bool)
            for value in np.unique(mask[mask > 0]):
                allowed = np.zeros(mask.shape, bool)
                for box in boxes[labels + 1 == value].astype(int):
                    allowed[box[1] : box[3], box[0] : box[2]] = True
                assert np.all(allowed[mask == value]), "a mask pixel outside its class's boxes"
                inside |= allowed
            # the last digit drawn owns all of its ink, so its box holds pixels of its class
            x1, y1, x2, y2 = boxes[-1].astype(int)
            assert (mask[y1:y2, x1:x2] == labels[-1] + 1).any()


@pytest.mark.parametrize("max_iou", [0.0, 0.1, 0.5])
def test_overlap_between_boxes_is_bounded(mnist, max_iou):
    (x, y), _ = mnist
    data = make_canvas_scenes(x, y, 40, seed=1, max_iou=max_iou, min_digits=4)
    worst = 0.0
    for boxes in data.boxes:
        for a, b in itertools.combinations(boxes.tolist(), 2):
            worst = max(worst, _iou(a, b))
    assert worst <= max_iou + 1e-12
    assert np.mean([len(b) for b in data.boxes]) > 3  # the bound does not empty the scenes


def test_noise_and_clutter_change_the_image_not_the_classes(mnist):
    (x, y), _ = mnist
    plain = make_canvas_scenes(x, y, 5, seed=2, noise=20.0)
    cluttered = make_canvas_scenes(x, y, 5, seed=2, clutter=6)
    for data in (plain, cluttered):
        assert ((data.images > 0) & (data.masks == 0)).any()  # background ink
        for mask, boxes in zip(data.masks, data.boxes):
            allowed = np.zeros(mask.shape, bool)
            for box in boxes.astype(int):
                allowed[box[1] : box[3], box[0] : box[2]] = True
            assert np.all(allowed[mask > 0])


def test_coco_export_loads_in_pycocotools(scenes, tmp_path):
    coco_module = pytest.importorskip("pycocotools.coco", reason="pip install pycocotools")
    data = scenes[1]
    path = save_coco(data, tmp_path / "test.json")
    coco = coco_module.COCO(str(path))
    assert sorted(coco.getImgIds()) == list(range(1, len(data) + 1))
    assert [c["name"] for c in coco.loadCats(coco.getCatIds())] == [str(d) for d in range(10)]
    for i, (boxes, labels) in enumerate(zip(data.boxes, data.labels)):
        anns = coco.loadAnns(coco.getAnnIds(imgIds=[i + 1]))
        assert len(anns) == len(boxes)
        for ann, box, label in zip(anns, boxes, labels):
            x1, y1, x2, y2 = box.tolist()
            assert ann["bbox"] == [x1, y1, x2 - x1, y2 - y1]
            assert ann["category_id"] == label + 1 and ann["iscrowd"] == 0
            assert ann["area"] == (x2 - x1) * (y2 - y1)
    assert to_coco(data) == __import__("json").loads(path.read_text())


def test_bad_arguments_say_what_was_expected(mnist):
    (x, y), _ = mnist
    with pytest.raises(ValueError, match="split"):
        make_canvas_scenes(x, y, 1, split="val")
    with pytest.raises(ValueError, match="uint8"):
        make_canvas_scenes(x.astype(float), y, 1)
    with pytest.raises(ValueError, match="digit_labels"):
        make_canvas_scenes(x, y[:5], 1)
    with pytest.raises(ValueError, match="max_size"):
        make_canvas_scenes(x, y, 1, max_size=100)
    with pytest.raises(ValueError, match="max_iou"):
        make_canvas_scenes(x, y, 1, max_iou=2.0)


def test_the_cache_gives_back_the_same_scenes_without_mnist(tmp_path, monkeypatch):
    import homeml.datasets.mnist as mnist_module

    first = load_mnist_canvas(num_train=7, num_test=3, seed=9, cache=True, cache_dir=tmp_path)
    assert len(list(tmp_path.glob("*.npz"))) == 2

    def no_mnist(*args, **kwargs):
        raise AssertionError("MNIST read although the scenes are cached")

    monkeypatch.setattr(mnist_module, "load_mnist", no_mnist)
    again = load_mnist_canvas(num_train=7, num_test=3, seed=9, cache=True, cache_dir=tmp_path)
    for a, b in zip(first, again):
        _equal(a, b)
        assert a.split == b.split and b.boxes[0].dtype == np.float32
    with pytest.raises(AssertionError, match="MNIST read"):  # other arguments: another file
        load_mnist_canvas(num_train=7, num_test=3, seed=9, cache=True, cache_dir=tmp_path, noise=1)


def test_a_scene_as_a_data_loader_item(scenes):
    image, target = scenes[0][2]
    assert image.dtype == np.float32 and image.shape == (1, 96, 96) and image.max() <= 1.0
    assert np.array_equal(image[0], scenes[0].images[2] / np.float32(255))
    assert np.array_equal(target["boxes"], scenes[0].boxes[2])
    assert np.array_equal(target["labels"], scenes[0].labels[2])
    assert target["mask"].dtype == np.int64 and np.array_equal(target["mask"], scenes[0].masks[2])
