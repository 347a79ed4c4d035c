"""Reads of the rollups for the analytics page: each figure from the rollups, each with the query that
opens the facts behind it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from urllib.parse import urlencode

from django.db.models import QuerySet, Sum
from django.urls import reverse

from .models import AlertRollup, TransactionRollup

CENT = Decimal("0.01")


def _sum(value) -> Decimal:
    """A sum of money as stored (two places), whatever the backend returns."""
    return Decimal(value or 0).quantize(CENT)


@dataclass(frozen=True)
class Cut:
    """The filters every chart of the page shares."""

    since: date
    until: date
    branch: str = ""
    channel: str = ""
    currency: str = ""

    def days(self) -> list[date]:
        return [self.since + timedelta(days=i) for i in range((self.until - self.since).days + 1)]

    def transactions_url(self, **extra) -> str:
        """The transactions list, filtered as this cut (and `extra`)."""
        query = {"since": self.since.isoformat(), "until": self.until.isoformat(), "branch": self.branch,
                 "channel": self.channel, "currency": self.currency, **extra}  # fmt: skip
        return f"{reverse('transactions:list')}?{urlencode({k: v for k, v in query.items() if v})}"

    def alerts_url(self, **extra) -> str:
        query = {"since": self.since.isoformat(), "until": self.until.isoformat(), **extra}
        return f"{reverse('fraud:alerts')}?{urlencode({k: v for k, v in query.items() if v})}"


def transaction_rollups(cut: Cut) -> QuerySet[TransactionRollup]:
    found = TransactionRollup.objects.filter(day__gte=cut.since, day__lte=cut.until)
    if cut.branch:
        found = found.filter(branch=cut.branch)
    if cut.channel:
        found = found.filter(channel=cut.channel)
    if cut.currency:
        found = found.filter(currency=cut.currency)
    return found


def choices_seen() -> dict[str, list[str]]:
    """The branches and currencies the rollups hold, for the filters."""

    def distinct(field: str) -> list[str]:
        return [v for v in TransactionRollup.objects.values_list(field, flat=True).distinct().order_by(field) if v]

    return {"branches": distinct("branch"), "currencies": distinct("currency")}


def by(cut: Cut, field: str) -> list[dict]:
    """Counts and sums per value of one dimension, the largest count first."""
    rows = (transaction_rollups(cut).values(field).annotate(count=Sum("count"), amount=Sum("amount"))
            .order_by("-count", field))  # fmt: skip
    return [{"key": r[field], "count": r["count"], "amount": _sum(r["amount"])} for r in rows]


def daily(cut: Cut) -> list[dict]:
    """Every day of the cut (days without transactions included): count, volume and average ticket."""
    rows = {
        r["day"]: r for r in transaction_rollups(cut).values("day").annotate(count=Sum("count"), amount=Sum("amount"))
    }
    out = []
    for day in cut.days():
        r = rows.get(day, {"count": 0, "amount": Decimal(0)})
        count, amount = r["count"] or 0, _sum(r["amount"])
        out.append({"day": day, "count": count, "amount": amount,
                    "average": (amount / count).quantize(CENT) if count else None})  # fmt: skip
    return out


def totals(cut: Cut) -> dict:
    sums = {name: Sum(name) for name in ("count", "amount", "alerted", "fraud_count", "fraud_amount")}
    t = transaction_rollups(cut).aggregate(**sums)
    count, amount = t["count"] or 0, _sum(t["amount"])
    fraud = _sum(t["fraud_amount"])
    return {"count": count, "amount": amount, "alerted": t["alerted"] or 0, "fraud_count": t["fraud_count"] or 0,
            "fraud_amount": fraud, "average": (amount / count).quantize(CENT) if count else None,
            "alert_rate": (Decimal(t["alerted"] or 0) * 100 / count).quantize(Decimal("0.01")) if count else None,
            "loss_bps": (fraud * 10000 / amount).quantize(Decimal("0.1")) if amount else None}  # fmt: skip


def alerts_daily(cut: Cut) -> dict[str, list[int]]:
    """Alerts raised per day, per severity (every day of the cut)."""
    rows = (AlertRollup.objects.filter(day__gte=cut.since, day__lte=cut.until).values("day", "severity")
            .annotate(n=Sum("count")))  # fmt: skip
    counts = {(r["day"], r["severity"]): r["n"] for r in rows}
    return {sev: [counts.get((day, sev), 0) for day in cut.days()] for sev in ("high", "medium", "low")}


def alerts_by_rule(cut: Cut) -> list[dict]:
    rows = (AlertRollup.objects.filter(day__gte=cut.since, day__lte=cut.until).values("rule")
            .annotate(count=Sum("count"), in_case=Sum("in_case")).order_by("-count", "rule"))  # fmt: skip
    return [{"rule": r["rule"] or "—", "count": r["count"], "in_case": r["in_case"]} for r in rows]
