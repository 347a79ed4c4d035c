"""Behavioural features: one code path for scoring, file ingestion, back-testing and training.

`compute_batch()` works out the features of many transactions at once, column by column (numpy): each
window count or sum is two binary searches into the history sorted by (customer, time) and a
difference of cumulative sums. A single transaction (`compute()`, the API) is a batch of one, so the
same numbers come out whether the history was read from the database or kept in memory (`EventStore`:
a file being ingested, a training run). Money is summed in whole cents (exact); a row's features as a
dict (`Columns.row`) carry the same Python types as before: Decimal money, int counts, bool flags.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np

HOUR, DAY = timedelta(hours=1), timedelta(days=1)
CUSTOMER_WINDOW = timedelta(days=30)
TERMINAL_DELAY = timedelta(days=7)  # fraud labels arrive late: only count what was known by then
TERMINAL_WINDOW = timedelta(days=28)

FEATURES: dict[str, str] = {
    "amount": "Amount of the transaction",
    "currency": "ISO currency code",
    "kind": "deposit, withdrawal, transfer, payment, expense …",
    "description": "Free text from the source",
    "location": "Where it happened (city, country or branch)",
    "payee": "Who is paid",
    "terminal_id": "Terminal or merchant id",
    "channel": "cash, card, transfer, cheque or wire (empty when not known)",
    "country": "Where it took place, ISO 3166-1 alpha-2 (empty when not known)",
    "counterparty_country": "The other party's country, ISO 3166-1 alpha-2 (empty when not known)",
    "hour": "Hour of day in the bank's time zone (0-23)",
    "weekday": "Day of week, Monday = 0",
    "is_weekend": "Saturday or Sunday",
    "is_night": "Between 22:00 and 06:00",
    "cust_count_1h": "Customer's transactions in the hour before",
    "cust_sum_1h": "Customer's amount in the hour before",
    "cust_count_1d": "Customer's transactions in the day before",
    "cust_sum_1d": "Customer's amount in the day before",
    "cust_count_7d": "Customer's transactions in the 7 days before",
    "cust_sum_7d": "Customer's amount in the 7 days before",
    "cust_count_30d": "Customer's transactions in the 30 days before",
    "cust_sum_30d": "Customer's amount in the 30 days before",
    "cust_avg_amount_30d": "Customer's average amount over 30 days",
    "amount_to_avg_ratio": "This amount divided by the 30-day average (empty without history)",
    "hour_deviation": "Hours from the customer's usual time of day (empty with under 3 past transactions)",
    "is_new_location": "A location the customer has not used in 30 days",
    "is_new_payee": "A payee the customer has not paid in 30 days",
    "term_count_1d": "Terminal's transactions in the day before",
    "term_fraud_count_28d": "Confirmed frauds at the terminal in the 28 days before the last 7",
    "term_fraud_rate_28d": "Share of the terminal's transactions in that window confirmed as fraud",
}


@dataclass(frozen=True, slots=True)
class Event:
    """A past transaction as history (tests and callers holding objects; the engine uses columns)."""

    occurred_at: datetime
    amount: Decimal
    location: str = ""
    payee: str = ""
    terminal_id: str = ""
    is_fraud_known_at: datetime | None = None  # when it was labelled fraud, if it was


@dataclass(frozen=True, slots=True)
class Current:
    occurred_at: datetime
    amount: Decimal
    currency: str = "USD"
    kind: str = ""
    description: str = ""
    location: str = ""
    payee: str = ""
    terminal_id: str = ""
    channel: str = ""
    country: str = ""
    counterparty_country: str = ""


# ------------------------------------------------------------------------------ time in columns
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_US = timedelta(microseconds=1)
NEVER = np.iinfo(np.int64).max  # "not known as fraud"
_H, _D = 3_600_000_000, 86_400_000_000  # microseconds
_W1H, _W1D, _W7D = _H, _D, 7 * _D
_W30 = CUSTOMER_WINDOW // _US
_DELAY, _TWIN = TERMINAL_DELAY // _US, TERMINAL_WINDOW // _US
# The time of day as a point on the 24-hour circle, for each minute of the day (the same expression,
# so the same floats, as working it out per transaction).
_SIN = np.array([math.sin((m // 60 + m % 60 / 60) / 24 * 2 * math.pi) for m in range(1440)])
_COS = np.array([math.cos((m // 60 + m % 60 / 60) / 24 * 2 * math.pi) for m in range(1440)])


def micros(moment: datetime) -> int:
    """An aware datetime as whole microseconds since 1970 (exact, unlike `timestamp()`)."""
    return (moment - _EPOCH) // _US


def from_micros(value: int) -> datetime:
    return _EPOCH + timedelta(microseconds=value)


@functools.lru_cache(maxsize=1 << 16)
def _hour_offset(tz: ZoneInfo, hour: int) -> int | None:
    """The zone's UTC offset (µs) through an hour since 1970, or None if it changes within it."""
    first = datetime.fromtimestamp(hour * 3600, tz).utcoffset()
    if datetime.fromtimestamp(hour * 3600 + 3599, tz).utcoffset() != first:
        return None
    return first // _US


