import re

import pytest
from playwright.sync_api import expect

from apps.accounts.choices import Role
from tests.factories import PASSWORD, make_team, make_user

from .conftest import screenshot, sign_in, totp_now

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _nav_labels(page) -> list[str]:
    return [t.strip() for t in page.get_by_test_id("nav-main").locator("a.nav-link").all_inner_texts()]


def test_analyst_signs_in_sees_only_their_navigation_and_signs_out(page):
    team = make_team("Cheque fraud")
    make_user(Role.ANALYST, teams=[team], email="ada@bank.test", full_name="Ada Analyst")

    sign_in(page, "ada@bank.test", PASSWORD)
    expect(page.get_by_role("heading", name="Good day, Ada")).to_be_visible()
    expect(page.get_by_test_id("role-badge")).to_have_text("Analyst")
    labels = _nav_labels(page)
    assert "Teams" in labels and "Audit log" not in labels
    assert page.get_by_test_id("nav-admin").count() == 0

    page.get_by_role("link", name="Teams", exact=True).click()
    expect(page.get_by_role("link", name="Cheque fraud")).to_be_visible()

    page.get_by_test_id("user-menu").click()
    page.get_by_test_id("logout").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/"))


def test_supervisor_signs_in_with_password_and_authenticator_code(page):
    team = make_team("Cheque fraud")
    user = make_user(Role.SUPERVISOR, teams=[team], email="sam@bank.test", full_name="Sam Supervisor")

    sign_in(page, "sam@bank.test", PASSWORD)
    expect(page).to_have_url(re.compile(r"/accounts/2fa/authenticate/"))
    page.locator("#id_code").fill("000000")
    page.get_by_role("button", name=re.compile("Sign In", re.I)).click()
    expect(page.get_by_text("Incorrect code")).to_be_visible()

    page.locator("#id_code").fill(totp_now(user.totp_secret))
    page.get_by_role("button", name=re.compile("Sign In", re.I)).click()
    expect(page.get_by_role("heading", name="Good day, Sam")).to_be_visible()
    page.get_by_text("Administration").click()
    expect(page.get_by_test_id("nav-admin").get_by_text("Users")).to_be_visible()
    expect(page.get_by_test_id("nav-admin").get_by_text("API tokens")).to_have_count(0)


def test_new_compliance_officer_is_made_to_set_up_mfa_in_the_browser(page):
    make_user(Role.COMPLIANCE, email="cora@bank.test", full_name="Cora Compliance", mfa=False)

    sign_in(page, "cora@bank.test", PASSWORD)
    # Sent to set up an authenticator; allauth first asks to confirm the password.
    expect(page.get_by_text("Your role requires two-factor authentication")).to_be_visible()
    if "reauthenticate" in page.url:
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Confirm").click()
    expect(page).to_have_url(re.compile(r"/accounts/2fa/totp/activate/"))
    secret = page.locator("#authenticator_secret").input_value()
    page.get_by_label("Authenticator code").fill(totp_now(secret))
    page.get_by_role("button", name=re.compile("Activate", re.I)).click()
    page.goto("/")
    expect(page.get_by_role("heading", name="Good day, Cora")).to_be_visible()
    page.goto("/profile/")
    expect(page.get_by_test_id("mfa-status")).to_have_text("On")
    # New recovery codes, then both in the audit trail.
    page.goto("/accounts/2fa/recovery-codes/generate/")
    page.get_by_role("button", name=re.compile("Generate", re.I)).click()
    from apps.core.models import AuditEvent

    events = AuditEvent.objects.filter(actor__email="cora@bank.test", action__startswith="auth.mfa_")
    assert {(e.action, e.after["authenticator"]) for e in events} >= {("auth.mfa_added", "totp"),
                                                                      ("auth.mfa_reset", "recovery_codes")}  # fmt: skip


def test_admin_portal_screenshot(page):
    team = make_team("Cheque fraud")
    make_team("Card fraud")
    admin = make_user(Role.ADMIN, email="ari@bank.test", full_name="Ari Admin")
    for i, role in enumerate([Role.ANALYST, Role.SUPERVISOR, Role.AUDITOR]):
        make_user(role, teams=[team], email=f"staff{i}@bank.test")

    sign_in(page, "ari@bank.test", PASSWORD)
    page.locator("#id_code").fill(totp_now(admin.totp_secret))
    page.get_by_role("button", name=re.compile("Sign In", re.I)).click()
    expect(page.get_by_role("heading", name="Good day, Ari")).to_be_visible()
    page.get_by_text("Administration").click()
    for label in ("Users", "API tokens", "Django admin"):
        expect(page.get_by_test_id("nav-admin").get_by_text(label)).to_be_visible()
    page.keyboard.press("Escape")
    page.goto("/audit/")
    expect(page.get_by_test_id("audit-table")).to_contain_text("auth.login")
    # htmx: typing in the search box narrows the table without a page load.
    page.get_by_placeholder("Search action, actor, object, reason").fill("team.create")
    expect(page.get_by_test_id("audit-table").locator("tbody tr")).to_have_count(2)
    expect(page.get_by_test_id("audit-table")).not_to_contain_text("auth.login")
    expect(page).to_have_url(re.compile(r"q=team.create"))
    assert screenshot(page, "portal-audit-log").stat().st_size > 10_000
    page.goto("/users/")
    expect(page.get_by_role("cell", name="staff0@bank.test")).to_be_visible()
    assert screenshot(page, "portal-users").stat().st_size > 10_000
