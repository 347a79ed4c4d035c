import django_filters

from apps.core.filtersets import DayRangeMixin

from .choices import ChequeStatus
from .models import Cheque


class ChequeFilterSet(DayRangeMixin, django_filters.FilterSet):
    """Shared by the cheque list page and /api/v1/cheques/."""

    status = django_filters.MultipleChoiceFilter(choices=ChequeStatus.choices, distinct=False)
    reference = django_filters.CharFilter()

    class Meta:
        model = Cheque
        fields = ["status", "reference", "source"]
