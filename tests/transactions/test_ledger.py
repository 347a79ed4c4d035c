import threading
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Sum
from django.utils import timezone

from apps.core.models import AuditEvent
from apps.transactions import selectors, services
from apps.transactions.models import BankAccount, JournalEntry, Posting, Transaction


def _balance(account):
    return BankAccount.objects.get(pk=account.pk).balance


def test_deposit_withdraw_transfer_are_balanced_double_entries(checking, savings, supervisor):
    services.ledger_deposit(actor=supervisor, account=checking, amount="1000.00", reference="D1")
    services.ledger_withdraw(actor=supervisor, account=checking, amount="150.50")
    services.ledger_transfer(actor=supervisor, source=checking, destination=savings, amount="200")
    assert _balance(checking) == Decimal("649.50")
    assert _balance(savings) == Decimal("200.00")
    for journal in JournalEntry.objects.all():
        assert journal.postings.aggregate(s=Sum("amount"))["s"] == 0
    assert Posting.objects.aggregate(s=Sum("amount"))["s"] == 0  # money is never created or lost
    assert AuditEvent.objects.filter(action__startswith="ledger.").count() == 3
    assert Transaction.objects.filter(source="ledger", journal__isnull=False).count() == 3


def test_overdraft_is_refused_and_nothing_is_written(checking, supervisor):
    services.ledger_deposit(actor=supervisor, account=checking, amount="100")
    journals, postings = JournalEntry.objects.count(), Posting.objects.count()
    with pytest.raises(ValidationError, match="Insufficient funds"):
        services.ledger_withdraw(actor=supervisor, account=checking, amount="100.01")
    assert _balance(checking) == Decimal("100.00")
    assert (JournalEntry.objects.count(), Posting.objects.count()) == (journals, postings)


def test_an_allowed_overdraft_may_be_used_up_to_its_limit(customer, supervisor):
    acc = services.account_open(actor=None, customer=customer, number="55550001", overdraft_limit=Decimal("500"))
    services.ledger_withdraw(actor=supervisor, account=acc, amount="500")
    assert _balance(acc) == Decimal("-500.00")
    with pytest.raises(ValidationError):
        services.ledger_withdraw(actor=supervisor, account=acc, amount="0.01")


def test_frozen_accounts_and_foreign_currencies_cannot_move_money(checking, customer, supervisor):
    euros = services.account_open(actor=None, customer=customer, number="EU12345678", currency="EUR")
    services.ledger_deposit(actor=supervisor, account=checking, amount="50")
    with pytest.raises(ValidationError, match="EUR"):
        services.ledger_transfer(actor=supervisor, source=checking, destination=euros, amount="10")
    BankAccount.objects.filter(pk=checking.pk).update(status="frozen")
    with pytest.raises(ValidationError, match="frozen"):
        services.ledger_withdraw(actor=supervisor, account=checking, amount="10")


@pytest.mark.parametrize("bad", ["0", "-5", "abc", "1e30", "NaN"])
def test_bad_amounts_are_refused(checking, supervisor, bad):
    with pytest.raises(ValidationError, match="amount"):
        services.ledger_deposit(actor=supervisor, account=checking, amount=bad)


def test_loan_disbursement_and_repayment(customer, checking, supervisor):
    loan = services.account_open(
        actor=None, customer=customer, number="LN00000042", type="loan", overdraft_limit=Decimal("5000")
    )
    services.ledger_disburse(actor=supervisor, loan=loan, destination=checking, amount="5000")
    assert (_balance(loan), _balance(checking)) == (Decimal("-5000.00"), Decimal("5000.00"))
    with pytest.raises(ValidationError):
        services.ledger_disburse(actor=supervisor, loan=loan, destination=checking, amount="1")  # over the limit
    services.ledger_repay(actor=supervisor, loan=loan, source=checking, amount="1200")
    assert _balance(loan) == Decimal("-3800.00")
    with pytest.raises(ValidationError, match="more than"):
        services.ledger_repay(actor=supervisor, loan=loan, source=checking, amount="3800.01")


