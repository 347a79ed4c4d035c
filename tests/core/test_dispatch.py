"""A broker that cannot take work does not undo or fail what committed: the upload answers as usual
(quickly), keeps its files, a repeat with the same Idempotency-Key replays the first answer, and the work
waits in the outbox until the relay publishes it, once the broker is back."""

from __future__ import annotations

import time

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse
from rest_framework.test import APIClient

from apps.accounts import services as account_services
from apps.accounts.choices import Role
from apps.cheques.models import Cheque
from apps.core import dispatch
from apps.core.models import FailedTask, OutboxMessage
from apps.transactions.models import TransactionFile
from tests.cheques.images import cheque_image, upload
from tests.factories import make_user
from tests.transactions.test_files import GOLDEN, _upload


@pytest.fixture
def depositor(db):
    user = make_user(Role.INTEGRATION, email="branch@bank.test")
    admin = make_user(Role.ADMIN, email="issuer@bank.test")
    _, key = account_services.api_token_create(actor=admin, user=user, name="branch",
                                               scopes=["read", "cheques:write", "transactions:write"])  # fmt: skip
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def test_a_cheque_uploaded_while_the_broker_is_down_is_kept_and_sent_when_it_is_back(
    depositor, broker, django_capture_on_commit_callbacks
):
    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True):
        first = depositor.post(reverse("api:cheque-list"), {"front": upload(cheque_image())}, format="multipart",
                               HTTP_IDEMPOTENCY_KEY="scan-1")  # fmt: skip
    assert first.status_code == 201, first.content[:300]
    assert time.monotonic() - started < 10  # bounded: no 19-38 s wait on the broker
    cheque = Cheque.objects.get()
    assert cheque.status == "received" and default_storage.exists(cheque.front.name)
    waiting = OutboxMessage.objects.get()
    assert waiting.task_name == "apps.cheques.tasks.process_cheque" and waiting.args == [cheque.pk]
    assert waiting.sent_at is None and waiting.attempts == 1 and "Error" in waiting.last_error
    assert not FailedTask.objects.exists()  # nothing failed: it waits

    again = depositor.post(reverse("api:cheque-list"), {"front": upload(cheque_image())}, format="multipart",
                           HTTP_IDEMPOTENCY_KEY="scan-1")  # fmt: skip
    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert Cheque.objects.count() == 1 and OutboxMessage.objects.count() == 1

    assert dispatch.relay_pending()["sent"] == 0  # still down: the relay keeps it
    broker.point("memory://")  # the broker is back
    assert dispatch.relay_pending() == {"sent": 1, "due": 1, "error": ""}
    waiting.refresh_from_db()
    assert waiting.sent_at is not None
    assert dispatch.relay_pending()["due"] == 0  # published once


def test_requests_after_a_refusal_leave_their_work_to_the_relay_without_waiting_on_the_broker(
    depositor, broker, django_capture_on_commit_callbacks
):
    for key in ("scan-1", "scan-2"):
        with django_capture_on_commit_callbacks(execute=True):
            response = depositor.post(reverse("api:cheque-list"), {"front": upload(cheque_image(text=f"PAY TO {key}"))},
                                      format="multipart", HTTP_IDEMPOTENCY_KEY=key)  # fmt: skip
        assert response.status_code == 201
    first, second = OutboxMessage.objects.order_by("id")
    assert first.attempts == 1  # this one asked the broker
    assert second.attempts == 0 and "relay" in second.last_error  # this one did not wait on it
    assert first.available_at <= second.available_at


def test_a_csv_uploaded_while_the_broker_is_down_is_kept_for_the_relay(
    depositor, broker, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = depositor.post(reverse("api:transactionfile-list"),
                                  {"file": _upload(GOLDEN), "format": "expense"}, format="multipart")  # fmt: skip
    assert response.status_code == 202
    record = TransactionFile.objects.get()
    assert record.status == "queued" and default_storage.exists(record.file.name)
    assert OutboxMessage.objects.get(sent_at__isnull=True).args == [record.pk]


def test_work_whose_change_rolls_back_is_never_sent(db, broker):
    from django.db import transaction

    from apps.core.tasks import ping

    with pytest.raises(RuntimeError), transaction.atomic():
        dispatch.dispatch_on_commit(ping, "x")
        raise RuntimeError("the change failed")
    assert not OutboxMessage.objects.exists()


def test_a_deadlock_that_outlasts_its_retries_answers_503_in_the_one_error_body(feed, monkeypatch):
    from django.db import OperationalError

    from apps.transactions import services
    from apps.transactions.models import Transaction

    calls = []

    def deadlocked(**kwargs):
        calls.append(1)
        raise OperationalError(1213, "Deadlock found when trying to get lock; try restarting transaction")

    monkeypatch.setattr(services, "transaction_ingest_batch", deadlocked)
    row = {"external_id": "D-1", "customer_ref": "C-1", "amount": "10.00", "description": "groceries",
           "occurred_at": "2026-03-04T12:00:00Z"}  # fmt: skip
    response = feed.post(reverse("api:transaction-batch"), {"transactions": [row]}, format="json",
                         HTTP_IDEMPOTENCY_KEY="batch-1")  # fmt: skip
    assert response.status_code == 503 and response["Retry-After"] == "1"
    assert response.json()["type"] == "busy" and "nothing was stored" in response.json()["detail"]
    assert len(calls) > 1  # retried before giving up
    assert not Transaction.objects.exists()
    # The key was released: the client's retry runs the work.
    monkeypatch.undo()
    again = feed.post(reverse("api:transaction-batch"), {"transactions": [row]}, format="json",
                      HTTP_IDEMPOTENCY_KEY="batch-1")  # fmt: skip
    assert again.status_code == 201 and Transaction.objects.count() == 1


def test_a_cheque_whose_processing_waits_for_the_broker_says_so_on_its_page(
    depositor, broker, client, team, django_capture_on_commit_callbacks
):
    from apps.core.dispatch import WAITING_NOTE

    with django_capture_on_commit_callbacks(execute=True):
        response = depositor.post(reverse("api:cheque-list"), {"front": upload(cheque_image())}, format="multipart")
    analyst = make_user(Role.ANALYST, teams=[team], email="ana@bank.test")
    client.force_login(analyst)
    page = client.get(reverse("cheques:detail", args=[response.json()["id"]]))
    assert WAITING_NOTE in page.text
    broker.point("memory://")
    dispatch.relay_pending()
    assert WAITING_NOTE not in client.get(reverse("cheques:detail", args=[response.json()["id"]])).text
