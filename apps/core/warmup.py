"""Work every web worker would otherwise do on its first request, done when it starts instead.

A worker that has just started imports every view on its first request (the URLconf is loaded
lazily), reads the active rules and models, and builds the SQL of the hot API queries: about half a
second, during which requests queue behind it. `chequecloud/wsgi.py` calls `warm_up()` at start. It
closes the database connections it opened, so a server that forks after loading the application
(gunicorn --preload) gives each worker its own, and it moves what is loaded out of the garbage
collector's sight (`gc.freeze`). It never stops the application from starting.
"""

from __future__ import annotations

import gc
import logging

logger = logging.getLogger(__name__)


def warm_up() -> list[str]:
    """What was warmed, by name; a part that fails is logged and skipped."""
    from decimal import Decimal

    from django.db import connections
    from django.urls import get_resolver
    from django.utils import timezone

    done = []

    def load_urls():
        def populate(resolver):  # the lookup tables reverse() builds on its first call, namespaces too
            resolver.reverse_dict  # noqa: B018
            for _prefix, inner in resolver.namespace_dict.values():
                populate(inner)

        populate(get_resolver())  # imports the URLconf and every view

    def load_scoring():
        from apps.fraud import selectors
        from apps.fraud.ml import registry
        from apps.fraud.models import ModelVersion
        from apps.fraud.services import transaction_score
        from apps.transactions.models import Transaction

        selectors.active_rules()
        for kind in ModelVersion.Kind.values:
            registry.load_active(kind)
        transaction_score(Transaction(amount=Decimal("1.00"), currency="USD", occurred_at=timezone.now()))

    def build_hot_queries():
        from datetime import UTC, datetime

        from apps.accounts.backends import _PERMISSIONS
        from apps.accounts.services import _token_with_user
        from apps.fraud.selectors import _prior_query
        from apps.transactions.services import _CUSTOMER_BY_REF

        _token_with_user("")
        _PERMISSIONS.rows(0, 0)
        _CUSTOMER_BY_REF.rows("")
        at = datetime(2000, 1, 1, tzinfo=UTC)
        for by_customer, by_terminal in ((True, True), (True, False), (False, True)):
            params = [*["", at] * by_customer, *["", at] * by_terminal, at]
            _prior_query(by_customer, by_terminal, False).rows(*params)

    try:
        for part in (load_urls, load_scoring, build_hot_queries):
            try:
                part()
                done.append(part.__name__)
            except Exception as exc:  # noqa: BLE001 - a cold first request is better than no server
                logger.warning("warm-up step %s failed (the first request will do it): %s", part.__name__, exc)
    finally:
        connections.close_all()
    # What is loaded now lives as long as the worker. Out of the collector's sight, a full collection
    # no longer walks it: 36 ms, paid by whichever request triggered it, fall to well under 1 ms.
    gc.collect()
    gc.freeze()
    return done
