from rest_framework import exceptions, permissions

from apps.core.permissions import has_object_perm


class TokenScopePermission(permissions.BasePermission):
    """Integration tokens carry scopes: reads need `read`; writes need the view's `write_scope`."""

    message = "This API token does not have the scope this request needs."

    def has_permission(self, request, view):
        scopes = getattr(request.auth, "scopes", None)  # an integration token (accounts.APIToken)
        if scopes is None:  # a portal session
            return True
        if request.method in permissions.SAFE_METHODS:
            needed = getattr(view, "read_scope", "read")
        else:
            needed = getattr(view, "write_scope", None)
            if needed is None:
                return False
        return needed is None or needed in scopes


class ObjectPermissions(permissions.DjangoObjectPermissions):
    """Model permissions for every method (GET needs view), then per-object visibility.

    Objects the user may not see answer 404 (the list filter already hides them).
    """

    perms_map = {
        **permissions.DjangoObjectPermissions.perms_map,
        "GET": ["%(app_label)s.view_%(model_name)s"],
        "HEAD": ["%(app_label)s.view_%(model_name)s"],
    }

    def has_permission(self, request, view):
        if not TokenScopePermission().has_permission(request, view):
            raise exceptions.PermissionDenied(TokenScopePermission.message)
        return super().has_permission(request, view)

    def has_object_permission(self, request, view, obj):
        action = {"GET": "view", "HEAD": "view", "OPTIONS": "view", "DELETE": "delete"}.get(request.method, "change")
        if not has_object_perm(request.user, obj, "view"):
            raise exceptions.NotFound()
        return has_object_perm(request.user, obj, action)


class IsAuthenticatedWithScope(permissions.IsAuthenticated):
    """For views without a model queryset (e.g. /me/): signed in, and the token's scope checked."""

    def has_permission(self, request, view):
        if not super().has_permission(request, view):
            return False
        if not TokenScopePermission().has_permission(request, view):
            raise exceptions.PermissionDenied(TokenScopePermission.message)
        return True


def requires(perm: str) -> type[permissions.BasePermission]:
    """A permission class for an action that needs a permission other than the viewset's model's
    (e.g. posting a ledger movement from the accounts endpoint)."""

    class _Requires(IsAuthenticatedWithScope):
        def has_permission(self, request, view):
            return super().has_permission(request, view) and request.user.has_perm(perm)

    _Requires.__name__ = f"Requires_{perm.replace('.', '_')}"
    return _Requires
