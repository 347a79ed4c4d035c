from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q

from apps.core.crypto import mask
from apps.core.fields import EncryptedTextField, unless_blank
from apps.core.money import BALANCE_MAX, MONEY_COLUMN, amount_check, amount_validators

from .aml import validate_country
from .choices import (
    AccountStatus,
    AccountType,
    AcquisitionChannel,
    Channel,
    Decision,
    Direction,
    JournalKind,
    KYCStatus,
    Label,
    LoanStatus,
    RiskRating,
    Source,
    TransactionKind,
)

MONEY = MONEY_COLUMN
_BLANK = {"default": "", "db_default": ""}


def branch_field(help_text: str) -> models.CharField:
    """A branch's short code (such as NYC01); blank: no branch (an online customer, an internal account)."""
    return models.CharField(max_length=20, blank=True, db_index=True, help_text=help_text, **_BLANK)


class Customer(models.Model):
    """A customer of the bank, with the lifecycle days that customer acquisition is reported on."""

    external_id = models.CharField(max_length=64, unique=True, help_text="The bank's customer number.")
    full_name = models.CharField(max_length=200)
    kyc_status = models.CharField(max_length=16, choices=KYCStatus.choices, default=KYCStatus.PENDING)
    kyc_review_date = models.DateField(null=True, blank=True)
    risk_rating = models.CharField(max_length=8, choices=RiskRating.choices, default=RiskRating.LOW)
    country = models.CharField(max_length=2, default="US", help_text="ISO 3166-1 alpha-2")
    segment = models.CharField(max_length=32, default="retail")
    branch = branch_field("The customer's home branch (code).")
    acquisition_channel = models.CharField(
        max_length=8, choices=AcquisitionChannel.choices, default=AcquisitionChannel.UNKNOWN,
        db_default=AcquisitionChannel.UNKNOWN, help_text="How the customer came to the bank.",
    )  # fmt: skip
    # Lifecycle: the days reporting counts acquisition and attrition on.
    opened_on = models.DateField(null=True, blank=True, help_text="The day the customer joined.")
    kyc_completed_on = models.DateField(null=True, blank=True, help_text="The day KYC was first verified.")
    funded_on = models.DateField(
        null=True, blank=True, help_text="The first day one of the customer's accounts ended with a positive balance."
    )
    closed_on = models.DateField(null=True, blank=True, help_text="The day the customer left the bank.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["full_name"]

    def __str__(self) -> str:
        return f"{self.full_name} ({self.external_id})"


class BankAccount(models.Model):
    """A customer's account, or an internal ledger account (customer empty) such as cash in vault.

    The account number is encrypted at rest; `number_index` (HMAC) finds it, `last4` shows it masked.
    `balance` is kept in step with the postings under a row lock.
    """

    customer = models.ForeignKey(Customer, null=True, blank=True, on_delete=models.PROTECT, related_name="accounts")
    number = EncryptedTextField()
    number_index = models.CharField(max_length=64, unique=True, editable=False)
    last4 = models.CharField(max_length=4, editable=False)
    name = models.CharField(max_length=100, blank=True)
    type = models.CharField(max_length=16, choices=AccountType.choices, default=AccountType.CHECKING)
    currency = models.CharField(max_length=3, default="USD")
    status = models.CharField(max_length=8, choices=AccountStatus.choices, default=AccountStatus.ACTIVE)
    balance = models.DecimalField(**MONEY, default=Decimal("0.00"))
    branch = branch_field("The branch that holds the account (code).")
    overdraft_limit = models.DecimalField(
        **MONEY, default=Decimal("0.00"), validators=amount_validators(zero=True),
        help_text="How far below zero the balance may go.",
    )  # fmt: skip
    opened_on = models.DateField()

    class Meta:
        ordering = ["id"]
        permissions = [("view_full_account_number", "Can see account numbers in full")]
        constraints = [
            models.CheckConstraint(name="account_overdraft_nonnegative", condition=Q(overdraft_limit__gte=0)),
            amount_check("overdraft_limit", name="account_overdraft_in_range", zero=True),
            amount_check("balance", name="account_balance_in_range", signed=True, maximum=BALANCE_MAX),
            models.CheckConstraint(
                name="account_within_overdraft",
                condition=Q(type="internal") | Q(balance__gte=-models.F("overdraft_limit")),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_type_display()} {self.masked_number} ({self.currency})"

    @property
    def masked_number(self) -> str:
        return mask(self.last4)


class JournalEntry(models.Model):
    """One money movement: its postings sum to zero (double entry)."""

    kind = models.CharField(max_length=16, choices=JournalKind.choices)
    currency = models.CharField(max_length=3)
    amount = models.DecimalField(**MONEY, validators=amount_validators())
    reference = models.CharField(max_length=100, blank=True)
    description = models.CharField(max_length=255, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "journal entries"
        constraints = [amount_check("amount", name="journal_amount_in_range")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount} {self.currency} #{self.pk}"


class Posting(models.Model):
    journal = models.ForeignKey(JournalEntry, on_delete=models.PROTECT, related_name="postings")
    account = models.ForeignKey(BankAccount, on_delete=models.PROTECT, related_name="postings")
    amount = models.DecimalField(**MONEY, validators=amount_validators(signed=True),
                                 help_text="Positive credits the account, negative debits it.")  # fmt: skip
    balance_after = models.DecimalField(**MONEY)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["account", "id"], name="posting_account_idx")]
        constraints = [
            amount_check("amount", name="posting_amount_in_range", signed=True),
            amount_check("balance_after", name="posting_balance_in_range", signed=True, maximum=BALANCE_MAX),
        ]

    def __str__(self) -> str:
        return f"{self.amount} on {self.account.masked_number} (journal #{self.journal_id})"


class Transaction(models.Model):
    """A scored money event: from the API, a file, the ledger or the simulator."""

    external_id = models.CharField(max_length=100, blank=True, db_index=True)
    # The database refuses a second transaction with the same (non-blank) id, however it arrives.
    external_id_key = unless_blank("external_id", field=models.CharField(max_length=100))
    source = models.CharField(max_length=16, choices=Source.choices)
    kind = models.CharField(max_length=16, choices=TransactionKind.choices)
    customer = models.ForeignKey(Customer, null=True, blank=True, on_delete=models.PROTECT, related_name="transactions")
    account = models.ForeignKey(  # indexed first in txn_account_time_idx
        BankAccount, null=True, blank=True, on_delete=models.PROTECT, related_name="transactions", db_index=False
    )
    customer_ref = models.CharField(  # indexed first in txn_customer_time_idx
        max_length=64, blank=True, help_text="Customer or employee id as the source gave it."
    )
    terminal_id = models.CharField(max_length=64, blank=True)
    payee = models.CharField(max_length=200, blank=True)
    amount = models.DecimalField(**MONEY, validators=amount_validators())
    currency = models.CharField(max_length=3, default="USD")
    occurred_at = models.DateTimeField()
    location = models.CharField(max_length=100, blank=True)
    description = models.CharField(max_length=255, blank=True)
    # What AML scenarios read (`aml`); blank: not known. The database's own default is blank too, so a
    # writer that names none of them (one deployed before them) still stores its rows.
    channel = models.CharField(max_length=8, choices=Channel.choices, blank=True, **_BLANK)
    direction = models.CharField(
        max_length=3, choices=Direction.choices, blank=True, **_BLANK,
        help_text="Seen from the customer: money reaching them (in) or leaving them (out).",
    )  # fmt: skip
    counterparty = models.CharField(max_length=200, blank=True, **_BLANK, help_text="The other party's name.")
    counterparty_account = EncryptedTextField(null=True, blank=True, help_text="The other party's account (up to 64).")
    counterparty_country = models.CharField(max_length=2, blank=True, validators=[validate_country], **_BLANK,
                                            help_text="The other party's country, ISO 3166-1 alpha-2.")  # fmt: skip
    country = models.CharField(max_length=2, blank=True, validators=[validate_country], **_BLANK,
                               help_text="Where it took place, ISO 3166-1 alpha-2.")  # fmt: skip
    journal = models.OneToOneField(
        JournalEntry, null=True, blank=True, on_delete=models.PROTECT, related_name="transaction"
    )
    file = models.ForeignKey(
        "TransactionFile", null=True, blank=True, on_delete=models.SET_NULL, related_name="transactions",
        help_text="The uploaded file it came in.",
    )  # fmt: skip
    # Scoring
    score = models.PositiveSmallIntegerField(default=0)
    decision = models.CharField(max_length=8, choices=Decision.choices, default=Decision.APPROVE, db_index=True)
    reasons = models.JSONField(default=list, blank=True)
    model_version = models.CharField(max_length=64, blank=True)
    rule_set_version = models.CharField(max_length=64, blank=True)
    # Ground truth (from the source file, or from a case outcome)
    label = models.CharField(max_length=12, choices=Label.choices, blank=True)
    labelled_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["customer_ref", "occurred_at"], name="txn_customer_time_idx"),
            models.Index(fields=["terminal_id", "occurred_at"], name="txn_terminal_time_idx"),
            models.Index(fields=["account", "occurred_at"], name="txn_account_time_idx"),
            models.Index(fields=["occurred_at"], name="txn_time_idx"),
            # AML monitoring reads the cash and wire rows of a window of days (a small share of the book).
            models.Index(fields=["channel", "occurred_at"], name="txn_channel_time_idx"),
        ]
        constraints = [amount_check("amount", name="txn_amount_in_range")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount} {self.currency} ({self.external_id or self.pk})"

    @property
    def counterparty_account_masked(self) -> str:
        return mask(self.counterparty_account or "")


