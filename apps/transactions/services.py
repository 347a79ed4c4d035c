"""Writes: customers and accounts, the double-entry ledger, transaction ingestion, end-of-day balances,
and loans (schedule, repayments, ageing into days-past-due buckets, charge-off and recovery).

Every money movement locks the accounts involved (in id order, so two transfers cannot deadlock),
checks status, currency and overdraft, writes balanced postings, scores the movement, and audits it,
all in one database transaction. A movement the risk engine blocks is recorded and alerted, not posted.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import OuterRef, Q, Subquery, Sum
from django.utils import timezone

from apps.core.crypto import blind_index
from apps.core.db import CompiledQuery, retry_on_deadlock
from apps.core.money import BALANCE_MAX, amount_parse
from apps.core.services import audit_record

from . import aml
from .choices import (
    AccountStatus,
    AccountType,
    AcquisitionChannel,
    Channel,
    Decision,
    Direction,
    JournalKind,
    KYCStatus,
    LoanStatus,
    RiskRating,
    Source,
    TransactionKind,
)
from .models import BankAccount, Customer, DailyBalance, JournalEntry, Loan, LoanInstalment, Posting, Transaction
from .ports import risk_engine

CENT = Decimal("0.01")


def money(value: Any, field: str = "amount") -> Decimal:
    """An amount in money's one range (`apps.core.money`), or a ValidationError naming `field`."""
    return amount_parse(value, field)


def _checked(field: str, check, value: str) -> str:
    """`value` through one of `aml`'s checks, or a ValidationError naming `field`."""
    try:
        return check(value)
    except ValueError as exc:
        raise ValidationError({field: [f"{str(exc)[0].upper()}{str(exc)[1:]}."]}) from None


# ------------------------------------------------------------------------------ customers, accounts
def customer_create(
    *, actor, external_id: str, full_name: str, country: str = "US", segment: str = "retail",
    kyc_status: str = KYCStatus.PENDING, kyc_review_date: date | None = None, risk_rating: str = "low",
    branch: str = "", acquisition_channel: str = AcquisitionChannel.UNKNOWN, opened_on: date | None = None,
) -> Customer:  # fmt: skip
    """A new customer of the `branch` (their home branch, by code), who joined on `opened_on` (today when
    not given) through `acquisition_channel`. A customer created verified has completed KYC that day."""
    if acquisition_channel not in AcquisitionChannel.values:
        raise ValidationError({"acquisition_channel": [f"Unknown acquisition channel {acquisition_channel!r}."]})
    branch = branch_code(branch)
    opened_on = opened_on or timezone.localdate()
    with transaction.atomic():
        if Customer.objects.filter(external_id=external_id).exists():
            raise ValidationError({"external_id": ["A customer with this number already exists."]})
        customer = Customer.objects.create(
            external_id=external_id, full_name=full_name, country=country.upper(), segment=segment,
            kyc_status=kyc_status, kyc_review_date=kyc_review_date, risk_rating=risk_rating, branch=branch,
            acquisition_channel=acquisition_channel, opened_on=opened_on,
            kyc_completed_on=opened_on if kyc_status == KYCStatus.VERIFIED else None,
        )  # fmt: skip
        audit_record(actor=actor, action="customer.create", obj=customer,
                     after={"external_id": external_id, "branch": branch, "opened_on": opened_on,
                            "acquisition_channel": acquisition_channel})  # fmt: skip
    return customer


def branch_code(value: str) -> str:
    """A branch code as stored: trimmed, in capitals; a ValidationError when longer than 20 characters."""
    code = (value or "").strip().upper()
    if len(code) > 20:
        raise ValidationError({"branch": ["A branch code has at most 20 characters."]})
    return code


def customer_kyc_set(*, actor, customer: Customer, risk_rating: str, review_date: date | None, status: str) -> Customer:
    """The customer's KYC summary (rating, next review day, status) as the KYC record above sets it.
    Audited, and written only when something changes. The first verification is the day KYC completed."""
    if risk_rating not in RiskRating.values:
        raise ValidationError({"risk_rating": [f"Unknown risk rating {risk_rating!r}."]})
    if status not in KYCStatus.values:
        raise ValidationError({"kyc_status": [f"Unknown KYC status {status!r}."]})
    fields = ["risk_rating", "kyc_review_date", "kyc_status"]
    with transaction.atomic():
        customer = Customer.objects.select_for_update().get(pk=customer.pk)
        before = {f: getattr(customer, f) for f in fields}
        after = {"risk_rating": risk_rating, "kyc_review_date": review_date, "kyc_status": status}
        if before == after:
            return customer
        customer.risk_rating, customer.kyc_review_date, customer.kyc_status = risk_rating, review_date, status
        if status == KYCStatus.VERIFIED and customer.kyc_completed_on is None:
            customer.kyc_completed_on = after["kyc_completed_on"] = timezone.localdate()
            fields.append("kyc_completed_on")
        customer.save(update_fields=fields)
        audit_record(actor=actor, action="customer.kyc_set", obj=customer,
                     before={k: v for k, v in before.items() if after[k] != v},
                     after={k: v for k, v in after.items() if before.get(k) != v})  # fmt: skip
    return customer


