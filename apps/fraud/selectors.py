from __future__ import annotations

import hashlib
from collections import defaultdict, deque
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from .choices import RuleStatus
from .models import Alert, Rule
from .rules.engine import CompiledRule
from .rules.features import CUSTOMER_WINDOW, TERMINAL_DELAY, TERMINAL_WINDOW, Current, Event, compute

HISTORY_FIELDS = ("occurred_at", "amount", "location", "payee", "terminal_id", "label", "labelled_at")


def compile_rules(rules: Iterable[Rule]) -> list[CompiledRule]:
    return [CompiledRule(r.code, r.version, r.weight, r.explanation, r.condition) for r in rules]


def active_rules() -> list[CompiledRule]:
    return compile_rules(Rule.objects.filter(status=RuleStatus.ACTIVE).order_by("code"))


def rule_set_version(rules: list[CompiledRule]) -> str:
    digest = hashlib.sha256(",".join(f"{r.code}:{r.version}" for r in rules).encode()).hexdigest()[:10]
    return f"rs-{digest}"


def _event(row: dict[str, Any]) -> Event:
    fraud_at = row["labelled_at"] if row["label"] == "fraud" else None
    return Event(row["occurred_at"], row["amount"], row["location"], row["payee"], row["terminal_id"], fraud_at)


def current_of(txn) -> Current:
    return Current(
        txn.occurred_at, txn.amount, txn.currency, txn.kind, txn.description, txn.location, txn.payee, txn.terminal_id
    )


def features_from_db(txn) -> dict[str, Any]:
    """Features of one transaction, its history read from the database (two indexed queries)."""
    from apps.transactions.models import Transaction

    t = txn.occurred_at
    prior = Transaction.objects.exclude(pk=txn.pk).filter(occurred_at__lt=t)
    customer = (
        [_event(r) for r in prior.filter(customer_ref=txn.customer_ref, occurred_at__gte=t - CUSTOMER_WINDOW)
         .values(*HISTORY_FIELDS)]
        if txn.customer_ref else []
    )  # fmt: skip
    terminal = (
        [_event(r) for r in prior.filter(
            terminal_id=txn.terminal_id, occurred_at__gte=t - TERMINAL_DELAY - TERMINAL_WINDOW
        ).values(*HISTORY_FIELDS)]
        if txn.terminal_id else []
    )  # fmt: skip
    return compute(current_of(txn), customer, terminal, timezone.get_default_timezone())


def iter_features(transactions: QuerySet) -> Iterator[tuple[Any, dict[str, Any]]]:
    """Stream (transaction, features) in time order, keeping history in memory: the bulk path used by
    back-tests (and file ingestion and training). Same `compute()` as `features_from_db`."""
    tz = timezone.get_default_timezone()
    by_customer: dict[str, deque[Event]] = defaultdict(deque)
    by_terminal: dict[str, deque[Event]] = defaultdict(deque)
    for txn in transactions.order_by("occurred_at", "id").iterator(chunk_size=5000):
        t: datetime = txn.occurred_at
        cust = by_customer[txn.customer_ref] if txn.customer_ref else deque()
        term = by_terminal[txn.terminal_id] if txn.terminal_id else deque()
        while cust and cust[0].occurred_at < t - CUSTOMER_WINDOW:
            cust.popleft()
        while term and term[0].occurred_at < t - TERMINAL_DELAY - TERMINAL_WINDOW:
            term.popleft()
        yield txn, compute(current_of(txn), cust, term, tz)
        event = _event({f: getattr(txn, f) for f in HISTORY_FIELDS})
        if txn.customer_ref:
            cust.append(event)
        if txn.terminal_id:
            term.append(event)


def alert_list() -> QuerySet[Alert]:
    return Alert.objects.select_related("transaction")


def rule_list() -> QuerySet[Rule]:
    return Rule.objects.select_related("author", "approved_by")
