"""A broker that cannot take work does not undo or fail what committed: the upload answers as usual
(quickly), keeps its files, a repeat with the same Idempotency-Key replays the first answer, and the
unsent work waits in the failed-task list for staff to send again."""

from __future__ import annotations

import time

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse
from rest_framework.test import APIClient

from apps.accounts import services as account_services
from apps.accounts.choices import Role
from apps.cheques.models import Cheque
from apps.core.models import FailedTask
from apps.transactions.models import TransactionFile
from tests.cheques.images import cheque_image, upload
from tests.factories import make_user
from tests.transactions.test_files import GOLDEN, _upload


@pytest.fixture
def broker_down():
    """The portal sends work for real (not in-process) to a broker nobody listens on."""
    from celery import current_app as app

    names = ("task_always_eager", "broker_url", "broker_write_url")
    before = {name: app.conf[name] for name in names}
    app.conf.update(
        task_always_eager=False, broker_url="redis://127.0.0.1:1/0", broker_write_url="redis://127.0.0.1:1/0"
    )
    app._pool, app.amqp._producer_pool = None, None
    yield
    app.conf.update(before)
    app._pool, app.amqp._producer_pool = None, None


@pytest.fixture
def depositor(db):
    user = make_user(Role.INTEGRATION, email="branch@bank.test")
    admin = make_user(Role.ADMIN, email="issuer@bank.test")
    _, key = account_services.api_token_create(actor=admin, user=user, name="branch",
                                               scopes=["read", "cheques:write", "transactions:write"])  # fmt: skip
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def test_a_cheque_uploaded_while_the_broker_is_down_is_kept_with_its_images(
    depositor, broker_down, django_capture_on_commit_callbacks
):
    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True):
        first = depositor.post(reverse("api:cheque-list"), {"front": upload(cheque_image())}, format="multipart",
                               HTTP_IDEMPOTENCY_KEY="scan-1")  # fmt: skip
    assert first.status_code == 201, first.content[:300]
    assert time.monotonic() - started < 10  # bounded: no 19-38 s wait on the broker
    cheque = Cheque.objects.get()
    assert cheque.status == "received" and default_storage.exists(cheque.front.name)
    unsent = FailedTask.objects.get()
    assert unsent.task_name == "apps.cheques.tasks.process_cheque" and unsent.args == [cheque.pk]

    again = depositor.post(reverse("api:cheque-list"), {"front": upload(cheque_image())}, format="multipart",
                           HTTP_IDEMPOTENCY_KEY="scan-1")  # fmt: skip
    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert Cheque.objects.count() == 1


def test_a_csv_uploaded_while_the_broker_is_down_is_kept_for_sending_again(
    depositor, broker_down, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = depositor.post(reverse("api:transactionfile-list"),
                                  {"file": _upload(GOLDEN), "format": "expense"}, format="multipart")  # fmt: skip
    assert response.status_code == 202
    record = TransactionFile.objects.get()
    assert record.status == "queued" and default_storage.exists(record.file.name)
    assert FailedTask.objects.get().args == [record.pk]
