"""Writes for cheques. Intake checks every image before anything is stored; the audit event is
written in the same transaction."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from apps.core.dispatch import dispatch_on_commit
from apps.core.services import audit_record

from . import images, selectors
from .choices import ChequeSource, ChequeStatus
from .models import BankDirectoryLoad, Cheque, ChequeField, ChequeStep
from .ports import risk_engine


def cheque_receive(
    *,
    actor,
    front,
    back=None,
    declared_amount: Decimal | None = None,
    declared_currency: str = "",
    declared_account: str = "",
    reference: str = "",
    source: str = ChequeSource.API,
    country: str = "us",
) -> Cheque:
    """Store a cheque's images and what the depositor declared. Bad images raise a ValidationError
    naming the file and store nothing. `country` is the MICR layout tried first (the reader falls back
    to the layout that fits)."""
    pages = images.inspect(front, field="front")
    back_page = pages[1] if len(pages) == 2 else None
    if back is not None:
        if back_page is not None:
            raise ValidationError({"back": ["The front file already holds the back as its second page."]})
        back_pages = images.inspect(back, field="back")
        if len(back_pages) != 1:
            raise ValidationError({"back": ["The back must be a single page."]})
        back_page = back_pages[0]
    if declared_amount is not None and declared_amount <= 0:
        raise ValidationError({"declared_amount": ["The declared amount must be more than zero."]})
    if country not in ("us", "ca", "in"):
        raise ValidationError({"country": ["Choose us, ca or in."]})
    account = "".join(ch for ch in declared_account if ch.isalnum())
    face = pages[0]
    image_hash = images.difference_hash(face.data)
    cheque = Cheque(
        front_sha256=hashlib.sha256(face.data).hexdigest(), image_hash=image_hash,
        **{f"hash_{i}": image_hash[4 * i : 4 * i + 4] for i in range(4)},
        image_format=face.format, width=face.width, height=face.height, declared_amount=declared_amount,
        declared_currency=(declared_currency or settings.BANK_CURRENCY).upper(), declared_account=account,
        declared_account_last4=account[-4:], reference=reference.strip(), source=source, country=country,
        submitted_by=actor if getattr(actor, "is_authenticated", False) else None,
    )  # fmt: skip
    stored, committed = [], []
    try:
        cheque.front.save(f"front.{face.extension}", ContentFile(face.data), save=False)
        stored.append(cheque.front)
        if back_page is not None:
            cheque.back.save(f"back.{back_page.extension}", ContentFile(back_page.data), save=False)
            stored.append(cheque.back)
        with transaction.atomic():
            cheque.save()
            transaction.on_commit(lambda: committed.append(True))  # before anything else that runs on commit
            from .tasks import process_cheque

            dispatch_on_commit(process_cheque, cheque.pk)
            audit_record(actor=actor, action="cheque.receive", obj=cheque,
                         after={"front_sha256": cheque.front_sha256, "back": bool(back_page), "source": source,
                                "declared_amount": declared_amount, "reference": cheque.reference})  # fmt: skip
    except BaseException:
        # Nothing half-stored: the files go when their row did not commit. Once it committed, the cheque
        # keeps them whatever happens after (its processing waits in the outbox).
        if not committed:
            for f in stored:
                f.delete(save=False)
        raise
    return cheque


# ------------------------------------------------------------------------------------ processing
FINAL = {ChequeStatus.CLEARED, ChequeStatus.NEEDS_KEYING, ChequeStatus.FLAGGED, ChequeStatus.RESCAN}
# A run touches its cheque at every step (the longest, reading the page, takes seconds): a cheque in
# processing untouched this long has lost its worker, and the sweeper sends it again.
STALE_PROCESSING = timedelta(seconds=settings.CHEQUE_STALE_SECONDS)
# A received cheque is taken within seconds unless the queue is long; after this it is sent again (a
# broker that lost its queue, a worker killed holding it). A repeat finds it done and does nothing.
STALE_RECEIVED = timedelta(seconds=settings.CHEQUE_WAITING_STALE_SECONDS)
# Runs a cheque may start before it is listed as failed: one that kills its worker is not tried for ever.
MAX_RUNS = 3


def cheque_process(*, cheque_id: int) -> Cheque | None:
    """Run the pipeline on one cheque: each step records its outcome, confidence and time; a step may
    stop it with a route (e.g. rescan). Idempotent: a routed cheque is left alone. An unexpected error
    propagates (the task retries transient ones, then marks the cheque failed)."""
    from PIL import Image

    from .pipeline import run
    from .pipeline.base import Context

    with transaction.atomic():
        cheque = Cheque.objects.select_for_update().filter(pk=cheque_id).first()
        if cheque is None or cheque.status in FINAL:
            return cheque
        if cheque.status == ChequeStatus.PROCESSING and cheque.updated_at > timezone.now() - STALE_PROCESSING:
            return cheque  # another run is on it (a repeated message)
        cheque.status, cheque.status_reason = ChequeStatus.PROCESSING, ""
        cheque.attempts += 1
        cheque.save(update_fields=["status", "status_reason", "attempts", "updated_at"])
    this_run = cheque.attempts
    with cheque.front.open("rb") as fh:
        front = Image.open(fh).convert("L")
    back = None
    if cheque.back:
        with cheque.back.open("rb") as fh:
            back = Image.open(fh).convert("L")
    ctx = Context(front=front, back=back, found={"cheque": cheque, "country": cheque.country,
                                                 "declared_amount": cheque.declared_amount})  # fmt: skip
    route, reason = run(ctx, on_step=lambda *a: _record(cheque, *a))
    ocr, found = ctx.found.get("ocr"), ctx.found
    with transaction.atomic():
        current = Cheque.objects.select_for_update().filter(pk=cheque.pk).first()
        if current is None or current.status != ChequeStatus.PROCESSING or current.attempts != this_run:
            return current  # this run was given up as lost and another took the cheque: its outcome stands
        cheque.status, cheque.status_reason, cheque.processed_at = route, reason[:255], timezone.now()
        if ocr is not None:
            cheque.ocr_text, cheque.ocr_words = "\n".join(ocr.lines), ocr.words
        cheque.country = found.get("country") or cheque.country
        cheque.micr_key = found.get("micr_key", cheque.micr_key)
        _searchable(cheque, found.get("typed", {}))
        if "checks" in found:
            cheque.validations = found["checks"]
        if "risk" in found:  # the checks' score, or a duplicate presentment's
            cheque.risk_score, cheque.risk_reasons = found["risk"]["score"], found["risk"]["reasons"]
            cheque.model_version = found["risk"].get("model_version", "")
        cheque.save()
        for name, read in found.get("fields", {}).items():
            ChequeField.objects.update_or_create(
                cheque=cheque,
                name=name,
                defaults={
                    "read_value": read.value[:255],
                    "read_confidence": read.confidence,
                    "read_source": read.source,
                },
            )
        if route == ChequeStatus.FLAGGED:
            risk_engine.get().cheque_flag(cheque, found["risk"]["score"], found["risk"]["reasons"])
        _flag_later_presentments(cheque)
        audit_record(actor=None, action="cheque.route", obj=cheque, after={"status": route, "reason": reason})
    return cheque


def _searchable(cheque: Cheque, typed: dict) -> None:
    """The columns lists are filtered by, from the fields' current typed values."""
    cheque.amount = typed.get("amount", typed.get("legal_amount"))
    cheque.routing = typed.get("routing", "")
    cheque.account_last4 = typed.get("account", "")[-4:]


