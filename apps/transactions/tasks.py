import logging

from celery import shared_task
from django.db import OperationalError

logger = logging.getLogger(__name__)


@shared_task(
    bind=True,
    name="apps.transactions.tasks.process_transaction_file",
    autoretry_for=(OperationalError,),
    retry_backoff=5,
    retry_jitter=True,
    max_retries=5,
    acks_late=True,
    time_limit=6 * 3600,
    soft_time_limit=6 * 3600 - 60,
)
def process_transaction_file(self, file_id: int) -> dict:
    """Thin: load by id, process (or resume) the file. A missing or finished file is skipped."""
    from .files import transaction_file_fail, transaction_file_process, transaction_file_release

    try:
        record = transaction_file_process(file_id=file_id)
    except OperationalError as exc:
        error = f"{type(exc).__name__}: {exc}"
        if self.request.retries < self.max_retries:
            transaction_file_release(file_id=file_id, error=error)
        else:
            transaction_file_fail(file_id=file_id, error=error)
        raise
    except Exception as exc:  # an error retrying cannot fix: listed as failed, with its reason
        transaction_file_fail(file_id=file_id, error=f"{type(exc).__name__}: {exc}")
        raise
    if record is None:
        logger.warning("transaction file %s no longer exists; skipped", file_id)
        return {"file": file_id, "status": "missing"}
    return {"file": record.pk, "status": record.status, "stored": record.rows_stored}


def _day(day: str | None, *, back: int):
    """`day` (an ISO date) or the day `back` days before today, in the bank's zone."""
    from datetime import date, timedelta

    from django.utils import timezone

    return date.fromisoformat(day) if day else timezone.localdate() - timedelta(days=back)


# The nightly book-keeping tasks: retried when the database is busy, idempotent, half an hour at most.
_DAILY = {"autoretry_for": (OperationalError,), "retry_backoff": 5, "retry_jitter": True, "max_retries": 5,
          "acks_late": True, "time_limit": 30 * 60, "soft_time_limit": 30 * 60 - 60}  # fmt: skip


@shared_task(name="apps.transactions.tasks.snapshot_balances", **_DAILY)
def snapshot_balances(day: str | None = None) -> dict:
    """Thin: the end-of-day balances of `day` (an ISO date; yesterday when left out). Idempotent: a second
    run rewrites the same rows."""
    from .services import balances_snapshot

    when = _day(day, back=1)
    return {"day": when.isoformat(), "accounts": balances_snapshot(day=when)}


@shared_task(name="apps.transactions.tasks.age_loans", **_DAILY)
def age_loans(day: str | None = None) -> dict:
    """Thin: every open loan's days past due and status as of `day` (an ISO date; today when left out).
    Idempotent: a second run the same day changes nothing."""
    from .services import loans_age

    when = _day(day, back=0)
    return {"day": when.isoformat(), "statuses": loans_age(day=when)}
