import socket

from celery import shared_task
from django.db import connection

from .dispatch import once


@shared_task(name="apps.core.tasks.ping")
def ping(nonce: str) -> dict:
    """Round trip through a real worker: echoes the nonce, says which host and database served it."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        (one,) = cursor.fetchone()
    return {"nonce": nonce, "host": socket.gethostname(), "db": connection.vendor, "db_ok": one == 1}


class _Failed(Exception):
    """A delivery attempt failed; Celery retries it with backoff."""


@shared_task(
    bind=True,
    name="apps.core.tasks.deliver_webhook",
    autoretry_for=(_Failed,),
    retry_backoff=5,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=6,
    acks_late=True,
)
@once
def deliver_webhook(self, delivery_id: int) -> dict:
    """Thin: POST one logged delivery; retried with backoff; after the last retry it is marked `failed`
    and the task lands in the dead-letter list, from which it can be sent again."""
    from django.conf import settings
    from django.utils import timezone

    from .models import WebhookDelivery
    from .notify import WebhookError, post_webhook

    delivery = WebhookDelivery.objects.filter(pk=delivery_id).first()
    if delivery is None or delivery.status == WebhookDelivery.Status.DELIVERED:
        return {"delivery": delivery_id, "status": "skipped"}
    delivery.attempts += 1
    try:
        code = post_webhook(url=delivery.url, secret=settings.ALERT_WEBHOOK_SECRET, event=delivery.event,
                            payload=delivery.payload)  # fmt: skip
    except WebhookError as exc:
        last = self.request.retries >= self.max_retries
        delivery.last_error = str(exc)[:1000]
        delivery.last_status_code = int(str(exc)[5:8]) if str(exc).startswith("HTTP ") else None
        delivery.status = WebhookDelivery.Status.FAILED if last else WebhookDelivery.Status.PENDING
        delivery.save(update_fields=["attempts", "last_error", "last_status_code", "status"])
        # After the last retry Celery records the failure, and the dead-letter list shows it.
        raise _Failed(str(exc)) from exc
    delivery.status, delivery.last_status_code, delivery.delivered_at = "delivered", code, timezone.now()
    delivery.save(update_fields=["attempts", "status", "last_status_code", "delivered_at"])
    return {"delivery": delivery_id, "status": "delivered"}
