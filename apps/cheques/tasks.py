import logging

from celery import shared_task
from django.db import OperationalError

logger = logging.getLogger(__name__)


@shared_task(
    bind=True,
    name="apps.cheques.tasks.process_cheque",
    autoretry_for=(OSError, OperationalError),  # OCR engine unreachable, database busy: try again
    retry_backoff=5,
    retry_jitter=True,
    max_retries=4,
    acks_late=True,
    time_limit=600,
    soft_time_limit=540,
)
def process_cheque(self, cheque_id: int) -> dict:
    """Thin: run the pipeline on one cheque (by id). After the last retry, or on an error that retrying
    cannot fix, the cheque is marked failed and the task lands in the dead-letter list."""
    from .services import cheque_fail, cheque_process, cheque_release

    try:
        cheque = cheque_process(cheque_id=cheque_id)
    except (OSError, OperationalError) as exc:
        if self.request.retries >= self.max_retries:
            cheque_fail(cheque_id=cheque_id, error=f"{type(exc).__name__}: {exc}")
        else:
            cheque_release(cheque_id=cheque_id, error=f"{type(exc).__name__}: {exc}")
        raise
    except Exception as exc:
        cheque_fail(cheque_id=cheque_id, error=f"{type(exc).__name__}: {exc}")
        raise
    if cheque is None:
        logger.warning("cheque %s no longer exists; skipped", cheque_id)
        return {"cheque": cheque_id, "status": "missing"}
    return {"cheque": cheque.pk, "status": cheque.status}
