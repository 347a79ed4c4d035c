from rest_framework.filters import BaseFilterBackend

from apps.core.permissions import permitted


class PermittedObjectsFilter(BaseFilterBackend):
    """Every API list contains only the objects the caller may view (STYLE 10)."""

    def filter_queryset(self, request, queryset, view):
        return permitted(request.user, queryset, "view")
