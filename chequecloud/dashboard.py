"""Each role's work on its front page: counts of what waits for the person, each linking to the list it
counts, filtered (it names every app's work, so it lives above them all). Counts come from the same
querysets as the lists, so a number and the list it opens always agree."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse
from django.utils import timezone


@dataclass(frozen=True)
class Tile:
    label: str
    count: int
    url: str
    tone: str = ""  # "", "amber", "red", "green", "blue"
    key: str = ""


def work_for(user) -> dict[str, list]:
    tiles: list[Tile] = []
    by_team: list[dict] = []
    if user.has_perm("fraud.view_case"):
        tiles += _case_tiles(user)
        if user.has_perm("fraud.approve_case") or user.has_perm("fraud.access_all_case"):
            by_team = _breaches_by_team(user)
    if user.has_perm("cheques.key_cheque"):
        tiles += _keying_tiles()
    if user.has_perm("fraud.view_alert") and not user.has_perm("fraud.change_case"):
        tiles += _alert_tiles()  # compliance officers and auditors: the overview
    if user.has_perm("compliance.view_threshold"):
        tiles += _compliance_tiles(user)
    return {"tiles": tiles, "breaches_by_team": by_team}


def _cases_url(**query) -> str:
    from urllib.parse import urlencode

    return f"{reverse('fraud:cases')}?{urlencode(query)}"


def _case_tiles(user) -> list[Tile]:
    from apps.fraud.cases.selectors import sla_filter, visible_cases
    from apps.fraud.choices import OPEN_CASE_STATUSES, CaseKind, CaseStatus

    open_cases = visible_cases(user).filter(status__in=OPEN_CASE_STATUSES)
    tiles = []
    if user.has_perm("fraud.change_case"):
        tiles.append(Tile("My open cases", open_cases.filter(assignee=user).count(), _cases_url(assignee="me"),
                          key="mine"))  # fmt: skip
        if user.has_perm("compliance.view_threshold"):  # a compliance officer's queue is the compliance cases
            unassigned = open_cases.filter(assignee__isnull=True, kind=CaseKind.COMPLIANCE).count()
            tiles.append(Tile("Unassigned compliance cases", unassigned,
                              _cases_url(assignee="none", kind=CaseKind.COMPLIANCE), "blue", "unassigned"))  # fmt: skip
        else:
            tiles.append(Tile("Unassigned in my queues", open_cases.filter(assignee__isnull=True).count(),
                              _cases_url(assignee="none"), "blue", "unassigned"))  # fmt: skip
    if user.has_perm("fraud.approve_case"):
        waiting = open_cases.filter(status=CaseStatus.PENDING_APPROVAL).count()
        tiles.append(Tile("Waiting for approval", waiting, _cases_url(status=CaseStatus.PENDING_APPROVAL), "amber",
                          "approvals"))  # fmt: skip
    tiles.append(Tile("SLA breached", sla_filter(open_cases, "breached").count(), _cases_url(sla="breached"), "red",
                      "breached"))  # fmt: skip
    tiles.append(Tile("SLA due soon", sla_filter(open_cases, "due_soon").count(), _cases_url(sla="due_soon"), "amber",
                      "due_soon"))  # fmt: skip
    return tiles


def _breaches_by_team(user) -> list[dict]:
    """Open cases and SLA breaches per team, with the age of the oldest open case."""
    from django.db.models import Count, Min, Q

    from apps.fraud.cases.selectors import visible_cases
    from apps.fraud.choices import OPEN_CASE_STATUSES

    now = timezone.now()
    rows = (
        visible_cases(user).filter(status__in=OPEN_CASE_STATUSES, team__isnull=False)
        .values("team_id", "team__name")
        .annotate(open=Count("id"), breached=Count("id", filter=Q(sla_due_at__lte=now)), oldest=Min("created_at"))
        .order_by("team__name")
    )  # fmt: skip
    return [{"team": r["team__name"], "open": r["open"], "breached": r["breached"],
             "oldest_days": (now - r["oldest"]).days if r["oldest"] else 0,
             "open_url": _cases_url(team=r["team_id"]), "breached_url": _cases_url(team=r["team_id"], sla="breached")}
            for r in rows]  # fmt: skip


def _keying_tiles() -> list[Tile]:
    from apps.cheques.choices import ChequeStatus
    from apps.cheques.selectors import cheque_list

    waiting = cheque_list().filter(status=ChequeStatus.NEEDS_KEYING).count()
    return [Tile("Cheques to key", waiting, f"{reverse('cheques:list')}?status={ChequeStatus.NEEDS_KEYING}", "blue",
                 "keying")]  # fmt: skip


def _alert_tiles() -> list[Tile]:
    from apps.fraud.choices import AlertStatus
    from apps.fraud.selectors import alert_list

    alerts = alert_list().filter(status=AlertStatus.OPEN)
    url = reverse("fraud:alerts")
    return [
        Tile("Open high-severity alerts", alerts.filter(severity="high").count(),
             f"{url}?severity=high&status={AlertStatus.OPEN}", "red", "alerts_high"),
        Tile("Open alerts", alerts.count(), f"{url}?status={AlertStatus.OPEN}", "", "alerts_open"),
    ]  # fmt: skip


def _compliance_tiles(user) -> list[Tile]:
    """A compliance officer's work: AML cases, threshold versions waiting for their approval, and KYC
    reviews past or near their day."""
    from apps.compliance.choices import KycState
    from apps.compliance.kyc.selectors import kyc_queue, state_filter
    from apps.compliance.selectors import thresholds_pending
    from apps.fraud.cases.selectors import visible_cases
    from apps.fraud.choices import OPEN_CASE_STATUSES, CaseKind

    tiles = []
    if user.has_perm("fraud.view_case"):
        aml = visible_cases(user).filter(kind=CaseKind.COMPLIANCE, status__in=OPEN_CASE_STATUSES).count()
        tiles.append(Tile("Open compliance cases", aml, _cases_url(kind=CaseKind.COMPLIANCE), "blue", "aml_cases"))
    if user.has_perm("compliance.approve_threshold"):
        waiting = thresholds_pending().exclude(author=user).count()
        tiles.append(Tile("Thresholds to approve", waiting, reverse("compliance:thresholds"), "amber", "thresholds"))
    if user.has_perm("compliance.view_customerrisk"):
        queue = reverse("compliance:kyc_queue")
        for state, label, tone in ((KycState.EXPIRED, "KYC reviews expired", "red"),
                                   (KycState.REVIEW_DUE, "KYC reviews due soon", "amber")):  # fmt: skip
            count = kyc_queue().filter(state_filter(state)).count()
            tiles.append(Tile(label, count, f"{queue}?state={state}", tone, f"kyc_{state}"))
    return tiles
