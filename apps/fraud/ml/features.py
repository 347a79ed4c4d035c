"""The model's view of the behavioural features (`rules/features.py`): numbers, in a fixed order."""

from __future__ import annotations

from typing import Any

MODEL_FEATURES = [
    "amount", "hour", "weekday", "is_weekend", "is_night",
    "cust_count_1h", "cust_sum_1h", "cust_count_1d", "cust_sum_1d", "cust_count_7d", "cust_sum_7d",
    "cust_count_30d", "cust_sum_30d", "cust_avg_amount_30d", "amount_to_avg_ratio", "hour_deviation",
    "is_new_location", "is_new_payee", "term_count_1d", "term_fraud_count_28d", "term_fraud_rate_28d",
]  # fmt: skip


def _number(value: Any) -> float:
    if value is None:
        return float("nan")  # missing: the gradient-boosted trees handle it natively
    return float(value)


def matrix(rows, names: list[str]):
    """Feature dicts, or a batch's `Columns`, as a float matrix in the order of `names`."""
    import numpy as np

    if not isinstance(rows, list):
        return np.column_stack([rows.number(n) for n in names]) if len(rows) else np.zeros((0, len(names)))
    return np.array([[_number(r.get(n)) for n in names] for r in rows], dtype=float)
