import django_filters

from apps.core.filtersets import DayRangeMixin

from .choices import AlertStatus, RuleStatus, Severity
from .models import Alert, Rule


class AlertFilterSet(DayRangeMixin, django_filters.FilterSet):
    severity = django_filters.MultipleChoiceFilter(choices=Severity.choices)
    status = django_filters.ChoiceFilter(choices=AlertStatus.choices)
    subject = django_filters.CharFilter()
    min_score = django_filters.NumberFilter(field_name="score", lookup_expr="gte")

    class Meta:
        model = Alert
        fields = ["severity", "status", "subject", "decision"]


class RuleFilterSet(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=RuleStatus.choices)

    class Meta:
        model = Rule
        fields = ["status", "code"]
