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
