"""The range of every date, time and number a request can carry, so that no input reaches date
arithmetic, an integer column or a SQL parameter it would overflow: out of range is a 400 with the
error body (or a form error), never a 500.

- A recorded moment (a transaction's time, a back-test's period) lies from 1970 (the start of the
  risk engine's clock; no ledger a bank migrates is older) to the end of 2099.
- A day a list is filtered on lies from 1900 to the end of 2199.
- A number in a query string lies within ±10^15.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator

EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(2099, 12, 31, 23, 59, 59, tzinfo=UTC)
FIRST_DAY = date(1900, 1, 1)
LAST_DAY = date(2199, 12, 31)
NUMBER_LIMIT = Decimal(10**15)

MOMENT_ERROR = "The date and time must be between 1970 and 2099."
DAY_ERROR = "The day must be between 1900 and 2199."


def check_moment(value: datetime) -> None:
    """Validator: a recorded moment (aware or naive, as a form gives it) in 1970-2099."""
    naive = value.replace(tzinfo=None) if value.tzinfo else value
    if not EARLIEST.replace(tzinfo=None) <= naive <= LATEST.replace(tzinfo=None):
        raise ValidationError(MOMENT_ERROR, code="out_of_range")


def check_day(value: date) -> None:
    """Validator: a day in 1900-2199."""
    day = value.date() if isinstance(value, datetime) else value
    if not FIRST_DAY <= day <= LAST_DAY:
        raise ValidationError(DAY_ERROR, code="out_of_range")


def number_validators() -> list:
    return [MinValueValidator(-NUMBER_LIMIT), MaxValueValidator(NUMBER_LIMIT)]
