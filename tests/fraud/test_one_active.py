"""One active version of a rule, one active model per kind, one pending proposal per case: held by
the database on every backend (unique columns the database fills), not only where conditional unique
constraints exist. MySQL and MariaDB ignore those."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from apps.accounts.choices import Role
from apps.fraud import services
from apps.fraud.cases import services as cases
from apps.fraud.models import CaseProposal, ModelVersion, Rule
from tests.factories import make_team, make_user

CONDITION = {"field": "amount", "op": "gt", "value": 5}


def _versions(n: int) -> list[Rule]:
    """`n` retired versions of one rule."""
    return [Rule.objects.create(code="race-rule", version=v, name="Race", explanation="Race", condition=CONDITION,
                                weight=10, status="retired") for v in range(1, n + 1)]  # fmt: skip


def _model(version: str, status: str) -> ModelVersion:
    now = timezone.now()
    return ModelVersion.objects.create(
        version=version, kind="transaction", status=status, artifact=f"models/{version}", signature="0" * 64,
        feature_names=["amount"], library_versions={}, train_start=now - timedelta(days=2),
        train_end=now - timedelta(days=1), test_start=now - timedelta(days=1), test_end=now,
    )  # fmt: skip


def test_the_database_refuses_a_second_active_version_model_or_pending_proposal(db):
    team = make_team("Race team")
    author = make_user(Role.SUPERVISOR, teams=[team], email="author@bank.test")
    first, second = _versions(2)
    Rule.objects.filter(pk=first.pk).update(status="active")
    with pytest.raises(IntegrityError), transaction.atomic():
        Rule.objects.filter(pk=second.pk).update(status="active")
    Rule.objects.filter(pk=first.pk).update(status="retired")
    Rule.objects.filter(pk=second.pk).update(status="active")  # once the first retires, the second may

    _model("m-1", "active")
    with pytest.raises(IntegrityError), transaction.atomic():
        _model("m-2", "active")
    _model("m-3", "candidate")

    case = cases.case_open(actor=author, team=team, title="About C-1", customer_ref="C-1", priority="medium")
    pending = {"case": case, "outcome": "confirmed_fraud", "note": "n", "status": "pending", "proposed_by": author}
    CaseProposal.objects.create(**pending)
    with pytest.raises(IntegrityError), transaction.atomic():
        CaseProposal.objects.create(**pending)
    CaseProposal.objects.create(**{**pending, "status": "applied"})


def _at_once(work, n: int) -> list:
    """Run work(i) in n threads released together; what each returned or raised."""
    barrier, results = threading.Barrier(n), [None] * n

    def run(i):
        try:
            barrier.wait()
            results[i] = work(i)
        except Exception as exc:
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


@pytest.mark.django_db(transaction=True)
def test_concurrent_activations_leave_exactly_one_active_on_a_server_database():
    if connection.vendor == "sqlite":
        pytest.skip("Needs concurrent connections to a server database; CI runs this on MariaDB.")
    author = make_user(Role.ANALYST, email="author@bank.test")
    approvers = [make_user(Role.SUPERVISOR, email=f"approver{i}@bank.test") for i in range(4)]
    versions = _versions(4)
    draft = services.rule_draft_create(actor=author, code="race-rule", name="Race", explanation="Race",
                                       condition=CONDITION, weight=20)  # fmt: skip
    pending = services.rule_submit(actor=author, rule=draft)

    # Four supervisors approve at once: one approves, the others are told it is no longer waiting.
    results = _at_once(lambda i: services.rule_approve(actor=approvers[i], rule=pending), 4)
    assert sum(isinstance(r, Rule) for r in results) == 1, results
    assert sum(isinstance(r, ValidationError) for r in results) == 3, results
    assert list(Rule.objects.filter(code="race-rule", status="active").values_list("pk", flat=True)) == [pending.pk]

    # Behind the service's back: the database still lets only one through.
    Rule.objects.filter(code="race-rule").update(status="retired")

    def activate(i):
        with transaction.atomic():
            Rule.objects.filter(pk=versions[i].pk).update(status="active")

    results = _at_once(activate, 4)
    assert sum(isinstance(r, IntegrityError) for r in results) == 3
    assert Rule.objects.filter(code="race-rule", status="active").count() == 1
