"""Authentication backends."""

from __future__ import annotations

from allauth.account.auth_backends import AuthenticationBackend
from django.contrib.auth.models import Group, Permission

from apps.core.db import CompiledQuery


class PortalAuthenticationBackend(AuthenticationBackend):
    """allauth's sign-in by email, with a user's model permissions loaded in one query (their own and
    their groups', as one set) instead of two. Every API request asks, so the hot path pays once."""

    def get_user(self, user_id):
        """The user of a portal session. Integration clients have none (they use API tokens): a session
        of theirs, however it was made, is signed out."""
        from .choices import Role
        from .models import User

        user = User.objects.filter(pk=user_id).exclude(groups__name=Role.INTEGRATION).first()
        return user if user is not None and self.user_can_authenticate(user) else None

    def get_all_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_perm_cache"):
            if user_obj.is_superuser:
                perms = Permission.objects.all()
                user_obj._perm_cache = {
                    f"{app}.{code}" for app, code in perms.values_list("content_type__app_label", "codename")
                }
            else:
                user_obj._perm_cache = {f"{app}.{code}" for app, code in _PERMISSIONS.rows(user_obj.pk, user_obj.pk)}
        return user_obj._perm_cache


def _permissions(user_id: int, also_user_id: int):
    own = Permission.user_set.through.objects.filter(user_id=user_id).values("permission_id")
    via_groups = Group.permissions.through.objects.filter(group__user=also_user_id).values("permission_id")
    return Permission.objects.filter(pk__in=own.union(via_groups)).values_list("content_type__app_label", "codename")


_PERMISSIONS = CompiledQuery(_permissions, int, int)  # every API request asks: the SQL is built once
