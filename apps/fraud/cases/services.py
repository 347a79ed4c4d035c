"""Writes on cases. Each one locks the case, checks the state machine (`states`), names its actor, and
adds a timeline event and an audit event in the same database transaction; emails, SNS and webhooks go
out after commit."""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.text import get_valid_filename

from apps.core.dispatch import dispatch_on_commit
from apps.core.money import money_text
from apps.core.permissions import has_object_perm
from apps.core.rates import convert
from apps.core.services import audit_record, audit_record_many, model_snapshot

from ..choices import (
    OPEN_CASE_STATUSES,
    PRIORITY_RANK,
    AlertStatus,
    CaseKind,
    CaseOutcome,
    CasePriority,
    CaseStatus,
    ProposalStatus,
)
from ..models import Alert, Case, CaseAttachment, CaseEvent, CaseGroupObjectPermission, CaseProposal, CaseRoute
from . import states

CASE_FIELDS = ["status", "priority", "assignee", "sla_due_at", "snoozed_until", "outcome", "team", "tags"]
TEAM_PERMISSIONS = ("view_case", "change_case")
MENTION = re.compile(r"@([A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,})")
ATTACHMENT_TYPES = {
    "application/pdf", "image/png", "image/jpeg", "image/tiff", "text/plain", "text/csv", "message/rfc822",
}  # fmt: skip
MAX_TAGS = 10
CLAIMABLE = [CaseStatus.NEW, CaseStatus.IN_REVIEW]


# ------------------------------------------------------------------------------------ helpers
def priority_for(score: int, severity: str) -> str:
    """A blocking score makes a critical case; otherwise the alert's severity is the priority."""
    if score >= settings.RISK_BLOCK_THRESHOLD:
        return CasePriority.CRITICAL
    return {"high": CasePriority.HIGH, "medium": CasePriority.MEDIUM}.get(severity, CasePriority.LOW)


def sla_due(priority: str, start: datetime) -> datetime:
    return start + timedelta(hours=settings.CASE_SLA_HOURS[priority])


def _lock(case: Case) -> Case:
    return Case.objects.select_for_update().get(pk=case.pk)


def _event(case: Case, kind: str, actor, body: str = "", **data) -> CaseEvent:
    user = actor if getattr(actor, "is_authenticated", False) else None
    name = user.get_username() if user else "system"
    return CaseEvent.objects.create(case=case, kind=kind, actor=user, actor_name=name, body=body, data=data)


def _transition(case: Case, action: str, actor, *, reason: str = "", data: dict | None = None, **changes) -> Case:
    """Move a locked case along the state machine, with its timeline and audit events."""
    target = states.next_state(case.status, action)
    before = model_snapshot(case, CASE_FIELDS)
    case.status = target
    for name, value in changes.items():
        setattr(case, name, value)
    case.open_subject = None if target == CaseStatus.CLOSED else case.subject
    case.save()
    _event(case, action, actor, reason, **(data or {}))
    audit_record(actor=actor, action=f"case.{action}", obj=case, before=before,
                 after=model_snapshot(case, CASE_FIELDS), reason=reason)  # fmt: skip
    return case


def _need_reason(reason: str, what: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [f"Say why you {what}."]})
    return reason


def _may_work(actor, case: Case) -> None:
    if not has_object_perm(actor, case, "change"):
        raise PermissionDenied("You may not work on this case.")


def _notify(event: str, case: Case, user_ids, note: str = "") -> None:
    from ..tasks import notify_case

    ids = sorted({u for u in user_ids if u})
    dispatch_on_commit(notify_case, event, case.pk, ids, note)


def _supervisor_ids(case: Case) -> list[int]:
    from apps.accounts.choices import Role
    from apps.accounts.selectors import team_user_ids

    return team_user_ids(case.team_id, roles=[Role.SUPERVISOR])


def _grant_team(cases: list[Case], team_id: int | None) -> None:
    """The owning team's group may see and work the cases (one row per case and permission)."""
    if team_id is None or not cases:
        return
    from apps.accounts.models import Team

    group_id = Team.objects.filter(pk=team_id).values_list("group_id", flat=True).get()
    perms = list(Permission.objects.filter(content_type__app_label="fraud", codename__in=TEAM_PERMISSIONS))
    CaseGroupObjectPermission.objects.bulk_create(
        [CaseGroupObjectPermission(group_id=group_id, permission=p, content_object=c) for c in cases for p in perms],
        batch_size=2000,
        ignore_conflicts=True,
    )


