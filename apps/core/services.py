"""Writes that every app uses: the audit trail and the dead-letter list of failed tasks."""

from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models

from .context import current_client_ip, current_request_id
from .models import AuditEvent, FailedTask


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


PII_VIEW_ACTION = "pii.full_numbers"


def audit_full_numbers(request, obj: models.Model | None = None) -> None:
    """Record, once per request, that its user was shown account numbers in full (a page or an API
    answer): the compliance score counts who sees them."""
    from django.db import transaction

    if getattr(request, "_full_numbers_audited", False):
        return
    request._full_numbers_audited = True
    with transaction.atomic():
        audit_record(actor=request.user, action=PII_VIEW_ACTION, obj=obj)


def audit_record_many(*, actor: Any, action: str, objs: list[models.Model], reason: str = "",
                      after: dict[str, Any] | None = None) -> None:  # fmt: skip
    """The same audit event for many objects, in one INSERT (system work on whole batches)."""
    if not objs:
        return
    user = actor if getattr(actor, "is_authenticated", False) else None
    name = user.get_username() if user else "system"
    content_type = ContentType.objects.get_for_model(objs[0])
    request_id, ip = current_request_id(), current_client_ip()
    AuditEvent.objects.bulk_create(
        [
            AuditEvent(actor=user, actor_name=name, action=action, content_type=content_type, object_id=str(o.pk),
                       object_repr=str(o)[:255], after=after, reason=reason, request_id=request_id, ip_address=ip)
            for o in objs
        ],
        batch_size=1000,
    )  # fmt: skip


def failed_task_record(*, task_id: str, task_name: str, args, kwargs, exception: BaseException | None,
                       traceback: str = "") -> FailedTask | None:  # fmt: skip
    """Keep a task that failed after its retries. Never raises: a broken dead-letter write must not hide
    the task's own failure in the worker log."""
    import json
    import logging

    from django.core.serializers.json import DjangoJSONEncoder
    from django.utils import timezone

    def jsonable(value):
        try:
            return json.loads(json.dumps(value, cls=DjangoJSONEncoder))
        except (TypeError, ValueError):
            return repr(value)

    try:
        record, _ = FailedTask.objects.update_or_create(
            task_id=task_id or f"unknown-{timezone.now().timestamp()}",
            defaults={"task_name": task_name, "args": jsonable(list(args)), "kwargs": jsonable(dict(kwargs)),
                      "exception": f"{type(exception).__name__}: {exception}"[:5000] if exception else "unknown",
                      "traceback": traceback[-20000:], "failed_at": timezone.now()},
        )  # fmt: skip
    except Exception:
        logging.getLogger(__name__).exception("could not record failed task %s", task_id)
        return None
    return record


def failed_task_retry(*, failed: FailedTask, actor) -> FailedTask:
    """Send a failed task again with its arguments (tasks are idempotent), through the outbox: it is
    published after the commit, or by the relay if the broker is away. A second click on the same record
    does nothing: it was already sent once."""
    from celery import current_app
    from django.db import transaction
    from django.utils import timezone

    from .dispatch import outbox_put, publish_after_commit

    with transaction.atomic():
        failed = FailedTask.objects.select_for_update().get(pk=failed.pk)
        if failed.retried_at is not None:
            return failed
        message = outbox_put(failed.task_name, failed.args, failed.kwargs)
        failed.retried_at, failed.retried_by, failed.retry_task_id = timezone.now(), actor, message.task_id
        failed.save(update_fields=["retried_at", "retried_by", "retry_task_id"])
        after = {"task": failed.task_name, "new_task_id": failed.retry_task_id}
        audit_record(actor=actor, action="task.retry", obj=failed, after=after)

        transaction.on_commit(lambda: publish_after_commit(current_app, message))
    return failed


# ------------------------------------------------------------------------------------ exchange rates
def exchange_rate_set(*, actor, currency: str, per_base, valid_on, source: str = ""):
    """One day's rate of a currency against the bank's currency, entered by hand (a second entry for
    the same day replaces the first; both are in the audit trail)."""
    from decimal import Decimal

    from django.conf import settings
    from django.core.exceptions import ValidationError
    from django.db import transaction

    from . import rates
    from .models import ExchangeRate
    from .money import currency_check

    base = settings.BANK_CURRENCY
    currency = currency_check(currency)
    if currency == base:
        raise ValidationError({"currency": [f"{base} is the bank's own currency: its rate is always 1."]})
    per_base = Decimal(per_base)
    if not per_base.is_finite() or per_base <= 0:
        raise ValidationError({"per_base": ["A rate must be a positive number."]})
    per_base = per_base.quantize(rates.PLACES)
    with transaction.atomic():
        old = ExchangeRate.objects.select_for_update().filter(base=base, currency=currency, valid_on=valid_on).first()
        before = {"per_base": str(old.per_base), "source": old.source} if old else None
        rate, _ = ExchangeRate.objects.update_or_create(
            base=base, currency=currency, valid_on=valid_on,
            defaults={"per_base": per_base, "source": source[:200], "created_by": actor},
        )  # fmt: skip
        audit_record(actor=actor, action="exchange_rate.set", obj=rate, before=before,
                     after={"per_base": str(per_base), "source": rate.source})  # fmt: skip
        transaction.on_commit(rates.forget)
    return rate


def exchange_rates_load(*, actor, data: bytes, source: str, file_name: str = "") -> dict:
    """Every rate of a rates file (see `rates.parse_rates_file`), turned into rates against the bank's
    currency and stored all or nothing; the counts added and changed are returned and audited. A file
    that cannot be read changes nothing and says which line is wrong (RatesFileError)."""
    import hashlib

    from django.conf import settings
    from django.db import transaction

    from . import rates
    from .models import ExchangeRate

    base = settings.BANK_CURRENCY
    quotes = rates.parse_rates_file(data)
    wanted, skipped = rates.in_base(quotes, base)
    if not wanted:
        raise rates.RatesFileError(f"No rate in the file can be turned into a rate against {base}: {skipped[0]}.")
    days = {day for day, _, _ in wanted}
    with transaction.atomic():
        stored = {(r.valid_on, r.currency): r for r in ExchangeRate.objects.select_for_update()
                  .filter(base=base, valid_on__in=days)}  # fmt: skip
        new, changed = [], []
        for day, code, value in wanted:
            old = stored.get((day, code))
            if old is None:
                new.append(ExchangeRate(base=base, currency=code, valid_on=day, per_base=value,
                                        source=source[:200], created_by=actor))  # fmt: skip
            elif old.per_base != value:
                old.per_base, old.source, old.created_by = value, source[:200], actor
                changed.append(old)
        ExchangeRate.objects.bulk_create(new, batch_size=1000)
        ExchangeRate.objects.bulk_update(changed, ["per_base", "source", "created_by"], batch_size=1000)
        summary = {
            "file": file_name, "sha256": hashlib.sha256(data).hexdigest(), "source": source,
            "days": len(days), "first_day": str(min(days)), "last_day": str(max(days)),
            "added": len(new), "changed": len(changed), "unchanged": len(wanted) - len(new) - len(changed),
            "skipped": skipped[:20],
        }  # fmt: skip
        audit_record(actor=actor, action="exchange_rates.load", after=summary)
        transaction.on_commit(rates.forget)
    return summary
