"""An admin keeps the bank directory current in the browser: loads the RBI's list, then a refreshed one,
and reads what changed; a broken file is refused, naming its line, and changes nothing."""

import re

import pytest
from playwright.sync_api import expect

from apps.accounts.choices import Role
from apps.cheques.directory import SHIPPED
from tests.factories import PASSWORD, make_user

from .conftest import screenshot, sign_in, totp_now

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _load(page, path, source: str) -> None:
    page.get_by_label("Country").select_option("in")
    page.get_by_label("Directory file (CSV)").set_input_files(str(path))
    page.get_by_label("Source").fill(source)
    page.get_by_role("button", name="Load directory").click()


def test_an_admin_uploads_a_refreshed_bank_directory_and_sees_the_counts(page, tmp_path):
    admin = make_user(Role.ADMIN, email="ari@bank.test", full_name="Ari Admin")
    sign_in(page, "ari@bank.test", PASSWORD)
    page.locator("#id_code").fill(totp_now(admin.totp_secret))
    page.get_by_role("button", name=re.compile("Sign In", re.I)).click()
    expect(page.get_by_role("heading", name="Good day, Ari")).to_be_visible()
    page.get_by_text("Administration").click()
    page.get_by_test_id("nav-admin").get_by_text("Bank directory").click()
    expect(page.get_by_role("heading", name="Bank directory", exact=True)).to_be_visible()
    expect(page.get_by_test_id("directory-in-empty")).to_be_visible()

    header, *rows = SHIPPED["in"].path.read_text().splitlines()
    march = tmp_path / "ifsc-2026-03.csv"
    march.write_text("\n".join([header, *rows[:50]]) + "\n")
    _load(page, march, "RBI IFSC/MICR list, March 2026")
    expect(page.get_by_role("alert").first).to_contain_text("50 entries loaded from ifsc-2026-03.csv")
    expect(page.get_by_test_id("directory-in-rows")).to_have_text("50")

    # The refreshed list: a branch renamed, one closed, four new.
    renamed = rows[0].replace("CHENNAICENOTAPH ROAD", "CHENNAI CENOTAPH ROAD")
    november = tmp_path / "ifsc-2026-11.csv"
    november.write_text("\n".join([header, renamed, *rows[2:]]) + "\n")
    _load(page, november, "RBI IFSC/MICR list, November 2026")
    expect(page.get_by_test_id("directory-in-rows")).to_have_text("53")
    expect(page.get_by_test_id("directory-in-changes")).to_have_text("4 added, 1 changed, 1 removed")
    expect(page.get_by_test_id("directory-in")).to_contain_text("RBI IFSC/MICR list, November 2026")
    expect(page.get_by_test_id("directory-in")).to_contain_text("by ari@bank.test")
    expect(page.get_by_test_id("directory-loads").locator("tbody tr")).to_have_count(2)
    screenshot(page, "portal-bank-directory")

    broken = tmp_path / "ifsc-broken.csv"
    broken.write_text("\n".join([header, rows[0], "ICIC0000099,60022900,ICICI Bank,CHENNAI,CHENNAI,,,"]) + "\n")
    _load(page, broken, "a hand-edited copy")
    expect(page.get_by_text("Line 3: the MICR sort code '60022900' of ICIC0000099 is not 9 digits.")).to_be_visible()
    expect(page.get_by_test_id("directory-in-rows")).to_have_text("53")
    expect(page.get_by_test_id("directory-loads").locator("tbody tr")).to_have_count(2)
