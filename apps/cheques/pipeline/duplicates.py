"""Duplicate presentment by image: a near-identical picture of a cheque seen before (the same scan sent
twice, or a second scan of one paper cheque). The perceptual hash finds cheques that look alike, which
cheques printed from one bank's template also do; the words OCR read then tell a second scan of the same
cheque (the same payee, amount and number) from another cheque on the same template. The MICR half
(same routing + account + serial) is checked when the fields are keyed or read."""

from __future__ import annotations

import re
from difflib import SequenceMatcher

from django.db.models import Q

from ..choices import ChequeStatus
from .base import Context, Step, StepResult, Stop

MAX_DISTANCE = 3  # differing bits of the 64-bit difference hash: the same picture, or the same template
SAME_TEXT = 0.95  # similarity of the OCR text above which two look-alike images are one cheque
DUPLICATE_SCORE = 90  # blocks: the money may already have been paid once


def distance(a: str, b: str) -> int:
    return (int(a, 16) ^ int(b, 16)).bit_count()


def _words(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", text.lower()))


def same_cheque(text: str, other_text: str) -> float | None:
    """How alike two cheques' OCR text is (0-1), or None when either has none to compare."""
    a, b = _words(text), _words(other_text)
    if not a or not b:
        return None
    return SequenceMatcher(None, a, b, autojunk=False).ratio()


class DuplicateStep(Step):
    name = "duplicates"

    def can_run(self, ctx: Context) -> bool:
        return "cheque" in ctx.found

    def run(self, ctx: Context) -> StepResult:
        from ..models import Cheque
        from ..selectors import presentment

        cheque = ctx.found["cheque"]
        pieces = Q()
        for i in range(4):
            pieces |= Q(**{f"hash_{i}": getattr(cheque, f"hash_{i}")})
        # Only cheques presented before this one: the original is never the duplicate of a later copy.
        seen = Cheque.objects.filter(pieces | Q(front_sha256=cheque.front_sha256)).filter(pk__lt=cheque.pk)
        matches = sorted(
            (distance(cheque.image_hash, other.image_hash), other.pk, other.created_at, other)
            for other in seen.select_related("submitted_by")[:500]
        )
        ocr = ctx.found.get("ocr")
        text = "\n".join(ocr.lines) if ocr is not None else ""
        found = None
        for d, pk, at, other in matches:
            if d > MAX_DISTANCE:
                break
            same_file = other.front_sha256 == cheque.front_sha256
            similarity = 1.0 if same_file else same_cheque(text, other.ocr_text)
            if similarity is not None and similarity >= SAME_TEXT:
                found = (d, pk, at, same_file, similarity)
                break
        if found is None:
            return StepResult(confidence=1.0, detail={"look_alikes": sum(m[0] <= MAX_DISTANCE for m in matches)})
        d, pk, at, same_file, similarity = found
        alike = f"the same picture and words ({d} of 64 image bits differ, {similarity:.0%} of the text alike)"
        how = "the same file" if same_file else alike
        earlier = next(other for _d, other_pk, _at, other in matches if other_pk == pk)
        reason = f"Duplicate presentment: the image matches {presentment(earlier)}, {how}."
        ctx.found["risk"] = {"score": DUPLICATE_SCORE, "reasons": [
            {"type": "rule", "rule": "cheque-duplicate-image", "version": 1, "weight": DUPLICATE_SCORE,
             "explanation": reason, "duplicate_of": pk},
        ]}  # fmt: skip
        raise Stop(ChequeStatus.FLAGGED, reason, {"duplicate_of": pk, "bits_differ": d, "text_alike": similarity})
