from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from .choices import AlertStatus, RuleStatus, Severity


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

    class Meta:
        ordering = ["code", "-version"]
        permissions = [("approve_rule", "Can approve or reject another person's rule")]
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="rule_code_version_unique"),
            models.UniqueConstraint(fields=["code"], condition=Q(status="active"), name="rule_one_active_version"),
            models.CheckConstraint(name="rule_weight_0_100", condition=Q(weight__lte=100)),
        ]

    def __str__(self) -> str:
        return f"{self.code} v{self.version} ({self.get_status_display()})"


class Alert(models.Model):
    """Something risky, for staff to look at. Cases (issue 5) gather alerts on one subject."""

    transaction = models.OneToOneField(
        "transactions.Transaction", null=True, blank=True, on_delete=models.PROTECT, related_name="alert"
    )
    subject = models.CharField(max_length=100, db_index=True, help_text="customer:<id>, account:<id> …")
    severity = models.CharField(max_length=8, choices=Severity.choices, db_index=True)
    score = models.PositiveSmallIntegerField()
    decision = models.CharField(max_length=8)
    reasons = models.JSONField(default=list)
    status = models.CharField(max_length=8, choices=AlertStatus.choices, default=AlertStatus.OPEN, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_severity_display()} alert #{self.pk} ({self.subject})"


class ModelVersion(models.Model):
    """A trained fraud model: its signed artefact, features, library versions and test metrics."""

    class Status(models.TextChoices):
        CANDIDATE = "candidate", "Candidate"
        ACTIVE = "active", "Active"
        RETIRED = "retired", "Retired"

    version = models.CharField(max_length=64, unique=True)
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

    class Meta:
        ordering = ["-created_at"]
        permissions = [("activate_modelversion", "Can activate a model version by hand")]
        constraints = [
            models.UniqueConstraint(fields=["status"], condition=Q(status="active"), name="one_active_model")
        ]

    def __str__(self) -> str:
        return f"{self.version} ({self.get_status_display()})"
