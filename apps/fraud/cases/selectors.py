"""Reads for cases: the queue, claimable work, a case's timeline, related cases, the live panel."""

from __future__ import annotations

from datetime import timedelta
from itertools import chain

from django.conf import settings
from django.db.models import Count, QuerySet
from django.utils import timezone

from apps.core.permissions import permitted

from ..choices import OPEN_CASE_STATUSES, CaseStatus
from ..models import Alert, Case, CaseAttachment, CaseProposal


def case_list() -> QuerySet[Case]:
    return Case.objects.select_related("assignee", "team")


def visible_cases(user, action: str = "view") -> QuerySet[Case]:
    return permitted(user, case_list(), action)


def queue(user) -> QuerySet[Case]:
    """The open cases the user may see, most urgent SLA first, then priority."""
    return visible_cases(user).filter(status__in=OPEN_CASE_STATUSES).order_by("sla_due_at", "priority_rank", "id")


def sla_filter(cases: QuerySet[Case], state: str, now=None) -> QuerySet[Case]:
    """Cases whose SLA is `breached` (due time passed) or `due_soon` (within CASE_SLA_DUE_SOON_HOURS)."""
    from datetime import timedelta

    from django.conf import settings
    from django.utils import timezone

    now = now or timezone.now()
    if state == "breached":
        return cases.filter(sla_due_at__lte=now)
    return cases.filter(sla_due_at__gt=now, sla_due_at__lte=now + timedelta(hours=settings.CASE_SLA_DUE_SOON_HOURS))


def claimable(user) -> QuerySet[Case]:
    """Unassigned cases the user may work, in queue order (escalated ones are for supervisors to assign)."""
    return (
        permitted(user, Case.objects.all(), "change")
        .filter(assignee__isnull=True, status__in=[CaseStatus.NEW, CaseStatus.IN_REVIEW])
        .order_by("sla_due_at", "priority_rank", "id")
    )


def sla_state(case: Case, now=None) -> str:
    if not case.is_open:
        return "closed"
    now = now or timezone.now()
    if case.sla_due_at <= now:
        return "breached"
    if case.sla_due_at <= now + timedelta(hours=settings.CASE_SLA_DUE_SOON_HOURS):
        return "due_soon"
    return "ok"


def case_detail(case: Case) -> dict:
    """Everything on the case page, in a fixed number of queries."""
    from apps.cheques.selectors import image_url
    from apps.transactions.selectors import customer_usual_behaviour

    alerts = list(case.alerts.select_related("transaction", "cheque").order_by("created_at", "id"))
    for a in alerts:
        a.cheque_front_url = image_url(a.cheque, "front") if a.cheque_id else None
    events = list(case.events.select_related("actor").order_by("created_at", "id"))
    attachments = list(CaseAttachment.objects.filter(case=case).select_related("uploaded_by"))
    proposals = list(CaseProposal.objects.filter(case=case).select_related("proposed_by", "reviewed_by"))
    timeline = sorted(
        chain(
            ({"at": e.created_at, "type": "event", "item": e} for e in events),
            ({"at": a.created_at, "type": "alert", "item": a} for a in alerts),
        ),
        key=lambda row: row["at"],
        reverse=True,
    )
    rules_fired, features = {}, {}
    for a in alerts:
        for r in a.reasons:
            if r.get("type") == "model":
                for f in r.get("top_features", []):
                    best = features.get(f["feature"])
                    if best is None or f["effect"] > best["effect"]:
                        features[f["feature"]] = f
            else:
                code = r.get("rule") or r.get("explanation", "")
                rules_fired.setdefault(code, {"explanation": r.get("explanation", ""), "weight": r.get("weight"),
                                              "times": 0})  # fmt: skip
                rules_fired[code]["times"] += 1
    first_seen = alerts[0].transaction.occurred_at if alerts and alerts[0].transaction_id else None
    return {
        "alerts": alerts,
        "timeline": timeline,
        "attachments": attachments,
        "proposals": proposals,
        "pending": next((p for p in proposals if p.status == "pending"), None),
        "rules_fired": sorted(rules_fired.items(), key=lambda kv: -(kv[1]["weight"] or 0)),
        "top_features": sorted(features.values(), key=lambda f: -f["effect"])[:5],
        "usual": customer_usual_behaviour(case.customer_ref, before=first_seen),
    }


def related_cases(user, case: Case) -> QuerySet[Case]:
    """Other cases (open or closed) on the same customer or account that the user may see."""
    from django.db.models import Q

    match = Q(pk__in=[])
    if case.customer_ref:
        match |= Q(customer_ref=case.customer_ref)
    if case.account_id:
        match |= Q(account_id=case.account_id)
    return visible_cases(user).filter(match).exclude(pk=case.pk).order_by("-created_at")[:10]


def live_summary(user) -> dict:
    """The live panel: open alerts by severity, the newest, SLA breaches and the user's open cases."""
    open_alerts = Alert.objects.filter(status__in=["open", "in_case"]).select_related("transaction", "cheque")
    counts = dict(open_alerts.values_list("severity").annotate(n=Count("id")).order_by())
    mine = queue(user).filter(assignee=user)
    return {
        "counts": {s: counts.get(s, 0) for s in ("high", "medium", "low")},
        "newest": list(open_alerts.order_by("-created_at", "-id")[:8]),
        "breached": queue(user).filter(sla_due_at__lte=timezone.now()).count()
        if user.has_perm("fraud.view_case")
        else None,
        "mine": list(mine[:5]) if user.has_perm("fraud.view_case") else [],
        "mine_count": mine.count() if user.has_perm("fraud.view_case") else 0,
        "now": timezone.now(),
    }
