"""Checks on an uploaded cheque image, before anything is stored: a JPEG, PNG or TIFF (a two-page TIFF is
front and back), not damaged, not a decompression bomb, not too large, and big enough to read."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from io import BytesIO

from django.conf import settings
from django.core.exceptions import ValidationError
from PIL import Image, UnidentifiedImageError

FORMATS = {"JPEG": "jpg", "PNG": "png", "TIFF": "tif"}


@dataclass(frozen=True)
class Page:
    data: bytes
    format: str
    extension: str
    width: int
    height: int


def _refuse(field: str, message: str):
    return ValidationError({field: [message]})


def inspect(upload, *, field: str = "front") -> list[Page]:
    """The pages of an upload (one, or two for a front/back TIFF), or a ValidationError saying why not."""
    limit = settings.CHEQUE_IMAGE_MAX_MB * 1024 * 1024
    if upload.size == 0:
        raise _refuse(field, "The file is empty.")
    if upload.size > limit:
        raise _refuse(field, f"The file is larger than {settings.CHEQUE_IMAGE_MAX_MB} MB.")
    raw = upload.read()
    upload.seek(0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(BytesIO(raw))
            if image.format not in FORMATS:
                raise _refuse(field, "Upload a JPEG, PNG or TIFF image.")
            if image.width * image.height > settings.CHEQUE_MAX_PIXELS:
                raise _refuse(field, "The image has too many pixels to be a cheque scan (decompression bomb).")
            image.verify()
            image = Image.open(BytesIO(raw))
            frames = getattr(image, "n_frames", 1)
            if frames > 2:
                raise _refuse(field, "A TIFF may hold two pages at most: the front and the back.")
            pages = [_page(image, i, raw if frames == 1 else None, field) for i in range(frames)]
    except ValidationError:
        raise
    except UnidentifiedImageError:
        raise _refuse(field, "This is not an image: upload a JPEG, PNG or TIFF scan.") from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _refuse(field, "The image has too many pixels to be a cheque scan (decompression bomb).") from None
    except (OSError, SyntaxError, ValueError, EOFError):
        raise _refuse(field, "The image is damaged or truncated; scan it again.") from None
    return pages


def _page(image: Image.Image, index: int, original: bytes | None, field: str) -> Page:
    image.seek(index)
    if image.width * image.height > settings.CHEQUE_MAX_PIXELS:  # every page, not only the first
        raise _refuse(field, "The image has too many pixels to be a cheque scan (decompression bomb).")
    image.load()  # decodes every pixel: a truncated file fails here
    min_w, min_h = settings.CHEQUE_MIN_SIZE
    if image.width < min_w or image.height < min_h:
        raise _refuse(field, f"The image is {image.width} x {image.height} pixels: too small to read "
                             f"(at least {min_w} x {min_h}).")  # fmt: skip
    if original is not None:
        return Page(original, image.format, FORMATS[image.format], image.width, image.height)
    out = BytesIO()
    image.save(out, format="PNG")  # one page of a two-page TIFF, kept losslessly
    return Page(out.getvalue(), "PNG", "png", image.width, image.height)


def difference_hash(data: bytes) -> str:
    """A 64-bit perceptual hash: near-identical scans of one cheque give (nearly) the same value."""
    small = Image.open(BytesIO(data)).convert("L").resize((9, 8), Image.Resampling.LANCZOS)
    px = list(small.get_flattened_data())
    bits = 0
    for row in range(8):
        for col in range(8):
            bits = (bits << 1) | (px[row * 9 + col] > px[row * 9 + col + 1])
    return f"{bits:016x}"
