"""Sending background work once the change that needs it has committed.

`dispatch_on_commit(task, *args)` sends the task when the caller's transaction commits. If the broker
cannot take it (down, unreachable), the committed change stands and the request still answers as it
would: the send is kept in the failed-task list (Administration → Failed tasks), where staff send it
again once the broker is back, and the failure is logged. Nothing the person did is undone, and an
upload keeps its files. With tasks run in-process (`CELERY_TASK_ALWAYS_EAGER`), the task runs on commit
and its errors propagate as the task's own.
"""

from __future__ import annotations

import logging
import uuid

from django.db import transaction

logger = logging.getLogger(__name__)

NOT_SENT = "Not sent: the broker did not take the task when the change committed."


def dispatch_on_commit(task, *args) -> None:
    """Send `task(*args)` (ids only) after the current transaction commits (at once outside one)."""
    transaction.on_commit(lambda: dispatch_now(task, *args))


def dispatch_now(task, *args) -> None:
    if task.app.conf.task_always_eager:
        task.apply_async(args=args)
        return
    try:
        task.apply_async(args=args)
    except Exception as exc:  # noqa: BLE001 - any failure to publish: the work is kept, not lost
        from .services import failed_task_record

        logger.warning("task %s%r not sent, kept in the failed-task list: %s", task.name, args, exc)
        failed_task_record(task_id=f"unsent-{uuid.uuid4().hex}", task_name=task.name, args=args, kwargs={},
                           exception=exc, traceback=NOT_SENT)  # fmt: skip