def account_open(
    *, actor, customer: Customer | None, number: str, type: str = AccountType.CHECKING, currency: str = "USD",
    overdraft_limit: Decimal = Decimal("0"), name: str = "", opened_on: date | None = None, branch: str = "",
) -> BankAccount:  # fmt: skip
    """A new account held at `branch` (a code; when blank, the customer's home branch)."""
    if type not in AccountType.values:
        raise ValidationError({"type": [f"Unknown account type {type!r}."]})
    branch = branch_code(branch) or (customer.branch if customer else "")
    if overdraft_limit != 0:
        overdraft_limit = money(overdraft_limit, "overdraft_limit")
    number = "".join(number.split())
    if not number.isalnum() or not 4 <= len(number) <= 34:
        raise ValidationError({"number": ["An account number has 4 to 34 letters or digits."]})
    index = blind_index(number)
    with transaction.atomic():
        if BankAccount.objects.filter(number_index=index).exists():
            raise ValidationError({"number": ["This account number is already in use."]})
        account = BankAccount.objects.create(
            customer=customer, number=number, number_index=index, last4=number[-4:], type=type,
            currency=currency.upper(), overdraft_limit=overdraft_limit, name=name, branch=branch,
            opened_on=opened_on or timezone.localdate(),
        )  # fmt: skip
        audit_record(
            actor=actor, action="account.open", obj=account,
            after={"last4": account.last4, "type": type, "currency": account.currency, "branch": branch},
        )  # fmt: skip
    return account


def internal_account(currency: str, purpose: str = "VAULT") -> BankAccount:
    """The bank's own ledger account for money entering or leaving (cash, clearing)."""
    number = f"{purpose}{currency.upper()}0000"
    account = BankAccount.objects.filter(number_index=blind_index(number)).first()
    if account is None:
        account = BankAccount.objects.create(
            customer=None, number=number, number_index=blind_index(number), last4=number[-4:],
            type=AccountType.INTERNAL, currency=currency.upper(), name=f"{purpose.title()} {currency.upper()}",
            opened_on=timezone.localdate(),
        )  # fmt: skip
    return account


# ------------------------------------------------------------------------------ the ledger
@retry_on_deadlock
def _post(*, actor, kind: str, lines: list[tuple[BankAccount, Decimal]], txn_kind: str, amount: Decimal,
          reference: str, description: str, customer_account: BankAccount, payee: str = "",
          location: str = "", occurred_at: datetime | None = None, channel: str = "", direction: str = "",
          counterparty: BankAccount | None = None) -> Transaction:  # fmt: skip
    assert sum(a for _, a in lines) == 0, "postings must balance"
    channel, direction = _checked("channel", aml.channel_check, channel), aml.direction_of(txn_kind, direction)
    currency = customer_account.currency
    with transaction.atomic():
        ids = sorted({acc.pk for acc, _ in lines})
        locked = {a.pk: a for a in BankAccount.objects.select_for_update().filter(pk__in=ids).order_by("pk")}
        for acc, _delta in lines:
            current = locked[acc.pk]
            if current.currency != currency:
                raise ValidationError(f"Account {current.masked_number} is in {current.currency}, not {currency}.")
            if current.type != AccountType.INTERNAL and current.status != AccountStatus.ACTIVE:
                raise ValidationError(f"Account {current.masked_number} is {current.get_status_display().lower()}.")
        customer = locked[customer_account.pk].customer
        txn = Transaction(
            source=Source.LEDGER, kind=txn_kind, customer=customer, account=customer_account,
            customer_ref=customer.external_id if customer else "", amount=amount, currency=currency,
            occurred_at=occurred_at or timezone.now(), description=description, payee=payee, location=location,
            external_id=reference, channel=channel, direction=direction, **_counterparty(counterparty),
        )  # fmt: skip
        engine = risk_engine.get()
        engine.store(txn, engine.score(txn))
        if txn.decision == Decision.BLOCK:
            audit_record(actor=actor, action=f"ledger.{kind}.blocked", obj=txn, after={"score": txn.score})
            return txn
        journal = JournalEntry.objects.create(
            kind=kind, currency=currency, amount=amount, reference=reference, description=description,
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
        )  # fmt: skip
        postings = []
        for acc, delta in lines:
            current = locked[acc.pk]
            new_balance = current.balance + delta
            if current.type != AccountType.INTERNAL and new_balance < -current.overdraft_limit:
                raise ValidationError(
                    f"Insufficient funds in {current.masked_number}: balance {current.balance}, "
                    f"overdraft limit {current.overdraft_limit}."
                )
            if abs(new_balance) > BALANCE_MAX:
                raise ValidationError(f"This would take {current.masked_number}'s balance past {BALANCE_MAX:,}.")
            current.balance = new_balance
            current.save(update_fields=["balance"])
            postings.append(Posting(journal=journal, account=current, amount=delta, balance_after=new_balance))
        Posting.objects.bulk_create(postings)
        txn.journal = journal
        txn.save(update_fields=["journal"])
        audit_record(
            actor=actor, action=f"ledger.{kind}", obj=journal,
            after={"amount": amount, "currency": currency,
                   "postings": [{"account": p.account.masked_number, "amount": p.amount,
                                 "balance_after": p.balance_after} for p in postings]},
        )  # fmt: skip
    return txn


