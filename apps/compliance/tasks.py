import logging
from datetime import datetime, timedelta

from celery import shared_task
from django.conf import settings
from django.utils import timezone

logger = logging.getLogger(__name__)


@shared_task(name="apps.compliance.tasks.monitor_customers", acks_late=True, time_limit=600, soft_time_limit=540)
def monitor_customers(customers: list[str], start: str, end: str) -> dict:
    """Thin: the AML scenarios over newly stored transactions of these customers (idempotent: a pattern
    already raised is not raised again)."""
    from .services import scenarios_run

    return scenarios_run(start=datetime.fromisoformat(start), end=datetime.fromisoformat(end), customers=customers)


@shared_task(name="apps.compliance.tasks.sweep_scenarios", acks_late=True, time_limit=3600, soft_time_limit=3300)
def sweep_scenarios() -> dict:
    """Thin: the scheduled sweep of every customer's last AML_SWEEP_DAYS (catches what a run on ingestion
    missed: a late row, a changed threshold)."""
    from .services import scenarios_run

    now = timezone.now()
    return scenarios_run(start=now - timedelta(days=settings.AML_SWEEP_DAYS), end=now)


@shared_task(name="apps.compliance.tasks.kyc_assess_all", acks_late=True, time_limit=3600, soft_time_limit=3300)
def kyc_assess_all() -> dict:
    """Thin: the daily KYC pass (records for new customers, ratings again, expired reviews marked on the
    customers). Idempotent."""
    from .kyc.services import customer_risks_assess_all

    return customer_risks_assess_all(actor=None)
