from __future__ import annotations

import functools
import hashlib
import operator
import time
from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta
from typing import Any

import numpy as np
from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from apps.core.db import CompiledQuery

from .choices import RuleStatus
from .models import Alert, ModelVersion, Rule
from .rules.engine import CompiledRule
from .rules.features import (
    CUSTOMER_WINDOW,
    NEVER,
    TERMINAL_DELAY,
    TERMINAL_WINDOW,
    Batch,
    Codes,
    Columns,
    Current,
    Event,
    Events,
    compute_batch,
    compute_one,
    micros,
)

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
    return Event(row["occurred_at"], row["amount"], row["location"], row["payee"], row["terminal_id"], fraud_at)


def current_of(txn) -> Current:
    return Current(
        txn.occurred_at, txn.amount, txn.currency, txn.kind, txn.description, txn.location, txn.payee, txn.terminal_id,
        txn.channel, txn.country, txn.counterparty_country,
    )  # fmt: skip


def features_from_db(txn) -> Columns:
    """Features of one transaction, its customer's and terminal's history read from the database in one
    query (each side on its own index), then split by which window each row belongs to."""
    t = txn.occurred_at
    customer_since, terminal_since = t - CUSTOMER_WINDOW, t - TERMINAL_DELAY - TERMINAL_WINDOW
    customer: list[Event] = []
    terminal: list[Event] = []
    if txn.customer_ref or txn.terminal_id:
        params: list[Any] = []
        if txn.customer_ref:
            params += [txn.customer_ref, customer_since]
        if txn.terminal_id:
            params += [txn.terminal_id, terminal_since]
        params.append(t)
        if txn.pk is not None:
            params.append(txn.pk)
        query = _prior_query(bool(txn.customer_ref), bool(txn.terminal_id), txn.pk is not None)
        for values in query.rows(*params):
            row = dict(zip(_PRIOR_FIELDS, values, strict=True))
            event = _event(row)
            if txn.customer_ref and row["customer_ref"] == txn.customer_ref and row["occurred_at"] >= customer_since:
                customer.append(event)
            if txn.terminal_id and row["terminal_id"] == txn.terminal_id and row["occurred_at"] >= terminal_since:
                terminal.append(event)
    return compute_one(current_of(txn), customer, terminal, timezone.get_default_timezone())


_PRIOR_FIELDS = (*HISTORY_FIELDS, "customer_ref")


@functools.cache
def _prior_query(by_customer: bool, by_terminal: bool, excluding: bool) -> CompiledQuery:
    """The history query of `features_from_db` in one of its shapes, its SQL built once (every API
    request runs it)."""
    from django.db.models import Q

    from apps.transactions.models import Transaction

    def build(*params):
        rest = list(params)
        match = []
        if by_customer:
            match.append(Q(customer_ref=rest.pop(0), occurred_at__gte=rest.pop(0)))
        if by_terminal:
            match.append(Q(terminal_id=rest.pop(0), occurred_at__gte=rest.pop(0)))
        prior = Transaction.objects.filter(functools.reduce(operator.or_, match), occurred_at__lt=rest.pop(0))
        if excluding:
            prior = prior.exclude(pk=rest.pop(0))
        return prior.values_list(*_PRIOR_FIELDS)

    kinds = [str, datetime] * by_customer + [str, datetime] * by_terminal + [datetime] + [int] * excluding
    return CompiledQuery(build, *kinds)


class EventStore:
    """One side's history (customers' or terminals') in memory as growable columns, pruned to the
    window that side needs once it has grown."""

    def __init__(self, keep: timedelta) -> None:
        self.keep = keep // timedelta(microseconds=1)
        self.events = Events.empty()
        self.size = 0
        self.pruned_at = 1 << 16

    def add(self, events: Events) -> None:
        need = self.size + len(events)
        if need > len(self.events):
            grown = max(need, 2 * len(self.events), 1024)
            self.events = Events(*(np.resize(getattr(self.events, f), grown) for f in Events.FIELDS))
        for f in Events.FIELDS:
            getattr(self.events, f)[self.size : need] = getattr(events, f)
        self.size = need
        if self.size > 2 * self.pruned_at:
            now = self.events.t[: self.size].max()
            kept = self.events.take(np.flatnonzero(self.events.t[: self.size] >= now - self.keep))
            self.events, self.size = kept, len(kept)
            self.pruned_at = max(self.size, 1 << 16)

    def of(self, keys: np.ndarray, since: int, codes: int) -> Events:
        """The stored events of these keys (codes) at or after `since`."""
        wanted = np.zeros(codes + 1, dtype=bool)  # index -1 (no key) is the last one, never wanted
        wanted[keys[keys >= 0]] = True
        stored = Events(*(getattr(self.events, f)[: self.size] for f in Events.FIELDS))
        return stored.take(np.flatnonzero(wanted[stored.key] & (stored.t >= since)))