def _record(cheque: Cheque, name: str, outcome: str, confidence, duration_ms: int, detail: dict) -> None:
    ChequeStep.objects.create(cheque=cheque, name=name, attempt=cheque.attempts, outcome=outcome,
                              confidence=confidence, duration_ms=duration_ms, detail=detail)  # fmt: skip
    # The run's heartbeat: the sweeper leaves a cheque alone while its run keeps touching it.
    Cheque.objects.filter(pk=cheque.pk, status=ChequeStatus.PROCESSING, attempts=cheque.attempts).update(
        updated_at=timezone.now()
    )


def cheque_release(*, cheque_id: int, error: str) -> None:
    """A run stopped by a passing error (storage or database busy) hands the cheque back, so the task's
    retry takes it again at once."""
    Cheque.objects.filter(pk=cheque_id, status=ChequeStatus.PROCESSING).update(
        status=ChequeStatus.RECEIVED, status_reason=f"Waiting to try again: {error}"[:255], updated_at=timezone.now()
    )


def cheques_resend_stale(*, now=None) -> dict:
    """The sweeper: cheques whose processing was lost are sent again; one that has started its runs
    MAX_RUNS times without finishing is listed as failed, with the reason, and in the failed-task list."""
    from apps.core.dispatch import resend_stale, swept_failed

    from .tasks import process_cheque

    now = now or timezone.now()

    def handle(cheque: Cheque) -> str | None:
        if cheque.status not in (ChequeStatus.PROCESSING, ChequeStatus.RECEIVED):
            return None
        limit = STALE_PROCESSING if cheque.status == ChequeStatus.PROCESSING else STALE_RECEIVED
        if cheque.updated_at >= now - limit:
            return None
        was = cheque.status
        if was == ChequeStatus.PROCESSING and cheque.attempts >= MAX_RUNS:
            reason = f"Processing stopped {cheque.attempts} times without finishing (its worker was lost)."
            cheque.status, cheque.status_reason = ChequeStatus.FAILED, reason
            cheque.save(update_fields=["status", "status_reason", "updated_at"])
            audit_record(actor=None, action="cheque.fail", obj=cheque, after={"error": reason})
            swept_failed(process_cheque, cheque.pk, cheque.attempts, reason)
            return "failed"
        if was == ChequeStatus.PROCESSING:
            cheque.status = ChequeStatus.RECEIVED
        cheque.status_reason = f"Sent again: {was} for over {int(limit.total_seconds())} s without progress."
        cheque.save(update_fields=["status", "status_reason", "updated_at"])
        audit_record(actor=None, action="cheque.resend", obj=cheque, before={"status": was})
        dispatch_on_commit(process_cheque, cheque.pk)
        return "resent"

    return resend_stale(Cheque.objects.filter(cheque_stale_q(now)), process_cheque, handle)


