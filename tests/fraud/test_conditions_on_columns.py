"""Rule conditions run on whole columns give, row by row, what the condition language says for one
transaction's features (the straightforward per-row evaluator is kept here as the oracle)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from apps.fraud.rules.conditions import OPERATORS, evaluate
from apps.fraud.rules.features import Batch


def reference(cond, features) -> bool:
    if "all" in cond:
        return all(reference(c, features) for c in cond["all"])
    if "any" in cond:
        return any(reference(c, features) for c in cond["any"])
    if "not" in cond:
        return not reference(cond["not"], features)
    return OPERATORS[cond["op"]](features.get(cond["field"]), cond.get("value"))


LEAVES = [
    {"field": "amount", "op": "gt", "value": 2500},
    {"field": "amount", "op": "lte", "value": "2500.00"},
    {"field": "amount", "op": "between", "value": [1000, 3000.5]},
    {"field": "cust_sum_1d", "op": "gte", "value": 4000},
    {"field": "cust_avg_amount_30d", "op": "lt", "value": 2000},
    {"field": "amount_to_avg_ratio", "op": "gte", "value": 1.5},
    {"field": "hour_deviation", "op": "gt", "value": 3},
    {"field": "cust_count_1h", "op": "gte", "value": 2},
    {"field": "hour", "op": "in", "value": [22, 23, 0, 1]},
    {"field": "weekday", "op": "eq", "value": 5},
    {"field": "is_night", "op": "is_true"},
    {"field": "is_weekend", "op": "is_false"},
    {"field": "hour_deviation", "op": "is_true"},
    {"field": "is_new_location", "op": "is_true"},
    {"field": "description", "op": "contains_any", "value": ["GIFT", "casino"]},
    {"field": "location", "op": "not_in", "value": ["Oslo", ""]},
    {"field": "payee", "op": "ne", "value": "Shop"},
    {"field": "term_fraud_rate_28d", "op": "gte", "value": 0.2},
    {"field": "term_count_1d", "op": "between", "value": [1, 3]},
]


def _condition(rng: random.Random, depth: int = 0):
    if depth < 2 and rng.random() < 0.5:
        kind = rng.choice(["all", "any", "not"])
        if kind == "not":
            return {"not": _condition(rng, depth + 1)}
        return {kind: [_condition(rng, depth + 1) for _ in range(rng.randint(1, 3))]}
    return rng.choice(LEAVES)


@pytest.mark.parametrize("seed", range(5))
def test_conditions_on_columns_match_the_per_row_language(seed, settings):
    from apps.fraud.selectors import FeatureState

    rng = random.Random(seed)
    start = datetime(2026, 3, 1, tzinfo=UTC)
    rows = sorted(
        (
            SimpleNamespace(
                occurred_at=start + timedelta(minutes=rng.randint(0, 20 * 24 * 60)),
                amount=Decimal(rng.randint(1, 500_000)) / 100,
                currency="USD",
                kind="payment",
                description=rng.choice(["", "Gift card", "casino night", "groceries"]),
                location=rng.choice(["", "Oslo", "Paris"]),
                payee=rng.choice(["", "Shop", "Bar"]),
                terminal_id=rng.choice(["", "T1", "T2"]),
                customer_ref=rng.choice(["C1", "C2", "C3"]),
                label="fraud" if rng.random() < 0.2 else "",
                labelled_at=start,
            )
            for _ in range(400)
        ),
        key=lambda r: r.occurred_at,
    )
    columns = FeatureState().features(Batch.of(rows, ZoneInfo(settings.TIME_ZONE)))
    dicts = columns.dicts()
    fired = 0
    for _ in range(60):
        cond = _condition(rng)
        got = evaluate(cond, columns).tolist()
        assert got == [reference(cond, f) for f in dicts], cond
        fired += sum(got)
    assert fired > 0  # the conditions chosen do fire on this data
