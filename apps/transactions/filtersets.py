import django_filters
from django.db.models import Q

from apps.core.filtersets import BoundedFilterSet, DayRangeMixin

from .choices import Channel, Decision, Source, TransactionKind
from .models import Customer, Transaction


class TransactionFilterSet(DayRangeMixin, BoundedFilterSet):
    """Shared by the transactions page and /api/v1/transactions/."""

    date_field = "occurred_at"
    decision = django_filters.MultipleChoiceFilter(choices=Decision.choices)
    source = django_filters.ChoiceFilter(choices=Source.choices)
    kind = django_filters.ChoiceFilter(choices=TransactionKind.choices)
    currency = django_filters.CharFilter(method="in_currency", label="Currency")
    file = django_filters.NumberFilter(field_name="file_id", label="File (id)")
    channel = django_filters.ChoiceFilter(choices=Channel.choices)
    country = django_filters.CharFilter(method="in_country", label="Country (ISO 3166-1 alpha-2)")
    customer_ref = django_filters.CharFilter()
    external_id = django_filters.CharFilter()
    terminal_id = django_filters.CharFilter()
    min_amount = django_filters.NumberFilter(field_name="amount", lookup_expr="gte")
    max_amount = django_filters.NumberFilter(field_name="amount", lookup_expr="lte")
    min_score = django_filters.NumberFilter(field_name="score", lookup_expr="gte")
    label = django_filters.CharFilter()
    branch = django_filters.CharFilter(
        method="at_branch", label="Branch", help_text="The account's branch, else the customer's home branch."
    )
    alerted = django_filters.BooleanFilter(
        field_name="alert", lookup_expr="isnull", exclude=True, label="Raised an alert"
    )

    class Meta:
        model = Transaction
        fields = ["decision", "source", "kind", "customer_ref", "external_id", "terminal_id", "label"]

    def in_currency(self, queryset, name, value):
        return queryset.filter(currency=value.strip().upper())

    def in_country(self, queryset, name, value):
        return queryset.filter(country=value.strip().upper())

    def at_branch(self, queryset, name, value):
        """As the rollups count it: the account's branch, else the customer's home branch."""
        value = value.strip()
        no_account_branch = Q(account__isnull=True) | Q(account__branch="")
        return queryset.filter(Q(account__branch=value) | (no_account_branch & Q(customer__branch=value)))


class CustomerFilterSet(BoundedFilterSet):
    q = django_filters.CharFilter(method="search")

    class Meta:
        model = Customer
        fields = ["kyc_status", "risk_rating", "country", "segment", "external_id", "branch", "acquisition_channel"]

    def search(self, queryset, name, value):
        return queryset.filter(full_name__icontains=value) | queryset.filter(external_id__iexact=value)