def cheque_stale_q(now=None) -> Q:
    """Cheques waiting or processing for longer than they should (what the sweeper takes next)."""
    now = now or timezone.now()
    return Q(status=ChequeStatus.PROCESSING, updated_at__lt=now - STALE_PROCESSING) | Q(
        status=ChequeStatus.RECEIVED, updated_at__lt=now - STALE_RECEIVED
    )


def cheques_stale_count(*, now=None) -> dict:
    stale = Cheque.objects.filter(cheque_stale_q(now))
    return {
        "processing": stale.filter(status=ChequeStatus.PROCESSING).count(),
        "received": stale.filter(status=ChequeStatus.RECEIVED).count(),
    }


def cheque_fail(*, cheque_id: int, error: str) -> None:
    """After its retries, a cheque that could not be processed is listed as failed (never lost)."""
    with transaction.atomic():
        cheque = Cheque.objects.select_for_update().filter(pk=cheque_id).first()
        if cheque is None or cheque.status in FINAL:
            return
        cheque.status, cheque.status_reason = ChequeStatus.FAILED, error[:255]
        cheque.save(update_fields=["status", "status_reason", "updated_at"])
        audit_record(actor=None, action="cheque.fail", obj=cheque, after={"error": error[:1000]})


def cheque_retry(*, cheque: Cheque, actor) -> Cheque:
    """A supervisor sends a failed cheque (or one scanned again) through the pipeline once more."""
    from .tasks import process_cheque

    if not actor.has_perm("cheques.retry_cheque"):
        raise PermissionDenied("Only supervisors retry cheques.")
    with transaction.atomic():
        cheque = Cheque.objects.select_for_update().get(pk=cheque.pk)
        if cheque.status not in (ChequeStatus.FAILED, ChequeStatus.RESCAN):
            raise ValidationError("Only a failed cheque, or one waiting for a rescan, is sent through again.",
                                  code="invalid_state")  # fmt: skip
        before = cheque.status
        cheque.status, cheque.status_reason = ChequeStatus.RECEIVED, ""
        cheque.save(update_fields=["status", "status_reason", "updated_at"])
        audit_record(actor=actor, action="cheque.retry", obj=cheque, before={"status": before})
        dispatch_on_commit(process_cheque, cheque.pk)
    return cheque


# ------------------------------------------------------------------------------------ keying
KEYING_HOLD = timedelta(minutes=15)  # a cheque opened for keying is someone else's after this


