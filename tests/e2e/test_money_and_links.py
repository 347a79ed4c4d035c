"""An admin loads the ECB's reference rates; a supervisor's rupee file is then judged in dollars (₹3,30,000
no longer "above 10,000"), the file's page lists its rows with their decisions, and a row leads to its
transaction, its alert and its case."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from apps.accounts.choices import Role
from tests.factories import PASSWORD, make_team, make_user

from .conftest import screenshot, sign_in, totp_now
from .test_rupees_and_indian_times import upload_statement

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

ECB = Path(__file__).resolve().parents[2] / "apps" / "core" / "data" / "ecb-eurofxref-excerpt.csv"


def _sign_in(page, user) -> None:
    sign_in(page, user.email, PASSWORD)
    page.locator("#id_code").fill(totp_now(user.totp_secret))
    page.get_by_role("button", name=re.compile("Sign In", re.I)).click()


def test_rupees_are_judged_in_dollars_and_a_file_row_leads_to_its_case(page, browser, live_server, tmp_path, settings):
    settings.BANK_CURRENCY = "USD"
    team = make_team("Card fraud")
    admin = make_user(Role.ADMIN, email="admin@bank.test")
    _sign_in(page, admin)
    page.get_by_role("button", name="Administration").click()
    page.get_by_role("link", name="Exchange rates").click()
    expect(page.get_by_test_id("rates-latest")).to_contain_text("No rates yet")
    form = page.get_by_test_id("rates-file-form")
    form.get_by_label("File").set_input_files(str(ECB))
    form.get_by_label("Source").fill("ECB euro reference rates")
    form.get_by_role("button", name="Load rates").click()
    expect(
        page.get_by_text(re.compile(r"Rates of 10 day\(s\) from 2025-04-25 to 2025-05-09 loaded: \d+ added"))
    ).to_be_visible()
    latest = page.get_by_test_id("rates-latest")
    expect(latest).to_contain_text("INR")
    expect(latest.get_by_role("row", name=re.compile("^INR"))).to_contain_text("2025-05-09")
    screenshot(page, "exchange-rates")

    supervisor = make_user(Role.SUPERVISOR, teams=[team], email="priya@bank.test")
    other = browser.new_context(base_url=live_server.url, viewport={"width": 1440, "height": 860})
    page = other.new_page()
    _sign_in(page, supervisor)
    upload_statement(page, tmp_path)

    rows = page.get_by_test_id("file-rows")
    small = rows.get_by_role("row", name=re.compile("UPI-8841"))
    expect(small).to_contain_text("3,30,000.00 INR")
    expect(small).not_to_contain_text("Amount above 10,000")  # about 3,870 USD
    big = rows.get_by_role("row", name=re.compile("UPI-8843"))
    expect(big).to_contain_text("Amount above 10,000")  # about 146,000 USD
    page.get_by_role("group", name="Decision").get_by_role("link", name="Approve").click()
    expect(rows).to_contain_text("UPI-8842")
    expect(rows).not_to_contain_text("UPI-8843")
    page.get_by_role("group", name="Decision").get_by_role("link", name="All").click()
    screenshot(page, "file-rows")

    rows.get_by_role("link", name="UPI-8843").click()
    follow = page.get_by_test_id("follow-ups")
    expect(follow).to_contain_text("alert, score")
    follow.get_by_role("link", name=re.compile("^CASE-")).click()
    expect(page).to_have_url(re.compile(r"/cases/\d+/$"))
    expect(page.locator("body")).to_contain_text("1,25,00,000.00 INR")
    other.close()
