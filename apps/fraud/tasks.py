import logging

from celery import shared_task

from apps.core.dispatch import once

logger = logging.getLogger(__name__)


@shared_task(
    bind=True,
    name="apps.fraud.tasks.notify_alerts",
    autoretry_for=(OSError,),
    retry_backoff=10,
    retry_jitter=True,
    max_retries=5,
    acks_late=True,
)
@once
def notify_alerts(self, alert_ids: list[int]) -> dict:
    """Thin: tell staff about new high-severity alerts (one message for the batch), once."""
    from .services import alerts_notify

    return alerts_notify(alert_ids=alert_ids)


@shared_task(
    bind=True,
    name="apps.fraud.tasks.notify_case",
    autoretry_for=(OSError,),
    retry_backoff=10,
    retry_jitter=True,
    max_retries=5,
    acks_late=True,
)
@once
def notify_case(self, event: str, case_id: int, user_ids: list[int], note: str = "") -> dict:
    """Thin: email (and SNS / webhook) about one case event, once."""
    from .cases.notify import case_notify_send

    return case_notify_send(event=event, case_id=case_id, user_ids=user_ids, note=note)


@shared_task(name="apps.fraud.tasks.check_case_slas", acks_late=True, time_limit=600)
def check_case_slas() -> dict:
    """Celery beat: wake snoozed cases; warn about SLAs due soon and breached."""
    from .cases.services import cases_check_sla

    return cases_check_sla()


@shared_task(name="apps.fraud.tasks.train_if_new_labels", acks_late=True, time_limit=3 * 3600)
def train_if_new_labels() -> dict:
    """Celery beat: retrain when enough labels have arrived since the newest model."""
    from datetime import timedelta

    from django.conf import settings
    from django.utils import timezone

    from apps.transactions.models import Transaction

    from .ml.training import TrainingError, train
    from .models import ModelVersion

    newest = ModelVersion.objects.filter(kind=ModelVersion.Kind.TRANSACTION).order_by("-created_at").first()
    labels = Transaction.objects.exclude(label="")
    if newest is not None:
        labels = labels.filter(labelled_at__gt=newest.created_at)
    new = labels.count()
    if new < settings.MODEL_RETRAIN_MIN_NEW_LABELS:
        return {"trained": False, "new_labels": new}
    today = timezone.now().replace(hour=0, minute=0, second=0, microsecond=0)
    try:
        model = train(train_start=today - timedelta(days=35), train_end=today - timedelta(days=14),
                      test_start=today - timedelta(days=7), test_end=today)  # fmt: skip
    except TrainingError as exc:
        logger.warning("scheduled training skipped: %s", exc)
        return {"trained": False, "new_labels": new, "reason": str(exc)}
    return {"trained": True, "version": model.version, "status": model.status}
