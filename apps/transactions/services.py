"""Writes: customers and accounts, the double-entry ledger, and transaction ingestion.

Every money movement locks the accounts involved (in id order, so two transfers cannot deadlock),
checks status, currency and overdraft, writes balanced postings, scores the movement, and audits it,
all in one database transaction. A movement the risk engine blocks is recorded and alerted, not posted.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.core.crypto import blind_index
from apps.core.db import CompiledQuery, retry_on_deadlock
from apps.core.money import BALANCE_MAX, amount_parse
from apps.core.services import audit_record

from . import aml
from .choices import (
    AccountStatus,
    AccountType,
    Channel,
    Decision,
    Direction,
    JournalKind,
    KYCStatus,
    RiskRating,
    Source,
    TransactionKind,
)
from .models import BankAccount, Customer, JournalEntry, Posting, Transaction
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
) -> Customer:  # fmt: skip
    with transaction.atomic():
        if Customer.objects.filter(external_id=external_id).exists():
            raise ValidationError({"external_id": ["A customer with this number already exists."]})
        customer = Customer.objects.create(
            external_id=external_id, full_name=full_name, country=country.upper(), segment=segment,
            kyc_status=kyc_status, kyc_review_date=kyc_review_date, risk_rating=risk_rating,
        )  # fmt: skip
        audit_record(actor=actor, action="customer.create", obj=customer, after={"external_id": external_id})
    return customer


def customer_kyc_set(*, actor, customer: Customer, risk_rating: str, review_date: date | None, status: str) -> Customer:
    """The customer's KYC summary (rating, next review day, status) as the KYC record above sets it.
    Audited, and written only when something changes."""
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
        customer.save(update_fields=fields)
        audit_record(actor=actor, action="customer.kyc_set", obj=customer,
                     before={k: v for k, v in before.items() if after[k] != v},
                     after={k: v for k, v in after.items() if before[k] != v})  # fmt: skip
    return customer


def account_open(
    *, actor, customer: Customer | None, number: str, type: str = AccountType.CHECKING, currency: str = "USD",
    overdraft_limit: Decimal = Decimal("0"), name: str = "", opened_on: date | None = None,
) -> BankAccount:  # fmt: skip
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
            currency=currency.upper(), overdraft_limit=overdraft_limit, name=name,
            opened_on=opened_on or timezone.localdate(),
        )  # fmt: skip
        audit_record(
            actor=actor, action="account.open", obj=account,
            after={"last4": account.last4, "type": type, "currency": account.currency},
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


def loan_disburse(*, actor, loan: BankAccount, destination: BankAccount, amount, reference: str = "") -> Transaction:
    amount = money(amount)
    if loan.type != AccountType.LOAN:
        raise ValidationError("Disbursements are made from a loan account.")
    return _post(actor=actor, kind=JournalKind.DISBURSEMENT, txn_kind=TransactionKind.DISBURSEMENT, amount=amount,
                 lines=[(loan, -amount), (destination, amount)], reference=reference,
                 description="Loan disbursement", customer_account=loan, channel=Channel.TRANSFER)  # fmt: skip


def loan_repay(*, actor, loan: BankAccount, source: BankAccount, amount, reference: str = "") -> Transaction:
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
