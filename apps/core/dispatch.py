"""Background work that is never lost: an outbox in the database, published to the broker.

`dispatch_on_commit(task, *args)` writes an `OutboxMessage` in the caller's transaction, so the intent to
run the task commits with the change that needs it, or not at all. After the commit the request publishes
it at once (the usual case) and marks it sent. When the broker cannot take it, the request still answers
as usual and the message waits in the outbox: the relay (`python manage.py relay`, beside the workers)
publishes whatever is pending, so the work runs when the broker is back. While this process has just seen
the broker refuse, its requests leave their messages to the relay instead of waiting on the broker again.

A message may be published more than once (a relay that stopped between publishing and marking it sent):
tasks are idempotent, and work that must happen once, such as a notification, runs under `once`.

With tasks run in-process (`CELERY_TASK_ALWAYS_EAGER`, the test suite), the task runs on commit and its
errors propagate as the task's own.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import time
import uuid
from datetime import timedelta

from django.db import connection, transaction
from django.utils import timezone

from .models import OutboxMessage

logger = logging.getLogger(__name__)

# The relay leaves a new message to its request's own publication for this long.
PUBLISH_GRACE = timedelta(seconds=10)
# After the broker refused, this process leaves publication to the relay for this long.
BROKER_BACKOFF_SECONDS = 5.0
# A run of a `once` task that has not finished within this time is taken to have died with its worker.
ONCE_LEASE = timedelta(minutes=10)
# Sent messages are kept this long (to tell a repeated publication from a new one), then pruned.
KEEP_SENT = timedelta(days=7)

_broker_away_until = 0.0


def dispatch_on_commit(task, *args, **kwargs) -> OutboxMessage:
    """Run `task(*args, **kwargs)` (ids and plain values only) once the current transaction commits."""
    message = outbox_put(task.name, args, kwargs)
    transaction.on_commit(lambda: publish_after_commit(task.app, message))
    return message


def outbox_put(task_name: str, args=(), kwargs=None) -> OutboxMessage:
    """Write the intent to run a task, in the current transaction."""
    now = timezone.now()
    return OutboxMessage.objects.create(
        task_id=str(uuid.uuid4()), task_name=task_name, args=list(args), kwargs=dict(kwargs or {}),
        created_at=now, available_at=now + PUBLISH_GRACE,
    )  # fmt: skip


def publish_after_commit(app, message: OutboxMessage) -> None:
    """Publish a committed message now; if the broker refuses, leave it to the relay."""
    global _broker_away_until
    if app.conf.task_always_eager:
        OutboxMessage.objects.filter(pk=message.pk).update(sent_at=timezone.now())
        app.tasks[message.task_name].apply_async(args=message.args, kwargs=message.kwargs, task_id=message.task_id)
        return
    if time.monotonic() < _broker_away_until:
        _leave_to_relay([message], "The broker refused a moment ago; the relay sends it.")
        return
    try:
        _publish(app, message)
    except Exception as exc:  # noqa: BLE001 - any failure to publish: the message waits for the relay
        _broker_away_until = time.monotonic() + BROKER_BACKOFF_SECONDS
        logger.warning("task %s%r not sent; the relay sends it when the broker is back: %s",
                       message.task_name, tuple(message.args), exc)  # fmt: skip
        _leave_to_relay([message], f"{type(exc).__name__}: {exc}", refused=True)
        return
    OutboxMessage.objects.filter(pk=message.pk).update(sent_at=timezone.now())


def _publish(app, message: OutboxMessage) -> None:
    # No publish retries here (the outbox is the retry) and no result subscription (nobody waits for one).
    app.send_task(message.task_name, args=message.args, kwargs=message.kwargs, task_id=message.task_id,
                  ignore_result=True, retry=False)  # fmt: skip


def _leave_to_relay(messages: list[OutboxMessage], error: str, *, refused: bool = False) -> None:
    from django.db.models import F

    update = {"available_at": timezone.now(), "last_error": error[:1000]}
    if refused:
        update["attempts"] = F("attempts") + 1
    OutboxMessage.objects.filter(pk__in=[m.pk for m in messages]).update(**update)


def relay_pending(*, limit: int = 500) -> dict:
    """Publish the messages that are due (oldest first). Stops at the first refusal: the broker is away,
    and the rest wait for the next pass. Several relays may run: on a server database each takes the
    rows it locks and skips those another holds."""
    from celery import current_app as app

    now = timezone.now()
    pending = OutboxMessage.objects.filter(sent_at__isnull=True, available_at__lte=now).order_by("id")
    skip_locked = connection.features.has_select_for_update_skip_locked
    sent: list[int] = []
    error = ""
    with transaction.atomic() if skip_locked else contextlib.nullcontext():
        batch = list((pending.select_for_update(skip_locked=True) if skip_locked else pending)[:limit])
        for message in batch:
            try:
                _publish(app, message)
            except Exception as exc:  # noqa: BLE001 - the broker is away: keep the rest for the next pass
                error = f"{type(exc).__name__}: {exc}"
                _leave_to_relay([message], error, refused=True)
                break
            sent.append(message.pk)
        OutboxMessage.objects.filter(pk__in=sent).update(sent_at=timezone.now())
    return {"sent": len(sent), "due": len(batch), "error": error}


def outbox_prune(*, now=None) -> int:
    now = now or timezone.now()
    deleted, _ = OutboxMessage.objects.filter(sent_at__lt=now - KEEP_SENT).delete()
    return deleted


def outbox_backlog(*, now=None) -> dict:
    """How much work waits to be published, and how long the oldest has waited (seconds)."""
    from django.db.models import Count, Min

    now = now or timezone.now()
    row = OutboxMessage.objects.filter(sent_at__isnull=True).aggregate(n=Count("id"), oldest=Min("created_at"))
    oldest = (now - row["oldest"]).total_seconds() if row["oldest"] else 0.0
    return {"pending": row["n"], "oldest_seconds": max(oldest, 0.0)}


def pending_work(task_name: str) -> set[tuple]:
    """The argument tuples of this task's messages not yet published (work that is not lost, only waiting)."""
    rows = OutboxMessage.objects.filter(sent_at__isnull=True, task_name=task_name).values_list("args", flat=True)
    return {tuple(args) for args in rows[:10000]}


