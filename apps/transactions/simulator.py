"""Labelled card transactions with known fraud scenarios, for demos, tests, training and benchmarks.

Customers and terminals sit on a 100 by 100 grid; a customer uses the terminals within a radius, a few
times a day, around their own mean amount. Fraud comes from three scenarios:
1. amount spike: any payment above 220 is fraud;
2. compromised terminal: a few terminals a day are compromised; everything paid there in the next
   28 days is fraud;
3. compromised card: a few customers a day; for 14 days a third of their payments are five times their
   usual amount, and fraud (the fraudster spends like the owner, but more).
The counts of compromised terminals and cards scale with the requested fraud rate.

Every payment is by card, in the country of its terminal: the bank's own for most terminals, another
one for a small share (`abroad`), drawn apart from the rest so the same seed gives the same payments.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import numpy as np

SPIKE_THRESHOLD = 220
TERMINAL_DAYS = 28
CARD_DAYS = 14
RADIUS = 5.0
BASE_RATE = 0.008  # the fraud share the default scenario counts produce
ABROAD = 0.03  # the share of terminals in another country than the bank's


@dataclass(frozen=True, slots=True)
class SimulatedRow:
    transaction_id: str
    timestamp: datetime
    customer_id: str
    terminal_id: str
    amount: Decimal
    is_fraud: bool
    scenario: int  # 0 genuine, 1 spike, 2 terminal, 3 card
    channel: str = "card"
    country: str = ""  # ISO 3166-1 alpha-2, the terminal's


HEADER = ["transaction_id", "timestamp", "customer_id", "terminal_id", "amount", "tx_fraud", "tx_fraud_scenario"]


def simulate(*, customers: int, terminals: int, days: int, start: date, seed: int = 0,
             fraud_rate: float = BASE_RATE, country: str = "US",
             abroad: float = ABROAD) -> Iterator[SimulatedRow]:  # fmt: skip
    """Yield transactions day by day, in time order within each day."""
    if customers < 1 or terminals < 1 or days < 1:
        raise ValueError("customers, terminals and days must each be at least 1")
    if not 0 <= fraud_rate < 0.5:
        raise ValueError("the fraud rate is a share between 0 and 0.5")
    term_country = _terminal_countries(terminals, seed, country, abroad)
    rng = np.random.default_rng(seed)
    cust_xy = rng.uniform(0, 100, (customers, 2))
    term_xy = rng.uniform(0, 100, (terminals, 2))
    mean_amount = rng.uniform(5, 100, customers)
    std_amount = mean_amount / 2
    per_day = rng.uniform(0, 4, customers)
    reachable = []
    for xy in cust_xy:
        dist = np.sqrt(((term_xy - xy) ** 2).sum(axis=1))
        near = np.flatnonzero(dist < RADIUS)
        reachable.append(near if near.size else np.array([int(dist.argmin())]))

    scale = fraud_rate / BASE_RATE
    terminals_a_day = terminals * 0.0002 * scale
    cards_a_day = customers * 0.0006 * scale
    compromised_terminal_until: dict[int, int] = {}
    compromised_card_until: dict[int, int] = {}
    seq = 0
    for day in range(days):
        for t in rng.choice(terminals, size=min(terminals, rng.poisson(terminals_a_day)), replace=False):
            compromised_terminal_until[int(t)] = day + TERMINAL_DAYS
        for c in rng.choice(customers, size=min(customers, rng.poisson(cards_a_day)), replace=False):
            compromised_card_until[int(c)] = day + CARD_DAYS
        counts = rng.poisson(per_day)
        cust_idx = np.repeat(np.arange(customers), counts)
        n = cust_idx.size
        seconds = np.clip(rng.normal(43200, 20000, n), 0, 86399).astype(int)
        amounts = rng.normal(mean_amount[cust_idx], std_amount[cust_idx])
        negative = amounts <= 0
        amounts[negative] = rng.uniform(0.01, 2 * mean_amount[cust_idx][negative])
        picks = rng.random(n)
        third = rng.random(n)
        order = np.argsort(seconds, kind="stable")
        day_start = datetime.combine(start + timedelta(days=day), datetime.min.time(), tzinfo=UTC)
        for i in order:
            c = int(cust_idx[i])
            options = reachable[c]
            t = int(options[int(picks[i] * options.size)])
            amount = float(amounts[i])
            scenario = 0
            if compromised_card_until.get(c, -1) > day and third[i] < 1 / 3:
                amount *= 5
                scenario = 3
            if compromised_terminal_until.get(t, -1) > day:
                scenario = 2
            if amount > SPIKE_THRESHOLD:
                scenario = scenario or 1
            seq += 1
            yield SimulatedRow(
                transaction_id=f"S{seq:09d}",
                timestamp=day_start + timedelta(seconds=int(seconds[i])),
                customer_id=f"C{c:06d}",
                terminal_id=f"T{t:06d}",
                amount=Decimal(f"{max(amount, 0.01):.2f}"),
                is_fraud=scenario > 0,
                scenario=scenario,
                country=term_country[t],
            )


def _terminal_countries(terminals: int, seed: int, home: str, abroad: float) -> list[str]:
    """Each terminal's country: `home`, or for a share `abroad` of them another ISO 3166-1 country, drawn
    by a generator of their own (the payments' draws stay as they were)."""
    from .aml import countries, country_check

    home = country_check(home)
    if not home or not 0 <= abroad <= 1:
        raise ValueError("the home country is an ISO 3166-1 alpha-2 code and abroad a share between 0 and 1")
    rng = np.random.default_rng([seed, 3166])
    others = sorted(countries() - {home})
    away = rng.random(terminals) < abroad
    picks = rng.integers(0, len(others), terminals)
    return [others[int(p)] if a else home for a, p in zip(away.tolist(), picks.tolist(), strict=True)]


def as_csv_row(row: SimulatedRow) -> list[str]:
    return [row.transaction_id, row.timestamp.strftime("%Y-%m-%d %H:%M:%S"), row.customer_id, row.terminal_id,
            str(row.amount), "1" if row.is_fraud else "0", str(row.scenario)]  # fmt: skip
