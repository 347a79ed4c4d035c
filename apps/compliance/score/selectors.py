"""Reads of the compliance score: today's KPI points, the scores, trends, breaches and actions due."""

from __future__ import annotations

from datetime import date, timedelta

from django.db.models import QuerySet
from django.utils import timezone

from ..models import Breach, CorrectiveAction, KpiSnapshot, ScoreSnapshot

TREND_DAYS = 30
DUE_SOON_DAYS = 14


def latest_day() -> date | None:
    """The last day a refresh stored (today once the first refresh of the day has run)."""
    return ScoreSnapshot.objects.filter(domain="").order_by("-day").values_list("day", flat=True).first()


def kpi_points(day: date) -> dict[str, KpiSnapshot]:
    return {s.kpi: s for s in KpiSnapshot.objects.filter(day=day).select_related("threshold")}


def scores(day: date) -> dict[str, ScoreSnapshot]:
    """Domain → its score on `day`; "" is the overall score."""
    return {s.domain: s for s in ScoreSnapshot.objects.filter(day=day)}


def kpi_trend(kpi: str, *, until: date, days: int = TREND_DAYS) -> list[KpiSnapshot]:
    return list(KpiSnapshot.objects.filter(kpi=kpi, day__gt=until - timedelta(days=days), day__lte=until)
                .order_by("day"))  # fmt: skip


def _trends(model, key: str, value: str, until: date, days: int) -> dict[str, list]:
    trends: dict[str, list] = {}
    found = model.objects.filter(day__gt=until - timedelta(days=days), day__lte=until).order_by(key, "day")
    for name, day, number in found.values_list(key, "day", value):
        trends.setdefault(name, []).append((day, number))
    return trends


def kpi_trends(*, until: date, days: int = TREND_DAYS) -> dict[str, list]:
    """KPI → [(day, value)] over the last `days` days, in one query."""
    return _trends(KpiSnapshot, "kpi", "value", until, days)


def score_trends(*, until: date, days: int = TREND_DAYS) -> dict[str, list]:
    """Domain ("" overall) → [(day, score)] over the last `days` days, in one query."""
    return _trends(ScoreSnapshot, "domain", "score", until, days)


def breach_list() -> QuerySet[Breach]:
    return Breach.objects.select_related("alert__case")


def breaches_open() -> QuerySet[Breach]:
    return breach_list().filter(status=Breach.Status.OPEN)


def actions_due(today: date | None = None) -> QuerySet[CorrectiveAction]:
    """Not verified and due within DUE_SOON_DAYS, or past their day; the most overdue first."""
    today = today or timezone.localdate()
    found = CorrectiveAction.objects.exclude(status=CorrectiveAction.Status.VERIFIED)
    return (
        found.filter(due_on__lte=today + timedelta(days=DUE_SOON_DAYS)).select_related("owner").order_by("due_on", "id")
    )
