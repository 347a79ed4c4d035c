"""Single sign-on: who it lets in, what it refuses and why, and what it writes to the audit trail. The
provider's answer is handed to allauth's sign-in flow as the callback would hand it (the browser tests in
tests/e2e/test_sso.py run the whole exchange against a real provider). Also: the Content-Security-Policy
lets the browser follow the sign-in to the provider, and `createsuperuser` makes an admin."""

from __future__ import annotations

import time

import pytest
from allauth.account.models import EmailAddress
from allauth.core import context
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from allauth.socialaccount.adapter import get_adapter
from allauth.socialaccount.helpers import complete_social_login
from allauth.socialaccount.models import SocialAccount
from allauth.socialaccount.signals import social_account_removed
from django.contrib.auth.models import AnonymousUser
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.db import SessionStore
from django.core.management import call_command
from django.test import RequestFactory
from django.urls import reverse

from apps.accounts import services
from apps.accounts.choices import Role
from apps.accounts.models import User
from apps.core.models import AuditEvent
from chequecloud.settings.base import content_security_policy, oidc_provider_settings, origin_of
from tests.factories import PASSWORD, make_user
from tests.test_settings import PROD_ENV, _settings

SERVER_URL = "https://sso.bank.example:8443/realms/staff"
PROVIDER_ID = "bank-sso"


@pytest.fixture
def sso(db, settings):
    settings.OIDC_SERVER_URL = SERVER_URL
    settings.OIDC_TRUST_EMAIL = True
    settings.SOCIALACCOUNT_PROVIDERS = {
        "openid_connect": oidc_provider_settings(server_url=SERVER_URL, client_id="chequecloud", secret="s3cret")
    }
    return settings


def _distrust_email(settings) -> None:
    settings.OIDC_TRUST_EMAIL = False
    settings.SOCIALACCOUNT_PROVIDERS = {
        "openid_connect": oidc_provider_settings(
            server_url=SERVER_URL, client_id="chequecloud", secret="s3cret", trust_email=False
        )
    }


def _sso_sign_in(claims: dict):
    """Sign in with the provider's userinfo `claims`, as the provider's callback does. Returns the
    request (its user is who is signed in) and the response."""
    request = RequestFactory().get(f"/accounts/oidc/{PROVIDER_ID}/login/callback/")
    request.session = SessionStore()
    request.session.create()
    request._messages = FallbackStorage(request)
    request.user = AnonymousUser()
    with context.request_context(request):
        provider = get_adapter(request).get_provider(request, PROVIDER_ID)
        sociallogin = provider.sociallogin_from_response(request, {"userinfo": {"sub": "id-1", **claims}})
        response = complete_social_login(request, sociallogin)
    return request, response


def _events(**filters) -> list[tuple[str, dict | None]]:
    return list(AuditEvent.objects.filter(**filters).order_by("pk").values_list("action", "after"))


def _invite(email: str, role: str = Role.ANALYST) -> User:
    return services.user_invite(actor=None, email=email, full_name="Ivy Invited", roles=[role], teams=[],
                                base_url="http://testserver")  # fmt: skip


# --------------------------------------------------------------------------------------------
# Signing in
# --------------------------------------------------------------------------------------------
def test_invited_user_signs_in_the_identity_is_linked_and_the_sign_in_is_audited_as_sso(sso):
    ivy = _invite("ivy@bank.test")

    request, response = _sso_sign_in({"email": "ivy@bank.test", "email_verified": True})

    assert response.status_code == 302 and response.url == reverse("home")
    assert request.user == ivy
    assert SocialAccount.objects.get(user=ivy).provider == PROVIDER_ID
    assert _events(actor=ivy) == [
        ("auth.sso_linked", {"provider": PROVIDER_ID, "uid": "id-1", "email": "ivy@bank.test"}),
        ("auth.login", {"method": "sso", "provider": PROVIDER_ID}),
    ]


def test_a_linked_identity_signs_in_again_without_linking_again(sso):
    ivy = _invite("ivy@bank.test")
    _sso_sign_in({"email": "ivy@bank.test", "email_verified": True})

    request, _ = _sso_sign_in({"email": "ivy@bank.test", "email_verified": True})

    assert request.user == ivy
    assert [a for a, _ in _events(actor=ivy)] == ["auth.sso_linked", "auth.login", "auth.login"]


@pytest.mark.parametrize("claims", [{"email": "Ivy@Bank.test"}, {"email": "ivy@bank.test", "email_verified": False}])
def test_a_trusted_provider_signs_in_an_invited_user_without_email_verified(sso, claims):
    """Entra ID sends no `email_verified`: with OIDC_TRUST_EMAIL (the default) the address still counts."""
    ivy = _invite("ivy@bank.test")

    request, response = _sso_sign_in(claims)

    assert response.status_code == 302
    assert request.user == ivy


