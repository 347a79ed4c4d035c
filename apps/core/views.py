from __future__ import annotations

import csv
import ipaddress
import json
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import FileResponse, HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django.views.generic import ListView

from .filtersets import AuditEventFilterSet
from .health import run_checks
from .selectors import audit_event_list
from .services import audit_record


class PortalPermissionMixin(PermissionRequiredMixin):
    """Anonymous users go to sign-in; signed-in users without the permission get 403."""

    raise_exception = False


class PortalListView(PortalPermissionMixin, ListView):
    """A permission-checked, paginated portal list."""

    paginate_by = settings.PORTAL_PAGE_SIZE


def submit_form(request: HttpRequest, form, action, *, template: str, context: dict, success):
    """Run `action(cleaned_data)` for a valid form and return `success(result)`.

    A service's ValidationError becomes a form error; an invalid form is shown again with a 400.
    """
    if form.is_valid():
        try:
            result = action(form.cleaned_data)
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error(None, message)
        else:
            return success(result)
    return render(request, template, {**context, "form": form}, status=400)


class FilteredListView(PortalListView):
    """A list page driven by a filterset shared with the API; htmx swaps only the table. With
    `export_columns` declared, `?export=csv` or `?export=xlsx` downloads the whole list as filtered (every
    page, only what the person may see), streamed, spreadsheet formulas neutralised, and audited."""

    filterset_class = None
    partial_template = None
    export_columns: list[tuple[str, Callable[[Any], Any]]] = []
    export_name = "list"
    export_related: tuple[str, ...] = ()  # joined once rather than a query a row

    def get(self, request, *args, **kwargs):
        kind = request.GET.get("export", "")
        if kind and self.export_columns:
            return self.export(kind)
        return super().get(request, *args, **kwargs)

    def export(self, kind: str) -> HttpResponse:
        if kind not in ("csv", "xlsx"):
            return HttpResponse("Export as csv or xlsx.", status=400, content_type="text/plain")
        rows = self.get_queryset()
        if self.export_related:
            rows = rows.select_related(*self.export_related)
        if self.filterset.is_bound and not self.filterset.is_valid():
            return HttpResponse("Invalid filter: " + json.dumps(self.filterset.errors), status=400,
                                content_type="text/plain")  # fmt: skip
        filters = {k: v for k, v in self.request.GET.items() if k not in ("export", "page") and v.strip()}
        with transaction.atomic():
            audit_record(actor=self.request.user, action="list.export",
                         after={"list": self.export_name, "format": kind, "filters": filters})  # fmt: skip
        header = [name for name, _ in self.export_columns]

        def values():
            yield header
            for obj in rows.iterator(chunk_size=2000):
                yield [_cell(get(obj)) for _, get in self.export_columns]

        stamp = f"{self.export_name}-{timezone.now():%Y%m%d-%H%M%S}"
        if kind == "csv":
            return csv_download(values(), f"{stamp}.csv")
        return xlsx_download(values(), f"{stamp}.xlsx", sheet=self.export_name)

    def base_queryset(self):
        raise NotImplementedError

    def get_queryset(self):
        self.filterset = self.filterset_class(self.request.GET or None, queryset=self.base_queryset(),
                                              request=self.request)  # fmt: skip
        if self.filterset.is_bound and not self.filterset.is_valid():
            return self.base_queryset().none()
        return self.filterset.qs

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        query = self.request.GET.copy()
        query.pop("page", None)
        ctx.update(filterset=self.filterset, query=query.urlencode())
        return ctx

    def get_template_names(self):
        return [self.partial_template] if self.request.htmx else [self.template_name]


class AuditLogView(FilteredListView):
    permission_required = "core.view_auditevent"
    template_name = "core/audit_list.html"
    partial_template = "core/_audit_table.html"
    context_object_name = "events"
    filterset_class = AuditEventFilterSet

    def base_queryset(self):
        return audit_event_list()


class DeadLetterView(PortalListView):
    """Background tasks that failed after their retries, newest first, with the error and a retry button."""

    permission_required = "core.view_failedtask"
    template_name = "core/dead_letters.html"
    context_object_name = "failures"

    def get_queryset(self):
        from .models import FailedTask

        qs = FailedTask.objects.select_related("retried_by")
        return qs if self.request.GET.get("show") == "all" else qs.filter(retried_at__isnull=True)


