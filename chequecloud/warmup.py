"""Work every web worker would otherwise do on its first request, done when it starts instead.

A worker that has just started imports every view on its first request (the URLconf is loaded
lazily), reads the active rules and models, and builds the SQL of the hot API queries: about half a
second, during which requests queue behind it. `chequecloud/wsgi.py` calls `warm_up()` at start: it
loads the URLconf, then each app warms its own hot paths through its `warmup.warm_up()`. It
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
    from django.db import connections
    from django.urls import get_resolver

    from apps.accounts import warmup as accounts
    from apps.fraud import warmup as fraud
    from apps.transactions import warmup as transactions

    def urls():
        def populate(resolver):  # the lookup tables reverse() builds on its first call, namespaces too
            resolver.reverse_dict  # noqa: B018
            for _prefix, inner in resolver.namespace_dict.values():
                populate(inner)

        populate(get_resolver())  # imports the URLconf and every view

    parts = {"urls": urls, "accounts": accounts.warm_up, "transactions": transactions.warm_up, "fraud": fraud.warm_up}
    done = []
    try:
        try:
            connections["default"].ensure_connection()
        except Exception as exc:  # noqa: BLE001 - the apps' parts all need it: the first requests do them
            logger.warning("warm-up: the database cannot be reached, so the apps' parts are left out: %s", exc)
            parts = {"urls": urls}
        for name, part in parts.items():
            try:
                part()
                done.append(name)
            except Exception as exc:  # noqa: BLE001 - a cold first request is better than no server
                logger.warning("warm-up step %s failed (the first request will do it): %s", name, exc)
    finally:
        connections.close_all()
    # What is loaded now lives as long as the worker. Out of the collector's sight, a full collection
    # no longer walks it: 36 ms, paid by whichever request triggered it, fall to well under 1 ms.
    gc.collect()
    gc.freeze()
    return done
