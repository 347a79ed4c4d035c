from django.contrib import admin

from .models import AuditEvent, ExchangeRate, FailedTask, WebhookDelivery


class ReadOnlyAdmin(admin.ModelAdmin):
    """For records whose changes must go through services (audited) or never change at all."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    """Read-only: the audit trail is append-only."""

    list_display = ["created_at", "actor_name", "action", "object_repr", "request_id", "ip_address"]
    list_filter = ["action"]
    search_fields = ["actor_name", "action", "object_repr", "request_id"]
    date_hierarchy = "created_at"


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    """The delivery log: read-only."""

    list_display = ["created_at", "event", "url", "status", "attempts", "last_status_code", "delivered_at"]
    list_filter = ["status", "event"]
    readonly_fields = [f.name for f in WebhookDelivery._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(FailedTask)
class FailedTaskAdmin(ReadOnlyAdmin):
    """The dead-letter list; retry from the portal (Administration → Failed tasks), which audits it."""

    list_display = ["failed_at", "task_name", "task_id", "exception", "retried_at"]
    list_filter = ["task_name"]
    search_fields = ["task_id", "task_name", "exception"]


@admin.register(ExchangeRate)
class ExchangeRateAdmin(ReadOnlyAdmin):
    """Rates are entered under Administration → Exchange rates, where every change is audited."""

    list_display = ("valid_on", "base", "currency", "per_base", "source", "created_by")
    list_filter = ("currency", "base")
    date_hierarchy = "valid_on"
