"""Reads of the compliance app."""

from __future__ import annotations

from datetime import date

from django.db.models import QuerySet
from django.utils import timezone

from .choices import ThresholdStatus
from .models import Threshold


def threshold_list() -> QuerySet[Threshold]:
    return Threshold.objects.select_related("author", "reviewed_by")


def thresholds_current(on: date | None = None) -> dict[str, Threshold]:
    """Each metric's version in force on `on` (today): the approved version with the latest effective
    day on or before it (the higher version when two share a day)."""
    on = on or timezone.localdate()
    current: dict[str, Threshold] = {}
    approved = threshold_list().filter(status=ThresholdStatus.APPROVED, effective_from__lte=on)
    for t in approved.order_by("metric", "-effective_from", "-version"):
        current.setdefault(t.metric, t)
    return current


def threshold_current(metric: str, on: date | None = None) -> Threshold | None:
    on = on or timezone.localdate()
    approved = threshold_list().filter(metric=metric, status=ThresholdStatus.APPROVED, effective_from__lte=on)
    return approved.order_by("-effective_from", "-version").first()


def thresholds_scheduled(on: date | None = None) -> dict[str, Threshold]:
    """Approved versions that take over on a later day, the soonest per metric."""
    on = on or timezone.localdate()
    later: dict[str, Threshold] = {}
    for t in (
        threshold_list()
        .filter(status=ThresholdStatus.APPROVED, effective_from__gt=on)
        .order_by("metric", "effective_from", "-version")
    ):
        later.setdefault(t.metric, t)
    return later


def thresholds_pending() -> QuerySet[Threshold]:
    return threshold_list().filter(status=ThresholdStatus.PENDING).order_by("created_at")
