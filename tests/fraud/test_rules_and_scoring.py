from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from apps.core.models import AuditEvent
from apps.fraud import selectors, services
from apps.fraud.models import Alert, Rule
from apps.fraud.rules.conditions import ConditionError, validate
from apps.fraud.rules.features import Current, Event, compute
from apps.transactions import services as txn_services
from apps.transactions.models import Transaction

UTC_TZ = ZoneInfo("UTC")


def _ingest(**row):
    row.setdefault("customer_ref", "E-7")
    row.setdefault("occurred_at", datetime(2026, 3, 4, 14, 0, tzinfo=UTC))  # a Wednesday afternoon
    return txn_services.transaction_ingest(actor=None, data=row)


# ---------------------------------------------------------------- golden employee-expense rows
@pytest.mark.parametrize(
    ("amount", "description", "hour", "decision", "severity"),
    [
        ("12000.00", "Gift card purchase", 23.5, "block", "high"),  # the seed's HIGH case
        ("10000.01", "Conference travel", 14, "review", "medium"),  # anything above 10,000 alerts
        ("10000.00", "Conference travel", 14, "approve", None),  # 10,000 itself does not
        ("85.20", "Team lunch", 13, "approve", None),
        ("300.00", "Gaming subscription", 23, "review", "medium"),  # keyword 25 + night 15 reaches review (40)
    ],
)
def test_golden_employee_expense_rows(db, amount, description, hour, decision, severity):
    when = datetime(2026, 3, 4, int(hour), int((hour % 1) * 60), tzinfo=UTC)
    txn = _ingest(amount=amount, description=description, occurred_at=when, kind="expense")
    assert txn.decision == decision
    alert = Alert.objects.filter(transaction=txn).first()
    assert (alert.severity if alert else None) == severity


def test_the_high_case_explains_itself(db):
    txn = _ingest(
        amount="12000", description="Gift card purchase", occurred_at=datetime(2026, 3, 4, 23, 30, tzinfo=UTC)
    )
    assert txn.score == 90
    assert [r["rule"] for r in txn.reasons] == ["large-amount", "risky-keywords", "night-time"]
    assert txn.reasons[0]["explanation"] == "Amount above 10,000"
    assert txn.rule_set_version.startswith("rs-")


@pytest.mark.django_db(transaction=True)
def test_an_api_transaction_is_scored_before_its_write_transaction_opens(monkeypatch):
    """On SQLite a write transaction holds the database's one write lock, which every other worker
    waits for: the history is read and scored first, and only the INSERTs are in the transaction.
    Inside a batch (the caller's transaction) each row still sees the rows stored before it."""
    from django.db import connection

    real, seen = services.transaction_score, []

    def score(txn):  # whether a transaction is open, and the customer's count over the day before
        seen.append((connection.in_atomic_block, selectors.features_from_db(txn).row(0)["cust_count_1d"]))
        return real(txn)

    monkeypatch.setattr(services, "transaction_score", score)
    first = _ingest(amount="40.00", external_id="A1")
    assert (seen, Transaction.objects.filter(pk=first.pk, score=first.score).exists()) == ([(False, 0)], True)
    when = datetime(2026, 3, 4, 15, 0, tzinfo=UTC)
    rows = [{"customer_ref": "E-7", "amount": "50.00", "occurred_at": when + timedelta(minutes=i)} for i in range(2)]
    txn_services.transaction_ingest_batch(actor=None, rows=rows)
    assert seen[1:] == [(True, 1), (True, 2)]  # each row of the batch counted the ones stored before it


# ---------------------------------------------------------------- features
def _ev(minutes_ago, amount, now, **kw):
    return Event(now - timedelta(minutes=minutes_ago), Decimal(amount), **kw)


def test_features_count_and_sum_each_window_and_spot_new_locations():
    now = datetime(2026, 3, 4, 12, 0, tzinfo=UTC)
    history = [
        _ev(30, "10", now, location="Paris", payee="Shop"),
        _ev(60 * 5, "20", now, location="Paris", payee="Shop"),
        _ev(60 * 24 * 3, "30", now, location="Lyon", payee="Cafe"),
        _ev(60 * 24 * 20, "40", now, location="Paris", payee="Shop"),
        _ev(60 * 24 * 40, "999", now, location="Oslo", payee="Old"),  # outside 30 days
    ]
    f = compute(Current(now, Decimal("500"), location="Oslo", payee="Shop"), history, [], UTC_TZ)
    assert (f["cust_count_1h"], f["cust_sum_1h"]) == (1, Decimal("10"))
    assert (f["cust_count_1d"], f["cust_sum_1d"]) == (2, Decimal("30"))
    assert (f["cust_count_7d"], f["cust_count_30d"], f["cust_sum_30d"]) == (3, 4, Decimal("100"))
    assert f["cust_avg_amount_30d"] == Decimal("25.00")
    assert f["amount_to_avg_ratio"] == 20.0
    assert f["is_new_location"] is True  # Oslo was 40 days ago: forgotten
    assert f["is_new_payee"] is False


