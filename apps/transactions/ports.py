"""What the transactions app needs from the layers above it (`apps.core.ports`).

Every transaction is scored by the risk engine before it is stored, with its decision (approve,
review, block) and reasons; one that is not approved raises an alert. The ledger, the API, batches,
CSV files and the simulator all go through `risk_engine`, which the fraud app connects.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

import numpy as np

from apps.core.ports import Link, Port


@dataclass
class NewRows:
    """New transactions as columns, for scoring and storing many at once without a model instance per
    row (a CSV file's chunk). `t` is each one's time in microseconds since the Unix epoch (UTC) and
    `cents` its amount in minor units."""

    source: str
    t: np.ndarray
    cents: np.ndarray
    currency: list[str]
    kind: list[str]
    description: list[str]
    location: list[str]
    payee: list[str]
    terminal_id: list[str]
    customer_ref: list[str]
    external_id: list[str]
    label: list[str]
    labelled_at: list[datetime | None]
    file_id: int | None = None  # the uploaded file the rows came in
    # What AML scenarios read (`apps.transactions.aml.FIELDS`), one value a row; an empty list: blank for every row.
    channel: list[str] = field(default_factory=list)
    direction: list[str] = field(default_factory=list)
    counterparty: list[str] = field(default_factory=list)
    counterparty_account: list[str] = field(default_factory=list)
    counterparty_country: list[str] = field(default_factory=list)
    country: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.t)

    def column(self, name: str) -> list[str]:
        """One of the AML columns, a value a row ('' where not known)."""
        return getattr(self, name) or [""] * len(self)


class ScoredRows(Protocol):
    """`NewRows` scored and ready to write."""

    rows: int  # how many will be stored
    alerts: int  # how many of them raise an alert


class RiskEngine(Protocol):
    def history(self) -> Any:
        """A fresh in-memory history of customers and terminals, for scoring many transactions in time
        order (each sees the ones scored before it)."""

    def score(self, txn) -> Any:
        """The verdict on one unsaved Transaction, its history read from the database (reads only)."""

    def store(self, txn, verdict) -> None:
        """Save one transaction with its verdict (score, decision, reasons) and, when it alerts, its
        alert. Call inside the caller's transaction."""

    def score_rows(self, rows: NewRows, history) -> ScoredRows:
        """Score new rows against `history` (which they then join) and work out everything storing them
        writes. Reads the database, writes nothing."""

    def store_rows(self, scored: ScoredRows) -> None:
        """Insert scored rows and their alerts. Call inside the caller's transaction."""

    def store_many(self, txns: list, history) -> int:
        """Score and store unsaved Transaction instances in time order; the number of alerts raised.
        Call inside the caller's transaction."""


risk_engine: Port[RiskEngine] = Port("transactions.risk_engine", RiskEngine, provider="apps.fraud")


class FollowUps(Protocol):
    def transaction_follow_ups(self, user, ids: list[int]) -> dict[int, list[Link]]:
        """What became of each transaction above this app (its alert, its case), only what `user` may
        open; transactions nothing became of are left out."""


follow_ups: Port[FollowUps] = Port("transactions.follow_ups", FollowUps, provider="apps.fraud")
