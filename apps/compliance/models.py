from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from apps.core.fields import only_while
from apps.transactions.choices import RiskRating

from .choices import (
    BusinessType,
    DocumentKind,
    Domain,
    OnboardingChannel,
    Profile,
    ScreeningResult,
    ThresholdStatus,
    Unit,
)


class Threshold(models.Model):
    """One version of a regulatory threshold: a metric, its breach level (and the warning level at which
    it is shown as approaching), in a currency for amounts, under a jurisdiction profile.

    Versions are drafted by one compliance officer and approved by another; an approved version applies
    from its `effective_from` day until a later approved version takes over. Every version stays
    readable, and every step is audited.
    """

    metric = models.SlugField(max_length=64)
    version = models.PositiveIntegerField()
    profile = models.CharField(max_length=2, choices=Profile.choices)
    unit = models.CharField(max_length=12, choices=Unit.choices)
    currency = models.CharField(max_length=3, blank=True, help_text="ISO 4217, for amounts.")
    breach = models.DecimalField(max_digits=18, decimal_places=2, help_text="The level itself.")
    warning = models.DecimalField(
        max_digits=18, decimal_places=2, null=True, blank=True, help_text="Shown as approaching from this level."
    )
    target = models.DecimalField(max_digits=18, decimal_places=2, null=True, blank=True,
                                 help_text="KPIs: the level aimed at (scores 100).")  # fmt: skip
    weight = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True,
                                 help_text="KPIs: the weight in the compliance score.")  # fmt: skip
    higher_is_worse = models.BooleanField(default=True)
    source = models.CharField(max_length=300, blank=True, help_text="The law or policy the value comes from.")
    effective_from = models.DateField()
    status = models.CharField(
        max_length=10, choices=ThresholdStatus.choices, default=ThresholdStatus.DRAFT, db_index=True
    )
    reason = models.TextField(blank=True, help_text="Why this version.")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["metric", "-version"]
        permissions = [("approve_threshold", "Can approve or reject another officer's threshold")]
        constraints = [
            models.UniqueConstraint(fields=["metric", "version"], name="threshold_metric_version_unique"),
            models.CheckConstraint(
                name="threshold_reviewer_not_author",
                condition=Q(reviewed_by__isnull=True) | ~Q(reviewed_by=F("author")),
            ),
            models.CheckConstraint(
                name="threshold_levels_not_negative",
                condition=Q(breach__gte=0)
                & (Q(warning__isnull=True) | Q(warning__gte=0))
                & (Q(target__isnull=True) | Q(target__gte=0))
                & (Q(weight__isnull=True) | Q(weight__gte=0)),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.metric} v{self.version} ({self.get_status_display()})"

    def text(self, level) -> str:
        """A level as people read it: "10,000.00 USD", "15 days", "80%"."""
        if level is None:
            return "—"
        if self.unit == Unit.MONEY:
            from apps.core.money import money_text

            return money_text(level, self.currency)
        number = f"{level.normalize():f}"
        if self.unit == Unit.PERCENT:
            return f"{number}%"
        names = {Unit.DAYS: "day", Unit.WORKING_DAYS: "working day", Unit.YEARS: "year", Unit.HOURS: "hour"}
        name = names.get(self.unit)
        return f"{number} {name}{'' if level == 1 else 's'}" if name else number

    @property
    def breach_text(self) -> str:
        return self.text(self.breach)

    @property
    def warning_text(self) -> str:
        return self.text(self.warning)

    @property
    def target_text(self) -> str:
        return self.text(self.target)


class HighRiskJurisdiction(models.Model):
    """A country the bank treats as high-risk (the FATF's lists, a regulator's, its own): a transaction
    to, from or in it raises a compliance alert, and a customer resident there is rated higher."""

    country = models.CharField(max_length=2, unique=True, help_text="ISO 3166-1 alpha-2.")
    reason = models.CharField(max_length=300)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["country"]

    def __str__(self) -> str:
        return f"{self.country}: {self.reason}"


class ScenarioHit(models.Model):
    """One pattern an AML scenario found: on whom, for which period (a day, a month, a window starting at a
    transaction), the amount, the transactions behind it, and the alert it raised. A pattern is found
    once, however often the scenarios run over it."""

    scenario = models.SlugField(max_length=40)
    subject = models.CharField(max_length=100, help_text="The customer the pattern is about.")
    period = models.CharField(max_length=64, help_text="What makes this pattern one: its day, month or first row.")
    amount = models.DecimalField(max_digits=18, decimal_places=2)
    currency = models.CharField(max_length=3)
    transaction_ids = models.JSONField(default=list)
    explanation = models.CharField(max_length=500)
    alert = models.OneToOneField(
        "fraud.Alert", null=True, blank=True, on_delete=models.SET_NULL, related_name="scenario_hit"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["scenario", "subject", "period"], name="scenario_hit_once")]

    def __str__(self) -> str:
        return f"{self.scenario} on {self.subject} ({self.period})"


