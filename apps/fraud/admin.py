"""Read-only views for administrators: every change to rules, models and cases goes through the
audited services (the portal and the API), so the admin shows them and changes nothing."""

from django.contrib import admin

from apps.core.admin import ReadOnlyAdmin

from .models import Alert, Case, CaseEvent, ModelVersion, Rule


@admin.register(Rule)
class RuleAdmin(ReadOnlyAdmin):
    list_display = ["code", "version", "name", "weight", "status", "author", "approved_by", "activated_at"]
    list_filter = ["status"]
    search_fields = ["code", "name"]


@admin.register(ModelVersion)
class ModelVersionAdmin(ReadOnlyAdmin):
    list_display = ["version", "status", "created_at", "activated_at"]
    list_filter = ["status"]


@admin.register(Alert)
class AlertAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "severity", "score", "decision", "subject", "status", "case"]
    list_filter = ["severity", "status"]
    search_fields = ["subject"]
    raw_id_fields = ["transaction", "case"]


class CaseEventInline(admin.TabularInline):
    model = CaseEvent
    fields = ["created_at", "actor_name", "kind", "body"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Case)
class CaseAdmin(ReadOnlyAdmin):
    list_display = ["reference", "title", "team", "status", "priority", "sla_due_at", "assignee", "outcome"]
    list_filter = ["status", "priority", "kind", "team"]
    search_fields = ["title", "subject", "customer_ref"]
    inlines = [CaseEventInline]
