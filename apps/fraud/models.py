from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from apps.core.fields import only_while
from apps.core.money import MONEY_COLUMN, money_text

from .choices import (
    AlertStatus,
    CaseKind,
    CaseOutcome,
    CasePriority,
    CaseStatus,
    ProposalStatus,
    RuleStatus,
    Severity,
)


class Rule(models.Model):
    """One version of a rule. Rules are data: a condition over the transaction and its features, a
    weight added to the score when it fires, and an explanation shown to staff.

    A draft is edited and back-tested, approved by someone other than its author, then becomes the
    active version of its code; the previous version is retired and stays readable.
    """

    code = models.SlugField(max_length=64)
    version = models.PositiveIntegerField(default=1)
    name = models.CharField(max_length=120)
    explanation = models.CharField(max_length=255, help_text="Shown to staff when the rule fires.")
    condition = models.JSONField()
    weight = models.PositiveSmallIntegerField(help_text="Points added to the 0-100 score when it fires.")
    status = models.CharField(max_length=10, choices=RuleStatus.choices, default=RuleStatus.DRAFT, db_index=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    activated_at = models.DateTimeField(null=True, blank=True)
    retired_at = models.DateTimeField(null=True, blank=True)
    backtest = models.JSONField(null=True, blank=True, help_text="The latest back-test result.")
    # One active version of a rule: the database keeps the code here while the version is active (NULL
    # otherwise), in a unique column. MySQL and MariaDB ignore conditional unique constraints.
    active_code = only_while("code", status=RuleStatus.ACTIVE, field=models.CharField(max_length=64, null=True))

    class Meta:
        ordering = ["code", "-version"]
        permissions = [("approve_rule", "Can approve or reject another person's rule")]
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="rule_code_version_unique"),
            models.CheckConstraint(name="rule_weight_0_100", condition=Q(weight__lte=100)),
        ]

    def __str__(self) -> str:
        return f"{self.code} v{self.version} ({self.get_status_display()})"


class Alert(models.Model):
    """Something risky, for staff to look at. Alerts on one subject gather into a case."""

    transaction = models.OneToOneField(
        "transactions.Transaction", null=True, blank=True, on_delete=models.PROTECT, related_name="alert"
    )
    cheque = models.OneToOneField(
        "cheques.Cheque", null=True, blank=True, on_delete=models.PROTECT, related_name="alert"
    )
    subject = models.CharField(max_length=100, db_index=True, help_text="customer:<id>, account:<id> …")
    # What a pattern over many transactions is about (an AML scenario's hit); one transaction's or
    # cheque's alert takes its amount from it.
    amount = models.DecimalField(**MONEY_COLUMN, null=True, blank=True)
    currency = models.CharField(max_length=3, blank=True)
    severity = models.CharField(max_length=8, choices=Severity.choices, db_index=True)
    score = models.PositiveSmallIntegerField()
    decision = models.CharField(max_length=8)
    reasons = models.JSONField(default=list)
    status = models.CharField(max_length=8, choices=AlertStatus.choices, default=AlertStatus.OPEN, db_index=True)
    case = models.ForeignKey("Case", null=True, blank=True, on_delete=models.SET_NULL, related_name="alerts")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_severity_display()} alert #{self.pk} ({self.subject})"


class ModelVersion(models.Model):
    """A trained fraud model of transactions or of cheques: its signed artefact, features, library
    versions and test metrics."""

    class Status(models.TextChoices):
        CANDIDATE = "candidate", "Candidate"
        ACTIVE = "active", "Active"
        RETIRED = "retired", "Retired"

    class Kind(models.TextChoices):
        TRANSACTION = "transaction", "Transactions"
        CHEQUE = "cheque", "Cheques"

    version = models.CharField(max_length=64, unique=True)
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.TRANSACTION, db_index=True,
                            help_text="What it scores; each kind has its own active model.")  # fmt: skip
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.CANDIDATE, db_index=True)
    artifact = models.CharField(max_length=255, help_text="Path in the default storage.")
    signature = models.CharField(max_length=64, help_text="HMAC-SHA256 of the artefact.")
    feature_names = models.JSONField()
    library_versions = models.JSONField()
    train_start = models.DateTimeField()
    train_end = models.DateTimeField()
    test_start = models.DateTimeField()
    test_end = models.DateTimeField()
    metrics = models.JSONField(default=dict)
    importances = models.JSONField(default=list, help_text="[feature, importance] by permutation on the test set")
    reference = models.JSONField(default=dict, help_text="Training medians, for explanations.")
    trained_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    activated_at = models.DateTimeField(null=True, blank=True)
    activated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # One active model per kind, held by a unique column the database fills (see Rule.active_code).
    active_kind = only_while("kind", status="active", field=models.CharField(max_length=12, null=True))

    class Meta:
        ordering = ["-created_at"]
        permissions = [("activate_modelversion", "Can activate a model version by hand")]

    def __str__(self) -> str:
        return f"{self.version} ({self.get_status_display()})"