# ------------------------------------------------------------------------------------ KYC
class CustomerRisk(models.Model):
    """A customer's KYC record: the stated risk factors, the rating computed from them with its
    explanation factor by factor (`kyc.rating`), an officer's override with the reason, and the review
    dates. The KYC state (pending, verified, review due, expired) is computed from the due day, never
    stored; the customer's own rating, review date and status are kept in step by the KYC services."""

    customer = models.OneToOneField("transactions.Customer", on_delete=models.PROTECT, related_name="kyc")
    pep = models.BooleanField("Politically exposed person", default=False)
    business_type = models.CharField(max_length=20, choices=BusinessType.choices, default=BusinessType.NOT_STATED)
    channel = models.CharField("Onboarding channel", max_length=16, choices=OnboardingChannel.choices,
                               default=OnboardingChannel.FACE_TO_FACE)  # fmt: skip
    screening = models.CharField("Screening result", max_length=16, choices=ScreeningResult.choices,
                                 default=ScreeningResult.NOT_SCREENED)  # fmt: skip
    rating = models.CharField("Computed rating", max_length=8, choices=RiskRating.choices, db_index=True)
    score = models.PositiveSmallIntegerField(default=0, help_text="The factors' points added up.")
    factors = models.JSONField(default=list, help_text="[{factor, label, value, points, why}], one per factor.")
    assessed_at = models.DateTimeField()
    override_rating = models.CharField(max_length=8, choices=RiskRating.choices, blank=True, db_index=True)
    override_reason = models.TextField(blank=True)
    override_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    override_at = models.DateTimeField(null=True, blank=True)
    last_review = models.DateField(null=True, blank=True, help_text="The day of the last completed review.")
    last_review_note = models.TextField(blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    review_due = models.DateField(null=True, blank=True, db_index=True,
                                  help_text="The next review is due on this day; empty: never reviewed.")  # fmt: skip
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = [F("review_due").asc(nulls_first=True), "id"]
        default_permissions = ("view", "change")
        permissions = [("override_customerrisk", "Can override a customer's computed risk rating")]
        constraints = [
            models.CheckConstraint(
                name="customer_risk_override_has_reason", condition=Q(override_rating="") | ~Q(override_reason="")
            ),
        ]

    def __str__(self) -> str:
        return f"KYC of {self.customer}"

    @property
    def effective_rating(self) -> str:
        """The override when an officer set one, else the computed rating."""
        return self.override_rating or self.rating

    @property
    def state(self) -> str:
        from .kyc.rating import kyc_state

        return kyc_state(self.review_due)


def _document_path(instance, filename: str) -> str:
    """Stored under a random name: the original name (often a person's name) stays in the database."""
    import uuid

    return f"kyc/{instance.customer_id}/{uuid.uuid4().hex}.enc"


class IdentityDocument(models.Model):
    """An identity or address document of a customer, in private storage and encrypted at rest with the
    bank's Fernet keys (`apps.core.crypto`) before it is stored: the stored file is the ciphertext. It is
    read only through a permission-checked view that decrypts it and audits each view."""

    customer = models.ForeignKey("transactions.Customer", on_delete=models.PROTECT, related_name="identity_documents")
    kind = models.CharField(max_length=24, choices=DocumentKind.choices)
    file = models.FileField(upload_to=_document_path, max_length=255, help_text="The encrypted bytes.")
    name = models.CharField(max_length=200, help_text="The file's original name.")
    content_type = models.CharField(max_length=50, help_text="Found from the content, not the browser's word.")
    size = models.PositiveIntegerField(help_text="Of the original file, in bytes.")
    sha256 = models.CharField(max_length=64, help_text="Of the original bytes, checked when it is read.")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-uploaded_at", "-id"]
        default_permissions = ("view", "add")

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.name}"


class MonitoringCursor(models.Model):
    """How far the AML scenarios have looked at stored transactions: the highest transaction id they
    have run over. A run takes the transactions after it, runs the scenarios for their customers and
    moves it on, in one database transaction."""

    name = models.SlugField(max_length=40, unique=True)
    last_id = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.name}: after #{self.last_id}"