# ------------------------------------------------------------------------------------ alerts → cases
def _alert_amount(alert: Alert) -> Decimal:
    if alert.amount is not None:
        return alert.amount
    if alert.transaction_id:
        return alert.transaction.amount
    if alert.cheque_id:
        # The best value known: keyed, else read (the cheque's current amount); for a duplicate presentment
        # stopped before it was read, the original's; else what was declared.
        cheque = alert.cheque
        if cheque.amount is not None:
            return cheque.amount
        original = next((r["duplicate_of"] for r in alert.reasons if r.get("duplicate_of")), None)
        if original is not None:
            from apps.cheques.models import Cheque

            known = Cheque.objects.filter(pk=original).values_list("amount", flat=True).first()
            if known is not None:
                return known
        return cheque.declared_amount or Decimal(0)
    return Decimal(0)


def cases_amount_refresh(*, cheque) -> list[Case]:
    """Open cases whose amount counted `cheque` (its own alert, or a copy's alert that took the amount
    from it as the original) take the amount known now, so the approval rule and routes see it.
    Each change is on the case's timeline and in the audit trail. Inside the caller's transaction."""
    alerts = Alert.objects.filter(cheque__isnull=False, case__status__in=OPEN_CASE_STATUSES).only(
        "id", "case_id", "cheque_id", "reasons")  # fmt: skip
    case_ids = {a.case_id for a in alerts
                if a.cheque_id == cheque.pk or any(r.get("duplicate_of") == cheque.pk for r in a.reasons)}  # fmt: skip
    changed = []
    for case in Case.objects.select_for_update().filter(pk__in=case_ids).order_by("pk"):
        amount = sum((_alert_amount(a) for a in case.alerts.select_related("transaction", "cheque")), Decimal(0))
        if amount == case.amount:
            continue
        before, case.amount = case.amount, amount
        case.save(update_fields=["amount", "updated_at"])
        note = (f"Amount {money_text(before, case.currency)} → {money_text(amount, case.currency)}: "
                f"cheque #{cheque.pk}'s amount is now known.")  # fmt: skip
        _event(case, "amount", None, note)
        audit_record(actor=None, action="case.amount", obj=case, before={"amount": str(before)},
                     after={"amount": str(amount), "cheque": cheque.pk})  # fmt: skip
        changed.append(case)
    return changed


def _subject_fields(alerts: list[Alert]) -> dict[str, Any]:
    first = alerts[0]
    if first.cheque_id:
        return {"customer_ref": "", "account_id": None, "currency": first.cheque.declared_currency,
                "kind": CaseKind.CHEQUE}  # fmt: skip
    if first.subject.startswith(COMPLIANCE_SUBJECT):
        about = first.subject.removeprefix(COMPLIANCE_SUBJECT)  # customer:<ref>, or kpi:<code> for a breach
        customer = about.removeprefix("customer:") if about.startswith("customer:") else ""
        return {"customer_ref": customer, "account_id": None, "currency": first.currency or settings.BANK_CURRENCY,
                "kind": CaseKind.COMPLIANCE}  # fmt: skip
    txn = first.transaction if first.transaction_id else None
    return {
        "customer_ref": txn.customer_ref if txn is not None else "",
        "account_id": txn.account_id if txn is not None else None,
        "currency": txn.currency if txn is not None else "USD",
        "kind": CaseKind.TRANSACTION,
    }


def _worst(alerts: list[Alert]) -> str:
    return min((priority_for(a.score, a.severity) for a in alerts), key=PRIORITY_RANK.__getitem__)


def _title(alerts: list[Alert]) -> str:
    top = max(alerts, key=lambda a: a.score)
    why = top.reasons[0]["explanation"] if top.reasons else "Risk score"
    if top.subject.startswith(f"{COMPLIANCE_SUBJECT}kpi:"):  # a compliance score breach says what it is
        return why[:200]
    return f"{top.subject.replace(':', ' ')}: {why}"[:200]