def cheque_next_for_keying(*, actor) -> Cheque | None:
    """The oldest cheque waiting for keying that nobody is keying, now held by the actor. A conditional
    UPDATE: two analysts asking at once never get the same cheque."""
    if not actor.has_perm("cheques.key_cheque"):
        raise PermissionDenied("You may not key cheques.")
    for _attempt in range(5):
        now = timezone.now()
        free = Cheque.objects.filter(status=ChequeStatus.NEEDS_KEYING).filter(
            Q(keying_by__isnull=True) | Q(keying_since__lt=now - KEYING_HOLD) | Q(keying_by=actor)
        )
        candidates = list(free.order_by("created_at", "id").values_list("pk", flat=True)[:10])
        if not candidates:
            return None
        for pk in candidates:
            held = Cheque.objects.filter(pk=pk, status=ChequeStatus.NEEDS_KEYING).filter(
                Q(keying_by__isnull=True) | Q(keying_since__lt=now - KEYING_HOLD) | Q(keying_by=actor)
            )
            if held.update(keying_by=actor, keying_since=now):
                return Cheque.objects.get(pk=pk)
    return None


def cheque_key(*, cheque: Cheque, actor, values: dict[str, str], country: str) -> Cheque:
    """Keyed (or confirmed) fields: both the read and the keyed value are kept and audited; then the
    validations and the risk score run again and the cheque is routed: cleared, or flagged to a case."""
    from django.conf import settings

    from . import fields as field_specs
    from . import risk, validation
    from .pipeline.reading import MARKS, checks_for

    if not actor.has_perm("cheques.key_cheque"):
        raise PermissionDenied("You may not key cheques.")
    errors, typed = {}, {}
    values = {**values, "date": field_specs.keyed_date(values.get("date", ""), country)}
    optional = field_specs.COUNTRY_FIELDS.get(country, {})
    for name in field_specs.FIELDS:
        try:
            typed[name] = field_specs.parse(name, values.get(name, ""))
        except ValidationError as exc:
            errors[name] = exc.messages
    for name in optional:  # printed on the country's cheques: keyed when the keyer sees them
        if (values.get(name) or "").strip():
            try:
                typed[name] = field_specs.parse(name, values[name])
            except ValidationError as exc:
                errors[name] = exc.messages
    if country not in ("us", "ca", "in"):
        errors["country"] = ["Choose the country whose MICR rules apply."]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        cheque = Cheque.objects.select_for_update().get(pk=cheque.pk)
        if cheque.status != ChequeStatus.NEEDS_KEYING:
            raise ValidationError("This cheque is not waiting for keying.", code="invalid_state")
        now = timezone.now()
        existing = {f.name: f for f in cheque.fields.all()}
        before, after = {}, {}
        for name in [*field_specs.FIELDS, *optional]:
            keyed = (values.get(name) or "").strip()
            if name in optional and name not in existing and not keyed:
                continue  # not read, not keyed: not on this cheque
            field = existing.get(name) or ChequeField(cheque=cheque, name=name)
            before[name] = field.read_value
            # What a person keys is kept as written; an IFSC is kept as it is checked (capitals, the zero).
            field.keyed_value = typed[name] if name == "ifsc" and name in typed else keyed
            field.keyed_by, field.keyed_at = actor, now
            after[name] = field.keyed_value
            field.save()
        cheque.country = country
        cheque.micr_key = "|".join(typed[k] for k in ("routing", "account", "serial"))
        _searchable(cheque, typed)
        earlier = selectors.earlier_presentment(cheque_pk=cheque.pk, micr_key=cheque.micr_key)
        twin = selectors.presentment(earlier) if earlier is not None else None
        marks = {name: existing[name].value for name in MARKS if name in existing}
        checks = checks_for(country=country, typed=typed, marks=marks, declared_amount=cheque.declared_amount,
                            duplicate_of=twin)  # fmt: skip
        feats = risk.features(
            checks=[c.as_dict() for c in checks], amount=cheque.amount, issued=typed["date"],
            confidences=[f.read_confidence for f in existing.values() if f.read_confidence is not None],
            corrected=risk.corrected_count({n: f.read_value for n, f in existing.items()}, after),
            drawer_amounts=risk.drawer_amounts(micr_key=cheque.micr_key, before=cheque.created_at, exclude=cheque.pk),
            at=cheque.created_at,
        )  # fmt: skip
        score, reasons, cheque.model_version = risk.assess(checks, feats)
        flagged = score >= settings.RISK_REVIEW_THRESHOLD
        cheque.validations = [c.as_dict() for c in checks]
        cheque.risk_score, cheque.risk_reasons = score, reasons
        cheque.status = ChequeStatus.FLAGGED if flagged else ChequeStatus.CLEARED
        cleared = ("Keyed; every check passed." + validation.unchecked_note(checks))[:255]
        cheque.status_reason = reasons[0]["explanation"][:255] if flagged else cleared
        held_ms = int((now - cheque.keying_since).total_seconds() * 1000) if cheque.keying_since else 0
        cheque.keying_by, cheque.keying_since = None, None
        cheque.save()
        # The steps table then ends with what keying decided, not with the read's "needs keying".
        decided = {"route": cheque.status, "reason": cheque.status_reason, "score": score, "by": actor.get_username()}
        _record(cheque, "keyed", ChequeStep.Outcome.OK, None, max(held_ms, 0), decided)
        audit_record(actor=actor, action="cheque.key", obj=cheque, before={"read": before},
                     after={"keyed": after, "status": cheque.status, "score": score})  # fmt: skip
        if flagged:
            risk_engine.get().cheque_flag(cheque, score, reasons)
        _flag_later_presentments(cheque)
    return cheque


