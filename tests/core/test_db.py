"""The column-wise insert stores exactly what Django's bulk_create stores; a compiled query reads exactly
what the ORM reads."""

import json
import threading
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from django.db import connection

from apps.core.db import CompiledQuery, db_datetime, db_datetimes, insert_columns
from apps.core.money import AMOUNT_MAX as TOP
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
    assert (orm["external_id_key"], fast["external_id_key"]) == ("ORM", "FAST")  # the database derives it
    for row in (orm, fast):
        del row["id"], row["external_id"], row["external_id_key"], row["created_at"]
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
        "terminal_id": "", "payee": "", "amount": [Decimal("12.30"), TOP, *[Decimal("1")] * (n - 2)],
        "currency": "USD", "occurred_at": when, "location": "", "description": awkward, "score": 0,
        "decision": "approve", "reasons": "[]", "model_version": "", "rule_set_version": "", "label": "",
        "created_at": when[0],
    })  # fmt: skip
    stored = dict(Transaction.objects.values_list("external_id", "customer_ref"))
    assert stored == {f"ID-{i}": text for i, text in enumerate(awkward)}
    assert Transaction.objects.get(external_id="ID-1").amount == TOP


def _by_customer_since(ref, since):
    return (
        Transaction.objects.filter(customer_ref=ref, occurred_at__gte=since)
        .order_by("external_id")
        .values_list("external_id", "amount", "occurred_at", "reasons", "labelled_at", "account__number")
    )


def test_a_compiled_query_reads_what_the_orm_reads_with_each_call_s_parameters(db, checking):
    """Decimals, aware datetimes, JSON, NULLs and a decrypted account number through a join, for
    different parameters on each call (the SQL was built for the first)."""
    oslo = ZoneInfo("Europe/Oslo")
    Transaction.objects.bulk_create([
        _txn("A", datetime(2026, 3, 4, 23, 30, 15, 123456, tzinfo=oslo), checking),
        _txn("B", datetime(2026, 3, 5, 9, 0, tzinfo=oslo)),
    ])  # fmt: skip
    Transaction.objects.filter(external_id="B").update(customer_ref="E-2", labelled_at=None)
    query = CompiledQuery(_by_customer_since, str, datetime)
    calls = [
        ("E-1", datetime(2026, 3, 1, tzinfo=oslo)),
        ("E-2", datetime(2026, 3, 5, 8, 59, tzinfo=oslo)),
        ("E-2", datetime(2026, 3, 5, 9, 0, 1, tzinfo=oslo)),
        ("'; DROP TABLE x; --", datetime(2026, 1, 1, tzinfo=oslo)),
    ]
    for ref, since in calls:
        assert query.rows(ref, since) == list(_by_customer_since(ref, since))
    first = query.rows("E-1", datetime(2026, 3, 4, 23, 30, 15, 123456, tzinfo=oslo))
    utc = ZoneInfo("UTC")
    assert first == [
        ("A", Decimal("12000.05"), datetime(2026, 3, 4, 22, 30, 15, 123456, tzinfo=utc), REASONS,
         datetime(2026, 3, 6, 22, 30, 15, 123456, tzinfo=utc), "000123456789"),
    ]  # fmt: skip
    assert query.rows("E-2", datetime(2026, 3, 5, 9, 0, 1, tzinfo=oslo)) == []


def test_a_compiled_query_built_in_one_thread_runs_in_another(transactional_db):
    """Each thread has its own connection; the SQL built on one serves them all."""
    when = datetime(2026, 3, 4, 23, 30, tzinfo=ZoneInfo("UTC"))
    Transaction.objects.bulk_create([_txn("A", when)])
    query = CompiledQuery(_by_customer_since, str, datetime)
    assert query.rows("E-1", when) == list(_by_customer_since("E-1", when)) != []

    def elsewhere():
        try:
            found.extend(query.rows("E-1", when))
        finally:
            connection.close()

    found: list = []
    thread = threading.Thread(target=elsewhere)
    thread.start()
    thread.join()
    assert found == list(_by_customer_since("E-1", when))


def test_a_compiled_query_refuses_a_parameter_the_orm_rewrites(db):
    """A LIKE pattern is built from the value: the SQL cannot be reused for another value."""
    query = CompiledQuery(lambda text: Transaction.objects.filter(payee__contains=text).values_list("pk"), str)
    with pytest.raises(ValueError, match="unchanged"):
        query.rows("Shop")
