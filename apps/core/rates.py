"""Exchange rates: reading a rates file, and converting amounts between currencies at a day's rate.

A rate says what one unit of the bank's currency (BANK_CURRENCY) bought of another currency on a day.
A conversion on a day uses the latest rate on or before it (the earliest one for days before any rate),
so a weekend or a holiday takes the last business day's rate. An amount in a currency without any rate
cannot be converted: callers get None (or NaN) and say so; they never guess.

Rates are read once a minute at most per process (`RATES_REFRESH_SECONDS`); a change made here is seen
at once in the process that made it.
"""

from __future__ import annotations

import csv
import io
import threading
import time
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

import numpy as np
from django.conf import settings

from .money import CENT, currencies, currency_check

PLACES = Decimal("0.0000000001")
_EPOCH = date(1970, 1, 1)
_DAY_MICROS = 86_400_000_000


class RatesFileError(ValueError):
    """The rates file cannot be read; the message names the line and what is wrong."""


@dataclass(frozen=True)
class Quote:
    """One published rate: `per_unit` units of `currency` for one unit of `unit` on `day`."""

    day: date
    unit: str
    currency: str
    per_unit: Decimal


# ------------------------------------------------------------------------------------ reading files
def _day(text: str, line: int) -> date:
    text = text.strip()
    for fmt in ("%Y-%m-%d", "%d %B %Y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise RatesFileError(f"Line {line}: {text!r} is not a date (YYYY-MM-DD).")


def _rate(text: str, line: int, where: str) -> Decimal | None:
    text = text.strip()
    if text in ("", "N/A", "-"):
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise RatesFileError(f"Line {line}, {where}: {text!r} is not a rate.") from None
    if not value.is_finite() or value <= 0:
        raise RatesFileError(f"Line {line}, {where}: a rate must be a positive number, not {text}.")
    return value


def _code(text: str, line: int) -> str:
    from django.core.exceptions import ValidationError

    try:
        return currency_check(text)
    except ValidationError as exc:
        raise RatesFileError(f"Line {line}: {exc.messages[0]}") from None


def _column(text: str) -> str:
    """A currency column of the ECB's file: its code, or "" for a currency no longer in use (the ECB's
    history keeps columns such as CYP or BGN, empty since the euro replaced them)."""
    from babel.numbers import list_currencies

    code = text.strip().upper()
    if not code:
        return ""
    if code not in list_currencies():
        raise RatesFileError(f"Line 1: {code} is not an ISO 4217 currency code.")
    return code if code in currencies() else ""


def parse_rates_file(data: bytes) -> list[Quote]:
    """The quotes of a rates file in either layout:

    - the European Central Bank's (`eurofxref.csv` and `eurofxref-hist.csv`): a `Date` column, then one
      column per currency holding units of it for one euro (`N/A` where none is quoted);
    - a bank's own: columns `date,currency,rate[,unit]`, the rate being units of `currency` for one
      `unit` (the bank's currency when there is no `unit` column).
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise RatesFileError("The file is not UTF-8 text.") from None
    rows = [[cell.strip() for cell in row] for row in csv.reader(io.StringIO(text))]
    rows = [row for row in rows if any(row)]
    if not rows:
        raise RatesFileError("The file is empty.")
    header = [h.lower() for h in rows[0]]
    quotes: list[Quote] = []
    if header[0] == "date" and "currency" not in header:  # the ECB's layout
        codes = [_column(h) for h in rows[0][1:]]
        for n, row in enumerate(rows[1:], start=2):
            day = _day(row[0], n)
            for code, cell in zip(codes, row[1:], strict=False):
                if code and (value := _rate(cell, n, code)) is not None:
                    quotes.append(Quote(day, "EUR", code, value))
    elif {"date", "currency", "rate"} <= set(header):
        at = {name: header.index(name) for name in ("date", "currency", "rate", "unit") if name in header}
        for n, row in enumerate(rows[1:], start=2):
            cell = lambda name: row[at[name]] if at.get(name) is not None and at[name] < len(row) else ""  # noqa: B023, E731
            value = _rate(cell("rate"), n, "rate")
            if value is None:
                raise RatesFileError(f"Line {n}: the rate is missing.")
            unit = _code(cell("unit"), n) if cell("unit") else settings.BANK_CURRENCY
            quotes.append(Quote(_day(cell("date"), n), unit, _code(cell("currency"), n), value))
    else:
        raise RatesFileError(
            "Line 1: expected the ECB's layout (Date, then one column per currency) or the columns "
            "date,currency,rate (and optionally unit)."
        )
    if not quotes:
        raise RatesFileError("The file holds no rates.")
    return quotes


def in_base(quotes: list[Quote], base: str) -> tuple[list[tuple[date, str, Decimal]], list[str]]:
    """The quotes as (day, currency, units per one `base`), and what could not be turned so (a day
    whose quotes name neither the base nor a unit quoted against it)."""
    by_day: dict[tuple[date, str], dict[str, Decimal]] = {}
    for q in quotes:
        by_day.setdefault((q.day, q.unit), {q.unit: Decimal(1)})[q.currency] = q.per_unit
    out: dict[tuple[date, str], Decimal] = {}
    skipped: list[str] = []
    for (day, unit), per_unit in sorted(by_day.items()):
        if base not in per_unit:
            skipped.append(f"{day}: no {base} rate against {unit}")
            continue
        for code, value in per_unit.items():
            if code != base:
                out[(day, code)] = (value / per_unit[base]).quantize(PLACES, rounding=ROUND_HALF_UP)
    return [(day, code, value) for (day, code), value in sorted(out.items())], skipped


# ------------------------------------------------------------------------------------ the table
@dataclass
class _Series:
    days: np.ndarray  # days since 1970-01-01, ascending
    values: list[Decimal]
    floats: np.ndarray


_lock = threading.Lock()
_loaded: dict = {"at": -1e18, "base": None, "table": {}}


def forget() -> None:
    """Read the rates again at the next conversion (after a change)."""
    with _lock:
        _loaded["at"] = -1e18


def _table() -> dict[str, _Series]:
    from .models import ExchangeRate

    base = settings.BANK_CURRENCY
    now = time.monotonic()
    with _lock:
        if _loaded["base"] == base and now - _loaded["at"] < settings.RATES_REFRESH_SECONDS:
            return _loaded["table"]
    rows: dict[str, list[tuple[int, Decimal]]] = {}
    for code, day, value in (
        ExchangeRate.objects.filter(base=base)
        .order_by("currency", "valid_on")
        .values_list("currency", "valid_on", "per_base")
    ):
        rows.setdefault(code, []).append(((day - _EPOCH).days, value))
    table = {}
    for code, pairs in rows.items():
        values = [v for _, v in pairs]
        table[code] = _Series(
            np.array([d for d, _ in pairs], dtype=np.int64), values, np.array([float(v) for v in values])
        )
    with _lock:
        _loaded.update(at=now, base=base, table=table)
    return table


def _where(series: _Series, days: np.ndarray) -> np.ndarray:
    return np.maximum(np.searchsorted(series.days, days, side="right") - 1, 0)


def per_base(currency: str, day: date) -> Decimal | None:
    """Units of `currency` one unit of the bank's currency bought on `day` (None: no rate at all)."""
    if currency == settings.BANK_CURRENCY:
        return Decimal(1)
    series = _table().get(currency)
    if series is None:
        return None
    return series.values[int(_where(series, np.array([(day - _EPOCH).days]))[0])]


def convert(amount: Decimal, source: str, target: str, day: date | None = None) -> Decimal | None:
    """`amount` in `source` as an amount in `target` on `day` (today by default), to the cent; None when
    either currency has no rate."""
    if source == target:
        return amount
    from django.utils import timezone

    day = day or timezone.localdate()
    a, b = per_base(source, day), per_base(target, day)
    if a is None or b is None:
        return None
    return (amount / a * b).quantize(CENT, rounding=ROUND_HALF_UP)


def factors(currencies: list[str], micros: np.ndarray, target: str) -> np.ndarray:
    """For each amount (its currency, its time in microseconds since the epoch), what to multiply it
    by to have it in `target`: NaN where a currency has no rate."""
    out = np.ones(len(currencies))
    codes = np.array(currencies, dtype=object)
    if not len(codes) or (codes == target).all():
        return out
    days = np.asarray(micros, dtype=np.int64) // _DAY_MICROS
    table = _table()
    base = settings.BANK_CURRENCY

    def per(code: str, at: np.ndarray) -> np.ndarray:
        if code == base:
            return np.ones(len(at))
        series = table.get(code)
        return series.floats[_where(series, at)] if series is not None else np.full(len(at), np.nan)

    for code in set(currencies) - {target}:
        rows = codes == code
        out[rows] = per(target, days[rows]) / per(code, days[rows])
    return out