def _counterparty(account: BankAccount | None) -> dict[str, str]:
    """The other side of a movement between two of the bank's accounts, as AML reads it."""
    if account is None:
        return {}
    customer = account.customer
    country = customer.country.upper() if customer else ""
    return {"counterparty": customer.full_name if customer else account.name, "counterparty_account": account.number,
            "counterparty_country": country if country in aml.countries() else ""}  # fmt: skip


def ledger_deposit(*, actor, account: BankAccount, amount, reference: str = "", description: str = "",
                   channel: str = Channel.CASH) -> Transaction:  # fmt: skip
    """Money paid in at the counter (`channel`: cash, or a cheque paid in), against the cash vault."""
    amount = money(amount)
    vault = internal_account(account.currency)
    return _post(actor=actor, kind=JournalKind.DEPOSIT, txn_kind=TransactionKind.DEPOSIT, amount=amount,
                 lines=[(account, amount), (vault, -amount)], reference=reference, description=description,
                 customer_account=account, channel=channel)  # fmt: skip


def ledger_withdraw(*, actor, account: BankAccount, amount, reference: str = "", description: str = "",
                    channel: str = Channel.CASH) -> Transaction:  # fmt: skip
    """Money paid out at the counter, against the cash vault."""
    amount = money(amount)
    vault = internal_account(account.currency)
    return _post(actor=actor, kind=JournalKind.WITHDRAWAL, txn_kind=TransactionKind.WITHDRAWAL, amount=amount,
                 lines=[(account, -amount), (vault, amount)], reference=reference, description=description,
                 customer_account=account, channel=channel)  # fmt: skip


def ledger_transfer(*, actor, source: BankAccount, destination: BankAccount, amount, reference: str = "",
                    description: str = "", channel: str = Channel.TRANSFER) -> Transaction:  # fmt: skip
    amount = money(amount)
    if source.pk == destination.pk:
        raise ValidationError("A transfer needs two different accounts.")
    if AccountType.LOAN in (source.type, destination.type):
        raise ValidationError("Use a loan disbursement or repayment to move money to or from a loan.")
    payee = destination.customer.full_name if destination.customer else destination.name
    return _post(actor=actor, kind=JournalKind.TRANSFER, txn_kind=TransactionKind.TRANSFER, amount=amount,
                 lines=[(source, -amount), (destination, amount)], reference=reference, description=description,
                 customer_account=source, payee=payee, channel=channel, direction=Direction.OUT,
                 counterparty=destination)  # fmt: skip


def ledger_disburse(*, actor, loan: BankAccount, destination: BankAccount, amount, reference: str = "") -> Transaction:
    """Money lent from a loan account (up to its limit) into `destination`. `loan_disburse` opens a loan
    with its schedule and posts through here."""
    amount = money(amount)
    if loan.type != AccountType.LOAN:
        raise ValidationError("Disbursements are made from a loan account.")
    return _post(actor=actor, kind=JournalKind.DISBURSEMENT, txn_kind=TransactionKind.DISBURSEMENT, amount=amount,
                 lines=[(loan, -amount), (destination, amount)], reference=reference,
                 description="Loan disbursement", customer_account=loan, channel=Channel.TRANSFER)  # fmt: skip


def ledger_repay(*, actor, loan: BankAccount, source: BankAccount, amount, reference: str = "") -> Transaction:
    """Principal paid back to a loan account from `source`. `loan_repay` splits a payment between
    interest and principal along the schedule."""
    amount = money(amount)
    if loan.type != AccountType.LOAN:
        raise ValidationError("Repayments are made to a loan account.")
    loan.refresh_from_db(fields=["balance"])
    if loan.balance + amount > 0:
        raise ValidationError(f"The repayment is more than the {-loan.balance} outstanding.")
    return _post(actor=actor, kind=JournalKind.REPAYMENT, txn_kind=TransactionKind.REPAYMENT, amount=amount,
                 lines=[(source, -amount), (loan, amount)], reference=reference, description="Loan repayment",
                 customer_account=source, channel=Channel.TRANSFER)  # fmt: skip


