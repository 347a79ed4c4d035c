from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from apps.accounts import services
from apps.accounts.choices import Role, TokenScope
from apps.core.services import audit_record
from apps.fraud import services as fraud_services
from apps.fraud.models import CaseRoute, ModelVersion, Rule
from apps.transactions import services as txn_services
from tests.factories import make_team, make_user
from tests.permission_matrix import (
    ADMIN,
    ANALYST,
    ANON,
    AUDITOR,
    COMPLIANCE,
    EXPENSE_CSV,
    INTEGRATION,
    MANAGER,
    NOROLE,
    ROLES,
    ROUTES,
    SUPERVISOR,
    Route,
    uncovered_url_names,
)

ROLE_OF = {
    ANALYST: Role.ANALYST,
    SUPERVISOR: Role.SUPERVISOR,
    COMPLIANCE: Role.COMPLIANCE,
    AUDITOR: Role.AUDITOR,
    MANAGER: Role.MANAGER,
    ADMIN: Role.ADMIN,
    INTEGRATION: Role.INTEGRATION,
    NOROLE: None,
}


@pytest.fixture
def world(db):
    team = make_team("Cheque fraud")
    other_team = make_team("Card fraud")
    users = {}
    for key, role in ROLE_OF.items():
        in_team = [team] if key in (ANALYST, SUPERVISOR) else []
        users[key] = make_user(role, teams=in_team, email=f"{key}@bank.test")
    subject_user = make_user(Role.ANALYST, teams=[other_team], email="subject@bank.test")
    token, key = services.api_token_create(
        actor=users[ADMIN],
        user=users[INTEGRATION],
        name="feed",
        scopes=[TokenScope.READ, TokenScope.TRANSACTIONS_WRITE],
    )
    event = audit_record(actor=users[ADMIN], action="test.event", obj=subject_user)
    asker = make_user(Role.ADMIN, email="asking-admin@bank.test")
    grant = services.role_grant_request(actor=asker, user=subject_user, role=Role.ADMIN)
    customer = txn_services.customer_create(actor=None, external_id="C-1", full_name="Matrix Customer")
    account = txn_services.account_open(actor=None, customer=customer, number="MATRIX0001")
    other_account = txn_services.account_open(actor=None, customer=customer, number="MATRIX0002")
    txn_services.ledger_deposit(actor=None, account=account, amount="500")
    big = txn_services.transaction_ingest(
        actor=None, data={"customer_ref": "C-1", "amount": "20000", "occurred_at": timezone.now()}
    )
    author = make_user(Role.ANALYST, email="rule-author@bank.test")
    rule_spec = {"name": "R", "explanation": "E", "weight": 5, "condition": {"field": "amount", "op": "gt", "value": 1}}
    draft = fraud_services.rule_draft_create(actor=author, code="matrix-draft", **rule_spec)
    pending = fraud_services.rule_submit(
        actor=author, rule=fraud_services.rule_draft_create(actor=author, code="matrix-pending", **rule_spec)
    )
    from apps.transactions import files

    rows = b"W1,E1,1.00,Oslo,x,2026-03-04 09:00\nW2,E1,oops,Oslo,x,2026-03-04 09:00\n"
    upload = SimpleUploadedFile("world.csv", EXPENSE_CSV.splitlines(keepends=True)[0].encode() + rows)
    tfile = files.transaction_file_create(actor=None, upload=upload, fmt="expense", process_now=True)
    files.transaction_file_process(file_id=tfile.pk)
    header = EXPENSE_CSV.splitlines(keepends=True)[0].encode()
    failed_upload = SimpleUploadedFile("failed.csv", header + b"W9,E1,1.00,Oslo,y,2026-03-04 09:00\n")
    failed_file = files.transaction_file_create(actor=None, upload=failed_upload, fmt="expense", process_now=True)
    type(failed_file).objects.filter(pk=failed_file.pk).update(status="failed", failure="The database went away.")
    model = ModelVersion.objects.create(
        version="m-matrix",
        artifact="models/none.pkl",
        signature="0" * 64,
        feature_names=["amount"],
        library_versions={},
        train_start=timezone.now(),
        train_end=timezone.now(),
        test_start=timezone.now(),
        test_end=timezone.now(),
        metrics={"average_precision": 0.5},
    )
    cases = _case_world(team, other_team, users)
    from apps.compliance import services as compliance

    officer = make_user(Role.COMPLIANCE, email="threshold-author@bank.test")
    pending_threshold = compliance.threshold_draft(actor=officer, metric="dormant_days", breach="200",
                                                   effective_from=timezone.localdate(), reason="Matrix")  # fmt: skip
    from apps.compliance.kyc import services as kyc
    from tests.permission_matrix import passport_upload

    customer_risk = kyc.customer_risk_open(actor=None, customer=customer)
    kyc_document = kyc.identity_document_add(
        actor=officer, customer=customer, kind="passport", upload=passport_upload()
    )
    from datetime import timedelta

    from django.core.files.uploadedfile import SimpleUploadedFile as Upload

    from apps.compliance.actions import services as actions

    due = timezone.localdate() + timedelta(days=7)
    open_action = actions.action_create(actor=officer, title="Mine", plan="P", owner=users[COMPLIANCE], due_on=due)
    done_action = actions.action_create(actor=users[COMPLIANCE], title="Theirs", plan="P", owner=officer, due_on=due)
    actions.action_done(actor=officer, action=done_action, note="Done")
    evidence = actions.evidence_add(actor=officer, action=done_action,
                                    upload=Upload("e.pdf", b"%PDF-1.4 evidence", "application/pdf"))  # fmt: skip
    from apps.compliance.models import Breach, KpiSnapshot, ScoreSnapshot

    now = timezone.now()
    breach = Breach.objects.create(kpi="kpi_dp_past_retention", value=5000, level=1000, worst=5000, opened_at=now)
    kpi_point = KpiSnapshot.objects.create(kpi="kpi_dp_past_retention", day=now.date(), numerator=5000, value=5000,
                                           score=0, status="breach", computed_at=now)  # fmt: skip
    score_point = ScoreSnapshot.objects.create(domain="", day=now.date(), score=80, computed_at=now)
    return {
        "breach": breach,
        "kpi_point": kpi_point,
        "score_point": score_point,
        "open_action": open_action,
        "done_action": done_action,
        "evidence": evidence,
        "customer_risk": customer_risk,
        "kyc_document": kyc_document,
        "pending_threshold": pending_threshold,
        **cases,
        "model": model,
        "file": tfile,
        "failed_file": failed_file,
        "customer": customer,
        "account": account,
        "other_account": other_account,
        "transaction": big,
        "alert": big.alert,
        "draft_rule": draft,
        "pending_rule": pending,
        "active_rule": Rule.objects.filter(status="active").first(),
        "team": team,
        "other_team": other_team,
        "users": users,
        "subject_user": subject_user,
        "token": token,
        "token_key": key,
        "audit_event": event,
        "role_grant": grant,
    }


