"""A manager's quarter: pick the board report, look at it, download it as PDF and Excel; an analyst's
morning: the analytics page, a slice of the mix opening the transactions it counts."""

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from apps.accounts.choices import Role
from apps.reporting.rollups import rollups_sweep
from apps.transactions import services as txn_services
from tests.factories import PASSWORD, make_user

from .conftest import screenshot, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _book():
    for i, (kind, amount, at) in enumerate([("payment", "120.00", datetime(2026, 8, 3, 10, tzinfo=UTC)),
                                            ("payment", "80.00", datetime(2026, 9, 9, 10, tzinfo=UTC)),
                                            ("deposit", "1000.00", datetime(2026, 5, 9, 10, tzinfo=UTC))]):  # fmt: skip
        txn_services.transaction_ingest(actor=None, data={"customer_ref": f"C-{i}", "kind": kind, "amount": amount,
                                                          "currency": "USD", "occurred_at": at})  # fmt: skip
    rollups_sweep(since=date(2026, 4, 1))


def test_the_manager_previews_the_quarter_and_downloads_it(page, tmp_path):
    from openpyxl import load_workbook
    from pypdf import PdfReader

    _book()
    manager = make_user(Role.MANAGER, email="mia@bank.test", full_name="Mia Manager")
    sign_in(page, manager.email, PASSWORD)
    page.get_by_role("link", name="Reports", exact=True).click()
    page.get_by_role("link", name="Quarterly board report").click()
    params = page.get_by_test_id("report-params")
    params.get_by_label("Period").fill("2026Q3")
    params.get_by_role("button", name="Show").click()
    summary = page.get_by_test_id("report-section-transactions")
    expect(summary).to_contain_text("200.00 USD")  # 120 + 80 in the quarter
    expect(summary).to_contain_text("2026Q2")
    screenshot(page, "board-report")
    with page.expect_download() as pdf:
        page.get_by_test_id("download-pdf").click()
    pdf.value.save_as(tmp_path / "q3.pdf")
    text = "\n".join(p.extract_text() for p in PdfReader(tmp_path / "q3.pdf").pages)
    assert "Quarterly board report" in text and "200.00 USD" in text
    with page.expect_download() as xlsx:
        page.get_by_test_id("download-xlsx").click()
    xlsx.value.save_as(tmp_path / "q3.xlsx")
    assert "Detail" in load_workbook(tmp_path / "q3.xlsx", read_only=True).sheetnames
    page.get_by_test_id("nav-main").get_by_role("link", name="Reports", exact=True).click()
    expect(page.get_by_test_id("report-runs")).to_contain_text("XLSX")


def test_the_analyst_opens_the_transactions_behind_a_slice(page):
    now = timezone.now()
    for i, kind in enumerate(["payment", "payment", "deposit"]):
        txn_services.transaction_ingest(actor=None, data={"customer_ref": f"C-{i}", "kind": kind, "amount": "50.00",
                                                          "occurred_at": now - timedelta(hours=i + 1)})  # fmt: skip
    rollups_sweep()
    analyst = make_user(Role.ANALYST, email="ana@bank.test")
    sign_in(page, analyst.email, PASSWORD)
    page.get_by_role("link", name="Analytics", exact=True).click()
    expect(page.get_by_test_id("total-count")).to_have_text("3")
    page.get_by_test_id("mix-table").get_by_role("link", name="Card payment").click()
    expect(page).to_have_url(re.compile(r"kind=payment"))
    expect(page.locator("tbody tr")).to_have_count(2)