# ------------------------------------------------------------------------------ ingestion
# Every API transaction looks its customer up: the SQL is built once (see CompiledQuery).
_CUSTOMER_BY_REF = CompiledQuery(lambda ref: Customer.objects.filter(external_id=ref).values_list("pk"), str)


@retry_on_deadlock
def transaction_ingest(*, actor, data: dict[str, Any], source: str = Source.API) -> Transaction:
    """Score and store one transaction reported by an integration. `data` is validated input. It is
    scored first (reads), then stored with its alert in one short write transaction; inside a
    caller's transaction (a batch) it sees the rows stored before it."""
    from . import selectors

    found = _CUSTOMER_BY_REF.rows(data["customer_ref"]) if data.get("customer_ref") else []
    account = selectors.account_by_number(data["account_number"]) if data.get("account_number") else None
    txn = Transaction(
        source=source, kind=data.get("kind") or TransactionKind.PAYMENT, customer_id=found[0][0] if found else None,
        account=account, external_id=data.get("external_id", ""), customer_ref=data.get("customer_ref", ""),
        terminal_id=data.get("terminal_id", ""), payee=data.get("payee", ""), amount=money(data["amount"]),
        currency=(data.get("currency") or "USD").upper(), occurred_at=data["occurred_at"],
        location=data.get("location", ""), description=data.get("description", ""),
        label=data.get("label", ""), labelled_at=timezone.now() if data.get("label") else None,
        **_aml_values(data),
    )  # fmt: skip
    engine = risk_engine.get()
    verdict = engine.score(txn)
    try:
        with transaction.atomic():
            engine.store(txn, verdict)
    except IntegrityError:
        # The database holds one transaction per id (`external_id_key`): the same id again is the same
        # transaction sent again, refused with the one already stored.
        existing = Transaction.objects.filter(external_id=txn.external_id).first() if txn.external_id else None
        if existing is None:
            raise
        raise AlreadyStored(existing) from None
    return txn


def _aml_values(data: dict[str, Any]) -> dict[str, str]:
    """The AML fields (`aml`) of validated input, checked again here (the service's own guarantee), with
    the direction the kind implies when none is given."""
    kind = data.get("kind") or TransactionKind.PAYMENT
    values = {name: str(data.get(name) or "").strip() for name in aml.FIELDS}
    for name, limit in aml.LIMITS.items():
        if len(values[name]) > limit:
            raise ValidationError({name: [f"Longer than {limit} characters."]})
    values["channel"] = _checked("channel", aml.channel_check, values["channel"])
    values["direction"] = _checked("direction", lambda v: aml.direction_of(kind, v), values["direction"])
    for name in aml.COUNTRY_FIELDS:
        values[name] = _checked(name, aml.country_check, values[name])
    return values


class AlreadyStored(Exception):
    """A transaction with this id is stored already: the request is a repeat, and nothing new is stored."""

    def __init__(self, existing: Transaction) -> None:
        super().__init__(f"A transaction with the id {existing.external_id} is already stored (#{existing.pk}).")
        self.existing = existing


@retry_on_deadlock
def transaction_ingest_batch(*, actor, rows: list[dict[str, Any]], source: str = Source.API) -> list[Transaction]:
    """All rows or none: a batch is one database transaction. Rows are scored in time order (so each
    sees the ones before it) and returned in the order given."""
    order = sorted(range(len(rows)), key=lambda i: rows[i]["occurred_at"])
    stored: list[Transaction | None] = [None] * len(rows)
    with transaction.atomic():
        for i in order:
            stored[i] = transaction_ingest(actor=actor, data=rows[i], source=source)
        audit_record(actor=actor, action="transaction.batch", after={"count": len(rows), "source": source})
    return stored  # type: ignore[return-value]


def simulated_store(*, rows, label_delay, chunk_size: int = 5000) -> tuple[int, int, int]:
    """Store simulator rows as labelled, scored transactions (labels known `label_delay` later)."""
    from .choices import Label

    engine = risk_engine.get()
    history = engine.history()
    direction = aml.direction_of(TransactionKind.PAYMENT)
    total = frauds = alerts = 0
    batch: list[Transaction] = []

    def flush():
        nonlocal alerts
        with transaction.atomic():
            alerts += engine.store_many(batch, history)
        batch.clear()

    for row in rows:
        batch.append(
            Transaction(
                source=Source.SIMULATOR, kind=TransactionKind.PAYMENT, external_id=row.transaction_id,
                customer_ref=row.customer_id, terminal_id=row.terminal_id, amount=row.amount,
                occurred_at=row.timestamp, label=Label.FRAUD if row.is_fraud else Label.LEGITIMATE,
                labelled_at=row.timestamp + label_delay, channel=row.channel, country=row.country,
                direction=direction,
            )
        )  # fmt: skip
        total += 1
        frauds += row.is_fraud
        if len(batch) >= chunk_size:
            flush()
    if batch:
        flush()
    audit_record(actor=None, action="transaction.simulate", after={"count": total, "fraud": frauds})
    return total, frauds, alerts


