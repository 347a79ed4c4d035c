from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from apps.accounts import services
from apps.accounts.models import APIToken
from apps.core.models import AuditEvent


@pytest.fixture
def token_and_key(admin_user, integration_user):
    return services.api_token_create(actor=admin_user, user=integration_user, name="Core feed", scopes=["read"])


def _me(key, scheme="Token"):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"{scheme} {key}")
    return client.get(reverse("api:me"))


def test_token_authenticates_the_integration_client(token_and_key, integration_user):
    token, key = token_and_key
    response = _me(key)
    assert response.status_code == 200
    assert response.json()["email"] == integration_user.email
    assert response.json()["auth"] == "token"
    assert response.json()["token_scopes"] == ["read"]
    assert _me(key, "Bearer").status_code == 200
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_only_a_hash_of_the_key_is_stored(token_and_key):
    token, key = token_and_key
    stored = APIToken.objects.filter(pk=token.pk).values()[0]
    assert key not in str(stored)
    assert len(token.key_hash) == 64


@pytest.mark.parametrize(
    "tamper",
    [
        lambda k: k[:-1] + ("A" if k[-1] != "A" else "B"),
        lambda k: "cc_000000000000_" + k.split("_", 2)[2],
        lambda k: "x",
    ],
)
def test_wrong_key_is_401_with_the_error_body(token_and_key, tamper):
    _, key = token_and_key
    response = _me(tamper(key))
    assert response.status_code == 401
    body = response.json()
    assert body["type"] == "authentication_failed"
    assert "token" in body["detail"].lower()
    assert body["request_id"]


def test_revoked_token_is_refused_at_once(admin_user, token_and_key):
    token, key = token_and_key
    services.api_token_revoke(actor=admin_user, token=token, reason="Leaked in a log")
    assert _me(key).status_code == 401
    assert AuditEvent.objects.get(action="api_token.revoke").reason == "Leaked in a log"


def test_expired_token_is_refused(token_and_key):
    token, key = token_and_key
    APIToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert _me(key).status_code == 401


def test_token_without_the_read_scope_cannot_list(admin_user, integration_user):
    from django.contrib.auth.models import Permission

    integration_user.user_permissions.add(Permission.objects.get(codename="view_team"))
    _, key = services.api_token_create(actor=admin_user, user=integration_user, name="w", scopes=["cheques:write"])
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    response = client.get(reverse("api:team-list"))
    assert response.status_code == 403
    assert "scope" in response.json()["detail"]


def test_admin_creates_a_token_in_the_portal_and_sees_the_key_once(client, admin_user, integration_user):
    client.force_login(admin_user)
    response = client.post(
        reverse("accounts:token_create"),
        {"user": integration_user.pk, "name": "Batch feed", "scopes": ["read"], "expires_in_days": 30},
    )
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    key = response.context["key"]
    assert _me(key).status_code == 200
    listing = client.get(reverse("accounts:token_list"))
    assert key not in listing.content.decode()
    assert "Batch feed" in listing.content.decode()


def test_token_form_rejects_a_user_who_is_not_an_integration_client(client, admin_user, analyst):
    client.force_login(admin_user)
    response = client.post(
        reverse("accounts:token_create"), {"user": analyst.pk, "name": "x", "scopes": ["read"], "expires_in_days": 30}
    )
    assert response.status_code == 400
    assert not APIToken.objects.exists()


def test_admin_revokes_a_token_in_the_portal(client, admin_user, token_and_key):
    token, key = token_and_key
    client.force_login(admin_user)
    response = client.post(reverse("accounts:token_revoke", args=[token.pk]), {"reason": "rotation"})
    assert response.status_code == 302
    assert _me(key).status_code == 401


def test_staff_accounts_never_get_a_token(admin_user, analyst):
    from django.core.exceptions import ValidationError

    for user in (admin_user, analyst):
        with pytest.raises(ValidationError, match="Integration client"):
            services.api_token_create(actor=admin_user, user=user, name="x", scopes=["read"])
    assert not APIToken.objects.exists()
