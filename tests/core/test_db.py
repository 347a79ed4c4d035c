"""The fast insert stores exactly what Django's bulk_create stores."""

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from apps.core.db import bulk_insert
from apps.transactions.models import Transaction


def _txn(external_id, account=None):
    when = datetime(2026, 3, 4, 23, 30, 15, 123456, tzinfo=ZoneInfo("Europe/Oslo"))
    return Transaction(
        external_id=external_id, source="file", kind="expense", customer_ref="E-1", account=account,
        terminal_id="T-9", payee="Shop «Ø»", amount=Decimal("12000.05"), currency="NOK", occurred_at=when,
        location="Oslo", description='gift card "x"', score=90, decision="block",
        reasons=[{"rule": "night", "weight": 15, "explanation": "Between 22:00 and 06:00"}],
        rule_set_version="rs-1", label="fraud", labelled_at=when + timedelta(days=2),
    )  # fmt: skip


def test_bulk_insert_stores_the_same_row_as_bulk_create(db, checking):
    Transaction.objects.bulk_create([_txn("ORM", checking)])
    bulk_insert([_txn("FAST", checking)])
    orm, fast = (Transaction.objects.filter(external_id=e).values().get() for e in ("ORM", "FAST"))
    assert fast["created_at"] is not None
    for row in (orm, fast):
        del row["id"], row["external_id"], row["created_at"]
    assert fast == orm
    assert fast["occurred_at"] == datetime(2026, 3, 4, 22, 30, 15, 123456, tzinfo=ZoneInfo("UTC"))
    assert fast["amount"] == Decimal("12000.05") and fast["reasons"][0]["rule"] == "night"
