import csv
import io

import pytest
from django.db import transaction
from django.urls import reverse

from apps.accounts import services
from apps.core.models import AppendOnlyError, AuditEvent
from apps.core.services import audit_record


def test_audit_events_cannot_be_updated_or_deleted(admin_user):
    event = audit_record(actor=admin_user, action="test.thing", reason="because")
    event.reason = "rewritten"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).update(reason="rewritten")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.get(pk=event.pk).reason == "because"


def test_no_role_holds_a_permission_to_change_audit_events(db):
    from django.contrib.auth.models import Permission

    codenames = set(Permission.objects.filter(content_type__model="auditevent").values_list("codename", flat=True))
    assert codenames == {"view_auditevent", "export_auditevent"}


def test_audit_event_is_rolled_back_with_the_change_it_describes(admin_user):
    with pytest.raises(RuntimeError), transaction.atomic():
        services.team_create(actor=admin_user, name="Doomed team")
        raise RuntimeError("the change failed after auditing")
    assert not AuditEvent.objects.filter(action="team.create").exists()


def test_actor_name_survives_the_user_being_deleted(admin_user):
    event = audit_record(actor=admin_user, action="test.thing")
    admin_user.delete()
    event.refresh_from_db()
    assert event.actor is None
    assert event.actor_name == "admin@bank.test"


def test_portal_change_records_request_id_ip_before_and_after(client, admin_user, analyst, team):
    client.force_login(admin_user)
    response = client.post(
        reverse("accounts:user_edit", args=[analyst.pk]),
        {"full_name": "Ada Renamed", "roles": ["Analyst"], "teams": [team.pk], "is_active": "on", "reason": "Married"},
        HTTP_X_REQUEST_ID="req-12345",
        REMOTE_ADDR="10.1.2.3",
    )
    assert response.status_code == 302
    event = AuditEvent.objects.get(action="user.update")
    assert event.actor == admin_user
    assert event.request_id == "req-12345"
    assert event.ip_address == "10.1.2.3"
    assert event.reason == "Married"
    assert event.before["full_name"] != "Ada Renamed"
    assert event.after["full_name"] == "Ada Renamed"
    assert event.object_id == str(analyst.pk)


def test_sign_in_and_failed_sign_in_are_audited(client, analyst):
    client.post(reverse("account_login"), {"login": analyst.email, "password": "wrong-password-123"})
    client.post(reverse("account_login"), {"login": analyst.email, "password": "correct-horse-battery-9"})
    actions = list(AuditEvent.objects.order_by("id").values_list("action", "actor_name"))
    assert ("auth.login_failed", analyst.email) in actions
    assert ("auth.login", analyst.email) in actions


def test_auditor_filters_the_audit_log_and_exports_it_as_csv(client, auditor, admin_user):
    audit_record(actor=admin_user, action="team.create", reason="=HYPERLINK(evil)")
    audit_record(actor=admin_user, action="user.invite")
    client.force_login(auditor)

    page = client.get(reverse("core:audit_list"), {"action": "team."})
    assert page.status_code == 200
    assert b"team.create" in page.content and b"user.invite" not in page.content

    export = client.get(reverse("core:audit_export"), {"action": "team."})
    assert export["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(export.streaming_content).decode())))
    assert rows[0][:3] == ["time", "actor", "action"]
    assert [r[2] for r in rows[1:]] == ["team.create"]
    assert rows[1][8] == "'=HYPERLINK(evil)"  # spreadsheet formula neutralised
    # The export itself is audited.
    assert AuditEvent.objects.filter(action="audit.export", actor=auditor).exists()


def test_audit_log_is_paginated(client, auditor, admin_user):
    for i in range(30):
        audit_record(actor=admin_user, action=f"bulk.{i}")
    client.force_login(auditor)
    first = client.get(reverse("core:audit_list"))
    assert first.context["page_obj"].paginator.num_pages >= 2
    assert len(first.context["events"]) == 25


def test_invalid_audit_filter_is_a_clear_400_on_export(client, auditor):
    client.force_login(auditor)
    response = client.get(reverse("core:audit_export"), {"since": "not-a-date"})
    assert response.status_code == 400
    assert b"since" in response.content
