from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone


class AppendOnlyError(Exception):
    """Raised when code tries to change or remove an audit event."""


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("Audit events are append-only: they cannot be updated.")

    def delete(self):
        raise AppendOnlyError("Audit events are append-only: they cannot be deleted.")


class AuditEvent(models.Model):
    """One state change (or security event): who did what to which object, and why.

    Written by services in the same transaction as the change. The actor's name is kept as text
    so the record survives the user being removed.
    """

    created_at = models.DateTimeField(default=timezone.now, db_index=True, editable=False)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    actor_name = models.CharField(max_length=255, blank=True, editable=False)
    action = models.CharField(max_length=100, db_index=True, editable=False)
    content_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.PROTECT, related_name="+", editable=False
    )
    object_id = models.CharField(max_length=64, blank=True, editable=False)
    object_repr = models.CharField(max_length=255, blank=True, editable=False)
    before = models.JSONField(null=True, blank=True, encoder=DjangoJSONEncoder, editable=False)
    after = models.JSONField(null=True, blank=True, encoder=DjangoJSONEncoder, editable=False)
    reason = models.TextField(blank=True, editable=False)
    request_id = models.CharField(max_length=64, blank=True, editable=False)
    ip_address = models.GenericIPAddressField(null=True, blank=True, editable=False)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        default_permissions = ("view",)  # no add/change/delete permission exists to grant
        permissions = [("export_auditevent", "Can export the audit log")]
        indexes = [
            models.Index(fields=["content_type", "object_id"], name="audit_object_idx"),
            models.Index(fields=["actor", "created_at"], name="audit_actor_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M:%S} {self.actor_name or 'system'} {self.action}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError("Audit events are append-only: they cannot be updated.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("Audit events are append-only: they cannot be deleted.")


class IdempotencyKey(models.Model):
    """The first response to a POST that carried an `Idempotency-Key`, replayed for repeats."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    scope = models.CharField(max_length=100, help_text="Which endpoint the key was used on.")
    request_hash = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        default_permissions = ()
        constraints = [models.UniqueConstraint(fields=["owner", "scope", "key"], name="idempotency_key_unique")]

    def __str__(self) -> str:
        return f"{self.scope}:{self.key}"


class WebhookDelivery(models.Model):
    """One signed webhook POST and what happened to it (the delivery log)."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        DELIVERED = "delivered", "Delivered"
        FAILED = "failed", "Failed"

    url = models.URLField(max_length=500)
    event = models.CharField(max_length=64)
    payload = models.JSONField(encoder=DjangoJSONEncoder)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "webhook deliveries"

    def __str__(self) -> str:
        return f"{self.event} → {self.url} ({self.get_status_display()})"


class FailedTask(models.Model):
    """A background task that failed after its retries: the dead-letter list staff inspect and retry.

    Filled from Celery's `task_failure` signal, so every task is covered without code of its own. Tasks
    are idempotent, so a retry is safe; `retried_at` keeps a double click from sending it twice.
    """

    task_id = models.CharField(max_length=255, unique=True)
    task_name = models.CharField(max_length=255, db_index=True)
    args = models.JSONField(default=list, encoder=DjangoJSONEncoder)
    kwargs = models.JSONField(default=dict, encoder=DjangoJSONEncoder)
    exception = models.TextField()
    traceback = models.TextField(blank=True)
    failed_at = models.DateTimeField(default=timezone.now, db_index=True)
    retried_at = models.DateTimeField(null=True, blank=True)
    retried_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    retry_task_id = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["-failed_at", "-id"]
        default_permissions = ("view",)
        permissions = [("retry_failedtask", "Can retry a failed background task")]

    def __str__(self) -> str:
        return f"{self.task_name} ({self.task_id})"


class OutboxMessage(models.Model):
    """Background work a committed change needs: written in the same database transaction as the change,
    then published to the broker (at once after the commit, or by the relay when the broker was away).

    The message's `task_id` is the Celery task id of every publication of it, so a task can tell that it
    has run this message before (`apps.core.outbox.once`). Sent messages are kept a few days, then pruned.
    """

    task_id = models.CharField(max_length=36, unique=True)
    task_name = models.CharField(max_length=255)
    args = models.JSONField(default=list, encoder=DjangoJSONEncoder)
    kwargs = models.JSONField(default=dict, encoder=DjangoJSONEncoder)
    created_at = models.DateTimeField(default=timezone.now)
    # The relay leaves a new message to its request's own publication for a few seconds.
    available_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0, help_text="Publications that the broker refused.")
    last_error = models.TextField(blank=True)
    # For work that must happen once (a notification): set while a run does it, then when it is done.
    run_started_at = models.DateTimeField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["sent_at", "available_at"], name="outbox_pending"),
            models.Index(fields=["created_at"], name="outbox_created"),
        ]
        default_permissions = ("view",)

    def __str__(self) -> str:
        return f"{self.task_name}{tuple(self.args)!r} ({'sent' if self.sent_at else 'pending'})"


class ExchangeRate(models.Model):
    """What one unit of the bank's currency (`base`) bought of `currency` on `valid_on`: the rate every
    conversion of that day uses (the latest on or before the day). Admins keep them under
    Administration → Exchange rates, one by one or from a rates file; every change is audited."""

    base = models.CharField(max_length=3, help_text="The bank's currency when the rate was entered.")
    currency = models.CharField(max_length=3)
    valid_on = models.DateField()
    per_base = models.DecimalField(max_digits=24, decimal_places=10, help_text="Units of `currency` per one `base`.")
    source = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-valid_on", "currency"]
        default_permissions = ("view", "add")
        constraints = [
            models.UniqueConstraint(fields=["base", "currency", "valid_on"], name="exchange_rate_once_a_day"),
            models.CheckConstraint(condition=models.Q(per_base__gt=0), name="exchange_rate_positive"),
            models.CheckConstraint(condition=~models.Q(base=models.F("currency")), name="exchange_rate_two_currencies"),
        ]

    def __str__(self) -> str:
        return f"1 {self.base} = {self.per_base.normalize():f} {self.currency} on {self.valid_on}"
