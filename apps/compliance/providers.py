"""The compliance app's side of the ports of the apps below it (`apps.core.ports`)."""

from __future__ import annotations

from datetime import datetime, timedelta


class Monitoring:
    """`apps.transactions.ports.Monitoring`: newly stored transactions are looked at by the AML
    scenarios after the commit, through the outbox (nothing is lost if the broker is away)."""

    def transactions_stored(self, customers: list[str], start: datetime, end: datetime) -> None:
        from apps.core.dispatch import dispatch_on_commit

        from .tasks import monitor_customers

        dispatch_on_commit(monitor_customers, customers, start.isoformat(),
                           (end + timedelta(microseconds=1)).isoformat())  # fmt: skip