# ------------------------------------------------------------------------------ case outcomes
def transactions_label(*, actor, transaction_ids: list[int], label: str, reason: str = "") -> int:
    """Record ground truth (fraud / legitimate) from a case outcome, for the next training run.
    Call inside the caller's transaction; one audit event per transaction relabelled."""
    from .choices import Label

    if label not in Label.values:
        raise ValidationError(f"Unknown label {label!r}.")
    now = timezone.now()
    changed = 0
    relabel = Transaction.objects.filter(pk__in=transaction_ids).exclude(label=label)
    for txn in relabel.only("pk", "label", "amount", "currency", "kind", "external_id"):
        audit_record(actor=actor, action="transaction.label", obj=txn, before={"label": txn.label},
                     after={"label": label}, reason=reason)  # fmt: skip
        changed += 1
    relabel.update(label=label, labelled_at=now)
    return changed


def account_freeze(*, actor, account: BankAccount, reason: str) -> BankAccount:
    """Stop money leaving or entering an account (a case decision). Call inside the caller's transaction."""
    account = BankAccount.objects.select_for_update().get(pk=account.pk)
    if account.status == AccountStatus.CLOSED:
        raise ValidationError("A closed account cannot be frozen.")
    if account.status != AccountStatus.FROZEN:
        before = account.status
        account.status = AccountStatus.FROZEN
        account.save(update_fields=["status"])
        audit_record(actor=actor, action="account.freeze", obj=account, before={"status": before},
                     after={"status": account.status}, reason=reason)  # fmt: skip
    return account


# ------------------------------------------------------------------------------ end-of-day balances
def end_of_day(day: date) -> datetime:
    """The first moment after `day` in the bank's zone: postings before it count in that day's balance."""
    return datetime.combine(day + timedelta(days=1), time.min, tzinfo=timezone.get_current_timezone())


def balances_snapshot(*, day: date, actor=None) -> int:
    """Every open customer account's balance at the end of `day` (`DailyBalance`), and the day each of
    their customers was first funded. Idempotent: the day's rows are replaced, in one transaction.

    Run after the day has ended, the balance is today's less the postings made since; accounts opened
    after `day` and closed accounts have no row, nor do the bank's internal accounts. Returns the rows
    written."""
    with transaction.atomic():
        accounts = list(
            BankAccount.objects.exclude(type=AccountType.INTERNAL).exclude(status=AccountStatus.CLOSED)
            .filter(opened_on__lte=day).values_list("pk", "balance", "currency")
        )  # fmt: skip
        since = dict(
            Posting.objects.filter(journal__created_at__gte=end_of_day(day))
            .values("account").annotate(total=Sum("amount")).values_list("account", "total")
        )  # fmt: skip
        rows = [
            DailyBalance(account_id=pk, day=day, balance=balance - since.get(pk, 0), currency=currency)
            for pk, balance, currency in accounts
        ]
        DailyBalance.objects.filter(day=day).delete()
        DailyBalance.objects.bulk_create(rows, batch_size=2000)
        positive = DailyBalance.objects.filter(day=day, balance__gt=0).exclude(account__type=AccountType.LOAN)
        first_funded = Customer.objects.filter(pk__in=positive.values("account__customer_id")).filter(
            Q(funded_on__isnull=True) | Q(funded_on__gt=day)
        )
        newly = first_funded.update(funded_on=day)
        audit_record(actor=actor, action="balances.snapshot", after={"day": day, "accounts": len(rows),
                                                                     "first_funded": newly})  # fmt: skip
    return len(rows)


# ------------------------------------------------------------------------------ loans
def loan_schedule(*, principal: Decimal, annual_rate: Decimal, term_months: int, start_on: date) -> list[dict]:
    """The equal monthly instalments of an amortising loan (the annuity formula), due a month apart from a
    month after `start_on` (the month's last day when it is shorter).

    Each month's interest is the outstanding principal at the monthly rate, to the cent; the rest of the
    instalment repays principal. The last instalment repays what is left, so the principals sum to the
    principal exactly."""
    from dateutil.relativedelta import relativedelta

    rate = Decimal(annual_rate) / 1200
    if rate:
        payment = (principal * rate / (1 - (1 + rate) ** -term_months)).quantize(CENT, ROUND_HALF_UP)
    else:
        payment = (principal / term_months).quantize(CENT, ROUND_HALF_UP)
    rows, left = [], principal
    for number in range(1, term_months + 1):
        interest = (left * rate).quantize(CENT, ROUND_HALF_UP)
        principal_due = left if number == term_months else min(left, payment - interest)
        left -= principal_due
        rows.append({"number": number, "due_on": start_on + relativedelta(months=number),
                     "principal_due": principal_due, "interest_due": interest})  # fmt: skip
    return rows


