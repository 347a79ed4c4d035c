"""The rule condition language: JSON that staff can read, validate and back-test.

    {"all": [ {"field": "amount", "op": "gt", "value": 10000, "currency": "USD"},
              {"any": [{"field": "description", "op": "contains_any", "value": ["gift", "gaming"]},
                       {"field": "is_night", "op": "is_true"}]} ]}

A leaf names a feature (see FEATURES) and an operator; "all", "any" and "not" combine them. A
threshold on money (the amount, a customer's sums) is in the currency the leaf names, or in the bank's
currency (BANK_CURRENCY) when it names none: each transaction's amount is converted at its day's
exchange rate before the comparison, and one in a currency without a rate never meets it.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import numpy as np
from django.conf import settings

from .features import FEATURES, MONEY_FEATURES, NUMERIC


class ConditionError(ValueError):
    """The condition is not valid; the message says where."""


def _num(v: Any) -> Decimal:
    return v if isinstance(v, Decimal) else Decimal(str(v))


def _contains_any(text: Any, words: list[str]) -> bool:
    lowered = str(text or "").lower()
    return any(w.lower() in lowered for w in words)


OPERATORS = {
    "gt": lambda a, b: a is not None and _num(a) > _num(b),
    "gte": lambda a, b: a is not None and _num(a) >= _num(b),
    "lt": lambda a, b: a is not None and _num(a) < _num(b),
    "lte": lambda a, b: a is not None and _num(a) <= _num(b),
    "between": lambda a, b: a is not None and _num(b[0]) <= _num(a) <= _num(b[1]),
    "eq": lambda a, b: a == b,
    "ne": lambda a, b: a != b,
    "in": lambda a, b: a in b,
    "not_in": lambda a, b: a not in b,
    "contains_any": _contains_any,
    "is_true": lambda a, _b: bool(a),
    "is_false": lambda a, _b: not a,
}
_NEEDS_LIST = {"between", "in", "not_in", "contains_any"}
_NO_VALUE = {"is_true", "is_false"}


def validate(cond: Any, path: str = "condition") -> None:
    if not isinstance(cond, dict) or not cond:
        raise ConditionError(f"{path}: must be an object")
    if "all" in cond or "any" in cond:
        key = "all" if "all" in cond else "any"
        parts = cond[key]
        if not isinstance(parts, list) or not parts:
            raise ConditionError(f"{path}.{key}: must be a non-empty list")
        for i, part in enumerate(parts):
            validate(part, f"{path}.{key}[{i}]")
        return
    if "not" in cond:
        validate(cond["not"], f"{path}.not")
        return
    field, op = cond.get("field"), cond.get("op")
    if field not in FEATURES:
        raise ConditionError(f"{path}: unknown field {field!r}; known: {', '.join(sorted(FEATURES))}")
    if op not in OPERATORS:
        raise ConditionError(f"{path}: unknown operator {op!r}; known: {', '.join(sorted(OPERATORS))}")
    if "currency" in cond:
        if field not in MONEY_FEATURES or op not in _COMPARE:
            raise ConditionError(f"{path}: a currency goes only with a comparison of an amount")
        from django.core.exceptions import ValidationError

        from apps.core.money import currency_check

        try:
            currency_check(cond["currency"] if isinstance(cond["currency"], str) else "")
        except ValidationError as exc:
            raise ConditionError(f"{path}: {exc.messages[0]}") from None
    if op in _NO_VALUE:
        return
    if "value" not in cond:
        raise ConditionError(f"{path}: operator {op!r} needs a value")
    value = cond["value"]
    if op in _NEEDS_LIST and not isinstance(value, list):
        raise ConditionError(f"{path}: operator {op!r} needs a list")
    if op == "between" and len(value) != 2:
        raise ConditionError(f"{path}: 'between' needs [low, high]")
    if op in ("gt", "gte", "lt", "lte", "between"):
        try:
            [_num(v) for v in (value if isinstance(value, list) else [value])]
        except (ArithmeticError, ValueError) as exc:
            raise ConditionError(f"{path}: {op!r} needs numbers") from exc


def evaluate(cond: dict, columns) -> np.ndarray:
    """Which transactions of a batch (`features.Columns`) meet the condition, as booleans.

    Comparisons on numbers run on whole columns (an empty value never compares true); every other
    operator runs the same Python test as one value would, once per distinct value."""
    if "all" in cond:
        return np.logical_and.reduce([evaluate(c, columns) for c in cond["all"]])
    if "any" in cond:
        return np.logical_or.reduce([evaluate(c, columns) for c in cond["any"]])
    if "not" in cond:
        return ~evaluate(cond["not"], columns)
    name, op, value = cond["field"], cond["op"], cond.get("value")
    if op in ("is_true", "is_false") and name in NUMERIC:
        a = columns.number(name)
        truthy = (a != 0) & ~np.isnan(a)  # an empty value (NaN here, None as a value) is false
        return truthy if op == "is_true" else ~truthy
    if op in _COMPARE and name in NUMERIC:
        a = columns.number(name)
        if name in MONEY_FEATURES:
            a = a * columns.factor(str(cond.get("currency") or settings.BANK_CURRENCY).upper())
        with np.errstate(invalid="ignore"):
            if op == "between":
                return (float(_num(value[0])) <= a) & (a <= float(_num(value[1])))
            return _COMPARE[op](a, float(_num(value)))
    values = columns.values(name)
    test = OPERATORS[op]
    verdicts = {v: test(v, value) for v in set(values)}
    return np.array(list(map(verdicts.__getitem__, values)), dtype=bool)


_COMPARE = {"gt": np.greater, "gte": np.greater_equal, "lt": np.less, "lte": np.less_equal, "between": None}