def cases_gather(*, alerts: list[Alert]) -> list[Case]:
    """Put new (saved) alerts into cases: an open case on the same subject takes them; otherwise a case
    opens in the default team's queue, with a priority from its worst alert and an SLA due date.
    Call inside the transaction that stored the alerts; the whole batch costs a fixed number of queries
    plus one UPDATE per existing case that grew."""
    if not alerts:
        return []
    now = timezone.now()
    by_subject: dict[str, list[Alert]] = defaultdict(list)
    for a in alerts:
        by_subject[a.subject].append(a)
    existing = {c.subject: c for c in Case.objects.select_for_update().filter(open_subject__in=list(by_subject))}
    fresh, lost = _open_for_alerts({s: a for s, a in by_subject.items() if s not in existing}, now)
    if lost:  # another worker opened these a moment ago: join its cases like any open case
        existing.update({c.subject: c for c in Case.objects.select_for_update().filter(open_subject__in=lost)})
    touched = []
    for case in existing.values():
        group = by_subject[case.subject]
        worst = _worst(group)
        changes = {"amount": case.amount + sum(_alert_amount(a) for a in group),
                   "alert_count": case.alert_count + len(group)}  # fmt: skip
        if PRIORITY_RANK[worst] < case.priority_rank:
            changes.update(priority=worst, priority_rank=PRIORITY_RANK[worst],
                           sla_due_at=min(case.sla_due_at, sla_due(worst, now)))  # fmt: skip
        if case.status == CaseStatus.SNOOZED:  # news wakes a snoozed case
            changes.update(status=CaseStatus.IN_REVIEW, snoozed_until=None)
        Case.objects.filter(pk=case.pk).update(**changes, updated_at=now)
        for name, value in changes.items():
            setattr(case, name, value)
        touched.append(case)
        CaseEvent.objects.create(case=case, kind="alerts", actor_name="system",
                                 body=f"{len(group)} new alert{'s' if len(group) > 1 else ''}",
                                 data={"alerts": [a.pk for a in group]})  # fmt: skip
    cases = {**existing, **{c.subject: c for c in fresh}}
    for a in alerts:
        a.case, a.status = cases[a.subject], AlertStatus.IN_CASE
    Alert.objects.bulk_update(alerts, ["case", "status"], batch_size=1000)
    audit_record_many(actor=None, action="case.alerts_added", objs=touched)
    return [*fresh, *touched]


def _open_for_alerts(groups: dict[str, list[Alert]], now: datetime) -> tuple[list[Case], list[str]]:
    """Open a case per subject; returns the cases opened and the subjects another worker won."""
    if not groups:
        return [], []
    fresh = []
    for subject, group in groups.items():
        priority = _worst(group)
        fresh.append(Case(title=_title(group), subject=subject, open_subject=subject, priority=priority,
                          priority_rank=PRIORITY_RANK[priority], sla_due_at=sla_due(priority, now),
                          amount=sum(_alert_amount(a) for a in group), alert_count=len(group),
                          **_subject_fields(group)))  # fmt: skip
    route_to_teams(fresh)
    try:
        with transaction.atomic():
            Case.objects.bulk_create(fresh, batch_size=1000)
    except IntegrityError:
        # A concurrent worker opened a case on one of these subjects: insert one by one.
        opened, lost = [], []
        for case in fresh:
            case.pk = None
            try:
                with transaction.atomic():
                    case.save(force_insert=True)
            except IntegrityError:
                lost.append(case.subject)
            else:
                opened.append(case)
        _after_open_by_team(opened)
        return opened, lost
    _after_open_by_team(fresh)
    return fresh, []


# Compliance (AML) alerts are about a customer under this prefix, so their cases are apart from fraud's.
COMPLIANCE_SUBJECT = "aml:"


def route_to_teams(cases: list[Case]) -> None:
    """Each new case's team: the first case route (in order) it matches, else the default team. A
    compliance case no route takes goes to the compliance team, never to a fraud team's queue."""
    from apps.accounts.selectors import default_case_team

    routes = list(CaseRoute.objects.select_related("team"))
    default = compliance = None
    for case in cases:
        route = next((r for r in routes if r.matches(case)), None)
        if route is not None:
            case.team = route.team
        elif case.kind == CaseKind.COMPLIANCE:
            compliance = compliance or _compliance_team()
            case.team = compliance
        else:
            default = default or default_case_team()
            case.team = default


def _compliance_team():
    """The team whose queue takes compliance cases (`COMPLIANCE_CASE_TEAM`), made when first needed:
    compliance officers see every case; others only what an officer assigns them."""
    from apps.accounts.models import Team
    from apps.accounts.services import team_create

    slug = settings.COMPLIANCE_CASE_TEAM
    team = Team.objects.filter(slug=slug).first()
    if team is None:
        try:
            with transaction.atomic():
                team = team_create(actor=None, name=slug.replace("-", " ").capitalize(),
                                   description="Compliance (AML) cases.")  # fmt: skip
        except (ValidationError, IntegrityError):  # made a moment ago by another worker
            team = Team.objects.get(slug=slug)
    return team


