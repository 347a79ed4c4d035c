"""CSV layouts: the built-in formats and saved column mappings, parsed into validated rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation

from django.utils import timezone
from django.utils.dateparse import parse_datetime

from .choices import Label, TransactionKind

FIELDS = ("external_id", "customer_ref", "terminal_id", "payee", "amount", "currency", "occurred_at", "location",
          "description", "kind")  # fmt: skip
REQUIRED = ("amount", "occurred_at")


@dataclass(frozen=True)
class Layout:
    name: str
    columns: dict[str, str]  # field → CSV column
    kind: str
    description: str


BUILT_IN: dict[str, Layout] = {
    "expense": Layout(
        "expense",
        {
            "external_id": "transaction_id",
            "customer_ref": "employee_id",
            "amount": "amount",
            "location": "location",
            "description": "description",
            "occurred_at": "timestamp",
        },
        TransactionKind.EXPENSE,
        "Employee expenses: transaction_id, employee_id, amount, location, description, timestamp",
    ),
    "card": Layout(
        "card",
        {
            "external_id": "transaction_id",
            "occurred_at": "timestamp",
            "customer_ref": "customer_id",
            "terminal_id": "terminal_id",
            "amount": "amount",
        },
        TransactionKind.PAYMENT,
        "Card payments: transaction_id, timestamp, customer_id, terminal_id, amount (+ optional label)",
    ),
}

_TIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%Y-%m-%d")
_TRUE_LABELS = {"1", "true", "yes", "fraud", "y"}
_FALSE_LABELS = {"0", "false", "no", "legitimate", "legit", "n"}


def layout_for(fmt: str, mapping: dict[str, str] | None = None) -> Layout:
    if fmt in BUILT_IN:
        return BUILT_IN[fmt]
    if fmt != "mapping":
        raise ValueError(f"Unknown format {fmt!r}: use {', '.join(BUILT_IN)} or a column mapping.")
    mapping = mapping or {}
    unknown = set(mapping) - set(FIELDS)
    if unknown:
        raise ValueError(f"Unknown field(s) in the mapping: {', '.join(sorted(unknown))}. Fields: {', '.join(FIELDS)}.")
    missing = [f for f in REQUIRED if f not in mapping]
    if missing:
        raise ValueError(f"The mapping must name a column for: {', '.join(missing)}.")
    return Layout("mapping", dict(mapping), TransactionKind.PAYMENT, "Saved column mapping")


def parse_mapping(text: str) -> dict[str, str]:
    """'amount=Amt,occurred_at=When' → {'amount': 'Amt', 'occurred_at': 'When'}"""
    pairs = [p.strip() for p in text.split(",") if p.strip()]
    result = {}
    for pair in pairs:
        field, sep, column = pair.partition("=")
        if not sep or not field.strip() or not column.strip():
            raise ValueError(f"{pair!r} is not field=COLUMN.")
        result[field.strip()] = column.strip()
    return result


def missing_columns(layout: Layout, header: list[str], label_column: str = "") -> list[str]:
    wanted = list(layout.columns.values()) + ([label_column] if label_column else [])
    return [c for c in wanted if c not in header]


def _parse_time(text: str) -> datetime:
    value = parse_datetime(text)
    if value is None:
        for fmt in _TIME_FORMATS:
            try:
                value = datetime.strptime(text, fmt)
                break
            except ValueError:
                continue
    if value is None:
        raise ValueError(f"{text!r} is not a date and time (use ISO 8601, e.g. 2026-03-04 23:30:00)")
    return timezone.make_aware(value) if timezone.is_naive(value) else value


def parse_row(layout: Layout, row: dict[str, str], label_column: str = "") -> tuple[dict | None, dict[str, str]]:
    """A validated row for `transaction_ingest`-style storage, or the errors by column."""
    errors: dict[str, str] = {}
    data: dict = {"kind": layout.kind}
    for field, column in layout.columns.items():
        value = (row.get(column) or "").strip()
        if field == "amount":
            try:
                amount = Decimal(value.replace(",", "")) if value else None
            except InvalidOperation:
                amount = None
            if amount is None or not amount.is_finite():
                errors[column] = f"{value!r} is not an amount"
            elif amount <= 0:
                errors[column] = "the amount must be greater than zero"
            elif amount >= Decimal("1e16"):
                errors[column] = "the amount is too large"
            else:
                data["amount"] = amount.quantize(Decimal("0.01"))
        elif field == "occurred_at":
            if not value:
                errors[column] = "a date and time is required"
            else:
                try:
                    data["occurred_at"] = _parse_time(value)
                except ValueError as exc:
                    errors[column] = str(exc)
        elif field == "kind":
            if value and value not in TransactionKind.values:
                errors[column] = f"{value!r} is not one of {', '.join(TransactionKind.values)}"
            elif value:
                data["kind"] = value
        elif field == "currency":
            if value and (len(value) != 3 or not value.isalpha()):
                errors[column] = f"{value!r} is not a 3-letter currency code"
            data["currency"] = value.upper() or "USD"
        else:
            limit = {"external_id": 100, "customer_ref": 64, "terminal_id": 64, "payee": 200, "location": 100,
                     "description": 255}[field]  # fmt: skip
            if len(value) > limit:
                errors[column] = f"longer than {limit} characters"
            data[field] = value
    if label_column:
        raw = (row.get(label_column) or "").strip().lower()
        if raw in _TRUE_LABELS:
            data["label"] = Label.FRAUD
        elif raw in _FALSE_LABELS:
            data["label"] = Label.LEGITIMATE
        elif raw:
            errors[label_column] = f"{raw!r} is not a label (fraud/legitimate, 1/0)"
    return (None, errors) if errors else (data, {})