MONEY = {"max_digits": 18, "decimal_places": 2}


class Case(models.Model):
    """A team's piece of work: the alerts on one subject (customer, account or cheque), investigated and
    decided. State changes go through `apps.fraud.cases.services` only (the state machine is there).

    `open_subject` equals `subject` while the case is open and is NULL once closed: a unique column that
    lets only one open case exist per subject on every database (MariaDB has no partial indexes).
    """

    team = models.ForeignKey("accounts.Team", null=True, blank=True, on_delete=models.PROTECT, related_name="cases")
    kind = models.CharField(max_length=12, choices=CaseKind.choices, default=CaseKind.TRANSACTION)
    title = models.CharField(max_length=200)
    subject = models.CharField(max_length=100, db_index=True, help_text="customer:<ref>, account:<id>, cheque:<id>")
    open_subject = models.CharField(max_length=100, null=True, blank=True, unique=True, editable=False)
    customer_ref = models.CharField(max_length=64, blank=True, db_index=True)
    account = models.ForeignKey(
        "transactions.BankAccount", null=True, blank=True, on_delete=models.PROTECT, related_name="cases"
    )
    status = models.CharField(max_length=10, choices=CaseStatus.choices, default=CaseStatus.NEW)
    priority = models.CharField(max_length=8, choices=CasePriority.choices, default=CasePriority.MEDIUM)
    priority_rank = models.PositiveSmallIntegerField(default=2, editable=False, help_text="0 = critical")
    amount = models.DecimalField(**MONEY, default=0, help_text="Sum of the alerted transactions.")
    currency = models.CharField(max_length=3, default="USD")
    alert_count = models.PositiveIntegerField(default=0)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="assigned_cases"
    )
    assigned_at = models.DateTimeField(null=True, blank=True)
    sla_due_at = models.DateTimeField()
    sla_warned_at = models.DateTimeField(null=True, blank=True, help_text="When 'due soon' was sent.")
    sla_breached_at = models.DateTimeField(null=True, blank=True, help_text="When 'breached' was sent.")
    snoozed_until = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=16, choices=CaseOutcome.choices, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    tags = models.JSONField(default=list, blank=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # Visible per object (guardian: the owning team's group); `access_all_case` sees every case.
    object_scoped = True

    class Meta:
        ordering = ["sla_due_at", "priority_rank", "id"]
        permissions = [
            ("access_all_case", "Can see every team's cases"),
            ("assign_case", "Can assign and re-assign cases"),
            ("approve_case", "Can approve or send back another person's decision"),
            ("reopen_case", "Can reopen a closed case"),
        ]
        indexes = [
            # The queue's order: the database walks it and stops at a page (status is checked per row).
            models.Index(fields=["sla_due_at", "priority_rank", "id"], name="case_queue_idx"),
            models.Index(fields=["team", "status", "sla_due_at"], name="case_team_queue_idx"),
            models.Index(fields=["assignee", "status"], name="case_assignee_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.reference}: {self.title}"

    @property
    def reference(self) -> str:
        return f"CASE-{self.pk:06d}" if self.pk else "CASE-new"

    @property
    def is_open(self) -> bool:
        return self.status != CaseStatus.CLOSED


class CaseUserObjectPermission(UserObjectPermissionBase):
    """Guardian object permissions with a real foreign key (an indexed join, not a text cast)."""

    content_object = models.ForeignKey(Case, on_delete=models.CASCADE)

    class Meta(UserObjectPermissionBase.Meta):
        default_permissions = ()


class CaseGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Case, on_delete=models.CASCADE)

    class Meta(GroupObjectPermissionBase.Meta):
        default_permissions = ()


class CaseEvent(models.Model):
    """One line of a case's timeline: opened, alert added, comment, assignment, decision…"""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=24)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_name = models.CharField(max_length=255, blank=True)
    body = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        default_permissions = ("view",)
        indexes = [models.Index(fields=["case", "created_at"], name="caseevent_case_idx")]

    def __str__(self) -> str:
        return f"{self.kind} on case #{self.case_id}"


def _attachment_path(instance, filename: str) -> str:
    return f"cases/{instance.case_id}/{instance.sha256[:16]}-{filename}"


class CaseAttachment(models.Model):
    """Evidence added to a case, kept in the private default storage (local or S3 with SSE-KMS)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=_attachment_path, max_length=255)
    name = models.CharField(max_length=200)
    size = models.PositiveBigIntegerField()
    content_type = models.CharField(max_length=100)
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        default_permissions = ("view",)

    def __str__(self) -> str:
        return self.name


class CaseProposal(models.Model):
    """A decision proposed on a case. High-impact ones wait for a supervisor who is not the proposer."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="proposals")
    outcome = models.CharField(max_length=16, choices=CaseOutcome.choices)
    freeze_account = models.BooleanField(default=False)
    note = models.TextField()
    approval_reasons = models.JSONField(default=list, blank=True, help_text="Why a second person must approve.")
    status = models.CharField(max_length=10, choices=ProposalStatus.choices)
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_reason = models.TextField(blank=True)
    # One pending proposal per case, held by a unique column the database fills (see Rule.active_code).
    pending_case = only_while("case_id", status=ProposalStatus.PENDING, field=models.BigIntegerField(null=True))

    class Meta:
        ordering = ["-created_at", "-id"]
        default_permissions = ("view",)
        constraints = [
            models.CheckConstraint(
                name="proposal_reviewer_not_proposer",
                condition=Q(reviewed_by__isnull=True) | ~Q(reviewed_by=models.F("proposed_by")),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_outcome_display()} proposed on case #{self.case_id}"


class CaseRoute(models.Model):
    """Which team's queue receives a new case: routes are tried in order and the first whose every set
    attribute the case matches wins; a case no route takes goes to the default team (CASE_DEFAULT_TEAM,
    else the first team by name). Admins maintain them under Administration → Case routing."""

    position = models.PositiveSmallIntegerField(default=100, help_text="Routes are tried from the lowest.")
    kind = models.CharField(max_length=12, choices=CaseKind.choices, blank=True, help_text="Blank: any kind.")
    priority = models.CharField(max_length=8, choices=CasePriority.choices, blank=True,
                                help_text="Blank: any priority.")  # fmt: skip
    currency = models.CharField(max_length=3, blank=True, help_text="ISO 4217 code; blank: any currency.")
    min_amount = models.DecimalField(**MONEY, null=True, blank=True, help_text="Cases of at least this amount.")
    customer_prefix = models.CharField(max_length=64, blank=True, help_text="Customer references starting with this.")
    team = models.ForeignKey("accounts.Team", on_delete=models.PROTECT, related_name="case_routes")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return f"{self.describe()} → {self.team}"

    def describe(self) -> str:
        parts = [
            self.get_kind_display().lower() + " cases" if self.kind else "",
            f"priority {self.get_priority_display().lower()}" if self.priority else "",
            f"in {self.currency}" if self.currency else "",
            f"of at least {money_text(self.min_amount, self.currency or settings.BANK_CURRENCY)}"
            if self.min_amount is not None
            else "",
            f"customers {self.customer_prefix}…" if self.customer_prefix else "",
        ]
        return ", ".join(p for p in parts if p) or "every case"

    def _at_least(self, case: Case) -> bool:
        """The case's amount reaches the minimum, in the route's currency (the bank's when it names none).
        A case in a currency without an exchange rate counts as reaching it: it goes to the team that
        takes large cases rather than slipping past it."""
        from apps.core.rates import convert

        amount = convert(case.amount, case.currency, self.currency or settings.BANK_CURRENCY)
        return amount is None or amount >= self.min_amount

    def matches(self, case: Case) -> bool:
        return (
            (not self.kind or case.kind == self.kind)
            and (not self.priority or case.priority == self.priority)
            and (not self.currency or case.currency == self.currency)
            and (self.min_amount is None or self._at_least(case))
            and (not self.customer_prefix or case.customer_ref.startswith(self.customer_prefix))
        )
