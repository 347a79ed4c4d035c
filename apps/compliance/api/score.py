"""The compliance score over the API: each KPI's points (today's is the live one, earlier days its
trend), the scores per domain and overall, and the breaches."""

import django_filters
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_field, inline_serializer
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from apps.compliance.models import Breach, KpiSnapshot, ScoreSnapshot
from apps.compliance.score import selectors
from apps.compliance.score.kpis import KPIS
from apps.compliance.score.services import score_refresh
from apps.core.days import DayFilter
from apps.core.filtersets import BoundedFilterSet


def _today_measured():
    today = timezone.localdate()
    if selectors.latest_day() != today:
        score_refresh()
    return today


class KpiSnapshotSerializer(serializers.ModelSerializer):
    name = serializers.SerializerMethodField()
    domain = serializers.SerializerMethodField()
    unit = serializers.SerializerMethodField()
    value_text = serializers.SerializerMethodField()
    levels = serializers.SerializerMethodField()
    records_url = serializers.SerializerMethodField(help_text="The portal page listing the records it counts.")

    class Meta:
        model = KpiSnapshot
        fields = ["id", "kpi", "name", "domain", "unit", "day", "numerator", "denominator", "value", "value_text",
                  "score", "status", "levels", "computed_at", "records_url"]  # fmt: skip
        read_only_fields = fields

    def get_name(self, obj) -> str:
        return KPIS[obj.kpi].name if obj.kpi in KPIS else obj.kpi

    def get_domain(self, obj) -> str:
        return KPIS[obj.kpi].domain if obj.kpi in KPIS else ""

    def get_unit(self, obj) -> str:
        return obj.threshold.unit if obj.threshold_id else ""

    def get_value_text(self, obj) -> str:
        return obj.threshold.text(obj.value) if obj.threshold_id else str(obj.value)

    @extend_schema_field(inline_serializer("KpiLevels", {
        "target": serializers.DecimalField(max_digits=18, decimal_places=2, allow_null=True),
        "warning": serializers.DecimalField(max_digits=18, decimal_places=2, allow_null=True),
        "breach": serializers.DecimalField(max_digits=18, decimal_places=2),
        "weight": serializers.DecimalField(max_digits=6, decimal_places=2, allow_null=True),
        "threshold_version": serializers.IntegerField()}))  # fmt: skip
    def get_levels(self, obj) -> dict | None:
        t = obj.threshold
        if t is None:
            return None

        def text(level):
            return None if level is None else str(level)

        return {"target": text(t.target), "warning": text(t.warning), "breach": str(t.breach), "weight": text(t.weight),
                "threshold_version": t.version}  # fmt: skip

    def get_records_url(self, obj) -> str:
        request = self.context.get("request")
        url = reverse("compliance:kpi", args=[obj.kpi])
        return request.build_absolute_uri(url) if request else url


class KpiSnapshotFilterSet(BoundedFilterSet):
    since = DayFilter(field_name="day", lookup_expr="gte", label="From (day)")
    until = DayFilter(field_name="day", lookup_expr="lte", label="Until (day, inclusive)")
    status = django_filters.MultipleChoiceFilter(choices=KpiSnapshot.Status.choices)

    class Meta:
        model = KpiSnapshot
        fields = ["kpi", "since", "until", "status"]


class KpiViewSet(viewsets.ReadOnlyModelViewSet):
    """Every KPI's daily points: `?kpi=…&since=…` is one KPI's trend; `current/` is each KPI's live point
    with the overall and per-domain scores. Today's point is measured again every minute."""

    queryset = KpiSnapshot.objects.select_related("threshold").order_by("-day", "kpi")
    serializer_class = KpiSnapshotSerializer
    filterset_class = KpiSnapshotFilterSet
    ordering_fields = ["day", "kpi", "value", "score"]

    @extend_schema(responses=inline_serializer("ComplianceScoreNow", {
        "day": serializers.DateField(),
        "overall": serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True),
        "domains": serializers.DictField(child=serializers.DecimalField(max_digits=5, decimal_places=2)),
        "kpis": KpiSnapshotSerializer(many=True)}))  # fmt: skip
    @action(detail=False)
    def current(self, request):
        today = _today_measured()
        scores = selectors.scores(today)
        points = self.get_queryset().filter(day=today).order_by("kpi")
        overall = scores.pop("", None)
        return Response({"day": today, "overall": str(overall.score) if overall else None,
                         "domains": {d: str(s.score) for d, s in scores.items()},
                         "kpis": self.get_serializer(points, many=True).data})  # fmt: skip


class ScoreSnapshotSerializer(serializers.ModelSerializer):
    class Meta:
        model = ScoreSnapshot
        fields = ["id", "domain", "day", "score", "computed_at"]
        read_only_fields = fields


class ScoreSnapshotFilterSet(BoundedFilterSet):
    since = DayFilter(field_name="day", lookup_expr="gte", label="From (day)")
    until = DayFilter(field_name="day", lookup_expr="lte", label="Until (day, inclusive)")
    overall = django_filters.BooleanFilter(method="by_overall", label="Only the overall score (or only domains)")

    class Meta:
        model = ScoreSnapshot
        fields = ["domain", "overall", "since", "until"]

    def by_overall(self, queryset, name, value):
        return queryset.filter(domain="") if value else queryset.exclude(domain="")


class ScoreViewSet(viewsets.ReadOnlyModelViewSet):
    """The compliance score per day: `domain` empty is the overall score, else one domain's."""

    queryset = ScoreSnapshot.objects.order_by("-day", "domain")
    serializer_class = ScoreSnapshotSerializer
    filterset_class = ScoreSnapshotFilterSet
    ordering_fields = ["day", "domain", "score"]


class BreachSerializer(serializers.ModelSerializer):
    reference = serializers.CharField(read_only=True)
    case = serializers.SerializerMethodField()

    class Meta:
        model = Breach
        fields = ["id", "reference", "kpi", "status", "value", "level", "worst", "opened_at", "closed_at",
                  "closing_value", "alert", "case"]  # fmt: skip
        read_only_fields = fields

    def get_case(self, obj) -> int | None:
        return obj.alert.case_id if obj.alert_id else None


class BreachFilterSet(BoundedFilterSet):
    class Meta:
        model = Breach
        fields = ["kpi", "status"]


class BreachViewSet(viewsets.ReadOnlyModelViewSet):
    """KPIs that reached their breach level: open until a measurement finds them back under it."""

    queryset = selectors.breach_list().order_by("-opened_at", "-id")
    serializer_class = BreachSerializer
    filterset_class = BreachFilterSet
    ordering_fields = ["opened_at", "closed_at", "kpi"]
