"""Reading an E-13B line: found on the cheque (`locate`), then read by the line reader (`ctc`): a
convolutional network read along the line, with no cutting into characters.

`read(image)` takes a whole cheque (the MICR line is found in its clear band at the bottom) or a line
already cropped."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from PIL import Image

from . import ctc, layouts, segment


@dataclass
class MicrRead:
    text: str  # in the data set's letters, e.g. "A031300465A..."
    confidences: list[float] = field(default_factory=list)  # one per character

    @property
    def micr(self) -> str:
        return layouts.display(self.text)

    @property
    def confidence(self) -> float:
        """The least sure character (0 for a line with nothing read)."""
        return round(min(self.confidences), 3) if self.confidences else 0.0

    def fields(self, country: str | None = None) -> dict:
        return layouts.parse(self.text, country)


def read_line(ink: np.ndarray, model: ctc.CtcModel | None = None) -> MicrRead:
    """The line read by the shipped networks by majority (`ctc.read`), or by `model` alone."""
    if model is None:
        return MicrRead(*ctc.read(ink, ctc.shipped()))
    image = ctc.line_image(ink)
    return MicrRead(*ctc.decode(model.probabilities(image))) if image is not None else MicrRead("")


def locate(ink: np.ndarray) -> np.ndarray:
    """The MICR line of a whole cheque: in the clear band at the bottom (the lowest 30%), the band of
    rows as tall as a line of characters (not a ruled line, not a signature) with the most ink. A line
    already cropped (wide and low) is returned as it is."""
    h, w = ink.shape
    if w >= 6 * h:
        return ink
    bottom = ink[int(h * 0.7) :]
    rows = bottom.sum(1)
    if not rows.any():
        return bottom
    bands = [r for r in segment.runs(rows >= max(2, rows.max() * 0.05)) if 0.025 * h <= r[1] - r[0] <= 0.12 * h]
    if not bands:
        return bottom
    start, end = max(bands, key=lambda r: rows[r[0] : r[1]].sum())
    pad = max(2, (end - start) // 3)
    return bottom[max(0, start - pad) : end + pad]


def straighten(image: Image.Image) -> Image.Image:
    """A whole cheque scanned slightly askew is turned level first (the pipeline's quality step does the
    same before this step runs)."""
    from ..pipeline.quality import level, skew_of

    skew = skew_of(image)
    return image if abs(skew) < 0.25 else level(image.convert("L"), skew)


def read(image: Image.Image, model: ctc.CtcModel | None = None, *, level: bool = False) -> MicrRead:
    if level and image.width < 6 * image.height:
        image = straighten(image)
    return read_line(locate(segment.binarize(image)), model)
