"""Cases: alerts gather into cases, the state machine, maker-checker, claiming, visibility, SLAs,
notifications and labelling."""

from __future__ import annotations

import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from apps.accounts.choices import Role
from apps.core.models import AuditEvent
from apps.fraud.cases import services as cases
from apps.fraud.cases import states
from apps.fraud.choices import CaseStatus
from apps.fraud.models import Case, CaseEvent, CaseProposal
from apps.transactions import services as txn_services
from apps.transactions.models import BankAccount, Transaction
from tests.factories import make_team, make_user

GIFT_CARD = {"customer_ref": "E-77", "amount": "12000.00", "description": "gift card", "location": "Lagos"}


def _alerted(ref="E-77", amount="12000.00", description="gift card", hour=23, minute=30, **extra):
    when = timezone.now().replace(hour=hour, minute=minute, second=0, microsecond=0) - timedelta(days=1)
    data = {"customer_ref": ref, "amount": amount, "description": description, "occurred_at": when, **extra}
    return txn_services.transaction_ingest(actor=None, data=data)


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):
    return django_capture_on_commit_callbacks


@pytest.fixture
def second_supervisor(team):
    return make_user(Role.SUPERVISOR, teams=[team], email="supervisor2@bank.test")


def _manual(actor, team, ref="C-9", priority="medium"):
    return cases.case_open(actor=actor, team=team, title=f"About {ref}", customer_ref=ref, priority=priority)


# ------------------------------------------------------------------------------------------ alerts → cases
def test_an_alert_opens_a_case_in_the_default_team_queue_with_priority_and_sla(team, analyst):
    txn = _alerted()
    case = txn.alert.case
    assert case is not None and case.team == team
    assert case.subject == "customer:E-77" and case.status == CaseStatus.NEW
    assert case.priority == "critical"  # the gift card at 23:30 scores at the block threshold
    assert abs((case.sla_due_at - (case.created_at + timedelta(hours=4))).total_seconds()) < 5
    assert case.amount == Decimal("12000.00") and case.alert_count == 1
    assert AuditEvent.objects.filter(action="case.open", object_id=str(case.pk)).exists()
    assert analyst.has_perm("fraud.view_case", case)  # the team's group holds the object permission


def test_alerts_on_the_same_subject_join_the_open_case_and_raise_its_priority(team):
    first = _alerted(amount="10500.00", description="supplies", hour=11)
    case = first.alert.case
    assert case.priority != "critical"
    second = _alerted(amount="12000.00", description="gift card", minute=45)
    case.refresh_from_db()
    assert second.alert.case_id == case.pk
    assert case.alert_count == 2 and case.amount == Decimal("22500.00")
    assert case.priority == "critical"
    assert Case.objects.count() == 1


def test_an_alert_after_the_case_closed_opens_a_new_case(team, analyst):
    case = _alerted(amount="10500.00", description="supplies", hour=11).alert.case
    cases.case_claim(case=case, actor=analyst)
    cases.case_propose(case=case, actor=analyst, outcome="false_positive", note="Known supplier")
    again = _alerted(amount="10600.00", description="supplies", hour=12)
    assert again.alert.case_id != case.pk
    assert Case.objects.filter(subject="customer:E-77").count() == 2


def test_a_file_of_alerts_costs_one_case_per_subject(team):
    from apps.fraud import selectors as fraud_selectors
    from apps.fraud.services import transactions_store_scored

    base = timezone.now() - timedelta(days=2)
    txns = [
        Transaction(source="file", kind="expense", customer_ref=f"E-{i % 3}", amount=Decimal("11000.00"),
                    occurred_at=base + timedelta(minutes=i), description="gift card")
        for i in range(9)
    ]  # fmt: skip
    transactions_store_scored(txns, fraud_selectors.FeatureState())
    assert Case.objects.count() == 3
    assert sorted(Case.objects.values_list("alert_count", flat=True)) == [3, 3, 3]


