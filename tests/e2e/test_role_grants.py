"""Granting the Admin role in the browser: one admin ticks it, a second admin approves it on the Users
page; the first cannot approve their own request."""

import re

import pytest
from playwright.sync_api import expect

from apps.accounts.choices import Role
from tests.factories import PASSWORD, make_team, make_user

from .conftest import screenshot, sign_in, totp_now

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _sign_in_with_code(page, user) -> None:
    sign_in(page, user.email, PASSWORD)
    page.locator("#id_code").fill(totp_now(user.totp_secret))
    page.get_by_role("button", name=re.compile("Sign In", re.I)).click()
    expect(page.get_by_role("heading", name=re.compile("Good day"))).to_be_visible()


def test_a_second_admin_approves_the_admin_role_another_admin_asked_for(page, browser, live_server):
    team = make_team("Cheque fraud")
    ari = make_user(Role.ADMIN, email="ari@bank.test", full_name="Ari Admin")
    bea = make_user(Role.ADMIN, email="bea@bank.test", full_name="Bea Admin")
    ann = make_user(Role.ANALYST, teams=[team], email="ann@bank.test", full_name="Ann Analyst")

    _sign_in_with_code(page, ari)
    page.goto("/users/")
    page.get_by_role("row", name=re.compile("ann@bank.test")).get_by_role("link", name="Edit").click()
    page.get_by_label("Admin", exact=True).check()
    page.get_by_role("button", name=re.compile("Save")).click()
    expect(page.get_by_role("alert").first).to_contain_text("waits for a second admin's approval")
    pending = page.get_by_test_id("pending-grants")
    expect(pending).to_contain_text("ann@bank.test")
    expect(pending).to_contain_text("Another admin decides")
    expect(pending.get_by_role("button", name="Approve")).to_have_count(0)
    ann.refresh_from_db()
    assert Role.ADMIN not in ann.role_names

    second = browser.new_context(base_url=live_server.url, viewport={"width": 1440, "height": 860})
    other = second.new_page()
    _sign_in_with_code(other, bea)
    other.goto("/users/")
    other.get_by_test_id("pending-grants").get_by_role("button", name="Approve").click()
    expect(other.get_by_role("alert").first).to_contain_text("The Admin role was granted to ann@bank.test")
    expect(other.get_by_test_id("pending-grants")).to_have_count(0)
    expect(other.get_by_role("row", name=re.compile("ann@bank.test"))).to_contain_text("Admin")
    assert screenshot(other, "portal-role-granted").stat().st_size > 10_000
    second.close()
    ann.refresh_from_db()
    assert Role.ADMIN in ann.role_names and ann.is_staff
