from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import QuerySet

from apps.core.crypto import blind_index

from .models import BankAccount, Customer, DailyBalance, Loan, Transaction, TransactionFile


def account_by_number(number: str) -> BankAccount | None:
    return BankAccount.objects.filter(number_index=blind_index(number)).first()


def customer_list() -> QuerySet[Customer]:
    return Customer.objects.all()


def account_list() -> QuerySet[BankAccount]:
    return BankAccount.objects.select_related("customer").exclude(type="internal")


def transaction_list() -> QuerySet[Transaction]:
    return Transaction.objects.select_related("customer", "account", "alert")


def transactions_between(start: datetime, end: datetime, *, history: timedelta = timedelta(0)) -> QuerySet[Transaction]:
    """Transactions in [start, end), and those in the `history` before it (so features have history).
    The counterparty's account is left unread (back-tests and training never use it; each costs a decryption)."""
    return Transaction.objects.filter(occurred_at__gte=start - history, occurred_at__lt=end).defer(
        "counterparty_account"
    )


def daily_balance_list() -> QuerySet[DailyBalance]:
    """End-of-day balances of customer accounts (`balances_snapshot`), with the account's type and branch at
    hand for cutting deposits by product and branch."""
    return DailyBalance.objects.select_related("account")


def loan_list() -> QuerySet[Loan]:
    """Loans with their account (branch, balance: the principal outstanding) and borrower."""
    return Loan.objects.select_related("account", "account__customer")


def transaction_file_list() -> QuerySet[TransactionFile]:
    return TransactionFile.objects.select_related("uploaded_by")


def customer_usual_behaviour(customer_ref: str, *, before: datetime | None = None, days: int = 90) -> dict:
    """How a customer usually spends (for investigators): over the `days` before `before`, the count, the
    median amount, and the most common hours and locations. Bounded: at most 5,000 rows are read."""
    from collections import Counter
    from datetime import timedelta
    from statistics import median

    from django.utils import timezone

    if not customer_ref:
        return {}
    before = before or timezone.now()
    rows = list(
        Transaction.objects.filter(customer_ref=customer_ref, occurred_at__lt=before,
                                   occurred_at__gte=before - timedelta(days=days))
        .order_by("-occurred_at")
        .values_list("amount", "occurred_at", "location")[:5000]
    )  # fmt: skip
    if not rows:
        return {"count": 0, "days": days}
    hours = Counter(timezone.localtime(at).hour for _a, at, _l in rows)
    places = Counter(loc for _a, _at, loc in rows if loc)
    return {
        "count": len(rows),
        "days": days,
        "median_amount": median(a for a, _at, _l in rows),
        "max_amount": max(a for a, _at, _l in rows),
        "usual_hours": [h for h, _n in hours.most_common(3)],
        "usual_locations": [p for p, _n in places.most_common(3)],
    }
