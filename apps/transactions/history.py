"""A bank's recent history, for demos and for trying reports: customers of four branches joining through
the year, their current, savings and term deposit accounts with an end-of-day balance for every day,
and loans in every state (current, each days-past-due bucket, repaid, charged off, partly recovered).

Deterministic for a seed. Customers, accounts and loans go through the services (so each is audited and
every loan movement is a scored ledger posting, dated the day it happened); the daily balances of the
deposit accounts are generated and written in bulk, and what they end the history with is brought
forward into the ledger by one balanced journal against the cash vault, dated the history's last moment.
Balances snapshotted from the next day on follow on from it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from apps.core.services import audit_record

from . import services
from .choices import AccountStatus, AccountType, AcquisitionChannel, JournalKind, KYCStatus, LoanStatus
from .models import BankAccount, Customer, DailyBalance, JournalEntry, Loan, Posting

BRANCHES = [("NYC01", 35), ("BOS01", 20), ("CHI01", 25), ("SFO01", 20)]
CHANNELS = [
    (AcquisitionChannel.BRANCH, 35), (AcquisitionChannel.ONLINE, 20), (AcquisitionChannel.MOBILE, 25),
    (AcquisitionChannel.REFERRAL, 10), (AcquisitionChannel.PARTNER, 7), (AcquisitionChannel.UNKNOWN, 3),
]  # fmt: skip
# How borrowers behave. The first loans take one of each, so every state exists however few customers.
REQUIRED = ["on_time", "dpd_1_29", "dpd_30_59", "dpd_60_89", "dpd_90_plus", "charged_off", "repaid"]
BEHAVIOURS = [("on_time", 60), ("repaid", 12), ("dpd_1_29", 6), ("dpd_30_59", 5), ("dpd_60_89", 4),
              ("dpd_90_plus", 4), ("charged_off", 9)]  # fmt: skip
LATE_DAYS = {"dpd_1_29": (1, 29), "dpd_30_59": (30, 59), "dpd_60_89": (60, 89), "dpd_90_plus": (90, 120),
             "charged_off": (150, 240)}  # fmt: skip
CHARGE_OFF_AFTER = 120  # days past due when a loan is written off
BORROWER_SHARE = 0.2


def _pick(rng: random.Random, weighted) -> str:
    return rng.choices([v for v, _ in weighted], weights=[w for _, w in weighted])[0]


def _prefix(seed: int) -> str:
    return f"B{seed}-"


def history_exists(*, seed: int) -> bool:
    """Whether the history of `seed` was loaded already (its customer numbers are taken)."""
    return Customer.objects.filter(external_id__startswith=_prefix(seed)).exists()


@dataclass
class _Account:
    account: BankAccount
    closes_on: date | None = None
    bumps: list[tuple[date, int]] = field(default_factory=list)  # cents the ledger added from a day on
    final: int = 0  # cents at the end of the history, before the bumps


def _walk(rng: random.Random, kind: str, opened: date, start: date, end: date, closes: date | None) -> dict[date, int]:
    """End-of-day balances in cents, from the day the account opened (or the history's first day) to the
    day before it closes (or the last day). Current accounts take a monthly salary and daily spending;
    savings a monthly saving and now and then a withdrawal; a term deposit its monthly interest."""
    base = int(rng.lognormvariate({"checking": 7.4, "savings": 8.4, "term": 9.4}[kind], 0.7) * 100)
    payday = rng.choice([1, 15, 28])
    # An account opened long before the history starts is walked from a month before it.
    balance, day, out = base, max(opened, start - timedelta(days=35)), {}
    last = (closes - timedelta(days=1)) if closes else end
    while day <= last:
        if kind == AccountType.CHECKING:
            if day.day == payday:
                balance += int(base * rng.uniform(0.7, 1.1))
            balance -= int(base / 30 * rng.uniform(0.2, 1.6))
        elif kind == AccountType.SAVINGS:
            if day.day == 1 and rng.random() < 0.75:
                balance += int(base * rng.uniform(0.01, 0.05))
            if rng.random() < 0.004:
                balance -= int(balance * rng.uniform(0.05, 0.3))
        elif day.day == opened.day:
            balance += int(balance * 0.04 / 12)
        balance = max(balance, 0)
        if day >= start:
            out[day] = balance
        day += timedelta(days=1)
    return out


def bank_history_simulate(*, customers: int = 300, days: int = 365, seed: int = 0, end: date | None = None) -> dict:
    """Create the history of `customers` customers over the `days` days ending `end` (yesterday when not
    given). Returns what was made: customers, accounts, daily balances, and loans by status.
    ValueError when the history of this seed is loaded already, ends after today, or the sizes make no
    sense."""
    if customers < 1 or days < 1:
        raise ValueError("A history needs at least one customer and one day.")
    if history_exists(seed=seed):
        raise ValueError(f"The history of seed {seed} is loaded already.")
    end = end or timezone.localdate() - timedelta(days=1)
    if end > timezone.localdate():
        raise ValueError("A history ends today at the latest.")
    rng = random.Random(seed)
    start = end - timedelta(days=days - 1)
    prefix = _prefix(seed)
    borrowers = min(customers, max(len(REQUIRED), round(customers * BORROWER_SHARE)))
    behaviours = [REQUIRED[i] if i < len(REQUIRED) else _pick(rng, BEHAVIOURS) for i in range(borrowers)]
    loans_made: list[Loan] = []
    with transaction.atomic():
        people, accounts = _customers(rng, customers, borrowers, start, end, prefix, seed)
        for i, behaviour in enumerate(behaviours):
            loans_made.append(_loan(rng, people[i], accounts[people[i].pk][0], behaviour, start, end, i, seed))
        rows = _daily_balances(rng, people, accounts, start, end)
        _bring_forward(accounts, seed, end)
        statuses = services.loans_age(day=end)
        for loan in loans_made:
            loan.refresh_from_db()
        rows += _loan_balances(loans_made, start, end)
        audit_record(actor=None, action="bank.history", after={"seed": seed, "customers": customers, "first_day": start,
                                                               "last_day": end, "daily_balances": rows})  # fmt: skip
    loan_counts: dict[str, int] = {}
    for loan in loans_made:
        loan_counts[loan.status] = loan_counts.get(loan.status, 0) + 1
    return {"customers": customers, "accounts": sum(len(a) for a in accounts.values()) + len(loans_made),
            "daily_balances": rows, "loans": loan_counts, "first_day": start, "last_day": end,
            "open_loans": statuses}  # fmt: skip


def _customers(rng, count, borrowers, start, end, prefix, seed):
    """The customers (the first `borrowers` of them borrow), their accounts and lifecycle days."""
    span = (end - start).days
    people: list[Customer] = []
    accounts: dict[int, list[_Account]] = {}
    for i in range(count):
        # Borrowers joined long enough before their loan, which may be nearly a year old; of the others, two
        # in five were customers before the history starts, and the rest join through it, more and more.
        if i < borrowers:
            opened = min(start, end - timedelta(days=400)) - timedelta(days=rng.randint(30, 1600))
        elif rng.random() < 0.4:
            opened = start - timedelta(days=rng.randint(30, 2000))
        else:
            opened = start + timedelta(days=int(span * rng.random() ** 0.8))
        customer = services.customer_create(
            actor=None, external_id=f"{prefix}{i + 1:05d}", full_name=f"Customer {seed}-{i + 1}",
            branch=_pick(rng, BRANCHES), acquisition_channel=_pick(rng, CHANNELS), opened_on=opened,
            kyc_status=KYCStatus.VERIFIED if rng.random() < 0.95 else KYCStatus.PENDING,
        )  # fmt: skip
        if customer.kyc_status == KYCStatus.VERIFIED:
            customer.kyc_completed_on = min(end, opened + timedelta(days=rng.randint(0, 10)))
        leaves = i >= borrowers and rng.random() < 0.04 and (end - opened).days > 90
        if leaves:
            customer.closed_on = opened + timedelta(days=rng.randint(60, (end - opened).days))
        kinds = [AccountType.CHECKING]
        if rng.random() < 0.6:
            kinds.append(AccountType.SAVINGS)
        if rng.random() < 0.15:
            kinds.append(AccountType.TERM)
        held = []
        for k, kind in enumerate(kinds):
            account_opened = min(end, opened + timedelta(days=0 if k == 0 else rng.randint(0, 120)))
            account = services.account_open(actor=None, customer=customer, number=f"S{seed}C{i + 1:06d}N{k}",
                                            type=kind, opened_on=account_opened)  # fmt: skip
            held.append(_Account(account=account, closes_on=customer.closed_on))
        people.append(customer)
        accounts[customer.pk] = held
    Customer.objects.bulk_update(people, ["kyc_completed_on", "closed_on"], batch_size=1000)
    return people, accounts


def _dated(action):
    """Run a ledger service, then date the journals it wrote on the day they belong to."""

    def run(day: date, **kwargs):
        before = JournalEntry.objects.aggregate(last=Max("pk"))["last"] or 0
        result = action(**kwargs)
        moment = datetime.combine(day, time(12), tzinfo=timezone.get_current_timezone())
        JournalEntry.objects.filter(pk__gt=before).update(created_at=moment)
        return result

    return run


def _loan(rng, customer, current: _Account, behaviour, start, end, index, seed) -> Loan:
    """One loan, repaid on time, paid off, or stopped being paid so that its oldest unpaid instalment is
    as late as `behaviour` says on the last day (charged off 120 days past due, half of those partly
    recovered)."""
    principal = Decimal(rng.randrange(1000, 8001, 250))
    rate = Decimal(rng.choice(["6.50", "8.90", "11.50", "14.90"]))
    term = rng.choice([6, 12, 24, 36])
    paid = None  # instalments paid before the borrower stopped; None: all that fall due
    if behaviour == "repaid":
        term = rng.choice([3, 6])
        start_on = end - relativedelta(months=term) - timedelta(days=rng.randint(0, 60))
    elif behaviour == "on_time":
        start_on = end - timedelta(days=rng.randint(20, 330))
    else:  # the first unpaid instalment fell due `late` days before the last day
        low, high = LATE_DAYS[behaviour]
        paid = rng.randint(0, 2)
        late = rng.randint(low + 3, high - 3)  # clear of the bucket's edges: months differ in length
        start_on = end - timedelta(days=late) - relativedelta(months=paid + 1)
    loan = _dated(services.loan_disburse)(
        start_on, actor=None, customer=customer, principal=principal, annual_rate=rate, term_months=term,
        start_on=start_on, number=f"S{seed}L{index + 1:06d}",
    )  # fmt: skip
    current.bumps.append((start_on, int(principal * 100)))  # paid into the current account that day
    repay = _dated(services.loan_repay)
    for inst in loan.instalments.order_by("number"):
        if inst.due_on > end or (paid is not None and inst.number > paid):
            break
        repay(inst.due_on, actor=None, loan=loan, amount=inst.amount_due, on=inst.due_on)
    if behaviour == "charged_off":
        loan.refresh_from_db()
        oldest = loan.instalments.filter(paid_on__isnull=True).order_by("number").first()
        off_on = min(end, oldest.due_on + timedelta(days=CHARGE_OFF_AFTER))
        _dated(services.loan_charge_off)(off_on, actor=None, loan=loan, on=off_on,
                                         reason="Written off at 120 days past due.")  # fmt: skip
        loan.refresh_from_db()
        if index == REQUIRED.index("charged_off") or rng.random() < 0.5:
            back = (loan.charged_off_amount * Decimal(rng.uniform(0.1, 0.4))).quantize(Decimal("0.01"))
            on = min(end, off_on + timedelta(days=rng.randint(10, 25)))
            _dated(services.loan_recover)(on, actor=None, loan=loan, amount=back, on=on)
    return loan


def _daily_balances(rng, people, accounts, start, end) -> int:
    """Each deposit account's end-of-day balances (written in bulk), each customer's first funded day,
    and the accounts of customers who left, closed."""
    rows: list[DailyBalance] = []
    closed: list[int] = []
    for customer in people:
        positive: list[date] = []
        for held in accounts[customer.pk]:
            account = held.account
            walk = _walk(rng, account.type, account.opened_on, start, end, held.closes_on)
            for day, cents in walk.items():
                cents += sum(amount for since, amount in held.bumps if since <= day)
                rows.append(DailyBalance(account=account, day=day, balance=Decimal(cents) / 100, currency="USD"))
            held.final = 0 if held.closes_on else (walk[max(walk)] if walk else 0)
            first = next((day for day, cents in walk.items() if cents > 0), None)
            if account.opened_on < start:
                first = account.opened_on
            if first:
                positive.append(first)
            if held.closes_on:
                closed.append(account.pk)
        customer.funded_on = min(positive, default=None)
    Customer.objects.bulk_update(people, ["funded_on"], batch_size=1000)
    BankAccount.objects.filter(pk__in=closed).update(status=AccountStatus.CLOSED)
    DailyBalance.objects.bulk_create(rows, batch_size=5000)
    return len(rows)


def _bring_forward(accounts, seed, end) -> None:
    """The balances the deposit accounts end the history with, into the ledger: one balanced journal
    against the cash vault, dated the history's last moment."""
    held = [h for group in accounts.values() for h in group if h.final > 0]
    if not held:
        return
    total = Decimal(sum(h.final for h in held)) / 100
    journal = JournalEntry.objects.create(kind=JournalKind.DEPOSIT, currency="USD", amount=total,
                                          reference=f"HISTORY-{seed}",
                                          description="Balances brought forward from the bank's history")  # fmt: skip
    locked = {a.pk: a for a in BankAccount.objects.select_for_update().filter(pk__in=[h.account.pk for h in held])}
    postings = []
    for h in held:
        account = locked[h.account.pk]
        account.balance += Decimal(h.final) / 100
        postings.append(Posting(journal=journal, account=account, amount=Decimal(h.final) / 100,
                                balance_after=account.balance))  # fmt: skip
    vault = BankAccount.objects.select_for_update().get(pk=services.internal_account("USD").pk)
    vault.balance -= total
    postings.append(Posting(journal=journal, account=vault, amount=-total, balance_after=vault.balance))
    BankAccount.objects.bulk_update([*locked.values(), vault], ["balance"], batch_size=1000)
    Posting.objects.bulk_create(postings, batch_size=2000)
    JournalEntry.objects.filter(pk=journal.pk).update(created_at=services.end_of_day(end) - timedelta(seconds=1))
    audit_record(actor=None, action="ledger.deposit", obj=journal, reason="Balances brought forward.",
                 after={"amount": total, "currency": "USD", "accounts": len(held)})  # fmt: skip


def _loan_balances(loans: list[Loan], start: date, end: date) -> int:
    """Each loan account's end-of-day balances, from its postings (dated the days they happened), until
    the day it was repaid or charged off."""
    rows: list[DailyBalance] = []
    zone = timezone.get_current_timezone()
    for loan in loans:
        after: dict[date, Decimal] = {}
        for posting in Posting.objects.filter(account=loan.account).select_related("journal").order_by("pk"):
            after[posting.journal.created_at.astimezone(zone).date()] = posting.balance_after
        closes = None
        if loan.status == LoanStatus.REPAID:
            closes = max(after)
        elif loan.status == LoanStatus.CHARGED_OFF:
            closes = loan.charged_off_on
        day, balance = loan.start_on, Decimal(0)
        while day <= end and (closes is None or day < closes):
            balance = after.get(day, balance)
            if day >= start:
                rows.append(DailyBalance(account=loan.account, day=day, balance=balance, currency=loan.currency))
            day += timedelta(days=1)
    DailyBalance.objects.bulk_create(rows, batch_size=5000)
    return len(rows)
