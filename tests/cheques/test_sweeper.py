"""The relay's sweep: a cheque whose run stopped touching it is sent again; one that keeps losing its
worker is listed as failed with the reason; work still waiting in the outbox is left to wait."""

from datetime import timedelta

from django.utils import timezone

from apps.cheques import services
from apps.cheques.models import Cheque
from apps.core.models import FailedTask, OutboxMessage
from tests.cheques.images import cheque_image, upload


def _stuck(status: str, *, attempts: int = 1, minutes: int = 30) -> Cheque:
    cheque = services.cheque_receive(actor=None, front=upload(cheque_image(text=f"PAY {status} {attempts}")))
    OutboxMessage.objects.update(sent_at=timezone.now())  # published: only the worker lost it
    long_ago = timezone.now() - timedelta(minutes=minutes)
    Cheque.objects.filter(pk=cheque.pk).update(status=status, attempts=attempts, updated_at=long_ago)
    return cheque


def test_a_cheque_whose_worker_died_is_sent_again_and_one_that_keeps_dying_is_failed(db, broker):
    lost = _stuck("processing")
    poison = _stuck("processing", attempts=services.MAX_RUNS)
    fresh = _stuck("processing", minutes=0)  # its run is alive: touched a moment ago
    swept = services.cheques_resend_stale()
    assert swept == {"resent": [lost.pk], "failed": [poison.pk]}
    lost.refresh_from_db(), poison.refresh_from_db(), fresh.refresh_from_db()
    assert lost.status == "received" and "Sent again" in lost.status_reason
    assert OutboxMessage.objects.filter(task_name="apps.cheques.tasks.process_cheque", args=[lost.pk],
                                        sent_at__isnull=True).count() == 1  # fmt: skip
    assert poison.status == "failed" and "stopped 3 times" in poison.status_reason
    assert FailedTask.objects.get().args == [poison.pk]
    assert fresh.status == "processing"
    # The resent cheque's work waits for the broker: the next sweep leaves it alone.
    Cheque.objects.filter(pk=lost.pk).update(updated_at=timezone.now() - timedelta(hours=1))
    assert services.cheques_resend_stale() == {"resent": [], "failed": []}
