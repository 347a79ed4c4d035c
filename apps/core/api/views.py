from rest_framework import viewsets

from apps.core.filtersets import AuditEventFilterSet
from apps.core.selectors import audit_event_list

from .serializers import AuditEventSerializer


class AuditEventViewSet(viewsets.ReadOnlyModelViewSet):
    """The audit trail: append-only, readable by auditors and admins."""

    queryset = audit_event_list()
    serializer_class = AuditEventSerializer
    filterset_class = AuditEventFilterSet
    ordering_fields = ["created_at", "action", "actor_name"]
