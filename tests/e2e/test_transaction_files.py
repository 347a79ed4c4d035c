import re

import pytest
from playwright.sync_api import expect

from apps.accounts.choices import Role
from apps.transactions.models import TransactionFile
from tests.factories import PASSWORD, make_user

from .conftest import screenshot, sign_in, totp_now

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

CSV = (
    "transaction_id,employee_id,amount,location,description,timestamp\n"
    "TX1,E100,85.20,London,Team lunch,2026-03-04 13:00:00\n"
    "TX2,E100,12000.00,London,Gift card purchase,2026-03-04 23:30:00\n"
    "TX3,E200,10500.00,Paris,Conference,2026-03-04 10:00:00\n"
    "TX4,E200,ten,Paris,Taxi,2026-03-04 11:00:00\n"
)


def _supervisor_signs_in(page):
    user = make_user(Role.SUPERVISOR, email="sam@bank.test", full_name="Sam Supervisor")
    sign_in(page, "sam@bank.test", PASSWORD)
    page.locator("#id_code").fill(totp_now(user.totp_secret))
    page.get_by_role("button", name=re.compile("Sign In", re.I)).click()
    expect(page.get_by_role("heading", name="Good day, Sam")).to_be_visible()
    return user


def test_supervisor_uploads_a_csv_and_sees_the_result_and_the_alerts(page, tmp_path):
    _supervisor_signs_in(page)
    path = tmp_path / "expenses.csv"
    path.write_text(CSV)
    page.get_by_role("link", name="Files", exact=True).click()
    page.get_by_role("link", name="Upload CSV").click()
    page.get_by_label("File").set_input_files(str(path))
    page.get_by_label("Format").select_option("expense")
    page.get_by_role("button", name="Upload").click()

    expect(page.get_by_test_id("file-status")).to_have_text("Done")
    expect(page.get_by_test_id("rows-stored")).to_have_text("3")
    expect(page.get_by_test_id("rows-rejected")).to_have_text("1")
    expect(page.get_by_test_id("alerts-raised")).to_have_text("2")
    with page.expect_download() as download:
        page.get_by_test_id("error-report").click()
    assert "not an amount" in download.value.path().read_text()

    page.get_by_role("link", name="See the alerts").click()
    expect(page.get_by_test_id("count-high")).to_have_text("1")
    expect(page.get_by_test_id("count-medium")).to_have_text("1")
    expect(page.get_by_test_id("newest-alerts")).to_contain_text("12,000.00 USD")
    screenshot(page, "portal-alerts")

    # The same file again is refused with a clear message, storing nothing.
    page.goto("/transaction-files/upload/")
    page.get_by_label("File").set_input_files(str(path))
    page.get_by_role("button", name="Upload").click()
    expect(page.get_by_role("alert")).to_contain_text("already uploaded")
    assert TransactionFile.objects.count() == 1


def test_progress_updates_live_while_a_worker_processes_the_file(page):
    from django.core.files.base import ContentFile

    _supervisor_signs_in(page)
    record = TransactionFile(original_name="big.csv", sha256="0" * 64, size=10, format="card", rows_total=200,
                             status="processing")  # fmt: skip
    record.file.save("big.csv", ContentFile(b"x"), save=True)
    page.goto(f"/transaction-files/{record.pk}/")
    expect(page.get_by_role("progressbar")).to_have_attribute("aria-valuenow", "0")

    TransactionFile.objects.filter(pk=record.pk).update(rows_done=100, rows_stored=98, rows_rejected=2)
    expect(page.get_by_role("progressbar")).to_have_attribute("aria-valuenow", "50")  # no reload: htmx polls
    expect(page.get_by_test_id("rows-stored")).to_have_text("98")

    TransactionFile.objects.filter(pk=record.pk).update(rows_done=200, rows_stored=198, status="done")
    expect(page.get_by_test_id("file-status")).to_have_text("Done")
    expect(page.get_by_role("progressbar")).to_have_attribute("aria-valuenow", "100")
    assert page.locator("#file-progress[hx-trigger]").count() == 0  # polling stops when finished
