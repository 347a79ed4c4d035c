import django_filters
from django.db.models import Q

from .models import AuditEvent


class AuditEventFilterSet(django_filters.FilterSet):
    """Shared by the audit log page and /api/v1/audit-events/."""

    q = django_filters.CharFilter(method="search", label="Search")
    action = django_filters.CharFilter(field_name="action", lookup_expr="istartswith", label="Action")
    actor = django_filters.CharFilter(field_name="actor_name", lookup_expr="icontains", label="Actor")
    object_type = django_filters.CharFilter(field_name="content_type__model", lookup_expr="iexact", label="Object type")
    object_id = django_filters.CharFilter(field_name="object_id", label="Object id")
    since = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte", label="From")
    until = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="lt", label="Until")
    request_id = django_filters.CharFilter(field_name="request_id", label="Request id")

    class Meta:
        model = AuditEvent
        fields = ["q", "action", "actor", "object_type", "object_id", "since", "until", "request_id"]

    def search(self, queryset, name, value):
        return queryset.filter(
            Q(action__icontains=value)
            | Q(actor_name__icontains=value)
            | Q(object_repr__icontains=value)
            | Q(reason__icontains=value)
        )
