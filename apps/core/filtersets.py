from datetime import datetime, time, timedelta

import django_filters
from django.db.models import Q
from django.utils import timezone

from .bounds import check_day, check_moment, number_validators
from .days import DayFilter
from .models import AuditEvent


class BoundedFilterSet(django_filters.FilterSet):
    """A filterset whose numbers, days and moments are bounded (`apps.core.bounds`): a value out of
    range makes the filter invalid (the API answers 400 with the error; the portal shows the error)
    instead of overflowing date arithmetic or a SQL parameter. Every filterset derives from it.

    An empty value means "any": a form submitted as it renders (`?status=&priority=`) filters nothing,
    in the portal and the API alike, and `?status=&status=open` is `?status=open`."""

    def __init__(self, data=None, *args, **kwargs):
        super().__init__(_without_empty(data), *args, **kwargs)

    @classmethod
    def get_filters(cls):
        filters = super().get_filters()
        for f in filters.values():
            if isinstance(f, django_filters.NumberFilter):
                f.extra.setdefault("validators", number_validators())
            elif isinstance(f, django_filters.DateFilter):
                f.extra.setdefault("validators", [check_day])
            elif isinstance(f, django_filters.DateTimeFilter | django_filters.IsoDateTimeFilter):
                f.extra.setdefault("validators", [check_moment])
        return filters


def _without_empty(data):
    if data is None or not hasattr(data, "getlist"):
        return data
    kept = data.copy()
    for key in list(kept.keys()):
        values = [v for v in kept.getlist(key) if str(v).strip()]
        if values:
            kept.setlist(key, values)
        else:
            del kept[key]
    return kept


class DayRangeMixin(BoundedFilterSet):
    """`since` / `until`: whole days in the bank's time zone, both inclusive (an indexed range). A day is
    typed as YYYY-MM-DD or in the bank's own order (`apps.core.days`), in the portal and the API alike."""

    date_field = "created_at"
    since = DayFilter(method="on_or_after_day", label="From (day)")
    until = DayFilter(method="on_or_before_day", label="Until (day, inclusive)")

    @staticmethod
    def _day_start(day):
        return timezone.make_aware(datetime.combine(day, time.min))

    def on_or_after_day(self, queryset, name, value):
        return queryset.filter(**{f"{self.date_field}__gte": self._day_start(value)})

    def on_or_before_day(self, queryset, name, value):
        return queryset.filter(**{f"{self.date_field}__lt": self._day_start(value + timedelta(days=1))})


class AuditEventFilterSet(DayRangeMixin, BoundedFilterSet):
    """Shared by the audit log page and /api/v1/audit-events/."""

    q = django_filters.CharFilter(method="search", label="Search")
    action = django_filters.CharFilter(field_name="action", lookup_expr="istartswith", label="Action")
    actor = django_filters.CharFilter(field_name="actor_name", lookup_expr="icontains", label="Actor")
    object_type = django_filters.CharFilter(field_name="content_type__model", lookup_expr="iexact", label="Object type")
    object_id = django_filters.CharFilter(field_name="object_id", label="Object id")
    after = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte", label="At or after")
    before = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="lt", label="Before")
    request_id = django_filters.CharFilter(field_name="request_id", label="Request id")

    class Meta:
        model = AuditEvent
        fields = ["q", "action", "actor", "object_type", "object_id", "since", "until", "after", "before", "request_id"]

    def search(self, queryset, name, value):
        return queryset.filter(
            Q(action__icontains=value)
            | Q(actor_name__icontains=value)
            | Q(object_repr__icontains=value)
            | Q(reason__icontains=value)
        )
