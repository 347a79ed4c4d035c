from django.db import models


class RuleStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    PENDING = "pending", "Waiting for approval"
    ACTIVE = "active", "Active"
    RETIRED = "retired", "Retired"
    REJECTED = "rejected", "Rejected"


class Severity(models.TextChoices):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"


class AlertStatus(models.TextChoices):
    OPEN = "open", "Open"
    IN_CASE = "in_case", "In a case"
    CLOSED = "closed", "Closed"


class CaseStatus(models.TextChoices):
    NEW = "new", "New"
    IN_REVIEW = "in_review", "In review"
    ESCALATED = "escalated", "Escalated"
    SNOOZED = "snoozed", "Snoozed"
    PENDING_APPROVAL = "pending", "Pending approval"
    CLOSED = "closed", "Closed"


OPEN_CASE_STATUSES = [s for s in CaseStatus.values if s != CaseStatus.CLOSED]


class CasePriority(models.TextChoices):
    """Ordered most urgent first; `rank` sorts the queue."""

    CRITICAL = "critical", "Critical"
    HIGH = "high", "High"
    MEDIUM = "medium", "Medium"
    LOW = "low", "Low"


PRIORITY_RANK = {p: i for i, p in enumerate(CasePriority.values)}


class CaseKind(models.TextChoices):
    TRANSACTION = "transaction", "Transaction"
    CHEQUE = "cheque", "Cheque"
    COMPLIANCE = "compliance", "Compliance (AML)"
    MANUAL = "manual", "Opened by hand"


class CaseOutcome(models.TextChoices):
    CONFIRMED_FRAUD = "fraud", "Confirmed fraud"
    FALSE_POSITIVE = "false_positive", "False positive"
    NO_ACTION = "no_action", "No action"


class ProposalStatus(models.TextChoices):
    PENDING = "pending", "Waiting for approval"
    APPROVED = "approved", "Approved"
    SENT_BACK = "sent_back", "Sent back"
    APPLIED = "applied", "Applied (no approval needed)"