def _flag_later_presentments(original: Cheque) -> list[int]:
    """Once a cheque's routing, account and serial are known, copies presented after it that were read or
    keyed first (and so found no earlier twin) are the duplicates: they are flagged, naming the original.
    The original itself is never the duplicate. Inside the caller's transaction. Cases that counted
    the cheque, or a copy of it, take its amount now that it is known."""
    if original.amount is not None:
        risk_engine.get().cheque_amount_known(original)
    if original.micr_key.count("|") != 2 or not all(original.micr_key.split("|")):
        return []
    later = Cheque.objects.select_for_update().filter(
        micr_key=original.micr_key, pk__gt=original.pk,
        status__in=[ChequeStatus.CLEARED, ChequeStatus.NEEDS_KEYING, ChequeStatus.RESCAN],
    )  # fmt: skip
    flagged = []
    for copy in later:
        from .pipeline.duplicates import DUPLICATE_SCORE

        explanation = f"Duplicate presentment: routing, account and serial match {selectors.presentment(original)}."
        reason = {"type": "rule", "rule": "cheque-duplicate-micr", "version": 1, "weight": DUPLICATE_SCORE,
                  "explanation": explanation, "duplicate_of": original.pk}  # fmt: skip
        before = copy.status
        copy.status, copy.status_reason = ChequeStatus.FLAGGED, explanation[:255]
        copy.risk_score = max(copy.risk_score or 0, DUPLICATE_SCORE)
        copy.risk_reasons = [reason, *copy.risk_reasons]
        copy.keying_by, copy.keying_since = None, None
        copy.save()
        audit_record(actor=None, action="cheque.flag_duplicate", obj=copy, before={"status": before},
                     after={"status": copy.status, "duplicate_of": original.pk})  # fmt: skip
        risk_engine.get().cheque_flag(copy, copy.risk_score, copy.risk_reasons)
        flagged.append(copy.pk)
    return flagged


def cheques_label(*, actor, cheque_ids: list[int], label: str, reason: str = "") -> int:
    """Record ground truth (fraud / legitimate) from a case outcome: what the cheque model learns from.
    Call inside the caller's transaction; one audit event per cheque relabelled."""
    if label not in ("fraud", "legitimate"):
        raise ValidationError(f"Unknown label {label!r}.")
    changed = 0
    relabel = Cheque.objects.filter(pk__in=cheque_ids).exclude(label=label)
    for cheque in relabel.only("pk", "label", "status"):
        audit_record(actor=actor, action="cheque.label", obj=cheque, before={"label": cheque.label},
                     after={"label": label}, reason=reason)  # fmt: skip
        changed += 1
    relabel.update(label=label, labelled_at=timezone.now())
    return changed


# ------------------------------------------------------------------------------------ bank directory
DIRECTORY_MAX_BYTES = 100 * 1024 * 1024  # the RBI's whole list as CSV is about 40 MB


