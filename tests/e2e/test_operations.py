"""A working day with the broker away: a supervisor's upload is kept and says it waits; the auditor sees
the backlog on the operations page; when the broker is back the relay publishes it and it is processed.
A file whose worker kept dying is listed as failed with the reason, and the supervisor retries it."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from apps.accounts.choices import Role
from apps.core import dispatch
from apps.core.models import OutboxMessage
from apps.transactions.files import MAX_RUNS, transaction_files_resend_stale
from apps.transactions.models import TransactionFile
from apps.transactions.tasks import process_transaction_file
from tests.factories import PASSWORD, make_user

from .conftest import screenshot, sign_in, totp_now
from .test_transaction_files import CSV

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _signs_in(page, role: str, email: str, name: str):
    user = make_user(role, email=email, full_name=f"{name} Example", mfa=True)
    sign_in(page, email, PASSWORD)
    page.locator("#id_code").fill(totp_now(user.totp_secret))
    page.get_by_role("button", name=re.compile("Sign In", re.I)).click()
    expect(page.get_by_role("heading", name=f"Good day, {name}")).to_be_visible()
    return user


def _upload(page, tmp_path):
    path = tmp_path / "expenses.csv"
    path.write_text(CSV)
    page.get_by_role("link", name="Files", exact=True).click()
    page.get_by_role("link", name="Upload CSV").click()
    page.get_by_label("File").set_input_files(str(path))
    page.get_by_label("Format").select_option("expense")
    page.get_by_role("button", name="Upload").click()


def test_an_upload_while_the_broker_is_down_waits_is_seen_waiting_and_runs_when_it_is_back(
    browser, live_server, broker, tmp_path
):
    supervisor = browser.new_context(base_url=live_server.url, viewport={"width": 1440, "height": 860}).new_page()
    _signs_in(supervisor, Role.SUPERVISOR, "sam@bank.test", "Sam")
    _upload(supervisor, tmp_path)
    expect(supervisor.get_by_role("alert").first).to_contain_text("is queued")
    expect(supervisor.get_by_test_id("file-status")).to_have_text("Queued")
    expect(supervisor.get_by_test_id("waiting-note")).to_contain_text("Nothing is lost")
    screenshot(supervisor, "file-waiting-for-broker")

    auditor = browser.new_context(base_url=live_server.url, viewport={"width": 1440, "height": 860}).new_page()
    _signs_in(auditor, Role.AUDITOR, "avery@bank.test", "Avery")
    auditor.get_by_role("button", name="Administration").click()
    auditor.get_by_role("link", name="Operations", exact=True).click()
    expect(auditor.get_by_test_id("outbox-pending")).to_have_text("1")
    expect(auditor.get_by_test_id("outbox-error")).to_contain_text("Connection refused")
    auditor.get_by_test_id("outbox-pending").click()
    expect(auditor.get_by_test_id("outbox-waiting")).to_contain_text("process_transaction_file")
    screenshot(auditor, "operations-broker-down")

    # The broker is back: the relay publishes what waited, a worker takes it.
    broker.point("memory://")
    assert dispatch.relay_pending()["sent"] == 1
    record = TransactionFile.objects.get()
    process_transaction_file.apply(args=[record.pk])  # the worker's run
    auditor.reload()
    expect(auditor.get_by_test_id("outbox-pending")).to_have_text("0")
    expect(auditor.get_by_test_id("outbox-waiting")).to_contain_text("Nothing waits")
    expect(supervisor.get_by_test_id("file-status")).to_have_text("Done")  # the page polls
    expect(supervisor.get_by_test_id("rows-stored")).to_have_text("3")
    assert OutboxMessage.objects.get(task_name=process_transaction_file.name).sent_at is not None
    assert not OutboxMessage.objects.filter(sent_at__isnull=True).exists()  # its alerts' notices went too

    supervisor.get_by_role("link", name="Files", exact=True).click()
    supervisor.locator("#file-status").select_option("done")
    supervisor.get_by_role("button", name="Filter").click()
    expect(supervisor.get_by_test_id("file-row-status")).to_have_text(["Done"])
    supervisor.locator("#file-status").select_option("failed")
    supervisor.get_by_role("button", name="Filter").click()
    expect(supervisor.get_by_text("No files match.")).to_be_visible()


def test_a_file_whose_worker_kept_dying_is_failed_with_the_reason_and_retried(page, broker, tmp_path):
    _signs_in(page, Role.SUPERVISOR, "sam@bank.test", "Sam")
    _upload(page, tmp_path)
    expect(page.get_by_test_id("file-status")).to_have_text("Queued")
    record = TransactionFile.objects.get()
    # It was published, and its runs kept stopping without a word (a worker killed each time): the sweep
    # gives up on it. (Work still waiting in the outbox is never swept: it is not lost, only waiting.)
    assert transaction_files_resend_stale() == {"resent": [], "failed": []}
    OutboxMessage.objects.update(sent_at=timezone.now())
    long_ago = timezone.now() - timedelta(hours=1)
    TransactionFile.objects.filter(pk=record.pk).update(status="processing", attempts=MAX_RUNS, heartbeat_at=long_ago)
    assert transaction_files_resend_stale()["failed"] == [record.pk]

    expect(page.get_by_test_id("file-status")).to_have_text("Failed")
    expect(page.locator(".alert-danger")).to_contain_text(f"Processing stopped {MAX_RUNS} times")
    screenshot(page, "file-failed-retry")
    broker.in_process()  # the broker is back; the retried run goes through the worker (here, in-process)
    page.get_by_test_id("file-retry").click()
    expect(page.get_by_role("alert").first).to_contain_text("queued again")
    expect(page.get_by_test_id("file-status")).to_have_text("Done")
    expect(page.get_by_test_id("rows-stored")).to_have_text("3")