# ------------------------------------------------------------------------------------------ state machine
EXPECTED = """
action     new        in_review  escalated  snoozed    pending    closed
claim      in_review  in_review  escalated  -          -          -
assign     in_review  in_review  escalated  snoozed    pending    -
escalate   escalated  escalated  -          -          -          -
snooze     snoozed    snoozed    snoozed    -          -          -
resume     -          -          in_review  in_review  -          -
propose    -          pending    pending    -          -          -
close      -          closed     closed     -          -          -
approve    -          -          -          -          closed     -
send_back  -          -          -          -          in_review  -
reopen     -          -          -          -          -          in_review
"""


def _expected_table():
    lines = EXPECTED.strip().splitlines()
    statuses = lines[0].split()[1:]
    for line in lines[1:]:
        action, *targets = line.split()
        for status, target in zip(statuses, targets, strict=True):
            yield action, status, None if target == "-" else target


@pytest.mark.parametrize(("action", "status", "target"), list(_expected_table()))
def test_every_transition_is_allowed_or_refused_as_the_table_says(action, status, target):
    if target is None:
        with pytest.raises(ValidationError, match="You cannot"):
            states.next_state(status, action)
    else:
        assert states.next_state(status, action) == target


def test_the_table_covers_every_action_and_status():
    rows = list(_expected_table())
    assert {a for a, _s, _t in rows} == set(states.TRANSITIONS)
    assert {s for _a, s, _t in rows} == set(CaseStatus.values)


def test_a_refused_transition_changes_and_audits_nothing(team, supervisor):
    case = _manual(supervisor, team)
    before = AuditEvent.objects.count()
    with pytest.raises(ValidationError):
        cases.case_propose(case=case, actor=supervisor, outcome="no_action", note="x")  # new: claim it first
    with pytest.raises(ValidationError):
        cases.case_reopen(case=case, actor=supervisor, reason="x")
    case.refresh_from_db()
    assert case.status == CaseStatus.NEW
    assert AuditEvent.objects.count() == before
    assert not CaseProposal.objects.exists()


def test_reasons_are_required_where_the_workflow_says(team, analyst, supervisor):
    case = cases.case_claim(case=_manual(supervisor, team), actor=analyst)
    for call in (
        lambda: cases.case_escalate(case=case, actor=analyst, reason=" "),
        lambda: cases.case_snooze(case=case, actor=analyst, until=timezone.now() + timedelta(days=1), reason=""),
        lambda: cases.case_propose(case=case, actor=analyst, outcome="no_action", note=""),
    ):
        with pytest.raises(ValidationError):
            call()


def test_snoozed_cases_wake_by_themselves(team, analyst, supervisor):
    case = cases.case_claim(case=_manual(supervisor, team), actor=analyst)
    cases.case_snooze(case=case, actor=analyst, until=timezone.now() + timedelta(hours=2), reason="Waiting for docs")
    assert cases.cases_wake_snoozed(now=timezone.now() + timedelta(hours=1)) == 0
    assert cases.cases_wake_snoozed(now=timezone.now() + timedelta(hours=3)) == 1
    case.refresh_from_db()
    assert case.status == CaseStatus.IN_REVIEW and case.snoozed_until is None


def test_reopening_needs_a_supervisor_and_a_reason(team, analyst, supervisor):
    case = cases.case_claim(case=_manual(supervisor, team), actor=analyst)
    cases.case_propose(case=case, actor=analyst, outcome="no_action", note="Nothing")
    with pytest.raises(PermissionDenied):
        cases.case_reopen(case=case, actor=analyst, reason="I changed my mind")
    with pytest.raises(ValidationError):
        cases.case_reopen(case=case, actor=supervisor, reason="")
    cases.case_reopen(case=case, actor=supervisor, reason="Customer called again")
    case.refresh_from_db()
    assert case.status == CaseStatus.IN_REVIEW and case.outcome == "" and case.open_subject == case.subject


