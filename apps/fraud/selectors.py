from __future__ import annotations

import hashlib
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from .choices import RuleStatus
from .models import Alert, ModelVersion, Rule
from .rules.engine import CompiledRule
from .rules.features import CUSTOMER_WINDOW, TERMINAL_DELAY, TERMINAL_WINDOW, Current, Event, compute

HISTORY_FIELDS = ("occurred_at", "amount", "location", "payee", "terminal_id", "label", "labelled_at")


def compile_rules(rules: Iterable[Rule]) -> list[CompiledRule]:
    return [CompiledRule(r.code, r.version, r.weight, r.explanation, r.condition) for r in rules]


_active_rules_cache: tuple[float, list[CompiledRule]] | None = None


def active_rules() -> list[CompiledRule]:
    """The active rule set, re-read at most every RISK_CACHE_SECONDS per process (the hot path): a rule
    change reaches every worker within that time, and this process's own changes at once."""
    global _active_rules_cache
    now = time.monotonic()
    if _active_rules_cache is None or now - _active_rules_cache[0] >= settings.RISK_CACHE_SECONDS:
        rules = compile_rules(Rule.objects.filter(status=RuleStatus.ACTIVE).order_by("code"))
        _active_rules_cache = (now, rules)
    return _active_rules_cache[1]


def forget_active() -> None:
    """Drop the per-process caches of the active rules and model (after this process changed them)."""
    global _active_rules_cache
    _active_rules_cache = None
    from .ml import registry

    registry.forget_active()


def rule_set_version(rules: list[CompiledRule]) -> str:
    digest = hashlib.sha256(",".join(f"{r.code}:{r.version}" for r in rules).encode()).hexdigest()[:10]
    return f"rs-{digest}"


def _event(row: dict[str, Any]) -> Event:
    fraud_at = row["labelled_at"] if row["label"] == "fraud" else None
    event = Event(row["occurred_at"], row["amount"], row["location"], row["payee"], row["terminal_id"], fraud_at)
    return event.with_clock(timezone.get_default_timezone())


def current_of(txn) -> Current:
    return Current(
        txn.occurred_at, txn.amount, txn.currency, txn.kind, txn.description, txn.location, txn.payee, txn.terminal_id
    )


def features_from_db(txn) -> dict[str, Any]:
    """Features of one transaction, its customer's and terminal's history read from the database in one
    query (each side on its own index), then split by which window each row belongs to."""
    from django.db.models import Q

    from apps.transactions.models import Transaction

    t = txn.occurred_at
    customer_since, terminal_since = t - CUSTOMER_WINDOW, t - TERMINAL_DELAY - TERMINAL_WINDOW
    match = Q(pk__in=[])
    if txn.customer_ref:
        match |= Q(customer_ref=txn.customer_ref, occurred_at__gte=customer_since)
    if txn.terminal_id:
        match |= Q(terminal_id=txn.terminal_id, occurred_at__gte=terminal_since)
    customer: list[Event] = []
    terminal: list[Event] = []
    if txn.customer_ref or txn.terminal_id:
        prior = Transaction.objects.filter(match, occurred_at__lt=t)
        if txn.pk is not None:
            prior = prior.exclude(pk=txn.pk)
        for row in prior.values(*HISTORY_FIELDS, "customer_ref"):
            event = _event(row)
            if txn.customer_ref and row["customer_ref"] == txn.customer_ref and row["occurred_at"] >= customer_since:
                customer.append(event)
            if txn.terminal_id and row["terminal_id"] == txn.terminal_id and row["occurred_at"] >= terminal_since:
                terminal.append(event)
    return compute(current_of(txn), customer, terminal, timezone.get_default_timezone())


class FeatureState:
    """Per-customer and per-terminal history kept in memory, for scoring many transactions in a row
    (back-tests, file ingestion, training). Uses the same `compute()` as `features_from_db`.

    `seed()` loads the stored history of customers and terminals not seen yet, in one query each;
    callers that stream all history from the start (back-tests) need not seed.
    """

    def __init__(self) -> None:
        self.tz = timezone.get_default_timezone()
        self.customers: dict[str, list[Event]] = defaultdict(list)
        self.terminals: dict[str, list[Event]] = defaultdict(list)
        self._seeded_customers: set[str] = set()
        self._seeded_terminals: set[str] = set()

    def seed(self, customer_refs: Iterable[str], terminal_ids: Iterable[str], since: datetime) -> None:
        from apps.transactions.models import Transaction

        new_c = {c for c in customer_refs if c} - self._seeded_customers
        new_t = {t for t in terminal_ids if t} - self._seeded_terminals
        if new_c:
            rows = Transaction.objects.filter(customer_ref__in=new_c, occurred_at__gte=since - CUSTOMER_WINDOW)
            for row in rows.values("customer_ref", *HISTORY_FIELDS):
                self.customers[row["customer_ref"]].append(_event(row))
            self._seeded_customers |= new_c
        if new_t:
            horizon = since - TERMINAL_DELAY - TERMINAL_WINDOW
            rows = Transaction.objects.filter(terminal_id__in=new_t, occurred_at__gte=horizon)
            for row in rows.values("terminal_id", *HISTORY_FIELDS):
                self.terminals[row["terminal_id"]].append(_event(row))
            self._seeded_terminals |= new_t

    def features(self, txn) -> dict[str, Any]:
        cust = self.customers.get(txn.customer_ref, ()) if txn.customer_ref else ()
        term = self.terminals.get(txn.terminal_id, ()) if txn.terminal_id else ()
        return compute(current_of(txn), cust, term, self.tz)

    def add(self, txn) -> None:
        event = _event({f: getattr(txn, f) for f in HISTORY_FIELDS})
        if txn.customer_ref:
            self._append(self.customers[txn.customer_ref], event, CUSTOMER_WINDOW)
        if txn.terminal_id:
            self._append(self.terminals[txn.terminal_id], event, TERMINAL_DELAY + TERMINAL_WINDOW)

    @staticmethod
    def _append(events: list[Event], event: Event, keep) -> None:
        events.append(event)
        if len(events) > 64 and events[0].occurred_at < event.occurred_at - keep:
            cutoff = event.occurred_at - keep
            events[:] = [e for e in events if e.occurred_at >= cutoff]


def iter_features(transactions: QuerySet) -> Iterator[tuple[Any, dict[str, Any]]]:
    """Stream (transaction, features) in time order with history kept in memory (back-tests)."""
    state = FeatureState()
    for txn in transactions.order_by("occurred_at", "id").iterator(chunk_size=5000):
        yield txn, state.features(txn)
        state.add(txn)


def alert_list() -> QuerySet[Alert]:
    return Alert.objects.select_related("transaction", "cheque")


def rule_list() -> QuerySet[Rule]:
    return Rule.objects.select_related("author", "approved_by")


def model_list() -> QuerySet[ModelVersion]:
    return ModelVersion.objects.select_related("trained_by", "activated_by")
