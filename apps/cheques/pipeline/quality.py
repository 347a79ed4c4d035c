"""Step 1, image quality: is the scan usable? Blank, too dark, too light, skewed (straightened when it
can be), not shaped like a cheque (two items scanned together, or cropped). A failing image is routed to
rescan with the reason."""

from __future__ import annotations

import numpy as np
from PIL import Image

from ..choices import ChequeStatus
from .base import Context, Step, StepResult, Stop

MAX_SKEW = 8.0  # degrees we straighten; beyond that, rescan
ASPECT = (1.6, 3.6)  # cheques are 2.2-2.8 times as wide as tall; a little slack for margins


def _gray(image: Image.Image, width: int = 800) -> np.ndarray:
    g = image.convert("L")
    if g.width > width:
        g = g.resize((width, max(1, round(g.height * width / g.width))))
    return np.asarray(g, dtype=np.float32)


def estimate_skew(ink: np.ndarray) -> float:
    """The rotation (degrees) that makes text lines horizontal: the angle whose row profile is sharpest."""
    image = Image.fromarray((ink * 255).astype(np.uint8))
    best, best_score = 0.0, -1.0
    for angle in np.arange(-MAX_SKEW - 2, MAX_SKEW + 2.01, 0.25):
        rows = np.asarray(image.rotate(angle, resample=Image.Resampling.NEAREST, fillcolor=0)).sum(axis=1)
        score = float(np.var(np.diff(rows.astype(np.float64))))
        if score > best_score:
            best, best_score = float(angle), score
    return best


def skew_of(image: Image.Image) -> float:
    gray = _gray(image)
    return estimate_skew(gray < float(np.median(gray)) - 60)


def level(image: Image.Image, skew: float) -> Image.Image:
    return image.rotate(skew, resample=Image.Resampling.BICUBIC, expand=True, fillcolor="white")


class QualityStep(Step):
    name = "quality"

    def run(self, ctx: Context) -> StepResult:
        gray = _gray(ctx.front)
        paper = float(np.median(gray))  # most of a cheque is paper
        darkest = float(np.percentile(gray, 0.5))
        ink = gray < paper - 60  # print clearly darker than the paper
        faint = float((gray < paper - 15).mean())
        ink_ratio = float(ink.mean())
        width, height = ctx.front.size
        detail = {"width": width, "height": height, "dpi_estimate": round(width / 6),
                  "paper_brightness": round(paper, 1), "ink_contrast": round(paper - darkest, 1),
                  "ink_ratio": round(ink_ratio, 4)}  # fmt: skip
        rescan = ChequeStatus.RESCAN
        if paper < 70:
            raise Stop(rescan, "The image is too dark.", detail)
        if ink_ratio < 0.002 and faint >= 0.002:
            raise Stop(rescan, "The image is too light: the print has faded out.", detail)
        if ink_ratio < 0.002:
            raise Stop(rescan, "The image is blank.", detail)
        aspect = width / height
        detail["aspect"] = round(aspect, 2)
        if not ASPECT[0] <= aspect <= ASPECT[1]:
            raise Stop(rescan, f"The image is not shaped like a cheque (width/height {aspect:.2f}): two items "
                               "scanned together, or the cheque is cropped.", detail)  # fmt: skip
        skew = estimate_skew(ink)
        detail["skew_degrees"] = round(skew, 2)
        if abs(skew) > MAX_SKEW:
            raise Stop(rescan, f"The cheque is rotated by {skew:.1f}°: scan it straight.", detail)
        if abs(skew) >= 0.5:
            ctx.front = level(ctx.front, skew)
            detail["deskewed"] = True
        confidence = min(1.0, (paper - darkest) / 150) * (1.0 - min(abs(skew), MAX_SKEW) / (2 * MAX_SKEW))
        return StepResult(confidence=round(confidence, 3), detail=detail)
