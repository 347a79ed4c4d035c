"""Forms and layout as a person meets them: every form page is drawn with Bootstrap's controls and a label
for each; a form sent empty says what is missing beside each field; the case page fits a phone; a work
list's day filter takes a day written day first and keeps it."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone
from playwright.sync_api import expect

from apps.accounts.choices import Role
from apps.fraud.cases import services as case_services
from apps.fraud.models import Case
from apps.transactions import services as transaction_services
from tests.factories import PASSWORD, make_team, make_user

from .conftest import screenshot, sign_in, totp_now

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

FORM_PAGES = {  # the pages drawn by form_page.html, and a field each must show
    "/transaction-files/upload/": "File",
    "/tokens/new/": "Expires in days",
    "/ledger/new/": "Amount",
    "/rules/new/": "Condition",
    "/users/invite/": "Full name",
    "/teams/new/": "Name",
}

CONTROLS = """form => [...form.querySelectorAll("input, select, textarea")]
    .filter(el => el.type !== "hidden")
    .map(el => ({name: el.name, id: el.id, type: el.type, cls: el.className,
                 labels: [...el.labels].map(l => l.textContent.trim())}))"""


@pytest.fixture
def lead(db):
    """A supervisor who also administers the portal: she may open every form page."""
    team = make_team("Card fraud")
    user = make_user(Role.SUPERVISOR, teams=[team], email="lee@bank.test", full_name="Lee Lead")
    user.groups.add(Group.objects.get(name=Role.ADMIN))
    return user


def _sign_in(page, user) -> None:
    sign_in(page, user.email, PASSWORD)
    page.locator("#id_code").fill(totp_now(user.totp_secret))
    page.get_by_role("button", name=re.compile("Sign In", re.I)).click()
    expect(page.get_by_test_id("nav-search")).to_be_visible()


def test_every_form_page_draws_bootstrap_controls_each_with_a_label(page, lead):
    _sign_in(page, lead)
    for path, field in FORM_PAGES.items():
        page.goto(path)
        form = page.get_by_test_id("form-page")
        expect(form.get_by_label(field).first).to_be_visible()
        controls = form.evaluate(CONTROLS)
        assert controls, path
        for c in controls:
            expected = {"checkbox": "form-check-input", "select-one": "form-select"}.get(c["type"], "form-control")
            assert expected in c["cls"].split(), (path, c)
            assert c["labels"] and all(c["labels"]), (path, c)  # a label of its own, not a placeholder
            assert c["id"], (path, c)
    screenshot(page, "form-new-team")


def test_a_form_sent_empty_shows_each_fields_error_beside_it(page, lead):
    _sign_in(page, lead)
    page.goto("/teams/new/")
    page.get_by_role("button", name="Save").click()
    name = page.get_by_label("Name*", exact=True)
    expect(name).to_have_class(re.compile(r"\bis-invalid\b"))
    expect(page.locator("#id_name_error")).to_be_visible()
    expect(page.locator("#id_name_error")).to_have_text("This field is required.")

    # A group of checkboxes says so too, under the group.
    page.goto("/tokens/new/")
    page.get_by_label("Name*", exact=True).fill("Core banking feed")
    page.get_by_role("button", name="Create token").click()
    expect(page.locator("#id_scopes_error")).to_be_visible()
    expect(page.locator("#id_scopes_error")).to_contain_text("This field is required.")
    expect(page.locator("#id_user_error")).to_be_visible()
    expect(page.get_by_label("Name*", exact=True)).to_have_value("Core banking feed")  # what was typed stays
    screenshot(page, "form-token-errors")


def test_the_case_page_fits_a_phone_without_scrolling_sideways(page, lead):
    when = timezone.now().replace(hour=23, minute=30) - timedelta(days=1)
    long_word = "GIFTCARD-" + "X" * 120
    transaction_services.transaction_ingest(actor=None, data={
        "customer_ref": "C-390", "amount": "12000.00", "description": f"Gift card purchase {long_word}",
        "location": "Lagos", "terminal_id": "T-" + "9" * 40, "occurred_at": when,
    })  # fmt: skip
    case = Case.objects.get()
    case_services.case_claim(case=case, actor=lead)
    case_services.case_comment(case=case, actor=lead, body=f"Looked at the statement {long_word} twice.")

    _sign_in(page, lead)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"/cases/{case.pk}/")
    expect(page.get_by_test_id("case-alerts")).to_contain_text("12,000.00 USD")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the case page is {width} px wide at 390 px"
    # The alerts table scrolls inside its own box instead.
    assert page.get_by_test_id("case-alerts").evaluate("t => t.parentElement.classList.contains('table-responsive')")
    expect(page.get_by_label("Outcome")).to_have_value("")  # no outcome is chosen for the analyst
    screenshot(page, "case-390px")


def test_a_day_filter_takes_a_day_first_date_and_keeps_it(page, lead):
    for n, day in enumerate((datetime(2026, 3, 4, 12, tzinfo=UTC), datetime(2026, 4, 3, 12, tzinfo=UTC))):
        transaction_services.transaction_ingest(actor=None, data={
            "external_id": f"D-{n}", "customer_ref": "C-1", "amount": "25.00", "description": "lunch",
            "occurred_at": day, "kind": "expense"})  # fmt: skip
    _sign_in(page, lead)
    page.get_by_role("link", name="Transactions", exact=True).click()
    rows = page.get_by_test_id("txn-table").locator("tbody tr:not(:has(td[colspan]))")
    expect(rows).to_have_count(2)

    since, until = page.get_by_label("From", exact=True), page.get_by_label("Until", exact=True)
    assert since.get_attribute("type") == "text"  # not the browser's picker, which shows mm/dd/yyyy
    expect(page.get_by_text("YYYY-MM-DD or DD/MM/YYYY").first).to_be_visible()
    since.fill("04/03/2026")  # 4 March, as the bank writes it
    until.fill("04/03/2026")
    page.get_by_role("button", name="Filter", exact=True).click()
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("2026-03-04")
    expect(page).to_have_url(re.compile(r"since=04%2F03%2F2026"))

    # The address keeps the filter: opened again, the form shows the day as typed and the same row.
    page.reload()
    expect(page.get_by_label("From", exact=True)).to_have_value("04/03/2026")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("2026-03-04")

    # Cleared again, an empty day means any day.
    page.get_by_label("From", exact=True).fill("")
    page.get_by_label("Until", exact=True).fill("")
    page.get_by_role("button", name="Filter", exact=True).click()
    expect(rows).to_have_count(2)
    screenshot(page, "transactions-day-filter")