# ------------------------------------------------------------------------------------------ maker-checker
def test_confirming_fraud_above_the_limit_waits_for_a_supervisor_who_is_not_the_proposer(
    team, analyst, supervisor, second_supervisor, checking, settings
):
    settings.CASE_APPROVAL_AMOUNT = Decimal("10000")
    txn = _alerted(amount="10500.00", description="supplies", hour=11, account_number="000123456789")
    case = cases.case_claim(case=txn.alert.case, actor=supervisor)
    proposal = cases.case_propose(
        case=case, actor=supervisor, outcome="fraud", note="Card testing", freeze_account=True
    )
    assert proposal.status == "pending" and len(proposal.approval_reasons) == 2
    case.refresh_from_db()
    assert case.status == CaseStatus.PENDING_APPROVAL
    with pytest.raises(ValidationError, match="someone other than"):
        cases.case_approve(case=case, actor=supervisor)  # the proposer cannot approve their own decision
    with pytest.raises(PermissionDenied):
        cases.case_approve(case=case, actor=analyst)
    cases.case_approve(case=case, actor=second_supervisor, reason="Agreed")
    case.refresh_from_db()
    txn.refresh_from_db()
    assert (case.status, case.outcome) == (CaseStatus.CLOSED, "fraud")
    assert txn.label == "fraud" and txn.labelled_at is not None
    assert BankAccount.objects.get(pk=checking.pk).status == "frozen"
    assert AuditEvent.objects.filter(action="case.approve", actor=second_supervisor).exists()
    # a retried approval by the same person answers with the closed case and changes nothing
    cases.case_approve(case=case, actor=second_supervisor)
    assert AuditEvent.objects.filter(action="case.approve").count() == 1


def test_a_small_false_positive_closes_at_once_and_labels_legitimate(team, analyst):
    txn = _alerted(amount="10500.00", description="supplies", hour=11)
    case = cases.case_claim(case=txn.alert.case, actor=analyst)
    proposal = cases.case_propose(case=case, actor=analyst, outcome="false_positive", note="Known supplier")
    assert proposal.status == "applied" and proposal.approval_reasons == []
    txn.refresh_from_db()
    assert txn.label == "legitimate"


def test_sending_back_returns_the_case_to_review_with_the_reason(team, analyst, supervisor, on_commit):
    case = cases.case_claim(case=_manual(supervisor, team, priority="critical"), actor=analyst)
    cases.case_propose(case=case, actor=analyst, outcome="no_action", note="Nothing")
    with on_commit(execute=True):
        cases.case_send_back(case=case, actor=supervisor, reason="Check the second card first")
    case.refresh_from_db()
    assert case.status == CaseStatus.IN_REVIEW
    assert CaseProposal.objects.get(case=case).review_reason == "Check the second card first"
    assert any("Check the second card" in m.body for m in mail.outbox if "sent back" in m.subject)


def test_labels_from_outcomes_count_towards_retraining(team, analyst, settings):
    from apps.fraud.tasks import train_if_new_labels

    settings.MODEL_RETRAIN_MIN_NEW_LABELS = 10_000
    txn = _alerted(amount="10500.00", description="supplies", hour=11)
    assert train_if_new_labels()["new_labels"] == 0
    case = cases.case_claim(case=txn.alert.case, actor=analyst)
    cases.case_propose(case=case, actor=analyst, outcome="false_positive", note="Known supplier")
    assert train_if_new_labels()["new_labels"] == 1


# ------------------------------------------------------------------------------------------ claiming
def test_claim_next_gives_the_most_urgent_unassigned_case(team, analyst, supervisor):
    low = _manual(supervisor, team, "C-LOW", "low")
    critical = _manual(supervisor, team, "C-CRIT", "critical")
    high = _manual(supervisor, team, "C-HIGH", "high")
    assert cases.case_claim_next(actor=analyst) == critical
    assert cases.case_claim_next(actor=analyst) == high
    assert cases.case_claim_next(actor=analyst) == low
    assert cases.case_claim_next(actor=analyst) is None
    critical.refresh_from_db()
    assert critical.assignee == analyst and critical.status == CaseStatus.IN_REVIEW