def test_terminal_risk_only_counts_fraud_known_at_the_time():
    now = datetime(2026, 3, 30, tzinfo=UTC)
    known = now - timedelta(days=9)
    late = now + timedelta(days=2)  # labelled after the transaction being scored
    term = [
        Event(now - timedelta(days=10), Decimal("5"), terminal_id="T1", is_fraud_known_at=known),
        Event(now - timedelta(days=11), Decimal("5"), terminal_id="T1", is_fraud_known_at=late),
        Event(now - timedelta(days=12), Decimal("5"), terminal_id="T1"),
        Event(now - timedelta(days=13), Decimal("5"), terminal_id="T1"),
        Event(now - timedelta(days=2), Decimal("5"), terminal_id="T1", is_fraud_known_at=known),  # inside the delay
    ]
    f = compute(Current(now, Decimal("5"), terminal_id="T1"), [], term, UTC_TZ)
    assert f["term_fraud_count_28d"] == 1
    assert f["term_fraud_rate_28d"] == 0.25


@pytest.mark.parametrize(
    ("condition", "message"),
    [
        ({"field": "amountt", "op": "gt", "value": 1}, "unknown field"),
        ({"field": "amount", "op": "greater", "value": 1}, "unknown operator"),
        ({"field": "amount", "op": "gt"}, "needs a value"),
        ({"field": "amount", "op": "gt", "value": "lots"}, "needs numbers"),
        ({"field": "description", "op": "contains_any", "value": "gift"}, "needs a list"),
        ({"all": []}, "non-empty list"),
        ({"any": [{"field": "amount", "op": "between", "value": [1]}]}, r"any\[0\]: 'between' needs"),
    ],
)
def test_invalid_conditions_are_refused_with_where_and_why(condition, message):
    with pytest.raises(ConditionError, match=message):
        validate(condition)


# ---------------------------------------------------------------- rule versioning, maker-checker
def test_rule_lifecycle_needs_a_second_person_and_keeps_the_old_version(analyst, supervisor):
    old = Rule.objects.get(code="large-amount", status="active")
    draft = services.rule_draft_create(
        actor=analyst, code="large-amount", name="Large amount", explanation="Above 8,000",
        condition={"field": "amount", "op": "gt", "value": 8000}, weight=50,
    )  # fmt: skip
    assert draft.version == old.version + 1
    services.rule_submit(actor=analyst, rule=draft)

    with pytest.raises(PermissionDenied):
        services.rule_approve(actor=analyst, rule=draft)  # analysts hold no approve permission
    supervisor_draft = services.rule_draft_create(
        actor=supervisor, code="own-rule", name="Own", explanation="x",
        condition={"field": "amount", "op": "gt", "value": 1}, weight=1,
    )  # fmt: skip
    services.rule_submit(actor=supervisor, rule=supervisor_draft)
    with pytest.raises(ValidationError, match="someone other than its author"):
        services.rule_approve(actor=supervisor, rule=supervisor_draft)

    services.rule_approve(actor=supervisor, rule=draft)
    old.refresh_from_db()
    draft.refresh_from_db()
    assert (old.status, draft.status) == ("retired", "active")
    assert draft.approved_by == supervisor
    assert AuditEvent.objects.filter(action="rule.approve", object_id=str(draft.pk)).exists()
    assert _ingest(amount="9000", description="x").decision == "review"  # the new version scores


def test_only_drafts_can_be_edited_and_edits_clear_the_backtest(analyst):
    draft = services.rule_draft_create(
        actor=analyst, code="tiny", name="Tiny", explanation="x", condition={"field": "amount", "op": "lt", "value": 1},
        weight=5,
    )  # fmt: skip
    draft.backtest = {"alerts": 1}
    draft.save()
    services.rule_draft_update(actor=analyst, rule=draft, weight=7)
    assert draft.backtest is None and draft.weight == 7
    services.rule_submit(actor=analyst, rule=draft)
    with pytest.raises(ValidationError, match="Only a draft"):
        services.rule_draft_update(actor=analyst, rule=draft, weight=9)


def test_backtest_counts_alerts_and_precision_recall_on_a_hand_made_history(analyst):
    base = datetime(2026, 2, 2, 12, 0, tzinfo=UTC)
    rows = [  # amount, label
        ("50", "legitimate"), ("12000", "fraud"), ("15000", "legitimate"), ("70", "fraud"), ("11000", "fraud"),
        ("20", ""),
    ]  # fmt: skip
    for i, (amount, label) in enumerate(rows):
        _ingest(amount=amount, label=label, occurred_at=base + timedelta(hours=i), customer_ref=f"B{i}")
    draft = services.rule_draft_create(
        actor=analyst, code="over-10k", name="Over 10k", explanation="x",
        condition={"field": "amount", "op": "gt", "value": 10000}, weight=50,
    )  # fmt: skip
    result = services.rule_backtest(actor=analyst, rule=draft, start=base, end=base + timedelta(days=1))
    assert (result["transactions"], result["alerts"], result["labelled"]) == (6, 3, 5)
    assert (result["true_positives"], result["false_positives"], result["false_negatives"]) == (2, 1, 1)
    assert result["precision"] == pytest.approx(2 / 3, abs=1e-4)
    assert result["recall"] == pytest.approx(2 / 3, abs=1e-4)
    draft.refresh_from_db()
    assert draft.backtest["alerts"] == 3
