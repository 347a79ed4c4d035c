"""The fields of a cheque, how each is written down, and how it is read back as a value."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError

from apps.core.money import AMOUNT_MAX, TOO_LARGE

from .words import NotAnAmount, words_to_amount


def _money(text: str) -> Decimal:
    cleaned = re.sub(r"(?i)^\s*(\$|₹|rs\.?|inr|usd|cad)\s*", "", text).replace(",", "").strip()
    if not re.fullmatch(r"\d+(\.\d{1,2})?", cleaned):
        raise ValidationError("Write the amount in figures, e.g. 1250.00.")
    if len(cleaned.partition(".")[0].lstrip("0")) > len(str(int(AMOUNT_MAX))):
        raise ValidationError(TOO_LARGE)
    try:
        value = Decimal(cleaned).quantize(Decimal("0.01"))
    except InvalidOperation:
        raise ValidationError("Write the amount in figures, e.g. 1250.00.") from None
    if value <= 0:
        raise ValidationError("The amount must be more than zero.")
    if value > AMOUNT_MAX:
        raise ValidationError(TOO_LARGE)
    return value


def _words(text: str) -> Decimal:
    try:
        value = words_to_amount(text)
    except NotAnAmount:
        raise ValidationError("Write the amount in words as it is on the cheque.") from None
    if value <= 0:
        raise ValidationError("The amount must be more than zero.")
    if value > AMOUNT_MAX:
        raise ValidationError(TOO_LARGE)
    return value


# How each country writes a date on its cheques, for the keying screen: a keyer types what the paper shows.
DATE_ORDER = {"in": "DMY", "ca": "DMY", "us": "MDY"}
DATE_HINT = {"DMY": "DD-MM-YYYY", "MDY": "MM/DD/YYYY"}


def keyed_date(text: str, country: str) -> str:
    """A date as keyed off the cheque (day first in India and Canada, month first in the US, or ISO),
    written as YYYY-MM-DD; anything else is returned as it was, for the parser to refuse."""
    text = text.strip()
    found = re.fullmatch(r"(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})", text)
    if not found:
        return text
    first, second, year = found.groups()
    day, month = (first, second) if DATE_ORDER.get(country, "MDY") == "DMY" else (second, first)
    return f"{year}-{int(month):02d}-{int(day):02d}"


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise ValidationError("Write the date as on the cheque (e.g. DD-MM-YYYY in India) or YYYY-MM-DD.") from None


def _digits(text: str) -> str:
    digits = re.sub(r"[\s-]", "", text)
    if not digits.isdigit():
        raise ValidationError("Digits only.")
    return digits


def _text(text: str) -> str:
    value = text.strip()
    if not value:
        raise ValidationError("Required.")
    return value


# name → (label, parser). The order is the keying screen's.
FIELDS: dict[str, tuple[str, object]] = {
    "amount": ("Amount in figures (courtesy amount)", _money),
    "legal_amount": ("Amount in words (legal amount)", _words),
    "date": ("Date", _date),
    "payee": ("Payee", _text),
    "cheque_number": ("Cheque number (top right)", _digits),
    "routing": ("Routing / transit / sort code (MICR)", _digits),
    "account": ("Account (MICR on-us)", _digits),
    "serial": ("Serial (MICR)", _digits),
}


def parse(name: str, text: str):
    """The typed value of a field as written, or a ValidationError saying how to write it."""
    return FIELDS[name][1](text)  # type: ignore[operator]
