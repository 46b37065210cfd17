"""Uploaded pictures, decoded within bounds: a digit needs few pixels, and a small compressed
file can unpack into gigabytes. The size is checked from the header before decoding, JPEGs are
decoded at a reduced scale (``draft``), and every picture is shrunk (``thumbnail``) before it
becomes an array of floats.
"""

from __future__ import annotations

import io

import numpy as np

from homeml.serve._inputs import InputError

MAX_PIXELS = 4_000_000  # a 2000 x 2000 photo; 16-bit RGBA at this size decodes to 32 MB
MAX_ASPECT = 20  # a digit is roughly square; a 16,000,000 x 1 strip is not a digit
WORKING_SIDE = 512  # the longest side a picture is shrunk to before MNIST preprocessing
# The formats people upload; Pillow's other decoders (PSD, FITS, TIFF, ...) are not offered to
# strangers, which keeps their advisories away from the server.
FORMATS = ("PNG", "JPEG", "WEBP", "GIF", "BMP")


def read_digit(data: bytes) -> np.ndarray:
    """The MNIST-prepared (28, 28) picture in [0, 1] of an uploaded PNG/JPEG, or InputError."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    from homeml.datasets.digit_image import prepare_digit

    try:
        picture: Image.Image = Image.open(io.BytesIO(data), formats=FORMATS)
    except UnidentifiedImageError:
        raise InputError(
            f"could not read the image: not a picture in one of the formats {', '.join(FORMATS)}"
        ) from None
    except (OSError, Image.DecompressionBombError) as error:
        raise InputError(f"could not read the image: {error}") from None
    width, height = picture.size  # from the header: nothing is decoded yet
    if width * height > MAX_PIXELS:
        raise InputError(
            f"the image is {width} x {height} pixels; a digit picture needs at most "
            f"{MAX_PIXELS / 1e6:g} megapixels"
        )
    if max(width, height) > MAX_ASPECT * max(1, min(width, height)):
        raise InputError(
            f"the image is {width} x {height} pixels; a digit picture is at most "
            f"{MAX_ASPECT} times wider than high or higher than wide"
        )
    try:
        if max(width, height) > 2 * WORKING_SIDE:  # JPEG: decode at 1/2, 1/4 or 1/8 scale
            picture.draft("L", (WORKING_SIDE, WORKING_SIDE))
        picture.load()
        if picture.mode.startswith("I") or picture.mode == "F":
            picture = _to_8_bits(picture)
        picture.thumbnail((WORKING_SIDE, WORKING_SIDE), Image.Resampling.BOX)
        picture = ImageOps.exif_transpose(picture)  # phone photos: upright as the user sees them
        return prepare_digit(picture)
    except (OSError, ValueError, Image.DecompressionBombError) as error:
        raise InputError(f"could not read the image: {error}") from None


def _to_8_bits(picture):
    """16/32-bit grey as 8-bit (``convert("L")`` would clip at 255 instead of scaling)."""
    from PIL import Image

    array = np.asarray(picture, dtype=np.float64)
    if array.max() > 255:
        array = array * (255.0 / 65535.0)
    return Image.fromarray(np.clip(array, 0, 255).astype(np.uint8), mode="L")
