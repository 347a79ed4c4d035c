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
