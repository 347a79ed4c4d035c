"""AML monitoring scenarios: patterns over a customer's transactions that a compliance officer looks at.

Each scenario reads its parameters from the thresholds in force (`selectors.thresholds_current`), so an
officer's approved change applies to the next run. Amounts are compared in the threshold's currency,
each transaction converted at its day's exchange rate (`apps.core.rates`); one in a currency without a
rate is left out of the sums and named in the run's result. Days are the bank's days (BANK_TIME_ZONE).

A scenario returns `Hit`s; `services.scenarios_run` stores each once (scenario, customer, period) and
raises its alert into a compliance case.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db.models import Q
from django.utils import timezone

from apps.core.money import money_text
from apps.core.rates import convert

# Money reaching the customer, when a transaction does not say which way it went.
IN_KINDS = {"deposit", "disbursement"}


@dataclass
class Row:
    id: int
    customer: str
    account_id: int | None
    kind: str
    channel: str
    amount: Decimal
    currency: str
    at: datetime
    day: date  # the bank's day
    country: str = ""
    counterparty_country: str = ""
    direction: str = ""

    @property
    def inflow(self) -> bool:
        """Money reaching the customer: as the transaction says, else as its kind implies."""
        return self.direction == "in" if self.direction else self.kind in IN_KINDS

    @property
    def cash(self) -> bool:
        return self.channel == "cash"


@dataclass
class Hit:
    scenario: str
    customer: str
    period: str
    amount: Decimal
    currency: str
    rows: list[int]
    explanation: str
    score: int


@dataclass
class Scenario:
    code: str
    name: str
    description: str
    metrics: tuple[str, ...]
    score: int
    lookback: Callable[[dict], timedelta]  # how far before the window the scenario reads
    find: Callable[[list[Row], dict, Callable, dict], Iterable[Hit]] = field(repr=False)
    # The rows it needs, as a filter on transactions (given the levels and the run's context): the rows
    # read are those every chosen scenario needs, each over its own lookback, not the whole book.
    reads: Callable[[dict, dict], Q] = field(repr=False, default=lambda levels, ctx: Q())


def rows_of(transactions) -> list[Row]:
    """The transactions a scenario reads, oldest first (a queryset of `Transaction`)."""
    zone = timezone.get_default_timezone()
    names = ["id", "customer_ref", "account_id", "kind", "channel", "amount", "currency", "occurred_at", "country",
             "counterparty_country", "direction"]  # fmt: skip
    return [
        Row(i, c, a, k, ch or "", amt, cur, at, at.astimezone(zone).date(), co or "", cc or "", d or "")
        for i, c, a, k, ch, amt, cur, at, co, cc, d in transactions.exclude(customer_ref="")
        .order_by("occurred_at", "id").values_list(*names)
    ]  # fmt: skip


class Money:
    """Amounts in one currency (a threshold's): each row converted at its day's rate."""

    def __init__(self, currency: str) -> None:
        self.currency = currency
        self.missing: set[str] = set()

    def __call__(self, row: Row) -> Decimal | None:
        value = convert(row.amount, row.currency, self.currency, row.day)
        if value is None:
            self.missing.add(row.currency)
        return value


def _by_customer(rows: list[Row]) -> dict[str, list[Row]]:
    out: dict[str, list[Row]] = defaultdict(list)
    for row in rows:
        out[row.customer].append(row)
    return out


def _within(rows: list[Row], i: int, span: timedelta) -> Iterable[Row]:
    """The rows after `rows[i]` (time order) no later than `span` after it."""
    start = rows[i].at
    for j in range(i + 1, len(rows)):
        if rows[j].at - start > span:
            return
        yield rows[j]


def _t(levels: dict, metric: str):
    return levels[metric]


# ------------------------------------------------------------------------------------ the scenarios
def cash_aggregation(rows: list[Row], levels: dict, money: Callable, ctx: dict) -> Iterable[Hit]:
    """Cash in, or cash out, over the cash report amount: by one customer in one business day, or (India)
    on one account in one calendar month."""
    threshold = _t(levels, "cash_report_amount")
    monthly = threshold.profile == "in"
    groups: dict[tuple, list[tuple[Row, Decimal]]] = defaultdict(list)
    for row in rows:
        if not row.cash or (value := money(row)) is None:
            continue
        way = "in" if row.inflow else "out"
        key = (row.customer, f"{row.day:%Y-%m}:{row.account_id or '-'}" if monthly else f"{row.day}", way)
        groups[key].append((row, value))
    for (customer, period, way), members in groups.items():
        total = sum((v for _, v in members), Decimal(0))
        if total > threshold.breach:
            what = "in the month on one account" if monthly else "in one business day"
            yield Hit("cash-aggregation", customer, f"{period}:{way}", total, threshold.currency,
                      [r.id for r, _ in members],
                      f"Cash {way} of {money_text(total, threshold.currency)} {what} ({period.split(':')[0]}, "
                      f"{len(members)} transaction{'s' if len(members) > 1 else ''}), over the "
                      f"{threshold.breach_text} cash report amount.", 60)  # fmt: skip


def structuring(rows: list[Row], levels: dict, money: Callable, ctx: dict) -> Iterable[Hit]:
    """Cash deposits each just below the cash report amount that together exceed it within a window."""
    threshold = _t(levels, "cash_report_amount")
    count = int(_t(levels, "structuring_count").breach)
    window = timedelta(days=int(_t(levels, "structuring_window_days").breach))
    low = threshold.breach * _t(levels, "structuring_band_percent").breach / 100
    for customer, mine in _by_customer(rows).items():
        near = [
            (r, v) for r in mine if r.cash and r.inflow and (v := money(r)) is not None and low <= v < threshold.breach
        ]
        start = 0
        while start < len(near):
            end = start
            while end + 1 < len(near) and near[end + 1][0].at - near[start][0].at <= window:
                end += 1
            group = near[start : end + 1]
            total = sum((v for _, v in group), Decimal(0))
            if len(group) >= count and total > threshold.breach:
                yield Hit("structuring", customer, f"from:{group[0][0].id}", total, threshold.currency,
                          [r.id for r, _ in group],
                          f"{len(group)} cash deposits of {money_text(min(v for _, v in group), threshold.currency)} "
                          f"to {money_text(max(v for _, v in group), threshold.currency)} within "
                          f"{window.days} days, {money_text(total, threshold.currency)} in all: each below the "
                          f"{threshold.breach_text} cash report amount.", 80)  # fmt: skip
                start = end + 1
            else:
                start += 1


def rapid_movement(rows: list[Row], levels: dict, money: Callable, ctx: dict) -> Iterable[Hit]:
    """Most of an inflow leaves again within hours."""
    hours = timedelta(hours=int(_t(levels, "rapid_movement_hours").breach))
    share = _t(levels, "rapid_movement_percent").breach / 100
    floor = _t(levels, "rapid_movement_min_amount")
    for customer, mine in _by_customer(rows).items():
        for i, row in enumerate(mine):
            if not row.inflow or (value := money(row)) is None or value < floor.breach:
                continue
            out = []
            for later in _within(mine, i, hours):
                if not later.inflow and (v := money(later)) is not None:
                    out.append((later, v))
            left = sum((v for _, v in out), Decimal(0))
            if out and left >= value * share:
                yield Hit("rapid-movement", customer, f"in:{row.id}", value, floor.currency,
                          [row.id, *(r.id for r, _ in out)],
                          f"{money_text(left, floor.currency)} of a {money_text(value, floor.currency)} inflow left "
                          f"within {hours.days * 24 + hours.seconds // 3600} hours ({len(out)} payment"
                          f"{'s' if len(out) > 1 else ''}).", 70)  # fmt: skip


def high_risk_jurisdiction(rows: list[Row], levels: dict, money: Callable, ctx: dict) -> Iterable[Hit]:
    """A transaction in, to or from a country on the bank's high-risk list."""
    from .models import HighRiskJurisdiction

    listed = dict(HighRiskJurisdiction.objects.values_list("country", "reason"))
    if not listed:
        return
    for row in rows:
        where = row.counterparty_country if row.counterparty_country in listed else row.country
        if where in listed:
            yield Hit("high-risk-jurisdiction", row.customer, f"txn:{row.id}", row.amount, row.currency, [row.id],
                      f"{money_text(row.amount, row.currency)} {'with' if where == row.counterparty_country else 'in'} "
                      f"{where}, a high-risk jurisdiction ({listed[where]}).", 70)  # fmt: skip


def dormant_reactivated(rows: list[Row], levels: dict, money: Callable, ctx: dict) -> Iterable[Hit]:
    """The first transaction of the window after a long silence (each customer's latest transaction
    before the window, `ctx["last_before"]`, against their first in it, `ctx["first_in_window"]`)."""
    quiet = timedelta(days=int(_t(levels, "dormant_days").breach))
    last_before = ctx.get("last_before", {})
    for customer, row in ctx.get("first_in_window", {}).items():
        previous = last_before.get(customer)
        if previous is not None and row.at - previous > quiet:
            yield Hit("dormant-reactivated", customer, f"txn:{row.id}", row.amount, row.currency, [row.id],
                      f"Active again after {(row.at - previous).days} days without a transaction "
                      f"({money_text(row.amount, row.currency)} on {row.day}).", 50)  # fmt: skip


def round_amounts(rows: list[Row], levels: dict, money: Callable, ctx: dict) -> Iterable[Hit]:
    """Several cash or wire transactions in round thousands within a window."""
    count = int(_t(levels, "round_amount_count").breach)
    window = timedelta(days=int(_t(levels, "round_amount_window_days").breach))
    for customer, mine in _by_customer(rows).items():
        rounds = [r for r in mine if r.channel in ("cash", "wire") and r.amount >= 1000 and r.amount % 1000 == 0]
        start = 0
        while start + count <= len(rounds):
            group = [rounds[start], *_within(rounds, start, window)]
            if len(group) >= count:
                total = sum((r.amount for r in group), Decimal(0))
                what = f"{len(group)} cash or wire transactions in round thousands within {window.days} days."
                yield Hit("round-amounts", customer, f"from:{group[0].id}", total, group[0].currency,
                          [r.id for r in group], what, 40)  # fmt: skip
                start += len(group)
            else:
                start += 1


def inflow_filter() -> Q:
    """`Row.inflow` as a filter: money in as the transaction says, else as its kind implies."""
    return Q(direction="in") | (Q(direction="") & Q(kind__in=IN_KINDS))


def _rapid_movement_reads(levels: dict, ctx: dict) -> Q:
    """Inflows from the floor amount (or in another currency, which the scenario converts), and every row
    of the customers with such an inflow in the window's time or the hours before it: what left after.
    Those customers are found first (a scan of that time, no rows made), so a run over a file of card
    payments reads none of its rows here."""
    from apps.transactions.models import Transaction

    floor = levels["rapid_movement_min_amount"]
    big = inflow_filter() & (Q(amount__gte=floor.breach) | ~Q(currency=floor.currency))
    since = ctx["start"] - timedelta(hours=int(levels["rapid_movement_hours"].breach))
    found = Transaction.objects.filter(big, occurred_at__gte=since, occurred_at__lt=ctx["end"]).exclude(customer_ref="")
    names = list(found.order_by().values_list("customer_ref", flat=True).distinct()[: BIG_INFLOW_NAMES + 1])
    if len(names) > BIG_INFLOW_NAMES:  # a busy sweep: the database matches them rather than a list
        return big | Q(customer_ref__in=found.values("customer_ref"))
    return big | Q(customer_ref__in=names)


BIG_INFLOW_NAMES = 5000


def _days(levels: dict, metric: str) -> timedelta:
    return timedelta(days=int(levels[metric].breach))


SCENARIOS: dict[str, Scenario] = {
    s.code: s
    for s in (
        Scenario("cash-aggregation", "Cash over the report amount",
                 "Cash in or out over the cash report amount by one customer in a business day (India: on one "
                 "account in a calendar month).", ("cash_report_amount",), 60,
                 lambda levels: timedelta(days=31), cash_aggregation, reads=lambda levels, ctx: Q(channel="cash")),
        Scenario("structuring", "Structuring",
                 "Cash deposits each just below the cash report amount that together exceed it within a window.",
                 ("cash_report_amount", "structuring_count", "structuring_window_days", "structuring_band_percent"),
                 80, lambda levels: _days(levels, "structuring_window_days"), structuring,
                 reads=lambda levels, ctx: Q(channel="cash")),
        Scenario("rapid-movement", "Rapid movement of funds", "Most of an inflow leaves again within hours.",
                 ("rapid_movement_hours", "rapid_movement_percent", "rapid_movement_min_amount"), 70,
                 lambda levels: timedelta(hours=int(levels["rapid_movement_hours"].breach)), rapid_movement,
                 reads=_rapid_movement_reads),
        Scenario("high-risk-jurisdiction", "High-risk jurisdiction",
                 "A transaction in, to or from a country on the bank's high-risk list.", (), 70,
                 lambda levels: timedelta(0), high_risk_jurisdiction,
                 reads=lambda levels, ctx: Q(country__in=ctx["listed"]) | Q(counterparty_country__in=ctx["listed"])),
        Scenario("dormant-reactivated", "Dormant account active again",
                 "The first transaction after a long silence.", ("dormant_days",), 50,
                 lambda levels: timedelta(0), dormant_reactivated, reads=lambda levels, ctx: Q(pk__in=[])),
        Scenario("round-amounts", "Round amounts", "Several cash or wire transactions in round thousands.",
                 ("round_amount_count", "round_amount_window_days"), 40,
                 lambda levels: _days(levels, "round_amount_window_days"), round_amounts,
                 reads=lambda levels, ctx: Q(channel__in=["cash", "wire"])),
    )
}  # fmt: skip
