"""Corrective actions: created by an officer, worked by their owner, verified by someone else; evidence is
encrypted at rest; owners are reminded once before the day and once after."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError
from django.urls import reverse
from django.utils import timezone

from apps.accounts.choices import Role
from apps.compliance.actions import services
from apps.compliance.models import ActionEvidence, CorrectiveAction
from apps.core.models import AuditEvent
from tests.factories import make_user

PDF = b"%PDF-1.4\n% evidence of the fix\n"


@pytest.fixture
def people(db):
    return {"cora": make_user(Role.COMPLIANCE, email="cora@bank.test"),
            "omar": make_user(Role.COMPLIANCE, email="omar@bank.test"),
            "ana": make_user(Role.ANALYST, email="ana@bank.test")}  # fmt: skip


def _action(people, owner="omar", days=10):
    due = timezone.localdate() + timedelta(days=days)
    return services.action_create(actor=people["cora"], title="Re-screen dormant customers",
                                  plan="Screen every customer inactive a year.", owner=people[owner], due_on=due,
                                  source_ref="KPI screening")  # fmt: skip


def test_an_action_is_worked_by_its_owner_and_verified_by_someone_else(people):
    action = _action(people)
    with pytest.raises(PermissionDenied):
        services.action_start(actor=people["cora"], action=action)  # only the owner works it
    services.action_start(actor=people["omar"], action=action)
    with pytest.raises(ValidationError, match="Say what was done"):
        services.action_done(actor=people["omar"], action=action, note=" ")
    services.action_done(actor=people["omar"], action=action, note="Screened 1,204 customers; 3 hits reviewed.")
    with pytest.raises(ValidationError, match="someone other than its owner"):
        services.action_verify(actor=people["omar"], action=action)
    with pytest.raises(ValidationError, match="Say why it goes back"):
        services.action_verify(actor=people["cora"], action=action, accept=False)
    services.action_verify(actor=people["cora"], action=action, accept=False, note="Attach the screening log")
    action.refresh_from_db()
    assert action.status == "in_progress" and action.verify_note == "Attach the screening log"
    services.action_done(actor=people["omar"], action=action, note="Log attached.")
    services.action_verify(actor=people["cora"], action=action, note="Checked")
    action.refresh_from_db()
    assert (action.status, action.verified_by) == ("verified", people["cora"])
    verbs = list(AuditEvent.objects.filter(object_id=str(action.pk)).order_by("id").values_list("action", flat=True))
    assert verbs == ["corrective_action.create", "corrective_action.start", "corrective_action.done",
                     "corrective_action.send_back", "corrective_action.done", "corrective_action.verify"]  # fmt: skip


def test_the_database_refuses_an_owner_verifying_their_own_action(people):
    action = _action(people)
    with pytest.raises(IntegrityError):
        CorrectiveAction.objects.filter(pk=action.pk).update(status="verified", verified_by=people["omar"])


@pytest.mark.parametrize(
    ("changes", "message"),
    [({"title": " "}, "Name the action"), ({"plan": ""}, "Say what is to be done"),
     ({"due_on": timezone.localdate() - timedelta(days=1)}, "today or later")],
)  # fmt: skip
def test_a_bad_action_is_refused_with_the_reason(people, changes, message):
    data = {"title": "T", "plan": "P", "owner": people["omar"], "due_on": timezone.localdate(), **changes}
    with pytest.raises(ValidationError, match=message):
        services.action_create(actor=people["cora"], **data)
    with pytest.raises(PermissionDenied):
        services.action_create(actor=people["ana"], **{**data, **{"title": "T", "plan": "P"}})


def test_evidence_is_encrypted_at_rest_and_read_back_audited(people):
    action = _action(people)
    evidence = services.evidence_add(actor=people["omar"], action=action,
                                     upload=SimpleUploadedFile("log.pdf", PDF, "application/pdf"))  # fmt: skip
    with evidence.file.open("rb") as fh:
        assert PDF not in fh.read()
    assert services.evidence_read(actor=people["cora"], evidence=evidence) == PDF
    assert AuditEvent.objects.filter(action="corrective_action.evidence_view").exists()
    with pytest.raises(ValidationError, match="PDF, PNG or JPEG"):
        services.evidence_add(actor=people["omar"], action=action,
                              upload=SimpleUploadedFile("x.exe", b"MZ\x90\x00", "application/pdf"))  # fmt: skip
    assert ActionEvidence.objects.count() == 1


def test_owners_are_reminded_once_before_the_day_and_once_after(people, settings):
    settings.ACTION_REMIND_DAYS = 3
    soon, later = _action(people, days=2), _action(people, days=20)
    today = timezone.localdate()
    assert services.actions_remind(today=today) == {"before": 1, "overdue": 0}
    assert services.actions_remind(today=today) == {"before": 0, "overdue": 0}
    assert services.actions_remind(today=today + timedelta(days=3)) == {"before": 0, "overdue": 1}
    assert [m.to for m in mail.outbox] == [["omar@bank.test"], ["omar@bank.test"]]
    assert soon.reference in mail.outbox[1].subject and later.reference not in mail.outbox[0].subject


def test_the_board_and_an_owner_who_is_not_an_officer(client, people):
    action = _action(people, owner="ana")
    client.force_login(people["ana"])
    assert client.get(reverse("compliance:actions")).status_code == 403  # the board is the officers'
    page = client.get(reverse("compliance:action_detail", args=[action.pk]))
    assert page.status_code == 200 and "Mark done" in page.text  # but their own action is theirs to work
    client.post(reverse("compliance:action_detail", args=[action.pk]), {"step": "done", "note": "Fixed"})
    action.refresh_from_db()
    assert action.status == "done"
    client.force_login(people["cora"])
    board = client.get(reverse("compliance:actions")).text
    assert 'data-testid="count-done">1<' in board and action.reference in board
    stranger = make_user(Role.ANALYST, email="stranger@bank.test")
    client.force_login(stranger)
    assert client.get(reverse("compliance:action_detail", args=[action.pk])).status_code == 403
