"""A supervisor in India: picks her time zone, uploads a bank's own CSV layout with rupees and times
written with +05:30, and reads the amounts in lakh and the times in IST, as on the statement."""

import re

import pytest
from playwright.sync_api import expect

from apps.accounts.choices import Role
from tests.factories import PASSWORD, make_user

from .conftest import screenshot, sign_in, totp_now

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

CSV = (
    "Txn Ref,Cust ID,Amount (INR),Cur,Value Date,Narration\n"
    "UPI-8841,CIF-0042,330000.00,INR,2026-03-04T23:30:00+05:30,NEFT to supplier\n"
    "UPI-8842,CIF-0042,1250.50,INR,2026-03-05T09:15:00+05:30,Groceries\n"
    "UPI-8843,CIF-0043,12500000.00,INR,2026-03-05T02:05:00+05:30,RTGS gift card purchase\n"
)


def upload_statement(page, tmp_path) -> None:
    """Upload the bank's own statement layout (CSV above) with its column mapping, and wait for it."""
    path = tmp_path / "statement.csv"
    path.write_text(CSV)
    page.get_by_role("link", name="Files", exact=True).click()
    page.get_by_role("link", name="Upload CSV").click()
    page.get_by_label("File").set_input_files(str(path))
    page.get_by_label("Format").select_option("mapping")
    page.get_by_label("Mapping").fill("external_id=Txn Ref,customer_ref=Cust ID,amount=Amount (INR),currency=Cur,"
                                      "occurred_at=Value Date,description=Narration")  # fmt: skip
    page.get_by_role("button", name="Upload").click()
    expect(page.get_by_test_id("file-status")).to_have_text("Done")


def test_rupees_and_indian_times_read_as_an_indian_statement_does(page, tmp_path):
    user = make_user(Role.SUPERVISOR, email="priya@bank.test", full_name="Priya Supervisor")
    sign_in(page, "priya@bank.test", PASSWORD)
    page.locator("#id_code").fill(totp_now(user.totp_secret))
    page.get_by_role("button", name=re.compile("Sign In", re.I)).click()

    page.goto("/profile/")
    page.get_by_label("Show times in").select_option("Asia/Kolkata")
    page.get_by_test_id("zone-form").get_by_role("button", name="Save").click()
    expect(page.get_by_text("Times are shown in Asia/Kolkata")).to_be_visible()

    upload_statement(page, tmp_path)
    expect(page.get_by_test_id("rows-stored")).to_have_text("3")

    page.get_by_role("link", name="Transactions", exact=True).click()
    table = page.get_by_test_id("txn-table")
    expect(table).to_contain_text("3,30,000.00 INR")
    expect(table).to_contain_text("1,25,00,000.00 INR")  # one crore twenty-five lakh
    expect(table).to_contain_text("2026-03-04 23:30 IST")  # as written, not 18:00 UTC
    screenshot(page, "transactions-rupees-ist")
