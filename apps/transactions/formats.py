"""CSV layouts: the built-in formats and saved column mappings, parsed into validated rows."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation

import numpy as np
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from apps.core.bounds import EARLIEST, LATEST, MOMENT_ERROR, check_moment
from apps.core.money import AMOUNT_MAX, AMOUNT_MAX_CENTS, AMOUNT_MIN, currencies

from . import aml
from .choices import Channel, Label, TransactionKind

FIELDS = ("external_id", "customer_ref", "terminal_id", "payee", "amount", "currency", "occurred_at", "location",
          "description", "kind", *aml.FIELDS)  # fmt: skip
REQUIRED = ("amount", "occurred_at")


@dataclass(frozen=True)
class Layout:
    name: str
    columns: dict[str, str]  # field → CSV column
    kind: str
    description: str
    channel: str = ""  # of every row, unless a mapped column names it


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
        Channel.CARD.value,
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
    try:
        check_moment(value)
        return timezone.make_aware(value) if timezone.is_naive(value) else value
    except (ValidationError, OverflowError):
        raise ValueError(f"{text!r}: {MOMENT_ERROR[0].lower()}{MOMENT_ERROR[1:]}") from None


def parse_row(layout: Layout, row: dict[str, str], label_column: str = "") -> tuple[dict | None, dict[str, str]]:
    """A validated row for `transaction_ingest`-style storage, or the errors by column."""
    errors: dict[str, str] = {}
    data: dict = {"kind": layout.kind, "channel": layout.channel, "counterparty_country": "", "country": ""}
    for field, column in layout.columns.items():
        value = (row.get(column) or "").strip()
        if field == "amount":
            try:
                amount = Decimal(value.replace(",", "")) if value else None
            except InvalidOperation:
                amount = None
            if amount is None or not amount.is_finite():
                errors[column] = f"{value!r} is not an amount"
            elif amount > AMOUNT_MAX:
                errors[column] = f"the amount must be at most {AMOUNT_MAX:,}"
            elif (amount := amount.quantize(_CENT)) < AMOUNT_MIN:
                errors[column] = "the amount must be greater than zero"
            else:
                data["amount"] = amount
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
            if value and value.upper() not in currencies():
                errors[column] = f"{value!r} is not an ISO 4217 currency code in use"
            data["currency"] = value.upper() or settings.BANK_CURRENCY
        elif field in ("channel", *aml.COUNTRY_FIELDS):
            try:
                data[field] = (aml.channel_check if field == "channel" else aml.country_check)(value) or data[field]
            except ValueError as exc:
                errors[column] = str(exc)
        elif field == "direction":
            data["direction"] = value
        else:
            limit = _LIMITS[field]
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
    if "kind" not in errors:  # a direction is checked against the row's kind
        try:
            data["direction"] = aml.direction_of(data["kind"], data.get("direction", ""))
        except ValueError as exc:
            errors[layout.columns["direction"]] = str(exc)
    return (None, errors) if errors else (data, {})


_LIMITS = {"external_id": 100, "customer_ref": 64, "terminal_id": 64, "payee": 200, "location": 100, "description": 255,
           **aml.LIMITS}  # fmt: skip
_CENT = Decimal("0.01")
COLUMNS = ("external_id", "customer_ref", "terminal_id", "payee", "location", "description", "cents", "t",
           "currency", "kind", "label", *aml.FIELDS)  # fmt: skip
_PLAIN_AMOUNTS = re.compile(r"(?:[0-9]{1,13}(?:\.[0-9]{1,2})?\n)*")  # up to 13 digits, 2 decimals, one a line
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_FIRST_US = (EARLIEST.replace(tzinfo=None) - datetime(1970, 1, 1)) // timedelta(microseconds=1)
_LAST_US = (LATEST.replace(tzinfo=None) - datetime(1970, 1, 1)) // timedelta(microseconds=1)
_DIGITS = [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18]  # in "YYYY-MM-DD HH:MM:SS"


def _micros(moment: datetime) -> int:
    return (moment - _EPOCH) // timedelta(microseconds=1)


def _times(texts: list[str], zone, bad: bytearray) -> list[int]:
    """Date-times as µs since 1970 (UTC). The common shape, "YYYY-MM-DD HH:MM:SS" (or with a T) in the
    bank's zone, is read a column at a time; any other goes through `datetime.fromisoformat`, and
    a naive time is in the bank's zone (as `make_aware` puts it) either way."""
    n = len(texts)
    out = np.zeros(n, dtype=np.int64)
    common = np.zeros(n, dtype=bool)
    if n:
        text = np.array(texts)
        if text.dtype.itemsize == 4 * 19:
            chars = text.view(np.uint32).reshape(n, 19)
            digits = chars[:, _DIGITS]
            common = (
                ((digits >= 48) & (digits <= 57)).all(axis=1) & (chars[:, 4] == 45) & (chars[:, 7] == 45)
                & ((chars[:, 10] == 32) | (chars[:, 10] == 84)) & (chars[:, 13] == 58) & (chars[:, 16] == 58)
            )  # fmt: skip
            try:
                local = text[common].astype("datetime64[us]").astype(np.int64)
            except ValueError:  # a month or day out of range: each one on its own
                common[:] = False
            else:
                inside = (local >= _FIRST_US) & (local <= _LAST_US)
                if not inside.all():  # out of the recorded range: bad rows (parse_row says why)
                    for k in np.flatnonzero(common)[~inside].tolist():
                        bad[k] = 1
                    common[np.flatnonzero(common)[~inside]] = False
                    local = local[inside]
                out[common] = local - _offsets(local, zone)
    for k in np.flatnonzero(~common).tolist():
        if bad[k]:
            continue
        try:
            moment = datetime.fromisoformat(texts[k])
            check_moment(moment)
            out[k] = _micros(moment if moment.tzinfo else moment.replace(tzinfo=zone))
        except (ValueError, ValidationError, OverflowError):
            bad[k] = 1
    return out.tolist()