def local_clock(t: np.ndarray, tz: ZoneInfo) -> tuple[np.ndarray, np.ndarray]:
    """(minute of the day, weekday) in `tz` of each time (µs since 1970). The zone's offset is looked
    up once per distinct hour; an hour with a change of offset inside it is looked up per row."""
    offsets = np.zeros(len(t), dtype=np.int64)
    if len(t):
        hours, inverse = np.unique(t // _H, return_inverse=True)
        per_hour = np.empty(len(hours), dtype=np.int64)
        mixed = []
        for i, h in enumerate(hours.tolist()):
            offset = _hour_offset(tz, h)
            if offset is None:
                mixed.append(i)
            else:
                per_hour[i] = offset
        offsets = per_hour[inverse.reshape(-1)]
        for i in mixed:
            for row in np.flatnonzero(inverse.reshape(-1) == i).tolist():
                moment = _EPOCH + timedelta(microseconds=int(t[row]))
                offsets[row] = moment.astimezone(tz).utcoffset() // _US
    local = t + offsets
    return (local % _D) // 60_000_000, (local // _D + 3) % 7  # 1970-01-01 was a Thursday


# ------------------------------------------------------------------------------ codes and columns
class Codes:
    """Strings as small integers, so histories can be compared as arrays. '' is -1 for customers and
    terminals (none), and a code of its own for places and payees (an empty place is still one).
    Codes are never reused, so they are below `len(table)`."""

    def __init__(self) -> None:
        self.customers: dict[str, int] = {"": -1}
        self.terminals: dict[str, int] = {"": -1}
        self.places: dict[str, int] = {}
        self.payees: dict[str, int] = {}

    @staticmethod
    def of(table: dict[str, int], values: Sequence[str]) -> np.ndarray:
        get = table.get
        out = [get(v) for v in values]
        if None in out:
            for i, v in enumerate(out):
                if v is None:
                    out[i] = table.setdefault(values[i], len(table))
        return np.array(out, dtype=np.int64)


@dataclass
class Events:
    """Past transactions of one side (customers, or terminals) as columns."""

    t: np.ndarray  # µs since 1970
    cents: np.ndarray
    key: np.ndarray  # the customer's (or terminal's) code
    place: np.ndarray
    payee: np.ndarray
    fraud_at: np.ndarray  # µs since 1970 when it was labelled fraud, else NEVER
    minute: np.ndarray  # minute of the day in the bank's zone

    FIELDS = ("t", "cents", "key", "place", "payee", "fraud_at", "minute")

    @classmethod
    def empty(cls) -> Events:
        return cls(*(np.zeros(0, dtype=np.int64) for _ in cls.FIELDS))

    def take(self, which) -> Events:
        return Events(*(getattr(self, f)[which] for f in self.FIELDS))

    @classmethod
    def join(cls, parts: list[Events]) -> Events:
        return cls(*(np.concatenate([getattr(p, f) for p in parts]) for f in cls.FIELDS))

    def __len__(self) -> int:
        return len(self.t)


def cents_of(amount: Decimal) -> int:
    cents = amount.scaleb(2)
    if cents != cents.to_integral_value():
        raise ValueError(f"{amount} has more than two decimal places")
    return int(cents)


class DecimalsOfCents(Sequence):
    """Amounts held as cents, read as Decimals (made when read: most rows never are)."""

    def __init__(self, cents: np.ndarray) -> None:
        self.cents = cents

    def __len__(self) -> int:
        return len(self.cents)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [Decimal(c).scaleb(-2) for c in self.cents[i].tolist()]
        return Decimal(int(self.cents[i])).scaleb(-2)


def money_text(cents: np.ndarray) -> list[str]:
    """Cents as the decimal text of the amount ("-2.95"), as a database stores a Decimal's str()."""
    return [f"{'-' if c < 0 else ''}{abs(c) // 100}.{abs(c) % 100:02d}" for c in cents.tolist()]


def _cents(amounts: list[Decimal]) -> np.ndarray:
    """Amounts in whole cents. Through floats when every amount is a whole number of cents well
    inside a float's exact range (checked on the result); otherwise one by one."""
    as_float = np.fromiter(map(float, amounts), dtype=float, count=len(amounts)) * 100
    cents = np.rint(as_float)
    if len(amounts) and (np.abs(as_float - cents).max() > 1e-3 or np.abs(cents).max() > 2**50):
        return np.array([cents_of(a) for a in amounts], dtype=np.int64)
    return cents.astype(np.int64)


@dataclass
class Batch:
    """Transactions to work out the features of, as columns (they are also each other's history)."""

    t: np.ndarray
    amount: Sequence[Decimal] | None
    currency: list[str]
    kind: list[str]
    description: list[str]
    location: list[str]
    payee: list[str]
    terminal_id: list[str]
    customer_ref: list[str]
    fraud_at: np.ndarray | None = None  # when each was labelled fraud (NEVER if not)
    cents: np.ndarray | None = None  # the amounts in cents, when the caller has them (then amount may be None)
    channel: list[str] | None = None  # None: not known for any of them
    country: list[str] | None = None
    counterparty_country: list[str] | None = None
    minute: np.ndarray = field(init=False)
    weekday: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        self.t = np.asarray(self.t, dtype=np.int64)
        if self.cents is None:
            self.cents = _cents(self.amount)
        else:
            self.cents = np.asarray(self.cents, dtype=np.int64)
            if self.amount is None:
                self.amount = DecimalsOfCents(self.cents)
        if self.fraud_at is None:
            self.fraud_at = np.full(len(self.t), NEVER, dtype=np.int64)
        for name in _AML_TEXT:
            if getattr(self, name) is None:
                setattr(self, name, [""] * len(self.t))

    def clock(self, tz: ZoneInfo) -> None:
        self.minute, self.weekday = local_clock(self.t, tz)

    @classmethod
    def of(cls, items: Sequence[Any], tz: ZoneInfo) -> Batch:
        """From objects with the transaction's attributes (model instances, `Current`)."""
        batch = cls(
            np.array([micros(x.occurred_at) for x in items], dtype=np.int64),
            [x.amount for x in items], [x.currency for x in items], [x.kind for x in items],
            [x.description for x in items], [x.location for x in items], [x.payee for x in items],
            [x.terminal_id for x in items], [getattr(x, "customer_ref", "") for x in items],
            np.array([micros(x.labelled_at) if getattr(x, "label", "") == "fraud" and x.labelled_at else NEVER
                      for x in items], dtype=np.int64),
            None, *([getattr(x, name, "") or "" for x in items] for name in _AML_TEXT),
        )  # fmt: skip
        batch.clock(tz)
        return batch

    def __len__(self) -> int:
        return len(self.t)

    def coded(self, codes: Codes) -> dict[str, np.ndarray]:
        """The batch's customers, terminals, places and payees as codes (worked out once)."""
        if getattr(self, "_coded", None) is None or self._coded[0] is not codes:
            self._coded = (codes, {
                "customers": Codes.of(codes.customers, self.customer_ref),
                "terminals": Codes.of(codes.terminals, self.terminal_id),
                "places": Codes.of(codes.places, self.location), "payees": Codes.of(codes.payees, self.payee),
            })  # fmt: skip
        return self._coded[1]

    def events(self, codes: Codes, side: str) -> Events:
        """This batch as history for one side ("customers" or "terminals")."""
        coded = self.coded(codes)
        return Events(self.t, self.cents, coded[side], coded["places"], coded["payees"], self.fraud_at, self.minute)


class _Windows:
    """Events sorted by (key, time), to count and sum each query's window with binary searches."""

    def __init__(self, ev_key, ev_t, q_key, q_t, reach: int) -> None:
        if not len(q_t):
            q_t = np.zeros(0, dtype=np.int64)
            self.sorted, self.events, self.needles, self.q_order, self.q_has = q_t, q_t, q_t, q_t, q_t.astype(bool)
            self._sums = {}
            return
        codes = np.unique(q_key[q_key >= 0])
        self.q_has = q_key >= 0
        n = len(codes)
        if n:
            rank = np.minimum(np.searchsorted(codes, ev_key), n - 1)
            keep = (codes[rank] == ev_key) & (ev_key >= 0)
        else:
            rank, keep = np.zeros(len(ev_key), dtype=np.int64), np.zeros(len(ev_key), dtype=bool)
        times = ev_t[keep]
        t0 = int(min(q_t.min() - reach, times.min() if len(times) else q_t.min()))
        span = int(max(q_t.max(), times.max() if len(times) else q_t.max())) - t0 + 1
        if span * (n + 1) >= 2**62:
            raise ValueError("the transactions span too long a time to be worked out together")
        keyed = rank[keep] * span + (times - t0)
        order = np.argsort(keyed, kind="stable")  # timsort: the history arrives mostly in order
        self.sorted = keyed[order]
        self.events = np.flatnonzero(keep)[order]  # event index, in sorted order
        base = np.where(self.q_has, np.minimum(np.searchsorted(codes, q_key), max(n - 1, 0)) * span - t0, 0)
        # The queries in key order too: searching for sorted needles walks the events once, in order.
        needles = base + q_t
        self.q_order = np.argsort(needles, kind="stable")
        self.needles = needles[self.q_order]
        self._sums: dict[str, np.ndarray] = {}

    def at(self, back: int) -> np.ndarray:
        """Position of each query's `q_t - back` in the sorted events."""
        found = np.empty(len(self.needles), dtype=np.int64)
        found[self.q_order] = np.searchsorted(self.sorted, self.needles - back, "left")
        return found

    def count(self, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
        return np.where(self.q_has, hi - lo, 0)

    def total(self, name: str, values: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
        """Sum of `values` (named, so its running sum is worked out once) over each query's window."""
        if name not in self._sums:
            self._sums[name] = np.concatenate([np.zeros(1, dtype=values.dtype), np.cumsum(values[self.events])])
        cumulative = self._sums[name]
        return np.where(self.q_has, cumulative[hi] - cumulative[lo], 0)


def _seen_before(ev: Events, ev_other: np.ndarray, q_key, q_other, q_t) -> np.ndarray:
    """Whether each query's customer had an event with the same place (or payee) in the 30 days before."""
    width = int(max(ev_other.max(initial=0), q_other.max(initial=0))) + 1
    pair = lambda key, other: np.where(key >= 0, key * width + other, -1)  # noqa: E731
    windows = _Windows(pair(ev.key, ev_other), ev.t, pair(q_key, q_other), q_t, _W30)
    return windows.count(windows.at(_W30), windows.at(0)) > 0


def rounded_like_python(values: np.ndarray, places: int) -> np.ndarray:
    """`round(v, places)` of each float, as Python rounds it (the exact decimal value, half to even).
    numpy's own rounding scales first, which can tip a value lying close to a half the other way:
    those few values are rounded by Python."""
    scaled = values * 10.0**places
    out = np.round(values, places)
    close = np.abs(scaled - np.floor(scaled) - 0.5) < 1e-6
    for i in np.flatnonzero(close).tolist():
        out[i] = round(float(values[i]), places)
    return out


class Columns:
    """The features of a batch, column by column. `row(i)` is one transaction's features as a dict."""

    def __init__(self, batch: Batch, data: dict[str, np.ndarray]) -> None:
        self.batch, self.data = batch, data
        self._values: dict[str, list] = {}
        self._numbers: dict[str, np.ndarray] = {}

    def __len__(self) -> int:
        return len(self.batch)

    def number(self, name: str) -> np.ndarray:
        """A feature as floats (NaN where it is empty), for comparisons and the model (worked out once)."""
        if name not in self._numbers:
            self._numbers[name] = self._number(name)
        return self._numbers[name]

    def _number(self, name: str) -> np.ndarray:
        if name == "amount":
            return self.batch.cents / 100
        if name == _AVG:
            return np.where(self.data["cust_count_30d"] > 0, self.data[name] / 100, np.nan)
        if name in _MONEY:
            return self.data[name] / 100
        if name in _ROUNDED:
            return rounded_like_python(self.data[name], _ROUNDED[name])
        if name in self.data:
            return self.data[name].astype(float)
        raise KeyError(name)

    def factor(self, currency: str) -> np.ndarray:
        """What to multiply each transaction's money features by to have them in `currency`, at the
        exchange rate of its day (NaN where its currency has no rate)."""
        key = f"@{currency}"
        if key not in self._numbers:
            from apps.core.rates import factors

            self._numbers[key] = factors(self.batch.currency, self.batch.t, currency)
        return self._numbers[key]

    def values(self, name: str) -> list:
        """A feature as the Python values its dict holds."""
        if name not in self._values:
            self._values[name] = self._python(name)
        return self._values[name]

    def _python(self, name: str) -> list:
        if name in _TEXT:
            return getattr(self.batch, name)
        if name == "amount":
            return self.batch.amount
        if name in _MONEY:
            money = [Decimal(c).scaleb(-2) for c in self.data[name].tolist()]
            if name == _AVG:
                return [m if n else None for m, n in zip(money, self.data["cust_count_30d"].tolist(), strict=True)]
            return money
        if name in _ROUNDED:
            rounded = rounded_like_python(self.data[name], _ROUNDED[name])
            return [None if math.isnan(v) else v for v in rounded.tolist()]
        return self.data[name].tolist()

    def row(self, i: int) -> dict[str, Any]:
        return {name: self.values(name)[i] for name in FEATURES}

    def dicts(self) -> list[dict[str, Any]]:
        columns = [self.values(name) for name in FEATURES]
        return [dict(zip(FEATURES, values, strict=True)) for values in zip(*columns, strict=True)]


_AML_TEXT = ("channel", "country", "counterparty_country")
_TEXT = ("currency", "kind", "description", "location", "payee", "terminal_id", *_AML_TEXT)
NUMERIC = frozenset(FEATURES) - set(_TEXT)
_MONEY = ("cust_sum_1h", "cust_sum_1d", "cust_sum_7d", "cust_sum_30d", "cust_avg_amount_30d")
_AVG = "cust_avg_amount_30d"
# Amounts, compared with a rule's threshold in the threshold's currency (the bank's when it names none).
# A customer's sums are taken to be in the transaction's currency.
MONEY_FEATURES = frozenset({"amount", *_MONEY})
_ROUNDED = {"amount_to_avg_ratio": 3, "hour_deviation": 2, "term_fraud_rate_28d": 4}


def compute_batch(batch: Batch, customers: Events, terminals: Events, codes: Codes) -> Columns:
    """The features of every transaction in `batch` given the customers' and terminals' history
    (events at or after a transaction's own time are ignored, so the batch may be in its own history)."""
    q_t = batch.t
    data: dict[str, np.ndarray] = {}
    hour = batch.minute // 60
    data["hour"], data["weekday"] = hour, batch.weekday
    data["is_weekend"], data["is_night"] = batch.weekday >= 5, (hour >= 22) | (hour < 6)

    coded = batch.coded(codes)
    q_cust = coded["customers"]
    win = _Windows(customers.key, customers.t, q_cust, q_t, _W30)
    now = win.at(0)
    for label, back in (("1h", _W1H), ("1d", _W1D), ("7d", _W7D), ("30d", _W30)):
        lo = win.at(back)
        data[f"cust_count_{label}"] = win.count(lo, now)
        data[f"cust_sum_{label}"] = win.total("cents", customers.cents, lo, now)
    lo30 = lo
    n30, s30 = data["cust_count_30d"], data["cust_sum_30d"]
    # The average in cents, rounded half to even like Decimal.quantize.
    whole, rest = np.divmod(s30, np.maximum(n30, 1))
    twice = 2 * rest
    up = (twice > n30) | ((twice == n30) & (whole % 2 == 1))
    avg = np.where(n30 > 0, whole + up, 0)
    data[_AVG] = avg
    # This amount over the unrounded average: amount * count / sum.
    ratio = batch.cents.astype(float) * n30 / np.where(s30 != 0, s30, 1)
    data["amount_to_avg_ratio"] = np.where(s30 != 0, ratio, np.nan)
    sin_sum = win.total("sin", _SIN[customers.minute], lo30, now)
    cos_sum = win.total("cos", _COS[customers.minute], lo30, now)
    usual = (np.arctan2(sin_sum, cos_sum) / (2 * math.pi) * 24) % 24
    gap = np.abs(batch.minute // 60 + batch.minute % 60 / 60 - usual) % 24
    data["hour_deviation"] = np.where(n30 >= 3, np.minimum(gap, 24 - gap), np.nan)

    q_place, q_payee = coded["places"], coded["payees"]
    for name, texts, other, q_other in (("is_new_location", batch.location, customers.place, q_place),
                                        ("is_new_payee", batch.payee, customers.payee, q_payee)):  # fmt: skip
        named = np.array(list(map(bool, texts)), dtype=bool)
        data[name] = named & (n30 > 0)
        if data[name].any():  # (card files name no place or payee: nothing to look up)
            data[name] &= ~_seen_before(customers, other, q_cust, q_other, q_t)

    q_term = coded["terminals"]
    _terminal_features(data, batch, terminals, q_term)
    return Columns(batch, data)


def _terminal_features(data, batch: Batch, terminals: Events, q_term: np.ndarray) -> None:
    q_t = batch.t
    win = _Windows(terminals.key, terminals.t, q_term, q_t, _DELAY + _TWIN)
    day = win.count(win.at(_W1D), win.at(0))
    data["term_count_1d"] = np.where(np.array([bool(v) for v in batch.terminal_id], dtype=bool), day, 0)
    start, end = win.at(_DELAY + _TWIN), win.at(_DELAY)
    delayed = win.count(start, end)
    frauds = np.zeros(len(q_t), dtype=np.int64)
    known = terminals.fraud_at != NEVER
    if known.any():
        only = terminals.take(known)
        fwin = _Windows(only.key, only.t, q_term, q_t, _DELAY + _TWIN)
        lo, hi = fwin.at(_DELAY + _TWIN), fwin.at(_DELAY)
        labelled_at = only.fraud_at[fwin.events]
        for i in np.flatnonzero(fwin.count(lo, hi) > 0).tolist():
            frauds[i] = np.count_nonzero(labelled_at[lo[i] : hi[i]] <= q_t[i])
    data["term_fraud_count_28d"] = frauds
    data["term_fraud_rate_28d"] = np.where(delayed > 0, frauds / np.maximum(delayed, 1), 0.0)


def events_of(history: Sequence[Event], codes: Codes, side: str, tz: ZoneInfo) -> Events:
    """`Event` objects as one key's history (all of them belong to the transaction being scored)."""
    t = np.array([micros(e.occurred_at) for e in history], dtype=np.int64)
    minute, _ = local_clock(t, tz)
    return Events(
        t, np.array([cents_of(e.amount) for e in history], dtype=np.int64), np.zeros(len(t), dtype=np.int64),
        Codes.of(codes.places, [e.location for e in history]), Codes.of(codes.payees, [e.payee for e in history]),
        np.array([micros(e.is_fraud_known_at) if e.is_fraud_known_at else NEVER for e in history], dtype=np.int64),
        minute,
    )  # fmt: skip


def compute(current: Current, customer_history: Sequence[Event], terminal_history: Sequence[Event], tz: ZoneInfo):
    """The features of `current` as a dict given its customer's and terminal's earlier events."""
    return compute_one(current, customer_history, terminal_history, tz).dicts()[0]


def compute_one(
    current: Current, customer_history: Sequence[Event], terminal_history: Sequence[Event], tz: ZoneInfo
) -> Columns:
    """The features of `current` given its customer's and terminal's earlier events (in any order):
    a batch of one through `compute_batch`."""
    codes = Codes()
    codes.customers[" current"] = codes.terminals[" current"] = 0
    batch = Batch.of([current], tz)
    batch.customer_ref = [" current"]
    text_terminal = batch.terminal_id
    batch.terminal_id = [" current"]
    columns = compute_batch(batch, events_of(customer_history, codes, "customers", tz),
                            events_of(terminal_history, codes, "terminals", tz), codes)  # fmt: skip
    batch.terminal_id = text_terminal
    if not current.terminal_id:
        columns.data["term_count_1d"] = np.zeros(1, dtype=np.int64)
    return columns