def _after_open_by_team(cases: list[Case]) -> None:
    by_team: dict[int | None, list[Case]] = {}
    for case in cases:
        by_team.setdefault(case.team_id, []).append(case)
    for team_id, team_cases in by_team.items():
        _after_open(team_cases, team_id, actor=None)


def _after_open(cases: list[Case], team_id: int | None, *, actor) -> None:
    _grant_team(cases, team_id)
    user = actor if getattr(actor, "is_authenticated", False) else None
    name = user.get_username() if user else "system"
    CaseEvent.objects.bulk_create([CaseEvent(case=c, kind="opened", actor=user, actor_name=name,
                                             body=f"Opened with priority {c.get_priority_display().lower()}")
                                   for c in cases])  # fmt: skip
    audit_record_many(actor=actor, action="case.open", objs=cases)
    if settings.CASE_AUTO_ASSIGN and team_id is not None:
        _round_robin(cases, team_id)
    from apps.accounts.selectors import team_user_ids

    members = team_user_ids(team_id) if any(c.priority == CasePriority.CRITICAL for c in cases) else []
    for c in cases:
        if c.priority == CasePriority.CRITICAL:
            _notify("case.critical", c, members)


def _round_robin(cases: list[Case], team_id: int) -> None:
    """Give each new case to the team analyst holding the fewest open cases, skipping anyone at the cap."""
    from django.contrib.auth import get_user_model

    from apps.accounts.choices import Role
    from apps.accounts.selectors import team_user_ids

    analysts = team_user_ids(team_id, roles=[Role.ANALYST])
    if not analysts:
        return
    User = get_user_model()
    load = dict(
        User.objects.filter(pk__in=analysts)
        .annotate(n=Count("assigned_cases", filter=Q(assigned_cases__status__in=OPEN_CASE_STATUSES)))
        .values_list("pk", "n")
    )
    users = {u.pk: u for u in User.objects.filter(pk__in=analysts)}
    for case in cases:
        pk = min(load, key=lambda k: (load[k], k))
        if load[pk] >= settings.CASE_ANALYST_CAP:
            return  # everyone is full: the rest wait in the queue
        load[pk] += 1
        _transition(case, "assign", None, reason="Round-robin", assignee=users[pk], assigned_at=timezone.now())


# ------------------------------------------------------------------------------------ opening by hand
def case_open(*, actor, team, title: str, customer_ref: str, priority: str, note: str = "") -> Case:
    """A case a person opens (a tip-off, a complaint), on a customer."""
    if not actor.has_perm("fraud.add_case"):
        raise PermissionDenied("You may not open cases.")
    from apps.accounts.selectors import user_teams

    if team is None:
        raise ValidationError({"team": ["Choose the team whose queue gets the case."]})
    if not actor.has_perm("fraud.access_all_case") and team not in user_teams(actor):
        raise ValidationError({"team": ["You can open cases only in your own teams' queues."]})
    if priority not in CasePriority.values:
        raise ValidationError({"priority": ["Choose a priority."]})
    customer_ref = customer_ref.strip()
    if not customer_ref or not title.strip():
        raise ValidationError("A case needs a title and the customer it is about.")
    subject = f"customer:{customer_ref}"
    with transaction.atomic():
        other = Case.objects.filter(open_subject=subject).first()
        if other is not None:
            raise ValidationError(f"{other.reference} is already open on this customer; add to that one.")
        case = Case.objects.create(team=team, kind=CaseKind.MANUAL, title=title.strip()[:200], subject=subject,
                                   open_subject=subject, customer_ref=customer_ref, priority=priority,
                                   priority_rank=PRIORITY_RANK[priority], sla_due_at=sla_due(priority, timezone.now()),
                                   opened_by=actor)  # fmt: skip
        _after_open([case], team.pk, actor=actor)
        if note.strip():
            _event(case, "comment", actor, note.strip())
    return case


# ------------------------------------------------------------------------------------ taking the work
def case_claim(*, case: Case, actor) -> Case:
    """Take a case. Claiming one you already hold is a no-op (a client may retry)."""
    _may_work(actor, case)
    with transaction.atomic():
        case = _lock(case)
        states.next_state(case.status, "claim")
        if case.assignee_id == actor.pk:
            return case
        if case.assignee_id is not None:
            raise ValidationError(f"{case.reference} is already assigned to {case.assignee}.", code="conflict")
        return _transition(case, "claim", actor, assignee=actor, assigned_at=timezone.now())


