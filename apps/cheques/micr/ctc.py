"""The E-13B line reader: a small convolutional network read along the line, decoded with CTC.

No segmentation: the line is cropped to its characters' rows (a signature's tail or an underline
beside it is cut away, `glyph_rows`), scaled to 32 rows, and the network gives, for every 4 columns, the
probability of each character or of "nothing here" (CTC's blank). The reading is the most probable
symbol at each step with repeats and blanks removed (greedy CTC decoding). A character's confidence is
its probability where it was read, lowered by any sign of a character missed beside it (`decode`); the
line's is its least sure character.

Several such networks, trained from different seeds, read every line; the line most of them read is
kept, and a line they do not all read alike is not trusted (`agreed`). Such a line is also read again
as the training varied its lines (narrower and wider, heavier and lighter, `SECOND_LOOKS`), and every
reading counts in the vote: a character one network misses at one width it often reads at another.

The networks are trained by `python manage.py train_micr` (`ctc_training`, PyTorch, a training-only
requirement) and shipped as plain arrays (`e13b-ctc*.npz`): loading them runs no code, and they are
evaluated here with numpy, so the portal and workers do not need PyTorch. `line_image` is the one
preparation of a line, for training and reading alike."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from PIL import Image
from scipy import ndimage

ALPHABET = "0123456789ABCD"  # the data set's letters: A transit, B amount, C on-us, D dash
BLANK = len(ALPHABET)
HEIGHT = 32  # rows the network sees
STRIDE = 4  # columns per step of its output
# Five networks trained from different seeds (the README gives each one's `train_micr` command): the
# line most of them read is kept; a line they do not all read alike goes to a person (`agreed`).
MODEL_PATHS = tuple(Path(__file__).with_name(f"e13b-ctc{suffix}.npz") for suffix in ("", "-b", "-c", "-d", "-e"))
MODEL_PATH = MODEL_PATHS[0]
DISAGREED = 0.5  # the most a character of a line the networks read differently can be trusted
# (name, pooling after it): the layers in order, each a convolution and (but the last) a ReLU. Weights
# are (out, in, rows, cols), or (out, in, cols) for a convolution along the line.
LAYERS = (("c1", (2, 2)), ("c2", (2, 2)), ("c3", (2, 1)), ("c4", (2, 1)), ("c5", None), ("c6", None), ("out", None))


def line_image(ink: np.ndarray) -> np.ndarray | None:
    """A line's ink (bool, True = ink) as the network's input: cropped to the rows of its characters
    (`glyph_rows`) and to its inked columns, scaled to HEIGHT rows keeping its proportions, floats 0-1."""
    rows = glyph_rows(ink)
    if rows is None:
        return None
    ink = ink[rows[0] : rows[1]]
    cols = np.flatnonzero(ink.any(axis=0))
    if not len(cols):
        return None
    crop = ink[:, max(0, cols[0] - 2) : cols[-1] + 3]
    h, w = crop.shape
    width = max(2 * STRIDE, round(w * HEIGHT / h))
    scaled = Image.fromarray(crop.astype(np.uint8) * 255).resize((width, HEIGHT), Image.BILINEAR)
    return np.asarray(scaled, dtype=np.float32) / 255


def glyph_rows(ink: np.ndarray) -> tuple[int, int] | None:
    """The rows a line's characters span, from the top of the highest to the bottom of the lowest
    (a line drifting up or down keeps all of it), with a row to spare each side.

    E-13B characters all have one height, so the characters are the blobs of ink about as tall as the
    tallest glyph-shaped blobs (no wider than tall, so not a ruled line or a bar). A signature stroke
    or an underline above or below the line is cut away, and one crossing a character (which makes that
    blob taller) does not widen the band. A line with no such blob is cropped to its inked rows."""
    labels, _ = ndimage.label(ink, structure=np.ones((3, 3)))
    boxes = [box for box in ndimage.find_objects(labels) if box is not None]
    if not boxes:
        return None
    tops = np.array([b[0].start for b in boxes])
    bottoms = np.array([b[0].stop for b in boxes])
    heights, widths = bottoms - tops, np.array([b[1].stop - b[1].start for b in boxes])
    shaped = (widths <= 1.2 * heights) & (heights >= 5)
    if not shaped.any():
        inked = np.flatnonzero(ink.mean(axis=1) > 0.01)
        return (max(0, inked[0] - 1), inked[-1] + 2) if len(inked) else None
    tall = np.percentile(heights[shaped], 90, method="nearest")  # a blob's height: that blob is a glyph
    glyphs = shaped & (heights >= 0.6 * tall) & (heights <= 1.3 * tall)
    return max(0, int(tops[glyphs].min()) - 1), int(bottoms[glyphs].max()) + 1


def stretched(ink: np.ndarray, factor: float) -> np.ndarray:
    """The line's ink narrower (factor < 1) or wider, its height kept."""
    h, w = ink.shape
    return np.asarray(Image.fromarray(ink.astype(np.uint8) * 255).resize((max(4, round(w * factor)), h)), dtype=bool)


# How a line the networks read differently is read again: as training varies its lines (85-115% wide,
# a pixel heavier or lighter, `ctc_training._image`), so each is a line the networks know how to read.
SECOND_LOOKS = (
    lambda ink: stretched(ink, 0.9),
    lambda ink: stretched(ink, 1.1),
    lambda ink: ndimage.binary_dilation(ink, np.ones((2, 2), dtype=bool)),
    lambda ink: ndimage.binary_erosion(ink, np.ones((2, 2), dtype=bool), border_value=0),
)


