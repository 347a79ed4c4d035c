"""Building the daily rollups from the facts.

A day is the bank's (`BANK_TIME_ZONE`): its transactions are those that occurred from its midnight to
the next, its alerts those raised in it. `rollup_days` recomputes each day whole (delete, aggregate,
insert, in one database transaction), so running it again changes nothing and a correction is a re-run
of its day. `rollups_follow` recomputes the days of the facts stored since its last run (a cursor per
kind of fact, every minute); `rollups_sweep` the last ROLLUP_SWEEP_DAYS days (nightly), which also
catches what changed in place (a label, a decision).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q, Sum, Value
from django.db.models.functions import Coalesce, NullIf
from django.utils import timezone

from .models import AlertRollup, RollupCursor, TransactionRollup

FOLLOW_BATCH = 200_000  # new facts a follow-up run reads at most; the next run reads the rest


def bank_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """[start, end) of a bank day, as aware datetimes (23 or 25 hours long across a clock change)."""
    zone = bank_zone()
    return (datetime.combine(day, time.min, tzinfo=zone),
            datetime.combine(day + timedelta(days=1), time.min, tzinfo=zone))  # fmt: skip


def bank_day(moment: datetime) -> date:
    return moment.astimezone(bank_zone()).date()


def _branch():
    """The branch a transaction counts for: its account's, else its customer's home branch."""
    return Coalesce(NullIf("account__branch", Value("")), NullIf("customer__branch", Value("")), Value(""))


def _transactions(day: date) -> list[TransactionRollup]:
    from apps.transactions.models import Transaction

    start, end = day_bounds(day)
    rows = (
        Transaction.objects.filter(occurred_at__gte=start, occurred_at__lt=end)
        .annotate(rollup_branch=_branch())
        .values("rollup_branch", "channel", "kind", "currency", "decision")
        .annotate(n=Count("id"), total=Sum("amount"), alerted=Count("alert"),
                  fraud_n=Count("id", filter=Q(label="fraud")), fraud_total=Sum("amount", filter=Q(label="fraud")))
        .order_by()
    )  # fmt: skip
    return [TransactionRollup(day=day, branch=r["rollup_branch"] or "", channel=r["channel"] or "", kind=r["kind"],
                              currency=r["currency"], decision=r["decision"], count=r["n"], amount=r["total"] or 0,
                              alerted=r["alerted"], fraud_count=r["fraud_n"], fraud_amount=r["fraud_total"] or 0)
            for r in rows]  # fmt: skip


def alert_rule(reasons) -> str:
    """The rule, model or scenario that weighed most in an alert."""
    if not reasons:
        return ""
    top = max(reasons, key=lambda r: r.get("weight") or 0)
    return str(top.get("rule") or top.get("model") or top.get("type") or "")[:64]


def _alerts(day: date) -> list[AlertRollup]:
    from apps.fraud.models import Alert

    start, end = day_bounds(day)
    counts: dict[tuple[str, str], list[int]] = {}
    found = Alert.objects.filter(created_at__gte=start, created_at__lt=end).values_list(
        "severity", "reasons", "case_id"
    )
    for severity, reasons, case_id in found.iterator(chunk_size=5000):
        key = (severity, alert_rule(reasons))
        entry = counts.setdefault(key, [0, 0])
        entry[0] += 1
        entry[1] += case_id is not None
    return [AlertRollup(day=day, severity=s, rule=r, count=n, in_case=c) for (s, r), (n, c) in counts.items()]


def rollup_days(days: Iterable[date]) -> dict:
    """Recompute each day whole; returns how many days and rows."""
    days = sorted(set(days))
    rows = 0
    for day in days:
        txns, alerts = _transactions(day), _alerts(day)
        with transaction.atomic():
            TransactionRollup.objects.filter(day=day).delete()
            AlertRollup.objects.filter(day=day).delete()
            TransactionRollup.objects.bulk_create(txns, batch_size=2000)
            AlertRollup.objects.bulk_create(alerts, batch_size=2000)
        rows += len(txns) + len(alerts)
    return {"days": len(days), "rows": rows}


def _new_days(name: str, model, moment: str) -> tuple[set[date], int | None]:
    cursor, _ = RollupCursor.objects.get_or_create(name=name)
    found = list(model.objects.filter(pk__gt=cursor.last_id).order_by("pk").values_list("pk", moment)[:FOLLOW_BATCH])
    if not found:
        return set(), None
    return {bank_day(at) for _, at in found}, found[-1][0]


def rollups_follow() -> dict:
    """Recompute the days of the transactions and alerts stored since the last run, then move the
    cursors on. The cursors' row locks keep two runs apart."""
    from apps.fraud.models import Alert
    from apps.transactions.models import Transaction

    with transaction.atomic():
        RollupCursor.objects.get_or_create(name="transactions")
        RollupCursor.objects.get_or_create(name="alerts")
        locked = {
            c.name: c for c in RollupCursor.objects.select_for_update().filter(name__in=["transactions", "alerts"])
        }
        txn_days, txn_last = _new_days("transactions", Transaction, "occurred_at")
        alert_days, alert_last = _new_days("alerts", Alert, "created_at")
        result = rollup_days(txn_days | alert_days)
        for name, last in (("transactions", txn_last), ("alerts", alert_last)):
            if last is not None:
                locked[name].last_id = last
                locked[name].save(update_fields=["last_id", "updated_at"])
    return result


def rollups_sweep(*, since: date | None = None) -> dict:
    """Recompute every day from `since` (default: ROLLUP_SWEEP_DAYS ago) to today."""
    today = timezone.now().astimezone(bank_zone()).date()
    since = since or today - timedelta(days=settings.ROLLUP_SWEEP_DAYS)
    return rollup_days(since + timedelta(days=i) for i in range((today - since).days + 1))


def first_fact_day() -> date | None:
    """The day of the oldest transaction, where a full rebuild starts."""
    from apps.transactions.models import Transaction

    first = Transaction.objects.order_by("occurred_at").values_list("occurred_at", flat=True).first()
    return bank_day(first) if first else None
