"""An analyst claims a case, investigates and proposes; a supervisor approves it (two browsers)."""

import re
from datetime import date, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from apps.accounts.choices import Role
from apps.fraud.models import Case
from apps.transactions import services as txn_services
from apps.transactions.models import BankAccount
from tests.factories import PASSWORD, make_team, make_user

from .conftest import screenshot, sign_in, totp_now

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_analyst_claims_investigates_and_proposes_and_a_supervisor_approves(browser, live_server, page):
    team = make_team("Card fraud")
    make_user(Role.ANALYST, teams=[team], email="ana@bank.test", full_name="Ana Analyst")
    boss = make_user(Role.SUPERVISOR, teams=[team], email="sam@bank.test", full_name="Sam Supervisor")
    customer = txn_services.customer_create(actor=None, external_id="C-500", full_name="Ola Nordmann")
    account = txn_services.account_open(actor=None, customer=customer, number="000555000111",
                                        opened_on=date(2024, 1, 2))  # fmt: skip
    when = timezone.now().replace(hour=23, minute=30) - timedelta(days=1)
    txn_services.transaction_ingest(actor=None, data={
        "customer_ref": "C-500", "account_number": "000555000111", "amount": "12000.00",
        "description": "Gift card purchase", "occurred_at": when,
    })  # fmt: skip
    case = Case.objects.get()

    # The analyst takes the most urgent case and works it.
    sign_in(page, "ana@bank.test", PASSWORD)
    page.get_by_role("link", name="Cases", exact=True).click()
    expect(page.get_by_test_id("case-table")).to_contain_text(case.reference)
    expect(page.get_by_test_id("case-table")).to_contain_text("Critical")
    screenshot(page, "portal-queue")
    page.get_by_test_id("claim-next").click()
    expect(page.get_by_role("heading", name=re.compile(case.reference))).to_be_visible()
    expect(page.get_by_test_id("case-assignee")).to_have_text("Ana Analyst")
    expect(page.get_by_test_id("case-alerts")).to_contain_text("12,000.00 USD")
    expect(page.get_by_test_id("explanation")).to_contain_text("gift")
    page.get_by_label("Comment").fill("Customer denies buying gift cards. @sam@bank.test please look.")
    page.get_by_role("button", name="Add comment").click()
    expect(page.get_by_test_id("timeline")).to_contain_text("Customer denies buying gift cards")
    page.get_by_label("Outcome").select_option("fraud")
    page.get_by_label("Why*", exact=True).fill("Account takeover: new device, gift cards at night.")  # * required
    page.get_by_label("Freeze the account").check()
    page.get_by_role("button", name="Record decision").click()
    expect(page.get_by_test_id("case-status")).to_have_text("Pending approval")
    expect(page.get_by_test_id("pending-proposal")).to_contain_text("A supervisor other than you approves it")
    screenshot(page, "portal-case")

    # The supervisor, in another browser, sees the proposal and the evidence, and approves.
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1440, "height": 860})
    other = context.new_page()
    sign_in(other, "sam@bank.test", PASSWORD)
    other.locator("#id_code").fill(totp_now(boss.totp_secret))
    other.get_by_role("button", name=re.compile("Sign In", re.I)).click()
    # The front page says a decision waits for approval; the count opens the list, the list the case.
    expect(other.get_by_test_id("work-approvals")).to_contain_text("1")
    screenshot(other, "portal-supervisor-home")
    other.get_by_test_id("work-approvals").click()
    other.get_by_role("link", name=case.reference).click()
    expect(other.get_by_test_id("pending-proposal")).to_contain_text("It freezes an account.")
    expect(other.get_by_test_id("timeline")).to_contain_text("Customer denies buying gift cards")
    other.get_by_test_id("approve").click()
    expect(other.get_by_test_id("case-status")).to_have_text("Closed")
    expect(other.get_by_test_id("case-outcome")).to_have_text("Confirmed fraud")
    context.close()
    assert BankAccount.objects.get(pk=account.pk).status == "frozen"
    assert case.alerts.get().transaction.label == "fraud"
