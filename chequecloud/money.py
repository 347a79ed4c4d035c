"""Exchange rates as the bank sees them: each currency's latest rate and its age, and the currencies its
transactions use without any rate (they cannot be compared with thresholds in another currency).
It counts records of several apps, so it lives above them all."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.conf import settings
from django.db.models import Count, Max
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from apps.core.models import ExchangeRate
from apps.transactions.models import Transaction

IN_USE_DAYS = 30  # "in use": a transaction in the last 30 days


def _transactions_url(code: str, since) -> str:
    return reverse("transactions:list") + "?" + urlencode({"currency": code, "since": since.isoformat()})


def rates_overview() -> dict:
    base = settings.BANK_CURRENCY
    today = timezone.localdate()
    since = today - timedelta(days=IN_USE_DAYS)
    rates = ExchangeRate.objects.filter(base=base)
    newest = dict(rates.values("currency").annotate(day=Max("valid_on")).values_list("currency", "day"))
    latest = {r.currency: r for r in rates.filter(valid_on__in=set(newest.values()))
              if newest[r.currency] == r.valid_on}  # fmt: skip
    used = dict(
        Transaction.objects.filter(occurred_at__gte=timezone.make_aware(datetime.combine(since, time.min)))
        .exclude(currency=base)
        .values("currency").annotate(n=Count("id")).values_list("currency", "n")
    )  # fmt: skip
    rows = []
    for code in sorted(latest):
        rate = latest[code]
        age = (today - rate.valid_on).days
        rows.append({"rate": rate, "age": age, "stale": age > settings.RATES_STALE_DAYS, "used": used.get(code, 0),
                     "used_url": _transactions_url(code, since)})  # fmt: skip
    missing = [{"currency": code, "used": n, "used_url": _transactions_url(code, since)}
               for code, n in sorted(used.items()) if code not in latest]  # fmt: skip
    return {"latest": rows, "missing": missing, "history": rates.select_related("created_by"),
            "stale_days": settings.RATES_STALE_DAYS, "in_use_days": IN_USE_DAYS, "since": since}  # fmt: skip


def rates_attention() -> dict:
    """For the Operations page: currencies in use without a rate, and rates older than the stale limit."""
    overview = rates_overview()
    return {"missing": overview["missing"], "stale": [r for r in overview["latest"] if r["stale"] and r["used"]]}