def test_review_is_posted_with_an_alert_and_block_is_recorded_but_not_posted(checking, supervisor, monkeypatch):
    from apps.fraud.models import Alert, Rule

    # A Wednesday afternoon: on a weekend night the night-time and weekend rules would add 20 and block.
    monkeypatch.setattr(timezone, "now", lambda: datetime(2026, 11, 18, 14, 30, tzinfo=UTC))
    services.ledger_deposit(actor=supervisor, account=checking, amount="50000")
    review = services.ledger_withdraw(actor=supervisor, account=checking, amount="12000", description="gift cards")
    assert (review.decision, review.score) == ("review", 75) and review.journal is not None  # 50 + 25
    assert Alert.objects.filter(transaction=review).exists()
    assert _balance(checking) == Decimal("38000.00")

    Rule.objects.create(
        code="cash-out-cap", version=1, name="Cap", explanation="Cash-out over 30,000", weight=100, status="active",
        condition={"all": [{"field": "kind", "op": "eq", "value": "withdrawal"},
                           {"field": "amount", "op": "gt", "value": 30000}]},
    )  # fmt: skip
    blocked = services.ledger_withdraw(actor=supervisor, account=checking, amount="35000")
    assert blocked.decision == "block" and blocked.journal is None
    assert Alert.objects.get(transaction=blocked).severity == "high"
    assert _balance(checking) == Decimal("38000.00")
    assert AuditEvent.objects.filter(action="ledger.withdrawal.blocked").exists()


def test_account_numbers_are_encrypted_at_rest_and_found_by_blind_index(checking):
    with connection.cursor() as cur:
        cur.execute("SELECT number FROM transactions_bankaccount WHERE id = %s", [checking.pk])
        (raw,) = cur.fetchone()
    assert "000123456789" not in raw
    assert BankAccount.objects.get(pk=checking.pk).number == "000123456789"
    assert selectors.account_by_number("0001 2345 6789") == checking
    assert checking.masked_number.endswith("6789") and "0001" not in checking.masked_number
    with pytest.raises(TypeError, match="blind index"):
        BankAccount.objects.filter(number="000123456789").exists()


@pytest.mark.django_db(transaction=True)
def test_concurrent_withdrawals_never_overdraw_or_lose_money(django_db_blocker):
    if connection.vendor == "sqlite":
        pytest.skip("Row locks need a server database; CI runs this on MariaDB.")
    customer = services.customer_create(actor=None, external_id="C-CONC", full_name="Race")
    account = services.account_open(actor=None, customer=customer, number="RACE00001")
    services.ledger_deposit(actor=None, account=account, amount="1000")
    ok, refused = [], []

    def withdraw():
        try:
            services.ledger_withdraw(actor=None, account=account, amount="100")
            ok.append(1)
        except ValidationError:
            refused.append(1)
        finally:
            connection.close()

    threads = [threading.Thread(target=withdraw) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert (len(ok), len(refused)) == (10, 6)
    assert _balance(account) == Decimal("0.00")
    assert Posting.objects.filter(account=account).aggregate(s=Sum("amount"))["s"] == Decimal("0.00")


@pytest.mark.django_db(transaction=True)
def test_concurrent_opposite_transfers_do_not_deadlock(django_db_blocker):
    if connection.vendor == "sqlite":
        pytest.skip("Row locks need a server database; CI runs this on MariaDB.")
    customer = services.customer_create(actor=None, external_id="C-DL", full_name="Deadlock")
    a = services.account_open(actor=None, customer=customer, number="DLA000001")
    b = services.account_open(actor=None, customer=customer, number="DLB000001")
    services.ledger_deposit(actor=None, account=a, amount="1000")
    services.ledger_deposit(actor=None, account=b, amount="1000")
    errors = []

    def move(src, dst):
        try:
            for _ in range(10):
                services.ledger_transfer(actor=None, source=src, destination=dst, amount="7")
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=move, args=(a, b)), threading.Thread(target=move, args=(b, a))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert _balance(a) + _balance(b) == Decimal("2000.00")
