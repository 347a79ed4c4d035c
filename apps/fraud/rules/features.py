"""Behavioural features: one code path for scoring, back-testing and (later) model training.

`compute()` is a pure function of the transaction and its prior history, so the same numbers come
out whether the history was read from the database (one transaction at a time) or kept in memory
(a file being ingested, a training run).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

HOUR, DAY = timedelta(hours=1), timedelta(days=1)
CUSTOMER_WINDOW = timedelta(days=30)
TERMINAL_DELAY = timedelta(days=7)  # fraud labels arrive late: only count what was known by then
TERMINAL_WINDOW = timedelta(days=28)

FEATURES: dict[str, str] = {
    "amount": "Amount of the transaction",
    "currency": "ISO currency code",
    "kind": "deposit, withdrawal, transfer, payment, expense …",
    "description": "Free text from the source",
    "location": "Where it happened (city, country or branch)",
    "payee": "Who is paid",
    "terminal_id": "Terminal or merchant id",
    "hour": "Hour of day in the bank's time zone (0-23)",
    "weekday": "Day of week, Monday = 0",
    "is_weekend": "Saturday or Sunday",
    "is_night": "Between 22:00 and 06:00",
    "cust_count_1h": "Customer's transactions in the hour before",
    "cust_sum_1h": "Customer's amount in the hour before",
    "cust_count_1d": "Customer's transactions in the day before",
    "cust_sum_1d": "Customer's amount in the day before",
    "cust_count_7d": "Customer's transactions in the 7 days before",
    "cust_sum_7d": "Customer's amount in the 7 days before",
    "cust_count_30d": "Customer's transactions in the 30 days before",
    "cust_sum_30d": "Customer's amount in the 30 days before",
    "cust_avg_amount_30d": "Customer's average amount over 30 days",
    "amount_to_avg_ratio": "This amount divided by the 30-day average (empty without history)",
    "hour_deviation": "Hours from the customer's usual time of day (empty with under 3 past transactions)",
    "is_new_location": "A location the customer has not used in 30 days",
    "is_new_payee": "A payee the customer has not paid in 30 days",
    "term_count_1d": "Terminal's transactions in the day before",
    "term_fraud_count_28d": "Confirmed frauds at the terminal in the 28 days before the last 7",
    "term_fraud_rate_28d": "Share of the terminal's transactions in that window confirmed as fraud",
}


@dataclass(frozen=True, slots=True)
class Event:
    occurred_at: datetime
    amount: Decimal
    location: str = ""
    payee: str = ""
    terminal_id: str = ""
    is_fraud_known_at: datetime | None = None  # when it was labelled fraud, if it was


@dataclass(frozen=True, slots=True)
class Current:
    occurred_at: datetime
    amount: Decimal
    currency: str = "USD"
    kind: str = ""
    description: str = ""
    location: str = ""
    payee: str = ""
    terminal_id: str = ""


def _window(history: Sequence[Event], start: datetime, end: datetime) -> list[Event]:
    return [e for e in history if start <= e.occurred_at < end]


def _circular_hour_distance(a: float, b: float) -> float:
    d = abs(a - b) % 24
    return min(d, 24 - d)


def compute(current: Current, customer_history: Sequence[Event], terminal_history: Sequence[Event], tz: ZoneInfo):
    t = current.occurred_at
    local = t.astimezone(tz)
    f: dict[str, Any] = {
        "amount": current.amount,
        "currency": current.currency,
        "kind": current.kind,
        "description": current.description,
        "location": current.location,
        "payee": current.payee,
        "terminal_id": current.terminal_id,
        "hour": local.hour,
        "weekday": local.weekday(),
        "is_weekend": local.weekday() >= 5,
        "is_night": local.hour >= 22 or local.hour < 6,
    }
    past = _window(customer_history, t - CUSTOMER_WINDOW, t)
    for label, span in (("1h", HOUR), ("1d", DAY), ("7d", 7 * DAY), ("30d", CUSTOMER_WINDOW)):
        events = [e for e in past if e.occurred_at >= t - span]
        f[f"cust_count_{label}"] = len(events)
        f[f"cust_sum_{label}"] = sum((e.amount for e in events), Decimal("0"))
    avg = f["cust_sum_30d"] / len(past) if past else None
    f["cust_avg_amount_30d"] = avg.quantize(Decimal("0.01")) if avg is not None else None
    f["amount_to_avg_ratio"] = round(float(current.amount / avg), 3) if avg else None
    if len(past) >= 3:
        hours = [e.occurred_at.astimezone(tz).hour + e.occurred_at.astimezone(tz).minute / 60 for e in past]
        angle = math.atan2(
            sum(math.sin(h / 24 * 2 * math.pi) for h in hours), sum(math.cos(h / 24 * 2 * math.pi) for h in hours)
        )
        usual = (angle / (2 * math.pi) * 24) % 24
        f["hour_deviation"] = round(_circular_hour_distance(local.hour + local.minute / 60, usual), 2)
    else:
        f["hour_deviation"] = None
    f["is_new_location"] = bool(current.location and past and current.location not in {e.location for e in past})
    f["is_new_payee"] = bool(current.payee and past and current.payee not in {e.payee for e in past})

    f["term_count_1d"] = len(_window(terminal_history, t - DAY, t)) if current.terminal_id else 0
    delayed = _window(terminal_history, t - TERMINAL_DELAY - TERMINAL_WINDOW, t - TERMINAL_DELAY)
    frauds = sum(1 for e in delayed if e.is_fraud_known_at is not None and e.is_fraud_known_at <= t)
    f["term_fraud_count_28d"] = frauds
    f["term_fraud_rate_28d"] = round(frauds / len(delayed), 4) if delayed else 0.0
    return f