def loan_status_for(days_past_due: int) -> str:
    """The delinquency bucket of a loan `days_past_due` days behind."""
    for floor, status in ((90, LoanStatus.DPD_90_PLUS), (60, LoanStatus.DPD_60_89), (30, LoanStatus.DPD_30_59),
                          (1, LoanStatus.DPD_1_29)):  # fmt: skip
        if days_past_due >= floor:
            return status
    return LoanStatus.CURRENT


def _moment(day: date) -> datetime | None:
    """When a movement dated `day` took place: now for today, midday in the bank's zone for another day."""
    if day == timezone.localdate():
        return None
    return datetime.combine(day, time(12), tzinfo=timezone.get_current_timezone())


OPEN_LOAN = Q(status__in=[s for s in LoanStatus.values if s not in (LoanStatus.CHARGED_OFF, LoanStatus.REPAID)])


@retry_on_deadlock
def loan_disburse(
    *, actor, customer: Customer, principal, annual_rate, term_months: int, start_on: date, branch: str = "",
    currency: str = "USD", destination: BankAccount | None = None, number: str | None = None,
) -> Loan:  # fmt: skip
    """Lend `principal` to `customer`: open a loan account at `branch` (the customer's home branch when
    blank), compute its schedule, and post the disbursement through the ledger into `destination` (the
    customer's first active current account in the currency; cash at the counter when they have none).

    All or nothing: a disbursement the risk engine blocks is refused, and no loan remains."""
    principal = money(principal, "principal")
    try:
        annual_rate = Decimal(str(annual_rate)).quantize(CENT, ROUND_HALF_UP)
    except ArithmeticError:
        raise ValidationError({"annual_rate": [f"{annual_rate!r} is not a rate."]}) from None
    if not Decimal(0) <= annual_rate < 100:
        raise ValidationError({"annual_rate": ["A yearly rate is at least 0 and under 100 percent."]})
    if not isinstance(term_months, int) or not 1 <= term_months <= 600:
        raise ValidationError({"term_months": ["A term is 1 to 600 months."]})
    currency = currency.upper()
    if destination is None:
        destination = customer.accounts.filter(type=AccountType.CHECKING, status=AccountStatus.ACTIVE,
                                               currency=currency).order_by("pk").first()  # fmt: skip
    elif destination.customer_id != customer.pk:
        raise ValidationError({"destination": ["The money goes to an account of the borrower."]})
    with transaction.atomic():
        account = account_open(
            actor=actor, customer=customer, number=number or f"LN{uuid.uuid4().int % 10**16:016d}",
            type=AccountType.LOAN, currency=currency, overdraft_limit=principal, name="Loan", opened_on=start_on,
            branch=branch,
        )  # fmt: skip
        loan = Loan.objects.create(account=account, principal=principal, annual_rate=annual_rate,
                                   term_months=term_months, start_on=start_on)  # fmt: skip
        LoanInstalment.objects.bulk_create(
            LoanInstalment(loan=loan, **row)
            for row in loan_schedule(principal=principal, annual_rate=annual_rate, term_months=term_months,
                                     start_on=start_on)
        )  # fmt: skip
        to = destination or internal_account(currency)
        txn = _post(actor=actor, kind=JournalKind.DISBURSEMENT, txn_kind=TransactionKind.DISBURSEMENT,
                    amount=principal, lines=[(account, -principal), (to, principal)], reference=f"LOAN-{loan.pk}-D",
                    description="Loan disbursement", customer_account=account, occurred_at=_moment(start_on),
                    channel=Channel.TRANSFER if destination else Channel.CASH)  # fmt: skip
        if txn.journal_id is None:
            raise ValidationError("The risk engine blocked this disbursement; no loan was opened.")
        audit_record(actor=actor, action="loan.disburse", obj=loan,
                     after={"principal": principal, "currency": currency, "annual_rate": annual_rate,
                            "term_months": term_months, "start_on": start_on, "branch": account.branch})  # fmt: skip
    return loan


def _locked_open_loan(loan: Loan) -> Loan:
    loan = Loan.objects.select_for_update().select_related("account").get(pk=loan.pk)
    if loan.status in (LoanStatus.CHARGED_OFF, LoanStatus.REPAID):
        raise ValidationError(f"This loan is {loan.get_status_display().lower()}.")
    return loan


