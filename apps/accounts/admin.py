from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group

from .models import APIToken, RoleGrant, Team, User

admin.site.unregister(Group)  # role and team groups are kept by the portal's services, never edited here

# Rights are granted only in the portal, through the audited services (Admin needs a second admin):
# here they are shown, never edited, and nobody is added or deleted.
ACCESS_FIELDS = ["is_staff", "is_superuser", "groups", "user_permissions"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ["email"]
    list_display = ["email", "full_name", "is_active", "is_staff", "last_login"]
    list_filter = ["is_active", "is_staff", "groups"]
    search_fields = ["email", "full_name"]
    fieldsets = [
        (None, {"fields": ["email"]}),
        ("Person", {"fields": ["full_name"]}),
        ("Access (granted in the portal: Users)", {"fields": ["is_active", *ACCESS_FIELDS]}),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    readonly_fields = ["email", "is_active", *ACCESS_FIELDS, "last_login", "date_joined"]

    def has_add_permission(self, request):
        return False  # users are invited in the portal (roles, teams, the invitation email, the audit)

    def has_delete_permission(self, request, obj=None):
        return False  # deactivate in the portal: the audit trail keeps its people

    def save_model(self, request, obj, form, change):
        from apps.core.services import audit_record

        from .services import USER_AUDIT_FIELDS

        before = {f: form.initial.get(f) for f in form.changed_data if f in USER_AUDIT_FIELDS}
        super().save_model(request, obj, form, change)
        if before:
            audit_record(actor=request.user, action="user.admin_change", obj=obj, before=before,
                         after={f: getattr(obj, f) for f in before}, reason="Changed in the Django admin")  # fmt: skip


@admin.register(RoleGrant)
class RoleGrantAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "status", "requested_by", "requested_at", "decided_by", "decided_at"]
    list_filter = ["status", "role"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False  # decided in the portal, by a second admin

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "created_at"]
    search_fields = ["name", "slug"]
    readonly_fields = ["group", "created_at"]
    prepopulated_fields = {"slug": ["name"]}

    def has_add_permission(self, request):
        return False  # teams are created in the portal, which also creates their permission group


@admin.register(APIToken)
class APITokenAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "prefix", "scopes", "expires_at", "revoked_at", "last_used_at"]
    list_filter = ["revoked_at"]
    search_fields = ["name", "prefix", "user__email"]
    readonly_fields = ["prefix", "key_hash", "created_at", "created_by", "last_used_at", "user"]
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False  # the key must be shown once: create tokens in the portal

    @admin.action(description="Revoke selected tokens", permissions=["change"])
    def revoke(self, request, queryset):
        from .services import api_token_revoke

        for token in queryset:
            api_token_revoke(actor=request.user, token=token, reason="Revoked in the Django admin")