def test_an_untrusted_provider_s_unverified_address_is_refused_with_a_reason(sso):
    _distrust_email(sso)
    ivy = _invite("ivy@bank.test")

    request, response = _sso_sign_in({"email": "ivy@bank.test"})

    assert response.status_code == 403
    assert b"has not confirmed the address ivy@bank.test" in response.content
    assert not request.user.is_authenticated
    assert not SocialAccount.objects.exists()
    assert _events(action="auth.sso_refused") == [
        (
            "auth.sso_refused",
            {
                "provider": PROVIDER_ID,
                "uid": "id-1",
                "email": "ivy@bank.test",
                "why": "email address not verified by the provider",
            },
        )
    ]
    # The same provider marking the address verified signs Ivy in.
    request, _ = _sso_sign_in({"email": "ivy@bank.test", "email_verified": True})
    assert request.user == ivy


def test_first_sso_sign_in_disables_a_password_nobody_verified_and_audits_it(sso):
    ada = make_user(Role.ANALYST, email="ada@bank.test")  # made outside the invitation: no verified address
    assert ada.has_usable_password() and not EmailAddress.objects.filter(user=ada).exists()

    request, _ = _sso_sign_in({"email": "ada@bank.test", "email_verified": True})

    assert request.user == ada
    ada.refresh_from_db()
    assert not ada.has_usable_password()
    assert [a for a, _ in _events(actor=ada)] == ["auth.password_disabled", "auth.sso_linked", "auth.login"]
    assert _events(actor=ada)[0][1]["provider"] == PROVIDER_ID


def test_first_sso_sign_in_keeps_the_password_of_an_invited_user(sso):
    ivy = _invite("ivy@bank.test")
    ivy.set_password(PASSWORD)
    ivy.save()

    _sso_sign_in({"email": "ivy@bank.test", "email_verified": True})

    ivy.refresh_from_db()
    assert ivy.has_usable_password()
    assert not _events(action="auth.password_disabled")


# --------------------------------------------------------------------------------------------
# Refusals: a clear page, nothing changed, audited
# --------------------------------------------------------------------------------------------
def test_an_address_with_no_account_is_refused_clearly_not_with_sign_up_closed(sso):
    request, response = _sso_sign_in({"email": "mallory@elsewhere.test", "email_verified": True})

    assert response.status_code == 403
    content = response.content.decode()
    assert "There is no ChequeCloud account for mallory@elsewhere.test. Ask an administrator." in content
    assert "Sign Up Closed" not in content
    assert not request.user.is_authenticated
    assert not User.objects.filter(email="mallory@elsewhere.test").exists()
    [event] = AuditEvent.objects.filter(action="auth.sso_refused")
    assert event.actor is None and event.actor_name == "mallory@elsewhere.test"
    assert event.after["why"] == "no account for this email address"


def test_an_identity_without_an_email_address_is_refused(sso):
    _, response = _sso_sign_in({"name": "Nobody"})

    assert response.status_code == 403
    assert b"sent no email address" in response.content
    assert _events(action="auth.sso_refused")[0][1]["why"] == "no email address from the provider"


@pytest.mark.parametrize("who", ["deactivated", "integration client"])
def test_deactivated_users_and_integration_clients_are_refused_before_anything_changes(sso, who):
    if who == "deactivated":
        user = make_user(Role.ANALYST, email="gone@bank.test", is_active=False)
        why, text = "account deactivated", b"The ChequeCloud account for gone@bank.test is deactivated."
    else:
        user = make_user(Role.INTEGRATION, email="gone@bank.test")
        why, text = "integration client: API tokens only", b"Integration clients have no portal access"

    request, response = _sso_sign_in({"email": "gone@bank.test", "email_verified": True})

    assert response.status_code == 403 and text in response.content
    assert not request.user.is_authenticated
    user.refresh_from_db()
    assert user.has_usable_password()  # not disabled, and the identity not linked
    assert not SocialAccount.objects.exists()
    assert _events(actor=user) == [
        ("auth.sso_refused", {"provider": PROVIDER_ID, "uid": "id-1", "email": "gone@bank.test", "why": why})
    ]


def test_an_error_from_the_provider_is_audited(sso, client):
    response = client.get(f"/accounts/oidc/{PROVIDER_ID}/login/callback/", {"error": "access_denied"})

    assert response.status_code == 401  # allauth's page: the sign-in failed at the provider
    [(_, after)] = _events(action="auth.sso_failed")
    assert after["provider"] == PROVIDER_ID