def _case_world(team, other_team, users) -> dict:
    from apps.core.models import FailedTask
    from apps.fraud.cases import services as cases

    sup, analyst = users[SUPERVISOR], users[ANALYST]

    def open_case(ref, priority="medium", in_team=team):
        return cases.case_open(actor=users[COMPLIANCE], team=in_team, title=f"Case {ref}", customer_ref=ref,
                               priority=priority)  # fmt: skip

    own, other = open_case("C-OWN"), open_case("C-OTHER", in_team=other_team)
    pending = cases.case_claim(case=open_case("C-PENDING", "critical"), actor=analyst)
    cases.case_propose(case=pending, actor=analyst, outcome="no_action", note="Nothing found")
    closed = cases.case_claim(case=open_case("C-CLOSED", "low"), actor=analyst)
    cases.case_propose(case=closed, actor=analyst, outcome="false_positive", note="Known traveller")
    escalated = cases.case_escalate(case=cases.case_claim(case=open_case("C-ESC"), actor=analyst), actor=analyst,
                                    reason="Bigger than it looks")  # fmt: skip

    def attach(case, name):
        return cases.case_attach(case=case, actor=users[COMPLIANCE],
                                 upload=SimpleUploadedFile(name, b"statement line 1\n", "text/plain"))  # fmt: skip

    from apps.cheques import selectors as cheque_selectors
    from apps.cheques import services as cheque_services
    from tests.cheques.images import cheque_image, upload

    cheque = cheque_services.cheque_receive(actor=None, front=upload(cheque_image()))
    failed_cheque = cheque_services.cheque_receive(actor=None, front=upload(cheque_image()))
    cheque_services.cheque_fail(cheque_id=failed_cheque.pk, error="OcrUnavailable: tesseract did not run")
    keying_cheque = cheque_services.cheque_receive(actor=None, front=upload(cheque_image()))
    type(keying_cheque).objects.filter(pk=keying_cheque.pk).update(status="keying")
    failed = FailedTask.objects.create(task_id="t-1", task_name="apps.core.tasks.ping", args=["x"], exception="E")
    assert sup.has_perm("fraud.approve_case")
    return {
        "own_case": own,
        "other_case": other,
        "pending_case": pending,
        "closed_case": closed,
        "escalated_case": escalated,
        "own_attachment": attach(own, "own.txt"),
        "other_attachment": attach(other, "other.txt"),
        "failed_task": failed,
        "case_route": CaseRoute.objects.create(team=team, kind="cheque"),
        "cheque": cheque,
        "failed_cheque": failed_cheque,
        "keying_cheque": keying_cheque,
        "cheque_image_token": cheque_selectors.image_url(cheque, "front").rstrip("/").rsplit("/", 1)[-1],
    }


