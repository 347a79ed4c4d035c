"""The risk engine's start-up work (`chequecloud.warmup`): the active rules and models loaded, one
transaction scored, and the SQL of the history queries scoring runs built once."""

from __future__ import annotations


def warm_up() -> None:
    from datetime import UTC, datetime
    from decimal import Decimal

    from django.utils import timezone

    from apps.transactions.models import Transaction

    from . import selectors
    from .ml import registry
    from .models import ModelVersion
    from .services import transaction_score

    selectors.active_rules()
    for kind in ModelVersion.Kind.values:
        registry.load_active(kind)
    transaction_score(Transaction(amount=Decimal("1.00"), currency="USD", occurred_at=timezone.now()))
    at = datetime(2000, 1, 1, tzinfo=UTC)
    for by_customer, by_terminal in ((True, True), (True, False), (False, True)):
        params = [*["", at] * by_customer, *["", at] * by_terminal, at]
        selectors._prior_query(by_customer, by_terminal, False).rows(*params)