def _loan_close_account(*, actor, loan: Loan, reason: str) -> None:
    """A finished loan's account is closed: nothing more is posted to it."""
    BankAccount.objects.filter(pk=loan.account_id).update(status=AccountStatus.CLOSED)
    audit_record(actor=actor, action="account.close", obj=loan.account, before={"status": loan.account.status},
                 after={"status": AccountStatus.CLOSED}, reason=reason)  # fmt: skip


@retry_on_deadlock
def loan_repay(*, actor, loan: Loan, amount, on: date, source: BankAccount | None = None) -> Transaction:
    """A payment of `amount` on `on`, from `source` (a borrower's account; cash at the counter when none),
    allocated to the oldest instalments not yet paid, each one's interest before its principal. The
    principal part is posted to the loan account, the interest part to the bank's interest income.

    A payment over what is still due is refused. A movement the risk engine blocks is recorded (with its
    alert) but not posted or allocated. The loan's standing is brought up to date as of `on`; paid in
    full, it is repaid and its account closed."""
    amount = money(amount)
    with transaction.atomic():
        loan = _locked_open_loan(loan)
        instalments = list(loan.instalments.select_for_update().order_by("number"))
        left, principal_part, paid = amount, Decimal(0), []
        for inst in instalments:
            if not left:
                break
            if inst.outstanding <= 0:
                continue
            share = min(left, inst.outstanding)
            interest_before = min(inst.paid_amount, inst.interest_due)
            inst.paid_amount += share
            principal_part += share - (min(inst.paid_amount, inst.interest_due) - interest_before)
            inst.paid_on = on if inst.outstanding == 0 else None
            left -= share
            paid.append(inst)
        if left:
            raise ValidationError({"amount": [f"The payment is {left} more than the {amount - left} still due."]})
        currency = loan.account.currency
        payer = source or internal_account(currency)
        interest_part = amount - principal_part
        prefix = f"LOAN-{loan.pk}-R"  # the loan's payments, numbered
        reference = f"{prefix}{Transaction.objects.filter(external_id__startswith=prefix).count() + 1}"
        income = internal_account(currency, "INTEREST")
        lines = [(payer, -amount), (loan.account, principal_part), (income, interest_part)]
        txn = _post(actor=actor, kind=JournalKind.REPAYMENT, txn_kind=TransactionKind.REPAYMENT, amount=amount,
                    lines=[(acc, delta) for acc, delta in lines if delta], reference=reference,
                    description="Loan repayment", customer_account=source or loan.account,
                    channel=Channel.TRANSFER if source else Channel.CASH,
                    occurred_at=_moment(on))  # fmt: skip
        if txn.journal_id is None:
            return txn
        LoanInstalment.objects.bulk_update(paid, ["paid_amount", "paid_on"])
        before = {"status": loan.status, "days_past_due": loan.days_past_due}
        if all(i.outstanding == 0 for i in instalments):
            loan.status, loan.days_past_due = LoanStatus.REPAID, 0
            _loan_close_account(actor=actor, loan=loan, reason="Loan repaid in full.")
        else:
            loan.days_past_due = _days_past_due(instalments, on)
            loan.status = loan_status_for(loan.days_past_due)
        loan.save(update_fields=["status", "days_past_due"])
        audit_record(actor=actor, action="loan.repay", obj=loan, before=before,
                     after={"amount": amount, "principal": principal_part, "interest": interest_part, "on": on,
                            "status": loan.status, "days_past_due": loan.days_past_due})  # fmt: skip
    return txn


def _days_past_due(instalments, day: date) -> int:
    """Days since the oldest instalment not paid in full fell due (0 when none is overdue on `day`)."""
    due = min((i.due_on for i in instalments if i.outstanding > 0), default=None)
    return max(0, (day - due).days) if due else 0


def loans_age(*, day: date, actor=None) -> dict[str, int]:
    """Every open loan's days past due (from the oldest instalment not paid in full) and status as of
    `day`. Idempotent: only loans whose standing changes are written; a change of status is audited.
    Returns how many open loans stand in each status."""
    unpaid = LoanInstalment.objects.filter(loan=OuterRef("pk"), paid_on__isnull=True).order_by("due_on")
    changed: list[Loan] = []
    counts: dict[str, int] = {}
    with transaction.atomic():
        loans = (
            Loan.objects.filter(OPEN_LOAN)
            .select_for_update()
            .annotate(oldest_due=Subquery(unpaid.values("due_on")[:1]))
        )
        for loan in loans.select_related("account"):
            dpd = max(0, (day - loan.oldest_due).days) if loan.oldest_due else 0
            status = loan_status_for(dpd)
            counts[status] = counts.get(status, 0) + 1
            if (loan.days_past_due, loan.status) == (dpd, status):
                continue
            if loan.status != status:
                audit_record(actor=actor, action="loan.age", obj=loan, before={"status": loan.status},
                             after={"status": status, "days_past_due": dpd, "day": day})  # fmt: skip
            loan.days_past_due, loan.status = dpd, status
            changed.append(loan)
        Loan.objects.bulk_update(changed, ["days_past_due", "status"], batch_size=1000)
    return counts