def case_claim_next(*, actor) -> Case | None:
    """The most urgent unassigned case the actor may work, taken atomically: a conditional UPDATE, so
    two analysts clicking at once never get the same case (the loser moves to the next one)."""
    from . import selectors

    for _attempt in range(5):
        candidates = list(selectors.claimable(actor).values_list("pk", flat=True)[:10])
        if not candidates:
            return None
        for pk in candidates:
            with transaction.atomic():
                now = timezone.now()
                free = Case.objects.filter(pk=pk, assignee__isnull=True, status__in=CLAIMABLE)
                won = free.update(assignee=actor, assigned_at=now, status=CaseStatus.IN_REVIEW, updated_at=now)
                if won:
                    case = Case.objects.get(pk=pk)
                    _event(case, "claim", actor, "Claimed the next case")
                    audit_record(actor=actor, action="case.claim", obj=case, after=model_snapshot(case, CASE_FIELDS))
                    return case
    return None


def case_assign(*, case: Case, actor, assignee, reason: str = "") -> Case:
    if not actor.has_perm("fraud.assign_case"):
        raise PermissionDenied("Only supervisors assign cases.")
    if assignee is None or not assignee.is_active or not has_object_perm(assignee, case, "change"):
        raise ValidationError({"assignee": [f"{assignee} cannot work on {case.reference}'s team queue."]})
    with transaction.atomic():
        case = _lock(case)
        if case.assignee_id == assignee.pk:
            return case
        return _transition(case, "assign", actor, reason=reason, data={"assignee": assignee.get_username()},
                           assignee=assignee, assigned_at=timezone.now())  # fmt: skip


def cases_bulk_assign(*, cases: list[Case], actor, assignee, reason: str = "") -> list[Case]:
    """Assign many cases at once (all or none)."""
    with transaction.atomic():
        return [case_assign(case=c, actor=actor, assignee=assignee, reason=reason) for c in cases]


# ------------------------------------------------------------------------------------ side tracks
def case_escalate(*, case: Case, actor, reason: str) -> Case:
    _may_work(actor, case)
    reason = _need_reason(reason, "escalate it")
    with transaction.atomic():
        case = _transition(_lock(case), "escalate", actor, reason=reason)
        _notify("case.escalated", case, _supervisor_ids(case), reason)
    return case


def case_snooze(*, case: Case, actor, until: datetime, reason: str) -> Case:
    _may_work(actor, case)
    reason = _need_reason(reason, "snooze it")
    if until <= timezone.now():
        raise ValidationError({"until": ["Snooze until a moment in the future."]})
    if until > timezone.now() + timedelta(days=90):
        raise ValidationError({"until": ["Snooze for at most 90 days."]})
    with transaction.atomic():
        return _transition(_lock(case), "snooze", actor, reason=reason, data={"until": until.isoformat()},
                           snoozed_until=until)  # fmt: skip


def case_resume(*, case: Case, actor, reason: str = "") -> Case:
    if actor is not None:
        _may_work(actor, case)
    with transaction.atomic():
        return _transition(_lock(case), "resume", actor, reason=reason, snoozed_until=None)


def cases_wake_snoozed(*, now: datetime | None = None) -> int:
    """Snoozed cases whose date has come reopen by themselves (Celery beat)."""
    now = now or timezone.now()
    woken = 0
    for case in Case.objects.filter(status=CaseStatus.SNOOZED, snoozed_until__lte=now):
        with transaction.atomic():
            case = _lock(case)
            if case.status == CaseStatus.SNOOZED:
                _transition(case, "resume", None, reason="The snooze date has come.", snoozed_until=None)
                if case.assignee_id:
                    _notify("case.woken", case, [case.assignee_id])
                woken += 1
    return woken


# ------------------------------------------------------------------------------------ evidence
def case_comment(*, case: Case, actor, body: str) -> CaseEvent:
    """A comment; `@email` mentions of people who can see the case notify them."""
    from django.contrib.auth import get_user_model

    if not has_object_perm(actor, case, "change"):
        raise PermissionDenied("You may not comment on this case.")
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": ["Write a comment."]})
    if len(body) > 10_000:
        raise ValidationError({"body": ["A comment is at most 10,000 characters."]})
    emails = {m.lower() for m in MENTION.findall(body)}
    mentioned = [u for u in get_user_model().objects.filter(email__in=emails, is_active=True)
                 if u.pk != actor.pk and has_object_perm(u, case, "view")]  # fmt: skip
    with transaction.atomic():
        event = _event(case, "comment", actor, body, mentions=[u.get_username() for u in mentioned])
        audit_record(actor=actor, action="case.comment", obj=case, after={"event": event.pk})
        Case.objects.filter(pk=case.pk).update(updated_at=timezone.now())
        if mentioned:
            _notify("case.mention", case, [u.pk for u in mentioned], body[:500])
    return event


