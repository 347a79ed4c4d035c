"""Money's one declared range, enforced at every entry (API, CSV, ledger, cheque keying, the admin) and
by the database.

An amount is a `Decimal` with two places, at least 0.01 and at most 999,999,999,999.99 (under a
trillion of the currency's major unit). That is 14 significant digits, which every backend stores
exactly: MySQL's DECIMAL, and SQLite, whose NUMERIC columns keep 15 significant digits and round the
rest. A balance, which sums amounts, may be up to 9,999,999,999,999.99 either way (15 digits).
"""

from __future__ import annotations

import functools
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db.models import CheckConstraint, Q

CENT = Decimal("0.01")
AMOUNT_MIN = CENT
AMOUNT_MAX = Decimal("999999999999.99")
AMOUNT_MAX_CENTS = int(AMOUNT_MAX * 100)
BALANCE_MAX = Decimal("9999999999999.99")
# Columns keep their declared width: the range, not the column, is the limit.
MONEY_COLUMN = {"max_digits": 18, "decimal_places": 2}

TOO_LARGE = f"The amount must be at most {AMOUNT_MAX:,}."
TOO_SMALL = "The amount must be greater than zero."


def amount_validators(*, signed: bool = False, zero: bool = False) -> list:
    """The model and form validators of an amount (`signed`: a debit or credit; `zero`: 0 allowed)."""
    low = -AMOUNT_MAX if signed else (Decimal(0) if zero else AMOUNT_MIN)
    return [MinValueValidator(low), MaxValueValidator(AMOUNT_MAX, TOO_LARGE)]


def amount_parse(value: Any, field: str = "amount") -> Decimal:
    """`value` as an amount in range, rounded half up to the cent; a ValidationError naming `field`
    says why not."""
    from decimal import ROUND_HALF_UP

    try:
        amount = Decimal(str(value).replace(",", "").strip())
    except (InvalidOperation, ValueError, TypeError) as exc:
        raise ValidationError({field: [f"{value!r} is not an amount."]}) from exc
    if not amount.is_finite():
        raise ValidationError({field: [f"{value!r} is not an amount."]})
    if amount.copy_abs() > AMOUNT_MAX:  # before rounding: a huge exponent would not quantize
        raise ValidationError({field: [TOO_LARGE]})
    amount = amount.quantize(CENT, rounding=ROUND_HALF_UP)
    if amount < AMOUNT_MIN:
        raise ValidationError({field: [TOO_SMALL]})
    return amount


def amount_in_range(amount: Decimal | None) -> bool:
    return amount is None or (amount.is_finite() and AMOUNT_MIN <= amount <= AMOUNT_MAX)


def amount_check(field: str, *, name: str, signed: bool = False, zero: bool = False,
                 maximum: Decimal = AMOUNT_MAX) -> CheckConstraint:  # fmt: skip
    """The database's side of the range, for a model's Meta.constraints."""
    low = -maximum if signed else (Decimal(0) if zero else AMOUNT_MIN)
    within = Q(**{f"{field}__gte": low, f"{field}__lte": maximum})
    return CheckConstraint(condition=within | Q(**{f"{field}__isnull": True}), name=name)


# ------------------------------------------------------------------------------------ currencies
@functools.cache
def currencies() -> frozenset[str]:
    """ISO 4217 codes of the currencies legal tender somewhere today (CLDR's data, through Babel)."""
    from datetime import date

    from babel.core import get_global
    from babel.numbers import get_territory_currencies

    today = date.today()
    territories = get_global("territory_currencies")
    return frozenset(code for t in territories for code in get_territory_currencies(t, today, tender=True))


def currency_check(code: str) -> str:
    """An ISO 4217 code in capitals, or a ValidationError saying what is wrong."""
    code = (code or "").strip().upper()
    if code not in currencies():
        raise ValidationError(f"{code or '(none)'} is not an ISO 4217 currency code in use (e.g. USD, EUR, INR).")
    return code


# How amounts are grouped: the bank's locale, except where a currency has its own (lakh and crore for INR).
CURRENCY_LOCALES = {"INR": "en_IN"}


def money_text(amount, currency: str, *, locale: str | None = None) -> str:
    """An amount as people read it: grouped as its locale groups, two decimals, and its ISO code
    ("3,30,000.00 INR", "1,000,000.00 USD")."""
    from django.conf import settings

    if amount is None:
        return "—"
    code = (currency or "").upper()
    return f"{_grouped(Decimal(amount), locale or CURRENCY_LOCALES.get(code) or settings.MONEY_LOCALE)} {code}".strip()


@functools.cache
def _pattern(locale: str):
    from babel import Locale
    from babel.numbers import parse_pattern

    where = Locale.parse(locale)
    pattern = parse_pattern(where.decimal_formats[None].pattern)
    pattern.frac_prec = (2, 2)
    return where, pattern


def _grouped(amount: Decimal, locale: str) -> str:
    where, pattern = _pattern(locale)
    return pattern.apply(amount, where)