def _book(*, actor, kind: str, lines: list[tuple[BankAccount, Decimal]], amount: Decimal, reference: str,
          description: str) -> JournalEntry:  # fmt: skip
    """A book entry between the bank's accounts that no customer makes (a write-off, a recovery): balanced
    postings under row locks, not scored. Call inside the caller's transaction."""
    assert sum(a for _, a in lines) == 0, "postings must balance"
    ids = sorted({acc.pk for acc, _ in lines})
    locked = {a.pk: a for a in BankAccount.objects.select_for_update().filter(pk__in=ids).order_by("pk")}
    journal = JournalEntry.objects.create(
        kind=kind, currency=lines[0][0].currency, amount=amount, reference=reference, description=description,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )  # fmt: skip
    postings = []
    for acc, delta in lines:
        current = locked[acc.pk]
        current.balance += delta
        if abs(current.balance) > BALANCE_MAX:
            raise ValidationError(f"This would take {current.masked_number}'s balance past {BALANCE_MAX:,}.")
        current.save(update_fields=["balance"])
        postings.append(Posting(journal=journal, account=current, amount=delta, balance_after=current.balance))
    Posting.objects.bulk_create(postings)
    audit_record(actor=actor, action=f"ledger.{kind}", obj=journal,
                 after={"amount": amount, "currency": journal.currency,
                        "postings": [{"account": p.account.masked_number, "amount": p.amount,
                                      "balance_after": p.balance_after} for p in postings]})  # fmt: skip
    return journal


@retry_on_deadlock
def loan_charge_off(*, actor, loan: Loan, on: date, reason: str) -> Loan:
    """Write off an open loan's outstanding principal on `on`, against the bank's loan losses; its account
    is closed. `reason` is required and kept in the audit trail."""
    if not reason.strip():
        raise ValidationError({"reason": ["Say why the loan is charged off."]})
    with transaction.atomic():
        loan = _locked_open_loan(loan)
        account = BankAccount.objects.select_for_update().get(pk=loan.account_id)
        outstanding = -account.balance
        if outstanding > 0:
            _book(actor=actor, kind=JournalKind.CHARGE_OFF, amount=outstanding,
                  lines=[(account, outstanding), (internal_account(account.currency, "LOSSES"), -outstanding)],
                  reference=f"LOAN-{loan.pk}", description="Loan charge-off")  # fmt: skip
        before = {"status": loan.status, "days_past_due": loan.days_past_due}
        loan.status, loan.charged_off_on, loan.charged_off_amount = LoanStatus.CHARGED_OFF, on, max(outstanding, 0)
        loan.save(update_fields=["status", "charged_off_on", "charged_off_amount"])
        _loan_close_account(actor=actor, loan=loan, reason="Loan charged off.")
        audit_record(actor=actor, action="loan.charge_off", obj=loan, before=before, reason=reason,
                     after={"status": loan.status, "on": on, "amount": loan.charged_off_amount})  # fmt: skip
    return loan


@retry_on_deadlock
def loan_recover(*, actor, loan: Loan, amount, on: date) -> Loan:
    """Money collected on `on` for a charged-off loan (cash at the counter or from a collector), credited
    to the bank's recoveries. At most what was charged off is recovered."""
    amount = money(amount)
    with transaction.atomic():
        loan = Loan.objects.select_for_update().select_related("account").get(pk=loan.pk)
        if loan.status != LoanStatus.CHARGED_OFF:
            raise ValidationError("Only a charged-off loan has recoveries.")
        room = (loan.charged_off_amount or 0) - loan.recovered_amount
        if amount > room:
            raise ValidationError({"amount": [f"At most {room} remains to recover on this loan."]})
        currency = loan.account.currency
        _book(actor=actor, kind=JournalKind.RECOVERY, amount=amount,
              lines=[(internal_account(currency), -amount), (internal_account(currency, "RECOVERY"), amount)],
              reference=f"LOAN-{loan.pk}", description=f"Recovery on loan #{loan.pk}, {on}")  # fmt: skip
        before = loan.recovered_amount
        loan.recovered_amount += amount
        loan.save(update_fields=["recovered_amount"])
        audit_record(actor=actor, action="loan.recover", obj=loan, before={"recovered_amount": before},
                     after={"recovered_amount": loan.recovered_amount, "amount": amount, "on": on})  # fmt: skip
    return loan
