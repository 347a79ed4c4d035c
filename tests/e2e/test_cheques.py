"""A teller drops two cheque scans on the upload page (one bad), watches each file's progress, and
opens the good one to see it processed: quality checked, read, routed to keying because its MICR line
was not read with enough confidence; an analyst keys the highlighted fields and sees it cleared."""

import re

import pytest
from playwright.sync_api import expect

from apps.accounts.choices import Role
from apps.cheques import generator
from tests.factories import PASSWORD, make_team, make_user

from .conftest import screenshot, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_teller_uploads_cheques_with_progress_and_sees_one_processed(page, tmp_path):
    make_user(Role.ANALYST, teams=[make_team("Cheque fraud")], email="tina@bank.test", full_name="Tina Teller")
    good, bad = tmp_path / "cheque-1.png", tmp_path / "notes.png"
    cheque = generator.generate(18, country="us", clean=True)  # its MICR line reads below the threshold
    cheque.front.save(good)
    bad.write_bytes(b"this is not an image")
    sign_in(page, "tina@bank.test", PASSWORD)
    page.get_by_role("link", name="Cheques", exact=True).click()
    page.get_by_role("link", name="Upload cheques").click()
    page.get_by_label("Cheque images").set_input_files([str(good), str(bad)])
    page.get_by_label("Depositor's reference").fill("DEP-2026-11")
    page.get_by_role("button", name="Upload").click()

    progress = page.get_by_test_id("upload-progress")
    expect(progress.locator("li")).to_have_count(2)
    expect(progress.locator("li").nth(1)).to_contain_text("This is not an image")
    progress.get_by_role("link", name=re.compile(r"cheque #\d+")).click()
    expect(page.get_by_test_id("cheque-status")).to_have_text("Needs keying")
    expect(page.get_by_test_id("cheque-steps")).to_contain_text("quality")
    expect(page.get_by_test_id("cheque-steps")).to_contain_text("micr")
    expect(page.get_by_test_id("ocr-text")).to_contain_text("Knuth")
    page.get_by_role("link", name="Cheques", exact=True).click()
    expect(page.get_by_test_id("cheque-table")).to_contain_text("DEP-2026-11")
    expect(page.get_by_test_id("cheque-table").locator("tbody tr")).to_have_count(1)

    # Key the fields the reader was unsure of (highlighted; the rest come filled in as read).
    page.get_by_test_id("key-next").click()
    expect(page.get_by_test_id("key-image")).to_be_visible()
    uncertain = page.get_by_test_id("uncertain-field")
    expect(uncertain).to_have_count(3)
    expect(uncertain.first).to_contain_text("Routing")
    expect(page.get_by_label("Payee")).to_have_value("Donald Knuth")
    page.get_by_label("Routing").fill(cheque.truth["routing"])
    page.get_by_label("Account").fill(cheque.truth["account"])
    page.get_by_label("Serial").fill(cheque.truth["serial"])
    page.get_by_role("button", name="Confirm fields").click()
    expect(page.get_by_test_id("cheque-status")).to_have_text("Cleared")
    expect(page.get_by_test_id("cheque-fields")).to_contain_text("Donald Knuth")
    expect(page.get_by_test_id("cheque-validations")).to_contain_text("car_lar")
    screenshot(page, "portal-cheque")
