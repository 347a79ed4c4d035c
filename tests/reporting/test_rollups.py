"""The daily rollups equal the facts: after random inserts, corrections and deletions, each day recomputed
whole gives the same counts and sums as the transactions themselves, on the bank's days."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.utils import timezone

from apps.reporting.models import AlertRollup, RollupCursor, TransactionRollup
from apps.reporting.rollups import bank_day, day_bounds, rollup_days, rollups_follow
from apps.transactions import services as txn_services
from apps.transactions.models import Transaction

pytestmark = pytest.mark.django_db

KINDS = ["payment", "deposit", "withdrawal", "transfer"]


def _ingest(rng: random.Random, n: int, start: datetime) -> list[Transaction]:
    made = []
    for i in range(n):
        row = {"customer_ref": f"C-{rng.randint(1, 6)}", "kind": rng.choice(KINDS),
               "amount": f"{rng.randint(1, 500_000) / 100:.2f}", "currency": rng.choice(["USD", "INR"]),
               "channel": rng.choice(["card", "cash", "transfer", ""]),
               "occurred_at": start + timedelta(minutes=rng.randint(0, 4 * 24 * 60)),
               "external_id": f"R-{start:%j}-{i}"}  # fmt: skip
        made.append(txn_services.transaction_ingest(actor=None, data=row))
    return made


def _facts() -> dict:
    """(day, channel, kind, currency, decision) → [count, amount, fraud count, fraud amount], from the rows."""
    out: dict = defaultdict(lambda: [0, Decimal(0), 0, Decimal(0)])
    for t in Transaction.objects.all():
        entry = out[(bank_day(t.occurred_at), t.channel, t.kind, t.currency, t.decision)]
        entry[0] += 1
        entry[1] += t.amount
        if t.label == "fraud":
            entry[2] += 1
            entry[3] += t.amount
    return dict(out)


def _rolled() -> dict:
    out: dict = defaultdict(lambda: [0, Decimal(0), 0, Decimal(0)])
    for r in TransactionRollup.objects.all():  # a branch splits a key further: add the branches up
        entry = out[(r.day, r.channel, r.kind, r.currency, r.decision)]
        entry[0] += r.count
        entry[1] += r.amount
        entry[2] += r.fraud_count
        entry[3] += r.fraud_amount
    return dict(out)


def _days() -> set:
    return {bank_day(at) for at in Transaction.objects.values_list("occurred_at", flat=True)}


@pytest.mark.parametrize("zone", ["UTC", "Asia/Kolkata"])
def test_rollups_equal_the_facts_after_inserts_corrections_and_deletions(settings, zone):
    settings.TIME_ZONE = zone
    rng = random.Random(zone)
    start = datetime(2026, 11, 1, tzinfo=UTC)
    _ingest(rng, 60, start)
    rollup_days(_days())
    assert _rolled() == _facts()

    rows = list(Transaction.objects.order_by("?")[:15])
    for t in rows[:10]:  # corrections in place: a fraud label, a decision
        Transaction.objects.filter(pk=t.pk).update(label="fraud", decision=rng.choice(["approve", "review", "decline"]))
    touched = {bank_day(t.occurred_at) for t in rows}
    Transaction.objects.filter(pk__in=[t.pk for t in rows[10:]], alert__isnull=True).delete()
    _ingest(rng, 20, start + timedelta(days=1))
    rollup_days(touched | _days())
    assert _rolled() == _facts()
    rollup_days(_days())  # again: nothing changes
    assert _rolled() == _facts()


def test_a_bank_day_runs_from_its_midnight_in_the_bank_s_zone(settings):
    settings.TIME_ZONE = "Asia/Kolkata"
    start, end = day_bounds(datetime(2026, 11, 5).date())
    assert (start.astimezone(UTC), end.astimezone(UTC)) == (datetime(2026, 11, 4, 18, 30, tzinfo=UTC),
                                                            datetime(2026, 11, 5, 18, 30, tzinfo=UTC))  # fmt: skip
    late = datetime(2026, 11, 4, 19, 0, tzinfo=UTC)  # 00:30 on the 5th in India
    txn_services.transaction_ingest(actor=None, data={"customer_ref": "C-IN", "kind": "deposit", "amount": "100.00",
                                                      "currency": "INR", "occurred_at": late})  # fmt: skip
    rollup_days([late.astimezone(ZoneInfo("Asia/Kolkata")).date()])
    assert list(TransactionRollup.objects.values_list("day", "count")) == [(datetime(2026, 11, 5).date(), 1)]


def test_following_new_rows_recomputes_their_days_once_and_moves_on():
    now = timezone.now()
    for i in range(3):
        txn_services.transaction_ingest(actor=None, data={"customer_ref": "C-F", "kind": "deposit", "amount": "10.00",
                                                          "occurred_at": now - timedelta(days=i)})  # fmt: skip
    assert rollups_follow()["days"] == 3
    assert sum(TransactionRollup.objects.values_list("count", flat=True)) == 3
    assert RollupCursor.objects.get(name="transactions").last_id == Transaction.objects.latest("pk").pk
    assert rollups_follow()["days"] == 0  # nothing new
    txn_services.transaction_ingest(actor=None, data={"customer_ref": "C-F", "kind": "deposit", "amount": "10.00",
                                                      "occurred_at": now})  # fmt: skip
    assert rollups_follow()["days"] == 1
    assert sum(TransactionRollup.objects.values_list("count", flat=True)) == 4


def test_alerts_roll_up_by_day_severity_and_the_rule_that_weighed_most():
    from apps.fraud.models import Alert

    now = timezone.now()
    for severity, rule in (("high", "big-amount"), ("high", "big-amount"), ("low", "night")):
        Alert.objects.create(subject="customer:C-A", severity=severity, score=50, decision="review",
                             reasons=[{"rule": "minor", "weight": 5}, {"rule": rule, "weight": 40}])  # fmt: skip
    rollup_days([bank_day(now)])
    rows = set(AlertRollup.objects.values_list("severity", "rule", "count"))
    assert rows == {("high", "big-amount", 2), ("low", "night", 1)}


def test_the_command_recomputes_from_a_day_and_says_how_long_it_took(capsys):
    txn_services.transaction_ingest(actor=None, data={"customer_ref": "C-C", "kind": "deposit", "amount": "5.00",
                                                      "occurred_at": timezone.now() - timedelta(days=20)})  # fmt: skip
    call_command("refresh_rollups", "--all")
    out = capsys.readouterr().out
    assert out.startswith("21 day(s) recomputed") and out.rstrip().endswith(" s")
    assert TransactionRollup.objects.get().count == 1