class DeadLetterRetryView(PortalPermissionMixin, View):
    permission_required = "core.retry_failedtask"
    http_method_names = ["post"]

    def post(self, request, pk: int):
        from django.contrib import messages
        from django.shortcuts import get_object_or_404

        from .models import FailedTask
        from .services import failed_task_retry

        failed = get_object_or_404(FailedTask, pk=pk)
        already = failed.retried_at is not None
        failed = failed_task_retry(failed=failed, actor=request.user)
        if already:
            messages.info(request, f"{failed.task_name} was already sent again at {failed.retried_at:%H:%M:%S}.")
        else:
            messages.success(request, f"{failed.task_name} sent again.")
        return redirect("core:dead_letters")


class _Echo:
    def write(self, value):
        return value


def csv_download(rows, filename: str) -> StreamingHttpResponse:
    """Stream rows as a CSV attachment, neutralising spreadsheet formulas in every cell."""
    writer = csv.writer(_Echo())
    response = StreamingHttpResponse(
        (writer.writerow([_csv_safe(v) for v in row]) for row in rows), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _cell(value):
    """What a list export writes: times in ISO 8601 with their offset, amounts as they are, text as text."""
    from datetime import datetime

    if isinstance(value, datetime):
        return timezone.localtime(value).isoformat()
    return "" if value is None else value


def xlsx_download(rows, filename: str, *, sheet: str = "Sheet1") -> FileResponse:
    """Rows as an Excel workbook (openpyxl's write-only mode: rows go to disk as they come, so a long list
    needs no more memory than a short one); text that a spreadsheet would run as a formula is neutralised."""
    import tempfile
    from decimal import Decimal

    from openpyxl import Workbook

    book = Workbook(write_only=True)
    ws = book.create_sheet(title=sheet[:31])
    for row in rows:
        ws.append([v if isinstance(v, int | float | Decimal) else _csv_safe(v) for v in row])
    handle = tempfile.TemporaryFile(suffix=".xlsx")
    book.save(handle)
    handle.seek(0)
    return FileResponse(handle, as_attachment=True, filename=filename,
                        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")  # fmt: skip


def _csv_safe(value) -> str:
    """Neutralise spreadsheet formulas (CSV injection) in exported text."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


class AuditExportView(PortalPermissionMixin, View):
    permission_required = "core.export_auditevent"

    def get(self, request: HttpRequest, *args, **kwargs):
        filterset = AuditEventFilterSet(request.GET or None, queryset=audit_event_list())
        if filterset.is_bound and not filterset.is_valid():
            return HttpResponse(
                "Invalid filter: " + json.dumps(filterset.errors), status=400, content_type="text/plain"
            )
        events = filterset.qs if filterset.is_bound else audit_event_list()
        with transaction.atomic():
            audit_record(actor=request.user, action="audit.export", after={"filters": request.GET.dict()})
        header = ["time", "actor", "action", "object_type", "object_id", "object", "before", "after", "reason",
                  "request_id", "ip_address"]  # fmt: skip

        def rows():
            yield header
            for e in events.iterator(chunk_size=2000):
                yield [
                    e.created_at.isoformat(), e.actor_name, e.action, e.content_type.model if e.content_type else "",
                    e.object_id, e.object_repr,
                    json.dumps(e.before, default=str) if e.before is not None else "",
                    json.dumps(e.after, default=str) if e.after is not None else "",
                    e.reason, e.request_id, e.ip_address,
                ]  # fmt: skip

        return csv_download(rows(), f"audit-log-{timezone.now():%Y%m%d-%H%M%S}.csv")


def admin_login(request: HttpRequest, extra_context=None) -> HttpResponse:
    """Replaces the Django admin's login form: sign-in always goes through allauth (MFA, lockout)."""
    target = request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = reverse("admin:index")
    if not request.user.is_authenticated:
        return redirect_to_login(target)
    if not request.user.is_staff:
        raise PermissionDenied
    return redirect(target)


@never_cache
@require_GET
def health(request: HttpRequest) -> JsonResponse:
    result = run_checks()
    return JsonResponse(result, status=200 if result["status"] == "ok" else 503)


def _ip_allowed(ip: str | None) -> bool:
    try:
        addr = ipaddress.ip_address(ip or "")
    except ValueError:  # a malformed forwarded address is simply not allowed
        return False
    return any(addr in ipaddress.ip_network(net, strict=False) for net in settings.METRICS_ALLOWED_IPS)


@never_cache
@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    """Prometheus metrics, for the monitoring network (METRICS_ALLOWED_IPS) or signed-in admins."""
    from django_prometheus.exports import ExportToDjangoView

    from .middleware import client_ip

    if not (_ip_allowed(client_ip(request)) or request.user.is_staff):
        raise PermissionDenied
    return ExportToDjangoView(request)
