"""Turn any picture of a single digit into an MNIST-like 28x28 image.

MNIST's own recipe (LeCun et al.): white ink on black, the digit scaled to fit a 20x20 box with
its aspect ratio kept, then placed in a 28x28 field so that its centre of mass is at the centre.
"""

from __future__ import annotations

import os

import numpy as np

# Larger pictures are refused before they are decoded: a digit needs far fewer pixels, and a
# small compressed file can otherwise unpack into gigabytes.
MAX_PIXELS = 16_000_000


def _load_gray(image) -> np.ndarray:
    """A float array in [0, 255] from a path, bytes, a PIL image or an array."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    if isinstance(image, np.ndarray):
        array = image.astype(np.float64)
        if array.ndim == 3:  # RGB(A) -> luminance
            array = array[..., :3].mean(axis=2) if array.shape[2] >= 3 else array[..., 0]
        if array.ndim != 2:
            raise ValueError(
                f"expected a 2-D grayscale or 3-D colour image, got shape {array.shape}"
            )
        return array
    if isinstance(image, (bytes, bytearray)):
        import io

        image = io.BytesIO(image)
    try:
        picture = image if isinstance(image, Image.Image) else Image.open(image)
    except UnidentifiedImageError:
        name = f" {str(image)!r}" if isinstance(image, (str, os.PathLike)) else ""
        raise ValueError(
            f"could not read the image{name}: not a PNG, JPEG or other format Pillow decodes"
        ) from None
    except (OSError, Image.DecompressionBombError) as error:
        raise ValueError(f"could not read the image: {error}") from None
    width, height = picture.size
    if width * height > MAX_PIXELS:  # checked from the header, before decoding anything
        raise ValueError(
            f"the image is {width} x {height} pixels; a digit picture needs at most "
            f"{MAX_PIXELS // 1_000_000} megapixels"
        )
    try:
        picture.load()
    except (OSError, Image.DecompressionBombError) as error:
        raise ValueError(f"could not read the image: {error}") from None
    picture = ImageOps.exif_transpose(picture)  # phone photos: upright as the user sees them
    if picture.mode.startswith("I"):  # 16/32-bit: convert("L") would clip to 255, not scale
        array = np.asarray(picture, dtype=np.float64)
        return array * (255.0 / 65535.0) if array.max() > 255 else array
    if picture.mode in ("RGBA", "LA") or (picture.mode == "P" and "transparency" in picture.info):
        background = Image.new("RGBA", picture.size, (255, 255, 255, 255))
        picture = Image.alpha_composite(background, picture.convert("RGBA"))
    return np.asarray(picture.convert("L"), dtype=np.float64)


def prepare_digit(image) -> np.ndarray:
    """MNIST-preprocess one digit picture (any size, dark or light background).

    Returns
    -------
    numpy.ndarray
        float32 (28, 28) in [0, 1], white digit on black, centred by mass.

    Raises
    ------
    ValueError
        If the image cannot be read or holds no visible stroke.
    """
    from PIL import Image

    gray = _load_gray(image)
    border = np.concatenate([gray[0], gray[-1], gray[:, 0], gray[:, -1]])
    if np.median(border) > 127:  # light background: make the ink bright, as in MNIST
        gray = 255.0 - gray
    gray = gray - np.median(border if np.median(border) <= 127 else 255.0 - border)
    gray = np.clip(gray, 0, None)
    if gray.max() <= 0:
        raise ValueError("the image is blank: no digit stroke found")
    ink = gray > 0.2 * gray.max()
    rows, cols = np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(axis=0))
    crop = gray[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]
    crop = crop / crop.max()
    h, w = crop.shape
    scale = 20.0 / max(h, w)
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    small = (
        np.asarray(
            Image.fromarray((crop * 255).astype(np.uint8)).resize(size, Image.Resampling.LANCZOS),
            dtype=np.float64,
        )
        / 255.0
    )
    small = np.clip(small, 0, 1)
    field = np.zeros((28, 28))
    sh, sw = small.shape
    total = small.sum()
    cy = (small.sum(axis=1) * np.arange(sh)).sum() / total
    cx = (small.sum(axis=0) * np.arange(sw)).sum() / total
    # MNIST's centres of mass sit at pixel (14, 14) (measured on its test set), not at 13.5
    top = int(np.clip(round(14.0 - cy), 0, 28 - sh))
    left = int(np.clip(round(14.0 - cx), 0, 28 - sw))
    field[top : top + sh, left : left + sw] = small
    return field.astype(np.float32)
