"""Tasks that fail after their retries land in the dead-letter list; staff retry them once."""

from __future__ import annotations

import pytest
from django.urls import reverse

from apps.core.models import FailedTask, OutboxMessage, WebhookDelivery
from apps.core.tasks import deliver_webhook
from chequecloud.celery import app as celery_app


@pytest.fixture
def failing_delivery(db, settings):
    settings.ALERT_WEBHOOK_URL, settings.ALERT_WEBHOOK_SECRET = "http://127.0.0.1:9/unreachable", "k" * 40
    return WebhookDelivery.objects.create(url=settings.ALERT_WEBHOOK_URL, event="alerts.high", payload={"a": 1})


def test_a_task_that_fails_after_its_last_retry_lands_in_the_dead_letter_list(failing_delivery):
    # Run the task as a worker would on its last allowed attempt: Celery's failure signal fires.
    result = deliver_webhook.apply(args=[failing_delivery.pk], retries=deliver_webhook.max_retries, throw=False)
    assert result.failed()
    failed = FailedTask.objects.get(task_id=result.id)
    assert failed.task_name == "apps.core.tasks.deliver_webhook"
    assert failed.args == [failing_delivery.pk]
    assert "_Failed" in failed.exception and "Traceback" in failed.traceback
    failing_delivery.refresh_from_db()
    assert failing_delivery.status == "failed"


def test_retrying_sends_the_task_once_however_often_it_is_clicked(client, admin_user, failing_delivery,
                                                                  django_capture_on_commit_callbacks):  # fmt: skip
    from unittest import mock

    failed = FailedTask.objects.create(task_id="abc", task_name="apps.core.tasks.deliver_webhook",
                                       args=[failing_delivery.pk], exception="_Failed: HTTP 500")  # fmt: skip
    client.force_login(admin_user)
    page = client.get(reverse("core:dead_letters"))
    assert "apps.core.tasks.deliver_webhook" in page.text and "HTTP 500" in page.text
    # Published to the broker (not run in-process), through the outbox.
    celery_app.conf.task_always_eager = False
    try:
        with mock.patch("chequecloud.celery.app.send_task") as send:
            with django_capture_on_commit_callbacks(execute=True):
                client.post(reverse("core:dead_letter_retry", args=[failed.pk]))
                client.post(reverse("core:dead_letter_retry", args=[failed.pk]))
    finally:
        celery_app.conf.task_always_eager = True
    assert send.call_count == 1
    message = OutboxMessage.objects.get()
    assert message.sent_at is not None and message.task_id == send.call_args.kwargs["task_id"]
    name, kwargs = send.call_args.args[0], send.call_args.kwargs
    assert name == "apps.core.tasks.deliver_webhook" and kwargs["args"] == [failing_delivery.pk]
    failed.refresh_from_db()
    assert failed.retried_by == admin_user and failed.retry_task_id == kwargs["task_id"]
    assert "No failed tasks" in client.get(reverse("core:dead_letters")).text  # retried ones are hidden
