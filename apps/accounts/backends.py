"""Authentication backends."""

from __future__ import annotations

from allauth.account.auth_backends import AuthenticationBackend
from django.contrib.auth.models import Group, Permission


class PortalAuthenticationBackend(AuthenticationBackend):
    """allauth's sign-in by email, with a user's model permissions loaded in one query (their own and
    their groups', as one set) instead of two. Every API request asks, so the hot path pays once."""

    def get_all_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_perm_cache"):
            if user_obj.is_superuser:
                perms = Permission.objects.all()
            else:
                own = Permission.user_set.through.objects.filter(user_id=user_obj.pk).values("permission_id")
                via_groups = Group.permissions.through.objects.filter(group__user=user_obj.pk).values("permission_id")
                perms = Permission.objects.filter(pk__in=own.union(via_groups))
            user_obj._perm_cache = {
                f"{app}.{code}" for app, code in perms.values_list("content_type__app_label", "codename")
            }
        return user_obj._perm_cache
