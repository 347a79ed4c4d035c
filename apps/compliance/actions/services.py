"""Corrective actions: created by a compliance officer, worked by their owner, verified by someone else.
Every step is audited in the transaction that makes it."""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from apps.core.services import audit_record, model_snapshot

from ..choices import Domain
from ..files import checked_upload, read_encrypted, save_encrypted
from ..models import ActionEvidence, CorrectiveAction
from ..score.services import score_refresh_soon

Status = CorrectiveAction.Status
_SNAPSHOT = ["title", "owner", "due_on", "status", "case", "source", "source_ref", "domain"]


def _required(text: str, field: str, why: str) -> str:
    text = (text or "").strip()
    if not text:
        raise ValidationError({field: [why]})
    return text


def _locked(action: CorrectiveAction) -> CorrectiveAction:
    return CorrectiveAction.objects.select_for_update().get(pk=action.pk)


def _audit(actor, action: CorrectiveAction, verb: str, **extra) -> None:
    audit_record(actor=actor, action=f"corrective_action.{verb}", obj=action,
                 after={**model_snapshot(action, _SNAPSHOT), **extra})  # fmt: skip


def action_create(*, actor, title: str, plan: str, owner, due_on: date, source: str = "",
                  source_ref: str = "", case=None, domain: str = "aml") -> CorrectiveAction:  # fmt: skip
    """A new action for `owner` (any active staff member), due on `due_on` (today or later), in the part
    of the compliance score (`domain`) it counts against while overdue."""
    if not actor.has_perm("compliance.add_correctiveaction"):
        raise PermissionDenied("You may not create corrective actions.")
    title = _required(title, "title", "Name the action.")[:200]
    plan = _required(plan, "plan", "Say what is to be done.")
    if source not in CorrectiveAction.Source.values:
        source = CorrectiveAction.Source.CASE if case is not None else CorrectiveAction.Source.FINDING
    if owner is None or not owner.is_active:
        raise ValidationError({"owner": ["Choose an active member of staff."]})
    if due_on < timezone.localdate():
        raise ValidationError({"due_on": ["The due day is today or later."]})
    if domain not in Domain.values:
        raise ValidationError({"domain": [f"Unknown domain {domain!r}."]})
    with transaction.atomic():
        action = CorrectiveAction.objects.create(title=title, plan=plan, source=source, source_ref=source_ref[:100],
                                                 case=case, owner=owner, due_on=due_on, created_by=actor,
                                                 domain=domain)  # fmt: skip
        _audit(actor, action, "create")
    return action


def _owner_only(actor, action: CorrectiveAction) -> None:
    if actor.pk != action.owner_id:
        raise PermissionDenied("Only the action's owner works it.")


def action_start(*, actor, action: CorrectiveAction) -> CorrectiveAction:
    with transaction.atomic():
        action = _locked(action)
        _owner_only(actor, action)
        if action.status != Status.OPEN:
            raise ValidationError(f"The action is {action.get_status_display().lower()}, not open.")
        action.status = Status.IN_PROGRESS
        action.save(update_fields=["status", "updated_at"])
        _audit(actor, action, "start")
    return action


def action_done(*, actor, action: CorrectiveAction, note: str) -> CorrectiveAction:
    """The owner says it is done, and how: it waits for someone else to verify it."""
    note = _required(note, "note", "Say what was done.")
    with transaction.atomic():
        action = _locked(action)
        _owner_only(actor, action)
        if action.status not in (Status.OPEN, Status.IN_PROGRESS):
            raise ValidationError(f"The action is {action.get_status_display().lower()}.")
        action.status, action.done_note, action.done_at = Status.DONE, note, timezone.now()
        action.save(update_fields=["status", "done_note", "done_at", "updated_at"])
        _audit(actor, action, "done", note=note)
    return action


