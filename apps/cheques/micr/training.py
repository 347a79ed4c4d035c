"""Finding the E-13B glyphs in real MICR lines, for the sheet the cheque generator draws lines with
(`python manage.py train_micr --glyphs`): a glyph classifier is trained on lines that carry only a line
of text each, and the glyphs it places surely go on the sheet. (Reading uses the line reader, `ctc`.)

Nobody marked where each character is, so the labels are found by alignment, in rounds:
1. a first guess: a line with N characters is cut at its N-1 widest gaps (right for most lines);
2. a classifier is trained on those pieces;
3. each line is aligned to its text with that classifier (a dynamic programme that must use every
   character of the text in order), which labels every candidate on the chosen path with its
   character and every other candidate "reject", and the classifier is trained again on that.

Only the training part of the lines is used (the first 80% by file name, as for the line reader).

The data: the DoubangoTelecom/tesseractMICR real-life lines, BSD 3-Clause (see the credit in
`apps/cheques/micr/LICENSE-DATA`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from . import segment
from .model import ALPHABET, REJECT, Model

HELD_OUT = 0.2


@dataclass
class Sample:
    path: Path
    text: str
    line: segment.Line
    cands: list[tuple[int, int]]
    feats: np.ndarray


def load(directory: Path | str) -> list[Sample]:
    samples = []
    for path in sorted(Path(directory).glob("*.tif")):
        truth = path.with_suffix(".gt.txt")
        if not truth.exists():
            continue
        line = segment.prepare(segment.binarize(Image.open(path)))
        if line is None:
            continue
        cands = list(segment.candidates(line))
        feats = np.stack([segment.features(line, a, b) for a, b in cands]) if cands else np.zeros((0, 1))
        samples.append(Sample(path, truth.read_text().strip(), line, cands, feats))
    return samples


def split(samples: list[Sample]) -> tuple[list[Sample], list[Sample]]:
    cut = int(len(samples) * (1 - HELD_OUT))
    return samples[:cut], samples[cut:]


def first_guess(sample: Sample) -> list[tuple[int, int]] | None:
    blobs, n = sample.line.blobs, len(sample.text)
    if len(blobs) < n:
        return None
    gaps = [blobs[i + 1][0] - blobs[i][1] for i in range(len(blobs) - 1)]
    cuts = sorted(np.argsort(gaps, kind="stable")[::-1][: n - 1].tolist())
    groups, start = [], 0
    for c in cuts:
        groups.append((start, c))
        start = c + 1
    groups.append((start, len(blobs) - 1))
    return groups


def align(sample: Sample, probs: np.ndarray, skip: float = -6.0) -> list[tuple[int, int]] | None:
    """The most probable way to read the line as exactly its text: one group of blobs per character,
    in order, blobs left out at a cost."""
    n, m = len(sample.line.blobs), len(sample.text)
    at = {c: i for i, c in enumerate(sample.cands)}
    want = [ALPHABET.index(ch) for ch in sample.text]
    best = np.full((n + 1, m + 1), -np.inf)
    best[0, 0] = 0.0
    back: dict[tuple[int, int], tuple[int, int, tuple[int, int] | None]] = {}
    for i in range(n + 1):
        for k in range(m + 1):
            here = best[i, k]
            if here == -np.inf:
                continue
            if i < n and here + skip > best[i + 1, k]:
                best[i + 1, k], back[(i + 1, k)] = here + skip, (i, k, None)
            if k == m:
                continue
            for j in range(i, min(n, i + segment.MAX_PARTS)):
                c = at.get((i, j))
                if c is None:
                    break
                score = here + np.log(probs[c, want[k]] + 1e-9)
                if score > best[j + 1, k + 1]:
                    best[j + 1, k + 1], back[(j + 1, k + 1)] = score, (i, k, (i, j))
    if best[n, m] == -np.inf:
        return None
    path, state = [], (n, m)
    while state != (0, 0):
        i, k, group = back[state]
        if group is not None:
            path.append(group)
        state = (i, k)
    return path[::-1]


def _fit(x: list, y: list, seed: int):
    from sklearn.neural_network import MLPClassifier

    mlp = MLPClassifier(hidden_layer_sizes=(128,), max_iter=200, random_state=seed)
    mlp.fit(np.asarray(x, dtype=np.float32), np.asarray(y))
    return Model.from_sklearn(mlp)


def train(samples: list[Sample], *, rounds: int = 1, seed: int = 0,
          progress: Callable[[str], None] = lambda _m: None) -> tuple[Model, list[tuple[str, np.ndarray]]]:  # fmt: skip
    """The classifier, and the glyphs found (character, bitmap) for the cheque generator."""
    x, y = [], []
    for s in samples:
        groups = first_guess(s)
        at = {c: i for i, c in enumerate(s.cands)}
        if groups and all(g in at for g in groups):
            for g, ch in zip(groups, s.text, strict=True):
                x.append(s.feats[at[g]])
                y.append(ALPHABET.index(ch))
    progress(f"first guess: {len(y)} characters from {len(samples)} lines")
    model = _fit(x, y, seed)
    glyphs: list[tuple[str, np.ndarray, np.ndarray]] = []
    for r in range(rounds):
        x, y, glyphs, aligned = [], [], [], 0
        for s in samples:
            if not s.cands:
                continue
            path = align(s, model.probabilities(s.feats))
            if path is None:
                continue
            aligned += 1
            at, chosen = {c: i for i, c in enumerate(s.cands)}, set(path)
            for g, ch in zip(path, s.text, strict=True):
                x.append(s.feats[at[g]])
                y.append(ALPHABET.index(ch))
                top = min(t for t, _ in s.line.bands[g[0] : g[1] + 1])
                bottom = max(b for _, b in s.line.bands[g[0] : g[1] + 1])
                bitmap = s.line.ink[top:bottom, s.line.blobs[g[0]][0] : s.line.blobs[g[1]][1]]
                glyphs.append((ch, bitmap, s.feats[at[g]]))
            for c in s.cands:
                if c not in chosen:
                    x.append(s.feats[at[c]])
                    y.append(REJECT)
        progress(f"round {r + 1}: {aligned} lines aligned, {len(y)} candidates")
        model = _fit(x, y, seed)
    # Only glyphs the final classifier is sure of go on the sheet (an alignment can mislabel a few).
    sure = [(ch, bitmap) for ch, bitmap, feats in glyphs
            if model.probabilities(feats[None])[0, ALPHABET.index(ch)] >= 0.99
            and (ch not in "0123456789" or bitmap.shape[1] <= 0.85 * bitmap.shape[0])]  # fmt: skip
    return model, sure


def glyph_sheet(glyphs: list[tuple[str, np.ndarray]], per_char: int = 6, height: int = 40,
                seed: int = 0) -> dict[str, np.ndarray]:  # fmt: skip
    """A few real glyphs of each character (in the band of the characters, so a symbol keeps its place
    in the height), scaled to one height, for the synthetic cheques."""
    rng = np.random.default_rng(seed)
    sheet = {}
    for ch in ALPHABET:
        mine = [g for c, g in glyphs if c == ch and g.any()]
        picks = rng.choice(len(mine), size=min(per_char, len(mine)), replace=False) if mine else []
        for k, i in enumerate(picks):
            g = mine[int(i)]
            width = max(1, round(g.shape[1] * height / max(1, g.shape[0])))
            img = Image.fromarray((g * 255).astype(np.uint8)).resize((width, height), Image.Resampling.NEAREST)
            sheet[f"{ch}{k}"] = np.asarray(img) > 127
    return sheet