def test_claim_next_never_offers_another_teams_case(team, other_team, analyst, supervisor):
    outsider = make_user(Role.SUPERVISOR, teams=[other_team], email="other-sup@bank.test")
    _manual(outsider, other_team, "C-THEIRS")
    assert cases.case_claim_next(actor=analyst) is None


def test_claiming_a_case_someone_holds_is_refused(team, analyst, supervisor):
    case = cases.case_claim(case=_manual(supervisor, team), actor=supervisor)
    with pytest.raises(ValidationError, match="already assigned"):
        cases.case_claim(case=case, actor=analyst)
    assert cases.case_claim(case=case, actor=supervisor).assignee == supervisor  # own claim again: no-op


@pytest.mark.django_db(transaction=True)
def test_two_analysts_claiming_at_once_never_get_the_same_case():
    if connection.vendor == "sqlite":
        pytest.skip("Needs concurrent connections to a server database; CI runs this on MariaDB.")
    team = make_team("Race team")
    boss = make_user(Role.SUPERVISOR, teams=[team], email="boss@bank.test")
    analysts = [make_user(Role.ANALYST, teams=[team], email=f"racer{i}@bank.test") for i in range(6)]
    for i in range(4):
        _manual(boss, team, f"C-R{i}")
    got, errors = [], []
    barrier = threading.Barrier(len(analysts))

    def claim(user):
        try:
            barrier.wait()
            case = cases.case_claim_next(actor=user)
            got.append(case.pk if case else None)
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=claim, args=(u,)) for u in analysts]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    claimed = [pk for pk in got if pk is not None]
    assert len(claimed) == 4 and len(set(claimed)) == 4  # every case once, two analysts got nothing
    assert Case.objects.filter(assignee__isnull=True).count() == 0


def test_supervisors_assign_only_to_people_who_can_work_the_case(team, other_team, analyst, supervisor):
    stranger = make_user(Role.ANALYST, teams=[other_team], email="stranger@bank.test")
    case = _manual(supervisor, team)
    with pytest.raises(ValidationError):
        cases.case_assign(case=case, actor=supervisor, assignee=stranger)
    with pytest.raises(PermissionDenied):
        cases.case_assign(case=case, actor=analyst, assignee=analyst)
    assert cases.case_assign(case=case, actor=supervisor, assignee=analyst).assignee == analyst


def test_round_robin_spreads_new_cases_and_respects_the_cap(team, supervisor, settings):
    settings.CASE_AUTO_ASSIGN, settings.CASE_ANALYST_CAP = True, 2
    a = make_user(Role.ANALYST, teams=[team], email="rr-a@bank.test")
    b = make_user(Role.ANALYST, teams=[team], email="rr-b@bank.test")
    opened = [_manual(supervisor, team, f"C-RR{i}") for i in range(5)]
    owners = [Case.objects.get(pk=c.pk).assignee_id for c in opened]
    assert owners.count(a.pk) == 2 and owners.count(b.pk) == 2 and owners.count(None) == 1


# ------------------------------------------------------------------------------------------ visibility
def test_cases_are_visible_to_their_team_compliance_and_auditors_only(team, other_team, analyst, auditor):
    outsider = make_user(Role.ANALYST, teams=[other_team], email="outsider@bank.test")
    officer = make_user(Role.COMPLIANCE, email="officer@bank.test")
    case = _manual(make_user(Role.SUPERVISOR, teams=[team], email="s@bank.test"), team)
    url = reverse("api:case-detail", args=[case.pk])
    for user, code in ((analyst, 200), (officer, 200), (auditor, 200), (outsider, 404)):
        api = APIClient()
        api.force_login(user)
        assert api.get(url).status_code == code, user
    api = APIClient()
    api.force_login(outsider)
    assert case.pk not in [c["id"] for c in api.get(reverse("api:case-list")).json()["results"]]
    api.force_login(auditor)
    assert api.post(reverse("api:case-comment", args=[case.pk]), {"body": "hi"}, format="json").status_code == 403


