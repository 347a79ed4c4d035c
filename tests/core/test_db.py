"""The column-wise insert stores exactly what Django's bulk_create stores."""

import json
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from apps.core.db import db_datetime, db_datetimes, insert_columns
from apps.fraud.rules.features import cents_of, micros, money_text
from apps.transactions.models import Transaction

REASONS = [{"rule": "night", "weight": 15, "explanation": "Between 22:00 and 06:00 «Ø»"}]


def _txn(external_id, when, account=None):
    return Transaction(
        external_id=external_id, source="file", kind="expense", customer_ref="E-1", account=account,
        terminal_id="T-9", payee="Shop «Ø»", amount=Decimal("12000.05"), currency="NOK", occurred_at=when,
        location="Oslo", description='gift card "x"', score=90, decision="block", reasons=REASONS,
        rule_set_version="rs-1", label="fraud", labelled_at=when + timedelta(days=2),
    )  # fmt: skip


def _columns(txn: Transaction) -> dict:
    names = ["external_id", "source", "kind", "customer_ref", "terminal_id", "payee", "currency", "location",
             "description", "score", "decision", "model_version", "rule_set_version", "label"]  # fmt: skip
    columns = {name: [getattr(txn, name)] for name in names}
    columns.update(
        amount=money_text(np.array([cents_of(txn.amount)])),  # as file ingestion sends it: text from cents
        account=[txn.account_id], occurred_at=db_datetimes(np.array([micros(txn.occurred_at)])),
        labelled_at=[db_datetime(txn.labelled_at)], reasons=[json.dumps(txn.reasons)],
        created_at=db_datetime(txn.labelled_at),
    )  # fmt: skip
    return columns


@pytest.mark.parametrize("microsecond", [123456, 0])  # str() of a time shows its microseconds only when it has some
def test_insert_columns_stores_the_same_row_as_bulk_create(db, checking, microsecond):
    when = datetime(2026, 3, 4, 23, 30, 15, microsecond, tzinfo=ZoneInfo("Europe/Oslo"))
    Transaction.objects.bulk_create([_txn("ORM", when, checking)])
    insert_columns(Transaction, 1, _columns(_txn("FAST", when, checking)))
    orm, fast = (Transaction.objects.filter(external_id=e).values().get() for e in ("ORM", "FAST"))
    for row in (orm, fast):
        del row["id"], row["external_id"], row["created_at"]
    assert fast == orm
    assert fast["occurred_at"] == datetime(2026, 3, 4, 22, 30, 15, microsecond, tzinfo=ZoneInfo("UTC"))
    assert fast["amount"] == Decimal("12000.05") and fast["reasons"][0]["explanation"].endswith("«Ø»")
    # Lookups compare stored times: both rows must match the same exact time and ranges.
    assert Transaction.objects.filter(occurred_at=when).count() == 2
    assert Transaction.objects.filter(occurred_at__gte=when, occurred_at__lte=when).count() == 2


def test_insert_columns_refuses_columns_of_different_lengths(db):
    with pytest.raises(ValueError, match="one value per row"):
        insert_columns(Transaction, 2, {"external_id": ["A"], "source": "file"})
    assert not Transaction.objects.exists()


def test_insert_columns_stores_awkward_text_exactly(db):
    """Quotes, backslashes, SQL and non-ASCII text in one column; plain ids in another (on MySQL the two
    are escaped differently): every value reads back as sent, and nothing else runs."""
    awkward = ["it's", 'say "hi"', "back\\slash", "'); DROP TABLE transactions_transaction; --", "Ø «x»", "a\nb", ""]
    n = len(awkward)
    when = db_datetimes(np.array([micros(datetime(2026, 3, 4, 10, tzinfo=ZoneInfo("UTC")))] * n))
    assert money_text(np.array([-295, 5, 0, 123456])) == ["-2.95", "0.05", "0.00", "1234.56"]
    insert_columns(Transaction, n, {
        "external_id": [f"ID-{i}" for i in range(n)], "source": "file", "kind": "payment", "customer_ref": awkward,
        "terminal_id": "", "payee": "", "amount": [Decimal("12.30"), Decimal("-1.05"), *[Decimal("1")] * (n - 2)],
        "currency": "USD", "occurred_at": when, "location": "", "description": awkward, "score": 0,
        "decision": "approve", "reasons": "[]", "model_version": "", "rule_set_version": "", "label": "",
        "created_at": when[0],
    })  # fmt: skip
    stored = dict(Transaction.objects.values_list("external_id", "customer_ref"))
    assert stored == {f"ID-{i}": text for i, text in enumerate(awkward)}
    assert Transaction.objects.get(external_id="ID-1").amount == Decimal("-1.05")