class FeatureState:
    """Customers' and terminals' history kept in memory as columns, for working out the features of
    many transactions in a row (back-tests, file ingestion, training) with the same `compute_batch`
    as a single transaction.

    `seed()` loads the stored history of customers and terminals not seen yet, 200 keys a query;
    callers that stream all history from the start (back-tests) need not seed.
    """

    def __init__(self) -> None:
        self.tz = timezone.get_default_timezone()
        self.codes = Codes()
        self.customers = EventStore(CUSTOMER_WINDOW)
        self.terminals = EventStore(TERMINAL_DELAY + TERMINAL_WINDOW)
        self._seeded_customers: set[str] = set()
        self._seeded_terminals: set[str] = set()

    def seed(self, customer_refs: Iterable[str], terminal_ids: Iterable[str], since: datetime) -> None:
        from apps.transactions.models import Transaction

        new_c = sorted({c for c in customer_refs if c} - self._seeded_customers)
        new_t = sorted({t for t in terminal_ids if t} - self._seeded_terminals)
        # 200 keys a query: past that MariaDB estimates an IN list from statistics and may scan the table.
        for start in range(0, len(new_c), 200):
            part = new_c[start : start + 200]
            rows = Transaction.objects.filter(customer_ref__in=part, occurred_at__gte=since - CUSTOMER_WINDOW)
            self.customers.add(self._events(list(rows.values("customer_ref", *HISTORY_FIELDS)), "customers"))
        self._seeded_customers.update(new_c)
        horizon = since - TERMINAL_DELAY - TERMINAL_WINDOW
        for start in range(0, len(new_t), 200):
            part = new_t[start : start + 200]
            rows = Transaction.objects.filter(terminal_id__in=part, occurred_at__gte=horizon)
            self.terminals.add(self._events(list(rows.values("customer_ref", *HISTORY_FIELDS)), "terminals"))
        self._seeded_terminals.update(new_t)

    def _events(self, rows: list[dict[str, Any]], side: str) -> Events:
        batch = Batch(
            np.array([micros(r["occurred_at"]) for r in rows], dtype=np.int64), [r["amount"] for r in rows],
            [""] * len(rows), [""] * len(rows), [""] * len(rows), [r["location"] for r in rows],
            [r["payee"] for r in rows], [r["terminal_id"] for r in rows], [r["customer_ref"] for r in rows],
            np.array([micros(r["labelled_at"]) if r["label"] == "fraud" and r["labelled_at"] else NEVER
                      for r in rows], dtype=np.int64),
        )  # fmt: skip
        batch.clock(self.tz)
        return batch.events(self.codes, side)

    def features(self, batch: Batch) -> Columns:
        """The features of a batch of new transactions (each other's history too), which then join the
        history. The batch's clock must be set (`Batch.of` does)."""
        if not len(batch):
            return compute_batch(batch, Events.empty(), Events.empty(), self.codes)
        start = int(batch.t.min())
        mine = batch.events(self.codes, "customers")
        theirs = batch.events(self.codes, "terminals")
        customers = Events.join([self.customers.of(mine.key, start - _window(CUSTOMER_WINDOW),
                                                   len(self.codes.customers)), mine])  # fmt: skip
        terminals = Events.join([self.terminals.of(theirs.key, start - _window(TERMINAL_DELAY + TERMINAL_WINDOW),
                                                   len(self.codes.terminals)), theirs])  # fmt: skip
        columns = compute_batch(batch, customers, terminals, self.codes)
        self.customers.add(mine.take(mine.key >= 0))
        self.terminals.add(theirs.take(theirs.key >= 0))
        return columns


def _window(span: timedelta) -> int:
    return span // timedelta(microseconds=1)


def iter_features(transactions: QuerySet, chunk: int = 5000) -> Iterator[tuple[Any, dict[str, Any]]]:
    """Stream (transaction, features) in time order with history kept in memory (back-tests, training)."""
    for txns, columns in iter_feature_batches(transactions, chunk):
        yield from zip(txns, columns.dicts(), strict=True)


def iter_feature_batches(transactions: QuerySet, chunk: int = 5000) -> Iterator[tuple[list, Columns]]:
    """(transactions, their features as columns), a chunk at a time, in time order."""
    state = FeatureState()
    txns: list = []
    for txn in transactions.order_by("occurred_at", "id").iterator(chunk_size=chunk):
        txns.append(txn)
        if len(txns) == chunk:
            yield txns, state.features(Batch.of(txns, state.tz))
            txns = []
    if txns:
        yield txns, state.features(Batch.of(txns, state.tz))


def alert_list() -> QuerySet[Alert]:
    return Alert.objects.select_related("transaction", "cheque", "case")


def follow_ups(user, field: str, ids: list[int]) -> dict[int, list]:
    """The alert and the case of each transaction (`field` "transaction_id") or cheque ("cheque_id"),
    as links, for `user`: the alert when they may read alerts, the case when they may open it."""
    from django.urls import reverse
    from django.utils.http import urlencode

    from apps.core.ports import Link

    from .cases.selectors import visible_cases

    if not ids or (not user.has_perm("fraud.view_alert") and not user.has_perm("fraud.view_case")):
        return {}
    alerts = list(Alert.objects.filter(**{f"{field}__in": ids}).select_related("case"))
    open_cases = set(visible_cases(user).filter(pk__in={a.case_id for a in alerts if a.case_id}).values_list(
        "pk", flat=True))  # fmt: skip
    out: dict[int, list] = {}
    for alert in alerts:
        links = out.setdefault(getattr(alert, field), [])
        if user.has_perm("fraud.view_alert"):
            query = urlencode({field.removesuffix("_id"): getattr(alert, field)})
            links.append(Link(f"{alert.get_severity_display()} alert, score {alert.score}",
                              f"{reverse('fraud:alerts')}?{query}", alert.get_status_display()))  # fmt: skip
        if alert.case_id in open_cases:
            case = alert.case
            links.append(Link(f"{case.reference} · {case.title}", reverse("fraud:case_detail", args=[case.pk]),
                              case.get_status_display()))  # fmt: skip
    return out


def rule_list() -> QuerySet[Rule]:
    return Rule.objects.select_related("author", "approved_by")


def model_list() -> QuerySet[ModelVersion]:
    return ModelVersion.objects.select_related("trained_by", "activated_by")
