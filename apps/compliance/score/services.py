"""The compliance score: every KPI measured against its levels, stored as today's point of its trend, the
domain and overall scores from them, and breaches opened and closed.

A KPI's score is 100 at its target or better, 50 at its warning level, 0 at its breach level or worse,
and in a straight line between. A domain's score is the weighted mean of its KPIs' scores, and the
overall score the weighted mean of every KPI's (so a domain counts by the weight of its KPIs). Levels
are reached, not passed: a KPI at its breach level is in breach.
"""

from __future__ import annotations

from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.core.dispatch import dispatch_on_commit
from apps.core.services import audit_record

from ..models import Breach, KpiSnapshot, ScoreSnapshot
from .kpis import KPIS, Context

Status = KpiSnapshot.Status
HUNDRED = Decimal(100)
CENT = Decimal("0.01")


def _q(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def kpi_value(numerator: int, denominator: int | None) -> Decimal:
    """A share in percent (0 when there is nothing to count among), or the count itself."""
    if denominator is None:
        return Decimal(numerator)
    return _q(Decimal(numerator) * HUNDRED / denominator) if denominator else Decimal(0)


def kpi_grade(value: Decimal, threshold) -> tuple[Decimal, str]:
    """(score 0-100, status) of a value against a KPI's levels."""
    sign = 1 if threshold.higher_is_worse else -1
    v, target, breach = sign * value, sign * (threshold.target or 0), sign * threshold.breach
    warning = sign * threshold.warning if threshold.warning is not None else None
    if v >= breach:
        return Decimal(0), Status.BREACH
    if warning is not None and v >= warning:
        return _q(50 - 50 * (v - warning) / (breach - warning)), Status.APPROACHING
    if v <= target:
        return HUNDRED, Status.ON_TARGET
    if warning is None:
        return _q(100 - 100 * (v - target) / (breach - target)), Status.OK
    return _q(100 - 50 * (v - target) / (warning - target)), Status.OK


def weighted(scores: list[tuple[Decimal, Decimal]]) -> Decimal | None:
    """The weighted mean of (score, weight) pairs; None when every weight is 0."""
    total = sum((w for _, w in scores), Decimal(0))
    if not total:
        return None
    return _q(sum((s * w for s, w in scores), Decimal(0)) / total)


def kpi_measure(kpi, ctx: Context) -> dict:
    """Count one KPI's records (and what it counts them among) now."""
    numerator = kpi.records(ctx).count()
    denominator = kpi.base(ctx).count() if kpi.base is not None else None
    threshold = ctx.levels[kpi.code]
    value = kpi_value(numerator, denominator)
    score, status = kpi_grade(value, threshold)
    return {"kpi": kpi.code, "numerator": numerator, "denominator": denominator, "value": value, "score": score,
            "status": status, "threshold": threshold}  # fmt: skip


def context(now: datetime | None = None) -> Context:
    from ..selectors import thresholds_current

    now = now or timezone.now()
    today = timezone.localdate(now)
    return Context(now=now, today=today, levels=thresholds_current(on=today))


def score_refresh(*, now: datetime | None = None) -> dict:
    """Measure every KPI, store it as today's point (replacing an earlier one of today), store today's
    domain and overall scores, open a breach for each KPI newly in breach and close those back under
    their level. Idempotent: a second run with nothing changed changes nothing but the times."""
    ctx = context(now)
    measured = [kpi_measure(k, ctx) for code, k in KPIS.items() if code in ctx.levels]
    by_domain: dict[str, list] = {}
    for m in measured:
        by_domain.setdefault(KPIS[m["kpi"]].domain, []).append((m["score"], m["threshold"].weight or Decimal(0)))
    scores = {domain: weighted(pairs) for domain, pairs in by_domain.items()}
    scores[""] = weighted([pair for pairs in by_domain.values() for pair in pairs])
    with transaction.atomic():
        for m in measured:
            KpiSnapshot.objects.update_or_create(
                kpi=m["kpi"], day=ctx.today,
                defaults={"numerator": m["numerator"], "denominator": m["denominator"], "value": m["value"],
                          "score": m["score"], "status": m["status"], "threshold": m["threshold"],
                          "computed_at": ctx.now},
            )  # fmt: skip
        for domain, score in scores.items():
            if score is not None:
                ScoreSnapshot.objects.update_or_create(domain=domain, day=ctx.today,
                                                       defaults={"score": score, "computed_at": ctx.now})  # fmt: skip
        opened, closed = _breaches(measured, ctx)
    return {"kpis": len(measured), "score": scores[""], "opened": opened, "closed": closed}


def _breaches(measured: list[dict], ctx: Context) -> tuple[int, int]:
    open_now = {b.kpi: b for b in Breach.objects.select_for_update().filter(status=Breach.Status.OPEN)}
    opened = closed = 0
    for m in measured:
        breach = open_now.get(m["kpi"])
        if m["status"] == Status.BREACH:
            if breach is None:
                opened += _breach_open(m, ctx)
            elif _worse(m["value"], breach.worst, m["threshold"]):
                breach.worst = m["value"]
                breach.save(update_fields=["worst"])
        elif breach is not None:
            breach.status, breach.closed_at, breach.closing_value = Breach.Status.CLOSED, ctx.now, m["value"]
            breach.save(update_fields=["status", "closed_at", "closing_value"])
            audit_record(actor=None, action="compliance.breach_close", obj=breach,
                         after={"kpi": breach.kpi, "value": str(m["value"]), "level": str(breach.level)})  # fmt: skip
            closed += 1
    return opened, closed


def _worse(value: Decimal, than: Decimal, threshold) -> bool:
    return value > than if threshold.higher_is_worse else value < than


def _breach_open(m: dict, ctx: Context) -> int:
    """A breach, its alert (high severity: the officers are told by email, SNS and webhook) and the
    compliance case the alert gathers into."""
    from apps.fraud.cases.services import COMPLIANCE_SUBJECT
    from apps.fraud.choices import Severity
    from apps.fraud.models import Alert
    from apps.fraud.services import alerts_raised

    kpi, threshold = KPIS[m["kpi"]], m["threshold"]
    try:
        with transaction.atomic():
            breach = Breach.objects.create(kpi=kpi.code, value=m["value"], level=threshold.breach, worst=m["value"],
                                           opened_at=ctx.now)  # fmt: skip
    except IntegrityError:  # another refresh opened it first
        return 0
    explanation = (f"{kpi.name} is {threshold.text(m['value'])}, at or past its breach level of "
                   f"{threshold.breach_text} ({breach.reference}).")  # fmt: skip
    alert = Alert.objects.create(
        subject=f"{COMPLIANCE_SUBJECT}kpi:{kpi.code}", severity=Severity.HIGH, score=90, decision="review",
        reasons=[{"type": "kpi", "rule": kpi.code, "version": threshold.version, "weight": 90,
                  "explanation": explanation}],
    )  # fmt: skip
    breach.alert = alert
    breach.save(update_fields=["alert"])
    alerts_raised([alert])
    audit_record(actor=None, action="compliance.breach_open", obj=breach,
                 after={"kpi": kpi.code, "value": str(m["value"]), "level": str(threshold.breach)})  # fmt: skip
    return 1


def score_refresh_soon() -> None:
    """Measure again once the current transaction commits (after a change that moves a KPI)."""
    from ..tasks import refresh_score

    dispatch_on_commit(refresh_score)
