"""A day typed by a person: ISO (YYYY-MM-DD) always, or as the bank's staff write days (`BANK_DATE_ORDER`:
DMY, day first as in India, the UK and Canada; or MDY, month first as in the US).

The browser's own date picker shows and takes the browser's locale (mm/dd/yyyy on most machines),
whatever the bank's convention, so a day is a text field with a visible hint instead. The year is
always written in full, so 03/04/2026 is read one way only: the bank's."""

from __future__ import annotations

import re
from datetime import date, datetime

import django_filters
from django import forms
from django.conf import settings

ORDERS = {"DMY": "DD/MM/YYYY", "MDY": "MM/DD/YYYY"}
_ISO = re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})")
_WRITTEN = re.compile(r"(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})")


def date_order() -> str:
    """The bank's order for a written day: "DMY" or "MDY"."""
    order = str(getattr(settings, "BANK_DATE_ORDER", "DMY")).upper()
    return order if order in ORDERS else "DMY"


def day_hint(order: str | None = None) -> str:
    """What the field shows a person: "YYYY-MM-DD or DD/MM/YYYY"."""
    return f"YYYY-MM-DD or {ORDERS[order or date_order()]}"


def parse_day(text: str, order: str | None = None) -> date:
    """A day from ISO (2026-03-04) or the bank's written order (04/03/2026 day first, 03/04/2026
    month first; `-`, `/` or `.` between the parts). Raises ValueError for anything else."""
    text = text.strip()
    if found := _ISO.fullmatch(text):
        year, month, day = found.groups()
    elif found := _WRITTEN.fullmatch(text):
        first, second, year = found.groups()
        day, month = (first, second) if (order or date_order()) == "DMY" else (second, first)
    else:
        raise ValueError(f"not a day: {text!r}")
    return date(int(year), int(month), int(day))


class DayInput(forms.DateInput):
    """A text input (not the browser's date picker) that shows a day as YYYY-MM-DD."""

    input_type = "text"

    def __init__(self, attrs=None):
        base = {"inputmode": "numeric", "autocomplete": "off", "spellcheck": "false", "placeholder": "YYYY-MM-DD"}
        super().__init__(attrs={**base, **(attrs or {})}, format="%Y-%m-%d")


class DayField(forms.DateField):
    """A day typed as ISO or in the bank's order (`parse_day`); empty is None, as for any DateField."""

    widget = DayInput

    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", day_hint())
        super().__init__(**kwargs)
        self.error_messages["invalid"] = f"Enter the day as {day_hint()}."

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, date):
            return value
        try:
            return parse_day(str(value))
        except ValueError:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None


class DayFilter(django_filters.DateFilter):
    """A filter on a day, typed as `DayField` takes it; drawn small, for a work list's filter bar."""

    field_class = DayField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", DayInput(attrs={"class": "form-control form-control-sm"}))
        super().__init__(*args, **kwargs)
