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


def _account_number(text: str) -> str:
    digits = re.sub(r"[\s-]", "", text)
    if not digits.isdigit() or not 6 <= len(digits) <= 20:
        raise ValidationError("Write the account number as printed: 6 to 20 digits.")
    return digits


# An IFSC: the bank's four letters, a zero, and six letters or digits for the branch. OCR reads the zero as
# the letter O, and a letter of the bank code as a look-alike digit; both are put right.
IFSC_SHAPE = re.compile(r"([A-Z0-9]{4})([0O])([A-Z0-9]{6})")
_LETTER_FOR = str.maketrans({"0": "O", "1": "I", "2": "Z", "5": "S", "6": "G", "8": "B"})


def normalize_ifsc(text: str) -> tuple[str, bool] | None:
    """The IFSC in a piece of text (with or without its "IFSC:" label) and whether a character had to be
    put right, or None when there is none."""
    cleaned = re.sub(r"[^A-Z0-9]", "", text.upper())
    cleaned = re.sub(r"^IFS[C]?(?:CODE)?(?=[A-Z0-9]{11}$)", "", cleaned)
    found = IFSC_SHAPE.fullmatch(cleaned)
    if not found:
        return None
    bank, zero, branch = found.groups()
    fixed_bank = bank.translate(_LETTER_FOR)
    if not fixed_bank.isalpha():
        return None
    # Branch codes are mostly digits: an O among four or more digits is a zero.
    fixed_branch = branch.replace("O", "0") if sum(c.isdigit() for c in branch) >= 4 else branch
    return f"{fixed_bank}0{fixed_branch}", (fixed_bank, zero, fixed_branch) != (bank, "0", branch)


def _ifsc(text: str) -> str:
    found = normalize_ifsc(text)
    if found is None:
        raise ValidationError("Write the IFSC as printed: four letters, a zero, six letters or digits "
                              "(e.g. ICIC0000001).")  # fmt: skip
    return found[0]


def _text(text: str) -> str:
    value = text.strip()
    if not value:
        raise ValidationError("Required.")
    return value


# name → (label, parser). The order is the keying screen's. Every cheque has these.
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


# What a country's cheques print besides: read and kept when found, keyed when a person sees them, but no
# cheque waits for a person because one was not found. Indian (CTS-2010) cheques print the branch's IFSC and
# the full account number (the MICR line carries only a short account id).
COUNTRY_FIELDS: dict[str, dict[str, tuple[str, object]]] = {
    "in": {
        "ifsc": ("IFSC (printed, Indian cheques)", _ifsc),
        "account_number": ("Account number (printed)", _account_number),
    },
}
ALL_FIELDS = {**FIELDS, **{name: spec for extra in COUNTRY_FIELDS.values() for name, spec in extra.items()}}


def fields_for(country: str) -> dict[str, tuple[str, object]]:
    """Every field of a country's cheques: the common ones, then the country's own."""
    return {**FIELDS, **COUNTRY_FIELDS.get(country, {})}


def parse(name: str, text: str):
    """The typed value of a field as written, or a ValidationError saying how to write it."""
    return ALL_FIELDS[name][1](text)  # type: ignore[operator]