def resend_stale(stale, task, handle) -> dict:
    """The sweepers' common walk. Each row of `stale` (a queryset) whose work is not waiting in the outbox
    is locked and handed to `handle(row)`, which checks it again and answers "resent" (it sent the work
    again), "failed" (it listed it as failed, see `swept_failed`) or None (no longer stale)."""
    waiting = pending_work(task.name)  # still in the outbox: not lost, only waiting for the broker
    done: dict[str, list[int]] = {"resent": [], "failed": []}
    for pk in list(stale.values_list("pk", flat=True)[:1000]):
        if (pk,) in waiting:
            continue
        with transaction.atomic():
            row = stale.model.objects.select_for_update().filter(pk=pk).first()
            outcome = handle(row) if row is not None else None
            if outcome:
                done[outcome].append(pk)
    return done


def swept_failed(task, pk: int, runs: int, reason: str) -> None:
    """Work the sweep gave up on, in the failed-task list with the reason (sent again from there)."""
    from .services import failed_task_record

    failed_task_record(task_id=f"swept-{task.name}-{pk}-{runs}", task_name=task.name, args=[pk], kwargs={},
                       exception=None, traceback=reason)  # fmt: skip


def is_waiting(task_name: str, *args) -> bool:
    """Whether this piece of work waits in the outbox for the broker (to tell the person so)."""
    return tuple(args) in pending_work(task_name)


WAITING_NOTE = "The processing service is not answering; this starts by itself when it is back. Nothing is lost."


def once(func):
    """For a bound task whose effect must happen once per message (an email, a webhook): a publication
    that is repeated, or redelivered after its worker died, finds the message done (or being done) and
    skips. A run that fails gives the message back, so the task's own retry runs it. Work sent other
    than through the outbox (sent again by hand from the failed-task list) simply runs."""

    @functools.wraps(func)
    def wrapper(self, *args, **kwargs):
        from django.db.models import Q

        task_id, now = self.request.id, timezone.now()
        free = Q(run_started_at__isnull=True) | Q(run_started_at__lt=now - ONCE_LEASE)
        mine = OutboxMessage.objects.filter(task_id=task_id, done_at__isnull=True).filter(free)
        if not mine.update(run_started_at=now) and OutboxMessage.objects.filter(task_id=task_id).exists():
            logger.info("%s %s already done or being done; skipped", self.name, task_id)
            return {"skipped": "already done"}
        try:
            result = func(self, *args, **kwargs)
        except BaseException:
            OutboxMessage.objects.filter(task_id=task_id, done_at__isnull=True).update(run_started_at=None)
            raise
        OutboxMessage.objects.filter(task_id=task_id).update(done_at=timezone.now())
        return result

    return wrapper