def test_unlinking_an_identity_is_audited(sso):
    ivy = _invite("ivy@bank.test")
    _sso_sign_in({"email": "ivy@bank.test", "email_verified": True})
    account = SocialAccount.objects.get(user=ivy)
    request = RequestFactory().post("/accounts/3rdparty/")
    request.user = ivy

    social_account_removed.send(sender=SocialAccount, request=request, socialaccount=account)

    assert _events(action="auth.sso_unlinked") == [("auth.sso_unlinked", {"provider": PROVIDER_ID, "uid": "id-1"})]


def test_a_password_sign_in_is_audited_as_password(client, analyst):
    client.post(reverse("account_login"), {"login": analyst.email, "password": PASSWORD})

    assert _events(actor=analyst, action="auth.login") == [("auth.login", {"method": "password"})]


def test_a_password_and_authenticator_sign_in_is_audited_with_mfa(client, supervisor):
    client.post(reverse("account_login"), {"login": supervisor.email, "password": PASSWORD})
    code = format_hotp_value(hotp_value(supervisor.totp_secret, int(time.time()) // 30))
    client.post(reverse("mfa_authenticate"), {"code": code})

    assert _events(actor=supervisor, action="auth.login") == [("auth.login", {"method": "password", "mfa": True})]


# --------------------------------------------------------------------------------------------
# Content-Security-Policy: the browser may follow the sign-in to the provider
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("url", "origin"),
    [
        ("https://sso.bank.example/realms/staff", "https://sso.bank.example"),
        (
            "https://SSO.bank.example:8443/realms/staff/.well-known/openid-configuration",
            "https://sso.bank.example:8443",
        ),
        ("https://user:pass@login.example.com/tenant/v2.0", "https://login.example.com"),
        ("http://127.0.0.1:9000", "http://127.0.0.1:9000"),
        ("", ""),
    ],
)
def test_origin_of_the_provider(url, origin):
    assert origin_of(url) == origin


def test_form_action_allows_the_provider_origin_only_when_single_sign_on_is_configured():
    assert content_security_policy().endswith("form-action 'self'")
    policy = content_security_policy(oidc_server_url=SERVER_URL, media_origins="https://media.example")
    assert policy.endswith("form-action 'self' https://sso.bank.example:8443")
    assert "img-src 'self' data: blob: https://media.example;" in policy


@pytest.mark.parametrize(
    ("module", "env"),
    [("chequecloud.settings.local", {}), ("chequecloud.settings.production", PROD_ENV)],
    ids=["local", "production"],
)
def test_settings_follow_oidc_server_url_in_the_policy_and_trust_the_provider_s_email(module, env):
    oidc = {"OIDC_SERVER_URL": SERVER_URL, "OIDC_CLIENT_ID": "chequecloud", "OIDC_CLIENT_SECRET": "from-the-vault"}
    s = _settings(module, {**env, **oidc}, "CONTENT_SECURITY_POLICY", "SOCIALACCOUNT_PROVIDERS", "OIDC_TRUST_EMAIL")
    assert "form-action 'self' https://sso.bank.example:8443" in s["CONTENT_SECURITY_POLICY"]
    assert s["OIDC_TRUST_EMAIL"] is True
    assert s["SOCIALACCOUNT_PROVIDERS"]["openid_connect"]["APPS"][0]["settings"]["verified_email"] is True

    distrusted = _settings(module, {**env, **oidc, "OIDC_TRUST_EMAIL": "0"}, "SOCIALACCOUNT_PROVIDERS")
    assert distrusted["SOCIALACCOUNT_PROVIDERS"]["openid_connect"]["APPS"][0]["settings"]["verified_email"] is False
    without = _settings(module, env, "CONTENT_SECURITY_POLICY")
    assert without["CONTENT_SECURITY_POLICY"].endswith("form-action 'self'")


# --------------------------------------------------------------------------------------------
# createsuperuser
# --------------------------------------------------------------------------------------------
def test_createsuperuser_makes_an_admin_who_must_set_up_mfa_and_is_audited(db, client):
    call_command("createsuperuser", interactive=False, email="root@bank.test", verbosity=0)

    root = User.objects.get(email="root@bank.test")
    assert root.is_superuser and root.is_staff
    assert root.role_names == [Role.ADMIN]
    [event] = AuditEvent.objects.filter(action="user.create_superuser")
    assert event.actor is None and event.actor_name == "system" and event.object_id == str(root.pk)
    assert event.after == {"email": "root@bank.test", "roles": ["Admin"], "is_staff": True, "is_superuser": True}
    client.force_login(root)
    response = client.get(reverse("home"))
    assert response.status_code == 302 and response.url == reverse("mfa_activate_totp")
