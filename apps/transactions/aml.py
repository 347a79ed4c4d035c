"""What anti-money-laundering scenarios read of a transaction besides its amount and time: the channel
(cash, card, transfer, cheque, wire), the direction (in or out, seen from the customer), the
counterparty (name, account, country) and the country where it took place.

Each is optional (blank: not known) and checked the same way on every path a transaction comes in by:
the API and its batches, CSV files, the ledger and the simulator. A country is an ISO 3166-1 alpha-2
code, as the ISO 3166 data shipped with pycountry lists them; a code is read in either case and stored
in capitals.
"""

from __future__ import annotations

import functools

from django.core.exceptions import ValidationError

from .choices import Channel, Direction, TransactionKind

FIELDS = ("channel", "direction", "counterparty", "counterparty_account", "counterparty_country", "country")
COUNTRY_FIELDS = ("counterparty_country", "country")
LIMITS = {"counterparty": 200, "counterparty_account": 64}

# The kinds that always move money one way, seen from the customer. A transfer may go either way.
KIND_DIRECTION: dict[str, str] = {
    TransactionKind.DEPOSIT.value: Direction.IN.value,
    TransactionKind.DISBURSEMENT.value: Direction.IN.value,
    TransactionKind.WITHDRAWAL.value: Direction.OUT.value,
    TransactionKind.PAYMENT.value: Direction.OUT.value,
    TransactionKind.EXPENSE.value: Direction.OUT.value,
    TransactionKind.REPAYMENT.value: Direction.OUT.value,
}


@functools.cache
def countries() -> frozenset[str]:
    """The ISO 3166-1 alpha-2 codes of the countries and territories ISO assigns."""
    import pycountry

    return frozenset(country.alpha_2 for country in pycountry.countries)


def country_check(value: str) -> str:
    """`value` as a country code in capitals ('' when blank), or ValueError saying why not."""
    code = value.strip().upper()
    if code and code not in countries():
        raise ValueError(f"{value.strip()!r} is not an ISO 3166-1 alpha-2 country code (such as US, GB or IN)")
    return code


def channel_check(value: str) -> str:
    """`value` as a channel in small letters ('' when blank), or ValueError naming the channels."""
    channel = value.strip().lower()
    if channel and channel not in Channel.values:
        raise ValueError(f"{value.strip()!r} is not a channel: use {', '.join(Channel.values)}")
    return channel


def direction_of(kind: str, given: str = "") -> str:
    """The direction of a transaction of `kind`: the one given, else the one its kind always has ('' when
    neither tells). ValueError when the given one is not in or out, or goes against the kind."""
    direction = given.strip().lower()
    if direction and direction not in Direction.values:
        raise ValueError(f"{given.strip()!r} is not a direction: use in or out")
    implied = KIND_DIRECTION.get(kind, "")
    if direction and implied and direction != implied:
        raise ValueError(f"{direction!r} goes against the kind: a {kind} is always {implied}")
    return direction or implied


def validate_country(value: str) -> None:
    """The model field's validator (the admin and model forms)."""
    if value and value not in countries():
        raise ValidationError(f"{value!r} is not an ISO 3166-1 alpha-2 country code in capitals (such as US).")
