"""Every work list filters as its form renders: pressing Filter with the defaults shows what the page
showed, and each choice shows exactly the rows that have it (counted here from the database)."""

import re
from datetime import UTC, datetime

import pytest
from playwright.sync_api import expect

from apps.accounts.choices import Role
from apps.cheques import services as cheque_services
from apps.fraud.choices import CaseStatus
from apps.fraud.models import Alert, Case
from apps.transactions import services as transaction_services
from apps.transactions.models import Transaction
from tests.cheques.images import cheque_image, upload
from tests.factories import PASSWORD, make_team, make_user

from .conftest import screenshot, sign_in, totp_now

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

OPEN = [CaseStatus.NEW, CaseStatus.IN_REVIEW, CaseStatus.ESCALATED, CaseStatus.SNOOZED, CaseStatus.PENDING_APPROVAL]


def _rows(page, testid: str) -> int:
    table = page.get_by_test_id(testid)
    expect(table).to_be_visible()
    return table.locator("tbody tr:not(:has(td[colspan]))").count()


def _filter(page, testid: str, expected: int) -> None:
    """Press Filter as the form stands; the table shows `expected` rows (waiting for htmx to swap it)."""
    assert expected > 0, "the data must hold rows for this filter"
    page.get_by_role("button", name="Filter", exact=True).click()
    expect(page.get_by_test_id(testid).locator("tbody tr:not(:has(td[colspan]))")).to_have_count(expected)
    expect(page.get_by_text(re.compile(r"No \w+ match"))).to_have_count(0)


@pytest.fixture
def day(db):
    """A morning's work: payments of every kind scored by the rules, their alerts and cases, cheques."""
    team = make_team("Card fraud")
    supervisor = make_user(Role.SUPERVISOR, teams=[team], email="sam@bank.test", full_name="Sam Supervisor")
    rows = [  # (amount, description, hour): small by day, large at night, risky words
        ("42.50", "groceries", 12),
        ("18.00", "coffee", 9),
        ("12000.00", "Gift card purchase", 23),
        ("15000.00", "Gift card", 2),
        ("9500.00", "wire", 14),
        ("11000.00", "crypto exchange", 1),
        ("60.00", "taxi", 18),
        ("13000.00", "gift card top-up", 3),
    ]
    for n, (amount, text, hour) in enumerate(rows):
        transaction_services.transaction_ingest(actor=None, data={
            "external_id": f"T-{n}", "customer_ref": f"C-{n % 3}", "amount": amount, "description": text,
            "occurred_at": datetime(2026, 3, 4, hour, 0, tzinfo=UTC), "kind": "expense"})  # fmt: skip
    for n in range(3):
        cheque_services.cheque_receive(actor=None, front=upload(cheque_image(text=f"PAY TO THE ORDER OF C{n}")))
    assert Alert.objects.exists() and Case.objects.exists()
    return supervisor


def test_each_work_list_filters_with_its_defaults_and_with_each_choice(page, day):
    sign_in(page, "sam@bank.test", PASSWORD)
    page.locator("#id_code").fill(totp_now(day.totp_secret))
    page.get_by_role("button", name=re.compile("Sign In", re.I)).click()

    # Cases: the queue as it renders, Filter pressed with every select at its default, then each choice.
    page.get_by_role("link", name="Cases", exact=True).click()
    shown = _rows(page, "case-table")
    assert shown == Case.objects.filter(status__in=OPEN).count() > 0
    _filter(page, "case-table", shown)
    for priority in sorted(set(Case.objects.values_list("priority", flat=True))):
        page.get_by_label("Priority").select_option(priority)
        _filter(page, "case-table", Case.objects.filter(priority=priority, status__in=OPEN).count())
    page.get_by_label("Priority").select_option("")
    case = Case.objects.order_by("-id").first()
    page.get_by_label("Search", exact=True).fill(case.reference)
    _filter(page, "case-table", 1)
    expect(page.get_by_test_id("case-table")).to_contain_text(case.reference)
    screenshot(page, "cases-filtered")

    # Alerts
    page.get_by_role("link", name="Alerts", exact=True).click()
    shown = _rows(page, "alert-table")
    assert shown == Alert.objects.count() > 0
    _filter(page, "alert-table", shown)
    for severity in sorted(set(Alert.objects.values_list("severity", flat=True))):
        page.get_by_label("Severity").select_option(severity)
        _filter(page, "alert-table", Alert.objects.filter(severity=severity).count())

    # Transactions
    page.get_by_role("link", name="Transactions", exact=True).click()
    shown = _rows(page, "txn-table")
    assert shown == Transaction.objects.count()
    _filter(page, "txn-table", shown)
    expect(page.get_by_text("Select a valid choice")).to_have_count(0)
    for decision in sorted(set(Transaction.objects.values_list("decision", flat=True))):
        page.get_by_label("Decision").select_option(decision)
        _filter(page, "txn-table", Transaction.objects.filter(decision=decision).count())

    # What is on screen downloads as filtered (the last decision chosen above).
    with page.expect_download() as download:
        page.get_by_test_id("export-csv").click()
    lines = download.value.path().read_text().splitlines()
    assert len(lines) == 1 + Transaction.objects.filter(decision=decision).count()
    assert all(f",{decision}," in line for line in lines[1:])

    # Cheques
    page.get_by_role("link", name="Cheques", exact=True).click()
    shown = _rows(page, "cheque-table")
    assert shown == 3
    _filter(page, "cheque-table", shown)
    from apps.cheques.models import Cheque

    for status in sorted(set(Cheque.objects.values_list("status", flat=True))):
        page.get_by_label("Status").select_option(status)
        _filter(page, "cheque-table", Cheque.objects.filter(status=status).count())


def test_the_navbar_search_opens_a_case_by_its_number(page, day):
    sign_in(page, "sam@bank.test", PASSWORD)
    page.locator("#id_code").fill(totp_now(day.totp_secret))
    page.get_by_role("button", name=re.compile("Sign In", re.I)).click()
    case = Case.objects.order_by("id").first()
    box = page.get_by_test_id("nav-search").get_by_role("searchbox")
    box.fill(case.reference.lower())
    box.press("Enter")
    expect(page).to_have_url(re.compile(rf"/cases/{case.pk}/$"))
    box = page.get_by_test_id("nav-search").get_by_role("searchbox")
    box.fill("no such thing")
    box.press("Enter")
    expect(page.get_by_test_id("search-results")).to_contain_text("Nothing you may see matches")
    screenshot(page, "search-nothing")
