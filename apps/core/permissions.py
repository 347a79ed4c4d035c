"""Object visibility shared by the portal and the API (STYLE 10).

A model that sets `object_scoped = True` is seen per object: through django-guardian object
permissions (usually held by a team's group), or entirely by holders of `<app>.access_all_<model>`.
Other models are governed by model permissions alone.
"""

from __future__ import annotations

from django.db.models import Model, QuerySet
from guardian.shortcuts import get_objects_for_user


def perm_name(model: type[Model], action: str) -> str:
    return f"{model._meta.app_label}.{action}_{model._meta.model_name}"


def sees_all(user, model: type[Model]) -> bool:
    return user.is_superuser or user.has_perm(perm_name(model, "access_all"))


def permitted(user, queryset: QuerySet, action: str = "view") -> QuerySet:
    """The rows of `queryset` the user may `action`; one subquery, never a Python loop."""
    model = queryset.model
    if not user.is_authenticated:
        return queryset.none()
    if not getattr(model, "object_scoped", False):
        return queryset if user.has_perm(perm_name(model, action)) else queryset.none()
    if sees_all(user, model):
        return queryset if user.has_perm(perm_name(model, action)) else queryset.none()
    return get_objects_for_user(
        user, perm_name(model, action), klass=queryset, accept_global_perms=False, with_superuser=False
    )


def has_object_perm(user, obj: Model, action: str = "view") -> bool:
    model = type(obj)
    if not user.has_perm(perm_name(model, action)):
        return False
    if not getattr(model, "object_scoped", False) or sees_all(user, model):
        return True
    return user.has_perm(perm_name(model, action), obj)