def case_attach(*, case: Case, actor, upload) -> CaseAttachment:
    """Evidence files: size-limited, of known document and image types, stored privately."""
    if not has_object_perm(actor, case, "change"):
        raise PermissionDenied("You may not add files to this case.")
    limit = settings.CASE_ATTACHMENT_MAX_MB * 1024 * 1024
    if upload.size == 0:
        raise ValidationError({"file": ["The file is empty."]})
    if upload.size > limit:
        raise ValidationError({"file": [f"The file is larger than {settings.CASE_ATTACHMENT_MAX_MB} MB."]})
    content_type = _sniff(upload)
    if content_type not in ATTACHMENT_TYPES:
        raise ValidationError({"file": ["Attach a PDF, an image (PNG, JPEG, TIFF), text, CSV or an email."]})
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    name = get_valid_filename(upload.name or "attachment")[-120:] or "attachment"
    with transaction.atomic():
        attachment = CaseAttachment(case=case, name=name, size=upload.size, content_type=content_type,
                                    sha256=digest.hexdigest(), uploaded_by=actor)  # fmt: skip
        attachment.file.save(name, upload, save=False)
        try:
            attachment.save()
            _event(case, "attachment", actor, name, attachment=attachment.pk, size=upload.size)
            audit_record(actor=actor, action="case.attach", obj=case,
                         after={"file": name, "sha256": attachment.sha256, "size": upload.size})  # fmt: skip
        except Exception:
            attachment.file.delete(save=False)  # nothing half-stored
            raise
    return attachment


def _sniff(upload) -> str:
    """The type by the file's first bytes, not by what the browser claimed."""
    head = upload.read(512)
    upload.seek(0)
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return "image/tiff"
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        return "application/octet-stream"
    if "\x00" in text:
        return "application/octet-stream"
    name = (upload.name or "").lower()
    if name.endswith(".eml"):
        return "message/rfc822"
    return "text/csv" if name.endswith(".csv") else "text/plain"


def case_tag(*, case: Case, actor, tags: list[str]) -> Case:
    _may_work(actor, case)
    clean = sorted({re.sub(r"[^a-z0-9-]+", "-", t.strip().lower()).strip("-")[:32] for t in tags} - {""})
    if len(clean) > MAX_TAGS:
        raise ValidationError({"tags": [f"At most {MAX_TAGS} tags."]})
    with transaction.atomic():
        case = _lock(case)
        if clean == case.tags:
            return case
        before = case.tags
        case.tags = clean
        case.save(update_fields=["tags", "updated_at"])
        _event(case, "tags", actor, ", ".join(clean) or "(none)")
        audit_record(actor=actor, action="case.tag", obj=case, before={"tags": before}, after={"tags": clean})
    return case


# ------------------------------------------------------------------------------------ decisions
def approval_reasons(*, case: Case, outcome: str, freeze_account: bool) -> list[str]:
    """Why a decision needs a second person (maker-checker); empty when it does not."""
    reasons = []
    if freeze_account:
        reasons.append("It freezes an account.")
    if outcome == CaseOutcome.CONFIRMED_FRAUD:
        base, limit = settings.BANK_CURRENCY, settings.CASE_APPROVAL_AMOUNT
        amount = convert(case.amount, case.currency, base)
        shown = money_text(case.amount, case.currency)
        if amount is None:
            reasons.append(f"It confirms fraud on {shown}, and there is no {case.currency} exchange rate to "
                           f"compare it with the {money_text(limit, base)} approval limit.")  # fmt: skip
        elif amount > limit:
            worth = f" ({money_text(amount, base)})" if case.currency != base else ""
            reasons.append(f"It confirms fraud on {shown}{worth}, above the {money_text(limit, base)} approval limit.")
    if case.priority == CasePriority.CRITICAL:
        reasons.append("It closes a critical case.")
    return reasons


