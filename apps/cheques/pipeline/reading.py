"""Steps 3 to 7: MICR, fields, validation, risk and route.

- `MicrStep` reads the E-13B line with the project's reader and parses it by the cheque's country (or
  the layout that fits, when the country's does not).
- `FieldsStep` reads the printed and written fields from the OCR words, the signature area and the
  back.
- `RouteStep` validates the values read, scores the risk and routes: needs keying when any field is
  missing or below its confidence threshold (CHEQUE_MIN_CONFIDENCE, by source), else flagged when the
  risk reaches RISK_REVIEW_THRESHOLD, else cleared.
"""

from __future__ import annotations

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DatabaseError
from django.utils import timezone

from .. import fields as field_specs
from .. import reading, risk, validation
from ..choices import ChequeStatus
from ..micr import reader
from .base import Context, Step, StepResult

MARKS = ("signature", "endorsement")
# The fields each check reads: a check that fails on a value read with less than full confidence may be
# the reader's mistake, so a person confirms it before the cheque is flagged.
CHECK_FIELDS = {"routing": ["routing"], "car_lar": ["amount", "legal_amount"], "stale": ["date"],
                "post_dated": ["date"], "serial": ["cheque_number", "serial"], "declared": ["amount", "legal_amount"],
                "duplicate": ["routing", "account", "serial"], "signature": ["signature"],
                "endorsement": ["endorsement"], "ifsc": ["ifsc", "routing"]}  # fmt: skip


class MicrStep(Step):
    name = "micr"

    def run(self, ctx: Context) -> StepResult:
        read = reader.read(ctx.front)
        country = ctx.found.get("country") or "us"
        parsed = read.fields(country)
        if not parsed["routing"]:
            other = read.fields()
            if other["routing"]:
                parsed, country = other, other["country"]
        ctx.found["country"] = country
        ctx.found["micr"] = read
        confidence = read.confidence
        if country == "us" and parsed["routing"] and not validation.aba_checksum_ok(parsed["routing"]):
            # A misread digit almost always breaks the checksum: a person looks (a real bad routing
            # number is then confirmed by the keyer and flagged).
            confidence = min(confidence, 0.5)
        reads = ctx.found.setdefault("fields", {})
        for name in ("routing", "account", "serial"):
            if parsed[name]:
                reads[name] = reading.Read(parsed[name], confidence, "micr")
        detail = {"micr": read.micr, "country": country, **{k: parsed[k] for k in ("routing", "account", "serial")},
                  "amount": parsed["amount"], "confidence": read.confidence}  # fmt: skip
        return StepResult(confidence=read.confidence, detail=detail)


class FieldsStep(Step):
    name = "fields"

    def run(self, ctx: Context) -> StepResult:
        ocr = ctx.found.get("ocr")
        country = ctx.found.get("country") or "us"
        reads = ctx.found.setdefault("fields", {})
        if ocr is not None:
            reads.update(reading.read_fields(ocr.words, ctx.front.size, country))
            self._read_payee_again(ctx, reads)
        reads["signature"] = reading.signature(ctx.front, ocr.signatures if ocr is not None else None)
        endorsed = reading.endorsement(ctx.back)
        if endorsed is not None:
            reads["endorsement"] = endorsed
        found = [r.confidence for r in reads.values()]
        return StepResult(confidence=round(min(found), 3) if found else None,
                          detail={k: v.as_list() for k, v in reads.items()})  # fmt: skip

    @staticmethod
    def _read_payee_again(ctx: Context, reads: dict) -> None:
        """With Tesseract, the payee is read a second time on its own, as one line at twice the size (a
        handwritten name often reads better so). Two readings that agree are kept with the better
        confidence; two that disagree are kept as the surer one but left for a person to check."""
        from .ocr import tesseract

        if settings.OCR_BACKEND != "tesseract":
            return
        box = reading.payee_box(reading.as_words(ctx.found["ocr"].words), ctx.front.width)
        if box is None or box[2] <= box[0] or box[3] <= box[1]:
            return
        crop = ctx.front.crop(box)
        again = reading.payee_from_line(tesseract(crop.resize((crop.width * 2, crop.height * 2)), psm=7).words)
        first = reads.get("payee")
        if again is None:
            return
        if first is None:
            reads["payee"] = again
            return
        same = re.sub(r"[^a-z]", "", first.value.lower()) == re.sub(r"[^a-z]", "", again.value.lower())
        surer = max(first, again, key=lambda r: r.confidence)
        reads["payee"] = reading.Read(surer.value, surer.confidence if same else min(surer.confidence, 0.5))


