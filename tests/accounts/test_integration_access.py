"""Integration clients have no portal: their password signs nobody in, a session of theirs is signed
out, and their API token goes on working within its scopes."""

from __future__ import annotations

from django.urls import reverse
from rest_framework.test import APIClient

from apps.accounts import services
from apps.accounts.choices import Role
from apps.core.models import AuditEvent
from tests.factories import make_user

PASSWORD = "integration-pass-2026!"


def test_an_integration_client_cannot_sign_in_to_the_portal_with_its_password(client, db):
    feed = make_user(Role.INTEGRATION, email="feed@bank.test")
    feed.set_password(PASSWORD)
    feed.save()
    response = client.post(reverse("account_login"), {"login": feed.email, "password": PASSWORD}, follow=True)
    assert "no portal access" in response.content.decode()
    assert client.get(reverse("transactions:ledger")).status_code == 302  # to sign-in
    assert client.get(reverse("cheques:upload")).url.startswith(reverse("account_login"))
    refused = AuditEvent.objects.get(action="auth.login_refused")
    assert refused.object_id == str(feed.pk)


def test_a_session_of_an_integration_client_is_signed_out_but_its_token_works(client, admin_user):
    feed = make_user(Role.INTEGRATION, email="feed@bank.test")
    client.force_login(feed)
    page = client.get(reverse("transactions:list"))
    assert page.status_code == 302 and page.url.startswith(reverse("account_login"))
    assert client.get(reverse("api:transaction-list")).status_code == 401

    _, key = services.api_token_create(actor=admin_user, user=feed, name="feed", scopes=["read"])
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.get(reverse("api:transaction-list")).status_code == 200


def test_staff_still_sign_in_with_their_password(client, db):
    analyst = make_user(Role.ANALYST, email="ann@bank.test")
    analyst.set_password(PASSWORD)
    analyst.save()
    response = client.post(reverse("account_login"), {"login": analyst.email, "password": PASSWORD})
    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 200


def test_nobody_adds_a_sign_in_address_in_the_portal(client, db):
    from allauth.account.models import EmailAddress

    analyst = make_user(Role.ANALYST, email="ann@bank.test")
    analyst.set_password(PASSWORD)
    analyst.save()
    client.force_login(analyst)
    response = client.post(reverse("account_email"), {"action_add": "", "email": "ann@elsewhere.test"}, follow=True)
    assert "set by an administrator" in response.content.decode()
    assert not EmailAddress.objects.filter(email="ann@elsewhere.test").exists()
    assert AuditEvent.objects.filter(action="auth.email_change_refused").exists()
    client.logout()
    client.post(reverse("account_login"), {"login": "ann@elsewhere.test", "password": PASSWORD})
    assert client.get(reverse("home")).status_code == 302