def _conv(x: np.ndarray, w: np.ndarray, b: np.ndarray) -> np.ndarray:
    """2-D convolution of x (channels, rows, cols) with w (out, in, kh, kw), 'same' along the columns
    and 'same' along the rows for odd kernels (none for an even one), as the training network pads."""
    _, _, kh, kw = w.shape
    ph = kh // 2 if kh % 2 else 0
    x = np.pad(x, ((0, 0), (ph, ph), (kw // 2, kw // 2)))
    windows = sliding_window_view(x, (kh, kw), axis=(1, 2))  # in, rows, cols, kh, kw
    c, rows, cols = windows.shape[:3]
    patches = windows.transpose(1, 2, 0, 3, 4).reshape(rows * cols, c * kh * kw)
    out = patches @ w.reshape(len(w), -1).T + b
    return out.T.reshape(len(w), rows, cols)


def _pool(x: np.ndarray, kh: int, kw: int) -> np.ndarray:
    c, h, w = x.shape
    return x[:, : h // kh * kh, : w // kw * kw].reshape(c, h // kh, kh, w // kw, kw).max(axis=(2, 4))


class CtcModel:
    def __init__(self, arrays: dict[str, np.ndarray]):
        self.arrays = {k: v.astype(np.float32) for k, v in arrays.items()}

    @classmethod
    def load(cls, path: Path | str = MODEL_PATH) -> CtcModel:
        with np.load(path, allow_pickle=False) as data:
            return cls({k: data[k] for k in data.files})

    def save(self, path: Path | str) -> None:
        np.savez_compressed(path, **self.arrays)

    def probabilities(self, image: np.ndarray) -> np.ndarray:
        """P(symbol) at each step along the line: (steps, len(ALPHABET) + 1), the last is the blank."""
        pad = -image.shape[1] % STRIDE  # blank columns up to a whole step, as training batches are padded
        x = np.pad(image, ((0, 0), (0, pad)))[None].astype(np.float32)
        for name, pooling in LAYERS:
            w, b = self.arrays[f"{name}.weight"], self.arrays[f"{name}.bias"]
            if w.ndim == 3:  # a convolution along the line (out, in, k)
                w = w[:, :, None, :]
            x = _conv(x, w, b)
            if name != "out":
                x = np.maximum(x, 0.0)
            if pooling:
                x = _pool(x, *pooling)
        logits = x[:, 0, :].T  # steps, symbols
        z = np.exp(logits - logits.max(axis=1, keepdims=True))
        return z / z.sum(axis=1, keepdims=True)


def decode(probs: np.ndarray) -> tuple[str, list[float]]:
    """Greedy CTC decoding: the best symbol at each step, repeats merged, blanks dropped.

    A character's confidence is its probability at the step that emitted it, lowered by any doubt
    that a character was missed beside it: at a step read as blank, the probability of a character
    other than its neighbours (a character there would have been dropped)."""
    best = probs.argmax(axis=1).tolist()
    chars: list[str] = []
    confidences: list[float] = []
    blanks: list[tuple[int, float]] = []  # (characters before it, doubt) for each blank step
    previous = BLANK
    for step, symbol in enumerate(best):
        if symbol == BLANK:
            blanks.append((len(chars), step))
        elif symbol != previous:
            chars.append(ALPHABET[symbol])
            confidences.append(float(probs[step, symbol]))
        else:  # the same character held over several steps
            confidences[-1] = max(confidences[-1], float(probs[step, symbol]))
        previous = symbol
    codes = [ALPHABET.index(ch) for ch in chars]
    for before, step in blanks:
        others = probs[step, :BLANK].copy()
        for k in (before - 1, before):  # the characters either side are not "missed"
            if 0 <= k < len(codes):
                others[codes[k]] = 0.0
        doubt = float(others.max())
        for k in (before - 1, before):
            if 0 <= k < len(codes):
                confidences[k] = min(confidences[k], 1.0 - doubt)
    return "".join(chars), [round(c, 4) for c in confidences]


def agreed(readings: list[tuple[str, list[float]]]) -> tuple[str, list[float]]:
    """One reading from several networks' `decode`s. Where they all read the same line, each character
    keeps the least of their confidences. Where they differ, the line most of them read is kept (on a
    tie, the one read most surely), but no character in it is trusted above DISAGREED: one of them is
    wrong, and a person looks."""
    if len({text for text, _ in readings}) == 1:
        return readings[0][0], [min(c) for c in zip(*(conf for _, conf in readings), strict=True)]
    votes = Counter(text for text, _ in readings)
    text, confidences = max(readings, key=lambda r: (votes[r[0]], min(r[1], default=0.0)))
    return text, [min(c, DISAGREED) for c in confidences]


def read(ink: np.ndarray, models: Sequence[CtcModel], *, second_looks: bool = True) -> tuple[str, list[float]]:
    """A line's ink read by each network and `agreed`. If they do not all read it alike, it is read
    again by each as each of `SECOND_LOOKS` varies it, and all the readings vote (the line stays
    untrusted: `agreed` caps it at DISAGREED); `second_looks` off leaves that out (for the benchmark's
    comparison). A line with nothing to read reads as ("", [])."""
    image = line_image(ink)
    if image is None:
        return "", []
    readings = [decode(model.probabilities(image)) for model in models]
    if second_looks and len({text for text, _ in readings}) > 1:
        for look in SECOND_LOOKS:
            varied = line_image(look(ink))
            if varied is not None:
                readings += [decode(model.probabilities(varied)) for model in models]
    return agreed(readings)


@lru_cache(maxsize=1)
def shipped() -> tuple[CtcModel, ...]:
    return tuple(CtcModel.load(path) for path in MODEL_PATHS)
