from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.conf import settings
from django.urls import reverse
from rest_framework.test import APIClient

from apps.accounts.choices import Role
from tests.factories import PASSWORD, make_user


def _totp(secret: str) -> str:
    import time

    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def test_supervisor_without_mfa_is_sent_to_set_it_up(client, team):
    user = make_user(Role.SUPERVISOR, teams=[team], mfa=False)
    client.force_login(user)
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response.url == reverse("mfa_activate_totp")


def test_supervisor_without_mfa_gets_a_clear_403_from_the_api(team):
    user = make_user(Role.SUPERVISOR, teams=[team], mfa=False)
    client = APIClient()
    client.force_login(user)
    response = client.get(reverse("api:me"))
    assert response.status_code == 403
    assert response.json()["type"] == "mfa_required"


def test_analyst_is_not_forced_to_use_mfa(client, analyst):
    client.force_login(analyst)
    assert client.get(reverse("home")).status_code == 200


def test_sign_in_with_password_then_totp_code(client, supervisor):
    response = client.post(reverse("account_login"), {"login": supervisor.email, "password": PASSWORD})
    assert response.status_code == 302
    assert response.url == reverse("mfa_authenticate")
    assert client.get(reverse("home")).status_code == 302  # not signed in until the code is given

    wrong = client.post(reverse("mfa_authenticate"), {"code": "000000"})
    assert wrong.status_code == 200 and b"Incorrect code" in wrong.content
    ok = client.post(reverse("mfa_authenticate"), {"code": _totp(supervisor.totp_secret)})
    assert ok.status_code == 302
    assert client.get(reverse("home")).status_code == 200


def test_account_is_locked_after_repeated_failed_sign_ins(client, analyst):
    for _ in range(settings.LOGIN_FAILURES_PER_ACCOUNT):
        failed = client.post(reverse("account_login"), {"login": analyst.email, "password": "not-the-password-1"})
        assert failed.status_code == 200
    locked = client.post(reverse("account_login"), {"login": analyst.email, "password": PASSWORD})
    # Even the right password is refused during the lockout, with a message saying why.
    assert b"Too many failed login attempts" in locked.content
    assert client.get(reverse("home")).status_code == 302


def test_logout_needs_a_post_with_csrf(analyst):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(analyst)
    assert client.post(reverse("account_logout")).status_code == 403  # no CSRF token
    assert client.get(reverse("home")).status_code == 200


def test_passwords_are_hashed_with_argon2_outside_tests():
    from chequecloud.settings import base

    assert base.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")


def test_django_admin_sends_non_staff_away_and_signs_in_through_allauth(client, analyst, admin_user):
    anonymous = client.get(reverse("admin:index"), follow=True)
    assert anonymous.redirect_chain[-1][0].startswith(reverse("account_login"))
    assert client.get(reverse("admin:login")).url.startswith(reverse("account_login"))
    client.force_login(analyst)
    assert client.get(reverse("admin:index"), follow=True).status_code == 403
    client.force_login(admin_user)
    assert client.get(reverse("admin:index")).status_code == 200
    assert client.get(reverse("admin:core_auditevent_changelist")).status_code == 200
