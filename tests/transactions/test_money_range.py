"""Money has one declared range (0.01 to 999,999,999,999.99), enforced at every entry and by the
database, and stored exactly on every backend: one huge amount accepted once used to take the alert
list and case queue down for everyone."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from apps.cheques.fields import parse
from apps.core.money import BALANCE_MAX
from apps.fraud.models import Alert, Case
from apps.transactions import files, services
from apps.transactions.models import BankAccount, JournalEntry, Transaction

from .test_files import EXPENSE_HEADER, _ingest, _report

ROW = {"external_id": "T-1", "customer_ref": "E-9", "description": "Gift card purchase",
       "occurred_at": "2026-03-04T23:30:00Z", "kind": "expense"}  # fmt: skip
TOP = "999999999999.99"


@pytest.mark.parametrize("amount", ["9999999999999999.99", "12345678901234.56", "1000000000000.00", "1e400"])
def test_an_amount_past_the_range_is_refused_with_a_clear_error_and_stores_nothing(feed, amount):
    response = feed.post(reverse("api:transaction-list"), {**ROW, "amount": amount}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"]["amount"] == ["The amount must be at most 999,999,999,999.99."]
    assert not Transaction.objects.exists()


def test_the_largest_amount_is_stored_exactly_and_every_list_still_answers(feed, supervisor, client):
    assert feed.post(reverse("api:transaction-list"), {**ROW, "amount": TOP}, format="json").status_code == 201
    again = {**ROW, "external_id": "T-2", "amount": "12345678901.23"}
    assert feed.post(reverse("api:transaction-list"), again, format="json").status_code == 201
    stored = dict(Transaction.objects.values_list("external_id", "amount"))
    assert stored == {"T-1": Decimal(TOP), "T-2": Decimal("12345678901.23")}
    assert Alert.objects.count() == 2 and Case.objects.get().amount == Decimal(TOP) + Decimal("12345678901.23")

    client.force_login(supervisor)
    for name in ("fraud:alerts", "fraud:alerts_live", "fraud:cases"):
        page = client.get(reverse(name))
        assert page.status_code == 200, name
    assert "999,999,999,999.99 USD" in client.get(reverse("fraud:alerts")).content.decode()  # shown grouped
    for name in ("api:alert-list", "api:case-list", "api:transaction-list"):
        assert client.get(reverse(name)).status_code == 200, name
    assert feed.get(reverse("api:transaction-list")).json()["results"][-1]["amount"] == TOP


def test_a_negative_overdraft_limit_is_refused(feed, customer):
    body = {"customer": customer.external_id, "number": "000555666777", "overdraft_limit": "-500.00"}
    response = feed.post(reverse("api:account-list"), body, format="json")
    assert response.status_code == 400 and "overdraft_limit" in response.json()["errors"]
    with pytest.raises(ValidationError):
        services.account_open(actor=None, customer=customer, number="000555666778", overdraft_limit=Decimal("-1"))
    assert not BankAccount.objects.filter(overdraft_limit__lt=0).exists()


def test_the_ledger_refuses_amounts_and_balances_past_the_range(checking, supervisor):
    with pytest.raises(ValidationError, match=r"at most 999,999,999,999\.99"):
        services.ledger_deposit(actor=supervisor, account=checking, amount="1000000000000")
    near = BALANCE_MAX - Decimal("0.50")
    BankAccount.objects.filter(pk=checking.pk).update(balance=near)
    with pytest.raises(ValidationError, match=r"balance past 9,999,999,999,999\.99"):
        services.ledger_deposit(actor=supervisor, account=checking, amount="1.00")
    checking.refresh_from_db()
    assert checking.balance == near and not JournalEntry.objects.exists()


def test_a_csv_row_past_the_range_is_reported_and_the_rest_stored(db):
    record = _ingest(EXPENSE_HEADER + (
        "OK1,E1,10.00,Oslo,Taxi,2026-03-04 09:00:00\n"
        "BIG,E1,1000000000000.00,Oslo,Taxi,2026-03-04 09:00:00\n"
        "TINY,E1,0.001,Oslo,Taxi,2026-03-04 09:00:00\n"
        "OK2,E2,\"999,999,999,999.99\",Oslo,Hotel,2026-03-04 10:00:00\n"
    ))  # fmt: skip
    assert (record.status, record.rows_stored, record.rows_rejected) == ("done", 2, 2)
    errors = {row[0]: row[2] for row in _report(record)}
    assert errors == {"3": "the amount must be at most 999,999,999,999.99", "4": "the amount must be greater than zero"}
    assert Transaction.objects.get(external_id="OK2").amount == Decimal(TOP)


def test_a_plain_amount_column_past_the_range_is_reported_too(db):
    record = _ingest(EXPENSE_HEADER + "OK1,E1,10.00,Oslo,Taxi,2026-03-04 09:00:00\n"
                     "BIG,E1,1000000000000,Oslo,Taxi,2026-03-04 09:00:00\n")  # fmt: skip
    assert (record.rows_stored, record.rows_rejected) == (1, 1)
    assert files.TransactionFileError.objects.get().row_number == 3


@pytest.mark.parametrize("text", ["1000000000000.00", "$ 99,999,999,999,999,999,999.00"])
def test_keying_refuses_an_amount_past_the_range(text):
    with pytest.raises(ValidationError, match=r"at most 999,999,999,999\.99"):
        parse("amount", text)
    assert parse("amount", TOP) == Decimal(TOP)


def test_the_database_itself_refuses_an_amount_past_the_range(db, checking):
    services.ledger_deposit(actor=None, account=checking, amount="10.00")
    txn = Transaction.objects.get()
    for bad in (Decimal("1000000000000.00"), Decimal("0.00")):
        with pytest.raises(IntegrityError), transaction.atomic():
            Transaction.objects.filter(pk=txn.pk).update(amount=bad)
    with pytest.raises(IntegrityError), transaction.atomic():
        BankAccount.objects.filter(pk=checking.pk).update(overdraft_limit=Decimal("-5"))
