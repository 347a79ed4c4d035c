from django.db import models


class KYCStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    VERIFIED = "verified", "Verified"
    EXPIRED = "expired", "Review overdue"
    REJECTED = "rejected", "Rejected"


class RiskRating(models.TextChoices):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"


class AccountType(models.TextChoices):
    CHECKING = "checking", "Checking"
    SAVINGS = "savings", "Savings"
    LOAN = "loan", "Loan"
    TERM = "term", "Term deposit"
    INTERNAL = "internal", "Internal (bank ledger)"


class AccountStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    FROZEN = "frozen", "Frozen"
    CLOSED = "closed", "Closed"


class JournalKind(models.TextChoices):
    DEPOSIT = "deposit", "Deposit"
    WITHDRAWAL = "withdrawal", "Withdrawal"
    TRANSFER = "transfer", "Transfer"
    DISBURSEMENT = "disbursement", "Loan disbursement"
    REPAYMENT = "repayment", "Loan repayment"
    CHARGE_OFF = "charge_off", "Loan charge-off"
    RECOVERY = "recovery", "Recovery of a charged-off loan"


class TransactionKind(models.TextChoices):
    DEPOSIT = "deposit", "Deposit"
    WITHDRAWAL = "withdrawal", "Withdrawal"
    TRANSFER = "transfer", "Transfer"
    PAYMENT = "payment", "Card payment"
    EXPENSE = "expense", "Employee expense"
    DISBURSEMENT = "disbursement", "Loan disbursement"
    REPAYMENT = "repayment", "Loan repayment"


class Source(models.TextChoices):
    API = "api", "API"
    FILE = "file", "File"
    LEDGER = "ledger", "Ledger"
    SIMULATOR = "simulator", "Simulator"


class Decision(models.TextChoices):
    APPROVE = "approve", "Approve"
    REVIEW = "review", "Review"
    BLOCK = "block", "Block"


class Label(models.TextChoices):
    FRAUD = "fraud", "Fraud"
    LEGITIMATE = "legitimate", "Legitimate"


class Channel(models.TextChoices):
    """How the money moved (blank: not known)."""

    CASH = "cash", "Cash"
    CARD = "card", "Card"
    TRANSFER = "transfer", "Transfer"
    CHEQUE = "cheque", "Cheque"
    WIRE = "wire", "Wire"


class Direction(models.TextChoices):
    """Seen from the customer: money reaching them (a credit) or leaving them (a debit); blank: not known."""

    IN = "in", "In (credit)"
    OUT = "out", "Out (debit)"


class AcquisitionChannel(models.TextChoices):
    """How a customer came to the bank."""

    BRANCH = "branch", "Branch"
    ONLINE = "online", "Online"
    MOBILE = "mobile", "Mobile"
    REFERRAL = "referral", "Referral"
    PARTNER = "partner", "Partner"
    UNKNOWN = "unknown", "Unknown"


class LoanStatus(models.TextChoices):
    """Where a loan stands: current, a days-past-due bucket, or finished (charged off, repaid)."""

    CURRENT = "current", "Current"
    DPD_1_29 = "dpd_1_29", "1-29 days past due"
    DPD_30_59 = "dpd_30_59", "30-59 days past due"
    DPD_60_89 = "dpd_60_89", "60-89 days past due"
    DPD_90_PLUS = "dpd_90_plus", "90+ days past due"
    CHARGED_OFF = "charged_off", "Charged off"
    REPAID = "repaid", "Repaid"
