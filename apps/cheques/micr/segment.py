"""Cutting an E-13B line into candidate characters, and describing each candidate for the classifier.

E-13B glyphs are solid and stand apart, so a line splits cleanly into *blobs*: runs of columns that
hold ink. A digit is usually one blob; the four symbols are two or three (the transit symbol is a bar
and two squares, the on-us symbol two bars and a square). So a character is one to four neighbouring
blobs, and which blobs go together is decided by the classifier and a dynamic programme
(`training.align`), not by rules about gaps. A blob wider than any character (two glyphs touching) is
also offered cut at its thinnest column."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image

GLYPH_W, GLYPH_H = 16, 20  # the classifier's view of one candidate, in cells
MAX_PARTS = 4  # blobs in one character at most
MAX_WIDTH = 1.05  # widest character, in line heights (E-13B's widest glyph is ~0.8 of its height)


@dataclass
class Line:
    ink: np.ndarray  # bool, True where there is ink, cropped to the rows of the characters
    blobs: list[tuple[int, int]]  # [start, end) columns of each run of inked columns
    bands: list[tuple[int, int]]  # per blob, the rows of the characters around it (fields can differ in size)


def binarize(image: Image.Image) -> np.ndarray:
    """True where there is ink, with Otsu's threshold (the shared data is already black and white)."""
    grey = np.asarray(image.convert("L"), dtype=np.uint8)
    hist = np.bincount(grey.ravel(), minlength=256).astype(np.float64)
    total = grey.size
    cum, cum_mean = np.cumsum(hist), np.cumsum(hist * np.arange(256))
    best, threshold = -1.0, 127
    for t in range(1, 255):
        w0, w1 = cum[t], total - cum[t]
        if w0 == 0 or w1 == 0:
            continue
        m0, m1 = cum_mean[t] / w0, (cum_mean[-1] - cum_mean[t]) / w1
        between = w0 * w1 * (m0 - m1) ** 2
        if between > best:
            best, threshold = between, t
    return grey <= threshold


def runs(mask: np.ndarray) -> list[tuple[int, int]]:
    padded = np.concatenate([[False], mask, [False]]).astype(np.int8)
    edges = np.flatnonzero(np.diff(padded))
    return list(zip(edges[::2].tolist(), edges[1::2].tolist(), strict=True))


def _band(ink: np.ndarray) -> tuple[int, int]:
    """The rows the characters occupy: the longest run of rows holding a fair share of the ink."""
    rows = ink.sum(1)
    if not rows.any():
        return 0, 0
    spans = runs(rows >= max(1, rows.max() * 0.08))
    return max(spans, key=lambda r: rows[r[0] : r[1]].sum())


def _split_wide(ink: np.ndarray, start: int, end: int, height: int) -> list[tuple[int, int]]:
    """Two touching glyphs make a blob wider than any one character: cut it at its thinnest column."""
    if end - start <= MAX_WIDTH * height:
        return [(start, end)]
    lo, hi = start + int(0.3 * height), end - int(0.3 * height)
    if hi <= lo:
        return [(start, end)]
    cut = lo + int(np.argmin(ink[:, lo:hi].sum(0)))
    return _split_wide(ink, start, cut, height) + _split_wide(ink, cut, end, height)


def _extent(ink: np.ndarray, start: int, end: int) -> tuple[int, int]:
    rows = np.flatnonzero(ink[:, start:end].any(1))
    return (int(rows[0]), int(rows[-1]) + 1) if rows.size else (0, 0)


def _local_bands(extents: list[tuple[int, int]], window: int = 3) -> list[tuple[int, int]]:
    """The band of the characters at each blob. A full-height blob (a digit) is its own band; a shorter
    one (a symbol's part) takes the median top and bottom of the full-height blobs beside it. Fields can
    differ in size: the amount is often printed later, by another machine."""
    bands = []
    for i, (top, bottom) in enumerate(extents):
        near = extents[max(0, i - window) : i + window + 1]
        tallest = max(b - t for t, b in near)
        if bottom - top >= 0.85 * tallest:
            bands.append((top, bottom))
            continue
        tall = [(t, b) for t, b in near if b - t >= 0.85 * tallest]
        bands.append((int(np.median([t for t, _ in tall])), int(np.median([b for _, b in tall]))))
    return bands


def prepare(ink: np.ndarray) -> Line | None:
    top, bottom = _band(ink)
    height = bottom - top
    if height < 8:
        return None
    # Allow a little above and below the band (a symbol's square can sit just outside it).
    pad = max(1, height // 10)
    band = ink[max(0, top - pad) : bottom + pad]
    cols = band.sum(0)
    raw = [(s, e) for s, e in runs(cols > 0) if band[:, s:e].sum() >= max(3, height * height // 200)]
    if not raw:
        return None
    local = _local_bands([_extent(band, s, e) for s, e in raw])
    blobs = []
    for (start, end), (t, b) in zip(raw, local, strict=True):
        blobs.extend(_split_wide(band, start, end, max(8, b - t)))
    bands = _local_bands([_extent(band, s, e) for s, e in blobs])
    return Line(ink=band, blobs=blobs, bands=bands)


def features(line: Line, first: int, last: int) -> np.ndarray:
    """Blobs first..last (inclusive) as one candidate: its ink on a fixed grid, in a frame as tall as
    the characters around it and one character pitch wide, centred on it (so size and vertical position
    count, which is what tells the dash from the amount symbol), and a few measurements."""
    start, end = line.blobs[first][0], line.blobs[last][1]
    top = min(t for t, _ in line.bands[first : last + 1])
    bottom = max(b for _, b in line.bands[first : last + 1])
    h = max(8, bottom - top)
    pad = h // 8
    top, bottom = max(0, top - pad), bottom + pad
    pitch = round(h * 1.07)  # E-13B: 0.125 in pitch, 0.117 in character height
    left = (start + end) // 2 - pitch // 2
    frame = np.zeros((bottom - top, pitch), dtype=np.uint8)
    # Only the candidate's own columns: the neighbours' ink is not part of it.
    lo, hi = max(left, start, 0), min(left + pitch, end, line.ink.shape[1])
    if hi > lo:
        piece = line.ink[top:bottom, lo:hi]
        frame[: piece.shape[0], lo - left : hi - left] = piece * 255
    grid = np.asarray(Image.fromarray(frame).resize((GLYPH_W, GLYPH_H), Image.Resampling.BOX), dtype=np.float32)
    piece = line.ink[top:bottom, start:end]
    rows = np.flatnonzero(piece.any(1))
    measures = np.array(
        [
            (end - start) / h,
            (last - first + 1) / MAX_PARTS,
            rows[0] / (bottom - top) if rows.size else 0.0,
            rows[-1] / (bottom - top) if rows.size else 0.0,
            piece.mean() if piece.size else 0.0,
        ],
        dtype=np.float32,
    )
    return np.concatenate([grid.ravel() / 255.0, measures])


def candidates(line: Line):
    """Every (first, last) run of blobs that could be one character."""
    n = len(line.blobs)
    for first in range(n):
        h = line.bands[first][1] - line.bands[first][0]
        for last in range(first, min(n, first + MAX_PARTS)):
            if line.blobs[last][1] - line.blobs[first][0] > MAX_WIDTH * h:
                break
            yield first, last
