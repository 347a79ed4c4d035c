from datetime import timedelta

import django_filters
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db.models import Q
from django.utils import timezone

from apps.core.filtersets import BoundedFilterSet, DayRangeMixin

from .choices import AlertStatus, CaseKind, CasePriority, CaseStatus, RuleStatus, Severity
from .models import Alert, Case, Rule


class AlertFilterSet(DayRangeMixin, BoundedFilterSet):
    severity = django_filters.MultipleChoiceFilter(choices=Severity.choices)
    status = django_filters.ChoiceFilter(choices=AlertStatus.choices)
    subject = django_filters.CharFilter()
    subject_prefix = django_filters.CharFilter(field_name="subject", lookup_expr="startswith",
                                               label="Subject starts with (aml: compliance alerts)")  # fmt: skip
    min_score = django_filters.NumberFilter(field_name="score", lookup_expr="gte")
    transaction = django_filters.NumberFilter(field_name="transaction_id", label="Transaction (id)")
    cheque = django_filters.NumberFilter(field_name="cheque_id", label="Cheque (id)")
    external_id = django_filters.CharFilter(field_name="transaction__external_id", label="Transaction id")

    class Meta:
        model = Alert
        fields = ["severity", "status", "subject", "decision"]


class RuleFilterSet(BoundedFilterSet):
    status = django_filters.MultipleChoiceFilter(choices=RuleStatus.choices)

    class Meta:
        model = Rule
        fields = ["status", "code"]


class CaseFilterSet(DayRangeMixin, BoundedFilterSet):
    """Shared by the queue page and /api/v1/cases/. `since` / `until`: the days a case was opened."""

    q = django_filters.CharFilter(method="search", label="Search")
    # distinct=False: no join multiplies rows here, and DISTINCT would make MariaDB sort every case.
    status = django_filters.MultipleChoiceFilter(choices=CaseStatus.choices, distinct=False)
    priority = django_filters.MultipleChoiceFilter(choices=CasePriority.choices, distinct=False)
    kind = django_filters.ChoiceFilter(choices=CaseKind.choices, label="Type")
    assignee = django_filters.CharFilter(method="by_assignee", label="Assignee (me, none or a user id)")
    team = django_filters.NumberFilter(field_name="team_id")
    min_amount = django_filters.NumberFilter(field_name="amount", lookup_expr="gte")
    max_amount = django_filters.NumberFilter(field_name="amount", lookup_expr="lte")
    older_than_days = django_filters.NumberFilter(
        method="by_age", label="Older than (days)", validators=[MinValueValidator(0), MaxValueValidator(36500)]
    )
    tag = django_filters.CharFilter(method="by_tag")
    sla = django_filters.ChoiceFilter(choices=[("breached", "Breached"), ("due_soon", "Due soon")], method="by_sla")
    customer_ref = django_filters.CharFilter()

    class Meta:
        model = Case
        fields = ["q", "status", "priority", "kind", "assignee", "team", "min_amount", "max_amount", "customer_ref"]

    def search(self, queryset, name, value):
        value = value.strip()
        ref = value.upper().removeprefix("CASE-")
        if ref.isdigit():
            return queryset.filter(pk=int(ref))
        return queryset.filter(Q(title__icontains=value) | Q(customer_ref=value) | Q(subject=value))

    def by_assignee(self, queryset, name, value):
        if value == "me":
            return queryset.filter(assignee=self.request.user) if self.request else queryset.none()
        if value == "none":
            return queryset.filter(assignee__isnull=True)
        return queryset.filter(assignee_id=value) if value.isdigit() else queryset.none()

    def by_age(self, queryset, name, value):
        return queryset.filter(created_at__lte=timezone.now() - timedelta(days=float(value)))

    def by_tag(self, queryset, name, value):
        # Tags are a short JSON list; a quoted match works on SQLite and MariaDB alike.
        return queryset.filter(tags__icontains=f'"{value.strip().lower()}"')

    def by_sla(self, queryset, name, value):
        from .cases.selectors import sla_filter

        return sla_filter(queryset, value)
