import threading

import pytest
from django.db import connection
from django.urls import reverse
from rest_framework.test import APIClient

from apps.accounts import services as account_services
from apps.accounts.choices import Role
from apps.core.models import IdempotencyKey
from apps.fraud.models import Alert
from apps.transactions.models import Transaction
from tests.factories import make_user

ROW = {"external_id": "T-100", "customer_ref": "E-9", "amount": "12000.00", "description": "Gift card purchase",
       "occurred_at": "2026-03-04T23:30:00Z", "kind": "expense"}  # fmt: skip


def test_single_transaction_answers_with_its_decision_score_and_reasons(feed):
    response = feed.post(reverse("api:transaction-list"), ROW, format="json")
    assert response.status_code == 201
    body = response.json()
    assert (body["decision"], body["score"]) == ("block", 90)
    assert [r["rule"] for r in body["reasons"]] == ["large-amount", "risky-keywords", "night-time"]
    assert body["alert"] == Alert.objects.get().pk


def test_a_repeat_with_the_same_idempotency_key_returns_the_first_result_and_stores_nothing(feed):
    first = feed.post(reverse("api:transaction-list"), ROW, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    again = feed.post(reverse("api:transaction-list"), ROW, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Transaction.objects.count() == 1 and Alert.objects.count() == 1


def test_the_same_key_with_a_different_body_is_refused(feed):
    feed.post(reverse("api:transaction-list"), ROW, format="json", HTTP_IDEMPOTENCY_KEY="k-2")
    other = feed.post(
        reverse("api:transaction-list"), {**ROW, "amount": "1.00"}, format="json", HTTP_IDEMPOTENCY_KEY="k-2"
    )
    assert other.status_code == 422
    assert other.json()["type"] == "idempotency_key_reused"
    assert Transaction.objects.count() == 1


def test_a_rejected_request_does_not_burn_its_key(feed):
    bad = feed.post(reverse("api:transaction-list"), {**ROW, "amount": "-3"}, format="json", HTTP_IDEMPOTENCY_KEY="k-3")
    assert bad.status_code == 400
    assert "amount" in bad.json()["errors"]
    # A 400 is the answer for that body: the same body gets it again; a corrected body needs a new key.
    assert feed.post(reverse("api:transaction-list"), ROW, format="json", HTTP_IDEMPOTENCY_KEY="k-4").status_code == 201


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"amount": "abc"}, "amount"),
        ({"amount": "0"}, "amount"),
        ({"occurred_at": "yesterday"}, "occurred_at"),
        ({"currency": "US"}, "currency"),
        ({"kind": "teleport"}, "kind"),
        ({"label": "maybe"}, "label"),
    ],
)
def test_bad_fields_get_a_400_naming_the_field(feed, change, field):
    response = feed.post(reverse("api:transaction-list"), {**ROW, **change}, format="json")
    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert not Transaction.objects.exists()


def test_batch_is_all_or_nothing_with_errors_by_row(feed):
    rows = [ROW, {**ROW, "external_id": "T-101", "amount": "oops"}, {**ROW, "external_id": "T-102"}]
    response = feed.post(reverse("api:transaction-batch"), {"transactions": rows}, format="json")
    assert response.status_code == 400
    errors = response.json()["errors"]["transactions"]
    assert list(errors) == ["1"]  # only the failing row, by its index
    assert "amount" in errors["1"]
    assert not Transaction.objects.exists()

    good = [{**ROW, "external_id": f"T-{i}", "amount": "10.00"} for i in range(5)]
    ok = feed.post(reverse("api:transaction-batch"), {"transactions": good}, format="json")
    assert ok.status_code == 201
    assert ok.json()["count"] == 5
    assert [r["external_id"] for r in ok.json()["results"]] == [f"T-{i}" for i in range(5)]


def test_batch_over_the_limit_is_refused(feed, settings):
    rows = [{**ROW, "external_id": f"T-{i}"} for i in range(1001)]
    response = feed.post(reverse("api:transaction-batch"), {"transactions": rows}, format="json")
    assert response.status_code == 400
    assert not Transaction.objects.exists()


