import logging
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.utils import timezone

logger = logging.getLogger(__name__)


@shared_task(name="apps.compliance.tasks.monitor_new_transactions", acks_late=True, time_limit=600,
             soft_time_limit=540)  # fmt: skip
def monitor_new_transactions() -> dict:
    """Thin: the AML scenarios over the transactions stored since the last run (every minute, whichever
    way they came: API, files, ledger), for their customers."""
    from .services import scenarios_monitor_new

    return scenarios_monitor_new()


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


@shared_task(name="apps.compliance.tasks.remind_actions", acks_late=True, time_limit=600, soft_time_limit=540)
def remind_actions() -> dict:
    """Thin: remind owners of corrective actions due soon or overdue (each reminder once)."""
    from .actions.services import actions_remind

    return actions_remind()


@shared_task(name="apps.compliance.tasks.refresh_score", acks_late=True, time_limit=600, soft_time_limit=540)
def refresh_score() -> dict:
    """Thin: measure every KPI of the compliance score again, open and close breaches (every minute, and
    after a change that moves a KPI)."""
    from .score.services import score_refresh

    result = score_refresh()
    return {**result, "score": str(result["score"])}
