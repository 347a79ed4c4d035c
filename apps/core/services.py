"""Writes that every app uses: the audit trail."""

from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models

from .context import current_client_ip, current_request_id
from .models import AuditEvent


def model_snapshot(instance: models.Model, fields: list[str]) -> dict[str, Any]:
    """The named fields of an instance as JSON-friendly values (ids for relations, lists for m2m)."""
    snap: dict[str, Any] = {}
    for name in fields:
        field = instance._meta.get_field(name)
        if field.many_to_many:
            snap[name] = sorted(str(o) for o in getattr(instance, name).all()) if instance.pk else []
        elif field.is_relation:
            snap[name] = getattr(instance, field.attname)
        else:
            snap[name] = getattr(instance, name)
    return snap


def audit_record(
    *,
    actor: Any,
    action: str,
    obj: models.Model | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str = "",
    actor_name: str | None = None,
) -> AuditEvent:
    """Append one audit event. Call it inside the transaction that makes the change."""
    user = actor if getattr(actor, "is_authenticated", False) else None
    if actor_name is None:
        actor_name = user.get_username() if user else "system"
    return AuditEvent.objects.create(
        actor=user,
        actor_name=actor_name[:255],
        action=action,
        content_type=ContentType.objects.get_for_model(obj) if obj is not None else None,
        object_id=str(obj.pk) if obj is not None and obj.pk is not None else "",
        object_repr=str(obj)[:255] if obj is not None else "",
        before=before,
        after=after,
        reason=reason,
        request_id=current_request_id(),
        ip_address=current_client_ip(),
    )