def _client(world, role: str, kind: str):
    client = APIClient()
    if role == ANON:
        return client
    if role == INTEGRATION and kind == "api":
        client.credentials(HTTP_AUTHORIZATION=f"Token {world['token_key']}")
    else:
        client.force_login(world["users"][role])
    return client


def _check(world, route: Route, role: str, on_other: bool) -> None:
    builder = route.other if on_other else route.kwargs
    url = reverse(route.name, kwargs=builder(world) if builder else None)
    client = _client(world, role, route.kind)
    data = route.data(world) if route.data else None
    if route.method == "get":
        response = client.get(url)
    elif route.kind == "api":
        response = getattr(client, route.method)(url, data, format="multipart" if route.multipart else "json")
    else:
        response = getattr(client, route.method)(url, data, format="multipart")  # a portal form post
    expected = route.expected(role, on_other=on_other)
    where = f"{route.method.upper()} {route.name} ({'other team' if on_other else 'own'}) as {role}"
    if expected == "login":
        assert response.status_code == 302, where
        assert response.url.startswith(reverse("account_login")), where
    elif expected == 302:
        assert response.status_code == 302, f"{where}: got {response.status_code}"
        assert not response.url.startswith(reverse("account_login")), where
    else:
        assert response.status_code == expected, f"{where}: got {response.status_code}, expected {expected}"


CASES = [(r, role, False) for r in ROUTES for role in ROLES] + [
    (r, role, True) for r in ROUTES if r.other for role in ROLES
]


@pytest.mark.parametrize(
    ("route", "role", "on_other"),
    CASES,
    ids=[f"{r.method}-{r.name}-{role}{'-other' if o else ''}" for r, role, o in CASES],
)
def test_permission_matrix(world, route, role, on_other):
    _check(world, route, role, on_other)


def test_every_url_pattern_is_in_the_matrix():
    missing = uncovered_url_names()
    assert not missing, f"Add these URL names to tests/permission_matrix.py ROUTES: {sorted(missing)}"


def test_matrix_users_hold_the_roles_they_stand_for(world):
    # Guards the harness itself: a mislabelled user would make every expectation meaningless.
    for key, role in ROLE_OF.items():
        user = get_user_model().objects.get(email=f"{key}@bank.test")
        assert user.role_names == ([role] if role else [])