class CorrectiveAction(models.Model):
    """Work that puts a compliance finding right: what is to be done, by whom, by when. The owner starts
    it and marks it done with a note and evidence; another person verifies it (or sends it back).
    Actions past their day and not done count against the compliance score."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        IN_PROGRESS = "in_progress", "In progress"
        DONE = "done", "Done, to verify"
        VERIFIED = "verified", "Verified"

    class Source(models.TextChoices):
        CASE = "case", "A compliance case"
        BREACH = "breach", "A breach"
        KPI = "kpi", "A KPI"
        FINDING = "finding", "An audit or review finding"

    title = models.CharField(max_length=200)
    plan = models.TextField(help_text="What is to be done.")
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.FINDING)
    domain = models.CharField(max_length=16, choices=Domain.choices, default=Domain.AML, db_index=True,
                              help_text="The part of the compliance score it counts against when overdue.")  # fmt: skip
    source_ref = models.CharField(max_length=100, blank=True, help_text="The breach, KPI or finding it answers.")
    case = models.ForeignKey("fraud.Case", null=True, blank=True, on_delete=models.PROTECT, related_name="actions")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    due_on = models.DateField(db_index=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN, db_index=True)
    done_note = models.TextField(blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    verified_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")  # fmt: skip
    verified_at = models.DateTimeField(null=True, blank=True)
    verify_note = models.TextField(blank=True)
    reminded_before_at = models.DateTimeField(null=True, blank=True)
    reminded_overdue_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")  # fmt: skip
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["due_on", "id"]
        permissions = [("verify_correctiveaction", "Can verify another person's corrective action")]
        constraints = [
            models.CheckConstraint(name="action_verifier_not_owner",
                                   condition=Q(verified_by__isnull=True) | ~Q(verified_by=F("owner"))),
            models.CheckConstraint(name="action_verified_by_someone",
                                   condition=~Q(status="verified") | Q(verified_by__isnull=False)),
        ]  # fmt: skip

    def __str__(self) -> str:
        return f"ACT-{self.pk:05d} {self.title}" if self.pk else self.title

    @property
    def reference(self) -> str:
        return f"ACT-{self.pk:05d}"


def _evidence_path(instance, filename: str) -> str:
    import uuid

    return f"actions/{instance.action_id}/{uuid.uuid4().hex}.enc"


class ActionEvidence(models.Model):
    """A file showing a corrective action was done, encrypted at rest like identity documents."""

    action = models.ForeignKey(CorrectiveAction, on_delete=models.CASCADE, related_name="evidence")
    file = models.FileField(upload_to=_evidence_path, max_length=255, help_text="The encrypted bytes.")
    name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=50)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")  # fmt: skip
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at", "id"]
        default_permissions = ("view", "add")

    def __str__(self) -> str:
        return self.name


# ------------------------------------------------------------------------------------ the compliance score
class KpiSnapshot(models.Model):
    """A KPI's value on one day in the bank's zone: kept up to date through the day (the live figure),
    the last one of a day stays as that day's point on the trend."""

    class Status(models.TextChoices):
        ON_TARGET = "on_target", "On target"
        OK = "ok", "Within the warning level"
        APPROACHING = "approaching", "Approaching"
        BREACH = "breach", "Breach"

    kpi = models.SlugField(max_length=64)
    day = models.DateField()
    numerator = models.BigIntegerField()
    denominator = models.BigIntegerField(null=True, blank=True, help_text="Empty for a count.")
    value = models.DecimalField(max_digits=18, decimal_places=2)
    score = models.DecimalField(max_digits=5, decimal_places=2, help_text="0-100 against its levels.")
    status = models.CharField(max_length=12, choices=Status.choices)
    threshold = models.ForeignKey(Threshold, null=True, on_delete=models.PROTECT, related_name="+",
                                  help_text="The version of its levels it was measured against.")  # fmt: skip
    computed_at = models.DateTimeField()

    class Meta:
        ordering = ["kpi", "-day"]
        default_permissions = ("view",)
        constraints = [models.UniqueConstraint(fields=["kpi", "day"], name="kpi_snapshot_once_a_day")]

    def __str__(self) -> str:
        return f"{self.kpi} on {self.day}: {self.value}"


class ScoreSnapshot(models.Model):
    """The compliance score on one day: overall (`domain` empty) and per domain, 0-100."""

    domain = models.CharField(max_length=16, blank=True, choices=Domain.choices)
    day = models.DateField()
    score = models.DecimalField(max_digits=5, decimal_places=2)
    computed_at = models.DateTimeField()

    class Meta:
        ordering = ["domain", "-day"]
        default_permissions = ("view",)
        constraints = [models.UniqueConstraint(fields=["domain", "day"], name="score_snapshot_once_a_day")]

    def __str__(self) -> str:
        return f"{self.domain or 'overall'} on {self.day}: {self.score}"


class Breach(models.Model):
    """A KPI past its breach level: opened when a refresh finds it there (an alert, a compliance case and
    the officers told), closed by the refresh that finds it back under the level. At most one open
    breach per KPI, held by the database (`open_kpi` is unique and set only while open)."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        CLOSED = "closed", "Closed"

    kpi = models.SlugField(max_length=64, db_index=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN, db_index=True)
    open_kpi = only_while("kpi", status="open", field=models.CharField(max_length=64))
    value = models.DecimalField(max_digits=18, decimal_places=2, help_text="When it opened.")
    level = models.DecimalField(max_digits=18, decimal_places=2, help_text="The breach level it crossed.")
    worst = models.DecimalField(max_digits=18, decimal_places=2, help_text="The worst value while open.")
    alert = models.OneToOneField("fraud.Alert", null=True, blank=True, on_delete=models.SET_NULL, related_name="breach")
    opened_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)
    closing_value = models.DecimalField(max_digits=18, decimal_places=2, null=True, blank=True)

    class Meta:
        ordering = ["-opened_at", "-id"]
        default_permissions = ("view",)

    def __str__(self) -> str:
        return f"BR-{self.pk:05d} {self.kpi}" if self.pk else self.kpi

    @property
    def reference(self) -> str:
        return f"BR-{self.pk:05d}"