def action_verify(*, actor, action: CorrectiveAction, note: str = "", accept: bool = True) -> CorrectiveAction:
    """Someone other than the owner accepts the work (verified), or sends it back (in progress) saying why."""
    if not actor.has_perm("compliance.verify_correctiveaction"):
        raise PermissionDenied("You may not verify corrective actions.")
    if not accept:
        note = _required(note, "note", "Say why it goes back.")
    with transaction.atomic():
        action = _locked(action)
        if actor.pk == action.owner_id:
            raise ValidationError("An action is verified by someone other than its owner.")
        if action.status != Status.DONE:
            raise ValidationError(f"The action is {action.get_status_display().lower()}, not done.")
        if accept:
            action.status, action.verified_by, action.verified_at = Status.VERIFIED, actor, timezone.now()
        else:
            action.status = Status.IN_PROGRESS
        action.verify_note = note
        action.save(update_fields=["status", "verified_by", "verified_at", "verify_note", "updated_at"])
        _audit(actor, action, "verify" if accept else "send_back", note=note)
        if accept:
            score_refresh_soon()
    return action


def evidence_add(*, actor, action: CorrectiveAction, upload) -> ActionEvidence:
    """A PDF, PNG or JPEG showing the work, encrypted before it reaches storage (owner or officers)."""
    if actor.pk != action.owner_id and not actor.has_perm("compliance.add_actionevidence"):
        raise PermissionDenied("You may not add evidence to this action.")
    checked = checked_upload(upload, limit_mb=settings.KYC_DOCUMENT_MAX_MB, default_name="evidence")
    evidence = ActionEvidence(action=action, name=checked.name, content_type=checked.content_type,
                              size=len(checked.data), sha256=checked.sha256,
                              uploaded_by=actor if getattr(actor, "is_authenticated", False) else None)  # fmt: skip
    save_encrypted(evidence, checked, lambda: audit_record(
        actor=actor, action="corrective_action.evidence", obj=action,
        after={"name": evidence.name, "size": evidence.size, "sha256": evidence.sha256}))  # fmt: skip
    return evidence


def evidence_read(*, actor, evidence: ActionEvidence) -> bytes:
    if actor.pk != evidence.action.owner_id and not actor.has_perm("compliance.view_actionevidence"):
        raise PermissionDenied("You may not read this evidence.")
    data = read_encrypted(evidence.file, evidence.sha256, f"Evidence #{evidence.pk}")
    with transaction.atomic():
        audit_record(actor=actor, action="corrective_action.evidence_view", obj=evidence.action,
                     after={"evidence": evidence.pk})  # fmt: skip
    return data


def actions_remind(*, today: date | None = None) -> dict:
    """Email each owner once before the due day (ACTION_REMIND_DAYS ahead) and once when it has passed,
    for actions not yet done."""
    from django.core.mail import send_mail

    today = today or timezone.localdate()
    soon = today + timedelta(days=settings.ACTION_REMIND_DAYS)
    working = CorrectiveAction.objects.filter(status__in=[Status.OPEN, Status.IN_PROGRESS]).select_related("owner")
    sent = {"before": 0, "overdue": 0}
    for field, key, found in (
        ("reminded_before_at", "before", working.filter(due_on__gte=today, due_on__lte=soon, reminded_before_at=None)),
        ("reminded_overdue_at", "overdue", working.filter(due_on__lt=today, reminded_overdue_at=None)),
    ):
        for action in found:
            with transaction.atomic():
                claimed = CorrectiveAction.objects.filter(pk=action.pk, **{f"{field}__isnull": True}).update(
                    **{field: timezone.now()})  # fmt: skip
                if not claimed:
                    continue
                when = "is due" if key == "before" else "was due"
                send_mail(f"{action.reference} {when} on {action.due_on:%Y-%m-%d}: {action.title}",
                          f"{action.plan}\n\n{settings.PORTAL_BASE_URL}/compliance/actions/{action.pk}/",
                          None, [action.owner.email])  # fmt: skip
            sent[key] += 1
    return sent


def staff():
    return get_user_model().objects.filter(is_active=True).order_by("full_name", "email")
