from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.utils import timezone

from apps.core.models import AuditEvent
from apps.transactions import selectors, services, tasks
from apps.transactions.models import BankAccount, Customer, DailyBalance


def _rows(day):
    return {(r.account_id, r.balance, r.currency) for r in DailyBalance.objects.filter(day=day)}


def test_a_snapshot_is_each_open_customer_accounts_balance_at_the_end_of_the_day(checking, savings, supervisor):
    today = timezone.localdate()
    services.ledger_deposit(actor=supervisor, account=checking, amount="250.00")
    services.ledger_transfer(actor=supervisor, source=checking, destination=savings, amount="50.00")
    closed = services.account_open(actor=None, customer=checking.customer, number="CLOSED0001")
    BankAccount.objects.filter(pk=closed.pk).update(status="closed")
    assert services.balances_snapshot(day=today) == 2  # neither the closed account nor the cash vault
    assert _rows(today) == {(checking.pk, Decimal("200.00"), "USD"), (savings.pk, Decimal("50.00"), "USD")}
    assert {(r.account.type, r.balance) for r in selectors.daily_balance_list().filter(day=today)} == {
        ("checking", Decimal("200.00")),
        ("savings", Decimal("50.00")),
    }


def test_a_snapshot_of_a_past_day_leaves_out_what_was_posted_since(checking, supervisor):
    yesterday = timezone.localdate() - timedelta(days=1)
    BankAccount.objects.filter(pk=checking.pk).update(balance=Decimal("80.00"))  # brought forward
    services.ledger_deposit(actor=supervisor, account=checking, amount="20.00")  # today
    services.balances_snapshot(day=yesterday)
    assert _rows(yesterday) == {(checking.pk, Decimal("80.00"), "USD")}


def test_an_account_opened_after_the_day_has_no_balance_that_day(customer):
    services.account_open(actor=None, customer=customer, number="LATE00001", opened_on=timezone.localdate())
    assert services.balances_snapshot(day=timezone.localdate() - timedelta(days=1)) == 0


def test_snapshots_are_idempotent(checking, savings, supervisor):
    today = timezone.localdate()
    services.ledger_deposit(actor=supervisor, account=checking, amount="10.00")
    services.balances_snapshot(day=today)
    first = _rows(today)
    services.balances_snapshot(day=today)
    assert _rows(today) == first
    assert DailyBalance.objects.count() == 2
    services.ledger_deposit(actor=supervisor, account=checking, amount="5.00")
    services.balances_snapshot(day=today)  # a rerun later the same day takes the newer balance
    assert (checking.pk, Decimal("15.00"), "USD") in _rows(today)
    assert DailyBalance.objects.count() == 2
    assert AuditEvent.objects.filter(action="balances.snapshot").count() == 3


def test_the_first_positive_end_of_day_is_the_day_the_customer_was_funded(checking, supervisor):
    today = timezone.localdate()
    services.balances_snapshot(day=today - timedelta(days=1))
    assert Customer.objects.get(pk=checking.customer_id).funded_on is None  # nothing in yet
    services.ledger_deposit(actor=supervisor, account=checking, amount="1.00")
    services.balances_snapshot(day=today)
    assert Customer.objects.get(pk=checking.customer_id).funded_on == today
    services.balances_snapshot(day=today - timedelta(days=1))  # a day replayed: still not funded then
    assert Customer.objects.get(pk=checking.customer_id).funded_on == today
    services.balances_snapshot(day=today + timedelta(days=1))  # a later day leaves the first one
    assert Customer.objects.get(pk=checking.customer_id).funded_on == today


def test_a_loan_balance_does_not_fund_a_customer(customer, supervisor):
    # Paid out in cash (the customer has no current account): the loan account is their only one.
    services.loan_disburse(actor=supervisor, customer=customer, principal="1000", annual_rate="5", term_months=6,
                           start_on=timezone.localdate())  # fmt: skip
    services.balances_snapshot(day=timezone.localdate())
    assert DailyBalance.objects.get().balance == Decimal("-1000.00")
    assert Customer.objects.get(pk=customer.pk).funded_on is None


def test_the_daily_task_snapshots_yesterday_or_the_day_named(checking):
    yesterday = timezone.localdate() - timedelta(days=1)
    assert tasks.snapshot_balances() == {"day": yesterday.isoformat(), "accounts": 1}
    assert tasks.snapshot_balances(yesterday.isoformat())["accounts"] == 1
    assert DailyBalance.objects.filter(day=yesterday).count() == 1
    beat = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "apps.transactions.tasks.snapshot_balances" in beat
    limits = tasks.snapshot_balances
    assert limits.soft_time_limit < limits.time_limit