def _offsets(local: np.ndarray, zone) -> np.ndarray:
    """The zone's UTC offset (µs) of each naive local time (µs), as `replace(tzinfo=zone)` gives it:
    looked up once per local hour, and per time in an hour where the offset changes."""
    hour = 3_600_000_000
    hours, inverse = np.unique(local // hour, return_inverse=True)
    per_hour = np.zeros(len(hours), dtype=np.int64)
    mixed = []
    for i, h in enumerate(hours.tolist()):
        start = datetime(1970, 1, 1) + timedelta(hours=h)
        first = start.replace(tzinfo=zone).utcoffset()
        per_hour[i] = first // timedelta(microseconds=1)
        if (start + timedelta(minutes=59, seconds=59)).replace(tzinfo=zone).utcoffset() != first:
            mixed.append(i)
    offsets = per_hour[inverse.reshape(-1)]
    for i in mixed:
        for k in np.flatnonzero(inverse.reshape(-1) == i).tolist():
            moment = datetime(1970, 1, 1) + timedelta(microseconds=int(local[k]))
            offsets[k] = moment.replace(tzinfo=zone).utcoffset() // timedelta(microseconds=1)
    return offsets


def _amount(text: str) -> Decimal:
    amount = Decimal(text.replace(",", ""))
    if not (amount.is_finite() and amount <= AMOUNT_MAX):
        raise ValueError(text)
    amount = amount.quantize(_CENT)
    if amount < AMOUNT_MIN:
        raise ValueError(text)
    return amount


def _cents(texts: list[str], bad: bytearray) -> list[int]:
    """Amounts in whole cents. A column of plain amounts ("1234.5") is converted through floats, exact
    at up to 13 digits and 2 decimals; any other column value by value as `parse_row` reads it."""
    if _PLAIN_AMOUNTS.fullmatch("\n".join(texts) + "\n" if texts else ""):
        cents = np.rint(np.array(texts, dtype=float) * 100).astype(np.int64)
        for k in np.flatnonzero((cents <= 0) | (cents > AMOUNT_MAX_CENTS)).tolist():
            bad[k] = 1  # zero or past the range: parse_row says why
        return cents.tolist()
    return [0 if a is None else int(a.scaleb(2)) for a in _each(_amount, texts, bad)]


def _label(text: str) -> str:
    text = text.lower()
    if text in _TRUE_LABELS:
        return Label.FRAUD
    if text in _FALSE_LABELS:
        return Label.LEGITIMATE
    if text:
        raise ValueError(text)
    return ""


def _each(convert, values: list[str], bad: bytearray) -> list:
    """`convert` applied to every value; one that fails is None and marks its row bad."""
    try:
        return list(map(convert, values))
    except (ValueError, ArithmeticError, TypeError):
        out = []
        for k, v in enumerate(values):
            try:
                out.append(convert(v))
            except (ValueError, ArithmeticError, TypeError):
                out.append(None)
                bad[k] = 1
        return out


def parse_rows(layout: Layout, header: list[str], first_line: int, rows: list[list[str]], label_column: str = ""):
    """Many CSV rows (lists of fields, the first on line `first_line`) at once, into columns of
    validated values.

    Returns (columns: field → list, one entry per valid row; the valid rows' line numbers; rejected
    rows as (line, row as a dict, errors by column)), in the file's order. The quick checks here run a
    column at a time; a row they do not accept as it is goes through `parse_row`, so every message is
    the one a single row would get."""
    where = {name: i for i, name in enumerate(header)}
    width = len(header)
    whole = [fields for fields in rows if len(fields) == width]
    n = len(whole)
    columns = list(zip(*whole, strict=True)) if whole else [()] * width
    bad = bytearray(n)

    def column(name: str) -> list[str]:
        return list(map(str.strip, columns[where[name]]))

    fast: dict[str, list] = {}
    for f, name in layout.columns.items():
        if f in _LIMITS:
            values = fast[f] = column(name)
            if max(map(len, values), default=0) > _LIMITS[f]:
                for k, v in enumerate(values):
                    bad[k] |= len(v) > _LIMITS[f]
    for f in _LIMITS:
        fast.setdefault(f, [""] * n)
    fast["cents"] = _cents(column(layout.columns["amount"]), bad)
    zone = timezone.get_current_timezone()
    fast["t"] = _times(column(layout.columns["occurred_at"]), zone, bad)
    kinds = set(TransactionKind.values)
    fast["kind"] = [layout.kind] * n
    if "kind" in layout.columns:
        fast["kind"] = [v or layout.kind for v in column(layout.columns["kind"])]
        for k, v in enumerate(fast["kind"]):
            bad[k] |= v not in kinds
    fast["currency"] = [settings.BANK_CURRENCY] * n
    if "currency" in layout.columns:
        known = currencies()
        fast["currency"] = [v.upper() or settings.BANK_CURRENCY for v in column(layout.columns["currency"])]
        for k, v in enumerate(fast["currency"]):
            bad[k] |= v not in known
    _aml_columns(layout, column, fast, n, bad)
    fast["label"] = [""] * n
    if label_column:  # a label column holds a few distinct values: each is read once
        labels = column(label_column)
        distinct = list(set(labels))
        named = dict(zip(distinct, _each(_label, distinct, bytearray(len(distinct))), strict=True))
        fast["label"] = [named[v] for v in labels]
        if None in named.values():
            for k, v in enumerate(labels):
                bad[k] |= named[v] is None

    if n == len(rows) and not any(bad):
        return fast, list(range(first_line, first_line + n)), []
    return _with_slow_rows(layout, header, first_line, rows, label_column, fast, bad)


def _checked(check, values: list, default: str, bad: bytearray) -> list[str]:
    """`check` applied to each value (a column holds a few distinct ones: each is checked once); a blank
    result is `default`, and a value it refuses marks its row bad."""
    distinct = list(set(values))
    named = dict(zip(distinct, _each(check, distinct, bytearray(len(distinct))), strict=True))
    if None in named.values():
        for k, v in enumerate(values):
            bad[k] |= named[v] is None
    return [named[v] or default for v in values]


def _aml_columns(layout: Layout, column, fast: dict[str, list], n: int, bad: bytearray) -> None:
    """The channel, direction and countries (`aml`) of the rows, checked as `parse_row` checks them; the
    counterparty's name and account are text columns with the others."""
    fast["channel"] = [layout.channel] * n
    if "channel" in layout.columns:
        fast["channel"] = _checked(aml.channel_check, column(layout.columns["channel"]), layout.channel, bad)
    for f in aml.COUNTRY_FIELDS:
        fast[f] = _checked(aml.country_check, column(layout.columns[f]), "", bad) if f in layout.columns else [""] * n
    if "direction" not in layout.columns and "kind" not in layout.columns:
        fast["direction"] = [aml.KIND_DIRECTION.get(layout.kind, "")] * n
        return
    given = column(layout.columns["direction"]) if "direction" in layout.columns else [""] * n
    pairs = list(zip(fast["kind"], given, strict=True))
    fast["direction"] = _checked(lambda pair: aml.direction_of(*pair), pairs, "", bad)


def _with_slow_rows(layout, header, first_line, rows, label_column, fast, bad):
    """The quick columns with the rows they did not accept put through `parse_row`, in file order."""
    width = len(header)
    out: dict[str, list] = {name: [] for name in COLUMNS}
    lines: list[int] = []
    rejected: list[tuple[int, dict, dict]] = []
    blank = {f: "" for f in _LIMITS if f not in layout.columns}
    k = -1
    for line, fields in enumerate(rows, first_line):
        if len(fields) != width:  # the row as csv.DictReader shows it: missing fields None, the rest joined
            raw = {h: fields[i] if i < len(fields) else None for i, h in enumerate(header)}
            if len(fields) > width:
                raw["__extra__"] = ",".join(fields[width:])
            rejected.append((line, raw, {"row": "wrong number of fields"}))
            continue
        k += 1
        if not bad[k]:
            for name in COLUMNS:
                out[name].append(fast[name][k])
            lines.append(line)
            continue
        raw = dict(zip(header, fields, strict=True))
        data, errors = parse_row(layout, raw, label_column)
        if errors:
            rejected.append((line, raw, errors))
            continue
        data = {
            **blank,
            "currency": settings.BANK_CURRENCY,
            "label": "",
            **data,
            "t": _micros(data["occurred_at"]),
            "cents": int(data["amount"].scaleb(2)),
        }
        for name in COLUMNS:
            out[name].append(data[name])
        lines.append(line)
    return out, lines, rejected
