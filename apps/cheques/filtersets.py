import django_filters
from django.db.models import Q

from apps.core.filtersets import BoundedFilterSet, DayRangeMixin

from .choices import ChequeStatus
from .models import Cheque


class ChequeFilterSet(DayRangeMixin, BoundedFilterSet):
    """Shared by the cheque list page and /api/v1/cheques/."""

    status = django_filters.MultipleChoiceFilter(choices=ChequeStatus.choices, distinct=False)
    reference = django_filters.CharFilter()
    amount_min = django_filters.NumberFilter(field_name="amount", lookup_expr="gte", label="Amount from")
    amount_max = django_filters.NumberFilter(field_name="amount", lookup_expr="lte", label="Amount up to")
    routing = django_filters.CharFilter(label="Routing / transit / sort code")
    account_last4 = django_filters.CharFilter(method="last4", label="Account, last 4 digits")
    risk_min = django_filters.NumberFilter(field_name="risk_score", lookup_expr="gte", label="Risk from")
    risk_max = django_filters.NumberFilter(field_name="risk_score", lookup_expr="lte", label="Risk up to")
    stale = django_filters.BooleanFilter(method="past_limit", label="Waiting past its time limit")

    class Meta:
        model = Cheque
        fields = ["status", "reference", "source"]

    def past_limit(self, queryset, name, value):
        from .services import cheque_stale_q

        if value is None:
            return queryset
        return queryset.filter(cheque_stale_q()) if value else queryset.exclude(cheque_stale_q())

    def last4(self, queryset, name, value):
        """The MICR account read or keyed, or the account the depositor declared."""
        return queryset.filter(Q(account_last4=value) | Q(declared_account_last4=value))
