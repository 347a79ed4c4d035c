"""The one-pass `compute()` gives exactly what the straightforward version (kept here as the oracle)
gave, on random histories: same counts, same Decimal sums, same floats."""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from apps.fraud.rules.features import (
    CUSTOMER_WINDOW,
    DAY,
    HOUR,
    TERMINAL_DELAY,
    TERMINAL_WINDOW,
    Current,
    Event,
    compute,
)


def _ref_window(history: Sequence[Event], start: datetime, end: datetime) -> list[Event]:
    return [e for e in history if start <= e.occurred_at < end]


def _ref_distance(a: float, b: float) -> float:
    d = abs(a - b) % 24
    return min(d, 24 - d)


def reference_compute(
    current: Current, customer_history: Sequence[Event], terminal_history: Sequence[Event], tz: ZoneInfo
):
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
        "channel": current.channel,
        "country": current.country,
        "counterparty_country": current.counterparty_country,
        "hour": local.hour,
        "weekday": local.weekday(),
        "is_weekend": local.weekday() >= 5,
        "is_night": local.hour >= 22 or local.hour < 6,
    }
    past = _ref_window(customer_history, t - CUSTOMER_WINDOW, t)
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
        f["hour_deviation"] = round(_ref_distance(local.hour + local.minute / 60, usual), 2)
    else:
        f["hour_deviation"] = None
    f["is_new_location"] = bool(current.location and past and current.location not in {e.location for e in past})
    f["is_new_payee"] = bool(current.payee and past and current.payee not in {e.payee for e in past})

    f["term_count_1d"] = len(_ref_window(terminal_history, t - DAY, t)) if current.terminal_id else 0
    delayed = _ref_window(terminal_history, t - TERMINAL_DELAY - TERMINAL_WINDOW, t - TERMINAL_DELAY)
    frauds = sum(1 for e in delayed if e.is_fraud_known_at is not None and e.is_fraud_known_at <= t)
    f["term_fraud_count_28d"] = frauds
    f["term_fraud_rate_28d"] = round(frauds / len(delayed), 4) if delayed else 0.0
    return f


def _history(rng: random.Random, now: datetime, n: int) -> list[Event]:
    events = []
    for _ in range(n):
        at = now - timedelta(minutes=rng.randint(-120, 70 * 24 * 60))  # some after `now`: must be ignored
        known = at + timedelta(days=rng.randint(0, 14)) if rng.random() < 0.2 else None
        e = Event(at, Decimal(rng.randint(1, 2_000_000)) / 100, rng.choice(["", "Oslo", "Paris", "Lagos"]),
                  rng.choice(["", "Shop", "Casino"]), rng.choice(["T1", "T2"]), known)  # fmt: skip
        events.append(e)
    rng.shuffle(events)
    return events


@pytest.mark.parametrize("seed", range(40))
def test_one_pass_compute_matches_the_reference(seed):
    rng = random.Random(seed)
    tz = ZoneInfo(rng.choice(["UTC", "Europe/Oslo", "America/New_York", "Asia/Kolkata"]))
    now = datetime(2026, 3, 4, 12, 0, tzinfo=UTC) + timedelta(minutes=rng.randint(0, 20000))
    customer = _history(rng, now, rng.choice([0, 1, 2, 3, 10, 60]))
    terminal = _history(rng, now, rng.choice([0, 5, 80]))
    current = Current(now, Decimal(rng.randint(1, 2_000_000)) / 100, location=rng.choice(["", "Oslo", "Rome"]),
                      payee=rng.choice(["", "Shop", "New"]), terminal_id=rng.choice(["", "T1"]))  # fmt: skip
    assert compute(current, customer, terminal, tz) == reference_compute(current, customer, terminal, tz)


@pytest.mark.parametrize("seed", range(6))
def test_a_stream_in_batches_matches_the_reference_row_by_row(seed, settings):
    """File ingestion's path: many customers and terminals, batches of random size (each in random
    order), history kept in memory between batches; every row equals the oracle given its history."""
    from apps.fraud.rules.features import Batch
    from apps.fraud.selectors import FeatureState

    settings.TIME_ZONE = random.Random(seed).choice(["UTC", "Europe/Oslo", "America/New_York"])
    rng = random.Random(seed)
    start = datetime(2026, 3, 1, tzinfo=UTC)
    rows = []
    for k in range(600):
        fraud = rng.random() < 0.1
        at = start + timedelta(minutes=rng.randint(0, 50 * 24 * 60))
        rows.append(SimpleNamespace(
            occurred_at=at, amount=Decimal(rng.randint(1, 500_000)) / 100, currency="USD", kind="payment",
            description="", location=rng.choice(["", "Oslo", "Paris"]), payee=rng.choice(["", "Shop", "Bar"]),
            terminal_id=rng.choice(["", "T1", "T2", "T3"]), customer_ref=rng.choice(["", "C1", "C2", "C3", "C4"]),
            label="fraud" if fraud else "", labelled_at=at + timedelta(days=rng.randint(0, 10)) if fraud else None,
            n=k,
        ))  # fmt: skip
    rows.sort(key=lambda r: r.occurred_at)
    state, tz = FeatureState(), ZoneInfo(settings.TIME_ZONE)
    done = 0
    while done < len(rows):
        size = rng.choice([1, 7, 50, 200])
        chunk = rows[done : done + size]
        rng.shuffle(chunk)
        got = state.features(Batch.of(chunk, tz)).dicts()
        done += len(chunk)
        seen = rows[:done]
        for row, features in zip(chunk, got, strict=True):

            def event(r):
                return Event(r.occurred_at, r.amount, r.location, r.payee, r.terminal_id, r.labelled_at)

            mine = [event(r) for r in seen if row.customer_ref and r.customer_ref == row.customer_ref and r is not row]
            theirs = [event(r) for r in seen if row.terminal_id and r.terminal_id == row.terminal_id and r is not row]
            current = Current(row.occurred_at, row.amount, row.currency, row.kind, row.description, row.location,
                              row.payee, row.terminal_id)  # fmt: skip
            assert features == reference_compute(current, mine, theirs, tz), row.n


def test_rounding_a_column_rounds_each_value_as_python_does():
    from apps.fraud.rules.features import rounded_like_python

    rng = random.Random(3)
    halves = [k / 1000 + 0.0005 for k in range(5000)] + [k / 100 + 0.005 for k in range(3000)]
    values = halves + [rng.uniform(0, 50) for _ in range(5000)] + [2.675, 0.125, 0.375, 1.0005, float("nan")]
    for places in (2, 3, 4):
        got = rounded_like_python(np.array(values), places).tolist()
        want = [round(v, places) for v in values]
        assert got[:-1] == want[:-1]
        assert math.isnan(got[-1])
