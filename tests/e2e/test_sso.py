"""Single sign-on in the browser against a local OpenID Connect provider (tests/e2e/oidc): a person presses
the single sign-on button, continues to the provider, signs in there and consents, and is back in
ChequeCloud signed in; the audit trail tells the sign-in apart from a password one. A provider that
leaves out `email_verified` still signs in an invited user; an address nobody invited is refused with a
clear page, and the refusal is audited."""

from __future__ import annotations

import json
import os
import re
import select
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from playwright.sync_api import expect

from apps.accounts import services
from apps.accounts.choices import Role
from apps.core.models import AuditEvent
from chequecloud.settings.base import content_security_policy, oidc_provider_settings
from tests.factories import make_team, make_user

NODE = shutil.which("node")
OIDC_DIR = Path(__file__).resolve().parent / "oidc"
PROVIDER_ID = "bank-sso"
PROVIDER_NAME = "Bank single sign-on"
CLIENT_ID, CLIENT_SECRET = "chequecloud", "client-secret-for-tests-only"
# The people the provider knows. Anyone else signs in with their login as a verified address.
ACCOUNTS = {
    # An Entra ID-like identity: an email address without the `email_verified` claim.
    "eve@bank.test": {"email": "eve@bank.test", "name": "Eve Examiner"},
}

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(NODE is None, reason="Node.js is not installed: the local identity provider runs on it"),
]


def _install_provider() -> None:
    if (OIDC_DIR / "node_modules" / "oidc-provider" / "package.json").exists():
        return
    npm = shutil.which("npm")
    if npm is None:
        pytest.fail("npm is missing: it installs the local identity provider (tests/e2e/oidc) with `npm ci`.")
    subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=OIDC_DIR, check=True, timeout=300)


@pytest.fixture(scope="module")
def identity_provider(live_server):
    """The provider's issuer URL, with ChequeCloud on the live server as its one client."""
    _install_provider()
    callback = f"{live_server.url}/accounts/oidc/{PROVIDER_ID}/login/callback/"
    config = {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "redirect_uri": callback, "accounts": ACCOUNTS}
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    log = (OIDC_DIR / "node_modules" / ".provider.log").open("w+")
    proc = subprocess.Popen(
        [NODE, "provider.js", json.dumps(config)],
        cwd=OIDC_DIR,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=log,
        text=True,
    )
    try:
        ready, _, _ = select.select([proc.stdout], [], [], 20)
        line = proc.stdout.readline() if ready else ""
        if not line:
            log.seek(0)
            pytest.fail(f"The local identity provider did not start:\n{log.read()[-3000:]}")
        yield json.loads(line)["issuer"]
    finally:
        proc.stdin.close()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


@pytest.fixture
def sso(settings, identity_provider):
    """ChequeCloud configured for the provider as the OIDC_* variables configure it in production."""
    settings.OIDC_SERVER_URL = identity_provider
    settings.OIDC_TRUST_EMAIL = True
    settings.SOCIALACCOUNT_PROVIDERS = {
        "openid_connect": oidc_provider_settings(
            server_url=identity_provider,
            client_id=CLIENT_ID,
            secret=CLIENT_SECRET,
            provider_id=PROVIDER_ID,
            name=PROVIDER_NAME,
            trust_email=settings.OIDC_TRUST_EMAIL,
        )
    }
    settings.CONTENT_SECURITY_POLICY = content_security_policy(
        oidc_server_url=identity_provider, media_origins=django_settings.MEDIA_ORIGINS
    )
    return identity_provider


def _sign_in_at_the_provider(page, issuer: str, login: str) -> None:
    """What a person does: the single sign-on button, Continue, the provider's form, then consent."""
    page.goto("/accounts/login/")
    page.get_by_role("link", name=PROVIDER_NAME).click()
    expect(page.get_by_role("heading", name=f"Sign In Via {PROVIDER_NAME}")).to_be_visible()
    page.get_by_role("button", name="Continue").click()
    expect(page).to_have_url(re.compile("^" + re.escape(issuer) + "/interaction/"))
    page.get_by_placeholder("Enter any login").fill(login)
    page.get_by_placeholder("and password").fill("any password")
    page.get_by_role("button", name="Sign-in").click()
    expect(page.get_by_text("scopes:")).to_be_visible()  # the provider asks to share the email address
    page.get_by_role("button", name="Continue").click()