def case_propose(*, case: Case, actor, outcome: str, note: str, freeze_account: bool = False) -> CaseProposal:
    """An analyst's decision. High-impact ones wait for a supervisor; the rest close the case now."""
    _may_work(actor, case)
    if outcome not in CaseOutcome.values:
        raise ValidationError({"outcome": ["Choose an outcome."]})
    note = _need_reason(note, "decide this way")
    with transaction.atomic():
        case = _lock(case)
        if freeze_account and case.account_id is None:
            raise ValidationError({"freeze_account": ["This case has no account to freeze."]})
        reasons = approval_reasons(case=case, outcome=outcome, freeze_account=freeze_account)
        action = "propose" if reasons else "close"
        states.next_state(case.status, action)  # refuse before writing anything
        proposal = CaseProposal.objects.create(
            case=case, outcome=outcome, freeze_account=freeze_account, note=note, approval_reasons=reasons,
            status=ProposalStatus.PENDING if reasons else ProposalStatus.APPLIED, proposed_by=actor,
        )  # fmt: skip
        if reasons:
            _transition(case, "propose", actor, reason=note, data={"outcome": outcome, "proposal": proposal.pk})
            approvers = [u for u in _supervisor_ids(case) if u != actor.pk]
            _notify("case.approval_requested", case, approvers, note)
        else:
            _apply(case, proposal, actor, "close")
    return proposal


def _may_review(actor, case: Case) -> None:
    if not actor.has_perm("fraud.approve_case") or not has_object_perm(actor, case, "view"):
        raise PermissionDenied("Only a supervisor of this case's team reviews its decisions.")


def _pending(case: Case) -> CaseProposal:
    proposal = CaseProposal.objects.select_for_update().filter(case=case, status=ProposalStatus.PENDING).first()
    if proposal is None:
        raise ValidationError("No decision is waiting for approval on this case.", code="invalid_state")
    return proposal


def case_approve(*, case: Case, actor, reason: str = "") -> Case:
    """Maker-checker: a supervisor who is not the proposer approves; the decision is applied."""
    _may_review(actor, case)
    with transaction.atomic():
        case = _lock(case)
        last = case.proposals.order_by("-id").first()
        if case.status == CaseStatus.CLOSED and last and last.reviewed_by_id == actor.pk:
            return case  # the same approval again (a retried request)
        proposal = _pending(case)
        if proposal.proposed_by_id == actor.pk:
            raise ValidationError("A decision must be approved by someone other than the person who proposed it.")
        proposal.status, proposal.reviewed_by, proposal.reviewed_at = ProposalStatus.APPROVED, actor, timezone.now()
        proposal.review_reason = reason.strip()
        proposal.save()
        _apply(case, proposal, actor, "approve", reason=reason.strip())
        _notify("case.approved", case, [proposal.proposed_by_id], reason)
    return case


def case_send_back(*, case: Case, actor, reason: str) -> Case:
    """The approver disagrees: the case returns to review with the reason."""
    _may_review(actor, case)
    reason = _need_reason(reason, "send it back")
    with transaction.atomic():
        case = _lock(case)
        proposal = _pending(case)
        if proposal.proposed_by_id == actor.pk:
            raise ValidationError("Someone other than the proposer reviews a decision.")
        proposal.status, proposal.reviewed_by, proposal.reviewed_at = ProposalStatus.SENT_BACK, actor, timezone.now()
        proposal.review_reason = reason
        proposal.save()
        _transition(case, "send_back", actor, reason=reason, data={"proposal": proposal.pk})
        _notify("case.sent_back", case, [proposal.proposed_by_id], reason)
    return case


def _apply(case: Case, proposal: CaseProposal, actor, action: str, reason: str = "") -> None:
    """Close the case with the decided outcome: label what it covers for training, freeze if decided."""
    from apps.transactions import services as txn_services

    _transition(case, action, actor, reason=reason or proposal.note,
                data={"outcome": proposal.outcome, "proposal": proposal.pk},
                outcome=proposal.outcome, closed_at=timezone.now())  # fmt: skip
    txn_ids = [t for t in case.alerts.values_list("transaction_id", flat=True) if t]
    label = {CaseOutcome.CONFIRMED_FRAUD: "fraud", CaseOutcome.FALSE_POSITIVE: "legitimate"}.get(proposal.outcome)
    if label and txn_ids:
        txn_services.transactions_label(actor=actor, transaction_ids=txn_ids, label=label,
                                        reason=f"Outcome of {case.reference}")  # fmt: skip
    cheque_ids = [c for c in case.alerts.values_list("cheque_id", flat=True) if c]
    if label and cheque_ids:
        from apps.cheques.services import cheques_label

        cheques_label(actor=actor, cheque_ids=cheque_ids, label=label, reason=f"Outcome of {case.reference}")
    if proposal.freeze_account and case.account_id:
        txn_services.account_freeze(actor=actor, account=case.account, reason=f"Decision on {case.reference}")
    case.alerts.update(status=AlertStatus.CLOSED)


