"""Object visibility shared by the portal and the API (STYLE 10).

A model that sets `object_scoped = True` is seen per object: through django-guardian object
permissions (usually held by a team's group), or entirely by holders of `<app>.access_all_<model>`.
Other models are governed by model permissions alone.
"""

from __future__ import annotations

from django.db.models import Exists, Model, OuterRef, QuerySet
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
    direct = _direct_fk_filter(user, model, action)
    if direct is not None:
        return queryset.filter(direct) if user.has_perm(perm_name(model, action)) else queryset.none()
    return get_objects_for_user(
        user, perm_name(model, action), klass=queryset, accept_global_perms=False, with_superuser=False
    )


def _direct_fk_filter(user, model: type[Model], action: str):
    """For models with guardian's direct foreign-key permission tables: an EXISTS per row on their
    unique (group, permission, object) index, which lets the database walk an ordered index and stop
    at a page, instead of building guardian's generic IN-list of every permitted id."""
    from django.contrib.auth.models import Permission
    from django.contrib.contenttypes.models import ContentType
    from guardian.utils import get_group_obj_perms_model, get_user_obj_perms_model

    group_model, user_model = get_group_obj_perms_model(model), get_user_obj_perms_model(model)
    if group_model.objects.is_generic() or user_model.objects.is_generic():
        return None
    codename = f"{action}_{model._meta.model_name}"
    permission_id = (
        Permission.objects.filter(content_type=ContentType.objects.get_for_model(model), codename=codename)
        .values_list("pk", flat=True)
        .first()
    )
    group_ids = list(user.groups.values_list("pk", flat=True))
    by_group = group_model.objects.filter(content_object=OuterRef("pk"), permission_id=permission_id,
                                          group_id__in=group_ids)  # fmt: skip
    by_user = user_model.objects.filter(content_object=OuterRef("pk"), permission_id=permission_id, user_id=user.pk)
    return Exists(by_group) | Exists(by_user)


def has_object_perm(user, obj: Model, action: str = "view") -> bool:
    model = type(obj)
    if not user.has_perm(perm_name(model, action)):
        return False
    if not getattr(model, "object_scoped", False) or sees_all(user, model):
        return True
    return user.has_perm(perm_name(model, action), obj)
