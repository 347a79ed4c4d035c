from __future__ import annotations

from datetime import datetime

from django.db.models import QuerySet

from apps.core.crypto import blind_index
from apps.fraud.rules.features import CUSTOMER_WINDOW

from .models import BankAccount, Customer, Transaction, TransactionFile


def account_by_number(number: str) -> BankAccount | None:
    return BankAccount.objects.filter(number_index=blind_index(number)).first()


def customer_list() -> QuerySet[Customer]:
    return Customer.objects.all()


def account_list() -> QuerySet[BankAccount]:
    return BankAccount.objects.select_related("customer").exclude(type="internal")


def transaction_list() -> QuerySet[Transaction]:
    return Transaction.objects.select_related("customer", "account", "alert")


def transactions_between(start: datetime, end: datetime, *, warmup: bool = False) -> QuerySet[Transaction]:
    """Transactions in [start, end); with warm-up, also the 30 days before so features have history."""
    since = start - CUSTOMER_WINDOW if warmup else start
    return Transaction.objects.filter(occurred_at__gte=since, occurred_at__lt=end)


def transaction_file_list() -> QuerySet[TransactionFile]:
    return TransactionFile.objects.select_related("uploaded_by")
