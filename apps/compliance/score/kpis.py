"""The compliance score's KPIs: for each, the records it counts (its numerator), the records it counts
them among (its denominator, for a share), how each record is shown and where it opens, and the list in
the portal that shows the same records filtered.

Each is a handful of indexed counts, so every KPI is measured again in well under a second (the
benchmark in `docs/benchmarks.md`). `docs/compliance.md` defines each one in words; its name, unit and
domain are its metric's (`profiles.METRICS`), and its target, warning and breach levels and weight are
the version of that metric in force (`Threshold`), changed through the maker-checker flow.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from urllib.parse import urlencode

from django.db.models import F, Q, QuerySet
from django.urls import reverse

from apps.core.services import PII_VIEW_ACTION

from ..profiles import METRICS

PII_WINDOW_DAYS = 30
REPORT_WINDOW_DAYS = 365


@dataclass(frozen=True)
class Context:
    now: datetime
    today: date
    levels: dict  # metric → the Threshold in force


@dataclass(frozen=True)
class Kpi:
    code: str
    numerator: str
    denominator: str  # "" for a count
    period: str
    records: Callable[[Context], QuerySet]
    base: Callable[[Context], QuerySet] | None
    columns: tuple[tuple[str, Callable], ...]
    record_url: Callable[[object], str]
    list_url: Callable[[Context], str | None] = lambda ctx: None

    @property
    def metric(self):
        return METRICS[self.code]

    @property
    def domain(self) -> str:
        return self.metric.domain

    @property
    def name(self) -> str:
        return self.metric.name

    @property
    def is_share(self) -> bool:
        return self.base is not None


def _url(name: str, *args, **query) -> str:
    url = reverse(name, args=args)
    return f"{url}?{urlencode(query)}" if query else url


# ------------------------------------------------------------------------------------ AML
def _compliance_cases():
    from apps.fraud.choices import CaseKind
    from apps.fraud.models import Case

    return Case.objects.filter(kind=CaseKind.COMPLIANCE).select_related("team", "assignee").order_by("created_at", "id")


def _open_compliance_cases(ctx: Context):
    from apps.fraud.choices import OPEN_CASE_STATUSES

    return _compliance_cases().filter(status__in=OPEN_CASE_STATUSES)


_CASE_COLUMNS = (
    ("case", lambda c: c.reference), ("title", lambda c: c.title), ("status", lambda c: c.get_status_display()),
    ("team", lambda c: c.team.name if c.team_id else ""), ("assignee", lambda c: str(c.assignee or "")),
    ("opened", lambda c: c.created_at), ("sla_due", lambda c: c.sla_due_at), ("closed", lambda c: c.closed_at or ""),
)  # fmt: skip


def _case_url(case) -> str:
    return reverse("fraud:case_detail", args=[case.pk])


# ------------------------------------------------------------------------------------ corrective actions
def _overdue_actions(domain: str) -> Callable[[Context], QuerySet]:
    """Past their day and not verified: an action marked done still waits for someone to check it."""

    def records(ctx: Context):
        from ..models import CorrectiveAction

        found = CorrectiveAction.objects.filter(domain=domain, due_on__lt=ctx.today)
        return found.exclude(status=CorrectiveAction.Status.VERIFIED).select_related("owner").order_by("due_on", "id")

    return records


_ACTION_COLUMNS = (
    ("action", lambda a: a.reference), ("title", lambda a: a.title), ("owner", lambda a: str(a.owner)),
    ("due", lambda a: a.due_on), ("status", lambda a: a.get_status_display()),
)  # fmt: skip


def _actions_kpi(code: str, domain: str) -> Kpi:
    return Kpi(
        code, "Corrective actions of the domain whose due day has passed and that are not verified (open, in "
        "progress, or done and waiting for verification).", "", "Now.",
        _overdue_actions(domain), None, _ACTION_COLUMNS,
        lambda a: reverse("compliance:action_detail", args=[a.pk]),
        lambda ctx: _url("compliance:actions", domain=domain, overdue="1"),
    )  # fmt: skip


# ------------------------------------------------------------------------------------ KYC
def _kyc(ctx: Context, tier: str | None = None):
    from ..kyc.selectors import customer_risk_list

    found = customer_risk_list().order_by("review_due", "id")
    return found.filter(effective=tier) if tier else found


def _kyc_overdue(tier: str) -> Kpi:
    return Kpi(
        f"kpi_kyc_overdue_{tier}", f"Customers rated {tier} risk (the override where an officer set one) whose "
        "next KYC review day is before today.", f"Customers rated {tier} risk with a KYC record.", "Today.",
        lambda ctx: _kyc(ctx, tier).filter(review_due__lt=ctx.today), lambda ctx: _kyc(ctx, tier), _KYC_COLUMNS,
        lambda r: reverse("compliance:customer_risk", args=[r.pk]),
        lambda ctx: _url("compliance:kyc_queue", state="expired", rating=tier),
    )  # fmt: skip


_KYC_COLUMNS = (
    ("customer", lambda r: r.customer.external_id), ("name", lambda r: r.customer.full_name),
    ("rating", lambda r: r.effective), ("review_due", lambda r: r.review_due or ""),
    ("screening", lambda r: r.get_screening_display()),
)  # fmt: skip


# ------------------------------------------------------------------------------------ data protection
def retention_cutoff(ctx: Context) -> datetime:
    """Records from before this moment are past the records-kept period (`records_retention_years`)."""
    years = int(ctx.levels["records_retention_years"].breach)
    try:
        return ctx.now.replace(year=ctx.now.year - years)
    except ValueError:  # 29 February
        return ctx.now.replace(year=ctx.now.year - years, day=28)


def _past_retention(ctx: Context):
    from apps.transactions.models import Transaction

    return Transaction.objects.filter(occurred_at__lt=retention_cutoff(ctx)).order_by("occurred_at", "id")


def _retention_list(ctx: Context) -> str:
    from django.utils import timezone

    last_day = timezone.localtime(retention_cutoff(ctx)).date() - timedelta(days=1)
    return _url("transactions:list", until=last_day.isoformat())


def _full_numbers_outside_role(ctx: Context):
    from apps.accounts.choices import Role
    from apps.core.models import AuditEvent

    compliance = Q(actor__groups__name=Role.COMPLIANCE)
    return (AuditEvent.objects.filter(action=PII_VIEW_ACTION, created_at__gte=ctx.now - timedelta(days=PII_WINDOW_DAYS))
            .exclude(compliance).order_by("-created_at", "-id"))  # fmt: skip


def _audit_list(ctx: Context) -> str:
    from django.utils import timezone

    since = timezone.localtime(ctx.now - timedelta(days=PII_WINDOW_DAYS)).date()
    return _url("core:audit_list", action=PII_VIEW_ACTION, since=since.isoformat())


# ------------------------------------------------------------------------------------ regulatory reporting
def cash_report_due(period: str, due_days: int) -> date:
    """When the report of a cash pattern is due: `due_days` after its day, or, for a month (the India
    profile), by that day of the next month (the 15th)."""
    when = period.split(":")[0]
    if len(when) == 7:  # YYYY-MM
        year, month = int(when[:4]), int(when[5:7])
        first_next = date(year + month // 12, month % 12 + 1, 1)
        return first_next + timedelta(days=due_days - 1)
    return date.fromisoformat(when) + timedelta(days=due_days)


def _cash_hits(ctx: Context) -> tuple[list[int], list[int]]:
    """(the patterns whose due day has passed, those of them whose case was not closed by it)."""
    from django.utils import timezone

    from ..models import ScenarioHit

    due_days = int(ctx.levels["cash_report_due_days"].breach)
    hits = (ScenarioHit.objects.filter(scenario="cash-aggregation",
                                       created_at__gte=ctx.now - timedelta(days=REPORT_WINDOW_DAYS))
            .values_list("pk", "period", "alert__case__closed_at"))  # fmt: skip
    due, late = [], []
    for pk, period, closed_at in hits.iterator():
        try:
            day = cash_report_due(period, due_days)
        except ValueError:
            continue
        if day >= ctx.today:
            continue
        due.append(pk)
        if closed_at is None or timezone.localtime(closed_at).date() > day:
            late.append(pk)
    return due, late


def _hits(ctx: Context, which: int):
    from ..models import ScenarioHit

    ids = _cash_hits(ctx)[which]
    return ScenarioHit.objects.filter(pk__in=ids).select_related("alert__case").order_by("created_at", "id")


_HIT_COLUMNS = (
    ("customer", lambda h: h.subject), ("period", lambda h: h.period), ("amount", lambda h: h.amount),
    ("currency", lambda h: h.currency), ("found", lambda h: h.created_at),
    ("case", lambda h: h.alert.case.reference if h.alert_id and h.alert.case_id else ""),
    ("closed", lambda h: (h.alert.case.closed_at or "") if h.alert_id and h.alert.case_id else ""),
)  # fmt: skip


def _hit_url(hit) -> str:
    if hit.alert_id and hit.alert.case_id:
        return reverse("fraud:case_detail", args=[hit.alert.case_id])
    return reverse("compliance:scenarios")


def _suspicion_window(ctx: Context):
    days = int(ctx.levels["suspicious_report_due_days"].breach)
    return _compliance_cases().filter(
        created_at__gte=ctx.now - timedelta(days=REPORT_WINDOW_DAYS), created_at__lt=ctx.now - timedelta(days=days)
    ), timedelta(days=days)


def _suspicion_late(ctx: Context):
    cases, period = _suspicion_window(ctx)
    return cases.filter(Q(closed_at__isnull=True) | Q(closed_at__gt=F("created_at") + period))


KPIS: dict[str, Kpi] = {
    k.code: k
    for k in [
        Kpi("kpi_aml_cases_past_sla", "Open compliance cases whose SLA due time has passed.",
            "Open compliance cases.", "Now.",
            lambda ctx: _open_compliance_cases(ctx).filter(sla_due_at__lte=ctx.now), _open_compliance_cases,
            _CASE_COLUMNS, _case_url, lambda ctx: _url("fraud:cases", kind="compliance", sla="breached")),
        _actions_kpi("kpi_aml_actions_overdue", "aml"),
        _kyc_overdue("high"),
        _kyc_overdue("medium"),
        _kyc_overdue("low"),
        Kpi("kpi_kyc_unscreened", "Customers with a KYC record whose screening result is 'not screened'.",
            "Customers with a KYC record.", "Today.",
            lambda ctx: _kyc(ctx).filter(screening="not_screened"), _kyc, _KYC_COLUMNS,
            lambda r: reverse("compliance:customer_risk", args=[r.pk]),
            lambda ctx: _url("compliance:kyc_queue", screening="not_screened")),
        _actions_kpi("kpi_kyc_actions_overdue", "kyc"),
        Kpi("kpi_dp_past_retention", "Transactions that occurred before today less the records-kept period "
            "(records_retention_years) and are still stored.", "", "Now.",
            _past_retention, None,
            (("transaction", lambda t: t.external_id), ("occurred", lambda t: t.occurred_at),
             ("customer", lambda t: t.customer_ref), ("amount", lambda t: t.amount),
             ("currency", lambda t: t.currency)),
            lambda t: reverse("transactions:detail", args=[t.pk]), _retention_list),
        Kpi("kpi_dp_full_numbers_outside_role", "Audited views of full account numbers (a page or an API answer "
            "that showed them) by people outside the compliance role.", "",
            f"The last {PII_WINDOW_DAYS} days.", _full_numbers_outside_role, None,
            (("when", lambda e: e.created_at), ("who", lambda e: e.actor_name),
             ("what", lambda e: e.object_repr), ("request", lambda e: e.request_id)),
            lambda e: _url("core:audit_list", request_id=e.request_id) if e.request_id
            else _url("core:audit_list", action=PII_VIEW_ACTION), _audit_list),
        _actions_kpi("kpi_dp_actions_overdue", "data_protection"),
        Kpi("kpi_rr_cash_reports_late", "Cash-report patterns (the cash-aggregation scenario's hits) whose report "
            "due day has passed and whose case was still open after it.",
            "Cash-report patterns whose report due day has passed.", f"Found in the last {REPORT_WINDOW_DAYS} days.",
            lambda ctx: _hits(ctx, 1), lambda ctx: _hits(ctx, 0), _HIT_COLUMNS, _hit_url),
        Kpi("kpi_rr_suspicious_reports_late", "Compliance cases not closed within the suspicious-report period "
            "(suspicious_report_due_days) of being opened.",
            "Compliance cases opened at least that period ago.", f"Opened in the last {REPORT_WINDOW_DAYS} days.",
            _suspicion_late, lambda ctx: _suspicion_window(ctx)[0], _CASE_COLUMNS, _case_url,
            lambda ctx: _url("fraud:cases", kind="compliance")),
        _actions_kpi("kpi_rr_actions_overdue", "reporting"),
    ]
}  # fmt: skip
