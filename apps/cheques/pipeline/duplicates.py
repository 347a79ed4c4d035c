"""Duplicate presentment by image: a near-identical picture of a cheque seen before (the same scan sent
twice, or a second scan of one paper cheque). The MICR half (same routing + account + serial) joins
this step when the MICR reader exists."""

from __future__ import annotations

from django.db.models import Q

from ..choices import ChequeStatus
from .base import Context, Step, StepResult, Stop

MAX_DISTANCE = 3  # differing bits of the 64-bit difference hash; 0-3 is the same image for our purposes
DUPLICATE_SCORE = 90  # blocks: the money may already have been paid once


def distance(a: str, b: str) -> int:
    return (int(a, 16) ^ int(b, 16)).bit_count()


class DuplicateStep(Step):
    name = "duplicates"

    def can_run(self, ctx: Context) -> bool:
        return "cheque" in ctx.found

    def run(self, ctx: Context) -> StepResult:
        from ..models import Cheque

        cheque = ctx.found["cheque"]
        pieces = Q()
        for i in range(4):
            pieces |= Q(**{f"hash_{i}": getattr(cheque, f"hash_{i}")})
        seen = Cheque.objects.filter(pieces | Q(front_sha256=cheque.front_sha256)).exclude(pk=cheque.pk)
        matches = sorted(
            (distance(cheque.image_hash, other.image_hash), other.pk, other.created_at)
            for other in seen.only("pk", "image_hash", "created_at")[:500]
        )
        close = [(d, pk, at) for d, pk, at in matches if d <= MAX_DISTANCE]
        if not close:
            return StepResult(confidence=1.0, detail={"candidates": len(matches)})
        d, pk, at = close[0]
        reason = (f"Duplicate presentment: the image matches cheque #{pk} presented {at:%Y-%m-%d %H:%M} UTC"
                  f"{' exactly' if d == 0 else f' ({d} of 64 bits differ)'}.")  # fmt: skip
        ctx.found["risk"] = {"score": DUPLICATE_SCORE, "reasons": [
            {"type": "rule", "rule": "cheque-duplicate-image", "version": 1, "weight": DUPLICATE_SCORE,
             "explanation": reason, "duplicate_of": pk},
        ]}  # fmt: skip
        raise Stop(ChequeStatus.FLAGGED, reason, {"duplicate_of": pk, "bits_differ": d, "others": len(close) - 1})