# ------------------------------------------------------------------------------------------ API actions
def test_api_actions_walk_a_case_from_claim_to_approval(team, analyst, supervisor, second_supervisor, on_commit):
    case = _manual(supervisor, team, priority="critical")
    a, s = APIClient(), APIClient()
    a.force_login(analyst)
    s.force_login(second_supervisor)
    assert a.post(reverse("api:case-claim", args=[case.pk])).json()["assignee"] == str(analyst)
    body = {"body": "Called @supervisor2@bank.test about it"}
    with on_commit(execute=True):
        first = a.post(reverse("api:case-comment", args=[case.pk]), body, format="json", HTTP_IDEMPOTENCY_KEY="c-1")
    again = a.post(reverse("api:case-comment", args=[case.pk]), body, format="json", HTTP_IDEMPOTENCY_KEY="c-1")
    assert first.status_code == again.status_code == 201 and first.json()["id"] == again.json()["id"]
    assert CaseEvent.objects.filter(case=case, kind="comment").count() == 1
    assert any("mentioned" in m.subject and "supervisor2@bank.test" in m.to for m in mail.outbox)
    bad = a.post(reverse("api:case-propose", args=[case.pk]), {"outcome": "maybe", "note": ""}, format="json")
    assert bad.status_code == 400 and set(bad.json()["errors"]) == {"outcome", "note"}
    proposed = a.post(reverse("api:case-propose", args=[case.pk]), {"outcome": "no_action", "note": "Nothing"},
                      format="json")  # fmt: skip
    assert proposed.status_code == 201 and proposed.json()["status"] == "pending"
    assert proposed.json()["pending_proposal"]["approval_reasons"] == ["It closes a critical case."]
    early = a.post(reverse("api:case-reopen", args=[case.pk]), {"reason": "x"}, format="json")
    assert early.status_code == 403
    approved = s.post(reverse("api:case-approve", args=[case.pk]), {"reason": "OK"}, format="json")
    assert approved.status_code == 200 and approved.json()["status"] == "closed"
    conflict = a.post(reverse("api:case-claim", args=[case.pk]))
    assert conflict.status_code == 409 and conflict.json()["type"] == "conflict"


def test_claim_next_api_answers_204_when_nothing_is_left(team, analyst):
    api = APIClient()
    api.force_login(analyst)
    assert api.post(reverse("api:case-claim-next")).status_code == 204


def test_case_list_filters(team, analyst, supervisor):
    _manual(supervisor, team, "C-A", "critical")
    mine = cases.case_claim(case=_manual(supervisor, team, "C-B", "low"), actor=analyst)
    api = APIClient()
    api.force_login(analyst)

    def refs(**query):
        return [c["customer_ref"] for c in api.get(reverse("api:case-list"), query).json()["results"]]

    assert refs(priority="critical") == ["C-A"]
    assert refs(assignee="me") == ["C-B"]
    assert refs(assignee="none") == ["C-A"]
    assert refs(q=mine.reference) == ["C-B"]
    assert refs() == ["C-A", "C-B"]  # the critical one is due first


# ------------------------------------------------------------------------------------------ SLA and email
def test_sla_due_soon_and_breached_are_sent_once_each(team, analyst, supervisor, settings, on_commit):
    settings.CASE_SLA_DUE_SOON_HOURS = 2
    case = cases.case_claim(case=_manual(supervisor, team, priority="critical"), actor=analyst)  # due in 4 h
    mail.outbox.clear()
    with on_commit(execute=True):
        assert cases.cases_check_sla(now=timezone.now() + timedelta(hours=3))["due_soon"] == 1
    assert [m.to for m in mail.outbox if "due soon" in m.subject] == [["analyst@bank.test"]]
    assert cases.cases_check_sla(now=timezone.now() + timedelta(hours=3))["due_soon"] == 0
    mail.outbox.clear()
    with on_commit(execute=True):
        assert cases.cases_check_sla(now=timezone.now() + timedelta(hours=5))["breached"] == 1
    (breach,) = [m for m in mail.outbox if "breached" in m.subject]
    assert set(breach.to) == {"analyst@bank.test", "supervisor@bank.test"} and case.reference in breach.subject
    assert cases.cases_check_sla(now=timezone.now() + timedelta(hours=6))["breached"] == 0


