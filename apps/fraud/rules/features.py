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
    # The time of day in the bank's zone as a point on the 24-hour circle (sin, cos), worked out once
    # when the event is made (`with_clock`) rather than for every later transaction that looks back.
    clock: tuple[float, float] | None = None

    def with_clock(self, tz: ZoneInfo) -> Event:
        local = self.occurred_at.astimezone(tz)
        angle = (local.hour + local.minute / 60) / 24 * 2 * math.pi
        return Event(self.occurred_at, self.amount, self.location, self.payee, self.terminal_id,
                     self.is_fraud_known_at, (math.sin(angle), math.cos(angle)))  # fmt: skip


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


def _circular_hour_distance(a: float, b: float) -> float:
    d = abs(a - b) % 24
    return min(d, 24 - d)


def _clock(event: Event, tz: ZoneInfo) -> tuple[float, float]:
    return event.clock if event.clock is not None else event.with_clock(tz).clock  # type: ignore[return-value]


def compute(current: Current, customer_history: Sequence[Event], terminal_history: Sequence[Event], tz: ZoneInfo):
    """The features of `current` given its customer's and terminal's earlier events (in any order).
    One pass over each history: this runs once per ingested row."""
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
    since_30d, since_7d, since_1d, since_1h = t - CUSTOMER_WINDOW, t - 7 * DAY, t - DAY, t - HOUR
    zero = Decimal("0")
    n30 = n7 = n1d = n1h = 0
    s30 = s7 = s1d = s1h = zero
    sin_sum = cos_sum = 0.0
    locations: set[str] = set()
    payees: set[str] = set()
    for e in customer_history:
        at = e.occurred_at
        if not since_30d <= at < t:
            continue
        amount = e.amount
        n30 += 1
        s30 += amount
        if at >= since_7d:
            n7 += 1
            s7 += amount
            if at >= since_1d:
                n1d += 1
                s1d += amount
                if at >= since_1h:
                    n1h += 1
                    s1h += amount
        x, y = _clock(e, tz)
        sin_sum += x
        cos_sum += y
        locations.add(e.location)
        payees.add(e.payee)
    f.update(cust_count_1h=n1h, cust_sum_1h=s1h, cust_count_1d=n1d, cust_sum_1d=s1d, cust_count_7d=n7,
             cust_sum_7d=s7, cust_count_30d=n30, cust_sum_30d=s30)  # fmt: skip
    avg = s30 / n30 if n30 else None
    f["cust_avg_amount_30d"] = avg.quantize(Decimal("0.01")) if avg is not None else None
    f["amount_to_avg_ratio"] = round(float(current.amount / avg), 3) if avg else None
    if n30 >= 3:
        usual = (math.atan2(sin_sum, cos_sum) / (2 * math.pi) * 24) % 24
        f["hour_deviation"] = round(_circular_hour_distance(local.hour + local.minute / 60, usual), 2)
    else:
        f["hour_deviation"] = None
    f["is_new_location"] = bool(current.location and n30 and current.location not in locations)
    f["is_new_payee"] = bool(current.payee and n30 and current.payee not in payees)

    day_count = delayed = frauds = 0
    since_delayed, until_delayed = t - TERMINAL_DELAY - TERMINAL_WINDOW, t - TERMINAL_DELAY
    for e in terminal_history:
        at = e.occurred_at
        if since_1d <= at < t:
            day_count += 1
        if since_delayed <= at < until_delayed:
            delayed += 1
            if e.is_fraud_known_at is not None and e.is_fraud_known_at <= t:
                frauds += 1
    f["term_count_1d"] = day_count if current.terminal_id else 0
    f["term_fraud_count_28d"] = frauds
    f["term_fraud_rate_28d"] = round(frauds / delayed, 4) if delayed else 0.0
    return f
