from django.urls import reverse
from rest_framework.test import APIClient

from apps.accounts.models import User
from apps.core.services import audit_record


def _client(user):
    client = APIClient()
    client.force_login(user)
    return client


def test_me_returns_the_caller_roles_teams_and_permissions(analyst):
    body = _client(analyst).get(reverse("api:me")).json()
    assert body["email"] == analyst.email
    assert body["roles"] == ["Analyst"]
    assert body["teams"] == ["cheque-fraud"]
    assert "accounts.view_team" in body["permissions"]
    assert body["auth"] == "session" and body["token_scopes"] is None


def test_lists_are_paginated_with_count_and_links(admin_user):
    for i in range(60):
        User.objects.create_user(email=f"p{i:02d}@bank.test")
    client = _client(admin_user)
    first = client.get(reverse("api:user-list")).json()
    assert first["count"] == 61
    assert len(first["results"]) == 50
    assert first["next"] and first["previous"] is None
    small = client.get(reverse("api:user-list"), {"page_size": 5, "page": 2}).json()
    assert [u["email"] for u in small["results"]] == [f"p{i:02d}@bank.test" for i in range(4, 9)]


def test_serializers_carry_id_url_and_display(admin_user, team):
    row = _client(admin_user).get(reverse("api:team-list")).json()["results"][0]
    assert row["id"] == team.pk
    assert row["url"].endswith(reverse("api:team-detail", args=[team.pk]))
    assert row["display"] == "Cheque fraud"
    assert row["member_count"] == 0


def test_team_list_only_contains_permitted_teams(analyst, team, other_team):
    names = [t["name"] for t in _client(analyst).get(reverse("api:team-list")).json()["results"]]
    assert names == ["Cheque fraud"]


def test_audit_events_filter_by_action_actor_and_time(auditor, admin_user):
    audit_record(actor=admin_user, action="team.create")
    audit_record(actor=auditor, action="audit.export")
    client = _client(auditor)
    by_action = client.get(reverse("api:auditevent-list"), {"action": "team"}).json()
    assert [e["action"] for e in by_action["results"]] == ["team.create"]
    by_actor = client.get(reverse("api:auditevent-list"), {"actor": "auditor@"}).json()
    # The auditor's own sign-in is audited too; the admin's team.create is filtered out.
    assert {e["action"] for e in by_actor["results"]} == {"audit.export", "auth.login"}


def test_bad_filter_value_is_a_400_with_the_error_body(auditor):
    response = _client(auditor).get(reverse("api:auditevent-list"), {"since": "yesterday-ish"})
    assert response.status_code == 400
    body = response.json()
    assert body["type"] == "validation_error"
    assert "since" in body["errors"]
    assert body["request_id"] == response["X-Request-ID"]


def test_unknown_object_is_a_404_with_the_error_body(admin_user):
    response = _client(admin_user).get(reverse("api:team-detail", args=[999999]))
    assert response.status_code == 404
    assert response.json()["type"] == "not_found"


def test_writes_to_read_only_endpoints_are_refused(admin_user):
    response = _client(admin_user).post(reverse("api:team-list"), {"name": "x"}, format="json")
    assert response.status_code == 405
    assert response.json()["type"] == "method_not_allowed"


def test_session_writes_need_a_csrf_token(admin_user):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(admin_user)
    response = client.delete(reverse("api:team-detail", args=[1]))
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]


def test_openapi_schema_lists_the_v1_endpoints(analyst):
    response = _client(analyst).get(reverse("api-schema"), {"format": "json"})
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert {"/api/v1/me/", "/api/v1/teams/", "/api/v1/users/", "/api/v1/audit-events/"} <= set(paths)


def test_request_id_is_echoed_or_generated(client, db):
    assert client.get(reverse("health"), HTTP_X_REQUEST_ID="abc-123")["X-Request-ID"] == "abc-123"
    generated = client.get(reverse("health"), HTTP_X_REQUEST_ID="bad id with spaces")["X-Request-ID"]
    assert generated != "bad id with spaces" and len(generated) == 32


def test_day_filters_are_inclusive_of_the_whole_day(auditor, admin_user):
    from datetime import timedelta

    from django.utils import timezone

    from apps.core.models import AuditEvent

    now = timezone.localtime()
    audit_record(actor=admin_user, action="late.today")
    # Back-dated through a fresh insert: audit events cannot be updated.
    AuditEvent.objects.create(
        actor=admin_user, actor_name="admin", action="yesterday", created_at=now - timedelta(days=1)
    )
    client = _client(auditor)
    today = now.date().isoformat()
    until_today = {e["action"] for e in client.get(reverse("api:auditevent-list"), {"until": today}).json()["results"]}
    assert {"late.today", "yesterday"} <= until_today
    since_today = {e["action"] for e in client.get(reverse("api:auditevent-list"), {"since": today}).json()["results"]}
    assert "late.today" in since_today and "yesterday" not in since_today