def test_a_read_only_token_cannot_submit(db):
    user = make_user(Role.INTEGRATION, email="ro@bank.test")
    _, key = account_services.api_token_create(actor=None, user=user, name="ro", scopes=["read"])
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    response = client.post(reverse("api:transaction-list"), ROW, format="json")
    assert response.status_code == 403
    assert "scope" in response.json()["detail"]


def test_account_numbers_are_masked_unless_the_caller_may_see_them(feed, db):
    feed.post(reverse("api:customer-list"), {"external_id": "C-9", "full_name": "Ada"}, format="json")
    created = feed.post(reverse("api:account-list"), {"customer": "C-9", "number": "123456789012"}, format="json")
    assert created.status_code == 201
    assert created.json()["account_number"] == "••••9012"
    compliance = make_user(Role.COMPLIANCE, email="c@bank.test")
    client = APIClient()
    client.force_login(compliance)
    listed = client.get(reverse("api:account-list")).json()["results"]
    assert listed[0]["account_number"] == "123456789012"


def test_deposit_and_overdraft_over_the_api(feed):
    feed.post(reverse("api:customer-list"), {"external_id": "C-9", "full_name": "Ada"}, format="json")
    acc = feed.post(reverse("api:account-list"), {"customer": "C-9", "number": "123456789012"}, format="json").json()
    dep = feed.post(reverse("api:account-deposit", args=[acc["id"]]), {"amount": "100.00"}, format="json")
    assert dep.status_code == 201 and dep.json()["kind"] == "deposit"
    over = feed.post(reverse("api:account-withdraw", args=[acc["id"]]), {"amount": "100.01"}, format="json")
    assert over.status_code == 400
    assert "Insufficient funds" in over.json()["errors"]["non_field_errors"][0]
    assert feed.get(reverse("api:account-detail", args=[acc["id"]])).json()["balance"] == "100.00"


def test_rule_approval_over_the_api_needs_a_second_person(db):
    analyst, supervisor = make_user(Role.ANALYST), make_user(Role.SUPERVISOR)
    a, s = APIClient(), APIClient()
    a.force_login(analyst)
    s.force_login(supervisor)
    spec = {"code": "api-rule", "name": "N", "explanation": "E", "weight": 10,
            "condition": {"field": "amount", "op": "gt", "value": 5}}  # fmt: skip
    bad = a.post(
        reverse("api:rule-list"), {**spec, "condition": {"field": "nope", "op": "gt", "value": 1}}, format="json"
    )
    assert bad.status_code == 400 and "unknown field" in str(bad.json()["errors"]["condition"])
    rule = s.post(reverse("api:rule-list"), spec, format="json").json()
    s.post(reverse("api:rule-submit", args=[rule["id"]]))
    own = s.post(reverse("api:rule-approve", args=[rule["id"]]), {}, format="json")
    assert own.status_code == 400 and "someone other than its author" in own.json()["errors"]["non_field_errors"][0]


@pytest.mark.django_db(transaction=True)
def test_concurrent_repeats_with_one_key_store_one_transaction(feed):
    if connection.vendor == "sqlite":
        pytest.skip("Needs concurrent connections to a server database; CI runs this on MariaDB.")
    statuses, bodies = [], []

    def send():
        try:
            r = feed.post(reverse("api:transaction-list"), ROW, format="json", HTTP_IDEMPOTENCY_KEY="race-1")
            statuses.append(r.status_code)
            bodies.append(r.json())
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert Transaction.objects.count() == 1
    assert IdempotencyKey.objects.count() == 1
    assert set(statuses) <= {201, 409}
    assert all(
        b["id"] == bodies[statuses.index(201)]["id"] for b, st in zip(bodies, statuses, strict=True) if st == 201
    )