def bank_directory_load(*, country: str, file, actor, source: str) -> BankDirectoryLoad:
    """Replace a country's bank directory with the entries of a file (CSV, see `directory`), all or
    nothing: a file with a bad line raises a ValidationError naming it, and changes nothing. The load is
    recorded (source, file name, SHA-256, entries added, changed and removed, who) and audited in the
    same transaction."""
    from . import directory

    if country not in directory.COUNTRIES:
        raise ValidationError({"country": ["Choose India (in) or Canada (ca)."]})
    source = (source or "").strip()
    if not source:
        raise ValidationError({"source": ["Say where the file comes from (a URL, or the list's date)."]})
    name = Path(getattr(file, "name", "") or "directory.csv").name[:255]
    if getattr(file, "size", None) is not None and file.size > DIRECTORY_MAX_BYTES:
        raise ValidationError({"file": [f"{name}: the file is over {DIRECTORY_MAX_BYTES // 2**20} MB."]})
    if hasattr(file, "seek"):
        file.seek(0)
    data = file.read(DIRECTORY_MAX_BYTES + 1)
    if len(data) > DIRECTORY_MAX_BYTES:
        raise ValidationError({"file": [f"{name}: the file is over {DIRECTORY_MAX_BYTES // 2**20} MB."]})
    try:
        entries = directory.read(country, data)
    except directory.DirectoryFileError as exc:
        raise ValidationError({"file": [f"{name}: {exc} Nothing was changed."]}) from None
    user = actor if getattr(actor, "is_authenticated", False) else None
    try:
        with transaction.atomic():
            # One load at a time per country: the current version's record is held until this one commits.
            BankDirectoryLoad.objects.select_for_update().filter(country=country).order_by("-loaded_at", "-id").first()
            replace = _replace_india if country == "in" else _replace_canada
            counts, samples = replace(entries)
            load = BankDirectoryLoad.objects.create(
                country=country, source=source[:255], file_name=name, sha256=hashlib.sha256(data).hexdigest(),
                rows=len(entries), **counts, loaded_by=user,
                loaded_by_name=user.get_username() if user is not None else "system",
            )  # fmt: skip
            audit_record(actor=actor, action="bank_directory.load", obj=load,
                         after={"country": country, "source": load.source, "file_name": name, "sha256": load.sha256,
                                "rows": load.rows, **counts, **samples})  # fmt: skip
    except IntegrityError:
        raise ValidationError("Another load of this directory ran at the same time; nothing was changed by this one. "
                              "Load the file again.") from None  # fmt: skip
    return load


def bank_directory_load_shipped(*, country: str, actor) -> BankDirectoryLoad:
    """Load the small real excerpt shipped with ChequeCloud (apps/cheques/data) for a country."""
    from django.core.files import File

    from .directory import SHIPPED

    shipped = SHIPPED[country]
    with shipped.path.open("rb") as fh:
        return bank_directory_load(country=country, file=File(fh, name=shipped.path.name), actor=actor,
                                   source=shipped.source)  # fmt: skip


_SAMPLE = 20  # keys of each kind of change named in the audit event


def _apply(model, key: str, fields: tuple[str, ...], new: dict[str, dict]) -> tuple[dict, dict]:
    """Make the model's rows exactly `new` (key → field values): the counts and a sample of the keys."""
    existing = {row[0]: row[1:] for row in model.objects.values_list(key, "pk", *fields).iterator(chunk_size=5000)}
    removed = sorted(existing.keys() - new.keys())
    added = sorted(new.keys() - existing.keys())
    changed = sorted(k for k in new.keys() & existing.keys() if tuple(new[k][f] for f in fields) != existing[k][1:])
    for start in range(0, len(removed), 500):
        model.objects.filter(pk__in=[existing[k][0] for k in removed[start : start + 500]]).delete()
    if changed:
        model.objects.bulk_update([model(pk=existing[k][0], **new[k]) for k in changed], list(fields), batch_size=500)
    if added:
        model.objects.bulk_create([model(**{key: k}, **new[k]) for k in added], batch_size=1000)
    counts = {"added": len(added), "changed": len(changed), "removed": len(removed)}
    samples = {f"{kind}_sample": keys[:_SAMPLE] for kind, keys in (("added", added), ("changed", changed),
                                                                   ("removed", removed)) if keys}  # fmt: skip
    return counts, samples


def _replace_india(entries) -> tuple[dict, dict]:
    from dataclasses import asdict

    from .models import IndianBranch

    fields = ("micr", "bank", "branch", "centre", "city", "district", "state")
    new = {e.ifsc: {f: v for f, v in asdict(e).items() if f != "ifsc"} for e in entries}
    return _apply(IndianBranch, "ifsc", fields, new)


def _replace_canada(entries) -> tuple[dict, dict]:
    from .models import CanadianInstitution

    return _apply(CanadianInstitution, "number", ("name",), {e.number: {"name": e.name} for e in entries})