class TransactionFile(models.Model):
    """An uploaded CSV of transactions, processed by a worker in chunks."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        PROCESSING = "processing", "Processing"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    original_name = models.CharField(max_length=255)
    file = models.FileField(upload_to="transaction-files/%Y/%m/")
    sha256 = models.CharField(max_length=64, db_index=True)
    size = models.PositiveBigIntegerField()
    format = models.CharField(max_length=16)
    mapping = models.JSONField(default=dict, blank=True, help_text="field → column, for the 'mapping' format")
    label_column = models.CharField(max_length=64, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.QUEUED, db_index=True)
    failure = models.TextField(blank=True, help_text="Why the whole file could not be processed.")
    rows_done = models.PositiveIntegerField(default=0, help_text="Rows read so far (the checkpoint).")
    rows_total = models.PositiveIntegerField(null=True, blank=True)
    rows_stored = models.PositiveIntegerField(default=0)
    rows_rejected = models.PositiveIntegerField(default=0)
    alerts_raised = models.PositiveIntegerField(default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0, help_text="Processing runs started so far.")
    heartbeat_at = models.DateTimeField(null=True, blank=True, help_text="When its run last made progress.")

    class Meta:
        ordering = ["-uploaded_at", "-id"]

    def __str__(self) -> str:
        return f"{self.original_name} ({self.get_status_display()})"

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        if not self.rows_total:
            return 0
        return min(99, int(self.rows_done * 100 / self.rows_total))


class TransactionFileError(models.Model):
    """One rejected row of a file, kept for the downloadable error report."""

    file = models.ForeignKey(TransactionFile, on_delete=models.CASCADE, related_name="errors")
    row_number = models.PositiveIntegerField(help_text="Line in the file, the header being line 1.")
    errors = models.JSONField(help_text="column → message")
    raw = models.JSONField(help_text="The row as read.")

    class Meta:
        ordering = ["row_number"]

    def __str__(self) -> str:
        return f"{self.file_id}:{self.row_number}"


class DailyBalance(models.Model):
    """An account's balance at the end of a day (the bank's zone), written by `balances_snapshot`."""

    account = models.ForeignKey(BankAccount, on_delete=models.CASCADE, related_name="daily_balances")
    day = models.DateField(db_index=True)
    balance = models.DecimalField(**MONEY)
    currency = models.CharField(max_length=3)

    class Meta:
        ordering = ["-day", "account_id"]
        constraints = [
            models.UniqueConstraint(fields=["account", "day"], name="daily_balance_account_day"),
            amount_check("balance", name="daily_balance_in_range", signed=True, maximum=BALANCE_MAX),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.balance} {self.currency} (account #{self.account_id})"


class Loan(models.Model):
    """An amortising loan: its terms, its schedule (`instalments`) and where it stands.

    The loan account's balance is the principal outstanding (negative: owed to the bank). `status` and
    `days_past_due` are set by `loans_age` from the oldest instalment not paid in full.
    """

    account = models.OneToOneField(
        BankAccount, on_delete=models.PROTECT, related_name="loan", limit_choices_to={"type": AccountType.LOAN}
    )
    principal = models.DecimalField(**MONEY, validators=amount_validators())
    annual_rate = models.DecimalField(max_digits=5, decimal_places=2, help_text="Nominal yearly rate, in percent.")
    term_months = models.PositiveSmallIntegerField()
    start_on = models.DateField(help_text="The day of disbursement; the first instalment falls a month later.")
    status = models.CharField(max_length=12, choices=LoanStatus.choices, default=LoanStatus.CURRENT, db_index=True)
    days_past_due = models.PositiveIntegerField(default=0)
    charged_off_on = models.DateField(null=True, blank=True)
    charged_off_amount = models.DecimalField(**MONEY, null=True, blank=True,
                                             help_text="Principal written off.")  # fmt: skip
    recovered_amount = models.DecimalField(**MONEY, default=Decimal("0.00"),
                                           help_text="Collected after the charge-off.")  # fmt: skip
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-start_on", "-id"]
        constraints = [
            models.CheckConstraint(name="loan_principal_positive", condition=Q(principal__gt=0)),
            amount_check("principal", name="loan_principal_in_range"),
            models.CheckConstraint(name="loan_term_positive", condition=Q(term_months__gt=0)),
            models.CheckConstraint(name="loan_rate_in_range", condition=Q(annual_rate__gte=0, annual_rate__lt=100)),
            models.CheckConstraint(name="loan_recovered_nonnegative", condition=Q(recovered_amount__gte=0)),
            models.CheckConstraint(
                name="loan_charge_off_complete",
                condition=~Q(status=LoanStatus.CHARGED_OFF) | Q(charged_off_on__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"Loan {self.principal} {self.account.currency} over {self.term_months} months (#{self.pk})"

    @property
    def currency(self) -> str:
        return self.account.currency


class LoanInstalment(models.Model):
    """One monthly instalment of a loan's schedule. A payment goes to interest first, then principal;
    `paid_on` is set when it is paid in full (queries ask that, not a sum: SQLite sums money as floats)."""

    loan = models.ForeignKey(Loan, on_delete=models.CASCADE, related_name="instalments")
    number = models.PositiveSmallIntegerField()
    due_on = models.DateField(db_index=True)
    principal_due = models.DecimalField(**MONEY)
    interest_due = models.DecimalField(**MONEY)
    paid_amount = models.DecimalField(**MONEY, default=Decimal("0.00"))
    paid_on = models.DateField(null=True, blank=True, help_text="The day it was paid in full.")

    class Meta:
        ordering = ["loan_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["loan", "number"], name="loan_instalment_number"),
            models.CheckConstraint(name="instalment_number_positive", condition=Q(number__gt=0)),
            models.CheckConstraint(name="instalment_principal_nonnegative", condition=Q(principal_due__gte=0)),
            models.CheckConstraint(name="instalment_interest_nonnegative", condition=Q(interest_due__gte=0)),
            models.CheckConstraint(name="instalment_paid_nonnegative", condition=Q(paid_amount__gte=0)),
        ]

    def __str__(self) -> str:
        return f"Instalment {self.number} of loan #{self.loan_id}, due {self.due_on}"

    @property
    def amount_due(self) -> Decimal:
        return self.principal_due + self.interest_due

    @property
    def outstanding(self) -> Decimal:
        return self.amount_due - self.paid_amount
