"""The compliance dashboard, a KPI's page (its definition, levels, trend and the records it counts) and
the breaches."""

from __future__ import annotations

import json

import django_filters
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.views import View

from apps.core.views import FilteredListView, PortalListView, PortalPermissionMixin

from ..choices import Domain
from ..models import Breach, KpiSnapshot
from . import selectors
from .kpis import KPIS
from .services import context, kpi_grade, kpi_value, score_refresh

Status = KpiSnapshot.Status
STATUS_TONE = {Status.BREACH: "danger", Status.APPROACHING: "warning", Status.OK: "success",
               Status.ON_TARGET: "success"}  # fmt: skip


def score_tone(score) -> str:
    if score is None:
        return "secondary"
    return "success" if score >= 80 else "warning" if score >= 50 else "danger"


def trend_data(points: list) -> dict:
    """(day, value) points as the trend charts read them: JSON lists of days and of values."""
    return {"days": json.dumps([day.isoformat() for day, _ in points]),
            "values": json.dumps([float(value) for _, value in points]), "count": len(points)}  # fmt: skip


def _card(kpi, point, trend) -> dict:
    threshold = point.threshold if point else None
    return {"kpi": kpi, "point": point, "threshold": threshold,
            "value_text": threshold.text(point.value) if point and threshold else "—",
            "tone": STATUS_TONE.get(point.status, "secondary") if point else "secondary",
            "trend": trend_data(trend)}  # fmt: skip


class ComplianceDashboardView(PortalPermissionMixin, View):
    """How the bank stands: the overall and per-domain scores, every KPI with its trend, what is
    approaching its breach level, the open breaches and the corrective actions due. Read from the points
    the refresh stores (every minute, and right after a change that moves a KPI)."""

    permission_required = "compliance.view_kpisnapshot"

    def get(self, request):
        today = timezone.localdate()
        if selectors.latest_day() != today:  # the day's first look, before the first refresh of the day
            score_refresh()
        points, scores = selectors.kpi_points(today), selectors.scores(today)
        kpi_trends, score_trends = selectors.kpi_trends(until=today), selectors.score_trends(until=today)
        cards = [_card(k, points.get(code), kpi_trends.get(code, [])) for code, k in KPIS.items()]
        domains = []
        for domain, label in Domain.choices:
            snap = scores.get(domain)
            domains.append({"code": domain, "label": label, "score": snap.score if snap else None,
                            "tone": score_tone(snap.score if snap else None),
                            "trend": trend_data(score_trends.get(domain, [])),
                            "cards": [c for c in cards if c["kpi"].domain == domain]})  # fmt: skip
        overall = scores.get("")
        breaches = list(selectors.breaches_open())
        due = selectors.actions_due(today)
        context = {
            "overall": overall, "overall_tone": score_tone(overall.score if overall else None),
            "overall_trend": trend_data(score_trends.get("", [])), "domains": domains,
            "approaching": [c for c in cards if c["point"] and c["point"].status == Status.APPROACHING],
            "breaches": breaches, "breach_cards": {c["kpi"].code: c for c in cards},
            "actions_due": list(due[:10]), "actions_due_count": due.count(),
            "actions_overdue_count": due.filter(due_on__lt=today).count(), "today": today,
        }  # fmt: skip
        return render(request, "compliance/dashboard.html", context)


class KpiRecordFilterSet(django_filters.FilterSet):
    """A KPI's records are exactly what it counts: no filter narrows them (the linked list does)."""


class KpiDetailView(FilteredListView):
    """One KPI: what it measures (numerator, denominator, period), its levels (the version in force, with
    a link to change them), its trend, the open breach, and the records it counts, page by page,
    exportable. The count here is the live one; the dashboard's is the last refresh's."""

    permission_required = "compliance.view_kpisnapshot"
    template_name = "compliance/kpi_detail.html"
    partial_template = "compliance/kpi_detail.html"
    context_object_name = "records"
    filterset_class = KpiRecordFilterSet

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.kpi = KPIS.get(kwargs.get("code"))
        if self.kpi is not None:
            self.export_columns, self.export_name = list(self.kpi.columns), self.kpi.code
            self.ctx = context()

    def base_queryset(self):
        if self.kpi is None or self.kpi.code not in self.ctx.levels:
            raise Http404("No such KPI.")
        return self.kpi.records(self.ctx)

    def get_context_data(self, **kwargs):
        data = super().get_context_data(**kwargs)
        kpi, ctx = self.kpi, self.ctx
        threshold = ctx.levels[kpi.code]
        trend = selectors.kpi_trend(kpi.code, until=ctx.today, days=90)
        rows = [(kpi.record_url(obj), [get(obj) for _, get in kpi.columns]) for obj in data["records"]]
        count = data["paginator"].count if data.get("paginator") else len(rows)
        base = kpi.base(ctx).count() if kpi.base is not None else None
        value = kpi_value(count, base)
        score, status = kpi_grade(value, threshold)
        headers = [h.replace("_", " ") for h, _ in kpi.columns]
        data.update(kpi=kpi, threshold=threshold, rows=rows, headers=headers, count=count, base=base,
                    value_text=threshold.text(value), score=score, status=Status(status), tone=STATUS_TONE[status],
                    trend=list(reversed(trend)),
                    chart=trend_data([(p.day, p.value) for p in trend]), list_url=kpi.list_url(ctx),
                    breach=selectors.breaches_open().filter(kpi=kpi.code).first(),
                    domain=Domain(kpi.domain).label)  # fmt: skip
        return data


class BreachListView(PortalListView):
    """Every breach, open ones first: its KPI, when it opened and closed, the values, and its case."""

    permission_required = "compliance.view_breach"
    template_name = "compliance/breaches.html"
    context_object_name = "breaches"

    def get_queryset(self):
        found = selectors.breach_list().order_by("status", "-opened_at", "-id")
        status = self.request.GET.get("status", "")
        return found.filter(status=status) if status in Breach.Status.values else found

    def get_context_data(self, **kwargs):
        data = super().get_context_data(**kwargs)
        status = self.request.GET.get("status", "")
        data.update(kpis=KPIS, status=status, statuses=Breach.Status.choices,
                    query=f"status={status}" if status in Breach.Status.values else "")  # fmt: skip
        return data
