"""The review queue's filters, shared by the portal page and /api/v1/compliance/customer-risk/."""

import django_filters
from django.db.models import Q

from apps.core.filtersets import BoundedFilterSet
from apps.transactions.choices import RiskRating

from ..choices import BusinessType, KycState, ScreeningResult
from ..models import CustomerRisk
from .selectors import state_filter


class CustomerRiskFilterSet(BoundedFilterSet):
    q = django_filters.CharFilter(method="search", label="Customer", max_length=200)
    state = django_filters.ChoiceFilter(choices=KycState.choices, method="by_state", label="State")
    rating = django_filters.ChoiceFilter(choices=RiskRating.choices, method="by_rating", label="Rating")
    pep = django_filters.BooleanFilter(label="Politically exposed person")
    business_type = django_filters.ChoiceFilter(choices=BusinessType.choices)
    screening = django_filters.ChoiceFilter(choices=ScreeningResult.choices)
    overridden = django_filters.BooleanFilter(method="by_overridden", label="Rating overridden")

    class Meta:
        model = CustomerRisk
        fields = ["q", "state", "rating", "pep", "business_type", "screening", "overridden"]

    def search(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(Q(customer__full_name__icontains=value) | Q(customer__external_id__iexact=value))

    def by_state(self, queryset, name, value):
        return queryset.filter(state_filter(value))

    def by_rating(self, queryset, name, value):
        """The effective rating: the override where there is one, else the computed rating."""
        return queryset.filter(Q(override_rating=value) | Q(override_rating="", rating=value))

    def by_overridden(self, queryset, name, value):
        return queryset.exclude(override_rating="") if value else queryset.filter(override_rating="")
