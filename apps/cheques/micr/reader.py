"""Reading an E-13B line: segment it (`segment`), score every candidate with the glyph classifier
(`model`), and choose the best sequence of characters with a dynamic programme over the blobs.

`read(image)` takes a whole cheque (the MICR line is found in its clear band at the bottom) or a line
already cropped."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from PIL import Image

from . import layouts, segment
from .model import ALPHABET, REJECT, Model, shipped

SKIP = -6.0  # log-score for leaving a blob out (dust, a stray pen stroke)
FLOOR = 1e-9


@dataclass
class MicrRead:
    text: str  # in the data set's letters, e.g. "A031300465A..."
    confidences: list[float] = field(default_factory=list)  # one per character
    left_out: int = 0  # blobs with the ink of a character part that were read as nothing

    @property
    def micr(self) -> str:
        return layouts.display(self.text)

    @property
    def confidence(self) -> float:
        """The least sure character; a line with ink left unread is not trusted (a character may be
        missing)."""
        if not self.confidences:
            return 0.0
        return round(min(self.confidences) * (0.5 if self.left_out else 1.0), 3)

    def fields(self, country: str | None = None) -> dict:
        return layouts.parse(self.text, country)


def scores(line: segment.Line, model: Model) -> tuple[list[tuple[int, int]], np.ndarray]:
    cands = list(segment.candidates(line))
    feats = np.stack([segment.features(line, a, b) for a, b in cands]) if cands else np.zeros((0, 1))
    return cands, model.probabilities(feats)


def decode(line: segment.Line, cands: list[tuple[int, int]], probs: np.ndarray) -> MicrRead:
    """The most probable reading: every blob belongs to one character or is left out."""
    n = len(line.blobs)
    at = {c: i for i, c in enumerate(cands)}
    best = np.full(n + 1, -np.inf)
    best[0] = 0.0
    back: list[tuple[int, int, float] | None] = [None] * (n + 1)
    for i in range(n):
        if best[i] == -np.inf:
            continue
        if best[i] + SKIP > best[i + 1]:
            best[i + 1], back[i + 1] = best[i] + SKIP, (i, -1, 0.0)
        for j in range(i, min(n, i + segment.MAX_PARTS)):
            k = at.get((i, j))
            if k is None:
                break
            char = int(np.argmax(probs[k, :REJECT]))
            p = float(probs[k, char])
            score = best[i] + np.log(p + FLOOR)
            if score > best[j + 1]:
                best[j + 1], back[j + 1] = score, (i, char, p)
    chars, confs, left_out, i = [], [], 0, n
    while i > 0:
        prev, char, p = back[i]  # type: ignore[misc]
        if char >= 0:
            chars.append(ALPHABET[char])
            confs.append(round(p, 4))
        else:
            left_out += _matters(line, prev)
        i = prev
    return MicrRead("".join(reversed(chars)), list(reversed(confs)), int(left_out))


def _matters(line: segment.Line, i: int) -> bool:
    """Whether a blob read as nothing could have been (part of) a character: not a speck, and not a
    thin rule standing alone (the edge of the paper or a box around the line)."""
    start, end = line.blobs[i]
    top, bottom = line.bands[i]
    h = max(1, bottom - top)
    if line.ink[:, start:end].sum() < 0.05 * h * h:
        return False
    if end - start >= 0.15 * h:
        return True
    if i == 0 or i == len(line.blobs) - 1:
        return False  # a thin bar at the end of the line: the edge of the paper or a box
    return min(start - line.blobs[i - 1][1], line.blobs[i + 1][0] - end) <= 1.5 * h


def read_line(ink: np.ndarray, model: Model | None = None) -> MicrRead:
    line = segment.prepare(ink)
    if line is None or not line.blobs:
        return MicrRead("")
    cands, probs = scores(line, model or shipped())
    return decode(line, cands, probs)


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


def read(image: Image.Image, model: Model | None = None, *, level: bool = False) -> MicrRead:
    if level and image.width < 6 * image.height:
        image = straighten(image)
    return read_line(locate(segment.binarize(image)), model)