def test_people_who_turned_sla_emails_off_do_not_get_them(team, analyst, supervisor, on_commit):
    from apps.accounts.services import notification_preferences_update

    notification_preferences_update(user=analyst, sla=False)
    cases.case_claim(case=_manual(supervisor, team, priority="critical"), actor=analyst)
    mail.outbox.clear()
    with on_commit(execute=True):
        cases.cases_check_sla(now=timezone.now() + timedelta(hours=5))
    assert all("analyst@bank.test" not in m.to for m in mail.outbox)
    assert any("supervisor@bank.test" in m.to for m in mail.outbox)


def test_a_new_critical_case_emails_the_team_and_logs_a_webhook(team, analyst, settings, on_commit):
    from apps.core.models import WebhookDelivery

    settings.ALERT_WEBHOOK_URL, settings.ALERT_WEBHOOK_SECRET = "http://127.0.0.1:9/hook", "s" * 40
    mail.outbox.clear()
    with on_commit(execute=False) as callbacks:  # the case and its notification are queued on commit
        case = _alerted().alert.case
    from apps.fraud.cases.notify import case_notify_send

    assert callbacks
    result = case_notify_send(event="case.critical", case_id=case.pk, user_ids=[analyst.pk])
    assert any(case.reference in m.subject and "analyst@bank.test" in m.to for m in mail.outbox)
    delivery = WebhookDelivery.objects.get(pk=result["webhook"])  # signed and retried by deliver_webhook
    assert delivery.payload["case"]["reference"] == case.reference


# ------------------------------------------------------------------------------------------ evidence
def test_attachments_are_checked_by_content_and_size(team, analyst, supervisor, settings):
    case = _manual(supervisor, team)
    settings.CASE_ATTACHMENT_MAX_MB = 1
    with pytest.raises(ValidationError, match="Attach a PDF"):
        cases.case_attach(case=case, actor=analyst, upload=SimpleUploadedFile("x.pdf", b"MZ\x90\x00\x03" + bytes(100)))
    with pytest.raises(ValidationError, match="larger than 1 MB"):
        cases.case_attach(case=case, actor=analyst, upload=SimpleUploadedFile("big.txt", b"a" * (1024 * 1024 + 1)))
    with pytest.raises(ValidationError, match="empty"):
        cases.case_attach(case=case, actor=analyst, upload=SimpleUploadedFile("e.txt", b""))
    pdf = cases.case_attach(case=case, actor=analyst, upload=SimpleUploadedFile("statement.pdf", b"%PDF-1.7\n..."))
    assert pdf.content_type == "application/pdf" and case.attachments.count() == 1


def test_tags_are_normalised_and_filterable(team, analyst, supervisor):
    case = cases.case_tag(case=_manual(supervisor, team), actor=analyst, tags=["Mule Account", " ATO ", ""])
    assert case.tags == ["ato", "mule-account"]
    api = APIClient()
    api.force_login(analyst)
    assert api.get(reverse("api:case-list"), {"tag": "ato"}).json()["count"] == 1
    assert api.get(reverse("api:case-list"), {"tag": "mule"}).json()["count"] == 0


@pytest.mark.django_db(transaction=True)
def test_concurrent_alerts_on_one_customer_share_one_case():
    if connection.vendor == "sqlite":
        pytest.skip("Needs concurrent connections to a server database; CI runs this on MariaDB.")
    make_team("Race queue")
    errors = []
    barrier = threading.Barrier(6)

    def ingest(i):
        try:
            barrier.wait()
            _alerted(amount=f"{10500 + i}.00", description="supplies", hour=9, minute=i)
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=ingest, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    case = Case.objects.get(open_subject="customer:E-77")
    assert case.alert_count == 6 and case.alerts.count() == 6
    assert case.amount == sum(Decimal(f"{10500 + i}.00") for i in range(6))