@pytest.mark.parametrize(("amount", "description", "at", "alerts"), [
    ("42.50", "groceries", "2026-03-04T12:00:00Z", False),
    ("12000.00", "gift card", "2026-03-04T23:30:00Z", True),
])  # fmt: skip
def test_the_fast_transaction_answer_matches_the_declared_serializer(feed, checking, amount, description, at, alerts):
    from rest_framework import serializers
    from rest_framework.test import APIRequestFactory

    from apps.transactions.api.serializers import TransactionSerializer

    body = {"customer_ref": "C-1001", "account_number": "000123456789", "amount": amount,
            "description": description, "occurred_at": at}  # fmt: skip
    answered = feed.post(reverse("api:transaction-list"), body, format="json").json()
    txn = Transaction.objects.select_related("account", "alert").get(pk=answered["id"])
    request = APIRequestFactory().get("/")
    serializer = TransactionSerializer(txn, context={"request": request})
    declared = serializers.ModelSerializer.to_representation(serializer, txn)  # DRF's own field-by-field path
    assert serializer.data == declared
    assert answered == {**declared, "url": answered["url"]}
    assert (declared["alert"] is not None) == alerts and declared["account"] == "••••6789"


def test_the_same_id_sent_again_without_a_key_answers_409_with_the_stored_one(feed):
    first = feed.post(reverse("api:transaction-list"), ROW, format="json")
    again = feed.post(reverse("api:transaction-list"), ROW, format="json")
    assert first.status_code == 201 and again.status_code == 409
    body = again.json()
    assert body["type"] == "already_stored" and body["id"] == first.json()["id"]
    assert body["url"].endswith(reverse("api:transaction-detail", args=[first.json()["id"]]))
    assert Transaction.objects.count() == 1 and Alert.objects.count() == 1  # no second alert, case unchanged
    assert feed.get(body["url"]).json()["external_id"] == ROW["external_id"]


def test_a_batch_repeating_an_id_is_refused_naming_the_row(feed):
    rows = [ROW, {**ROW, "external_id": "T-101"}, {**ROW, "amount": "5.00"}]
    response = feed.post(reverse("api:transaction-batch"), {"transactions": rows}, format="json")
    assert response.status_code == 400
    errors = response.json()["errors"]["transactions"]
    assert errors[2]["external_id"] == ["The id T-100 is already row 0 of this batch."] and not errors[0]
    assert not Transaction.objects.exists()
    feed.post(reverse("api:transaction-list"), ROW, format="json")
    stored_before = feed.post(reverse("api:transaction-batch"), {"transactions": rows[:2]}, format="json")
    assert stored_before.status_code == 409 and stored_before.json()["type"] == "already_stored"
    assert Transaction.objects.count() == 1  # all or none


def test_a_time_beyond_the_clock_tolerance_is_refused(feed, settings):
    from datetime import timedelta

    from django.utils import timezone

    settings.TRANSACTION_FUTURE_TOLERANCE_MINUTES = 60
    ahead = (timezone.now() + timedelta(days=2)).isoformat()
    refused = feed.post(reverse("api:transaction-list"), {**ROW, "occurred_at": ahead}, format="json")
    assert refused.status_code == 400 and "in the future" in refused.json()["errors"]["occurred_at"][0]
    soon = (timezone.now() + timedelta(minutes=30)).isoformat()
    assert feed.post(reverse("api:transaction-list"), {**ROW, "occurred_at": soon}, format="json").status_code == 201


def test_the_database_itself_refuses_a_second_transaction_with_one_id(db):
    from django.db import IntegrityError, transaction

    from apps.transactions.choices import Source

    Transaction.objects.create(external_id="X-1", source=Source.API, kind="payment", amount="1.00",
                               occurred_at="2026-03-04T12:00:00Z")  # fmt: skip
    Transaction.objects.create(external_id="", source=Source.API, kind="payment", amount="1.00",
                               occurred_at="2026-03-04T12:00:00Z")  # fmt: skip
    Transaction.objects.create(external_id="", source=Source.API, kind="payment", amount="2.00",
                               occurred_at="2026-03-04T12:00:00Z")  # blank ids may repeat  # fmt: skip
    with pytest.raises(IntegrityError), transaction.atomic():
        Transaction.objects.create(external_id="X-1", source=Source.API, kind="payment", amount="1.00",
                                   occurred_at="2026-03-04T12:00:00Z")  # fmt: skip