def uncertain(reads: dict[str, reading.Read]) -> list[str]:
    """The fields a person must look at: missing, unparseable, or read with too little confidence."""
    thresholds = settings.CHEQUE_MIN_CONFIDENCE
    out = []
    for name in field_specs.FIELDS:
        read = reads.get(name)
        if read is None or read.confidence < thresholds.get(read.source, 0.8):
            out.append(name)
            continue
        try:
            field_specs.parse(name, read.value)
        except ValidationError:
            out.append(name)
    for name in MARKS:
        read = reads.get(name)
        if read is not None and read.confidence < thresholds["image"]:
            out.append(name)
    return out


def typed_values(reads: dict[str, reading.Read], country: str = "us") -> dict:
    out = {}
    for name in field_specs.fields_for(country):
        if name in reads:
            try:
                out[name] = field_specs.parse(name, reads[name].value)
            except ValidationError:
                continue
    return out


def checks_for(*, country: str, typed: dict, marks: dict[str, str], declared_amount, duplicate_of) -> list:
    from ..selectors import bank_directory

    try:
        directory = bank_directory(country)
    except DatabaseError:  # files on disk with no database: the directory's checks are reported as not run
        directory = None
    checks = validation.run_checks(country=country, fields=typed, declared_amount=declared_amount,
                                   today=timezone.localdate(), duplicate_of=duplicate_of,
                                   directory=directory)  # fmt: skip
    return checks + validation.mark_checks(marks)


def _to_confirm(checks: list, reads: dict[str, reading.Read]) -> list[str]:
    """The fields a person confirms before a cheque is flagged: those read with less than full confidence
    that a failed check rests on, unless the checks failing on surely read fields flag it anyway."""
    confirm = settings.CHEQUE_CONFIRM_CONFIDENCE
    doubtful = {c.code: [name for name in CHECK_FIELDS.get(c.code, []) if name in reads
                         and reads[name].confidence < confirm] for c in checks if c.passed is False}  # fmt: skip
    sure_points = sum(c.weight for c in checks if c.passed is False and not doubtful[c.code])
    if sure_points >= settings.RISK_REVIEW_THRESHOLD:
        return []
    return sorted({name for names in doubtful.values() for name in names})


class RouteStep(Step):
    name = "route"

    def run(self, ctx: Context) -> StepResult:
        from ..selectors import earlier_presentment, presentment

        reads: dict[str, reading.Read] = ctx.found.get("fields", {})
        country = ctx.found.get("country") or "us"
        cheque = ctx.found.get("cheque")
        typed = typed_values(reads, country)
        ctx.found["typed"] = typed
        twin = None
        if all(k in typed for k in ("routing", "account", "serial")):
            key = "|".join(typed[k] for k in ("routing", "account", "serial"))
            ctx.found["micr_key"] = key
            try:  # files on disk (process_cheque, no cheque): compare with what is stored, if there is a database
                earlier = earlier_presentment(cheque_pk=cheque.pk if cheque is not None else None, micr_key=key)
                twin = presentment(earlier) if earlier is not None else None
            except DatabaseError:
                twin = None
        checks = checks_for(country=country, typed=typed, marks={k: reads[k].value for k in MARKS if k in reads},
                            declared_amount=ctx.found.get("declared_amount"), duplicate_of=twin)  # fmt: skip
        at = cheque.created_at if cheque is not None else timezone.now()
        try:
            drawn = risk.drawer_amounts(micr_key=ctx.found.get("micr_key", ""), before=at,
                                        exclude=cheque.pk if cheque is not None else None)  # fmt: skip
        except DatabaseError:  # files on disk with no database
            drawn = []
        feats = risk.features(
            checks=[c.as_dict() for c in checks], amount=typed.get("amount", typed.get("legal_amount")),
            issued=typed.get("date"), confidences=[r.confidence for r in reads.values()], corrected=0,
            drawer_amounts=drawn, at=at,
        )  # fmt: skip
        score, reasons, model_version = risk.assess(checks, feats)
        ctx.found["checks"] = [c.as_dict() for c in checks]
        ctx.found["risk"] = {"score": score, "reasons": reasons, "model_version": model_version}
        unsure = uncertain(reads)
        if not unsure and score >= settings.RISK_REVIEW_THRESHOLD:
            unsure = _to_confirm(checks, reads)
        if unsure:
            route = ChequeStatus.NEEDS_KEYING
            reason = "A person checks: " + ", ".join(unsure) + " (not read with enough confidence)."
        elif score >= settings.RISK_REVIEW_THRESHOLD:
            route, reason = ChequeStatus.FLAGGED, reasons[0]["explanation"]
        else:
            route = ChequeStatus.CLEARED
            reason = "Every field read with confidence; every check passed." + validation.unchecked_note(checks)
        ctx.found["route"] = (route, reason)
        ctx.found["uncertain"] = unsure
        return StepResult(confidence=None, detail={"route": route, "reason": reason, "score": score,
                                                   "uncertain": unsure})  # fmt: skip