def _events(email: str) -> list[tuple[str, dict]]:
    return [(e.action, e.after) for e in AuditEvent.objects.filter(actor_name=email).order_by("pk")]


def test_invited_analyst_signs_in_with_single_sign_on_and_the_audit_trail_says_so(page, sso):
    team = make_team("Cheque fraud")
    ada = make_user(Role.ANALYST, teams=[team], email="ada@bank.test", full_name="Ada Analyst")
    assert ada.has_usable_password()  # made outside the invitation: nobody verified the address

    _sign_in_at_the_provider(page, sso, "ada@bank.test")

    expect(page.get_by_role("heading", name="Good day, Ada")).to_be_visible()
    expect(page.get_by_test_id("role-badge")).to_have_text("Analyst")
    actions = _events("ada@bank.test")
    assert [a for a, _ in actions] == ["auth.password_disabled", "auth.sso_linked", "auth.login"]
    assert actions[-1][1] == {"method": "sso", "provider": PROVIDER_ID}
    assert actions[1][1] == {"provider": PROVIDER_ID, "uid": "ada@bank.test", "email": "ada@bank.test"}
    ada.refresh_from_db()
    assert not ada.has_usable_password()
    assert ada.socialaccount_set.get().provider == PROVIDER_ID

    # The next sign-in matches the linked identity: nothing more to link or disable.
    page.get_by_test_id("user-menu").click()
    page.get_by_test_id("logout").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    page.get_by_role("link", name=PROVIDER_NAME).click()
    page.get_by_role("button", name="Continue").click()  # the provider remembers Ada: straight back
    expect(page.get_by_role("heading", name="Good day, Ada")).to_be_visible()
    assert [a for a, _ in _events("ada@bank.test")][3:] == ["auth.logout", "auth.login"]


def test_the_portal_policy_without_the_provider_origin_stops_the_browser_at_continue(page, sso, settings):
    """Why the provider's origin is in form-action: the browser holds the redirect answering the
    Continue form to it."""
    settings.CONTENT_SECURITY_POLICY = content_security_policy(media_origins=django_settings.MEDIA_ORIGINS)

    page.goto("/accounts/login/")
    page.get_by_role("link", name=PROVIDER_NAME).click()
    with page.expect_console_message(lambda m: "form-action" in m.text) as refused:
        page.get_by_role("button", name="Continue").click()
    assert "violates the following Content Security Policy directive" in refused.value.text
    assert not page.url.startswith(sso)


def test_provider_without_email_verified_claim_still_signs_in_an_invited_user(page, sso, live_server):
    services.user_invite(actor=None, email="eve@bank.test", full_name="Eve Examiner", roles=[Role.AUDITOR],
                         teams=[], base_url=live_server.url)  # fmt: skip

    _sign_in_at_the_provider(page, sso, "eve@bank.test")

    expect(page.get_by_role("heading", name="Good day, Eve")).to_be_visible()
    actions = _events("eve@bank.test")
    assert [a for a, _ in actions] == ["auth.sso_linked", "auth.login"]
    assert actions[-1][1] == {"method": "sso", "provider": PROVIDER_ID}


def test_an_address_nobody_invited_is_refused_with_a_clear_message_and_audited(page, sso):
    _sign_in_at_the_provider(page, sso, "mallory@elsewhere.test")

    expect(page.get_by_role("heading", name="Single sign-on refused")).to_be_visible()
    expect(page.get_by_test_id("sso-refused")).to_have_text(
        "There is no ChequeCloud account for mallory@elsewhere.test. Ask an administrator."
    )
    expect(page.get_by_text("Sign Up Closed")).to_have_count(0)
    [(action, after)] = _events("mallory@elsewhere.test")
    assert action == "auth.sso_refused"
    assert after == {"provider": PROVIDER_ID, "uid": "mallory@elsewhere.test", "email": "mallory@elsewhere.test",
                     "why": "no account for this email address"}  # fmt: skip
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/"))
