"""Training the E-13B line reader (`ctc`) on real MICR lines that carry only a line of text each.

CTC needs no character positions: the network learns where each character is from the line's text
alone. The lines are the ones `ctc.line_image` prepares for reading; during training each is also
stretched or squeezed in width (85-115%), printed heavier or lighter, half of the time scribbled over
with pen strokes and ruled lines (as signatures and handwritten amounts cross real MICR bands), with
`loops` now and then drawn through with a handwritten loop, moved up or down a row or two, and
sprinkled with specks, so that the network does not learn one scanner's spacing or one line's dust.

The split is fixed and by file name: the first 80% train, the last 20% (later scans) are held out and
only ever measured (`benchmarks/micr.py`). Lines of the generator's cheques (`drawn`) are trained on as
well, so that the synthetic cheques of the demo and the field benchmark read as real ones do.

Needs PyTorch (`requirements/train.txt`); the model it writes is read with numpy alone. The data: the
DoubangoTelecom/tesseractMICR real-life lines, BSD 3-Clause (see `apps/cheques/micr/LICENSE-DATA`)."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw
from scipy import ndimage

from . import ctc, layouts
from .segment import binarize

HELD_OUT = 0.2


@dataclass
class Line:
    path: Path
    text: str
    ink: np.ndarray  # bool, True = ink (`ctc.line_image` crops and scales it)


def load(directory: Path | str) -> list[Line]:
    """Every *.tif with a .gt.txt beside it, in file-name order."""
    lines = []
    for path in sorted(Path(directory).glob("*.tif")):
        truth = path.with_suffix(".gt.txt")
        if truth.exists():
            lines.append(Line(path, truth.read_text().strip(), binarize(Image.open(path))))
    return lines


def drawn(count: int, *, seed: int = 10_000) -> list[Line]:
    """MICR lines of cheques from the project's generator (real glyphs, the generator's pitch and
    heights, half of them with scanner noise, blur and rotation), found on the cheque as a scan's line
    is found (`reader.locate`), with their text. Seeds from `seed` up: the benchmarks' cheques use
    seeds below 10,000, so these are never the cheques the reader is measured on."""
    from .. import generator
    from .reader import locate, straighten

    lines = []
    for k in range(count):
        g = generator.generate(seed + k, country=("us", "ca", "in")[k % 3], clean=k % 2 == 0)
        text = "".join({v: c for c, v in layouts.SYMBOLS.items()}.get(ch, ch) for ch in g.truth["micr"])
        lines.append(Line(Path(f"drawn-{seed + k}"), text, locate(binarize(straighten(g.front)))))
    return lines


def split(lines: list) -> tuple[list, list]:
    cut = int(len(lines) * (1 - HELD_OUT))
    return lines[:cut], lines[cut:]


def _network():
    import torch.nn as nn
    import torch.nn.functional as F

    class Network(nn.Module):
        """The layers `ctc.LAYERS` names, with the same shapes."""

        def __init__(self, channels=(32, 64, 96, 96), hidden=160):
            super().__init__()
            c = channels
            self.c1 = nn.Conv2d(1, c[0], 3, padding=1)
            self.c2 = nn.Conv2d(c[0], c[1], 3, padding=1)
            self.c3 = nn.Conv2d(c[1], c[2], 3, padding=1)
            self.c4 = nn.Conv2d(c[2], c[3], 3, padding=1)
            self.c5 = nn.Conv2d(c[3], hidden, (2, 5), padding=(0, 2))  # the last two rows into one
            self.c6 = nn.Conv1d(hidden, hidden, 5, padding=2)
            self.out = nn.Conv1d(hidden, len(ctc.ALPHABET) + 1, 1)

        def forward(self, x):
            x = F.max_pool2d(F.relu(self.c1(x)), 2)
            x = F.max_pool2d(F.relu(self.c2(x)), 2)
            x = F.max_pool2d(F.relu(self.c3(x)), (2, 1))
            x = F.max_pool2d(F.relu(self.c4(x)), (2, 1))
            x = F.relu(self.c5(x)).squeeze(2)
            x = F.relu(self.c6(x))
            return self.out(x)  # batch, symbols, steps

    return Network()


def _scribbled(ink: np.ndarray, rng: random.Random) -> np.ndarray:
    """The line with what lies over real MICR bands drawn on it: a signature's or a handwritten
    amount's strokes (curves 1-3 pixels thick, through the characters or above and below them) and,
    now and then, a ruled line above or below."""
    h, w = ink.shape
    above, below = rng.randint(0, h // 2), rng.randint(0, h // 2)
    image = Image.fromarray(np.pad(ink, ((above, below), (0, 0))).astype(np.uint8) * 255)
    draw = ImageDraw.Draw(image)
    for _ in range(rng.randint(1, 3)):
        start, span = rng.uniform(0, w), rng.uniform(0.05, 0.3) * w
        y = rng.uniform(0, h + above + below)
        points = []
        for k in range(rng.randint(3, 7)):
            y = min(max(0.0, y + rng.uniform(-0.4, 0.4) * h), h + above + below - 1.0)
            points.append((start + span * k / 6, y))
        draw.line(points, fill=255, width=rng.randint(1, 3), joint="curve")
    if rng.random() < 0.3:
        y = rng.choice((rng.randint(0, max(0, above - 2)), h + above + rng.randint(1, max(1, below))))
        start = rng.uniform(0, 0.5) * w
        draw.line([(start, y), (start + rng.uniform(0.2, 1.0) * w, y)], fill=255, width=rng.randint(1, 2))
    return np.asarray(image) > 127


def _looped(ink: np.ndarray, rng: random.Random) -> np.ndarray:
    """The line with a handwritten loop or two drawn through its characters (the loop of an "l", an "e"
    or a "g" of a signature crossing the band), so that a character with a loop over it is still read
    as itself and not as the 0 it then looks like."""
    rows = ctc.glyph_rows(ink)
    columns = np.flatnonzero(ink.any(axis=0))
    if rows is None or not len(columns):
        return ink
    height = rows[1] - rows[0]
    image = Image.fromarray(ink.astype(np.uint8) * 255)
    draw = ImageDraw.Draw(image)
    for _ in range(rng.randint(1, 2)):
        x, y = float(rng.choice(columns)), rng.uniform(rows[0] + 0.3 * height, rows[1] - 0.3 * height)
        rx, ry = rng.uniform(0.15, 0.4) * height, rng.uniform(0.25, 0.5) * height
        slant, turn = rng.uniform(-0.5, 0.5), rng.uniform(1.0, 1.6)  # how far round (1 = once)
        points = []
        for k in range(25):
            a = 2 * np.pi * turn * k / 24
            dy = -ry * np.sin(a)
            points.append((x + rx * np.cos(a) + slant * dy, y + dy))
        tail = rng.uniform(-0.6, 0.6) * height
        points.append((points[-1][0] + abs(tail) + 0.3 * height, points[-1][1] + tail))
        draw.line(points, fill=255, width=rng.randint(2, 4), joint="curve")
    return np.asarray(image) > 127


def _inked(ink: np.ndarray, rng: random.Random) -> np.ndarray:
    """The line printed heavier (a third of the time: every stroke a pixel or two thicker, as a
    worn ribbon or a smeared character prints) or lighter (one time in eight: a pixel thinner)."""
    roll = rng.random()
    if roll < 1 / 3:
        return ndimage.binary_dilation(ink, np.ones((rng.choice((2, 3)),) * 2, dtype=bool))
    if roll < 1 / 3 + 1 / 8:
        return ndimage.binary_erosion(ink, np.ones((2, 2), dtype=bool), border_value=0)
    return ink


def _image(line: Line, rng: random.Random, vary_ink: bool = True, loops: bool = False) -> np.ndarray:
    """The line as `ctc.line_image` prepares it for reading: stretched, printed heavier or lighter
    (`_inked`, unless `vary_ink` is off), with `loops` 30% of the time looped through (`_looped`), half
    of the time scribbled over (`_scribbled`), shifted and specked."""
    ink = ctc.stretched(line.ink, rng.uniform(0.85, 1.15))
    if vary_ink:
        ink = _inked(ink, rng)
    if loops and rng.random() < 0.3:
        ink = _looped(ink, rng)
    if rng.random() < 0.5:
        ink = _scribbled(ink, rng)
    image = ctc.line_image(ink)
    if rng.random() < 0.5:
        image = np.roll(image, rng.randint(-2, 2), axis=0)
    specks = np.random.default_rng(rng.randrange(2**32)).random(image.shape) < 0.01
    return np.maximum(image, specks.astype(np.float32))


def _batch(lines: list[Line], rng: random.Random, vary_ink: bool = True, loops: bool = False):
    import torch

    images = [_image(line, rng, vary_ink, loops) for line in lines]
    width = -(-max(i.shape[1] for i in images) // ctc.STRIDE) * ctc.STRIDE
    x = np.zeros((len(images), 1, ctc.HEIGHT, width), dtype=np.float32)
    for k, image in enumerate(images):
        x[k, 0, :, : image.shape[1]] = image
    return torch.from_numpy(x), [image.shape[1] // ctc.STRIDE for image in images]


def export(network) -> ctc.CtcModel:
    return ctc.CtcModel({name: tensor.detach().numpy() for name, tensor in network.state_dict().items()})


def train(
    lines: list[Line], *, epochs: int = 30, seed: int = 0, batch_size: int = 16, vary_ink: bool = True,
    loops: bool = False, progress: Callable[[str], None] = lambda _: None,
) -> ctc.CtcModel:  # fmt: skip
    """Train the reader on `lines` (with their text) and return it as numpy arrays. Lines of similar
    width are batched together (less padding); the learning rate rises then falls over the run.
    `vary_ink` off trains without `_inked` (as the shipped networks a and b were); `loops` on draws
    handwritten loops through some lines' characters (`_looped`)."""
    import torch
    import torch.nn.functional as F

    rng = random.Random(seed)
    torch.manual_seed(seed)
    network = _network()
    steps_per_epoch = -(-len(lines) // batch_size)
    optimiser = torch.optim.AdamW(network.parameters(), lr=2e-3, weight_decay=1e-4)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimiser, max_lr=3e-3, total_steps=epochs * steps_per_epoch)
    loss_of = torch.nn.CTCLoss(blank=ctc.BLANK, zero_infinity=True)
    aspect = [line.ink.shape[1] / max(1, line.ink.shape[0]) for line in lines]
    network.train()
    for epoch in range(epochs):
        order = sorted(range(len(lines)), key=lambda i: aspect[i] + rng.random() * 3)
        batches = [order[i : i + batch_size] for i in range(0, len(order), batch_size)]
        rng.shuffle(batches)
        total = 0.0
        for batch in batches:
            chosen = [lines[i] for i in batch]
            x, steps = _batch(chosen, rng, vary_ink, loops)
            log_probs = F.log_softmax(network(x), dim=1).permute(2, 0, 1)  # steps, batch, symbols
            targets = torch.tensor([ctc.ALPHABET.index(ch) for line in chosen for ch in line.text], dtype=torch.long)
            loss = loss_of(log_probs, targets, torch.tensor(steps), torch.tensor([len(line.text) for line in chosen]))
            optimiser.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(network.parameters(), 5.0)
            optimiser.step()
            schedule.step()
            total += loss.item()
        progress(f"epoch {epoch + 1} of {epochs}: loss {total / max(1, len(batches)):.3f}")
    network.eval()
    return export(network)
