"""Two compliance officers: one drafts a lower cash report amount, the other approves it, and the
scenarios' back-test reads the new level; the high-risk list takes the FATF's in one click."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from apps.accounts.choices import Role
from apps.transactions import services as txn_services
from tests.factories import PASSWORD, make_user

from .conftest import screenshot, sign_in, totp_now

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _sign_in(page, user) -> None:
    sign_in(page, user.email, PASSWORD)
    page.locator("#id_code").fill(totp_now(user.totp_secret))
    page.get_by_role("button", name=re.compile("Sign In", re.I)).click()


def test_a_threshold_change_is_drafted_approved_and_read_by_the_backtest(page, browser, live_server):
    asha = make_user(Role.COMPLIANCE, email="asha@bank.test", full_name="Asha Officer")
    ben = make_user(Role.COMPLIANCE, email="ben@bank.test", full_name="Ben Officer")
    when = timezone.now() - timedelta(days=2)
    for i, amount in enumerate(("7000.00", "7200.00", "7400.00")):  # near 8,000 once it is the level
        row = {"customer_ref": "C-77", "amount": amount, "kind": "deposit", "channel": "cash",
               "occurred_at": when + timedelta(hours=i)}  # fmt: skip
        txn_services.transaction_ingest(actor=None, data=row)

    _sign_in(page, asha)
    page.get_by_role("link", name="Compliance", exact=True).click()
    page.get_by_test_id("compliance-tabs").get_by_role("link", name="Thresholds").click()
    expect(page.get_by_test_id("level-cash_report_amount")).to_have_text("10,000.00 USD")
    page.get_by_role("link", name="Cash transaction report", exact=True).click()
    form = page.get_by_test_id("threshold-form")
    form.get_by_label("Level").fill("8000")
    form.get_by_label("Warning from").fill("7000")
    form.get_by_label("Reason").fill("Regulator's letter of 1 December")
    form.get_by_role("button", name="Send for approval").click()
    expect(page.get_by_text("Version 2 drafted")).to_be_visible()
    expect(page.get_by_test_id("threshold-versions")).to_contain_text("Waiting for approval")
    screenshot(page, "threshold-drafted")

    other = browser.new_context(base_url=live_server.url, viewport={"width": 1440, "height": 860})
    second = other.new_page()
    _sign_in(second, ben)
    second.get_by_role("link", name="Compliance", exact=True).click()
    second.get_by_test_id("compliance-tabs").get_by_role("link", name="Thresholds").click()
    waiting = second.get_by_test_id("thresholds-waiting")
    expect(waiting).to_contain_text("Regulator's letter")
    waiting.get_by_role("button", name="Approve").click()
    expect(second.get_by_text(re.compile("cash_report_amount v2 approved"))).to_be_visible()
    expect(second.get_by_test_id("level-cash_report_amount")).to_have_text("8,000.00 USD")

    second.get_by_test_id("compliance-tabs").get_by_role("link", name="Scenarios").click()
    backtest = second.get_by_test_id("backtest-form")
    backtest.get_by_label("Scenario").select_option("structuring")
    backtest.get_by_role("button", name="Back-test").click()
    result = second.get_by_test_id("backtest-result")
    expect(result).to_contain_text("structuring: 1 pattern on 1 customer")
    expect(result).to_contain_text("C-77")
    screenshot(second, "scenario-backtest")

    second.get_by_test_id("compliance-tabs").get_by_role("link", name="High-risk jurisdictions").click()
    second.get_by_role("button", name="Add the FATF call-for-action list").click()
    expect(second.get_by_test_id("jurisdictions")).to_contain_text("KP")
    other.close()

    # The author's page now shows the approved version in force.
    page.reload()
    expect(page.get_by_test_id("threshold-versions").get_by_role("row", name=re.compile("v2"))).to_contain_text(
        "in force"
    )
