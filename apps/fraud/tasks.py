import logging

from celery import shared_task

logger = logging.getLogger(__name__)


@shared_task(
    name="apps.fraud.tasks.notify_alerts",
    autoretry_for=(OSError,),
    retry_backoff=10,
    retry_jitter=True,
    max_retries=5,
    acks_late=True,
)
def notify_alerts(alert_ids: list[int]) -> dict:
    """Thin: tell staff about new high-severity alerts (one message for the batch)."""
    from .services import alerts_notify

    return alerts_notify(alert_ids=alert_ids)