def case_reopen(*, case: Case, actor, reason: str) -> Case:
    if not actor.has_perm("fraud.reopen_case"):
        raise PermissionDenied("Only supervisors reopen cases.")
    if not has_object_perm(actor, case, "view"):
        raise PermissionDenied("You may not reopen this case.")
    reason = _need_reason(reason, "reopen it")
    with transaction.atomic():
        case = _lock(case)
        other = Case.objects.filter(open_subject=case.subject).exclude(pk=case.pk).first()
        if other is not None:
            raise ValidationError(f"{other.reference} is open on the same subject; work that one instead.")
        now = timezone.now()
        return _transition(case, "reopen", actor, reason=reason, outcome="", closed_at=None,
                           sla_due_at=max(case.sla_due_at, sla_due(case.priority, now)),
                           sla_warned_at=None, sla_breached_at=None)  # fmt: skip


# ------------------------------------------------------------------------------------ SLA (Celery beat)
def cases_check_sla(*, now: datetime | None = None) -> dict[str, int]:
    """Wake snoozed cases, then tell people about SLAs due soon and breached: once each per case (a
    conditional UPDATE marks it, so overlapping runs never send twice)."""
    now = now or timezone.now()
    live = Case.objects.filter(status__in=OPEN_CASE_STATUSES).exclude(status=CaseStatus.SNOOZED)
    soon = now + timedelta(hours=settings.CASE_SLA_DUE_SOON_HOURS)
    sent = {"woken": cases_wake_snoozed(now=now), "due_soon": 0, "breached": 0}
    for case in live.filter(sla_breached_at__isnull=True, sla_due_at__lte=now):
        sent["breached"] += _sla_notice(case, "sla_breached_at", now, "breached",
                                        [case.assignee_id, *_supervisor_ids(case)])  # fmt: skip
    due = live.filter(
        sla_warned_at__isnull=True, sla_breached_at__isnull=True, sla_due_at__gt=now, sla_due_at__lte=soon
    )
    for case in due:
        sent["due_soon"] += _sla_notice(case, "sla_warned_at", now, "due_soon",
                                        [case.assignee_id] if case.assignee_id else _supervisor_ids(case))  # fmt: skip
    return sent


def _sla_notice(case: Case, mark: str, now: datetime, state: str, recipients: list) -> int:
    with transaction.atomic():
        if not Case.objects.filter(pk=case.pk, **{f"{mark}__isnull": True}).update(**{mark: now}):
            return 0  # another run sent it
        label = "SLA breached" if state == "breached" else "SLA due soon"
        _event(case, f"sla_{state}", None, f"{label} (due {case.sla_due_at:%Y-%m-%d %H:%M} UTC)")
        _notify(f"case.sla_{state}", case, recipients)
    return 1


# ------------------------------------------------------------------------------------ routing
_ROUTE_FIELDS = ["position", "kind", "priority", "currency", "min_amount", "customer_prefix", "team_id"]


def case_route_create(*, actor, team, position: int = 100, kind: str = "", priority: str = "", currency: str = "",
                      min_amount=None, customer_prefix: str = "") -> CaseRoute:  # fmt: skip
    """An admin adds a route: new cases matching it go to `team`'s queue (actor None: set-up). Audited."""
    if actor is not None and not actor.has_perm("fraud.add_caseroute"):
        raise PermissionDenied("Only administrators route cases.")
    with transaction.atomic():
        route = CaseRoute.objects.create(team=team, position=position, kind=kind, priority=priority,
                                         currency=currency.upper(), min_amount=min_amount,
                                         customer_prefix=customer_prefix.strip())  # fmt: skip
        audit_record(actor=actor, action="case_route.create", obj=route, after=model_snapshot(route, _ROUTE_FIELDS))
    return route


def case_route_delete(*, actor, route: CaseRoute) -> None:
    if not actor.has_perm("fraud.delete_caseroute"):
        raise PermissionDenied("Only administrators route cases.")
    with transaction.atomic():
        audit_record(actor=actor, action="case_route.delete", obj=route, before=model_snapshot(route, _ROUTE_FIELDS))
        route.delete()
